"""compare_types / type_groups / pairwise_types / type_table against R
(tests/references/compare.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.settings import MIN_GROUP_N
from lpa_analysis.stats import compare_types, pairwise_types, type_groups, type_table

REFS = Path(__file__).parent / "references"
VALUES = ["overall_pct", "d1_pct"]


@pytest.fixture(scope="module")
def scored() -> pd.DataFrame:
    return pd.read_csv(REFS / "stats_scored_2566.csv",
                       dtype={"lao_code": str, "province_code": str})


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((REFS / "compare.json").read_text())


def close(ours, theirs, column):
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float),
                               rtol=1e-9, atol=1e-12, err_msg=column)


def check_test(row: pd.Series, ref: dict, ref_groups: list[dict]) -> None:
    for column in ("n", "k_groups", "statistic", "df", "p_value", "epsilon_sq"):
        close(row[column], ref[column], column)
    assert row["note"] is None and row["min_group_n"] == MIN_GROUP_N
    assert row["tested_groups"] == "; ".join(
        f"{g['lao_type']} (n={g['n']})" for g in ref_groups if g["in_test"])


def test_r_used_the_settings_minimum(reference):
    assert reference["min_n"] == [MIN_GROUP_N]


def check_pairs(ours: pd.DataFrame, ref_rows: list[dict]) -> None:
    ref = pd.DataFrame(ref_rows)
    tested = ours.loc[ours["note"].isna()].reset_index(drop=True)
    pair = ["group_a", "group_b"]
    assert tested[pair].values.tolist() == ref[pair].values.tolist()
    for column in ("n_a", "n_b", "u_statistic", "p_value", "p_holm", "rank_biserial"):
        close(tested[column], ref[column], column)


@pytest.mark.parametrize("value", VALUES)
def test_national_matches_r(scored, reference, value):
    ref = reference[value]["national"]
    ours = compare_types(scored, value=value)
    assert len(ours) == 1
    check_test(ours.iloc[0], ref["test"][0], ref["groups"])
    groups = type_groups(scored, value=value)
    assert groups["lao_type"].tolist() == [g["lao_type"] for g in ref["groups"]]
    close(groups["n"], [g["n"] for g in ref["groups"]], "n")
    close(groups["median"], [g["median"] for g in ref["groups"]], "median")
    check_pairs(pairwise_types(scored, value=value), ref["pairs"])


@pytest.mark.parametrize("value", VALUES)
def test_within_province_excludes_single_laos_and_matches_r(scored, reference, value):
    tests = compare_types(scored, value=value, within="province_code").set_index("province_code")
    pairs = pairwise_types(scored, value=value, within="province_code")
    groups = type_groups(scored, value=value, within="province_code")
    assert sorted(tests.index) == sorted(reference[value]["province"])
    for code, ref in reference[value]["province"].items():
        check_test(tests.loc[code], ref["test"][0], ref["groups"])
        small = [f"{g['lao_type']} (n={g['n']})" for g in ref["groups"] if not g["in_test"]]
        assert small and tests.loc[code, "excluded_groups"] == "; ".join(small)
        mine = groups.loc[groups["province_code"] == code]
        assert mine["in_test"].tolist() == [g["in_test"] for g in ref["groups"]]
        assert mine.loc[~mine["in_test"], "note"].eq("not_enough_data").all()
        in_province = pairs.loc[pairs["province_code"] == code]
        check_pairs(in_province, ref["pairs"])
        pao_pairs = in_province.loc[in_province["group_a"] == "pao"]
        assert len(pao_pairs) > 0 and pao_pairs["note"].eq("not_enough_data").all()
        assert pao_pairs["p_value"].isna().all()


def test_rank_biserial_sign_follows_group_a(scored):
    shifted = scored.assign(overall_pct=np.where(scored["lao_type"] == "sao", 10.0, 90.0)
                            + np.arange(len(scored)) * 1e-3)
    pairs = pairwise_types(shifted).set_index(["group_a", "group_b"])
    assert pairs.loc[("subdistrict_municipality", "sao"), "rank_biserial"] == 1.0


def test_one_group_left_is_single_group(scored):
    saos = scored.loc[(scored["lao_type"].isin(["sao", "pao"]))
                      & (scored["province_code"] == "50")]
    row = compare_types(saos).iloc[0]
    assert row["note"] == "single_group" and row["k_groups"] == 1
    assert row["excluded_groups"] == "pao (n=1)" and np.isnan(row["statistic"])


def test_empty_one_lao_and_identical_scores(scored):
    empty = compare_types(scored.iloc[:0]).iloc[0]
    assert empty["note"] == "not_enough_data" and empty["n"] == 0
    assert pairwise_types(scored.iloc[:0]).empty
    assert type_groups(scored.iloc[:1])["note"].tolist() == ["not_enough_data"]
    assert compare_types(scored.iloc[:1]).iloc[0]["note"] == "not_enough_data"
    same = compare_types(scored.assign(overall_pct=75.0)).iloc[0]
    assert same["note"] == "no_variation" and np.isnan(same["p_value"])
    same_pairs = pairwise_types(scored.assign(overall_pct=75.0))
    tested = same_pairs[["n_a", "n_b"]].min(axis=1) >= MIN_GROUP_N
    assert same_pairs.loc[tested, "note"].eq("no_variation").all() and tested.sum() == 3


def test_small_types_take_part_in_no_test(scored):
    pairs = pairwise_types(scored, within="province_code")
    tested = pairs.loc[pairs["p_value"].notna()]
    assert len(tested) and (tested[["n_a", "n_b"]].min(axis=1) >= MIN_GROUP_N).all()
    small = pairs[["n_a", "n_b"]].min(axis=1) < MIN_GROUP_N
    assert pairs.loc[small, "note"].eq("not_enough_data").all()
    assert pairs.loc[small, ["p_value", "p_holm", "rank_biserial"]].isna().all().all()


def test_two_tested_types_are_one_comparison_with_one_p(scored):
    """Kruskal–Wallis of two groups is the Mann–Whitney test without continuity correction
    (H = z²), so a report never shows two p values for the same two types."""
    tests = compare_types(scored, within="province_code")
    pairs = pairwise_types(scored, within="province_code")
    two = tests.loc[tests["k_groups"] == 2]
    assert len(two) == 3  # every province: SAOs and subdistrict municipalities only
    for row in two.itertuples():
        pair = pairs.loc[(pairs["province_code"] == row.province_code) & pairs["note"].isna()]
        assert len(pair) == 1 and row.df == 1
        close(pair["p_value"], [row.p_value], "p_value")
        close(pair["p_holm"], [row.p_value], "p_holm")


def test_minimum_is_a_parameter(scored):
    row = compare_types(scored, min_n=2).iloc[0]
    assert row["k_groups"] == 5 and row["excluded_groups"] == "" and row["min_group_n"] == 2
    assert type_groups(scored, min_n=2)["in_test"].all()


def test_type_table_repeats_the_one_test_beside_each_type(scored, reference):
    table = type_table(scored)
    ref = reference["overall_pct"]["national"]
    assert table["lao_type"].tolist() == [g["lao_type"] for g in ref["groups"]]
    assert table["in_test"].tolist() == [g["in_test"] for g in ref["groups"]]
    for column, ref_column in (("statistic", "statistic"), ("df", "df"), ("p_value", "p_value"),
                               ("epsilon_sq", "epsilon_sq"), ("n_test", "n"),
                               ("k_groups", "k_groups")):
        close(table[column], [ref["test"][0][ref_column]] * len(table), column)
    assert (table["min_group_n"] == MIN_GROUP_N).all() and table["test_note"].isna().all()
    assert table.loc[table["in_test"], "n"].sum() == table["n_test"].iloc[0]
