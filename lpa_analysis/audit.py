"""Audits: prove that published files came from the recorded inputs, code and parameters.

    verify_hashes(manifest)   files on disk against the manifest (fast; detects tampering)
    verify(manifest)          inputs unchanged, then re-run in a temporary folder and compare
                              every output byte for byte (tables cell by cell when they differ)
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lpa_analysis.provenance import sha256_file
from lpa_analysis.log import log
from lpa_analysis.manifest import content_is_intact, read_manifest

MAX_CELL_DIFFS = 20
OK_STATUSES = ("identical", "intact", "equivalent")


@dataclass
class Check:
    kind: str  # input | output | manifest
    path: str
    status: str  # identical | differs | missing | changed | intact | edited
    detail: str = ""


@dataclass
class AuditResult:
    manifest: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status in OK_STATUSES for c in self.checks)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([c.__dict__ for c in self.checks],
                            columns=["kind", "path", "status", "detail"])


def _output_root(manifest_path: Path) -> Path:
    return manifest_path.resolve().parent


def _check_manifest(manifest: dict) -> Check:
    intact = content_is_intact(manifest)
    return Check("manifest", "manifest.json", "intact" if intact else "edited",
                 "" if intact else "the manifest's content no longer matches its content_sha256")


def _check_file(kind: str, root: Path, record: dict, bad_status: str) -> Check:
    path = root / record["path"]
    if not path.is_file():
        return Check(kind, record["path"], "missing", str(path))
    digest = sha256_file(path)
    if digest != record["sha256"]:
        return Check(kind, record["path"], bad_status,
                     f"sha256 {digest[:12]}… ≠ recorded {record['sha256'][:12]}…")
    return Check(kind, record["path"], "identical")


def check_inputs(manifest: dict) -> list[Check]:
    data_dir = Path(manifest["parameters"]["data_dir"])
    return [_check_file("input", data_dir, rec, "changed") for rec in manifest["inputs"]]


def verify_hashes(manifest_path: str | Path) -> AuditResult:
    """Inputs and outputs on disk against the manifest; no re-run."""
    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    root = _output_root(manifest_path)
    result = AuditResult(manifest_path, [_check_manifest(manifest), *check_inputs(manifest)])
    result.checks += [_check_file("output", root, rec, "differs") for rec in manifest["outputs"]]
    return result


def _rerun(manifest: dict, workdir: Path) -> Path:
    """Run the recorded job again into `workdir`; returns the folder the outputs are in."""
    params = manifest["parameters"]
    data_dir = Path(params["data_dir"])
    if manifest["kind"] == "build":
        from lpa_analysis.build import build_year

        return build_year(params["year"], data_dir, workdir / "processed").path
    from lpa_analysis.runs import run_reports

    outcome = run_reports(params["year"], params["provinces"], lang=params["lang"],
                          formats=set(params["formats"]), data_dir=data_dir,
                          processed_dir=workdir / "processed", out_dir=workdir / "reports",
                          national=params["national"], force=True,
                          extra_parameters=params.get("extra_parameters") or None)
    return outcome.index.parent


def table_differences(original: Path, rerun: Path, limit: int = MAX_CELL_DIFFS) -> str:
    """'row 3, column overall_pct: 80.2 → 80.3; …' for two versions of a CSV table."""
    a = pd.read_csv(original, dtype=str, keep_default_na=False)
    b = pd.read_csv(rerun, dtype=str, keep_default_na=False)
    if list(a.columns) != list(b.columns):
        return f"columns differ: {list(a.columns)} vs {list(b.columns)}"
    if len(a) != len(b):
        return f"{len(a)} rows vs {len(b)} rows"
    diffs = []
    for column in a.columns:
        for row in a.index[a[column] != b[column]]:
            diffs.append(f"row {row + 2}, column {column}: {a.at[row, column]!r} → "
                         f"{b.at[row, column]!r}")
    more = f" (+{len(diffs) - limit} more)" if len(diffs) > limit else ""
    return "; ".join(diffs[:limit]) + more


def _explain(check: Check, original: Path, rerun: Path) -> Check:
    """Say where two versions of an output differ. build.json records how long the build took
    and where its data were: those keys may differ, everything else must not."""
    if original.name == "build.json":
        from lpa_analysis.processed import VOLATILE_BUILD_KEYS

        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (original, rerun))
        strip = lambda d: {k: v for k, v in d.items() if k not in VOLATILE_BUILD_KEYS}  # noqa: E731
        if strip(a) == strip(b):
            return Check(check.kind, check.path, "equivalent",
                         f"differs only in {', '.join(VOLATILE_BUILD_KEYS)} (wall-clock, location)")
    if original.suffix == ".csv":
        check.detail = table_differences(original, rerun)
    return check


def verify(manifest_path: str | Path, workdir: str | Path | None = None) -> AuditResult:
    """Inputs unchanged → re-run → every output compared with the manifest (and, for tables
    that differ, with the file on disk cell by cell). Stops after the input check if an input
    changed: a re-run from other inputs proves nothing."""
    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    result = AuditResult(manifest_path, [_check_manifest(manifest), *check_inputs(manifest)])
    if not result.ok:
        log.warning("inputs or manifest changed: not re-running")
        return result
    with tempfile.TemporaryDirectory(prefix="lpa-audit-", dir=workdir) as tmp:
        log.info("re-running %s run into %s", manifest["kind"], tmp)
        rerun_root = _rerun(manifest, Path(tmp))
        original_root = _output_root(manifest_path)
        for record in manifest["outputs"]:
            check = _check_file("output", rerun_root, record, "differs")
            original = original_root / record["path"]
            if check.status == "differs" and original.is_file():
                check = _explain(check, original, rerun_root / record["path"])
            result.checks.append(check)
    return result
