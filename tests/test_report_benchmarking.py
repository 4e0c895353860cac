"""Benchmarking in the province and national reports on the small demo: every number of the
sentences is the one in `rep.tables["funnel"]`, the drawn limits are the table's, and the LAO
ranks carry both intervals."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lpa_analysis import i18n
from lpa_analysis.report import national_report, province_report

PHRAE = "54"
POSITION = re.compile(r": (?P<measure>mean overall score|pass rate) (?P<value>[\d.,]+)% "
                      r"\(national (?P<target>[\d.,]+)%; 99\.8% limits for (?P<n>[\d,]+) LAOs "
                      r"(?P<lo998>[\d.,]+)%–(?P<hi998>[\d.,]+)%\), (?P<position>.+)\.$")
MEASURES = {"mean overall score": "overall_pct", "pass rate": "pass_rate_pct"}


@pytest.fixture(scope="module")
def phrae(small_processed):
    return province_report(2566, PHRAE, lang="en", processed_dir=small_processed)


@pytest.fixture(scope="module")
def nation(small_processed):
    return national_report(2566, lang="en", processed_dir=small_processed)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_province_sentences_quote_the_funnel_table(phrae):
    funnel = phrae.tables["funnel"]
    mine = funnel[funnel["highlight"]].set_index("measure")
    lines = phrae.text("benchmarking").split("\n\n")
    found = [POSITION.search(line) for line in lines]
    found = [m for m in found if m]
    assert [MEASURES[m["measure"]] for m in found] == ["overall_pct", "pass_rate_pct"]
    for match in found:
        row = mine.loc[MEASURES[match["measure"]]]
        for column in ("value", "target", "lo998", "hi998"):
            assert _number(match[column]) == round(row[column], 1), column
        assert _number(match["n"]) == row["n"]
        assert match["position"] == i18n.t(f"benchmarking.position.{row['flag']}", "en")
    # the dispersion (φ, τ²) is method: it is in the method notes, not the section
    lead = mine.loc["overall_pct"]
    notes = phrae.text("method_notes")
    phi = re.search(r"φ = ([\d.]+)", notes)
    assert phi and _number(phi[1]) == round(lead["phi"], 2)
    tau2 = re.search(r"τ² = ([\d.]+)", notes)
    assert tau2 and _number(tau2[1]) == round(lead["tau2"], 2)


def test_drawn_limits_are_the_table_limits(phrae):
    funnel = phrae.tables["funnel"]
    for chart, measure in (("funnel", "overall_pct"), ("funnel_pass", "pass_rate_pct")):
        lines = phrae.chart(chart).axes[0].lines
        rows = funnel[funnel["measure"] == measure]
        for (name, line) in zip(["lo95", "hi95", "lo998", "hi998"], lines[:4], strict=True):
            drawn = pd.Series(line.get_ydata(), index=line.get_xdata())
            np.testing.assert_allclose(drawn.loc[rows["n"].astype(int)], rows[name], rtol=1e-9,
                                       err_msg=f"{chart} {name}")


def test_flags_follow_the_drawn_limits(phrae):
    funnel = phrae.tables["funnel"]
    position = np.select([funnel["value"] > funnel["hi998"], funnel["value"] > funnel["hi95"],
                          funnel["value"] < funnel["lo998"], funnel["value"] < funnel["lo95"]],
                         ["above998", "above95", "below998", "below95"], "within")
    assert (funnel["flag"].str.removesuffix("_assessment") == position).all()


def test_national_outliers_sentence_lists_the_table_rows(nation):
    funnel = nation.tables["funnel"]
    text = nation.text("benchmarking")
    for measure, key in (("overall_pct", "national.outside"),
                         ("pass_rate_pct", "national.outside_pass")):
        rows = funnel[(funnel["measure"] == measure) & funnel["flag"].str.contains("998")]
        expected = i18n.t(key, "en", n=len(rows), provinces=", ".join(rows["province"]) or "–")
        assert expected in text


def test_province_lao_ranks_lie_in_their_sensitivity_interval(phrae):
    ranks = phrae.tables["ranks"]
    assert set(ranks["lao_code"]) == set(phrae.laos["lao_code"])
    assert ((ranks["rank_sens_low"] <= ranks["rank_nominal"])
            & (ranks["rank_nominal"] <= ranks["rank_sens_high"])).all()
    assert (ranks["rank_boot_low"] <= ranks["rank_boot_high"]).all()
    # the best and the worst RANKS_SHOWN / 2 first (the rows the report shows), then the rest;
    # each part best first
    half = phrae.RANKS_SHOWN // 2
    ranked = ranks.dropna(subset=["rank_nominal"]).sort_values(["rank_nominal", "lao_code"])
    assert len(ranked) > phrae.RANKS_SHOWN  # Phrae has a remainder, so all three parts exist
    top, bottom, rest = ranks[:half], ranks[half:2 * half], ranks[2 * half:]
    assert top["group"].eq("top").all() and bottom["group"].eq("bottom").all()
    assert rest["group"].isna().all()
    assert list(top["lao_code"]) == list(ranked["lao_code"][:half])
    assert list(bottom["lao_code"]) == list(ranked["lao_code"][-half:])
    unranked = ranks.loc[ranks["rank_nominal"].isna(), "lao_code"]
    assert list(rest["lao_code"]) == [*ranked["lao_code"][half:-half], *unranked]
    for part in (top, bottom, rest.dropna(subset=["rank_nominal"])):
        assert part["rank_nominal"].is_monotonic_increasing
    assert top["rank_nominal"].max() <= rest["rank_nominal"].min()
    assert rest["rank_nominal"].max() <= bottom["rank_nominal"].min()
    assert rest["rank_nominal"].isna().sum() == len(unranked)  # unranked, if any, last
    assert rest["rank_nominal"].notna().cummin().equals(rest["rank_nominal"].notna())
    shown = phrae.show("ranks").data  # the report's table: the top and bottom, in that order
    code = i18n.table_headers(["lao_code"], phrae.lang)["lao_code"]
    assert shown[code].tolist() == [*top["lao_code"], *bottom["lao_code"]]
    headers = phrae.people_table("ranks").columns
    assert "Best rank (sensitivity to weights and method)" in headers
    assert "Best rank (statistical interval)" in headers
