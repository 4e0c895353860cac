"""indicator_gaps against R (tests/references/indicators.R) and its exclusions;
indicator_gaps_all against one-province calls and scipy on the raw values."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp_stats
from statsmodels.stats.multitest import multipletests

from lpa_analysis.stats import indicator_gaps, indicator_gaps_all

REFS = Path(__file__).parent / "references"
NUMERIC = ["dimension", "n_province", "n_rest", "attainment_province", "attainment_rest",
           "difference", "ci_low", "ci_high", "statistic", "df", "p_value", "q_value"]


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return pd.read_csv(REFS / "stats_indicator_scores_2566.csv",
                       dtype={"lao_code": str, "province_code": str, "indicator_id": str})


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((REFS / "indicators.json").read_text())


@pytest.mark.parametrize("province", ["50", "90"])
def test_gaps_match_r_welch_and_bh(scores, reference, province):
    ours = indicator_gaps(scores, province)
    ref = pd.DataFrame(reference[province])
    merged = ref.merge(ours, on="indicator_id", suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(ref) == len(ours)
    for column in NUMERIC:
        np.testing.assert_allclose(merged[column].astype(float),
                                   merged[f"{column}_r"].astype(float),
                                   rtol=1e-9, atol=1e-12, err_msg=column)
    assert merged["note"].fillna("").tolist() == merged["note_r"].fillna("").tolist()


@pytest.mark.parametrize("province", ["50", "90"])
def test_weakest_first_and_exclusions_last(scores, province):
    ours = indicator_gaps(scores, province)
    tested = ours["note"].isna()
    assert tested.iloc[: tested.sum()].all()  # tested rows come first
    assert ours.loc[tested, "difference"].is_monotonic_increasing
    assert ours.set_index("indicator_id").loc["5.4", "note"] == "pilot"


def test_planted_hard_indicator_is_weakest_in_chiang_mai(scores):
    top = indicator_gaps(scores, "50").iloc[0]
    assert top["indicator_id"] == "4.1" and top["ci_high"] < 0 and top["q_value"] < 0.001
    assert indicator_gaps(scores, "50").set_index("indicator_id").loc["5.3", "note"] \
        == "all_not_applicable"


def test_unknown_province_identical_scores_and_one_lao(scores):
    nowhere = indicator_gaps(scores, "57")
    assert len(nowhere) == scores["indicator_id"].nunique()
    assert nowhere["note"].isin(["all_not_applicable", "pilot"]).all()
    same = indicator_gaps(scores.assign(attainment=1.0), "50")
    assert same["note"].isin(["no_variation", "all_not_applicable", "pilot"]).all()
    assert same["p_value"].isna().all()
    one_lao = scores.loc[(scores["province_code"] != "50")
                         | (scores["lao_code"] == scores.loc[scores["province_code"] == "50",
                                                             "lao_code"].iloc[0])]
    notes = indicator_gaps(one_lao, "50").set_index("indicator_id")["note"]
    assert notes.loc["1.1"] == "not_enough_data"
    assert indicator_gaps(scores.iloc[:0], "50").empty


@pytest.fixture(scope="module")
def edge_scores(scores) -> pd.DataFrame:
    """The fixture with every untestable case planted: one applicable LAO in a province,
    constant values on one side or everywhere, a one-LAO province, a missing attainment."""
    s = scores.copy()
    first_30, second_30 = s.loc[s["province_code"] == "30", "lao_code"].unique()[:2]
    s.loc[(s["indicator_id"] == "1.2") & (s["province_code"] == "30")
          & (s["lao_code"] != second_30), "not_applicable"] = True
    s.loc[(s["indicator_id"] == "2.1") & (s["province_code"] == "90"), "attainment"] = 0.6
    s.loc[s["indicator_id"] == "2.2", "attainment"] = 0.4
    s.loc[(s["indicator_id"] == "3.1") & (s["province_code"] != "50"), "attainment"] = 1.0
    s.loc[s["lao_code"] == first_30, "province_code"] = "58"
    s.loc[s.index[5], "attainment"] = np.nan
    return s


def test_all_provinces_at_once_equal_one_at_a_time(edge_scores):
    every = indicator_gaps_all(edge_scores)
    assert every["province_code"].unique().tolist() == ["30", "50", "58", "90"]
    assert list(every.columns) == ["province_code", *indicator_gaps(edge_scores, "50").columns]
    for province in ["30", "50", "58", "90"]:
        ours = every[every["province_code"] == province].drop(columns="province_code")
        pd.testing.assert_frame_equal(ours.reset_index(drop=True),
                                      indicator_gaps(edge_scores, province),
                                      check_exact=False, rtol=1e-9, atol=1e-12)


def _oracle(scores: pd.DataFrame, province: str, indicator_id: str) -> dict:
    """Welch's test on the raw values with scipy, the case of one (province, indicator)."""
    part = scores[(scores["indicator_id"] == indicator_id) & ~scores["not_applicable"]]
    part = part.dropna(subset=["attainment"])
    x = part.loc[part["province_code"] == province, "attainment"].to_numpy()
    y = part.loc[part["province_code"] != province, "attainment"].to_numpy()
    if scores.loc[scores["indicator_id"] == indicator_id, "pilot"].any():
        return {"note": "pilot"}
    row = {"n_province": len(x), "n_rest": len(y)}
    if len(x) == 0:
        return {**row, "note": "all_not_applicable"}
    if min(len(x), len(y)) < 2:
        return {**row, "note": "not_enough_data"}
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        return {**row, "note": "no_variation"}
    with warnings.catch_warnings():  # one side constant: scipy warns, its zero SD is exact
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        test = sp_stats.ttest_ind(x, y, equal_var=False)
    ci = test.confidence_interval(0.95)
    return {**row, "note": None, "difference": x.mean() - y.mean(), "statistic": test.statistic,
            "df": test.df, "p_value": test.pvalue, "ci_low": ci.low, "ci_high": ci.high}


def test_all_provinces_match_scipy_on_raw_values(edge_scores):
    every = indicator_gaps_all(edge_scores)
    for row in every.itertuples(index=False):
        expected = _oracle(edge_scores, row.province_code, row.indicator_id)
        assert row.note == expected.pop("note"), (row.province_code, row.indicator_id)
        for column, value in expected.items():
            np.testing.assert_allclose(getattr(row, column), value, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{row.province_code} {row.indicator_id} {column}")
    notes = every.set_index(["province_code", "indicator_id"])["note"]
    assert notes[("30", "1.2")] == "not_enough_data" and notes[("58", "1.1")] == "not_enough_data"
    assert notes[("90", "2.1")] is None and notes[("30", "3.1")] is None  # one side constant
    assert notes.xs("2.2", level="indicator_id").drop("58").eq("no_variation").all()
    for province, gaps in every.groupby("province_code"):
        tested = gaps["note"].isna()
        q = multipletests(gaps.loc[tested, "p_value"], method="fdr_bh")[1]
        np.testing.assert_allclose(gaps.loc[tested, "q_value"], q, rtol=1e-12)
