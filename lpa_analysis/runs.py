"""Stage 4: report runs. Turns (year, provinces, languages, formats) into notebook jobs, runs them
through `batch`, and writes the index page and manifest of the year's language. Missing or
stale years are built first, here in the calling process (`build.ensure_built`); workers only
render. Each language has its own folder (`lang_dir`): a run in one never touches the other's.

    reports/<year>/<lang>/<province_code>/report.{html,pdf} + tables/
    reports/<year>/<lang>/national.{html,pdf} + national/tables/
    reports/<year>/<lang>/index.html, manifest.json, audit.{html,pdf} + audit/tables/
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lpa_analysis import __version__
from lpa_analysis.batch import Job, JobResult, check_workers, run_jobs
from lpa_analysis.build import DEFAULT_DATA, ensure_built
from lpa_analysis.errors import InputError
from lpa_analysis.files import write_atomic
from lpa_analysis.geo import ProvinceInfo, all_provinces, resolve_province
from lpa_analysis.log import log
from lpa_analysis.manifest import (MANIFEST, file_records, file_status, read_manifest,
                                   require_intact, write_manifest)
from lpa_analysis.package_data import NOTEBOOKS, TEMPLATES
from lpa_analysis.processed import (BUILD_INFO, DEFAULT_PROCESSED, build_fingerprint,
                                    read_build_info, year_folder)
from lpa_analysis.provenance import code_fingerprint, fingerprint, sha256_file, without_paths

PROVINCE_NOTEBOOK = "province_report.ipynb"
NATIONAL_NOTEBOOK = "national_overview.ipynb"
DEFAULT_OUT = Path("reports")
MERGED_FORMAT = 2  # the first manifest format covering every report of the year
# Parameters only the province notebook has (the national one would be handed an unknown name).
PROVINCE_ONLY_PARAMETERS = {"scorecards"}


@dataclass
class RunOutcome:
    year: int
    results: list[JobResult]
    index: Path
    pdf_backend: str | None

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "failed"]


def lang_dir(out_dir: Path, year: int, lang: str) -> Path:
    """The folder of one year's reports in one language: out_dir/<year>/<lang>."""
    return Path(out_dir) / str(year) / lang


def notebook(name: str) -> Path:
    path = NOTEBOOKS / name
    if not path.is_file():
        raise InputError("report notebook not found in the installed package", file=path)
    return path


def resolve_provinces(spec: str, *, note_repeats: bool = True) -> list[ProvinceInfo]:
    """'all', or a comma list of codes / Thai / English names. A province named more than
    once ('54,แพร่,Phrae') is one report, in the place first named; `note_repeats` logs so."""
    if spec.strip().lower() == "all":
        return list(all_provinces())
    named = Counter(resolve_province(part.strip()) for part in spec.split(",") if part.strip())
    repeated = [f"{p.code} {p.name_en} ({n}×)" for p, n in named.items() if n > 1]
    if repeated and note_repeats:
        log.warning("--province %s names %s more than once: one report each",
                    spec, ", ".join(repeated))
    return list(named)


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

    year_dir = lang_dir(out_dir, year, lang).resolve()
    backend = pdf_backend() if "pdf" in formats else None
    common = {"year": year, "lang": lang, "processed_dir": str(processed_dir.resolve()),
              **(extra_parameters or {})}
    options = {"lang": lang, "formats": formats, "backend": backend,
               "shared": _shared_inputs(years, processed_dir, backend)}
    jobs = []
    if national:
        national_params = {k: v for k, v in common.items() if k not in PROVINCE_ONLY_PARAMETERS}
        jobs.append(_job(f"{year}/national", NATIONAL_NOTEBOOK, national_params,
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
    """A report's headline numbers, from the summary table it wrote."""
    import pandas as pd

    summary = folder / "tables" / "summary.csv"
    if not summary.is_file():
        return None
    return pd.read_csv(summary, encoding="utf-8-sig").iloc[0].to_dict()


def neighbours_on_disk(folder: Path, lang: str) -> dict:
    """What the index links beside this language's reports: the other languages' indexes and
    the audit report, when they are there. Recorded in the manifest, so that `lpa audit verify`
    writes the same index again without them."""
    from lpa_analysis.i18n import LANGS

    return {"langs": [other for other in LANGS
                      if other != lang and (folder.parent / other / "index.html").is_file()],
            "audit": [name for name in ("audit.html", "audit.pdf")
                      if (folder / name).is_file()]}


def _files(folder: Path, stem: str, prefix: str) -> list[dict]:
    """Links to a report's HTML, PDF and Excel workbook, those that exist."""
    candidates = [(f"{stem}.html", "HTML"), (f"{stem}.pdf", "PDF")]
    if stem in ("report", "national"):
        tables = "tables" if stem == "report" else "national/tables"
        candidates.append((f"{tables}/tables.xlsx", "Excel"))
    return [{"href": f"{prefix}{name}", "text": text} for name, text in candidates
            if (folder / name).is_file()]


def _scorecards_link(folder: Path, prefix: str, lang: str) -> list[dict]:
    """The province's scorecard booklet (`lpa scorecards`), if made."""
    from lpa_analysis import i18n

    booklet = "scorecards.pdf"
    return ([{"href": f"{prefix}{booklet}", "text": i18n.t("index.scorecards", lang)}]
            if (folder / booklet).is_file() else [])


def _index_row(head: dict | None, lang: str, **row) -> dict:
    """A row's figures under per-cent headers: 99.2, 97.6–99.9 (no % sign in the cells)."""
    from lpa_analysis import i18n

    head = head or {}
    rate = head.get("pass_rate", head.get("rate"))
    return {**row, "n": i18n.fmt_num(head.get("n_assessed", head.get("n"))),
            "passed": i18n.fmt_num(head.get("n_passed", head.get("passed"))),
            "rate": _pct_cell(None if rate is None else 100 * rate),
            "ci": (f"{_pct_cell(100 * head['ci_low'])}–{_pct_cell(100 * head['ci_high'])}"
                   if head else i18n.MISSING),
            "mean": _pct_cell(head.get("mean_overall")),
            "status": i18n.t("index.failed", lang)}


def _pct_cell(value: float | None) -> str:
    from lpa_analysis import i18n

    return i18n.fmt_num(value, 1)


def _regions(year: int, processed_dir: Path | None) -> dict[str, dict]:
    """Each region's n, passed, pass rate, Wilson CI and mean overall score, from the year's
    scored LAOs as the reports compute them (stats.pass_rate by region); {} without a build."""
    if processed_dir is None or not year_folder(year, processed_dir).is_dir():
        return {}
    from lpa_analysis import stats
    from lpa_analysis.processed import load_processed

    laos = load_processed(year, processed_dir).scored_laos
    rates = stats.pass_rate(laos, by="region").set_index("region")
    rates["mean_overall"] = laos.groupby("region")["overall_pct"].mean()
    return {region: row.to_dict() for region, row in rates.iterrows()}


def _release_block(year: int, processed_dir: Path | None, lang: str) -> dict:
    """The release metadata the reports carry (processed/<year>/dataset.yml): the cover
    block, and the watermark text when the data are synthetic."""
    from markupsafe import Markup

    from lpa_analysis import i18n
    from lpa_analysis.report import release

    if processed_dir is None or not year_folder(year, processed_dir).is_dir():
        return {"block": None, "synthetic": None}
    from lpa_analysis.processed import load_processed

    metadata = load_processed(year, processed_dir).release
    return {"block": Markup(release.cover_block(metadata, lang)),
            "synthetic": i18n.t("release.watermark", lang) if metadata.synthetic else None}


def write_index(year: int, out_dir: Path, lang: str, results: list[JobResult], *,
                processed_dir: Path | None = None, neighbours: dict | None = None) -> Path:
    """reports/<year>/<lang>/index.html: the release metadata, the national row, then every
    province report by region with its headline numbers and files, linked. The numbers come
    from each report's own summary table, so the index never disagrees with the reports it
    links to; each region's row (what the province reports compare with) and the release
    metadata come from the processed year (`processed_dir`; left out when None).
    `neighbours`: what else to link (`neighbours_on_disk` when None)."""
    import jinja2
    from markupsafe import Markup

    from lpa_analysis import i18n, render
    from lpa_analysis.geo import REGION_PROVINCES

    folder = lang_dir(out_dir, year, lang)
    neighbours = neighbours or neighbours_on_disk(folder, lang)
    failed = {r.key.split("/")[1] for r in results if r.status == "failed"}
    national = _headline(folder / "national")
    rows = ([_index_row(national, lang, code="", name=i18n.t("index.national", lang),
                        failed="national" in failed, links=_files(folder, "national", ""),
                        kind="national")]
            if national is not None or "national" in failed else [])
    by_region = {region: [] for region in REGION_PROVINCES}
    regions = _regions(year, processed_dir)
    for p in all_provinces():
        head = _headline(folder / p.code)
        if head is not None or p.code in failed:
            by_region[p.region].append(_index_row(
                head, lang, code=p.code, name=i18n.province_label(p, lang),
                failed=p.code in failed, kind="province",
                links=(_files(folder / p.code, "report", f"{p.code}/")
                       + _scorecards_link(folder / p.code, f"{p.code}/", lang))))
    for region, provinces in by_region.items():
        if provinces:
            rows += [_index_row(regions.get(region), lang, kind="region", code="",
                                name=i18n.region_label(region, lang), failed=False, links=[]),
                     *provinces]
    rendered = sum(len(provinces) for provinces in by_region.values())
    total = len(all_provinces())
    headers = [i18n.t(f"index.col.{c}", lang) for c in
               ("code", "province", "n", "passed", "pass_rate", "ci", "mean", "files")]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / "index"),
                             autoescape=True)
    body = env.get_template("index.html.j2").render(
        lang=lang, title=i18n.t("report.index.title", lang, year=i18n.year_label(year, lang)),
        font_css=Markup(render.font_face_css()), headers=headers, rows=rows,
        release=_release_block(year, processed_dir, lang),
        ci_note=i18n.t("index.ci_note", lang),
        coverage=(i18n.t("index.coverage", lang, n=i18n.fmt_num(rendered),
                         total=i18n.fmt_num(total)) if rendered < total else None),
        languages=[{"href": f"../{other}/index.html", "text": i18n.t("index.this_language", other),
                    "lang": other} for other in neighbours["langs"]],
        audit=[{"href": name, "text": name.rsplit(".", 1)[1].upper()}
               for name in neighbours["audit"]], audit_label=i18n.t("index.audit", lang))
    return write_atomic(folder / "index.html", body.encode("utf-8"))


def run_reports(year: int, provinces: str = "all", *, lang: str = "th",
                formats: set[str] = frozenset({"html", "pdf"}),
                data_dir: Path = DEFAULT_DATA, processed_dir: Path = DEFAULT_PROCESSED,
                out_dir: Path = DEFAULT_OUT, workers: int | None = None,
                cluster: str | None = None, force: bool = False, national: bool | None = None,
                on_result=None, extra_parameters: dict | None = None,
                index_neighbours: dict | None = None) -> RunOutcome:
    """Render the reports of one year in one language into `lang_dir`. `national`: also the
    national overview (None: only when all provinces are asked for, so a one-province run
    renders that province and the index, nothing else). `index_neighbours`: see
    `write_index` (an audit re-run passes the recorded ones)."""
    from lpa_analysis.render import pdf_backend
    from lpa_analysis.schema import to_be_year

    year = to_be_year(year)
    check_workers(workers)
    chosen = resolve_provinces(provinces)
    if national is None:
        national = national_by_default(provinces)
    previous = previous_manifest(lang_dir(out_dir, year, lang).resolve())
    years = ensure_built(year, data_dir, processed_dir)
    processed = verified_processed(years, data_dir, processed_dir)
    backend = pdf_backend() if "pdf" in formats else None
    if "pdf" in formats and backend is None:
        log.warning("no PDF renderer (install Debian chromium, or weasyprint): HTML only")
    elif backend == "weasyprint":
        log.warning("Chromium not found: PDFs via WeasyPrint (Thai text extraction is lossy)")
    jobs = make_jobs(year, chosen, lang=lang, formats=set(formats),
                     processed_dir=processed_dir, out_dir=out_dir, years=years,
                     national=national, extra_parameters=extra_parameters)
    started = time.perf_counter()
    if not force:
        _forget_unvouched(jobs, previous)
    if force or not all(job.is_current(warn=False) for job in jobs):
        prepare_reference(year, processed_dir)
    results = run_jobs(jobs, workers=workers, cluster=cluster, force=force, on_result=on_result)
    neighbours = index_neighbours or neighbours_on_disk(lang_dir(out_dir, year, lang), lang)
    index = write_index(year, out_dir, lang, results, processed_dir=processed_dir,
                        neighbours=neighbours)
    write_run_manifest(year, jobs, results, index, years=years, processed_dir=processed_dir,
                       processed=processed, previous=previous, neighbours=neighbours,
                       parameters={"year": year, "provinces": provinces, "lang": lang,
                                   "formats": sorted(formats), "national": national,
                                   "data_dir": str(data_dir.resolve()),
                                   "extra_parameters": extra_parameters or {}},
                       seconds=time.perf_counter() - started)
    return RunOutcome(year, results, index, backend)


def national_by_default(provinces: str) -> bool:
    """The national overview comes with a run of every province, not with a few."""
    return provinces.strip().lower() == "all"


def verified_processed(years: list[int], data_dir: Path, processed_dir: Path) -> list[dict]:
    """The processed tables of these years as their builds recorded them (path from the
    processed folder, size, sha256), each checked against its file first: reports show the
    numbers a build computed, never a table edited since. build.json is checked, not listed
    (it records timings)."""
    records = []
    for y in years:
        folder = year_folder(y, processed_dir)
        path = folder / MANIFEST
        rebuild = f"rebuild it: lpa build --year {y} --data {data_dir} --out {processed_dir}"
        if not path.is_file():
            raise InputError(f"year {y} has no build manifest; {rebuild}", file=path)
        manifest = read_manifest(path)
        require_intact(manifest, path)
        for record in manifest["outputs"]:
            status, detail = file_status(folder, record)
            if status != "identical":
                what = f"changed since the build wrote it ({detail})" if status == "changed" \
                    else "missing"
                raise InputError(f"{what}: reports are made only from the tables a build "
                                 f"wrote; {rebuild}", file=folder / record["path"])
            if record["path"] != BUILD_INFO:
                records.append({**record, "path": f"{y}/{record['path']}"})
    return records


def previous_manifest(year_dir: Path) -> dict | None:
    """The year's manifest this run merges into (None: none yet, or an older format that
    covered only its own run). An edited one stops the run before any work: carrying its
    records over would vouch for whatever it now says."""
    path = year_dir / MANIFEST
    if not path.is_file():
        return None
    manifest = read_manifest(path)
    try:
        require_intact(manifest, path)
    except InputError as exc:
        raise InputError(f"{exc.message}; a report run merges into the year's manifest, so it "
                         "stops here (remove the file to start the manifest afresh)",
                         file=path) from None
    if manifest["kind"] != "reports" or manifest.get("format", 1) < MERGED_FORMAT:
        log.info("%s is of an older format: this run's manifest starts afresh", path)
        return None
    return manifest


def _forget_unvouched(jobs: list[Job], previous: dict | None) -> None:
    """A job is skipped as unchanged only when the year's manifest records its outputs with
    the hashes its marker has: markers are not signed, the manifest is what vouches for the
    bytes. Any other job loses its marker and is rendered again."""
    recorded = {r["path"]: r["sha256"] for r in (previous or {}).get("outputs", [])}
    for job in jobs:
        outputs = job.published_outputs()
        if outputs and any(recorded.get(path) != digest for path, digest in outputs.items()):
            log.warning("%s: its outputs on disk are not the ones the year's manifest records%s: "
                        "rendering it again", job.key, "" if previous else " (there is none)")
            job.forget()


def _owned_by(job: Job, path: str) -> bool:
    html = Path(job.html_path)
    return (path in (job.relative(html), job.relative(html.with_suffix(".pdf")))
            or path.startswith(job.relative(job.out_dir) + "/"))


def _merged_outputs(year_dir: Path, jobs: list[Job], results: list[JobResult], index: Path,
                    previous: dict) -> list[dict]:
    """The year's outputs after this run: what it rendered, and the index, hashed now;
    everything else as the previous manifest recorded it, so reports of earlier runs stay
    covered (and one edited since is still caught by `lpa audit verify`). A file that a
    re-rendered report no longer has is dropped."""
    done = [r for r in results if r.status == "done"]
    rendered = [job for job in jobs if job.key in {r.key for r in done}]
    records = {r["path"]: r for r in previous.get("outputs", [])
               if (year_dir / r["path"]).is_file()
               or not any(_owned_by(job, r["path"]) for job in rendered)}
    fresh = [index] + [path for r in done for path in r.outputs]
    records.update({r["path"]: r for r in file_records(year_dir, fresh)})
    return sorted(records.values(), key=lambda r: r["path"])


def _warn_uncovered(year_dir: Path, outputs: list[dict]) -> None:
    """Reports the index links (a summary table on disk) that the manifest does not cover:
    made before manifests covered the whole year, or before the manifest was removed."""
    recorded = {r["path"] for r in outputs}
    uncovered = [p.code for p in all_provinces()
                 if (year_dir / p.code / "tables" / "summary.csv").is_file()
                 and f"{p.code}/report.html" not in recorded]
    if (year_dir / "national.html").is_file() and "national.html" not in recorded:
        uncovered.append("national")
    if uncovered:
        log.warning("%s: %s published but not in the year's manifest (made before it covered "
                    "the whole year, or after it was removed): render them again with lpa "
                    "reports to cover them", year_dir, ", ".join(uncovered))


def write_run_manifest(year: int, jobs: list[Job], results: list[JobResult], index: Path, *,
                       years: list[int], processed_dir: Path, processed: list[dict],
                       previous: dict | None, parameters: dict, seconds: float,
                       neighbours: dict) -> Path:
    """reports/<year>/<lang>/manifest.json, covering every report of the year in that
    language: merged with the
    previous manifest (`_merged_outputs`), with the setting each report was made with (for
    `lpa audit verify` to re-run it), the inputs and processed tables of every year this run
    read, the notebooks and the environment."""
    year_dir = index.parent
    infos = {y: read_build_info(year_folder(y, processed_dir)) for y in years}
    inputs = sorted({(i["path"], i["size"], i["sha256"]) for info in infos.values()
                     for i in info["inputs"]})
    notebooks = sorted({Path(job.notebook) for job in jobs})
    previous = previous or {}
    outputs = _merged_outputs(year_dir, jobs, results, index, previous)
    _warn_uncovered(year_dir, outputs)
    failed = {r.key for r in results if r.status == "failed"}
    setting = {k: parameters[k] for k in ("lang", "formats", "extra_parameters")}
    return write_manifest(
        year_dir, kind="reports", parameters=parameters,
        inputs=[{"path": p, "size": s, "sha256": h} for p, s, h in inputs],
        outputs=outputs,
        extra={"notebooks": {**previous.get("notebooks", {}),
                             **{p.name: sha256_file(p) for p in notebooks}},
               "reports": {**previous.get("reports", {}),
                           **{r.key: setting for r in results if r.key not in failed}},
               "processed": processed, "index": neighbours,
               "years": years, "findings": {str(y): info["counts"]["findings"]
                                            for y, info in infos.items()},
               "failed": sorted(failed | (set(previous.get("failed", []))
                                          - {r.key for r in results}))},
        run={"seconds": round(seconds, 2), "processed_dir": str(processed_dir.resolve()),
             "jobs": {r.key: {"status": r.status, "seconds": round(r.seconds, 2)}
                      for r in results}})



AUDIT_NOTEBOOK = "audit_year.ipynb"


def run_audit_report(year: int, *, lang: str = "th", formats: set[str] = frozenset({"html", "pdf"}),
                     data_dir: Path = DEFAULT_DATA, processed_dir: Path = DEFAULT_PROCESSED,
                     out_dir: Path = DEFAULT_OUT, force: bool = False) -> JobResult:
    """reports/<year>/<lang>/audit.{html,pdf}: the auditor's report of that language's
    manifest, rendered like the others."""
    from lpa_analysis.render import pdf_backend
    from lpa_analysis.schema import to_be_year

    year = to_be_year(year)
    years = ensure_built(year, data_dir, processed_dir)
    prepare_reference(year, processed_dir)
    year_dir = lang_dir(out_dir, year, lang).resolve()
    params = {"year": year, "lang": lang, "processed_dir": str(processed_dir.resolve()),
              "reports_dir": str(out_dir.resolve())}
    backend = pdf_backend() if "pdf" in formats else None
    manifest = year_dir / MANIFEST
    shared = {**_shared_inputs(years, processed_dir, backend),
              "manifest": sha256_file(manifest) if manifest.is_file() else None}
    job = _job(f"{year}/audit", AUDIT_NOTEBOOK, params, year_dir / "audit",
               year_dir / "audit.html", f"LPA {year} audit", lang=lang, formats=formats,
               backend=backend, shared=shared)
    return run_jobs([job], workers=1, force=force)[0]
