"""Descriptives of scores, pass rates and band shares, per province / type / region."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lpa_analysis.i18n import thai_sort_key
from lpa_analysis.stats._common import (
    BAND_ORDER, MEASURES, NO_VARIATION, NOT_ENOUGH_DATA, as_list, groups, t_interval, tidy, values,
    wilson,
)

DESCRIBE_COLUMNS = ["measure", "n", "mean", "sd", "median", "q1", "q3", "iqr", "min", "max",
                    "note"]
PASS_COLUMNS = ["n", "passed", "rate", "ci_low", "ci_high", "note"]
BAND_COLUMNS = ["band", "n", "count", "share", "ci_low", "ci_high", "note"]


def describe(scored: pd.DataFrame, by: str | Sequence[str] | None = None,
             measures: Sequence[str] = MEASURES) -> pd.DataFrame:
    """Long table, one row per group × measure (d1_pct … d5_pct, overall_pct).

    Columns: *by, measure, n, mean, sd, median, q1, q3, iqr, min, max, note. Quartiles are
    linear-interpolated (R quantile type 7, the pandas default); sd has n − 1 in the
    denominator. Missing scores are left out of n. n = 0 → NaN with 'not_enough_data';
    n = 1 → values shown, 'not_enough_data'; identical values → 'no_variation'.
    """
    by = as_list(by)
    rows = []
    for key, part in groups(scored, by):
        for measure in measures:
            rows.append({**key, "measure": measure, **_summary(values(part, measure))})
    return tidy(rows, [*by, *DESCRIBE_COLUMNS])


def _summary(x: np.ndarray) -> dict:
    if len(x) == 0:
        return {"n": 0, "note": NOT_ENOUGH_DATA}
    q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    note = NOT_ENOUGH_DATA if len(x) < 2 else NO_VARIATION if np.ptp(x) == 0 else None
    return {"n": len(x), "mean": np.mean(x), "sd": np.std(x, ddof=1) if len(x) > 1 else np.nan,
            "median": median, "q1": q1, "q3": q3, "iqr": q3 - q1, "min": np.min(x),
            "max": np.max(x), "note": note}


def pass_rate(scored: pd.DataFrame, by: str | Sequence[str] | None = None,
              column: str = "passed") -> pd.DataFrame:
    """Share of LAOs that passed, with a Wilson 95 % interval, one row per group.

    Columns: *by, n, passed, rate, ci_low, ci_high, note (rate and CI are proportions 0–1).
    LAOs with `passed` missing are left out of n.
    """
    by = as_list(by)
    rows = []
    for key, part in groups(scored, by):
        flags = part[column].dropna().astype(bool)
        n, passed = len(flags), int(flags.sum())
        low, high = wilson(passed, n)
        rows.append({**key, "n": n, "passed": passed, "rate": passed / n if n else np.nan,
                     "ci_low": low, "ci_high": high, "note": None if n else NOT_ENOUGH_DATA})
    return tidy(rows, [*by, *PASS_COLUMNS])


def band_shares(scored: pd.DataFrame, by: str | Sequence[str] | None = None,
                column: str = "band") -> pd.DataFrame:
    """Share of LAOs in each band (excellent, very_good, good, below) with Wilson 95 % CIs.

    Columns: *by, band, n (LAOs in the group with a band), count, share, ci_low, ci_high, note.
    Every band has a row, also with count 0.
    """
    by = as_list(by)
    rows = []
    for key, part in groups(scored, by):
        bands = part[column].dropna().astype(str)
        n = len(bands)
        for band in BAND_ORDER:
            count = int((bands == band).sum())
            low, high = wilson(count, n)
            rows.append({**key, "band": band, "n": n, "count": count,
                         "share": count / n if n else np.nan, "ci_low": low, "ci_high": high,
                         "note": None if n else NOT_ENOUGH_DATA})
    return tidy(rows, [*by, *BAND_COLUMNS])


DISTRICT_COLUMNS = ["district_th", "district_en", "n", "passed", "pass_rate", "ci_low",
                    "ci_high", "mean_overall", "mean_ci_low", "mean_ci_high",
                    "weakest_dimension", "weakest_dimension_mean"]


def district_table(scored: pd.DataFrame, dimensions: Sequence[str] = ("d1_pct", "d2_pct",
                   "d3_pct", "d4_pct", "d5_pct")) -> pd.DataFrame:
    """One row per district (อำเภอ) of the LAOs given (one province's): n, passed, the pass
    rate with its Wilson interval (proportions 0–1), the mean overall score with its Student-t
    interval (NaN below two LAOs) clipped to 0–100 (a mean score cannot leave that range; the
    t interval of a few LAOs near 100 would), and the dimension with the lowest mean score.
    Ordered by Thai name (i18n.thai_sort_key: เมือง… under ม); n sums to the LAOs given."""
    from lpa_analysis.geo import district_en

    rows = []
    for key, part in groups(scored, ["district_th"]):
        rate = pass_rate(part).iloc[0]
        means = part[list(dimensions)].mean()
        weakest = means.idxmin() if means.notna().any() else None
        mean_low, mean_high = np.clip(t_interval(values(part, "overall_pct"))[:2], 0, 100)
        province = part["province_code"].iloc[0]
        rows.append({**key, "district_en": district_en(province, key["district_th"]),
                     "n": len(part), "passed": int(rate["passed"]), "pass_rate": rate["rate"],
                     "ci_low": rate["ci_low"], "ci_high": rate["ci_high"],
                     "mean_overall": part["overall_pct"].mean(), "mean_ci_low": mean_low,
                     "mean_ci_high": mean_high, "weakest_dimension": weakest,
                     "weakest_dimension_mean": means.get(weakest, np.nan)})
    return tidy(rows, DISTRICT_COLUMNS).sort_values(
        "district_th", key=lambda names: names.map(thai_sort_key), ignore_index=True)
