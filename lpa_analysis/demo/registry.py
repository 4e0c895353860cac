"""The demo registry: the real number of LAOs of each type in each district, with real names.

Counts come from `resources/lao_district_counts.csv` (derived once from the DLA registry 2566,
with each district's median office location); names and districts from geothai. Each province
draws from its own random stream, so a province looks the same whether it is generated alone
(`provinces=["54"]`) or with the whole country.
"""

from __future__ import annotations

from functools import cache

import geothai
import numpy as np
import pandas as pd

from lpa_analysis.errors import InputError
from lpa_analysis.geo import all_provinces, resolve_province
from lpa_analysis.package_data import package_path
from lpa_analysis.schema import LAO_TYPE_CODE_DIGIT, LAO_TYPE_ORDER, REGISTRY_COLUMNS, LaoType

PATTAYA = "เมืองพัทยา"  # the one special-form LAO; its name is not a place name in geothai
MISSING_LOCATION_SHARE = 0.38  # like the real registry (LAT/LONG empty for ~38 %)
MISSING_AREA_SHARE = 0.30
LOCATION_JITTER_DEG = 0.04
# Area (km²) per type: lognormal median and log-sd, from the real registry's quartiles.
AREA_LOGNORMAL = {
    LaoType.CITY: (28.0, 0.7), LaoType.TOWN: (13.7, 1.0),
    LaoType.SUBDISTRICT: (24.7, 1.5), LaoType.SAO: (51.0, 0.8),
}
PATTAYA_AREA_KM2 = 208.1
# Suffixes Thai place names take when one subdistrict name serves several LAOs of one type.
NAME_SUFFIXES = ["เหนือ", "ใต้", "กลาง", "ตะวันออก", "ตะวันตก", "ใหม่"]
_TYPE_RANK = {t.value: i for i, t in enumerate(LAO_TYPE_ORDER)}


def _resource(name: str) -> pd.DataFrame:
    path = package_path("resources", name)
    with path.open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"province_code": str, "district_code": str})


@cache
def real_counts() -> pd.DataFrame:
    """LAOs per province × type in the real DLA registry 2566 (province_code, lao_type, count)."""
    return _resource("lao_counts.csv")


@cache
def district_counts() -> pd.DataFrame:
    """LAOs per DOPA district × type, with the district's median office lat/lon."""
    counts = _resource("lao_district_counts.csv")
    counts["province_code"] = counts["district_code"].str[:2]
    return counts


def province_codes(provinces: list[str] | None = None) -> list[str]:
    """The DOPA codes asked for (codes or names), or all 76 LAO provinces; sorted."""
    known = set(real_counts()["province_code"])
    if provinces is None:
        return sorted(known)
    codes = sorted({resolve_province(p).code for p in provinces})
    absent = [c for c in codes if c not in known]
    if absent:
        raise InputError(f"province(s) {absent} have no LAOs (Bangkok is not administered by DLA)")
    return codes


def _mueang_name(district_th: str) -> str:
    return district_th.removeprefix("เมือง") or district_th


class _Namer:
    """Hands out names in one district: distinct names while subdistrict names last.

    Past that, a plain name repeats only across types (as in the real registry, where a
    เทศบาลตำบล and an อบต. often share their ตำบล's name), and within a type gets a suffix.
    """

    def __init__(self, subdistricts: list[str], rng: np.random.Generator):
        seat, others = subdistricts[:1], subdistricts[1:]
        # The seat ตำบล (code …01) usually names the municipality; the rest in random order.
        self.pool = seat + [others[i] for i in rng.permutation(len(others))]
        self.used: set[str] = set()
        self.used_by_type: dict[str, set[str]] = {}

    def take(self, lao_type: str, preferred: list[str] = ()) -> str:
        mine = self.used_by_type.setdefault(lao_type, set())
        candidates = [*preferred, *self.pool]
        name = (next((n for n in candidates if n not in self.used), None)
                or next((n for n in candidates if n not in mine), None)
                or next(f"{n}{s}" for s in NAME_SUFFIXES for n in self.pool
                        if f"{n}{s}" not in mine))
        self.used.add(name)
        mine.add(name)
        return name


def _province_registry(pcode: str, rng: np.random.Generator) -> pd.DataFrame:
    province = next(p for p in all_provinces() if p.code == pcode)
    counts = district_counts()
    counts = counts[counts["province_code"] == pcode].copy()
    counts["_rank"] = counts["lao_type"].map(_TYPE_RANK)
    rows = []
    for dcode, block in counts.sort_values(["district_code", "_rank"]).groupby("district_code",
                                                                               sort=True):
        district = geothai.district(dcode)
        namer = _Namer([s.name_th for s in geothai.subdistricts(dcode)], rng)
        town_names = ([province.name_th] if district.name_th.startswith("เมือง") else []) + [
            _mueang_name(district.name_th)]
        seq = 0
        for rec in block.itertuples():
            for _ in range(rec.count):
                seq += 1
                if rec.lao_type == LaoType.PAO:
                    name = province.name_th
                elif rec.lao_type == LaoType.SPECIAL:
                    name = PATTAYA
                elif rec.lao_type in (LaoType.CITY, LaoType.TOWN):
                    name = namer.take(rec.lao_type, town_names)
                else:
                    name = namer.take(rec.lao_type)
                rows.append((f"{LAO_TYPE_CODE_DIGIT[LaoType(rec.lao_type)]}{dcode}{seq:02d}", name,
                             rec.lao_type, district.name_th, rec.lat, rec.lon))
    reg = pd.DataFrame(rows, columns=["lao_code", "name_th", "lao_type", "district_th",
                                      "lat", "lon"])
    reg["province_code"], reg["province_th"] = pcode, province.name_th
    reg["province_en"], reg["region"] = province.name_en, province.region
    _place(reg, rng)
    return reg


def _place(reg: pd.DataFrame, rng: np.random.Generator) -> None:
    """Office location near the district's real centre, and an area; some left empty."""
    n = len(reg)
    lat = reg["lat"].fillna(reg["lat"].mean()).to_numpy(dtype=float)
    lon = reg["lon"].fillna(reg["lon"].mean()).to_numpy(dtype=float)
    jitter = rng.normal(0.0, LOCATION_JITTER_DEG, size=(2, n))
    no_location = rng.random(n) < MISSING_LOCATION_SHARE
    reg["lat"] = np.where(no_location, np.nan, np.round(lat + jitter[0], 6))
    reg["lon"] = np.where(no_location, np.nan, np.round(lon + jitter[1], 6))

    area = np.full(n, np.nan)
    draws = rng.normal(size=n)
    for lao_type, (median, log_sd) in AREA_LOGNORMAL.items():
        is_type = (reg["lao_type"] == lao_type).to_numpy()
        area[is_type] = np.round(median * np.exp(log_sd * draws[is_type]), 2)
    area[(reg["lao_type"] == LaoType.SPECIAL).to_numpy()] = PATTAYA_AREA_KM2
    # The PAO covers the whole province: roughly the sum of the LAOs inside it.
    area[(reg["lao_type"] == LaoType.PAO).to_numpy()] = np.round(np.nansum(area), 2)
    area[rng.random(n) < MISSING_AREA_SHARE] = np.nan
    reg["area_km2"] = area


def demo_registry(seed: int, provinces: list[str] | None = None) -> pd.DataFrame:
    """The synthetic registry (schema.REGISTRY_COLUMNS), sorted by lao_code."""
    frames = [_province_registry(p, np.random.default_rng([seed, 1, int(p)]))
              for p in province_codes(provinces)]
    reg = pd.concat(frames, ignore_index=True)
    return reg[REGISTRY_COLUMNS].sort_values("lao_code", ignore_index=True)
