"""Comparisons across LAO types: Kruskal–Wallis with epsilon², pairwise Mann–Whitney (Holm).

`within=None` compares types nationally; `within='province_code'` runs one test per province.
Groups with fewer than 2 LAOs are reported ('not_enough_data') and left out of the tests; a
test runs whenever at least 2 groups remain.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.settings import MIN_GROUP_N
from lpa_analysis.stats._common import (
    NO_VARIATION, NOT_ENOUGH_DATA, SINGLE_GROUP, as_list, groups, holm, tidy, values,
)

TEST_COLUMNS = ["n", "k_groups", "excluded_groups", "statistic", "df", "p_value", "epsilon_sq",
                "note"]
GROUP_COLUMNS = ["n", "median", "q1", "q3", "in_test", "note"]
PAIR_COLUMNS = ["group_a", "group_b", "n_a", "n_b", "median_a", "median_b", "u_statistic",
                "p_value", "p_holm", "rank_biserial", "note"]


def _type_values(part: pd.DataFrame, value: str, by: str) -> dict[str, np.ndarray]:
    """{type: non-missing values} in display order (schema.LAO_TYPE_ORDER for lao_type)."""
    return {key[by]: values(rows, value) for key, rows in groups(part, [by])}


def type_groups(scored: pd.DataFrame, value: str = "overall_pct", within: str | None = None,
                by: str = "lao_type") -> pd.DataFrame:
    """Per type (within each `within` group): n, median, quartiles, whether it is in the test.

    Columns: *within, lao_type (or `by`), n, median, q1, q3, in_test, note.
    """
    within_cols = as_list(within)
    rows = []
    for key, part in groups(scored, within_cols):
        for group, x in _type_values(part, value, by).items():
            q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75]) if len(x) else (np.nan,) * 3
            rows.append({**key, by: group, "n": len(x), "median": median, "q1": q1, "q3": q3,
                         "in_test": len(x) >= MIN_GROUP_N,
                         "note": None if len(x) >= MIN_GROUP_N else NOT_ENOUGH_DATA})
    return tidy(rows, [*within_cols, by, *GROUP_COLUMNS])


def compare_types(scored: pd.DataFrame, value: str = "overall_pct", within: str | None = None,
                  by: str = "lao_type") -> pd.DataFrame:
    """Kruskal–Wallis H test of `value` across types, one row per `within` group.

    Columns: *within, n (LAOs in the test), k_groups, excluded_groups ('pao (n=1); …' for
    groups with n < 2, '' if none), statistic (H, tie-corrected as R kruskal.test), df, p_value,
    epsilon_sq, note. epsilon² = H / ((n² − 1)/(n + 1)) (Tomczak & Tomczak 2014, Trends Sport
    Sci 21(1):19–25), which scipy lacks. Per-type n and medians: `type_groups`.
    """
    within_cols = as_list(within)
    rows = []
    for key, part in groups(scored, within_cols):
        rows.append({**key, **_kruskal(_type_values(part, value, by))})
    return tidy(rows, [*within_cols, *TEST_COLUMNS])


def _kruskal(samples: dict[str, np.ndarray]) -> dict:
    tested = {g: x for g, x in samples.items() if len(x) >= MIN_GROUP_N}
    excluded = "; ".join(f"{g} (n={len(x)})" for g, x in samples.items() if len(x) < MIN_GROUP_N)
    n = sum(len(x) for x in tested.values())
    row = {"n": n, "k_groups": len(tested), "excluded_groups": excluded}
    if len(tested) < 2:
        return {**row, "note": SINGLE_GROUP if tested else NOT_ENOUGH_DATA}
    pooled = np.concatenate(list(tested.values()))
    if np.ptp(pooled) == 0:  # H is 0/0: every rank is tied
        return {**row, "df": len(tested) - 1, "note": NO_VARIATION}
    h, p = st.kruskal(*tested.values())
    return {**row, "statistic": h, "df": len(tested) - 1, "p_value": p,
            "epsilon_sq": h / ((n**2 - 1) / (n + 1)), "note": None}


def pairwise_types(scored: pd.DataFrame, value: str = "overall_pct", within: str | None = None,
                   by: str = "lao_type") -> pd.DataFrame:
    """Post-hoc: Mann–Whitney U for every pair of types, Holm-adjusted within each `within` group.

    Columns: *within, group_a, group_b, n_a, n_b, median_a, median_b, u_statistic (U of
    group_a, = R's W for wilcox.test(a, b)), p_value, p_holm, rank_biserial, note.
    p is the normal approximation with tie and continuity correction, as R
    wilcox.test(a, b, exact=FALSE, correct=TRUE) (the same method for every group size).
    rank_biserial = 2·U_a/(n_a·n_b) − 1 = 1 − 2·U_b/(n_a·n_b) (hand-written; scipy lacks it):
    positive when group_a tends to score higher, in −1…1.
    The Holm family is the pairs whose groups both have n ≥ 2; other pairs get a note.
    """
    within_cols = as_list(within)
    rows = []
    for key, part in groups(scored, within_cols):
        pairs = [{**key, **_mann_whitney(a, xa, b, xb)}
                 for (a, xa), (b, xb) in combinations(_type_values(part, value, by).items(), 2)]
        tested = [r for r in pairs if r["note"] is None]
        if tested:
            for r, p in zip(tested, holm([r["p_value"] for r in tested]), strict=True):
                r["p_holm"] = p
        rows.extend(pairs)
    return tidy(rows, [*within_cols, *PAIR_COLUMNS])


def _mann_whitney(a: str, xa: np.ndarray, b: str, xb: np.ndarray) -> dict:
    row = {"group_a": a, "group_b": b, "n_a": len(xa), "n_b": len(xb),
           "median_a": np.median(xa) if len(xa) else np.nan,
           "median_b": np.median(xb) if len(xb) else np.nan}
    if min(len(xa), len(xb)) < MIN_GROUP_N:
        return {**row, "note": NOT_ENOUGH_DATA}
    if np.ptp(np.concatenate([xa, xb])) == 0:
        return {**row, "note": NO_VARIATION}
    u, p = st.mannwhitneyu(xa, xb, use_continuity=True, alternative="two-sided",
                           method="asymptotic")
    return {**row, "u_statistic": u, "p_value": p,
            "rank_biserial": 2 * u / (len(xa) * len(xb)) - 1, "note": None}
