"""Release metadata (issue 16, item 4): `dataset.yml` read and validated by the build, carried
into processed, shown on every report's cover and PDF footer; synthetic data watermarked on
every page, and no dataset.yml said to be a draft."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from lpa_analysis import i18n, render
from lpa_analysis.build import build_is_current, build_year
from lpa_analysis.errors import InputError
from lpa_analysis.processed import load_processed
from lpa_analysis.readers import read_release
from lpa_analysis.report import province_report
from lpa_analysis.report.release import css_string, footer_line, release_html, watermark_html
from lpa_analysis.schema import MAX_RELEASE_BYTES, Release

WATERMARK = {"th": "ข้อมูลสมมติ — ไม่ใช่ผลการประเมินจริง", "en": "SYNTHETIC DATA — not real results"}
# The watermark element and the contents (the report's <style> names both classes too).
MARK, TOC = 'class="lpa-watermark"', '<nav class="lpa-toc"'
FINAL = """\
publisher: "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดแพร่"
status: final
release_date: 2024-03-15
contact: "054 511 000"
source: "DLA LPA 2566, verified scores"
synthetic: false
"""


def _folder(tmp_path: Path, text: str | None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    if text is not None:
        (tmp_path / "dataset.yml").write_text(text, encoding="utf-8")
    return tmp_path


# ------------------------------------------------------------------- reading and validating

def test_every_field_is_read(tmp_path):
    release = read_release(_folder(tmp_path, FINAL))
    assert release == Release(publisher="สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดแพร่",
                              status="final", release_date=date(2024, 3, 15),
                              contact="054 511 000", source="DLA LPA 2566, verified scores",
                              synthetic=False, declared=True)


def test_no_dataset_yml_is_an_undeclared_draft(tmp_path):
    release = read_release(_folder(tmp_path, None))
    assert (release.status, release.synthetic, release.declared) == ("draft", False, False)
    assert release.publisher is None


@pytest.mark.parametrize("text, says", [
    ("status: finished\n", "status: Input should be 'draft' or 'final'"),
    ("release-date: 2024-01-01\n", "release-date: not a dataset.yml key"),
    ("release_date: 2567-03-15\n", "Buddhist-era date: write the Common-era date, 2024-03-15"),
    ("release_date: 2024-02-30\n", "release_date: Input should be a valid date"),
    ("contact: 053123456\n", "contact: read as int"),
    ("synthetic: maybe\n", "synthetic: Input should be a valid boolean"),
    ("publisher: '   '\n", "publisher: String should have at least 1 character"),
    ("declared: false\n", "declared: set by lpa build"),
    ("- publisher\n", "not release metadata"),
    ("publisher: &p x\ncontact: *p\n", "anchors and aliases"),
    ("publisher: [unclosed\n", "cannot read dataset.yml"),
])
def test_a_bad_dataset_yml_names_the_file_and_the_key(tmp_path, text, says):
    folder = _folder(tmp_path, text)
    with pytest.raises(InputError) as raised:
        read_release(folder)
    assert raised.value.file == folder / "dataset.yml"
    assert says in str(raised.value)


def test_an_oversized_dataset_yml_is_refused_before_parsing(tmp_path):
    folder = _folder(tmp_path, "publisher: x\n" + "#" * MAX_RELEASE_BYTES + "\n")
    with pytest.raises(InputError, match="too large for a dataset.yml"):
        read_release(folder)


def test_a_misnamed_dataset_yaml_is_not_silently_ignored(tmp_path):
    (tmp_path / "dataset.yaml").write_text("status: final\n", encoding="utf-8")
    with pytest.raises(InputError, match="must be named dataset.yml"):
        read_release(tmp_path)


BILINGUAL = """\
publisher:
  th: "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดแพร่"
  en: "Phrae Provincial Office for Local Administration"
contact: "054 511 000"
source: {th: "ผลการประเมินที่ตรวจสอบแล้ว", en: "Verified assessment results"}
"""
THAI = re.compile("[\u0e00-\u0e7f]")


def test_a_text_may_be_given_in_each_language(tmp_path):
    release = read_release(_folder(tmp_path, BILINGUAL))
    assert release.text("publisher", "en") == "Phrae Provincial Office for Local Administration"
    assert release.text("source", "th") == "ผลการประเมินที่ตรวจสอบแล้ว"
    assert release.text("contact", "th") == release.text("contact", "en") == "054 511 000"
    english = release_html(release, "en")
    assert "Verified assessment results" in english and not THAI.search(english.split(
        "<style>")[0].replace(i18n.t("release.status.draft", "th"), ""))
    assert "Verified assessment results" not in release_html(release, "th")


@pytest.mark.parametrize("text, says", [
    ("publisher: {th: ก}\n", "publisher: give one text, or both languages"),
    ("source: {th: ก, en: x, fr: y}\n", "has: th, en, fr"),
    ("contact: {th: ก, en: 053123456}\n", "contact.en: read as int"),
    ("publisher: {th: '  ', en: x}\n", "publisher.th: String should have at least"),
])
def test_a_bad_bilingual_text_names_the_key(tmp_path, text, says):
    with pytest.raises(InputError, match=re.escape(says)):
        read_release(_folder(tmp_path, text))


@pytest.mark.parametrize("status, label, dated", [
    ("draft", "ร่าง ณ วันที่", "ร่าง ณ วันที่ 15 มีนาคม 2567"),
    ("final", "วันที่เผยแพร่", "เผยแพร่ 15 มีนาคม 2567"),
])
def test_the_date_is_labelled_by_status(status, label, dated):
    html = release_html(Release(status=status, release_date=date(2024, 3, 15)), "th")
    assert f"<dt>{label}</dt>" in html and dated in html
    assert ("เผยแพร่ 15" in html) == (status == "final")  # a draft is never 'released'
    footer = footer_line(Release(status=status, release_date=date(2024, 3, 15)), "th")
    assert footer.endswith(dated) and footer.count("ร่าง") == (status == "draft")


def test_lpa_demo_writes_synthetic_true(small_demo):
    release = read_release(small_demo)
    assert release.synthetic and release.declared and release.publisher
    # each language's report reads its own language: no Thai in the English texts
    for name in ("publisher", "source"):
        assert THAI.search(release.text(name, "th"))
        assert not THAI.search(release.text(name, "en"))


# ------------------------------------------------------------------- build and processed

@pytest.fixture
def demo_copy(small_demo, tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(small_demo, data)
    return data


def test_the_build_carries_dataset_yml_into_processed(demo_copy, tmp_path):
    (demo_copy / "dataset.yml").write_text(FINAL, encoding="utf-8")
    processed = tmp_path / "processed"
    build_year(2566, demo_copy, processed)
    folder = processed / "2566"
    assert load_processed(2566, processed).release == read_release(demo_copy)
    # texts in both languages survive the copy
    (demo_copy / "dataset.yml").write_text(BILINGUAL, encoding="utf-8")
    build_year(2566, demo_copy, processed)
    assert load_processed(2566, processed).release == read_release(demo_copy)
    (demo_copy / "dataset.yml").write_text(FINAL, encoding="utf-8")
    build_year(2566, demo_copy, processed)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "dataset.yml" in {o["path"] for o in manifest["outputs"]}
    assert "dataset.yml" in {i["path"] for i in manifest["inputs"]}
    assert build_is_current(2566, demo_copy, processed)
    # editing it makes the build stale, and so does removing it
    (demo_copy / "dataset.yml").write_text(FINAL.replace("final", "draft"), encoding="utf-8")
    assert not build_is_current(2566, demo_copy, processed)
    (demo_copy / "dataset.yml").unlink()
    assert not build_is_current(2566, demo_copy, processed)


def test_a_build_without_dataset_yml_records_a_draft_and_a_new_file_rebuilds(demo_copy,
                                                                               tmp_path):
    (demo_copy / "dataset.yml").unlink()
    processed = tmp_path / "processed"
    build_year(2566, demo_copy, processed)
    release = load_processed(2566, processed).release
    assert (release.status, release.declared, release.synthetic) == ("draft", False, False)
    assert build_is_current(2566, demo_copy, processed)
    (demo_copy / "dataset.yml").write_text(FINAL, encoding="utf-8")
    assert not build_is_current(2566, demo_copy, processed)


def test_a_bad_dataset_yml_stops_the_build_and_writes_nothing(demo_copy, tmp_path):
    (demo_copy / "dataset.yml").write_text("status: published\n", encoding="utf-8")
    with pytest.raises(InputError, match="status"):
        build_year(2566, demo_copy, tmp_path / "processed")
    assert not (tmp_path / "processed" / "2566").exists()


# ------------------------------------------------------------------- what reports show

def test_thai_dates_are_buddhist_era():
    assert i18n.fmt_date(date(2024, 3, 15), "th") == "15 มีนาคม 2567"
    assert i18n.fmt_date(date(2024, 3, 15), "en") == "15 March 2024"


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_diagonal_watermark_is_outlines_not_text(lang):
    """Its words as text would be copied and extracted into every line they cross."""
    html = watermark_html(lang)
    assert WATERMARK[lang] not in html and MARK in html
    data = re.search(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)[1]
    svg = base64.b64decode(data).decode("utf-8")
    assert "<text" not in svg and svg.count("<path") > 10  # one outline per glyph or more
    assert watermark_html(lang) == html  # byte-stable re-runs


@pytest.mark.parametrize("lang", ["th", "en"])
def test_synthetic_data_get_the_watermark_and_real_data_do_not(lang):
    synthetic = release_html(Release(synthetic=True, status="final"), lang)
    real = release_html(Release(synthetic=False, status="final"), lang)
    assert MARK in synthetic and WATERMARK[lang] in synthetic
    assert MARK not in real and WATERMARK[lang] not in real


def test_the_cover_says_draft_plainly():
    undeclared = release_html(Release(declared=False), "th")
    assert "ฉบับร่าง: ชุดข้อมูลนี้ไม่มีข้อมูลการเผยแพร่ (dataset.yml)" in undeclared
    assert "ฉบับร่าง: ตัวเลขในรายงานนี้ยังไม่ใช่ผลที่เผยแพร่" in release_html(Release(), "th")
    final = release_html(Release(status="final", publisher="สถ.จ.แพร่"), "th")
    assert "ฉบับสมบูรณ์" in final and "ฉบับร่าง" not in final


def test_release_text_cannot_become_markup():
    hostile = '"; } </style><script>alert(1)</script>'
    html = release_html(Release(publisher=hostile, source="<b>x</b>"), "en")
    assert "<script>" not in html and "</style><" not in html and "<b>" not in html
    # the CSS string of the footer ends only at its closing quote
    assert css_string(hostile).count('"') == 2


# ------------------------------------------------------------------- rendered reports

def _pdf_pages(pdf: Path, mode: str = "-layout") -> list[str]:
    """The text of each page. -raw keeps the diagonal watermark as text; -layout spreads it
    over the lines it crosses."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), mode, str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, pages + 1)]


def _tinted_pixels(pdf: Path, page: int) -> int:
    """Pixels of the watermark's light red (red over equal green and blue) on a page."""
    from PIL import Image

    png = subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", "50", "-png",
                          str(pdf)], capture_output=True, check=True).stdout
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((r >= 235) & (r - g >= 8) & (abs(g - b) <= 4)).sum())


def _render(data: Path, root: Path, formats: set[str]) -> Path:
    from lpa_analysis.runs import run_reports

    outcome = run_reports(2566, "54", lang="th", formats=formats, data_dir=data,
                          processed_dir=root / "processed", out_dir=root / "reports",
                          workers=1, national=False)
    assert not outcome.failed, outcome.failed
    if "pdf" in formats and (outcome.pdf_backend != "chromium" or not shutil.which("pdftotext")):
        pytest.skip("needs Chromium and pdftotext")
    return root / "reports" / "2566" / "th" / "54"


@pytest.mark.slow
def test_a_synthetic_build_watermarks_every_pdf_page(small_demo, tmp_path):
    assert read_release(small_demo).synthetic  # lpa demo's own dataset.yml
    report = _render(small_demo, tmp_path, {"html", "pdf"})
    pages = _pdf_pages(report / "report.pdf")
    assert len(pages) > 3
    # the footer line's words, as text, once a page (searchable)
    counts = [text.count(WATERMARK["th"]) for text in pages]
    assert counts == [1] * len(pages), f"the footer's watermark per page: {counts}"
    # the diagonal one is a picture: none of its letters mix into the lines it crosses
    raw = _pdf_pages(report / "report.pdf", "-raw")
    assert [text.count(WATERMARK["th"]) for text in raw] == [1] * len(raw)
    rep = province_report(2566, "54", lang="th", processed_dir=tmp_path / "processed")
    first = "".join(pages[0].split())  # lines joined: a bullet may wrap
    broken = [b for b in rep.main_points().bullets if "".join(b.split()) not in first]
    assert not broken, f"main points that do not read whole on page 1: {broken}"
    # ... and is drawn on every page (its light red, where nothing else is that colour)
    tinted = [_tinted_pixels(report / "report.pdf", n) for n in range(1, len(pages) + 1)]
    assert min(tinted) > 300, f"pages without the diagonal watermark: {tinted}"
    html = (report / "report.html").read_text(encoding="utf-8")
    # the cover: title, release metadata, then the contents
    assert html.index("</h1>") < html.index('class="lpa-release"') < html.index(TOC)


@pytest.mark.slow
def test_a_final_real_build_has_no_watermark_and_a_footer_on_every_page(demo_copy, tmp_path):
    (demo_copy / "dataset.yml").write_text(FINAL, encoding="utf-8")
    report = _render(demo_copy, tmp_path, {"html", "pdf"})
    pages = _pdf_pages(report / "report.pdf")
    assert not [n for n, text in enumerate(pages, start=1) if "ข้อมูลสมมติ" in text]
    footer = "ฉบับสมบูรณ์ · เผยแพร่ 15 มีนาคม 2567"
    assert not [n for n, text in enumerate(pages, start=1) if footer not in text]
    assert "ฉบับร่าง" not in pages[0] and "054 511 000" in pages[0]
    assert MARK not in (report / "report.html").read_text(encoding="utf-8")
    # nothing else on a page has the watermark's tint (the synthetic test's check can fail)
    assert max(_tinted_pixels(report / "report.pdf", n) for n in range(1, len(pages) + 1)) < 50


@pytest.mark.slow
def test_no_dataset_yml_puts_draft_on_the_cover(demo_copy, tmp_path):
    (demo_copy / "dataset.yml").unlink()
    report = _render(demo_copy, tmp_path, {"html"})
    html = (report / "report.html").read_text(encoding="utf-8")
    cover = html[:html.index(TOC)]
    assert "ฉบับร่าง: ชุดข้อมูลนี้ไม่มีข้อมูลการเผยแพร่ (dataset.yml)" in cover
    assert MARK not in html
    assert render.COVER_END in html
