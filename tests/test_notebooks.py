"""Notebooks are stored clean (nbdev-style gate): no outputs, no execution counts, a tagged
`parameters` cell whose defaults point at the demo data, and nbstripout would change nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"])
             if c.get("outputs") or c.get("execution_count") is not None]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs; run `make strip-notebooks`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbstripout_would_change_nothing(path, tmp_path):
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    subprocess.run([sys.executable, "-m", "nbstripout", "--keep-id", str(copy)], check=True)
    assert json.loads(copy.read_text(encoding="utf-8")) == \
        json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_runs_as_is_on_demo_data(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
    names: dict[str, object] = {}
    exec("".join(tagged[0]["source"]), {}, names)  # the defaults as JupyterLab runs them
    # None: explore.processed_folder finds it ($LPA_PROCESSED, else the project's folder)
    assert names.get("processed_dir") in ("../data/processed", None)
    assert "data_dir" not in names  # after the build nothing reads the raw data folder
