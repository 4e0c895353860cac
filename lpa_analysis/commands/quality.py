"""`lpa expectations` (write the suites from a framework) and `lpa validate` (the gate alone)."""

from __future__ import annotations

from pathlib import Path

import typer

from lpa_analysis.commands.options import EXIT_PROBLEMS, Year, app, output_folder, writing

DEFAULT_DATA = Path("data/demo")


@app.command()
def expectations(
    year: Year,
    data: Path = typer.Option(None, "--data",
                              help="Take the framework from DATA/frameworks/lpa-<year>.yml "
                                   "instead of the bundled one."),
    out: Path = typer.Option(None, "--out", help="Folder for the suites [default: expectations/]."),
) -> None:
    """(Re)write the Great Expectations suites of a year from its framework.

    Writes OUT/registry-<year>.json, scores-<year>.json, published-<year>.json; review the
    diff and commit them. A test fails while committed suites differ from the framework.

    Example: lpa expectations --year 2566
    """
    from lpa_analysis import quality
    from lpa_analysis.log import log
    from lpa_analysis.schema import load_framework

    out = output_folder(out or quality.EXPECTATIONS_DIR, "--out")
    if data is None:
        from lpa_analysis.package_data import bundled_framework

        path = bundled_framework(year)
    else:
        from lpa_analysis.readers import find_input

        path = find_input(data, "framework", year)
    framework = load_framework(path)
    with writing(out):
        written = quality.write_suites(framework, out)
    for suite in written:
        log.debug("wrote %s", suite)
        typer.echo(str(suite))


@app.command()
def validate(
    year: Year,
    data: Path = typer.Option(DEFAULT_DATA, "--data", help="Raw data folder."),
    as_json: bool = typer.Option(False, "--json", help="Print counts and every finding as JSON."),
    limit: int = typer.Option(20, "--limit", help="Findings listed in the readable summary."),
) -> None:
    """Run the quality gate alone (no scoring, nothing written).

    Prints rows accepted/quarantined per table and the findings (row, LAO, indicator,
    reason). Exit 1 when there are errors (rows that would be quarantined).

    Example: lpa validate --year 2566 --data data/demo --json > findings.json
    """
    import json

    from lpa_analysis import quality, readers
    from lpa_analysis.build import require_data

    folder = readers.load_year(require_data(data), year)
    tables = {"registry": folder.registry, "scores": folder.scores,
              "published": folder.published}
    gate = quality.run_gate(
        folder.registry.frame, folder.scores.frame, folder.framework,
        folder.published.frame if folder.published is not None else None,
        extra_errors={t: loaded.problems for t, loaded in tables.items() if loaded is not None})
    if as_json:
        findings = gate.findings.astype(object).where(gate.findings.notna(), None)
        typer.echo(json.dumps({"year": year, "data": str(data), "counts": gate.counts,
                               "errors": gate.errors, "warnings": gate.warnings,
                               "findings": findings.to_dict(orient="records")},
                              ensure_ascii=False, indent=2))
    else:
        typer.echo(f"quality gate {year}, {data}")
        typer.echo(quality.summary(gate, limit))
    if gate.errors:
        raise typer.Exit(EXIT_PROBLEMS)
