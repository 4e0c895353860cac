"""Release metadata on every report: the cover block under the title, the footer line of every
PDF page and, for synthetic data, the watermark on every page (`ReportBase.release_html`).

The styles live in the report template (templates/lpa/lpa.css: `.lpa-release`,
`.lpa-watermark`, the `@page` footer box); this module writes the content. A fixed-position
element repeats on every printed page, so the watermark is one `position: fixed` element; the
footer line is the content of an `@page` margin box, which uses the page's own fonts (Chromium's
footer template cannot: it has no Thai font)."""

from __future__ import annotations

from html import escape

from lpa_analysis import i18n
from lpa_analysis.i18n import t
from lpa_analysis.schema import Release

# render.COVER_END: the table of contents goes after this, so the cover reads title, release
# metadata, contents.
COVER_END = "<!-- lpa:cover-end -->"
FACTS = ("publisher", "status", "release_date", "contact", "source")


def release_html(release: Release, lang: str) -> str:
    """The cover block, the page-footer rule and (synthetic data) the watermark, as HTML."""
    parts = ['<div class="lpa-release">', *_notes(release, lang), _facts(release, lang),
             "</div>", f"<style>@page {{ @bottom-left {{ content: "
             f"{css_string(footer_line(release, lang))}; }} }}</style>"]
    if release.synthetic:
        parts.append(f'<div class="lpa-watermark" aria-hidden="true">'
                     f'{escape(t("release.watermark", lang))}</div>')
    return "\n".join([*parts, COVER_END])


def _notes(release: Release, lang: str) -> list[str]:
    """What a reader must know before any number: made-up data, not an official release."""
    keys = (["release.synthetic_note"] if release.synthetic else []) + (
        ["release.draft_note" if release.declared else "release.undeclared_note"]
        if release.status == "draft" else [])
    return [f'<p class="lpa-release-note">{escape(t(key, lang))}</p>' for key in keys]


def _facts(release: Release, lang: str) -> str:
    rows = "".join(f"<dt>{escape(t(f'release.{name}', lang))}</dt>"
                   f"<dd>{escape(_fact(release, name, lang))}</dd>" for name in FACTS)
    return f'<dl class="lpa-release-facts">{rows}</dl>'


def _fact(release: Release, name: str, lang: str) -> str:
    if name == "status":
        return t(f"release.status.{release.status}", lang)
    value = getattr(release, name)
    if value is None:
        return t("release.not_stated", lang)
    return i18n.fmt_date(value, lang) if name == "release_date" else value


def footer_line(release: Release, lang: str) -> str:
    """'ข้อมูลสมมติ — … · publisher · ฉบับร่าง · เผยแพร่ 1 ธันวาคม 2566', the stated parts."""
    parts = [t("release.watermark", lang)] if release.synthetic else []
    if release.publisher:
        parts.append(release.publisher)
    parts.append(t(f"release.status.{release.status}", lang))
    if release.release_date:
        parts.append(t("release.released", lang,
                       date=i18n.fmt_date(release.release_date, lang)))
    return " · ".join(parts)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string that cannot end the string or the <style> element."""
    return '"' + "".join(f"\\{ord(c):x} " if c in '\\"<>&' or ord(c) < 0x20 else c
                         for c in text) + '"'
