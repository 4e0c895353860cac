"""`lpa build`: every output written, counts balance, dirty data quarantined with rows,
unusable input stops the build and leaves the previous output untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lpa_analysis.build import build_year
from lpa_analysis.processed import TABLES, load_processed
from lpa_analysis.cli import app
from lpa_analysis.errors import InputError


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def test_outputs_are_complete_and_counts_balance(small_processed):
    folder = small_processed / "2566"
    for name in TABLES:
        assert (folder / f"{name}.parquet").is_file(), name
    for name in ("scored_laos", "quality_findings", "quarantine", "reconciliation"):
        assert (folder / f"{name}.csv").is_file(), name
    info = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    for table, counts in info["counts"]["tables"].items():
        assert counts["accepted"] + counts["quarantined"] == counts["input"], table
    assert {i["path"] for i in info["inputs"]} >= {"registry.csv", "scores/2566.parquet"}
    assert all(len(i["sha256"]) == 64 for i in info["inputs"])
    processed = load_processed(2566, small_processed)
    assert len(processed.scored_laos) == info["counts"]["laos_scored"]


def test_ce_year_is_stored_as_be(small_demo, tmp_path):
    result = build_year(2023, small_demo, tmp_path)
    assert result.year == 2566 and (tmp_path / "2566" / "build.json").is_file()


def test_dirty_data_quarantined_with_rows_clean_rows_scored(tmp_path):
    from lpa_analysis import demo

    data = demo.generate(tmp_path / "dirty", years=[2566], provinces=["54"], dirty=True)
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    defects = truth["years"]["2566"]["defects"]
    result = build_year(2566, data, tmp_path / "processed")
    quarantine = load_processed(2566, tmp_path / "processed").quarantine
    harmful = [d for d in defects if not d.get("benign")]
    assert harmful, "the dirty demo plants harmful defects"
    for defect in harmful:
        rows = quarantine[quarantine["source_row"] == defect["source_row"]]
        assert len(rows) == 1, defect
    assert result.counts["laos_scored"] == 84  # every Phrae LAO still scored


def test_unusable_input_stops_and_keeps_previous_output(small_demo, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_demo, data)
    out = tmp_path / "processed"
    build_year(2566, data, out)
    before = _digests(out / "2566")
    (data / "scores" / "2566.parquet").write_bytes(b"not a parquet file")
    with pytest.raises(InputError) as caught:
        build_year(2566, data, out)
    assert "2566.parquet" in str(caught.value)
    assert _digests(out / "2566") == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp folder left
    cli = CliRunner().invoke(app, ["build", "--year", "2566", "--data", str(data),
                                   "--out", str(out)])
    assert cli.exit_code != 0 and isinstance(cli.exception, InputError)
