"""Thai/English text for charts, reports and exported tables: one catalogue, one number style.

Every heading, label and generated sentence comes from `resources/messages.yml` through `t()`.
Years: Buddhist era in Thai ('2566'), both eras in English ('2566 (2023)'). Numbers: one style in
both languages, by kind (`NUMBER_FORMATS`, for tables and sentences alike): '80.2%', '7,849',
'p = 0.034' / 'p < 0.001', effect sizes '0.26'; a missing value prints as '–'.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache, partial
from typing import Literal

import yaml

from lpa_analysis import geo
from lpa_analysis.package_data import package_path
from lpa_analysis.schema import LAO_TYPE_EN, LAO_TYPE_TH, LaoType, to_be_year

Lang = Literal["th", "en"]
LANGS: tuple[Lang, ...] = ("th", "en")
CATALOGUE = package_path("resources", "messages.yml")
MISSING = "–"


class MessageError(LookupError):
    """A key or language the catalogue does not have (the message names the file to edit)."""


@cache
def messages() -> dict[str, dict[str, str]]:
    """The whole catalogue: {key: {'th': text, 'en': text}}."""
    # libyaml when present: the catalogue is ~1,400 keys, ~10× faster to parse in C
    return yaml.load(CATALOGUE.read_text(encoding="utf-8"),
                     Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang  # type: ignore[return-value]


def t(key: str, lang: str, **fmt: object) -> str:
    """The message `key` in `lang`, with {placeholders} filled from `fmt`."""
    check_lang(lang)
    entry = messages().get(key)
    if entry is None or lang not in entry:
        what = f"message {key!r}" if entry is None else f"{lang!r} text of {key!r}"
        raise MessageError(f"{what} is missing from {CATALOGUE}")
    return entry[lang].format(**fmt) if fmt else entry[lang]


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~])")


def md_escape(value: object) -> str:
    """Text that Markdown and HTML show literally (LAO names are data, never markup)."""
    text = _MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False))
    return text.replace(":", "&#58;")  # no autolinked 'http://…' inside a name


def t_md(key: str, lang: str, **fmt: object) -> str:
    """Like `t`, for Markdown output: every filled-in value is escaped, the template is not."""
    return t(key, lang, **{name: md_escape(value) for name, value in fmt.items()})


# --- numbers and years ------------------------------------------------------------------------

def _missing(value: object) -> bool:
    """None, NaN, pd.NA and NaT."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    import pandas as pd  # lazy: keeps `lpa --help` fast

    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


MINUS = "\u2212"  # the true minus sign, as sentences write it: tables write it too


def fmt_num(value: float | None, digits: int = 0) -> str:
    """1234.5 → '1,235' (digits=0), '1,234.50' (digits=2); -7.054 → '−7.05' (true minus);
    a value that rounds to zero has no sign ('0.00', never '-0.00')."""
    if _missing(value):
        return MISSING
    text = f"{abs(value):,.{digits}f}"
    negative = value < 0 and text.strip("0.,") != ""
    return MINUS + text if negative else text


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A value already in per cent: 80.234 → '80.2%'. (Proportions: pass value * 100.)"""
    return MISSING if _missing(value) else f"{value:,.{digits}f}%"


def fmt_signed(value: float | None, digits: int = 1) -> str:
    """A change or difference with its sign: 2.34 → '+2.3', -0.5 → '−0.5' (true minus)."""
    if _missing(value):
        return MISSING
    text = f"{abs(value):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if value > 0 else MINUS) + text


def fmt_p_value(p: float | None) -> str:
    """A p or q value as a table cell: '0.034', '< 0.001' (never '0.000')."""
    if _missing(p):
        return MISSING
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def fmt_p(p: float | None) -> str:
    """A p value in a sentence: 'p = 0.034', 'p < 0.001'."""
    cell = fmt_p_value(p)
    return f"p {cell}" if cell.startswith("<") else f"p = {cell}"


def fmt_code(value: float | None) -> str:
    """A number that names something (a year, a dimension): 2566, never '2,566'."""
    if _missing(value):
        return MISSING
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def fmt_small(value: float | None, digits: int) -> str:
    """A statistic or effect size that is not zero but rounds to it reads '< 0.01' (or
    '> −0.01'), never '0.00', which would say there is no effect at all."""
    if _missing(value):
        return MISSING
    unit = 10.0 ** -digits
    if 0 < abs(value) < unit / 2:
        return f"< {unit:.{digits}f}" if value > 0 else f"> {MINUS}{unit:.{digits}f}"
    return fmt_num(value, digits)


# Every number is written by its kind, in report tables and sentences alike: (text, Excel number
# format of the same style, so that workbooks keep numbers as numbers). Which column holds which
# kind: report.base.column_kind.
NUMBER_FORMATS: dict[str, tuple[Callable[[object], str], str]] = {
    "count": (fmt_num, "#,##0"),  # n, ranks, whole df: 7,849
    "measure": (partial(fmt_num, digits=2), "#,##0.00"),  # scores, per cent, CIs: 81.23
    "statistic": (partial(fmt_small, digits=1), "#,##0.0"),  # H, V, U, t, Welch df: 2,259.0
    "effect": (partial(fmt_small, digits=2), "0.00"),  # ε², rank-biserial r, ρ, α: 0.26, < 0.01
    "p": (fmt_p_value, '[<0.001]"< 0.001";0.000'),  # p and q values: 0.034, < 0.001
    "code": (fmt_code, "0"),  # years, dimension and component numbers: 2566
}


def fmt_as(value: float | None, kind: str) -> str:
    """`value` written as its kind of number (`NUMBER_FORMATS`)."""
    return NUMBER_FORMATS[kind][0](value)


def year_label(year: int, lang: str, *, prefix: bool = False) -> str:
    """A BE (or CE) year: th '2566' (prefix: 'พ.ศ. 2566'); en '2566 (2023)'."""
    be = to_be_year(int(year))
    if check_lang(lang) == "th":
        return f"พ.ศ. {be}" if prefix else str(be)
    return f"{be} ({be - 543})"


THAI_MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
               "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")


def fmt_date(day: date, lang: str) -> str:
    """A calendar date as people write it: th '1 ธันวาคม 2566' (Buddhist era); en
    '1 December 2023'."""
    if check_lang(lang) == "th":
        return f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year + 543}"
    return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"


# --- names --------------------------------------------------------------------------------------

def province_label(province: str | int | geo.ProvinceInfo, lang: str) -> str:
    """th 'แพร่'; en 'Phrae (แพร่)'. Takes a ProvinceInfo, DOPA code, Thai or English name."""
    info = province if isinstance(province, geo.ProvinceInfo) else geo.resolve_province(province)
    return info.name_th if check_lang(lang) == "th" else f"{info.name_en} ({info.name_th})"


_THAI_LEADING_VOWELS = frozenset("เแโใไ")


def thai_sort_key(text: str) -> str:
    """A key that sorts Thai names as a Thai dictionary does: a leading vowel (เ แ โ ใ ไ) is
    written before its consonant but sorts after it, so เมืองแพร่ files under ม (the
    prevowel swap of ICU's Thai collation). Other text sorts as it is."""
    chars = list(str(text))
    i = 0
    while i < len(chars) - 1:
        if chars[i] in _THAI_LEADING_VOWELS and chars[i + 1] not in _THAI_LEADING_VOWELS:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
            i += 2
        else:
            i += 1
    return "".join(chars)


def region_label(region: str, lang: str) -> str:
    return (geo.REGION_TH if check_lang(lang) == "th" else geo.REGION_EN)[region]


def lao_type_label(lao_type: str, lang: str, *, short: bool = False) -> str:
    """Full names from the schema ('อบต.', 'Subdistrict Administrative Organisation');
    short names for chart axes ('อบต.', 'SAO')."""
    kind = LaoType(lao_type)
    if short:
        return t(f"lao_type_short.{kind.value}", lang)
    return (LAO_TYPE_TH if check_lang(lang) == "th" else LAO_TYPE_EN)[kind]


def band_label(band: str, lang: str) -> str:
    return t(f"band.{band}", lang)


def dimension_label(dimension: int, lang: str, *, short: bool = False) -> str:
    return t(f"dimension{'_short' if short else ''}.{int(dimension)}", lang)


# --- tables -------------------------------------------------------------------------------------

def table_headers(columns: Iterable[str], lang: str, *, strict: bool = True) -> dict[str, str]:
    """{column: header} for export, e.g. {'overall_pct': 'คะแนนรวม (%)'} (for df.rename).

    strict: a column without a `col.<name>` entry is an error naming them all; otherwise such
    a column keeps its name.
    """
    columns = list(columns)
    known = messages()
    unknown = [c for c in columns if f"col.{c}" not in known]
    if unknown and strict:
        raise MessageError(f"no header for column(s) {', '.join(unknown)}: add col.<name> "
                           f"entries to {CATALOGUE}")
    return {c: c if c in unknown else t(f"col.{c}", lang) for c in columns}


_VALUE_LABELS = {
    "lao_type": lambda v, lang: lao_type_label(v, lang),
    "region": region_label,
    "band": band_label,
    "self_band": band_label,
}
_BOOLEAN_COLUMNS = ("passed", "self_passed", "significant", "not_applicable", "pilot")


def _is_flag(column) -> bool:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return True
    return column.dtype == object and bool(
        column.dropna().map(lambda v: isinstance(v, bool | np.bool_)).all())


def localise_table(df, lang: str, *, strict: bool = True):
    """A copy of `df` for people: type, region and band codes as names, yes/no for booleans,
    headers from `table_headers` (a pandas DataFrame in, a DataFrame out)."""
    out = df.copy()
    for column, label in _VALUE_LABELS.items():
        if column in out:
            # a table already written for people shows a missing code as MISSING
            out[column] = out[column].map(
                lambda v, f=label: MISSING if _missing(v) or v == MISSING else f(v, lang))
    yes, no = t("value.yes", lang), t("value.no", lang)
    for column in _BOOLEAN_COLUMNS:
        # `passed` is a flag per LAO but a count in pass-rate tables: only flags become yes/no.
        if column in out and _is_flag(out[column]):
            out[column] = out[column].map(lambda v: MISSING if _missing(v) else yes if v else no)
    return out.rename(columns=table_headers(out.columns, lang, strict=strict))
