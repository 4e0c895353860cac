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
    published_method_change_text,
)
from lpa_analysis.schema import DIM_PCT, Framework, display_name, to_be_year
from lpa_analysis.settings import ALPHA, MIN_LAOS_FOR_INDICATOR_TEST, RANK_INTERVAL


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
            "bands": stats.band_shares(self.laos),
            "top_bottom": self.top_bottom(),
            "movers": self.movers(),
            "districts": self.districts_table(),
            "quality": self.quality_table(),
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
        weakest = self._tested_indicators(self._indicator_gaps).dropna(
            subset=["attainment_province"]).nsmallest(3, "attainment_province")
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
            *({"point": "weakest_indicators", "level": "province", "item": r["indicator_id"],
               "label": r["indicator"], "n": r["n_province"],
               "percent": 100 * r["attainment_province"]} for r in weakest.to_dict("records")),
            *({"point": "below_pass_mark", "level": "province", "item": r["lao_code"],
               "label": r["name"], "percent": r["overall_pct"], "min_score": self.pass_mark}
              for r in below.to_dict("records")),
            *self._main_points_districts(),
        ]
        return mainpoints.main_points_frame(rows)

    def _main_points_change(self) -> list[dict]:
        """The pass rate of both years on the comparable basis (`basis`: the indicators
        defined alike, this year's method and pass mark) and its change in percentage points."""
        if self.basis is None or not self.basis.indicator_ids:
            return []
        rows = []
        for year in (self.previous_year, self.year):
            scores = self.comparable[year]["overall_pct"].dropna()
            passed = int((scores >= self.pass_mark).sum())
            rows.append({"point": "change", "level": "province", "item": str(year),
                         "label": year_label(year, self.lang), "n": len(scores),
                         "count": passed, "percent": 100 * passed / max(len(scores), 1),
                         "min_score": self.pass_mark})
        rows[-1]["change"] = rows[-1]["percent"] - rows[0]["percent"]
        return rows

    def _main_points_districts(self) -> list[dict]:
        """The districts with the lowest and the highest pass rate (the spread sentence's)."""
        table = self.districts_table()
        if len(table) < 2:
            return []
        rows = pd.DataFrame([mainpoints.rate_row("districts", None, r["district_th"],
                                                 r["district"], r)
                             for r in table.to_dict("records")])
        low, high = mainpoints.extremes(rows)
        return [low.to_dict(), high.to_dict()]

    def _main_points_bullets(self) -> list[str]:
        mp, lang = self.tables["main_points"], self.lang
        rates = mp[mp["point"] == "pass_rate"].set_index("level")
        province = rates.loc["province"]
        bullets = [t("main_points.pass_rate", lang, province=self._province_name,
                     passed=fmt_num(province["count"]), n=fmt_num(province["n"]),
                     threshold=f"{self.pass_mark:g}", rate=fmt_pct(province["percent"]),
                     region=rates.loc["region", "label"],
                     region_rate=fmt_pct(rates.loc["region", "percent"]),
                     national_rate=fmt_pct(rates.loc["national", "percent"]))]
        change = mp[mp["point"] == "change"]
        if self.basis is None:
            bullets.append(t("main_points.first_year", lang))
        elif change.empty:
            bullets.append(t("main_points.not_comparable", lang,
                             previous_year=year_label(self.previous_year, lang)))
        else:
            bullets.append(t("main_points.change", lang,
                             previous_year=change.iloc[0]["label"], year=change.iloc[1]["label"],
                             rate_previous=fmt_pct(change.iloc[0]["percent"]),
                             rate_now=fmt_pct(change.iloc[1]["percent"]),
                             change=fmt_signed(change.iloc[1]["change"])))
        bands = mp[(mp["point"] == "bands") & (mp["level"] == "province")]
        bullets.append(t("main_points.bands", lang, bands=mainpoints.bands_text(bands, lang)))
        dim = mp[mp["point"] == "weakest_dimension"].set_index("level")
        indicators = mp[mp["point"] == "weakest_indicators"]
        if len(dim):
            bullets.append(t("main_points.weakest", lang, dimension=dim.loc["province", "label"],
                             mean=fmt_pct(dim.loc["province", "percent"]),
                             national_mean=fmt_pct(dim.loc["national", "percent"]),
                             indicators=", ".join(t("main_points.indicator", lang, id=i, name=n,
                                                    attainment=fmt_pct(a)) for i, n, a in
                                                  zip(indicators["item"], indicators["label"],
                                                      indicators["percent"]))))
        bullets.append(self._main_points_below(mp[mp["point"] == "below_pass_mark"]))
        districts = mp[mp["point"] == "districts"]
        if len(districts):
            bullets.append(mainpoints.spread_text(districts, "main_points.districts", lang))
        return bullets

    def _main_points_below(self, below: pd.DataFrame) -> str:
        if below.empty:
            return t("main_points.below_none", self.lang)
        key = "main_points.below_all" if len(below) <= mainpoints.NAMES_LISTED else \
            "main_points.below_some"
        return t(key, self.lang, n=fmt_num(len(below)), shown=fmt_num(mainpoints.NAMES_LISTED),
                 names=mainpoints.names_text(below, self.lang))

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
        return pd.concat([top, bottom], ignore_index=True)[["group", *cols]]

    # -- change from the previous year: change, movers and the appendix on one basis --
    @cached_property
    def basis(self) -> stats.ComparableBasis | None:
        """What every change from the previous year is measured on (comparable indicators,
        this year's overall method in both years); None without a previous year."""
        if self.previous_year is None:
            return None
        return stats.comparable_basis(self.frameworks[self.previous_year], self.framework)

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
        return self._named(movers).rename(columns={"value_a": "comparable_overall_previous",
                                      "value_b": "comparable_overall"})

    def _province_findings(self, frame: pd.DataFrame) -> pd.DataFrame:
        codes = frame["lao_code"].astype("string")
        mine = codes.isin(set(self.laos["lao_code"])) | codes.str[1:3].eq(self.province.code)
        return frame[mine.fillna(False)]

    def quality_table(self) -> pd.DataFrame:
        findings = self._province_findings(self.processed.quality_findings)
        return findings_counts(findings)

    def quarantine_table(self) -> pd.DataFrame:
        return self._province_findings(self.processed.quarantine)

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
        """stats.indicator_gaps of the province (its rows of the run's reference table)."""
        return self._indicator_gaps

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
                 .mean().rename("attainment").reset_index())
        order = {i: k for k, i in enumerate(weakest["indicator_id"])}
        cells = cells.sort_values(["indicator_id", "lao_type"],
                                  key=lambda s: s.map(order) if s.name == "indicator_id" else s)
        return cells.merge(self._indicator_names(), on="indicator_id", how="left")

    def funnel_table(self) -> pd.DataFrame:
        """The national funnel table (both measures, every province), this province marked."""
        funnel = self.reference["funnel"].copy()
        funnel["highlight"] = funnel["province_code"] == self.province.code
        return funnel

    def ranks_table(self) -> pd.DataFrame:
        """The province's LAOs' national ranks with their sensitivity to weights and method
        and their statistical interval (reference.rank_table), best first."""
        ranks = self.reference["rank_uncertainty"]
        ranks = ranks[ranks["lao_code"].isin(set(self.laos["lao_code"]))]
        named = self._named(ranks.merge(self.laos[["lao_code", "name_th", "lao_type"]],
                                        on="lao_code", how="left"))
        return named.sort_values(["rank_nominal", "lao_code"]).reset_index(drop=True)

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
                f"{i} {n} ({fmt_pct(100 * a)})" for i, n, a in
                zip(weakest["indicator_id"], weakest["indicator"], weakest["attainment_province"]))),
        ]

    def _text_districts(self) -> list[str]:
        """The district with the lowest mean and by how much, which districts differ clearly
        from the province (vs_province) or that none does, and where the LAOs that failed
        are: every number a column of tables["districts"]."""
        table, lang = self.tables["districts"], self.lang
        province_mean = self.laos["overall_pct"].mean()
        lowest = table.loc[table["mean_overall"].idxmin()]
        lines = [t_md("districts.lowest", lang, n_districts=fmt_num(len(table)),
                      district=lowest["district"], mean=fmt_pct(lowest["mean_overall"]),
                      n=fmt_num(lowest["n"]), ci_low=fmt_pct(lowest["mean_ci_low"]),
                      ci_high=fmt_pct(lowest["mean_ci_high"]),
                      province_mean=fmt_pct(province_mean),
                      gap=fmt_num(province_mean - lowest["mean_overall"], 1))]
        for side in ("below", "above"):
            clear = table[table["vs_province"] == side].sort_values("mean_overall")
            if len(clear):
                lines.append(t("districts.clearly_" + side, lang, districts=", ".join(
                    t_md("districts.item", lang, district=d, mean=fmt_pct(m))
                    for d, m in zip(clear["district"], clear["mean_overall"]))))
        if table["vs_province"].isna().all():
            lines.append(t("districts.none_clear", lang, n_min=fmt_num(table["n"].min()),
                           n_max=fmt_num(table["n"].max())))
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
        lines.append(t("quality.failed", self.lang, n_errors=fmt_num(n_errors),
                       n_warnings=fmt_num(n_warnings)))
        if len(quarantine):
            lines.append(t("quality.quarantined", self.lang, n_rows=fmt_num(len(quarantine)),
                           n_laos=fmt_num(quarantine["lao_code"].nunique())))
        return lines

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
        return [t("method.types_test", self.lang, statistic=fmt_as(test["statistic"], "statistic"),
                  df=fmt_as(test["df"], "count"), p=fmt_p(test["p_value"]),
                  effect=fmt_as(test["epsilon_sq"], "effect"))]

    def _types_listed(self, rows: pd.DataFrame) -> str:
        """'Subdistrict municipality (n = 25), Subdistrict Administrative Organisation (n = 57)'."""
        return ", ".join(t("types.group", self.lang, lao_type=i18n.lao_type_label(v, self.lang),
                           n=fmt_num(n)) for v, n in zip(rows["lao_type"], rows["n"]))

    def _text_change(self) -> list[str]:
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
        key = "trend.change_significant" if row["p_value"] < ALPHA else \
            "trend.change_not_significant"
        return [*lines, t(key, self.lang, **years_fill, n_pairs=fmt_num(row["n_pairs"]),
                          **change_numbers(row))]

    def _change_test_note(self) -> list[str]:
        """The paired change's test, for the method notes: every number a cell of
        tables["change"] (overall_pct)."""
        if self.basis is None:
            return []
        row = self.tables["change"].set_index("measure").loc["overall_pct"]
        if pd.isna(row["p_value"]) or pd.isna(row["hl_ci_low"]):
            return []
        return [t("method.change_test", self.lang,
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

    def _change_notes(self, note: str) -> list[str]:
        """A table note saying what its change column is, then the basis."""
        if self.basis is None:
            return []
        return [t(note, self.lang, previous_year=year_label(self.previous_year, self.lang),
                  year=year_label(self.year, self.lang)),
                change_basis_text(self.basis.columns(), self.lang)]

    def _text_movers(self) -> list[str]:
        return self._change_notes("trend.movers_note")

    def _text_appendix_laos(self) -> list[str]:
        booklet = [t_md("appendix.scorecards", self.lang)] if self.parameters.get("scorecards") \
            else []
        return [t("appendix.laos_intro", self.lang), *booklet,
                *self._change_notes("trend.laos_note")]

    def _text_indicators(self) -> list[str]:
        tested = self._tested_indicators(self.tables["indicators"])
        below = tested[(tested["q_value"] < ALPHA) & (tested["difference"] < 0)]
        return [t("indicators.intro", self.lang, province=self._province_name),
                t("indicators.n_significant", self.lang, n_significant=fmt_num(len(below)),
                  n_indicators=fmt_num(len(tested)), alpha=f"{ALPHA:g}",
                  min_laos=fmt_num(MIN_LAOS_FOR_INDICATOR_TEST))]

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
        table = self.tables["integrity"]
        me = table[table["highlight"]]
        lines = [t("integrity.intro", self.lang)]
        if me.empty or pd.isna(me.iloc[0]["mean_gap"]):
            return lines
        row = me.iloc[0]
        national_gap = self.national["gap_overall"].mean()
        lines.append(t("integrity.gap", self.lang, mean_gap=fmt_signed(row["mean_gap"]),
                       national_gap=fmt_signed(national_gap)))
        if not pd.isna(row["leniency"]):
            lines.append(t("integrity.leniency", self.lang, province=self._province_name,
                           leniency=fmt_signed(row["leniency"])))
        return lines

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
        basis = [f"- {change_basis_text(self.basis.columns(), self.lang)}"] if self.basis else []
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

    # -- charts --
    def _chart_main_points(self):
        """The headline chart: bands of the province, its region and the nation."""
        mp = self.tables["main_points"]
        bands = mp[mp["point"] == "bands"]
        return plots.band_bars(bands.assign(band=bands["item"], share=bands["percent"]),
                               lang=self.lang, scale=1)

    def _chart_pass_rate(self):
        rates = self.tables["pass_rate"].assign(highlight=lambda d: d["level"] == "province")
        return plots.bar_with_ci(rates, lang=self.lang, pass_mark=None)

    def _chart_districts(self):
        """Each district's mean overall score and 95 % CI against the province mean, highest
        first (the table lists them by name)."""
        table = self.tables["districts"].sort_values(["mean_overall", "district"],
                                                     ascending=[False, True])
        points = table.assign(label=table["district"], value=table["mean_overall"],
                              ci_low=table["mean_ci_low"], ci_high=table["mean_ci_high"],
                              flag=table["vs_province"])
        mean = self.laos["overall_pct"].mean()
        return plots.dot_with_ci(points, lang=self.lang, reference=mean,
                                 reference_label=t("chart.province_mean", self.lang,
                                                   mean=fmt_pct(mean)),
                                 value_label=t("chart.mean_overall_ci", self.lang))

    def _chart_dimensions(self):
        return plots.dimension_boxplot(self.national, province_code=self.province.code,
                                       lang=self.lang)

    def _chart_types(self):
        return plots.type_comparison(self.laos, lang=self.lang, pass_mark=self.pass_mark)

    def _chart_trend(self):
        trend = self.tables["trend"]
        trend = trend[trend["measure"] == "overall_pct"].assign(
            series=lambda d: [self._label(level) for level in d["level"]],
            value=lambda d: d["estimate"])
        return plots.trend_lines(trend, lang=self.lang, highlight=self._label("province"),
                                 pass_mark=self.pass_mark)

    def _chart_indicators(self):
        gaps = self._tested_indicators(self.tables["indicators"])
        weakest = gaps.nsmallest(12, "difference").assign(
            label=lambda d: d["indicator_id"] + " " + d["indicator"].fillna(""))
        return plots.indicator_gap_bars(weakest, lang=self.lang)

    def _chart_heatmap(self):
        cells = self.tables["heatmap"].assign(
            row=lambda d: d["indicator_id"] + " " + d["indicator"].fillna(""),
            col=lambda d: [i18n.lao_type_label(x, self.lang, short=True) for x in d["lao_type"]],
            value=lambda d: d["attainment"])
        return plots.heatmap(cells, lang=self.lang,
                             title=t("chart.heatmap_title", self.lang,
                                     n=fmt_num(cells["indicator_id"].nunique())),
                             caption=t("chart.heatmap_caption", self.lang))

    def _chart_funnel(self):
        return benchmarking.funnel_chart(self.tables["funnel"], benchmarking.LEAD_MEASURE,
                                         self.national, self.lang, self.province.code)

    def _chart_funnel_pass(self):
        return benchmarking.funnel_chart(self.tables["funnel"], benchmarking.PASS_MEASURE,
                                         self.national, self.lang, self.province.code)

    def _chart_ranks(self):
        """The LAOs of the ranks table the report shows (`RANKS_SHOWN`, best first): official
        rank, statistical interval and sensitivity to weights and method."""
        ranks = self.tables["ranks"].head(self.RANKS_SHOWN).dropna(subset=["rank_nominal"])
        ranks = ranks.assign(unit=ranks["lao_code"], label=ranks["name"],
                             rank=ranks["rank_nominal"], rank_low=ranks["rank_boot_low"],
                             rank_high=ranks["rank_boot_high"], sens_low=ranks["rank_sens_low"],
                             sens_high=ranks["rank_sens_high"])
        return plots.rank_interval_plot(ranks, lang=self.lang, level=RANK_INTERVAL)

    def _chart_integrity(self):
        return plots.gap_scatter(self.laos, lang=self.lang, pass_mark=self.pass_mark)

    RANKS_SHOWN = 20  # the ranks chart and table show the same best-ranked LAOs

    # -- section registry: what rep.text(name) and rep.chart(name) call --
    KIND = "province"
    GLOSSARY = ("pass_mark", "bands", "attainment", "comparable", "median", "ci95", "wilson",
                "significant", "kruskal_wallis", "epsilon_sq", "holm", "rank_biserial", "fdr",
                "hodges_lehmann", "funnel", "team_effect", "rank_interval")
    TEXTS = {"summary": _text_summary, "glossary": ReportBase._text_glossary,
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


