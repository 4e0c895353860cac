"""Where a year's national reference tables are cached (processed/<year>/reference, beside
the build) and whether the cache is current. `report.prepare_year` computes the tables.

Kept free of the statistics and plotting imports: the parent of a report run checks the
cache without loading them (~120 MB it would otherwise hold for the whole run)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from lpa_analysis.build import built_years, sha256_file

REFERENCE_DIR = "reference"
KEY_FILE = "key.json"
PACKAGE = Path(__file__).resolve().parent


@cache
def code_key() -> str:
    """Hash of the code that computes the reference tables: a change (a new table, a fixed
    statistic) recomputes them."""
    sources = [PACKAGE / "report.py", *sorted((PACKAGE / "stats").glob("*.py"))]
    return hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()


def stamp(year: int, processed_dir: Path) -> str:
    """What the tables were computed from: this year's build, every earlier one (trends) and
    the code."""
    history = {y: sha256_file(processed_dir / str(y) / "build.json")
               for y in built_years(processed_dir) if y <= year}
    return json.dumps({"build": sha256_file(processed_dir / str(year) / "build.json"),
                       "history": history, "code": code_key()}, sort_keys=True)


def folder(year: int, processed_dir: Path) -> Path:
    return processed_dir / str(year) / REFERENCE_DIR


def is_current(year: int, processed_dir: Path) -> bool:
    """True when the cached tables were computed from exactly these builds and code."""
    key = folder(year, processed_dir) / KEY_FILE
    return key.is_file() and key.read_text() == stamp(year, processed_dir)
