"""Provinces: DOPA codes, Thai/English names (from geothai), regions, and name lookup.

Region scheme: the six geographical regions of the Royal Institute (1977), as used by the
National Geographical Committee: north 9, northeast 20, central 22 (with Bangkok), east 7,
west 5, south 14 provinces.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

import geothai

from lpa_analysis.errors import InputError

BANGKOK_CODE = "10"  # a special-form LAO outside DLA's assessment: no LAOs of DLA's here

REGION_PROVINCES: dict[str, tuple[str, ...]] = {
    "north": ("50", "51", "52", "53", "54", "55", "56", "57", "58"),
    "northeast": tuple(str(c) for c in range(30, 50)),
    "central": ("10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "26", "60", "61",
                "62", "64", "65", "66", "67", "72", "73", "74", "75"),
    "east": ("20", "21", "22", "23", "24", "25", "27"),
    "west": ("63", "70", "71", "76", "77"),
    "south": ("80", "81", "82", "83", "84", "85", "86", "90", "91", "92", "93", "94", "95", "96"),
}
REGION_TH = {"north": "ภาคเหนือ", "northeast": "ภาคตะวันออกเฉียงเหนือ", "central": "ภาคกลาง",
             "east": "ภาคตะวันออก", "west": "ภาคตะวันตก", "south": "ภาคใต้"}
REGION_EN = {"north": "North", "northeast": "Northeast", "central": "Central", "east": "East",
             "west": "West", "south": "South"}


@dataclass(frozen=True)
class ProvinceInfo:
    code: str
    name_th: str
    name_en: str
    region: str


@cache
def _region_of() -> dict[str, str]:
    return {code: region for region, codes in REGION_PROVINCES.items() for code in codes}


@cache
def all_provinces(include_bangkok: bool = False) -> tuple[ProvinceInfo, ...]:
    """The 77 provinces (76 without Bangkok), in DOPA code order."""
    return tuple(
        ProvinceInfo(p.code, p.name_th, p.name_en, _region_of()[p.code])
        for p in geothai.provinces()
        if include_bangkok or p.code != BANGKOK_CODE
    )


def _key(text: str) -> str:
    return "".join(str(text).split()).casefold().replace("-", "")


@cache
def _lookup() -> dict[str, ProvinceInfo]:
    table: dict[str, ProvinceInfo] = {}
    for p in all_provinces(include_bangkok=True):
        for name in (p.code, p.name_th, p.name_en, "จังหวัด" + p.name_th):
            table[_key(name)] = p
    return table


def find_province(text: str | int) -> ProvinceInfo | None:
    """A province by DOPA code, Thai name or English name (case and spacing ignored)."""
    return _lookup().get(_key(str(text)))


def resolve_province(text: str | int) -> ProvinceInfo:
    """Like find_province, but an unknown name is an error listing the close matches."""
    found = find_province(text)
    if found is not None:
        return found
    names = [n for p in all_provinces() for n in (p.name_th, p.name_en)]
    close = difflib.get_close_matches(str(text), names, n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise InputError(f"unknown province '{text}'.{hint} Use a DOPA code (e.g. 54), a Thai "
                     "(แพร่) or an English (Phrae) name.")


@cache
def _districts_en(province_code: str) -> dict[str, str]:
    return {_key(d.name_th): d.name_en for d in geothai.districts(province_code)}


def district_en(province_code: str, district_th: str) -> str | None:
    """The English (DOPA romanised) name of a province's district (อำเภอ) from its Thai name;
    None when geothai does not know it (a registry spelling of its own)."""
    if not isinstance(district_th, str):
        return None
    name = _key(district_th)
    return _districts_en(str(province_code)).get(name) or _districts_en(str(province_code)).get(
        name.removeprefix("อำเภอ"))
