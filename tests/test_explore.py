"""Trend exploration: the multi-year panel shows the demo's planted national trend, peers are the
nearest LAOs by an independent distance, and explore_trends.ipynb runs headless."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from lpa_analysis import explore, stats
from lpa_analysis.schema import DIM_PCT, load_framework

PROJECT = Path(__file__).resolve().parents[1]
NOTEBOOK = PROJECT / "notebooks" / "explore_trends.ipynb"
YEARS = [2564, 2565, 2566, 2567]


@pytest.fixture(scope="module")
def four_years(tmp_path_factory) -> tuple[Path, Path]:
    """One province over four years: the demo plants a rising national level (trend_per_year)."""
    from lpa_analysis import demo
    from lpa_analysis.build import build_all

    root = tmp_path_factory.mktemp("explore")
    data = demo.generate(root / "data", years=YEARS, provinces=["54"])
    processed = root / "processed"
    assert build_all(data, processed) == YEARS
    assert explore.built(processed) == YEARS
    return data, processed


@pytest.fixture(scope="module")
def panel(four_years) -> pd.DataFrame:
    return explore.load_panel(four_years[1])


def test_panel_has_every_year_and_the_planted_national_rise(panel):
    assert sorted(panel["year"].unique()) == YEARS
    assert panel.groupby("year")["lao_code"].nunique().min() > 50
    national = explore.trends(panel, measures=["overall_pct"]).set_index("year")["estimate"]
    assert list(national.index) == YEARS
    slope = np.polyfit(YEARS, national.to_numpy(float), 1)[0]
    assert slope > 0.2  # planted: +0.75 attainment points per year
    assert national[2567] > national[2564]
    # the same numbers as the statistics library gives for the years separately
    for year in YEARS:
        direct = stats.describe(panel[panel["year"] == year], measures=["overall_pct"])
        assert national[year] == pytest.approx(direct["mean"].iloc[0])


def test_trends_group_and_filter(panel):
    by_type = explore.trends(panel, by="lao_type", measures=["pass_rate_pct"])
    assert set(by_type["measure"]) == {"pass_rate_pct"}
    assert {"sao", "subdistrict_municipality"} <= set(by_type["lao_type"].astype(str))
    only = explore.trends(panel, by="province_code", only=["54"])
    assert set(only["province_code"]) == {"54"} and set(only["year"]) == set(YEARS)
    with pytest.raises(ValueError, match="by must be"):
        explore.trends(panel, by="district_th")


def test_indicator_trends_use_only_indicators_comparable_in_every_year(four_years):
    data, processed = four_years
    table = explore.indicator_trends(processed, YEARS)
    assert set(table["year"]) == set(YEARS)
    frameworks = {y: load_framework(data / "frameworks" / f"lpa-{y}.yml") for y in YEARS}
    for a, b in zip(YEARS, YEARS[1:]):
        pair = stats.comparable_indicators(frameworks[a], frameworks[b])
        assert set(table["indicator_id"]) <= set(pair.loc[pair["comparable"], "indicator_id"])
    ok = table.dropna(subset=["attainment"])
    assert ok["attainment"].between(0, 1).all()
    with_ci = ok.dropna(subset=["ci_low"])
    assert (with_ci["ci_low"] <= with_ci["attainment"]).all()
    assert (with_ci["attainment"] <= with_ci["ci_high"]).all()
    # no interval only where one LAO has the indicator (e.g. those for the one อบจ.)
    assert (ok.loc[ok["ci_low"].isna(), "n"] < 2).all()
    assert set(ok.loc[ok["ci_low"].isna(), "note"]) <= {"not_enough_data"}
    changes = explore.indicator_changes(table)
    assert changes["change"].is_monotonic_increasing


def test_nearest_are_the_same_type_by_standardised_distance(panel):
    year = panel[panel["year"] == 2566].drop(columns="year")
    sao = year[year["lao_type"] == "sao"]
    assert sao["area_km2"].isna().any()  # real-shaped: some LAOs have no area (left out)
    target = sao[sao["area_km2"].notna()].iloc[3]
    found = explore.nearest(year, target["lao_code"], n=5)
    assert len(found) == 5 and (found["lao_type"] == "sao").all()
    assert target["lao_code"] not in set(found["lao_code"])
    assert found["distance"].is_monotonic_increasing
    # independent reference: scipy's standardised Euclidean distance over the same features
    same = year[year["lao_type"] == "sao"].assign(log_area=lambda d: np.log(d["area_km2"]))
    features = same[[*DIM_PCT, "log_area"]].dropna()
    ref = cdist(features.loc[[target.name]], features, metric="seuclidean",
                V=features.var(ddof=1).to_numpy())[0]
    ref = pd.Series(ref, index=same.loc[features.index, "lao_code"]).drop(target["lao_code"])
    expected = ref.sort_values(kind="stable").head(5)
    assert list(found["lao_code"]) == list(expected.index)
    assert found["distance"].to_numpy() == pytest.approx(expected.to_numpy())
    with pytest.raises(Exception, match="not among"):
        explore.nearest(year, "0000000")
    # an LAO without an area is compared on its profile alone, against every LAO of its type
    no_area = sao[sao["area_km2"].isna()].iloc[0]
    profile_only = explore.nearest(year, no_area["lao_code"], n=len(sao))
    assert len(profile_only) == len(sao) - 1


def test_choose_is_static_without_ipywidgets(monkeypatch):
    monkeypatch.setattr(explore, "_widgets", lambda: None)
    assert explore.choose(lambda v: f"view {v}", ["54", "55"], "55") == "view 55"
    assert explore.choose(lambda v: v * 2, [1, 2], 2, interactive=False) == 4


def test_notebook_runs_headless_under_papermill(four_years, tmp_path):
    import papermill as pm

    _, processed = four_years
    out = tmp_path / "explore_trends.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False,
                        cwd=str(NOTEBOOK.parent),
                        parameters={"processed_dir": str(processed.resolve()), "lang": "en",
                                    "province": "54", "interactive": False})
    executed = nbformat.read(out, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 8  # national ×2, regions, province, types ×2, indicators, map


def test_notebook_is_stored_without_outputs():
    stored = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in stored.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(not c.outputs and c.execution_count is None for c in code)


# --- lpa lab (the server itself is not started in tests) ---------------------------------------

def _lab(*args):
    from typer.testing import CliRunner

    from lpa_analysis.cli import app

    return CliRunner().invoke(app, ["lab", *map(str, args)])


def test_lab_help_has_an_example():
    result = _lab("--help")
    assert result.exit_code == 0 and "Examples" in result.output and "--no-browser" in result.output


def test_lab_without_jupyterlab_says_how_to_install_it(monkeypatch, tmp_path):
    from lpa_analysis.commands import lab

    monkeypatch.setattr(lab, "jupyterlab_installed", lambda: False)
    result = _lab("--data", tmp_path / "nowhere")  # checked before any data is touched
    assert result.exit_code == 2
    assert "pip install -e '.[lab]'" in result.output
    assert not (tmp_path / "nowhere").exists()


def test_lab_builds_then_starts_jupyterlab_in_the_notebooks_folder(monkeypatch, small_demo,
                                                                   small_processed):
    from lpa_analysis.commands import lab
    from lpa_analysis.package_data import NOTEBOOKS as NOTEBOOK_DIR

    started = {}

    def fake_run(cmd, env, check):
        started.update(cmd=cmd, env=env)
        return type("Done", (), {"returncode": 0})()

    monkeypatch.setattr(lab, "jupyterlab_installed", lambda: True)
    monkeypatch.setattr(lab.subprocess, "run", fake_run)
    result = _lab("--data", small_demo, "--processed", small_processed, "--port", 8899,
                  "--no-browser")
    assert result.exit_code == 0, result.output
    assert f"--ServerApp.root_dir={NOTEBOOK_DIR.resolve()}" in started["cmd"]
    assert "--ServerApp.port=8899" in started["cmd"]
    assert "--ServerApp.open_browser=False" in started["cmd"]
    token = next(a.split("=", 1)[1] for a in started["cmd"] if a.startswith("--IdentityProvider"))
    assert f"http://localhost:8899/lab/tree/explore_trends.ipynb?token={token}" in result.output
    assert started["env"]["LPA_PROCESSED"] == str(small_processed.resolve())


@pytest.mark.parametrize("uid", [0, 1000])
def test_lab_runs_as_root_only_on_this_machine(monkeypatch, uid):
    from lpa_analysis.commands import lab

    monkeypatch.setattr(lab.os, "geteuid", lambda: uid)
    command = lab.lab_command(Path("/nb"), 8888, "t0k3n", False)
    assert "--ServerApp.ip=localhost" in command
    assert ("--ServerApp.allow_root=True" in command) == (uid == 0)
