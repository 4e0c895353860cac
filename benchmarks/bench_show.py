"""`lpa show` on the national demo after the build (issue 18): each command as an analyst runs
it, a fresh process, against the target of ≤ 3 s.

    .venv/bin/python benchmarks/bench_show.py [--processed DIR] [--data data/demo]
        [--work DIR] [--repeat 3]

Setup (not timed): every year of the demo data built into a work folder (default: a temporary
one; --processed reuses a folder already built). Per command: the median over --repeat runs of
the wall time and of the CPU seconds of the process (steadier on a busy machine).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LPA = Path(sys.executable).parent / "lpa"
TARGET_S = 3.0
COMMANDS = [
    ["lao", "6540803"],
    ["province", "54"],
    ["province", "54", "--districts"],
    ["movers", "--province", "54", "--by", "dimension"],
    ["trend", "--province", "54"],
    ["peers", "6540803"],
    ["indicator", "D1.01"],
]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], processed: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `lpa show` process."""
    cpu, started = children_cpu(), time.perf_counter()
    subprocess.run([str(LPA), "show", *args, "--processed", str(processed)], check=True,
                   stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    return time.perf_counter() - started, children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", type=Path, help="an already built processed folder")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--work", type=Path, help="keep the build here (default: temporary)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-show-"))
    processed = args.processed
    if processed is None:
        from lpa_analysis import demo
        from lpa_analysis.build import build_all

        data = args.data if args.data.is_dir() else demo.generate(work / "data")
        processed = work / "processed"
        started = time.perf_counter()
        years = build_all(data, processed)
        print(f"setup: built {', '.join(map(str, years))} in "
              f"{time.perf_counter() - started:.0f} s")
    print(f"{'command':<48} {'wall s':>7} {'CPU s':>7}  target ≤ {TARGET_S:.0f} s")
    slow = 0
    for command in COMMANDS:
        runs = [timed(command, processed) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        met = "met" if wall <= TARGET_S else "NOT MET"
        slow += wall > TARGET_S
        print(f"{'lpa show ' + ' '.join(command):<48} {wall:7.2f} {cpu:7.2f}  {met}")
    print(f"{len(COMMANDS) - slow} of {len(COMMANDS)} commands within {TARGET_S:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
