"""Scoring and reconciliation on a national-sized synthetic year: 7,849 LAOs × the committed 2566
framework (~200 indicators) ≈ 1.6 M score rows, with N/A, unverified and missing rows.

    .venv/bin/python benchmarks/bench_scoring.py [--repeat 3]

Prints wall and CPU seconds (best of --repeat; on a shared machine CPU is the steadier figure)
and the peak resident memory of the process. Target: scoring in ~1–2 s of the 10 s build.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lpa_analysis import scoring
from lpa_analysis.reconcile import reconcile
from lpa_analysis.schema import (
    DIM_PCT, PUBLISHED_COLUMNS, REGISTRY_COLUMNS, LaoType, load_framework,
)

FRAMEWORK = Path(scoring.__file__).parent / "resources" / "frameworks" / "lpa-2566.yml"
# DLA counts per type (the 2566 registry): 76 + 30 + 195 + 2,247 + 5,300 + 1 = 7,849.
TYPE_COUNTS = {LaoType.PAO: 76, LaoType.CITY: 30, LaoType.TOWN: 195,
               LaoType.SUBDISTRICT: 2247, LaoType.SAO: 5300, LaoType.SPECIAL: 1}


def registry(rng: np.random.Generator) -> pd.DataFrame:
    types = np.repeat([t.value for t in TYPE_COUNTS], list(TYPE_COUNTS.values()))
    return pd.DataFrame({
        "lao_code": [f"{i:07d}" for i in range(len(types))], "name_th": "อปท.",
        "lao_type": types, "province_code": rng.integers(11, 97, len(types)).astype(str),
        "province_th": "จังหวัด", "province_en": "Province", "district_th": "อำเภอ",
        "region": "central", "lat": 15.0, "lon": 100.0, "area_km2": 50.0,
    })[REGISTRY_COLUMNS]


def scores(reg: pd.DataFrame, fw, rng: np.random.Generator) -> pd.DataFrame:
    """Every LAO × every indicator that applies to its type; 2 % N/A, 0.1 % unverified,
    0.05 % rows missing."""
    applies = np.array([[i.applies(t) for i in fw.indicators] for t in reg["lao_type"]])
    lao, ind = np.nonzero(applies)
    keep = rng.random(len(lao)) >= 0.0005
    lao, ind = lao[keep], ind[keep]
    levels = [np.array(i.levels) for i in fw.indicators]
    top = np.array([len(lv) for lv in levels])[ind]
    pick = np.minimum(top - 1, (top * rng.beta(4, 1.2, len(ind))).astype(int))
    flat = np.concatenate(levels)
    offset = np.cumsum([0, *[len(lv) for lv in levels[:-1]]])[ind]
    verified = flat[offset + pick]
    verified[rng.random(len(ind)) < 0.001] = np.nan
    self_points = flat[offset + np.minimum(top - 1, pick + 1)]
    order = rng.permutation(len(ind))  # files are not sorted
    return pd.DataFrame({
        "lao_code": reg["lao_code"].to_numpy()[lao], "indicator_id": np.array(
            [i.id for i in fw.indicators])[ind], "self_points": self_points,
        "verified_points": verified, "not_applicable": rng.random(len(ind)) < 0.02,
        "assessor_team": np.char.add("ทีม ", reg["province_code"].to_numpy()[lao].astype(str)),
        "source_row": np.arange(2, len(ind) + 2),
    }).iloc[order].reset_index(drop=True)


def timed(fn, repeat: int):
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return result, best_wall, best_cpu


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(2566)
    fw = load_framework(FRAMEWORK)
    reg = registry(rng)
    data = scores(reg, fw, rng)
    print(f"{len(data):,} score rows, {len(reg):,} LAOs, {len(fw.indicators)} indicators "
          f"({fw.overall_method}); peak RSS before scoring {peak_rss_mib():.0f} MiB")

    result, wall, cpu = timed(lambda: scoring.score_laos(data, reg, fw), args.repeat)
    print(f"score_laos: {wall:.2f} s wall, {cpu:.2f} s CPU (best of {args.repeat}); "
          f"{len(result.laos):,} LAOs, {len(result.missing):,} missing rows; "
          f"peak RSS {peak_rss_mib():.0f} MiB")

    published = result.laos[PUBLISHED_COLUMNS].copy()
    published[[*DIM_PCT, "overall_pct"]] = published[[*DIM_PCT, "overall_pct"]].round(2)
    published.loc[published.index[::200], "d3_pct"] += 1  # 40 planted differences
    found, wall, cpu = timed(lambda: reconcile(published, result.laos), args.repeat)
    print(f"reconcile: {wall:.3f} s wall, {cpu:.3f} s CPU; {len(found)} differences")


if __name__ == "__main__":
    main()
