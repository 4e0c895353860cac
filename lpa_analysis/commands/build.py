"""`lpa build`: one year from raw data folder to processed tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lpa_analysis.commands.options import (EXIT_PROBLEMS, DataDir, SignKey, _be_year, app,
                                           claim_folder, output_folder, writing)
from lpa_analysis.errors import InputError


@app.command()
def build(
    year: Annotated[int | None, typer.Option("--year", "-y", callback=_be_year,
                                             help="Assessment year, BE (2566) or CE (2023).")
                    ] = None,
    all_years: bool = typer.Option(False, "--all", help="Every year of the data folder "
                                   "(those missing or out of date), instead of --year."),
    data: DataDir = Path("data/demo"),
    out: Path = typer.Option(Path("data/processed"), "--out", help="Processed tables folder."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when the quality gate found errors."),
    sign_key: SignKey = None,
    force: bool = typer.Option(False, "--force", help="Write into an --out folder lpa did not "
                               "make (it replaces OUT/<year> whole)."),
) -> None:
    """Read, validate (Great Expectations), score and reconcile one year.

    Writes OUT/<year>/ atomically: scored_laos, indicator_scores, quality_findings,
    quarantine, reconciliation (Parquet; CSV for the small ones) and build.json.

    Examples:
      lpa build --year 2566 --data data/demo --out data/processed
      lpa build --all                # every year of the data folder (what `make reports` does)
    """
    from lpa_analysis import log as lpa_log
    from lpa_analysis.build import build_all, build_year, require_data
    from lpa_analysis.manifest import signing

    if (year is None) == (not all_years):
        raise InputError("give either --year or --all")
    require_data(data)
    output_folder(out, "--out")
    claim_folder(out, "--out", "processed", force=force)
    if all_years:
        with writing(out), signing(sign_key):
            years = build_all(data, out)
        typer.echo(f"built and current: {', '.join(map(str, years))} → {out}")
        return
    with writing(out), signing(sign_key):
        lpa_log.add_file(out / f"{year}.build.log")
        result = build_year(year, data, out)
    errors = result.counts["findings"]["error"]
    typer.echo(f"{result.year}: {result.counts['laos_scored']} LAOs scored, "
               f"{result.counts['laos_passed']} passed, {errors} quality errors → {result.path}")
    if strict and errors:
        raise typer.Exit(EXIT_PROBLEMS)
