"""`lpa check`: pre-flight validation of one input file."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from lpa_analysis.commands.options import EXIT_UNUSABLE, app
from lpa_analysis.errors import InputError


class Kind(str, Enum):
    registry = "registry"
    framework = "framework"
    scores = "scores"
    published = "published"


@app.command()
def check(
    file: Path = typer.Argument(
        ..., help="The file to check (.csv, .xlsx, .parquet; .yml for a framework)."),
    kind: Kind = typer.Option(..., "--kind", "-k", help="What the file is."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON (UTF-8)."),
    framework: Path | None = typer.Option(
        None, "--framework", help="Framework YAML to check scores/published against."),
    registry: Path | None = typer.Option(
        None, "--registry", help="Registry to check scores/published against."),
    data: Path | None = typer.Option(
        None, "--data", help="Data folder with registry.* and frameworks/lpa-<year>.yml."),
    year: int | None = typer.Option(
        None, "--year", "-y",
        help="Year of the framework in --data (default: from the file name, scores/2566.csv)."),
    show: int = typer.Option(
        10, "--show", help="Problems shown per kind of problem (--json has them all)."),
) -> None:
    """Check one input file before a build; list every problem with its row.

    Prints rows, LAOs, counts by type and province, and the problems found,
    grouped, each with its row and column (--json: all of it as JSON).

    Scores and published results are also checked against a framework and a
    registry: known indicators and LAOs, allowed point levels, N/A only where
    an indicator does not apply, pass and band against the overall %. A file
    inside a data folder (DATA/scores/2566.csv) finds them there by itself.

    Exit codes: 0 usable (warnings allowed), 1 errors found, 2 unreadable.

    Examples:

      lpa check ../shared/data/dla/lao-registry-2566.csv --kind registry

      lpa check data/demo/scores/2566.csv --kind scores --json

      lpa check sheet.xlsx --kind scores --data data/demo --year 2566
    """
    from lpa_analysis.check import check_file

    try:
        report = check_file(file, kind.value, framework=framework, registry=registry,
                            data_dir=data, year=year)
    except InputError as exc:
        if as_json:
            typer.echo(json.dumps({"file": str(file), "kind": kind.value, "usable": False,
                                   "error": str(exc)}, ensure_ascii=False, indent=2))
        typer.echo(f"lpa: error: {exc}", err=True)
        raise typer.Exit(EXIT_UNUSABLE) from None
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.render(show))
    raise typer.Exit(report.exit_code)
