"""paired_change / biggest_movers / comparable_* against R (tests/references/change.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.schema import Framework
from lpa_analysis.stats import (
    biggest_movers, comparable_indicators, comparable_scores, paired_change,
)
from lpa_analysis.stats._common import MEASURES

REFS = Path(__file__).parent / "references"
CHANGE_COLUMNS = ["n_pairs", "median_change", "ci_low", "ci_high", "mean_change", "n_zero",
                  "statistic", "p_value"]


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFS / name, dtype={"lao_code": str, "province_code": str,
                                           "indicator_id": str})


@pytest.fixture(scope="module")
def years() -> tuple[pd.DataFrame, pd.DataFrame]:
    return read("stats_scored_2565.csv"), read("stats_scored_2566.csv")


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((REFS / "change.json").read_text())


def assert_rows_match(ours: pd.DataFrame, ref_rows: list[dict], keys: list[str],
                      columns: list[str]) -> None:
    ref = pd.DataFrame(ref_rows)
    merged = ref.merge(ours, on=keys, how="left", suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(ref)
    for column in columns:
        np.testing.assert_allclose(merged[column].astype(float),
                                   merged[f"{column}_r"].astype(float),
                                   rtol=1e-9, atol=1e-9, err_msg=column)


def framework(year: int, changed_max: float) -> Framework:
    """The frameworks stats_data.R scored against: 2.2 had max 4 in 2565, 5.4 is a pilot."""
    def indicator(iid: str, **extra):
        top = extra.pop("max_points", 5.0)
        return {"id": iid, "dimension": int(iid[0]), "name_th": iid, "name_en": iid,
                "max_points": top, "levels": [float(v) for v in range(int(top) + 1)], **extra}
    ids = ["1.1", "1.2", "2.1", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2"]
    return Framework.model_validate({
        "year": year, "overall_method": "points",
        "bands": [{"id": b, "name_th": b, "name_en": b, "min_pct": m}
                  for b, m in [("excellent", 90), ("very_good", 80), ("good", 70), ("below", 0)]],
        "dimensions": [{"id": d, "name_th": str(d), "name_en": str(d)} for d in range(1, 6)],
        "indicators": [*(indicator(i) for i in ids), indicator("2.2", max_points=changed_max),
                       indicator("5.3", applies_to=["city_municipality"]),
                       indicator("5.4", pilot=True)],
    })


def test_paired_change_matches_r_wilcoxon(years, reference):
    ours = paired_change(*years, value=MEASURES)
    assert_rows_match(ours, reference["overall"], ["measure"], CHANGE_COLUMNS)
    overall = ours.set_index("measure").loc["overall_pct"]
    assert overall["n_only_a"] == reference["n_only_a"] == 2
    assert overall["n_only_b"] == reference["n_only_b"] == 3
    assert overall["n_zero"] == 5 and overall["note"] is None


def test_paired_change_by_type_matches_r(years, reference):
    ours = paired_change(*years, value=MEASURES, by="lao_type")
    assert_rows_match(ours, reference["by_type"], ["lao_type", "measure"], CHANGE_COLUMNS)
    small = ours.loc[ours["n_pairs"] < 6]
    assert len(small) > 0 and small[["ci_low", "ci_high"]].isna().all().all()


def test_biggest_movers_match_r(years, reference):
    movers = biggest_movers(*years, n=5)
    for direction in ("up", "down"):
        mine = movers.loc[movers["direction"] == direction]
        ref = reference[f"movers_{direction}"]
        assert mine["lao_code"].tolist() == [r["lao_code"] for r in ref]
        assert mine["rank"].tolist() == [1, 2, 3, 4, 5]
        np.testing.assert_allclose(mine["change"], [r["change"] for r in ref], rtol=1e-12)
    assert (movers.loc[movers["direction"] == "up", "change"] > 0).all()


def test_comparable_indicators_names_the_reasons():
    table = comparable_indicators(framework(2565, 4.0), framework(2566, 5.0))
    table = table.set_index("indicator_id")
    assert table.loc["2.2", "reason"] == "max_points_changed; levels_changed"
    assert table.loc["5.4", "reason"] == "pilot_in_a; pilot_in_b"
    assert table["comparable"].sum() == 10
    assert table.loc[table["comparable"], "reason"].eq("").all()


def test_comparable_indicators_dropped_added_and_moved():
    a, b = framework(2565, 5.0), framework(2566, 5.0)
    moved = b.indicators[0].model_copy(update={"dimension": 2})
    b = b.model_copy(update={"indicators": [moved, *b.indicators[2:]]})
    table = comparable_indicators(a, b).set_index("indicator_id")
    assert table.loc["1.1", "reason"] == "dimension_changed"
    assert table.loc["1.2", "reason"] == "only_in_a"
    extra = b.model_copy(update={"indicators": [*b.indicators, b.indicators[1].model_copy(
        update={"id": "9.9"})]})
    added = comparable_indicators(a, extra).set_index("indicator_id")
    assert added.loc["9.9", "reason"] == "only_in_b"


def test_change_on_comparable_indicators_matches_r(reference):
    ids = comparable_indicators(framework(2565, 4.0), framework(2566, 5.0))
    ids = ids.loc[ids["comparable"], "indicator_id"]
    c65 = comparable_scores(read("stats_indicator_scores_2565.csv"), ids)
    c66 = comparable_scores(read("stats_indicator_scores_2566.csv"), ids)
    assert_rows_match(c66, reference["comparable_2566"], ["lao_code"], MEASURES)
    assert_rows_match(paired_change(c65, c66, value=MEASURES), reference["comparable_change"],
                      ["measure"], CHANGE_COLUMNS)


def test_missing_year_empty_one_lao_and_no_change(years):
    a, b = years
    missing = paired_change(None, b, value=["overall_pct", "d1_pct"])
    assert missing["note"].tolist() == ["missing_year"] * 2
    assert biggest_movers(a, None)["note"].tolist() == ["missing_year"] * 2
    none = paired_change(a, b.iloc[:0]).iloc[0]
    assert none["n_pairs"] == 0 and none["note"] == "not_enough_data"
    assert biggest_movers(a, b.iloc[:0])["note"].tolist() == ["not_enough_data"] * 2
    one = paired_change(a, b.loc[b["lao_code"] == a["lao_code"].iloc[0]]).iloc[0]
    assert one["n_pairs"] == 1 and one["note"] == "not_enough_data" and np.isnan(one["p_value"])
    still = paired_change(a, a).iloc[0]
    assert still["note"] == "no_variation" and still["median_change"] == 0
    assert biggest_movers(a, a)["note"].tolist() == ["no_variation"] * 2
