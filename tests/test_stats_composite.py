"""Composite-indicator audit against R (tests/references/composite.R → composite.json, with
e1071 type-2 skewness/kurtosis, psych::alpha, cor.test(method='spearman'), prcomp), and the
Monte-Carlo rank uncertainty against properties any correct implementation must have."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.schema import DIM_PCT
from lpa_analysis.stats.composite import (
    cronbach_alpha, dimension_correlations, dimension_maxima, indicator_distribution,
    pca_dimensions, rank_uncertainty,
)

REF = Path(__file__).parent / "references"


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((REF / "composite.json").read_text())


@pytest.fixture(scope="module")
def indicators() -> pd.DataFrame:
    return pd.read_csv(REF / "composite_indicators.csv",
                       dtype={"lao_code": str, "indicator_id": str})


@pytest.fixture(scope="module")
def scored() -> pd.DataFrame:
    return pd.read_csv(REF / "composite_scored.csv", dtype={"lao_code": str})


# ----------------------------------------------------------------------------- indicators

def test_distribution_matches_r(expected, indicators):
    ref = pd.DataFrame(expected["distribution"]).replace("NA", np.nan)
    got = indicator_distribution(indicators)
    assert got["indicator_id"].tolist() == ref["indicator_id"].tolist()
    assert got["n"].tolist() == ref["n"].tolist()
    for column in ["share_not_applicable", "share_zero", "mean", "sd", "skewness", "kurtosis"]:
        np.testing.assert_allclose(got[column].astype(float), ref[column].astype(float),
                                   rtol=1e-9, atol=1e-12, err_msg=column)


def test_distribution_flags_and_notes(indicators):
    got = indicator_distribution(indicators).set_index("indicator_id")
    # 2.3 is planted nearly-all-full-marks: long left tail, heavy kurtosis
    assert got.loc["2.3", "flag_outliers"] and got.loc["2.3", "skewness"] < -2
    assert not got.drop(["2.3", "4.1"])["flag_outliers"].astype(bool).any()
    assert got.loc["4.1", "note"] == "no_variation"  # everyone full marks
    assert got.loc["3.2", "n_not_applicable"] == (indicators.query(
        "indicator_id == '3.2'")["lao_type"] == "pao").sum()
    assert got.loc["1.1", "n_missing"] == 1
    assert got.loc["5.4", "pilot"] and not got.loc["5.3", "pilot"]


def test_distribution_small_and_empty_indicators():
    rows = pd.DataFrame({
        "indicator_id": ["a", "a", "a", "b", "b", "c", "c", "c", "c"],
        "dimension": 1, "pilot": False,
        "not_applicable": [False, False, False, True, True, False, False, False, False],
        "attainment": [0.0, 1.0, 0.5, np.nan, np.nan, 0.0, 0.0, 1.0, 0.2],
    })
    got = indicator_distribution(rows).set_index("indicator_id")
    assert got.loc["a", "note"] == "not_enough_data" and np.isnan(got.loc["a", "kurtosis"])
    assert not np.isnan(got.loc["a", "skewness"])  # 3 scores are enough for skewness
    assert got.loc["b", "note"] == "all_not_applicable" and got.loc["b", "n"] == 0
    assert got.loc["c", "note"] is None and got.loc["c", "share_zero"] == 0.5
    assert indicator_distribution(rows.iloc[:0]).empty


# ----------------------------------------------------------------------------- dimensions

def test_spearman_matches_r(expected, scored):
    ref = pd.DataFrame(expected["correlation"])
    got = dimension_correlations(scored)
    assert list(zip(got["measure_a"], got["measure_b"])) == list(
        zip(ref["measure_a"], ref["measure_b"]))
    np.testing.assert_allclose(got["rho"], ref["rho"], rtol=1e-9)
    np.testing.assert_allclose(got["p_value"], ref["p_value"], rtol=1e-6)
    assert (got["n"] == len(scored)).all()


def test_correlation_flags():
    rng = np.random.default_rng(1)
    base = rng.normal(70, 10, 300)
    frame = pd.DataFrame({"d1_pct": base, "d2_pct": base + rng.normal(0, 1, 300),
                          "d3_pct": -base + rng.normal(0, 10, 300),
                          "d4_pct": rng.normal(70, 10, 300), "d5_pct": 80.0})
    got = dimension_correlations(frame).set_index(["measure_a", "measure_b"])
    assert got.loc[("d1_pct", "d2_pct"), "flag"] == "redundant"
    assert got.loc[("d1_pct", "d3_pct"), "flag"] == "negative"
    assert (got.xs("d5_pct", level="measure_b")["note"] == "no_variation").all()
    wide = dimension_correlations(frame).pivot(index="measure_a", columns="measure_b",
                                               values="rho")
    assert wide.shape == (4, 4)


def test_alpha_matches_psych(expected, indicators):
    ref = pd.DataFrame(expected["alpha"])
    got = cronbach_alpha(indicators)
    assert got["dimension"].tolist() == ref["dimension"].tolist()
    assert got["n_items"].tolist() == ref["n_items"].tolist()
    for column in ["alpha", "std_alpha", "average_r"]:
        np.testing.assert_allclose(got[column], ref[column], rtol=1e-9, err_msg=column)
    assert got.set_index("dimension").loc[4, "n_constant_items"] == 1  # 4.1, full marks
    assert got.set_index("dimension").loc[5, "n_items"] == 3  # pilot 5.4 not counted


def test_alpha_by_group_and_edge_cases(indicators):
    by_type = cronbach_alpha(indicators, by="lao_type")
    assert set(by_type["lao_type"]) == {"pao", "sao", "subdistrict_municipality"}
    assert len(by_type) == 3 * 5
    one_item = indicators[indicators["indicator_id"].isin(["1.1", "2.1", "2.2"])]
    got = cronbach_alpha(one_item).set_index("dimension")
    assert got.loc[1, "note"] == "not_enough_data" and np.isnan(got.loc[1, "alpha"])
    assert got.loc[2, "note"] is None and got.loc[3, "n_items"] == 0
    assert cronbach_alpha(indicators.iloc[:0])["note"].eq("not_enough_data").all()


def test_pca_matches_prcomp(expected, scored):
    got = pca_dimensions(scored)
    ref = expected["pca"]
    np.testing.assert_allclose(got["eigenvalue"], ref["eigenvalue"], rtol=1e-9)
    np.testing.assert_allclose(got["explained"], ref["explained"], rtol=1e-9)
    np.testing.assert_allclose(got[DIM_PCT].abs().to_numpy(), np.array(ref["abs_rotation"]).T,
                               atol=1e-9)
    assert got["cumulative"].iloc[-1] == pytest.approx(1.0)
    assert (got.loc[0, DIM_PCT] > 0).all()  # one general factor, signed positive


def test_pca_edge_cases():
    assert pca_dimensions(pd.DataFrame(columns=DIM_PCT))["note"].tolist() == ["not_enough_data"]
    flat = pd.DataFrame({c: [70.0, 80.0, 90.0] for c in DIM_PCT}).assign(d5_pct=50.0)
    assert pca_dimensions(flat)["note"].tolist() == ["no_variation"]


# ----------------------------------------------------------------------------- ranks

@pytest.fixture(scope="module")
def maxima(indicators) -> pd.DataFrame:
    return dimension_maxima(indicators)


def test_dimension_maxima_sum_applicable_counted_points(indicators, maxima):
    row = maxima.set_index("lao_code")
    pao = indicators.loc[indicators["lao_type"] == "pao", "lao_code"].iloc[0]
    sao = indicators.loc[indicators["lao_type"] == "sao", "lao_code"].iloc[0]
    # 3.2 (max 3 or 5) is not applicable to PAOs; pilot 5.4 never counts
    max_32 = indicators.loc[indicators["indicator_id"] == "3.2", "max_points"].iloc[0]
    assert row.loc[sao, "max_d3"] - row.loc[pao, "max_d3"] == max_32
    counted_d5 = indicators.query("dimension == 5 and not pilot").drop_duplicates("indicator_id")
    assert row.loc[sao, "max_d5"] == counted_d5["max_points"].sum()


def test_unperturbed_points_method_reproduces_the_points_ranking(indicators, scored, maxima):
    counted = indicators.query("not pilot and not not_applicable").dropna(
        subset=["verified_points"])
    totals = counted.groupby("lao_code")[["verified_points", "max_points"]].sum()
    by_points = scored.assign(overall_pct=scored["lao_code"].map(
        totals["verified_points"] / totals["max_points"] * 100))
    got = rank_uncertainty(by_points, maxima, n_sims=20, perturbation=0.0, methods=["points"])
    expected = by_points["overall_pct"].round(9).rank(ascending=False, method="min")
    np.testing.assert_array_equal(got["rank_median"], expected)
    np.testing.assert_array_equal(got["rank_p05"], got["rank_p95"])
    np.testing.assert_array_equal(got["rank_nominal"], expected)


def test_unperturbed_mean_method_reproduces_the_published_ranking(scored):
    got = rank_uncertainty(scored, n_sims=10, perturbation=0.0)
    assert set(got["methods"]) == {"mean_of_dimensions"}  # no maxima → no points method
    # rounded: equal dimension sums are ties, whatever order the additions were done in
    expected = scored[DIM_PCT].mean(axis=1).round(9).rank(ascending=False, method="min")
    np.testing.assert_array_equal(got["rank_median"], expected)
    assert (got["rank_interval"] == 0).all()


def test_perturbation_widens_intervals_reproducibly(scored, maxima):
    got = rank_uncertainty(scored, maxima, n_sims=300, seed=7)
    again = rank_uncertainty(scored, maxima, n_sims=300, seed=7)
    other = rank_uncertainty(scored, maxima, n_sims=300, seed=8)
    pd.testing.assert_frame_equal(got, again)
    assert not got["rank_median"].equals(other["rank_median"]) or \
        not got["rank_p95"].equals(other["rank_p95"])
    assert (got["rank_p05"] <= got["rank_median"]).all()
    assert (got["rank_median"] <= got["rank_p95"]).all()
    assert got["rank_interval"].mean() > 0
    ranks = got[["rank_median", "rank_p05", "rank_p95"]].to_numpy()
    assert (ranks == np.round(ranks)).all()  # ranks that occurred, not interpolations
    # median ranks stay close to the nominal ones: the weights move them only a little
    assert np.corrcoef(got["rank_median"], got["rank_nominal"])[0, 1] > 0.95


def test_dominant_and_uniform_laos(scored, maxima):
    frame = scored.copy()
    frame.loc[0, DIM_PCT] = 100.0  # best in every dimension: first under any weights
    frame.loc[0, "overall_pct"] = 100.0
    got = rank_uncertainty(frame, maxima, n_sims=200)
    assert got.loc[0, ["rank_p05", "rank_median", "rank_p95"]].tolist() == [1, 1, 1]


def test_ranks_within_province_and_missing_scores(scored, maxima):
    frame = scored.assign(province_code=np.where(np.arange(len(scored)) % 2, "50", "51"))
    frame.loc[3, "d2_pct"] = np.nan
    frame.loc[4, "province_code"] = None
    got = rank_uncertainty(frame, {1: 20, 2: 11, 3: 17, 4: 8, 5: 13}, n_sims=100,
                           within="province_code")
    assert got.loc[3, "note"] == "not_enough_data" and np.isnan(got.loc[3, "rank_median"])
    assert got.loc[4, "rank_median"] == 1  # alone in its (missing) province
    for code in ("50", "51"):
        part = got[got["province_code"] == code]
        assert part["rank_p95"].max() <= part["rank_median"].notna().sum()
        assert part["rank_nominal"].min() == 1


def test_rank_edge_cases(scored, maxima):
    assert rank_uncertainty(scored.iloc[:0], maxima).empty
    one = rank_uncertainty(scored.iloc[:1], maxima, n_sims=50)
    assert one[["rank_nominal", "rank_median", "rank_p05", "rank_p95"]].iloc[0].tolist() == \
        [1, 1, 1, 1]
    same = scored.assign(**{c: 75.0 for c in DIM_PCT}, overall_pct=75.0)
    tied = rank_uncertainty(same, n_sims=50)
    assert (tied["rank_median"] == 1).all() and (tied["rank_interval"] == 0).all()
