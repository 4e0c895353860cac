"""Pre-flight check of one input file (`lpa check`): read it, cross-check it, summarise it.

The readers (readers.py) find what is wrong inside the file; here scores and published results are
also checked against a framework and a registry: known indicators and LAOs, points on the
allowed levels, N/A only where an indicator does not apply, pass and band consistent with the
overall %. The build's quality gate (GX) runs the full rule set; this is the quick look an
analyst takes before handing a file over.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lpa_analysis import geo
from lpa_analysis.errors import InputError, Problem
from lpa_analysis.readers import (
    Loaded, find_input, input_candidates, read_published, read_registry, read_scores,
)
from lpa_analysis.log import log
from lpa_analysis.schema import (
    DIM_PCT, LAO_TYPE_ORDER, LAO_TYPE_TH, SOURCE_ROW, Framework, LaoType, load_framework,
    to_be_year,
)

KINDS = ("registry", "framework", "scores", "published")
# Published % carry two decimals, so the mean of five rounded values may be off by ~0.005.
_MEAN_TOLERANCE = 0.011


@dataclass
class CheckReport:
    file: Path
    kind: str
    summary: dict
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was (not) checked against what
    encoding: str | None = None

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == "warning" for p in self.problems)

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def to_dict(self) -> dict:
        return {"file": str(self.file), "kind": self.kind, "encoding": self.encoding,
                "usable": self.exit_code == 0, "errors": self.errors, "warnings": self.warnings,
                "summary": self.summary, "notes": self.notes,
                "problems": [p.to_dict() for p in self.problems]}

    def render(self, show: int = 10) -> str:
        """Readable summary; problems grouped by rule, the first `show` of each group."""
        s = self.summary
        lines = [f"{self.file}  ({self.kind}" + (f", {self.encoding}" if self.encoding else "")
                 + ")"]
        lines += [f"  {key.replace('_', ' ')}: {value if key == 'year' else _fmt(value)}"
                  for key, value in s.items() if not isinstance(value, (dict, list))]
        if "by_type" in s:
            lines.append("  by type: " + " · ".join(f"{LAO_TYPE_TH.get(t, t)} ({t}) {n:,}"
                                                   for t, n in s["by_type"].items()))
        if "by_province" in s:
            top = sorted(s["by_province"], key=lambda p: -p["laos"])[:show]
            lines.append(f"  by province (largest {len(top)} of {len(s['by_province'])}): "
                         + " · ".join(f"{p['province_th']} {p['laos']:,}" for p in top))
        for key in ("by_region", "by_band", "dimensions"):
            if key in s:
                lines.append(f"  {key.replace('_', ' ')}: "
                             + " · ".join(f"{k} {_fmt(v)}" for k, v in s[key].items()))
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(f"  problems: {_plural(self.errors, 'error')}, "
                     f"{_plural(self.warnings, 'warning')}")
        groups: dict[tuple[str, str], list[Problem]] = {}
        for p in self.problems:
            groups.setdefault((p.severity, p.check or "other"), []).append(p)
        for (severity, check), found in sorted(groups.items()):
            lines.append(f"  {severity} {check} ({len(found):,}):")
            lines += [f"    {_where(p)}{p.message}" for p in found[:show]]
            if len(found) > show:
                lines.append(f"    … and {len(found) - show:,} more")
        verdict = "usable" if self.exit_code == 0 else "NOT usable as it stands"
        lines.append(f"  result: {verdict} (exit {self.exit_code})")
        return "\n".join(lines)


def _fmt(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _where(p: Problem) -> str:
    parts = [f"row {p.row}" if p.row is not None else None,
             f"column '{p.column}'" if p.column else None]
    where = ", ".join(x for x in parts if x)
    return f"{where}: " if where else ""


# ----------------------------------------------------------------------------- entry point

def check_file(path: str | Path, kind: str, *, framework: str | Path | None = None,
               registry: str | Path | None = None, data_dir: str | Path | None = None,
               year: int | None = None) -> CheckReport:
    """Check one input. Scores and published are cross-checked against a framework and a
    registry: given directly, found in `data_dir`, or in the data folder the file lives in
    (`<data>/scores/<year>.csv`). InputError when the file (or a reference) is unusable."""
    path = Path(path)
    if kind not in KINDS:
        raise InputError(f"unknown kind '{kind}' (one of {', '.join(KINDS)})")
    if kind == "framework":
        return _check_framework(path)
    if kind == "registry":
        loaded = read_registry(path)
        return CheckReport(path, kind, registry_summary(loaded), list(loaded.problems),
                           encoding=loaded.encoding)
    loaded = read_scores(path) if kind == "scores" else read_published(path)
    notes: list[str] = []
    fw, reg = _references(path, framework, registry, data_dir, year, notes)
    problems = list(loaded.problems)
    if kind == "scores":
        summary = _scores_summary(loaded, reg)
        problems += check_scores(loaded, fw, reg)
    else:
        summary = _published_summary(loaded)
        problems += check_published(loaded, fw, reg)
    if reg is not None:
        missing = sorted(set(reg["lao_code"].dropna()) - set(loaded.frame["lao_code"].dropna()))
        summary["registry_laos_missing"] = len(missing)
        if missing:
            problems.append(Problem(
                "warning", f"{len(missing):,} LAOs of the registry have no rows here, e.g. "
                f"{', '.join(missing[:5])}", file=str(path), check="laos_missing"))
    return CheckReport(path, kind, summary, problems, notes, loaded.encoding)


def _references(path: Path, framework, registry, data_dir, year,
                notes: list[str]) -> tuple[Framework | None, pd.DataFrame | None]:
    """Framework and registry frame to check against, from options or the data folder."""
    if data_dir is None and path.parent.name in ("scores", "published"):
        data_dir = path.parent.parent
    try:
        year = to_be_year(year) if year is not None else _year_of(path)
    except ValueError as exc:
        raise InputError(f"--year: {exc}") from None
    if framework is None and data_dir is not None and year is not None:
        framework = _optional(data_dir, "framework", year)
    if registry is None and data_dir is not None:
        registry = _optional(data_dir, "registry")
    fw = load_framework(framework) if framework is not None else None
    reg = None
    if registry is not None:
        loaded = read_registry(registry)
        reg = loaded.frame[loaded.frame["lao_code"].notna()]
        if loaded.errors:
            notes.append(f"registry {registry} has {len(loaded.errors):,} errors "
                         "(check it with --kind registry)")
    notes.append(f"framework: {framework}" if fw else
                 "not checked against a framework (give --framework, or --data and --year)")
    notes.append(f"registry: {registry}" if reg is not None else
                 "not checked against a registry (give --registry or --data)")
    for note in notes:
        log.info(note)
    return fw, reg


def _year_of(path: Path) -> int | None:
    """The year a data-folder file is named after (scores/2566.csv), if any."""
    try:
        return to_be_year(int(path.stem)) if path.stem.isdigit() else None
    except ValueError:
        return None


def _optional(data_dir, kind: str, year: int | None = None) -> Path | None:
    """The data folder's file of `kind`, None when it has none (several: InputError)."""
    if not input_candidates(data_dir, kind, year):
        log.warning("%s: no %s file%s", data_dir, kind, f" for {year}" if year else "")
        return None
    return find_input(data_dir, kind, year)


# ----------------------------------------------------------------------------- registry

def registry_summary(loaded: Loaded) -> dict:
    f = loaded.frame
    known = f[f["province_code"].notna()]
    per_province = known.groupby(["province_code", "province_th", "province_en"]).size()
    return {
        "rows": loaded.rows_read,
        "laos": int(f["lao_code"].nunique()),
        "provinces": int(known["province_code"].nunique()),
        "by_type": _counts(f["lao_type"], [t.value for t in LAO_TYPE_ORDER]),
        "by_region": _counts(known["region"], list(geo.REGION_PROVINCES)),
        "by_province": [{"province_code": c, "province_th": th, "province_en": en,
                         "laos": int(n)} for (c, th, en), n in per_province.items()],
    }


def _counts(values: pd.Series, order: list[str]) -> dict[str, int]:
    counts = values.value_counts()
    return {k: int(counts.get(k, 0)) for k in order if counts.get(k, 0)}


# ----------------------------------------------------------------------------- scores

def _scores_summary(loaded: Loaded, reg: pd.DataFrame | None) -> dict:
    f = loaded.frame
    summary = {
        "rows": len(f),
        "laos": int(f["lao_code"].nunique()),
        "indicators": int(f["indicator_id"].nunique()),
        "not_applicable": int(f["not_applicable"].sum()),
        "not_verified": int((f["verified_points"].isna() & ~f["not_applicable"]).sum()),
        "assessor_teams": int(f["assessor_team"].nunique()),
    }
    if reg is not None:
        types = f[["lao_code"]].drop_duplicates().merge(reg, on="lao_code")["lao_type"]
        summary["by_type"] = _counts(types, [t.value for t in LAO_TYPE_ORDER])
    return summary


def check_scores(loaded: Loaded, framework: Framework | None,
                 registry: pd.DataFrame | None) -> list[Problem]:
    """Scores against framework and registry. Rows the reader already rejected are skipped."""
    f = loaded.frame[~loaded.frame[SOURCE_ROW].isin(loaded.error_rows)]
    f = f[f["lao_code"].notna() & f["indicator_id"].notna()]
    out = _Findings(loaded)
    dup = f.duplicated(["lao_code", "indicator_id"], keep=False)
    for (code, ind), rows in f[dup].groupby(["lao_code", "indicator_id"]):
        out.add(rows.iloc[1:], "duplicate_row",
                f"LAO {code} indicator {ind} is already in row {rows[SOURCE_ROW].iloc[0]}")
    applicable = ~f["not_applicable"]
    out.add(f[applicable & f["self_points"].isna()], "missing_self_points",
            "no self-assessment points (and not marked not applicable)", column="self_points")
    out.add(f[f["not_applicable"] & (f["self_points"].notna() | f["verified_points"].notna())],
            "points_on_not_applicable", "marked not applicable but carries points (ignored)",
            severity="warning")
    if registry is not None:
        known = f["lao_code"].isin(registry["lao_code"])
        out.add(f[~known], "unknown_lao", "LAO {lao_code} is not in the registry",
                column="lao_code")
    if framework is None:
        return out.problems
    ids = {i.id for i in framework.indicators}
    out.add(f[~f["indicator_id"].isin(ids)], "unknown_indicator",
            f"indicator {{indicator_id}} is not in the LPA {framework.year} framework",
            column="indicator_id")
    f = f[f["indicator_id"].isin(ids)]
    for ind_id, rows in f.groupby("indicator_id"):
        indicator = framework.indicator(ind_id)
        levels = sorted(indicator.levels)
        for column in ("self_points", "verified_points"):
            points = rows[column]
            off = points.notna() & ~points.round(6).isin([round(v, 6) for v in levels])
            out.add(rows[off], "points_not_a_level",
                    f"{{{column}}} is not an allowed level of indicator {ind_id} "
                    f"({', '.join(f'{v:g}' for v in levels)})", column=column)
    if registry is not None:
        pairs = pd.DataFrame([(i.id, t.value, i.applies(t)) for i in framework.indicators
                              for t in LaoType], columns=["indicator_id", "lao_type", "applies"])
        typed = (f.merge(registry[["lao_code", "lao_type"]], on="lao_code")
                 .merge(pairs, on=["indicator_id", "lao_type"]))
        applies = typed["applies"]
        out.add(typed[typed["not_applicable"] & applies], "not_applicable_but_applies",
                "marked not applicable, but indicator {indicator_id} applies to {lao_type}",
                column="not_applicable")
        out.add(typed[~typed["not_applicable"] & ~applies], "scored_but_not_applicable",
                "indicator {indicator_id} does not apply to {lao_type}: mark it not applicable "
                "(its points are not counted)", column="not_applicable", severity="warning")
    return out.problems


class _Findings:
    """Problems for whole rows of a read table, each pointing at its file row."""

    def __init__(self, loaded: Loaded):
        self.loaded, self.problems = loaded, []

    def add(self, rows: pd.DataFrame, check: str, message: str, column: str | None = None,
            severity: str = "error") -> None:
        header = self.loaded.headers.get(column, column) if column else None
        for row in rows.to_dict("records"):
            value = row.get(column) if column else None
            self.problems.append(Problem(
                severity, message.format(**row), file=str(self.loaded.path),
                row=int(row[SOURCE_ROW]), column=header, lao_code=row.get("lao_code"),
                indicator_id=row.get("indicator_id"), check=check,
                value=None if value is None or pd.isna(value) else str(value)))


# ----------------------------------------------------------------------------- published

def _published_summary(loaded: Loaded) -> dict:
    f = loaded.frame
    return {
        "rows": len(f),
        "laos": int(f["lao_code"].nunique()),
        "passed": int(f["passed"].sum()),
        "mean_overall_pct": round(float(f["overall_pct"].mean()), 2) if len(f) else None,
        "by_band": _counts(f["band"], ["excellent", "very_good", "good", "below"]),
    }


def check_published(loaded: Loaded, framework: Framework | None,
                    registry: pd.DataFrame | None) -> list[Problem]:
    f = loaded.frame[~loaded.frame[SOURCE_ROW].isin(loaded.error_rows)]
    f = f[f["lao_code"].notna() & f["overall_pct"].notna()]
    out = _Findings(loaded)
    dup = f["lao_code"].duplicated(keep="first")
    out.add(f[dup], "duplicate_row", "LAO {lao_code} appears more than once",
            column="lao_code")
    if registry is not None:
        out.add(f[~f["lao_code"].isin(registry["lao_code"])], "unknown_lao",
                "LAO {lao_code} is not in the registry", column="lao_code")
    if framework is None:
        return out.problems
    should_pass = f["overall_pct"] >= framework.pass_threshold
    out.add(f[should_pass != f["passed"]], "passed_mismatch",
            f"passed is {{passed}} but overall {{overall_pct}} % vs the pass threshold "
            f"{framework.pass_threshold:g} %", column="passed")
    band = f["overall_pct"].map(framework.band_of)
    out.add(f.assign(expected=band)[band != f["band"]], "band_mismatch",
            "band {band} does not match overall {overall_pct} % (expected {expected})",
            column="band")
    if framework.overall_method == "mean_of_dimensions":
        off = (f[DIM_PCT].mean(axis=1) - f["overall_pct"]).abs() > _MEAN_TOLERANCE
        out.add(f[off], "overall_not_mean",
                "overall {overall_pct} % is not the mean of the five dimension % "
                "(framework overall_method: mean_of_dimensions)", column="overall_pct",
                severity="warning")
    return out.problems


# ----------------------------------------------------------------------------- framework

def _check_framework(path: Path) -> CheckReport:
    fw = load_framework(path)
    counted = [i for i in fw.indicators if not i.pilot]
    dims = {f"d{d.id}": f"{sum(i.max_points for i in counted if i.dimension == d.id):g} points "
            f"/ {sum(i.dimension == d.id for i in counted)} indicators" for d in fw.dimensions}
    summary = {
        "year": fw.year,
        "overall_method": fw.overall_method,
        "pass_threshold": fw.pass_threshold,
        "indicators": len(fw.indicators),
        "pilot_indicators": len(fw.indicators) - len(counted),
        "type_specific_indicators": sum(i.applies_to != "all" for i in fw.indicators),
        "partial_level_indicators": sum(len(i.levels) > 2 for i in fw.indicators),
        "max_points_all_types": sum(i.max_points for i in counted if i.applies_to == "all"),
        "dimensions": dims,
        "bands": {b.id: b.min_pct for b in fw.bands},
    }
    per_dim = Counter(i.dimension for i in counted)
    problems = [Problem("warning", f"dimension {d.id} has no counted indicator", file=str(path),
                        check="empty_dimension") for d in fw.dimensions if not per_dim[d.id]]
    return CheckReport(path, "framework", summary, problems, encoding="utf-8")
