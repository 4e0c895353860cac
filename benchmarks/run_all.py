"""Run every benchmarks/bench_*.py in turn (what `make bench` does), each in its own process.

    .venv/bin/python benchmarks/run_all.py [--only build,reports]

Each benchmark's output is printed as it comes. A benchmark that fails is reported and the
others still run; the exit code is 1 at the end if any failed. No targets are enforced here:
the benchmarks print their figures against the targets.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="",
                        help="comma list of names to run (bench_<name>.py), default all")
    args = parser.parse_args()
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    scripts = [p for p in sorted(HERE.glob("bench_*.py"))
               if not wanted or p.stem.removeprefix("bench_") in wanted]
    unknown = wanted - {p.stem.removeprefix("bench_") for p in scripts}
    if unknown:
        print(f"no benchmark named {', '.join(sorted(unknown))} in {HERE}", file=sys.stderr)
        return 2
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        seconds = time.perf_counter() - started
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"=== {script.name}: {status}, {seconds:.0f} s ===", flush=True)
        if code != 0:
            failed.append(script.name)
    print(f"\n{len(scripts) - len(failed)} of {len(scripts)} benchmarks ok"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
