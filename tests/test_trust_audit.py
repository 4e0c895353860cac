"""The audit trail cannot be made to vouch for wrong output (issue 15, cases 1–5): an edited
output is rendered again rather than skipped, the year's manifest covers every published
report, reports refuse edited processed tables, a signed manifest fails on any changed hash,
and a manifest cannot point an audit at files outside its folder."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from lpa_analysis import audit
from lpa_analysis.cli import main
from lpa_analysis.errors import InputError
from lpa_analysis.log import log
from lpa_analysis.manifest import write_manifest
from lpa_analysis.provenance import fingerprint
from lpa_analysis.runs import run_reports

BAD = "status not in ('identical', 'intact', 'equivalent', 'valid', 'unsigned')"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _flip_byte(path: Path, at: int = -2) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def _lpa(monkeypatch, capsys, *args) -> tuple[int, str]:
    """The `lpa` entry point as a user runs it: (exit code, everything it printed)."""
    monkeypatch.setattr(sys, "argv", ["lpa", *map(str, args)])
    with pytest.raises(SystemExit) as stop:
        main()
    printed = capsys.readouterr()
    return stop.value.code or 0, printed.out + printed.err


def _bad_paths(manifest_path: Path) -> list[str]:
    return list(audit.verify_hashes(manifest_path).table().query(BAD)["path"])


@pytest.fixture
def warnings_logged():
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    log.addHandler(handler)
    yield records
    log.removeHandler(handler)


@pytest.fixture(scope="module")
def processed(small_processed, tmp_path_factory) -> Path:
    """A private copy of the processed tables: tests below change their bytes."""
    copy = tmp_path_factory.mktemp("trust") / "processed"
    shutil.copytree(small_processed, copy)
    return copy


def _run(out: Path, province: str, small_demo: Path, processed: Path):
    outcome = run_reports(2566, province, lang="en", formats={"html"}, data_dir=small_demo,
                          processed_dir=processed, out_dir=out, workers=1, national=False)
    assert not outcome.failed, [(r.key, r.error) for r in outcome.failed]
    return outcome


@pytest.fixture(scope="module")
def published(small_demo, processed, tmp_path_factory) -> Path:
    """reports/ after one run of Phrae (HTML); tests work on copies of it."""
    out = tmp_path_factory.mktemp("published") / "reports"
    _run(out, "54", small_demo, processed)
    return out


def _copy(published: Path, tmp_path: Path) -> Path:
    out = tmp_path / "reports"
    shutil.copytree(published, out)
    return out


# --- case 1: an unchanged re-run re-hashes its outputs ----------------------------------------

@pytest.mark.slow
def test_an_edited_output_is_rendered_again_not_skipped(published, small_demo, processed,
                                                        tmp_path, warnings_logged):
    out = _copy(published, tmp_path)
    report = out / "2566" / "en" / "54" / "report.html"
    original = _sha(report)
    _flip_byte(report)
    outcome = _run(out, "54", small_demo, processed)
    assert [r.status for r in outcome.results] == ["done"]
    assert any("54/report.html" in r.getMessage() for r in warnings_logged)
    assert _sha(report) == original  # rendered again: the same bytes as the first time
    assert _bad_paths(out / "2566" / "en" / "manifest.json") == []


@pytest.mark.slow
def test_an_edited_output_with_its_marker_edited_too_is_rendered_again(
        published, small_demo, processed, tmp_path):
    """The marker is not signed: only the manifest vouches for what is on disk."""
    out = _copy(published, tmp_path)
    table = out / "2566" / "en" / "54" / "tables" / "laos.csv"
    original = _sha(table)
    _flip_byte(table)
    marker_path = out / "2566" / "en" / "54" / ".fingerprint.json"
    marker = json.loads(marker_path.read_text(encoding="utf-8"))
    marker.setdefault("outputs", {})["54/tables/laos.csv"] = _sha(table)
    marker_path.write_text(json.dumps(marker), encoding="utf-8")
    outcome = _run(out, "54", small_demo, processed)
    assert [r.status for r in outcome.results] == ["done"]
    assert _sha(table) == original
    assert _bad_paths(out / "2566" / "en" / "manifest.json") == []


# --- case 2: one manifest covers the whole year --------------------------------------------

@pytest.mark.slow
def test_a_partial_run_keeps_earlier_reports_in_the_years_manifest(published, small_demo,
                                                                   processed, tmp_path):
    """Run Phrae, edit one of its tables, then run Nan only: the manifest still covers Phrae
    (and every file the index links), so verify names the edited table."""
    out = _copy(published, tmp_path)
    year_dir = out / "2566" / "en"
    table = year_dir / "54" / "tables" / "pass_rate.csv"
    _flip_byte(table)
    _run(out, "55", small_demo, processed)
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    recorded = {r["path"] for r in manifest["outputs"]}
    linked = set(re.findall(r'href="([^"#]+)"', (year_dir / "index.html").read_text("utf-8")))
    assert {"54/report.html", "55/report.html"} <= linked
    assert linked | {"index.html", "54/tables/laos.csv", "55/tables/laos.csv"} <= recorded
    assert set(manifest["reports"]) == {"2566/54", "2566/55"}
    assert _bad_paths(year_dir / "manifest.json") == ["54/tables/pass_rate.csv"]
    _flip_byte(table)  # back to the published bytes
    assert _bad_paths(year_dir / "manifest.json") == []


def test_an_edited_years_manifest_stops_the_next_run(published, small_demo, processed,
                                                     tmp_path):
    """A run merges into the year's manifest: it must not carry over records someone edited."""
    out = _copy(published, tmp_path)
    manifest_path = out / "2566" / "en" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["outputs"][0]["sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(InputError, match="edited after it was written") as refused:
        _run(out, "55", small_demo, processed)
    assert Path(refused.value.file) == manifest_path.resolve()
    assert not (out / "2566" / "en" / "55").exists()


def test_verify_reruns_every_setting_the_years_reports_were_made_with():
    th_pdf = {"lang": "th", "formats": ["html", "pdf"], "extra_parameters": {}}
    en_html = {"lang": "en", "formats": ["html"], "extra_parameters": {}}
    manifest = {"parameters": {"year": 2566, "provinces": "56", "national": True, **th_pdf},
                "reports": {"2566/54": th_pdf, "2566/55": en_html, "2566/56": th_pdf,
                            "2566/national": th_pdf}}
    assert audit.rerun_plan(manifest) == [  # the latest run's setting last: it wrote the index
        {**en_html, "provinces": "55", "national": False},
        {**th_pdf, "provinces": "54,56", "national": True}]


# --- case 3: reports are made only from the tables a build wrote ---------------------------

def test_reports_refuse_an_edited_processed_table(small_demo, processed, tmp_path, monkeypatch,
                                                  capsys):
    tampered = tmp_path / "processed"
    shutil.copytree(processed, tampered)
    table = tampered / "2566" / "scored_laos.parquet"
    scored = pd.read_parquet(table)
    scored.loc[scored["province_code"] == "54", "overall_pct"] = 12.34
    scored.to_parquet(table, index=False)
    code, printed = _lpa(monkeypatch, capsys, "reports", "--year", "2566", "--province", "54",
                         "--format", "html", "--data", small_demo, "--processed", tampered,
                         "--out", tmp_path / "reports")
    assert code == 2
    assert f"{table}: changed since the build wrote it" in printed
    assert "lpa build --year 2566" in printed
    assert not (tmp_path / "reports" / "2566" / "th" / "54").exists()


@pytest.mark.slow
def test_a_changed_byte_of_a_processed_table_fails_verify(published, processed):
    """The run manifest records the processed tables the reports were made from."""
    table = processed / "2566" / "scored_laos.parquet"
    manifest_path = published / "2566" / "en" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    recorded = {r["path"]: r["sha256"] for r in manifest["processed"]}
    assert recorded["2566/scored_laos.parquet"] == _sha(table)
    original = table.read_bytes()
    try:
        _flip_byte(table, at=len(original) // 2)
        assert _bad_paths(manifest_path) == ["2566/scored_laos.parquet"]
        assert _bad_paths(processed / "2566" / "manifest.json") == ["scored_laos.parquet"]
    finally:
        table.write_bytes(original)


# --- case 4: signed manifests -----------------------------------------------------------------

@pytest.fixture(scope="module")
def key(tmp_path_factory) -> Path:
    from lpa_analysis.manifest import generate_key

    path = tmp_path_factory.mktemp("key") / "signing.key"
    generate_key(path)
    return path


@pytest.fixture(scope="module")
def signed_build(small_demo, key, tmp_path_factory) -> Path:
    """processed/2566 of `lpa build` with LPA_SIGNING_KEY set."""
    out = tmp_path_factory.mktemp("signed") / "processed"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LPA_SIGNING_KEY", str(key))
        mp.setattr(sys, "argv", ["lpa", "build", "--year", "2566", "--data", str(small_demo),
                                 "--out", str(out)])
        with pytest.raises(SystemExit) as stop:
            main()
    assert not stop.value.code
    return out / "2566"


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path, monkeypatch, capsys):
    private = tmp_path / "k"
    code, printed = _lpa(monkeypatch, capsys, "audit", "keygen", "--out", private)
    assert code == 0
    assert private.stat().st_mode & 0o777 == 0o600
    public = (tmp_path / "k.pub").read_text(encoding="ascii").strip()
    assert public in printed and "PRIVATE" not in printed
    code, printed = _lpa(monkeypatch, capsys, "audit", "keygen", "--out", private)
    assert code == 2 and "not overwriting" in printed


def test_a_signed_manifest_verifies_with_its_public_key(signed_build, key, monkeypatch, capsys):
    code, printed = _lpa(monkeypatch, capsys, "audit", "verify", signed_build / "manifest.json",
                         "--hashes-only", "--public-key", f"{key}.pub", "--require-signature")
    assert code == 0, printed
    assert "not signed" not in printed


def _forge(manifest: dict, table: Path) -> dict:
    """What a forger does: record a changed file's hash and recompute the content hash."""
    forged = json.loads(json.dumps(manifest))
    record = next(r for r in forged["outputs"] if r["path"] == table.name)
    record["sha256"] = _sha(table)
    body = {k: v for k, v in forged.items() if k not in ("content_sha256", "run", "signature")}
    forged["content_sha256"] = fingerprint(body)
    return forged


def test_a_signed_manifest_with_one_changed_hash_fails(signed_build, key, tmp_path,
                                                       monkeypatch, capsys):
    folder = tmp_path / "2566"
    shutil.copytree(signed_build, folder)
    table = folder / "scored_laos.csv"
    _flip_byte(table)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    forged = _forge(manifest, table)
    (folder / "manifest.json").write_text(json.dumps(forged), encoding="utf-8")
    checks = audit.verify_hashes(folder / "manifest.json").table().set_index("kind")
    assert checks.loc["manifest", "status"] == "intact"  # the hashes alone would pass
    assert checks.loc["signature", "status"] == "invalid"
    code, printed = _lpa(monkeypatch, capsys, "audit", "verify", folder / "manifest.json",
                         "--hashes-only")
    assert code == 1 and "invalid" in printed


def test_an_unsigned_manifest_passes_with_a_notice_unless_a_signature_is_required(
        signed_build, key, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "2566"
    shutil.copytree(signed_build, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["signature"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, printed = _lpa(monkeypatch, capsys, "audit", "verify", folder / "manifest.json",
                         "--hashes-only")
    assert code == 0 and "NOTICE: this manifest is not signed" in printed
    for required in (["--require-signature"], ["--public-key", f"{key}.pub"]):
        code, printed = _lpa(monkeypatch, capsys, "audit", "verify", folder / "manifest.json",
                             "--hashes-only", *required)
        assert code == 1, required


def test_a_manifest_signed_with_another_key_is_not_the_publishers(signed_build, tmp_path,
                                                                 monkeypatch, capsys):
    from lpa_analysis.manifest import generate_key

    generate_key(tmp_path / "other.key")
    code, printed = _lpa(monkeypatch, capsys, "audit", "verify", signed_build / "manifest.json",
                         "--hashes-only", "--public-key", tmp_path / "other.key.pub")
    assert code == 1 and "untrusted" in printed


@pytest.mark.slow
def test_an_unchanged_rerun_signs_the_years_manifest(published, small_demo, processed, key,
                                                     tmp_path):
    from lpa_analysis.manifest import signing

    out = _copy(published, tmp_path)
    with signing(key):
        outcome = _run(out, "54", small_demo, processed)
    assert [r.status for r in outcome.results] == ["skipped"]
    public = (key.parent / f"{key.name}.pub").read_text(encoding="ascii").strip()
    result = audit.verify_hashes(out / "2566" / "en" / "manifest.json", trusted_key=public)
    assert result.ok and "valid" in list(result.table()["status"])


# --- case 5: paths stay inside the folder a manifest describes ------------------------------

@pytest.mark.parametrize("where", ["dotdot", "absolute"])
def test_verify_refuses_a_path_outside_the_manifests_folder(tmp_path, monkeypatch, capsys,
                                                           where):
    outside = tmp_path / "outside.txt"
    outside.write_text("not an output\n", encoding="utf-8")
    folder = tmp_path / "reports" / "2566"
    folder.mkdir(parents=True)
    path = "../../outside.txt" if where == "dotdot" else str(outside)
    write_manifest(folder, kind="reports", parameters={"data_dir": str(tmp_path)}, inputs=[],
                   outputs=[{"path": path, "size": outside.stat().st_size,
                             "sha256": _sha(outside)}], extra={}, run={})
    code, printed = _lpa(monkeypatch, capsys, "audit", "verify", folder / "manifest.json",
                         "--hashes-only")
    assert code == 2 and f"'{path}'" in printed and "outside" in printed
    with pytest.raises(InputError, match="leads outside"):
        audit.verify(folder / "manifest.json")
