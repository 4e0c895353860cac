"""Composite-indicator audit against R (tests/references/composite.R → composite.json, with
e1071 type-2 skewness/kurtosis, Cronbach's α in base R, cor.test(method='spearman'), prcomp), the
rank sensitivity for given draws against tests/references/ranks.R → ranks.json, and the Monte
Carlo and bootstrap rank intervals against properties any correct implementation must have."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.schema import DIM_PCT
from lpa_analysis.stats.composite import (
    cronbach_alpha, dimension_alpha, dimension_correlations, dimension_maxima,
    indicator_distribution, pca_dimensions, rank_bootstrap, rank_uncertainty, reliability,
    weight_draws,
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


@pytest.fixture(scope="module")
def typed_scored(scored, indicators) -> pd.DataFrame:
    return scored.merge(indicators[["lao_code", "lao_type"]].drop_duplicates(), on="lao_code")


def close(ours, theirs, column):
    np.testing.assert_allclose(pd.to_numeric(ours, errors="coerce").astype(float),
                               pd.to_numeric(pd.Series(theirs), errors="coerce").astype(float),
                               rtol=1e-9, atol=1e-12, err_msg=column)


def check_alpha(got: pd.DataFrame, ref: pd.DataFrame) -> None:
    for column in ["n_items", "n", "alpha", "std_alpha", "average_r"]:
        close(got[column].reset_index(drop=True), ref[column].reset_index(drop=True), column)


def test_alpha_matches_r_nationally_and_per_type(expected, indicators):
    ref = pd.DataFrame(expected["alpha"]).replace("NA", np.nan)
    national = cronbach_alpha(indicators)
    check_alpha(national, ref[ref["group"] == "national"])
    by_type = cronbach_alpha(indicators, by="lao_type")
    for lao_type, mine in by_type.groupby("lao_type"):
        check_alpha(mine, ref[ref["group"] == lao_type])
    assert set(by_type["lao_type"]) == {"pao", "sao", "subdistrict_municipality"}
    assert by_type["note"].isna().all()  # within a type every LAO has the same indicators


def test_alpha_is_not_estimable_where_laos_have_different_indicators(expected, indicators):
    ref = pd.DataFrame(expected["alpha"]).set_index(["group", "dimension"])
    got = cronbach_alpha(indicators).set_index("dimension")
    # 3.2 does not apply to PAOs: nationally dimension 3 mixes two sets of indicators
    assert ref.loc[("national", 3), "note"] == got.loc[3, "note"] == "different_items"
    assert np.isnan(got.loc[3, "alpha"])
    assert got.loc[1, "n_incomplete"] == 1  # 6000007 has no score for 1.1: not a case
    assert got.loc[4, "n_constant_items"] == 1  # 4.1, full marks
    assert got.loc[5, "n_items"] == 3  # pilot 5.4 not counted


def test_dimension_score_alpha_matches_r(expected, typed_scored):
    ref = pd.DataFrame(expected["dimension_alpha"])
    check_alpha(dimension_alpha(typed_scored), ref[ref["group"] == "national"])
    for lao_type, mine in dimension_alpha(typed_scored, by="lao_type").groupby("lao_type"):
        check_alpha(mine, ref[ref["group"] == lao_type])


def test_alpha_equals_the_textbook_formula_on_a_hand_case():
    # items x = (1, 2, 3, 4), y = (2, 2, 4, 4): var 5/3 and 4/3, sums (3, 4, 7, 8) var 17/3
    items = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [2.0, 2, 4, 4]})
    got = dimension_alpha(items, measures=["x", "y"]).iloc[0]
    assert got["alpha"] == pytest.approx(2 * (1 - (5 / 3 + 4 / 3) / (17 / 3)))


def test_reliability_table_lists_every_scale_nationally_and_per_type(indicators, typed_scored):
    table = reliability(indicators, typed_scored)
    scales = [f"dimension_{d}" for d in range(1, 6)] + ["dimension_scores"]
    assert table["scale"].unique().tolist() == scales
    groups = ["national", "pao", "subdistrict_municipality", "sao"]
    assert (table.groupby("scale", sort=False)["group"].agg(list) == pd.Series(
        [groups] * 6, index=scales)).all()
    row = table.set_index(["scale", "group"])
    national = dimension_alpha(typed_scored).iloc[0]
    assert row.loc[("dimension_scores", "national"), "alpha"] == national["alpha"]
    assert row.loc[("dimension_scores", "national"), "n"] == national["n"] == len(typed_scored)
    assert row.loc[("dimension_3", "national"), "note"] == "different_items"


def test_alpha_edge_cases(indicators):
    one_item = indicators[indicators["indicator_id"].isin(["1.1", "2.1", "2.2"])]
    got = cronbach_alpha(one_item).set_index("dimension")
    assert got.loc[1, "note"] == "not_enough_data" and np.isnan(got.loc[1, "alpha"])
    assert got.loc[2, "note"] is None and got.loc[3, "n_items"] == 0
    assert cronbach_alpha(indicators.iloc[:0])["note"].eq("not_enough_data").all()
    constant = indicators[indicators["indicator_id"].isin(["4.1", "4.2"])]
    assert cronbach_alpha(constant).set_index("dimension").loc[4, "note"] == "no_variation"
    single = dimension_alpha(pd.DataFrame({c: [70.0] for c in DIM_PCT})).iloc[0]
    assert single["note"] == "not_enough_data" and single["n"] == 1


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


SENSITIVITY = ["rank_nominal", "rank_sens_median", "rank_sens_low", "rank_sens_high"]


@pytest.mark.parametrize(("case", "draws_file"), [("mixed", "ranks_draws.csv"),
                                                  ("points_only", "ranks_draws_points.csv")])
def test_sensitivity_ranks_for_given_draws_match_r(scored, maxima, case, draws_file):
    """Given the draws, everything is deterministic (tests/references/ranks.R)."""
    ref = json.loads((REF / "ranks.json").read_text())[case]
    draws = pd.read_csv(REF / draws_file)
    got = rank_uncertainty(scored, maxima, draws=draws)
    assert got["lao_code"].tolist() == ref["lao_code"]
    for column in SENSITIVITY:
        np.testing.assert_array_equal(got[column].astype(float), ref[column], err_msg=column)
    assert (got["n_sims"] == len(draws)).all()


def test_nominal_rank_outside_the_draws_widens_the_interval(scored, maxima):
    """Points-only draws never contain the nominal (mean-of-dimensions) configuration: R
    counts LAOs whose nominal rank lies outside the 5–95 % band, and the hull takes it in."""
    ref = json.loads((REF / "ranks.json").read_text())["points_only"]
    assert ref["n_nominal_outside_quantiles"] > 0
    got = rank_uncertainty(scored, maxima, draws=pd.read_csv(REF / "ranks_draws_points.csv"))
    assert ((got["rank_sens_low"] == got["rank_nominal"])
            | (got["rank_sens_high"] == got["rank_nominal"])).sum() >= \
        ref["n_nominal_outside_quantiles"]


def test_unperturbed_points_method_reproduces_the_points_ranking(indicators, scored, maxima):
    counted = indicators.query("not pilot and not not_applicable").dropna(
        subset=["verified_points"])
    totals = counted.groupby("lao_code")[["verified_points", "max_points"]].sum()
    by_points = scored.assign(overall_pct=scored["lao_code"].map(
        totals["verified_points"] / totals["max_points"] * 100))
    got = rank_uncertainty(by_points, maxima, n_sims=20, perturbation=0.0, methods=["points"])
    expected = by_points["overall_pct"].round(9).rank(ascending=False, method="min")
    np.testing.assert_array_equal(got["rank_sens_median"], expected)
    np.testing.assert_array_equal(got["rank_sens_low"], got["rank_sens_high"])
    np.testing.assert_array_equal(got["rank_nominal"], expected)


def test_unperturbed_mean_method_reproduces_the_published_ranking(scored):
    got = rank_uncertainty(scored, n_sims=10, perturbation=0.0)
    assert set(got["methods"]) == {"mean_of_dimensions"}  # no maxima → no points method
    # rounded: equal dimension sums are ties, whatever order the additions were done in
    expected = scored[DIM_PCT].mean(axis=1).round(9).rank(ascending=False, method="min")
    np.testing.assert_array_equal(got["rank_sens_median"], expected)
    assert (got["rank_sens_width"] == 0).all()


def test_perturbation_widens_intervals_reproducibly(scored, maxima):
    got = rank_uncertainty(scored, maxima, n_sims=300, seed=7)
    again = rank_uncertainty(scored, maxima, n_sims=300, seed=7)
    other = rank_uncertainty(scored, maxima, n_sims=300, seed=8)
    pd.testing.assert_frame_equal(got, again)
    assert not got["rank_sens_median"].equals(other["rank_sens_median"]) or \
        not got["rank_sens_high"].equals(other["rank_sens_high"])
    assert (got["rank_sens_low"] <= got["rank_sens_median"]).all()
    assert (got["rank_sens_median"] <= got["rank_sens_high"]).all()
    assert got["rank_sens_width"].mean() > 0
    ranks = got[["rank_sens_median", "rank_sens_low", "rank_sens_high"]].to_numpy()
    assert (ranks == np.round(ranks)).all()  # ranks that occurred, not interpolations
    # median ranks stay close to the nominal ones: the weights move them only a little
    assert np.corrcoef(got["rank_sens_median"], got["rank_nominal"])[0, 1] > 0.95


def test_weight_draws_are_seeded_and_within_the_perturbation():
    draws = weight_draws(500, seed=3, perturbation=0.1)
    pd.testing.assert_frame_equal(draws, weight_draws(500, seed=3, perturbation=0.1))
    factors = draws.filter(like="w_d").to_numpy()
    assert factors.shape == (500, 5) and (factors >= 0.9).all() and (factors <= 1.1).all()
    assert set(draws["method"]) == {"points", "mean_of_dimensions"}


def test_dominant_and_uniform_laos(scored, maxima):
    frame = scored.copy()
    frame.loc[0, DIM_PCT] = 100.0  # best in every dimension: first under any weights
    frame.loc[0, "overall_pct"] = 100.0
    got = rank_uncertainty(frame, maxima, n_sims=200)
    assert got.loc[0, ["rank_sens_low", "rank_sens_median", "rank_sens_high"]].tolist() == \
        [1, 1, 1]


def test_ranks_within_province_and_missing_scores(scored, maxima):
    frame = scored.assign(province_code=np.where(np.arange(len(scored)) % 2, "50", "51"))
    frame.loc[3, "d2_pct"] = np.nan
    frame.loc[4, "province_code"] = None
    got = rank_uncertainty(frame, {1: 20, 2: 11, 3: 17, 4: 8, 5: 13}, n_sims=100,
                           within="province_code")
    assert got.loc[3, "note"] == "not_enough_data" and np.isnan(got.loc[3, "rank_sens_median"])
    assert got.loc[4, "rank_sens_median"] == 1  # alone in its (missing) province
    for code in ("50", "51"):
        part = got[got["province_code"] == code]
        assert part["rank_sens_high"].max() <= part["rank_sens_median"].notna().sum()
        assert part["rank_nominal"].min() == 1


def test_rank_edge_cases(scored, maxima):
    assert rank_uncertainty(scored.iloc[:0], maxima).empty
    one = rank_uncertainty(scored.iloc[:1], maxima, n_sims=50)
    assert one[SENSITIVITY].iloc[0].tolist() == [1, 1, 1, 1]
    same = scored.assign(**{c: 75.0 for c in DIM_PCT}, overall_pct=75.0)
    tied = rank_uncertainty(same, n_sims=50)
    assert (tied["rank_sens_median"] == 1).all() and (tied["rank_sens_width"] == 0).all()


# --- statistical uncertainty: bootstrap of the indicators within each dimension

BOOT = ["rank_boot_low", "rank_boot_median", "rank_boot_high"]


def _hand_case(a_points: tuple[float, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two LAOs, one dimension of two indicators worth 1 point each: A scores `a_points`,
    B half a point on both."""
    points = {"A": a_points, "B": (0.5, 0.5)}
    rows = [{"lao_code": lao, "indicator_id": f"1.{k + 1}", "dimension": 1, "max_points": 1.0,
             "verified_points": p[k], "not_applicable": False, "pilot": False}
            for lao, p in points.items() for k in range(2)]
    scored = pd.DataFrame({"lao_code": ["A", "B"],
                           "overall_pct": [50.0 * sum(points[x]) for x in ("A", "B")]})
    return pd.DataFrame(rows), scored


def test_bootstrap_rank_interval_by_hand():
    """A scores (1, 0), B (0.5, 0.5): both 50 %, tied first. Resampling the two indicators
    gives A 100 %, 50 %, 50 % or 0 % (each pair with probability ¼), B always 50 %: A is first
    (alone or tied) with probability ¾ and second with ¼, B first with ¾ (¼ + ½ tied), so the
    5–95 % interval of both is 1–2 (with 500 replicates P(no 0 % draw) = 0.75⁵⁰⁰ ≈ 0)."""
    indicators, scored = _hand_case((1.0, 0.0))
    got = rank_bootstrap(indicators, scored, n_boot=500, seed=11).set_index("lao_code")
    assert got["rank_nominal"].tolist() == [1, 1]
    assert got.loc["A", BOOT].tolist() == [1, 1, 2] and got.loc["B", BOOT].tolist() == [1, 1, 2]


def test_bootstrap_of_indicators_that_agree_has_no_uncertainty():
    """A scores the same on both indicators: every resample reproduces the nominal scores."""
    indicators, scored = _hand_case((0.75, 0.75))
    for seed in (1, 2, 3):
        got = rank_bootstrap(indicators, scored, n_boot=200, seed=seed).set_index("lao_code")
        assert got.loc["A", BOOT].tolist() == [1, 1, 1] and got.loc["B", BOOT].tolist() == [2] * 3


def test_bootstrap_properties_on_the_reference_data(indicators, scored):
    """Seed-independent: intervals are ranks that occurred and hold the median; a seed
    reproduces itself; and no LAO that dominates the others on every indicator ever loses
    first place."""
    frame = scored.assign(overall_pct=scored[DIM_PCT].mean(axis=1))
    top = indicators.copy()
    first = top["lao_code"] == top["lao_code"].iloc[0]
    top.loc[first, "verified_points"] = top.loc[first, "max_points"]
    got = rank_bootstrap(top, frame, overall_method="mean_of_dimensions", n_boot=200, seed=5)
    pd.testing.assert_frame_equal(got, rank_bootstrap(top, frame, "mean_of_dimensions",
                                                      n_boot=200, seed=5))
    assert got.loc[0, BOOT].tolist() == [1, 1, 1]
    assert (got["rank_boot_low"] <= got["rank_boot_median"]).all()
    assert (got["rank_boot_median"] <= got["rank_boot_high"]).all()
    assert (got[BOOT].to_numpy() == np.round(got[BOOT].to_numpy())).all()
    assert (got["rank_boot_high"] - got["rank_boot_low"]).mean() > 0


def test_bootstrap_edge_cases(indicators, scored):
    missing = scored.assign(overall_pct=scored["overall_pct"].where(scored.index != 2))
    got = rank_bootstrap(indicators, missing, "mean_of_dimensions", n_boot=20)
    assert got.loc[2, "note"] == "not_enough_data" and np.isnan(got.loc[2, "rank_boot_low"])
    assert rank_bootstrap(indicators, scored.iloc[:0], n_boot=20).empty


# --- the national demo: ranks of every LAO of the country

@pytest.fixture(scope="module")
def national_2566(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All 76 provinces' demo scores of 2566 (the 'points' framework), scored."""
    from lpa_analysis import demo
    from lpa_analysis.schema import SOURCE_ROW
    from lpa_analysis.scoring import score_laos

    folder = demo.generate(tmp_path_factory.mktemp("demo") / "national", years=[2566])
    scores = pd.read_parquet(folder / "scores" / "2566.parquet")
    scores[SOURCE_ROW] = np.arange(len(scores)) + 2
    registry = pd.read_csv(folder / "registry.csv", dtype={"lao_code": str, "province_code": str})
    result = score_laos(scores, registry, demo.framework(2566))
    return result.laos, result.indicators


def test_every_nominal_rank_lies_in_its_sensitivity_interval_nationally(national_2566):
    laos, indicators = national_2566
    got = rank_uncertainty(laos, dimension_maxima(indicators), n_sims=300)
    assert len(got) > 7000 and got["note"].isna().all()
    inside = (got["rank_sens_low"] <= got["rank_nominal"]) & \
        (got["rank_nominal"] <= got["rank_sens_high"])
    assert inside.all(), got[~inside]


def test_bootstrap_reproduces_the_scores_without_resampling(national_2566):
    """Every indicator drawn once is the published score: the bootstrap resamples the
    indicators the scoring engine used, and nothing else."""
    from lpa_analysis.stats.composite import _indicator_matrices

    laos, indicators = national_2566
    points, maxima, _ = _indicator_matrices(indicators, laos["lao_code"])
    np.testing.assert_allclose(100 * points.sum(axis=1) / maxima.sum(axis=1),
                               laos["overall_pct"], rtol=1e-12)
