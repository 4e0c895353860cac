"""The quality gate on a national-sized synthetic year: 7,849 LAOs × the 2566 framework
(~200 indicators) ≈ 1.6 M score rows, clean and with 0.5 % of rows broken.

    .venv/bin/python benchmarks/bench_quality.py [--dirty-share 0.005]

Prints the seconds for importing GX and running the gate (wall and CPU: on a shared machine
the CPU time is the steadier figure), and the peak resident memory of the process (what the
≤ 1.5 GB build budget counts).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lpa_analysis import quality
from lpa_analysis.geo import all_provinces
from lpa_analysis.schema import LAO_TYPE_CODE_DIGIT, SOURCE_ROW, LaoType, load_framework

FRAMEWORK = Path(quality.__file__).parent / "resources" / "frameworks" / "lpa-2566.yml"
# DLA counts per type (the 2566 registry): 76 + 30 + 195 + 2,247 + 5,300 + 1 = 7,849.
TYPE_COUNTS = {LaoType.PAO: 76, LaoType.CITY: 30, LaoType.TOWN: 195,
               LaoType.SUBDISTRICT: 2247, LaoType.SAO: 5300, LaoType.SPECIAL: 1}


def registry(rng: np.random.Generator) -> pd.DataFrame:
    types = np.repeat([str(t) for t in TYPE_COUNTS], list(TYPE_COUNTS.values()))
    provinces = np.array([p.code for p in all_provinces()])
    province = rng.choice(provinces, len(types))
    digit = pd.Series(types).map({str(t): d for t, d in LAO_TYPE_CODE_DIGIT.items()})
    codes = [f"{d}{p}{i % 100:02d}{i // 100 % 100:02d}"
             for i, (d, p) in enumerate(zip(digit, province))]
    return pd.DataFrame({
        "lao_code": codes, "name_th": [f"อปท.{i}" for i in range(len(types))], "lao_type": types,
        "province_code": province, "province_th": None, "province_en": None, "district_th": None,
        "region": None, "lat": rng.uniform(6, 20, len(types)),
        "lon": rng.uniform(98, 105, len(types)), "area_km2": None,
        SOURCE_ROW: np.arange(2, len(types) + 2)})


def scores(reg: pd.DataFrame, framework, rng: np.random.Generator) -> pd.DataFrame:
    n_lao, inds = len(reg), framework.indicators
    lao = np.repeat(np.arange(n_lao), len(inds))
    ind = np.tile(np.arange(len(inds)), n_lao)
    # Points: a random allowed level of each row's indicator (levels padded to equal width).
    width = max(len(i.levels) for i in inds)
    table = np.array([sorted(i.levels) + [max(i.levels)] * (width - len(i.levels)) for i in inds])
    counts = np.array([len(i.levels) for i in inds])
    pick = (rng.random(len(lao)) * counts[ind]).astype(int)
    verified = table[ind, pick]
    self_points = table[ind, np.minimum(pick + rng.integers(0, 2, len(lao)), counts[ind] - 1)]
    applies = np.array([[i.applies(t) for i in inds] for t in LaoType])
    type_index = reg["lao_type"].map({str(t): k for k, t in enumerate(LaoType)}).to_numpy()
    na = ~applies[type_index[lao], ind]
    return pd.DataFrame({
        "lao_code": reg["lao_code"].to_numpy()[lao],
        "indicator_id": np.array([i.id for i in inds])[ind],
        "self_points": np.where(na, np.nan, self_points),
        "verified_points": np.where(na, np.nan, verified),
        "not_applicable": na, "assessor_team": "ทีม 1",
        SOURCE_ROW: np.arange(2, len(lao) + 2)})


def dirty(frame: pd.DataFrame, share: float, rng: np.random.Generator) -> pd.DataFrame:
    """Break `share` of the rows: off-level points, unknown indicators, missing verification."""
    frame = frame.copy()
    rows = rng.choice(len(frame), int(len(frame) * share), replace=False)
    third = len(rows) // 3
    frame.loc[rows[:third], "verified_points"] = 4.5
    frame.loc[rows[third:2 * third], "indicator_id"] = "D9.99"
    frame.loc[rows[2 * third:], "verified_points"] = np.nan
    frame.loc[rows[2 * third:], "not_applicable"] = False
    return frame


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dirty-share", type=float, default=0.005)
    args = parser.parse_args()
    rng = np.random.default_rng(2566)
    framework = load_framework(FRAMEWORK)

    started = time.perf_counter()
    reg = registry(rng)
    clean = scores(reg, framework, rng)
    broken = dirty(clean, args.dirty_share, rng)
    print(f"data: {len(reg):,} LAOs, {len(clean):,} score rows "
          f"({time.perf_counter() - started:.1f} s to make); peak RSS {peak_rss_mb():.0f} MB")

    started = time.perf_counter()
    quality._gx()
    print(f"import GX + ephemeral context: {time.perf_counter() - started:.2f} s")
    print("target: the gate takes a few seconds of the build's 10 s / 1.5 GB budget")

    with tempfile.TemporaryDirectory() as tmp:
        quality.write_suites(framework, Path(tmp))
        for label, frame in (("clean", clean), (f"dirty {args.dirty_share:.1%}", broken)):
            started, cpu = time.perf_counter(), time.process_time()
            gate = quality.run_gate(reg, frame, framework, suites_dir=Path(tmp))
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            c = gate.counts["scores"]
            print(f"gate, {label}: {seconds:.2f} s ({cpu:.2f} s CPU); scores "
                  f"{c['accepted']:,} accepted, {c['quarantined']:,} quarantined; {gate.errors:,} errors, "
                  f"{gate.warnings:,} warnings; peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
