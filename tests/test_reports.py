"""Province and national reports end to end on small demo data: papermill → HTML → PDF,
tables, index links, self-containment, escaping, searchable Thai."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from lpa_analysis import render
from lpa_analysis.runs import run_reports

pytestmark = pytest.mark.slow
HOSTILE = "<script>alert(1)</script>"
REQUIRED_TABLES = {
    "summary.csv": ["n_assessed", "pass_rate"],
    "pass_rate.csv": ["level", "n", "passed", "rate", "ci_low", "ci_high"],
    "types.csv": ["statistic", "p_value", "epsilon_sq", "lao_type", "n", "median", "in_test",
                  "min_group_n"],
    "change.csv": ["statistic", "p_value", "n_pairs", "median_change"],
    "indicators.csv": ["indicator_id", "difference", "q_value"],
    "laos.csv": ["lao_code", "overall_pct", "band", "rank_province"],
    "districts.csv": ["district_th", "district_en", "n", "passed", "pass_rate", "ci_low",
                      "ci_high", "mean_overall"],
    "funnel.csv": ["measure", "province_code", "n", "value", "target", "z", "z_adj", "phi",
                   "tau2", "lo95", "hi95", "lo998", "hi998", "flag"],
}


@pytest.fixture(scope="module")
def hostile_data(small_demo, tmp_path_factory) -> Path:
    """The small demo with one Phrae LAO renamed to a script tag (data must stay data)."""
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(small_demo, data)
    registry = pd.read_csv(data / "registry.csv", dtype=str, keep_default_na=False)
    first = registry.index[registry["province_code"] == "54"][0]
    registry.loc[first, "name_th"] = HOSTILE
    registry.to_csv(data / "registry.csv", index=False)
    return data


@pytest.fixture(scope="module")
def th_run(hostile_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("th")
    outcome = run_reports(2566, "54", lang="th", formats={"html", "pdf"}, data_dir=hostile_data,
                          processed_dir=root / "processed", out_dir=root / "reports", workers=1,
                          national=True)
    return outcome, root / "reports" / "2566" / "th"


@pytest.fixture(scope="module")
def en_run(small_demo, small_processed, tmp_path_factory):
    out = tmp_path_factory.mktemp("en")
    outcome = run_reports(2566, "Phrae", lang="en", formats={"html"}, data_dir=small_demo,
                          processed_dir=small_processed, out_dir=out, workers=1)
    return outcome, out / "2566" / "en"


def test_th_run_renders_every_output(th_run):
    outcome, year_dir = th_run
    assert not outcome.failed, [(r.key, r.error) for r in outcome.failed]
    expected = ["54/report.html", "national.html", "index.html", "54/tables/tables.xlsx"]
    if outcome.pdf_backend:
        expected += ["54/report.pdf", "national.pdf"]
    for rel in expected:
        assert (year_dir / rel).is_file(), rel


def test_tables_have_the_stated_columns(th_run):
    _, year_dir = th_run
    tables = year_dir / "54" / "tables"
    for name, columns in REQUIRED_TABLES.items():
        frame = pd.read_csv(tables / name, dtype={"province_code": str})
        assert set(columns) <= set(frame.columns), (name, set(columns) - set(frame.columns))
    rates = pd.read_csv(tables / "pass_rate.csv")
    assert list(rates["level"]) == ["province", "region", "national"]
    assert (rates["ci_low"] <= rates["rate"]).all() and (rates["rate"] <= rates["ci_high"]).all()


@pytest.mark.parametrize("run", ["th_run", "en_run"])
def test_every_workbook_sheet_has_distinct_headers(run, request):
    """Two columns under one header (e.g. 'n' and 'count' both 'จำนวน') cannot be told apart
    in Excel."""
    from openpyxl import load_workbook

    _, year_dir = request.getfixturevalue(run)
    book = load_workbook(year_dir / "54" / "tables" / "tables.xlsx", read_only=True)
    for sheet in book.worksheets:
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        assert len(header) == len(set(header)), (sheet.title, header)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external: list[str] = []
        self.scripts_with_src: list[str] = []
        self.anchors: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.scripts_with_src.append(attrs["src"])
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            if tag == "a" and name == "href":
                self.anchors.append(value)
                continue  # plain links in text are allowed
            if re.match(r"(https?:)?//", value):
                self.external.append(f"<{tag} {name}={value}>")


def test_html_is_self_contained_and_escaped(th_run):
    _, year_dir = th_run
    for page in (year_dir / "54" / "report.html", year_dir / "national.html",
                 year_dir / "index.html"):
        text = page.read_text(encoding="utf-8")
        parser = _Links()
        parser.feed(text)
        assert parser.external == [], page
        assert parser.scripts_with_src == [], page
        assert "@import url(http" not in text and "url(http" not in text
    report = (year_dir / "54" / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report


def test_index_links_resolve_in_chromium(th_run):
    if render.chromium_path() is None:
        pytest.skip("Debian chromium not installed")
    from playwright.sync_api import sync_playwright

    _, year_dir = th_run
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=render.chromium_path(),
                                     args=render.CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto((year_dir / "index.html").as_uri())
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        browser.close()
    local = [h for h in hrefs if h.startswith("file://")]
    assert any(h.endswith("54/report.html") for h in local)
    assert any(h.endswith("national.html") for h in local)
    for href in local:
        assert Path(href.removeprefix("file://").split("#")[0]).is_file(), href


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_pdf_is_a4_with_searchable_thai(th_run):
    outcome, year_dir = th_run
    if outcome.pdf_backend != "chromium" or shutil.which("pdftotext") is None:
        pytest.skip("needs Debian chromium and poppler-utils")
    pdf = year_dir / "54" / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4 in points
    text = _pdftotext(pdf)
    assert "แพร่" in text
    # generated sentences with stacked marks (ที่ ผ่าน ผู้/น้ำ-like clusters) come back intact
    assert "ที่ได้รับการประเมิน" in text
    assert "ต่ำกว่าเกณฑ์" in text or "ต่ำที่สุด" in text


def test_english_report(en_run):
    outcome, year_dir = en_run
    assert not outcome.failed, [(r.key, r.error) for r in outcome.failed]
    html = (year_dir / "54" / "report.html").read_text(encoding="utf-8")
    assert "Phrae (แพร่)" in html
    assert "2566 (2023)" in html
    assert 'lang="en"' in html
    assert not (year_dir / "54" / "report.pdf").exists()  # html only was asked for


def test_unknown_province_lists_close_matches(small_demo, tmp_path):
    from typer.testing import CliRunner

    from lpa_analysis.cli import app

    result = CliRunner().invoke(app, ["reports", "--year", "2566", "--province", "Prae",
                                      "--data", str(small_demo), "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "Phrae" in str(result.exception) + result.output


def test_ctrl_c_says_what_was_kept_and_exits_130(monkeypatch, small_demo, tmp_path):
    """Ctrl-C during a run: a short message instead of a traceback, and the shell's code."""
    from typer.testing import CliRunner

    from lpa_analysis import runs
    from lpa_analysis.batch import JobResult
    from lpa_analysis.cli import app

    def interrupted(*args, on_result, **kwargs):
        on_result(JobResult("2566/54", "done"))
        on_result(JobResult("2566/55", "failed", error="ValueError: x"))
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "run_reports", interrupted)
    result = CliRunner().invoke(app, ["reports", "--year", "2566", "--province", "54,55",
                                      "--data", str(small_demo), "--out", str(tmp_path / "r"),
                                      "--processed", str(tmp_path / "p")])
    assert result.exit_code == 130
    assert "interrupted: 1 finished reports kept" in result.output
    assert "Traceback" not in result.output
