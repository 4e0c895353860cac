"""Reproducible audits: two runs give byte-identical files; `lpa audit verify` passes on a
fresh run and fails, naming the file, when one byte of an input or an output changes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lpa_analysis import audit
from lpa_analysis.cli import app
from lpa_analysis.errors import InputError
from lpa_analysis.runs import run_reports

pytestmark = pytest.mark.slow
# An unsigned manifest passes (with a notice on the command line): these runs are unsigned.
BAD = "status not in ('identical', 'intact', 'equivalent', 'valid', 'unsigned')"


def _digests(year_dir: Path) -> dict[str, str]:
    return {p.relative_to(year_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(year_dir.rglob("*"))
            if p.is_file() and p.name != "manifest.json" and "_failed" not in p.parts}


@pytest.fixture(scope="module")
def data(small_demo, tmp_path_factory) -> Path:
    """A private copy: the tests below change its bytes."""
    copy = tmp_path_factory.mktemp("audit") / "data"
    shutil.copytree(small_demo, copy)
    return copy


@pytest.fixture(scope="module")
def two_runs(data, tmp_path_factory):
    roots = [tmp_path_factory.mktemp(f"run{i}") for i in (1, 2)]
    for root in roots:
        outcome = run_reports(2566, "54", data_dir=data, processed_dir=root / "processed",
                              out_dir=root / "reports", workers=1, national=True)
        assert not outcome.failed, [(r.key, r.error) for r in outcome.failed]
    return [root / "reports" / "2566" / "th" for root in roots]


def test_two_runs_are_byte_identical(two_runs):
    first, second = (_digests(d) for d in two_runs)
    assert "54/report.html" in first and "54/tables/laos.csv" in first
    differing = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
    assert differing == []
    manifests = [json.loads((d / "manifest.json").read_text()) for d in two_runs]
    assert manifests[0]["outputs"] == manifests[1]["outputs"]
    assert manifests[0]["content_sha256"] == manifests[1]["content_sha256"]


def test_verify_passes_on_a_fresh_run(two_runs):
    result = audit.verify(two_runs[0] / "manifest.json")
    assert result.ok, result.table().query(BAD)
    assert (result.table()["kind"] == "output").sum() > 10


def test_hashes_only_names_a_changed_output(two_runs, tmp_path):
    year_dir = tmp_path / "2566" / "th"
    shutil.copytree(two_runs[1], year_dir)
    csv = year_dir / "54" / "tables" / "pass_rate.csv"
    data = bytearray(csv.read_bytes())
    data[-2] = ord("7") if data[-2] != ord("7") else ord("8")
    csv.write_bytes(bytes(data))
    result = audit.verify_hashes(year_dir / "manifest.json")
    assert not result.ok
    bad = result.table().query(BAD)
    assert list(bad["path"]) == ["54/tables/pass_rate.csv"]
    cli = CliRunner().invoke(app, ["audit", "verify", str(year_dir), "--hashes-only"])
    assert cli.exit_code == 1 and "pass_rate.csv" in cli.output
    # the year folder holds one manifest per language: the command names them
    cli = CliRunner().invoke(app, ["audit", "verify", str(year_dir.parent), "--hashes-only"])
    assert isinstance(cli.exception, InputError)
    assert str(year_dir / "manifest.json") in str(cli.exception)


def test_verify_names_a_changed_input(two_runs, data):
    registry = data / "registry.csv"
    original = registry.read_bytes()
    try:
        registry.write_bytes(original.replace(b"\n", b"\r\n", 1))
        result = audit.verify(two_runs[0] / "manifest.json")
        bad = result.table().query(BAD)
        assert list(bad["path"]) == ["registry.csv"] and list(bad["status"]) == ["changed"]
    finally:
        registry.write_bytes(original)


def test_verify_a_build_manifest(two_runs):
    processed_manifest = two_runs[0].parents[2] / "processed" / "2566" / "manifest.json"
    result = audit.verify(processed_manifest)
    assert result.ok, result.table()
    table = result.table().set_index("path")
    assert table.loc["build.json", "status"] == "equivalent"  # only timings/location differ
    assert table.loc["scored_laos.parquet", "status"] == "identical"


def test_audit_report_renders_the_auditors_view(two_runs, data):
    from lpa_analysis.runs import run_audit_report

    year_dir = two_runs[0]
    result = run_audit_report(2566, lang="th", formats={"html"}, data_dir=data,
                              processed_dir=year_dir.parents[2] / "processed",
                              out_dir=year_dir.parents[1])
    assert result.status == "done", result.error
    html = (year_dir / "audit.html").read_text(encoding="utf-8")
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["content_sha256"][:16] in html  # the published run's manifest is shown
    assert "registry.csv" in html  # input fingerprints
    tables = year_dir / "audit" / "tables"
    assert {"inputs.csv", "reconciliation.csv", "rank_stability.csv"} <= \
        {p.name for p in tables.glob("*.csv")}
