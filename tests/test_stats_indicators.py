"""indicator_gaps against R (tests/references/indicators.R) and its exclusions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.stats import indicator_gaps

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
