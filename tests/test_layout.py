"""Languages side by side (issue 16, item 5): reports/<year>/<lang>/…; a run in one language
never touches the other's files; a one-province run renders that province and the index,
nothing else; the index links the other language and the workbooks, shows the national row
and groups provinces by region."""

from __future__ import annotations

import hashlib
import re
import shutil
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from lpa_analysis import audit, i18n
from lpa_analysis.geo import REGION_PROVINCES, resolve_province
from lpa_analysis.processed import load_processed
from lpa_analysis.runs import lang_dir, run_reports, write_index

pytestmark = pytest.mark.slow


def _tree(folder: Path) -> dict[str, str]:
    """Every file under a folder (markers and manifest too) with its sha256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class _Rows(HTMLParser):
    """The index table as (row class, cell texts), and every link."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self.hrefs: list[str] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append((attrs.get("class") or "", []))
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif tag == "a":
            self.hrefs.append(attrs["href"])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1][1].append("".join(self._cell).strip())
            self._cell = None


def _index(folder: Path) -> _Rows:
    return _Rows((folder / "index.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(small_demo, small_processed, tmp_path_factory):
    """Thai Phrae + national, then English Phrae, then Thai Nan alone (HTML only); the Thai
    folder's files and index after each step."""
    out = tmp_path_factory.mktemp("layout") / "reports"
    th, en = lang_dir(out, 2566, "th"), lang_dir(out, 2566, "en")

    def run(province, lang, **options):
        outcome = run_reports(2566, province, lang=lang, formats={"html"}, data_dir=small_demo,
                              processed_dir=small_processed, out_dir=out, workers=1, **options)
        assert not outcome.failed, [(r.key, r.error) for r in outcome.failed]
        return outcome

    run("54", "th", national=True)
    steps = {"th": _tree(th), "th_index": _index(th)}
    steps["en_outcome"] = run("54", "en")
    steps["after_en"] = _tree(th)
    steps["nan_outcome"] = run("55", "th")
    steps["after_nan"] = _tree(th)
    return out, th, en, steps


def test_an_english_run_leaves_every_thai_file_byte_identical(runs):
    _, th, en, steps = runs
    assert steps["th"] == steps["after_en"]
    assert 'lang="en"' in (en / "54" / "report.html").read_text(encoding="utf-8")
    assert 'lang="th"' in (th / "54" / "report.html").read_text(encoding="utf-8")


def test_a_one_province_run_renders_that_province_and_the_index_only(runs):
    _, th, en, steps = runs
    assert [r.key for r in steps["en_outcome"].results] == ["2566/54"]
    assert sorted(p.name for p in en.iterdir()) == ["54", "index.html", "manifest.json"]
    before, after = steps["after_en"], steps["after_nan"]
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert {path.split("/")[0] for path in changed} == {"55", "index.html", "manifest.json"}
    assert "national.html" in after and "55/report.html" in after


def test_the_index_links_the_other_language_and_the_workbooks(runs):
    _, th, en, steps = runs
    # written before the English folder existed: no link to it (never a dead link)
    assert "../en/index.html" not in steps["th_index"].hrefs
    for folder, other in ((th, "en"), (en, "th")):
        index = _index(folder)
        assert f"../{other}/index.html" in index.hrefs
        assert {"54/report.html", "54/tables/tables.xlsx"} <= set(index.hrefs)
        for href in index.hrefs:
            assert (folder / href).is_file(), (folder, href)
    assert {"national.html", "national/tables/tables.xlsx", "55/tables/tables.xlsx"} \
        <= set(_index(th).hrefs)


def test_the_index_has_the_national_row_of_the_national_report(runs):
    _, th, en, _ = runs
    rows = _index(th).rows
    national = [cells for kind, cells in rows if kind == "national"]
    summary = pd.read_csv(th / "national" / "tables" / "summary.csv").iloc[0]
    assert len(national) == 1 and rows[1][0] == "national"  # first, under the header
    pct = partial(i18n.fmt_num, digits=1)  # the headers say (%)
    assert national[0][2:7] == [
        i18n.fmt_num(summary["n"]), i18n.fmt_num(summary["passed"]), pct(100 * summary["rate"]),
        f"{pct(100 * summary['ci_low'])}–{pct(100 * summary['ci_high'])}",
        pct(summary["mean_overall"])]
    province = pd.read_csv(th / "54" / "tables" / "summary.csv").iloc[0]
    phrae = next(cells for kind, cells in rows if kind == "province" and cells[0] == "54")
    assert phrae[2:5] == [i18n.fmt_num(province["n_assessed"]),
                          i18n.fmt_num(province["n_passed"]), pct(100 * province["pass_rate"])]
    # the region row is the region the province report compares with
    north = next(cells for kind, cells in rows if kind == "region")
    assert north[0] == i18n.region_label("north", "th")
    assert north[3] == pct(100 * province["region_pass_rate"])
    # no national overview in English yet: no national row
    assert "national" not in {kind for kind, _ in _index(en).rows}


def test_the_index_groups_provinces_by_region_in_order(runs, tmp_path, small_processed):
    """Phrae's real report copied under provinces of four regions: each province sits under
    its region's heading, regions in the order of geo.REGION_PROVINCES."""
    _, th, _, _ = runs
    out = tmp_path / "reports"
    folder = lang_dir(out, 2566, "th")
    for code in ("96", "54", "30", "20"):
        shutil.copytree(th / "54", folder / code)
    write_index(2566, out, "th", [], processed_dir=small_processed)
    current, placed = None, {}
    for kind, cells in _index(folder).rows:
        if kind == "region":
            current = cells[0]
        elif kind == "province":
            placed[cells[0]] = current
    assert placed == {code: i18n.region_label(resolve_province(code).region, "th")
                      for code in ("20", "30", "54", "96")}
    headings = [cells[0] for kind, cells in _index(folder).rows if kind == "region"]
    order = [i18n.region_label(r, "th") for r in REGION_PROVINCES]
    assert headings == sorted(headings, key=order.index) and len(headings) == 4
    # what the page says besides the table: the release, and that 4 of 76 are here
    page = (folder / "index.html").read_text(encoding="utf-8")
    release = load_processed(2566, small_processed).release
    assert release.synthetic and i18n.t("release.watermark", "th") in page
    assert release.text("publisher", "th") in page
    assert i18n.t("index.coverage", "th", n="4", total="76") in page


def test_verify_writes_the_same_index_again(runs):
    """The English index links the Thai one; a re-run in an empty folder writes it again
    byte for byte (the manifest records what the index linked)."""
    _, _, en, _ = runs
    result = audit.verify(en / "manifest.json")
    assert result.ok, result.table().query(f"status not in {audit.OK_STATUSES}")
    assert "index.html" in set(result.table()["path"])
    assert re.search(r"\.\./th/index\.html", (en / "index.html").read_text(encoding="utf-8"))
