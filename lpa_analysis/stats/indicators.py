"""Indicator gaps: where a province's LAOs attain less than the rest of the country."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as st
from statsmodels.stats.multitest import multipletests

from lpa_analysis.stats._common import (
    ALL_NOT_APPLICABLE, NO_VARIATION, NOT_ENOUGH_DATA, PILOT, tidy, values,
)

GAP_COLUMNS = ["indicator_id", "dimension", "n_province", "attainment_province", "n_rest",
               "attainment_rest", "difference", "ci_low", "ci_high", "statistic", "df",
               "p_value", "q_value", "note"]


def indicator_gaps(indicator_scores: pd.DataFrame, province_code: str) -> pd.DataFrame:
    """Per indicator: mean attainment (0–1) in the province vs the rest of the country.

    Columns: indicator_id, dimension, n_province, attainment_province, n_rest,
    attainment_rest, difference (province − rest), ci_low, ci_high, statistic, df, p_value,
    q_value, note. n counts LAOs to which the indicator applies. The difference, its 95 % CI
    and p come from one Welch two-sample t test (scipy ttest_ind(equal_var=False), as R
    t.test(var.equal=FALSE)): attainment is a bounded score with few levels, and with these
    group sizes the t approximation suits the difference in means that the CI is about.
    q_value: Benjamini–Hochberg FDR over the indicators tested in this call.
    Order: the weakest (most negative difference) first; excluded indicators last, with a note:
    'pilot' (not counted in scores), 'all_not_applicable' (no applicable LAO in the province),
    'not_enough_data' (fewer than 2 LAOs on a side), 'no_variation' (every LAO identical).
    """
    in_province = indicator_scores["province_code"].astype(str) == str(province_code)
    rows = []
    for indicator_id, part in indicator_scores.groupby("indicator_id", sort=True):
        inside = in_province.loc[part.index]
        row = {"indicator_id": indicator_id, "dimension": part["dimension"].iloc[0]}
        if part["pilot"].astype(bool).any():
            rows.append({**row, "note": PILOT})
            continue
        applicable = part.loc[~part["not_applicable"].astype(bool)]
        rows.append({**row, **_welch(values(applicable.loc[inside], "attainment"),
                                     values(applicable.loc[~inside], "attainment"))})
    tested = [r for r in rows if r.get("note") is None]
    if tested:
        q = multipletests([r["p_value"] for r in tested], method="fdr_bh")[1]
        for r, q_value in zip(tested, q, strict=True):
            r["q_value"] = q_value
    out = tidy(rows, GAP_COLUMNS).assign(untested=lambda t: t["note"].notna())
    return (out.sort_values(["untested", "difference", "indicator_id"], na_position="last")
            .drop(columns="untested").reset_index(drop=True))


def _welch(x: np.ndarray, y: np.ndarray) -> dict:
    row = {"n_province": len(x), "attainment_province": np.mean(x) if len(x) else np.nan,
           "n_rest": len(y), "attainment_rest": np.mean(y) if len(y) else np.nan}
    if len(x) == 0:
        return {**row, "note": ALL_NOT_APPLICABLE}
    row["difference"] = row["attainment_province"] - row["attainment_rest"] if len(y) else np.nan
    if min(len(x), len(y)) < 2:
        return {**row, "note": NOT_ENOUGH_DATA}
    if np.ptp(x) == 0 and np.ptp(y) == 0:  # zero standard error: no t, no CI
        return {**row, "note": NO_VARIATION}
    with warnings.catch_warnings():  # one side all equal: scipy warns, the zero SD is exact
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        test = st.ttest_ind(x, y, equal_var=False)
    ci = test.confidence_interval(0.95)
    return {**row, "ci_low": ci.low, "ci_high": ci.high, "statistic": test.statistic,
            "df": test.df, "p_value": test.pvalue, "note": None}
