"""`lpa scorecards`: one A4 page per LAO, a booklet per province."""

from __future__ import annotations

from pathlib import Path

import typer

from lpa_analysis.commands.options import (
    EXIT_PROBLEMS, DataDir, Lang, ProcessedDir, ReportsDir, SignKey, Year, app, check_lang,
    claim_report_folders, writing,
)


@app.command()
def scorecards(
    year: Year,
    province: str = typer.Option("all", "--province", "-p",
                                 help="DOPA code, Thai or English name, comma list, or 'all'."),
    lao: str = typer.Option(None, "--lao", help="One LAO's code: renders its province's "
                            "scorecards (skipped when unchanged) and prints its file."),
    lang: Lang = "th",
    data: DataDir = Path("data/demo"),
    processed: ProcessedDir = Path("data/processed"),
    out: ReportsDir = Path("reports"),
    jobs: int = typer.Option(None, "-j", "--jobs", help="Worker processes, one browser each "
                             "(default: one per core, fewer when memory would not hold them)."),
    force: bool = typer.Option(False, "--force", help="Redo provinces whose inputs are "
                               "unchanged; write into an --out folder lpa did not make."),
    sign_key: SignKey = None,
) -> None:
    """Render reports/<year>/<lang>/<province>/scorecards/<lao_code>.pdf (one page per LAO) and
    the province's booklet scorecards.pdf (ordered by district, then name).

    Examples:
      lpa scorecards --year 2566 --province 54
      lpa scorecards --year 2566 --province all --lang en -j 2
      lpa scorecards --year 2566 --lao 6540206
    """
    from lpa_analysis import log as lpa_log
    from lpa_analysis.batch import check_workers
    from lpa_analysis.manifest import signing
    from lpa_analysis.scorecards import BOOKLET, FOLDER, run_scorecards

    check_lang(lang)
    check_workers(jobs)
    claim_report_folders(data, out, processed, force=force)
    with writing(out, processed), signing(sign_key):
        lpa_log.add_file(out / "lpa.log")
        outcome = run_scorecards(year, province, lang=lang, data_dir=data,
                                 processed_dir=processed, out_dir=out, workers=jobs,
                                 force=force, lao=lao)
    echo_outcome(outcome, f"{outcome.year} {lang}")
    if lao and not outcome.failed:
        province = outcome.results[0].key.rsplit("/", 1)[1]
        folder = out / str(outcome.year) / lang / province
        typer.echo(f"{folder / FOLDER / (lao.strip() + '.pdf')} (booklet: {folder / BOOKLET})")
    if outcome.failed:
        raise typer.Exit(EXIT_PROBLEMS)


def echo_outcome(outcome, what: str) -> None:
    """'2566 th: scorecards of provinces: 1 rendered, 0 unchanged, 0 failed', then each failure."""
    counts = {s: sum(r.status == s for r in outcome.results) for s in ("done", "skipped", "failed")}
    typer.echo(f"{what}: scorecards of provinces: {counts['done']} rendered, "
               f"{counts['skipped']} unchanged, {counts['failed']} failed")
    for r in outcome.failed:
        typer.echo(f"FAILED scorecards {r.key}: {r.error}", err=True)
