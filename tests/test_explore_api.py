"""Analysts' questions in one call (issue 18): each answer of `lpa_analysis.explore` and of
`lpa show` against the processed tables, recomputed here with plain pandas (not with the
helpers the answers use)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from lpa_analysis import explore, i18n
from lpa_analysis.cli import app
from lpa_analysis.errors import InputError

PROVINCE = "54"
YEAR, PREVIOUS = 2566, 2565
DIMS = [f"d{d}_pct" for d in range(1, 6)]


# --- independent reference computations ---------------------------------------------------------

def scored(processed: Path, year: int) -> pd.DataFrame:
    return pd.read_parquet(processed / str(year) / "scored_laos.parquet")


def framework(processed: Path, year: int) -> dict:
    return yaml.safe_load((processed / str(year) / "framework.yml").read_text(encoding="utf-8"))


def comparable_ids(processed: Path) -> set[str]:
    """Indicators with the same definition in both years and pilot in neither."""
    keys = ("dimension", "max_points", "levels", "applies_to", "pilot")
    a, b = ({i["id"]: {k: i.get(k) for k in keys} for i in framework(processed, y)["indicators"]}
            for y in (PREVIOUS, YEAR))
    return {i for i in a.keys() & b.keys() if a[i] == b[i] and not a[i]["pilot"]}


def rescored(processed: Path, year: int, ids: set[str]) -> pd.DataFrame:
    """Dimension and overall % of each LAO of the province on `ids` (overall: all points over
    all maxima, the later year's method)."""
    rows = pd.read_parquet(processed / str(year) / "indicator_scores.parquet")
    rows = rows[(rows["province_code"] == PROVINCE) & rows["indicator_id"].isin(ids)
                & ~rows["not_applicable"] & ~rows["pilot"]]
    sums = rows.groupby(["lao_code", "dimension"])[["verified_points", "max_points"]].sum()
    pct = (100 * sums["verified_points"] / sums["max_points"]).unstack()
    pct.columns = [f"d{d}_pct" for d in pct.columns]
    total = rows.groupby("lao_code")[["verified_points", "max_points"]].sum()
    return pct.assign(overall_pct=100 * total["verified_points"] / total["max_points"])


@pytest.fixture(scope="module")
def changes(small_processed) -> pd.DataFrame:
    assert framework(small_processed, YEAR)["overall_method"] == "points"
    ids = comparable_ids(small_processed)
    before, after = (rescored(small_processed, y, ids) for y in (PREVIOUS, YEAR))
    both = after.index.intersection(before.index)
    return (after.loc[both] - before.loc[both])


# --- (a) movers ---------------------------------------------------------------------------------

def test_movers_by_dimension_are_the_biggest_comparable_falls(small_processed, changes):
    found = explore.movers(PROVINCE, YEAR, by="dimension", n=10, processed_dir=small_processed)
    long = changes[DIMS].stack().rename("change").reset_index()
    long.columns = ["lao_code", "measure", "change"]
    expected = long[long["change"] < 0].sort_values(["change", "lao_code"]).head(10)
    assert list(zip(found["lao_code"], found["measure"])) == \
        list(zip(expected["lao_code"], expected["measure"]))
    assert found["change"].to_numpy(float) == pytest.approx(expected["change"].to_numpy())
    assert (found["current"] - found["previous"]).to_numpy(float) == \
        pytest.approx(found["change"].to_numpy(float))
    assert set(found["year_a"]) == {PREVIOUS} and list(found["rank"]) == list(range(1, 11))
    # names carry the type prefix
    laos = scored(small_processed, YEAR).set_index("lao_code")
    assert all(name.endswith(laos.loc[c, "name_th"]) and name != laos.loc[c, "name_th"]
               for c, name in zip(found["lao_code"], found["name"]))


def test_movers_overall_names_the_dimension_that_fell_most(small_processed, changes):
    found = explore.movers(PROVINCE, YEAR, by="overall", n=5, processed_dir=small_processed)
    expected = changes["overall_pct"][changes["overall_pct"] < 0].sort_values().head(5)
    assert list(found["lao_code"]) == list(expected.index)
    assert found["change"].to_numpy(float) == pytest.approx(expected.to_numpy())
    for row in found.itertuples():
        assert row.dimension_moved == changes.loc[row.lao_code, DIMS].astype(float).idxmin()
    rises = explore.movers(PROVINCE, YEAR, by="overall", direction="up",
                           processed_dir=small_processed)
    assert (rises["change"] > 0).all() and rises["change"].is_monotonic_decreasing
    with pytest.raises(InputError, match="no built year before 2565"):
        explore.movers(PROVINCE, PREVIOUS, processed_dir=small_processed)


# --- (b) the year as a workbook -----------------------------------------------------------------

def test_workbook_holds_the_province(small_processed, tmp_path):
    import openpyxl

    path = explore.workbook(YEAR, tmp_path / "phrae.xlsx", province=PROVINCE,
                            processed_dir=small_processed)
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    laos = scored(small_processed, YEAR)
    assert sheet.max_row - 1 == (laos["province_code"] == PROVINCE).sum()


# --- (d) one LAO --------------------------------------------------------------------------------

def test_lao_has_every_year_its_dimensions_and_named_indicators(small_processed, changes):
    laos = scored(small_processed, YEAR)
    code = laos[laos["province_code"] == PROVINCE]["lao_code"].iloc[4]
    found = explore.lao(code, processed_dir=small_processed)
    assert sorted(found["year"].unique()) == [PREVIOUS, YEAR]
    own = laos.set_index("lao_code").loc[code]
    this = found[found["year"] == YEAR].set_index("item")
    for measure in [*DIMS, "overall_pct"]:
        assert this.loc[measure, "score_pct"] == pytest.approx(own[measure])
        assert this.loc[measure, "change"] == pytest.approx(changes.loc[code, measure])
    assert this.loc["overall_pct", "rank_province"] == own["rank_province"]
    scores = pd.read_parquet(small_processed / str(YEAR) / "indicator_scores.parquet")
    scores = scores[scores["lao_code"] == code].set_index("indicator_id")
    indicators = this[this["level"] == "indicator"]
    assert set(indicators.index) == set(scores.index)
    names = {i["id"]: i["name_th"] for i in framework(small_processed, YEAR)["indicators"]}
    assert all(indicators["name_th"] == indicators.index.map(names))
    counted = scores[~scores["not_applicable"] & ~scores["pilot"]]
    assert indicators.loc[counted.index, "score_pct"].to_numpy(float) == \
        pytest.approx(100 * counted["attainment"].to_numpy(float))
    with pytest.raises(InputError, match="in no built year"):
        explore.lao("0000000", processed_dir=small_processed)


# --- (e) districts ------------------------------------------------------------------------------

def test_districts_sum_to_the_province(small_processed):
    found = explore.districts(PROVINCE, YEAR, processed_dir=small_processed)
    laos = scored(small_processed, YEAR)
    laos = laos[laos["province_code"] == PROVINCE]
    expected = laos.groupby("district_th").agg(n=("lao_code", "size"),
                                               passed=("passed", "sum"),
                                               mean=("overall_pct", "mean"))
    got = found.set_index("district_th")
    expected = expected.loc[got.index]
    assert set(got.index) == set(expected.index)
    assert got["n"].sum() == len(laos)
    assert (got["n"] == expected["n"]).all() and (got["passed"] == expected["passed"]).all()
    assert got["mean_overall"].to_numpy(float) == pytest.approx(expected["mean"].to_numpy())


# --- (f) trend ----------------------------------------------------------------------------------

def test_trend_is_province_region_and_nation_each_a_line(small_processed):
    found = explore.trend(PROVINCE, processed_dir=small_processed)
    overall = found[found["measure"] == "overall_pct"]
    for year in (PREVIOUS, YEAR):
        laos = scored(small_processed, year)
        region = laos.loc[laos["province_code"] == PROVINCE, "region"].iloc[0]
        expected = {"province": laos[laos["province_code"] == PROVINCE]["overall_pct"].mean(),
                    "region": laos[laos["region"] == region]["overall_pct"].mean(),
                    "nation": laos["overall_pct"].mean()}
        got = overall[overall["year"] == year].set_index("level")["estimate"]
        assert got.to_dict() == pytest.approx(expected)
    chart = explore.plot_trend(found, lang="th")
    labels = [line.get_label() for line in chart.axes[0].get_lines()
              if not line.get_label().startswith("_")]
    assert labels == ["แพร่", "ภาคเหนือ", "ทั้งประเทศ"]
    assert all(len(line.get_xdata()) == 2 for line in chart.axes[0].get_lines()[:3])


def test_plot_trend_refuses_levels_mixed_without_labels(small_processed):
    """The old failure: province and nation rows concatenated drew one zig-zag line."""
    panel = explore.load_panel(small_processed)
    province = explore.trends(panel, by="province_code", only=[PROVINCE])
    national = explore.trends(panel)
    with pytest.raises(ValueError, match="rows of different levels"):
        explore.plot_trend(pd.concat([province, national]), lang="th")
    stripped = pd.concat([province.drop(columns="province_code"), national])
    with pytest.raises(ValueError, match="has 2 points in 2565"):
        explore.plot_trend(stripped, lang="th")
    labelled = pd.concat([province.assign(series="แพร่"), national.assign(series="ประเทศ")])
    assert len(explore.plot_trend(labelled, lang="th").legends[0].texts) == 2


# --- peers and one indicator --------------------------------------------------------------------

def test_peers_are_the_same_type_in_the_province_district_first(small_processed):
    laos = scored(small_processed, YEAR)
    me = laos[(laos["province_code"] == PROVINCE) & (laos["lao_type"] == "sao")].iloc[7]
    found = explore.peers(me["lao_code"], YEAR, processed_dir=small_processed)
    same = laos[(laos["province_code"] == PROVINCE) & (laos["lao_type"] == "sao")]
    assert set(found["lao_code"]) == set(same["lao_code"])
    assert found["is_self"].sum() == 1
    assert list(found["in_district"]) == sorted(found["in_district"], reverse=True)
    district = same[same["district_th"] == me["district_th"]]
    assert found["in_district"].sum() == len(district)
    best = same.sort_values("overall_pct", ascending=False)["lao_code"].iloc[0]
    assert found.set_index("lao_code").loc[best, "rank_province"] == 1


def test_indicator_per_province_and_nation(small_processed):
    scores = pd.read_parquet(small_processed / str(YEAR) / "indicator_scores.parquet")
    indicator_id = sorted(scores["indicator_id"].unique())[3]
    found = explore.indicator(indicator_id, YEAR, processed_dir=small_processed)
    rows = scores[(scores["indicator_id"] == indicator_id) & ~scores["not_applicable"]]
    expected = 100 * rows.groupby("province_code")["attainment"].mean()
    provinces = found[found["level"] == "province"].set_index("province_code")
    assert provinces["attainment_pct"].to_dict() == pytest.approx(expected.to_dict())
    nation = found[found["level"] == "nation"].iloc[0]
    assert nation["attainment_pct"] == pytest.approx(100 * rows["attainment"].mean())
    assert nation["n"] == len(rows)
    with pytest.raises(InputError, match="no indicator"):
        explore.indicator("X9.99", YEAR, processed_dir=small_processed)


# --- where the processed tables come from -------------------------------------------------------

def test_processed_folder_from_argument_variable_or_project(small_processed, tmp_path,
                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LPA_PROCESSED", str(small_processed))
    assert explore.processed_folder() == small_processed.resolve()
    assert explore.built() == [PREVIOUS, YEAR]
    empty = tmp_path / "empty"
    with pytest.raises(InputError, match=f"argument: {empty}"):
        explore.processed_folder(empty)
    monkeypatch.setenv("LPA_PROCESSED", str(empty))
    with pytest.raises(InputError, match=r"\$LPA_PROCESSED"):
        explore.movers(PROVINCE)  # a folder named is used alone, never replaced by another
    monkeypatch.delenv("LPA_PROCESSED")
    monkeypatch.setattr(explore, "project_processed", lambda: tmp_path / "project")
    with pytest.raises(InputError) as error:
        explore.processed_folder()
    assert str(tmp_path / "project") in str(error.value)
    assert str(tmp_path / "data" / "processed") in str(error.value)


# --- lpa show -----------------------------------------------------------------------------------

def show(*args, env=None):
    return CliRunner().invoke(app, ["show", *map(str, args)], env=env)


def test_show_movers_prints_and_saves_the_answer(small_processed, tmp_path):
    csv, xlsx = tmp_path / "movers.csv", tmp_path / "movers.xlsx"
    result = show("movers", "--province", PROVINCE, "--by", "dimension", "--processed",
                  small_processed, "--csv", csv, "--xlsx", xlsx)
    assert result.exit_code == 0, result.output
    answer = explore.movers(PROVINCE, by="dimension", processed_dir=small_processed)
    saved = pd.read_csv(csv, encoding="utf-8-sig", dtype={"รหัส อปท.": str})
    assert len(saved) == len(answer) and list(saved["รหัส อปท."]) == list(answer["lao_code"])
    assert saved[i18n.t("col.change", "th")].to_numpy() == pytest.approx(
        answer["change"].to_numpy(float))
    assert xlsx.is_file()
    assert answer["lao_code"].iloc[0] in result.output and "2565 → 2566" in result.output


def test_show_lao_from_another_folder_with_the_variable(small_processed, tmp_path,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = scored(small_processed, YEAR).query("province_code == @PROVINCE")["lao_code"].iloc[0]
    result = show("lao", code, "--lang", "en", env={"LPA_PROCESSED": str(small_processed)})
    assert result.exit_code == 0, result.output
    assert code in result.output and "Indicators, 2566" in result.output


def test_show_province_trend_and_districts(small_processed, tmp_path):
    result = show("province", PROVINCE, "--processed", small_processed)
    assert result.exit_code == 0, result.output
    assert "แพร่" in result.output and "ทั้งประเทศ" in result.output
    csv = tmp_path / "districts.csv"
    result = show("province", PROVINCE, "--districts", "--lang", "en", "--processed",
                  small_processed, "--csv", csv)
    assert result.exit_code == 0, result.output
    saved = pd.read_csv(csv, encoding="utf-8-sig")
    laos = scored(small_processed, YEAR)
    assert saved["n"].sum() == (laos["province_code"] == PROVINCE).sum()
    # pass rates under a per-cent header are per cents
    assert saved["Pass rate (%)"].between(0, 100).all() and saved["Pass rate (%)"].max() > 1
    result = show("trend", "--province", PROVINCE, "--processed", small_processed)
    assert result.exit_code == 0, result.output
    assert "2565" in result.output and "ภาคเหนือ" in result.output


def test_show_without_a_build_names_the_paths_tried(tmp_path):
    result = show("province", PROVINCE, "--processed", tmp_path / "none")
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError)
    assert str(tmp_path / "none") in str(result.exception)


def test_peers_and_indicator_commands(small_processed):
    code = scored(small_processed, YEAR).query("province_code == @PROVINCE")["lao_code"].iloc[0]
    assert show("peers", code, "--processed", small_processed).exit_code == 0
    assert show("indicator", "D1.01", "--processed", small_processed).exit_code == 0
    assert np.isfinite(explore.indicator("D1.01", processed_dir=small_processed)
                       ["attainment_pct"]).all()
