"""The data contract: canonical column names, LAO types, the framework model, output tables.

Every reader normalises its input to the canonical columns here; every later stage reads only
these names. `data/README.md` documents the same contract for people.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)


class LaoType(StrEnum):
    PAO = "pao"  # องค์การบริหารส่วนจังหวัด (อบจ.)
    CITY = "city_municipality"  # เทศบาลนคร
    TOWN = "town_municipality"  # เทศบาลเมือง
    SUBDISTRICT = "subdistrict_municipality"  # เทศบาลตำบล
    SAO = "sao"  # องค์การบริหารส่วนตำบล (อบต.)
    SPECIAL = "special"  # ท้องถิ่นรูปแบบพิเศษ (เมืองพัทยา)


LAO_TYPE_TH: dict[LaoType, str] = {
    LaoType.PAO: "อบจ.",
    LaoType.CITY: "เทศบาลนคร",
    LaoType.TOWN: "เทศบาลเมือง",
    LaoType.SUBDISTRICT: "เทศบาลตำบล",
    LaoType.SAO: "อบต.",
    LaoType.SPECIAL: "ท้องถิ่นรูปแบบพิเศษ",
}
LAO_TYPE_EN: dict[LaoType, str] = {
    LaoType.PAO: "Provincial Administrative Organisation",
    LaoType.CITY: "City municipality",
    LaoType.TOWN: "Town municipality",
    LaoType.SUBDISTRICT: "Subdistrict municipality",
    LaoType.SAO: "Subdistrict Administrative Organisation",
    LaoType.SPECIAL: "Special local government (Pattaya)",
}
# Prefix that turns a registry name (DLA publishes names without it) into the name people
# read: DLA's abbreviations (as the charts' type labels), which keep a name on one table line.
LAO_NAME_PREFIX_TH: dict[LaoType, str] = {
    LaoType.PAO: "อบจ.",
    LaoType.CITY: "ทน.",
    LaoType.TOWN: "ทม.",
    LaoType.SUBDISTRICT: "ทต.",
    LaoType.SAO: "อบต.",
    LaoType.SPECIAL: "",  # เมืองพัทยา: the name says it
}


def display_name(name_th: str, lao_type: str) -> str:
    """'ช่อแฮ', subdistrict_municipality → 'ทต.ช่อแฮ'."""
    prefix = LAO_NAME_PREFIX_TH[LaoType(lao_type)]
    return name_th if name_th.startswith(prefix) else prefix + name_th


# First digit of the 7-digit DLA code by type (SOURCE.md of the DLA registry).
LAO_TYPE_CODE_DIGIT: dict[LaoType, str] = {
    LaoType.PAO: "2",
    LaoType.CITY: "3",
    LaoType.SPECIAL: "3",
    LaoType.TOWN: "4",
    LaoType.SUBDISTRICT: "5",
    LaoType.SAO: "6",
}
# Display order: largest tier first, as DLA tables list them.
LAO_TYPE_ORDER: list[LaoType] = [
    LaoType.PAO, LaoType.CITY, LaoType.TOWN, LaoType.SUBDISTRICT, LaoType.SAO, LaoType.SPECIAL,
]

REGISTRY_COLUMNS = [
    "lao_code", "name_th", "lao_type", "province_code", "province_th", "province_en",
    "district_th", "region", "lat", "lon", "area_km2",
]
SCORES_COLUMNS = [
    "lao_code", "indicator_id", "self_points", "verified_points", "not_applicable",
    "assessor_team",
]
DIMENSION_IDS = [1, 2, 3, 4, 5]
DIM_PCT = [f"d{d}_pct" for d in DIMENSION_IDS]
SELF_DIM_PCT = [f"self_d{d}_pct" for d in DIMENSION_IDS]
PUBLISHED_COLUMNS = ["lao_code", *DIM_PCT, "overall_pct", "passed", "band"]

# Every reader adds the row number a person sees in the file (header = row 1) so that any
# finding can point back at it.
SOURCE_ROW = "source_row"

# Processed tables written by `lpa build` into <processed>/<year>/ (see data/README.md).
SCORED_LAOS_COLUMNS = [
    *REGISTRY_COLUMNS, "assessor_team",
    *DIM_PCT, "overall_pct", "passed", "band",
    *SELF_DIM_PCT, "self_overall_pct", "self_passed", "self_band", "gap_overall",
    "points", "max_points", "self_points",
    "rank_national", "rank_province", "rank_province_type",
]
INDICATOR_SCORES_COLUMNS = [
    "lao_code", "indicator_id", "dimension", "province_code", "lao_type", "assessor_team",
    "self_points", "verified_points", "max_points", "not_applicable", "pilot",
    "attainment", "self_attainment", SOURCE_ROW,
]
FINDINGS_COLUMNS = [
    "table", "check", "severity", SOURCE_ROW, "lao_code", "indicator_id", "column", "value",
    "message",
]
RECONCILIATION_COLUMNS = ["lao_code", "field", "published", "recomputed", "difference"]

Band = Literal["excellent", "very_good", "good", "below"]


class BandRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Band
    name_th: str
    name_en: str
    min_pct: float = Field(ge=0, le=100)


class Dimension(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: int = Field(ge=1, le=5)
    name_th: str
    name_en: str


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    dimension: int = Field(ge=1, le=5)
    name_th: str
    name_en: str
    max_points: float = Field(gt=0)
    levels: list[float]  # the point values an assessor may give
    applies_to: list[LaoType] | Literal["all"] = "all"
    pilot: bool = False  # recorded but not counted in any score

    @model_validator(mode="after")
    def _levels_fit(self) -> Indicator:
        if not self.levels or max(self.levels) != self.max_points or min(self.levels) < 0:
            raise ValueError(
                f"indicator {self.id}: levels {self.levels} must lie in 0..max_points "
                f"and include max_points {self.max_points}"
            )
        return self

    def applies(self, lao_type: str) -> bool:
        return self.applies_to == "all" or LaoType(lao_type) in self.applies_to


class Framework(BaseModel):
    """One year's assessment framework, read from `frameworks/lpa-<year>.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    year: int = Field(ge=2550, le=2700, description="Buddhist-era year")
    overall_method: Literal["points", "mean_of_dimensions"]
    pass_threshold: float = Field(70.0, gt=0, le=100)
    bands: list[BandRule]
    dimensions: list[Dimension]
    indicators: list[Indicator]

    @field_validator("bands")
    @classmethod
    def _bands_descending(cls, bands: list[BandRule]) -> list[BandRule]:
        return sorted(bands, key=lambda b: -b.min_pct)

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        ids = [i.id for i in self.indicators]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"indicators: duplicate ids {dupes}")
        if sorted(d.id for d in self.dimensions) != DIMENSION_IDS:
            raise ValueError("dimensions: a framework has exactly the dimensions 1..5")
        self._bands_fit_pass_mark()
        return self

    def _bands_fit_pass_mark(self) -> None:
        """The lowest band is the failing one and every other band passes, so the band above
        it must start exactly at the pass mark: otherwise an LAO passes in the failing band,
        or fails in a passing one."""
        for attribute in ("id", "min_pct"):
            values = [getattr(b, attribute) for b in self.bands]
            if len(set(values)) < len(values):
                raise ValueError(f"bands: two bands have the same {attribute}")
        if self.bands[-1].min_pct != 0:
            raise ValueError("bands: the lowest band must start at 0")
        if len(self.bands) < 2:
            raise ValueError("bands: a passing band and the failing band (from 0) are needed")
        passing, failing = self.bands[-2], self.bands[-1]
        if passing.min_pct != self.pass_threshold:
            between = (passing.min_pct + self.pass_threshold) / 2
            wrong = (f"passes but is in the failing band '{failing.id}'"
                     if passing.min_pct > self.pass_threshold else
                     f"fails but is in band '{passing.id}'")
            raise ValueError(
                f"bands: the lowest passing band '{passing.id}' starts at {passing.min_pct:g} "
                f"but pass_threshold is {self.pass_threshold:g}: an LAO at {between:g} % "
                f"{wrong}. Make them equal")

    def indicator(self, indicator_id: str) -> Indicator:
        return self._by_id()[indicator_id]

    def _by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def band_of(self, pct: float) -> Band:
        return next(b.id for b in self.bands if pct >= b.min_pct)

    def band_rule(self, band: str) -> BandRule:
        return next(b for b in self.bands if b.id == band)


# A framework is ~55 kB of YAML; a file this large is something else.
MAX_FRAMEWORK_BYTES = 1_000_000


# libyaml (C) parses a framework ~10× faster than the pure-Python loader; both when missing.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DatesAsText(_Loader):
    """Dates stay text for the model to parse, which names the key of a bad one
    (2024-02-30)."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def _refuse_aliases(text: str) -> None:
    """Anchors and aliases (&a, *a): a framework needs none, and a few nested aliases (a
    "billion laughs" file) expand to more values than memory holds; refused before loading."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed in a "
                "framework or dataset.yml: write each value out", event.start_mark)


def _read_yaml(path: Path, what: str, max_bytes: int) -> object:
    """A small YAML file without anchors or aliases, parsed (errors name the file)."""
    from lpa_analysis.errors import InputError

    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{size:,} bytes: too large for a {what} (at most "
                             f"{max_bytes:,})", file=path)
        text = path.read_text(encoding="utf-8")
        _refuse_aliases(text)
        return yaml.load(text, Loader=_DatesAsText)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read {what}: {exc}", file=path) from exc


def load_framework(path: str | Path) -> Framework:
    """Read and validate a framework YAML (errors name the file and the key)."""
    from lpa_analysis.errors import InputError

    path = Path(path)
    raw = _read_yaml(path, "framework", MAX_FRAMEWORK_BYTES)
    if not isinstance(raw, dict):
        raise InputError("not a framework: expected keys such as year, pass_threshold, bands, "
                         "dimensions, indicators", file=path)
    try:
        framework = Framework.model_validate(raw)
    except ValidationError as exc:
        raise InputError("invalid framework:\n" + _validation_text(exc), file=path) from None
    named = re.fullmatch(r"lpa-(\d+)", path.stem)
    if named and _be_year_or_none(int(named[1])) != framework.year:
        raise InputError(f"year: {framework.year}, but the file is named {path.name}: fix the "
                         "year or the name", file=path)
    return framework


ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Bilingual(BaseModel):
    """A dataset.yml text in both report languages: `{th: ..., en: ...}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    th: LongText
    en: LongText


def _text_or_bilingual(text_type):
    """One text, or {th, en}: chosen by the value's shape, so an error names only the one
    the value was meant to be (the tags, '<…>', are dropped from error keys)."""
    return Annotated[Annotated[text_type, Tag("<text>")] | Annotated[Bilingual, Tag("<th/en>")],
                     Discriminator(lambda v: "<th/en>" if isinstance(v, (dict, Bilingual))
                                   else "<text>")]


def localised(value: str | Bilingual | dict | None, lang: str) -> str | None:
    """A release text in the report's language: a plain string is the same in both."""
    if isinstance(value, dict):
        value = Bilingual.model_validate(value)
    return getattr(value, lang) if isinstance(value, Bilingual) else value


class Release(BaseModel):
    """Release metadata of a data folder (`dataset.yml`), shown on every report's cover and
    footer. No file: a draft of unstated origin (`declared` False), which the cover says.
    publisher, contact and source: one text, or `{th: ..., en: ...}` (`text(name, lang)`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    publisher: _text_or_bilingual(ShortText) | None = None
    status: Literal["draft", "final"] = "draft"
    release_date: date | None = None
    contact: _text_or_bilingual(ShortText) | None = None
    source: _text_or_bilingual(LongText) | None = None
    synthetic: bool = False  # made-up data (lpa demo): every report page is watermarked
    declared: bool = True  # False: no dataset.yml; written by the build, never by people

    @field_validator("release_date")
    @classmethod
    def _common_era(cls, day: date | None) -> date | None:
        if day is not None and day.year >= BE_YEARS[0]:
            raise ValueError(f"{day.isoformat()} is a Buddhist-era date: write the Common-era "
                             f"date, {day.replace(year=day.year - 543).isoformat()}")
        return day

    def text(self, name: str, lang: str) -> str | None:
        """publisher, contact or source in `lang` (None: not stated)."""
        return localised(getattr(self, name), lang)


RELEASE_FILE = "dataset.yml"
MAX_RELEASE_BYTES = 20_000  # a few lines of metadata


def load_release(path: str | Path, *, built: bool = False) -> Release:
    """Read and validate a `dataset.yml` (errors name the file and the key). built: the copy
    the build wrote, which alone may say `declared`."""
    from lpa_analysis.errors import InputError

    path = Path(path)
    raw = _read_yaml(path, RELEASE_FILE, MAX_RELEASE_BYTES)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError("not release metadata: expected keys such as publisher, status, "
                         "release_date, contact, source, synthetic", file=path)
    _check_release_keys(raw, path, built)
    try:
        return Release.model_validate(raw)
    except ValidationError as exc:
        raise InputError("invalid release metadata:\n" + _validation_text(exc),
                         file=path) from None


def _check_release_keys(raw: dict, path: Path, built: bool) -> None:
    """The mistakes pydantic words poorly: a misspelt key, and a phone number YAML read as a
    number (053 123 456 → 11314990: octal)."""
    from lpa_analysis.errors import InputError, shown

    known = [k for k in Release.model_fields if built or k != "declared"]
    for key, value in raw.items():
        if key == "declared" and not built:
            raise InputError("declared: set by lpa build, not in dataset.yml: remove it",
                             file=path)
        if key not in known:
            raise InputError(f"{shown(key, 40)}: not a dataset.yml key (known: "
                             f"{', '.join(known)})", file=path)
        if key in ("publisher", "contact", "source"):
            _check_release_text(key, value, path)


def _check_release_text(key: str, value, path: Path) -> None:
    """A text, or {th: text, en: text}; not a number YAML made of an unquoted value."""
    from lpa_analysis.errors import InputError

    if isinstance(value, dict):
        if sorted(map(str, value)) != ["en", "th"]:
            raise InputError(f"{key}: give one text, or both languages as {key}: {{th: ..., "
                             f"en: ...}} (has: {', '.join(map(str, value)) or 'nothing'})",
                             file=path)
        for lang, text in value.items():
            _check_release_text(f"{key}.{lang}", text, path)
    elif not isinstance(value, (str, type(None))):
        raise InputError(f"{key}: read as {type(value).__name__} {value!r}, not text: put "
                         f"the value in quotes (e.g. {key}: \"053 123 456\")", file=path)


def _validation_text(exc: ValidationError) -> str:
    """One line per problem, naming the YAML key ('indicators[3].levels') and the value given
    (cut short: `errors.shown`)."""
    from lpa_analysis.errors import shown

    lines = []
    for error in exc.errors(include_url=False, include_context=False):
        key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                      for part in error["loc"]
                      if not str(part).startswith("<")).lstrip(".")  # union tags
        message = error["msg"].removeprefix("Value error, ")
        given = error.get("input")
        if key and isinstance(given, (str, int, float, bool)):
            message += f" (is {shown(given)!r})" if isinstance(given, str) else f" (is {given})"
        lines.append(f"  {key}: {message}" if key else f"  {message}")
    return "\n".join(lines)


def _be_year_or_none(year: int) -> int | None:
    try:
        return to_be_year(year)
    except ValueError:
        return None


# The years `to_be_year` accepts, inclusive.
BE_YEARS, CE_YEARS = (2400, 2800), (1900, 2300)


def to_be_year(year: int) -> int:
    """Accept a Buddhist-era (2566) or Common-era (2023) year; return the BE year."""
    if BE_YEARS[0] <= year <= BE_YEARS[1]:
        return year
    if CE_YEARS[0] <= year <= CE_YEARS[1]:
        return year + 543
    raise ValueError(f"{year} is not a year: give a Buddhist-era year {BE_YEARS[0]}–"
                     f"{BE_YEARS[1]} (e.g. 2566) or a Common-era year {CE_YEARS[0]}–"
                     f"{CE_YEARS[1]} (e.g. 2023)")
