"""Readers: raw input files → canonical frames (schema.py) plus every problem found on the way.

A reader never drops a row and never guesses silently. A cell it cannot parse becomes NaN and
an error `Problem` naming file, row, column and the value; the row stays in the frame (the
build quarantines rows that carry errors). A file that cannot be used at all (unreadable,
a required column missing) raises `InputError`.

Accepted: CSV in UTF-8, UTF-8 with BOM or cp874/TIS-620 (detected, logged), XLSX (first
sheet), Parquet; Thai or English headers (`HEADER_ALIASES`); Thai digits ๐–๙ in numeric
fields; stray whitespace anywhere; title rows above the header (the header is the first row
with a recognised LAO-code column).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lpa_analysis import geo, rules
from lpa_analysis.errors import InputError, Problem, shown
from lpa_analysis.log import log
from lpa_analysis.rules import Rule
from lpa_analysis.schema import (
    DIM_PCT, LAO_NAME_PREFIX_TH, LAO_TYPE_CODE_DIGIT, LAO_TYPE_EN, LAO_TYPE_TH, PUBLISHED_COLUMNS,
    RELEASE_FILE, REGISTRY_COLUMNS, SCORES_COLUMNS, SOURCE_ROW, Framework, LaoType, Release,
    load_framework, load_release, to_be_year,
)

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_THAI_CHAR = re.compile("[\u0e00-\u0e7f]")
# A Thai vowel or tone mark sits on a Thai character; after anything else it is byte soup.
_STRAY_MARK = re.compile("(?<![\u0e01-\u0e4e])[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
_HEADER_SEARCH_ROWS = 20  # title rows tolerated above the header

# Header spellings seen in DLA exports and our own files; matched after _key() (case,
# spaces, dots, underscores, dashes, brackets and slashes ignored).
HEADER_ALIASES: dict[str, list[str]] = {
    "lao_code": ["lao_code", "รหัส อปท.", "รหัสองค์กรปกครองส่วนท้องถิ่น", "code", "dla_code"],
    "name_th": ["name_th", "อปท.", "ชื่อ อปท.", "ชื่อ", "name", "lao_name",
                "ชื่อองค์กรปกครองส่วนท้องถิ่น"],
    "lao_type": ["lao_type", "ประเภท อปท.", "ประเภท", "type"],
    "province_th": ["province_th", "จังหวัด", "province", "province_name", "ชื่อจังหวัด"],
    "province_code": ["province_code", "รหัสจังหวัด", "changwat_code"],
    "province_en": ["province_en", "จังหวัด (อังกฤษ)"],
    "district_th": ["district_th", "อำเภอ", "district", "amphoe"],
    "lat": ["lat", "latitude", "ละติจูด"],
    "lon": ["lon", "long", "lng", "longitude", "ลองจิจูด"],
    "area_km2": ["area_km2", "ขนาดพื้นที่", "พื้นที่", "area", "พื้นที่ (ตร.กม.)"],
    "indicator_id": ["indicator_id", "indicator", "ตัวชี้วัด", "รหัสตัวชี้วัด", "ตัวชี้วัดที่"],
    "self_points": ["self_points", "self", "self_score", "คะแนนประเมินตนเอง", "คะแนนตนเอง",
                    "คะแนนการประเมินตนเอง"],
    "verified_points": ["verified_points", "verified", "verified_score", "คะแนนทีมประเมิน",
                        "คะแนนจากทีมประเมิน", "คะแนนตรวจประเมิน"],
    "not_applicable": ["not_applicable", "n/a", "ไม่เกี่ยวข้อง", "ไม่ประเมิน"],
    "assessor_team": ["assessor_team", "team", "ทีมประเมิน", "คณะทำงาน"],
    **{f"d{d}_pct": [f"d{d}_pct", f"d{d}", f"dimension {d}", f"ด้านที่ {d}", f"ด้าน {d}",
                     f"มิติที่ {d}"] for d in range(1, 6)},
    "overall_pct": ["overall_pct", "overall", "total", "คะแนนรวม", "ร้อยละรวม", "รวม", "ภาพรวม"],
    "passed": ["passed", "pass", "ผ่าน", "ผ่านเกณฑ์", "ผลการประเมิน"],
    "band": ["band", "ระดับ", "ระดับผลการประเมิน", "grade"],
}
# Columns of the original DLA coverage layout (one row per LAO × ตำบล): known, not needed.
COVERAGE_EXTRA = ["ตำบล", "ที่ตั้งสำนักงานเลขที่", "หมู่ที่", "รหัสไปรษณีย์", "เว็ปไซต์ของอปท",
                  "เว็บไซต์ของอปท", "subdistrict_th"]

LAO_TYPE_NAMES: dict[LaoType, list[str]] = {
    LaoType.PAO: ["องค์การบริหารส่วนจังหวัด", "pao"],
    LaoType.CITY: ["city"],
    LaoType.TOWN: ["town"],
    LaoType.SUBDISTRICT: ["subdistrict municipality"],
    LaoType.SAO: ["องค์การบริหารส่วนตำบล", "sao"],
    LaoType.SPECIAL: ["เมืองพัทยา", "pattaya"],
}
# Long-form prefixes a name may carry besides LAO_NAME_PREFIX_TH (the abbreviation).
_LONG_PREFIX = {LaoType.PAO: "องค์การบริหารส่วนจังหวัด", LaoType.CITY: "เทศบาลนคร",
                LaoType.TOWN: "เทศบาลเมือง", LaoType.SUBDISTRICT: "เทศบาลตำบล",
                LaoType.SAO: "องค์การบริหารส่วนตำบล"}

BAND_NAMES: dict[str, list[str]] = {
    "excellent": ["excellent", "ดีเด่น"],
    "very_good": ["very_good", "very good", "ดีมาก"],
    "good": ["good", "ดี"],
    "below": ["below", "below threshold", "ต่ำกว่าเกณฑ์", "ไม่ผ่านเกณฑ์", "ไม่ผ่าน"],
}
TRUE_WORDS = ["true", "t", "1", "yes", "y", "ใช่", "จริง", "ผ่าน"]
FALSE_WORDS = ["false", "f", "0", "no", "n", "ไม่ใช่", "ไม่จริง", "ไม่ผ่าน"]

# Thailand's bounding box, generously: a coordinate outside it is a swapped or mistyped value.
LAT_RANGE, LON_RANGE = (5.0, 21.0), (97.0, 106.0)

FILE_KINDS = ("registry", "framework", "scores", "published")
FRAMEWORKS_DIR = "frameworks"
_SUFFIXES = {"registry": ("csv", "xlsx", "parquet"), "scores": ("csv", "xlsx", "parquet"),
             "published": ("csv", "xlsx"), "framework": ("yml", "yaml")}


def _key(text: object) -> str:
    return re.sub(r"[\s._\-()/\[\]]", "", str(text).translate(THAI_DIGITS)).casefold()


def _lookup(names: dict) -> dict[str, str]:
    return {_key(alias): str(canon) for canon, aliases in names.items() for alias in aliases}


_HEADER_KEYS = _lookup(HEADER_ALIASES)
_COVERAGE_KEYS = {_key(c) for c in COVERAGE_EXTRA}
_TYPE_KEYS = _lookup({t: [t.value, LAO_TYPE_TH[t], LAO_TYPE_EN[t], *LAO_TYPE_NAMES[t]]
                      for t in LaoType})
_BAND_KEYS = _lookup(BAND_NAMES)
_BOOL_KEYS = {**{w: True for w in [*TRUE_WORDS, "1.0"]},
              **{w: False for w in [*FALSE_WORDS, "0.0"]}}


@dataclass
class Loaded:
    """A read table plus everything found while reading it."""

    frame: pd.DataFrame  # canonical columns + SOURCE_ROW
    problems: list[Problem]
    path: Path
    encoding: str = ""
    rows_read: int = 0  # data rows in the file (before the registry collapses LAO × ตำบล rows)
    headers: dict[str, str] = field(default_factory=dict)  # canonical → header as in the file

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def error_rows(self) -> set[int]:
        """Rows (SOURCE_ROW) that carry at least one error: unusable as they stand."""
        return {p.row for p in self.errors if p.row is not None}


@dataclass
class DataFolder:
    registry: Loaded
    framework: Framework
    scores: Loaded
    published: Loaded | None
    release: Release  # dataset.yml, or a draft of unstated origin without one
    release_path: Path | None = None  # None: no dataset.yml


# ----------------------------------------------------------------------------- raw tables

def read_table(path: str | Path) -> tuple[pd.DataFrame, str]:
    """Any supported file → all-string frame (cells cleaned, headers whitespace-normalised)
    with SOURCE_ROW, and how it was decoded ('utf-8', 'utf-8-sig', 'cp874', 'xlsx', 'parquet')."""
    frame, encoding = _read_raw(path)
    for i, column in enumerate(frame.columns):
        if column != SOURCE_ROW and not _is_text(frame.iloc[:, i]):
            frame.isetitem(i, _as_text(frame.iloc[:, i]))
    return frame, encoding


def _read_raw(path: str | Path) -> tuple[pd.DataFrame, str]:
    """read_table, except that Parquet's numeric and boolean columns keep their type (the
    readers use them as they are; `_as_text` gives the cells as read_table shows them)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        encoding, text = _decode(path)
        return _to_frame(_csv_grid(text, path), path), encoding
    if suffix in (".xlsx", ".xlsm"):
        return _to_frame(_grid(_xlsx_rows(path)), path), "xlsx"
    if suffix == ".parquet":
        return _parquet_frame(path), "parquet"
    raise InputError(f"unsupported file type '{suffix}': use .csv, .xlsx or .parquet", file=path)


def _decode(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "cp874"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "cp874" and not _looks_thai(text):
            break
        log.info("%s: decoded as %s", path, encoding)
        return encoding, text
    raise InputError(f"cannot decode: not UTF-8 and not cp874/TIS-620{_charset_hint(data)}. "
                     "Save the file as CSV UTF-8.", file=path)


def _looks_thai(text: str) -> bool:
    """cp874 decodes most byte soup (latin-1 'é' is a Thai tone mark there): accept it only
    when the non-ASCII text is Thai and its marks sit on Thai characters."""
    non_ascii = sum(ord(c) > 127 for c in text)
    thai = len(_THAI_CHAR.findall(text))
    stray = len(_STRAY_MARK.findall(text))
    return non_ascii > 0 and thai >= 0.9 * non_ascii and stray <= max(2, thai // 1000)


def _charset_hint(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return f" (it looks like {best.encoding})" if best is not None else ""


def _csv_grid(text: str, path: Path) -> pd.DataFrame:
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    if delimiter != ",":
        log.info("%s: delimiter %r", path, delimiter)
    try:  # pandas' C parser: fast, keeps blank lines so row numbers stay true
        return pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype="str",
                           keep_default_na=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        pass  # ragged rows (a title line above the header, a stray delimiter): go slow
    try:
        return _grid(list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", file=path) from exc


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        if len(book.worksheets) > 1:
            log.info("%s: reading the first sheet '%s' of %d", path, sheet.title,
                     len(book.worksheets))
        rows = [[_cell_text(v) for v in values]
                for values in sheet.iter_rows(min_row=1, values_only=True)]
        book.close()
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(f"cannot read Excel file: {exc}", file=path) from exc
    return rows


def _parquet_frame(path: Path) -> pd.DataFrame:
    """Parquet → cleaned frame as `_to_frame` makes it from the file's text, without turning
    its numbers and booleans into text (1.6 M score rows: text costs seconds)."""
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise InputError(f"cannot read Parquet file: {exc}", file=path) from exc
    header = [str(c) for c in frame.columns]
    # row i is record i + 1 as in _grid, the column names being record 1
    body = pd.DataFrame({i: (c if _keeps_type(c) else _as_text(c)).array
                         for i, (_, c) in enumerate(frame.items())},
                        index=pd.RangeIndex(1, len(frame) + 1))
    top = [[_clean(c) for c in cells] for cells in [header, *pd.DataFrame(
        {i: _as_text(c) for i, c in body.head(_HEADER_SEARCH_ROWS - 1).items()})
        .to_numpy().tolist()]]
    if _find_header(top, path) > 0:  # a title row inside the data: read it all as text
        text = pd.DataFrame({i: _as_text(c) for i, c in body.items()})
        return _to_frame(pd.concat([pd.DataFrame([header], dtype="str"), text],
                                   ignore_index=True), path)
    return _body(body, top[0], path)


def _keeps_type(values: pd.Series) -> bool:
    """float64, integer and boolean columns: their cells need no parsing (float32 does: its
    text, not its float64 value, is what the file means)."""
    dtype = values.dtype
    return isinstance(dtype, np.dtype) and (dtype == np.float64 or dtype.kind in "iub")


def _is_text(values: pd.Series) -> bool:
    return not _keeps_type(values)


def _as_text(values: pd.Series) -> pd.Series:
    """A Parquet column's cells as text, as a spreadsheet shows them: 1004.0 → "1004" (codes
    saved as floats stay codes), True → "True", missing → ""."""
    if not pd.api.types.is_float_dtype(values.dtype):
        return values.astype("str").fillna("")
    codes, uniques = values.factorize(use_na_sentinel=False)  # a few distinct values
    uniques = pd.Series(uniques)
    integral = uniques.notna() & (uniques % 1 == 0)
    text = uniques.astype("str")
    text[integral] = uniques[integral].map(lambda v: str(int(v)))
    return pd.Series(text.fillna("").array.take(codes), index=values.index)


# Unicode spaces (RE2 `\s` is ASCII only) and zero-width characters Thai text picks up.
_SPACE_CLASS = "[\\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
_ZERO_WIDTH_CLASS = "[\u200b\u200c\u200d\u2060\ufeff]"
_NEEDS_CLEANING = ("^ | $|  |[\t\n\r\x0b\x0c\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f"
                   "\u205f\u2060\u3000\ufeff]")


def _clean(text: str) -> str:
    """One spelling per text: spaces collapsed, zero-width characters dropped, and Unicode
    NFC, so Thai marks typed in either order (ปู่ as ป+ู+่ or ป+่+ู) are the same name."""
    spaced = re.sub(_SPACE_CLASS, " ", re.sub(_ZERO_WIDTH_CLASS, "", text)).strip(" ")
    return unicodedata.normalize("NFC", spaced)


def _clean_column(values: pd.Series) -> pd.Series:
    """Vectorised _clean of a text column (typed Parquet columns have nothing to clean)."""
    if not _is_text(values):
        return values
    return _per_unique(values.fillna(""), _clean_unique)


def _clean_unique(values: pd.Series) -> pd.Series:
    """_clean applied only to the (few) cells that need it: regex is slow."""
    spacing = values.str.contains(_NEEDS_CLEANING, regex=True)
    dirty = spacing | values.str.normalize("NFC").ne(values)
    if not dirty.any():
        return values
    return values.where(~dirty, values[dirty].map(_clean))


def _arabic(values: pd.Series) -> pd.Series:
    """Thai digits ๐–๙ → 0–9 (translating only the cells that have them: it is slow)."""
    thai = values.str.contains("[๐-๙]", regex=True).fillna(False)
    if not thai.any():
        return values
    return values.where(~thai, values[thai].str.translate(THAI_DIGITS))


def _per_unique(values: pd.Series, parse) -> pd.Series:
    """`parse` (cell by cell) applied to each distinct value once: 1.6 M score cells hold a
    few thousand distinct codes and a dozen distinct points."""
    codes, uniques = values.factorize(use_na_sentinel=False)
    parsed = parse(pd.Series(uniques, dtype=values.dtype))
    return pd.Series(parsed.array.take(codes), index=values.index, name=values.name)


def _grid(records: list[list[str]]) -> pd.DataFrame:
    """Records → all-string frame; row i is record i + 1, short records padded with ''."""
    longest = max(map(len, records), default=0)
    records = [r if len(r) == longest else [*r, *[""] * (longest - len(r))] for r in records]
    return pd.DataFrame(records, columns=range(longest), dtype="str")


def _to_frame(grid: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Grid (row i = record i + 1, as a spreadsheet numbers it) → cleaned frame whose header
    is the first row naming an LAO-code column (title rows above it are skipped)."""
    top = [[_clean(c) for c in cells] for cells in grid.head(_HEADER_SEARCH_ROWS).to_numpy()
           .tolist()]
    header_at = _find_header(top, path)
    if header_at:
        log.info("%s: header in row %d (rows above it skipped)", path, header_at + 1)
    return _body(grid.iloc[header_at + 1:], top[header_at], path)


def _find_header(top: list[list[str]], path: Path) -> int:
    """Index of the header among the (cleaned) first rows."""
    nonblank = [i for i, cells in enumerate(top) if any(cells)]
    if not nonblank:
        raise InputError("the file is empty", file=path)
    return next((i for i, cells in enumerate(top)
                 if any(_HEADER_KEYS.get(_key(c)) == "lao_code" for c in cells)), nonblank[0])


def _body(body: pd.DataFrame, header: list[str], path: Path) -> pd.DataFrame:
    """Rows below the header (row i = record i + 1) → cleaned cells under the header's names,
    SOURCE_ROW, blank rows left out."""
    while header and not header[-1]:
        header = header[:-1]
    width = len(header)
    body = pd.DataFrame({i: _clean_column(c) for i, c in body.items()}, index=body.index)
    rows = pd.Series(body.index + 1, index=body.index, dtype="int64")
    spill = _filled(body.iloc[:, width:])
    if spill.any():
        raise InputError(f"row has more cells than the header's {width}: a missing or extra "
                         "delimiter, or an unquoted comma?", file=path,
                         row=int(rows[spill].iloc[0]))
    body = body.iloc[:, :width].reindex(columns=range(width), fill_value="")
    body.columns = [h or f"(column {i + 1})" for i, h in enumerate(header)]
    body[SOURCE_ROW] = rows
    return body[_filled(body.iloc[:, :width])].reset_index(drop=True)  # no blank rows


def _filled(frame: pd.DataFrame) -> pd.Series:
    """Rows with at least one non-blank cell (typed columns: blank = missing)."""
    filled = np.zeros(len(frame), dtype=bool)
    for _, values in frame.items():
        filled |= (values.ne("") if _is_text(values) else values.notna()).to_numpy()
    return pd.Series(filled, index=frame.index)


# ----------------------------------------------------------------------------- cell parsing

class _Reader:
    """Collects problems for one file while its columns are parsed."""

    def __init__(self, raw: pd.DataFrame, path: Path, required: list[str],
                 optional: list[str], one_of: list[str] | None = None):
        self.path = path
        self.problems: list[Problem] = []
        self.headers = _map_headers(raw, path, required, optional, one_of)
        self.raw = raw
        self.rows = raw[SOURCE_ROW]

    def col(self, canon: str) -> pd.Series:
        """The column's cells as text (read_table's view of them)."""
        return _as_text(self.typed(canon))

    def typed(self, canon: str) -> pd.Series:
        """The column as read: text, or a Parquet number/boolean column."""
        return self.raw[self.headers[canon]]

    def flag(self, mask: pd.Series, canon: str, rule: Rule, message: str,
             codes: pd.Series | None = None) -> None:
        """One `rule` problem per row in `mask` about column `canon`; `message` may use
        {value}."""
        if not mask.any():
            return
        column, values = self.headers[canon], _as_text(self.typed(canon)[mask])
        for i in mask[mask].index:
            value = str(values[i])
            code = None if codes is None or pd.isna(codes[i]) else str(codes[i])
            self.report(rule, message.format(value=shown(value)), row=int(self.rows[i]),
                        column=column, lao_code=code, value=value)

    def report(self, rule: Rule, message: str, **where) -> None:
        """One `rule` problem in this file; `where`: row, column, lao_code, value."""
        self.problems.append(Problem(rule.severity, message, file=str(self.path),
                                     check=rule.id, **where))

    def code(self) -> pd.Series:
        raw = self.col("lao_code")
        text = _per_unique(raw, lambda u: _arabic(u).str.replace(r"\.0$", "", regex=True))
        ok = _per_unique(text, lambda u: u.str.fullmatch(r"\d{7}"))
        self.flag(raw.eq(""), "lao_code", rules.MISSING_CODE, "the LAO code is empty")
        self.flag(~ok & raw.ne(""), "lao_code", rules.BAD_CODE,
                  "'{value}' is not a 7-digit DLA code")
        return text.where(ok)

    def number(self, canon: str, codes: pd.Series, percent: bool = False) -> pd.Series:
        if canon not in self.headers:
            return pd.Series(float("nan"), index=self.raw.index)
        typed = self.typed(canon)
        if _keeps_type(typed) and typed.dtype.kind in "iuf":
            # what the text route gives: the same float, -0.0 → "0" → 0.0, missing → NaN
            values = typed.astype("float64") + 0.0
            bad = values.notna() & ~values.between(-1e12, 1e12)
        else:
            raw = self.col(canon)
            values = _per_unique(raw, lambda u: _parse_numbers(u, percent))
            bad = raw.ne("") & ~values.between(-1e12, 1e12)
        self.flag(bad, canon, rules.BAD_NUMBER, "'{value}' is not a number", codes=codes)
        return values.where(~bad)

    def boolean(self, canon: str, codes: pd.Series, empty: bool | None) -> pd.Series:
        """Unparseable (or empty when `empty` is None) → False plus an error."""
        if canon not in self.headers:
            return pd.Series(bool(empty), index=self.raw.index)
        typed = self.typed(canon)
        if typed.dtype == np.bool_:  # never empty, never unparseable
            return typed.copy()
        raw = self.col(canon)
        values = _per_unique(raw, lambda u: _arabic(u.str.casefold()).map(_BOOL_KEYS))
        empty_cell = raw.eq("")
        self.flag(values.isna() & ~empty_cell, canon, rules.BAD_BOOLEAN,
                  "'{value}' is not yes/no (true/false, 1/0, ใช่/ไม่ใช่, Y/N)", codes=codes)
        if empty is None:
            self.flag(empty_cell, canon, rules.MISSING_VALUE, "empty", codes=codes)
        return values.eq(True) | (empty_cell & bool(empty))

    def text(self, canon: str) -> pd.Series:
        if canon not in self.headers:
            return pd.Series(pd.NA, index=self.raw.index, dtype="str")
        raw = self.col(canon)
        return raw.where(raw.ne(""))


def _parse_numbers(text: pd.Series, percent: bool) -> pd.Series:
    """Cells → float64 (NaN when empty or not a number): Thai digits, spaces, thousands
    separators and (for percentages) a trailing % allowed."""
    text = _arabic(text).str.replace(" ", "")
    grouped = text.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d*)?")
    text = text.where(~grouped, text.str.replace(",", ""))
    if percent:
        text = text.str.removesuffix("%")
    return pd.to_numeric(text.where(text.ne("")), errors="coerce").astype("float64")


def _map_headers(raw: pd.DataFrame, path: Path, required: list[str], optional: list[str],
                 one_of: list[str] | None = None) -> dict[str, str]:
    """Canonical name → header in the file; `one_of`: at least one of these is required."""
    wanted = set(required) | set(optional) | set(one_of or [])
    headers: dict[str, str] = {}
    ignored = []
    for header in raw.columns.drop(SOURCE_ROW):
        canon = _HEADER_KEYS.get(_key(header))
        if canon in wanted:
            if canon in headers:
                raise InputError(f"columns '{shown(headers[canon])}' and '{shown(header)}' "
                                 f"both mean {canon}: keep one", file=path, column=header)
            headers[canon] = header
        elif _key(header) not in _COVERAGE_KEYS:
            ignored.append(header)
    if ignored:
        log.info("%s: columns not used: %s", path, ", ".join(map(shown, ignored)))
    missing = [c for c in required if c not in headers]
    if one_of and not any(c in headers for c in one_of):
        missing.append(" or ".join(one_of))
    if missing:
        accepted = "; ".join(f"{c}: {', '.join(HEADER_ALIASES[c.split(' or ')[0]])}"
                             for c in missing)
        raise InputError(f"required column{'s' * (len(missing) > 1)} "
                         f"{', '.join(missing)} missing (accepted headers — {accepted}); "
                         f"the file has: {', '.join(map(shown, raw.columns.drop(SOURCE_ROW)))}",
                         file=path, column=missing[0])
    return headers


# ----------------------------------------------------------------------------- registry

def read_registry(path: str | Path) -> Loaded:
    """The LAO registry: the DLA open-data file (one row per LAO, or its original coverage
    layout with one row per LAO × ตำบล) or our canonical columns."""
    path = Path(path)
    raw, encoding = _read_raw(path)
    provinces = ["province_th", "province_code", "province_en"]
    r = _Reader(raw, path, ["lao_code", "name_th", "lao_type"],
                ["district_th", "lat", "lon", "area_km2"], one_of=provinces)
    province_cols = [c for c in provinces if c in r.headers]
    code = r.code()
    lao_type = _lao_types(r, code)
    frame = pd.DataFrame({
        "lao_code": code,
        "name_th": _names(r, code, lao_type),
        "lao_type": lao_type,
        **_provinces(r, code, province_cols),
        "district_th": r.text("district_th"),
        "lat": r.number("lat", code),
        "lon": r.number("lon", code),
        "area_km2": r.number("area_km2", code),
        SOURCE_ROW: r.rows,
    })
    for canon, (lo, hi) in (("lat", LAT_RANGE), ("lon", LON_RANGE)):
        r.flag(frame[canon].notna() & ~frame[canon].between(lo, hi), canon, rules.OUTSIDE_THAILAND,
               f"'{{value}}' lies outside Thailand ({lo}–{hi})", codes=code)
    rows_read = len(frame)
    frame = _deduplicate(frame, r, coverage=any(_key(h) in _COVERAGE_KEYS for h in raw.columns))
    _check_code_digits(frame, r)
    frame = frame[[*REGISTRY_COLUMNS, SOURCE_ROW]].reset_index(drop=True)
    return _done(Loaded(frame, r.problems, path, encoding, rows_read, r.headers))


def _lao_types(r: _Reader, code: pd.Series) -> pd.Series:
    raw = r.col("lao_type")
    types = raw.map(lambda v: _TYPE_KEYS.get(_key(v))).astype("str")
    accepted = ", ".join(LAO_TYPE_TH[t] for t in LaoType)
    r.flag(types.isna() & raw.ne(""), "lao_type", rules.UNKNOWN_TYPE,
           f"unknown LAO type '{{value}}' (accepted: {accepted}, or {', '.join(LaoType)})",
           codes=code)
    r.flag(raw.eq(""), "lao_type", rules.MISSING_VALUE, "the LAO type is empty", codes=code)
    return types


def _names(r: _Reader, code: pd.Series, lao_type: pd.Series) -> pd.Series:
    """Names without the type prefix, as DLA publishes them (schema.display_name adds it)."""
    names = r.text("name_th")
    for t in LaoType:
        for prefix in filter(None, (LAO_NAME_PREFIX_TH[t], _LONG_PREFIX.get(t))):
            strip = lao_type.eq(t.value) & names.str.startswith(prefix).fillna(False)
            names = names.where(~strip, names.str.removeprefix(prefix).str.strip())
    r.flag(names.isna() | names.eq(""), "name_th", rules.MISSING_VALUE, "the LAO name is empty",
           codes=code)
    return names.where(names.ne(""))


def _provinces(r: _Reader, code: pd.Series, columns: list[str]) -> dict[str, pd.Series]:
    """Resolve the first province column through geo; the others must agree with it."""
    resolved = {}
    for canon in columns:
        raw = r.col(canon)
        found = {v: geo.find_province(v.translate(THAI_DIGITS)) for v in raw.unique() if v}
        resolved[canon] = raw.map(lambda v: found.get(v))
    main = columns[0]
    info = resolved[main]
    raw = r.col(main)
    unknown = raw.ne("") & info.isna()
    for value in raw[unknown].unique():
        try:
            geo.resolve_province(value)
        except InputError as exc:
            r.flag(unknown & raw.eq(value), main, rules.UNKNOWN_PROVINCE, exc.message, codes=code)
    r.flag(raw.eq(""), main, rules.MISSING_VALUE, "the province is empty", codes=code)
    bangkok = info.map(lambda p: p is not None and p.code == geo.BANGKOK_CODE)
    r.flag(bangkok, main, rules.BANGKOK, "Bangkok is not administered by DLA and has no LAOs here",
           codes=code)
    info = info.where(~bangkok)
    for other in columns[1:]:
        clash = info.notna() & resolved[other].notna() & (
            info.map(lambda p: _attr(p, "code")) != resolved[other].map(lambda p: _attr(p, "code")))
        r.flag(clash, other, rules.PROVINCE_MISMATCH,
               f"'{{value}}' is a different province than the {r.headers[main]} column",
               codes=code)
    return {column: info.map(lambda p, a=attr: _attr(p, a)).astype("str")
            for column, attr in (("province_code", "code"), ("province_th", "name_th"),
                                 ("province_en", "name_en"), ("region", "region"))}


def _attr(province: object, attr: str) -> str | None:
    return getattr(province, attr) if isinstance(province, geo.ProvinceInfo) else None


def _deduplicate(frame: pd.DataFrame, r: _Reader, coverage: bool) -> pd.DataFrame:
    """One row per LAO code; rows of one code must agree on name, type and province."""
    has_code = frame["lao_code"].notna()
    repeated = has_code & frame["lao_code"].duplicated(keep=False)
    if not repeated.any():
        return frame
    dup = frame[repeated]
    for column in ("name_th", "lao_type", "province_code"):
        counts = dup.groupby("lao_code")[column].nunique()
        for code in counts[counts > 1].index:
            rows = dup[dup["lao_code"].eq(code)]
            source = column if column in r.headers else next(  # province: as the file has it
                c for c in ("province_th", "province_code", "province_en") if c in r.headers)
            as_written = r.col(source)
            variants = "; ".join(
                f"'{shown(as_written[g.index[0]])}' ({_row_list(g[SOURCE_ROW])})"
                for _, g in rows.groupby(column, sort=False))
            r.report(rules.CONFLICTING_ROWS,
                     f"LAO {code} has conflicting {column} between its rows: {variants}",
                     row=int(rows[SOURCE_ROW].iloc[0]), column=r.headers[source], lao_code=code)
    if not coverage:
        for code, rows in dup.groupby("lao_code"):
            r.report(rules.DUPLICATE_CODE,
                     f"LAO {code} appears in {_row_list(rows[SOURCE_ROW])}; the first is kept",
                     row=int(rows[SOURCE_ROW].iloc[0]), column=r.headers["lao_code"],
                     lao_code=code)
    merged = frame[has_code].groupby("lao_code", sort=False, as_index=False).first()
    log.info("%s: %d rows describe %d LAOs (%s); merged to one row per LAO code", r.path,
             int(has_code.sum()), len(merged),
             "one row per LAO × ตำบล" if coverage else "repeated codes")
    return pd.concat([merged, frame[~has_code]]).sort_values(SOURCE_ROW).reset_index(drop=True)


def _row_list(rows: pd.Series, limit: int = 5) -> str:
    """'row 5', 'rows 5, 7', 'rows 5, 7, 9, 11, 12 … (8 rows)'."""
    listed = ", ".join(str(n) for n in rows.iloc[:limit])
    more = f" … ({len(rows)} rows)" if len(rows) > limit else ""
    return f"row {listed}" if len(rows) == 1 else f"rows {listed}{more}"


def _check_code_digits(frame: pd.DataFrame, r: _Reader) -> None:
    """DLA codes: first digit by type, digits 2–3 the DOPA province (SOURCE.md). Real codes
    break the first rule (เทศบาลตำบล upgraded from อบต. keep their 6-code): a warning; a code
    naming another province than its row is an error (rules.CODE_PROVINCE_DIGITS)."""
    digit = frame["lao_type"].map(lambda t: LAO_TYPE_CODE_DIGIT.get(t) if pd.notna(t) else None)
    for i in frame.index[frame["lao_code"].notna() & digit.notna()
                         & frame["lao_code"].str[0].ne(digit)]:
        code, lao_type = frame.at[i, "lao_code"], LaoType(frame.at[i, "lao_type"])
        was = [LAO_TYPE_TH[t] for t, d in LAO_TYPE_CODE_DIGIT.items() if d == code[0]]
        r.report(
            rules.CODE_TYPE_DIGIT, f"LAO {code} is a {LAO_TYPE_TH[lao_type]} but its code starts "
            f"with {code[0]} ({'/'.join(was) or 'no type'}); codes of {LAO_TYPE_TH[lao_type]} "
            f"start with {LAO_TYPE_CODE_DIGIT[lao_type]} (kept: upgraded LAOs keep their code)",
            row=int(frame.at[i, SOURCE_ROW]), column=r.headers["lao_code"], lao_code=code,
            value=code)
    for i in frame.index[frame["lao_code"].notna() & frame["province_code"].notna()
                         & frame["lao_code"].str[1:3].ne(frame["province_code"])]:
        code = frame.at[i, "lao_code"]
        r.report(
            rules.CODE_PROVINCE_DIGITS, f"LAO {code}: code digits 2–3 ({code[1:3]}) are not its "
            f"province's DOPA code {frame.at[i, 'province_code']} ({frame.at[i, 'province_th']})",
            row=int(frame.at[i, SOURCE_ROW]), column=r.headers["lao_code"], lao_code=code,
            value=code)


# ----------------------------------------------------------------------------- scores, published

def read_scores(path: str | Path) -> Loaded:
    """Scores, long: one row per (LAO, indicator). Duplicates are left to the quality gate."""
    path = Path(path)
    raw, encoding = _read_raw(path)
    r = _Reader(raw, path, ["lao_code", "indicator_id", "self_points",
                                      "verified_points"], ["not_applicable", "assessor_team"])
    code = r.code()
    indicator = _per_unique(r.text("indicator_id"), _arabic)
    r.flag(indicator.isna(), "indicator_id", rules.MISSING_VALUE, "the indicator id is empty",
           codes=code)
    frame = pd.DataFrame({
        "lao_code": code,
        "indicator_id": indicator,
        "self_points": r.number("self_points", code),
        "verified_points": r.number("verified_points", code),
        "not_applicable": r.boolean("not_applicable", code, empty=False),
        "assessor_team": r.text("assessor_team"),
        SOURCE_ROW: r.rows,
    })[[*SCORES_COLUMNS, SOURCE_ROW]]
    return _done(Loaded(frame, r.problems, path, encoding, len(frame), r.headers))


def read_published(path: str | Path) -> Loaded:
    """Officially published results: dimension and overall %, pass, band per LAO."""
    path = Path(path)
    raw, encoding = _read_raw(path)
    r = _Reader(raw, path, list(PUBLISHED_COLUMNS), [])
    code = r.code()
    columns: dict[str, pd.Series] = {"lao_code": code}
    for canon in [*DIM_PCT, "overall_pct"]:
        values = r.number(canon, code, percent=True)
        r.flag(values.isna() & r.col(canon).eq(""), canon, rules.MISSING_VALUE, "empty", codes=code)
        r.flag(~values.between(0, 100) & values.notna(), canon, rules.PCT_RANGE,
               "'{value}' is not a percentage between 0 and 100", codes=code)
        columns[canon] = values
    columns["passed"] = r.boolean("passed", code, empty=None)
    raw_band = r.col("band")
    band = raw_band.map(lambda v: _BAND_KEYS.get(_key(v))).astype("str")
    r.flag(band.isna(), "band", rules.UNKNOWN_BAND,
           "unknown band '{value}' (accepted: ดีเด่น, ดีมาก, ดี, ต่ำกว่าเกณฑ์ or "
           "excellent, very_good, good, below)", codes=code)
    columns["band"] = band
    frame = pd.DataFrame({**columns, SOURCE_ROW: r.rows})
    return _done(Loaded(frame, r.problems, path, encoding, len(frame), r.headers))


def _done(loaded: Loaded) -> Loaded:
    if loaded.rows_read == 0:
        loaded.problems.append(Problem(rules.NO_ROWS.severity,
                                       "the file has a header but no data rows",
                                       file=str(loaded.path), check=rules.NO_ROWS.id))
    loaded.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    log.info("%s: %d rows read (%s): %d errors, %d warnings", loaded.path, loaded.rows_read,
             loaded.encoding, len(loaded.errors), len(loaded.warnings))
    return loaded


# ----------------------------------------------------------------------------- data folder

def input_candidates(data_dir: str | Path, kind: str, year: int | None = None) -> list[Path]:
    """The files of `kind` that exist in a data folder (see data/README.md)."""
    data_dir = Path(data_dir)
    if kind not in FILE_KINDS:
        raise InputError(f"unknown input kind '{kind}' (one of {', '.join(FILE_KINDS)})")
    if kind == "registry":
        stems = [data_dir / "registry"]
    elif year is None:
        raise InputError(f"a year is needed to find the {kind} file", file=data_dir)
    elif kind == "framework":
        stems = [data_dir / FRAMEWORKS_DIR / f"lpa-{to_be_year(year)}"]
    else:
        stems = [data_dir / kind / str(to_be_year(year))]
    return [s.with_name(f"{s.name}.{ext}") for s in stems for ext in _SUFFIXES[kind]
            if s.with_name(f"{s.name}.{ext}").is_file()]


def available_years(data_dir: str | Path) -> list[int]:
    """The years a data folder has both a framework and scores for."""
    data_dir = Path(data_dir)
    named = (p.stem.removeprefix("lpa-") for p in (data_dir / FRAMEWORKS_DIR).glob("lpa-*.yml"))
    years = sorted(int(y) for y in named if y.isdigit())
    return [y for y in years if input_candidates(data_dir, "scores", y)]


def find_input(data_dir: str | Path, kind: str, year: int | None = None) -> Path:
    """The one file of `kind` (and year) in a data folder; InputError if none or several."""
    found = input_candidates(data_dir, kind, year)
    if len(found) > 1:
        raise InputError(f"several {kind} files: {', '.join(p.name for p in found)}; keep one",
                         file=data_dir)
    if not found:
        where = {"registry": "registry.csv|xlsx|parquet",
                 "framework": f"frameworks/lpa-{year}.yml",
                 "scores": f"scores/{year}.csv|xlsx|parquet",
                 "published": f"published/{year}.csv|xlsx"}[kind]
        raise InputError(f"no {kind} file: expected {where}", file=data_dir)
    return found[0]


def release_path(data_dir: str | Path) -> Path | None:
    """The data folder's `dataset.yml` (release metadata), None when it has none."""
    path = Path(data_dir) / RELEASE_FILE
    if path.is_file():
        return path
    misnamed = path.with_suffix(".yaml")
    if misnamed.is_file():  # read as absent, the reports would say "draft" without a word
        raise InputError(f"release metadata must be named {RELEASE_FILE}: rename it",
                         file=misnamed)
    return None


def read_release(data_dir: str | Path) -> Release:
    """The release metadata of a data folder: its `dataset.yml` validated, or without one
    a draft of unstated origin (`declared` False)."""
    path = release_path(data_dir)
    return load_release(path) if path else Release(declared=False)


def load_year(data_dir: str | Path, year: int) -> DataFolder:
    """Everything a year needs: registry, framework, scores, (if present) published, and the
    folder's release metadata."""
    year = to_be_year(year)
    release = read_release(data_dir)  # first: a bad dataset.yml stops before the big reads
    published = input_candidates(data_dir, "published", year)
    return DataFolder(
        registry=read_registry(find_input(data_dir, "registry")),
        framework=load_framework(find_input(data_dir, "framework", year)),
        scores=read_scores(find_input(data_dir, "scores", year)),
        published=read_published(find_input(data_dir, "published", year)) if published else None,
        release=release,
        release_path=release_path(data_dir),
    )
