"""Stage 2 of the one-way flow: raw data folder → quality gate → scoring → reconciliation →
processed tables in `<out>/<year>/`, written atomically.

    build_year(2566)                 # data/demo → data/processed/2566/
    ensure_built(2566, data, processed)   # every year up to 2566 built and current

The build owns freshness: which years exist in a data folder and whether a built year is
still current (`build_is_current`). Reading what it wrote is `processed.load_processed`.
"""

from __future__ import annotations

import json
import platform
import shutil
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from lpa_analysis import __version__
from lpa_analysis.errors import InputError, Problem, shown
from lpa_analysis.files import replace_dir, staging_dir, write_csv
from lpa_analysis.log import log
from lpa_analysis.processed import (BUILD_FORMAT, BUILD_INFO, CSV_TABLES, DEFAULT_PROCESSED,
                                    FRAMEWORK_FILE, RELEASE_FILE, read_build_info, year_folder)
from lpa_analysis.package_data import EXPECTATIONS
from lpa_analysis.provenance import PACKAGE_DIR, files_fingerprint, sha256_file
from lpa_analysis.schema import RECONCILIATION_COLUMNS, SOURCE_ROW, Release, to_be_year

DEFAULT_DATA = Path("data/demo")
# The code a build's result depends on: a change to one of these, or to the year's reviewed
# suites, makes built years stale (report code changes only re-render).
BUILD_MODULES = ("build.py", "readers.py", "rules.py", "quality.py", "scoring.py",
                 "reconcile.py", "schema.py", "geo.py")


def build_code_key(year: int) -> str:
    """Hash of the build-stage modules and the year's expectation suites."""
    return files_fingerprint([*(PACKAGE_DIR / m for m in BUILD_MODULES),
                              *sorted(EXPECTATIONS.glob(f"*-{to_be_year(year)}.json"))])
RECORDED_PACKAGES = ("pandas", "numpy", "pyarrow", "great_expectations", "scipy", "statsmodels")


@dataclass
class BuildResult:
    year: int
    path: Path
    counts: dict
    findings: pd.DataFrame = field(repr=False)


def _reader_problems(folder) -> dict[str, list[Problem]]:
    tables = {"registry": folder.registry, "scores": folder.scores, "published": folder.published}
    return {name: list(loaded.problems) for name, loaded in tables.items() if loaded is not None}


def _check_consistent(folder, framework_path: Path) -> None:
    """Inputs that cannot be scored at all stop the build (nothing is written). A framework
    for another year than its file name says is refused by `load_framework`."""
    for name, loaded in (("registry", folder.registry), ("scores", folder.scores)):
        if loaded.frame.empty:
            raise InputError(f"{name} has no rows", file=loaded.path)
    _check_indicators_scored(folder, framework_path)


def _check_indicators_scored(folder, framework_path: Path) -> None:
    """A counted indicator without one score row in the whole file would score 0 for every
    LAO it applies to, silently lowering every score: the framework and the scores are not
    of the same assessment."""
    types = set(folder.registry.frame["lao_type"].dropna())
    scored = set(folder.scores.frame["indicator_id"].dropna())
    unscored = [i.id for i in folder.framework.indicators
                if not i.pilot and i.id not in scored and any(i.applies(t) for t in types)]
    if unscored:
        one = len(unscored) == 1
        raise InputError(
            f"indicators: {shown(', '.join(unscored))} {'is' if one else 'are'} counted, but "
            f"{folder.scores.path} has no row for {'it' if one else 'them'}: every LAO would "
            "score 0 there. Add the rows, or mark the indicator pilot: true, or remove it",
            file=framework_path)


def _check_registry(findings: pd.DataFrame, path: Path) -> None:
    """The registry is what every score row is checked against, so a registry error (a code
    naming another province than its row, one code with two names) stops the build:
    quarantine is for score rows."""
    errors = findings[(findings["table"] == "registry") & (findings["severity"] == "error")]
    if errors.empty:
        return
    first = errors.iloc[0]
    listed = "it" if len(errors) == 1 else f"all {len(errors):,}"
    raise InputError(
        f"{first['message']}. A registry error stops the build: fix the registry (`lpa check "
        f"{path} --kind registry` lists {listed})", file=path,
        row=None if pd.isna(first[SOURCE_ROW]) else int(first[SOURCE_ROW]),
        column=None if pd.isna(first["column"]) else first["column"])


def _inputs_info(folder, framework_path: Path, data_dir: Path) -> list[dict]:
    """Paths relative to the data folder, so the same inputs elsewhere give the same record."""
    paths = [folder.registry.path, framework_path, folder.scores.path]
    if folder.published is not None:
        paths.append(folder.published.path)
    if folder.release_path is not None:
        paths.append(folder.release_path)
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
            write_csv(frame, folder / f"{name}.csv")


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


def _write_release(release: Release, source: Path | None, path: Path) -> None:
    """The release metadata as validated, for the reports (which never read the raw folder);
    `declared` says whether the data folder had a dataset.yml at all."""
    import yaml

    origin = f"from {source.name}" if source else "no dataset.yml in the data folder: a draft"
    text = yaml.safe_dump(release.model_dump(mode="json"), allow_unicode=True, sort_keys=False,
                          width=1000)
    path.write_text(f"# Written by lpa build ({origin}).\n{text}", encoding="utf-8")


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
    from lpa_analysis import quality, readers, reconcile, scoring

    year = to_be_year(year)
    data_dir, out_dir = require_data(data_dir), Path(out_dir)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[stage] = round(now - started, 3)
        started = now

    log.info("build %s: reading %s", year, data_dir)
    folder = readers.load_year(data_dir, year)
    framework_path = readers.find_input(data_dir, "framework", year)
    _check_consistent(folder, framework_path)
    lap("read")

    published = folder.published.frame if folder.published is not None else None
    gate = quality.run_gate(folder.registry.frame, folder.scores.frame, folder.framework,
                            published, extra_errors=_reader_problems(folder))
    _check_registry(gate.findings, folder.registry.path)
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
        shutil.copyfile(framework_path, tmp / FRAMEWORK_FILE)  # later stages read this copy
        _write_release(folder.release, folder.release_path, tmp / RELEASE_FILE)
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
            "code": build_code_key(year),
            "versions": _versions(),
            "timings_s": timings,
        }
        (tmp / BUILD_INFO).write_text(json.dumps(info, ensure_ascii=False, indent=2,
                                                   sort_keys=True) + "\n", encoding="utf-8")
        _write_manifest(tmp, info, data_dir, out_dir)
        replace_dir(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("build %s: %d LAOs scored, %d passed → %s", year, counts["laos_scored"],
             counts["laos_passed"], final)
    return BuildResult(year, final, counts, findings)


def build_is_current(year: int, data_dir: Path, processed_dir: Path) -> bool:
    """The year is built, in today's format, from exactly the inputs now in `data_dir`."""
    folder = year_folder(year, processed_dir)
    if not (folder / BUILD_INFO).is_file():
        return False
    info = read_build_info(folder)
    if info.get("format") != BUILD_FORMAT or info.get("code") != build_code_key(year):
        return False
    recorded = {item["path"] for item in info.get("inputs", [])}
    if (Path(data_dir) / RELEASE_FILE).is_file() and RELEASE_FILE not in recorded:
        return False  # a dataset.yml added since the build
    for item in info.get("inputs", []):
        path = Path(data_dir) / item["path"]
        if not path.is_file() or path.stat().st_size != item["size"] or \
                sha256_file(path) != item["sha256"]:
            return False
    return True


def require_data(data_dir: str | Path) -> Path:
    """The raw data folder, which must be there: only `lpa demo` writes demo data."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError("no raw data folder here. To write the synthetic demo data there, "
                         f"run: lpa demo --out {data_dir}", file=data_dir)
    return data_dir


def build_all(data_dir: Path = DEFAULT_DATA, processed_dir: Path = DEFAULT_PROCESSED) -> list[int]:
    """Build every year of the data folder that is missing or out of date; return the years."""
    from lpa_analysis.readers import available_years

    years = available_years(require_data(data_dir))
    if not years:
        raise InputError("no year with a framework and scores", file=data_dir)
    return ensure_built(max(years), data_dir, processed_dir)


def ensure_built(year: int, data_dir: Path = DEFAULT_DATA,
                 processed_dir: Path = DEFAULT_PROCESSED) -> list[int]:
    """Build every year up to `year` that is missing or out of date (trends need them all);
    returns those years. Runs in the calling process, never in a report worker."""
    from lpa_analysis.readers import available_years

    year, data_dir, processed_dir = to_be_year(year), require_data(data_dir), Path(processed_dir)
    years = [y for y in available_years(data_dir) if y <= year]
    if year not in years:
        raise InputError(f"no framework and scores for {year}", file=data_dir)
    for y in years:
        if not build_is_current(y, data_dir, processed_dir):
            log.info("building %s (missing or inputs changed)", y)
            build_year(y, data_dir, processed_dir)
    return years
