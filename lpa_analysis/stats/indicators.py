"""Indicator gaps: where a province's LAOs attain less than the rest of the country."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as st
from statsmodels.stats.multitest import multipletests

from lpa_analysis.settings import ALPHA
from lpa_analysis.stats._common import ALL_NOT_APPLICABLE, NO_VARIATION, NOT_ENOUGH_DATA, PILOT

GAP_COLUMNS = ["indicator_id", "dimension", "n_province", "attainment_province", "n_rest",
               "attainment_rest", "difference", "ci_low", "ci_high", "statistic", "df",
               "p_value", "q_value", "note"]
TESTED_COLUMNS = ["ci_low", "ci_high", "statistic", "df", "p_value"]


def indicator_gaps(indicator_scores: pd.DataFrame, province_code: str) -> pd.DataFrame:
    """Per indicator: mean attainment (0–1) in the province vs the rest of the country.

    Columns: indicator_id, dimension, n_province, attainment_province, n_rest,
    attainment_rest, difference (province − rest), ci_low, ci_high, statistic, df, p_value,
    q_value, note. n counts LAOs to which the indicator applies. The difference, its 95 % CI
    and p come from one Welch two-sample t test (as scipy ttest_ind(equal_var=False) and R
    t.test(var.equal=FALSE)): attainment is a bounded score with few levels, and with these
    group sizes the t approximation suits the difference in means that the CI is about.
    q_value: Benjamini–Hochberg FDR over the indicators tested for this province.
    Order: the weakest (most negative difference) first; excluded indicators last, with a note:
    'pilot' (not counted in scores), 'all_not_applicable' (no applicable LAO in the province),
    'not_enough_data' (fewer than 2 LAOs on a side), 'no_variation' (every LAO identical).
    """
    return _gaps(indicator_scores, [str(province_code)]).drop(columns="province_code")


def indicator_gaps_all(indicator_scores: pd.DataFrame,
                       provinces: Sequence[str] | None = None) -> pd.DataFrame:
    """`indicator_gaps` for many provinces at once (a report run needs all 76; one call costs
    about as much as one `indicator_gaps`): province_code, then the same columns and, within a
    province, the same rows in the same order. `provinces`: default every province in the
    data, in code order; one without data gets its 'all_not_applicable' rows."""
    if provinces is None:
        provinces = sorted(indicator_scores["province_code"].dropna().astype(str).unique())
    return _gaps(indicator_scores, [str(p) for p in provinces])


def _gaps(scores: pd.DataFrame, provinces: Sequence[str]) -> pd.DataFrame:
    """Welch tests for each (province, indicator) from per-cell n, Σx and Σx² of attainment:
    the rest of the country is the national total minus the province."""
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
    out = pd.DataFrame({
        "province_code": np.repeat(np.asarray(provinces, dtype=object), len(indicator_ids)),
        "indicator_id": np.tile(np.asarray(indicator_ids), len(provinces)),
        "dimension": np.tile(dimension.to_numpy(), len(provinces))})
    out = out.assign(**_welch(**cells))
    pilot = np.tile(pilot, len(provinces))
    out.loc[pilot, ["n_province", "attainment_province", "n_rest", "attainment_rest",
                    "difference", *TESTED_COLUMNS]] = np.nan
    out.loc[pilot, "note"] = PILOT
    out["q_value"] = _bh_by_province(out)
    for column in ("n_province", "n_rest"):
        out[column] = out[column].astype("Int64")
    out["note"] = out["note"].astype("object").where(out["note"].notna(), None)
    return (out.assign(untested=out["note"].notna())
            .sort_values(["province_code", "untested", "difference", "indicator_id"],
                         na_position="last", kind="stable")
            .drop(columns="untested").reset_index(drop=True)[["province_code", *GAP_COLUMNS]])


def _cell_sums(scores: pd.DataFrame, ind: np.ndarray, prov: np.ndarray,
               shape: tuple[int, int]) -> dict:
    """Arrays of `shape` (province, indicator): n, mean, and Σ(x − mean)² for the province and
    the rest, and whether each side is constant. `ind`, `prov`: each row's position (−1: a
    province not asked for, counted in the rest only). Values are centred on the national
    indicator mean before squaring, so the sums of squares lose no precision."""
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

    n_p, s1_p, s2_p = by_cell().astype(float), by_cell(d[inside]), by_cell(d[inside] ** 2)
    n_r = n_total - n_p
    s1_r = np.bincount(ind, weights=d, minlength=n_ind) - s1_p
    s2_r = np.bincount(ind, weights=d ** 2, minlength=n_ind) - s2_p
    distinct_p, distinct_r = _distinct_counts(x, ind, prov, shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"n_p": n_p, "mean_p": centre + s1_p / n_p,
                "ss_p": np.maximum(s2_p - s1_p ** 2 / n_p, 0), "const_p": distinct_p == 1,
                "n_r": n_r, "mean_r": centre + s1_r / n_r,
                "ss_r": np.maximum(s2_r - s1_r ** 2 / n_r, 0), "const_r": distinct_r == 1}


def _distinct_counts(x: np.ndarray, ind: np.ndarray, prov: np.ndarray,
                     shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """How many distinct values each (province, indicator) has, in the province and in the
    rest: exact 'all identical' tests (a variance from sums is only nearly zero)."""
    level = pd.factorize(x)[0].astype(np.int64)
    n_levels = int(level.max()) + 1 if len(level) else 1
    national, national_count = np.unique(ind * n_levels + level, return_counts=True)
    inside = prov >= 0
    cell = prov[inside].astype(np.int64) * shape[1] + ind[inside]
    local, local_count = np.unique(cell * n_levels + level[inside], return_counts=True)
    local_cell, local_value = np.divmod(local, n_levels)
    local_national = (local_cell % shape[1]) * n_levels + local_value
    # A level the province holds every instance of is absent from the rest.
    exhausted = local_count == national_count[np.searchsorted(national, local_national)]
    size = shape[0] * shape[1]
    distinct_p = np.bincount(local_cell, minlength=size).reshape(shape)
    distinct_national = np.bincount(national // n_levels, minlength=shape[1])
    distinct_r = distinct_national - np.bincount(local_cell, weights=exhausted,
                                                 minlength=size).reshape(shape)
    return distinct_p, distinct_r


def _welch(n_p, mean_p, ss_p, const_p, n_r, mean_r, ss_r, const_r) -> dict:
    """Welch's t test from summary statistics, with the notes of untestable cells."""
    n_p, n_r, mean_p, mean_r = (a.ravel() for a in (n_p, n_r, mean_p, mean_r))
    const_p, const_r = const_p.ravel(), const_r.ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        # A constant side has variance exactly 0 (the sums leave ~1e-17).
        var_p = np.where(const_p, 0.0, ss_p.ravel() / (n_p - 1)) / n_p
        var_r = np.where(const_r, 0.0, ss_r.ravel() / (n_r - 1)) / n_r
        se = np.sqrt(var_p + var_r)
        difference = mean_p - mean_r
        statistic = difference / se
        df = (var_p + var_r) ** 2 / (var_p ** 2 / (n_p - 1) + var_r ** 2 / (n_r - 1))
    note = np.select([n_p == 0, np.minimum(n_p, n_r) < 2, const_p & const_r],
                     [ALL_NOT_APPLICABLE, NOT_ENOUGH_DATA, NO_VARIATION], default="")
    tested = note == ""
    margin = np.full(len(note), np.nan)
    p_value = np.full(len(note), np.nan)
    margin[tested] = st.t.ppf(1 - ALPHA / 2, df[tested]) * se[tested]
    p_value[tested] = 2 * st.t.sf(np.abs(statistic[tested]), df[tested])
    return {"n_province": n_p, "attainment_province": np.where(n_p > 0, mean_p, np.nan),
            "n_rest": n_r, "attainment_rest": np.where(n_r > 0, mean_r, np.nan),
            "difference": np.where(n_p > 0, difference, np.nan),
            "ci_low": difference - margin, "ci_high": difference + margin,
            "statistic": np.where(tested, statistic, np.nan),
            "df": np.where(tested, df, np.nan), "p_value": p_value,
            "note": np.where(tested, None, note)}


def _bh_by_province(gaps: pd.DataFrame) -> pd.Series:
    """Benjamini–Hochberg q over the tested indicators of each province."""
    q = pd.Series(np.nan, index=gaps.index)
    tested = gaps[gaps["note"].isna()]
    for _, p in tested.groupby("province_code", sort=False)["p_value"]:
        q[p.index] = multipletests(p.to_numpy(), method="fdr_bh")[1]
    return q
