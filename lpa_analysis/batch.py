"""Running many report notebooks: worker processes (or a Dask cluster), PDF renderer
processes with one browser each, failures collected rather than fatal, outputs fingerprinted
so unchanged work is skipped.

A job is data (`Job`); `run_job` turns one job into files and never raises for a notebook
error: it returns a `JobResult` that says what failed where (the cal-itp portfolio pattern:
collect every failure, then fail).
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal

import psutil

from lpa_analysis.errors import InputError
from lpa_analysis.files import staging_dir, sweep_staging
from lpa_analysis.log import log
from lpa_analysis.provenance import document_date, sha256_file

FINGERPRINT_FILE = ".fingerprint.json"
PARENT_CHECK_S = 0.2  # where the kernel cannot signal a worker when its run ends (not Linux)
CHILD_GRACE_S = 0.5  # for a dying worker's playwright driver to clean up after its browser
# Memory at the peak (README "How a run works"): a notebook worker, and a PDF process with its
# Chromium and playwright driver, which serves two notebook workers.
NOTEBOOK_WORKER_GB = 0.45
PDF_PROCESS_GB = 0.7
Status = Literal["done", "skipped", "failed", "html"]


@dataclass(frozen=True)
class Job:
    """One notebook run. All paths absolute: workers never depend on a working directory."""

    key: str  # e.g. "2566/54"
    notebook: str
    parameters: dict
    out_dir: str  # final folder for tables, fingerprint and debug files
    html_path: str
    pdf_path: str | None  # None: HTML only
    title: str
    lang: str
    fingerprint: str = ""

    def is_current(self, *, warn: bool = True) -> bool:
        """True when the outputs on disk were made from exactly these inputs and still are the
        bytes then published: each is hashed again, so an edited output is rendered again
        rather than vouched for (`warn`: say which)."""
        marker = self._marker()
        outputs = marker.get("outputs")
        if marker.get("fingerprint") != self.fingerprint or not isinstance(outputs, dict):
            return False
        expected = [self.html_path] + ([self.pdf_path] if self.pdf_path else [])
        if any(self.relative(path) not in outputs for path in expected):
            return False
        year_dir = Path(self.out_dir).parent
        changed = [rel for rel, digest in sorted(outputs.items())
                   if not (year_dir / rel).is_file() or sha256_file(year_dir / rel) != digest]
        if changed and warn:
            log.warning("%s: %s changed or went missing since it was published: rendering it "
                        "again", self.key, ", ".join(changed))
        return not changed

    def relative(self, path: str | Path) -> str:
        """A path of this job's as markers and manifests record it: from the year folder."""
        return Path(path).relative_to(Path(self.out_dir).parent).as_posix()

    def published_outputs(self) -> dict[str, str]:
        """{path from the year folder: sha256} of what this job's last publish wrote."""
        outputs = self._marker().get("outputs")
        return outputs if isinstance(outputs, dict) else {}

    def forget(self) -> None:
        """Drop the marker: the next run renders this job whatever its fingerprint."""
        (Path(self.out_dir) / FINGERPRINT_FILE).unlink(missing_ok=True)

    def _marker(self) -> dict:
        try:
            marker = json.loads((Path(self.out_dir) / FINGERPRINT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return marker if isinstance(marker, dict) else {}


@dataclass
class JobResult:
    key: str
    status: Status
    seconds: float = 0.0
    error: str | None = None  # "ExceptionName: message"
    cell: int | None = None  # index of the failing cell
    debug_notebook: str | None = None  # the partial executed notebook, kept for debugging
    pdf_backend: str | None = None
    outputs: list[str] = field(default_factory=list)
    staging: str | None = None  # status "html": the folder the PDF stage finishes from
    kept: list[str] = field(default_factory=list)  # files lpa did not write, left in out_dir


# --- inside a worker -------------------------------------------------------------------------

def _failed_cell(executed: Path) -> int | None:
    """Index of the first cell whose output is an error, read from the partial notebook."""
    import nbformat

    if not executed.is_file():
        return None
    nb = nbformat.read(executed, as_version=4)
    for index, cell in enumerate(nb.cells):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return index
    return None


def _publish(staging: Path, job: Job) -> tuple[list[str], list[str]]:
    """Move finished files into place, each by an atomic rename; tables as one folder swap,
    which keeps the files of the old tables folder that lpa did not write. Returns the paths
    published and those kept."""
    from lpa_analysis.files import replace_dir

    out_dir = Path(job.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    published, kept = [], []
    tables = staging / "tables"
    if tables.is_dir():
        written = sorted(str(out_dir / "tables" / p.relative_to(tables))
                         for p in tables.rglob("*") if p.is_file())
        before = job.published_outputs()
        kept = replace_dir(tables, out_dir / "tables",
                           lambda name: job.relative(out_dir / "tables" / name) in before)
        published += written
    for name, final in (("report.html", job.html_path), ("report.pdf", job.pdf_path)):
        if final and (staging / name).is_file():
            os.replace(staging / name, final)
            published.append(final)
    marker = staging / FINGERPRINT_FILE
    outputs = {job.relative(path): sha256_file(path) for path in published}
    marker.write_text(json.dumps({"fingerprint": job.fingerprint, "key": job.key,
                                  "outputs": outputs}, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(marker, out_dir / FINGERPRINT_FILE)
    return published, [f"tables/{name}" for name in kept]


def run_job(job: Job, *, pdf: bool = True) -> JobResult:
    """Execute, export HTML (and PDF unless `pdf` is False), publish. Notebook errors come
    back as a failed result.

    The notebook runs in this process (`engine`): a worker process is its own warm kernel.
    pdf=False: the PDF is left to another process (`finish_job`); the result then has status
    "html" and carries the staging folder, and nothing is published yet."""
    import papermill as pm

    from lpa_analysis import engine, render

    started = time.perf_counter()
    staging = staging_dir(Path(job.out_dir))
    executed = staging / "executed.ipynb"
    handed_over = False
    try:
        try:
            nb = pm.execute_notebook(job.notebook, str(executed),
                                     parameters={**job.parameters, "out_dir": str(staging)},
                                     engine_name=engine.NAME, kernel_name="python3",
                                     language="python", progress_bar=False, log_output=False,
                                     request_save_on_cell_execute=False)
        except Exception as exc:  # noqa: BLE001 — any notebook failure is this job's result
            return _failure(job, exc, executed, started)
        render.export_html(nb, staging / "report.html", title=job.title, lang=job.lang)
        seconds = time.perf_counter() - started
        if job.pdf_path and not pdf:
            handed_over = True
            return JobResult(job.key, "html", seconds, staging=str(staging))
        return finish_job(job, JobResult(job.key, "html", seconds, staging=str(staging)))
    except Exception as exc:  # noqa: BLE001 — rendering failures are reported the same way
        return _failure(job, exc, executed, started)
    finally:
        if not handed_over:
            shutil.rmtree(staging, ignore_errors=True)
        if _in_pool_worker and not gc.get_freeze_count():
            _freeze_heap()


def _freeze_heap() -> None:
    """Once a worker's first report is done, its imports and caches (~260 k objects) are
    moved out of the garbage collector's way: later full collections skip them, ~0.1 CPU-s
    a report. The heap is collected first, so nothing unreachable is kept."""
    gc.collect()
    gc.freeze()


def finish_job(job: Job, html: JobResult) -> JobResult:
    """The PDF stage: render the staged HTML to PDF (this process's one browser, reused for
    every PDF), publish everything, remove the staging folder."""
    from lpa_analysis import render

    started = time.perf_counter()
    staging = Path(html.staging)
    try:
        backend = render.pdf_backend() if job.pdf_path else None
        if backend:
            render.export_pdf(staging / "report.html", staging / "report.pdf",
                              date=document_date(job.parameters.get("year")))
        outputs, kept = _publish(staging, job)
        return JobResult(job.key, "done", html.seconds + time.perf_counter() - started,
                         pdf_backend=backend, outputs=outputs, kept=kept)
    except Exception as exc:  # noqa: BLE001 — a PDF failure is this job's result
        return _failure(job, exc, staging / "executed.ipynb", started)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _failure(job: Job, exc: BaseException, executed: Path, started: float) -> JobResult:
    debug_dir = Path(job.out_dir).parent / "_failed"
    debug_dir.mkdir(parents=True, exist_ok=True)
    debug = None
    if executed.is_file():
        debug = debug_dir / f"{Path(job.out_dir).name}.ipynb"
        shutil.copyfile(executed, debug)
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    log.debug("job %s failed:\n%s", job.key, "".join(traceback.format_exception(exc)))
    return JobResult(job.key, "failed", time.perf_counter() - started,
                     error=f"{ename}: {evalue}".strip(), cell=_failed_cell(executed),
                     debug_notebook=str(debug) if debug else None)


# --- the run ---------------------------------------------------------------------------------

_in_pool_worker = False  # True in the processes of `local_pool`


def _worker_init(parent: int) -> None:
    global _in_pool_worker
    _in_pool_worker = True
    # Before pyarrow is imported: the system allocator hands freed memory back, where Arrow's
    # default (mimalloc) keeps ~110 MB more per report worker, at no measurable cost in time.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    signal.signal(signal.SIGTERM, _end_with_descendants)
    if not _signal_when_parent_ends(signal.SIGTERM):
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True,
                         name="lpa-exit-with-parent").start()
    if os.getppid() != parent:  # the run ended before this worker was ready
        _end_with_descendants()


# A run killed outright (kill -9, the out-of-memory killer) cannot stop its workers, and a
# pool's idle workers never notice on their own; a worker's browser and playwright driver only
# wind down after their pipes close. So a worker ends at once with its run, its own processes
# with it.

def _signal_when_parent_ends(signum: int) -> bool:
    """Linux: the kernel sends `signum` when the thread that started this process ends (the
    pool's caller: use a pool from the thread that made it). False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    pr_set_pdeathsig = 1
    return ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signum, 0, 0, 0) == 0


def _exit_with_parent(parent: int) -> None:
    """Where the kernel cannot signal it: the worker goes once it has a new parent."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    _end_with_descendants()


def _end_with_descendants(*_signal) -> None:
    """End this worker at once, its processes with it. A browser is killed; its playwright
    driver (this worker's child), which ends when the worker's pipes close, is given a moment
    to remove the browser's temporary profile, then killed too."""
    me = psutil.Process()
    children = me.children()
    _kill([p for child in children for p in _descendants(child)])
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    psutil.wait_procs(children, timeout=CHILD_GRACE_S)
    _kill(_descendants(me))
    os._exit(1)


def _descendants(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:  # ended meanwhile
        return []


def _kill(processes) -> None:
    for process in processes:
        try:
            process.kill()
        except psutil.Error:  # already gone
            pass


def local_pool(workers: int) -> ProcessPoolExecutor:
    # spawn: clean interpreters (no forked threads or locks); atexit closes each browser.
    return ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                               initargs=(os.getpid(),),
                               mp_context=multiprocessing.get_context("spawn"))


def check_workers(workers: int | None) -> None:
    if workers is not None and workers < 1:
        raise InputError(f"-j/--jobs must be 1 or more, not {workers} (without it: one "
                         "worker per core, as the memory available allows)")


def worker_count(wanted: int | None, jobs: int, pdf: bool) -> int:
    """Workers for a local run: as many as asked (default one per core) and jobs need, but no
    more than the cores and the available memory hold; a warning says when that is fewer."""
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    per_worker = NOTEBOOK_WORKER_GB + (PDF_PROCESS_GB / 2 if pdf else 0)
    memory = available_memory_gb()
    limit = max(1, min(cores, int(memory / per_worker)))
    wanted = min(wanted or cores, jobs)
    if wanted > limit:
        log.warning("workers: %d, not %d (%d cores, %.1f GB of memory available, ≈%.2f GB "
                    "a worker: a notebook%s)", limit, wanted, cores, memory, per_worker,
                    " and half a browser for PDFs" if pdf else "")
    return min(wanted, limit)


def available_memory_gb() -> float:
    """Memory free for new processes: MemAvailable of /proc/meminfo (Linux), else the free
    pages; no more than a container's cgroup limit leaves."""
    found = float("inf")
    try:
        meminfo = Path("/proc/meminfo").read_text()
        found = int(meminfo.split("MemAvailable:")[1].split()[0]) * 1024
    except (OSError, IndexError, ValueError):
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            pass
    try:
        cgroup = Path("/sys/fs/cgroup")
        found = min(found, int((cgroup / "memory.max").read_text())
                    - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):  # no cgroup v2 limit ("max")
        pass
    return found / 2**30


def run_jobs(jobs: Iterable[Job], *, workers: int | None = None, cluster=None,
             force: bool = False,
             on_result: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    """Run every job; unchanged ones are skipped unless `force`. Never stops at a failure.

    cluster: a Dask scheduler address ('tcp://host:8786') or a `distributed.Client`; without
    it, `workers` local processes (default: one per core; fewer when the cores or the memory
    available would not hold them, see `worker_count`)."""
    check_workers(workers)
    jobs = list(jobs)
    results: list[JobResult] = []
    todo = []
    for job in jobs:
        if not force and job.is_current():
            results.append(JobResult(job.key, "skipped"))
        else:
            todo.append(job)
    for r in results:
        if on_result:
            on_result(r)
    if not todo:
        return results
    if cluster:
        results += _run_dask(todo, cluster, on_result)
    else:
        workers = worker_count(workers, len(todo), any(job.pdf_path for job in todo))
        results += _LocalRun(todo, workers, on_result).run()
    out_dirs = {job.key: job.out_dir for job in jobs}
    for r in results:
        if r.kept:
            log.warning("%s: kept files lpa did not write in %s: %s", r.key, out_dirs[r.key],
                        ", ".join(r.kept))
    order = {job.key: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order[r.key])


class _LocalRun:
    """Notebook workers (HTML) feeding PDF renderers, all separate processes: kernels and
    browsers end with the run, never lingering in the caller (a test session, a notebook).

    One browser serves two notebook workers: a Chromium with its playwright driver holds
    ~0.7 GB, a notebook takes ~2.5× the CPU of its PDF, and a PDF process keeps the browser
    busy while the workers run the next notebooks.

    A worker process that dies outright (a crash or the out-of-memory killer, not a notebook
    error) breaks its pool, and every job in that pool with it. Each pool is therefore given
    only as many jobs as it has workers: the jobs a death takes down are the ones that were
    running. The pool is restarted and those jobs are rerun one at a time in a process of
    their own, so that a second death is the fault of the job running alone, which fails; the
    others go on."""

    def __init__(self, todo: list[Job], workers: int, on_result) -> None:
        self.todo, self.on_result = todo, on_result
        self.sizes = {"notebook": workers, "pdf": max(1, workers // 2), "alone": 1}
        self.queues: dict[str, deque] = {stage: deque() for stage in self.sizes}
        self.queues["notebook"].extend((job, "notebook", None) for job in todo)
        self.pools: dict[str, ProcessPoolExecutor] = {}
        self.results: list[JobResult] = []
        self.pending: dict = {}  # future → (job, stage, html result, pool kind, pool)

    def run(self) -> list[JobResult]:
        self.pools["notebook"] = local_pool(self.sizes["notebook"])
        if any(job.pdf_path for job in self.todo):
            from lpa_analysis.render import start_renderer

            self.pools["pdf"] = local_pool(self.sizes["pdf"])
            for _ in range(self.sizes["pdf"]):  # browsers start while the first notebooks run
                self.pools["pdf"].submit(start_renderer)
        try:
            self._fill()
            while self.pending:
                done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
                for future in done:
                    self._collect(future)
                self._fill()
        finally:
            for pool in self.pools.values():
                pool.shutdown(cancel_futures=True)
            for job in self.todo:  # what workers that died (or were stopped) left behind
                sweep_staging(Path(job.out_dir))
        return self.results

    def _fill(self) -> None:
        """Give each pool work up to its number of workers."""
        busy = Counter(kind for *_, kind, _ in self.pending.values())
        for kind, queue in self.queues.items():
            while queue and busy[kind] < self.sizes[kind]:
                job, stage, html = queue.popleft()
                if kind not in self.pools:
                    self.pools[kind] = local_pool(self.sizes[kind])
                pool = self.pools[kind]
                future = (pool.submit(run_job, job, pdf=False) if stage == "notebook"
                          else pool.submit(finish_job, job, html))
                self.pending[future] = (job, stage, html, kind, pool)
                busy[kind] += 1

    def _collect(self, future) -> None:
        job, stage, html, kind, pool = self.pending.pop(future)
        try:
            result = future.result()
        except BrokenProcessPool:
            if self.pools[kind] is pool:  # the first of its futures to report it
                pool.shutdown(wait=False, cancel_futures=True)
                self.pools[kind] = local_pool(self.sizes[kind])
            if kind != "alone":
                log.warning("%s: a %s worker process died while running it; it is rerun on "
                            "its own", job.key, stage)
                self.queues["alone"].append((job, stage, html))
                return
            result = JobResult(job.key, "failed", error=f"the {stage} worker process died "
                               "running this job on its own (a crash or out of memory)")
        except Exception as exc:  # noqa: BLE001 — still this job's result
            result = JobResult(job.key, "failed", error=f"{type(exc).__name__}: {exc}")
        if result.status == "html":
            self.queues["pdf"].append((job, "pdf", result))
            return
        if html is not None and result.status == "failed":
            shutil.rmtree(html.staging, ignore_errors=True)
        self.results.append(result)
        if self.on_result:
            self.on_result(result)


def _run_dask(todo: list[Job], address, on_result) -> list[JobResult]:
    """The same jobs on an existing Dask cluster (`tcp://host:8786` or a LocalCluster)."""
    from distributed import Client, as_completed

    client = address if isinstance(address, Client) else Client(address)
    try:
        futures = {client.submit(run_job, job, pure=False, key=f"lpa-{job.key}"): job
                   for job in todo}
        results = []
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 — a lost worker is a failed job
                result = JobResult(job.key, "failed", error=f"{type(exc).__name__}: {exc}")
            results.append(result)
            if on_result:
                on_result(result)
        return results
    finally:
        if not isinstance(address, Client):
            client.close()


def summary(results: list[JobResult]) -> dict:
    counts = {s: sum(r.status == s for r in results) for s in ("done", "skipped", "failed")}
    return {"counts": counts, "failed": [asdict(r) for r in results if r.status == "failed"]}
