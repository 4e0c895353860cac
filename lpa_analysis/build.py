"""Stage 2 of the one-way flow: raw data folder → quality gate → scoring → reconciliation →
processed tables in `<out>/<year>/`, written atomically.

    build_year(2566)                 # data/demo → data/processed/2566/
    load_processed(2566)             # what every notebook reads
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from lpa_analysis import __version__
from lpa_analysis.errors import InputError, Problem
from lpa_analysis.files import replace_dir, staging_dir
from lpa_analysis.log import log
from lpa_analysis.schema import RECONCILIATION_COLUMNS, to_be_year

DEFAULT_DATA = Path("data/demo")
# Raised when the processed tables or build.json change shape or layout (3: small Parquet row
# groups): older builds are then rebuilt.
BUILD_FORMAT = 3
DEFAULT_PROCESSED = Path("data/processed")
# Small tables also go out as CSV (UTF-8 with BOM so Excel shows Thai correctly).
TABLES = ("scored_laos", "indicator_scores", "quality_findings", "quarantine", "reconciliation")
CSV_TABLES = ("scored_laos", "quality_findings", "quarantine", "reconciliation")
RECORDED_PACKAGES = ("pandas", "numpy", "pyarrow", "great_expectations", "scipy", "statsmodels")


@dataclass
class BuildResult:
    year: int
    path: Path
    counts: dict
    findings: pd.DataFrame = field(repr=False)


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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _reader_problems(folder) -> dict[str, list[Problem]]:
    tables = {"registry": folder.registry, "scores": folder.scores, "published": folder.published}
    return {name: list(loaded.problems) for name, loaded in tables.items() if loaded is not None}


def _check_consistent(folder, framework_path: Path, year: int) -> None:
    """Inputs that cannot be scored at all stop the build (nothing is written)."""
    if folder.framework.year != year:
        raise InputError(f"framework is for {folder.framework.year}, not {year}",
                         file=framework_path)
    for name, loaded in (("registry", folder.registry), ("scores", folder.scores)):
        if loaded.frame.empty:
            raise InputError(f"{name} has no rows", file=loaded.path)


def _inputs_info(folder, framework_path: Path, data_dir: Path) -> list[dict]:
    """Paths relative to the data folder, so the same inputs elsewhere give the same record."""
    paths = [folder.registry.path, framework_path, folder.scores.path]
    if folder.published is not None:
        paths.append(folder.published.path)
    return [{"path": Path(p).resolve().relative_to(data_dir.resolve()).as_posix(),
             "size": Path(p).stat().st_size, "sha256": sha256_file(Path(p))} for p in paths]


def _versions() -> dict:
    found = {"lpa_analysis": __version__, "python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        found[name] = version(name.replace("_", "-"))
    return found


# Small row groups: a report reads one province's indicator scores (filtered by province_code)
# from ~30 k-row groups instead of scanning the year's 1.6 M rows (0.02 s instead of 0.15–0.3 s).
# Rows stay in lao_code order, which keeps each province in a few runs.
ROW_GROUP_SIZE = 32_768


def _write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False, row_group_size=ROW_GROUP_SIZE)
        if name in CSV_TABLES:
            frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")


def _missing_findings(missing: pd.DataFrame) -> pd.DataFrame:
    """Indicators that count for a scored LAO but have no row score 0: say so, row by row."""
    from lpa_analysis.schema import FINDINGS_COLUMNS

    if missing.empty:
        return pd.DataFrame(columns=FINDINGS_COLUMNS)
    return pd.DataFrame({
        "table": "scores", "check": "indicator_missing", "severity": "warning",
        "source_row": pd.NA, "lao_code": missing["lao_code"],
        "indicator_id": missing["indicator_id"], "column": "indicator_id", "value": pd.NA,
        "message": "no score row for an indicator that counts for this LAO: scored 0",
    })[FINDINGS_COLUMNS]


def _write_manifest(folder: Path, info: dict, data_dir: Path, out_dir: Path) -> None:
    from lpa_analysis.manifest import file_records, write_manifest

    outputs = file_records(folder, (p for p in folder.iterdir() if p.is_file()))
    write_manifest(folder, kind="build",
                   parameters={"year": info["year"], "data_dir": str(data_dir.resolve()),
                               "out_dir": str(out_dir.resolve())},
                   inputs=info["inputs"], outputs=outputs,
                   extra={"framework": info["framework"], "counts": info["counts"]},
                   run={"timings_s": info["timings_s"]})


def build_year(year: int, data_dir: str | Path = DEFAULT_DATA,
               out_dir: str | Path = DEFAULT_PROCESSED) -> BuildResult:
    """Read, validate, score and reconcile one year; write `<out_dir>/<year>/` atomically."""
    from lpa_analysis import demo, io, quality, reconcile, scoring

    year = to_be_year(year)
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    demo.ensure_data(data_dir)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[stage] = round(now - started, 3)
        started = now

    log.info("build %s: reading %s", year, data_dir)
    folder = io.load_year(data_dir, year)
    framework_path = io.find_input(data_dir, "framework", year)
    _check_consistent(folder, framework_path, year)
    lap("read")

    published = folder.published.frame if folder.published is not None else None
    gate = quality.run_gate(folder.registry.frame, folder.scores.frame, folder.framework,
                            published, extra_errors=_reader_problems(folder))
    lap("quality_gate")
    errors = int((gate.findings["severity"] == "error").sum())
    log.info("quality gate: %d errors, %d warnings, %d rows quarantined", errors,
             len(gate.findings) - errors, len(gate.quarantine))

    result = scoring.score_laos(gate.accepted["scores"], gate.accepted["registry"],
                                folder.framework)
    lap("scoring")
    recon = (reconcile.reconcile(gate.accepted["published"], result.laos)
             if published is not None else pd.DataFrame(columns=RECONCILIATION_COLUMNS))
    lap("reconciliation")

    scored = result.laos
    findings = pd.concat([gate.findings, _missing_findings(result.missing)], ignore_index=True)
    counts = {
        "tables": gate.counts,
        "laos_in_registry": len(gate.accepted["registry"]),
        "laos_scored": len(scored),
        "laos_passed": int(scored["passed"].fillna(False).astype(bool).sum()),
        "findings": {"error": errors, "warning": len(findings) - errors},
        "indicator_rows_missing": len(result.missing),
        "reconciliation_differences": len(recon),
    }
    tables = {
        "scored_laos": scored,
        "indicator_scores": result.indicators,
        "quality_findings": findings,
        "quarantine": gate.quarantine,
        "reconciliation": recon,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / str(year)
    tmp = staging_dir(final)
    try:
        _write_tables(tables, tmp)
        lap("write")
        info = {
            "year": year,
            "data_dir": str(data_dir),
            "inputs": _inputs_info(folder, framework_path, data_dir),
            "framework": {"year": folder.framework.year,
                          "overall_method": folder.framework.overall_method,
                          "indicators": len(folder.framework.indicators),
                          "counted_indicators": sum(not i.pilot for i in folder.framework.indicators)},
            "counts": counts,
            "checks": {table: len(suite["expectations"]) for table, suite
                       in quality.generate_suites(folder.framework).items()
                       if table != "published" or published is not None},
            "format": BUILD_FORMAT,
            "versions": _versions(),
            "timings_s": timings,
        }
        (tmp / "build.json").write_text(json.dumps(info, ensure_ascii=False, indent=2,
                                                   sort_keys=True) + "\n", encoding="utf-8")
        _write_manifest(tmp, info, data_dir, out_dir)
        replace_dir(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("build %s: %d LAOs scored, %d passed → %s", year, counts["laos_scored"],
             counts["laos_passed"], final)
    return BuildResult(year, final, counts, findings)


# build.json keys that say when and where a build ran, not what it computed.
VOLATILE_BUILD_KEYS = ("timings_s", "data_dir")


def read_build_info(folder: str | Path) -> dict:
    """A built year's build.json: its inputs, framework, counts and versions."""
    return json.loads((Path(folder) / "build.json").read_text(encoding="utf-8"))


def build_fingerprint(folder: Path) -> str:
    """What a build computed (inputs, framework, counts, versions), not when or where."""
    from lpa_analysis.batch import fingerprint

    info = read_build_info(folder)
    return fingerprint({k: v for k, v in info.items() if k not in VOLATILE_BUILD_KEYS})


def release_arrow_memory() -> None:
    """Hand Arrow's freed buffers back to the system. Its allocator keeps the peak of a big
    Parquet read (and pandas' Arrow-backed strings) for the life of the process otherwise:
    call it in long-lived processes once a large frame has gone."""
    import pyarrow

    pyarrow.default_memory_pool().release_unused()


def load_processed(year: int, processed_dir: str | Path = DEFAULT_PROCESSED) -> Processed:
    """The tables `build_year` wrote; a missing year is an error that says how to build it.

    Cached per process while the build is unchanged (a warm report kernel renders many
    provinces from the same national tables): treat the frames as read-only."""
    year = to_be_year(year)
    folder = (Path(processed_dir) / str(year)).resolve()
    info_path = folder / "build.json"
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
                  if p.name.isdigit() and (p / "build.json").is_file())
