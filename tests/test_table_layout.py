"""Report tables as printed on A4 portrait (round-2 review): headers that never print over
each other and say which column is which, names that never break inside, the every-LAO
appendix in two tables that fit, the true minus sign, DLA's abbreviated type prefixes."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from lpa_analysis import i18n, render
from lpa_analysis.package_data import NOTEBOOKS
from lpa_analysis.i18n import t, year_label
from lpa_analysis.report.base import TABLE_VIEWS, header_html, name_html
from lpa_analysis.schema import DIM_PCT, LaoType, display_name


def _shown(rep) -> list[str]:
    """Every table the report can show: its tables and the views of them."""
    return [*rep.tables, *(v for v, source in TABLE_VIEWS.items() if source in rep.tables)]


def _printed(kind: str) -> list[str]:
    """The tables a report's notebook shows (rep.show("name"))."""
    file = {"province": "province_report.ipynb", "national": "national_overview.ipynb"}[kind]
    notebook = nbformat.read(NOTEBOOKS / file, as_version=4)
    return list(dict.fromkeys(re.findall(r'rep\.show\("(\w+)"', "\n".join(
        c.source for c in notebook.cells if c.cell_type == "code"))))


@pytest.mark.parametrize("kind", ["province", "national"])
def test_no_two_columns_of_a_shown_table_share_a_header(kind, phrae, nation):
    rep = phrae if kind == "province" else nation
    for name in _shown(rep):
        headers = list(rep.people_table(name).columns)
        assert len(set(headers)) == len(headers), (name, headers)


def test_every_lao_appendix_is_two_tables_the_csv_one(phrae, tmp_path):
    lang = phrae.lang
    identity = phrae.show("laos").data.columns
    dimensions = phrae.show("laos_dimensions")
    numbered = [f"{t('col.dimension_number', lang, dimension=k[1])} (%)" for k in DIM_PCT]
    assert not any(h in identity for h in numbered) and len(identity) <= 8
    assert [h for h in dimensions.data.columns if h in numbered] == numbered
    key = dimensions.caption  # the key line names every numbered dimension in full
    assert all(i18n.dimension_label(int(k[1]), lang) in key for k in DIM_PCT)
    folder = phrae.write_tables(tmp_path)
    assert not (folder / "laos_dimensions.csv").exists()
    assert set(DIM_PCT) <= set(pd.read_csv(folder / "laos.csv").columns)


def test_names_never_break_inside_long_header_phrases_may():
    assert name_html("อบต.สำโรงปักธงชัย") == '<span class="lpa-nobr">อบต.สำโรงปักธงชัย</span>'
    assert name_html("Mueang Phrae").count("lpa-nobr") == 2  # wraps between its words
    assert "lpa-nobr" in header_html("ธรรมาภิบาล")  # a short part stays whole
    # a long phrase of known words may wrap between them rather than widen its column
    assert "lpa-nobr" not in header_html("ค่าเฉลี่ยของการเปลี่ยนแปลง")
    assert header_html("<b>") == '<span class="lpa-nobr">&lt;b&gt;</span>'


def test_name_cells_of_shown_tables_are_kept_whole(phrae):
    html = phrae.show("laos").to_html()
    names = phrae.tables["laos"]["name"]
    assert all(f'<span class="lpa-nobr">{n}</span>' in html for n in names)


def test_movers_say_their_years_and_district(phrae):
    lang, movers = phrae.lang, phrae.show("movers").data
    assert t("col.district", lang) in movers.columns
    for year in (phrae.previous_year, phrae.year):
        assert t("col.comparable_overall_year", lang, year=year_label(year, lang)) \
            in movers.columns


def test_dimension_rows_are_headed_dimension(phrae):
    assert phrae.show("dimensions").data.columns[1] == t("col.dimension", phrae.lang)


def test_shown_numbers_use_the_true_minus_and_no_negative_zero(phrae):
    change = phrae.tables["laos"]["change"]
    cells = phrae.show("laos").data.iloc[:, -1]
    assert not cells.str.match(r"^-").any()
    assert cells.str.startswith(i18n.MINUS).sum() == (change.round(2) < 0).sum() > 0
    assert i18n.fmt_as(-0.001, "measure") == "0.00"


def test_lao_names_carry_dla_abbreviations():
    shown = {k: display_name("ก", k) for k in LaoType}
    assert shown == {LaoType.PAO: "อบจ.ก", LaoType.CITY: "ทน.ก", LaoType.TOWN: "ทม.ก",
                     LaoType.SUBDISTRICT: "ทต.ก", LaoType.SAO: "อบต.ก", LaoType.SPECIAL: "ก"}
    assert display_name("เมืองพัทยา", "special") == "เมืองพัทยา"


def test_titles_keep_the_year_with_its_era():
    title = t("report.province.title", "th", province="แพร่", year="2566")
    assert re.search(r"ประจำ\u2060ปี\u00a0พ\.ศ\.\u00a02566$", title)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["province", "national"])
def test_every_shown_table_fits_the_printed_page(kind, phrae, nation, tmp_path, caplog):
    """Each table as the report prints it (lpa.css, A4 portrait): none wider than the page,
    which would cut its right-hand columns (render.py warns of each)."""
    if render.pdf_backend() != "chromium":
        pytest.skip("Chromium (or playwright) not installed")
    rep = phrae if kind == "province" else nation
    names = _printed(kind)
    assert "laos_dimensions" in names or kind == "national"
    cells = [new_code_cell("", outputs=[new_output(
        "display_data", data={"text/html": rep.show(name).to_html()})]) for name in names]
    html = render.export_html(new_notebook(cells=cells), tmp_path / "t.html", title="t",
                              lang=rep.lang)
    # the process's one renderer (other tests of the session may have started it)
    with caplog.at_level(logging.WARNING, logger="lpa"):
        render.export_pdf(html, tmp_path / "t.pdf", date=datetime(2023, 10, 1, tzinfo=UTC))
    assert not [r.message for r in caplog.records if "wider than the page" in r.message]


@pytest.mark.slow
def test_a_table_wider_than_the_page_is_named(tmp_path, caplog):
    if render.pdf_backend() != "chromium":
        pytest.skip("Chromium (or playwright) not installed")
    wide = pd.DataFrame({f"คอลัมน์ที่ยาวมาก{i}": [1.0] for i in range(16)})
    html = wide.style.hide(axis="index").format_index(header_html, axis="columns").to_html()
    nb = new_notebook(cells=[new_code_cell("", outputs=[new_output(
        "display_data", data={"text/html": html})])])
    page = render.export_html(nbformat.from_dict(nb), tmp_path / "w.html", title="t", lang="th")
    with caplog.at_level(logging.WARNING, logger="lpa"):
        render.export_pdf(page, tmp_path / "w.pdf", date=datetime(2023, 10, 1, tzinfo=UTC))
    assert any("คอลัมน์ที่ยาวมาก0" in r.message for r in caplog.records)
