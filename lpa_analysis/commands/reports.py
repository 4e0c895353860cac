"""`lpa reports`: province and national reports, HTML and PDF, with a live progress bar."""

from __future__ import annotations

from pathlib import Path

import typer

from lpa_analysis.commands.options import (EXIT_PROBLEMS, DataDir, Formats, Lang, ProcessedDir, ReportsDir,
                              Year, app, parse_formats)


EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C


@app.command()
def reports(
    year: Year,
    province: str = typer.Option("all", "--province", "-p",
                                 help="DOPA code, Thai or English name, comma list, or 'all'."),
    lang: Lang = "th",
    fmt: Formats = "html,pdf",
    data: DataDir = Path("data/demo"),
    processed: ProcessedDir = Path("data/processed"),
    out: ReportsDir = Path("reports"),
    jobs: int = typer.Option(0, "-j", "--jobs", help="Worker processes (0 = one per core)."),
    cluster: str = typer.Option(None, "--cluster", help="Dask scheduler, e.g. tcp://host:8786."),
    force: bool = typer.Option(False, "--force", help="Redo reports whose inputs are unchanged."),
) -> None:
    """Render reports/<year>/<province_code>/report.{html,pdf}, national.{html,pdf}, index.html.

    Examples:
      lpa reports --year 2566 --province 54
      lpa reports --year 2566 --province แพร่ --lang en --format html
      lpa reports --year 2566 --province all -j 2
    """
    from lpa_analysis import log as lpa_log
    from lpa_analysis.progress import report_progress
    from lpa_analysis.runs import resolve_provinces, run_reports

    formats = parse_formats(lang, fmt)
    lpa_log.add_file(out / "lpa.log")
    total = len(resolve_provinces(province)) + 1
    finished = []
    try:
        with report_progress(total) as show:
            def on_result(result):
                finished.append(result)
                show(result)

            outcome = run_reports(year, province, lang=lang, formats=formats, data_dir=data,
                                  processed_dir=processed, out_dir=out, workers=jobs or None,
                                  cluster=cluster, force=force, on_result=on_result)
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
    if outcome.failed:
        raise typer.Exit(EXIT_PROBLEMS)
