"""The quality gate: Great Expectations suites generated from the framework, run on every input.

    write_suites(framework)                      # expectations/<table>-<year>.json (committed)
    gate = run_gate(registry, scores, framework, published, extra_errors={...})
    gate.accepted["scores"], gate.quarantine, gate.findings, gate.counts

Suites are plain GX 1.x JSON, generated from the framework and reviewed in git; at run time
they load into an ephemeral context (no `gx/` folder, analytics and progress bars off).
Severity is GX's own: `critical` = error (the row is quarantined and not scored),
`warning` = kept and reported. Each expectation's `meta` names the check and says in words
what it requires; findings repeat that with the offending value and the original row number.

Checks (error = quarantined; warning = kept):
  registry   required ids, lao_code 7 digits and unique, lao_type and province known (76, no
             Bangkok), code digits 2-3 = the province (a registry error stops the build:
             build.py) · warnings: code's first digit vs type (upgraded เทศบาลตำบล keep their
             6-code), office location outside Thailand, coverage (an LAO with no row in the
             scores file; the finding points at its registry row)
  scores     required ids, LAO in the (accepted) registry, indicator in the framework,
             (LAO, indicator) at most once, self/verified points among the indicator's
             levels, not_applicable only where the indicator does not apply to the LAO's type
             · warnings: verified or self points missing (unverified), points on an
             indicator that does not apply, self and verified at opposite ends of a graded
             (3+ levels) indicator's scale — on a pass/fail indicator any disagreement does
  published  LAO in the registry and unique, percentages within 0-100, band known

Before validation each table becomes a *validation frame*, indexed by source_row: the columns
the suite checks, plus some derived in pandas because a suite cannot join tables or look up
the framework per row — `lao_type` joined from the accepted registry (null = unknown LAO),
`n_score_rows` per registry LAO, the code's digits, and for scores 'indicator|value' keys
(see `_scores_frame`) that the suite checks against the sets the framework allows. Ids
become categoricals, so each distinct string is handled once, not 1.6 M times.

Duplicates: GX flags every copy of a repeated key; the gate keeps the first copy (lowest
source row) and quarantines the later ones, naming the row that was kept. Reader problems
become findings too (the reader's check name); a reader error quarantines its row. Where a
reader already reports a rule the suite states (same check name, same row), the reader's
finding is kept and GX's dropped.

Check ids, severities and messages come from rules.py, shared with `lpa check`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from lpa_analysis import rules
from lpa_analysis.errors import Problem, shown
from lpa_analysis.geo import all_provinces
from lpa_analysis.package_data import EXPECTATIONS
from lpa_analysis.rules import Rule, level_list, level_text
from lpa_analysis.schema import (
    DIM_PCT,
    FINDINGS_COLUMNS,
    LAO_TYPE_CODE_DIGIT,
    SOURCE_ROW,
    Framework,
    LaoType,
)

EXPECTATIONS_DIR = EXPECTATIONS
TABLES = ("registry", "scores", "published")
SEVERITY = {"critical": "error", "warning": "warning"}
GX_SEVERITY = {ours: gx for gx, ours in SEVERITY.items()}
# Rules that look the indicator up in the framework: moot for an unknown indicator.
INDICATOR_RULES = tuple(r.id for r in (rules.POINTS_IN_LEVELS, rules.NOT_APPLICABLE_ALLOWED,
                                       rules.INAPPLICABLE_SCORED, rules.SELF_VERIFIED_GAP))
UNIQUE_RULES = {r.id: r for r in (rules.LAO_CODE_UNIQUE, rules.LAO_INDICATOR_UNIQUE)}
QUARANTINE_ID_COLUMNS = ["table", SOURCE_ROW, "lao_code", "indicator_id", "reasons"]


# ---------------------------------------------------------------------------------------------
# Suites: generated from the framework as plain GX 1.x JSON.

def _expectation(kind: str, rule: Rule, *, condition: dict | None = None,
                 report: str | None = None, says: dict | None = None, **kwargs) -> dict:
    """One GX expectation of `rule` as JSON. `report`: the input column a finding names when
    the expectation checks a derived column (a key built from it). The rule's message gets
    the named column as {column}, its other fields from `says`."""
    message = rule.message.format(column=report or kwargs.get("column"), **(says or {}))
    if condition is not None:
        kwargs["row_condition"] = condition
    meta = {"check": rule.id, "message": message}
    if report:
        meta["column"] = report
    return {"type": kind, "kwargs": kwargs, "meta": meta,
            "severity": GX_SEVERITY[rule.severity]}


def _equals(column: str, value) -> dict:
    return {"type": "comparison", "column": {"name": column}, "operator": "==",
            "parameter": value}


def _required(columns: Iterable[str]) -> list[dict]:
    return [_expectation("expect_column_values_to_not_be_null", rules.REQUIRED, column=c)
            for c in columns]


def _registry_suite() -> list[dict]:
    provinces = sorted(p.code for p in all_provinces())
    exps = [
        *_required(["lao_code", "lao_type", "province_code"]),
        _expectation("expect_column_values_to_match_regex", rules.LAO_CODE_FORMAT,
                     column="lao_code", regex=r"^[0-9]{7}$"),
        _expectation("expect_column_values_to_be_unique", rules.LAO_CODE_UNIQUE,
                     column="lao_code"),
        _expectation("expect_column_values_to_be_in_set", rules.LAO_TYPE_KNOWN,
                     says={"types": ", ".join(LaoType)}, column="lao_type",
                     value_set=sorted(LaoType)),
        _expectation("expect_column_values_to_be_in_set", rules.PROVINCE_KNOWN,
                     column="province_code", value_set=provinces),
    ]
    # The type digit is a convention with real exceptions (upgraded อบต. keep their 6-code).
    for lao_type in LaoType:
        digit = LAO_TYPE_CODE_DIGIT[lao_type]
        exps.append(_expectation(
            "expect_column_values_to_be_in_set", rules.CODE_TYPE_DIGIT,
            says={"digit": digit, "lao_type": lao_type},
            condition=_equals("lao_type", str(lao_type)), column="code_digit", value_set=[digit]))
    exps += [
        _expectation("expect_column_pair_values_to_be_equal", rules.CODE_PROVINCE_DIGITS,
                     column_A="code_province", column_B="province_code",
                     ignore_row_if="either_value_is_missing"),
        _expectation("expect_column_values_to_be_between", rules.OUTSIDE_THAILAND,
                     column="lat", min_value=rules.THAILAND_LAT[0],
                     max_value=rules.THAILAND_LAT[1]),
        _expectation("expect_column_values_to_be_between", rules.OUTSIDE_THAILAND,
                     column="lon", min_value=rules.THAILAND_LON[0],
                     max_value=rules.THAILAND_LON[1]),
        _expectation("expect_column_values_to_be_between", rules.COVERAGE,
                     column="n_score_rows", min_value=1),
    ]
    return exps


def _scores_suite(framework: Framework) -> list[dict]:
    """Per-indicator rules as sets of 'indicator|value' keys (see _scores_frame): one
    unconditional expectation per rule. The same rules as row conditions (one expectation
    per level set or applicability group, 30 in all) took 18 s on a national year — GX
    re-filters the 1.6 M-row frame for every metric of every conditional expectation —
    against under 2 s this way (benchmarks/bench_quality.py)."""
    indicators = framework.indicators
    levels = sorted(f"{i.id}|{level_text(level)}" for i in indicators
                    for level in set(i.levels))
    inapplicable = sorted(f"{i.id}|{t}" for i in indicators for t in LaoType
                          if not i.applies(t))
    # On a pass/fail indicator any disagreement spans the whole scale; only on graded ones
    # (3+ levels) is "one side gave full marks, the other nothing" out of the ordinary.
    full_gaps = sorted(f"{i.id}|{level_text(max(i.levels) - min(i.levels))}"
                       for i in indicators if len(set(i.levels)) > 2)
    exps = [
        *_required(["lao_code", "indicator_id"]),
        _expectation("expect_column_values_to_not_be_null", rules.LAO_IN_REGISTRY,
                     column="lao_type", report="lao_code"),
        _expectation("expect_column_values_to_be_in_set", rules.INDICATOR_KNOWN,
                     says={"year": framework.year}, column="indicator_id",
                     value_set=sorted(i.id for i in indicators)),
        _expectation("expect_compound_columns_to_be_unique", rules.LAO_INDICATOR_UNIQUE,
                     column_list=["lao_code", "indicator_id"], report="indicator_id"),
    ]
    for column, present in (("self_points", rules.SELF_PRESENT),
                            ("verified_points", rules.VERIFIED_PRESENT)):
        key = column.replace("_points", "_level")
        exps += [
            _expectation("expect_column_values_to_be_in_set", rules.POINTS_IN_LEVELS,
                         column=key, value_set=["n/a", *levels], report=column),
            _expectation("expect_column_values_to_not_be_null", present, column=key,
                         report=column),
        ]
    exps += [
        _expectation("expect_column_values_to_be_in_set", rules.NOT_APPLICABLE_ALLOWED,
                     column="na_key", value_set=inapplicable, report="not_applicable"),
        _expectation("expect_column_values_to_not_be_in_set", rules.INAPPLICABLE_SCORED,
                     column="scored_key", value_set=inapplicable, report="not_applicable"),
        _expectation("expect_column_values_to_not_be_in_set", rules.SELF_VERIFIED_GAP,
                     column="gap_key", value_set=full_gaps, report="verified_points"),
    ]
    return exps


def _published_suite(framework: Framework) -> list[dict]:
    exps = [
        *_required(["lao_code"]),
        _expectation("expect_column_values_to_not_be_null", rules.LAO_IN_REGISTRY,
                     column="lao_type", report="lao_code"),
        _expectation("expect_column_values_to_be_unique", rules.LAO_CODE_UNIQUE,
                     column="lao_code"),
        _expectation("expect_column_values_to_be_in_set", rules.BAND_KNOWN,
                     says={"year": framework.year}, column="band",
                     value_set=sorted(b.id for b in framework.bands)),
    ]
    for column in (*DIM_PCT, "overall_pct"):
        exps.append(_expectation("expect_column_values_to_be_between", rules.PCT_RANGE,
                                 column=column, min_value=0, max_value=100))
    return exps


def generate_suites(framework: Framework) -> dict[str, dict]:
    """{'registry': suite, 'scores': suite, 'published': suite} as GX 1.x JSON dicts."""
    bodies = {"registry": _registry_suite(), "scores": _scores_suite(framework),
              "published": _published_suite(framework)}
    suites = {
        table: {"name": f"{table}-{framework.year}",
                "meta": {"table": table, "year": framework.year,
                         "generated_by": f"lpa expectations --year {framework.year}"},
                "expectations": expectations}
        for table, expectations in bodies.items()
    }
    # Through JSON once: what runs is exactly what a committed file holds (plain str, not enums).
    return {table: json.loads(dump_suite(suite)) for table, suite in suites.items()}


def suite_path(table: str, year: int, suites_dir: Path = EXPECTATIONS_DIR) -> Path:
    return Path(suites_dir) / f"{table}-{year}.json"


def dump_suite(suite: dict) -> str:
    """The committed text form: stable key order, Thai and symbols kept readable."""
    return json.dumps(suite, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_suites(framework: Framework, out_dir: Path = EXPECTATIONS_DIR) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table, suite in generate_suites(framework).items():
        path = suite_path(table, framework.year, out_dir)
        path.write_text(dump_suite(suite), encoding="utf-8")
        written.append(path)
    return written


def load_suites(year: int, suites_dir: Path = EXPECTATIONS_DIR) -> dict[str, dict | None]:
    """The committed suites of a year (None where the file is missing)."""
    suites = {}
    for table in TABLES:
        path = suite_path(table, year, suites_dir)
        suites[table] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    return suites


def stale_suites(framework: Framework, suites_dir: Path = EXPECTATIONS_DIR) -> list[str]:
    """Tables whose committed suite is missing or differs from what the framework generates."""
    committed = load_suites(framework.year, suites_dir)
    return [t for t, suite in generate_suites(framework).items()
            if committed[t] is None or dump_suite(committed[t]) != dump_suite(suite)]


def _suites_for(framework: Framework, suites_dir: Path) -> dict[str, dict]:
    """The committed suites; a framework they do not match (a data folder's own framework,
    or one edited since) is validated against suites generated from it, with a warning."""
    from lpa_analysis.log import log

    stale = stale_suites(framework, suites_dir)
    if stale:
        log.warning("expectation suites %s in %s do not match the %s framework: validating "
                    "with suites generated from it (to commit them: lpa expectations --year %s)",
                    ", ".join(f"{t}-{framework.year}" for t in stale), suites_dir,
                    framework.year, framework.year)
        return generate_suites(framework)
    return load_suites(framework.year, suites_dir)


# ---------------------------------------------------------------------------------------------
# Great Expectations, imported once per process.

@dataclass(frozen=True)
class _Gx:
    gx: object
    context: object
    batches: dict  # table → batch definition


@cache
def _gx() -> _Gx:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every in-memory batch under this size (a hash of every cell, twice per
    # validation: ~1 s of a national year). The build records the inputs' sha256 instead.
    pandas_execution_engine.HASH_THRESHOLD = 0

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                         metric_calculations=False)
    source = context.data_sources.add_pandas("lpa")
    batches = {t: source.add_dataframe_asset(t).add_batch_definition_whole_dataframe(t)
               for t in TABLES}
    return _Gx(gx, context, batches)


def _validate(table: str, frame: pd.DataFrame, suite: dict) -> list:
    """GX validation results. The frame is indexed by source_row, so each failing
    expectation returns the source rows of its failing rows as one list (the values are
    looked up afterwards, vectorised: GX's per-cell collection costs seconds on 10⁴ hits)."""
    g = _gx()
    gx_suite = g.gx.ExpectationSuite(name=suite["name"], expectations=suite["expectations"],
                                     meta=suite.get("meta"))
    batch = g.batches[table].get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(gx_suite, result_format={
        "result_format": "COMPLETE",
        "unexpected_index_column_names": [SOURCE_ROW],
        "exclude_unexpected_values": True,
        "return_unexpected_index_query": False,
    })
    return result.results


# ---------------------------------------------------------------------------------------------
# Validation frames: the columns each suite checks, derived ones added in pandas.

def _with_source_row(frame: pd.DataFrame) -> pd.DataFrame:
    """Frames built in code (not read from a file) get the row numbers a file would have."""
    if SOURCE_ROW in frame.columns:
        return frame
    return frame.assign(**{SOURCE_ROW: range(2, len(frame) + 2)})


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip()


def _category(series: pd.Series) -> pd.Series:
    """Text ids as a stripped categorical: strings are handled once per distinct value."""
    cat = series.astype("category")
    names = pd.Index([str(c).strip() for c in cat.cat.categories], dtype="str")
    if names.is_unique:
        return cat.cat.rename_categories(names)
    return _text(series).astype("category")


def _row_index(frame: pd.DataFrame) -> pd.Index:
    return pd.Index(frame[SOURCE_ROW].to_numpy(), name=SOURCE_ROW)


def _registry_frame(registry: pd.DataFrame, score_codes: pd.Series) -> pd.DataFrame:
    code = _text(registry["lao_code"])
    n_rows = score_codes.value_counts()
    frame = pd.DataFrame({
        "lao_code": code,
        "lao_type": _text(registry["lao_type"]),
        "province_code": _text(registry["province_code"]),
        "code_digit": code.str[0],
        "code_province": code.str[1:3],
        "lat": pd.to_numeric(registry.get("lat"), errors="coerce"),
        "lon": pd.to_numeric(registry.get("lon"), errors="coerce"),
        "n_score_rows": code.map(n_rows).fillna(0).astype("int64"),
    })
    return frame.set_axis(_row_index(registry))


def _lao_types(accepted_registry: pd.DataFrame) -> pd.Series:
    return (accepted_registry.assign(lao_code=_text(accepted_registry["lao_code"]))
            .drop_duplicates("lao_code").set_index("lao_code")["lao_type"].astype("string"))


def _keys(*parts: pd.Series, where: pd.Series | None = None) -> pd.Series:
    """'a|b' per row as a categorical (null where a part is null or `where` is False).
    Labels are formatted once per distinct combination, not once per row."""
    n = len(parts[0])
    combined = np.zeros(n, dtype="int64")
    missing = np.zeros(n, dtype=bool) if where is None else ~where.to_numpy(dtype=bool)
    names = []  # per part: the label of each distinct value
    for part in parts:
        if isinstance(part.dtype, pd.CategoricalDtype):
            codes, values = part.cat.codes.to_numpy(), part.cat.categories
        else:
            codes, values = pd.factorize(part)
        missing |= codes < 0
        combined = combined * max(len(values), 1) + codes
        names.append([level_text(v) if isinstance(v, float) else str(v)
                      for v in values.tolist()])
    # The combinations are few (indicators × levels): number them by a presence table
    # instead of hashing 1.6 M values.
    present = np.zeros(int(np.prod([max(len(p), 1) for p in names])), dtype=bool)
    present[combined[~missing]] = True
    distinct = np.flatnonzero(present)
    codes = np.where(missing, -1, (np.cumsum(present) - 1)[np.where(missing, 0, combined)])
    labels = []
    for value in distinct.tolist():
        label = []
        for part_names in reversed(names):
            value, k = divmod(value, len(part_names))
            label.append(part_names[k])
        labels.append("|".join(reversed(label)))
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype="str")),
                     index=parts[0].index)


def _scores_frame(scores: pd.DataFrame, score_codes: pd.Series,
                  lao_types: pd.Series) -> pd.DataFrame:
    """Validation frame of the scores: ids as categoricals plus the keys the suite checks.

    self_level / verified_level   'D1.01|3'; 'n/a' for a not-applicable row without points
    na_key / scored_key           'D4.27|sao' for rows marked not applicable / scored
    gap_key                       'D1.01|5' = indicator | |self − verified|
    """
    index = _row_index(scores)
    code = score_codes.set_axis(index)
    indicator = _category(scores["indicator_id"]).set_axis(index)
    na = scores["not_applicable"].fillna(False).astype(bool).set_axis(index)
    lao_type = code.map(lao_types).astype("category")
    frame = pd.DataFrame({
        "lao_code": code,
        "indicator_id": indicator,
        "self_points": pd.to_numeric(scores["self_points"], errors="coerce").set_axis(index),
        "verified_points": pd.to_numeric(scores["verified_points"],
                                         errors="coerce").set_axis(index),
        "not_applicable": na,
        "lao_type": lao_type,
        "na_key": _keys(indicator, lao_type, where=na),
        "scored_key": _keys(indicator, lao_type, where=~na),
    })
    for column in ("self_points", "verified_points"):
        level = _keys(indicator, frame[column])
        level = level.cat.add_categories("n/a")
        frame[column.replace("_points", "_level")] = level.mask(na & frame[column].isna(), "n/a")
    frame["gap_key"] = _keys(indicator, (frame["self_points"] - frame["verified_points"]).abs())
    return frame


def _published_frame(published: pd.DataFrame, lao_types: pd.Series) -> pd.DataFrame:
    code = _text(published["lao_code"])
    frame = pd.DataFrame({"lao_code": code, "lao_type": code.map(lao_types).astype("string"),
                          "band": _text(published["band"])})
    for column in (*DIM_PCT, "overall_pct"):
        frame[column] = pd.to_numeric(published[column], errors="coerce")
    return frame.set_axis(_row_index(published))


# ---------------------------------------------------------------------------------------------
# Results → findings.

def _as_text(values: pd.Series) -> pd.Series:
    """Cell values as a person would type them: 5 not 5.0, empty as None."""
    text = values.map(lambda v: level_text(v) if isinstance(v, float) else str(v))
    return text.astype(object).where(values.notna().to_numpy(), None)


def _severity(config) -> str:
    return SEVERITY.get(getattr(config.severity, "value", config.severity), "error")


def _result_findings(table: str, results: list, vframe: pd.DataFrame) -> pd.DataFrame:
    """One finding per failing row of each failed expectation, ids and value from `vframe`."""
    parts = []
    for res in results:
        config = res.expectation_config
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(f"{table} expectation {config.type} on {config.kwargs} failed "
                               f"to run: {res.exception_info.get('exception_message')}")
        hits = res.result.get("unexpected_index_list") or []
        if res.success or not hits:
            continue
        kwargs, meta = config.kwargs, config.meta or {}
        checked = kwargs.get("column") or ",".join(
            kwargs.get("column_list") or [kwargs.get("column_A", ""), kwargs.get("column_B", "")])
        column = meta.get("column", checked)
        rows = pd.Index(hits[0][SOURCE_ROW])
        found = vframe.loc[rows]
        value = found[column] if column in found else found.get(checked)
        parts.append(pd.DataFrame({
            "table": table, "check": meta.get("check", config.type),
            "severity": _severity(config), SOURCE_ROW: rows.to_numpy(),
            "lao_code": _as_text(found["lao_code"]).to_numpy(),
            "indicator_id": (_as_text(found["indicator_id"]).to_numpy()
                             if "indicator_id" in found else None),
            "column": column,
            "value": None if value is None else _as_text(value).to_numpy(),
            "message": meta.get("message", config.type),
        }))
    return _findings_frame(parts)


def _keep_first_duplicates(findings: pd.DataFrame) -> pd.DataFrame:
    """GX flags every copy of a repeated key; the first copy stays and is not a finding."""
    is_dup = findings["check"].isin(UNIQUE_RULES)
    if not is_dup.any():
        return findings
    dups = findings[is_dup].copy()
    keys = [c for c in ("table", "lao_code", "indicator_id") if dups[c].notna().any()]
    first = dups.groupby(keys, dropna=False)[SOURCE_ROW].transform("min")
    later = dups[dups[SOURCE_ROW] != first[dups.index]]
    kept = [UNIQUE_RULES[check].detail.format(kept=row)
            for check, row in zip(later["check"], first[later.index])]
    later = later.assign(message=later["message"] + kept)
    return pd.concat([findings[~is_dup], later], ignore_index=True)


def _problem_findings(table: str, problems: Iterable[Problem]) -> list[dict]:
    return [{"table": table, "check": p.check or rules.UNNAMED, "severity": p.severity,
             SOURCE_ROW: p.row, "lao_code": p.lao_code, "indicator_id": p.indicator_id,
             "column": p.column, "value": p.value, "message": p.message} for p in problems]


def _drop_redundant(gx_rows: pd.DataFrame, reader_rows: pd.DataFrame) -> pd.DataFrame:
    """The readers already check a few rules the suites state too (code digits, location,
    percentage range; same check names): one finding per row and rule, the reader's, which
    names the column as in the file. A cell the reader could not parse is empty for GX:
    an empty-value finding on a row with a reader error only repeats that error."""
    said = pd.MultiIndex.from_frame(reader_rows[[SOURCE_ROW, "check"]].astype(str))
    repeat = pd.MultiIndex.from_frame(gx_rows[[SOURCE_ROW, "check"]].astype(str)).isin(said)
    error_rows = reader_rows.loc[reader_rows["severity"] == "error", SOURCE_ROW]
    unparsed = gx_rows["value"].isna() & gx_rows[SOURCE_ROW].isin(error_rows)
    # An empty code is reported once, as 'required', not also as unknown.
    no_code = (gx_rows["check"] == rules.LAO_IN_REGISTRY.id) & gx_rows["lao_code"].isna()
    # An unknown indicator has no levels or applicability to check against.
    unknown = gx_rows.loc[gx_rows["check"] == rules.INDICATOR_KNOWN.id, SOURCE_ROW]
    per_indicator = gx_rows["check"].isin(INDICATOR_RULES) & gx_rows[SOURCE_ROW].isin(unknown)
    return gx_rows[~repeat & ~unparsed & ~no_code & ~per_indicator]


def _with_ids(findings: pd.DataFrame, vframe: pd.DataFrame) -> pd.DataFrame:
    """Reader problems name the file row; the LAO and indicator come from that row."""
    for column in ("lao_code", "indicator_id"):
        if column not in vframe.columns:
            continue
        missing = findings[column].isna() & findings[SOURCE_ROW].isin(vframe.index)
        ids = _as_text(vframe.loc[findings.loc[missing, SOURCE_ROW].astype("int64"), column])
        findings.loc[missing, column] = ids.to_numpy()
    return findings


def _findings_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat([pd.DataFrame(columns=FINDINGS_COLUMNS), *parts], ignore_index=True)
    frame = frame[FINDINGS_COLUMNS].astype(object)
    frame[SOURCE_ROW] = frame[SOURCE_ROW].astype("Int64")
    return frame


# ---------------------------------------------------------------------------------------------
# The gate.

@dataclass
class GateResult:
    findings: pd.DataFrame  # schema.FINDINGS_COLUMNS, sorted by table, row, check
    accepted: dict[str, pd.DataFrame]  # table → rows kept, original columns
    quarantine: pd.DataFrame  # every removed row: ids, reasons, original values
    counts: dict  # table → {input, accepted, quarantined}

    @property
    def errors(self) -> int:
        return int((self.findings["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.findings["severity"] == "warning").sum())


def _split(table: str, frame: pd.DataFrame, findings: pd.DataFrame,
           problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Rows with an error finding go to quarantine; a reader error on a row the reader had
    to drop still counts as an input row and appears in quarantine (ids only)."""
    errors = findings[(findings["table"] == table) & (findings["severity"] == "error")
                      & findings[SOURCE_ROW].notna()]
    reasons = (errors.drop_duplicates([SOURCE_ROW, "check"])
               .groupby(SOURCE_ROW)["check"].agg("; ".join))
    bad = frame[SOURCE_ROW].isin(reasons.index)
    accepted = frame[~bad]
    kept = frame[bad]
    dropped_rows = sorted(reasons.index[~reasons.index.isin(frame[SOURCE_ROW])])
    ids = {p.row: p for p in problems if p.row is not None}
    dropped = pd.DataFrame({SOURCE_ROW: dropped_rows,
                            "lao_code": [ids[r].lao_code for r in dropped_rows],
                            "indicator_id": [ids[r].indicator_id for r in dropped_rows]})
    quarantine = pd.concat([kept, dropped], ignore_index=True) if dropped_rows else kept.copy()
    quarantine.insert(0, "table", table)
    quarantine.insert(1, "reasons", quarantine[SOURCE_ROW].map(reasons))
    counts = {"input": len(frame) + len(dropped_rows), "accepted": len(accepted),
              "quarantined": len(quarantine)}
    return accepted, quarantine, counts


def _gate_table(table: str, frame: pd.DataFrame, vframe: pd.DataFrame, suite: dict,
                problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    reader_rows = _with_ids(_findings_frame([pd.DataFrame(_problem_findings(table, problems),
                                                          columns=FINDINGS_COLUMNS)]), vframe)
    gx_rows = _keep_first_duplicates(
        _result_findings(table, _validate(table, vframe, suite), vframe))
    findings = pd.concat([reader_rows, _drop_redundant(gx_rows, reader_rows)], ignore_index=True)
    accepted, quarantine, counts = _split(table, frame, findings, problems)
    return findings, accepted, quarantine, counts


def run_gate(registry: pd.DataFrame, scores: pd.DataFrame, framework: Framework,
             published: pd.DataFrame | None = None, *, suites_dir: Path = EXPECTATIONS_DIR,
             extra_errors: Mapping[str, Iterable[Problem]] | None = None) -> GateResult:
    """Validate registry, then scores and published against the accepted registry.

    `extra_errors`: the readers' problems per table ({'registry': loaded.problems, ...});
    they become findings (check = the reader's check, else 'parse'); a reader *error*
    quarantines its row, also a row the reader could not keep in its frame.
    """
    from lpa_analysis.log import log

    suites = _suites_for(framework, suites_dir)
    problems = {t: list((extra_errors or {}).get(t, ())) for t in TABLES}
    registry, scores = _with_source_row(registry), _with_source_row(scores)

    score_codes = _category(scores["lao_code"])
    results = {"registry": _gate_table("registry", registry,
                                       _registry_frame(registry, score_codes),
                                       suites["registry"], problems["registry"])}
    lao_types = _lao_types(results["registry"][1])
    results["scores"] = _gate_table("scores", scores,
                                    _scores_frame(scores, score_codes, lao_types),
                                    suites["scores"], problems["scores"])
    if published is not None:
        published = _with_source_row(published)
        results["published"] = _gate_table("published", published,
                                           _published_frame(published, lao_types),
                                           suites["published"], problems["published"])

    findings = _with_levels(pd.concat([r[0] for r in results.values()], ignore_index=True),
                            framework)
    findings = findings.sort_values(["table", SOURCE_ROW, "check", "column"],
                                    key=_table_order, na_position="first", ignore_index=True)
    quarantine = pd.concat([r[2] for r in results.values()], ignore_index=True)
    front = [c for c in QUARANTINE_ID_COLUMNS if c in quarantine.columns]
    quarantine = quarantine[front + [c for c in quarantine.columns if c not in front]]
    gate = GateResult(findings=findings,
                      accepted={t: r[1] for t, r in results.items()},
                      quarantine=quarantine.sort_values(["table", SOURCE_ROW], key=_table_order,
                                                        ignore_index=True),
                      counts={t: r[3] for t, r in results.items()})
    for table, c in gate.counts.items():
        log.debug("gate %s: %d in, %d accepted, %d quarantined", table, c["input"],
                  c["accepted"], c["quarantined"])
    return gate


def _with_levels(findings: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Points findings say which levels the indicator allows."""
    allowed = {i.id: rules.POINTS_IN_LEVELS.detail.format(levels=level_list(i.levels))
               for i in framework.indicators}
    rows = ((findings["check"] == rules.POINTS_IN_LEVELS.id)
            & findings["indicator_id"].isin(allowed))
    findings.loc[rows, "message"] = (findings.loc[rows, "message"]
                                     + findings.loc[rows, "indicator_id"].map(allowed))
    return findings


def _table_order(column: pd.Series) -> pd.Series:
    return column.map(TABLES.index) if column.name == "table" else column


def summary(gate: GateResult, limit: int = 20) -> str:
    """A readable summary: counts per table, findings per check, the first findings."""
    lines = []
    for table, c in gate.counts.items():
        lines.append(f"{table}: {c['input']} rows, {c['accepted']} accepted, "
                     f"{c['quarantined']} quarantined")
    if gate.findings.empty:
        lines.append("no findings")
        return "\n".join(lines)
    per_check = (gate.findings.groupby(["severity", "table", "check"]).size()
                 .rename("n").reset_index().sort_values(["severity", "n"],
                                                        ascending=[True, False]))
    lines.append("")
    lines.append(f"{gate.errors} errors, {gate.warnings} warnings:")
    for r in per_check.itertuples(index=False):
        lines.append(f"  {r.severity:<7} {r.table:<9} {r.check:<24} {r.n:>7}")
    lines.append("")
    listed = gate.findings.sort_values("severity", kind="stable").head(limit)
    for r in listed.itertuples(index=False):
        where = ", ".join(x for x in (
            f"row {r.source_row}" if pd.notna(r.source_row) else None,
            f"LAO {r.lao_code}" if pd.notna(r.lao_code) else None,
            f"indicator {r.indicator_id}" if pd.notna(r.indicator_id) else None,
            f"{r.column} = '{shown(r.value)}'" if pd.notna(r.value) else None) if x)
        lines.append(f"  {r.severity}: {r.table} {where}: {r.message}")
    if len(gate.findings) > limit:
        lines.append(f"  … and {len(gate.findings) - limit} more (use --json for all)")
    return "\n".join(lines)
