"""The processed tables: what `lpa build` wrote to `<processed>/<year>/`, read back. Everything
after the build reads its data from here, never from the raw data folder: the year's framework
is copied into the build (`framework.yml`) for that reason.

    p = load_processed(2566)             # scored_laos, quality_findings, …, framework, info
    built_years()                        # [2563, 2564, 2565, 2566]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from lpa_analysis.errors import InputError
from lpa_analysis.provenance import fingerprint
from lpa_analysis.schema import (RELEASE_FILE, Framework, Release, load_framework, load_release,
                                 to_be_year)

DEFAULT_PROCESSED = Path("data/processed")
# Raised when the processed tables or build.json change shape or layout (3: small Parquet row
# groups; 4: the framework copied into the build; 5: the release metadata, dataset.yml): older
# builds are then rebuilt.
BUILD_FORMAT = 5
TABLES = ("scored_laos", "indicator_scores", "quality_findings", "quarantine", "reconciliation")
# Small tables also go out as CSV (UTF-8 with BOM so Excel shows Thai correctly).
CSV_TABLES = ("scored_laos", "quality_findings", "quarantine", "reconciliation")
BUILD_INFO = "build.json"
FRAMEWORK_FILE = "framework.yml"
# build.json keys that say when and where a build ran, not what it computed.
VOLATILE_BUILD_KEYS = ("timings_s", "data_dir")


@dataclass
class Processed:
    """The processed tables of one year, as notebooks and statistics read them.

    `indicator_scores` (~1.6 M rows nationally, ~300 MB in memory) is read from its Parquet
    file on every use and never kept here, so a long-lived process (a report worker, whose
    `Processed` is cached) returns it once the caller lets it go: hold the frame while you
    need it. `indicator_scores_of(province_code)` reads one province's rows only (~20 ms)."""

    year: int
    folder: Path
    scored_laos: pd.DataFrame
    quality_findings: pd.DataFrame
    quarantine: pd.DataFrame
    reconciliation: pd.DataFrame
    info: dict

    @property
    def indicator_scores(self) -> pd.DataFrame:
        return pd.read_parquet(self.folder / "indicator_scores.parquet")

    def indicator_scores_of(self, province_code: str) -> pd.DataFrame:
        return pd.read_parquet(self.folder / "indicator_scores.parquet",
                               filters=[("province_code", "==", province_code)])

    @cached_property
    def framework(self) -> Framework:
        """The year's framework as the build used it (its copy in the processed folder)."""
        return load_framework(self.folder / FRAMEWORK_FILE)

    @cached_property
    def release(self) -> Release:
        """The release metadata as the build validated it (publisher, status, synthetic, …)."""
        path = self.folder / RELEASE_FILE
        if not path.is_file():
            raise InputError(f"built before release metadata were recorded; run: lpa build "
                             f"--year {self.year}", file=self.folder)
        return load_release(path, built=True)


def year_folder(year: int, processed_dir: str | Path = DEFAULT_PROCESSED) -> Path:
    return Path(processed_dir) / str(to_be_year(year))


def read_build_info(folder: str | Path) -> dict:
    """A built year's build.json: its inputs, framework, counts and versions."""
    return json.loads((Path(folder) / BUILD_INFO).read_text(encoding="utf-8"))


def build_fingerprint(folder: Path) -> str:
    """What a build computed (inputs, framework, counts, versions), not when or where."""
    info = read_build_info(folder)
    return fingerprint({k: v for k, v in info.items() if k not in VOLATILE_BUILD_KEYS})


def release_arrow_memory() -> None:
    """Hand Arrow's freed buffers back to the system. Its allocator keeps the peak of a big
    Parquet read (and pandas' Arrow-backed strings) for the life of the process otherwise:
    call it in long-lived processes once a large frame has gone."""
    import pyarrow

    pyarrow.default_memory_pool().release_unused()


def load_processed(year: int, processed_dir: str | Path = DEFAULT_PROCESSED) -> Processed:
    """The tables `lpa build` wrote; a missing year is an error that says how to build it.

    Cached per process while the build is unchanged (a warm report kernel renders many
    provinces from the same national tables): treat the frames as read-only."""
    year = to_be_year(year)
    folder = year_folder(year, processed_dir).resolve()
    info_path = folder / BUILD_INFO
    if not info_path.is_file():
        raise InputError(f"year {year} is not built; run: lpa build --year {year}", file=folder)
    stat = info_path.stat()
    return _load_processed(year, folder, (stat.st_mtime_ns, stat.st_size, stat.st_ino))


@lru_cache(maxsize=8)
def _load_processed(year: int, folder: Path, _stamp: tuple) -> Processed:
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES
              if name != "indicator_scores"}
    return Processed(year=year, folder=folder, info=read_build_info(folder), **tables)


def built_years(processed_dir: str | Path = DEFAULT_PROCESSED) -> list[int]:
    root = Path(processed_dir)
    if not root.is_dir():
        return []
    return sorted(int(p.name) for p in root.iterdir()
                  if p.name.isdigit() and (p / BUILD_INFO).is_file())
