"""Rendering: an executed notebook becomes self-contained, escaped HTML and an A4 PDF whose
Thai text pdftotext can read back."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lpa_analysis import i18n, render
from lpa_analysis.errors import InputError

HEADING = "จังหวัดแพร่: ผลการประเมินที่ผู้บริหารต้องรู้"
SENTENCE = "อปท. ที่มีผู้ใช้น้ำประปาทั่วถึงได้คะแนนสูง"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_MD = "<script>alert(2)</script>"
EXTERNAL_LINK = "https://www.dla.go.th/"


def _notebook(lang: str) -> nbformat.NotebookNode:
    """A small report: Thai headings, a DataFrame with Thai and hostile names, a Thai chart,
    a generated sentence with a hostile value, a warning, and a plain external link."""
    return new_notebook(cells=[
        new_markdown_cell(f"# {HEADING}\n\n{SENTENCE}"),
        new_markdown_cell(f"## {i18n.t('section.summary', lang)}\n\n"
                          f"[DLA]({EXTERNAL_LINK})"),
        new_code_cell("import pandas as pd\n"
                      "pd.DataFrame({'name_th': ['เทศบาลตำบลช่อแฮ', 'อบต.น้ำปั้ว', "
                      f"{HOSTILE!r}], 'overall_pct': [81.5, 72.25, 66.0]}})"),
        new_markdown_cell(f"### {i18n.t('section.lao_types', lang)}"),
        new_code_cell("import pandas as pd\nfrom lpa_analysis import plots\n"
                      "plots.type_comparison(pd.DataFrame({'lao_type': ['sao', 'sao', "
                      "'subdistrict_municipality'], 'overall_pct': [70.0, 80.0, 90.0]}), "
                      f"lang={lang!r})"),
        new_code_cell("from IPython.display import Markdown\nfrom lpa_analysis import i18n\n"
                      f"Markdown(i18n.t_md('dimensions.intro', {lang!r}, province={HOSTILE_MD!r}))"),
        new_code_cell("import warnings\nwarnings.warn('a noisy library warning')"),
        new_markdown_cell(f"## {i18n.t('section.appendix', lang)}"),
    ])


@pytest.fixture(scope="module")
def executed() -> dict[str, nbformat.NotebookNode]:
    from nbclient import NotebookClient

    notebooks = {}
    for lang in ("th", "en"):
        nb = _notebook(lang)
        NotebookClient(nb, kernel_name="python3", timeout=120).execute()
        notebooks[lang] = nb
    return notebooks


@pytest.fixture(scope="module")
def html_files(executed, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("html")
    return {lang: render.export_html(nb, out / f"report_{lang}.html", title=f"รายงาน {lang}",
                                     lang=lang)
            for lang, nb in executed.items()}


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.data: list[str] = []
        self.script_texts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        (self.script_texts if self._in_script else self.data).append(data)


def _parse(path: Path) -> _Collect:
    parser = _Collect()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


pytestmark = pytest.mark.slow


@pytest.mark.parametrize("lang", ["th", "en"])
def test_html_is_self_contained(html_files, lang):
    parsed = _parse(html_files[lang])
    external = []
    for tag, attrs in parsed.elements:
        for name in ("src", "href", "data", "poster", "srcset"):
            value = (attrs.get(name) or "").strip()
            if re.match(r"(https?:)?//", value) and not (tag == "a" and name == "href"):
                external.append((tag, name, value))
        if tag == "script" and "src" in attrs:
            external.append((tag, "src", attrs["src"]))
    assert external == []
    html = html_files[lang].read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html), "CSS pulls an external url()"
    assert "@import" not in html
    assert ("a", {"href": EXTERNAL_LINK}) in parsed.elements  # plain links in text stay
    images = [a["src"] for t, a in parsed.elements if t == "img"]
    assert images and all(src.startswith("data:image/png;base64,") for src in images)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_html_escapes_data(html_files, lang):
    parsed = _parse(html_files[lang])
    assert not any("alert" in s for s in parsed.script_texts)
    assert HOSTILE in parsed.data and HOSTILE_MD[:-1] in "".join(parsed.data)
    assert "เทศบาลตำบลช่อแฮ" in parsed.data


@pytest.mark.parametrize("lang", ["th", "en"])
def test_html_language_fonts_print_css_and_contents(html_files, lang):
    html = html_files[lang].read_text(encoding="utf-8")
    parsed = _parse(html_files[lang])
    assert parsed.elements[0] == ("html", {"lang": lang})
    assert re.search(r"@font-face \{ font-family: \"LPA Noto Sans Thai\"; font-weight: 400;[^}]*"
                     r"src: url\(data:font/ttf;base64,", html)
    assert "@page { size: A4; margin: 15mm; }" in html
    heading_rule = re.search(r"h1, h2, h3[^{]*\{[^}]*line-height: ([\d.]+)", html)
    assert heading_rule and float(heading_rule.group(1)) >= 1.4
    assert ("title" in [t for t, _ in parsed.elements]) and f"รายงาน {lang}" in parsed.data
    # Contents: one link per h2/h3, to an id that exists, in document order, below the title.
    ids = [a["id"] for t, a in parsed.elements if t in ("h2", "h3") and "id" in a]
    toc = re.search(r'<nav class="lpa-toc">(.*?)</nav>', html, re.S)
    assert toc and html.index(HEADING) < toc.start()
    assert re.findall(r'href="#([^"]+)"', toc.group(1)) == ids
    assert ids == ["sec-2", "sec-3", "sec-4"]  # short ids (sec-1 is the h1)
    assert i18n.t("report.toc", lang) in toc.group(1)


def test_html_hides_code_prompts_and_stderr(html_files):
    html = html_files["th"].read_text(encoding="utf-8")
    assert "import pandas" not in html and "In&nbsp;[" not in html
    assert not re.search(r'class="[^"]*jp-(Input|Output)Prompt', html)
    assert "noisy library warning" not in html


def test_text_columns_are_left_aligned_numbers_are_not(html_files):
    html = html_files["th"].read_text(encoding="utf-8")
    assert re.search(r'<td class="lpa-text">เทศบาลตำบลช่อแฮ</td>', html)
    assert len(re.findall(r"<td>\d+\.\d+</td>", html)) == 3  # overall_pct stays right-aligned


def test_html_is_deterministic_and_written_atomically(executed, tmp_path):
    a = render.export_html(executed["th"], tmp_path / "a.html", title="t", lang="th")
    b = render.export_html(executed["th"], tmp_path / "b.html", title="t", lang="th")
    assert a.read_bytes() == b.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html"]


def _styler_notebook() -> nbformat.NotebookNode:
    """A notebook as an executed one looks, with a pandas Styler table (random uuid inside)."""
    import pandas as pd
    from nbformat.v4 import new_output

    frame = pd.DataFrame({"ชื่อ": ["อบต.น้ำชำ", HOSTILE], "คะแนนรวม (%)": [81.5, 66.0]})
    html = (frame.style.hide(axis="index").format(precision=2, escape="html")
            .highlight_min(subset=["คะแนนรวม (%)"]).to_html())
    cell = new_code_cell("t", outputs=[new_output("display_data", data={"text/html": html})])
    return new_notebook(cells=[new_markdown_cell("# หัวเรื่อง"), cell])


def test_styler_tables_render_identically_and_left_align_text():
    a = render.notebook_to_html(_styler_notebook(), title="t", lang="th")
    b = render.notebook_to_html(_styler_notebook(), title="t", lang="th")
    assert a == b and 'id="T_s1"' in a and "#T_s1_row1_col1" in a
    assert re.search(r'<td [^>]*class="lpa-text data row0 col0"[^>]*>อบต.น้ำชำ</td>', a)
    assert re.search(r'<td [^>]*class="data row0 col1"[^>]*>81.50</td>', a)
    # each header aligned as its column: the names' left, the numbers' right
    assert re.search(r'<th [^>]*class="lpa-text col_heading level0 col0"[^>]*>ชื่อ</th>', a)
    assert re.search(r'<th [^>]*class="col_heading level0 col1"[^>]*>คะแนนรวม', a)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in a


def test_export_html_reads_a_notebook_file(executed, tmp_path):
    path = tmp_path / "executed.ipynb"
    nbformat.write(executed["en"], str(path))
    out = render.export_html(path, tmp_path / "r.html", title="Report", lang="en")
    assert HEADING in out.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="th, en"):
        render.export_html(path, tmp_path / "x.html", title="Report", lang="de")


# --- PDF ---------------------------------------------------------------------------------------

def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (poppler-utils) not installed")
    return path


def _pdftotext(pdf: Path) -> str:
    text = subprocess.run([_need("pdftotext"), "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", text)


def _page_sizes(pdf: Path) -> set[tuple[float, float]]:
    info = subprocess.run([_need("pdfinfo"), "-f", "1", "-l", "99", str(pdf)], check=True,
                          capture_output=True, text=True).stdout
    return {(round(float(w)), round(float(h)))
            for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)}


@pytest.fixture(scope="module")
def chromium() -> render.PdfRenderer:
    if render.pdf_backend() != "chromium":
        pytest.skip("Chromium (or playwright) not installed")
    with render.PdfRenderer("chromium", date=datetime(2023, 10, 1, tzinfo=UTC)) as renderer:
        yield renderer


@pytest.mark.parametrize("lang", ["th", "en"])
def test_chromium_pdf_is_a4_with_searchable_thai(chromium, html_files, tmp_path, lang):
    pdf = chromium.render(html_files[lang], tmp_path / "report.pdf")
    assert _page_sizes(pdf) == {(595, 842)}
    text = _pdftotext(pdf)
    assert HEADING in text and SENTENCE in text
    assert "เทศบาลตำบลช่อแฮ" in text and HOSTILE in text
    assert chromium.blocked == []
    # Bookmarks (PDF outline) for the sections: titles as (ASCII) or <UTF-16 hex> strings.
    section = i18n.t("section.summary", lang)
    data = pdf.read_bytes()
    assert b"/Outlines" in data
    assert (f"/Title <FEFF{section.encode('utf-16-be').hex().upper()}>".encode() in data
            or f"/Title ({section})".encode() in data)


def test_chromium_pdf_is_byte_identical_with_a_fixed_date(chromium, html_files, tmp_path):
    a = chromium.render(html_files["th"], tmp_path / "a.pdf")
    chromium.render(html_files["en"], tmp_path / "between.pdf")  # the reused tab moves on
    b = chromium.render(html_files["th"], tmp_path / "b.pdf")
    assert a.read_bytes() == b.read_bytes()
    info = subprocess.run([_need("pdfinfo"), str(a)], capture_output=True, text=True).stdout
    assert re.search(r"CreationDate:\s+\w+ Oct\s+1 00:00:00 2023", info)


def test_chromium_blocks_and_counts_network_requests(chromium, tmp_path):
    page = tmp_path / "leaky.html"
    page.write_text('<html><body><p>ทดสอบ</p><img src="http://example.invalid/x.png">'
                    '<link rel="stylesheet" href="https://cdn.example.invalid/a.css">'
                    "</body></html>", encoding="utf-8")
    before = len(chromium.blocked)
    chromium.render(page, tmp_path / "leaky.pdf")
    assert sorted(chromium.blocked[before:]) == ["http://example.invalid/x.png",
                                                 "https://cdn.example.invalid/a.css"]
    del chromium.blocked[before:]


def test_export_pdf_takes_the_date_from_source_date_epoch(chromium, html_files, tmp_path,
                                                          monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1696118400")  # 2023-10-01 00:00 UTC
    a = render.export_pdf(html_files["en"], tmp_path / "a.pdf")
    b = render.export_pdf(html_files["en"], tmp_path / "b.pdf")
    assert a.read_bytes() == b.read_bytes()
    assert b"(D:20231001000000+00'00')" in a.read_bytes()


def test_one_chromium_renderer_per_process(chromium):
    with pytest.raises(RuntimeError, match="one Chromium renderer per process"):
        with render.PdfRenderer("chromium"):
            pass


def test_weasyprint_fallback_renders_a4(html_files, tmp_path):
    pytest.importorskip("weasyprint")
    with render.PdfRenderer("weasyprint") as renderer:
        pdf = renderer.render(html_files["th"], tmp_path / "w.pdf")
        again = renderer.render(html_files["th"], tmp_path / "w2.pdf")
    assert _page_sizes(pdf) == {(595, 842)}
    assert pdf.read_bytes() == again.read_bytes()
    assert "แพร่" in _pdftotext(pdf)  # WeasyPrint loses some marks; the names survive
    assert renderer.blocked == []


def test_chromium_is_found_and_can_be_overridden(monkeypatch, tmp_path):
    monkeypatch.setenv(render.CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    with pytest.raises(InputError, match=render.CHROMIUM_ENV):
        render.chromium_path()
    fake = tmp_path / "chromium"
    fake.write_text("")
    monkeypatch.setenv(render.CHROMIUM_ENV, str(fake))
    assert render.chromium_path() == str(fake)


def test_normalise_pdf_keeps_length_and_fixes_dates_and_id():
    raw = (b"%PDF-1.4\n1 0 obj\n<</CreationDate (D:20261125182711+00'00')\n"
           b"/ModDate (D:20261125182711+00'00')>>\nendobj\ntrailer\n"
           b"<</ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]>>")
    fixed = render.normalise_pdf(raw, datetime(2023, 10, 1, tzinfo=UTC))
    assert len(fixed) == len(raw)
    assert fixed.count(b"(D:20231001000000+00'00')") == 2
    assert b"0123456789ABCDEF" not in fixed
    assert render.normalise_pdf(raw, datetime(2023, 10, 1, tzinfo=UTC)) == fixed
