"""Audits: prove that published files came from the recorded inputs, code and parameters.

    verify_hashes(manifest)   files on disk against the manifest (fast; detects tampering)
    verify(manifest)          inputs unchanged, then re-run in a temporary folder and compare
                              every output byte for byte (tables cell by cell when they differ)

Both check the manifest's own hash and, when it is signed, its signature (`trusted_key`: the
publisher's public key it must be signed with; `require_signature`: unsigned fails).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lpa_analysis.log import log
from lpa_analysis.manifest import content_is_intact, file_status, read_manifest, signature_status

MAX_CELL_DIFFS = 20
# "unsigned" passes unless a signature is required; the command line says so visibly.
OK_STATUSES = ("identical", "intact", "equivalent", "valid", "unsigned")


@dataclass
class Check:
    kind: str  # input | processed | output | manifest | signature
    path: str
    # identical | differs | missing | changed | intact | edited | valid | unsigned | invalid
    # | untrusted
    status: str
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


def _check_signature(manifest: dict, trusted_key: str | None, required: bool) -> Check:
    status, detail = signature_status(manifest, trusted_key)
    if status == "unsigned" and (required or trusted_key):
        status = "missing"
    return Check("signature", "manifest.json", status, detail)


def _check_file(kind: str, root: Path, record: dict, bad_status: str) -> Check:
    status, detail = file_status(root, record)
    return Check(kind, record["path"], bad_status if status == "changed" else status, detail)


def check_inputs(manifest: dict) -> list[Check]:
    data_dir = Path(manifest["parameters"]["data_dir"])
    return [_check_file("input", data_dir, rec, "changed") for rec in manifest["inputs"]]


def check_processed(manifest: dict, processed_dir: str | Path | None) -> list[Check]:
    """The processed tables a reports run was made from (build manifests have none)."""
    if processed_dir is None:
        return []
    return [_check_file("processed", Path(processed_dir), rec, "changed")
            for rec in manifest.get("processed", [])]


def _sealed(manifest_path: Path, manifest: dict, trusted_key, require_signature) -> AuditResult:
    """The checks of the manifest itself and of its inputs, before any output."""
    return AuditResult(manifest_path, [
        _check_manifest(manifest), _check_signature(manifest, trusted_key, require_signature),
        *check_inputs(manifest)])


def verify_hashes(manifest_path: str | Path, *, trusted_key: str | None = None,
                  require_signature: bool = False) -> AuditResult:
    """Inputs, processed tables and outputs on disk against the manifest; no re-run."""
    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    root = _output_root(manifest_path)
    result = _sealed(manifest_path, manifest, trusted_key, require_signature)
    result.checks += check_processed(manifest, manifest.get("run", {}).get("processed_dir"))
    result.checks += [_check_file("output", root, rec, "differs") for rec in manifest["outputs"]]
    return result


def rerun_plan(manifest: dict) -> list[dict]:
    """The report runs that remake a reports manifest's outputs: one per setting (language,
    formats, extra parameters) its reports were made with, each with its provinces and whether
    the national report is among them. The latest run's setting comes last: it wrote the index.
    A manifest of format 1 covers its one run, described by its parameters."""
    params = manifest["parameters"]
    latest = {"lang": params["lang"], "formats": sorted(params["formats"]),
              "extra_parameters": params.get("extra_parameters") or {}}
    if "reports" not in manifest:
        return [{**latest, "provinces": params["provinces"], "national": params["national"]}]
    groups: dict[str, dict] = {}
    for key, setting in sorted(manifest["reports"].items()):
        group = groups.setdefault(json.dumps(setting, sort_keys=True),
                                  {**setting, "codes": [], "national": False})
        name = key.split("/", 1)[1]
        if name == "national":
            group["national"] = True
        else:
            group["codes"].append(name)
    plan = [{**{k: v for k, v in g.items() if k != "codes"}, "provinces": ",".join(g["codes"])}
            for g in groups.values()]
    return sorted(plan, key=lambda run: {k: run[k] for k in latest} == latest)


def _rerun(manifest: dict, workdir: Path) -> Path:
    """Run the recorded job(s) again into `workdir`; returns the folder the outputs are in."""
    params = manifest["parameters"]
    data_dir = Path(params["data_dir"])
    if manifest["kind"] == "build":
        from lpa_analysis.build import build_year

        return build_year(params["year"], data_dir, workdir / "processed").path
    from lpa_analysis.runs import run_reports

    for run in rerun_plan(manifest):
        outcome = run_reports(params["year"], run["provinces"], lang=run["lang"],
                              formats=set(run["formats"]), data_dir=data_dir,
                              processed_dir=workdir / "processed", out_dir=workdir / "reports",
                              national=run["national"], force=True,
                              extra_parameters=run["extra_parameters"] or None,
                              index_neighbours=manifest.get("index"))
    return _rerun_scorecards(manifest, workdir) or outcome.index.parent


def _rerun_scorecards(manifest: dict, workdir: Path) -> Path | None:
    """The scorecards the manifest records (`lpa scorecards`), after the reports: they
    refresh the index as the original run did. Their language folder, or None."""
    from lpa_analysis.scorecards import run_scorecards

    keys = sorted(manifest.get("scorecards", {}))
    if not keys:
        return None
    params = manifest["parameters"]
    year, lang = keys[0].split("/")[:2]
    outcome = run_scorecards(int(year), ",".join(k.rsplit("/", 1)[1] for k in keys), lang=lang,
                             data_dir=Path(params["data_dir"]),
                             processed_dir=workdir / "processed", out_dir=workdir / "reports",
                             force=True)
    return outcome.manifest.parent


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


def verify(manifest_path: str | Path, workdir: str | Path | None = None, *,
           trusted_key: str | None = None, require_signature: bool = False) -> AuditResult:
    """Inputs unchanged → re-run → every output compared with the manifest (and, for tables
    that differ, with the file on disk cell by cell); the processed tables the re-run built
    compared with those the reports recorded. Stops after the input check if an input changed:
    a re-run from other inputs proves nothing."""
    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    result = _sealed(manifest_path, manifest, trusted_key, require_signature)
    if not result.ok:
        log.warning("inputs, manifest or signature changed: not re-running")
        return result
    with tempfile.TemporaryDirectory(prefix="lpa-audit-", dir=workdir) as tmp:
        log.info("re-running %s run into %s", manifest["kind"], tmp)
        rerun_root = _rerun(manifest, Path(tmp))
        result.checks += [_check_file("processed", Path(tmp) / "processed", rec, "differs")
                          for rec in manifest.get("processed", [])]
        original_root = _output_root(manifest_path)
        for record in manifest["outputs"]:
            check = _check_file("output", rerun_root, record, "differs")
            original = original_root / record["path"]
            if check.status == "differs" and original.is_file():
                check = _explain(check, original, rerun_root / record["path"])
            result.checks.append(check)
    return result
