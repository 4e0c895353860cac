"""Main points on page 1 and the glossary (issue 16, items 1 and 2): every number of a bullet is a
cell of the `main_points` table, which agrees with the report's other tables; the PDF's first
page holds the box, and both reports end with the glossary in both languages."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

from lpa_analysis import i18n
from lpa_analysis.i18n import fmt_as, fmt_num, fmt_pct
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
    bullet = phrae._main_points_below(below)
    for name in below["label"].head(5):
        assert name in bullet


def test_change_is_the_pass_rate_on_the_comparable_basis(phrae):
    change = _point(phrae.tables["main_points"], "change").set_index("item")
    for year in (2565, 2566):
        scores = phrae.comparable[year]["overall_pct"]
        assert change.loc[str(year), "count"] == (scores >= phrae.pass_mark).sum()
    assert change.loc["2566", "change"] == pytest.approx(
        change.loc["2566", "percent"] - change.loc["2565", "percent"])


def test_weakest_indicators_are_the_indicators_table_s(phrae):
    weakest = _point(phrae.tables["main_points"], "weakest_indicators")
    tested = phrae.tables["indicators"]
    tested = tested[tested["note"].isna()].nsmallest(3, "attainment_province")
    assert list(weakest["item"]) == list(tested["indicator_id"])
    assert list(weakest["label"]) == list(tested["indicator"])  # names in the reader's language


def test_main_points_csv_is_written_with_the_same_numbers(phrae, tmp_path):
    folder = phrae.write_tables(tmp_path)
    csv = pd.read_csv(folder / "main_points.csv", dtype={"item": str})
    table = phrae.tables["main_points"]
    pd.testing.assert_series_equal(csv["percent"], table["percent"], check_names=False)


def _rows(rates: list[tuple[float, float, float, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"label": f"d{k}", "percent": p, "ci_low": lo, "ci_high": hi, "n": n}
                         for k, (p, lo, hi, n) in enumerate(rates)])


def test_a_district_difference_is_clear_only_without_overlapping_intervals():
    apart = _rows([(60.0, 40.0, 75.0, 20), (100.0, 80.0, 100.0, 15)])
    overlapping = _rows([(80.0, 55.0, 93.0, 10), (100.0, 72.0, 100.0, 10)])
    assert spread_text(apart, "main_points.districts", "en") == i18n.t(
        "main_points.districts_notable", "en", high="d1", high_rate="100.0%", high_n="15",
        low="d0", low_rate="60.0%", low_n="20")
    assert spread_text(overlapping, "main_points.districts", "en").startswith(
        "District pass rates range from 80.0%")


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


def test_glossary_explains_every_listed_term(phrae, nation):
    for rep in (phrae, nation):
        text = rep.text("glossary")
        for term in rep.GLOSSARY:
            assert f"**{i18n.t(f'glossary.{term}.term', rep.lang)}**" in text
        assert fmt_num(rep.pass_mark) in text  # the pass mark filled in from the framework


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
