"""What every `lpa` command shares: the typer app, exit codes and the options several commands
take. Each command module registers itself on `app`; `cli.main` runs it."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
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


def _be_year(year: int | None) -> int | None:
    """--year as a BE year; one outside the years `to_be_year` knows is a usage error (exit 2)
    that gives the range."""
    from lpa_analysis.schema import to_be_year

    try:
        return None if year is None else to_be_year(year)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


# Options several commands share, declared once.
Year = Annotated[int, typer.Option("--year", "-y", callback=_be_year,
                                   help="Assessment year, BE (2566) or CE (2023).")]
Lang = Annotated[str, typer.Option("--lang", help="th or en.")]
Formats = Annotated[str, typer.Option("--format", help="html, pdf or html,pdf.")]
DataDir = Annotated[Path, typer.Option("--data", help="Raw data folder.")]
ProcessedDir = Annotated[Path, typer.Option(
    "--processed", help="Processed tables (missing years are built first).")]
ReportsDir = Annotated[Path, typer.Option("--out", help="Reports folder.")]
SignKey = Annotated[Path | None, typer.Option(
    "--sign-key", envvar="LPA_SIGNING_KEY",
    help="Sign the manifests written with this Ed25519 private key (lpa audit keygen).")]


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


def output_folder(path: Path, option: str) -> Path:
    """An output folder given on the command line, checked before any work: a file in its
    place, or a folder that cannot be written, is an error naming the path (exit 2)."""
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise InputError(f"{option} needs a folder here, but this is a file", file=existing)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{option}: this folder cannot be written (read-only)", file=existing)
    return path


def output_file(path: Path, option: str) -> Path:
    """An output file given on the command line: not a folder, and its folder writable."""
    if path.is_dir():
        raise InputError(f"{option} needs a file name, but this is a folder", file=path)
    output_folder(path.parent, option)
    return path


@contextmanager
def writing(*outputs: Path) -> Iterator[None]:
    """An OS error while the command works (a disk full, a read-only folder, a file where a
    folder should be) is an error naming the file, or else the output folders (exit 2), not
    a traceback."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        if exc.errno == errno.ENOSPC:
            reason += ": free some space and run again"
        if exc.filename is None:
            reason += f" (writing in {' or '.join(map(str, outputs))})"
        raise InputError(reason, file=exc.filename) from exc


OUTPUT_MARKER = ".lpa-output.json"  # {"kind": ...}: an output folder lpa made
_MANIFEST_KINDS = {"build": "processed", "reports": "reports"}  # runs from before the marker


def check_apart(**folders: Path) -> None:
    """A command's output folders (option name → folder) must not be the same folder nor one
    inside another: the build swaps processed/<year> whole, taking reports there with it."""
    named = [(f"--{option}", path.resolve()) for option, path in folders.items()]
    for i, (a, path_a) in enumerate(named):
        for b, path_b in named[i + 1:]:
            if path_a.is_relative_to(path_b) or path_b.is_relative_to(path_a):
                raise InputError(f"{a} {path_a} and {b} {path_b} overlap (the same folder, or "
                                 "one inside the other); give each a folder of its own")


def claim_folder(path: Path, option: str, kind: str, *, force: bool = False) -> Path:
    """An output folder for lpa's `kind` of output ('processed' or 'reports'): new, empty, or
    made by lpa for that kind; another non-empty folder only with `force`, '/' never. lpa
    replaces whole year folders in it, so a folder of other files is refused (exit 2). The
    folder is marked, so that later runs know it."""
    resolved = path.resolve()
    if resolved == Path(resolved.anchor):
        raise InputError(f"{option}: the root folder cannot hold outputs; give a folder of "
                         "its own", file=path)
    found = _folder_kind(path)
    if found != kind and not force and path.is_dir() and any(path.iterdir()):
        names = sorted(p.name for p in path.iterdir())
        holds = (f"lpa {found}" if found else "files lpa did not write ("
                 + ", ".join(names[:3]) + (", …)" if len(names) > 3 else ")"))
        raise InputError(f"{option}: this folder holds {holds}, and lpa replaces whole year "
                         f"folders in its {kind} folder. Give a new or empty folder, or "
                         "--force to write here anyway", file=path)
    if found is None:
        from lpa_analysis.files import write_atomic

        write_atomic(path / OUTPUT_MARKER, (json.dumps({"kind": kind}) + "\n").encode())
    return path


def claim_report_folders(data: Path, out: Path, processed: Path, *, force: bool) -> None:
    """What every command rendering from a raw data folder checks first: the data are there,
    the reports and processed folders are apart, usable and lpa's of their kind."""
    from lpa_analysis.build import require_data

    require_data(data)
    check_apart(out=out, processed=processed)
    for path, option, kind in ((out, "--out", "reports"),
                               (processed, "--processed", "processed")):
        output_folder(path, option)
        claim_folder(path, option, kind, force=force)


def _folder_kind(path: Path) -> str | None:
    """What lpa made the folder for: its marker, or a year manifest (runs before markers)."""
    try:
        return json.loads((path / OUTPUT_MARKER).read_text(encoding="utf-8"))["kind"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    for manifest in sorted(path.glob("*/manifest.json")):
        try:
            made = _MANIFEST_KINDS.get(json.loads(manifest.read_text(encoding="utf-8"))["kind"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if made:
            return made
    return None


@app.callback()
def _global(
    verbose: int = typer.Option(0, "-v", "--verbose", count=True, help="More detail (-vv: debug)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Only warnings and errors."),
) -> None:
    lpa_log.setup(-1 if quiet else verbose)
