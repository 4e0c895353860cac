"""`lpa export`: a workbook Excel users can open — the stated sheets, localised headers, frozen
header row, auto-filter, number formats — holding every row of the processed tables."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from lpa_analysis import i18n
from lpa_analysis.processed import load_processed
from lpa_analysis.cli import app
from lpa_analysis.export import export_year

THAI = re.compile(r"[\u0E00-\u0E7F]")


def _export(*args):
    return CliRunner().invoke(app, ["export", *map(str, args)])


@pytest.fixture(scope="module")
def province_book(small_demo, small_processed, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "phrae-2566.xlsx"
    result = _export("--year", 2566, "--province", "แพร่", "--xlsx", path, "--data", small_demo,
                     "--processed", small_processed)
    assert result.exit_code == 0, result.output
    assert str(path) in result.output
    return load_workbook(path)


def _header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def test_province_workbook_has_the_stated_sheets(province_book):
    assert province_book.sheetnames == [i18n.t(f"sheet.{name}", "th") for name in
                                        ("scored_laos", "indicator_scores", "summary")]


def test_every_sheet_has_frozen_header_filter_and_thai_headers(province_book):
    for ws in province_book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == ws.dimensions, ws.title
        assert ws.max_row > 1, ws.title
        header = _header(ws)
        assert all(header)
        assert sum(bool(THAI.search(h)) for h in header) > len(header) / 2
    laos = _header(province_book.worksheets[0])
    assert i18n.t("col.overall_pct", "th") in laos and "overall_pct" not in laos


def test_province_rows_and_values_are_those_of_the_build(province_book, small_processed):
    scored = load_processed(2566, small_processed).scored_laos
    phrae = scored[scored["province_code"] == "54"]
    ws = province_book.worksheets[0]
    assert ws.max_row - 1 == len(phrae)  # nothing dropped, no other province
    header = _header(ws)
    code_col = header.index(i18n.t("col.lao_code", "th")) + 1
    pct_col = header.index(i18n.t("col.overall_pct", "th")) + 1
    in_book = {ws.cell(r, code_col).value: ws.cell(r, pct_col).value
               for r in range(2, ws.max_row + 1)}
    expected = dict(zip(phrae["lao_code"], phrae["overall_pct"], strict=True))
    assert in_book.keys() == expected.keys()
    assert all(in_book[k] == pytest.approx(expected[k]) for k in expected)
    assert ws.cell(2, pct_col).number_format == "0.00"
    indicators = load_processed(2566, small_processed).indicator_scores
    in_phrae = (indicators["province_code"] == "54").sum()
    assert province_book.worksheets[1].max_row - 1 == in_phrae


def test_national_workbook_aggregates_indicators_and_speaks_english(small_processed, tmp_path):
    path = export_year(2566, tmp_path / "national.xlsx", lang="en", processed_dir=small_processed)
    book = load_workbook(path)
    assert book.sheetnames == ["LAO scores", "Indicators by province", "Summary"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions
        assert not any(THAI.search(str(h)) for h in _header(ws)), _header(ws)
    scores = load_processed(2566, small_processed).indicator_scores
    applicable = scores[~scores["not_applicable"].astype(bool)]
    expected = applicable.groupby(["province_code", "indicator_id"]).ngroups
    assert book["Indicators by province"].max_row - 1 == expected
    summary = book["Summary"]
    assert summary.max_row - 1 > 0
    assert book["LAO scores"].max_row - 1 == len(load_processed(2566, small_processed).scored_laos)


def test_export_twice_gives_the_same_bytes(small_processed, tmp_path):
    a = export_year(2566, tmp_path / "a.xlsx", processed_dir=small_processed)
    b = export_year(2566, tmp_path / "b.xlsx", processed_dir=small_processed)
    assert a.read_bytes() == b.read_bytes()


def test_export_help_has_an_example():
    result = _export("--help")
    assert result.exit_code == 0 and "lpa export --year 2566" in result.output
