"""Indicator gaps: where a province's LAOs attain less than the rest of the country.

The test. Null hypothesis: on this indicator the province's LAOs score like LAOs drawn at random
from the whole country. The test statistic is the province's total attainment T (equivalently
its mean, or the difference from the rest of the country, which is a fixed multiple of T − E
given the national total); its null distribution is computed exactly as the sum of n draws
from the attainment values of all N LAOs the indicator applies to — the n-fold convolution of
their distribution over the indicator's levels. p: twice the smaller tail, P(T ≤ t) or
P(T ≥ t). Why: attainment takes a handful of levels (0, 0.2, …, 1) and many LAOs share the top
one, so a province's few LAOs are often all equal. A Welch t test then sees a variance of zero
and turned 2 LAOs at 0.8 into t = −19, p = 1e-53; the exact distribution needs no variance
estimate, no normality, and is exact for ties and for five LAOs alike. (Mann–Whitney or
Brunner–Munzel would test another quantity than the difference in means the table shows, and
Brunner–Munzel's variance collapses on a constant province as Welch's does.)

Drawing with replacement rather than permuting (drawing without) makes the computation cheap
for every province (exact permutation distributions cost ~n³ per indicator: 12 s for all
provinces up to 170 LAOs on the national demo) and the test slightly conservative: its variance
is (N − 1)/(N − n) times the permutation variance, at most 1.06 on the national demo, where its
p-values were 1–13 % above the exact permutation p between 0.001 and 0.1 (up to 21 % below
0.001, never below it) for 50–170 LAOs. The normal approximation of the permutation
distribution, the usual shortcut, was off by up to 3× for ceiling-heavy indicators.

CI of the difference: the test inverted under a shift of the province's level — the δ for
which the province's total minus δ/k (k: the difference per unit of total) stays in the
acceptance region, taken to halfway to the first rejected total. It excludes 0 exactly when
p < ALPHA. An indicator whose values are not on a grid of 1/LATTICE_MAX steps (never in a real
framework) gets the normal approximation of the same null instead (p_method 'normal').
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.settings import ALPHA, MIN_LAOS_FOR_INDICATOR_TEST
from lpa_analysis.stats._common import ALL_NOT_APPLICABLE, NO_VARIATION, NOT_ENOUGH_DATA, PILOT

GAP_COLUMNS = ["indicator_id", "dimension", "n_province", "attainment_province", "n_rest",
               "attainment_rest", "difference", "ci_low", "ci_high", "statistic", "p_value",
               "q_value", "p_method", "note"]
TESTED_COLUMNS = ["ci_low", "ci_high", "statistic", "p_value"]
# Levels are points / max_points; a grid finer than 1/LATTICE_MAX gets the normal approximation.
LATTICE_MAX = 120
EXACT, NORMAL = "exact", "normal"
# Probabilities below this are dropped: subnormal floats (< 2e-308) would slow the arithmetic
# 100-fold.
TINY = 1e-250


def indicator_gaps(indicator_scores: pd.DataFrame, province_code: str, *,
                   min_laos: int = MIN_LAOS_FOR_INDICATOR_TEST) -> pd.DataFrame:
    """Per indicator: mean attainment (0–1) in the province vs the rest of the country.

    Columns: indicator_id, dimension, n_province, attainment_province, n_rest,
    attainment_rest, difference (province − rest), ci_low, ci_high, statistic, p_value,
    q_value, p_method, note. n counts LAOs to which the indicator applies. Attainment is the
    processed table's (scoring's rule: an unverified indicator attains 0; N/A is left out).
    Test, p and CI: the module docstring. statistic: (T − E) / SD of T under the null (z).
    p_method: 'exact' (or 'normal' for values off any level grid).
    q_value: Benjamini–Hochberg FDR over the indicators tested for this province.
    Order: the weakest (most negative difference) first; untested indicators last, with a note:
    'pilot' (not counted in scores), 'all_not_applicable' (no applicable LAO in the province),
    'not_enough_data' (fewer than `min_laos` LAOs on a side: described, not tested),
    'no_variation' (each side all identical).
    """
    return _gaps(indicator_scores, [str(province_code)], min_laos).drop(columns="province_code")


def indicator_gaps_all(indicator_scores: pd.DataFrame,
                       provinces: Sequence[str] | None = None, *,
                       min_laos: int = MIN_LAOS_FOR_INDICATOR_TEST) -> pd.DataFrame:
    """`indicator_gaps` for many provinces at once (a report run needs all 76; one call costs
    about as much as one `indicator_gaps`): province_code, then the same columns and, within a
    province, the same rows in the same order. `provinces`: default every province in the
    data, in code order; one without data gets its 'all_not_applicable' rows."""
    if provinces is None:
        provinces = sorted(indicator_scores["province_code"].dropna().astype(str).unique())
    return _gaps(indicator_scores, [str(p) for p in provinces], min_laos)


def _gaps(scores: pd.DataFrame, provinces: Sequence[str], min_laos: int) -> pd.DataFrame:
    """Tests for each (province, indicator) from per-cell sums: the rest of the country is the
    national total minus the province."""
    # Integer codes once (lookups on 1.6 M Arrow strings are the slow part).
    ind, indicator_ids = pd.factorize(scores["indicator_id"], sort=True)
    first = np.flatnonzero(~pd.Series(ind).duplicated().to_numpy())
    dimension = pd.Series(scores["dimension"].to_numpy()[first], index=ind[first]).sort_index()
    pilot = np.bincount(ind, weights=scores["pilot"].astype(bool).to_numpy(),
                        minlength=len(indicator_ids)) > 0
    prov, province_values = pd.factorize(scores["province_code"])
    wanted = pd.Index(provinces).get_indexer(pd.Index(province_values).astype(str))
    prov = np.where(prov >= 0, wanted[prov], -1)

    cells = _cell_sums(scores, ind, prov, (len(provinces), len(indicator_ids)))
    note = _untested_note(cells, min_laos)
    tested = note == ""
    out = pd.DataFrame({
        "province_code": np.repeat(np.asarray(provinces, dtype=object), len(indicator_ids)),
        "indicator_id": np.tile(np.asarray(indicator_ids), len(provinces)),
        "dimension": np.tile(dimension.to_numpy(), len(provinces))})
    out = out.assign(**_describe(cells), **_sample_test(cells, tested),
                     note=np.where(tested, None, note))
    pilot = np.tile(pilot, len(provinces))
    out.loc[pilot, ["n_province", "attainment_province", "n_rest", "attainment_rest",
                    "difference", *TESTED_COLUMNS, "p_method"]] = np.nan
    out.loc[pilot, "note"] = PILOT
    out["q_value"] = _bh_by_province(out)
    for column in ("n_province", "n_rest"):
        out[column] = out[column].astype("Int64")
    for column in ("p_method", "note"):
        out[column] = out[column].astype("object").where(out[column].notna(), None)
    return (out.assign(untested=out["note"].notna())
            .sort_values(["province_code", "untested", "difference", "indicator_id"],
                         na_position="last", kind="stable")
            .drop(columns="untested").reset_index(drop=True)[["province_code", *GAP_COLUMNS]])


def _cell_sums(scores: pd.DataFrame, ind: np.ndarray, prov: np.ndarray,
               shape: tuple[int, int]) -> dict:
    """Arrays of `shape` (province, indicator): n, mean, the province's total minus n × the
    national mean, and its total in level steps above the lowest level (exact integers) for the
    province, whether each side is constant; and per indicator: N, the population variance, the
    level grid `steps` (steps per 1.0 of attainment, NaN: none) and how many LAOs score each
    number of steps above the indicator's lowest level.
    `ind`, `prov`: each row's position (−1: a province not asked for, counted in the rest
    only). Values are centred on the national indicator mean before summing, so the sums lose
    no precision."""
    n_ind = shape[1]
    attainment = pd.to_numeric(scores["attainment"], errors="coerce").to_numpy(dtype=float)
    valid = ~scores["not_applicable"].astype(bool).to_numpy() & ~np.isnan(attainment)
    x, ind, prov = attainment[valid], ind[valid], prov[valid]

    n_total = np.bincount(ind, minlength=n_ind).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.bincount(ind, weights=x, minlength=n_ind) / n_total
    d = x - centre[ind]
    inside = prov >= 0
    key = prov[inside] * n_ind + ind[inside]

    def by_cell(weights=None):
        return np.bincount(key, weights=weights, minlength=shape[0] * n_ind).reshape(shape)

    levels = _level_counts(x, ind, key, inside, shape)
    present = levels["national"] > 0
    lowest = np.where(present, levels["values"], np.inf).min(axis=1, initial=np.inf)
    above = np.where(present, levels["values"] - lowest[:, None], 0.0)
    steps, units = _lattice(above)
    n_p, s1_p = by_cell().astype(float), by_cell(d[inside])
    n_r = n_total - n_p
    s1_r = np.bincount(ind, weights=d, minlength=n_ind) - s1_p
    top = int(units.max(initial=0)) + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"n_p": n_p, "mean_p": centre + s1_p / n_p,
                "const_p": (levels["local"] > 0).sum(axis=2) == 1,
                "n_r": n_r, "mean_r": centre + s1_r / n_r,
                "const_r": (levels["national"] - levels["local"] > 0).sum(axis=2) == 1,
                "sum_dev_p": s1_p, "units_p": np.einsum("pil,il->pi", levels["local"], units),
                "n_total": n_total,
                "variance": np.bincount(ind, weights=d ** 2, minlength=n_ind) / n_total,
                "steps": steps,
                "level_counts": np.bincount(
                    (np.arange(n_ind)[:, None] * top + units).ravel(),
                    weights=levels["national"].ravel(), minlength=n_ind * top,
                ).reshape(n_ind, top).astype(np.int64)}


def _level_counts(x: np.ndarray, ind: np.ndarray, key: np.ndarray, inside: np.ndarray,
                  shape: tuple[int, int]) -> dict:
    """The distinct attainment values (`values`), and how many LAOs have each: per indicator
    (`national`) and per (province, indicator) (`local`)."""
    level, values = pd.factorize(x)
    n_levels = len(values)
    national = np.bincount(ind * n_levels + level, minlength=shape[1] * n_levels)
    local = np.bincount(key * n_levels + level[inside], minlength=shape[0] * shape[1] * n_levels)
    return {"values": np.asarray(values, dtype=float),
            "national": national.reshape(shape[1], n_levels),
            "local": local.reshape(*shape, n_levels)}


def _lattice(above: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The grid on which each indicator's values lie: (steps, units) such that value = lowest
    + units / steps with units whole numbers sharing no common factor, so a province's total
    moves in steps of 1/steps (5 for levels 0, 0.2, …, 1; 2 for 0, 0.5, 1; 2.5 for 0.6, 1).
    Found among denominators up to LATTICE_MAX; steps NaN (units 0) when none fits.
    `above`: [indicator, value] the value minus the indicator's lowest (0 where absent)."""
    q = np.full(len(above), np.nan)
    for denominator in range(LATTICE_MAX, 0, -1):  # the smallest that fits wins
        scaled = above * denominator
        q[(np.abs(scaled - np.rint(scaled)) < 1e-9).all(axis=1)] = denominator
    units = np.rint(above * np.nan_to_num(q)[:, None]).astype(np.int64)
    common = np.maximum(np.gcd.reduce(units, axis=1), 1)
    return q / common, units // common[:, None]


def _untested_note(cells: dict, min_laos: int) -> np.ndarray:
    """Per cell (flattened) why it is not tested; '' when it is."""
    n_p, n_r = cells["n_p"].ravel(), cells["n_r"].ravel()
    return np.select([n_p == 0, np.minimum(n_p, n_r) < max(min_laos, 1),
                      (cells["const_p"] & cells["const_r"]).ravel()],
                     [ALL_NOT_APPLICABLE, NOT_ENOUGH_DATA, NO_VARIATION], default="")


def _describe(cells: dict) -> dict:
    n_p, n_r = cells["n_p"].ravel(), cells["n_r"].ravel()
    mean_p, mean_r = cells["mean_p"].ravel(), cells["mean_r"].ravel()
    return {"n_province": n_p, "attainment_province": np.where(n_p > 0, mean_p, np.nan),
            "n_rest": n_r, "attainment_rest": np.where(n_r > 0, mean_r, np.nan),
            "difference": np.where(n_p > 0, mean_p - mean_r, np.nan)}


def _sample_test(cells: dict, tested: np.ndarray) -> dict:
    """p, CI and z of each tested cell (flattened), as the module docstring says.

    In the province's total attainment T: under the null E = n·μ and SD = √n·σ (μ, σ²: mean
    and population variance of the N LAOs), and the difference province − rest is k·(T − E)
    with k = N / (n·(N − n)). Each cell gets P(T ≤ t), P(T ≥ t) and the acceptance bounds
    [a_lo, a_hi] of T − E at ALPHA; the CI is [difference − k·a_hi, difference − k·a_lo]."""
    n_ind = cells["n_total"].shape[0]
    column = np.tile(np.arange(n_ind), len(tested) // max(n_ind, 1))
    n, big_n = cells["n_p"].ravel(), cells["n_total"][column]
    excess = cells["sum_dev_p"].ravel()  # T − E: the province's deviations from μ, summed
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(n * cells["variance"][column])
        statistic = excess / sd
        k = big_n / (n * (big_n - n))
        z = st.norm.ppf(1 - ALPHA / 2)
        tails = [st.norm.cdf(statistic), st.norm.sf(statistic), -z * sd, z * sd]
    exact = tested & ~np.isnan(cells["steps"][column])
    if exact.any():
        for normal, exact_value in zip(tails, _exact_tails(cells, column, exact)):
            normal[exact] = exact_value
    at_most, at_least, accept_lo, accept_hi = tails
    difference = (cells["mean_p"] - cells["mean_r"]).ravel()
    with np.errstate(invalid="ignore"):  # untested cells: NaN, inf
        return {"ci_low": np.where(tested, difference - k * accept_hi, np.nan),
                "ci_high": np.where(tested, difference - k * accept_lo, np.nan),
                "statistic": np.where(tested, statistic, np.nan),
                "p_value": np.where(tested, np.minimum(1.0, 2 * np.minimum(at_most, at_least)),
                                    np.nan),
                "p_method": np.where(tested, np.where(exact, EXACT, NORMAL), None)}


def _exact_tails(cells: dict, column: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """P(T ≤ t), P(T ≥ t) and the acceptance bounds of T − E (rows) of the cells marked
    `exact`. Indicators with the same number of level steps go together (a fine grid would
    widen every table): one distribution table per indicator, stepped up through sums of
    j = 1, 2, … draws, each cell read off at its own n."""
    cell = np.flatnonzero(exact)
    indicator = column[cell]
    counts = cells["level_counts"]
    top = np.array([len(np.trim_zeros(row, "b")) - 1 for row in counts])
    out = np.empty((4, len(cell)))
    for steps_up in np.unique(top[indicator]):
        mine = top[indicator] == steps_up
        out[:, mine] = _sum_tails(cells, counts[:, :steps_up + 1], indicator[mine], cell[mine])
    return out


def _sum_tails(cells: dict, counts: np.ndarray, indicator: np.ndarray,
               cell: np.ndarray) -> np.ndarray:
    """`_exact_tails` for indicators whose levels take 0 … counts.shape[1] − 1 steps. Rows go
    by the largest n needed, so that at step j only the indicators still needed are stepped."""
    n = cells["n_p"].ravel()[cell].astype(np.int64)
    observed = np.rint(cells["units_p"].ravel()[cell]).astype(np.int64)
    wanted = np.unique(indicator)
    largest = np.zeros(len(counts), dtype=np.int64)
    np.maximum.at(largest, indicator, n)
    wanted = wanted[np.argsort(-largest[wanted], kind="stable")]
    row = np.empty(len(counts), dtype=np.int64)
    row[wanted] = np.arange(len(wanted))
    pmf = counts[wanted] / counts[wanted].sum(axis=1, keepdims=True)
    mean_steps = pmf @ np.arange(pmf.shape[1])
    top = pmf.shape[1] - 1
    dist = np.zeros((len(wanted), top * int(n.max()) + 1))
    dist[:, 0] = 1.0
    out = np.empty((4, len(cell)))
    before, term = np.empty_like(dist), np.empty_like(dist)
    for j in range(1, int(n.max()) + 1):
        active, width = int(np.sum(largest[wanted] >= j)), top * j + 1
        np.copyto(before[:active, :width], dist[:active, :width])
        stepped = dist[:active, :width]
        stepped *= pmf[:active, :1]
        for v in range(1, top + 1):
            scratch = term[:active, :width - v]
            np.multiply(pmf[:active, v:v + 1], before[:active, :width - v], out=scratch)
            stepped[:, v:] += scratch
        if j % 4 == 0:  # a step shrinks a value by 1/N at most: 4 steps from TINY stay normal
            stepped[stepped < TINY] = 0.0
        now = np.flatnonzero(n == j)
        if len(now):
            tails = _read_tails(stepped[row[indicator[now]]], observed[now])
            tails[2:] = (tails[2:] - j * mean_steps[row[indicator[now]]]) \
                / cells["steps"][indicator[now]]
            out[:, now] = tails
    return out


def _read_tails(rows: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """For distributions `rows` (of totals 0, 1, … steps) and observed totals: P(T ≤ t),
    P(T ≥ t), and the acceptance bounds low − ½ and high + ½, where low is the smallest total
    with P(T ≤ low) > α/2 and high the largest with P(T ≥ high) > α/2."""
    at_most = np.cumsum(rows, axis=1)
    at_least = np.cumsum(rows[:, ::-1], axis=1)[:, ::-1]
    picked = np.arange(len(rows)), observed
    low = np.argmax(at_most > ALPHA / 2, axis=1)
    high = rows.shape[1] - 1 - np.argmax(at_least[:, ::-1] > ALPHA / 2, axis=1)
    return np.array([at_most[picked], at_least[picked], low - 0.5, high + 0.5])


def _bh_by_province(gaps: pd.DataFrame) -> pd.Series:
    """Benjamini–Hochberg q over the tested indicators of each province."""
    q = pd.Series(np.nan, index=gaps.index)
    tested = gaps[gaps["note"].isna()]
    for _, p in tested.groupby("province_code", sort=False)["p_value"]:
        q[p.index] = st.false_discovery_control(p.to_numpy(), method="bh")
    return q
