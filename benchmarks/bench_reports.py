"""Report runs on the national demo year against issue 6's targets: the same K provinces and
the same notebook through (a) the naive loop — per province the `papermill` CLI, then
`jupyter nbconvert --to html`, then `jupyter nbconvert --to webpdf` — and (b) `lpa reports`;
then (c) the full year (76 provinces + national + index, HTML + PDF) and (d) an unchanged
re-run. Targets: (b) ≥ 15× faster than (a); (c) ≤ 45 s and ≤ 2 GB; (d) ≤ 3 s.

    .venv/bin/python benchmarks/bench_reports.py [--provinces 8] [-j 2] [--data data/demo]
        [--work DIR] [--skip-naive] [--skip-full]

Setup (not timed in the comparison, printed): the demo data (generated when missing), the
year builds and the national reference tables, all in a work folder (default: a temporary
one, so the project's data/processed and reports/ are left alone). Each run is a fresh
process, as a user would start it. Memory: the peak of the summed resident memory of the
run's whole process tree (workers, kernels, Chromium; PSS), sampled every 0.5 s.

nbconvert's webpdf launches playwright's own Chromium build, which cannot be downloaded
here: the Debian binary is linked where playwright looks for it (a folder given by
PLAYWRIGHT_BROWSERS_PATH). If webpdf still cannot run, the naive loop is timed without PDF
and the output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "province_report.ipynb"
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/lib/chromium/chromium")
TARGETS = {"speedup": 15, "full_s": 45, "full_mb": 2048, "rerun_s": 3}


class PeakMemory:
    """Peak of the summed memory of a process and all its descendants, sampled in a thread:
    PSS (shared pages split between the processes that share them; summed RSS would count
    the libraries of every worker, kernel and Chromium process again), RSS if PSS is not
    readable."""

    def __init__(self, pid: int, every: float = 0.5):
        self.root, self.every, self.peak = psutil.Process(pid), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for proc in tree:
                try:
                    info = proc.memory_full_info()
                    total += getattr(info, "pss", info.rss)
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run a command; (wall seconds, peak tree RSS in MB, stdout). Raises when it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    memory = PeakMemory(proc.pid)
    out, err = proc.communicate()
    seconds, peak = time.perf_counter() - started, memory.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} … exit {proc.returncode}:\n{err[-3000:]}")
    return seconds, peak, out


def webpdf_env(work: Path) -> dict | None:
    """An environment in which nbconvert's webpdf finds Debian's Chromium, or None."""
    if not CHROMIUM.is_file():
        return None
    browsers = work / "playwright-browsers"
    env = {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(browsers)}
    probe = ("from playwright.sync_api import sync_playwright\n"
             "with sync_playwright() as p: p.chromium.launch(args=['--no-sandbox']).close()")
    for _ in range(2):  # the first attempt names the executable playwright wants
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                              text=True)
        if done.returncode == 0:
            return env
        wanted = re.search(r"Executable doesn't exist at (\S+)", done.stderr)
        if not wanted:
            return None
        Path(wanted.group(1)).parent.mkdir(parents=True, exist_ok=True)
        Path(wanted.group(1)).symlink_to(CHROMIUM)
    return None


def naive_loop(codes: list[str], work: Path, data: Path, processed: Path,
               year: int) -> tuple[dict, bool]:
    """Per province: papermill CLI, nbconvert html CLI, nbconvert webpdf CLI. Seconds per step."""
    env = webpdf_env(work)
    if env is None:
        print("  NOTE: nbconvert webpdf cannot run here: the naive loop is timed WITHOUT PDF")
    steps = {"papermill": 0.0, "html": 0.0, "webpdf": 0.0}
    for code in codes:
        folder = work / "naive" / code
        folder.mkdir(parents=True, exist_ok=True)
        executed = folder / "report.ipynb"
        started = time.perf_counter()
        try:
            timed([str(BIN / "papermill"), str(NOTEBOOK), str(executed),
                   "--cwd", str(NOTEBOOK.parent), "-p", "year", str(year), "-p", "province", code,
                   "-p", "lang", "th", "-p", "data_dir", str(data),
                   "-p", "processed_dir", str(processed), "-p", "out_dir", str(folder)])
        except RuntimeError as error:  # the partial notebook is still converted, as a loop would
            print(f"  {code}: papermill FAILED: {str(error).splitlines()[0]}")
        seconds = {"papermill": time.perf_counter() - started}
        seconds["html"] = timed([str(BIN / "jupyter"), "nbconvert", "--to", "html",
                                 "--no-input", str(executed)])[0]
        if env is not None:
            seconds["webpdf"] = timed([str(BIN / "jupyter"), "nbconvert", "--to", "webpdf",
                                       "--no-input", "--WebPDFExporter.disable_sandbox=True",
                                       str(executed)], env=env)[0]
        print(f"  {code}: " + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()),
              flush=True)
        for key, value in seconds.items():
            steps[key] += value
    return steps, env is not None


RUN_REPORTS = """
import json, sys
from pathlib import Path
from lpa_analysis.runs import run_reports
a = json.loads(sys.argv[1])
outcome = run_reports(a["year"], a["provinces"], data_dir=Path(a["data"]),
                      processed_dir=Path(a["processed"]), out_dir=Path(a["out"]),
                      workers=a["jobs"], force=a["force"], national=a["national"])
print(json.dumps({"statuses": [r.status for r in outcome.results],
                  "failed": [r.key for r in outcome.failed], "pdf": outcome.pdf_backend}))
"""


def lpa_reports(provinces: str, *, force: bool, national: bool, args, work: Path,
                processed: Path) -> tuple[float, float, dict]:
    """One `lpa reports` run (run_reports in a fresh process): seconds, peak MB, outcome."""
    spec = {"year": args.year, "provinces": provinces, "data": str(args.data),
            "processed": str(processed), "out": str(work / "reports"), "jobs": args.jobs,
            "force": force, "national": national}
    seconds, peak, out = timed([sys.executable, "-c", RUN_REPORTS, json.dumps(spec)])
    outcome = json.loads(out.strip().splitlines()[-1])
    counts = {s: outcome["statuses"].count(s) for s in ("done", "skipped", "failed")}
    print(f"  {seconds:.1f} s, peak {peak:.0f} MB; {counts['done']} rendered, "
          f"{counts['skipped']} unchanged, {counts['failed']} failed {outcome['failed'] or ''}; "
          f"PDF: {outcome['pdf']}", flush=True)
    return seconds, peak, outcome


def setup(args, work: Path) -> tuple[Path, list[str]]:
    from lpa_analysis import reference
    from lpa_analysis.build import ensure_built
    from lpa_analysis.demo import ensure_demo
    from lpa_analysis.processed import load_processed

    processed = work / "processed"
    started = time.perf_counter()
    ensure_demo(args.data)
    print(f"setup: demo data {args.data} ready ({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    years = ensure_built(args.year, args.data, processed)
    print(f"setup: built {years} ({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    reference.prepare(args.year, processed)
    print(f"setup: national reference tables, once per build "
          f"({time.perf_counter() - started:.1f} s)", flush=True)
    codes = sorted(load_processed(args.year, processed).scored_laos["province_code"].unique())
    step = len(codes) / args.provinces
    return processed, [codes[int(i * step)] for i in range(args.provinces)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--provinces", type=int, default=8, help="K provinces compared")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--year", type=int, default=2566)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-full", action="store_true")
    args = parser.parse_args()
    args.data = args.data.resolve()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with tempfile.TemporaryDirectory(prefix="lpa-bench-reports.") as tmp:
        work = (args.work or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        processed, codes = setup(args, work)
        return measure(args, work, processed, codes)


def measure(args, work: Path, processed: Path, codes: list[str]) -> int:
    k, rows = len(codes), []
    naive = None
    if not args.skip_naive:
        print(f"(a) naive loop, {k} provinces {','.join(codes)}:", flush=True)
        steps, with_pdf = naive_loop(codes, work, args.data, processed, args.year)
        naive = sum(steps.values())
        rows.append((f"(a) naive loop, {k} provinces" + ("" if with_pdf else " (no PDF)"),
                     naive, None, f"{naive / k:.1f} s/province: " + ", ".join(
                         f"{s} {v / k:.1f}" for s, v in steps.items() if v)))
    print(f"(b) lpa reports, the same {k} provinces, -j {args.jobs} --force:", flush=True)
    ours, peak, _ = lpa_reports(",".join(codes), force=True, national=False, args=args,
                                work=work, processed=processed)
    note = f"{ours / k:.2f} s/province"
    if naive is not None:
        note += f"; {naive / ours:.1f}× faster than (a) (target ≥ {TARGETS['speedup']}×)"
    rows.append((f"(b) lpa reports, {k} provinces", ours, peak, note))
    if not args.skip_full:
        print(f"(c) lpa reports --province all (+ national + index), -j {args.jobs} --force:",
              flush=True)
        full, peak, outcome = lpa_reports("all", force=True, national=True, args=args,
                                          work=work, processed=processed)
        rows.append(("(c) full year, HTML + PDF", full, peak,
                     f"{len(outcome['statuses'])} reports; target ≤ {TARGETS['full_s']} s, "
                     f"≤ {TARGETS['full_mb']} MB"))
        print("(d) unchanged re-run (no --force):", flush=True)
        rerun, peak, _ = lpa_reports("all", force=False, national=True, args=args, work=work,
                                     processed=processed)
        rows.append(("(d) unchanged re-run", rerun, peak, f"target ≤ {TARGETS['rerun_s']} s"))
    print(f"\n{'run':<36} {'wall s':>8} {'peak MB':>8}  notes")
    for name, seconds, peak, note in rows:
        print(f"{name:<36} {seconds:8.1f} {peak if peak is not None else float('nan'):8.0f}  "
              f"{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
