"""trend_table against R (tests/references/trends.R), missing years and thin groups; year_changes
against R (tests/references/change.R) and the national table built from it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lpa_analysis.stats import trend_table, year_changes

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


# -- year_changes: the change from each year to the next, on each pair's comparable basis ----

def test_year_changes_match_r_and_mark_missing_years():
    from test_stats_change import HL_COLUMNS, framework, read

    reference = json.loads((REFS / "change.json").read_text())
    scores = {2564: None, 2565: read("stats_indicator_scores_2565.csv"),
              2566: read("stats_indicator_scores_2566.csv")}
    frameworks = {2565: framework(2565, 4.0).model_copy(
        update={"overall_method": "mean_of_dimensions"}), 2566: framework(2566, 5.0)}
    table = year_changes(scores, frameworks)
    assert table[["year_a", "year_b"]].drop_duplicates().values.tolist() == [[2564, 2565],
                                                                             [2565, 2566]]
    gap = table[table["year_a"] == 2564]
    assert len(gap) == 6 and gap["note"].eq("missing_year").all()
    assert gap["hl_estimate"].isna().all()
    later = table[table["year_a"] == 2565]
    ref = pd.DataFrame(reference["comparable_change"])  # points in both years, 10 indicators
    merged = ref.merge(later, on="measure", suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == 6
    for column, tol in [*((c, 1e-9) for c in ("n_pairs", "mean_change", "statistic",
                                              "p_value")), *((c, 1e-6) for c in HL_COLUMNS)]:
        np.testing.assert_allclose(merged[column].astype(float), merged[f"{column}_r"],
                                   rtol=tol, atol=tol, err_msg=column)
    assert later["overall_method"].eq("points").all()
    assert later["n_comparable_indicators"].eq(10).all()


def test_year_changes_reads_each_year_once():
    from test_stats_change import framework, read

    reads = []
    frame = read("stats_indicator_scores_2566.csv")

    class Counted(Mapping):  # a lazy mapping, as reference.py passes
        def __getitem__(self, year):
            reads.append(year)
            return frame

        def __iter__(self):
            return iter((2564, 2565, 2566))

        def __len__(self):
            return 3

    scores = Counted()
    year_changes(scores, {y: framework(y, 5.0) for y in scores})
    assert sorted(reads) == [2564, 2565, 2566]
    assert year_changes({}, {}).empty


def test_national_year_change_covers_every_lao(small_processed):
    """The reference table of the national report: every LAO assessed in both years, all
    provinces, not a subset."""
    from lpa_analysis import reference
    from lpa_analysis.processed import load_processed

    table = reference.load(2566, small_processed)["year_change"]
    overall = table[table["measure"] == "overall_pct"].iloc[0]
    assert (overall["year_a"], overall["year_b"]) == (2565, 2566)
    codes = [set(load_processed(y, small_processed).scored_laos["lao_code"])
             for y in (2565, 2566)]
    assert overall["n_pairs"] == len(codes[0] & codes[1])
    phrae = [{c for c in year if c[1:3] == "54"} for year in codes]
    assert overall["n_pairs"] > len(phrae[0] & phrae[1]) > 0  # three provinces, not one
    assert overall["overall_method"] == "points" and overall["note"] is None


def test_national_trend_sentence_numbers_are_the_year_change_table(small_processed):
    import re

    from lpa_analysis.report import national_report
    from lpa_analysis.report.base import change_basis_text
    from lpa_analysis.settings import ALPHA
    from test_stats_change import NUMBER, change_test_note, number, numbers_in

    rep = national_report(2566, lang="en", processed_dir=small_processed)
    row = rep.tables["year_change"].query("measure == 'overall_pct'").iloc[0]
    text = rep.text("trend")
    found = re.search(
        rf"2565 \(2022\) to 2566 \(2023\): the overall score of the {NUMBER} LAOs assessed in "
        rf"both years changed by about {NUMBER} percentage points \(95% confidence interval "
        rf"{NUMBER} to {NUMBER}\); (more than chance would give\.|this may be chance\.)", text)
    assert found, text
    assert number(found[1]) == row["n_pairs"]
    for group, column in ((2, "hl_estimate"), (3, "hl_ci_low"), (4, "hl_ci_high")):
        assert number(found[group]) == round(row[column], 2), column
    assert found[5].startswith("more") == (row["p_value"] < ALPHA)
    # every number of the section is a cell of the table: the p value is in the method notes
    numbers = numbers_in(text)
    assert sorted(numbers) == sorted([
        95, row["n_comparable_indicators"], row["n_excluded_indicators"], row["n_pairs"],
        *(round(row[c], 2) for c in ("hl_estimate", "hl_ci_low", "hl_ci_high"))]), text
    assert not re.search(r"\bp [=<]|Wilcoxon", text)
    change_test_note(rep.text("method_notes"), row, "2565 (2022)", "2566 (2023)")
    # the comparable basis is written out once, in the trend section
    basis = change_basis_text(row, rep.lang)
    assert basis in text.split("\n\n")
    texts = {section: rep.text(section) for section in rep.TEXTS}
    assert sum(t.count(basis) for t in texts.values()) == 1
    assert f"rescored on the {row['n_comparable_indicators']} indicators" in text
    assert "The overall method changed in 2566 (2023)" in text
