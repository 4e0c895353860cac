"""What every report kind shares: tables for people (chosen columns, per cent, words for codes,
localised headers), the CSV/XLSX tables folder, the reproducibility footer, and the section
registry that maps a notebook's `rep.text("summary")` / `rep.chart("funnel")` to its method.

Each report kind is one module: `province`, `national`, `audit`. A kind lists its sections in
two class attributes, `TEXTS` and `CHARTS` (name → method), at the end of its class."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, ClassVar

import pandas as pd

from lpa_analysis import __version__, i18n
from lpa_analysis.i18n import t
from lpa_analysis.processed import Processed
from lpa_analysis.provenance import document_date, git_state, without_paths
from lpa_analysis.schema import DIM_PCT, LaoType
from lpa_analysis.settings import MIN_LAOS_FOR_GAP_CHART

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
RANK_SIMULATIONS = 1000
RANK_SEED = 2566

def findings_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """How many findings of each check and severity, errors first, largest first."""
    return (findings.groupby(["table", "check", "severity"], dropna=False).size()
            .rename("count").reset_index()
            .sort_values(["severity", "count"], ascending=[True, False], ignore_index=True))


class ReportBase:
    """What province and national reports share: tables for people, for Excel, and the
    reproducibility footer. Subclasses define `tables` (name → machine-readable frame)."""

    year: int
    lang: str
    processed: Processed
    parameters: dict
    tables: dict[str, pd.DataFrame]

    @property
    def pass_mark(self) -> float:
        """The year's pass mark, from its framework."""
        return self.processed.framework.pass_threshold

    def heading(self, key: str, level: int = 2) -> str:
        return "#" * level + " " + t(f"section.{key}", self.lang)

    # Section registry, filled by each report kind: name → method returning lines / a Chart.
    TEXTS: ClassVar[dict[str, Callable]] = {}
    CHARTS: ClassVar[dict[str, Callable]] = {}

    def text(self, section: str) -> str:
        """The generated paragraph of a section (`TEXTS[section]`), as Markdown."""
        return "\n\n".join(_registered(self.TEXTS, section, type(self), "TEXTS")(self))

    def chart(self, name: str):
        """The named figure (`CHARTS[name]`: a plots.Chart, shown once by display())."""
        return _registered(self.CHARTS, name, type(self), "CHARTS")(self)

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
                "parameters": without_paths(self.parameters)}

    def reproducibility_text(self) -> str:
        repro = self.reproducibility()
        lines = [f"- `{i['path']}` sha256 `{i['sha256'][:16]}…`" for i in repro["inputs"]]
        lines.append(f"- lpa-analysis {repro['lpa_analysis']}, git "
                     f"`{(repro['git']['commit'] or 'n/a')[:12]}`"
                     + (" (dirty)" if repro["git"]["dirty"] else ""))
        lines.append("- " + ", ".join(f"{k} {v}" for k, v in sorted(repro["versions"].items())))
        return "\n".join(lines)


def _registered(registry: dict[str, Callable], name: str, kind: type, attribute: str) -> Callable:
    if name not in registry:
        raise KeyError(f"{kind.__name__}.{attribute} has no section '{name}' "
                       f"(known: {', '.join(sorted(registry))})")
    return registry[name]
