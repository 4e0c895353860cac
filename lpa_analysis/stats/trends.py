"""Trend tables: every year available, nationally or per region / province / LAO type, and the
change between successive years on the comparable basis of each pair."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise

import numpy as np
import pandas as pd

from lpa_analysis.schema import Framework
from lpa_analysis.stats._common import (
    MEASURES, MISSING_YEAR, NOT_ENOUGH_DATA, as_list, group_key, groups, t_interval, tidy,
    values, wilson,
)
from lpa_analysis.stats.change import (
    BASIS_COLUMNS, CHANGE_COLUMNS, comparable_basis, comparable_change, paired_change,
)

TREND_COLUMNS = ["measure", "n", "estimate", "ci_low", "ci_high", "ci_method", "note"]
PASS_MEASURE = "pass_rate_pct"


def trend_table(scored_by_year: Mapping[int, pd.DataFrame | None], by: str | None = None,
                years: Iterable[int] | None = None) -> pd.DataFrame:
    """Long table, one row per year × group × measure, all estimates in percent (0–100).

    Measures: d1_pct … d5_pct and overall_pct (mean with 95 % Student-t CI, ci_method 't') and,
    when the tables have `passed`, pass_rate_pct (share passed × 100 with 95 % Wilson CI,
    ci_method 'wilson'; n = LAOs with a pass flag). Columns: year, *by, measure, n, estimate,
    ci_low, ci_high, ci_method, note. `years` defaults to every year from the first to the
    last key; a year without data (absent, None or empty) gets rows with 'missing_year'. Every
    group seen in any year appears in every year (n = 0 → 'not_enough_data').
    """
    by_cols = as_list(by)
    columns = ["year", *by_cols, *TREND_COLUMNS]
    present = {y: f for y, f in scored_by_year.items() if f is not None and not f.empty}
    years = sorted(years) if years is not None else _year_span(scored_by_year)
    if not present:
        return tidy([{"year": y, "measure": m, "note": MISSING_YEAR}
                     for y in years for m in [*MEASURES, PASS_MEASURE]], columns)
    combined = pd.concat([f.assign(year=y) for y, f in present.items()], ignore_index=True)
    keys = [key for key, _ in groups(combined, by_cols)]
    # comparable_scores tables have no pass flag
    measures = [*MEASURES, PASS_MEASURE] if "passed" in combined else MEASURES
    rows = []
    for year in years:
        if year not in present:
            rows.extend({"year": year, **key, "measure": m, "note": MISSING_YEAR}
                        for key in keys for m in measures)
            continue
        parts = {group_key(key): part for key, part in groups(present[year], by_cols)}
        for key in keys:
            part = parts.get(group_key(key), present[year].iloc[:0])
            rows.extend({"year": year, **key, **_row(part, m)} for m in measures)
    return tidy(rows, columns)


def _year_span(scored_by_year: Mapping[int, pd.DataFrame | None]) -> list[int]:
    return list(range(min(scored_by_year), max(scored_by_year) + 1)) if scored_by_year else []


def _row(part: pd.DataFrame, measure: str) -> dict:
    if measure == PASS_MEASURE:
        return _pass_row(part)
    x = values(part, measure)
    low, high, note = t_interval(x)
    return {"measure": measure, "n": len(x), "estimate": np.mean(x) if len(x) else np.nan,
            "ci_low": low, "ci_high": high, "ci_method": "t", "note": note}


def _pass_row(part: pd.DataFrame) -> dict:
    flags = part["passed"].dropna().astype(bool)
    n, passed = len(flags), int(flags.sum())
    low, high = wilson(passed, n)
    return {"measure": PASS_MEASURE, "n": n, "estimate": 100 * passed / n if n else np.nan,
            "ci_low": 100 * low, "ci_high": 100 * high, "ci_method": "wilson",
            "note": None if n else NOT_ENOUGH_DATA}


def year_changes(indicator_scores: Mapping[int, pd.DataFrame | None],
                 frameworks: Mapping[int, Framework]) -> pd.DataFrame:
    """Change from each year to the next of every LAO assessed in both, nationally, one row
    per pair of years × measure (d1_pct … d5_pct, overall_pct).

    Each pair is measured on its own comparable basis (`comparable_basis`: the indicators
    defined identically in both frameworks, the later year's overall method in both years),
    with `paired_change` statistics (Wilcoxon signed-rank, Hodges–Lehmann estimate and 95 %
    CI). Columns: year_a, year_b, CHANGE_COLUMNS, then the rest of BASIS_COLUMNS. Pairs run
    over every year from the first to the last key; a pair with a year absent, None or empty
    has 'missing_year' rows. Each year's table is read once (a lazy mapping then keeps two
    years of indicator scores in memory).
    """
    columns = ["year_a", "year_b", *CHANGE_COLUMNS, *BASIS_COLUMNS[2:]]
    years = _year_span(indicator_scores)
    rows = []
    scores_a = _present(indicator_scores, years[0]) if years else None
    for year_a, year_b in pairwise(years):
        scores_b = _present(indicator_scores, year_b)
        if scores_a is None or scores_b is None:
            part = paired_change(None, None, value=MEASURES).assign(year_a=year_a,
                                                                    year_b=year_b)
        else:
            basis = comparable_basis(frameworks[year_a], frameworks[year_b])
            part = comparable_change(scores_a, scores_b, basis, value=MEASURES)
        rows.extend(part.to_dict("records"))
        scores_a = scores_b
    return tidy(rows, columns)


def _present(frames: Mapping[int, pd.DataFrame | None], year: int) -> pd.DataFrame | None:
    frame = frames.get(year)
    return None if frame is None or frame.empty else frame
