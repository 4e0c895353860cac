"""Demo data generation: the national 4-year folder (7,849 LAOs × ~205 indicators × 4 years).

    .venv/bin/python benchmarks/bench_demo.py
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from lpa_analysis import demo


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        out = demo.generate(Path(tmp) / "demo")
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"demo national 2564–2567: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB, "
          f"{size / 1e6:.1f} MB on disk")


if __name__ == "__main__":
    main()
