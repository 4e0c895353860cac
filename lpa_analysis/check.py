"""Pre-flight check of one input file (`lpa check`): read it, cross-check it, summarise it.

The readers (readers.py) find what is wrong inside the file; here scores and published results are
also checked against a framework and a registry: known indicators and LAOs, points on the
allowed levels, N/A only where an indicator does not apply, pass and band consistent with the
overall %. The rules are rules.py's, shared with the build's quality gate (GX): for the same
file, the rules both run report the same problem on the same row with the same id, severity
and message — this is the quick look an analyst takes before handing a file over, in pandas.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lpa_analysis import geo, rules
from lpa_analysis.errors import InputError, Problem
from lpa_analysis.readers import (
    Loaded, find_input, input_candidates, read_published, read_registry, read_scores,
)
from lpa_analysis.log import log
from lpa_analysis.rules import Rule, level_list, level_text
from lpa_analysis.schema import (
    DIM_PCT, LAO_TYPE_ORDER, LAO_TYPE_TH, SOURCE_ROW, Framework, LaoType, load_framework,
    to_be_year,
)

KINDS = ("registry", "framework", "scores", "published")
POINTS = ("self_points", "verified_points")
POINTS_PRESENT = dict(zip(POINTS, (rules.SELF_PRESENT, rules.VERIFIED_PRESENT)))
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
        return CheckReport(path, kind, registry_summary(loaded),
                           [*loaded.problems, *check_registry(loaded)], encoding=loaded.encoding)
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
            rule = rules.LAOS_MISSING
            problems.append(Problem(
                rule.severity, rule.message.format(n=len(missing), examples=", ".join(missing[:5])),
                file=str(path), check=rule.id))
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
        # As in the gate: a registry row with an error is quarantined, its LAO unknown.
        reg = loaded.frame[loaded.frame["lao_code"].notna()
                           & ~loaded.frame[SOURCE_ROW].isin(loaded.error_rows)]
        if loaded.errors:
            notes.append(f"registry {registry} has {len(loaded.errors):,} errors: their LAOs "
                         "count as not in it (check it with --kind registry)")
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


def check_registry(loaded: Loaded) -> list[Problem]:
    """Office locations outside the gate's Thailand box that the reader's wider box let
    through; a row the reader already flagged keeps the reader's finding, as in the gate."""
    flagged = {p.row for p in loaded.problems if p.check == rules.OUTSIDE_THAILAND.id}
    f = loaded.frame[~loaded.frame[SOURCE_ROW].isin(flagged)]
    out = _Findings(loaded)
    for column, (lo, hi) in (("lat", rules.THAILAND_LAT), ("lon", rules.THAILAND_LON)):
        out.add(f[f[column].notna() & ~f[column].between(lo, hi)], rules.OUTSIDE_THAILAND,
                column)
    return out.problems


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
    """Scores against framework and registry, row by row as the gate checks them."""
    f = loaded.frame
    out = _Findings(loaded)
    _repeats(out, f, ["lao_code", "indicator_id"], rules.LAO_INDICATOR_UNIQUE, "indicator_id")
    na = f["not_applicable"]
    for column, rule in POINTS_PRESENT.items():
        # As the gate: its level key 'indicator|points' is empty without an indicator too.
        no_level = (f[column].isna() & ~na) | (f[column].notna() & f["indicator_id"].isna())
        out.add(f[no_level], rule, column)
    readable = f[~f[SOURCE_ROW].isin(loaded.error_rows)]
    out.add(readable[readable["not_applicable"] & (readable["self_points"].notna()
                                                   | readable["verified_points"].notna())],
            rules.POINTS_ON_NOT_APPLICABLE, "not_applicable")
    if registry is not None:
        out.add(f[f["lao_code"].notna() & ~f["lao_code"].isin(registry["lao_code"])],
                rules.LAO_IN_REGISTRY, "lao_code")
    if framework is None:
        return out.problems
    known = f["indicator_id"].isin({i.id for i in framework.indicators})
    out.add(f[f["indicator_id"].notna() & ~known], rules.INDICATOR_KNOWN, "indicator_id",
            year=framework.year)
    f = f[known]
    _check_points(out, f, framework)
    if registry is not None:
        _check_applicability(out, f, framework, registry)
    return out.problems


def _check_points(out: _Findings, f: pd.DataFrame, framework: Framework) -> None:
    """Points on their indicator's levels; on a graded indicator (3+ levels) self and verified
    not at opposite ends of its scale. Compared as the gate does: 'indicator|points' keys."""
    indicators = framework.indicators
    allowed = {f"{i.id}|{level_text(v)}" for i in indicators for v in i.levels}
    levels = {i.id: level_list(i.levels) for i in indicators}
    for column in POINTS:
        key = f["indicator_id"] + "|" + _level_texts(f[column])
        off = f[key.notna() & ~key.isin(allowed)]
        out.add(off.assign(levels=off["indicator_id"].map(levels)), rules.POINTS_IN_LEVELS,
                column)
    full_gaps = {i.id: level_text(max(i.levels) - min(i.levels)) for i in indicators
                 if len(set(i.levels)) > 2}
    gap = _level_texts((f["self_points"] - f["verified_points"]).abs())
    out.add(f[gap.eq(f["indicator_id"].map(full_gaps))], rules.SELF_VERIFIED_GAP,
            "verified_points")


def _level_texts(points: pd.Series) -> pd.Series:
    """Points as rules.level_text writes them, each distinct value formatted once."""
    return points.map({v: level_text(v) for v in points.dropna().unique()})


def _check_applicability(out: _Findings, f: pd.DataFrame, framework: Framework,
                         registry: pd.DataFrame) -> None:
    """Not applicable exactly where the indicator does not apply to the LAO's type."""
    pairs = pd.DataFrame([(i.id, t.value, i.applies(t)) for i in framework.indicators
                          for t in LaoType], columns=["indicator_id", "lao_type", "applies"])
    typed = (f.merge(registry[["lao_code", "lao_type"]], on="lao_code")
             .merge(pairs, on=["indicator_id", "lao_type"]))
    na, applies = typed["not_applicable"], typed["applies"]
    out.add(typed[na & applies], rules.NOT_APPLICABLE_ALLOWED, "not_applicable")
    out.add(typed[~na & ~applies], rules.INAPPLICABLE_SCORED, "not_applicable")


def _repeats(out: _Findings, f: pd.DataFrame, key: list[str], rule: Rule, column: str) -> None:
    """Every copy of a repeated key but the first, which the gate keeps (a key whose parts
    are all empty is no key)."""
    f = f[f.duplicated(key, keep=False) & f[key].notna().any(axis=1)]
    kept = f.groupby(key, dropna=False)[SOURCE_ROW].transform("min")
    later = f[f[SOURCE_ROW] != kept]
    out.add(later.assign(kept=kept[later.index]), rule, column)


class _Findings:
    """Problems for whole rows of a read table, each pointing at its file row. As in the gate,
    a finding about an empty value on a row with a reader error is left out: the reader could
    not read the cell, and its error says so."""

    def __init__(self, loaded: Loaded):
        self.loaded, self.problems = loaded, []
        self.error_rows = loaded.error_rows

    def add(self, rows: pd.DataFrame, rule: Rule, column: str, **fields) -> None:
        """One `rule` problem per row about `column`; the message's fields from `fields`, the
        row's cells and {column}."""
        header = self.loaded.headers.get(column, column)
        template = rule.message + rule.detail
        for row in rows.to_dict("records"):
            value = None if pd.isna(row[column]) else row[column]
            if value is None and row[SOURCE_ROW] in self.error_rows:
                continue
            self.problems.append(Problem(
                rule.severity, template.format(**row, column=column, **fields),
                file=str(self.loaded.path), row=int(row[SOURCE_ROW]), column=header,
                lao_code=row.get("lao_code"), indicator_id=row.get("indicator_id"),
                check=rule.id, value=None if value is None else str(value)))


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
    """The gate's rules, then pass, band and overall against each other under the framework
    (on readable rows; the build leaves those to its reconciliation)."""
    f = loaded.frame
    out = _Findings(loaded)
    _repeats(out, f, ["lao_code"], rules.LAO_CODE_UNIQUE, "lao_code")
    if registry is not None:
        out.add(f[f["lao_code"].notna() & ~f["lao_code"].isin(registry["lao_code"])],
                rules.LAO_IN_REGISTRY, "lao_code")
    if framework is None:
        return out.problems
    f = f[~f[SOURCE_ROW].isin(loaded.error_rows) & f["overall_pct"].notna()]
    should_pass = f["overall_pct"] >= framework.pass_threshold
    out.add(f[should_pass != f["passed"]], rules.PASSED_MISMATCH, "passed",
            threshold=framework.pass_threshold)
    band = f["overall_pct"].map(framework.band_of)
    out.add(f.assign(expected=band)[band != f["band"]], rules.BAND_MISMATCH, "band")
    if framework.overall_method == "mean_of_dimensions":
        off = (f[DIM_PCT].mean(axis=1) - f["overall_pct"]).abs() > _MEAN_TOLERANCE
        out.add(f[off], rules.OVERALL_NOT_MEAN, "overall_pct")
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
    rule = rules.EMPTY_DIMENSION
    problems = [Problem(rule.severity, rule.message.format(dimension=d.id), file=str(path),
                        check=rule.id) for d in fw.dimensions if not per_dim[d.id]]
    return CheckReport(path, "framework", summary, problems, encoding="utf-8")
