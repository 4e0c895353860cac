"""Demo data generator: determinism, real registry counts, calibration, planted truth, defects."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import geothai
import numpy as np
import pandas as pd
import pytest

from lpa_analysis import demo
from lpa_analysis.commands.demo import parse_years
from lpa_analysis.errors import InputError
from lpa_analysis.schema import (
    DIM_PCT, LAO_NAME_PREFIX_TH, LAO_TYPE_CODE_DIGIT, LAO_TYPE_TH, PUBLISHED_COLUMNS,
    REGISTRY_COLUMNS, SCORES_COLUMNS, SOURCE_ROW, LaoType,
)
from lpa_analysis.scoring import score_laos

PHRAE = "54"
# The reconciliation tolerance of the build; a true value like 83.125 is exactly 0.005 from its
# published 83.12, so allow float noise on top.
TOLERANCE = 0.005 + 1e-9


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _read_registry(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "registry.csv", dtype={"lao_code": str, "province_code": str})


def _rescore(folder: Path, year: int):
    scores = pd.read_parquet(folder / "scores" / f"{year}.parquet")
    scores[SOURCE_ROW] = np.arange(len(scores)) + 2
    return score_laos(scores, _read_registry(folder), demo.framework(year))


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    """All 76 provinces, first and last framework year (≈ 3.2 M score rows, seconds)."""
    return demo.generate(tmp_path_factory.mktemp("demo") / "national", years=[2564, 2567])


@pytest.fixture(scope="module")
def rescored(national) -> dict:
    """The scoring engine's results on the national demo files, by year."""
    return {year: _rescore(national, year) for year in (2564, 2567)}


@pytest.fixture(scope="module")
def phrae_dirty(tmp_path_factory) -> Path:
    return demo.generate(tmp_path_factory.mktemp("demo") / "phrae", years=[2566],
                         provinces=[PHRAE], dirty=True)


@pytest.fixture(scope="module")
def national_truth(national) -> dict:
    return json.loads((national / "truth.json").read_text(encoding="utf-8"))


# --- determinism ---------------------------------------------------------------------------

@pytest.mark.parametrize("dirty", [False, True])
def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path, dirty):
    kwargs = dict(years=[2565, 2566], provinces=[PHRAE], dirty=dirty)
    first = _files(demo.generate(tmp_path / "a", seed=7, **kwargs))
    again = _files(demo.generate(tmp_path / "b", seed=7, **kwargs))
    other = _files(demo.generate(tmp_path / "c", seed=8, **kwargs))
    ext = "csv" if dirty else "parquet"
    assert {"registry.csv", "truth.json", "DATACARD.md", "frameworks/lpa-2566.yml",
            f"scores/2566.{ext}", "published/2566.csv"} <= set(first)
    assert first == again
    assert first.keys() == other.keys()
    for name in ("registry.csv", f"scores/2566.{ext}", "published/2566.csv", "truth.json"):
        assert first[name] != other[name], name
    assert first["frameworks/lpa-2566.yml"] == other["frameworks/lpa-2566.yml"]


def test_a_province_is_the_same_alone_or_with_others(tmp_path):
    alone = demo.demo_registry(demo.DEFAULT_SEED, [PHRAE])
    together = demo.demo_registry(demo.DEFAULT_SEED, ["50", PHRAE])
    pd.testing.assert_frame_equal(
        alone, together[together["province_code"] == PHRAE].reset_index(drop=True))


# --- registry -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def registry() -> pd.DataFrame:
    return demo.demo_registry(demo.DEFAULT_SEED)


def _type_counts(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby(["province_code", "lao_type"]).size().sort_index()


def test_registry_has_the_committed_per_province_type_counts(registry):
    facts = demo.real_counts().set_index(["province_code", "lao_type"])["count"].sort_index()
    assert list(registry.columns) == REGISTRY_COLUMNS
    assert len(registry) == facts.sum() == 7849
    assert registry["province_code"].nunique() == 76
    pd.testing.assert_series_equal(_type_counts(registry), facts, check_names=False)


def test_registry_matches_the_real_dla_registry_counts(registry, real_registry_path):
    real = pd.read_csv(real_registry_path, dtype=str)
    type_of = {th: t.value for t, th in LAO_TYPE_TH.items()}
    real = pd.DataFrame({"province_code": real["รหัส อปท."].str[1:3],
                         "lao_type": real["ประเภท อปท."].map(type_of)})
    assert real["lao_type"].notna().all()
    pd.testing.assert_series_equal(_type_counts(registry), _type_counts(real))


def test_codes_are_unique_dla_style_and_match_type_and_district(registry):
    codes = registry["lao_code"]
    assert codes.is_unique
    assert codes.str.fullmatch(r"\d{7}").all()
    digit = registry["lao_type"].map(lambda t: LAO_TYPE_CODE_DIGIT[LaoType(t)])
    assert (codes.str[0] == digit).all()
    assert (codes.str[1:3] == registry["province_code"]).all()
    district_of = {d.code: d.name_th for p in registry["province_code"].unique()
                   for d in geothai.districts(p)}
    assert (codes.str[1:5].map(district_of) == registry["district_th"]).all()


def test_names_are_real_place_names_without_prefix_and_distinct_per_district_and_type(registry):
    assert not registry["name_th"].str.startswith(
        tuple(p for p in LAO_NAME_PREFIX_TH.values() if p)).any()
    pao = registry[registry["lao_type"] == LaoType.PAO]
    assert (pao["name_th"] == pao["province_th"]).all()
    local = registry[registry["lao_type"].isin([LaoType.SUBDISTRICT, LaoType.SAO])]
    subdistrict_names = {s.name_th for d in local["lao_code"].str[1:5].unique()
                         for s in geothai.subdistricts(d)}
    assert local["name_th"].isin(subdistrict_names).mean() > 0.95
    district = registry["lao_code"].str[1:5]
    assert not registry.assign(d=district).duplicated(["d", "lao_type", "name_th"]).any()


def test_locations_and_areas_are_plausible_with_gaps_like_the_real_file(registry):
    assert 0.30 < registry["lat"].isna().mean() < 0.46
    assert registry["lat"].dropna().between(5.5, 20.6).all()
    assert registry["lon"].dropna().between(97.3, 105.8).all()
    area = registry.groupby("lao_type")["area_km2"].median()
    assert area[LaoType.PAO] > 10 * area[LaoType.SAO] > 10 * 1
    assert (registry["area_km2"].dropna() > 0).all()


# --- frameworks ------------------------------------------------------------------------------

def test_frameworks_are_realistic_and_change_a_little_between_years():
    frameworks = {y: demo.framework(y) for y in demo.FRAMEWORK_YEARS}
    assert {f.overall_method for f in frameworks.values()} == {"points", "mean_of_dimensions"}
    for fw in frameworks.values():
        assert 190 <= len(fw.indicators) <= 215
        assert 1 <= sum(i.pilot for i in fw.indicators) <= 2
        assert sum(i.applies_to != "all" for i in fw.indicators) >= 10
        assert sum(i.max_points == 5 for i in fw.indicators) / len(fw.indicators) > 0.9
        assert fw.pass_threshold == 70
        assert [(b.id, b.min_pct) for b in fw.bands] == [
            ("excellent", 90), ("very_good", 80), ("good", 70), ("below", 0)]
    ids = {y: {i.id for i in f.indicators} for y, f in frameworks.items()}
    for year in list(frameworks)[1:]:
        assert ids[year] != ids[year - 1]
        assert len(ids[year] ^ ids[year - 1]) <= 6
    same = {i.id: (i.dimension, i.name_th) for i in frameworks[2564].indicators}
    for fw in frameworks.values():
        assert all(same.get(i.id, (i.dimension, i.name_th)) == (i.dimension, i.name_th)
                   for i in fw.indicators)


# --- scores, published, calibration ----------------------------------------------------------

def test_files_follow_the_data_contract(national):
    scores = pd.read_parquet(national / "scores" / "2564.parquet")
    assert list(scores.columns) == SCORES_COLUMNS
    assert scores["not_applicable"].dtype == bool
    published = pd.read_csv(national / "published" / "2564.csv", dtype={"lao_code": str})
    assert list(published.columns) == PUBLISHED_COLUMNS
    text = (national / "published" / "2564.csv").read_text(encoding="utf-8").splitlines()[1]
    assert all(len(v.split(".")[1]) == 2 for v in text.split(",")[1:7])


@pytest.mark.parametrize("year", [2564, 2567])
def test_calibrated_to_published_lpa_aggregates(rescored, year):
    laos = rescored[year].laos
    assert len(laos) == 7849
    assert 0.975 <= laos["passed"].astype(float).mean() <= 0.995
    assert 0.05 <= (laos["overall_pct"] >= 90).mean() <= 0.12
    city = laos["lao_type"] == LaoType.CITY
    gap = laos.loc[city, "overall_pct"].mean() - laos.loc[~city, "overall_pct"].mean()
    assert gap == pytest.approx(4, abs=1.5)


def test_published_equals_the_scoring_engine_except_the_planted_errors(national, national_truth,
                                                                      rescored):
    for year in (2564, 2567):
        laos = rescored[year].laos.set_index("lao_code")
        published = pd.read_csv(national / "published" / f"{year}.csv",
                                dtype={"lao_code": str}).set_index("lao_code")
        diff = (published[[*DIM_PCT, "overall_pct"]] - laos[[*DIM_PCT, "overall_pct"]]).abs()
        found = {(code, field) for code, field in diff.stack().loc[lambda d: d > TOLERANCE].index}
        planted = national_truth["years"][str(year)]["transcription_errors"]
        assert found == {(e["lao_code"], e["field"]) for e in planted}
        assert 0.003 < len(planted) / len(laos) < 0.007
        for e in planted:
            assert published.at[e["lao_code"], e["field"]] == pytest.approx(e["published"])
            assert laos.at[e["lao_code"], e["field"]] == pytest.approx(e["true"], abs=TOLERANCE)
        assert (published["passed"] == laos["passed"].astype(bool)).all()
        assert (published["band"] == laos["band"]).all()


def test_not_applicable_rows_are_exactly_where_the_indicator_does_not_apply(national, registry):
    scores = pd.read_parquet(national / "scores" / "2567.parquet")
    fw = demo.framework(2567)
    type_of = registry.set_index("lao_code")["lao_type"]
    sample = scores.sample(20000, random_state=1)
    applies = [fw.indicator(i).applies(type_of[c])
               for c, i in zip(sample["lao_code"], sample["indicator_id"])]
    assert (sample["not_applicable"].to_numpy() == ~np.array(applies)).all()
    na = scores[scores["not_applicable"]]
    assert na[["self_points", "verified_points"]].isna().all().all()
    assert len(scores) == len(registry) * len(fw.indicators)


def test_points_are_allowed_levels_and_unverified_rows_are_listed(national, national_truth):
    scores = pd.read_parquet(national / "scores" / "2564.parquet")
    fw = demo.framework(2564)
    applicable = scores[~scores["not_applicable"]]
    allowed = pd.MultiIndex.from_tuples(
        [(i.id, float(v)) for i in fw.indicators for v in i.levels])
    for column in ("self_points", "verified_points"):
        given = applicable.dropna(subset=[column])
        assert pd.MultiIndex.from_arrays([given["indicator_id"], given[column]]).isin(allowed).all()
    assert applicable["self_points"].notna().all()
    unverified = applicable[applicable["verified_points"].isna()]
    listed = national_truth["years"]["2564"]["not_verified"]
    assert {(r["lao_code"], r["indicator_id"]) for r in listed} == set(
        zip(unverified["lao_code"], unverified["indicator_id"]))
    assert 0 < len(listed) < 0.001 * len(applicable)


def test_planted_effects_are_visible_in_the_data(national_truth, rescored):
    laos = {y: result.laos for y, result in rescored.items()}
    teams = national_truth["verification_teams"]
    lenient = [t["province_code"] for t in teams["lenient"]]
    strict = [t["province_code"] for t in teams["strict"]]
    assert len(lenient) == 2 and len(strict) == 1
    assert all(5 <= t["shift_pct_points"] <= 6 for t in teams["lenient"])
    gap = laos[2564].groupby("province_code")["gap_overall"].mean()
    others = gap.drop([*lenient, *strict])
    assert 3 < others.mean() < 5
    assert (gap[lenient] < others.min()).all()  # lenient team: verified close to self
    assert (gap[strict] > others.max()).all()
    assert laos[2564]["assessor_team"].str.fullmatch(r"\d{2}-T\d").all()

    heavy = laos[2564]["lao_code"].isin(national_truth["self_inflation"]["heavy_tail_laos"])
    assert 0.01 < heavy.mean() < 0.03
    gap_2564 = laos[2564]["gap_overall"]
    assert gap_2564[heavy].mean() > 2 * gap_2564[~heavy].mean()

    trend = national_truth["year_trend_pct_points_per_year"]
    change = laos[2567]["overall_pct"].mean() - laos[2564]["overall_pct"].mean()
    assert 0.5 * 3 * trend < change < 1.5 * 3 * trend

    indicators = rescored[2564].indicators
    attainment = indicators[~indicators["pilot"]].groupby("indicator_id")["attainment"].mean()
    hard = national_truth["hard_indicators"]
    assert (attainment[hard] < 0.40).all()
    assert attainment.drop(hard).min() > 0.5

    offsets = national_truth["type_offsets_pct_points"]
    by_type = laos[2564].groupby("lao_type")["overall_pct"].mean()
    assert by_type.idxmax() in (LaoType.CITY, LaoType.SPECIAL)
    assert max(offsets, key=offsets.get) == LaoType.CITY


# --- dirty defects ---------------------------------------------------------------------------

def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_dirty_defects_are_at_the_stated_rows(phrae_dirty):
    truth = json.loads((phrae_dirty / "truth.json").read_text(encoding="utf-8"))
    defects = truth["years"]["2566"]["defects"]
    rows = _csv_rows(phrae_dirty / "scores" / "2566.csv")
    header = rows[0]
    assert header == SCORES_COLUMNS
    fw = demo.framework(2566)
    registry_codes = set(_read_registry(phrae_dirty)["lao_code"])
    ids = {i.id for i in fw.indicators}
    kinds = {d["kind"] for d in defects}
    assert kinds == {"duplicate", "unknown_indicator", "unknown_lao", "missing_lao_code",
                     "out_of_range", "not_in_levels", "thai_digits", "whitespace", "non_numeric"}
    for d in defects:
        row = dict(zip(header, rows[d["source_row"] - 1]))  # header is row 1
        kind = d["kind"]
        assert d["benign"] == (kind in ("thai_digits", "whitespace"))
        if d["column"] is not None:
            assert row[d["column"]] == d["value"]
        if kind == "duplicate":
            assert rows[d["source_row"] - 1] == rows[d["duplicate_of_row"] - 1]
        elif kind == "unknown_indicator":
            assert row["indicator_id"] not in ids
        elif kind == "unknown_lao":
            assert row["lao_code"] not in registry_codes and len(row["lao_code"]) == 7
        elif kind == "missing_lao_code":
            assert row["lao_code"] == ""
        elif kind == "whitespace":
            assert row["lao_code"] != row["lao_code"].strip()
            assert row["lao_code"].strip() in registry_codes
        else:
            ind = fw.indicator(row["indicator_id"])
            value = row[d["column"]]
            if kind == "thai_digits":
                arabic = value.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
                assert value != arabic and float(arabic) in ind.levels
            elif kind == "non_numeric":
                with pytest.raises(ValueError):
                    float(value)
            elif kind == "out_of_range":
                assert not 0 <= float(value) <= ind.max_points
            elif kind == "not_in_levels":
                assert 0 <= float(value) <= ind.max_points and float(value) not in ind.levels
    inserted = sum(d["kind"] in ("duplicate", "unknown_indicator", "unknown_lao",
                                 "missing_lao_code") for d in defects)
    assert len(rows) - 1 == 84 * len(fw.indicators) + inserted


def test_rows_without_a_listed_defect_are_clean(phrae_dirty):
    truth = json.loads((phrae_dirty / "truth.json").read_text(encoding="utf-8"))
    listed = {d["source_row"] for d in truth["years"]["2566"]["defects"]}
    scores = pd.read_csv(phrae_dirty / "scores" / "2566.csv", dtype=str, keep_default_na=False)
    scores.index = scores.index + 2
    clean = scores.drop(index=list(listed))
    registry_codes = set(_read_registry(phrae_dirty)["lao_code"])
    assert clean["lao_code"].isin(registry_codes).all()
    assert not clean.duplicated(["lao_code", "indicator_id"]).any()
    for column in ("self_points", "verified_points"):
        assert pd.to_numeric(clean[column].replace("", np.nan)).notna().sum() > 0


# --- API and command ---------------------------------------------------------------------------

def test_ensure_demo_keeps_existing_data_and_generates_when_missing(tmp_path, monkeypatch,
                                                                     phrae_dirty):
    calls = []
    monkeypatch.setattr(demo, "generate", lambda out, **kw: calls.append(Path(out)) or out)
    assert demo.ensure_demo(phrae_dirty) == phrae_dirty
    assert calls == []
    assert demo.ensure_demo(tmp_path / "demo") == tmp_path / "demo"
    assert calls == [tmp_path / "demo"]


def test_refuses_to_replace_a_folder_that_is_not_demo_data(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(InputError, match="not demo data"):
        demo.generate(tmp_path, years=[2566], provinces=[PHRAE])
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_parse_years_accepts_ranges_lists_and_ce_years():
    assert parse_years("2564-2567") == [2564, 2565, 2566, 2567]
    assert parse_years("2566") == [2566]
    assert parse_years("2021,2023") == [2564, 2566]
    with pytest.raises(InputError):
        parse_years("2567-2564")


def _lpa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from lpa_analysis.cli import main; main()",
                           *args], capture_output=True, text=True, timeout=120)


def test_command_writes_a_folder_and_bad_input_exits_2(tmp_path):
    done = _lpa("demo", "--out", str(tmp_path / "d"), "--provinces", "แพร่", "--years", "2566")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "d" / "scores" / "2566.parquet").is_file()
    bad = _lpa("demo", "--out", str(tmp_path / "e"), "--provinces", "10")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and "no LAOs" in bad.stderr
    assert not (tmp_path / "e").exists()
