"""Run manifests: what went in, what code and environment ran, what came out — so an auditor can
prove months later that published files came from these inputs, or see exactly what differs.

`manifest.json` has stable key order. Everything that identifies the run is hashed into
`content_sha256`; wall-clock facts (when, how long) sit under "run" and are not hashed.
"""

from __future__ import annotations

import json
import platform
import sys
from importlib.metadata import distributions
from pathlib import Path

from lpa_analysis import __version__
from lpa_analysis.provenance import fingerprint, git_state, sha256_file

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def environment() -> dict:
    """The whole Python environment, lock-style ({distribution: version}), and the platform."""
    packages = {}
    for dist in distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name:
            packages[name] = dist.version
    return {"python": sys.version.split()[0], "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(),
            "packages": dict(sorted(packages.items()))}


def file_records(root: Path, paths) -> list[dict]:
    """path (relative to root, POSIX), size and sha256 of each file, sorted by path."""
    root = Path(root).resolve()
    records = []
    for path in sorted({Path(p).resolve() for p in paths}):
        records.append({"path": path.relative_to(root).as_posix(), "size": path.stat().st_size,
                        "sha256": sha256_file(path)})
    return sorted(records, key=lambda r: r["path"])


def write_manifest(folder: Path, *, kind: str, parameters: dict, inputs: list[dict],
                   outputs: list[dict], extra: dict, run: dict) -> Path:
    from lpa_analysis.files import write_atomic

    body = {
        "format": FORMAT_VERSION, "kind": kind, "lpa_analysis": __version__,
        "parameters": parameters, "inputs": inputs, "outputs": outputs,
        "environment": environment(), "git": git_state(), **extra,
    }
    body["content_sha256"] = fingerprint(body)
    body["run"] = run
    text = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return write_atomic(Path(folder) / MANIFEST, text.encode("utf-8"))


def read_manifest(path: Path) -> dict:
    from lpa_analysis.errors import InputError

    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read manifest: {exc}", file=path) from exc
    for key in ("kind", "parameters", "inputs", "outputs", "content_sha256"):
        if key not in manifest:
            raise InputError(f"not an lpa manifest: no '{key}'", file=path)
    return manifest


def content_is_intact(manifest: dict) -> bool:
    """The manifest itself was not edited: its hashed content still has its hash."""
    body = {k: v for k, v in manifest.items() if k not in ("content_sha256", "run")}
    return fingerprint(body) == manifest["content_sha256"]
