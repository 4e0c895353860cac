"""The national overview: provinces side by side, types and regions, the composite audit and the
reconciliation with published results (`national_overview.ipynb`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from lpa_analysis import i18n, plots, reference, stats
from lpa_analysis.i18n import fmt_num, fmt_p, fmt_pct, t, year_label
from lpa_analysis.processed import DEFAULT_PROCESSED, Processed, load_processed
from lpa_analysis.report import benchmarking
from lpa_analysis.report.base import (
    ReportBase, change_basis_text, change_numbers, findings_counts, published_method_change_text,
)
from lpa_analysis.schema import to_be_year
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
            "team_effect": self.reference["team_effect"],
            "reconciliation": self.processed.reconciliation,
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
                           n_pairs=fmt_num(row["n_pairs"]), **change_numbers(row),
                           p=fmt_p(row["p_value"])))
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
                benchmarking.dispersion_sentence(funnel, self.lang),
                t("national.outside", self.lang, n=fmt_num(len(mean)),
                  provinces=self._listed(mean)),
                *([t("national.outside_assessment", self.lang, n=fmt_num(len(assessment)),
                     provinces=self._listed(assessment))] if len(assessment) else []),
                t("national.outside_pass", self.lang, n=fmt_num(len(passing)),
                  provinces=self._listed(passing))]

    @staticmethod
    def _listed(rows: pd.DataFrame) -> str:
        return ", ".join(rows["province"]) or "–"

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
        corr = self.tables["correlations"]
        both = pd.concat([corr, corr.rename(columns={"measure_a": "measure_b",
                                                     "measure_b": "measure_a"})])
        label = {f"d{d}_pct": i18n.dimension_label(d, self.lang, short=True) for d in range(1, 6)}
        cells = both.assign(row=both["measure_a"].map(label), col=both["measure_b"].map(label),
                            value=both["rho"])
        return plots.heatmap(cells, lang=self.lang, scale=1, value_label="Spearman ρ")

    # -- section registry: what rep.text(name) and rep.chart(name) call --
    TEXTS = {"summary": _text_summary, "reconciliation": _text_reconciliation,
             "benchmarking": _text_benchmarking, "trend": _text_trend}
    CHARTS = {"map": _chart_map, "funnel": _chart_funnel, "funnel_pass": _chart_funnel_pass,
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


