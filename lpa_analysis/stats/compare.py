"""Comparisons across LAO types: Kruskal–Wallis with epsilon², pairwise Mann–Whitney (Holm).

`within=None` compares types nationally; `within='province_code'` runs one test per province.
Only types with at least `min_n` LAOs (settings.MIN_GROUP_N) are tested: smaller ones are still
listed ('not_enough_data' in `type_groups`, named in `excluded_groups`) but take part in no test,
pairwise ones included. A test runs whenever at least 2 types remain; with exactly 2 it is a
two-group comparison, and its p equals that of the one pairwise Mann–Whitney test (H = z²).
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

TEST_COLUMNS = ["n", "k_groups", "tested_groups", "excluded_groups", "min_group_n", "statistic",
                "df", "p_value", "epsilon_sq", "note"]
GROUP_COLUMNS = ["n", "median", "q1", "q3", "in_test", "note"]
PAIR_COLUMNS = ["group_a", "group_b", "n_a", "n_b", "median_a", "median_b", "u_statistic",
                "p_value", "p_holm", "rank_biserial", "note"]


def _type_values(part: pd.DataFrame, value: str, by: str) -> dict[str, np.ndarray]:
    """{type: non-missing values} in display order (schema.LAO_TYPE_ORDER for lao_type)."""
    return {key[by]: values(rows, value) for key, rows in groups(part, [by])}


def type_groups(scored: pd.DataFrame, value: str = "overall_pct", within: str | None = None,
                by: str = "lao_type", min_n: int = MIN_GROUP_N) -> pd.DataFrame:
    """Per type (within each `within` group): n, median, quartiles, whether it is in the test
    (n ≥ min_n; otherwise note 'not_enough_data').

    Columns: *within, lao_type (or `by`), n, median, q1, q3, in_test, note.
    """
    within_cols = as_list(within)
    rows = []
    for key, part in groups(scored, within_cols):
        for group, x in _type_values(part, value, by).items():
            q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75]) if len(x) else (np.nan,) * 3
            rows.append({**key, by: group, "n": len(x), "median": median, "q1": q1, "q3": q3,
                         "in_test": len(x) >= min_n,
                         "note": None if len(x) >= min_n else NOT_ENOUGH_DATA})
    return tidy(rows, [*within_cols, by, *GROUP_COLUMNS])


def compare_types(scored: pd.DataFrame, value: str = "overall_pct", within: str | None = None,
                  by: str = "lao_type", min_n: int = MIN_GROUP_N) -> pd.DataFrame:
    """Kruskal–Wallis H test of `value` across the types with at least `min_n` LAOs, one row
    per `within` group.

    Columns: *within, n (LAOs in the test), k_groups (types in the test; 2 = a two-group
    comparison), tested_groups ('subdistrict_municipality (n=25); sao (n=57)'),
    excluded_groups ('pao (n=1); …' for types with n < min_n, '' if none), min_group_n,
    statistic (H, tie-corrected as R kruskal.test), df, p_value, epsilon_sq, note.
    epsilon² = H / ((n² − 1)/(n + 1)) (Tomczak & Tomczak 2014, Trends Sport Sci 21(1):19–25),
    which scipy lacks. Per-type n and medians: `type_groups`.
    """
    within_cols = as_list(within)
    rows = []
    for key, part in groups(scored, within_cols):
        rows.append({**key, **_kruskal(_type_values(part, value, by), min_n)})
    return tidy(rows, [*within_cols, *TEST_COLUMNS])


def _listed(samples: dict[str, np.ndarray]) -> str:
    return "; ".join(f"{g} (n={len(x)})" for g, x in samples.items())


def _kruskal(samples: dict[str, np.ndarray], min_n: int) -> dict:
    tested = {g: x for g, x in samples.items() if len(x) >= min_n}
    excluded = {g: x for g, x in samples.items() if len(x) < min_n}
    n = sum(len(x) for x in tested.values())
    row = {"n": n, "k_groups": len(tested), "tested_groups": _listed(tested),
           "excluded_groups": _listed(excluded), "min_group_n": min_n}
    if len(tested) < 2:
        return {**row, "note": SINGLE_GROUP if tested else NOT_ENOUGH_DATA}
    pooled = np.concatenate(list(tested.values()))
    if np.ptp(pooled) == 0:  # H is 0/0: every rank is tied
        return {**row, "df": len(tested) - 1, "note": NO_VARIATION}
    h, p = st.kruskal(*tested.values())
    return {**row, "statistic": h, "df": len(tested) - 1, "p_value": p,
            "epsilon_sq": h / ((n**2 - 1) / (n + 1)), "note": None}


def pairwise_types(scored: pd.DataFrame, value: str = "overall_pct", within: str | None = None,
                   by: str = "lao_type", min_n: int = MIN_GROUP_N) -> pd.DataFrame:
    """Post-hoc: Mann–Whitney U for every pair of types, Holm-adjusted within each `within` group.

    Columns: *within, group_a, group_b, n_a, n_b, median_a, median_b, u_statistic (U of
    group_a, = R's W for wilcox.test(a, b)), p_value, p_holm, rank_biserial, note.
    p is the normal approximation with tie correction and no continuity correction, as R
    wilcox.test(a, b, exact=FALSE, correct=FALSE): the approximation Kruskal–Wallis uses, so that
    when only two types are tested the pair's p is the test's p rather than a second, slightly
    different one. rank_biserial = 2·U_a/(n_a·n_b) − 1 = 1 − 2·U_b/(n_a·n_b) (hand-written; scipy
    lacks it): positive when group_a tends to score higher, in −1…1.
    The Holm family is the pairs of tested types (both n ≥ min_n); other pairs are listed with
    'not_enough_data' and no test.
    """
    within_cols = as_list(within)
    rows = []
    for key, part in groups(scored, within_cols):
        pairs = [{**key, **_mann_whitney(a, xa, b, xb, min_n)}
                 for (a, xa), (b, xb) in combinations(_type_values(part, value, by).items(), 2)]
        tested = [r for r in pairs if r["note"] is None]
        if tested:
            for r, p in zip(tested, holm([r["p_value"] for r in tested]), strict=True):
                r["p_holm"] = p
        rows.extend(pairs)
    return tidy(rows, [*within_cols, *PAIR_COLUMNS])


def _mann_whitney(a: str, xa: np.ndarray, b: str, xb: np.ndarray, min_n: int) -> dict:
    row = {"group_a": a, "group_b": b, "n_a": len(xa), "n_b": len(xb),
           "median_a": np.median(xa) if len(xa) else np.nan,
           "median_b": np.median(xb) if len(xb) else np.nan}
    if min(len(xa), len(xb)) < min_n:
        return {**row, "note": NOT_ENOUGH_DATA}
    if np.ptp(np.concatenate([xa, xb])) == 0:
        return {**row, "note": NO_VARIATION}
    u, p = st.mannwhitneyu(xa, xb, use_continuity=False, alternative="two-sided",
                           method="asymptotic")
    return {**row, "u_statistic": u, "p_value": p,
            "rank_biserial": 2 * u / (len(xa) * len(xb)) - 1, "note": None}


def type_table(scored: pd.DataFrame, value: str = "overall_pct",
               min_n: int = MIN_GROUP_N) -> pd.DataFrame:
    """The reports' table of types: `type_groups` (one row per type, whether it is tested and
    why not) with the one `compare_types` test beside every row, so that a sentence about the
    test quotes only this table.

    Columns: lao_type, n, median, q1, q3, in_test, note, statistic, df, p_value, epsilon_sq,
    n_test (LAOs in the test), k_groups (types in the test), min_group_n, test_note.
    """
    test = compare_types(scored, value, min_n=min_n).iloc[0]
    return type_groups(scored, value, min_n=min_n).assign(
        statistic=test["statistic"], df=test["df"], p_value=test["p_value"],
        epsilon_sq=test["epsilon_sq"], n_test=int(test["n"]), k_groups=int(test["k_groups"]),
        min_group_n=min_n, test_note=test["note"])
