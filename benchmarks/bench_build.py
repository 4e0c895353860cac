"""`build_year` on the national demo year (7,849 LAOs × ~205 indicators ≈ 1.6 M score rows),
in a fresh process so that importing GX is counted, against issue 3's targets
(≤ 10 s wall, ≤ 1.5 GB peak memory).

    .venv/bin/python benchmarks/bench_build.py [--data data/demo] [--year 2566]

The demo folder is generated first when missing (not timed). Prints the wall seconds of the
build process, the stages it records in build.json (timings_s), and the peak RSS of the
build process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lpa_analysis.demo import ensure_demo

TARGET_SECONDS = 10
TARGET_MB = 1536
BUILD = ("import sys; from lpa_analysis.build import build_year; "
         "build_year(int(sys.argv[1]), sys.argv[2], sys.argv[3])")


def verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "OVER"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("data/demo"))
    parser.add_argument("--year", type=int, default=2566)
    args = parser.parse_args()
    started = time.perf_counter()
    ensure_demo(args.data)
    print(f"demo data: {args.data} ({time.perf_counter() - started:.1f} s to ensure)")

    with tempfile.TemporaryDirectory(prefix="lpa-bench-build.") as out:
        env = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", BUILD, str(args.year), str(args.data), out],
                              env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        info = json.loads((Path(out) / str(args.year) / "build.json").read_text())

    stages = info["timings_s"]
    print(f"build {args.year}: {info['counts']['laos_scored']:,} LAOs scored")
    for stage, seconds in stages.items():
        print(f"  {stage:<16} {seconds:7.2f} s")
    print(f"  {'(stages)':<16} {sum(stages.values()):7.2f} s")
    print(f"  {'imports etc.':<16} {wall - sum(stages.values()):7.2f} s  (Python, pandas, GX)")
    print(f"wall {wall:.2f} s (target ≤ {TARGET_SECONDS} s: {verdict(wall, TARGET_SECONDS)}); "
          f"peak RSS {peak_mb:.0f} MB (target ≤ {TARGET_MB} MB: {verdict(peak_mb, TARGET_MB)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
