"""Assessment-team effect against R lm() (tests/references/teams.R → teams.json) and on
national-scale simulated data with planted lenient and strict teams."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.geo import all_provinces
from lpa_analysis.stats.teams import gap_model, self_vs_verified_gap, team_effect

REF = Path(__file__).parent / "references"
R_TERMS = {"(Intercept)": "intercept", "log_area": "log_area_km2", "area_missing": "area_missing"}


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((REF / "teams.json").read_text())


@pytest.fixture(scope="module")
def laos() -> pd.DataFrame:
    return pd.read_csv(REF / "teams_input.csv", dtype={"province_code": str})


def test_fixed_terms_match_r_lm(expected, laos):
    ref = pd.DataFrame(expected["fixed"])
    ref["term"] = [R_TERMS.get(t, t.replace("lao_type", "lao_type[") + "]")
                   if t not in R_TERMS else R_TERMS[t] for t in ref["term"]]
    got = gap_model(laos).set_index("term")
    assert got["df"].iloc[0] == expected["df"]
    assert not got.index.str.startswith("u[").sum() - 20  # all 20 provinces have an effect
    got = got.loc[ref["term"]]
    for column in ["estimate", "se", "statistic", "p_value"]:
        np.testing.assert_allclose(got[column], ref[column], rtol=1e-9, atol=1e-12,
                                   err_msg=column)


def test_province_leniency_matches_r(expected, laos):
    ref = pd.DataFrame(expected["province"])
    got = team_effect(laos)
    assert got["province_code"].tolist() == ref["province_code"].tolist()
    np.testing.assert_allclose(got["estimate"], -ref["u"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["se"], ref["se"], rtol=1e-9)
    np.testing.assert_allclose(got["p_value"], ref["p_value"], rtol=1e-7, atol=1e-300)
    np.testing.assert_allclose(got["p_holm"], ref["p_holm"], rtol=1e-7, atol=1e-300)
    assert (got["ci_low"] < got["estimate"]).all() and (got["estimate"] < got["ci_high"]).all()


def test_planted_teams_in_r_data_are_flagged(laos):
    got = team_effect(laos).set_index("province_code")
    flagged = got["flag"].dropna().to_dict()
    assert flagged == {"33": "lenient", "51": "lenient", "40": "strict"}
    # the one unverified LAO is excluded and counted as such; unknown areas are kept
    assert got["n_excluded"].sum() == 1
    assert got["n"].sum() == laos["overall_pct"].notna().sum()


def test_gap_table_matches_r_t_test(expected, laos):
    ref = pd.DataFrame(expected["gap"])
    got = self_vs_verified_gap(laos)
    assert got["province_code"].tolist() == ref["province_code"].tolist()
    assert got["n"].tolist() == ref["n"].tolist()
    for column in ["mean_gap", "median_gap", "sd_gap", "ci_low", "ci_high", "share_self_higher"]:
        np.testing.assert_allclose(got[column], ref[column], rtol=1e-9, err_msg=column)


# ------------------------------------------------------------------ national-scale recovery

TYPE_COUNTS = {"pao": 76, "city_municipality": 30, "town_municipality": 195,
               "subdistrict_municipality": 2247, "sao": 5300, "special": 1}
TYPE_GAP = {"pao": -1.0, "city_municipality": -2.0, "town_municipality": -1.5,
            "subdistrict_municipality": 0.5, "sao": 1.0, "special": -2.0}
TYPE_LOG_AREA = {"pao": 8.5, "city_municipality": 3.5, "town_municipality": 2.8,
                 "subdistrict_municipality": 3.2, "sao": 4.3, "special": 5.0}


def simulate_nation(seed: int, shifts: dict[str, float]) -> pd.DataFrame:
    """7,849 LAOs in the 76 provinces with the national type mix; `shifts` raise (lenient) or
    lower (strict) the verified overall % of one province's LAOs; self-assessment ≈ +4."""
    rng = np.random.default_rng(seed)
    codes = [p.code for p in all_provinces()]
    rows = [("pao", c) for c in codes] + [("special", "20")]
    weights = rng.uniform(0.3, 3.0, len(codes))  # provinces differ in size, as in the registry
    for lao_type in ("city_municipality", "town_municipality", "subdistrict_municipality", "sao"):
        chosen = rng.choice(codes, TYPE_COUNTS[lao_type], p=weights / weights.sum())
        rows += [(lao_type, c) for c in chosen]
    frame = pd.DataFrame(rows, columns=["lao_type", "province_code"])
    n = len(frame)
    log_area = rng.normal(frame["lao_type"].map(TYPE_LOG_AREA), 0.5)
    area = np.where(rng.random(n) < 0.3, np.nan, np.exp(log_area))  # a third unknown
    shift = frame["province_code"].map(shifts).fillna(0.0)
    true = rng.normal(74, 9, n)
    verified = np.clip(true + shift + rng.normal(0, 3, n), 0, 100)
    self_pct = np.clip(true + 4 + frame["lao_type"].map(TYPE_GAP) + 0.4 * log_area
                       + rng.normal(0, 3, n), 0, 100)
    return frame.assign(area_km2=area, overall_pct=verified, self_overall_pct=self_pct,
                        gap_overall=self_pct - verified)


PLANTED = {"34": 5.5, "57": 5.5, "90": -5.5}


@pytest.mark.parametrize("seed", [1, 2])
def test_recovers_planted_teams_at_national_scale(seed):
    nation = simulate_nation(seed, PLANTED)
    assert len(nation) == 7849
    got = team_effect(nation).set_index("province_code")
    assert len(got) == 76
    flagged = got["flag"].dropna().to_dict()
    assert flagged == {"34": "lenient", "57": "lenient", "90": "strict"}
    for code, shift in PLANTED.items():
        assert got.loc[code, "ci_low"] < shift < got.loc[code, "ci_high"] or \
            abs(got.loc[code, "estimate"] - shift) < 1.0
    others = got.drop(list(PLANTED))
    assert others["estimate"].abs().max() < 2.0


def test_unadjusted_flags_are_a_superset():
    nation = simulate_nation(1, PLANTED)
    holm = team_effect(nation)["flag"].notna()
    raw = team_effect(nation, adjust=None)["flag"].notna()
    assert (raw | ~holm).all() and raw.sum() >= holm.sum()


def test_gap_table_sees_the_inflation_and_the_teams():
    nation = simulate_nation(5, PLANTED)
    got = self_vs_verified_gap(nation).set_index("province_code")
    assert got.drop(list(PLANTED))["mean_gap"].between(3, 9).all()
    assert got.loc["34", "mean_gap"] < got.drop(list(PLANTED))["mean_gap"].min()
    assert got.loc["90", "mean_gap"] > got.drop(list(PLANTED))["mean_gap"].max()


def test_disagreement_rate_counts_changed_points():
    scored = pd.DataFrame({"province_code": ["50", "51"], "self_overall_pct": [80.0, 70.0],
                           "overall_pct": [75.0, 70.0]})
    indicators = pd.DataFrame({
        "province_code": ["50"] * 4 + ["51"] * 3,
        "self_points": [5, 5, 3, 5, 5, 2, 5],
        "verified_points": [5, 3, 3, 0, 5, 2, 1],
        "not_applicable": [False, False, False, False, False, False, True],
        "pilot": [False, False, False, True, False, False, False],
    })
    got = self_vs_verified_gap(scored, indicator_scores=indicators).set_index("province_code")
    # 50: the pilot row is not counted → 1 of 3 changed; 51: the N/A row is not counted → 0 of 2
    assert got.loc["50", "disagreement_rate"] == pytest.approx(1 / 3)
    assert got.loc["51", "disagreement_rate"] == 0


# ------------------------------------------------------------------ demo data (truth.json)

@pytest.fixture(scope="module")
def national_demo(tmp_path_factory) -> tuple[pd.DataFrame, dict]:
    """One demo year for the planted teams' provinces and 17 others, scored by the scoring
    engine. Teams are planted nationally, so a subset keeps them (and takes seconds, not tens)."""
    from lpa_analysis import demo
    from lpa_analysis.readers import read_registry, read_scores
    from lpa_analysis.scoring import score_laos

    codes = [p.code for p in all_provinces()]
    teams = demo.team_provinces(demo.DEFAULT_SEED, codes, demo.Effects())
    planted = teams["lenient"] + teams["strict"]
    subset = planted + [c for c in codes if c not in planted][::4][:17]
    folder = demo.generate(tmp_path_factory.mktemp("demo") / "subset", years=[2566],
                           provinces=subset)
    registry = read_registry(folder / "registry.csv").frame
    scores = read_scores(folder / "scores" / "2566.parquet").frame
    scored = score_laos(scores, registry, demo.framework(2566)).laos
    return scored, json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def test_recovers_the_demo_datas_planted_teams(national_demo):
    scored, truth = national_demo
    planted = {t["province_code"]: kind for kind in ("lenient", "strict")
               for t in truth["verification_teams"][kind]}
    got = team_effect(scored).set_index("province_code")
    assert got["flag"].dropna().to_dict() == planted
    for code, kind in planted.items():
        assert (got.loc[code, "estimate"] > 0) == (kind == "lenient")
        assert got.loc[code, "ci_low"] * got.loc[code, "ci_high"] > 0  # CI excludes 0
    # the gap table shows what the generator measured in the teams' provinces
    measured = truth["years"]["2566"]["measured"]["mean_self_minus_verified_by_team_province"]
    gap = self_vs_verified_gap(scored).set_index("province_code")
    for code, mean_gap in measured.items():
        assert gap.loc[code, "mean_gap"] == pytest.approx(mean_gap, abs=1e-4)


# ------------------------------------------------------------------ edge cases

def frame(**columns) -> pd.DataFrame:
    base = {"province_code": ["50"], "lao_type": ["sao"], "area_km2": [50.0],
            "self_overall_pct": [80.0], "overall_pct": [75.0]}
    return pd.DataFrame({**base, **columns})


def test_empty_input():
    empty = frame().iloc[:0]
    assert team_effect(empty).empty
    assert self_vs_verified_gap(empty).empty
    assert gap_model(empty)["note"].tolist() == ["not_enough_data"]


def test_one_lao_and_one_province():
    got = team_effect(frame())
    assert got["note"].tolist() == ["single_group"] and np.isnan(got.loc[0, "estimate"])
    gap = self_vs_verified_gap(frame())
    assert gap.loc[0, "mean_gap"] == 5 and gap.loc[0, "note"] == "not_enough_data"


def test_too_few_laos_for_the_model():
    two = pd.concat([frame(), frame(province_code=["51"])], ignore_index=True)
    assert (team_effect(two)["note"] == "not_enough_data").all()


def test_all_identical_gaps():
    nation = simulate_nation(1, {})
    nation["self_overall_pct"] = nation["overall_pct"] + 4.0
    got = team_effect(nation)
    assert (got["note"] == "no_variation").all() and got["flag"].isna().all()
    gap = self_vs_verified_gap(nation)
    assert (gap["note"] == "no_variation").all()
    assert np.allclose(gap["mean_gap"], 4.0)


def test_every_level_of_a_categorical_unit_gets_a_row():
    nation = simulate_nation(1, {})
    codes = sorted(nation["province_code"].unique())
    nation["province_code"] = pd.Categorical(nation["province_code"], categories=[*codes, "99"])
    got = team_effect(nation).set_index("province_code")
    assert len(got) == 77 and got.loc["99", "note"] == "not_enough_data"
    assert got.loc["99", "n"] == 0 and got.drop("99")["estimate"].notna().all()


def test_province_without_verified_scores_is_reported():
    nation = simulate_nation(1, {})
    nation.loc[nation["province_code"] == "96", "overall_pct"] = np.nan
    got = team_effect(nation).set_index("province_code")
    assert got.loc["96", "note"] == "not_enough_data" and got.loc["96", "n"] == 0
    assert got.loc["96", "n_excluded"] == (nation["province_code"] == "96").sum()
    assert got.drop("96")["note"].isna().all()
