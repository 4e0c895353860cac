"""Main points on page 1 and the glossary (issue 16, items 1 and 2): every number of a bullet is a
cell of the `main_points` table, which agrees with the report's other tables; the PDF's first
page holds the box, and both reports end with the glossary in both languages."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pandas as pd
import pytest

from lpa_analysis import i18n
from lpa_analysis.i18n import fmt_as, fmt_num, fmt_pct, fmt_signed
from lpa_analysis.report import national_report, province_report
from lpa_analysis.report.mainpoints import MAIN_POINTS_COLUMNS, spread_text
from lpa_analysis.schema import display_name

PHRAE = "54"


@pytest.fixture(scope="module", params=["th", "en"])
def phrae(request, small_processed):
    return province_report(2566, PHRAE, lang=request.param, processed_dir=small_processed)


@pytest.fixture(scope="module")
def nation(small_processed):
    return national_report(2566, lang="th", processed_dir=small_processed)


def _point(table: pd.DataFrame, point: str) -> pd.DataFrame:
    return table[table["point"] == point]


def test_province_main_points_equal_the_summary(phrae):
    mp, s = phrae.tables["main_points"], phrae.tables["summary"].iloc[0]
    assert list(mp.columns) == MAIN_POINTS_COLUMNS
    province = _point(mp, "pass_rate").set_index("level").loc["province"]
    assert province["percent"] == pytest.approx(100 * s["pass_rate"])
    assert (province["count"], province["n"]) == (s["n_passed"], s["n_assessed"])
    bands = _point(mp, "bands")
    bands = bands[bands["level"] == "province"].set_index("item")["count"]
    assert {b: bands[b] for b in bands.index} == {b: s[f"n_{b}"] for b in bands.index}
    # the cut-offs are the framework's
    floors = _point(mp, "bands").drop_duplicates("item").set_index("item")["min_score"]
    assert floors.to_dict() == {b.id: b.min_pct for b in phrae.framework.bands}


def test_the_first_bullet_quotes_the_pass_rate_of_the_summary(phrae):
    s = phrae.tables["summary"].iloc[0]
    box = phrae.main_points()
    assert 4 <= len(box.bullets) <= 6
    assert fmt_pct(100 * s["pass_rate"]) in box.bullets[0]
    html = box._repr_html_()
    assert i18n.t("main_points.heading", phrae.lang) in html and "<img" in html


def test_failing_laos_are_named_with_their_type_prefix(phrae):
    below = _point(phrae.tables["main_points"], "below_pass_mark")
    failed = phrae.laos[~phrae.laos["passed"].astype(bool)]
    assert set(below["item"]) == set(failed["lao_code"])
    expected = {display_name(n, ty) for n, ty in zip(failed["name_th"], failed["lao_type"])}
    assert set(below["label"]) == expected
    bullet = phrae.main_points().bullets[0]  # with the pass rate: said once
    for name in below["label"].head(5):
        assert name in bullet


@pytest.fixture(scope="module", params=["th", "en"])
def phayao(request, small_processed):
    """A province where every LAO passed (56 in the small demo)."""
    rep = province_report(2566, "56", lang=request.param, processed_dir=small_processed)
    assert rep.laos["passed"].all()
    return rep


def test_no_lao_below_the_pass_mark_is_said_once(phayao):
    rates = _point(phayao.tables["main_points"], "pass_rate").set_index("level")
    bullets, lang = phayao.main_points().bullets, phayao.lang
    assert bullets[0] == i18n.t(
        "main_points.pass_rate_all", lang, province=phayao._province_name,
        n=fmt_num(rates.loc["province", "n"]), threshold=f"{phayao.pass_mark:g}",
        rate=fmt_pct(rates.loc["province", "percent"]), region=rates.loc["region", "label"],
        region_rate=fmt_pct(rates.loc["region", "percent"]),
        national_rate=fmt_pct(rates.loc["national", "percent"]))
    # the bands bullet leaves the empty band out; the districts bullet has no pass rates
    assert i18n.band_label("below", lang) not in bullets[2]
    assert fmt_pct(100) not in bullets[-1]
    assert len(bullets) == 6


def test_change_is_the_pass_rate_on_the_comparable_basis(phrae):
    mp = phrae.tables["main_points"]
    change = _point(mp, "change").set_index("item")
    published = _point(mp, "change_published").set_index("item")
    for year in (2565, 2566):
        scores = phrae.comparable[year]["overall_pct"]
        assert change.loc[str(year), "count"] == (scores >= phrae.pass_mark).sum()
        laos = phrae.history[year]
        laos = laos[laos["province_code"] == PHRAE]
        assert published.loc[str(year), "count"] == laos["passed"].sum()
    assert change.loc["2566", "change"] == pytest.approx(
        change.loc["2566", "percent"] - change.loc["2565", "percent"])
    # the reader sees both years' rates, recomputed and published, in a table of the report
    shown = phrae.tables["pass_rate_years"]
    assert sorted(100 * shown["rate"]) == pytest.approx(sorted(
        [*change["percent"], *published["percent"]]))
    assert phrae.text("pass_rate_years") and len(phrae.show("pass_rate_years").data) == 4


def test_the_change_bullet_agrees_with_the_rates_it_writes(phrae):
    change = _point(phrae.tables["main_points"], "change")["percent"]
    before, now = (fmt_pct(v) for v in change)
    bullet = phrae.main_points().bullets[1]
    assert before in bullet and now in bullet
    written = round(float(now[:-1]) - float(before[:-1]), 1)
    assert fmt_num(abs(written), 1) in bullet
    assert fmt_num(len(phrae.basis.indicator_ids)) in bullet  # says it is recalculated


def test_weakest_indicators_are_the_indicators_table_s(phrae):
    rows = _point(phrae.tables["main_points"], "weakest_indicators")
    weakest, rest = rows[rows["level"] == "province"], rows[rows["level"] == "rest"]
    tested = phrae.tables["indicators"]
    tested = tested[tested["note"].isna()].nsmallest(3, "attainment_province")
    assert list(weakest["item"]) == list(tested["indicator_id"])
    assert list(weakest["label"]) == list(tested["indicator"])  # names in the reader's language
    # beside the rest of the country's attainment, so a low-everywhere one reads as such
    assert list(rest["percent"]) == pytest.approx(list(100 * tested["attainment_rest"]))
    dimension, indicators = phrae.main_points().bullets[3:5]
    assert all(fmt_pct(v) in indicators for v in rest["percent"])
    below = tested[(tested["q_value"] < 0.05) & (tested["difference"] < 0)]
    assert (i18n.t("main_points.weak_indicators_everywhere", phrae.lang) in indicators) == \
        below.empty
    weakest_dimension = _point(phrae.tables["main_points"], "weakest_dimension")
    assert weakest_dimension["label"].iloc[0] in dimension


def test_the_districts_bullet_uses_the_district_section_s_rule(phrae, small_processed):
    for rep in (phrae, province_report(2566, "55", lang=phrae.lang,
                                       processed_dir=small_processed)):
        table = rep.tables["districts"]
        bullet = rep.main_points().bullets[-1]
        for district in table.loc[table["vs_province"].notna(), "district"]:
            assert district in bullet
        # ties at the lowest pass rate are all named; "N of M districts" when some failed
        rates = (100 * table["pass_rate"]).map(fmt_pct)
        lowest = table.loc[rates == fmt_pct(100 * table["pass_rate"].min()), "district"]
        if (table["passed"] < table["n"]).any():
            assert all(d in bullet for d in lowest)
            assert fmt_num((table["passed"] == table["n"]).sum()) in bullet
        if table["vs_province"].isna().all():
            assert fmt_pct(table["mean_overall"].min()) in bullet


def test_main_points_csv_is_written_with_the_same_numbers(phrae, tmp_path):
    folder = phrae.write_tables(tmp_path)
    csv = pd.read_csv(folder / "main_points.csv", dtype={"item": str})
    table = phrae.tables["main_points"]
    pd.testing.assert_series_equal(csv["percent"], table["percent"], check_names=False)


def _rows(rates: list[tuple[float, float, float, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"label": f"d{k}", "percent": p, "ci_low": lo, "ci_high": hi, "n": n}
                         for k, (p, lo, hi, n) in enumerate(rates)])


def test_a_regional_difference_is_clear_only_without_overlapping_intervals():
    apart = _rows([(60.0, 40.0, 75.0, 20), (100.0, 80.0, 100.0, 15)])
    overlapping = _rows([(80.0, 55.0, 93.0, 10), (100.0, 72.0, 100.0, 10)])
    assert spread_text(apart, "main_points.regions", "en") == i18n.t(
        "main_points.regions_notable", "en", high="d1", high_rate="100.0%", high_n="15",
        low="d0", low_rate="60.0%", low_n="20")
    assert spread_text(overlapping, "main_points.regions", "en") == i18n.t(
        "main_points.regions_range", "en", high="d1", high_rate="100.0%", high_n="10",
        low="d0", low_rate="80.0%", low_n="10")


def test_national_main_points_agree_with_its_tables(nation):
    mp, s = nation.tables["main_points"], nation.tables["summary"].iloc[0]
    national = _point(mp, "pass_rate").iloc[0]
    assert national["percent"] == pytest.approx(100 * s["rate"])
    assert fmt_pct(100 * s["rate"]) in nation.main_points().bullets[0]
    regions = _point(mp, "regions").set_index("item")["count"]
    assert regions.to_dict() == nation.tables["regions"].set_index("region")["passed"].to_dict()
    below = _point(mp, "below_pass_mark")
    failed = nation.national[~nation.national["passed"].astype(bool)]
    assert below["count"].sum() == len(failed)
    assert set(below["item"]) == set(failed["province_code"])


# ---------------------------------------------------------------- national: assessment teams

def _planted(nation, code: str, flag: str, estimate: float, outside: str | None = None):
    """The national report with one province's assessment team flagged (as reference.py
    writes a Holm-significant team) and, optionally, its funnel position outside the limits:
    the small demo has no flagged team."""
    reference = {name: table.copy() for name, table in nation.reference.items()}
    teams = reference["team_effect"]
    at = teams["province_code"] == code
    teams.loc[at, ["flag", "estimate", "ci_low", "ci_high"]] = [flag, estimate, estimate - 0.5,
                                                                 estimate + 0.5]
    if outside:
        funnel = reference["funnel"]
        funnel.loc[(funnel["province_code"] == code) & (funnel["measure"] == "overall_pct"),
                   "flag"] = outside
    return dataclasses.replace(nation, reference=reference)


def test_a_flagged_team_is_named_where_its_province_drives_a_figure(nation):
    mp = nation.tables["main_points"]
    worst = _point(mp, "below_pass_mark").iloc[0]  # the province with most failures
    planted = _planted(nation, worst["item"], "strict", -4.0, outside="below998_assessment")
    bullets, lang = planted.main_points().bullets, planted.lang
    strict = i18n.t("value.team_strict", lang)
    # the failures bullet says which province's team is strict
    below = next(b for b in bullets if worst["label"] in b and strict in b)
    assert below.index(worst["label"]) < below.index(strict)
    # the regions bullet: the province's share of its region's failures, and the region's
    # pass rate without it, computed afresh here
    laos = planted.national
    region = laos.loc[laos["province_code"] == worst["item"], "region"].iloc[0]
    rest = laos[(laos["region"] == region) & (laos["province_code"] != worst["item"])]
    without = fmt_pct(100 * rest["passed"].mean())
    regions = next(b for b in bullets if i18n.region_label(region, lang) in b and without in b)
    assert fmt_num(worst["count"]) in regions and "−4.00" in regions
    # the funnel bullet puts it among the assessment effects, with its team's effect
    assert any(i18n.t("main_points.outside_team_entry", lang, province=worst["label"],
                      value=fmt_pct(planted.tables["funnel"].query(
                          f"measure == 'overall_pct' and province_code == '{worst['item']}'")
                          ["value"].iloc[0]), estimate="−4.00") in b for b in bullets)
    # the league table marks it, and the sentence under it names it with its rank
    league = planted.tables["league"].set_index("province_code")
    assert league.at[worst["item"], "team_note"] == "team_strict"
    assert league["team_note"].notna().sum() == 1
    assert worst["label"] in planted.text("league")
    assert strict in planted.show("league").data.to_string()


def test_a_province_outside_the_funnel_without_a_flag_is_performance(nation):
    code = nation.tables["provinces"]["province_code"].iloc[0]
    planted = _planted(nation, code, None, 0.1, outside="above998")
    label = i18n.province_label(code, planted.lang)
    bullet = next(b for b in planted.main_points().bullets
                  if i18n.t("main_points.outside_one", planted.lang,
                            national=fmt_pct(planted.tables["funnel"]["target"].iloc[0])) in b)
    assert label in bullet and i18n.t("main_points.outside_team", planted.lang,
                                      provinces="").strip() not in bullet


def test_ties_at_the_cut_of_the_failures_list_are_never_dropped_silently(nation):
    counts = [13, 4, 3, 3, 3, 3, 3, 3, 3, 1]
    below = pd.DataFrame({"item": [f"{90 + k}" for k in range(len(counts))],
                          "label": [f"P{k}" for k in range(len(counts))], "count": counts})
    text = nation._below_listed(below, nation.tables["main_points"].iloc[:0])
    named = [label for label in below["label"] if f"{label} " in text]
    threes = below[below["count"] == 3]
    more = len(threes) - len(set(named) & set(threes["label"]))
    assert more > 0 and i18n.t("main_points.ties_more", nation.lang, n=fmt_num(more),
                               count="3") in text
    assert "P9" not in text  # below the tie: left to the table
    # a short tie is named in full
    text = nation._below_listed(below.drop(index=[4, 5, 6, 7]), nation.tables["main_points"]
                                .iloc[:0])
    assert all(f"P{k} " in text for k in (2, 3, 8))


def test_the_change_is_said_plainly_with_its_interval(nation):
    change = nation.tables["year_change"].query("measure == 'overall_pct' and year_b == 2566")
    row = change.iloc[0]
    direction = ("up" if row["hl_ci_low"] > 0 else "down" if row["hl_ci_high"] < 0
                 else "unclear")
    bullet = nation.main_points().bullets[1]
    assert bullet.startswith(i18n.t(f"main_points.national_change.{direction}", nation.lang,
                                    previous_year="2565", n_pairs="", change="", ci_low="",
                                    ci_high="")[:30])
    assert fmt_signed(row["hl_ci_low"], 2) in bullet and fmt_signed(row["hl_ci_high"], 2) in bullet


def test_the_team_table_says_its_intervals_are_unadjusted(nation):
    teams = nation.tables["team_effect"]
    code = teams["province_code"].iloc[0]
    planted = _planted(nation, code, None, 0.8)  # interval 0.3–1.3: excludes 0, no flag
    text = planted.text("team_effect")
    assert i18n.province_label(code, planted.lang) in text.split("\n\n")[-1]
    assert "Holm" in text
    assert planted.people_table("team_effect").columns[3] == i18n.t("col.team_effect_points",
                                                                     planted.lang)


def test_a_mismatch_that_crosses_a_cut_off_is_said_to_change_the_result(nation):
    from lpa_analysis.report.base import reconciliation_named, reconciliation_results

    laos = nation.national
    a, b, c = laos["lao_code"].iloc[[0, 1, 2]]
    recon = pd.DataFrame({"lao_code": [a, b, c], "field": ["overall_pct", "overall_pct", "d3_pct"],
                          "published": ["71.0", "84.25", "60.0"],
                          "recomputed": ["69.5", "81.25", "90.0"],
                          "difference": [1.5, 3.0, -30.0]})
    table = reconciliation_results(reconciliation_named(recon, laos, nation.lang),
                                   nation.processed.framework)
    assert table["changes_result"].tolist()[:2] == [True, False]
    assert pd.isna(table["changes_result"].iloc[2])  # a dimension alone decides nothing
    nation.tables["reconciliation"] = table
    text = nation.text("reconciliation")
    first = laos.iloc[0]
    assert i18n.t("national.reconciliation_results", nation.lang, n="1",
                  names=display_name(first["name_th"], first["lao_type"])) in text


def test_composite_tables_are_read_out(nation):
    outliers = nation.tables["outlier_indicators"]
    names = {i.id: i.name_th for i in nation.processed.framework.indicators}
    assert outliers["indicator"].tolist() == outliers["indicator_id"].map(names).tolist()
    text = nation.text("outliers")
    assert all(f"{n} ({i})" in text for n, i in zip(outliers["indicator"],
                                                   outliers["indicator_id"]))
    alpha = nation.tables["alpha"]["alpha"].dropna()
    assert fmt_as(alpha.min(), "effect") in nation.text("alpha")
    pca = nation.tables["pca"]
    assert fmt_pct(100 * pca["explained"].iloc[0]) in nation.text("pca")


def test_glossary_explains_every_listed_term(phrae, nation):
    for rep in (phrae, nation):
        text = rep.text("glossary")
        for term in rep.GLOSSARY:
            assert f"**{i18n.t(f'glossary.{term}.term', rep.lang)}**" in text
        assert fmt_num(rep.pass_mark) in text  # the pass mark filled in from the framework
        # every LAO type abbreviation the tables and charts use is explained
        if rep.lang == "th":
            for lao_type in ("pao", "city_municipality", "town_municipality",
                             "subdistrict_municipality", "sao"):
                assert i18n.lao_type_label(lao_type, "th", short=True) in text
    assert {"holm", "abbreviations", "percentage_points", "skewness", "sd"} <= set(
        nation.GLOSSARY)


def test_sections_open_with_a_plain_sentence(phrae):
    assert phrae.heading("summary").split("\n\n")[1] == i18n.t("lead.province.summary",
                                                               phrae.lang)
    assert "\n" not in phrae.heading("appendix", level=3)  # subsections have no lead


def test_a_tiny_effect_is_not_written_as_zero():
    assert fmt_as(0.004, "effect") == "< 0.01"
    assert fmt_as(0.0, "effect") == "0.00"
    assert fmt_as(0.04, "statistic") == "< 0.1"
    assert fmt_as(0.26, "effect") == "0.26"


# ---------------------------------------------------------------- rendered PDFs (slow)

def _pdftotext(pdf, *pages: str) -> str:
    return subprocess.run(["pdftotext", *pages, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture(scope="module")
def rendered(small_demo, small_processed, tmp_path_factory):
    from lpa_analysis.render import pdf_backend
    from lpa_analysis.runs import run_reports

    if pdf_backend() != "chromium" or shutil.which("pdftotext") is None:
        pytest.skip("needs Debian chromium and poppler-utils")
    out = tmp_path_factory.mktemp("mainpoints")
    for lang in ("th", "en"):
        outcome = run_reports(2566, PHRAE, lang=lang, formats={"html", "pdf"},
                              data_dir=small_demo, processed_dir=small_processed, out_dir=out,
                              workers=1, national=lang == "th")
        assert not outcome.failed, [(r.key, r.error) for r in outcome.failed]
    return out / "2566"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["th", "en"])
def test_page_one_holds_the_main_points_and_the_pass_rate(rendered, small_processed, lang):
    summary = province_report(2566, PHRAE, lang=lang,
                              processed_dir=small_processed).tables["summary"].iloc[0]
    pdf = rendered / lang / PHRAE / "report.pdf"
    page_one = _pdftotext(pdf, "-f", "1", "-l", "1")
    assert i18n.t("main_points.heading", lang) in page_one
    assert fmt_pct(100 * summary["pass_rate"]) in page_one
    # the contents come after the main points
    toc = i18n.t("report.toc", lang)
    whole = _pdftotext(pdf)
    assert whole.find(i18n.t("main_points.heading", lang)) < whole.find(toc)
    assert i18n.t("section.glossary", lang) in whole


@pytest.mark.slow
def test_national_page_one_and_glossary(rendered, small_processed):
    pdf = rendered / "th" / "national.pdf"
    page_one = _pdftotext(pdf, "-f", "1", "-l", "1")
    rate = national_report(2566, lang="th", processed_dir=small_processed).tables["summary"]
    assert i18n.t("main_points.heading", "th") in page_one
    assert fmt_pct(100 * rate["rate"].iloc[0]) in page_one
    assert i18n.t("section.glossary", "th") in _pdftotext(pdf)
