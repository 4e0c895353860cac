"""Batch runs: a broken province fails alone and is reported; unchanged work is skipped;
a Dask cluster produces the same tables as local workers."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from lpa_analysis import batch
from lpa_analysis.build import ensure_built
from lpa_analysis.runs import lang_dir, make_jobs, resolve_provinces

pytestmark = pytest.mark.slow


def _jobs(small_demo, small_processed, out: Path, provinces: str):
    years = ensure_built(2566, small_demo, small_processed)
    from lpa_analysis import reference

    reference.prepare(2566, small_processed)
    return make_jobs(2566, resolve_provinces(provinces), lang="th", formats={"html"},
                     processed_dir=small_processed, out_dir=out,
                     years=years, national=False)


def _tables_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((folder / "tables").glob("*.csv"))}


@pytest.fixture(scope="module")
def local_run(small_demo, small_processed, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    jobs = _jobs(small_demo, small_processed, out, "54,55")
    broken = dataclasses.replace(jobs[1], parameters={**jobs[1].parameters, "province": "99"})
    results = batch.run_jobs([jobs[0], broken], workers=2)
    return out, jobs, results


def test_broken_province_fails_alone(local_run):
    out, jobs, results = local_run
    by_key = {r.key: r for r in results}
    good, bad = by_key[jobs[0].key], by_key[jobs[1].key]
    assert good.status == "done", good.error
    assert Path(jobs[0].html_path).is_file()
    assert bad.status == "failed"
    assert "99" in bad.error and "InputError" in bad.error
    assert bad.cell is not None and bad.debug_notebook and Path(bad.debug_notebook).is_file()
    assert not Path(jobs[1].html_path).exists()  # nothing half-written in place
    summary = batch.summary(results)
    assert summary["counts"] == {"done": 1, "skipped": 0, "failed": 1}


def test_rerun_skips_unchanged_and_redoes_changed(local_run):
    out, jobs, _ = local_run
    again = batch.run_jobs([jobs[0]], workers=1)
    assert [r.status for r in again] == ["skipped"]
    changed = dataclasses.replace(jobs[0], fingerprint=jobs[0].fingerprint + "x")
    assert [r.status for r in batch.run_jobs([changed], workers=1)] == ["done"]
    assert [r.status for r in batch.run_jobs([jobs[0]], workers=1, force=True)] == ["done"]


def test_dask_cluster_gives_identical_tables(local_run, small_demo, small_processed,
                                             tmp_path_factory):
    from distributed import Client, LocalCluster

    out_local, jobs, _ = local_run
    out = tmp_path_factory.mktemp("dask")
    dask_jobs = _jobs(small_demo, small_processed, out, "54")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        results = batch.run_jobs(dask_jobs, cluster=client)
    assert [r.status for r in results] == ["done"], results
    assert _tables_digest(Path(dask_jobs[0].out_dir)) == _tables_digest(Path(jobs[0].out_dir))


def test_a_worker_that_dies_fails_only_its_own_job(small_demo, small_processed, tmp_path):
    """A process that dies outright (as on a segfault or the out-of-memory killer) takes down
    whatever its pool was running; only the job that dies again on its own is failed."""
    import nbformat

    jobs = _jobs(small_demo, small_processed, tmp_path, "54,55,56")
    notebook = tmp_path / "dies.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nos._exit(3)")]), notebook)
    folder = lang_dir(tmp_path, 2566, "th") / "dies"
    dies = dataclasses.replace(jobs[0], key="2566/dies", notebook=str(notebook),
                               out_dir=str(folder), html_path=str(folder / "report.html"))
    results = batch.run_jobs([jobs[0], dies, *jobs[1:]], workers=2)

    by_key = {r.key: r for r in results}
    assert by_key["2566/dies"].status == "failed"
    assert "died" in by_key["2566/dies"].error
    assert {key: r.status for key, r in by_key.items() if key != "2566/dies"} == {
        job.key: "done" for job in jobs}
    staging = [p for p in lang_dir(tmp_path, 2566, "th").glob(".*") if p.is_dir()]
    assert staging == []  # the dead workers' staging folders were removed


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has ended, only not yet been reaped


def _descendants(pid: int) -> dict[int, str]:
    """Every process below `pid` (pid → command line), read from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child in (c for c, p in parents.items() if p == parent):
            try:
                found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            todo.append(child)
    return {pid: cmd.decode(errors="replace")[:80] for pid, cmd in found.items()}


# A run whose two workers have processes of their own: a browser with its playwright driver,
# or a child that ignores its pipes closing with a grandchild in a session of its own.
KILLED_RUN = """\
import os, subprocess, sys, time
from lpa_analysis.batch import local_pool

def start_processes(browser):
    if browser:
        from lpa_analysis.render import start_renderer
        start_renderer()
    else:
        subprocess.Popen([sys.executable, "-c", "import subprocess, time; subprocess.Popen("
                          "['sleep', '120'], start_new_session=True); time.sleep(120)"])
    return os.getpid()

if __name__ == '__main__':
    pool = local_pool(2)
    futures = [pool.submit(start_processes, sys.argv[1] == "browser" and i == 0)
               for i in range(2)]
    print(*{f.result() for f in futures}, flush=True)
    time.sleep(120)
"""


@pytest.mark.parametrize("processes", ["sleepers", "browser"])
def test_workers_and_their_processes_end_when_their_run_is_killed(processes, tmp_path):
    """kill -9 (or the out-of-memory killer) on a run: nothing it started lives on."""
    import subprocess
    import sys
    import time

    from lpa_analysis import render

    if processes == "browser" and render.pdf_backend() != "chromium":
        pytest.skip("needs Chromium")
    script = tmp_path / "run.py"
    script.write_text(KILLED_RUN)
    run = subprocess.Popen([sys.executable, str(script), processes], stdout=subprocess.PIPE,
                           text=True)
    workers = [int(pid) for pid in run.stdout.readline().split()]
    assert workers and all(_running(pid) for pid in workers)
    deadline = time.monotonic() + 10
    while (sum(" sleep " in f" {c} " for c in _descendants(run.pid).values()) < 1
           and processes == "sleepers" and time.monotonic() < deadline):
        time.sleep(0.05)
    started = _descendants(run.pid)
    assert len(started) > len(workers) + 2, started  # each worker's own processes too

    run.kill()
    run.wait()
    # they end on their own (the workers would otherwise sleep 120 s); how fast depends on the
    # machine's load, so this waits for it rather than timing it (timings are benchmarks)
    deadline = time.monotonic() + 20
    while any(_running(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert {pid: cmd for pid, cmd in started.items() if _running(pid)} == {}
