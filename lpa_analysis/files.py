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


def staging_dir(final: Path) -> Path:
    """A new hidden folder beside `final` to build it in, named after this machine and
    process (after `sweep_staging`)."""
    sweep_staging(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{final.name}.{socket.gethostname()}-{os.getpid()}.",
                                 dir=final.parent))


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


def replace_dir(tmp: Path, final: Path) -> None:
    """Swap the finished folder into place; the old one survives until the new one is there."""
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)
