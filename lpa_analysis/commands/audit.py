"""`lpa audit`: verify a published run against its manifest; the auditor's report."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from lpa_analysis.commands.options import (
    EXIT_PROBLEMS, DataDir, Formats, Lang, ProcessedDir, ReportsDir, Year, app,
    claim_report_folders, parse_formats,
)

audit_app = typer.Typer(help="Reproduce and verify published results (auditors).",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    manifest: Path = typer.Argument(..., help="reports/<year>/<lang>/manifest.json or "
                                    "data/processed/<year>/manifest.json, or the folder "
                                    "holding it (each language has its own)."),
    hashes_only: bool = typer.Option(False, "--hashes-only",
                                     help="Only check files on disk against the manifest (fast)."),
    as_json: bool = typer.Option(False, "--json", help="Print the checks as JSON."),
    require_signature: bool = typer.Option(
        False, "--require-signature", help="Fail when the manifest is not signed."),
    public_key: Path = typer.Option(
        None, "--public-key", help="The publisher's public key file (KEYFILE.pub of `lpa audit "
        "keygen`): the manifest must be signed with it."),
) -> None:
    """Recompute input hashes, re-run in a temporary folder and compare every output.

    Exit 0 only when every input and output matches. A signed manifest's signature is checked;
    an unsigned one passes with a notice (--require-signature: fails).

    Examples:
      lpa audit verify reports/2566/th/manifest.json
      lpa audit verify reports/2566/en --hashes-only
      lpa audit verify reports/2566/th/manifest.json --public-key lpa-signing.key.pub
    """
    from rich.console import Console
    from rich.table import Table

    from lpa_analysis import audit
    from lpa_analysis.manifest import read_public_key

    manifest = _manifest_path(manifest)
    trust = {"trusted_key": read_public_key(public_key) if public_key else None,
             "require_signature": require_signature}
    result = (audit.verify_hashes(manifest, **trust) if hashes_only
              else audit.verify(manifest, **trust))
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
    _signature_notice(result, trusted=public_key is not None)
    if not result.ok:
        raise typer.Exit(EXIT_PROBLEMS)


def _manifest_path(path: Path) -> Path:
    """The manifest a path names: the file, or the one in a folder. A year folder of reports
    holds one manifest per language: name the language's."""
    from lpa_analysis.errors import InputError
    from lpa_analysis.i18n import LANGS
    from lpa_analysis.manifest import MANIFEST

    if not path.is_dir():
        return path
    if (path / MANIFEST).is_file():
        return path / MANIFEST
    per_lang = [str(path / lang / MANIFEST) for lang in LANGS
                if (path / lang / MANIFEST).is_file()]
    raise InputError("no manifest in this folder" + (
        f"; each language has its own: {' or '.join(per_lang)}" if per_lang else ""), file=path)


def _signature_notice(result, *, trusted: bool) -> None:
    """Matching hashes prove nothing about who wrote them: say what the signature shows."""
    check = next(c for c in result.checks if c.kind == "signature")
    if check.status == "unsigned":
        typer.echo("NOTICE: this manifest is not signed: the files match it, but anyone who can "
                   "write the folder can recompute its hashes. Sign runs with --sign-key "
                   "(lpa audit keygen makes a key); --require-signature makes this an error.",
                   err=True)
    elif check.status == "valid" and not trusted:
        typer.echo(f"{check.detail}: a valid signature, but by whom? Compare the key with the "
                   "publisher's public key, or pass --public-key.", err=True)


@audit_app.command("keygen")
def keygen(
    out: Path = typer.Option(..., "--out", help="Private key file to create (readable by you "
                             "only); the public key goes to OUT.pub."),
) -> None:
    """Make an Ed25519 key pair to sign manifests with (lpa build/reports --sign-key).

    Give auditors the public key (OUT.pub, also printed): `lpa audit verify --public-key`
    then fails on a manifest not signed with your private key.

    Example:
      lpa audit keygen --out ~/.config/lpa/signing.key
      lpa reports --year 2566 --sign-key ~/.config/lpa/signing.key
    """
    from lpa_analysis.manifest import generate_key

    public = generate_key(out)
    typer.echo(f"private key: {out} (keep it secret; only you can read it)\n"
               f"public key:  {out}.pub\n{public}")


@audit_app.command("report")
def report(
    year: Year,
    lang: Lang = "th",
    fmt: Formats = "html,pdf",
    data: DataDir = Path("data/demo"),
    processed: ProcessedDir = Path("data/processed"),
    out: ReportsDir = Path("reports"),
    force: bool = typer.Option(False, "--force", help="Render even when inputs are unchanged; "
                               "write into an --out or --processed folder lpa did not make."),
) -> None:
    """The auditor's report of a year: reports/<year>/<lang>/audit.{html,pdf}, on that
    language's manifest.

    Example: lpa audit report --year 2566
    """
    from lpa_analysis.runs import lang_dir, run_audit_report
    from lpa_analysis.schema import to_be_year

    formats = parse_formats(lang, fmt)
    claim_report_folders(data, out, processed, force=force)
    result = run_audit_report(year, lang=lang, formats=formats, data_dir=data,
                              processed_dir=processed, out_dir=out, force=force)
    if result.status == "failed":
        typer.echo(f"FAILED {result.key} (cell {result.cell}): {result.error}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    html = lang_dir(out, to_be_year(year), lang) / "audit.html"
    typer.echo(f"{result.key}: {result.status} → {html}")
