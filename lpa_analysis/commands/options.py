"""What every `lpa` command shares: the typer app, exit codes and the options several commands
take. Each command module registers itself on `app`; `cli.main` runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lpa_analysis import log as lpa_log
from lpa_analysis.errors import InputError

app = typer.Typer(
    help="lpa — Local Performance Assessment analysis (การประเมินประสิทธิภาพ อปท.).\n\n"
    "Exit codes: 0 = ok, 1 = problems found, 2 = unusable input or wrong usage.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2

# Options several commands share, declared once.
Year = Annotated[int, typer.Option("--year", "-y",
                                   help="Assessment year, BE (2566) or CE (2023).")]
Lang = Annotated[str, typer.Option("--lang", help="th or en.")]
Formats = Annotated[str, typer.Option("--format", help="html, pdf or html,pdf.")]
DataDir = Annotated[Path, typer.Option("--data", help="Raw data folder.")]
ProcessedDir = Annotated[Path, typer.Option(
    "--processed", help="Processed tables (missing years are built first).")]
ReportsDir = Annotated[Path, typer.Option("--out", help="Reports folder.")]


def check_lang(lang: str) -> str:
    if lang not in ("th", "en"):
        raise InputError(f"--lang must be th or en, not '{lang}'")
    return lang


def parse_formats(lang: str, fmt: str) -> set[str]:
    """Validate --lang and --format together; returns the set of formats."""
    check_lang(lang)
    formats = {f.strip() for f in fmt.split(",") if f.strip()}
    if not formats or formats - {"html", "pdf"}:
        raise InputError(f"--format takes html, pdf or html,pdf, not '{fmt}'")
    return formats


@app.callback()
def _global(
    verbose: int = typer.Option(0, "-v", "--verbose", count=True, help="More detail (-vv: debug)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Only warnings and errors."),
) -> None:
    lpa_log.setup(-1 if quiet else verbose)
