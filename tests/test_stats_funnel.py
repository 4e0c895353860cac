"""Funnel plot data against R (tests/references/funnel.R → funnel.json, funnel_input.csv)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.stats.funnel import funnel, funnel_curve

REF = Path(__file__).parent / "references"
LIMITS = ["lower_95", "upper_95", "lower_998", "upper_998"]


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((REF / "funnel.json").read_text())


@pytest.fixture(scope="module")
def laos() -> pd.DataFrame:
    return pd.read_csv(REF / "funnel_input.csv", dtype={"province_code": str})


@pytest.mark.parametrize("index", range(4))
def test_exact_curve_matches_r(expected, index):
    ref = expected["curves_exact"][index]
    got = funnel_curve(ref["target"], ref["n"])
    np.testing.assert_array_equal(got["n"], ref["n"])
    for column in LIMITS:
        np.testing.assert_allclose(got[column], ref[column], rtol=0, atol=1e-9, err_msg=column)


def test_normal_curve_matches_r(expected):
    ref = expected["curve_normal"]
    got = funnel_curve(ref["target"], range(1, 61), method="normal")
    assert got["n"].tolist() == ref["n"]
    for column in LIMITS:
        np.testing.assert_allclose(got[column], ref[column], rtol=0, atol=1e-12)


def test_exact_limits_stay_inside_0_1_where_normal_ones_do_not():
    exact = funnel_curve(0.99, range(1, 31))
    normal = funnel_curve(0.99, range(1, 31), method="normal")
    assert (normal["upper_95"] > 1).any()
    assert exact[LIMITS].ge(0).all().all() and exact[LIMITS].le(1).all().all()
    # limits narrow towards the target as n grows
    wide = funnel_curve(0.5, [10, 1000])
    assert (wide["upper_998"].diff().iloc[1] < 0) and (wide["lower_998"].diff().iloc[1] > 0)


@pytest.mark.parametrize(("key", "value", "method"), [
    ("pass_exact", "passed", "exact"),
    ("pass_normal", "passed", "normal"),
    ("mean_overall", "overall_pct", "exact"),  # means always use the normal limits
])
def test_funnel_table_matches_r(expected, laos, key, value, method):
    ref = pd.DataFrame(expected[key])
    got = funnel(laos, value=value, method=method)
    assert got["province_code"].tolist() == ref["province_code"].tolist()
    assert got["n"].tolist() == ref["n"].tolist()
    for column in ["value", "target", *LIMITS]:
        np.testing.assert_allclose(got[column], ref[column], rtol=0, atol=1e-9, err_msg=column)
    assert got["outside_95"].tolist() == ref["outside_95"].tolist()
    assert got["outside_998"].tolist() == ref["outside_998"].tolist()


def test_near_ceiling_pass_rates_match_r(expected):
    """A pass rate near 1, as in the LPA: all-pass provinces are not 'above' although they lie
    on or above the interpolated line; the planted weak province (18) is 'below'."""
    ceiling = pd.read_csv(REF / "funnel_ceiling.csv", dtype={"province_code": str})
    ref = pd.DataFrame(expected["pass_ceiling"])
    got = funnel(ceiling)
    for column in ["value", "target", *LIMITS]:
        np.testing.assert_allclose(got[column], ref[column], rtol=0, atol=1e-9, err_msg=column)
    assert got["outside_95"].tolist() == ref["outside_95"].tolist()
    assert got["outside_998"].tolist() == ref["outside_998"].tolist()
    assert got.set_index("province_code")["outside_998"].to_dict() == {
        c: "below" if c == "18" else "within" for c in got["province_code"]}
    assert (got["value"] > got["upper_998"]).any()  # a line-crosser that is not significant


def test_curve_for_means_reproduces_the_table_limits(laos):
    table = funnel(laos, value="overall_pct")
    curve = funnel_curve(table["target"].iloc[0], table["n"], kind="mean",
                         sd=table["target_sd"].iloc[0])
    np.testing.assert_allclose(curve[LIMITS], table[LIMITS], rtol=1e-12)
    assert np.isclose(table["target_sd"].iloc[0], laos["overall_pct"].std())


def test_planted_outliers_fall_outside_998(laos):
    got = funnel(laos, value="overall_pct").set_index("province_code")
    # R planted: province 18 six points low, 21 five points high (funnel.R)
    assert got.loc["18", "outside_998"] == "below" and got.loc["21", "outside_998"] == "above"
    assert (got.drop(["18", "21"])["outside_998"] == "within").all()
    assert got.loc["18", "z"] < -3.09 < 3.09 < got.loc["21", "z"]


def test_events_count_passed_laos(laos):
    got = funnel(laos).set_index("province_code")
    assert got["events"].sum() == laos["passed"].sum()
    np.testing.assert_allclose(got["value"] * got["n"].astype(float), got["events"], atol=1e-9)


def test_empty_input_gives_empty_table():
    got = funnel(pd.DataFrame({"province_code": [], "passed": []}))
    assert got.empty and "outside_998" in got


def test_one_lao():
    got = funnel(pd.DataFrame({"province_code": ["50"], "overall_pct": [80.0]}),
                 value="overall_pct")
    assert got["note"].tolist() == ["not_enough_data"]  # no national sd from one LAO
    one_pass = funnel(pd.DataFrame({"province_code": ["50"], "passed": [True]}))
    assert one_pass.loc[0, "note"] == "no_variation" and one_pass.loc[0, "outside_998"] == "within"


def test_all_identical_scores_flag_nothing():
    laos = pd.DataFrame({"province_code": ["50"] * 5 + ["51"] * 3, "overall_pct": 75.0,
                         "passed": True})
    for value in ("passed", "overall_pct"):
        got = funnel(laos, value=value)
        assert (got["note"] == "no_variation").all()
        assert (got["outside_95"] == "within").all()
        assert (got["lower_998"] == got["target"]).all()


def test_unit_with_only_missing_values_is_kept():
    laos = pd.DataFrame({"province_code": ["50", "50", "51", "52"],
                         "overall_pct": [70.0, 80.0, 60.0, np.nan]})
    got = funnel(laos, value="overall_pct").set_index("province_code")
    assert got.loc["52", "n"] == 0 and got.loc["52", "note"] == "not_enough_data"
    assert np.isnan(got.loc["52", "upper_95"]) and pd.isna(got.loc["52", "outside_95"])
    assert got.loc["50", "note"] is None
