"""describe / pass_rate / band_shares against R (tests/references/descriptive.R) and edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.stats import band_shares, describe, pass_rate
from lpa_analysis.stats._common import with_levels

REFS = Path(__file__).parent / "references"
GROUPINGS = {"national": [], "province": ["province_code"], "type": ["lao_type"],
             "province_type": ["province_code", "lao_type"]}


def read_scored(year: int) -> pd.DataFrame:
    return pd.read_csv(REFS / f"stats_scored_{year}.csv",
                       dtype={"lao_code": str, "province_code": str})


@pytest.fixture(scope="module")
def scored() -> pd.DataFrame:
    return read_scored(2566)


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((REFS / "descriptive.json").read_text())


def assert_matches(ours: pd.DataFrame, ref_rows: list[dict], keys: list[str]) -> None:
    """Every R row has exactly one match in `ours`, equal to 1e-9 in every R column."""
    ref = pd.DataFrame(ref_rows)
    if not keys:  # national: a single row on each side
        keys, ref, ours = ["all"], ref.assign(all=0), ours.assign(all=0)
    merged = ref.merge(ours, on=keys, how="left", suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(ref) and len(ours) == len(ref)
    for column in ref.columns.difference(keys):
        np.testing.assert_allclose(merged[column].astype(float), merged[f"{column}_r"],
                                   rtol=1e-9, atol=1e-9, err_msg=column)


@pytest.mark.parametrize("grouping", GROUPINGS)
def test_describe_matches_r(scored, reference, grouping):
    by = GROUPINGS[grouping]
    ours = describe(scored, by=by)
    assert_matches(ours, reference["describe"][grouping], [*by, "measure"])
    np.testing.assert_allclose(ours["iqr"], ours["q3"] - ours["q1"])


@pytest.mark.parametrize("grouping", GROUPINGS)
def test_pass_rate_matches_r_wilson(scored, reference, grouping):
    by = GROUPINGS[grouping]
    assert_matches(pass_rate(scored, by=by), reference["pass_rate"][grouping], by)


@pytest.mark.parametrize("grouping", GROUPINGS)
def test_band_shares_match_r_wilson(scored, reference, grouping):
    by = GROUPINGS[grouping]
    ours = band_shares(scored, by=by)
    assert_matches(ours, reference["band_shares"][grouping], [*by, "band"])
    np.testing.assert_allclose(ours.groupby(by or (lambda _: 0))["share"].sum(), 1.0)


def test_missing_score_is_left_out_of_n(scored):
    d5 = describe(scored, measures=["d5_pct"]).iloc[0]
    assert d5["n"] == scored["d5_pct"].notna().sum() == len(scored) - 1


def test_empty_group_gets_a_row_with_a_note(scored):
    chiang_mai = with_levels(scored.loc[scored["province_code"] == "50"], "lao_type")
    rows = describe(chiang_mai, by="lao_type", measures=["overall_pct"]).set_index("lao_type")
    assert rows.loc["city_municipality", "n"] == 0  # no city municipality in Chiang Mai
    assert rows.loc["city_municipality", "note"] == "not_enough_data"
    assert np.isnan(rows.loc["city_municipality", "mean"])
    assert rows.loc["sao", "note"] is None
    rates = pass_rate(chiang_mai, by="lao_type").set_index("lao_type")
    assert rates.loc["city_municipality", "note"] == "not_enough_data"
    city = rates.loc["city_municipality", ["rate", "ci_low", "ci_high"]].astype(float)
    assert np.isnan(city).all()
    bands = band_shares(chiang_mai, by="lao_type")
    assert (bands.loc[bands["lao_type"] == "city_municipality", "note"] == "not_enough_data").all()


def test_empty_frame_one_lao_and_identical_scores(scored):
    empty = describe(scored.iloc[:0])
    assert (empty["n"] == 0).all() and (empty["note"] == "not_enough_data").all()
    assert pass_rate(scored.iloc[:0])["note"].tolist() == ["not_enough_data"]
    one = describe(scored.iloc[:1], measures=["overall_pct"]).iloc[0]
    assert one["n"] == 1 and one["mean"] == scored["overall_pct"].iloc[0]
    assert one["note"] == "not_enough_data" and np.isnan(one["sd"])
    one_rate = pass_rate(scored.iloc[:1]).iloc[0]
    assert one_rate["n"] == 1 and 0 <= one_rate["ci_low"] < one_rate["ci_high"] <= 1
    same = scored.iloc[:6].assign(overall_pct=80.0)
    row = describe(same, measures=["overall_pct"]).iloc[0]
    assert row["note"] == "no_variation" and row["iqr"] == 0 and row["sd"] == 0
