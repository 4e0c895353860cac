"""The national overview: provinces side by side, types and regions, the composite audit and the
reconciliation with published results (`national_overview.ipynb`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from lpa_analysis import i18n, plots, reference, stats
from lpa_analysis.i18n import fmt_num, fmt_p, fmt_pct, fmt_signed, t, year_label
from lpa_analysis.processed import DEFAULT_PROCESSED, Processed, load_processed
from lpa_analysis.report import benchmarking, mainpoints
from lpa_analysis.report.base import (
    ReportBase, change_basis_text, change_numbers, findings_counts, published_method_change_text,
    reconciliation_named,
)
from lpa_analysis.schema import DIM_PCT, to_be_year
from lpa_analysis.settings import RANK_INTERVAL
from lpa_analysis.stats._common import MISSING_YEAR


@dataclass
class NationalReport(ReportBase):
    """The national overview: provinces side by side, types and regions, the composite audit
    and the reconciliation with published results."""

    year: int
    lang: str
    processed: Processed
    history: dict[int, pd.DataFrame]
    reference: dict[str, pd.DataFrame]
    parameters: dict = field(default_factory=dict)

    @cached_property
    def national(self) -> pd.DataFrame:
        return self.processed.scored_laos

    def _province_labels(self, codes) -> list[str]:
        return [i18n.province_label(c, self.lang) for c in codes]

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        from lpa_analysis.stats import composite

        return {
            "main_points": self.main_points_table(),
            "summary": stats.pass_rate(self.national).assign(
                mean_overall=self.national["overall_pct"].mean(),
                n_provinces=self.national["province_code"].nunique()),
            "bands": stats.band_shares(self.national),
            "provinces": self.provinces_table(),
            "funnel": self.funnel_table(),
            "league": self.league_table(),
            "types": stats.type_table(self.national),
            "pairwise": stats.pairwise_types(self.national),
            "regions": stats.pass_rate(self.national, by="region"),
            "trend_regions": self.reference["trend_region"],
            "year_change": self.reference["year_change"],
            "indicator_distribution": (dist := self.reference["indicator_distribution"]),
            "outlier_indicators": dist[dist["flag_outliers"].fillna(False).astype(bool)],
            "correlations": composite.dimension_correlations(self.national),
            "alpha": self.reference["alpha"],
            "pca": composite.pca_dimensions(self.national),
            "team_effect": self._with_province(self.reference["team_effect"]),
            "reconciliation": reconciliation_named(self.processed.reconciliation,
                                                   self.national, self.lang),
            "quality": findings_counts(self.processed.quality_findings),
        }

    def provinces_table(self) -> pd.DataFrame:
        rates = stats.pass_rate(self.national, by="province_code")
        means = (self.national.groupby("province_code")["overall_pct"].agg(["mean", "median"])
                 .rename(columns={"mean": "mean_overall", "median": "median_overall"})
                 .reset_index())
        table = rates.merge(means, on="province_code", how="left")
        table.insert(1, "province", self._province_labels(table["province_code"]))
        return table

    def _with_province(self, table: pd.DataFrame) -> pd.DataFrame:
        """A per-province table with the province's name beside its code."""
        named = table.copy()
        named.insert(1, "province", self._province_labels(named["province_code"]))
        return named

    def funnel_table(self) -> pd.DataFrame:
        """The reference funnel table (mean overall score, then pass rate), province names
        beside the codes."""
        funnel = self.reference["funnel"].copy()
        funnel.insert(2, "province", self._province_labels(funnel["province_code"]))
        return funnel

    def league_table(self) -> pd.DataFrame:
        league = self.reference["league"].copy()
        league.insert(1, "province", self._province_labels(league["province_code"]))
        return league

    def title(self) -> str:
        return "# " + t("report.national.title", self.lang, year=year_label(self.year, self.lang))

    # -- main points (page 1): the figures first, as a table; the bullets are read from it --
    def main_points_table(self) -> pd.DataFrame:
        """Every number of the main points, one row each (mainpoints.MAIN_POINTS_COLUMNS)."""
        national = stats.pass_rate(self.national).iloc[0]
        regions = stats.pass_rate(self.national, by="region")
        dims = stats.describe(self.national)
        weakest_dim = dims[dims["measure"].isin(DIM_PCT)].nsmallest(1, "mean")
        indicators = self.reference["indicator_distribution"]
        weakest = indicators[~indicators["pilot"].astype(bool)].dropna(subset=["mean"])
        weakest = weakest.nsmallest(3, "mean")
        names = {i.id: i.name_th if self.lang == "th" else i.name_en
                 for i in self.processed.framework.indicators}
        below = self.national[~self.national["passed"].astype(bool)]
        below = (below.groupby("province_code").size().rename("count").reset_index()
                 .sort_values(["count", "province_code"], ascending=[False, True]))
        sizes = self.national.groupby("province_code").size()
        label = t("chart.national", self.lang)
        rows = [
            mainpoints.rate_row("pass_rate", "national", None, label, national,
                                min_score=self.pass_mark),
            *self._main_points_change(),
            *(row for region, frame in self.national.groupby("region", sort=True)
              for row in mainpoints.band_rows(frame, "region",
                                              i18n.region_label(region, self.lang),
                                              self.processed.framework)),
            *mainpoints.band_rows(self.national, "national", label, self.processed.framework),
            *(mainpoints.rate_row("regions", "region", r["region"],
                                  i18n.region_label(r["region"], self.lang), r)
              for r in regions.to_dict("records")),
            *({"point": "weakest_dimension", "level": "national", "item": r["measure"],
               "label": i18n.dimension_label(int(r["measure"][1]), self.lang), "n": r["n"],
               "percent": r["mean"]} for r in weakest_dim.to_dict("records")),
            *({"point": "weakest_indicators", "level": "national", "item": r["indicator_id"],
               "label": names.get(r["indicator_id"]), "n": r["n"], "percent": 100 * r["mean"]}
              for r in weakest.to_dict("records")),
            *({"point": "below_pass_mark", "level": "province", "item": r["province_code"],
               "label": i18n.province_label(r["province_code"], self.lang),
               "n": sizes[r["province_code"]], "count": r["count"]}
              for r in below.to_dict("records")),
        ]
        return mainpoints.main_points_frame(rows)

    def _main_points_change(self) -> list[dict]:
        """The change of the overall score from the previous year on that pair of years'
        comparable basis (tables["year_change"]: Hodges–Lehmann estimate of the typical change)."""
        change = self.reference["year_change"]
        change = change[(change["year_b"] == self.year) & (change["measure"] == "overall_pct")]
        return [{"point": "change", "level": "national", "item": "overall_pct",
                 "label": f"{year_label(r['year_a'], self.lang)}–"
                          f"{year_label(r['year_b'], self.lang)}",
                 "n": r["n_pairs"], "change": r["hl_estimate"]}
                for r in change.to_dict("records") if pd.notna(r["hl_estimate"])]

    def _main_points_bullets(self) -> list[str]:
        mp, lang = self.tables["main_points"], self.lang
        nation = mp[mp["point"] == "pass_rate"].iloc[0]
        bullets = [t("main_points.national_pass_rate", lang, passed=fmt_num(nation["count"]),
                     n=fmt_num(nation["n"]), threshold=f"{self.pass_mark:g}",
                     rate=fmt_pct(nation["percent"]))]
        change = mp[mp["point"] == "change"]
        earlier = [y for y in self.history if y < self.year]
        if not earlier:
            bullets.append(t("main_points.first_year", lang))
        elif change.empty:
            bullets.append(t("main_points.not_comparable", lang,
                             previous_year=year_label(max(earlier), lang)))
        else:
            bullets.append(t("main_points.national_change", lang,
                             previous_year=year_label(max(earlier), lang),
                             n_pairs=fmt_num(change.iloc[0]["n"]),
                             change=fmt_signed(change.iloc[0]["change"], 2)))
        bands = mp[(mp["point"] == "bands") & (mp["level"] == "national")]
        bullets.append(t("main_points.bands", lang, bands=mainpoints.bands_text(bands, lang)))
        bullets.append(mainpoints.spread_text(mp[mp["point"] == "regions"],
                                              "main_points.regions", lang))
        dim = mp[mp["point"] == "weakest_dimension"].iloc[0]
        indicators = mp[mp["point"] == "weakest_indicators"]
        bullets.append(t("main_points.national_weakest", lang, dimension=dim["label"],
                         mean=fmt_pct(dim["percent"]),
                         indicators=", ".join(t("main_points.indicator", lang, id=i, name=n,
                                                attainment=fmt_pct(a)) for i, n, a in
                                              zip(indicators["item"], indicators["label"],
                                                  indicators["percent"]))))
        below = mp[mp["point"] == "below_pass_mark"]
        if below.empty:
            bullets.append(t("main_points.national_below_none", lang))
        else:
            listed = below.head(mainpoints.NAMES_LISTED)
            bullets.append(t("main_points.national_below", lang,
                             n=fmt_num(below["count"].sum()), n_provinces=fmt_num(len(below)),
                             provinces=", ".join(t("main_points.province_count", lang,
                                                   province=p, count=fmt_num(c))
                                                 for p, c in zip(listed["label"],
                                                                 listed["count"]))))
        return bullets

    def main_points(self) -> mainpoints.MainPoints:
        """The box on page 1: the main points and the headline chart (bands by region)."""
        return mainpoints.MainPoints(self.lang, self._main_points_bullets(),
                                     self.chart("main_points"))

    def _text_summary(self) -> list[str]:
        s = self.tables["summary"].iloc[0]
        return [t("national.summary", self.lang, n=fmt_num(s["n"]),
                  n_provinces=fmt_num(s["n_provinces"]), rate=fmt_pct(100 * s["rate"]),
                  ci_low=fmt_pct(100 * s["ci_low"]), ci_high=fmt_pct(100 * s["ci_high"]),
                  mean=fmt_pct(s["mean_overall"]))]

    def _text_reconciliation(self) -> list[str]:
        recon = self.tables["reconciliation"]
        return [t("national.reconciliation", self.lang, n=fmt_num(len(recon)),
                  n_laos=fmt_num(recon["lao_code"].nunique()))]

    def _text_trend(self) -> list[str]:
        """The change of the overall score from each year to the next, all LAOs, each pair of
        years on its comparable basis: every number is a cell of tables["year_change"]."""
        overall = self.tables["year_change"]
        overall = overall[overall["measure"] == "overall_pct"]
        lines = [t("trend.national_intro", self.lang)]
        for row in overall.to_dict("records"):
            years = {"previous_year": year_label(row["year_a"], self.lang),
                     "year": year_label(row["year_b"], self.lang)}
            if row["note"] == MISSING_YEAR:
                lines.append(t("trend.national_missing", self.lang, **years))
                continue
            lines.append(change_basis_text(row, self.lang))
            if pd.isna(row["p_value"]) or pd.isna(row["hl_ci_low"]):
                lines.append(t("trend.too_few_pairs", self.lang, **years))
                continue
            lines.append(t("trend.national_change", self.lang, **years,
                           n_pairs=fmt_num(row["n_pairs"]), **change_numbers(row)))
        changed = overall[overall["overall_method_a"].notna()
                          & (overall["overall_method_a"] != overall["overall_method_b"])]
        # the regions' trend chart shows published scores
        lines += [published_method_change_text(r["year_a"], r["year_b"], r["overall_method_a"],
                                               r["overall_method_b"], self.lang)
                  for r in changed.to_dict("records")]
        return lines

    def _text_benchmarking(self) -> list[str]:
        funnel = self.tables["funnel"]
        outside = funnel[funnel["flag"].astype("string").str.contains("998").fillna(False)
                         .astype(bool)]
        mean = benchmarking.measure_rows(outside, benchmarking.LEAD_MEASURE)
        assessment = mean[benchmarking.is_assessment_effect(mean["flag"])]
        passing = benchmarking.measure_rows(outside, benchmarking.PASS_MEASURE)
        return [t("benchmarking.funnel_intro", self.lang),
                t("national.outside", self.lang, n=fmt_num(len(mean)),
                  provinces=self._listed(mean)),
                *([t("national.outside_assessment", self.lang, n=fmt_num(len(assessment)),
                     provinces=self._listed(assessment))] if len(assessment) else []),
                t("national.outside_pass", self.lang, n=fmt_num(len(passing)),
                  provinces=self._listed(passing))]

    def _text_method_notes(self) -> list[str]:
        """The methods appendix: how scores, bands, intervals, funnels and ranks are made."""
        framework = self.processed.framework
        bands = t("method.bands", self.lang, threshold=f"{framework.pass_threshold:g}",
                  bands=mainpoints.band_cutoffs_text(framework, self.lang))
        return [f"- {t('method.scores', self.lang, threshold=fmt_num(framework.pass_threshold))}",
                f"- {bands}",
                *(f"- {t(k, self.lang)}" for k in ("method.ci", "method.funnel")),
                f"- {benchmarking.dispersion_sentence(self.tables['funnel'], self.lang)}",
                f"- {benchmarking.ranks_method_note(self.lang)}",
                f"- {t('method.years', self.lang)}",
                *(f"- {line}" for line in self._change_tests())]

    def _change_tests(self) -> list[str]:
        """The test of each pair of years' change (tables["year_change"], overall score), for
        the method notes: the trend section says what they mean."""
        overall = self.tables["year_change"]
        overall = overall[(overall["measure"] == "overall_pct") & overall["p_value"].notna()
                          & overall["hl_ci_low"].notna()]
        return [t("method.change_test", self.lang,
                  previous_year=year_label(r["year_a"], self.lang),
                  year=year_label(r["year_b"], self.lang), n_zero=fmt_num(r["n_zero"]),
                  n_changed=fmt_num(r["n_pairs"] - r["n_zero"]), **change_numbers(r),
                  p=fmt_p(r["p_value"])) for r in overall.to_dict("records")]

    @staticmethod
    def _listed(rows: pd.DataFrame) -> str:
        return ", ".join(rows["province"]) or "–"

    def _chart_main_points(self):
        """The headline chart: bands of each region and the nation."""
        mp = self.tables["main_points"]
        bands = mp[mp["point"] == "bands"]
        return plots.band_bars(bands.assign(band=bands["item"], share=bands["percent"]),
                               lang=self.lang, scale=1)

    def _chart_map(self):
        values = self.tables["provinces"].assign(value=lambda d: 100 * d["rate"])
        return plots.province_map(values, value="value", lang=self.lang,
                                  label=t("chart.pass_rate_pct", self.lang))

    def _chart_funnel(self):
        return benchmarking.funnel_chart(self.tables["funnel"], benchmarking.LEAD_MEASURE,
                                         self.national, self.lang)

    def _chart_funnel_pass(self):
        return benchmarking.funnel_chart(self.tables["funnel"], benchmarking.PASS_MEASURE,
                                         self.national, self.lang)

    def _chart_league(self):
        league = self.tables["league"]
        ranks = league.assign(unit=league["province_code"], label=league["province"],
                              rank_low=league["rank_boot_low"],
                              rank_high=league["rank_boot_high"])
        return plots.rank_interval_plot(ranks, lang=self.lang, label_limit=40,
                                        level=RANK_INTERVAL)

    def _chart_types(self):
        return plots.type_comparison(self.national, lang=self.lang, pass_mark=self.pass_mark)

    def _chart_regions(self):
        rates = self.tables["regions"].assign(
            label=lambda d: [i18n.region_label(r, self.lang) for r in d["region"]])
        return plots.bar_with_ci(rates, lang=self.lang)

    def _chart_trend(self):
        trend = self.tables["trend_regions"]
        trend = trend[trend["measure"] == "overall_pct"].assign(
            series=lambda d: [i18n.region_label(r, self.lang) for r in d["region"]],
            value=lambda d: d["estimate"])
        return plots.trend_lines(trend, lang=self.lang, pass_mark=self.pass_mark)

    def _chart_correlations(self):
        return plots.heatmap(self.correlation_cells(), lang=self.lang, scale=1,
                             value_label=t("chart.spearman_rho", self.lang),
                             title=t("chart.correlations_title", self.lang),
                             caption=t("chart.correlations_caption", self.lang))

    def correlation_cells(self) -> pd.DataFrame:
        """The dimensions' correlation matrix as heatmap cells: rows and columns in the same
        (dimension) order, 1 on the diagonal."""
        corr = self.tables["correlations"]
        both = pd.concat([corr, corr.rename(columns={"measure_a": "measure_b",
                                                     "measure_b": "measure_a"})])
        measures = sorted(set(both["measure_a"]))
        diagonal = pd.DataFrame({"measure_a": measures, "measure_b": measures, "rho": 1.0})
        order = {m: k for k, m in enumerate(measures)}
        cells = pd.concat([both, diagonal]).sort_values(
            ["measure_a", "measure_b"], key=lambda s: s.map(order))
        label = {m: i18n.dimension_label(int(m[1:-4]), self.lang, short=True) for m in measures}
        return cells.assign(row=cells["measure_a"].map(label), col=cells["measure_b"].map(label),
                            value=cells["rho"])

    # -- section registry: what rep.text(name) and rep.chart(name) call --
    KIND = "national"
    GLOSSARY = ("pass_mark", "bands", "attainment", "comparable", "median", "ci95", "wilson",
                "significant", "hodges_lehmann", "funnel", "team_effect", "rank_interval",
                "spearman", "cronbach_alpha", "eigenvalue")
    TEXTS = {"summary": _text_summary, "glossary": ReportBase._text_glossary,
             "method_notes": _text_method_notes, "reconciliation": _text_reconciliation,
             "benchmarking": _text_benchmarking, "trend": _text_trend}
    CHARTS = {"main_points": _chart_main_points, "map": _chart_map, "funnel": _chart_funnel,
              "funnel_pass": _chart_funnel_pass,
              "league": _chart_league, "types": _chart_types, "regions": _chart_regions,
              "trend": _chart_trend, "correlations": _chart_correlations}


def national_report(year: int = 2566, *, lang: str = "th",
                    processed_dir: str | Path = DEFAULT_PROCESSED) -> NationalReport:
    """Everything the national overview shows, from the processed tables only. Builds
    nothing: an unbuilt year is an error that names the command to run."""
    year = to_be_year(year)
    i18n.check_lang(lang)
    processed_dir = Path(processed_dir)
    return NationalReport(
        year=year, lang=lang, processed=load_processed(year, processed_dir),
        history=reference.history(year, processed_dir),
        reference=reference.load(year, processed_dir),
        parameters={"year": year, "lang": lang, "processed_dir": str(processed_dir)})


