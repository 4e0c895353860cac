"""Scoring and reconciliation on a national-sized synthetic year (7,849 LAOs × ~200 indicators).

    .venv/bin/python benchmarks/bench_scoring.py
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd

from lpa_analysis.reconcile import reconcile
from lpa_analysis.schema import DIM_PCT, Framework, LaoType
from lpa_analysis.scoring import score_laos

# DLA counts per type (the 2566 registry): 76 + 30 + 195 + 2,247 + 5,300 + 1 = 7,849.
TYPE_COUNTS = {LaoType.PAO: 76, LaoType.CITY: 30, LaoType.TOWN: 195,
               LaoType.SUBDISTRICT: 2247, LaoType.SAO: 5300, LaoType.SPECIAL: 1}
INDICATORS_PER_DIMENSION = (40, 40, 40, 40, 40)


def national_framework() -> Framework:
    indicators = []
    for dim, n in enumerate(INDICATORS_PER_DIMENSION, start=1):
        for k in range(n):
            partial = k % 4 == 0
            indicators.append({
                "id": f"{dim}.{k + 1:02d}", "dimension": dim, "name_th": f"ตัวชี้วัด {dim}.{k + 1}",
                "name_en": f"Indicator {dim}.{k + 1}",
                "max_points": 10 if partial else 5,
                "levels": [0, 2.5, 5, 7.5, 10] if partial else [0, 1, 2, 3, 4, 5],
                "applies_to": ["sao"] if k == 7 else "all",
                "pilot": k == n - 1,
            })
    bands = [{"id": "excellent", "name_th": "ดีเด่น", "name_en": "Excellent", "min_pct": 90},
             {"id": "very_good", "name_th": "ดีมาก", "name_en": "Very good", "min_pct": 80},
             {"id": "good", "name_th": "ดี", "name_en": "Good", "min_pct": 70},
             {"id": "below", "name_th": "ต่ำกว่าเกณฑ์", "name_en": "Below", "min_pct": 0}]
    dims = [{"id": d, "name_th": f"ด้านที่ {d}", "name_en": f"Dimension {d}"} for d in range(1, 6)]
    return Framework(year=2566, overall_method="points", bands=bands, dimensions=dims,
                     indicators=indicators)


def national_registry(rng: np.random.Generator) -> pd.DataFrame:
    types = np.repeat([t.value for t in TYPE_COUNTS], list(TYPE_COUNTS.values()))
    n = len(types)
    province = rng.integers(11, 97, n).astype(str)
    return pd.DataFrame({
        "lao_code": [f"{6000000 + i:07d}" for i in range(n)], "name_th": "ทดสอบ",
        "lao_type": types, "province_code": province, "province_th": "จังหวัด",
        "province_en": "Province", "district_th": "อำเภอ", "region": "central",
        "lat": 15.0, "lon": 100.0, "area_km2": 50.0,
    })


def national_scores(registry: pd.DataFrame, framework: Framework,
                    rng: np.random.Generator) -> pd.DataFrame:
    ids = np.array([i.id for i in framework.indicators])
    levels = [np.array(i.levels) for i in framework.indicators]
    n_laos, n_ind = len(registry), len(ids)
    ind = np.tile(np.arange(n_ind), n_laos)
    lao = np.repeat(np.arange(n_laos), n_ind)
    pick = rng.random(len(ind))
    verified = np.array([levels[i][int(p * len(levels[i]))] for i, p in
                         zip(range(n_ind), pick[:n_ind])])[ind]  # level pattern per indicator
    verified = np.where(pick > 0.3, np.array([i.max_points for i in framework.indicators])[ind],
                        verified)
    verified[rng.random(len(ind)) < 0.001] = np.nan
    return pd.DataFrame({
        "lao_code": registry["lao_code"].to_numpy()[lao], "indicator_id": ids[ind],
        "self_points": np.array([i.max_points for i in framework.indicators])[ind],
        "verified_points": verified, "not_applicable": rng.random(len(ind)) < 0.02,
        "assessor_team": np.char.add("team-", registry["province_code"].to_numpy()[lao].astype(str)),
        "source_row": np.arange(2, len(ind) + 2),
    })


def main() -> None:
    rng = np.random.default_rng(2566)
    framework = national_framework()
    registry = national_registry(rng)
    scores = national_scores(registry, framework, rng)
    print(f"{len(scores):,} score rows, {len(registry):,} LAOs, "
          f"{len(framework.indicators)} indicators")
    tracemalloc.start()
    started = time.perf_counter()
    result = score_laos(scores, registry, framework)
    scored_s = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"score_laos: {scored_s:.2f} s, peak traced memory {peak / 2**20:.0f} MiB")

    published = result.laos[["lao_code", *DIM_PCT, "overall_pct", "passed", "band"]].copy()
    published[[*DIM_PCT, "overall_pct"]] = published[[*DIM_PCT, "overall_pct"]].round(2)
    started = time.perf_counter()
    differences = reconcile(published, result.laos)
    print(f"reconcile: {time.perf_counter() - started:.2f} s, {len(differences)} differences")


if __name__ == "__main__":
    main()
