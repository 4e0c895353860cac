"""Writing outputs so that a reader (or an interrupted run) never meets half of one: a file
goes in by an atomic rename, a folder by a swap.

Imports nothing heavy: the PDF renderer process publishes with it."""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import pandas as pd

# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula (OWASP:
# CSV injection); a leading ' makes it text. Numbers written as text ('-1.5') run as numbers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> Path:
    """Write via a temporary name in the same folder, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; reports are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def runs_as_formula(value: object) -> bool:
    """Whether a spreadsheet opening a CSV would run this cell as a formula."""
    return (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and not _NUMBER.fullmatch(value))


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """A table for people as CSV: UTF-8 with BOM (so Excel shows Thai), and every text cell
    that would run as a formula prefixed with ' (`runs_as_formula`). Numbers are untouched;
    the Parquet copies keep the text exactly."""
    safe = frame
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if column.dtype.kind != "O":
            continue
        text = column.astype(object)
        live = text.map(runs_as_formula).astype(bool)
        if live.any():
            safe = safe.copy() if safe is frame else safe
            safe.isetitem(i, text.where(~live, "'" + text[live]))
    safe.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def staging_dir(final: Path) -> Path:
    """A new hidden folder beside `final` to build it in, named after this machine and
    process (after `sweep_staging`)."""
    sweep_staging(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{final.name}.{socket.gethostname()}-{os.getpid()}.",
                                   dir=final.parent))
    folder.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; the folder becomes the output
    return folder


def sweep_staging(final: Path) -> None:
    """Remove the staging folders of `final` left by processes of this machine that have died
    (a killed worker, an interrupted run). Those of live processes, or of other machines (a
    Dask cluster on a shared disk), are left alone."""
    host = socket.gethostname()
    owned = re.compile(rf"\.{re.escape(final.name)}\.(?P<host>.+)-(?P<pid>\d+)\.[^.]+")
    for folder in final.parent.glob(f".{final.name}.*"):
        match = owned.fullmatch(folder.name)
        if (match and folder.is_dir() and match["host"] == host
                and not _alive(int(match["pid"]))):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def replace_dir(tmp: Path, final: Path, ours: Callable[[str], bool] = lambda _: True
                ) -> list[str]:
    """Swap the finished folder into place; the old one survives until the new one is there.

    ours: whether a file of the old folder (its path inside it, POSIX) was written by lpa.
    Other files (a user's notes) move into the new folder instead of being deleted, and their
    paths are returned; one whose path lpa now writes itself is replaced."""
    kept = _carry_over(final, tmp, ours) if final.is_dir() else []
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)
    return kept


def _carry_over(old: Path, new: Path, ours: Callable[[str], bool]) -> list[str]:
    """Link (or copy) the files lpa did not write into the new folder: until the swap, the
    old folder still holds them, so an interruption loses none."""
    kept = []
    for path in sorted(p for p in old.rglob("*") if p.is_file()):
        name = path.relative_to(old).as_posix()
        target = new / name
        if not ours(name) and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:  # a file system without hard links
                shutil.copy2(path, target)
            kept.append(name)
    return kept
