"""indicator_gaps against R (tests/references/indicators.R), against every possible draw of a
tiny case and against an independent oracle on all provinces; the minimum group and the
zero-variance rules on the Phrae demo; the indicators sentence against the table it quotes."""

from __future__ import annotations

import itertools
import json
import re
from fractions import Fraction
from math import gcd, lcm
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.polynomial import polynomial
from statsmodels.stats.multitest import multipletests

from lpa_analysis import i18n
from lpa_analysis.processed import load_processed
from lpa_analysis.report import province_report
from lpa_analysis.report.base import DISPLAY_ROWS
from lpa_analysis.settings import ALPHA, MIN_LAOS_FOR_INDICATOR_TEST
from lpa_analysis.stats import indicator_gaps, indicator_gaps_all

REFS = Path(__file__).parent / "references"
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def numbers_in(text: str) -> list[float]:
    return [float(n.rstrip(",").replace(",", "")) for n in NUMBER.findall(text)]
NUMERIC = ["dimension", "n_province", "n_rest", "attainment_province", "attainment_rest",
           "difference", "ci_low", "ci_high", "statistic", "p_value", "q_value"]


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return pd.read_csv(REFS / "stats_indicator_scores_2566.csv",
                       dtype={"lao_code": str, "province_code": str, "indicator_id": str})


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((REFS / "indicators.json").read_text())


def off_grid(scores: pd.DataFrame) -> pd.DataFrame:
    """Indicator 1.2 on no level grid (as indicators.R makes it): the normal approximation."""
    out = scores.copy()
    out.loc[out["indicator_id"] == "1.2", "attainment"] *= np.sqrt(2) / 2
    return out


@pytest.mark.parametrize("key", ["50", "90", "50_off_grid"])
def test_gaps_match_r(scores, reference, key):
    province, _, variant = key.partition("_")
    ours = indicator_gaps(off_grid(scores) if variant else scores, province)
    ref = pd.DataFrame(reference[key])
    merged = ref.merge(ours, on="indicator_id", suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(ref) == len(ours)
    for column in NUMERIC:
        np.testing.assert_allclose(merged[column].astype(float),
                                   merged[f"{column}_r"].astype(float),
                                   rtol=1e-9, atol=1e-12, err_msg=column)
    for column in ("note", "p_method"):
        assert merged[column].fillna("").tolist() == merged[f"{column}_r"].fillna("").tolist()


def test_exact_p_and_ci_by_enumerating_every_draw():
    """5 LAOs of a province among 12, levels 0, 0.5, 1: all 12⁵ ordered draws counted."""
    values = np.array([1, 0.5, 1, 1, 0.5, 0, 1, 0.5, 1, 0, 1, 0.5])
    frame = pd.DataFrame({"lao_code": [f"65001{i:02d}" for i in range(12)],
                          "indicator_id": "D1.01", "dimension": 1,
                          "province_code": ["65"] * 5 + ["66"] * 7, "not_applicable": False,
                          "pilot": False, "attainment": values})
    row = indicator_gaps(frame, "65").iloc[0]
    totals = np.array([sum(draw) for draw in itertools.product(values, repeat=5)])
    observed = values[:5].sum()
    p = min(1.0, 2 * min(np.mean(totals <= observed), np.mean(totals >= observed)))
    levels = np.unique(totals)
    low = min(v for v in levels if np.mean(totals <= v) > ALPHA / 2) - 0.25  # half a step
    high = max(v for v in levels if np.mean(totals >= v) > ALPHA / 2) + 0.25
    expected, k = 5 * values.mean(), 12 / (5 * 7)
    difference = values[:5].mean() - values[5:].mean()
    assert row["p_value"] == pytest.approx(p, abs=1e-12)
    assert row["ci_low"] == pytest.approx(difference - k * (high - expected), abs=1e-12)
    assert row["ci_high"] == pytest.approx(difference - k * (low - expected), abs=1e-12)
    assert row["p_method"] == "exact"


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


def test_unknown_province_identical_scores_and_too_few_laos(scores):
    nowhere = indicator_gaps(scores, "57")
    assert len(nowhere) == scores["indicator_id"].nunique()
    assert nowhere["note"].isin(["all_not_applicable", "pilot"]).all()
    same = indicator_gaps(scores.assign(attainment=1.0), "50")
    assert same["note"].isin(["no_variation", "all_not_applicable", "pilot"]).all()
    assert same["p_value"].isna().all()
    laos_50 = scores.loc[scores["province_code"] == "50", "lao_code"].unique()
    for kept, note in ((MIN_LAOS_FOR_INDICATOR_TEST - 1, "not_enough_data"),
                       (MIN_LAOS_FOR_INDICATOR_TEST, None)):
        few = scores[(scores["province_code"] != "50")
                     | scores["lao_code"].isin(laos_50[:kept])]
        row = indicator_gaps(few, "50").set_index("indicator_id").loc["1.1"]
        assert row["note"] == note and row["n_province"] == kept
        assert pd.isna(row["q_value"]) == (note is not None)
    assert indicator_gaps(scores.iloc[:0], "50").empty


@pytest.fixture(scope="module")
def edge_scores(scores) -> pd.DataFrame:
    """The fixture with every untestable case planted: one applicable LAO in a province,
    constant values on one side or everywhere, a one-LAO province, a missing attainment."""
    s = scores.copy()
    first_30, second_30 = s.loc[s["province_code"] == "30", "lao_code"].unique()[:2]
    s.loc[(s["indicator_id"] == "1.2") & (s["province_code"] == "30")
          & (s["lao_code"] != second_30), "not_applicable"] = True
    s.loc[(s["indicator_id"] == "2.1") & (s["province_code"] == "90"), "attainment"] = 0.6
    s.loc[s["indicator_id"] == "2.2", "attainment"] = 0.4
    s.loc[(s["indicator_id"] == "3.1") & (s["province_code"] != "50"), "attainment"] = 1.0
    s.loc[s["lao_code"] == first_30, "province_code"] = "58"
    s.loc[s.index[5], "attainment"] = np.nan
    return s


def test_all_provinces_at_once_equal_one_at_a_time(edge_scores):
    every = indicator_gaps_all(edge_scores)
    assert every["province_code"].unique().tolist() == ["30", "50", "58", "90"]
    assert list(every.columns) == ["province_code", *indicator_gaps(edge_scores, "50").columns]
    for province in ["30", "50", "58", "90"]:
        ours = every[every["province_code"] == province].drop(columns="province_code")
        pd.testing.assert_frame_equal(ours.reset_index(drop=True),
                                      indicator_gaps(edge_scores, province),
                                      check_exact=False, rtol=1e-9, atol=1e-12)


def _oracle(scores: pd.DataFrame, province: str, indicator_id: str) -> dict:
    """The test of one (province, indicator) from its definition: the grid from exact
    fractions, the distribution of n draws as numpy's polynomial power of their distribution."""
    if scores.loc[scores["indicator_id"] == indicator_id, "pilot"].any():
        return {"note": "pilot"}
    part = scores[(scores["indicator_id"] == indicator_id) & ~scores["not_applicable"]]
    part = part.dropna(subset=["attainment"])
    x = part.loc[part["province_code"] == province, "attainment"].to_numpy()
    y = part.loc[part["province_code"] != province, "attainment"].to_numpy()
    row = {"n_province": len(x), "n_rest": len(y)}
    if len(x) == 0:
        return {**row, "note": "all_not_applicable"}
    if min(len(x), len(y)) < MIN_LAOS_FOR_INDICATOR_TEST:
        return {**row, "note": "not_enough_data"}
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        return {**row, "note": "no_variation"}
    pooled = np.concatenate([x, y])
    above = [Fraction(v - pooled.min()).limit_denominator(1000) for v in pooled]
    step = Fraction(gcd(*(a.numerator for a in above)), lcm(*(a.denominator for a in above)))
    units = np.array([int(a / step) for a in above])
    pmf = np.bincount(units) / len(units)
    dist = polynomial.polypow(pmf, len(x))
    observed = units[:len(x)].sum()
    low = np.flatnonzero(np.cumsum(dist) > ALPHA / 2)[0] - 0.5
    high = np.flatnonzero(np.cumsum(dist[::-1])[::-1] > ALPHA / 2)[-1] + 0.5
    expected, n, big_n = len(x) * units.mean(), len(x), len(pooled)
    k = big_n / (n * (big_n - n)) * float(step)
    difference = x.mean() - y.mean()
    return {**row, "note": None, "difference": difference,
            "p_value": min(1, 2 * min(dist[:observed + 1].sum(), dist[observed:].sum())),
            "ci_low": difference - k * (high - expected),
            "ci_high": difference - k * (low - expected),
            "statistic": (x - pooled.mean()).sum() / np.sqrt(n * pooled.var())}


def test_all_provinces_match_the_oracle(edge_scores):
    every = indicator_gaps_all(edge_scores)
    for row in every.itertuples(index=False):
        expected = _oracle(edge_scores, row.province_code, row.indicator_id)
        assert row.note == expected.pop("note"), (row.province_code, row.indicator_id)
        for column, value in expected.items():
            np.testing.assert_allclose(getattr(row, column), value, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{row.province_code} {row.indicator_id} {column}")
    notes = every.set_index(["province_code", "indicator_id"])["note"]
    assert notes[("30", "1.2")] == "not_enough_data" and notes[("58", "1.1")] == "not_enough_data"
    assert notes[("90", "2.1")] is None and notes[("30", "3.1")] is None  # one side constant
    assert notes.xs("2.2", level="indicator_id").drop("58").eq("no_variation").all()
    tested = every[every["note"].isna()]
    excludes_zero = (tested["ci_low"] > 0) | (tested["ci_high"] < 0)
    assert (excludes_zero == (tested["p_value"] < ALPHA)).all()  # the CI inverts the test
    for _, gaps in tested.groupby("province_code"):
        q = multipletests(gaps["p_value"], method="fdr_bh")[1]
        np.testing.assert_allclose(gaps["q_value"], q, rtol=1e-12)


def test_two_alike_laos_of_phrae_are_no_finding(small_processed):
    """Phrae's D2.42 is scored by 2 LAOs, both 0.8 (as in the national demo, where Welch's
    test made it p = 4e-53): below the minimum it is not tested, and the exact test alone
    finds nothing in it either."""
    scores = load_processed(2566, small_processed).indicator_scores
    mine = scores[(scores["province_code"] == "54") & (scores["indicator_id"] == "D2.42")
                  & ~scores["not_applicable"]]
    assert len(mine) == 2 and mine["attainment"].nunique() == 1
    gaps = indicator_gaps(scores, "54").set_index("indicator_id")
    assert gaps.loc["D2.42", "note"] == "not_enough_data"
    assert pd.isna(gaps.loc["D2.42", "q_value"])
    tested = gaps[gaps["note"].isna()]
    assert (tested["n_province"] >= MIN_LAOS_FOR_INDICATOR_TEST).all()
    assert indicator_gaps(scores, "54", min_laos=2).set_index("indicator_id").loc[
        "D2.42", "p_value"] > ALPHA


@pytest.fixture(scope="module", params=["en", "th"])
def phrae(request, small_processed):
    return province_report(2566, "54", lang=request.param, processed_dir=small_processed)


def test_indicators_sentence_quotes_the_table_as_shown(phrae):
    table = phrae.tables["indicators"]
    shown = phrae.show("indicators").data
    rows = table[DISPLAY_ROWS["indicators"](table).to_numpy(dtype=bool)]
    id_header = i18n.table_headers(["indicator_id"], phrae.lang)["indicator_id"]
    assert shown[id_header].tolist() == rows["indicator_id"].tolist()
    assert rows["q_value"].notna().all()  # every row shown was tested
    below = int(((rows["q_value"] < ALPHA) & (rows["difference"] < 0)).sum())
    # intervals wholly below 0 as the table shows them (the sentence says "in the table")
    header = i18n.table_headers(["ci_high"], phrae.lang)["ci_high"]
    [ci_high] = [c for c in shown.columns if c in (header, f"{header} (%)")]
    n_ci_below = sum(float(v.replace("−", "-").replace(",", "")) < 0 for v in shown[ci_high])
    assert n_ci_below == int((rows["ci_high"] < 0).sum())
    expected_by_chance = round(ALPHA / 2 * len(shown))  # one side of a two-sided ALPHA
    fill = {"n_significant": below, "n_indicators": len(shown), "alpha": ALPHA,
            "min_laos": MIN_LAOS_FOR_INDICATOR_TEST, "n_untested": len(table) - len(shown),
            "n_ci_below": n_ci_below, "expected": expected_by_chance}
    counted = "indicators.n_significant" if below else "indicators.none_significant"
    paragraphs = [("indicators.intro", []),
                  (counted, ["n_significant", "n_indicators", "alpha", "min_laos",
                             "n_untested"][0 if below else 1:])]
    if n_ci_below > below:  # more intervals clear of 0 than indicators counted: say why
        paragraphs.append(("indicators.unadjusted", ["n_ci_below", "n_indicators",
                                                     "expected", "alpha"]))
    texts = phrae.text("indicators").split("\n\n")
    assert len(texts) == len(paragraphs)
    for text, (key, names) in zip(texts, paragraphs, strict=True):
        template = i18n.messages()[key][phrae.lang]
        assert sorted(re.findall(r"\{(\w+)\}", template)) == sorted(
            [*names, *(["province"] if key == "indicators.intro" else [])]), key
        # the template's own numbers are the CI level and the 0 an interval lies below
        literal = numbers_in(re.sub(r"\{\w+\}", " ", template))
        assert set(literal) <= {0, 95}, key
        assert sorted(numbers_in(text)) == sorted([*literal, *(fill[n] for n in names)]), text
        # and each number stands where the template puts it
        pattern = re.escape(re.sub(r"\{\w+\}", "\x00", template)).replace("\x00", "(.+?)")
        found = re.fullmatch(pattern, text)
        assert found, (key, text)
        placed = dict(zip(re.findall(r"\{(\w+)\}", template), found.groups(), strict=True))
        for name in names:
            assert float(placed[name].replace(",", "")) == fill[name], (key, name)
    labels = [tick.get_text() for tick in phrae.chart("indicators").axes[0].get_yticklabels()]
    assert labels and all(label.split(" ")[0] in set(rows["indicator_id"]) for label in labels)
