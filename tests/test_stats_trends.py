"""trend_table against R (tests/references/trends.R), missing years and thin groups."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.stats import trend_table

REFS = Path(__file__).parent / "references"
BY = {"national": None, "region": "region", "lao_type": "lao_type"}


@pytest.fixture(scope="module")
def by_year() -> dict[int, pd.DataFrame]:
    return {year: pd.read_csv(REFS / f"stats_scored_{year}.csv",
                              dtype={"lao_code": str, "province_code": str})
            for year in (2563, 2565, 2566)}


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((REFS / "trends.json").read_text())


@pytest.mark.parametrize("grouping", BY)
def test_trend_table_matches_r(by_year, reference, grouping):
    by = BY[grouping]
    keys = ["year", *([by] if by else []), "measure"]
    ours = trend_table(by_year, by=by)
    ref = pd.DataFrame(reference[grouping])
    merged = ref.merge(ours, on=keys, how="left", suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(ref)
    for column in ("n", "estimate", "ci_low", "ci_high"):
        np.testing.assert_allclose(merged[column].astype(float),
                                   merged[f"{column}_r"].astype(float),
                                   rtol=1e-9, atol=1e-9, err_msg=column)
    # 2564 is absent from the input: every group and measure has a missing_year row.
    gap = ours.loc[ours["year"] == 2564]
    assert len(gap) == len(ours.loc[ours["year"] == 2565]) > 0
    assert gap["note"].eq("missing_year").all() and gap["estimate"].isna().all()
    assert sorted(ours["year"].unique()) == [2563, 2564, 2565, 2566]


def test_planted_trend_is_visible(by_year):
    overall = trend_table(by_year).query("measure == 'overall_pct'").set_index("year")
    assert overall.loc[2563, "ci_high"] < overall.loc[2565, "ci_low"]
    assert overall.loc[2565, "estimate"] < overall.loc[2566, "estimate"]


def test_thin_groups_and_empty_years_have_notes(by_year):
    table = trend_table(by_year, by="lao_type").query("year == 2566")
    pao = table.loc[(table["lao_type"] == "pao") & (table["measure"] == "overall_pct")].iloc[0]
    assert pao["n"] == 3 and pao["note"] is None
    one = trend_table({2566: by_year[2566].iloc[:1]}).query("measure == 'overall_pct'").iloc[0]
    assert one["n"] == 1 and one["note"] == "not_enough_data" and np.isnan(one["ci_low"])
    flat = trend_table({2566: by_year[2566].assign(overall_pct=71.0)})
    flat = flat.query("measure == 'overall_pct'").iloc[0]
    assert flat["note"] == "no_variation" and flat["ci_low"] == flat["ci_high"] == 71.0
    empty = trend_table({2565: None, 2566: by_year[2566].iloc[:0]}, years=[2565, 2566])
    assert empty["note"].eq("missing_year").all() and len(empty) == 2 * 7
    assert trend_table({}).empty


def test_a_group_absent_in_one_year_is_still_listed(by_year):
    later = {2565: by_year[2565],
             2566: by_year[2566].loc[by_year[2566]["lao_type"] != "city_municipality"]}
    table = trend_table(later, by="lao_type")
    city = table.loc[(table["lao_type"] == "city_municipality") & (table["year"] == 2566)]
    assert len(city) == 7 and (city["n"] == 0).all()
    assert city["note"].eq("not_enough_data").all()
