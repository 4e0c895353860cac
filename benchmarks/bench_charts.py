"""Chart rendering cost in a report: every chart of a real-shaped province report (and the
national report's heaviest ones) built and encoded as the notebook shows it
(`rep.chart(name)._repr_png_()`), the largest cost of the yearly report run (issue 6).

    .venv/bin/python benchmarks/bench_charts.py [--lang th] [--repeat 3] [--work DIR]
        [--save-png DIR] [--json OUT] [--baseline OLD.json]

Setup (not timed): demo data for three northern provinces and two years, both years built, in
a work folder (default: a temporary one; --work keeps and reuses it). Per chart, in one
process: the first build + render (cold: fonts, code paths and the report's lazily computed
frames loaded on the way), then the median of --repeat builds + renders, split into building
the figure and rendering it (drawing + PNG encoding); all in CPU seconds of the process (steadier than wall time on a busy machine).
--save-png writes each chart's PNG for looking at; --json writes the medians, and
--baseline prints them beside an earlier run's (e.g. before a change).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROVINCE = "54"
PROVINCE_CHARTS = ["pass_rate", "dimensions", "types", "trend", "indicators", "heatmap",
                   "funnel", "ranks", "integrity"]
NATIONAL_CHARTS = ["map", "league", "funnel", "correlations"]
# CPU seconds of this process: the figure that matters on a shared 2-core machine, and steadier
# than wall time when other work runs beside the benchmark.
CLOCK = time.process_time


def prepare(work: Path) -> tuple[Path, Path]:
    """Demo data and both processed years in `work` (reused when already there)."""
    from lpa_analysis import build, demo

    data, processed = work / "data", work / "processed"
    if not (processed / "2566" / "build.json").is_file():
        demo.generate(data, years=[2565, 2566], provinces=["54", "55", "56"])
        for year in (2565, 2566):
            build.build_year(year, data, processed)
    return data, processed


def time_chart(report, name: str, repeat: int, save: Path | None, prefix: str) -> dict:
    def once() -> tuple[float, float, bytes]:  # build, render, PNG
        started = CLOCK()
        chart = report.chart(name)
        built = CLOCK()
        png = chart._repr_png_()
        return built - started, CLOCK() - built, png

    build_s, render_s, png = once()
    cold = build_s + render_s
    runs = [once()[:2] for _ in range(repeat)]
    if save is not None:
        (save / f"{prefix}-{name}.png").write_bytes(png)
    return {"cold": cold, "build": statistics.median(r[0] for r in runs),
            "render": statistics.median(r[1] for r in runs),
            "total": statistics.median(sum(r) for r in runs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="th", choices=["th", "en"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, help="keep the demo data and builds here")
    parser.add_argument("--save-png", type=Path, help="write each chart's PNG here")
    parser.add_argument("--json", type=Path, help="write the timings here")
    parser.add_argument("--baseline", type=Path, help="an earlier --json to compare with")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lpa-bench-charts.") as tmp:
        work = args.work or Path(tmp)
        started = time.perf_counter()
        data, processed = prepare(work)
        print(f"setup: demo data + builds in {work} ({time.perf_counter() - started:.1f} s)")
        if args.save_png:
            args.save_png.mkdir(parents=True, exist_ok=True)

        from lpa_analysis import report

        province = report.province_report(2566, PROVINCE, lang=args.lang,
                                          processed_dir=processed)
        national = report.national_report(2566, lang=args.lang, processed_dir=processed)
        province.tables, national.tables  # noqa: B018 (computed here, not in a chart's time)
        results = {}
        for prefix, rep, names in (("province", province, PROVINCE_CHARTS),
                                   ("national", national, NATIONAL_CHARTS)):
            for name in names:
                results[f"{prefix}.{name}"] = time_chart(rep, name, args.repeat, args.save_png,
                                                         f"{args.lang}-{prefix}")

    baseline = json.loads(args.baseline.read_text()) if args.baseline else {}
    header = f"{'chart':<22} {'cold':>6} {'build':>6} {'render':>6} {'total':>6}"
    print(header + (f" {'before':>7} {'ratio':>6}" if baseline else "") + "   (CPU seconds)")
    for key, r in results.items():
        line = f"{key:<22} {r['cold']:6.2f} {r['build']:6.2f} {r['render']:6.2f} {r['total']:6.2f}"
        if key in baseline:
            before = baseline[key]["total"]
            line += f" {before:7.2f} {before / r['total']:5.1f}×"
        print(line)
    per_province = sum(results[f"province.{n}"]["total"] for n in PROVINCE_CHARTS)
    print(f"{'province report':<22} {'':>6} {'':>6} {'':>6} {per_province:6.2f}", end="")
    if baseline:
        before = sum(baseline[f"province.{n}"]["total"] for n in PROVINCE_CHARTS)
        print(f" {before:7.2f} {before / per_province:5.1f}×", end="")
    print(f"\n76 provinces ≈ {76 * per_province:.0f} s of chart rendering on one core")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
