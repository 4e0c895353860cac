"""The input rules, once: id, tables, severity and message of every check `lpa check`
(check.py), the build's quality gate (quality.py) or the readers (readers.py) report.

    from lpa_analysis import rules
    rules.LAO_INDICATOR_UNIQUE.severity          # 'error' = the gate quarantines the row
    rules.RULES["self_present"].message

The gate's ids, severities and messages are the canonical ones (published quality tables are
compared byte for byte); `lpa check` reports the same problem on the same row in the same
words. A message is a `str.format` template: fields such as {column} and {year} are filled
once per suite, the others per row; `detail` is what a finding adds to it per row (the
committed suites hold `message` alone). Readers word their own findings — they quote the cell
as written — so a rule the readers find has no message here unless the gate's suite states it
too (same id: the gate then keeps the reader's finding and drops its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from lpa_analysis.errors import Severity

Tool = Literal["check", "gate"]
Table = Literal["registry", "scores", "published", "framework"]
BOTH: tuple[Tool, ...] = ("check", "gate")
INPUTS: tuple[Table, ...] = ("registry", "scores", "published")

# Office locations outside Thailand's bounding box are typos (the real registry has a few 5.0).
# The readers flag only a wider box (readers.LAT_RANGE); the rest is this rule's.
THAILAND_LAT = (5.6, 20.5)
THAILAND_LON = (97.3, 105.7)
# The check name the gate gives a reader problem that names no rule (readers always name one).
UNNAMED = "parse"


@dataclass(frozen=True)
class Rule:
    id: str
    tables: tuple[Table, ...]
    severity: Severity  # error: the gate quarantines the row and `lpa check` exits 1
    message: str | None = None  # None: only the readers report it, in their own words
    detail: str = ""  # appended per row, not part of a suite's message
    runs_in: tuple[Tool, ...] = BOTH
    why: str = ""  # a rule only one tool runs: why the other does not
    reader: bool = False  # found while reading, so by both tools (the same Problem)


def _read(rule_id: str, tables: tuple[Table, ...], severity: Severity = "error", **kw) -> Rule:
    return Rule(rule_id, tables, severity, reader=True, **kw)


_READER_FIRST = ("on a file the readers report this first ({}) and the gate keeps theirs; "
                 "only frames built in code, which only the gate takes, reach it")
_NO_GATE_CHANGE = ("the build compares every published figure with its own recomputation "
                   "(reconcile.py); a gate rule would add rows to the published quality "
                   "tables, which must stay as they are")

# --------------------------------------------------------------------------- found by the readers
MISSING_CODE = _read("missing_code", INPUTS)
BAD_CODE = _read("bad_code", INPUTS)
MISSING_VALUE = _read("missing_value", INPUTS)
BAD_NUMBER = _read("bad_number", INPUTS)
BAD_BOOLEAN = _read("bad_boolean", ("scores", "published"))
NO_ROWS = _read("no_rows", INPUTS)
UNKNOWN_TYPE = _read("unknown_type", ("registry",))
UNKNOWN_PROVINCE = _read("unknown_province", ("registry",))
BANGKOK = _read("bangkok", ("registry",))
PROVINCE_MISMATCH = _read("province_mismatch", ("registry",))
CONFLICTING_ROWS = _read("conflicting_rows", ("registry",))
DUPLICATE_CODE = _read("duplicate_code", ("registry",), "warning")
UNKNOWN_BAND = _read("unknown_band", ("published",))
# ... and stated by the gate's suites too
CODE_TYPE_DIGIT = _read("code_type_digit", ("registry",), "warning",
                        message="first digit of lao_code is not {digit}, usual for {lao_type}")
# The registry contradicts itself: an error, and a registry error stops the build (build.py).
CODE_PROVINCE_DIGITS = _read("code_province_digits", ("registry",),
                             message="digits 2-3 of lao_code are not the province code")
OUTSIDE_THAILAND = _read("outside_thailand", ("registry",), "warning",
                         message="{column} is outside Thailand")
PCT_RANGE = _read("pct_range", ("published",), message="{column} is outside 0-100")

# --------------------------------------------------------------------------- the gate's suites
REQUIRED = Rule("required", INPUTS, "error", "{column} is empty", runs_in=("gate",),
                why=_READER_FIRST.format("missing_code, missing_value"))
LAO_CODE_FORMAT = Rule("lao_code_format", ("registry",), "error",
                       "lao_code is not a 7-digit DLA code", runs_in=("gate",),
                       why=_READER_FIRST.format("bad_code"))
LAO_CODE_UNIQUE = Rule("lao_code_unique", ("registry", "published"), "error",
                       "lao_code appears more than once", "; row {kept} is kept")
LAO_TYPE_KNOWN = Rule("lao_type_known", ("registry",), "error",
                      "lao_type is not one of {types}", runs_in=("gate",),
                      why=_READER_FIRST.format("unknown_type"))
PROVINCE_KNOWN = Rule("province_known", ("registry",), "error",
                      "province_code is not one of the 76 provinces DLA assesses (Bangkok is "
                      "a special-form LAO outside DLA's assessment)",
                      runs_in=("gate",), why=_READER_FIRST.format("unknown_province, bangkok"))
COVERAGE = Rule("coverage", ("registry",), "warning", "this LAO has no rows in the scores file",
                runs_in=("gate",),
                why="needs the registry and the scores together; `lpa check` reads one file "
                    "(its scores check counts the LAOs without rows instead: laos_missing)")
LAO_IN_REGISTRY = Rule("lao_in_registry", ("scores", "published"), "error",
                       "lao_code is not in the registry (or its registry row is quarantined)")
INDICATOR_KNOWN = Rule("indicator_known", ("scores",), "error",
                       "indicator_id is not an indicator of the {year} framework")
LAO_INDICATOR_UNIQUE = Rule("lao_indicator_unique", ("scores",), "error",
                            "this (lao_code, indicator_id) appears more than once",
                            "; row {kept} is kept")
POINTS_IN_LEVELS = Rule("points_in_levels", ("scores",), "error",
                        "{column} is not one of this indicator's levels", " ({levels})")
SELF_PRESENT = Rule("self_present", ("scores",), "warning",
                    "self_points is empty and the indicator is not marked not applicable")
VERIFIED_PRESENT = Rule("verified_present", ("scores",), "warning",
                        "verified_points is empty and the indicator is not marked not applicable")
NOT_APPLICABLE_ALLOWED = Rule(
    "not_applicable_allowed", ("scores",), "error",
    "marked not applicable, but this indicator applies to this LAO's type")
INAPPLICABLE_SCORED = Rule("inapplicable_scored", ("scores",), "warning",
                           "scored, but this indicator does not apply to this LAO's type")
SELF_VERIFIED_GAP = Rule(
    "self_verified_gap", ("scores",), "warning",
    "self and verified points are at opposite ends of the indicator's scale")
BAND_KNOWN = Rule("band_known", ("published",), "error", "band is not one of the {year} bands",
                  runs_in=("gate",), why=_READER_FIRST.format("unknown_band"))

# --------------------------------------------------------------------------- `lpa check` only
POINTS_ON_NOT_APPLICABLE = Rule(
    "points_on_not_applicable", ("scores",), "warning",
    "marked not applicable but carries points (ignored)", runs_in=("check",),
    why="scoring ignores the points of a not-applicable row; a gate rule would add rows to the "
        "published quality tables, which must stay as they are")
PASSED_MISMATCH = Rule(
    "passed_mismatch", ("published",), "error",
    "passed is {passed} but overall {overall_pct} % vs the pass threshold {threshold:g} %",
    runs_in=("check",), why=_NO_GATE_CHANGE)
BAND_MISMATCH = Rule("band_mismatch", ("published",), "error",
                     "band {band} does not match overall {overall_pct} % (expected {expected})",
                     runs_in=("check",), why=_NO_GATE_CHANGE)
OVERALL_NOT_MEAN = Rule(
    "overall_not_mean", ("published",), "warning",
    "overall {overall_pct} % is not the mean of the five dimension % "
    "(framework overall_method: mean_of_dimensions)", runs_in=("check",), why=_NO_GATE_CHANGE)
LAOS_MISSING = Rule("laos_missing", ("scores", "published"), "warning",
                    "{n:,} LAOs of the registry have no rows here, e.g. {examples}",
                    runs_in=("check",),
                    why="a whole-file summary; the gate names each registry row instead "
                        "(coverage)")
EMPTY_DIMENSION = Rule("empty_dimension", ("framework",), "warning",
                       "dimension {dimension} has no counted indicator", runs_in=("check",),
                       why="the gate validates data against a framework, not the framework")


def level_text(points: float) -> str:
    """A number as level keys, messages and findings write it: 2.5, 5 (not 5.0)."""
    return f"{points:g}"


def level_list(levels: Iterable[float]) -> str:
    """The {levels} of a points_in_levels finding: an indicator's levels, ascending."""
    return ", ".join(level_text(v) for v in sorted(set(levels)))


# Every rule above, by id.
RULES: dict[str, Rule] = {rule.id: rule for rule in globals().values() if isinstance(rule, Rule)}
