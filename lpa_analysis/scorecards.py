"""Scorecards: one A4 page per LAO, for every LAO of the chosen provinces.

    reports/<year>/<lang>/<province>/scorecards.pdf              the booklet (district, name)
    reports/<year>/<lang>/<province>/scorecards/<lao_code>.pdf   each page on its own
    reports/<year>/<lang>/<province>/scorecards/{scorecards,plan}.csv   every number shown

Fast enough for all 7,849 LAOs: the year's data are computed once, vectorised
(`report.scorecard`, in a child process that ends before rendering, so its memory does not add
to the browsers'); each province is one HTML document (inline CSS bars, no chart images) and
one Chromium print, split into pages by pypdf (text stays as Chromium wrote it: searchable).
Provinces run in worker processes, one browser each; a province that fails is reported and
the others go on. A province whose inputs and outputs are unchanged is skipped by its
fingerprint, and every run merges its files into the year's manifest (`lpa audit verify`).
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import time
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path

from lpa_analysis import __version__
from lpa_analysis.batch import JobResult, check_workers, local_pool, worker_count
from lpa_analysis.build import DEFAULT_DATA, ensure_built
from lpa_analysis.errors import InputError
from lpa_analysis.files import replace_dir, staging_dir, sweep_staging, write_atomic
from lpa_analysis.log import log
from lpa_analysis.manifest import file_records, write_manifest
from lpa_analysis.package_data import TEMPLATES
from lpa_analysis.processed import (DEFAULT_PROCESSED, build_fingerprint, read_build_info,
                                    year_folder)
from lpa_analysis.provenance import code_fingerprint, document_date, fingerprint, sha256_file
from lpa_analysis.runs import (DEFAULT_OUT, lang_dir, previous_manifest, resolve_provinces,
                               verified_processed)

FOLDER = "scorecards"  # the per-LAO PDFs and the tables, in a province folder
BOOKLET = "scorecards.pdf"
TABLES = ("scorecards.csv", "plan.csv")
MARKER = ".fingerprint.json"
TEMPLATE = TEMPLATES / "scorecard" / "scorecard.html.j2"
PAGE_SELECTOR = "section.card"
# Plan rows a page has room for, with every indicator name on two lines at most (the longest
# names and the longest plans of the national demo fit, in both languages: tests).
PLAN_ROWS = 16
# Cards per Chromium print: its renderer grows with the document (a 334-card province ≈ 750 MB,
# measured); a province of more is printed in parts, and its booklet joined from them.
PRINT_CARDS = 80
BROWSER_GB = 0.45  # a scorecard worker with its Chromium, at the peak (README benchmarks)


@dataclass(frozen=True)
class CardJob:
    """One province's scorecards in one language. Paths absolute."""

    key: str  # "2566/th/54"
    year: int
    lang: str
    province: str
    province_dir: str
    fingerprint: str

    @property
    def folder(self) -> Path:
        return Path(self.province_dir) / FOLDER

    @property
    def booklet(self) -> Path:
        return Path(self.province_dir) / BOOKLET

    def relative(self, path: Path) -> str:
        """As the year's manifest records it: from the language folder."""
        return Path(path).relative_to(Path(self.province_dir).parent).as_posix()

    def published(self) -> dict[str, str]:
        try:
            marker = json.loads((self.folder / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(marker, dict) or marker.get("fingerprint") != self.fingerprint:
            return {}
        outputs = marker.get("outputs")
        return outputs if isinstance(outputs, dict) else {}

    def is_current(self) -> bool:
        """Made from these inputs, and every output still the bytes then published."""
        outputs = self.published()
        root = Path(self.province_dir).parent
        return bool(outputs) and all(
            (root / rel).is_file() and sha256_file(root / rel) == digest
            for rel, digest in outputs.items())


@dataclass
class ScorecardOutcome:
    year: int
    lang: str
    results: list[JobResult]
    manifest: Path | None

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "failed"]


# --- the run (parent process) ----------------------------------------------------------------

def make_jobs(year: int, codes: list[str], *, lang: str, processed_dir: Path, out_dir: Path,
              years: list[int]) -> list[CardJob]:
    """One job per province; the fingerprint covers code, template, builds, year, language."""
    shared = fingerprint(code_fingerprint(), __version__,
                         {y: build_fingerprint(year_folder(y, processed_dir)) for y in years})
    folder = lang_dir(out_dir, year, lang).resolve()
    return [CardJob(f"{year}/{lang}/{code}", year, lang, code, str(folder / code),
                    fingerprint(shared, year, lang, code)) for code in codes]


def run_scorecards(year: int, provinces: str = "all", *, lang: str = "th",
                   data_dir: Path = DEFAULT_DATA, processed_dir: Path = DEFAULT_PROCESSED,
                   out_dir: Path = DEFAULT_OUT, workers: int | None = None,
                   force: bool = False, lao: str | None = None,
                   on_result=None) -> ScorecardOutcome:
    """Scorecards of `provinces` ('all', codes or names) or of the province of LAO `lao`."""
    from lpa_analysis.schema import to_be_year

    year = to_be_year(year)
    check_workers(workers)
    years = ensure_built(year, data_dir, processed_dir)
    processed = verified_processed(years, data_dir, processed_dir)
    codes = ([_province_of(lao, year, processed_dir)] if lao else
             [p.code for p in resolve_provinces(provinces)])
    started = time.perf_counter()
    jobs = make_jobs(year, codes, lang=lang, processed_dir=processed_dir, out_dir=out_dir,
                     years=years)
    todo = jobs if force else [job for job in jobs if not job.is_current()]
    results = [JobResult(job.key, "skipped") for job in jobs if job not in todo]
    for result in results:
        if on_result:
            on_result(result)
    if todo:
        results += _render(todo, year, lang, processed_dir, workers, on_result)
    order = {job.key: i for i, job in enumerate(jobs)}
    results.sort(key=lambda r: order[r.key])
    manifest = None
    if any(r.status == "done" for r in results) or not (
            lang_dir(out_dir, year, lang) / "manifest.json").is_file():
        index = _refresh_index(year, lang, out_dir, processed_dir)
        manifest = _write_manifest(year, lang, jobs, results, out_dir=out_dir, years=years,
                                   data_dir=data_dir, processed_dir=processed_dir,
                                   processed=processed, index=index,
                                   seconds=time.perf_counter() - started)
    return ScorecardOutcome(year, lang, results, manifest)


def _refresh_index(year: int, lang: str, out_dir: Path, processed_dir: Path) -> Path | None:
    """Rewrite the language's index (made by `lpa reports`) so that it links the booklets;
    the reports that failed in the runs the manifest records stay marked failed."""
    from lpa_analysis.runs import write_index

    folder = lang_dir(out_dir, year, lang)
    if not (folder / "index.html").is_file():
        return None
    failed = (previous_manifest(folder.resolve()) or {}).get("failed", [])
    return write_index(year, out_dir, lang, [JobResult(key, "failed") for key in failed],
                       processed_dir=processed_dir)


def _province_of(lao: str, year: int, processed_dir: Path) -> str:
    import pandas as pd

    laos = pd.read_parquet(year_folder(year, processed_dir) / "scored_laos.parquet",
                           columns=["lao_code", "province_code"])
    found = laos.loc[laos["lao_code"] == str(lao).strip(), "province_code"]
    if found.empty:
        raise InputError(f"--lao {lao}: no scored LAO of {year} has this code")
    return str(found.iloc[0])


def _render(todo: list[CardJob], year: int, lang: str, processed_dir: Path,
            workers: int | None, on_result) -> list[JobResult]:
    """Compute the year's data in a child process into one Parquet pair per province (the
    parent and the workers then hold only their own province's rows), then render the
    provinces in workers."""
    folder = Path(todo[0].province_dir).parent
    cache = staging_dir(folder / ".scorecards-data")
    try:
        with local_pool(1) as pool:
            pool.submit(_province_data, year, str(processed_dir.resolve()), lang,
                        [job.province for job in todo], str(cache)).result()
        n = min(worker_count(workers, len(todo), pdf=True),
                max(1, int(_available_gb() / BROWSER_GB)))
        results = []
        with local_pool(n) as pool:
            futures = {pool.submit(render_province, job, str(cache)): job for job in todo}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 — a dead worker fails its province
                    result = JobResult(job.key, "failed", error=f"{type(exc).__name__}: {exc}")
                results.append(result)
                if on_result:
                    on_result(result)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        for job in todo:
            sweep_staging(job.folder)
    return results


def _available_gb() -> float:
    from lpa_analysis.batch import available_memory_gb

    return available_memory_gb()


def _province_data(year: int, processed_dir: str, lang: str, codes: list[str],
                   cache: str) -> None:
    """(In a child process.) Each province's LAO and plan rows as Parquet, and what every
    page shares (context.json), in `cache`."""
    from lpa_analysis.processed import load_processed
    from lpa_analysis.report.scorecard import scorecard_data

    data = scorecard_data(year, processed_dir)
    release = load_processed(year, processed_dir).release
    framework = data.framework
    context = {
        "year": year, "lang": lang, "pass_threshold": framework.pass_threshold,
        "overall_method": framework.overall_method,
        "release": release.model_dump(mode="json"),
    }
    (Path(cache) / "context.json").write_text(json.dumps(context), encoding="utf-8")
    for code in codes:
        laos, plan = data.of_province(code)
        laos.to_parquet(Path(cache) / f"laos-{code}.parquet")
        plan.to_parquet(Path(cache) / f"plan-{code}.parquet")


# --- one province (worker process) -----------------------------------------------------------

def render_province(job: CardJob, cache: str) -> JobResult:
    """HTML of every card → one Chromium print → the booklet and one PDF per LAO, published
    together; a failure is this province's result, never an exception. `cache`: the folder
    `_province_data` wrote."""
    import pandas as pd

    started = time.perf_counter()
    staging = staging_dir(job.folder)
    try:
        context = json.loads((Path(cache) / "context.json").read_text(encoding="utf-8"))
        laos = pd.read_parquet(Path(cache) / f"laos-{job.province}.parquet")
        plan = pd.read_parquet(Path(cache) / f"plan-{job.province}.parquet")
        if laos.empty:
            raise InputError(f"province {job.province} has no scored LAO in {job.year}")
        date = document_date(job.year)
        printed = []
        for start in range(0, len(laos), PRINT_CARDS):
            part = laos.iloc[start:start + PRINT_CARDS]
            printed.append(_print(part, plan[plan["lao_code"].isin(part["lao_code"])], context,
                                  staging, date))
            pages = split_pages(printed[-1], [_pdf_title(row, context) for row in
                                              part.to_dict("records")], date)
            for code, data in zip(part["lao_code"], pages):
                (staging / f"{code}.pdf").write_bytes(data)
        booklet = printed[0] if len(printed) == 1 else join_pdfs(printed, date)
        _write_tables(laos, plan, staging)
        outputs = _publish(job, staging, booklet)
        return JobResult(job.key, "done", time.perf_counter() - started, pdf_backend="chromium",
                         outputs=outputs)
    except Exception as exc:  # noqa: BLE001 — any failure is this province's result
        log.debug("scorecards %s failed", job.key, exc_info=True)
        return JobResult(job.key, "failed", time.perf_counter() - started,
                         error=f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _print(laos, plan, context: dict, staging: Path, date) -> bytes:
    """One Chromium print of these LAOs' cards."""
    from lpa_analysis import render

    html = staging / "scorecards.html"
    html.write_text(page_html(laos, plan, context), encoding="utf-8")
    try:
        return render.print_pages(html, page_selector=PAGE_SELECTOR, date=date)
    finally:
        html.unlink()


def join_pdfs(parts: list[bytes], date) -> bytes:
    """The parts' pages in order, as one PDF (a province printed in several parts)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    stamp = "D:" + date.strftime("%Y%m%d%H%M%S") + "+00'00'"
    writer.add_metadata({"/Creator": f"lpa-analysis {__version__}", "/CreationDate": stamp,
                         "/ModDate": stamp})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def split_pages(booklet: bytes, titles: list[str], date) -> list[bytes]:
    """One PDF per page of `booklet`, each titled; exactly one page per title."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(booklet))
    if len(reader.pages) != len(titles):
        raise RuntimeError(f"the booklet has {len(reader.pages)} pages for {len(titles)} LAOs: "
                           "a card did not print as exactly one page")
    stamp = "D:" + date.strftime("%Y%m%d%H%M%S") + "+00'00'"
    out = []
    for page, title in zip(reader.pages, titles):
        writer = PdfWriter()
        writer.add_page(page)
        writer.add_metadata({"/Title": title, "/Creator": f"lpa-analysis {__version__}",
                             "/CreationDate": stamp, "/ModDate": stamp})
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out


def _pdf_title(row: dict, context: dict) -> str:
    return f"LPA {context['year']} {row['name']} ({row['lao_code']})"


def _write_tables(laos, plan, folder: Path) -> None:
    from lpa_analysis.files import write_csv

    write_csv(laos, folder / TABLES[0])
    write_csv(plan, folder / TABLES[1])


def _publish(job: CardJob, staging: Path, booklet: bytes) -> list[str]:
    """The folder swapped in whole, the booklet beside it, then the marker: a run stopped
    half-way leaves the old scorecards or the new, and no marker vouching for a mix."""
    (staging / MARKER).unlink(missing_ok=True)
    written = sorted(p.name for p in staging.iterdir())
    staged_booklet = staging.parent / f".{BOOKLET}.{os.getpid()}.tmp"
    staged_booklet.write_bytes(booklet)
    (job.folder / MARKER).unlink(missing_ok=True)
    kept = replace_dir(staging, job.folder, lambda name: name in written or name == MARKER
                       or name.endswith(".pdf") or name in TABLES)
    os.replace(staged_booklet, job.booklet)
    if kept:
        log.warning("%s: kept files lpa did not write in %s: %s", job.key, job.folder,
                    ", ".join(kept))
    paths = [job.booklet] + [job.folder / name for name in written]
    outputs = {job.relative(p): sha256_file(p) for p in paths}
    write_atomic(job.folder / MARKER, (json.dumps(
        {"fingerprint": job.fingerprint, "key": job.key, "outputs": outputs},
        sort_keys=True) + "\n").encode("utf-8"))
    return [str(p) for p in paths]


# --- the page --------------------------------------------------------------------------------

def page_html(laos, plan, context: dict) -> str:
    """The booklet's HTML: one `section.card` per LAO, in the order of `laos`."""
    import jinja2
    from markupsafe import Markup

    from lpa_analysis import i18n, render

    lang = context["lang"]
    release = context["release"]
    shown: dict[str, list[dict]] = {}
    for r in plan[plan["order"] <= PLAN_ROWS].to_dict("records"):  # once: pandas per card is slow
        shown.setdefault(r["lao_code"], []).append(r)
    cards = [_card(row, shown.get(row["lao_code"], []), context)
             for row in laos.to_dict("records")]
    first = laos.iloc[0]
    labels = {k: i18n.t(f"scorecard.{k}", lang) for k in (
        "overall", "dimensions", "dimension", "this", "province_mean", "pass_mark", "plan",
        "indicator", "dim_short", "scored", "max", "lost", "gain")}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE.parent), autoescape=True)
    return env.get_template(TEMPLATE.name).render(
        lang=lang, cards=cards, labels=labels, pass_mark=context["pass_threshold"],
        title=i18n.t("scorecard.title", lang, year=i18n.year_label(context["year"], lang),
                     province=i18n.province_label(first["province_code"], lang)),
        font_css=Markup(render.font_face_css()), release=_release_line(release, lang),
        watermark=i18n.t("release.watermark", lang) if release["synthetic"] else None,
        footer=i18n.t("scorecard.footer", lang, version=__version__,
                      tables=f"{FOLDER}/{TABLES[0]}, {FOLDER}/{TABLES[1]}"))


def _release_line(release: dict, lang: str) -> dict:
    from lpa_analysis import i18n
    from lpa_analysis.report.release import dated
    from lpa_analysis.schema import Release

    model = Release.model_validate(release)
    parts = [part for part in (dated(model, lang), model.text("publisher", lang)) if part]
    status = i18n.t(f"release.status.{release['status']}", lang)
    return {"status": f"{i18n.t('release.status', lang)}: {status}",
            "draft": release["status"] != "final", "parts": parts}


def _pct(value) -> str:
    from lpa_analysis.i18n import fmt_pct

    return fmt_pct(value, 2)


def _up(value: float, digits: int = 2) -> float:
    """Rounded up at `digits`: a shortfall is never shown smaller than it is."""
    scale = 10 ** digits
    return math.ceil(round(value * scale, 6)) / scale


def _card(row: dict, plan, context: dict) -> dict:
    from lpa_analysis import i18n
    from lpa_analysis.i18n import fmt_num, t

    lang, year = context["lang"], context["year"]
    type_label = i18n.lao_type_label(row["lao_type"], lang)
    district = row["district_th"] if lang == "th" else (row["district_en"] or row["district_th"])
    passed = not _missing(row["passed"]) and bool(row["passed"])
    mark = fmt_num(context["pass_threshold"], 0)
    return {
        "code": row["lao_code"], "name": row["name"],
        "kicker": t("scorecard.kicker", lang, year=i18n.year_label(year, lang)),
        "where": t("scorecard.where", lang, type=type_label, district=district,
                   province=i18n.province_label(row["province_code"], lang),
                   code=row["lao_code"]),
        "overall": _pct(row["overall_pct"]), "band_id": row["band"],
        "band": i18n.band_label(row["band"], lang), "passed": passed,
        "pass_text": t("scorecard.passed" if passed else "scorecard.failed", lang, mark=mark),
        "facts": _facts(row, context, type_label),
        "type_median_label": t("scorecard.type_median", lang,
                               type=i18n.lao_type_label(row["lao_type"], lang, short=True)),
        "dims": _dims(row, lang),
        **_plan_part(row, plan, context),
        "method": (t("scorecard.method.points", lang, points=fmt_num(row["points"], 1),
                     max=fmt_num(row["max_points"], 1))
                   if context["overall_method"] == "points" else
                   t("scorecard.method.mean", lang,
                     n=sum(not _missing(row[f"d{d}_pct"]) for d in range(1, 6)))),
    }


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        str(value) == "<NA>")


def _facts(row: dict, context: dict, type_label: str) -> list[str]:
    from lpa_analysis.i18n import fmt_num, fmt_signed, t, year_label

    lang = context["lang"]
    facts = [t("scorecard.rank", lang, type=type_label,
               rank_province=fmt_num(row["rank_province_type"]),
               n_province=fmt_num(row["n_province_type"]),
               rank_national=fmt_num(row["rank_national_type"]),
               n_national=fmt_num(row["n_national_type"]))]
    previous = row["year_previous"]
    if _missing(previous):
        facts.append(t("scorecard.no_previous_year", lang))
    elif _missing(row["change"]):
        facts.append(t("scorecard.change_missing", lang, previous=year_label(previous, lang)))
    else:
        facts.append(t("scorecard.change", lang, previous=year_label(previous, lang),
                       change=fmt_signed(row["change"], 2),
                       n=fmt_num(row["n_comparable_indicators"]),
                       before=_pct(row["comparable_overall_previous"]),
                       now=_pct(row["comparable_overall"])))
    gap = row["gap_overall"]
    if not _missing(gap):
        shown = fmt_num(abs(gap), 2)
        key = ("scorecard.self_equal" if float(shown) == 0 else
               "scorecard.self_higher" if gap > 0 else "scorecard.self_lower")
        facts.append(t(key, lang, self=_pct(row["self_overall_pct"]), gap=shown))
    return facts


def _dims(row: dict, lang: str) -> list[dict]:
    from lpa_analysis.i18n import dimension_label

    def at(value):
        return None if _missing(value) else round(min(max(value, 0.0), 100.0), 2)

    out = []
    for d in range(1, 6):
        m = f"d{d}_pct"
        value = row[m]
        out.append({"label": f"{d}. {dimension_label(d, lang, short=True)}",
                    "width": at(value) or 0, "value": _pct(value),
                    "province": _pct(row[f"province_mean_{m}"]),
                    "type": _pct(row[f"type_median_{m}"]),
                    "province_at": at(row[f"province_mean_{m}"]),
                    "type_at": at(row[f"type_median_{m}"])})
    return out


def _plan_part(row: dict, plan: list[dict], context: dict) -> dict:
    """The plan's sentence, its first PLAN_ROWS rows (`plan`) and the 'and N more' line."""
    from lpa_analysis.i18n import band_label, fmt_num, t

    lang = context["lang"]
    csv = f"{FOLDER}/{TABLES[1]}"
    n_lost = int(row["n_lost"])
    n_reach = None if _missing(row["n_to_next_band"]) else int(row["n_to_next_band"])
    if n_lost == 0:
        sentence = t("scorecard.full_marks", lang)
    elif _missing(row["next_band"]):
        sentence = t("scorecard.top_band", lang, n=fmt_num(n_lost),
                     points=fmt_num(row["points_lost"], 2))
    else:
        which = (t("scorecard.which_below", lang, n=fmt_num(n_reach)) if n_reach <= PLAN_ROWS
                 else t("scorecard.which_csv", lang, n=fmt_num(n_reach),
                        shown=fmt_num(PLAN_ROWS), file=csv))
        band = band_label(row["next_band"], lang)
        if row["next_band_min_pct"] == context["pass_threshold"]:  # the next band is passing
            band = t("scorecard.passing_band", lang, band=band)
        common = {"band": band,
                  "min": fmt_num(row["next_band_min_pct"], 0), "which": which,
                  "need_pct": fmt_num(_up(row["need_pct"]), 2)}
        if context["overall_method"] == "points":
            sentence = t("scorecard.next_points", lang, need=fmt_num(_up(row["need_points"]), 2),
                         gain=fmt_num(row["gain_to_next_band_points"], 2), **common)
        else:
            sentence = t("scorecard.next_mean", lang,
                         gain_pct=fmt_num(row["gain_to_next_band_pct"], 2), **common)
    name = "indicator_th" if lang == "th" else "indicator_en"
    rows = [{"order": r["order"], "name": r[name] + (
                f" ({t('scorecard.no_row', lang)})" if r["no_row"] else ""),
             "dimension": r["dimension"], "scored": fmt_num(r["verified_points"], 1),
             "max": fmt_num(r["max_points"], 1), "lost": fmt_num(r["points_lost"], 1),
             "gain": fmt_num(r["gain_pct"], 2), "reach": r["order"] == n_reach}
            for r in plan]
    more = (t("scorecard.more", lang, n=fmt_num(n_lost - PLAN_ROWS), file=csv)
            if n_lost > PLAN_ROWS else None)
    return {"next": sentence, "plan": rows, "more": more}


# --- the year's manifest ---------------------------------------------------------------------

def _write_manifest(year: int, lang: str, jobs: list[CardJob], results: list[JobResult], *,
                    out_dir: Path, years: list[int], data_dir: Path, processed_dir: Path,
                    processed: list[dict], index: Path | None, seconds: float) -> Path:
    """Merge this run's scorecards into reports/<year>/<lang>/manifest.json: the scorecards
    of the provinces rendered now are hashed again, all else is kept as recorded."""
    folder = lang_dir(out_dir, year, lang).resolve()
    previous = previous_manifest(folder) or {}
    done = {r.key for r in results if r.status == "done"}
    redone = [job for job in jobs if job.key in done]
    prefixes = tuple(f"{job.province}/{FOLDER}/" for job in redone)
    booklets = {f"{job.province}/{BOOKLET}" for job in redone}
    records = {r["path"]: r for r in previous.get("outputs", [])
               if not r["path"].startswith(prefixes) and r["path"] not in booklets}
    fresh = [p for r in results if r.status == "done" for p in r.outputs] + (
        [index] if index else [])
    records.update({r["path"]: r for r in file_records(folder, fresh)})
    infos = {y: read_build_info(year_folder(y, processed_dir)) for y in years}
    inputs = sorted({(i["path"], i["size"], i["sha256"]) for info in infos.values()
                     for i in info["inputs"]})
    failed = {r.key for r in results if r.status == "failed"}
    parameters = previous.get("parameters") or {
        "year": year, "provinces": "", "lang": lang, "formats": [], "national": False,
        "data_dir": str(data_dir.resolve()), "extra_parameters": {}}
    extra = {k: v for k, v in previous.items() if k not in (
        "format", "kind", "lpa_analysis", "parameters", "inputs", "outputs", "environment",
        "git", "content_sha256", "signature", "run")}
    extra.setdefault("processed", processed)
    extra.setdefault("years", years)
    extra["scorecards"] = {**previous.get("scorecards", {}),
                           **{job.key: {"lang": lang} for job in redone}}
    extra["scorecards_failed"] = sorted(failed | (set(previous.get("scorecards_failed", []))
                                                  - {r.key for r in results}))
    all_inputs = {(i["path"], i["size"], i["sha256"]) for i in previous.get("inputs", [])}
    return write_manifest(
        folder, kind="reports", parameters=parameters,
        inputs=[{"path": p, "size": s, "sha256": h} for p, s, h in sorted(all_inputs | set(inputs))],
        outputs=sorted(records.values(), key=lambda r: r["path"]), extra=extra,
        run={"seconds": round(seconds, 2), "processed_dir": str(processed_dir.resolve()),
             "scorecards": {r.key: {"status": r.status, "seconds": round(r.seconds, 2)}
                            for r in results}})
