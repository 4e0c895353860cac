"""Run manifests: what went in, what code and environment ran, what came out — so an auditor can
prove months later that published files came from these inputs, or see exactly what differs.

`manifest.json` has stable key order. Everything that identifies the run is hashed into
`content_sha256`; circumstances (when, how long, where) sit under "run" and are not hashed.
A manifest written inside `signing(key)` carries an Ed25519 signature of `content_sha256`:
the hashes then show who vouched for the files, not only that they match (anyone who can
write the folder can recompute hashes).
"""

from __future__ import annotations

import base64
import json
import os
import platform
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.metadata import distributions
from pathlib import Path, PurePosixPath

from lpa_analysis import __version__
from lpa_analysis.errors import InputError
from lpa_analysis.log import log
from lpa_analysis.provenance import fingerprint, git_state, sha256_file

MANIFEST = "manifest.json"
# 2: reports manifests cover the whole year (merged across runs), record the processed tables
# the reports were made from, and may be signed.
FORMAT_VERSION = 2
UNHASHED = ("content_sha256", "run", "signature")
RECORD_SECTIONS = ("inputs", "outputs", "processed")
SIGNATURE_ALGORITHM = "ed25519"
_signing_key: ContextVar = ContextVar("lpa_signing_key", default=None)


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
    if (key := _signing_key.get()) is not None:
        body["signature"] = _sign(key, body["content_sha256"])
    body["run"] = run
    text = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return write_atomic(Path(folder) / MANIFEST, text.encode("utf-8"))


def read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read manifest: {exc}", file=path) from exc
    for key in ("kind", "parameters", "inputs", "outputs", "content_sha256"):
        if key not in manifest:
            raise InputError(f"not an lpa manifest: no '{key}'", file=path)
    for section in RECORD_SECTIONS:
        for record in manifest.get(section, []):
            _refuse_outside(record.get("path"), section, path)
    return manifest


def _refuse_outside(rel, section: str, manifest_path: Path) -> None:
    """Recorded paths are relative to the folder they describe: an absolute path or one with
    '..' in a crafted manifest would make an audit read (and report on) files elsewhere."""
    inside = isinstance(rel, str) and rel != "" and "\\" not in rel
    if not inside or PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
        raise InputError(f"{section} path {rel!r} leads outside the folder the manifest "
                         "describes: refusing to read it", file=manifest_path)


def content_is_intact(manifest: dict) -> bool:
    """The manifest itself was not edited: its hashed content still has its hash."""
    body = {k: v for k, v in manifest.items() if k not in UNHASHED}
    return fingerprint(body) == manifest["content_sha256"]


def file_status(root: Path, record: dict) -> tuple[str, str]:
    """('identical' | 'missing' | 'changed', detail) of root/record['path'] against the
    record's sha256."""
    path = Path(root) / record["path"]
    if not path.is_file():
        return "missing", str(path)
    digest = sha256_file(path)
    if digest != record["sha256"]:
        return "changed", f"sha256 {digest[:12]}… ≠ recorded {record['sha256'][:12]}…"
    return "identical", ""


def require_intact(manifest: dict, path: Path) -> None:
    """Refuse a manifest that was edited after it was written (or whose signature fails)."""
    if not content_is_intact(manifest):
        raise InputError("edited after it was written (its content no longer matches its "
                         "content_sha256); check it with: lpa audit verify "
                         f"{path} --hashes-only", file=path)
    status, detail = signature_status(manifest)
    if status == "invalid":
        raise InputError(f"its signature does not verify ({detail})", file=path)


# --- signatures (Ed25519, `cryptography`) ----------------------------------------------------

def _message(content_sha256: str) -> bytes:
    """What is signed: the content hash, which covers every field but run and signature."""
    return f"lpa-analysis manifest {content_sha256}".encode("ascii")


def public_key_text(public_key) -> str:
    """A public key as manifests record it: its 32 raw bytes in base64."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def _sign(key, content_sha256: str) -> dict:
    return {"algorithm": SIGNATURE_ALGORITHM, "public_key": public_key_text(key.public_key()),
            "value": base64.b64encode(key.sign(_message(content_sha256))).decode("ascii")}


def signature_status(manifest: dict, trusted: str | None = None) -> tuple[str, str]:
    """('unsigned' | 'valid' | 'invalid' | 'untrusted', detail). `trusted`: the public key
    (base64) the signature must be made with; without it any key that verifies is 'valid'
    and the detail names it, for the reader to compare with the publisher's."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    signature = manifest.get("signature")
    if signature is None:
        return "unsigned", "no signature: anyone who can write the folder can recompute hashes"
    try:
        if signature["algorithm"] != SIGNATURE_ALGORITHM:
            return "invalid", f"unknown algorithm {signature['algorithm']!r}"
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(signature["public_key"]))
        key.verify(base64.b64decode(signature["value"]), _message(manifest["content_sha256"]))
    except (InvalidSignature, KeyError, TypeError, ValueError) as exc:
        return "invalid", f"the signature does not match the content ({type(exc).__name__})"
    if trusted is not None and signature["public_key"] != trusted:
        return "untrusted", f"signed by key {signature['public_key']}, not by {trusted}"
    return "valid", f"signed by Ed25519 key {signature['public_key']}"


def generate_key(out: Path) -> str:
    """A new Ed25519 key pair: the private key in `out` (PEM, readable by its owner only,
    never overwritten) and the public key in `out`.pub; returns the public key (base64)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    out = Path(out)
    public_path = out.with_name(out.name + ".pub")
    for path in (out, public_path):
        if path.exists():
            raise InputError("exists already: not overwriting a key", file=path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public = public_key_text(key.public_key())
    public_path.write_text(public + "\n", encoding="ascii")
    return public


def load_signing_key(path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"cannot read the signing key: {exc}", file=path) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("not an Ed25519 private key (make one with: lpa audit keygen "
                         "--out KEYFILE)", file=path)
    if Path(path).stat().st_mode & 0o077:
        log.warning("%s: other users can read this signing key: chmod 600 it", path)
    return key


def read_public_key(path: Path) -> str:
    """A public key file as `generate_key` writes it (base64 of 32 bytes), checked."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
        if len(base64.b64decode(text, validate=True)) != 32:
            raise ValueError("not 32 bytes")
    except (OSError, ValueError) as exc:
        raise InputError(f"not an Ed25519 public key as `lpa audit keygen` writes it: {exc}",
                         file=path) from exc
    return text


@contextmanager
def signing(key_path: Path | None):
    """Manifests written inside this block are signed with the private key at `key_path`
    (None: unsigned). The key is read at once, so a bad key stops a run before any work."""
    if key_path is None:
        yield
        return
    token = _signing_key.set(load_signing_key(key_path))
    try:
        yield
    finally:
        _signing_key.reset(token)
