"""Trend tables: every year available, nationally or per region / province / LAO type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from lpa_analysis.stats._common import (
    MEASURES, MISSING_YEAR, NOT_ENOUGH_DATA, as_list, group_key, groups, t_interval, tidy,
    values, wilson,
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
