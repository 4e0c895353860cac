"""Provenance: the one place that says what a file, a set of inputs or the code is (hashes and
fingerprints), which parameters are places rather than inputs, which commit the code came from
and which date goes into a document. Standard library only, so every layer can use it.

    sha256_file(path)                    # a file's content
    fingerprint(params, hashes, …)       # JSON-able parts → one stable hash
    code_fingerprint()                   # every file of the installed package
    document_date(2566)                  # the date written into PDFs and workbooks
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# Where things are on this machine is not part of what was computed: the same inputs in
# another folder must give the same bytes, so these parameters stay out of hashed records.
PATH_PARAMETERS = frozenset({"data_dir", "processed_dir", "out_dir", "reports_dir"})
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(*parts: object) -> str:
    """A stable hash of JSON-able parts (parameters, file hashes, versions)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def without_paths(parameters: dict) -> dict:
    """Parameters as inputs: folders are places, not inputs (their content is hashed apart)."""
    return {k: v for k, v in parameters.items() if k not in PATH_PARAMETERS}


def files_fingerprint(paths, root: Path = PACKAGE_DIR) -> str:
    """Hash of the named files' paths (relative to `root`) and contents."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def package_files(root: Path = PACKAGE_DIR) -> list[Path]:
    """Every file of the package, through the linked notebooks/ and expectations/ folders."""
    return [Path(folder) / name for folder, dirs, names in os.walk(root, followlinks=True)
            if "__pycache__" not in Path(folder).parts for name in names]


@cache
def code_fingerprint() -> str:
    """Every file of the package (code, notebooks, suites, templates, fonts): a change
    re-renders."""
    return files_fingerprint(package_files())


def git_state(path: Path = PACKAGE_DIR) -> dict:
    """The commit the code came from and whether the tree had uncommitted changes (None for
    both outside a git checkout, e.g. an installed wheel)."""
    def run(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True,
                                 timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = run("rev-parse", "HEAD")
    status = run("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def source_date() -> datetime | None:
    """SOURCE_DATE_EPOCH as a UTC datetime (the data's snapshot date), if set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), UTC) if epoch else None


def document_date(year_be: int | None = None) -> datetime:
    """The date written into documents, never 'now', so re-running gives the same bytes:
    $SOURCE_DATE_EPOCH when set; else the data's snapshot date for an assessment year (BE: the
    end of that Thai fiscal year, 30 September); else 1980-01-01 (the zip format's epoch)."""
    if (date := source_date()) is not None:
        return date
    if year_be is not None:
        return datetime(int(year_be) - 543, 9, 30, tzinfo=UTC)
    return datetime(*ZIP_EPOCH, tzinfo=UTC)
