"""Release metadata on every report: the cover block under the title, the footer line of every
PDF page and, for synthetic data, the watermark on every page (`ReportBase.release_html`).

The styles live in the report template (templates/lpa/lpa.css: `.lpa-release`,
`.lpa-watermark`, the `@page` footer box); this module writes the content. A fixed-position
element repeats on every printed page, so the watermark is one `position: fixed` element; the
footer line is the content of an `@page` margin box, which uses the page's own fonts (Chromium's
footer template cannot: it has no Thai font)."""

from __future__ import annotations

import base64
from functools import cache
from html import escape

from lpa_analysis import i18n, plots
from lpa_analysis.i18n import t
from lpa_analysis.schema import Release

# render.COVER_END: the table of contents goes after this, so the cover reads title, release
# metadata, contents.
COVER_END = "<!-- lpa:cover-end -->"
FACTS = ("publisher", "status", "release_date", "contact", "source")
WATERMARK_PT, WATERMARK_COLOUR = 26, "#BE1E1E21"  # light, and see-through: over the content


def release_html(release: Release, lang: str) -> str:
    """The cover block, the page-footer rule and (synthetic data) the watermark, as HTML."""
    parts = [cover_block(release, lang), f"<style>@page {{ @bottom-left {{ content: "
             f"{css_string(footer_line(release, lang))}; }} }}</style>"]
    if release.synthetic:
        parts.append(watermark_html(lang))
    return "\n".join([*parts, COVER_END])


@cache
def watermark_html(lang: str) -> str:
    """The diagonal watermark as a picture of its words (a CSS background of outlines), not
    as text: copied or extracted text (pdftotext) would otherwise mix its letters into every
    line it crosses. The footer line carries the same words as text, once a page."""
    svg, width, height = plots.text_svg(t("release.watermark", lang), size=WATERMARK_PT,
                                        colour=WATERMARK_COLOUR)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<div class="lpa-watermark" aria-hidden="true" style="width: {width:.1f}pt; '
            f'height: {height:.1f}pt; background-image: url(data:image/svg+xml;base64,{data})">'
            f"</div>")


def cover_block(release: Release, lang: str) -> str:
    """The notes (synthetic, draft) and the facts (publisher, status, date, contact, source):
    the reports' cover and the index page."""
    return "\n".join(['<div class="lpa-release">', *_notes(release, lang),
                      _facts(release, lang), "</div>"])


def _notes(release: Release, lang: str) -> list[str]:
    """What a reader must know before any number: made-up data, not an official release."""
    keys = (["release.synthetic_note"] if release.synthetic else []) + (
        ["release.draft_note" if release.declared else "release.undeclared_note"]
        if release.status == "draft" else [])
    return [f'<p class="lpa-release-note">{escape(t(key, lang))}</p>' for key in keys]


def _facts(release: Release, lang: str) -> str:
    rows = "".join(f"<dt>{escape(_fact_label(release, name, lang))}</dt>"
                   f"<dd>{escape(_fact(release, name, lang))}</dd>" for name in FACTS)
    return f'<dl class="lpa-release-facts">{rows}</dl>'


def _fact_label(release: Release, name: str, lang: str) -> str:
    """The date of a draft is the draft's date, not a release date."""
    if name == "release_date":
        return t(f"release.date_label.{release.status}", lang)
    return t(f"release.{name}", lang)


def _fact(release: Release, name: str, lang: str) -> str:
    if name == "status":
        return t(f"release.status.{release.status}", lang)
    if name == "release_date":
        return (i18n.fmt_date(release.release_date, lang) if release.release_date
                else t("release.not_stated", lang))
    return release.text(name, lang) or t("release.not_stated", lang)


def dated(release: Release, lang: str) -> str | None:
    """'เผยแพร่ 1 ธันวาคม 2567' (final) or 'ร่าง ณ วันที่ 1 ธันวาคม 2567' (draft); None
    without a date."""
    if release.release_date is None:
        return None
    return t(f"release.dated.{release.status}", lang,
             date=i18n.fmt_date(release.release_date, lang))


def footer_line(release: Release, lang: str) -> str:
    """'ข้อมูลสมมติ — … · publisher · ฉบับร่าง · ร่าง ณ วันที่ 1 ธันวาคม 2566', the stated
    parts."""
    parts = [t("release.watermark", lang)] if release.synthetic else []
    if release.publisher:
        parts.append(release.text("publisher", lang))
    if release.status == "final" or release.release_date is None:
        parts.append(t(f"release.status.{release.status}", lang))  # a dated draft says so
    if release.release_date:
        parts.append(dated(release, lang))
    return " · ".join(parts)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string that cannot end the string or the <style> element."""
    return '"' + "".join(f"\\{ord(c):x} " if c in '\\"<>&' or ord(c) < 0x20 else c
                         for c in text) + '"'
