"""The planted effects of the demo data are recovered by the analyses of this package.

Uses the session fixtures small_demo / small_processed (tests/conftest.py): three northern
provinces, 2565 and 2566, built by `lpa build`'s own code.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lpa_analysis import demo
from lpa_analysis.stats import (
    comparable_indicators, comparable_scores, pairwise_types, paired_change, trend_table,
)
from lpa_analysis.stats._common import MEASURES


@pytest.fixture(scope="module")
def processed(small_processed) -> dict[str, dict[int, pd.DataFrame]]:
    return {table: {year: pd.read_parquet(small_processed / str(year) / f"{table}.parquet")
                    for year in (2565, 2566)}
            for table in ("scored_laos", "indicator_scores")}


@pytest.fixture(scope="module")
def truth(small_demo) -> dict:
    return json.loads((small_demo / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def comparable(processed) -> dict[int, pd.DataFrame]:
    table = comparable_indicators(demo.framework(2565), demo.framework(2566))
    ids = table.loc[table["comparable"], "indicator_id"]
    assert 0 < len(ids) < len(table)  # the frameworks differ: something is excluded
    return {year: comparable_scores(frame, ids)
            for year, frame in processed["indicator_scores"].items()}


def test_year_trend_is_recovered_on_comparable_indicators(comparable, truth):
    per_year = truth["year_trend_pct_points_per_year"]
    overall = paired_change(comparable[2565], comparable[2566], value=MEASURES)
    overall = overall.set_index("measure").loc["overall_pct"]
    assert overall["note"] is None and overall["p_value"] < 0.01
    assert overall["hl_ci_low"] <= per_year <= overall["hl_ci_high"]
    means = trend_table(comparable).query("measure == 'overall_pct'").set_index("year")
    assert means.loc[2566, "estimate"] > means.loc[2565, "estimate"]


def test_type_gap_points_the_planted_way(processed, truth):
    offsets = truth["type_offsets_pct_points"]
    # three provinces have 4 town municipalities, below the reports' MIN_GROUP_N: the planted
    # gaps are a check of the method, so it is asked to test groups of 4 here
    pairs = pairwise_types(processed["scored_laos"][2566], min_n=4).query("note.isna()")
    checked = 0
    for row in pairs.itertuples():
        planted = offsets[row.group_a] - offsets[row.group_b]
        if abs(planted) >= 1.5 and min(row.n_a, row.n_b) >= 4:  # big enough to show
            assert (row.rank_biserial > 0) == (planted > 0), (row.group_a, row.group_b)
            checked += 1
    assert checked >= 2


def test_hard_indicators_are_the_weakest_in_the_composite_audit(processed, truth):
    from lpa_analysis.stats import composite

    dist = composite.indicator_distribution(processed["indicator_scores"][2566])
    counted = dist[~dist["pilot"].astype(bool) & (dist["n"] >= 30)]
    weakest = set(counted.nsmallest(len(truth["hard_indicators"]), "mean")["indicator_id"])
    assert weakest == set(truth["hard_indicators"])
    assert (counted.set_index("indicator_id").loc[sorted(weakest), "mean"] < 0.40).all()
