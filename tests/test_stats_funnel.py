"""Funnel plot data against R (tests/references/funnel.R → funnel.json, funnel_input.csv,
funnel_dispersed.csv, funnel_ceiling.csv): over-dispersion φ and τ², z_adj, limits, flags."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.stats.funnel import dispersion, funnel, funnel_curve, label_assessment

REF = Path(__file__).parent / "references"
LIMITS = ["lo95", "hi95", "lo998", "hi998"]


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((REF / "funnel.json").read_text())


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype={"province_code": str})


@pytest.fixture(scope="module")
def laos() -> pd.DataFrame:
    return _read("funnel_input.csv")


@pytest.fixture(scope="module")
def dispersed() -> pd.DataFrame:
    return _read("funnel_dispersed.csv")


@pytest.mark.parametrize("index", range(6))
def test_exact_curve_matches_r(expected, index):
    ref = expected["curves_exact"][index]
    got = funnel_curve(ref["target"], ref["n"], tau2=ref["tau2"])
    np.testing.assert_array_equal(got["n"], ref["n"])
    for column in LIMITS:
        np.testing.assert_allclose(got[column], ref[column], rtol=0, atol=1e-9, err_msg=column)


def test_mean_curve_matches_r(expected):
    ref = expected["curve_mean"]
    got = funnel_curve(ref["target"], range(1, 61), kind="mean", sd=ref["sd"], tau2=ref["tau2"])
    for column in LIMITS:
        np.testing.assert_allclose(got[column], ref[column], rtol=0, atol=1e-9)


@pytest.mark.parametrize(("key", "data", "value", "overdispersion"), [
    ("mean_small", "funnel_input.csv", "overall_pct", True),
    ("mean_small_plain", "funnel_input.csv", "overall_pct", False),
    ("pass_small", "funnel_input.csv", "passed", True),
    ("mean_dispersed", "funnel_dispersed.csv", "overall_pct", True),
    ("mean_dispersed_plain", "funnel_dispersed.csv", "overall_pct", False),
    ("pass_dispersed", "funnel_dispersed.csv", "passed", True),
    ("pass_ceiling", "funnel_ceiling.csv", "passed", True),
])
def test_funnel_table_matches_r(expected, key, data, value, overdispersion):
    ref = pd.DataFrame(expected[key])
    got = funnel(_read(data), value=value, overdispersion=overdispersion)
    assert got["province_code"].tolist() == ref["province_code"].tolist()
    assert got["n"].tolist() == ref["n"].tolist()
    for column in ["value", "target", "z", "z_adj", "phi", "tau2", *LIMITS]:
        np.testing.assert_allclose(got[column].astype(float), ref[column], rtol=0, atol=1e-9,
                                   err_msg=column)
    # R flags from z_adj (means) and tail probabilities (pass rates), not from the limits
    assert got["flag"].tolist() == ref["flag"].tolist()


def test_overdispersion_widens_limits_and_keeps_the_planted_outlier(expected, dispersed):
    adjusted = funnel(dispersed).set_index("province_code")
    plain = funnel(dispersed, overdispersion=False).set_index("province_code")
    assert adjusted["tau2"].iloc[0] > 0 and adjusted["phi"].iloc[0] > 1
    assert (adjusted["hi998"] > plain["hi998"]).all()
    assert (plain["flag"] != "within").sum() > 3 * (adjusted["flag"] != "within").sum()
    assert adjusted.loc["17", "flag"] == "above998"  # planted 12 points high (funnel.R)


def test_flags_are_exactly_the_points_beyond_the_drawn_limits(dispersed):
    """What a reader sees on the chart: a point beyond a line is flagged, and only then."""
    for value in ("overall_pct", "passed"):
        got = funnel(dispersed, value=value)
        beyond = np.select([got["value"] > got["hi998"], got["value"] > got["hi95"],
                            got["value"] < got["lo998"], got["value"] < got["lo95"]],
                           ["above998", "above95", "below998", "below95"], "within")
        assert got["flag"].tolist() == beyond.tolist(), value


def test_near_ceiling_all_pass_provinces_are_within_and_on_or_under_the_line(expected):
    """A pass rate near 1, as in the LPA: no all-pass province lies above its upper limit, and
    the planted weak province (18) is below."""
    got = funnel(_read("funnel_ceiling.csv"), value="passed")
    all_pass = got[got["value"] == 1]
    assert len(all_pass) and (all_pass["hi998"] == 1).all() and (all_pass["hi95"] == 1).all()
    assert got.set_index("province_code")["flag"].to_dict() == {
        c: "below998" if c == "18" else "within" for c in got["province_code"]}


def test_curve_reproduces_the_table_limits(dispersed):
    for value, kind in (("overall_pct", "mean"), ("passed", "proportion")):
        table = funnel(dispersed, value=value)
        sd = dispersed[value].astype(float).std()
        curve = funnel_curve(table["target"].iloc[0], table["n"], kind=kind, sd=sd,
                             tau2=table["tau2"].iloc[0])
        np.testing.assert_allclose(curve[LIMITS], table[LIMITS], rtol=1e-12)


def test_dispersion_by_hand():
    """z = −8, −2, −1, 0 ×4, 1, 2, 8 with s = 0.5: the 10th/90th percentiles (type 7) are
    −8 + 0.9·6 = −2.6 and 2.6, so φ = (2·2.6² + 2·2² + 2·1²)/10 = 2.352; w = 4 each gives
    Σw − Σw²/Σw = 40 − 4 = 36 and τ² = (10·2.352 − 9)/36."""
    z = np.array([-8.0, -2, -1, 0, 0, 0, 0, 1, 2, 8])
    phi, tau2 = dispersion(z, np.full(10, 0.5))
    assert phi == pytest.approx(2.352, rel=1e-12)
    assert tau2 == pytest.approx((23.52 - 9) / 36, rel=1e-12)
    # no excess over N(0, 1): no between-unit variance
    assert dispersion(np.array([-1.0, 0, 1, 0.5]), np.full(4, 0.5))[1] == 0
    assert np.isnan(dispersion(np.array([3.0]), np.array([0.5]))[0])


def test_assessment_effects_label_outliers_their_team_explains():
    table = pd.DataFrame({"province_code": ["10", "11", "12", "13", "14"],
                          "flag": ["above998", "above95", "below998", "above998", None]})
    teams = pd.DataFrame({"province_code": ["10", "11", "12", "13", "14"],
                          "flag": ["lenient", None, "strict", "strict", "lenient"]})
    got = label_assessment(table, teams)
    assert got["flag"].iloc[:4].tolist() == ["above998_assessment", "above95",
                                             "below998_assessment", "above998"]
    assert pd.isna(got["flag"].iloc[4])
    assert table["flag"].iloc[0] == "above998"  # a copy


def test_empty_input_gives_empty_table():
    got = funnel(pd.DataFrame({"province_code": [], "passed": []}), value="passed")
    assert got.empty and "flag" in got


def test_one_lao():
    got = funnel(pd.DataFrame({"province_code": ["50"], "overall_pct": [80.0]}))
    assert got["note"].tolist() == ["not_enough_data"]  # no national sd from one LAO
    one_pass = funnel(pd.DataFrame({"province_code": ["50"], "passed": [True]}), value="passed")
    assert one_pass.loc[0, "note"] == "no_variation" and one_pass.loc[0, "flag"] == "within"


def test_all_identical_scores_flag_nothing():
    laos = pd.DataFrame({"province_code": ["50"] * 5 + ["51"] * 3, "overall_pct": 75.0,
                         "passed": True})
    for value in ("passed", "overall_pct"):
        got = funnel(laos, value=value)
        assert (got["note"] == "no_variation").all()
        assert (got["flag"] == "within").all()
        assert (got["lo998"] == got["target"]).all()


def test_unit_with_only_missing_values_is_kept():
    laos = pd.DataFrame({"province_code": ["50", "50", "51", "52"],
                         "overall_pct": [70.0, 80.0, 60.0, np.nan]})
    got = funnel(laos).set_index("province_code")
    assert got.loc["52", "n"] == 0 and got.loc["52", "note"] == "not_enough_data"
    assert np.isnan(got.loc["52", "hi95"]) and pd.isna(got.loc["52", "flag"])
    assert got.loc["50", "note"] is None
