"""Stage 4: report runs. Turns (year, provinces, languages, formats) into notebook jobs, runs them
through `batch`, and writes the year's index page and manifest. Missing or stale years are
built first, here in the calling process (`build.ensure_built`); workers only render.

    reports/<year>/<province_code>/report.{html,pdf} + tables/
    reports/<year>/national.{html,pdf} + national/tables/
    reports/<year>/index.html
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from lpa_analysis import __version__
from lpa_analysis.batch import Job, JobResult, run_jobs
from lpa_analysis.build import DEFAULT_DATA, ensure_built
from lpa_analysis.errors import InputError
from lpa_analysis.files import write_atomic
from lpa_analysis.geo import ProvinceInfo, all_provinces, resolve_province
from lpa_analysis.log import log
from lpa_analysis.package_data import NOTEBOOKS, TEMPLATES
from lpa_analysis.processed import DEFAULT_PROCESSED, build_fingerprint, read_build_info, year_folder
from lpa_analysis.provenance import code_fingerprint, fingerprint, sha256_file, without_paths

PROVINCE_NOTEBOOK = "province_report.ipynb"
NATIONAL_NOTEBOOK = "national_overview.ipynb"
DEFAULT_OUT = Path("reports")


@dataclass
class RunOutcome:
    year: int
    results: list[JobResult]
    index: Path
    pdf_backend: str | None

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "failed"]


def notebook(name: str) -> Path:
    path = NOTEBOOKS / name
    if not path.is_file():
        raise InputError("report notebook not found in the installed package", file=path)
    return path


def resolve_provinces(spec: str) -> list[ProvinceInfo]:
    """'all', or a comma list of codes / Thai / English names."""
    if spec.strip().lower() == "all":
        return list(all_provinces())
    return [resolve_province(part.strip()) for part in spec.split(",") if part.strip()]


def _years_fingerprint(years: list[int], processed_dir: Path) -> dict[int, str]:
    return {y: build_fingerprint(year_folder(y, processed_dir)) for y in years}


def _job(key: str, nb_name: str, params: dict, folder: Path, html_path: Path, title: str, *,
         lang: str, formats: set[str], backend: str | None, shared: dict) -> Job:
    """One notebook job; its fingerprint covers code, builds, notebook and parameters."""
    nb = notebook(nb_name)
    pdf_path = html_path.with_suffix(".pdf") if backend else None
    fp = fingerprint(shared, sha256_file(nb), without_paths(params), sorted(formats))
    return Job(key=key, notebook=str(nb), parameters=params, out_dir=str(folder),
               html_path=str(html_path), pdf_path=str(pdf_path) if pdf_path else None,
               title=title, lang=lang, fingerprint=fp)


def _shared_inputs(years: list[int], processed_dir: Path, backend: str | None) -> dict:
    return {"code": code_fingerprint(), "version": __version__, "pdf": backend,
            "builds": _years_fingerprint(years, processed_dir)}


def make_jobs(year: int, provinces: list[ProvinceInfo], *, lang: str, formats: set[str],
              processed_dir: Path, out_dir: Path, years: list[int],
              national: bool = True, extra_parameters: dict | None = None) -> list[Job]:
    """One job per province (+ national). Paths absolute; fingerprint covers every input.
    Jobs get the processed folder, never the raw data folder: workers only render."""
    from lpa_analysis.render import pdf_backend

    year_dir = (out_dir / str(year)).resolve()
    backend = pdf_backend() if "pdf" in formats else None
    common = {"year": year, "lang": lang, "processed_dir": str(processed_dir.resolve()),
              **(extra_parameters or {})}
    options = {"lang": lang, "formats": formats, "backend": backend,
               "shared": _shared_inputs(years, processed_dir, backend)}
    jobs = []
    if national:
        jobs.append(_job(f"{year}/national", NATIONAL_NOTEBOOK, dict(common),
                         year_dir / "national", year_dir / "national.html",
                         f"LPA {year} national", **options))
    for p in provinces:
        jobs.append(_job(f"{year}/{p.code}", PROVINCE_NOTEBOOK, {**common, "province": p.code},
                         year_dir / p.code, year_dir / p.code / "report.html",
                         f"LPA {year} {p.name_th if lang == 'th' else p.name_en}", **options))
    return jobs


def prepare_reference(year: int, processed_dir: Path) -> None:
    """The national reference tables, once per build, computed in a child process when they
    must be: they read the year's 1.6 M indicator scores (~1.3 GB at the peak), and this
    process then stays small beside the report workers for the whole run."""
    from lpa_analysis import reference
    from lpa_analysis.batch import local_pool

    if not reference.is_current(year, processed_dir):
        with local_pool(1) as pool:
            pool.submit(reference.prepare, year, processed_dir).result()


def _headline(folder: Path) -> dict | None:
    """A province's headline numbers, from the summary table its report wrote."""
    import pandas as pd

    summary = folder / "tables" / "summary.csv"
    if not summary.is_file():
        return None
    return pd.read_csv(summary, encoding="utf-8-sig").iloc[0].to_dict()


def write_index(year: int, out_dir: Path, lang: str, results: list[JobResult]) -> Path:
    """reports/<year>/index.html: every province report with its headline numbers, linked.
    The numbers come from each report's own summary table, so the index never disagrees
    with the reports it links to."""
    import jinja2
    from markupsafe import Markup

    from lpa_analysis import i18n, render

    year_dir = out_dir / str(year)
    failed = {r.key.split("/")[1] for r in results if r.status == "failed"}

    def links(folder: Path, stem: str, prefix: str) -> list[dict]:
        return [{"href": f"{prefix}{stem}.{ext}", "text": ext.upper()} for ext in ("html", "pdf")
                if (folder / f"{stem}.{ext}").is_file()]

    rows = []
    for p in all_provinces():
        head = _headline(year_dir / p.code)
        if head is None and p.code not in failed:
            continue
        head = head or {}
        rows.append({
            "code": p.code, "name": i18n.province_label(p, lang),
            "n": i18n.fmt_num(head.get("n_assessed")),
            "rate": i18n.fmt_pct(100 * head["pass_rate"]) if head else i18n.MISSING,
            "ci": (f"{i18n.fmt_pct(100 * head['ci_low'])}–{i18n.fmt_pct(100 * head['ci_high'])}"
                   if head else i18n.MISSING),
            "mean": i18n.fmt_pct(head.get("mean_overall")), "failed": p.code in failed,
            "status": i18n.t("index.failed", lang),
            "links": links(year_dir / p.code, "report", f"{p.code}/")})
    headers = [i18n.t(f"index.col.{c}", lang) for c in
               ("code", "province", "n", "pass_rate", "ci", "mean", "files")]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / "index"),
                             autoescape=True)
    body = env.get_template("index.html.j2").render(
        lang=lang, title=i18n.t("report.index.title", lang, year=i18n.year_label(year, lang)),
        font_css=Markup(render.font_face_css()), headers=headers, rows=rows,
        national_label=i18n.t("index.national", lang),
        national_links=links(year_dir, "national", ""))
    return write_atomic(year_dir / "index.html", body.encode("utf-8"))


def run_reports(year: int, provinces: str = "all", *, lang: str = "th",
                formats: set[str] = frozenset({"html", "pdf"}),
                data_dir: Path = DEFAULT_DATA, processed_dir: Path = DEFAULT_PROCESSED,
                out_dir: Path = DEFAULT_OUT, workers: int | None = None,
                cluster: str | None = None, force: bool = False, national: bool = True,
                on_result=None, extra_parameters: dict | None = None) -> RunOutcome:
    from lpa_analysis.render import pdf_backend
    from lpa_analysis.schema import to_be_year

    year = to_be_year(year)
    chosen = resolve_provinces(provinces)
    years = ensure_built(year, data_dir, processed_dir)
    backend = pdf_backend() if "pdf" in formats else None
    if "pdf" in formats and backend is None:
        log.warning("no PDF renderer (install Debian chromium, or weasyprint): HTML only")
    elif backend == "weasyprint":
        log.warning("Chromium not found: PDFs via WeasyPrint (Thai text extraction is lossy)")
    jobs = make_jobs(year, chosen, lang=lang, formats=set(formats),
                     processed_dir=processed_dir, out_dir=out_dir, years=years,
                     national=national, extra_parameters=extra_parameters)
    started = time.perf_counter()
    if force or not all(job.is_current() for job in jobs):
        prepare_reference(year, processed_dir)
    results = run_jobs(jobs, workers=workers, cluster=cluster, force=force, on_result=on_result)
    index = write_index(year, out_dir, lang, results)
    write_run_manifest(year, jobs, results, index, years=years, processed_dir=processed_dir,
                       parameters={"year": year, "provinces": provinces, "lang": lang,
                                   "formats": sorted(formats), "national": national,
                                   "data_dir": str(data_dir.resolve()),
                                   "extra_parameters": extra_parameters or {}},
                       seconds=time.perf_counter() - started)
    return RunOutcome(year, results, index, backend)


def _job_outputs(job: Job) -> list[Path]:
    files = [Path(job.html_path)] + ([Path(job.pdf_path)] if job.pdf_path else [])
    tables = Path(job.out_dir) / "tables"
    if tables.is_dir():
        files += [p for p in tables.rglob("*") if p.is_file()]
    return [p for p in files if p.is_file()]


def write_run_manifest(year: int, jobs: list[Job], results: list[JobResult], index: Path, *,
                       years: list[int], processed_dir: Path, parameters: dict,
                       seconds: float) -> Path:
    """reports/<year>/manifest.json: inputs of every year the reports read, the notebooks,
    the environment and every output file of the run with its sha256."""
    from lpa_analysis.manifest import file_records, write_manifest

    year_dir = index.parent
    ok = {r.key for r in results if r.status != "failed"}
    outputs = [index] + [p for job in jobs if job.key in ok for p in _job_outputs(job)]
    infos = {y: read_build_info(year_folder(y, processed_dir)) for y in years}
    inputs = sorted({(i["path"], i["size"], i["sha256"]) for info in infos.values()
                     for i in info["inputs"]})
    notebooks = sorted({Path(job.notebook) for job in jobs})
    return write_manifest(
        year_dir, kind="reports", parameters=parameters,
        inputs=[{"path": p, "size": s, "sha256": h} for p, s, h in inputs],
        outputs=file_records(year_dir, outputs),
        extra={"notebooks": {p.name: sha256_file(p) for p in notebooks},
               "years": years, "findings": {str(y): info["counts"]["findings"]
                                            for y, info in infos.items()},
               "failed": sorted(r.key for r in results if r.status == "failed")},
        run={"seconds": round(seconds, 2),
             "jobs": {r.key: {"status": r.status, "seconds": round(r.seconds, 2)}
                      for r in results}})



AUDIT_NOTEBOOK = "audit_year.ipynb"


def run_audit_report(year: int, *, lang: str = "th", formats: set[str] = frozenset({"html", "pdf"}),
                     data_dir: Path = DEFAULT_DATA, processed_dir: Path = DEFAULT_PROCESSED,
                     out_dir: Path = DEFAULT_OUT, force: bool = False) -> JobResult:
    """reports/<year>/audit.{html,pdf}: the auditor's report, rendered like the others."""
    from lpa_analysis.render import pdf_backend
    from lpa_analysis.schema import to_be_year

    year = to_be_year(year)
    years = ensure_built(year, data_dir, processed_dir)
    prepare_reference(year, processed_dir)
    year_dir = (out_dir / str(year)).resolve()
    params = {"year": year, "lang": lang, "processed_dir": str(processed_dir.resolve()),
              "reports_dir": str(out_dir.resolve())}
    backend = pdf_backend() if "pdf" in formats else None
    manifest = year_dir / "manifest.json"
    shared = {**_shared_inputs(years, processed_dir, backend),
              "manifest": sha256_file(manifest) if manifest.is_file() else None}
    job = _job(f"{year}/audit", AUDIT_NOTEBOOK, params, year_dir / "audit",
               year_dir / "audit.html", f"LPA {year} audit", lang=lang, formats=formats,
               backend=backend, shared=shared)
    return run_jobs([job], workers=1, force=force)[0]
