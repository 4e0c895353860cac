"""`lpa audit`: verify a published run against its manifest; the auditor's report."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from lpa_analysis.commands.options import (EXIT_PROBLEMS, DataDir, Formats, Lang, ProcessedDir, ReportsDir,
                              Year, app, parse_formats)

audit_app = typer.Typer(help="Reproduce and verify published results (auditors).",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    manifest: Path = typer.Argument(..., help="reports/<year>/manifest.json or "
                                    "data/processed/<year>/manifest.json"),
    hashes_only: bool = typer.Option(False, "--hashes-only",
                                     help="Only check files on disk against the manifest (fast)."),
    as_json: bool = typer.Option(False, "--json", help="Print the checks as JSON."),
) -> None:
    """Recompute input hashes, re-run in a temporary folder and compare every output.

    Exit 0 only when every input and output matches.

    Examples:
      lpa audit verify reports/2566/manifest.json
      lpa audit verify reports/2566/manifest.json --hashes-only
    """
    from rich.console import Console
    from rich.table import Table

    from lpa_analysis import audit

    result = audit.verify_hashes(manifest) if hashes_only else audit.verify(manifest)
    if as_json:
        typer.echo(json.dumps({"ok": result.ok, "checks": result.table().to_dict("records")},
                              ensure_ascii=False, indent=2))
    else:
        table = Table("kind", "path", "status", "detail", title=str(manifest))
        for c in result.checks:
            if c.status not in audit.OK_STATUSES or len(result.checks) <= 40:
                style = "green" if c.status in audit.OK_STATUSES else "red"
                table.add_row(c.kind, c.path, f"[{style}]{c.status}[/]", c.detail)
        Console().print(table)
        counts = result.table()["status"].value_counts().to_dict()
        typer.echo(("OK: " if result.ok else "FAILED: ") +
                   ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    if not result.ok:
        raise typer.Exit(EXIT_PROBLEMS)


@audit_app.command("report")
def report(
    year: Year,
    lang: Lang = "th",
    fmt: Formats = "html,pdf",
    data: DataDir = Path("data/demo"),
    processed: ProcessedDir = Path("data/processed"),
    out: ReportsDir = Path("reports"),
    force: bool = typer.Option(False, "--force", help="Render even when inputs are unchanged."),
) -> None:
    """The auditor's report of a year: reports/<year>/audit.{html,pdf}.

    Example: lpa audit report --year 2566
    """
    from lpa_analysis.runs import run_audit_report

    formats = parse_formats(lang, fmt)
    result = run_audit_report(year, lang=lang, formats=formats, data_dir=data,
                              processed_dir=processed, out_dir=out, force=force)
    if result.status == "failed":
        typer.echo(f"FAILED {result.key} (cell {result.cell}): {result.error}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    typer.echo(f"{result.key}: {result.status} → {out / str(year) / 'audit.html'}")
