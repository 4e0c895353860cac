"""Executed notebook → self-contained HTML → A4 PDF.

HTML: nbconvert's HTMLExporter in-process with our template (templates/lpa: the lab template
without require.js/MathJax/mermaid/widget CDN scripts, the Thai font embedded as a data URI,
a table of contents, print CSS for A4). No input cells or prompts; data stays escaped.

PDF: Debian Chromium driven by playwright (one browser and one reused page per renderer;
every request that is not a local file is blocked and counted), WeasyPrint as the fallback
(with a warning: it loses some Thai in pdftotext, e.g. น้ำ → นำ). Chromium PDFs are tagged,
with bookmarks for the headings and page numbers. Creation dates ($SOURCE_DATE_EPOCH), the
structure-element ids and the document ID are rewritten so that the same HTML gives the same
PDF bytes (issue 7); the HTML itself carries no random ids or timings.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import html as html_lib
import itertools
import logging
import os
import re
import shutil
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Literal

import nbformat

from lpa_analysis import package_data
from lpa_analysis.files import write_atomic
from lpa_analysis.i18n import check_lang, t
from lpa_analysis.log import log
from lpa_analysis.provenance import source_date

TEMPLATES = package_data.TEMPLATES
TEMPLATE_NAME = "lpa"
FONT_DIR = package_data.FONTS
FONT_FAMILY = "LPA Noto Sans Thai"
CHROMIUM_ENV = "LPA_CHROMIUM"
DEBIAN_CHROMIUM = "/usr/lib/chromium/chromium"  # /usr/bin/chromium is a wrapper script
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_SCHEMES = ("file:", "data:", "about:")
# The reused page collects the garbage of earlier reports lazily: its renderer grows to
# ~600 MB by the 30th report. A full collection every few reports bounds it (measured over 40
# reports: every 5 → 480 MB, every 3 → 440 MB, every one → 300 MB but +0.09 CPU-s a report).
GARBAGE_EVERY = 4
# The text width of an A4 page (210 mm less lpa.css's 15 mm margins) in CSS pixels: the width
# tables are checked against before printing.
A4_TEXT_WIDTH_PX = round((210 - 2 * 15) / 25.4 * 96)
# Tables wider than their output area (the lab CSS cuts them at its edge), by their headers.
_WIDE_TABLES_JS = """() => [...document.querySelectorAll('.jp-OutputArea-output table')]
  .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
  .map(t => [...t.querySelectorAll('thead th')].map(h => h.textContent.trim()).join(' | '))"""
# Page numbers at the right of the bottom margin ("3 / 12"); Chromium fills the two spans. The
# left holds the report's release line (an @page margin box: report/release.py).
PAGE_FOOTER = ('<div style="width:100%; box-sizing:border-box; text-align:right; padding:0 15mm; '
               'font-size:8px; color:#666;"><span class="pageNumber"></span> / '
               '<span class="totalPages"></span></div>')
# Written by report/release.py at the end of a report's cover (title, release metadata).
COVER_END = "<!-- lpa:cover-end -->"
# The end of the main-points box (report.mainpoints): page 1 reads title, cover, main points,
# then the contents.
MAIN_POINTS_END = "<!-- lpa:main-points-end -->"
Backend = Literal["chromium", "weasyprint"]


# --- HTML ----------------------------------------------------------------------------------------

@cache
def font_face_css() -> str:
    """@font-face rules with the bundled Noto Sans Thai as base64 data URIs (~100 KB)."""
    rules = []
    for weight, name in ((400, "NotoSansThai-Regular.ttf"), (700, "NotoSansThai-Bold.ttf")):
        data = base64.b64encode((FONT_DIR / name).read_bytes()).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
                     f'font-style: normal; src: url(data:font/ttf;base64,{data}) '
                     'format("truetype"); }')
    return "\n".join(rules)


def _report_exporter_class():
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """HTMLExporter without its last step, which parses the whole page again with
        BeautifulSoup (~0.15 s a report, a tenth of the notebook) only to add a stock alt text
        to images and tabindex to cells: our template writes each chart's own alt text, and a
        printed report has no cells to focus."""

        def from_notebook_node(self, nb, resources=None, **kw):
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


@cache
def _exporter():
    """One configured exporter per process (building one costs ~0.2 s, reuse ~10 ms)."""
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    return _report_exporter_class()(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        theme="light",
    )


def _read_notebook(notebook: str | Path | nbformat.NotebookNode) -> nbformat.NotebookNode:
    if isinstance(notebook, nbformat.NotebookNode):
        return notebook
    return nbformat.read(str(notebook), as_version=4)


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without what changes from run to run (timings, kernel and papermill metadata,
    widget state, random cell ids such as that of papermill's injected-parameters cell) and
    without stderr streams (warnings go to the log instead of the report). Shallow: outputs
    are shared with `nb`, which is left as it was (a deep copy of a report's images costs
    more than the cleaning)."""
    clean = nbformat.NotebookNode(nb)
    clean.metadata = nbformat.NotebookNode(
        {k: v for k, v in nb.metadata.items() if k not in ("papermill", "widgets", "execution")})
    clean.cells = []
    for index, cell in enumerate(nb.cells):
        cell = nbformat.NotebookNode(cell)
        if "id" in cell:
            cell.id = f"cell-{index + 1}"
        cell.metadata = nbformat.NotebookNode(
            {k: v for k, v in cell.metadata.items()
             if k not in ("execution", "papermill", "collapsed", "scrolled")})
        if cell.cell_type == "code":
            kept = []
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    log.warning("notebook cell %d wrote to stderr (not in the report): %s",
                                index, output.text.strip()[:500])
                else:
                    kept.append(output)
            cell.outputs = kept
        clean.cells.append(cell)
    return clean


_TAG = re.compile(r"<[^>]+>")
_ANY_HEADING = re.compile(r"<h([1-6])\b([^>]*)>(.*?)</h\1>", re.S)
_HEADING = re.compile(r'<h([23])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def _short_heading_ids(html: str) -> str:
    """Number the heading ids (sec-1, sec-2, …). nbconvert derives them from the heading text;
    Thai ones become long percent-encoded PDF destination names (over the PDF name limit of
    127 bytes, which poppler warns about), and equal headings would share an id."""
    counter = itertools.count(1)

    def one(match: re.Match) -> str:
        level, attrs, inner = match.groups()
        old = re.search(r'\bid="([^"]*)"', attrs)
        if old is None:
            return match.group(0)
        new = f"sec-{next(counter)}"
        attrs = attrs.replace(old.group(0), f'id="{new}"')
        inner = inner.replace(f'href="#{old.group(1)}"', f'href="#{new}"')
        return f"<h{level}{attrs}>{inner}</h{level}>"

    return _ANY_HEADING.sub(one, html)


def _toc(body: str, lang: str) -> str:
    """A nested list of the h2/h3 headings, linking to their ids."""
    items: list[str] = []
    open_sub = False
    for level, anchor, inner in _HEADING.findall(body):
        text = html_lib.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        link = f'<a href="#{anchor}">{html_lib.escape(text)}</a>'
        if level == "2":
            if open_sub:
                items.append("</ul></li>")
                open_sub = False
            elif items:
                items.append("</li>")
            items.append(f"<li>{link}")
        else:
            if not open_sub:
                items.append("<ul>" if items else "<li><ul>")
                open_sub = True
            items.append(f"<li>{link}</li>")
    if not items:
        return ""
    items.append("</ul></li>" if open_sub else "</li>")
    # The title is not a heading, so it is neither in the contents nor in the PDF bookmarks.
    return (f'<nav class="lpa-toc"><p class="lpa-toc-title">{t("report.toc", lang)}</p>'
            f'<ul>{"".join(items)}</ul></nav>')


# DataFrame tables: pandas' to_html (class "dataframe") and Styler's (id "T_<uuid>").
_TABLE = re.compile(r'(<table\b[^>]*(?:class="[^"]*dataframe[^"]*"|id="T_\w+")[^>]*>)'
                    r"(.*?)(</table>)", re.S)
_BODY_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<td\b([^>]*)>(.*?)</td>", re.S)
_HEADER_CELL = re.compile(r"<th\b([^>]*)>(.*?)</th>", re.S)
_NUMBER = re.compile(r"^[−+\-]?[\d,]*\.?\d+(e[+-]?\d+)?%?$"
                     r"|^(nan|NaN|&lt;NA&gt;|NaT|None|–|True|False)?$")


def _with_class(tag: str, attrs: str, inner: str) -> str:
    """`<tag attrs>inner</tag>` with the class lpa-text added."""
    attrs = (attrs.replace('class="', 'class="lpa-text ', 1) if 'class="' in attrs
             else f' class="lpa-text"{attrs}')
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _left_align_text_columns(html: str) -> str:
    """Mark the cells of non-numeric DataFrame columns (names, types) and their headers to be
    left-aligned: pandas and the lab CSS right-align every cell."""

    def one_table(match: re.Match) -> str:
        head, table, tail = match.groups()
        body = table.split("<tbody>", 1)
        if len(body) != 2:
            return match.group(0)
        rows = [_CELL.findall(row) for row in _BODY_ROW.findall(body[1])]
        width = max((len(r) for r in rows), default=0)
        text_columns = {
            i for i in range(width)
            if any(i < len(r) and not _NUMBER.match(_TAG.sub("", r[i][1]).strip()) for r in rows)
        }
        if not text_columns:
            return match.group(0)

        def one_cell(cell: re.Match, column: int) -> str:
            if column not in text_columns:
                return cell.group(0)
            return _with_class("td", cell.group(1), cell.group(2))

        def one_row(row: re.Match) -> str:
            column = itertools.count()
            return _CELL.sub(lambda cell: one_cell(cell, next(column)), row.group(0))

        def one_header_row(row: re.Match) -> str:
            # the header row's last `width` cells head the data columns (before them: the
            # index's header, when the table shows its index)
            cells = _HEADER_CELL.findall(row.group(0))
            column = itertools.count(width - len(cells))

            def one_header(cell: re.Match) -> str:
                return (_with_class("th", cell.group(1), cell.group(2))
                        if next(column) in text_columns else cell.group(0))

            return _HEADER_CELL.sub(one_header, row.group(0))

        head_rows = list(_BODY_ROW.finditer(body[0]))
        header = body[0]
        if head_rows:  # the last header row names the columns
            last = head_rows[-1]
            header = header[:last.start()] + one_header_row(last) + header[last.end():]
        return head + header + "<tbody>" + _BODY_ROW.sub(one_row, body[1]) + tail

    return _TABLE.sub(one_table, html)


_STYLER_TABLE = re.compile(r'<table\b[^>]*\bid="T_([0-9a-f]+)"')
_STYLER_ID = re.compile(r"\bT_([0-9a-f]+)(?=[_\"\s.:,{\[])")


def _stable_styler_ids(html: str) -> str:
    """pandas Styler names its table and cells after a random uuid (T_0fa99_row0_col0, in the
    HTML and its <style>): number them T_s1, T_s2, … so the same report gives the same bytes.
    One pass over the page (it is mostly base64 images), whatever the number of tables."""
    numbers = {uuid: f"T_s{n}" for n, uuid in
               enumerate(dict.fromkeys(_STYLER_TABLE.findall(html)), start=1)}
    return _STYLER_ID.sub(lambda m: numbers.get(m.group(1), m.group(0)), html)


_CHAR_REF = re.compile(r"&#(\d+);")


def _literal_characters(html: str) -> str:
    """Write the characters nbconvert's heading renderer encodes as numeric references
    (&#3592;&#3633;… for Thai) as themselves, as the rest of the page has them: searchable in
    the source and a third of the size. Markup characters (below U+00A0) stay encoded."""
    return _CHAR_REF.sub(lambda m: chr(int(m.group(1))) if int(m.group(1)) >= 0xA0
                         else m.group(0), html)


def notebook_to_html(notebook: str | Path | nbformat.NotebookNode, *, title: str,
                     lang: str) -> str:
    """The report HTML of an executed notebook, as a string."""
    lang = check_lang(lang)
    nb = clean_notebook(_read_notebook(notebook))
    nb.metadata["title"] = title
    exporter = _exporter()
    exporter.language_code = lang
    body, _ = exporter.from_notebook_node(nb, resources={"lpa_font_css": font_face_css(),
                                                         "lpa_chart_alt": t("report.chart", lang)})
    body = _short_heading_ids(_left_align_text_columns(_stable_styler_ids(
        _literal_characters(body))))
    # The contents go under the main points, else under the report's cover (title and release
    # metadata), else under the title (the first h1), else at the top.
    title_end = body.find("</h1>")
    cover_end = body.find(COVER_END, max(title_end, 0))
    points_end = body.find(MAIN_POINTS_END, max(title_end, 0))
    if points_end >= 0:
        at = points_end + len(MAIN_POINTS_END)
    elif cover_end >= 0:
        at = cover_end + len(COVER_END)
    elif title_end >= 0:
        at = title_end + len("</h1>")
    else:
        at = body.index("<main>") + len("<main>")
    return body[:at] + _toc(body, lang) + body[at:]


def export_html(notebook: str | Path | nbformat.NotebookNode, out_html: str | Path, *,
                title: str, lang: str) -> Path:
    """Render an executed notebook (path or node) to a self-contained HTML file."""
    html = notebook_to_html(notebook, title=title, lang=lang)
    path = write_atomic(Path(out_html), html.encode("utf-8"))
    log.debug("wrote %s (%d KB)", path, len(html) // 1024)
    return path


# --- PDF -----------------------------------------------------------------------------------------

def chromium_path() -> str | None:
    """$LPA_CHROMIUM, else Debian's chromium binary, else `chromium` on PATH."""
    override = os.environ.get(CHROMIUM_ENV)
    if override:
        if not Path(override).is_file():
            from lpa_analysis.errors import InputError

            raise InputError(f"{CHROMIUM_ENV}={override} is not a file")
        return override
    if Path(DEBIAN_CHROMIUM).is_file():
        return DEBIAN_CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def pdf_backend() -> Backend | None:
    """'chromium' (preferred), 'weasyprint' (fallback) or None when neither is installed."""
    if chromium_path() and _importable("playwright"):
        return "chromium"
    if _importable("weasyprint"):
        return "weasyprint"
    return None


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) ?\(D:[^)]*\)")
_PDF_ID = re.compile(rb"/ID ?\[ ?<([0-9A-Fa-f]+)> ?<([0-9A-Fa-f]+)> ?\]")
_PDF_NODE = re.compile(rb"\(node(\d{8})\)")


def _renumber_nodes(data: bytes) -> bytes:
    """A tagged Chromium PDF names its structure elements after DOM node numbers, which grow
    with every page a reused tab has loaded. Number them 1, 2, … in their original order (so
    the sorted ID tree stays sorted), keeping each the same length."""
    old = sorted({int(n) for n in _PDF_NODE.findall(data)})
    new = {n: i for i, n in enumerate(old, start=1)}
    return _PDF_NODE.sub(lambda m: b"(node%08d)" % new[int(m.group(1))], data)


def normalise_pdf(data: bytes, date: datetime | None) -> bytes:
    """Same-length rewrites (xref offsets stay valid): the Info dates to `date` (left alone when
    None), structure-element node ids renumbered, the document ID (if any) to a hash of the
    rest of the file."""
    if date is not None:
        stamp = date.astimezone(UTC).strftime("%Y%m%d%H%M%S")

        def fix_date(match: re.Match) -> bytes:
            new = b"/" + match.group(1) + b" (D:" + stamp.encode() + b"+00'00')"
            old = match.group(0)  # pad with spaces between tokens to keep the length
            return new.ljust(len(old)) if len(new) <= len(old) else old

        data = _PDF_DATE.sub(fix_date, data)
    data = _renumber_nodes(data)
    ids = _PDF_ID.search(data)
    if ids:
        digest = hashlib.md5(_PDF_ID.sub(b"", data), usedforsecurity=False).hexdigest().upper()
        first, second = ids.group(1), ids.group(2)
        new = (ids.group(0).replace(first, digest.encode()[: len(first)].ljust(len(first), b"0"))
               .replace(second, digest.encode()[: len(second)].ljust(len(second), b"0")))
        data = data[: ids.start()] + new + data[ids.end():]
    return data


class PdfRenderer:
    """HTML files → A4 PDFs with one browser (or WeasyPrint) for many reports.

        with PdfRenderer() as pdf:
            pdf.render("report.html", "report.pdf")

    backend: 'chromium' | 'weasyprint' | None (= pdf_backend()). date: written as the PDF's
    creation and modification date (default: $SOURCE_DATE_EPOCH; else left as rendered).
    blocked: URLs of every non-local request a report tried (none should; each is logged).
    """

    def __init__(self, backend: Backend | None = None, *, date: datetime | None = None):
        self.backend = backend or pdf_backend()
        if self.backend is None:
            raise RuntimeError("no PDF renderer: install Debian chromium (apt-get install "
                               "chromium) or the Python package weasyprint")
        if self.backend == "weasyprint" and backend is None:
            log.warning("PDF via WeasyPrint: Chromium not found (set %s or install chromium); "
                        "pdftotext may lose some Thai marks", CHROMIUM_ENV)
        self.date = date or source_date()
        self.blocked: list[str] = []
        self._playwright = self._browser = self._page = self._devtools = None
        self._rendered = 0

    def __enter__(self) -> PdfRenderer:
        if self.backend == "chromium":
            self._start_chromium()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start_chromium(self) -> None:
        global _active
        from playwright.sync_api import sync_playwright

        if _active is not None and _active is not self:
            raise RuntimeError("one Chromium renderer per process: use the open PdfRenderer "
                               "(or export_pdf, which does)")
        executable = chromium_path()
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=executable,
                                                         args=CHROMIUM_ARGS)
        self._page = self._browser.new_page()
        self._page.route("**/*", self._route)
        self._devtools = self._page.context.new_cdp_session(self._page)
        _active = self
        log.debug("chromium started: %s", executable)

    def _block(self, url: str) -> None:
        self.blocked.append(url)
        log.warning("blocked a network request from a report: %s", url)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            self._block(url)
            route.abort()

    def render(self, html_path: str | Path, pdf_path: str | Path, *,
               date: datetime | None = None) -> Path:
        """Render one HTML file to `pdf_path` (written atomically); returns the path.
        date: overrides the renderer's date for this file."""
        html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
        if not html_path.is_file():
            raise FileNotFoundError(f"no HTML to render: {html_path}")
        if self.backend == "chromium":
            if self._page is None:
                self._start_chromium()
            data = self._chromium_pdf(html_path)
        else:
            data = self._weasyprint_pdf(html_path)
        path = write_atomic(pdf_path, normalise_pdf(data, date or self.date))
        log.debug("wrote %s (%s, %d KB)", path, self.backend, len(data) // 1024)
        return path

    def print_pages(self, html_path: str | Path, *, page_selector: str,
                    date: datetime | None = None) -> bytes:
        """The PDF bytes of a document of fixed-size pages (one `page_selector` element per
        page, sized by its own CSS; no page numbers, untagged: a booklet to split). Chromium
        only. An element whose content overflows it would be cut without a sign: that is an
        error naming the elements' ids."""
        html_path = Path(html_path).resolve()
        if self.backend != "chromium":
            raise RuntimeError("fixed-page documents (scorecards) need Chromium: install Debian "
                               f"chromium or set {CHROMIUM_ENV}")
        if self._page is None:
            self._start_chromium()
        self._page.goto(html_path.as_uri(), wait_until="load")
        self._page.evaluate("document.fonts.ready")
        # print media: the page sizes the cards get in the PDF
        self._page.emulate_media(media="print")
        overflowing = self._page.evaluate(
            "s => [...document.querySelectorAll(s)]"
            ".filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)"
            ".map(e => e.id)", page_selector)
        self._page.emulate_media(media=None)
        if overflowing:
            raise RuntimeError(f"{html_path.name}: content longer than its page in "
                               f"{len(overflowing)} page(s): {', '.join(overflowing[:10])}")
        data = self._page.pdf(prefer_css_page_size=True, print_background=True, tagged=False,
                              outline=False)
        # a booklet's DOM is large (hundreds of pages): free it now, not at the next load
        self._page.goto("about:blank")
        self._devtools.send("HeapProfiler.collectGarbage")
        return normalise_pdf(data, date or self.date)

    def _chromium_pdf(self, html_path: Path) -> bytes:
        self._rendered += 1
        if self._rendered % GARBAGE_EVERY == 0:
            self._devtools.send("HeapProfiler.collectGarbage")
        self._page.goto(html_path.as_uri(), wait_until="load")
        self._page.evaluate("document.fonts.ready")
        self._warn_wide_tables(html_path)
        return self._page.pdf(prefer_css_page_size=True, print_background=True, format="A4",
                              tagged=True, outline=True, display_header_footer=True,
                              header_template="<div></div>", footer_template=PAGE_FOOTER)

    def _warn_wide_tables(self, html_path: Path) -> None:
        """Log each table that would print wider than the page (its right columns cut)."""
        viewport = self._page.viewport_size
        self._page.set_viewport_size({"width": A4_TEXT_WIDTH_PX, "height": 1000})
        self._page.emulate_media(media="print")
        try:
            for headers in self._page.evaluate(_WIDE_TABLES_JS):
                log.warning("%s: a table is wider than the page, its right side is cut: %s",
                            html_path.name, headers[:200])
        finally:
            self._page.emulate_media(media=None)
            if viewport:
                self._page.set_viewport_size(viewport)

    def _weasyprint_pdf(self, html_path: Path) -> bytes:
        import weasyprint
        from weasyprint.urls import URLFetcher, URLFetchingError

        renderer = self

        class LocalOnly(URLFetcher):
            def fetch(self, url, headers=None):
                if not url.startswith(LOCAL_SCHEMES):
                    renderer._block(url)
                    raise URLFetchingError(f"blocked: {url}")
                return super().fetch(url, headers)

        quiet = logging.getLogger("weasyprint")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # the lab CSS has many rules WeasyPrint ignores, noisily
        try:
            return weasyprint.HTML(filename=str(html_path), url_fetcher=LocalOnly()).write_pdf()
        finally:
            quiet.setLevel(level)

    def close(self) -> None:
        global _active
        for thing, method in ((self._browser, "close"), (self._playwright, "stop")):
            if thing is not None:
                getattr(thing, method)()
        self._playwright = self._browser = self._page = self._devtools = None
        if _active is self:
            _active = None


# Playwright's sync API allows one instance per thread, and a browser costs ~0.7 GB (with its
# playwright driver) and ~2 s
# to start: a process renders with one Chromium renderer at a time.
_active: PdfRenderer | None = None
_default: PdfRenderer | None = None  # export_pdf's own, when no renderer is open


def _process_renderer() -> PdfRenderer:
    global _default
    renderer = _active or _default
    if renderer is None:
        renderer = _default = PdfRenderer().__enter__()
        atexit.register(renderer.close)
    return renderer


def start_renderer() -> str:
    """Start this process's renderer (the browser) ahead of the first PDF; its backend."""
    return _process_renderer().backend


def export_pdf(html_path: str | Path, pdf_path: str | Path, *,
               date: datetime | None = None) -> Path:
    """Render with the process's open renderer, or start one (closed at exit).
    date: the PDF's creation date (default $SOURCE_DATE_EPOCH; without either, the time of
    rendering, so the PDF is not byte-identical across runs)."""
    return _process_renderer().render(html_path, pdf_path, date=date or source_date())


def print_pages(html_path: str | Path, *, page_selector: str, date: datetime) -> bytes:
    """`PdfRenderer.print_pages` with the process's open renderer (or one started for it)."""
    return _process_renderer().print_pages(html_path, page_selector=page_selector, date=date)
