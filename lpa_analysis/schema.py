"""The data contract: canonical column names, LAO types, the framework model, output tables.

Every reader normalises its input to the canonical columns here; every later stage reads only
these names. `data/README.md` documents the same contract for people.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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
# Prefix that turns a registry name (DLA publishes names without it) into the usual full name.
LAO_NAME_PREFIX_TH: dict[LaoType, str] = {
    LaoType.PAO: "อบจ.",
    LaoType.CITY: "เทศบาลนคร",
    LaoType.TOWN: "เทศบาลเมือง",
    LaoType.SUBDISTRICT: "เทศบาลตำบล",
    LaoType.SAO: "อบต.",
    LaoType.SPECIAL: "",
}


def display_name(name_th: str, lao_type: str) -> str:
    """'ช่อแฮ', subdistrict_municipality → 'เทศบาลตำบลช่อแฮ'."""
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
    pass_threshold: float = 70.0
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
            raise ValueError(f"duplicate indicator ids: {dupes}")
        if sorted(d.id for d in self.dimensions) != DIMENSION_IDS:
            raise ValueError("a framework has exactly the dimensions 1..5")
        if self.bands[-1].min_pct != 0:
            raise ValueError("the lowest band must start at 0")
        return self

    def indicator(self, indicator_id: str) -> Indicator:
        return self._by_id()[indicator_id]

    def _by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def band_of(self, pct: float) -> Band:
        return next(b.id for b in self.bands if pct >= b.min_pct)

    def band_rule(self, band: str) -> BandRule:
        return next(b for b in self.bands if b.id == band)


def load_framework(path: str | Path) -> Framework:
    """Read and validate a framework YAML (errors name the file and the field)."""
    from lpa_analysis.errors import InputError

    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read framework: {exc}", file=path) from exc
    try:
        return Framework.model_validate(raw)
    except ValueError as exc:
        raise InputError(f"invalid framework:\n{exc}", file=path) from exc


def to_be_year(year: int) -> int:
    """Accept a Buddhist-era (2566) or Common-era (2023) year; return the BE year."""
    if 2400 <= year <= 2800:
        return year
    if 1900 <= year <= 2300:
        return year + 543
    raise ValueError(f"{year} is not a plausible BE (25xx) or CE (20xx) year")
