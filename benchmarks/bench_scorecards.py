"""Scorecards of the whole national demo year against issue 17's targets: (a) every LAO's page,
Thai PDF (`lpa scorecards --province all --force`), ≤ 5 minutes wall and ≤ 2 GB peak on a
2-core machine; (b) an unchanged re-run ≤ 3 s.

    .venv/bin/python benchmarks/bench_scorecards.py [-j 2] [--lang th] [--data data/demo]
        [--work DIR]

Setup (printed, not timed): the demo data (generated when missing) and the year builds, in a
work folder (default: a temporary one). Each run is a fresh `lpa` process, as a user starts
it; memory is the peak of the summed PSS of its whole process tree (bench_reports.PeakMemory).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_reports import BIN, ROOT, timed

TARGETS = {"full_s": 300, "full_mb": 2048, "rerun_s": 3}


def setup(args, work: Path) -> Path:
    from lpa_analysis.build import ensure_built
    from lpa_analysis.demo import ensure_demo

    processed = work / "processed"
    started = time.perf_counter()
    ensure_demo(args.data)
    years = ensure_built(args.year, args.data, processed)
    print(f"setup: demo data and builds {years} ready ({time.perf_counter() - started:.0f} s)",
          flush=True)
    return processed


def scorecards(args, work: Path, processed: Path, *, force: bool) -> tuple[float, float, str]:
    cmd = [str(BIN / "lpa"), "scorecards", "--year", str(args.year), "--province", "all",
           "--lang", args.lang, "--data", str(args.data), "--processed", str(processed),
           "--out", str(work / "reports"), "-j", str(args.jobs)] + (["--force"] if force else [])
    seconds, peak, out = timed(cmd)
    print(f"  {seconds:.1f} s, peak {peak:.0f} MB: {out.strip()}", flush=True)
    return seconds, peak, out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--year", type=int, default=2566)
    parser.add_argument("--lang", default="th")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    args.data = args.data.resolve()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with tempfile.TemporaryDirectory(prefix="lpa-bench-scorecards.") as tmp:
        work = (args.work or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        processed = setup(args, work)
        print(f"(a) lpa scorecards --province all --lang {args.lang} -j {args.jobs} --force:",
              flush=True)
        full, peak, _ = scorecards(args, work, processed, force=True)
        folder = work / "reports" / str(args.year) / args.lang
        pages = list(folder.glob("*/scorecards/*.pdf"))
        size = sum(p.stat().st_size for p in pages) / 2**20
        booklets = sum(p.stat().st_size for p in folder.glob("*/scorecards.pdf")) / 2**20
        print("(b) unchanged re-run:", flush=True)
        rerun, rerun_peak, _ = scorecards(args, work, processed, force=False)
        cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
        print(f"\n| run | wall | peak | note |\n|---|---|---|---|\n"
              f"| (a) every scorecard, {args.lang} PDF | {full:.0f} s | {peak:.0f} MB | "
              f"{len(pages):,} one-page PDFs ({size:.0f} MB) + booklets ({booklets:.0f} MB); "
              f"{len(pages) / full:.0f} pages/s; target ≤ {TARGETS['full_s']} s, "
              f"≤ {TARGETS['full_mb']} MB |\n"
              f"| (b) unchanged re-run | {rerun:.1f} s | {rerun_peak:.0f} MB | "
              f"target ≤ {TARGETS['rerun_s']} s |\n({cpus} cores)")
        ok = (full <= TARGETS["full_s"] and peak <= TARGETS["full_mb"]
              and rerun <= TARGETS["rerun_s"])
        print("targets met" if ok else "targets NOT met")
        return 0


if __name__ == "__main__":
    sys.exit(main())
