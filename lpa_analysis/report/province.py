"""The province report: each section's tables, sentences and charts for one province, from the
processed tables and the national reference tables. The notebook `province_report.ipynb`
narrates; every figure's data is also a table (`write_tables`).

    rep = province_report(2566, "54", lang="th")
    rep.text("summary"); rep.chart("pass_rate"); rep.show("pass_rate")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from lpa_analysis import i18n, plots, reference, stats
from lpa_analysis.geo import ProvinceInfo, district_en, resolve_province
from lpa_analysis.i18n import fmt_as, fmt_num, fmt_p, fmt_pct, fmt_signed, t, t_md, year_label
from lpa_analysis.processed import DEFAULT_PROCESSED, Processed, load_processed
from lpa_analysis.report import benchmarking, mainpoints
from lpa_analysis.report.base import (
    DISPLAY_ROWS, ReportBase, change_basis_text, change_numbers, findings_counts,
    published_method_change_text, reconciliation_named, reconciliation_results, sheet_label,
    trend_caption,
)
from lpa_analysis.schema import DIM_PCT, LAO_TYPE_ORDER, Framework, display_name, to_be_year
from lpa_analysis.settings import ALPHA, MIN_GROUP_N, MIN_LAOS_FOR_INDICATOR_TEST, RANK_INTERVAL


def _relation(written: str) -> str:
    """'= 0.04', or '< 0.01' as it is: a statistic written as a bound takes no '='."""
    return written if written[:1] in "<>" else f"= {written}"


def _side(value: float) -> str:
    """above / below / same of a difference as a sentence writes it (one decimal)."""
    shown = round(float(value), 1)
    return "above" if shown > 0 else "below" if shown < 0 else "same"


# Marks an LAO in the top/bottom and movers tables whose score a data-quality finding may
# have lowered (a missing verified score counts as 0): the data quality section lists them.
QUALITY_MARK = "†"


@dataclass
class ProvinceReport(ReportBase):
    year: int
    province: ProvinceInfo
    lang: str
    processed: Processed
    history: dict[int, pd.DataFrame]
    reference: dict[str, pd.DataFrame]
    frameworks: dict[int, Framework]
    parameters: dict = field(default_factory=dict)

    # -- data slices --
    @cached_property
    def national(self) -> pd.DataFrame:
        return self.processed.scored_laos

    @cached_property
    def laos(self) -> pd.DataFrame:
        return self.national[self.national["province_code"] == self.province.code]

    @property
    def framework(self) -> Framework:
        return self.frameworks[self.year]

    @cached_property
    def previous_year(self) -> int | None:
        earlier = [y for y in self.history if y < self.year]
        return max(earlier) if earlier else None

    def _label(self, level: str) -> str:
        if level == "province":
            return i18n.province_label(self.province, self.lang)
        if level == "region":
            return i18n.region_label(self.province.region, self.lang)
        return t("chart.national", self.lang)

    # -- tables, one per figure or list; machine-readable column names --
    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "main_points": self.main_points_table(),
            "summary": self.summary_table(),
            "pass_rate": self.pass_rate_table(),
            "pass_rate_years": self.pass_rate_years_table(),
            "bands": stats.band_shares(self.laos),
            "top_bottom": self.top_bottom(),
            "movers": self.movers(),
            "districts": self.districts_table(),
            "quality": self.quality_table(),
            "quality_laos": self.quality_laos_table(),
            "quarantine": self.quarantine_table(),
            "dimensions": self.dimensions_table(),
            "types": self.types_table(),
            "pairwise": stats.pairwise_types(self.laos),
            "trend": self.trend_table(),
            "change": self.change_table(),
            "indicators": self.indicators_table(),
            "heatmap": self.heatmap_table(),
            "funnel": self.funnel_table(),
            "ranks": self.ranks_table(),
            "integrity": self.integrity_table(),
            "reconciliation": self.reconciliation_table(),
            "laos": self.laos_table(),
        }

    def pass_rate_table(self) -> pd.DataFrame:
        region = self.national[self.national["region"] == self.province.region]
        rows = []
        for level, frame in (("province", self.laos), ("region", region),
                             ("national", self.national)):
            rate = stats.pass_rate(frame).iloc[0].to_dict()
            rows.append({"level": level, "label": self._label(level), **rate})
        return pd.DataFrame(rows)

    def pass_rate_years_table(self) -> pd.DataFrame:
        """The province's pass rate in the previous year and this one, as published (each
        year's own framework and pass mark) and recomputed on the comparable basis (`basis`:
        the indicators both years define alike, this year's method and pass mark), with the
        change between the comparable rates in percentage points (the change main point)."""
        columns = ["year", "basis", "label", "n", "passed", "rate", "min_score", "change"]
        if self.basis is None or not self.basis.indicator_ids:
            return pd.DataFrame(columns=columns)
        rows = []
        for year in (self.previous_year, self.year):
            published = self.history[year]
            published = published[published["province_code"] == self.province.code]
            scores = self.comparable[year]["overall_pct"].dropna()
            for basis, n, passed, mark in (
                    ("published", len(published), int(published["passed"].sum()),
                     self.frameworks[year].pass_threshold),
                    ("comparable", len(scores), int((scores >= self.pass_mark).sum()),
                     self.pass_mark)):
                rows.append({"year": year, "basis": basis, "label": t(
                    f"pass_rate_years.{basis}", self.lang, year=year_label(year, self.lang),
                    n_comparable=fmt_num(len(self.basis.indicator_ids))),
                    "n": n, "passed": passed, "rate": passed / max(n, 1), "min_score": mark})
        table = pd.DataFrame(rows, columns=columns)
        comparable = table.index[table["basis"] == "comparable"]
        table.loc[comparable[-1], "change"] = 100 * (table.loc[comparable[-1], "rate"]
                                                     - table.loc[comparable[0], "rate"])
        return table

    def summary_table(self) -> pd.DataFrame:
        n_quarantined_laos = self.quarantine_table()["lao_code"].nunique()
        rates = self.pass_rate_table().set_index("level")
        bands = self.laos["band"].value_counts()
        row = {
            "year": self.year, "province_code": self.province.code,
            "province_th": self.province.name_th, "province_en": self.province.name_en,
            "region": self.province.region,
            "n_registry": self._registry_count(), "n_assessed": len(self.laos),
            "n_quarantined_laos": n_quarantined_laos,
            "n_passed": int(rates.loc["province", "passed"]),
            "pass_rate": rates.loc["province", "rate"],
            "ci_low": rates.loc["province", "ci_low"], "ci_high": rates.loc["province", "ci_high"],
            "region_pass_rate": rates.loc["region", "rate"],
            "national_pass_rate": rates.loc["national", "rate"],
            "mean_overall": self.laos["overall_pct"].mean(),
            "median_overall": self.laos["overall_pct"].median(),
            "national_mean_overall": self.national["overall_pct"].mean(),
            **{f"n_{b}": int(bands.get(b, 0)) for b in ("excellent", "very_good", "good", "below")},
        }
        return pd.DataFrame([row])

    # -- main points (page 1): the figures first, as a table; the bullets are read from it --
    def main_points_table(self) -> pd.DataFrame:
        """Every number of the main points, one row each (mainpoints.MAIN_POINTS_COLUMNS)."""
        rates = self.pass_rate_table()
        region = self.national[self.national["region"] == self.province.region]
        dims = self.dimensions_table()
        dims = dims[dims["measure"].isin(DIM_PCT)]
        weakest_dim = dims[dims["level"] == "province"].nsmallest(1, "mean")["measure"]
        below = self._named(self.laos[~self.laos["passed"].astype(bool)])
        below = below.sort_values(["overall_pct", "lao_code"])
        rows = [
            *(mainpoints.rate_row("pass_rate", r["level"], None, r["label"], r,
                                  min_score=self.pass_mark) for r in rates.to_dict("records")),
            *self._main_points_change(),
            *(row for level, frame in (("province", self.laos), ("region", region),
                                       ("national", self.national))
              for row in mainpoints.band_rows(frame, level, self._label(level), self.framework)),
            *({"point": "weakest_dimension", "level": r["level"], "item": r["measure"],
               "label": i18n.dimension_label(int(r["measure"][1]), self.lang), "n": r["n"],
               "percent": r["mean"]}
              for r in dims[dims["measure"].isin(weakest_dim)].to_dict("records")),
            *self._main_points_indicators(),
            *({"point": "below_pass_mark", "level": "province", "item": r["lao_code"],
               "label": r["name"], "percent": r["overall_pct"], "min_score": self.pass_mark}
              for r in below.to_dict("records")),
            *self._main_points_districts(),
        ]
        return mainpoints.main_points_frame(rows)

    def _main_points_change(self) -> list[dict]:
        """The pass rate of both years on the comparable basis (point `change`, with the change
        in percentage points) and as published (`change_published`): the rows of
        tables["pass_rate_years"]."""
        years = self.pass_rate_years_table()
        return [{"point": "change" if r["basis"] == "comparable" else "change_published",
                 "level": "province", "item": str(r["year"]), "label": r["label"], "n": r["n"],
                 "count": r["passed"], "percent": 100 * r["rate"], "min_score": r["min_score"],
                 "change": r["change"]} for r in years.to_dict("records")]

    def _main_points_indicators(self) -> list[dict]:
        """The three weakest tested indicators: the province's attainment (level province) and
        the rest of the country's (level rest), so the reader sees whether it is low everywhere."""
        weakest = self._tested_indicators(self._indicator_gaps).dropna(
            subset=["attainment_province"]).nsmallest(3, "attainment_province")
        return [{"point": "weakest_indicators", "level": level, "item": r["indicator_id"],
                 "label": r["indicator"], "n": r[f"n_{side}"],
                 "percent": 100 * r[f"attainment_{side}"]}
                for r in weakest.to_dict("records")
                for level, side in (("province", "province"), ("rest", "rest"))]

    def _main_points_districts(self) -> list[dict]:
        """The district section's findings: the districts whose mean score's 95 % CI lies wholly
        below or above the province mean (point district_mean; none: the lowest and highest
        mean), the province mean, and the districts with the lowest pass rate (ties included)
        with how many districts passed every LAO (point district_pass)."""
        table = self.districts_table()
        if len(table) < 2:
            return []
        clear = table[table["vs_province"].notna()]
        shown = clear if len(clear) else table.loc[[table["mean_overall"].idxmin(),
                                                    table["mean_overall"].idxmax()]]
        rows = [{"point": "district_mean", "level": "province", "label": self._province_name,
                 "n": len(self.laos), "percent": self.laos["overall_pct"].mean()}]
        rows += [{"point": "district_mean", "level": r["vs_province"], "item": r["district_th"],
                  "label": r["district"], "n": r["n"], "percent": r["mean_overall"],
                  "ci_low": r["mean_ci_low"], "ci_high": r["mean_ci_high"]}
                 for r in shown.sort_values("mean_overall").to_dict("records")]
        all_passed = table["passed"] == table["n"]
        rows.append({"point": "district_pass", "item": "all_passed", "n": len(table),
                     "count": int(all_passed.sum())})
        if not all_passed.all():
            shown_rate = (100 * table["pass_rate"]).map(fmt_pct)
            lowest = table[shown_rate == shown_rate.loc[table["pass_rate"].idxmin()]]
            rows += [mainpoints.rate_row("district_pass", None, r["district_th"], r["district"], r)
                     for r in lowest.to_dict("records")]
        return rows

    def _main_points_bullets(self) -> list[str]:
        mp = self.tables["main_points"]
        bullets = [self._main_points_pass_rate(mp), self._main_points_change_text(mp)]
        # a band no LAO is in is left out (no "0 below the pass mark": the first bullet says it)
        bands = mp[(mp["point"] == "bands") & (mp["level"] == "province") & (mp["count"] > 0)]
        bullets.append(t("main_points.bands", self.lang,
                         bands=mainpoints.bands_text(bands, self.lang)))
        bullets += self._main_points_weakest(mp)
        if (mp["point"] == "district_mean").any():
            bullets.append(self._main_points_districts_text(mp))
        return bullets

    def _main_points_pass_rate(self, mp: pd.DataFrame) -> str:
        """The pass rate against region and nation, then the LAOs below the pass mark (or that
        there are none: said once, here)."""
        rates = mp[mp["point"] == "pass_rate"].set_index("level")
        province = rates.loc["province"]
        fill = {"province": self._province_name, "passed": fmt_num(province["count"]),
                "n": fmt_num(province["n"]), "threshold": f"{self.pass_mark:g}",
                "rate": fmt_pct(province["percent"]), "region": rates.loc["region", "label"],
                "region_rate": fmt_pct(rates.loc["region", "percent"]),
                "national_rate": fmt_pct(rates.loc["national", "percent"])}
        below = mp[mp["point"] == "below_pass_mark"]
        if below.empty:
            return t("main_points.pass_rate_all", self.lang, **fill)
        return " ".join([t("main_points.pass_rate", self.lang, **fill),
                         self._main_points_below(below)])

    def _main_points_below(self, below: pd.DataFrame) -> str:
        key = "main_points.below_all" if len(below) <= mainpoints.NAMES_LISTED else \
            "main_points.below_some"
        return t(key, self.lang, n=fmt_num(len(below)), shown=fmt_num(mainpoints.NAMES_LISTED),
                 names=mainpoints.names_text(below, self.lang))

    def _main_points_change_text(self, mp: pd.DataFrame) -> str:
        """The pass rate of both years recomputed on the indicators they share, its change in
        percentage points from the rates as written (so the three numbers agree), and the
        published rates (tables["pass_rate_years"], shown in the trend section)."""
        lang = self.lang
        if self.basis is None:
            return t("main_points.first_year", lang)
        change = mp[mp["point"] == "change"]
        if change.empty:
            return t("main_points.not_comparable", lang,
                     previous_year=year_label(self.previous_year, lang))
        before, now = change["percent"]
        published = list(mp.loc[mp["point"] == "change_published", "percent"].map(fmt_pct))
        # the published rates only where they differ from the recomputed ones as written
        published_text = "" if published == [fmt_pct(before), fmt_pct(now)] else t(
            "main_points.change_published", lang, published_previous=published[0],
            published_now=published[1])
        difference = round(mainpoints.as_shown(now) - mainpoints.as_shown(before), 1)
        direction = "same" if difference == 0 else "up" if difference > 0 else "down"
        return t(f"main_points.change_{direction}", lang,
                 n_comparable=fmt_num(len(self.basis.indicator_ids)),
                 previous_year=year_label(self.previous_year, lang),
                 year=year_label(self.year, lang), rate_previous=fmt_pct(before),
                 rate_now=fmt_pct(now), change=fmt_num(abs(difference), 1),
                 published=published_text)

    def _main_points_weakest(self, mp: pd.DataFrame) -> list[str]:
        """Two bullets: the weakest dimension against the nation (and whether it is the
        nation's weakest too), and the three weakest indicators with the rest of the country's
        attainment and whether any is below it by more than chance (q < ALPHA)."""
        lang, bullets = self.lang, []
        dim = mp[mp["point"] == "weakest_dimension"].set_index("level")
        if len(dim):
            dims = self.tables["dimensions"]
            national = dims[(dims["level"] == "national") & dims["measure"].isin(DIM_PCT)]
            also = national.loc[national["mean"].idxmin(), "measure"] == dim.loc["province", "item"]
            bullets.append(t("main_points.weakest_dimension" + ("_also" if also else ""), lang,
                             dimension=dim.loc["province", "label"],
                             mean=fmt_pct(dim.loc["province", "percent"]),
                             national_mean=fmt_pct(dim.loc["national", "percent"])))
        rows = mp[mp["point"] == "weakest_indicators"]
        if rows.empty:
            return bullets
        mine, rest = rows[rows["level"] == "province"], rows[rows["level"] == "rest"]
        rest = rest.set_index("item")["percent"]
        items = ", ".join(t("main_points.weak_indicator", lang, id=i, name=n,
                            attainment=fmt_pct(a), rest=fmt_pct(rest[i]))
                          for i, n, a in zip(mine["item"], mine["label"], mine["percent"]))
        gaps = self._indicator_gaps.set_index("indicator_id").loc[list(mine["item"])]
        below = gaps[(gaps["q_value"] < ALPHA) & (gaps["difference"] < 0)]
        tail = t("main_points.weak_indicators_below", lang, ids=mainpoints.and_list(
            list(below.index), lang)) if len(below) else \
            t("main_points.weak_indicators_everywhere", lang)
        return [*bullets, " ".join([t("main_points.weak_indicators", lang, indicators=items),
                                    tail])]

    def _main_points_districts_text(self, mp: pd.DataFrame) -> str:
        """The district section's finding (the same rule: a district's mean-score CI wholly
        below or above the province mean) and, when some LAO failed, how many districts passed
        every LAO and the lowest pass rate with every district at it."""
        lang = self.lang
        means = mp[mp["point"] == "district_mean"]
        mean = means.loc[means["item"].isna(), "percent"].iloc[0]
        districts = means[means["item"].notna()]
        # two decimals when one would write a bound equal to the mean (81.73 vs 81.74)
        digits = 2 if any(fmt_pct(b) == fmt_pct(mean) for b in
                          [*districts["ci_low"], *districts["ci_high"]]) else 1
        province_mean = fmt_pct(mean, digits)
        counts = mp[mp["point"].eq("district_pass") & mp["item"].eq("all_passed")].iloc[0]
        lines = []
        for side in ("below", "above"):
            clear = districts[districts["level"] == side]
            if len(clear):
                lines.append(t(f"main_points.districts_{side}", lang,
                               province_mean=province_mean, districts=mainpoints.and_list(
                                   [t("main_points.district_mean", lang, district=d,
                                      mean=fmt_pct(m), ci_low=fmt_pct(lo, digits),
                                      ci_high=fmt_pct(hi, digits))
                                    for d, m, lo, hi in zip(clear["label"], clear["percent"],
                                                            clear["ci_low"], clear["ci_high"])],
                                   lang)))
        if lines:
            lines.append(t("main_points.districts_caution", lang,
                           n_districts=fmt_num(counts["n"])))
        else:
            lines.append(t("main_points.districts_none", lang, province_mean=province_mean,
                           low=fmt_pct(districts["percent"].min()),
                           high=fmt_pct(districts["percent"].max())))
        lowest = mp[(mp["point"] == "district_pass") & mp["item"].ne("all_passed")]
        if len(lowest):
            key = "main_points.districts_pass" if counts["count"] else \
                "main_points.districts_pass_none"
            lines.append(t(key, lang, n_all=fmt_num(counts["count"]),
                           n_districts=fmt_num(counts["n"]),
                           low_rate=fmt_pct(lowest["percent"].iloc[0]),
                           lowest=mainpoints.and_list(
                               [t("main_points.district", lang, district=d)
                                for d in lowest["label"]], lang)))
        return " ".join(lines)

    def main_points(self) -> mainpoints.MainPoints:
        """The box on page 1: the main points and the headline chart (bands)."""
        return mainpoints.MainPoints(self.lang, self._main_points_bullets(),
                                     self.chart("main_points"))

    def _registry_count(self) -> int:
        findings = self.processed.quality_findings
        missing = findings[(findings["check"] == "coverage")
                           & findings["lao_code"].astype("string").str[1:3].eq(self.province.code)]
        return int(len(self.laos) + missing["lao_code"].nunique())

    def _district_names(self, frame: pd.DataFrame) -> list[str]:
        """The districts of rows with district_th, as the reader's language names them (Thai
        when geothai has no English name)."""
        if self.lang == "th":
            return list(frame["district_th"])
        return [district_en(self.province.code, d) or d for d in frame["district_th"]]

    @cached_property
    def _lao_names(self) -> pd.DataFrame:
        """name (with its type prefix: อบต.เด่นชัย and ทต.เด่นชัย are two LAOs) and district of
        each of the province's LAOs, by lao_code."""
        laos = self.laos.drop_duplicates("lao_code")
        return pd.DataFrame({"name": [display_name(n, ty) for n, ty in
                                      zip(laos["name_th"], laos["lao_type"])],
                             "district": self._district_names(laos)},
                            index=laos["lao_code"].to_numpy())

    def _named(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` with each LAO's name and district (columns name, district)."""
        out = frame.copy()
        for column in ("name", "district"):
            out[column] = out["lao_code"].map(self._lao_names[column])
        return out

    def districts_table(self) -> pd.DataFrame:
        """stats.district_table of the province, with `district` in the reader's language, in
        name order of that language, and vs_province: 'below' / 'above' when the district's
        95 % CI of the mean lies wholly on that side of the province mean (as public-health
        profiles compare areas with their country; chance alone rarely puts it there)."""
        table = stats.district_table(self.laos)
        table.insert(0, "district", self._district_names(table))
        mean = self.laos["overall_pct"].mean()
        table["vs_province"] = np.select(
            [table["mean_ci_high"] < mean, table["mean_ci_low"] > mean], ["below", "above"],
            None)
        # the interval the district sentence cites, as one narrow column of the shown table
        table["mean_ci"] = [f"{fmt_as(lo, 'measure')}–{fmt_as(hi, 'measure')}"
                            for lo, hi in zip(table["mean_ci_low"], table["mean_ci_high"])]
        if self.lang == "en":
            table = table.sort_values("district", key=lambda s: s.str.casefold(),
                                      ignore_index=True)
        return table

    def top_bottom(self, n: int = 5) -> pd.DataFrame:
        ranked = self._named(self.laos.dropna(subset=["overall_pct"]))
        ranked = ranked.sort_values(["overall_pct", "lao_code"], ascending=[False, True])
        cols = ["rank_province", "lao_code", "name", "district", "lao_type", "overall_pct",
                "band"]
        top = ranked.head(n)[cols].assign(group="top")
        bottom = ranked.tail(n).iloc[::-1][cols].assign(group="bottom")
        table = pd.concat([top, bottom], ignore_index=True)[["group", *cols]]
        return table.assign(data_note=self._data_notes(table["lao_code"]))

    # -- change from the previous year: change, movers and the appendix on one basis --
    @cached_property
    def basis(self) -> stats.ComparableBasis | None:
        """What every change from the previous year is measured on (comparable indicators,
        this year's overall method in both years); None without a previous year."""
        if self.previous_year is None:
            return None
        return stats.comparable_basis(self.frameworks[self.previous_year], self.framework)

    @property
    def change_years(self) -> tuple[int, int] | None:
        """The years of `basis` (headers of the appendix's comparable scores)."""
        return None if self.basis is None else (self.basis.year_a, self.basis.year_b)

    @cached_property
    def comparable(self) -> dict[int, pd.DataFrame]:
        """The province's LAOs of both years rescored on `basis` (year → comparable_scores)."""
        if self.basis is None:
            return {}
        return {y: self.basis.rescore(self._province_indicator_scores(y))
                for y in (self.basis.year_a, self.basis.year_b)}

    def movers(self) -> pd.DataFrame:
        """The biggest rises and falls of the comparable overall score (`basis`)."""
        if self.basis is None:
            movers = stats.biggest_movers(None, self.laos)
        else:
            now = self.comparable[self.year].merge(self.laos[["lao_code", "name_th"]],
                                                   on="lao_code", how="left")
            movers = stats.biggest_movers(self.comparable[self.previous_year], now).assign(
                year_a=self.previous_year, year_b=self.year)
        movers = self._named(movers).rename(columns={"value_a": "comparable_overall_previous",
                                                     "value_b": "comparable_overall"})
        return movers.assign(data_note=self._data_notes(movers["lao_code"]))

    def _province_findings(self, frame: pd.DataFrame) -> pd.DataFrame:
        codes = frame["lao_code"].astype("string")
        mine = codes.isin(set(self.laos["lao_code"])) | codes.str[1:3].eq(self.province.code)
        return frame[mine.fillna(False)]

    def quality_table(self) -> pd.DataFrame:
        findings = self._province_findings(self.processed.quality_findings)
        return findings_counts(findings)

    def quarantine_table(self) -> pd.DataFrame:
        return self._province_findings(self.processed.quarantine)

    def quality_laos_table(self) -> pd.DataFrame:
        """The findings about one LAO's indicator (the quality gate's warnings: a verified
        score missing, counted as 0), named: LAO with its prefix, indicator, what was found,
        the self-assessed and maximum points, and what it did to the score."""
        findings = self._province_findings(self.processed.quality_findings)
        findings = findings[findings["lao_code"].isin(set(self.laos["lao_code"]))]
        scores = self._province_indicator_scores(self.year)[
            ["lao_code", "indicator_id", "self_points", "max_points"]]
        named = self._named(findings.merge(scores, on=["lao_code", "indicator_id"], how="left")
                            .merge(self._indicator_names(), on="indicator_id", how="left"))
        named["what"] = [t(f"rule.{c}", self.lang) if f"rule.{c}" in i18n.messages() else c
                         for c in named["check"]]
        named["effect"] = [t(f"quality.effect.{c}", self.lang)
                           if f"quality.effect.{c}" in i18n.messages() else None
                           for c in named["check"]]
        columns = ["lao_code", "name", "district", "indicator_id", "indicator", "check",
                   "severity", "what", "self_points", "max_points", "effect"]
        return named[columns].sort_values(["name", "indicator_id"], ignore_index=True)

    def _data_notes(self, codes: pd.Series) -> pd.Series:
        """The marker (QUALITY_MARK) of each LAO that has a finding in quality_laos: a score
        there may be low because a verified score is missing."""
        flagged = set(self._province_findings(self.processed.quality_findings)["lao_code"])
        return codes.map(lambda c: QUALITY_MARK if c in flagged else "")

    def reconciliation_table(self) -> pd.DataFrame:
        """The province's rows of the reconciliation (published result against the one
        recomputed from the indicator points), named."""
        recon = self.processed.reconciliation
        recon = recon[recon["lao_code"].astype("string").str[1:3].eq(self.province.code)
                      .fillna(False).to_numpy(dtype=bool)]
        return reconciliation_results(reconciliation_named(recon, self.national, self.lang),
                                      self.framework).reset_index(drop=True)

    def dimensions_table(self) -> pd.DataFrame:
        province = stats.describe(self.laos).assign(level="province")
        national = stats.describe(self.national).assign(level="national")
        return pd.concat([province, national], ignore_index=True)

    def types_table(self) -> pd.DataFrame:
        return stats.type_table(self.laos)

    def trend_table(self) -> pd.DataFrame:
        ref = self.reference
        province = ref["trend_province"]
        province = province[province["province_code"] == self.province.code].drop(
            columns="province_code")
        region = ref["trend_region"]
        region = region[region["region"] == self.province.region].drop(columns="region")
        parts = [province.assign(level="province"), region.assign(level="region"),
                 ref["trend_national"].assign(level="national")]
        return pd.concat(parts, ignore_index=True)

    def change_table(self) -> pd.DataFrame:
        """Paired change from the previous year on the comparable basis (`basis`)."""
        if self.basis is None:
            return stats.paired_change(None, self.laos).assign(
                year_a=np.nan, year_b=self.year, n_comparable_indicators=0)
        change = stats.paired_change(self.comparable[self.previous_year],
                                     self.comparable[self.year], value=[*DIM_PCT, "overall_pct"])
        return change.assign(**self.basis.columns())

    def _province_indicator_scores(self, year: int) -> pd.DataFrame:
        cache = self.__dict__.setdefault("_indicator_scores_by_year", {})
        if year not in cache:
            processed = self.processed if year == self.year else \
                load_processed(year, self.parameters["processed_dir"])
            cache[year] = processed.indicator_scores_of(self.province.code)
        return cache[year]

    def _indicator_names(self) -> pd.DataFrame:
        return pd.DataFrame([{"indicator_id": i.id,
                              "indicator": i.name_th if self.lang == "th" else i.name_en}
                             for i in self.framework.indicators])

    def indicators_table(self) -> pd.DataFrame:
        """stats.indicator_gaps of the province (its rows of the run's reference table), in
        the chart's order: by the upper end of the interval, so the table's first rows are the
        chart's, and an indicator of few LAOs (a wide interval) does not lead by its estimate
        alone; untested indicators last."""
        return self._indicator_gaps.sort_values(
            ["ci_high", "difference", "indicator_id"], na_position="last", ignore_index=True)

    def _tested_indicators(self, gaps: pd.DataFrame) -> pd.DataFrame:
        """The rows of an indicators table the report shows, charts and counts: the tested."""
        return gaps[DISPLAY_ROWS["indicators"](gaps).to_numpy(dtype=bool)]

    @cached_property
    def _indicator_gaps(self) -> pd.DataFrame:
        every = self.reference["indicator_gaps"]
        gaps = every[every["province_code"] == self.province.code].drop(columns="province_code")
        return gaps.reset_index(drop=True).merge(self._indicator_names(), on="indicator_id",
                                                 how="left")

    def heatmap_table(self, n: int = 15) -> pd.DataFrame:
        """Attainment by LAO type of the n weakest tested indicators (as the indicators table
        shows them: an indicator of one or two LAOs is no province's weakness)."""
        weakest = self._tested_indicators(self._indicator_gaps)
        weakest = weakest.sort_values(["attainment_province", "indicator_id"]).head(n)
        scores = self._province_indicator_scores(self.year)
        scores = scores[scores["indicator_id"].isin(weakest["indicator_id"])
                        & ~scores["not_applicable"].astype(bool)]
        cells = (scores.groupby(["indicator_id", "lao_type"], observed=True)["attainment"]
                 .agg(attainment="mean", n="count").reset_index())  # n: the LAOs of the mean
        order = {i: k for k, i in enumerate(weakest["indicator_id"])}
        types = {kind.value: k for k, kind in enumerate(LAO_TYPE_ORDER)}  # as every report
        cells = cells.sort_values(["indicator_id", "lao_type"],
                                  key=lambda s: s.map(order if s.name == "indicator_id" else types))
        return cells.merge(self._indicator_names(), on="indicator_id", how="left")

    def funnel_table(self) -> pd.DataFrame:
        """The national funnel table (both measures, every province), this province marked."""
        funnel = self.reference["funnel"].copy()
        funnel["highlight"] = funnel["province_code"] == self.province.code
        return funnel

    def ranks_table(self) -> pd.DataFrame:
        """The province's LAOs' national ranks with their sensitivity to weights and method
        and their statistical interval (reference.rank_table). `group`: the best and the
        worst RANKS_SHOWN / 2 (top, bottom), which the report's table and chart show, first
        (best first); then the rest (blank group), best first."""
        ranks = self.reference["rank_uncertainty"]
        ranks = ranks[ranks["lao_code"].isin(set(self.laos["lao_code"]))]
        named = self._named(ranks.merge(self.laos[["lao_code", "name_th", "lao_type"]],
                                        on="lao_code", how="left"))
        named = named.sort_values(["rank_nominal", "lao_code"], ignore_index=True)
        half = self.RANKS_SHOWN // 2
        ranked = named["rank_nominal"].notna()
        group = pd.Series(None, index=named.index, dtype=object)
        group[named.index[ranked][:half]] = "top"
        group[named.index[ranked][half:][-half:]] = "bottom"
        named.insert(0, "group", group)
        order = group.map({"top": 0, "bottom": 0}).fillna(1)
        return named.iloc[np.lexsort([named.index, order])].reset_index(drop=True)

    def integrity_table(self) -> pd.DataFrame:
        team = self.reference["team_effect"].rename(
            columns={"estimate": "leniency", "ci_low": "leniency_ci_low",
                     "ci_high": "leniency_ci_high", "n": "n_model", "note": "team_note"})
        gap = self.reference["gap"]
        merged = gap.merge(team[["province_code", "leniency", "leniency_ci_low",
                                 "leniency_ci_high", "p_holm", "flag", "team_note"]],
                           on="province_code", how="outer")
        merged["highlight"] = merged["province_code"] == self.province.code
        merged.insert(1, "province", [i18n.province_label(c, self.lang)
                                      for c in merged["province_code"]])
        return merged

    def laos_table(self) -> pd.DataFrame:
        cols = ["lao_code", "name", "district", "lao_type", "assessor_team", *DIM_PCT,
                "overall_pct", "passed", "band", "self_overall_pct", "gap_overall",
                "rank_national", "rank_province", "rank_province_type"]
        table = self._named(self.laos)[cols]
        if self.basis is not None:
            # published scores as published; the change on the basis of `change_table`
            before, now = (self.comparable[y].set_index("lao_code")["overall_pct"]
                           for y in (self.previous_year, self.year))
            table["comparable_overall_previous"] = table["lao_code"].map(before)
            table["comparable_overall"] = table["lao_code"].map(now)
            table["change"] = table["comparable_overall"] - table["comparable_overall_previous"]
        return table.sort_values(["rank_province", "lao_code"]).reset_index(drop=True)

    # -- sentences (templates in resources/messages.yml; every number computed here) --
    def subheading(self, key: str) -> str:
        if key == "top_bottom":
            return f"### {t('summary.top', self.lang)} / {t('summary.bottom', self.lang)}"
        if key == "movers":
            if self.previous_year is None:
                return "### " + t("summary.no_previous_year", self.lang)
            return "### " + t("summary.movers", self.lang,
                              previous_year=year_label(self.previous_year, self.lang))
        return self.heading(key, level=3)

    def title(self) -> str:
        return "# " + t_md("report.province.title", self.lang,
                           province=i18n.province_label(self.province, self.lang),
                           year=year_label(self.year, self.lang))

    @property
    def _province_name(self) -> str:
        return i18n.province_label(self.province, self.lang)

    def _text_summary(self) -> list[str]:
        s = self.tables["summary"].iloc[0]
        # the three weakest of the indicators the table shows (tested: enough LAOs)
        weakest = self._tested_indicators(self.tables["indicators"]).dropna(
            subset=["attainment_province"]).nsmallest(3, "attainment_province")
        lang = self.lang
        return [
            t_md("summary.assessed", lang, province=self._province_name,
                 n_assessed=fmt_num(s["n_assessed"]), n_registry=fmt_num(s["n_registry"]),
                 coverage=fmt_pct(100 * s["n_assessed"] / max(s["n_registry"], 1))),
            t_md("summary.pass_rate", lang, rate=fmt_pct(100 * s["pass_rate"]),
                 threshold=f"{self.pass_mark:g}",
                 ci_low=fmt_pct(100 * s["ci_low"]), ci_high=fmt_pct(100 * s["ci_high"]),
                 region=i18n.region_label(self.province.region, lang),
                 region_rate=fmt_pct(100 * s["region_pass_rate"]),
                 national_rate=fmt_pct(100 * s["national_pass_rate"])),
            t_md("summary.mean_overall", lang, mean=fmt_pct(s["mean_overall"]),
                 national_mean=fmt_pct(s["national_mean_overall"])),
            t_md("summary.bands", lang, excellent=fmt_num(s["n_excellent"]),
                 very_good=fmt_num(s["n_very_good"]), good=fmt_num(s["n_good"]),
                 below=fmt_num(s["n_below"])),
            t_md("summary.weakest", lang, indicators=", ".join(
                t("summary.weakest_item", lang, id=i, name=n, attainment=fmt_pct(100 * a))
                for i, n, a in zip(weakest["indicator_id"], weakest["indicator"],
                                   weakest["attainment_province"]))),
        ]

    def _text_districts(self) -> list[str]:
        """The district with the lowest mean and by how much, which districts' mean-score CI
        lies wholly below or above the province mean (vs_province) or that none does, why one
        such district may be chance, and where the LAOs that failed are: every number a
        column of tables["districts"] (mean_ci is the interval shown)."""
        table, lang = self.tables["districts"], self.lang
        province_mean = self.laos["overall_pct"].mean()
        lowest = table.loc[table["mean_overall"].idxmin()]
        lines = [t_md("districts.lowest", lang, n_districts=fmt_num(len(table)),
                      district=lowest["district"], mean=fmt_pct(lowest["mean_overall"]),
                      n=fmt_num(lowest["n"]), ci_low=fmt_pct(lowest["mean_ci_low"]),
                      ci_high=fmt_pct(lowest["mean_ci_high"]),
                      province_mean=fmt_pct(province_mean),
                      gap=fmt_num(province_mean - lowest["mean_overall"], 1))]
        for side, bound in (("below", "mean_ci_high"), ("above", "mean_ci_low")):
            clear = table[table["vs_province"] == side].sort_values("mean_overall")
            if len(clear):
                # the bound and the mean to two decimals: 81.73 against 81.74 shows how near
                lines.append(t_md("districts.clearly_" + side, lang,
                                  province_mean=fmt_pct(province_mean, 2),
                                  districts=", ".join(
                                      t_md("districts.item", lang, district=d, mean=fmt_pct(m),
                                           bound=fmt_pct(b, 2))
                                      for d, m, b in zip(clear["district"],
                                                         clear["mean_overall"], clear[bound]))))
        if table["vs_province"].isna().all():
            lines.append(t("districts.none_clear", lang, n_min=fmt_num(table["n"].min()),
                           n_max=fmt_num(table["n"].max())))
        lines.append(t("districts.caution", lang, n_districts=fmt_num(len(table)),
                       expected=fmt_num(ALPHA * len(table), 1)))
        if table["vs_province"].notna().any():
            lines[-1] += " " + t("districts.signal", lang)
        failed = table[table["passed"] < table["n"]]
        if failed.empty:
            return [*lines, t("districts.all_passed", lang)]
        return [*lines, t("districts.failed", lang, districts=", ".join(
            t_md("districts.failed_item", lang, district=d, failed=fmt_num(n - p), n=fmt_num(n))
            for d, n, p in zip(failed["district"], failed["n"], failed["passed"])))]

    def _text_data_quality(self) -> list[str]:
        quality = self.tables["quality"]
        quarantine = self.tables["quarantine"]
        n_errors = int(quality.loc[quality["severity"] == "error", "count"].sum())
        n_warnings = int(quality.loc[quality["severity"] == "warning", "count"].sum())
        n_checks = sum(self.processed.info["checks"].values())  # the gate's expectations
        lines = [t("quality.intro", self.lang, n_checks=fmt_num(n_checks))]
        if n_errors == n_warnings == 0:
            return [*lines, t("quality.all_passed", self.lang)]
        key = "quality.failed" if n_errors and n_warnings else \
            "quality.errors_only" if n_errors else "quality.warnings_only"
        lines.append(t(key, self.lang, n_errors=fmt_num(n_errors),
                       n_warnings=fmt_num(n_warnings)))
        if len(quarantine):
            lines.append(t("quality.quarantined", self.lang, n_rows=fmt_num(len(quarantine)),
                           n_laos=fmt_num(quarantine["lao_code"].nunique())))
        named = self.tables["quality_laos"]
        if len(named):
            lines.append(t("quality.named", self.lang, n_laos=fmt_num(named["lao_code"].nunique()),
                           mark=QUALITY_MARK))
        return lines

    def _text_quality_marks(self, name: str) -> list[str]:
        """The note under a table of LAOs (top_bottom, movers) when it marks one whose score
        a data-quality finding may have lowered."""
        if not self.tables[name]["data_note"].eq(QUALITY_MARK).any():
            return []
        return [t("quality.mark_note", self.lang, mark=QUALITY_MARK)]

    def _text_top_bottom(self) -> list[str]:
        return self._text_quality_marks("top_bottom")

    def _text_pass_rate_years(self) -> list[str]:
        return [t("trend.pass_rate_years", self.lang)] if len(self.tables["pass_rate_years"]) \
            else []

    def _text_types(self) -> list[str]:
        """Which types the test compares, which it leaves out and why (n below the minimum),
        then its result: every number is a column of tables["types"]."""
        table, lang = self.tables["types"], self.lang
        test = table.iloc[0]
        min_n = fmt_num(test["min_group_n"])
        lines = [t("types.intro", lang, province=self._province_name)]
        if test["k_groups"] < 2:
            return [*lines, t("types.too_few", lang, min_n=min_n, groups=self._types_listed(table))]
        key = "types.tested_two" if test["k_groups"] == 2 else "types.tested"
        lines.append(t(key, lang, k=fmt_num(test["k_groups"]), min_n=min_n,
                       tested=self._types_listed(table[table["in_test"]])))
        if not table["in_test"].all():
            lines.append(t("types.excluded", lang, min_n=min_n,
                           excluded=self._types_listed(table[~table["in_test"]])))
        if pd.isna(test["p_value"]):
            return [*lines, t("types.no_variation", lang)]
        key = "types.test_significant" if test["p_value"] < ALPHA else "types.test_not_significant"
        return [*lines, t(key, lang)]

    def _types_test_note(self) -> list[str]:
        """The types test's numbers, for the method notes (the section says what they mean)."""
        test = self.tables["types"].iloc[0]
        if test["k_groups"] < 2 or pd.isna(test["p_value"]):
            return []
        return [t("method.types_test", self.lang,
                  statistic=_relation(fmt_as(test["statistic"], "statistic")),
                  df=fmt_as(test["df"], "count"), p=fmt_p(test["p_value"]),
                  effect=_relation(fmt_as(test["epsilon_sq"], "effect")))]

    def _types_listed(self, rows: pd.DataFrame) -> str:
        """'Subdistrict municipality (n = 25), Subdistrict Administrative Organisation (n = 57)'."""
        return ", ".join(t("types.group", self.lang, lao_type=i18n.lao_type_label(v, self.lang),
                           n=fmt_num(n)) for v, n in zip(rows["lao_type"], rows["n"]))

    def _text_change(self) -> list[str]:
        """The chart of published scores, the comparable basis (written out here only; other
        sections point here), and the typical change of the LAOs' overall score on it: the
        Hodges–Lehmann estimate of tables["change"], in plain words by its direction."""
        years = sorted(self.history)
        lines = [t("trend.intro", self.lang, first_year=year_label(years[0], self.lang),
                   last_year=year_label(years[-1], self.lang)),
                 *self._published_method_changes(years)]
        if self.basis is None:
            return [*lines, t("trend.single_year", self.lang)]
        lines.append(change_basis_text(self.basis.columns(), self.lang))
        change = self.tables["change"]
        row = change[change["measure"] == "overall_pct"].iloc[0]
        years_fill = {"previous_year": year_label(self.previous_year, self.lang),
                      "year": year_label(self.year, self.lang)}
        if pd.isna(row["p_value"]) or pd.isna(row["hl_ci_low"]):
            return [*lines, t("trend.too_few_pairs", self.lang, **years_fill)]
        estimate = round(row["hl_estimate"], 2)  # as written: 0.00 is no change
        direction = "up" if estimate > 0 else "down" if estimate < 0 else "same"
        chance = "significant" if row["p_value"] < ALPHA else "not_significant"
        if chance == "not_significant" and direction != "same":
            # a rise or fall within chance is no finding: the sentence must not claim one
            return [*lines, t("trend.change_little", self.lang, **years_fill,
                              n_pairs=fmt_num(row["n_pairs"]),
                              estimate=fmt_signed(row["hl_estimate"], 2))]
        return [*lines, t(f"trend.change_{direction}", self.lang, **years_fill,
                          n_pairs=fmt_num(row["n_pairs"]),
                          estimate=fmt_num(abs(row["hl_estimate"]), 2)),
                t(f"trend.change_{chance}", self.lang)]

    def _change_test_note(self) -> list[str]:
        """The paired change's test, for the method notes: every number a cell of
        tables["change"] (overall_pct)."""
        if self.basis is None:
            return []
        row = self.tables["change"].set_index("measure").loc["overall_pct"]
        if pd.isna(row["p_value"]) or pd.isna(row["hl_ci_low"]):
            return []
        key = "method.change_test" if row["n_zero"] else "method.change_test_all_changed"
        return [t(key, self.lang,
                  previous_year=year_label(self.previous_year, self.lang),
                  year=year_label(self.year, self.lang), n_zero=fmt_num(row["n_zero"]),
                  n_changed=fmt_num(row["n_pairs"] - row["n_zero"]), **change_numbers(row),
                  p=fmt_p(row["p_value"]))]

    def _published_method_changes(self, years: list[int]) -> list[str]:
        """Notes for the chart of published scores: each year whose overall method differs
        from the year before."""
        methods = {y: self.frameworks[y].overall_method for y in years}
        return [published_method_change_text(a, b, methods[a], methods[b], self.lang)
                for a, b in pairwise(years) if methods[a] != methods[b]]

    def _basis_pointer(self) -> str:
        """Where the comparable basis is written out (the trend section), for every other
        place that uses it."""
        return t("trend.basis_pointer", self.lang,
                 n_comparable=fmt_num(self.basis.columns()["n_comparable_indicators"]))

    def _change_notes(self, note: str) -> list[str]:
        """A table note saying what its change column is, then where the basis is explained."""
        if self.basis is None:
            return []
        return [t(note, self.lang, previous_year=year_label(self.previous_year, self.lang),
                  year=year_label(self.year, self.lang)), self._basis_pointer()]

    def _text_movers(self) -> list[str]:
        return [*self._change_notes("trend.movers_note"), *self._text_quality_marks("movers")]

    def _text_appendix_laos(self) -> list[str]:
        """What the appendix's scores are: recomputed (equal to the published results, or
        the reconciliation table below lists where not, and whether a pass or band differs)."""
        booklet = [t_md("appendix.scorecards", self.lang)] if self.parameters.get("scorecards") \
            else []
        recon = self.tables["reconciliation"]
        if recon.empty:
            recomputed = t("appendix.recomputed_equal", self.lang, year=year_label(self.year,
                                                                                  self.lang))
        else:
            outcome = recon["changes_result"].fillna(False)
            recomputed = t("appendix.recomputed_differ", self.lang,
                           year=year_label(self.year, self.lang), n=fmt_num(len(recon)),
                           n_laos=fmt_num(recon["lao_code"].nunique())) + " " + (
                t("appendix.recomputed_outcome", self.lang, n=fmt_num(outcome.sum()))
                if outcome.any() else t("appendix.recomputed_same_outcome", self.lang))
        # last: "the table below" is the reconciliation, shown before the table of LAOs
        return [t("appendix.laos_intro", self.lang), *booklet,
                *self._change_notes("trend.laos_note"), recomputed]

    def _text_indicators(self) -> list[str]:
        """How many tested indicators are below the rest of the country by more than chance
        (q < ALPHA), and why an interval clear of 0 does not count by itself: with this many
        tests some are expected by chance (ALPHA / 2 on the low side)."""
        table = self.tables["indicators"]
        tested = self._tested_indicators(table)
        below = tested[(tested["q_value"] < ALPHA) & (tested["difference"] < 0)]
        fill = {"n_indicators": fmt_num(len(tested)), "alpha": f"{ALPHA:g}",
                "min_laos": fmt_num(MIN_LAOS_FOR_INDICATOR_TEST), "n_significant":
                fmt_num(len(below)), "n_all": fmt_num(len(table)),
                "n_untested": fmt_num(len(table) - len(tested))}
        key = "indicators.n_significant" if len(below) else "indicators.none_significant"
        lines = [t("indicators.intro", self.lang, province=self._province_name),
                 t(key, self.lang, **fill)]
        n_ci_below = int((tested["ci_high"] < 0).sum())
        if n_ci_below > len(below):
            lines.append(t("indicators.unadjusted", self.lang, n_ci_below=fmt_num(n_ci_below),
                           expected=fmt_num(ALPHA / 2 * len(tested), 0), **fill))
        return lines

    def _text_dimensions(self) -> list[str]:
        """The province's lowest dimension against the nation's mean of it, and the dimension
        furthest below the nation (tables["dimensions"])."""
        dims = self.tables["dimensions"]
        dims = dims[dims["measure"].isin(DIM_PCT)].pivot(index="measure", columns="level",
                                                         values="mean")
        lowest = dims["province"].idxmin()
        gap = (dims["province"] - dims["national"])
        label = {m: i18n.dimension_label(int(m[1]), self.lang) for m in dims.index}
        lines = [t("dimensions.lowest", self.lang, province=self._province_name,
                   dimension=label[lowest], mean=fmt_pct(dims.loc[lowest, "province"]),
                   national_mean=fmt_pct(dims.loc[lowest, "national"]))]
        furthest = gap.idxmin()
        if round(gap[furthest], 1) < 0:
            lines.append(t("dimensions.furthest_below", self.lang, dimension=label[furthest],
                           gap=fmt_num(-gap[furthest], 1)))
        else:
            lines.append(t("dimensions.none_below", self.lang))
        return lines

    def _text_benchmarking(self) -> list[str]:
        funnel = self.tables["funnel"]
        lines = [t("benchmarking.funnel_intro", self.lang)]
        mine = funnel[funnel["highlight"] & funnel["flag"].notna()]
        for measure in (benchmarking.LEAD_MEASURE, benchmarking.PASS_MEASURE):
            for _, row in benchmarking.measure_rows(mine, measure).iterrows():
                lines.append(benchmarking.position_sentence(row, self._province_name, self.lang))
        if benchmarking.is_assessment_effect(mine["flag"]).any():
            team = self.reference["team_effect"].set_index("province_code")["flag"]
            lines.append(t("benchmarking.assessment", self.lang, province=self._province_name,
                           lean=t(f"value.{team[self.province.code]}", self.lang)))
        return lines

    def _text_integrity(self) -> list[str]:
        """The self-assessment gap and the team effect in words by their sign (a value that
        rounds to 0.0 is 'no different'), and why other provinces are in the table."""
        table = self.tables["integrity"]
        me = table[table["highlight"]]
        lines = [t("integrity.intro", self.lang)]
        flagged = table[table["flag"].notna() & ~table["highlight"]]
        if len(flagged):
            lines.append(t("integrity.others_shown", self.lang, province=self._province_name,
                           provinces=mainpoints.and_list(list(flagged["province"]), self.lang)))
        if me.empty or pd.isna(me.iloc[0]["mean_gap"]):
            return lines
        row = me.iloc[0]
        national_gap = self.national["gap_overall"].mean()
        lines.append(t(f"integrity.gap_{_side(row['mean_gap'])}", self.lang,
                       mean_gap=fmt_num(abs(row["mean_gap"]), 1),
                       national_gap=fmt_signed(national_gap)))
        if not pd.isna(row["leniency"]):
            lines.append(t(f"integrity.leniency_{_side(row['leniency'])}", self.lang,
                           province=self._province_name,
                           leniency=fmt_num(abs(row["leniency"]), 1)))
            # a difference within chance is not a finding: say which it is
            verdict = "flagged" if isinstance(row["flag"], str) else "not_flagged"
            lines.append(t(f"integrity.leniency_{verdict}", self.lang,
                           province=self._province_name))
        return lines

    def _text_ranks(self) -> list[str]:
        """What the ranks table and chart show: the province's best and worst by national
        rank (among how many LAOs), and what the two intervals mean."""
        ranks, lang = self.tables["ranks"], self.lang
        n_top, n_bottom = ((ranks["group"] == g).sum() for g in ("top", "bottom"))
        shown = t("ranks.shown_all", lang, n_province=fmt_num(len(ranks))) \
            if n_top + n_bottom == len(ranks) else \
            t("ranks.shown", lang, n_top=fmt_num(n_top), n_bottom=fmt_num(n_bottom),
              n_province=fmt_num(len(ranks)), sheet=sheet_label("ranks", lang))
        n_national = self.reference["rank_uncertainty"]["rank_nominal"].notna().sum()
        return [shown + " " + t("ranks.explain", lang, n_national=fmt_num(n_national),
                                level=fmt_num(100 * RANK_INTERVAL))]

    def _team_effect_note(self) -> list[str]:
        """The team effect's interval and test, for the method notes (tables["integrity"])."""
        me = self.tables["integrity"]
        me = me[me["highlight"]]
        if me.empty or pd.isna(me.iloc[0]["leniency"]):
            return []
        row = me.iloc[0]
        return [t("method.team_effect", self.lang, province=self._province_name,
                  leniency=fmt_signed(row["leniency"]), ci_low=fmt_signed(row["leniency_ci_low"]),
                  ci_high=fmt_signed(row["leniency_ci_high"]), alpha=f"{ALPHA:g}")]

    def _text_method_notes(self) -> list[str]:
        threshold = fmt_num(self.framework.pass_threshold)
        min_laos = fmt_num(MIN_LAOS_FOR_INDICATOR_TEST)
        basis = [f"- {self._basis_pointer()}"] if self.basis else []
        bands = t("method.bands", self.lang, threshold=f"{self.pass_mark:g}",
                  bands=mainpoints.band_cutoffs_text(self.framework, self.lang))
        # the tests behind the plain sentences of the sections, with their numbers
        tests = [*self._types_test_note(), *self._change_test_note(),
                 benchmarking.dispersion_sentence(self.tables["funnel"], self.lang),
                 *self._team_effect_note()]
        return [f"- {t('method.scores', self.lang, threshold=threshold)}", f"- {bands}",
                *(f"- {t(k, self.lang)}" for k in ("method.ci", "method.fdr", "method.funnel")),
                f"- {t('method.indicators', self.lang, min_laos=min_laos)}",
                f"- {benchmarking.ranks_method_note(self.lang, provinces=False)}",
                f"- {t('method.years', self.lang)}", *basis, *(f"- {line}" for line in tests)]

    # -- charts (each with its title and, where a reader needs it, a caption) --
    def _chart_main_points(self):
        """The headline chart: bands of the province, its region and the nation, segments
        labelled with the counts of the bullets and their share."""
        return mainpoints.bands_chart(self.tables["main_points"], self.lang)

    def _chart_pass_rate(self):
        rates = self.tables["pass_rate"].assign(highlight=lambda d: d["level"] == "province")
        return plots.bar_with_ci(rates, lang=self.lang, pass_mark=None,
                                 title=t("chart.title.pass_rate", self.lang,
                                         province=self._province_name),
                                 caption=t("chart.caption.ci_bars", self.lang))

    def _chart_districts(self):
        """Each district's mean overall score and 95 % CI against the province mean, highest
        first (the title says so; the table lists them by name)."""
        table = self.tables["districts"].sort_values(["mean_overall", "district"],
                                                     ascending=[False, True])
        points = table.assign(label=table["district"], value=table["mean_overall"],
                              ci_low=table["mean_ci_low"], ci_high=table["mean_ci_high"],
                              flag=table["vs_province"])
        mean = self.laos["overall_pct"].mean()
        return plots.dot_with_ci(points, lang=self.lang, reference=mean,
                                 reference_label=t("chart.province_mean", self.lang,
                                                   mean=fmt_pct(mean)),
                                 value_label=t("chart.mean_overall_ci", self.lang),
                                 title=t("chart.title.districts", self.lang,
                                         province=self._province_name),
                                 caption=t("chart.caption.districts", self.lang))

    def _chart_dimensions(self):
        return plots.dimension_boxplot(
            self.national, province_code=self.province.code, lang=self.lang,
            title=t("chart.title.dimensions", self.lang, province=self._province_name),
            caption=t("chart.caption.dimensions", self.lang))

    def _chart_types(self):
        return plots.type_comparison(
            self.laos, lang=self.lang, pass_mark=self.pass_mark,
            title=t("chart.title.types", self.lang, where=self._province_name),
            caption=t("chart.caption.types", self.lang, min_n=fmt_num(MIN_GROUP_N),
                      many=fmt_num(plots.charts.POINTS_UP_TO)))

    def _chart_trend(self):
        """Published mean scores of each year, the province on top; a vertical line where the
        overall method changed (scores either side are not alike)."""
        trend = self.tables["trend"]
        trend = trend[trend["measure"] == "overall_pct"].assign(
            series=lambda d: [self._label(level) for level in d["level"]],
            value=lambda d: d["estimate"])
        years = sorted(self.history)
        changes = [b for a, b in pairwise(years)
                   if self.frameworks[a].overall_method != self.frameworks[b].overall_method]
        return plots.trend_lines(
            trend, lang=self.lang, highlight=self._label("province"), pass_mark=self.pass_mark,
            method_changes=changes,
            title=t("chart.title.trend", self.lang, first_year=year_label(years[0], self.lang),
                    last_year=year_label(years[-1], self.lang)),
            caption=trend_caption(changes, self.lang))

    INDICATORS_CHARTED = 12

    def _chart_indicators(self):
        """The tested indicators most clearly below the rest of the country: ordered by the
        upper end of their interval, so an indicator of few LAOs (a wide interval) does not
        top the list by its point estimate alone."""
        gaps = self._tested_indicators(self.tables["indicators"])  # in the table's order
        weakest = gaps.head(self.INDICATORS_CHARTED).assign(
            label=lambda d: d["indicator_id"] + " " + d["indicator"].fillna(""))
        return plots.indicator_gap_bars(
            weakest, lang=self.lang,
            title=t("chart.title.indicators", self.lang, n=fmt_num(len(weakest))),
            caption=t("chart.caption.indicators", self.lang, alpha=f"{ALPHA:g}"))

    def _chart_heatmap(self):
        """Attainment by type; a column says its LAOs (n), a cell of fewer than MIN_GROUP_N
        LAOs is greyed (one LAO's 0 or 100 is no average)."""
        types = self.laos["lao_type"].value_counts()
        cells = self.tables["heatmap"].assign(
            row=lambda d: d["indicator_id"] + " " + d["indicator"].fillna(""),
            col=lambda d: [plots.n_label(i18n.lao_type_label(x, self.lang, short=True),
                                                 types.get(x, 0), self.lang)
                           for x in d["lao_type"]],
            value=lambda d: d["attainment"])
        caption = [t("chart.heatmap_caption", self.lang)]
        if (cells["n"] < MIN_GROUP_N).any():
            caption.append(t("chart.heatmap_sparse", self.lang, min_n=fmt_num(MIN_GROUP_N)))
        return plots.heatmap(cells, lang=self.lang, min_n=MIN_GROUP_N,
                             title=t("chart.heatmap_title", self.lang,
                                     n=fmt_num(cells["indicator_id"].nunique())),
                             caption=" ".join(caption))

    def _chart_funnel(self):
        return benchmarking.funnel_chart(self.tables["funnel"], benchmarking.LEAD_MEASURE,
                                         self.national, self.lang, self.province.code)

    def _chart_funnel_pass(self):
        return benchmarking.funnel_chart(self.tables["funnel"], benchmarking.PASS_MEASURE,
                                         self.national, self.lang, self.province.code)

    def _chart_ranks(self):
        """The LAOs of the ranks table the report shows (`RANKS_SHOWN`: the best and the worst
        half each), best first: national rank, sensitivity to weights and method, statistical
        interval (the table's column order)."""
        ranks = self.tables["ranks"].head(self.RANKS_SHOWN).dropna(subset=["rank_nominal"])
        ranks = ranks.assign(unit=ranks["lao_code"], label=ranks["name"],
                             rank=ranks["rank_nominal"], rank_low=ranks["rank_boot_low"],
                             rank_high=ranks["rank_boot_high"], sens_low=ranks["rank_sens_low"],
                             sens_high=ranks["rank_sens_high"])
        level = f"{100 * RANK_INTERVAL:g}"
        return plots.rank_interval_plot(
            ranks, lang=self.lang, level=RANK_INTERVAL,
            title=t("chart.title.ranks", self.lang, half=fmt_num(self.RANKS_SHOWN // 2),
                    province=self._province_name),
            caption=t("chart.caption.ranks", self.lang, total=fmt_num(len(self.national)),
                      level=level))

    def _chart_integrity(self):
        return plots.gap_scatter(self.laos, lang=self.lang, pass_mark=self.pass_mark,
                                 title=t("chart.title.integrity", self.lang,
                                         province=self._province_name),
                                 caption=t("chart.caption.integrity", self.lang))

    # the ranks chart and table show the same LAOs: the best and the worst RANKS_SHOWN // 2
    # (ranks_table puts them first, group top / bottom)
    RANKS_SHOWN = 20

    # -- section registry: what rep.text(name) and rep.chart(name) call --
    KIND = "province"
    GLOSSARY = ("abbreviations", "lao_types", "pass_mark", "bands", "pilot", "attainment",
                "self_verified", "comparable", "comparable_score", "percentage_points",
                "median", "ci95", "ci_bounds", "wilson", "significant", "kruskal_wallis",
                "epsilon_sq", "holm", "rank_biserial", "fdr", "hodges_lehmann", "funnel",
                "overdispersion", "team_effect", "rank_interval", "warning_error")
    TEXTS = {"summary": _text_summary, "glossary": ReportBase._text_glossary,
             "top_bottom": _text_top_bottom, "dimensions": _text_dimensions,
             "ranks": _text_ranks, "pass_rate_years": _text_pass_rate_years,
             "districts": _text_districts, "data_quality": _text_data_quality,
             "types": _text_types, "change": _text_change, "indicators": _text_indicators,
             "benchmarking": _text_benchmarking, "integrity": _text_integrity,
             "method_notes": _text_method_notes, "movers": _text_movers,
             "appendix_laos": _text_appendix_laos}
    CHARTS = {"main_points": _chart_main_points, "pass_rate": _chart_pass_rate,
              "districts": _chart_districts, "dimensions": _chart_dimensions,
              "types": _chart_types, "trend": _chart_trend, "indicators": _chart_indicators,
              "heatmap": _chart_heatmap, "funnel": _chart_funnel,
              "funnel_pass": _chart_funnel_pass, "ranks": _chart_ranks,
              "integrity": _chart_integrity}


def province_report(year: int = 2566, province: str | int = "54", *, lang: str = "th",
                    processed_dir: str | Path = DEFAULT_PROCESSED,
                    scorecards: bool = False) -> ProvinceReport:
    """Everything one province report shows, from the processed tables only. Builds nothing:
    an unbuilt year is an error that names the command to run. `scorecards`: the run also
    makes the province's scorecard booklet (scorecards.pdf beside the report), so link it."""
    year = to_be_year(year)
    i18n.check_lang(lang)
    processed_dir = Path(processed_dir)
    processed = load_processed(year, processed_dir)
    history = reference.history(year, processed_dir)
    return ProvinceReport(
        year=year, province=resolve_province(province), lang=lang, processed=processed,
        history=history, reference=reference.load(year, processed_dir),
        frameworks={y: load_processed(y, processed_dir).framework for y in history},
        parameters={"year": year, "province": str(province), "lang": lang,
                    "processed_dir": str(processed_dir), "scorecards": scorecards},
    )


