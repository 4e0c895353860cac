"""The national overview: provinces side by side, types and regions, the composite audit and the
reconciliation with published results (`national_overview.ipynb`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from lpa_analysis import i18n, plots, reference, stats
from lpa_analysis.i18n import fmt_as, fmt_num, fmt_p, fmt_pct, fmt_signed, t, year_label
from lpa_analysis.processed import DEFAULT_PROCESSED, Processed, load_processed
from lpa_analysis.report import benchmarking, mainpoints
from lpa_analysis.report.base import (
    ReportBase, change_basis_text, change_numbers, findings_counts, published_method_change_text,
    reconciliation_named, reconciliation_results, trend_caption,
)
from lpa_analysis.schema import DIM_PCT, to_be_year
from lpa_analysis.settings import ALPHA, MIN_GROUP_N, RANK_INTERVAL
from lpa_analysis.stats._common import MISSING_YEAR

# Cronbach's α from which a dimension's indicators are read as measuring one thing
# consistently (the usual rule of thumb; glossary.cronbach_alpha says the same).
ALPHA_CONSISTENT = 0.7
# The team-effect flags as a note in other tables (value.team_*).
TEAM_NOTES = {"lenient": "team_lenient", "strict": "team_strict"}


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
            "outlier_indicators": self._named_indicators(
                dist[dist["flag_outliers"].fillna(False).astype(bool)]),
            "correlations": composite.dimension_correlations(self.national),
            "alpha": self.reference["alpha"],
            "pca": composite.pca_dimensions(self.national),
            "team_effect": self._with_province(self.reference["team_effect"]),
            "reconciliation": reconciliation_results(reconciliation_named(
                self.processed.reconciliation, self.national, self.lang),
                self.processed.framework),
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
        """The league table, with a note where the province's assessment team is flagged: its
        rank then reflects the assessment as much as the LAOs."""
        league = self.reference["league"].copy()
        league.insert(1, "province", self._province_labels(league["province_code"]))
        flags = self._team_flags().set_index("province_code")["flag"]
        league["team_note"] = league["province_code"].map(flags).map(TEAM_NOTES)
        return league

    def _team_flags(self) -> pd.DataFrame:
        """The provinces whose assessment team is flagged lenient or strict (Holm-adjusted),
        from the reference table (main_points_table reads it before `tables` exists)."""
        teams = self.reference["team_effect"]
        return teams[teams["flag"].notna()]

    def _named_indicators(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Indicator rows with the indicator's name beside its id."""
        names = {i.id: i.name_th if self.lang == "th" else i.name_en
                 for i in self.processed.framework.indicators}
        named = rows.copy()
        named.insert(1, "indicator", named["indicator_id"].map(names))
        return named

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
            *self._main_points_teams(),
            *self._main_points_outside(),
        ]
        return mainpoints.main_points_frame(rows)

    def _main_points_teams(self) -> list[dict]:
        """Each flagged assessment team (points above the average of all provinces, CI), with
        its province's LAOs and failures; and each region with a flagged team, its pass rate
        without those provinces: how much of a regional figure the assessment explains."""
        teams = self._team_flags()
        laos = self.national
        failed = (~laos["passed"].astype(bool)).groupby(laos["province_code"]).sum()
        region_of = laos.groupby("province_code")["region"].first()
        rows = [{"point": "team_effect", "level": "province", "item": r["province_code"],
                 "label": i18n.province_label(r["province_code"], self.lang),
                 "n": r["n"], "count": failed.get(r["province_code"], 0),
                 "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}
                for r in teams.to_dict("records")]
        for region in sorted(set(region_of.reindex(teams["province_code"]).dropna())):
            rest = laos[(laos["region"] == region)
                        & ~laos["province_code"].isin(teams["province_code"])]
            if len(rest):
                rows.append(mainpoints.rate_row(
                    "region_without_flagged", "region", region,
                    i18n.region_label(region, self.lang), stats.pass_rate(rest).iloc[0]))
        return rows

    def _main_points_outside(self) -> list[dict]:
        """The provinces whose mean overall score lies outside the funnel's 99.8% limits, with
        the team effect where their team is flagged in the direction of their position; and
        the national mean they are compared with."""
        funnel = benchmarking.measure_rows(self.reference["funnel"], benchmarking.LEAD_MEASURE)
        if funnel.empty:
            return []
        outside = funnel[funnel["flag"].astype("string").str.contains("998", na=False)
                         .astype(bool)]
        effect = self._team_flags().set_index("province_code")["estimate"]
        assessment = benchmarking.is_assessment_effect(outside["flag"])
        return [{"point": "outside_funnel", "level": "national", "item": None,
                 "label": t("chart.national", self.lang), "n": len(self.national),
                 "percent": funnel["target"].iloc[0]},
                *({"point": "outside_funnel", "level": "province", "item": r["province_code"],
                   "label": i18n.province_label(r["province_code"], self.lang), "n": r["n"],
                   "percent": r["value"],
                   "estimate": effect.get(r["province_code"]) if is_team else None}
                  for r, is_team in zip(outside.to_dict("records"), assessment))]

    def _main_points_change(self) -> list[dict]:
        """The change of the overall score from the previous year on that pair of years'
        comparable basis (tables["year_change"]: Hodges–Lehmann estimate and its 95% CI)."""
        change = self.reference["year_change"]
        change = change[(change["year_b"] == self.year) & (change["measure"] == "overall_pct")]
        return [{"point": "change", "level": "national", "item": "overall_pct",
                 "label": f"{year_label(r['year_a'], self.lang)}–"
                          f"{year_label(r['year_b'], self.lang)}",
                 "n": r["n_pairs"], "change": r["hl_estimate"], "ci_low": r["hl_ci_low"],
                 "ci_high": r["hl_ci_high"]}
                for r in change.to_dict("records") if pd.notna(r["hl_estimate"])]

    def _main_points_bullets(self) -> list[str]:
        mp, lang = self.tables["main_points"], self.lang
        nation = mp[mp["point"] == "pass_rate"].iloc[0]
        bands = mp[(mp["point"] == "bands") & (mp["level"] == "national")]
        bullets = [t("main_points.national_pass_rate", lang, passed=fmt_num(nation["count"]),
                     n=fmt_num(nation["n"]), threshold=f"{self.pass_mark:g}",
                     rate=fmt_pct(nation["percent"]))
                   + " " + t("main_points.bands", lang, bands=mainpoints.bands_text(bands, lang))]
        change = mp[mp["point"] == "change"]
        earlier = [y for y in self.history if y < self.year]
        if not earlier:
            bullets.append(t("main_points.first_year", lang))
        elif change.empty:
            bullets.append(t("main_points.not_comparable", lang,
                             previous_year=year_label(max(earlier), lang)))
        else:
            row = change.iloc[0]
            direction = ("up" if row["ci_low"] > 0 else "down" if row["ci_high"] < 0
                         else "unclear")
            bullets.append(t(f"main_points.national_change.{direction}", lang,
                             previous_year=year_label(max(earlier), lang),
                             n_pairs=fmt_num(row["n"]), change=fmt_num(abs(row["change"]), 2),
                             ci_low=fmt_signed(row["ci_low"], 2),
                             ci_high=fmt_signed(row["ci_high"], 2)))
        regions = mp[mp["point"] == "regions"]
        bullets.append(" ".join([mainpoints.spread_text(regions, "main_points.regions", lang),
                                 *self._regions_assessment(mp)]))
        bullets.append(self._outside_bullet(mp))
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
            bullets.append(t("main_points.national_below", lang,
                             n=fmt_num(below["count"].sum()), n_provinces=fmt_num(len(below)),
                             provinces=self._below_listed(below, mp)))
        return bullets

    # A tie cut by the list is named in full up to this many provinces, else counted.
    TIES_NAMED = 2

    def _below_listed(self, below: pd.DataFrame, mp: pd.DataFrame) -> str:
        """'ปราจีนบุรี 13 แห่ง (ทีมประเมินให้คะแนนต่ำกว่าจังหวัดอื่น), …': the provinces with
        the most LAOs below the pass mark; a tie at the cut is named in full, or counted
        ('และอีก 3 จังหวัดที่มี 2 แห่ง'), never silently cut."""
        lang = self.lang
        listed = below.head(mainpoints.NAMES_LISTED)
        rest = below.iloc[len(listed):]
        tied = rest[rest["count"] == listed["count"].iloc[-1]]
        if len(tied) <= self.TIES_NAMED:
            listed, tied = pd.concat([listed, tied]), tied.iloc[:0]
        flags = _team_flag(mp[mp["point"] == "team_effect"]).set_index("item")["flag"]
        text = ", ".join(
            t("main_points.province_count", lang, province=p, count=fmt_num(c))
            + (" (" + t(f"value.{TEAM_NOTES[flags[code]]}", lang) + ")" if code in flags else "")
            for code, p, c in zip(listed["item"], listed["label"], listed["count"]))
        if len(tied):
            text += t("main_points.ties_more", lang, n=fmt_num(len(tied)),
                      count=fmt_num(tied["count"].iloc[0]))
        return text

    def _regions_assessment(self, mp: pd.DataFrame) -> list[str]:
        """Where a flagged team sits in the region with the lowest pass rate (strict) or the
        highest (lenient): how many of the region's failures are its province's, and the
        region's pass rate without it."""
        regions = mp[mp["point"] == "regions"]
        if regions.empty:
            return []
        teams = _team_flag(mp[mp["point"] == "team_effect"])
        without = mp[mp["point"] == "region_without_flagged"].set_index("item")
        region_of = self.national.groupby("province_code")["region"].first()
        low, high = mainpoints.extremes(regions)
        lines = []
        for row, flag in ((low, "strict"), (high, "lenient")):
            mine = teams[(teams["flag"] == flag)
                         & (teams["item"].map(region_of) == row["item"])]
            if mine.empty or row["item"] not in without.index:
                continue
            rest = without.loc[row["item"]]
            # the rate without the region's flagged provinces leaves out every one of them
            excluded = teams[teams["item"].map(region_of) == row["item"]]["label"]
            lines.append(t(f"main_points.region_team.{flag}", self.lang, region=row["label"],
                           excluded=", ".join(excluded),
                           provinces=", ".join(mine["label"]),
                           estimates=", ".join(fmt_signed(e, 2) for e in mine["estimate"]),
                           count=fmt_num(mine["count"].sum()),
                           failed=fmt_num(row["n"] - row["count"]),
                           rate=fmt_pct(rest["percent"])))
        return lines

    def _outside_bullet(self, mp: pd.DataFrame) -> str:
        """The provinces outside the funnel on the mean overall score: those whose team is not
        flagged first (their LAOs' performance), then those a flagged team explains."""
        rows = mp[mp["point"] == "outside_funnel"]
        provinces = rows[rows["level"] == "province"]
        if provinces.empty:
            return t("main_points.outside_none", self.lang)
        national = rows[rows["level"] == "national"].iloc[0]
        team = provinces["estimate"].notna()
        parts = [t("main_points.outside_one" if len(provinces) == 1 else "main_points.outside",
                   self.lang, n=fmt_num(len(provinces)), national=fmt_pct(national["percent"]))]
        if (~team).any():
            parts.append(t("main_points.outside_performance", self.lang, provinces=", ".join(
                f"{p} {fmt_pct(v)}" for p, v in zip(provinces.loc[~team, "label"],
                                                    provinces.loc[~team, "percent"]))))
        if team.any():
            parts.append(t("main_points.outside_team", self.lang, provinces=", ".join(
                t("main_points.outside_team_entry", self.lang, province=p, value=fmt_pct(v),
                  estimate=fmt_signed(e, 2))
                for p, v, e in zip(provinces.loc[team, "label"], provinces.loc[team, "percent"],
                                   provinces.loc[team, "estimate"]))))
        return " ".join(parts)

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
        """How many mismatches, which way the difference runs, and whether any changes an
        LAO's result (tables["reconciliation"] changes_result)."""
        recon = self.tables["reconciliation"]
        lines = [t("national.reconciliation", self.lang, n=fmt_num(len(recon)),
                   n_laos=fmt_num(recon["lao_code"].nunique()))]
        if recon.empty:
            return lines
        changed = recon[recon["changes_result"].fillna(False).astype(bool)]
        if changed.empty:
            return [*lines, t("national.reconciliation_results_none", self.lang)]
        names = ", ".join(dict.fromkeys(n if isinstance(n, str) else c for n, c in
                                        zip(changed["name"], changed["lao_code"])))
        return [*lines, t("national.reconciliation_results", self.lang,
                          n=fmt_num(len(changed)), names=names)]

    def _text_league(self) -> list[str]:
        """The caveat under the league table: ranks of provinces whose team is flagged."""
        league = self.tables["league"]
        noted = league[league["team_note"].notna()]
        if noted.empty:
            return []
        return [t("national.league_teams", self.lang, provinces=", ".join(
            t("national.league_rank", self.lang, province=p, rank=fmt_num(r))
            for p, r in zip(noted["province"], noted["rank"])))]

    def _text_types(self) -> list[str]:
        """The types test's finding in words: which types differ and which way (the pairs
        with Holm-adjusted p below ALPHA, tables["pairwise"])."""
        test = self.tables["types"].iloc[0]
        if test["k_groups"] < 2 or pd.isna(test["p_value"]):
            return []
        if test["p_value"] >= ALPHA:
            return [t("national.types_same", self.lang)]
        pairs = self.tables["pairwise"]
        clear = pairs[pairs["p_holm"] < ALPHA]
        # each pair as (higher type, its median, lower type, its median)
        ordered = [(r["group_a"], r["median_a"], r["group_b"], r["median_b"])
                   if r["rank_biserial"] > 0 else
                   (r["group_b"], r["median_b"], r["group_a"], r["median_a"])
                   for r in clear.to_dict("records")]
        label = {v: i18n.lao_type_label(v, self.lang, short=True)
                 for pair in ordered for v in (pair[0], pair[2])}
        words = []
        for high in sorted({p[0] for p in ordered}, key=lambda v: -next(
                p[1] for p in ordered if p[0] == v)):
            lows = sorted((p for p in ordered if p[0] == high), key=lambda p: -p[3])
            words.append(t("national.types_pair", self.lang, higher=label[high],
                           higher_median=fmt_pct(lows[0][1]),
                           lower=", ".join(f"{label[p[2]]} ({fmt_pct(p[3])})" for p in lows)))
        return [t("national.types_differ", self.lang,
                  effect=fmt_as(test["epsilon_sq"], "effect"),
                  share=fmt_pct(100 * test["epsilon_sq"])),
                t("national.types_pairs", self.lang, alpha=f"{ALPHA:g}", pairs="; ".join(words))
                if words else t("national.types_no_pairs", self.lang)]

    # -- the composite audit: what each of its tables found and what it means --
    def _text_alpha(self) -> list[str]:
        alpha = self.tables["alpha"].dropna(subset=["alpha"])
        if alpha.empty:
            return []
        lowest = alpha.nsmallest(1, "alpha").iloc[0]
        group = (t("chart.national", self.lang) if lowest["group"] == "national"
                 else i18n.lao_type_label(lowest["group"], self.lang, short=True))
        return [t("national.alpha", self.lang, low=fmt_as(alpha["alpha"].min(), "effect"),
                  high=fmt_as(alpha["alpha"].max(), "effect"),
                  n_ok=fmt_num((alpha["alpha"] >= ALPHA_CONSISTENT).sum()),
                  n=fmt_num(len(alpha)), threshold=f"{ALPHA_CONSISTENT:g}",
                  lowest=t("national.alpha_lowest", self.lang,
                           dimension=i18n.dimension_label(int(lowest["scale"].rsplit("_", 1)[1]),
                                                          self.lang, short=True),
                           group=group, value=fmt_as(lowest["alpha"], "effect"),
                           n_laos=fmt_num(lowest["n"])))]

    def _text_pca(self) -> list[str]:
        pca = self.tables["pca"].dropna(subset=["eigenvalue"])
        if pca.empty:
            return []
        first = pca.iloc[0]
        n_major = int((pca["eigenvalue"] > 1).sum())
        # the first component's eigenvalue is at least 1 (five eigenvalues summing to 5)
        return [t("national.pca" if n_major <= 1 else "national.pca_several", self.lang,
                  explained=fmt_pct(100 * first["explained"]),
                  eigenvalue=fmt_num(first["eigenvalue"], 2), n_major=fmt_num(n_major))]

    def _text_outliers(self) -> list[str]:
        rows = self.tables["outlier_indicators"]
        if rows.empty:
            return [t("national.outliers_none", self.lang)]
        items = [t(self._outlier_key(r), self.lang, name=r["indicator"], id=r["indicator_id"],
                   n_zero=fmt_num(round(r["share_zero"] * r["n"])), n=fmt_num(r["n"]))
                 for r in rows.to_dict("records")]
        return [t("national.outliers", self.lang, n=fmt_num(len(rows)),
                  indicators="; ".join(items))]

    @staticmethod
    def _outlier_key(row: dict) -> str:
        """Which way an indicator's distribution is unusual: a long tail of low scores (and
        how many zeros, when there are any), or of high ones."""
        if row["skewness"] >= 0:
            return "national.outlier_high"
        return "national.outlier_low" if round(row["share_zero"] * row["n"]) else \
            "national.outlier_low_tail"

    def _text_team_effect(self) -> list[str]:
        """What the team-effect table's numbers are, that its intervals are unadjusted while
        the flags use Holm, and which provinces' intervals exclude 0 without a flag."""
        teams = self.tables["team_effect"]
        flagged = teams[teams["flag"].notna()]
        lines = [t("national.team_effect", self.lang, alpha=f"{ALPHA:g}",
                   n=fmt_num(len(flagged)), flagged=", ".join(
                       f"{p} ({fmt_signed(e, 2)})" for p, e in
                       zip(flagged["province"], flagged["estimate"])) or "–")]
        unflagged = teams[teams["flag"].isna()
                          & ((teams["ci_low"] > 0) | (teams["ci_high"] < 0))]
        if len(unflagged):
            lines.append(t("national.team_effect_unflagged", self.lang,
                           provinces=", ".join(unflagged["province"])))
        return lines

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
            significant = row["p_value"] < ALPHA
            lines.append(t("trend.national_change", self.lang, **years,
                           n_pairs=fmt_num(row["n_pairs"]), **change_numbers(row),
                           significance=t("trend.significant" if significant
                                          else "trend.not_significant", self.lang)))
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
                *(f"- {line}" for line in [*self._types_test(), *self._change_tests()])]

    def _types_test(self) -> list[str]:
        """The types test's numbers (the types section says what they mean)."""
        test = self.tables["types"].iloc[0]
        if test["k_groups"] < 2 or pd.isna(test["p_value"]):
            return []
        return [t("method.types_test", self.lang, statistic=fmt_as(test["statistic"], "statistic"),
                  df=fmt_as(test["df"], "count"), p=fmt_p(test["p_value"]),
                  effect=fmt_as(test["epsilon_sq"], "effect"))]

    def _change_tests(self) -> list[str]:
        """The test of each pair of years' change (tables["year_change"], overall score), for
        the method notes: the trend section says what they mean."""
        overall = self.tables["year_change"]
        overall = overall[(overall["measure"] == "overall_pct") & overall["p_value"].notna()
                          & overall["hl_ci_low"].notna()]
        return [t("method.change_test_all_changed" if r["n_zero"] == 0 else "method.change_test",
                  self.lang,
                  previous_year=year_label(r["year_a"], self.lang),
                  year=year_label(r["year_b"], self.lang), n_zero=fmt_num(r["n_zero"]),
                  n_changed=fmt_num(r["n_pairs"] - r["n_zero"]), **change_numbers(r),
                  p=fmt_p(r["p_value"])) for r in overall.to_dict("records")]

    @staticmethod
    def _listed(rows: pd.DataFrame) -> str:
        return ", ".join(rows["province"]) or "–"

    def _chart_main_points(self):
        """The headline chart: bands of each region and the nation."""
        return mainpoints.bands_chart(self.tables["main_points"], self.lang)

    def _chart_map(self):
        values = self.tables["provinces"].assign(value=lambda d: 100 * d["rate"])
        return plots.province_map(values, value="value", lang=self.lang,
                                  label=t("chart.pass_rate_pct", self.lang),
                                  title=t("chart.title.map", self.lang,
                                          year=year_label(self.year, self.lang)))

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
        return plots.rank_interval_plot(
            ranks, lang=self.lang, level=RANK_INTERVAL,
            title=t("chart.title.league", self.lang),
            caption=t("chart.caption.league", self.lang, level=f"{100 * RANK_INTERVAL:g}"))

    def _chart_types(self):
        return plots.type_comparison(
            self.national, lang=self.lang, pass_mark=self.pass_mark,
            title=t("chart.title.types", self.lang, where=t("chart.national", self.lang)),
            caption=t("chart.caption.types", self.lang, min_n=fmt_num(MIN_GROUP_N),
                      many=fmt_num(plots.charts.POINTS_UP_TO)))

    def _chart_regions(self):
        rates = self.tables["regions"].assign(
            label=lambda d: [i18n.region_label(r, self.lang) for r in d["region"]])
        return plots.bar_with_ci(rates, lang=self.lang,
                                 title=t("chart.title.regions", self.lang),
                                 caption=t("chart.caption.ci_bars", self.lang))

    def _chart_trend(self):
        """Published mean scores of each region and the nation (on top), a vertical line
        where the overall method changed (tables["year_change"])."""
        national = self.reference["trend_national"].assign(region=None)
        trend = pd.concat([self.tables["trend_regions"], national], ignore_index=True)
        label = t("chart.national", self.lang)
        trend = trend[trend["measure"] == "overall_pct"].assign(
            series=lambda d: [label if r is None else i18n.region_label(r, self.lang)
                              for r in d["region"]],
            value=lambda d: d["estimate"])
        change = self.tables["year_change"]
        changes = sorted(set(change.loc[change["overall_method_a"].notna()
                                        & (change["overall_method_a"]
                                           != change["overall_method_b"]), "year_b"]))
        years = sorted(trend["year"].unique())
        return plots.trend_lines(
            trend, lang=self.lang, highlight=label, pass_mark=self.pass_mark,
            method_changes=changes,
            title=t("chart.title.trend_national", self.lang,
                    first_year=year_label(years[0], self.lang),
                    last_year=year_label(years[-1], self.lang)),
            caption=trend_caption(changes, self.lang))

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
    GLOSSARY = ("abbreviations", "lao_types", "pass_mark", "bands", "pilot", "attainment",
                "self_verified", "comparable", "comparable_score", "percentage_points",
                "median", "sd", "skewness", "ci95", "ci_bounds", "wilson", "significant",
                "kruskal_wallis", "epsilon_sq", "holm", "rank_biserial", "hodges_lehmann",
                "funnel", "overdispersion", "team_effect", "rank_interval", "spearman",
                "cronbach_alpha", "eigenvalue", "warning_error")
    TEXTS = {"summary": _text_summary, "glossary": ReportBase._text_glossary,
             "method_notes": _text_method_notes, "reconciliation": _text_reconciliation,
             "benchmarking": _text_benchmarking, "trend": _text_trend, "league": _text_league,
             "types": _text_types, "alpha": _text_alpha, "pca": _text_pca,
             "outliers": _text_outliers, "team_effect": _text_team_effect}
    CHARTS = {"main_points": _chart_main_points, "map": _chart_map, "funnel": _chart_funnel,
              "funnel_pass": _chart_funnel_pass,
              "league": _chart_league, "types": _chart_types, "regions": _chart_regions,
              "trend": _chart_trend, "correlations": _chart_correlations}


def _team_flag(teams: pd.DataFrame) -> pd.DataFrame:
    """Main-points team rows with their flag: only flagged teams have rows, and a flagged
    team above the average of all provinces is lenient, below it strict."""
    return teams.assign(flag=["lenient" if e > 0 else "strict" for e in teams["estimate"]])


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


