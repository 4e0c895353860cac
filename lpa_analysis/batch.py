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
import threading
import time
import traceback
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal

from lpa_analysis.files import staging_dir, sweep_staging
from lpa_analysis.log import log
from lpa_analysis.provenance import document_date

FINGERPRINT_FILE = ".fingerprint.json"
PARENT_CHECK_S = 1.0
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

    def is_current(self) -> bool:
        """True when the outputs on disk were made from exactly these inputs."""
        marker = Path(self.out_dir) / FINGERPRINT_FILE
        if not marker.is_file() or not Path(self.html_path).is_file():
            return False
        if self.pdf_path and not Path(self.pdf_path).is_file():
            return False
        return json.loads(marker.read_text(encoding="utf-8")).get("fingerprint") == self.fingerprint


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


def _publish(staging: Path, job: Job) -> list[str]:
    """Move finished files into place, each by an atomic rename; tables as one folder swap."""
    from lpa_analysis.files import replace_dir

    out_dir = Path(job.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    published = []
    tables = staging / "tables"
    if tables.is_dir():
        replace_dir(tables, out_dir / "tables")
        published += sorted(str(p) for p in (out_dir / "tables").rglob("*") if p.is_file())
    for name, final in (("report.html", job.html_path), ("report.pdf", job.pdf_path)):
        if final and (staging / name).is_file():
            os.replace(staging / name, final)
            published.append(final)
    marker = staging / FINGERPRINT_FILE
    marker.write_text(json.dumps({"fingerprint": job.fingerprint, "key": job.key},
                                 sort_keys=True) + "\n", encoding="utf-8")
    os.replace(marker, out_dir / FINGERPRINT_FILE)
    return published


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
        outputs = _publish(staging, job)
        return JobResult(job.key, "done", html.seconds + time.perf_counter() - started,
                         pdf_backend=backend, outputs=outputs)
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


def _worker_init() -> None:
    global _in_pool_worker
    _in_pool_worker = True
    # Before pyarrow is imported: the system allocator hands freed memory back, where Arrow's
    # default (mimalloc) keeps ~110 MB more per report worker, at no measurable cost in time.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True,
                     name="lpa-exit-with-parent").start()


def _exit_with_parent(parent: int) -> None:
    """A run killed outright (kill -9, the out-of-memory killer) cannot stop its workers, and a
    pool's idle workers never notice on their own: each goes once it has a new parent. Its
    browser follows (playwright's driver ends when the worker's pipe closes)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def local_pool(workers: int) -> ProcessPoolExecutor:
    # spawn: clean interpreters (no forked threads or locks); atexit closes each browser.
    return ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                               mp_context=multiprocessing.get_context("spawn"))


def run_jobs(jobs: Iterable[Job], *, workers: int | None = None, cluster=None,
             force: bool = False,
             on_result: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    """Run every job; unchanged ones are skipped unless `force`. Never stops at a failure.

    cluster: a Dask scheduler address ('tcp://host:8786') or a `distributed.Client`; without
    it, `workers` local processes (default: one per core)."""
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
        workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        results += _LocalRun(todo, workers, on_result).run()
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
