"""`lpa reports`: province and national reports, HTML and PDF, with a live progress bar."""

from __future__ import annotations

from pathlib import Path

import typer

from lpa_analysis.commands.options import (
    EXIT_PROBLEMS, DataDir, Formats, Lang, ProcessedDir, ReportsDir, SignKey, Year, app,
    claim_report_folders, parse_formats, writing,
)


EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C


@app.command()
def reports(
    year: Year,
    province: str = typer.Option("all", "--province", "-p",
                                 help="DOPA code, Thai or English name, comma list, or 'all'."),
    national: bool = typer.Option(None, "--national/--no-national",
                                  help="Also render the national overview (default: only with "
                                  "--province all)."),
    lang: Lang = "th",
    fmt: Formats = "html,pdf",
    data: DataDir = Path("data/demo"),
    processed: ProcessedDir = Path("data/processed"),
    out: ReportsDir = Path("reports"),
    jobs: int = typer.Option(None, "-j", "--jobs", help="Worker processes (default: one per "
                             "core, fewer when the memory available would not hold them)."),
    cluster: str = typer.Option(None, "--cluster", help="Dask scheduler, e.g. tcp://host:8786."),
    force: bool = typer.Option(False, "--force", help="Redo reports whose inputs are unchanged; "
                               "write into an --out or --processed folder lpa did not make."),
    sign_key: SignKey = None,
    scorecards: bool = typer.Option(False, "--scorecards", help="Also one page per LAO of "
                                    "these provinces (as lpa scorecards), linked from the index."),
) -> None:
    """Render reports/<year>/<lang>/<province_code>/report.{html,pdf}, national.{html,pdf},
    index.html. Each language has its own folder; a run in one never touches the other's.
    A run of a few provinces renders them and updates the index, nothing else.

    Examples:
      lpa reports --year 2566 --province 54
      lpa reports --year 2566 --province แพร่ --lang en --format html
      lpa reports --year 2566 --province all -j 2
      lpa reports --year 2566 --province 54 --national
    """
    from lpa_analysis import log as lpa_log
    from lpa_analysis.manifest import signing
    from lpa_analysis.batch import check_workers
    from lpa_analysis.progress import report_progress
    from lpa_analysis.runs import national_by_default, resolve_provinces, run_reports

    formats = parse_formats(lang, fmt)
    check_workers(jobs)
    if national is None:
        national = national_by_default(province)
    # run_reports notes repeated provinces
    total = len(resolve_provinces(province, note_repeats=False)) + national
    claim_report_folders(data, out, processed, force=force)
    finished = []
    try:
        with writing(out, processed), signing(sign_key), report_progress(total) as show:
            lpa_log.add_file(out / "lpa.log")

            def on_result(result):
                finished.append(result)
                show(result)

            outcome = run_reports(year, province, lang=lang, formats=formats, data_dir=data,
                                  processed_dir=processed, out_dir=out, workers=jobs,
                                  cluster=cluster, force=force, national=national,
                                  on_result=on_result,
                                  # the reports link the booklets made just after them
                                  extra_parameters={"scorecards": True} if scorecards else None)
            if scorecards:
                from lpa_analysis.scorecards import run_scorecards

                cards = run_scorecards(year, province, lang=lang, data_dir=data,
                                       processed_dir=processed, out_dir=out, workers=jobs,
                                       force=force)
    except KeyboardInterrupt:
        kept = sum(r.status in ("done", "skipped") for r in finished)
        typer.echo(f"interrupted: {kept} finished reports kept, none half-written; run the same "
                   "command again to do the rest (finished ones are skipped)", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    counts = {s: sum(r.status == s for r in outcome.results) for s in ("done", "skipped", "failed")}
    typer.echo(f"{outcome.year}: {counts['done']} rendered, {counts['skipped']} unchanged, "
               f"{counts['failed']} failed; PDF: {outcome.pdf_backend or 'none (HTML only)'}; "
               f"index: {outcome.index}")
    for r in outcome.failed:
        where = f" (cell {r.cell})" if r.cell is not None else ""
        typer.echo(f"FAILED {r.key}{where}: {r.error}"
                   + (f"\n       partial notebook: {r.debug_notebook}" if r.debug_notebook else ""),
                   err=True)
    if scorecards:
        from lpa_analysis.commands.scorecards import echo_outcome

        echo_outcome(cards, str(outcome.year))
    if outcome.failed or (scorecards and cards.failed):
        raise typer.Exit(EXIT_PROBLEMS)
