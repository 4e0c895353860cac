"""What the report notebooks show: each section's tables, sentences and charts for one province
(or the nation), computed from the processed tables by `lpa_analysis.stats`. Notebooks only
narrate and call this; every figure's data is also a table written by `write_tables`.

    rep = province_report(2566, "54", lang="th")
    rep.text("summary"); rep.chart("pass_rate"); rep.show("pass_rate")
    rep.write_tables(out_dir)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from lpa_analysis import __version__, i18n, plots, reference, stats
from lpa_analysis.batch import PATH_PARAMETERS
from lpa_analysis.manifest import git_state
from lpa_analysis.build import (DEFAULT_DATA, DEFAULT_PROCESSED, Processed, built_years,
                                load_processed, release_arrow_memory)
from lpa_analysis.files import replace_dir, staging_dir
from lpa_analysis.geo import ProvinceInfo, all_provinces, resolve_province
from lpa_analysis.i18n import fmt_num, fmt_p, fmt_pct, fmt_signed, t, t_md, year_label
from lpa_analysis.schema import DIM_PCT, Framework, LaoType, display_name, load_framework, to_be_year

# What the report shows of each table (the CSV keeps every column). Missing: all columns.
DISPLAY_COLUMNS = {
    "pass_rate": ["label", "n", "passed", "rate", "ci_low", "ci_high"],
    "top_bottom": ["rank_province", "lao_code", "name", "lao_type", "overall_pct", "band"],
    "movers": ["direction", "rank", "lao_code", "name_th", "lao_type", "value_a", "value_b",
               "change"],
    "quality": ["table", "check", "severity", "count"],
    "dimensions": ["level", "measure", "n", "mean", "median", "q1", "q3"],
    "types": ["lao_type", "n", "median", "q1", "q3", "in_test", "note"],
    "pairwise": ["group_a", "group_b", "n_a", "n_b", "median_a", "median_b", "p_holm",
                 "rank_biserial"],
    "change": ["measure", "n_pairs", "median_a", "median_b", "median_change", "ci_low",
               "ci_high", "statistic", "p_value"],
    "indicators": ["indicator_id", "indicator", "n_province", "attainment_province",
                   "attainment_rest", "difference", "ci_low", "ci_high", "q_value"],
    "ranks": ["lao_code", "name", "rank_nominal", "rank_median", "rank_p05", "rank_p95"],
    "integrity": ["province_code", "n", "mean_gap", "ci_low", "ci_high", "leniency",
                  "leniency_ci_low", "leniency_ci_high", "flag"],
    "laos": ["lao_code", "name", *DIM_PCT, "overall_pct", "band",
             "rank_province", "change"],
    "provinces": ["province_code", "province", "n", "passed", "rate", "ci_low", "ci_high",
                  "mean_overall"],
    "league": ["rank", "province", "n", "value", "rank_low", "rank_high"],
    "regions": ["region", "n", "passed", "rate", "ci_low", "ci_high"],
    "alpha": ["dimension", "n_items", "n", "alpha", "std_alpha"],
    "pca": ["component", "eigenvalue", "explained", "cumulative"],
    "team_effect": ["province_code", "n", "estimate", "ci_low", "ci_high", "p_holm", "flag"],
    "reconciliation": ["lao_code", "field", "published", "recomputed", "difference"],
}
PROPORTION_COLUMNS = {"rate", "share", "attainment_province", "attainment_rest", "difference",
                      "explained", "cumulative", "share_self_higher"}
# Rows a report shows of a long table (a boolean mask over the machine-readable table).
DISPLAY_ROWS = {
    "integrity": lambda d: d["highlight"].astype("boolean") | d["flag"].notna(),
    "indicators": lambda d: d["n_province"] >= MIN_LAOS_FOR_GAP_CHART,
}
# Columns holding codes that people should read as words (see _Report._code_label).
CODED_COLUMNS = {"measure", "measure_a", "measure_b", "level", "direction", "group",
                 "group_a", "group_b", "note", "test_note", "flag"}
LAO_TYPE_VALUES = {t.value for t in LaoType}
# Tables whose ci_low/ci_high bound a proportion (shown as per cent like the estimate).
PROPORTION_CI_TABLES = {"pass_rate", "provinces", "regions", "bands", "indicators"}
MIN_LAOS_FOR_GAP_CHART = 5  # an indicator few LAOs have (e.g. PAO-only) only adds noise
RANK_SIMULATIONS = 1000
RANK_SEED = 2566


# --- national reference tables (once per run) -----------------------------------------------

def _history(year: int, processed_dir: Path) -> dict[int, pd.DataFrame]:
    return {y: load_processed(y, processed_dir).scored_laos
            for y in built_years(processed_dir) if y <= year}


def _reference_tables(year: int, processed_dir: Path) -> dict[str, pd.DataFrame]:
    from lpa_analysis.stats import composite

    processed = load_processed(year, processed_dir)
    scored = processed.scored_laos
    scores = processed.indicator_scores
    history = _history(year, processed_dir)
    return {
        "funnel_pass": stats.funnel(scored, "passed"),
        "funnel_mean": stats.funnel(scored, "overall_pct"),
        "team_effect": stats.team_effect(scored),
        "gap": stats.self_vs_verified_gap(scored),
        "trend_national": stats.trend_table(history),
        "trend_region": stats.trend_table(history, by="region"),
        "trend_province": stats.trend_table(history, by="province_code"),
        "rank_uncertainty": composite.rank_uncertainty(
            scored, composite.dimension_maxima(scores),
            n_sims=RANK_SIMULATIONS, seed=RANK_SEED),
        "league": stats.league_table(scored, n_boot=RANK_SIMULATIONS, seed=RANK_SEED),
        "indicator_gaps": stats.indicator_gaps_all(
            scores, [p.code for p in all_provinces()]),
        "indicator_distribution": composite.indicator_distribution(scores),
        "alpha": composite.cronbach_alpha(scores),
    }


def ensure_ready(year: int, data_dir: str | Path = DEFAULT_DATA,
                 processed_dir: str | Path = DEFAULT_PROCESSED) -> None:
    """Build missing or stale years and the reference tables (a no-op when up to date), so a
    notebook opened in JupyterLab runs as-is."""
    from lpa_analysis.reports import ensure_built

    ensure_built(to_be_year(year), Path(data_dir), Path(processed_dir))
    prepare_year(year, processed_dir)


def prepare_year(year: int, processed_dir: str | Path = DEFAULT_PROCESSED) -> Path:
    """Compute the national reference tables once and cache them beside the year's build
    (keyed by its build.json, so a rebuild invalidates them). Returns the folder."""
    year, processed_dir = to_be_year(year), Path(processed_dir)
    folder = reference.folder(year, processed_dir)
    if reference.is_current(year, processed_dir):
        return folder
    tables = _reference_tables(year, processed_dir)
    release_arrow_memory()  # the year's indicator scores were read and let go
    tmp = staging_dir(folder)
    for name, frame in tables.items():
        frame.to_parquet(tmp / f"{name}.parquet", index=False)
    (tmp / reference.KEY_FILE).write_text(reference.stamp(year, processed_dir))
    replace_dir(tmp, folder)
    return folder


def load_reference(year: int, processed_dir: str | Path = DEFAULT_PROCESSED) -> dict[str, pd.DataFrame]:
    folder = prepare_year(year, processed_dir)
    return _read_reference(folder.resolve(), (folder / reference.KEY_FILE).read_text())


@lru_cache(maxsize=4)
def _read_reference(folder: Path, _key: str) -> dict[str, pd.DataFrame]:
    return {p.stem: _notes_as_none(pd.read_parquet(p)) for p in sorted(folder.glob("*.parquet"))}


def _notes_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet reads a note column's None back as NaN (a string column); stats tables say
    None where there is nothing to note."""
    if "note" not in frame:
        return frame
    note = frame["note"].astype("object")
    return frame.assign(note=note.where(note.notna(), None))


# --- reports --------------------------------------------------------------------------------

def findings_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """How many findings of each check and severity, errors first, largest first."""
    return (findings.groupby(["table", "check", "severity"], dropna=False).size()
            .rename("count").reset_index()
            .sort_values(["severity", "count"], ascending=[True, False], ignore_index=True))


class _Report:
    """What province and national reports share: tables for people, for Excel, and the
    reproducibility footer. Subclasses define `tables` (name → machine-readable frame)."""

    year: int
    lang: str
    processed: Processed
    parameters: dict
    tables: dict[str, pd.DataFrame]

    def heading(self, key: str, level: int = 2) -> str:
        return "#" * level + " " + t(f"section.{key}", self.lang)

    def text(self, section: str) -> str:
        """The generated paragraph of a section, as Markdown (data values escaped)."""
        lines = getattr(self, f"_text_{section}")()
        return "\n\n".join(lines)

    def chart(self, name: str):
        """The named figure (a plots.Chart, shown once by display())."""
        return getattr(self, f"_chart_{name}")()

    # -- tables for people and for Excel --
    def people_table(self, name: str) -> pd.DataFrame:
        """A table as people read it: chosen columns, proportions as per cent, names instead
        of codes, localised headers (also what goes into the XLSX)."""
        frame = self.tables[name]
        columns = DISPLAY_COLUMNS.get(name)
        if columns:
            frame = frame[[c for c in columns if c in frame]]
        frame = frame.copy()
        proportions = PROPORTION_COLUMNS | (
            {"ci_low", "ci_high"} if name in PROPORTION_CI_TABLES else set())
        yes, no = t("value.yes", self.lang), t("value.no", self.lang)
        for column in frame.columns:
            if column in proportions:
                frame[column] = 100 * pd.to_numeric(frame[column], errors="coerce")
            elif column in CODED_COLUMNS:
                frame[column] = frame[column].map(self._code_label)
            elif column.startswith("rank"):  # ranks are whole places, not measurements
                frame[column] = pd.to_numeric(frame[column], errors="coerce").round().astype(
                    "Int64")
            elif pd.api.types.is_bool_dtype(frame[column]):
                frame[column] = frame[column].map({True: yes, False: no})
        people = i18n.localise_table(frame.round(2), self.lang, strict=False)
        # the dimension names are long: in a wide table the short ones keep it on the page
        short = {i18n.table_headers([c], self.lang, strict=False)[c]:
                 i18n.dimension_label(int(c[1]), self.lang, short=True) + " (%)"
                 for c in frame.columns if c in DIM_PCT}
        return people.rename(columns=short)

    def _code_label(self, code):
        """Words for the codes that tables carry: measures, levels, directions, types, notes."""
        if not isinstance(code, str):
            return code
        if code in LAO_TYPE_VALUES:
            return i18n.lao_type_label(code, self.lang, short=True)
        if f"note.{code}" in i18n.messages():
            return t(f"note.{code}", self.lang)
        if code in ("lenient", "strict"):
            return t(f"value.{code}", self.lang)
        if code.startswith("d") and code.endswith("_pct") and code[1:-4].isdigit():
            return i18n.dimension_label(int(code[1:-4]), self.lang, short=True)
        if code in ("overall_pct", "pass_rate_pct"):
            return t(f"chart.{code}", self.lang)
        if code in ("province", "region", "national"):
            return t(f"chart.{code}", self.lang)
        if code in ("up", "down", "top", "bottom"):
            return t(f"value.{code}", self.lang)
        return code

    def show(self, name: str, rows: int | None = None):
        """The table for the report: no index, missing values as '–', data escaped. Long
        tables show what concerns the reader (DISPLAY_ROWS); the CSV and XLSX keep all."""
        frame = self.people_table(name)
        if name in DISPLAY_ROWS:
            keep = DISPLAY_ROWS[name](self.tables[name])
            frame = frame[keep.astype("boolean").fillna(False).to_numpy(dtype=bool)]
        if rows is not None:
            frame = frame.head(rows)
        return frame.style.hide(axis="index").format(precision=2, na_rep=i18n.MISSING,
                                                     escape="html")

    def write_tables(self, out_dir: str | Path) -> Path:
        """CSV per table (machine-readable column names) and one XLSX, a sheet per table with
        localised headers. Returns the tables folder."""
        from lpa_analysis.export import write_workbook
        from lpa_analysis.render import document_date

        folder = Path(out_dir) / "tables"
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables.items():
            frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
        write_workbook({name: self.people_table(name) for name in self.tables},
                       folder / "tables.xlsx", date=document_date(self.year))
        (folder / "reproducibility.json").write_text(
            json.dumps(self.reproducibility(), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8")
        return folder

    def reproducibility(self) -> dict:
        info = self.processed.info
        return {"year": self.year, "lang": self.lang,
                "lpa_analysis": __version__, "git": git_state(),
                "inputs": info["inputs"], "versions": info["versions"],
                "parameters": {k: v for k, v in self.parameters.items()
                               if k not in PATH_PARAMETERS}}

    def reproducibility_text(self) -> str:
        repro = self.reproducibility()
        lines = [f"- `{i['path']}` sha256 `{i['sha256'][:16]}…`" for i in repro["inputs"]]
        lines.append(f"- lpa-analysis {repro['lpa_analysis']}, git "
                     f"`{(repro['git']['commit'] or 'n/a')[:12]}`"
                     + (" (dirty)" if repro["git"]["dirty"] else ""))
        lines.append("- " + ", ".join(f"{k} {v}" for k, v in sorted(repro["versions"].items())))
        return "\n".join(lines)




@dataclass
class ProvinceReport(_Report):
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
            "summary": self.summary_table(),
            "pass_rate": self.pass_rate_table(),
            "bands": stats.band_shares(self.laos),
            "top_bottom": self.top_bottom(),
            "movers": self.movers(),
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

    def _registry_count(self) -> int:
        findings = self.processed.quality_findings
        missing = findings[(findings["check"] == "coverage")
                           & findings["lao_code"].astype("string").str[1:3].eq(self.province.code)]
        return int(len(self.laos) + missing["lao_code"].nunique())

    def _named(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["name"] = [display_name(n, ty) for n, ty in zip(out["name_th"], out["lao_type"])]
        return out

    def top_bottom(self, n: int = 5) -> pd.DataFrame:
        ranked = self._named(self.laos.dropna(subset=["overall_pct"]))
        ranked = ranked.sort_values(["overall_pct", "lao_code"], ascending=[False, True])
        cols = ["rank_province", "lao_code", "name", "lao_type", "overall_pct", "band"]
        top = ranked.head(n)[cols].assign(group="top")
        bottom = ranked.tail(n).iloc[::-1][cols].assign(group="bottom")
        return pd.concat([top, bottom], ignore_index=True)[["group", *cols]]

    def movers(self) -> pd.DataFrame:
        if self.previous_year is None:
            return stats.biggest_movers(None, self.laos)
        before = self.history[self.previous_year]
        before = before[before["province_code"] == self.province.code]
        return stats.biggest_movers(before, self.laos)

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
        groups = stats.type_groups(self.laos)
        test = stats.compare_types(self.laos).iloc[0]
        return groups.assign(statistic=test["statistic"], df=test["df"],
                             p_value=test["p_value"], epsilon2=test["epsilon_sq"],
                             n_test=test["n"], test_note=test["note"])

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
        """Paired change from the previous year on the indicators comparable between them."""
        if self.previous_year is None:
            return stats.paired_change(None, self.laos).assign(
                year_a=np.nan, year_b=self.year, n_comparable_indicators=0)
        a, b = self.previous_year, self.year
        comparable = stats.comparable_indicators(self.frameworks[a], self.frameworks[b])
        ids = comparable.loc[comparable["comparable"], "indicator_id"].tolist()
        method = self.framework.overall_method
        scores = {y: self._province_indicator_scores(y) for y in (a, b)}
        rescored = {y: stats.comparable_scores(scores[y], ids, method) for y in (a, b)}
        change = stats.paired_change(rescored[a], rescored[b], value=[*DIM_PCT, "overall_pct"])
        return change.assign(year_a=a, year_b=b, n_comparable_indicators=len(ids),
                             n_excluded_indicators=int((~comparable["comparable"]).sum()))

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

    @cached_property
    def _indicator_gaps(self) -> pd.DataFrame:
        every = self.reference["indicator_gaps"]
        gaps = every[every["province_code"] == self.province.code].drop(columns="province_code")
        return gaps.reset_index(drop=True).merge(self._indicator_names(), on="indicator_id",
                                                 how="left")

    def heatmap_table(self, n: int = 15) -> pd.DataFrame:
        weakest = self._indicator_gaps.dropna(subset=["attainment_province"])
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
        funnel = self.reference["funnel_pass"].copy()
        funnel["highlight"] = funnel["province_code"] == self.province.code
        return funnel

    def ranks_table(self) -> pd.DataFrame:
        ranks = self.reference["rank_uncertainty"]
        ranks = ranks[ranks["lao_code"].isin(set(self.laos["lao_code"]))]
        return self._named(ranks.merge(self.laos[["lao_code", "name_th", "lao_type"]],
                                       on="lao_code", how="left")
                           .drop(columns=[c for c in ("lao_type_x",) if c in ranks]))

    def integrity_table(self) -> pd.DataFrame:
        team = self.reference["team_effect"].rename(
            columns={"estimate": "leniency", "ci_low": "leniency_ci_low",
                     "ci_high": "leniency_ci_high", "n": "n_model", "note": "team_note"})
        gap = self.reference["gap"]
        merged = gap.merge(team[["province_code", "leniency", "leniency_ci_low",
                                 "leniency_ci_high", "p_holm", "flag", "team_note"]],
                           on="province_code", how="outer")
        merged["highlight"] = merged["province_code"] == self.province.code
        return merged

    def laos_table(self) -> pd.DataFrame:
        cols = ["lao_code", "name", "lao_type", "assessor_team", *DIM_PCT, "overall_pct",
                "passed", "band", "self_overall_pct", "gap_overall", "rank_national",
                "rank_province", "rank_province_type"]
        table = self._named(self.laos)[cols]
        if self.previous_year is not None:
            before = self.history[self.previous_year][["lao_code", "overall_pct"]]
            table = table.merge(before.rename(columns={"overall_pct": "overall_pct_previous"}),
                                on="lao_code", how="left")
            table["change"] = table["overall_pct"] - table["overall_pct_previous"]
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
        weakest = self.tables["indicators"].dropna(subset=["attainment_province"]).nsmallest(
            3, "attainment_province")
        lang = self.lang
        return [
            t_md("summary.assessed", lang, province=self._province_name,
                 n_assessed=fmt_num(s["n_assessed"]), n_registry=fmt_num(s["n_registry"]),
                 coverage=fmt_pct(100 * s["n_assessed"] / max(s["n_registry"], 1))),
            t_md("summary.pass_rate", lang, rate=fmt_pct(100 * s["pass_rate"]),
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
        test = self.tables["types"].iloc[0]
        if pd.isna(test["p_value"]):
            return [t("types.too_few", self.lang)]
        key = "types.test_significant" if test["p_value"] < 0.05 else "types.test_not_significant"
        return [t("types.intro", self.lang, province=self._province_name),
                t(key, self.lang, statistic=fmt_num(test["statistic"], 2),
                  p=fmt_p(test["p_value"]), effect=fmt_num(test["epsilon2"], 3))]

    def _text_change(self) -> list[str]:
        years = sorted(self.history)
        lines = [t("trend.intro", self.lang, first_year=year_label(years[0], self.lang),
                   last_year=year_label(years[-1], self.lang))]
        change = self.tables["change"]
        overall = change[change["measure"] == "overall_pct"]
        if self.previous_year is None or overall.empty or pd.isna(overall.iloc[0]["p_value"]):
            return [*lines, t("trend.single_year", self.lang)]
        row = overall.iloc[0]
        key = "trend.change_significant" if row["p_value"] < 0.05 else \
            "trend.change_not_significant"
        return [*lines, t(key, self.lang, n_pairs=fmt_num(row["n_pairs"]),
                          previous_year=year_label(self.previous_year, self.lang),
                          year=year_label(self.year, self.lang),
                          median_change=fmt_signed(row["median_change"]),
                          p=fmt_p(row["p_value"]))]

    def _text_indicators(self) -> list[str]:
        gaps = self.tables["indicators"].dropna(subset=["q_value"])
        below = gaps[(gaps["q_value"] < 0.05) & (gaps["difference"] < 0)]
        return [t("indicators.intro", self.lang, province=self._province_name),
                t("indicators.n_significant", self.lang, n_significant=fmt_num(len(below)),
                  n_indicators=fmt_num(len(gaps)), alpha="0.05")]

    def _text_benchmarking(self) -> list[str]:
        me = self.tables["funnel"]
        me = me[me["highlight"]]
        lines = [t("benchmarking.funnel_intro", self.lang)]
        if not me.empty and isinstance(me.iloc[0]["outside_998"], str):
            row = me.iloc[0]
            if row["outside_998"] != "within":
                position = f"{row['outside_998']}998"
            elif row["outside_95"] != "within":
                position = f"{row['outside_95']}95"
            else:
                position = "within"
            lines.append(t("benchmarking.funnel_position", self.lang,
                           province=self._province_name,
                           position=t(f"benchmarking.position.{position}", self.lang)))
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
                           leniency=fmt_signed(row["leniency"]),
                           ci_low=fmt_signed(row["leniency_ci_low"]),
                           ci_high=fmt_signed(row["leniency_ci_high"])))
        return lines

    def _text_method_notes(self) -> list[str]:
        threshold = fmt_num(self.framework.pass_threshold)
        return [f"- {t('method.scores', self.lang, threshold=threshold)}",
                *(f"- {t(k, self.lang)}" for k in ("method.ci", "method.fdr", "method.funnel",
                                                   "method.ranks", "method.years"))]

    # -- charts --
    def _chart_pass_rate(self):
        rates = self.tables["pass_rate"].assign(highlight=lambda d: d["level"] == "province")
        return plots.bar_with_ci(rates, lang=self.lang, pass_mark=None)

    def _chart_dimensions(self):
        return plots.dimension_boxplot(self.national, province_code=self.province.code,
                                       lang=self.lang)

    def _chart_types(self):
        return plots.type_comparison(self.laos, lang=self.lang)

    def _chart_trend(self):
        trend = self.tables["trend"]
        trend = trend[trend["measure"] == "overall_pct"].assign(
            series=lambda d: [self._label(level) for level in d["level"]],
            value=lambda d: d["estimate"])
        return plots.trend_lines(trend, lang=self.lang, highlight=self._label("province"),
                                 pass_mark=70)

    def _chart_indicators(self):
        gaps = self.tables["indicators"].dropna(subset=["difference", "q_value"])
        gaps = gaps[gaps["n_province"] >= MIN_LAOS_FOR_GAP_CHART]
        weakest = gaps.nsmallest(12, "difference").assign(
            label=lambda d: d["indicator_id"] + " " + d["indicator"].fillna(""))
        return plots.indicator_gap_bars(weakest, lang=self.lang)

    def _chart_heatmap(self):
        cells = self.tables["heatmap"].assign(
            row=lambda d: d["indicator_id"] + " " + d["indicator"].fillna(""),
            col=lambda d: [i18n.lao_type_label(x, self.lang, short=True) for x in d["lao_type"]],
            value=lambda d: d["attainment"])
        return plots.heatmap(cells, lang=self.lang)

    def _chart_funnel(self):
        funnel = self.tables["funnel"]
        target = float(funnel["target"].dropna().iloc[0])
        curve = stats.funnel_curve(target, range(1, int(funnel["n"].max()) + 20))
        points = funnel.rename(columns={"province_code": "unit"})
        points["label"] = [i18n.province_label(u, self.lang) for u in points["unit"]]
        return plots.funnel_plot(points, curve, target=target, lang=self.lang,
                                 highlight=self.province.code)

    def _chart_ranks(self):
        ranks = self.tables["ranks"].sort_values("rank_median").head(30)
        ranks = ranks.assign(unit=ranks["lao_code"], label=ranks["name"],
                             rank=ranks["rank_median"], rank_low=ranks["rank_p05"],
                             rank_high=ranks["rank_p95"])
        return plots.rank_interval_plot(ranks, lang=self.lang)

    def _chart_integrity(self):
        return plots.gap_scatter(self.laos, lang=self.lang)

def _frameworks(data_dir: Path, years) -> dict[int, Framework]:
    paths = {y: Path(data_dir) / "frameworks" / f"lpa-{y}.yml" for y in years}
    return {y: _framework(p.resolve(), p.stat().st_mtime_ns) for y, p in paths.items()}


@lru_cache(maxsize=16)
def _framework(path: Path, _mtime_ns: int) -> Framework:
    """Parsed once per kernel (~0.06 s a YAML, four per report), again when the file changes."""
    return load_framework(path)


def province_report(year: int = 2566, province: str | int = "54", *, lang: str = "th",
                    data_dir: str | Path = DEFAULT_DATA,
                    processed_dir: str | Path = DEFAULT_PROCESSED) -> ProvinceReport:
    """Everything one province report shows. Builds nothing: run `lpa build` first."""
    year = to_be_year(year)
    i18n.check_lang(lang)
    processed_dir, data_dir = Path(processed_dir), Path(data_dir)
    processed = load_processed(year, processed_dir)
    history = _history(year, processed_dir)
    return ProvinceReport(
        year=year, province=resolve_province(province), lang=lang, processed=processed,
        history=history, reference=load_reference(year, processed_dir),
        frameworks=_frameworks(data_dir, history),
        parameters={"year": year, "province": str(province), "lang": lang,
                    "data_dir": str(data_dir), "processed_dir": str(processed_dir)},
    )


@dataclass
class NationalReport(_Report):
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
            "funnel": self.reference["funnel_pass"],
            "funnel_mean": self.reference["funnel_mean"],
            "league": self.league_table(),
            "types": stats.type_groups(self.national).assign(
                **stats.compare_types(self.national).iloc[0][
                    ["statistic", "df", "p_value", "epsilon_sq"]].to_dict()),
            "pairwise": stats.pairwise_types(self.national),
            "regions": stats.pass_rate(self.national, by="region"),
            "trend_regions": self.reference["trend_region"],
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

    def _text_benchmarking(self) -> list[str]:
        funnel = self.tables["funnel"]
        outside = funnel[funnel["outside_998"].isin(["above", "below"])]
        return [t("benchmarking.funnel_intro", self.lang),
                t("national.outside", self.lang, n=fmt_num(len(outside)),
                  provinces=", ".join(self._province_labels(outside["province_code"])) or "–")]

    def _chart_map(self):
        values = self.tables["provinces"].assign(value=lambda d: 100 * d["rate"])
        return plots.province_map(values, value="value", lang=self.lang,
                                  label=t("chart.pass_rate_pct", self.lang))

    def _funnel(self, name: str, scale: float, kind: str):
        funnel = self.tables[name]
        target = float(funnel["target"].dropna().iloc[0])
        n_max = int(funnel["n"].max()) + 20
        if kind == "mean":
            sd = float(self.national["overall_pct"].std(ddof=1))
            curve = stats.funnel_curve(target, range(2, n_max), kind="mean", sd=sd)
        else:
            curve = stats.funnel_curve(target, range(1, n_max))
        points = funnel.rename(columns={"province_code": "unit"})
        return plots.funnel_plot(points, curve, target=target, lang=self.lang, scale=scale)

    def _chart_funnel(self):
        return self._funnel("funnel", 100, "proportion")

    def _chart_funnel_mean(self):
        return self._funnel("funnel_mean", 1, "mean")

    def _chart_league(self):
        league = self.tables["league"]
        ranks = league.assign(unit=league["province_code"], label=league["province"],
                              rank=league["rank"], rank_low=league["rank_low"],
                              rank_high=league["rank_high"])
        return plots.rank_interval_plot(ranks, lang=self.lang, label_limit=40)

    def _chart_types(self):
        return plots.type_comparison(self.national, lang=self.lang)

    def _chart_regions(self):
        rates = self.tables["regions"].assign(
            label=lambda d: [i18n.region_label(r, self.lang) for r in d["region"]])
        return plots.bar_with_ci(rates, lang=self.lang)

    def _chart_trend(self):
        trend = self.tables["trend_regions"]
        trend = trend[trend["measure"] == "overall_pct"].assign(
            series=lambda d: [i18n.region_label(r, self.lang) for r in d["region"]],
            value=lambda d: d["estimate"])
        return plots.trend_lines(trend, lang=self.lang, pass_mark=70)

    def _chart_correlations(self):
        corr = self.tables["correlations"]
        both = pd.concat([corr, corr.rename(columns={"measure_a": "measure_b",
                                                     "measure_b": "measure_a"})])
        label = {f"d{d}_pct": i18n.dimension_label(d, self.lang, short=True) for d in range(1, 6)}
        cells = both.assign(row=both["measure_a"].map(label), col=both["measure_b"].map(label),
                            value=both["rho"])
        return plots.heatmap(cells, lang=self.lang, scale=1, value_label="Spearman ρ")


def national_report(year: int = 2566, *, lang: str = "th", data_dir: str | Path = DEFAULT_DATA,
                    processed_dir: str | Path = DEFAULT_PROCESSED) -> NationalReport:
    """Everything the national overview shows. Builds nothing: run `lpa build` first."""
    year = to_be_year(year)
    i18n.check_lang(lang)
    processed_dir = Path(processed_dir)
    return NationalReport(
        year=year, lang=lang, processed=load_processed(year, processed_dir),
        history=_history(year, processed_dir), reference=load_reference(year, processed_dir),
        parameters={"year": year, "lang": lang, "data_dir": str(data_dir),
                    "processed_dir": str(processed_dir)})


@dataclass
class AuditReport(_Report):
    """The auditor's view of a year: input fingerprints, the quality gate, every mismatch with
    published results, the composite-indicator audit, rank stability, and the published run's
    manifest (when `reports/<year>/manifest.json` exists)."""

    year: int
    lang: str
    processed: Processed
    reference: dict[str, pd.DataFrame]
    manifest: dict | None
    parameters: dict = field(default_factory=dict)

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        from lpa_analysis.stats import composite

        info = self.processed.info
        counts = info["counts"]["tables"]
        ranks = self.reference["rank_uncertainty"]
        return {
            "inputs": pd.DataFrame(info["inputs"]),
            "gate_counts": pd.DataFrame([{"table": k, **v} for k, v in sorted(counts.items())]),
            "quality": findings_counts(self.processed.quality_findings),
            "quarantine": self.processed.quarantine,
            "reconciliation": self.processed.reconciliation,
            "alpha": self.reference["alpha"],
            "correlations": composite.dimension_correlations(self.processed.scored_laos),
            "rank_stability": ranks.sort_values("rank_interval", ascending=False).head(50),
            "published_outputs": pd.DataFrame((self.manifest or {}).get("outputs", []),
                                              columns=["path", "size", "sha256"]),
        }

    def title(self) -> str:
        return "# " + t("report.audit.title", self.lang, year=year_label(self.year, self.lang))

    def _text_manifest(self) -> list[str]:
        if not self.manifest:
            return [t("audit.no_manifest", self.lang)]
        m = self.manifest
        return [t("audit.manifest", self.lang, content=m["content_sha256"][:16],
                  commit=(m.get("git", {}).get("commit") or "–")[:12],
                  n_outputs=fmt_num(len(m["outputs"])), version=m.get("lpa_analysis", "–"))]


def audit_report(year: int = 2566, *, lang: str = "th", processed_dir: str | Path = DEFAULT_PROCESSED,
                 reports_dir: str | Path = "reports") -> AuditReport:
    year = to_be_year(year)
    manifest_path = Path(reports_dir) / str(year) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) \
        if manifest_path.is_file() else None
    return AuditReport(year=year, lang=lang, processed=load_processed(year, processed_dir),
                       reference=load_reference(year, processed_dir), manifest=manifest,
                       parameters={"year": year, "lang": lang,
                                   "processed_dir": str(processed_dir),
                                   "reports_dir": str(reports_dir)})
