"""paired_change / biggest_movers / comparable_* against R (tests/references/change.R), and the
province report measuring every change on that one basis."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from lpa_analysis import i18n
from lpa_analysis.schema import Framework
from lpa_analysis.settings import ALPHA
from lpa_analysis.stats import (
    biggest_movers, comparable_basis, comparable_change, comparable_indicators,
    comparable_scores, hodges_lehmann, paired_change,
)
from lpa_analysis.stats._common import MEASURES

REFS = Path(__file__).parent / "references"
CHANGE_COLUMNS = ["n_pairs", "median_change", "mean_change", "n_zero", "statistic", "p_value"]
# R reaches the Hodges–Lehmann estimate and CI by root finding with tolerance 1e-4: equal to R
# within 1e-6 means the same steps were taken (see stats.change.hodges_lehmann).
HL_COLUMNS = ["hl_estimate", "hl_ci_low", "hl_ci_high"]


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
                      columns: list[str], tol: float = 1e-9) -> None:
    ref = pd.DataFrame(ref_rows)
    merged = ref.merge(ours, on=keys, how="left", suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(ref)
    for column in columns:
        np.testing.assert_allclose(merged[column].astype(float),
                                   merged[f"{column}_r"].astype(float),
                                   rtol=tol, atol=tol, err_msg=column)


def assert_change_matches(ours: pd.DataFrame, ref_rows: list[dict], keys: list[str]) -> None:
    assert_rows_match(ours, ref_rows, keys, CHANGE_COLUMNS)
    assert_rows_match(ours, ref_rows, keys, HL_COLUMNS, tol=1e-6)


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
    assert_change_matches(ours, reference["overall"], ["measure"])
    overall = ours.set_index("measure").loc["overall_pct"]
    assert overall["n_only_a"] == reference["n_only_a"] == 2
    assert overall["n_only_b"] == reference["n_only_b"] == 3
    assert overall["n_zero"] == 5 and overall["note"] is None


def test_paired_change_by_type_matches_r(years, reference):
    ours = paired_change(*years, value=MEASURES, by="lao_type")
    assert_change_matches(ours, reference["by_type"], ["lao_type", "measure"])
    # below 6 changes R can only give a lower level: no 95 % CI, the estimate stays
    small = ours.loc[ours["n_pairs"] < 6]
    assert len(small) > 0 and small[["hl_ci_low", "hl_ci_high"]].isna().all().all()
    assert small["hl_estimate"].notna().all()


def test_ci_and_p_value_come_from_the_same_test(years):
    """The CI excludes 0 exactly when the signed-rank p is below ALPHA (a CI of the median
    change, from the sign test, disagreed with p for Phrae's d1: CI from −0.34, p = 0.019)."""
    changes = pd.concat([paired_change(*years, value=MEASURES),
                         paired_change(*years, value=MEASURES, by="lao_type")])
    changes = changes.dropna(subset=["hl_ci_low", "p_value"])
    excludes_zero = (changes["hl_ci_low"] > 0) | (changes["hl_ci_high"] < 0)
    assert len(changes) > 10
    assert (excludes_zero == (changes["p_value"] < ALPHA)).all()
    assert ((changes["hl_ci_low"] <= changes["hl_estimate"])
            & (changes["hl_estimate"] <= changes["hl_ci_high"])).all()


def test_hodges_lehmann_by_hand():
    # Walsh averages of (1, 2, 3): 1, 1.5, 2, 2, 2.5, 3 → pseudo-median 2 (within R's 1e-4)
    estimate, low, high = hodges_lehmann(np.array([1.0, 2.0, 3.0]))
    assert estimate == pytest.approx(2, abs=1e-4) and np.isnan(low) and np.isnan(high)
    # shifting every change shifts the estimate and the CI by as much
    x = np.array([-1.2, 0.4, 0.9, 1.5, 2.2, 2.8, 3.1, 4.0, 5.5, 6.1])
    base, moved = hodges_lehmann(x), hodges_lehmann(x + 10)
    np.testing.assert_allclose(np.array(moved) - 10, base, atol=2e-4)
    # all changes equal: that change, no interval; zeros are dropped first
    equal = hodges_lehmann(np.array([0.0, 2.5, 2.5, 2.5]))
    assert equal[0] == 2.5 and np.isnan(equal[1:]).all()
    assert np.isnan(hodges_lehmann(np.zeros(4))).all()


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
    assert_change_matches(paired_change(c65, c66, value=MEASURES),
                          reference["comparable_change"], ["measure"])


@pytest.mark.parametrize(("method_a", "method_b", "ref"), [
    ("mean_of_dimensions", "points", "comparable_change"),  # as 2565 → 2566
    ("points", "mean_of_dimensions", "comparable_change_mean"),
])
def test_comparable_change_uses_the_later_years_overall_method(reference, method_a, method_b,
                                                                ref):
    a = framework(2565, 4.0).model_copy(update={"overall_method": method_a})
    b = framework(2566, 5.0).model_copy(update={"overall_method": method_b})
    basis = comparable_basis(a, b)
    assert (basis.overall_method, basis.overall_method_a) == (method_b, method_a)
    assert len(basis.indicator_ids) == 10 and basis.n_excluded_indicators == 2
    scores = [read(f"stats_indicator_scores_{y}.csv") for y in (2565, 2566)]
    rescored_2566 = "comparable_2566" if method_b == "points" else "comparable_2566_mean"
    assert_rows_match(basis.rescore(scores[1]), reference[rescored_2566], ["lao_code"], MEASURES)
    change = comparable_change(*scores, basis)
    assert_change_matches(change, reference[ref], ["measure"])
    assert (change[["year_a", "year_b", "n_comparable_indicators", "overall_method"]]
            .drop_duplicates().values.tolist() == [[2565, 2566, 10, method_b]])
    missing = comparable_change(None, scores[1], basis)
    assert missing["note"].eq("missing_year").all() and len(missing) == len(MEASURES)


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


# -- the province report: change, movers and appendix on one basis --------------------------

@pytest.fixture(scope="module")
def phrae(small_processed):
    from lpa_analysis.report import province_report

    return province_report(2566, "54", lang="en", processed_dir=small_processed)


@pytest.fixture(scope="module")
def comparable_change_by_hand(small_processed) -> pd.Series:
    """Each Phrae LAO's change 2565 → 2566 computed here from the indicator scores: points over
    maxima (2566's overall method) on the indicators comparable between the two frameworks."""
    from lpa_analysis.processed import load_processed

    years = {y: load_processed(y, small_processed) for y in (2565, 2566)}
    assert years[2565].framework.overall_method == "mean_of_dimensions"
    assert years[2566].framework.overall_method == "points"
    table = comparable_indicators(years[2565].framework, years[2566].framework)
    ids = set(table.loc[table["comparable"], "indicator_id"])
    overall = {}
    for year, processed in years.items():
        rows = processed.indicator_scores_of("54")
        rows = rows[rows["indicator_id"].isin(ids) & ~rows["pilot"] & ~rows["not_applicable"]]
        sums = rows.groupby("lao_code")[["verified_points", "max_points"]].sum()
        overall[year] = 100 * sums["verified_points"] / sums["max_points"]
    return (overall[2566] - overall[2565]).dropna()


def test_movers_appendix_and_paired_change_agree_for_every_lao(phrae, comparable_change_by_hand):
    expected = comparable_change_by_hand
    # the published scores (two overall methods) would have moved some LAOs the other way
    published = phrae.tables["laos"].set_index("lao_code")["overall_pct"] - \
        phrae.history[2565].set_index("lao_code")["overall_pct"]
    assert (np.sign(published.reindex(expected.index)) != np.sign(expected)).any()

    laos = phrae.tables["laos"].set_index("lao_code")
    np.testing.assert_allclose(laos["change"].reindex(expected.index), expected, atol=1e-9)
    np.testing.assert_allclose(laos["comparable_overall"] - laos["comparable_overall_previous"],
                               laos["change"], atol=1e-12)

    movers = phrae.tables["movers"].dropna(subset=["lao_code"])
    assert len(movers) == 10
    np.testing.assert_allclose(movers["change"], expected.reindex(movers["lao_code"]), atol=1e-9)
    assert (np.sign(movers["change"]) == movers["direction"].map({"up": 1, "down": -1})).all()
    rises = expected.rename("change").reset_index().sort_values(
        ["change", "lao_code"], ascending=[False, True])
    assert movers.loc[movers["direction"] == "up", "lao_code"].tolist() == \
        rises["lao_code"].head(5).tolist()

    # the paired test sees the same changes: same count, zeros, signs and ranks (R's V)
    overall = phrae.tables["change"].set_index("measure").loc["overall_pct"]
    nonzero = expected[expected != 0].to_numpy()
    assert overall["n_pairs"] == len(expected)
    assert overall["n_zero"] == (expected == 0).sum()
    assert overall["statistic"] == st.rankdata(np.abs(nonzero))[nonzero > 0].sum()
    assert overall["median_change"] == pytest.approx(expected.median(), abs=1e-9)
    assert overall["mean_change"] == pytest.approx(expected.mean(), abs=1e-9)
    assert overall["overall_method"] == "points" and overall["overall_method_a"] != "points"


NUMBER = r"([+−-]?[\d,]+(?:\.\d+)?)"
P_VALUE = r"p (=|<) (\d\.\d+)"
YEARS = re.compile(r"\d{4} \(\d{4}\)")  # "2565 (2022)": a year label, not a number to check


def number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", "").lstrip("+"))


def numbers_in(text: str) -> list[float]:
    """Every number written in `text` but the year labels."""
    return [number(n.rstrip(",")) for n in
            re.findall(r"[+−-]?\d[\d,]*(?:\.\d+)?", YEARS.sub("", text))]


def change_test_note(notes: str, row: pd.Series, previous: str, year: str) -> None:
    """The method notes give the paired change's test, every number a cell of `row` (a change
    table's overall_pct row): the Hodges–Lehmann estimate and 95% CI of the LAOs whose score
    changed, and the signed-rank p value, its CI clear of 0 exactly when p < ALPHA."""
    head = rf"Change from {re.escape(previous)} to {re.escape(year)}: "
    tail = (rf"{NUMBER} percentage points, 95% CI {NUMBER} to {NUMBER}; Wilcoxon signed-rank "
            rf"test, {P_VALUE}\.")
    if row["n_zero"]:
        found = re.search(head + rf"the Hodges–Lehmann estimate of the change, from the {NUMBER} "
                          rf"LAOs whose score changed \({NUMBER} unchanged\), is " + tail, notes)
        assert found, notes
        # the signed-rank test and its estimate leave out the LAOs whose score did not change
        assert number(found[1]) == row["n_pairs"] - row["n_zero"]
        assert number(found[2]) == row["n_zero"]
        values = found.groups()[2:]
    else:
        found = re.search(head + rf"every one of the {NUMBER} LAOs' scores changed; the "
                          r"Hodges–Lehmann estimate of the change is " + tail, notes)
        assert found, notes
        assert number(found[1]) == row["n_pairs"]
        values = found.groups()[1:]
    for value, column in zip(values, ("hl_estimate", "hl_ci_low", "hl_ci_high"), strict=False):
        assert number(value) == round(row[column], 2), column
    relation, p = values[3], float(values[4])
    assert p == round(row["p_value"], 3) if relation == "=" else row["p_value"] < p == 0.001
    excludes_zero = row["hl_ci_low"] > 0 or row["hl_ci_high"] < 0
    assert excludes_zero == (row["p_value"] < ALPHA)


def test_change_sentence_numbers_are_the_change_table(phrae):
    text = phrae.text("change")
    row = phrae.tables["change"].set_index("measure").loc["overall_pct"]
    basis = re.search(rf"rescored on the {NUMBER} indicators defined identically in the two "
                      rf"years' frameworks \({NUMBER} indicators differ", text)
    assert basis, text
    assert number(basis[1]) == row["n_comparable_indicators"]
    assert number(basis[2]) == row["n_excluded_indicators"]
    assert "computed as the points obtained on all indicators over their maximum points" in text
    assert "The overall method changed in 2566" in text
    # the section says what the change means, in words; the test and its interval are method
    estimate = round(row["hl_estimate"], 2)
    result = re.search(rf"On this basis, the overall score of the {NUMBER} LAOs assessed in both "
                       rf"years typically (rose|fell) by about {NUMBER} percentage points from "
                       rf"2565 \(2022\) to 2566 \(2023\)\.", text)
    assert result, text
    assert number(result[1]) == row["n_pairs"]
    assert result[2] == ("rose" if estimate > 0 else "fell") and estimate != 0
    assert number(result[3]) == abs(estimate)
    chance = re.search(r"This is (more than chance would give|no more than chance could give) "
                       r"\(the test is in the method notes\)\.", text)
    assert chance, text
    assert chance[1].startswith("more") == (row["p_value"] < ALPHA)
    # no other number: neither the interval nor the test is in the section
    numbers = numbers_in(text)
    assert sorted(numbers) == sorted([row["n_comparable_indicators"],
                                      row["n_excluded_indicators"], row["n_pairs"],
                                      abs(estimate)]), text
    assert not re.search(r"\bp [=<]|\bCI\b|confidence interval|Wilcoxon", text)
    change_test_note(phrae.text("method_notes"), row, "2565 (2022)", "2566 (2023)")


def test_every_comparison_of_years_states_the_basis(phrae, small_processed):
    from lpa_analysis.report import province_report
    from lpa_analysis.report.base import change_basis_text

    thai = province_report(2566, "54", lang="th", processed_dir=small_processed)
    for rep in (phrae, thai):
        row = rep.tables["change"].set_index("measure").loc["overall_pct"]
        basis = change_basis_text(row, rep.lang)
        assert basis in rep.text("change").split("\n\n"), rep.lang
        # written out once, in the trend (change) section; every other use points there
        texts = {section: rep.text(section) for section in rep.TEXTS}
        assert [s for s, text in texts.items() if basis in text] == ["change"], rep.lang
        assert sum(text.count(basis) for text in texts.values()) == 1, rep.lang
        pointer = i18n.t("trend.basis_pointer", rep.lang,
                         n_comparable=i18n.fmt_num(row["n_comparable_indicators"]))
        for section in ("movers", "appendix_laos", "method_notes"):
            assert pointer in texts[section].split("\n\n") or f"- {pointer}" in \
                texts[section].split("\n\n"), (rep.lang, section)
        assert pointer not in texts["change"], rep.lang
    n_comparable = phrae.tables["change"].set_index("measure").loc[
        "overall_pct", "n_comparable_indicators"]
    assert (f"Comparable scores use the {n_comparable} indicators both years share: see the "
            "Trend section.") in phrae.text("movers")
    row = thai.tables["change"].set_index("measure").loc["overall_pct"]
    th = thai.text("change") + thai.text("method_notes")
    for column in ("hl_estimate", "hl_ci_low", "hl_ci_high"):
        assert re.search(rf"[+−]?{abs(row[column]):.2f}(?!\d)", th), column
    assert "เปลี่ยนในปี 2566" in th  # the overall method changed in 2566


def test_a_change_within_chance_is_not_called_a_rise_or_fall(small_processed):
    """With p ≥ ALPHA the sentence says the score changed little, with the estimate signed,
    and claims neither a rise nor a fall (planted: the same report, its p value raised)."""
    from lpa_analysis.report import province_report

    rep = province_report(2566, "54", lang="en", processed_dir=small_processed)
    change = rep.tables["change"]
    overall = change["measure"] == "overall_pct"
    change.loc[overall, "p_value"] = max(ALPHA, 0.5)
    text = rep.text("change")
    row = change[overall].iloc[0]
    assert "changed little" in text and "within what chance gives" in text
    assert f"about {i18n.fmt_signed(row['hl_estimate'], 2)} percentage points" in text
    assert not re.search(r"typically (rose|fell)", text)
