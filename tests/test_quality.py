"""The quality gate: every check fires on real-shaped data, names the row, and loses nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from lpa_analysis import quality
from lpa_analysis.errors import Problem
from lpa_analysis.schema import (
    FINDINGS_COLUMNS, REGISTRY_COLUMNS, SCORES_COLUMNS, SOURCE_ROW, load_framework,
)

FRAMEWORKS = Path(quality.__file__).parent / "resources" / "frameworks"

FRAMEWORK_YAML = """
year: 2566
overall_method: points
pass_threshold: 70
bands:
  - {id: excellent, name_th: ดีเด่น, name_en: Excellent, min_pct: 90}
  - {id: very_good, name_th: ดีมาก, name_en: Very good, min_pct: 80}
  - {id: good, name_th: ดี, name_en: Good, min_pct: 70}
  - {id: below, name_th: ต่ำกว่าเกณฑ์, name_en: Below, min_pct: 0}
dimensions:
  - {id: 1, name_th: การบริหารจัดการ, name_en: Management}
  - {id: 2, name_th: การบริหารงานบุคคลและกิจการสภา, name_en: Personnel and council}
  - {id: 3, name_th: การบริหารงานการเงินและการคลัง, name_en: Finance and fiscal}
  - {id: 4, name_th: การบริการสาธารณะ, name_en: Public services}
  - {id: 5, name_th: ธรรมาภิบาล, name_en: Good governance}
indicators:
  - {id: "1.1", dimension: 1, name_th: แผนพัฒนาท้องถิ่น, name_en: Local plan, max_points: 5, levels: [0, 1, 3, 5]}
  - {id: "1.2", dimension: 1, name_th: การติดตามแผน, name_en: Plan monitoring, max_points: 5, levels: [0, 5]}
  - {id: "2.1", dimension: 2, name_th: การพัฒนาบุคลากร, name_en: Staff development, max_points: 5, levels: [0, 2.5, 5]}
  - {id: "3.1", dimension: 3, name_th: การจัดเก็บรายได้, name_en: Revenue collection, max_points: 5, levels: [0, 1, 3, 5]}
  - {id: "4.1", dimension: 4, name_th: การจัดการขยะ, name_en: Waste management, max_points: 3, levels: [0, 1, 2, 3],
     applies_to: [city_municipality, town_municipality, subdistrict_municipality, special]}
  - {id: "4.2", dimension: 4, name_th: ถนนเชื่อมอำเภอ, name_en: Inter-district roads, max_points: 5, levels: [0, 1, 3, 5],
     applies_to: [pao]}
  - {id: "5.1", dimension: 5, name_th: การเปิดเผยข้อมูล, name_en: Open data, max_points: 5, levels: [0, 5], pilot: true}
"""

# (code, type, province) — codes follow the DLA pattern; 6540105 is a เทศบาลตำบล upgraded
# from อบต. that kept its 6-code (the real registry has two such).
LAOS = [
    ("2500101", "pao", "50"), ("3500101", "city_municipality", "50"),
    ("4500102", "town_municipality", "50"), ("5500103", "subdistrict_municipality", "50"),
    ("6500104", "sao", "50"), ("6540105", "subdistrict_municipality", "54"),
    ("6540101", "sao", "54"), ("3200101", "special", "20"),
]


@pytest.fixture(scope="module")
def framework(tmp_path_factory):
    path = tmp_path_factory.mktemp("fw") / "lpa-2566.yml"
    path.write_text(FRAMEWORK_YAML, encoding="utf-8")
    return load_framework(path)


@pytest.fixture(scope="module")
def suites_dir(framework, tmp_path_factory):
    out = tmp_path_factory.mktemp("expectations")
    quality.write_suites(framework, out)
    return out


def make_registry() -> pd.DataFrame:
    rows = [{"lao_code": c, "name_th": f"ทดสอบ{i}", "lao_type": t, "province_code": p,
             "province_th": None, "province_en": None, "district_th": None, "region": None,
             "lat": 18.0 + i / 10, "lon": 99.0 + i / 10, "area_km2": None}
            for i, (c, t, p) in enumerate(LAOS)]
    frame = pd.DataFrame(rows, columns=REGISTRY_COLUMNS)
    frame[SOURCE_ROW] = range(2, len(frame) + 2)
    return frame


def make_scores(framework) -> pd.DataFrame:
    """Every LAO × indicator; inapplicable ones N/A with no points. Points vary by level."""
    rows = []
    for k, (code, lao_type, _) in enumerate(LAOS):
        for j, ind in enumerate(framework.indicators):
            levels = sorted(ind.levels)
            verified = levels[(k + j) % len(levels)]
            self_points = levels[min((k + j) % len(levels) + 1, len(levels) - 1)]
            na = not ind.applies(lao_type)
            rows.append({"lao_code": code, "indicator_id": ind.id,
                         "self_points": None if na else self_points,
                         "verified_points": None if na else verified,
                         "not_applicable": na, "assessor_team": "ทีม 1"})
    frame = pd.DataFrame(rows, columns=SCORES_COLUMNS)
    frame[SOURCE_ROW] = range(2, len(frame) + 2)
    return frame


def make_published(n: int = 8) -> pd.DataFrame:
    frame = pd.DataFrame({
        "lao_code": [c for c, _, _ in LAOS[:n]],
        **{f"d{d}_pct": [60.0 + d + i for i in range(n)] for d in range(1, 6)},
        "overall_pct": [75.5 + i for i in range(n)], "passed": True, "band": "good"})
    frame[SOURCE_ROW] = range(2, n + 2)
    return frame


def row_of(frame: pd.DataFrame, **match) -> int:
    """The index label of the one row matching all `match` values."""
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, match
    return mask.idxmax()


def run(framework, suites_dir, registry=None, scores=None, published=None, **kw):
    return quality.run_gate(make_registry() if registry is None else registry,
                            make_scores(framework) if scores is None else scores,
                            framework, published, suites_dir=suites_dir, **kw)


def findings_of(gate, check: str) -> pd.DataFrame:
    return gate.findings[gate.findings["check"] == check]


def assert_balanced(gate, inputs: dict[str, pd.DataFrame]) -> None:
    for table, counts in gate.counts.items():
        assert counts["accepted"] + counts["quarantined"] == counts["input"]
        assert counts["input"] >= len(inputs[table])
        assert len(gate.accepted[table]) == counts["accepted"]
        assert (gate.quarantine["table"] == table).sum() == counts["quarantined"]
        kept = set(gate.accepted[table][SOURCE_ROW])
        removed = set(gate.quarantine.loc[gate.quarantine["table"] == table, SOURCE_ROW])
        assert not kept & removed
        assert set(inputs[table][SOURCE_ROW]) <= kept | removed


# --------------------------------------------------------------------------------- clean data

def test_clean_data_has_no_errors_and_keeps_every_row(framework, suites_dir):
    registry, scores, published = make_registry(), make_scores(framework), make_published()
    gate = run(framework, suites_dir, registry, scores, published)
    assert list(gate.findings.columns) == FINDINGS_COLUMNS
    assert gate.errors == 0, gate.findings
    # Only the known quirk: a เทศบาลตำบล with a 6-code.
    assert gate.findings[["check", "lao_code"]].values.tolist() == [
        ["code_type_digit", "6540105"]]
    assert gate.counts == {t: {"input": len(f), "accepted": len(f), "quarantined": 0}
                           for t, f in [("registry", registry), ("scores", scores),
                                        ("published", published)]}
    pd.testing.assert_frame_equal(gate.accepted["scores"], scores)
    assert gate.quarantine.empty


# --------------------------------------------------------------------------------- registry

@pytest.mark.parametrize("column,value,check", [
    ("lao_code", "650010", "lao_code_format"),
    ("lao_code", None, "required"),
    ("lao_type", "municipality", "lao_type_known"),
    ("province_code", "10", "province_known"),  # Bangkok: a special-form LAO, not DLA's
    ("province_code", "99", "province_known"),
])
def test_registry_errors_quarantine_the_row(framework, suites_dir, column, value, check):
    registry = make_registry()
    i = row_of(registry, lao_code="6500104")
    registry.loc[i, column] = value
    gate = run(framework, suites_dir, registry)
    hit = findings_of(gate, check)
    assert hit[["table", "severity", SOURCE_ROW, "column"]].values.tolist() == [
        ["registry", "error", registry.at[i, SOURCE_ROW], column]]
    quarantined = gate.quarantine[gate.quarantine["table"] == "registry"]
    assert quarantined[SOURCE_ROW].tolist() == [registry.at[i, SOURCE_ROW]]
    assert check in quarantined["reasons"].iloc[0]
    # The LAO's scores now point at no registry LAO, so they are quarantined too.
    if column != "lao_code":
        lost = findings_of(gate, "lao_in_registry")
        assert set(lost["lao_code"]) == {"6500104"}
        assert len(lost) == len(framework.indicators)
    assert_balanced(gate, {"registry": registry, "scores": make_scores(framework)})


def test_registry_duplicate_code_keeps_the_first(framework, suites_dir):
    registry = make_registry()
    extra = registry.iloc[[4]].assign(**{SOURCE_ROW: 10, "name_th": "ซ้ำ"})
    registry = pd.concat([registry, extra], ignore_index=True)
    gate = run(framework, suites_dir, registry)
    hit = findings_of(gate, "lao_code_unique")
    assert hit[[SOURCE_ROW, "lao_code"]].values.tolist() == [[10, "6500104"]]
    assert "row 6 is kept" in hit["message"].iloc[0]
    assert 6 in set(gate.accepted["registry"][SOURCE_ROW])
    assert gate.counts["registry"] == {"input": 9, "accepted": 8, "quarantined": 1}


def test_registry_warnings_keep_the_row(framework, suites_dir):
    registry = make_registry()
    registry.loc[row_of(registry, lao_code="4500102"), "lat"] = 5.0  # real-registry typo
    gate = run(framework, suites_dir, registry)
    assert gate.errors == 0
    assert findings_of(gate, "outside_thailand")[["lao_code", "column", "value"]].values.tolist() \
        == [["4500102", "lat", "5"]]
    assert gate.counts["registry"]["quarantined"] == 0


def test_a_code_naming_another_province_is_a_registry_error(framework, suites_dir):
    registry = make_registry()
    i = row_of(registry, lao_code="6540101")
    registry.loc[i, "province_code"] = "55"  # digits 2-3 of the code say 54
    gate = run(framework, suites_dir, registry)
    hit = findings_of(gate, "code_province_digits")
    assert hit[["severity", SOURCE_ROW, "lao_code"]].values.tolist() == [
        ["error", registry.at[i, SOURCE_ROW], "6540101"]]


def test_coverage_names_the_registry_row_of_each_missing_lao(framework, suites_dir):
    scores = make_scores(framework)
    scores = scores[~scores["lao_code"].isin(["5500103", "3200101"])]
    registry = make_registry()
    gate = run(framework, suites_dir, registry, scores)
    hit = findings_of(gate, "coverage")
    expected = registry[registry["lao_code"].isin(["5500103", "3200101"])]
    assert hit[["table", "severity", SOURCE_ROW, "lao_code"]].values.tolist() == [
        ["registry", "warning", r, c] for r, c in zip(expected[SOURCE_ROW], expected["lao_code"])]


def test_real_registry_code_digit_quirk_is_two_warnings(real_registry_path, framework, suites_dir):
    from lpa_analysis.readers import read_registry

    loaded = read_registry(real_registry_path)
    gate = run(framework, suites_dir, loaded.frame, make_scores(framework).iloc[:0],
               extra_errors={"registry": loaded.problems})
    assert gate.counts["registry"]["accepted"] == 7849
    digit = findings_of(gate, "code_type_digit")
    assert len(digit) == 2 and set(digit["severity"]) == {"warning"}
    assert set(gate.accepted["registry"].set_index("lao_code").loc[digit["lao_code"], "lao_type"]) \
        == {"subdistrict_municipality"}
    assert all(c.startswith("6") for c in digit["lao_code"])


# --------------------------------------------------------------------------------- scores

def _break(framework, suites_dir, key: tuple[str, str], values: dict):
    """Scores with `values` set on the row of (lao_code, indicator_id) = key."""
    scores = make_scores(framework)
    i = row_of(scores, lao_code=key[0], indicator_id=key[1])
    for column, value in values.items():
        scores.loc[i, column] = value
    gate = run(framework, suites_dir, scores=scores)
    assert_balanced(gate, {"registry": make_registry(), "scores": scores})
    return gate, int(scores.at[i, SOURCE_ROW])


@pytest.mark.parametrize("lao_code,indicator_id,values,check,column", [
    ("6500104", "1.1", {"verified_points": 2.0}, "points_in_levels", "verified_points"),
    ("6500104", "2.1", {"self_points": 3.0}, "points_in_levels", "self_points"),
    ("3500101", "1.2", {"verified_points": 7.0}, "points_in_levels", "verified_points"),
    ("3500101", "4.1", {"self_points": 5.0}, "points_in_levels", "self_points"),  # max 3
    ("3500101", "1.2", {"indicator_id": "1.9"}, "indicator_known", "indicator_id"),
    ("3500101", "1.2", {"lao_code": "6509999"}, "lao_in_registry", "lao_code"),
    ("3500101", "1.2", {"indicator_id": None}, "required", "indicator_id"),
    ("6500104", "3.1", {"not_applicable": True, "self_points": None,
                        "verified_points": None}, "not_applicable_allowed", "not_applicable"),
    ("5500103", "4.1", {"not_applicable": True, "self_points": None,
                        "verified_points": None}, "not_applicable_allowed", "not_applicable"),
])
def test_score_errors_name_row_lao_and_indicator(framework, suites_dir, lao_code, indicator_id,
                                                 values, check, column):
    gate, source_row = _break(framework, suites_dir, (lao_code, indicator_id), values)
    errors = gate.findings[gate.findings["severity"] == "error"]
    assert errors[["table", "check", SOURCE_ROW, "column"]].values.tolist() == [
        ["scores", check, source_row, column]]
    hit = errors.iloc[0]
    assert hit["lao_code"] == values.get("lao_code", lao_code)
    assert hit["indicator_id"] == values.get("indicator_id", indicator_id)
    q = gate.quarantine[gate.quarantine["table"] == "scores"]
    assert q[SOURCE_ROW].tolist() == [source_row] and q["reasons"].tolist() == [check]
    assert source_row not in set(gate.accepted["scores"][SOURCE_ROW])


@pytest.mark.parametrize("lao_code,indicator_id,values,check", [
    ("6500104", "1.1", {"verified_points": None}, "verified_present"),
    ("6500104", "1.1", {"self_points": None}, "self_present"),
    ("6500104", "1.1", {"self_points": 5.0, "verified_points": 0.0}, "self_verified_gap"),
    ("6500104", "4.1", {"not_applicable": False, "self_points": 2.0, "verified_points": 2.0},
     "inapplicable_scored"),
])
def test_score_warnings_keep_the_row(framework, suites_dir, lao_code, indicator_id, values, check):
    gate, source_row = _break(framework, suites_dir, (lao_code, indicator_id), values)
    assert gate.errors == 0
    hit = findings_of(gate, check)
    assert hit[[SOURCE_ROW, "lao_code", "indicator_id", "severity"]].values.tolist() == [
        [source_row, lao_code, indicator_id, "warning"]]
    assert gate.counts["scores"]["quarantined"] == 0


def test_full_disagreement_on_a_pass_fail_indicator_is_not_a_gap_warning(framework, suites_dir):
    gate, _ = _break(framework, suites_dir, ("6500104", "1.2"),
                     {"self_points": 5.0, "verified_points": 0.0})
    assert findings_of(gate, "self_verified_gap").empty


def test_duplicate_scores_keep_the_first_copy(framework, suites_dir):
    scores = make_scores(framework)
    first = row_of(scores, lao_code="4500102", indicator_id="2.1")
    copies = scores.loc[[first, first]].assign(**{SOURCE_ROW: [900, 901]})
    scores = pd.concat([scores, copies], ignore_index=True)
    gate = run(framework, suites_dir, scores=scores)
    hit = findings_of(gate, "lao_indicator_unique")
    assert hit[[SOURCE_ROW, "lao_code", "indicator_id"]].values.tolist() == [
        [900, "4500102", "2.1"], [901, "4500102", "2.1"]]
    first_row = int(scores.at[first, SOURCE_ROW])
    assert hit["message"].str.contains(f"row {first_row} is kept").all()
    assert first_row in set(gate.accepted["scores"][SOURCE_ROW])
    assert_balanced(gate, {"registry": make_registry(), "scores": scores})


def test_scores_of_a_quarantined_registry_row_follow_it(framework, suites_dir):
    registry = make_registry()
    registry.loc[row_of(registry, lao_code="6540101"), "lao_type"] = "unknown"
    gate = run(framework, suites_dir, registry)
    assert "6540101" not in set(gate.accepted["scores"]["lao_code"])
    assert set(gate.quarantine.loc[gate.quarantine["table"] == "scores", "reasons"]) == {
        "lao_in_registry"}


# --------------------------------------------------------------------------------- published

@pytest.mark.parametrize("column,value,check", [
    ("d3_pct", 104.2, "pct_range"), ("overall_pct", -1.0, "pct_range"),
    ("band", "platinum", "band_known"), ("lao_code", "6999999", "lao_in_registry"),
])
def test_published_errors(framework, suites_dir, column, value, check):
    published = make_published()
    i = row_of(published, lao_code="6500104")
    published.loc[i, column] = value
    gate = run(framework, suites_dir, published=published)
    errors = gate.findings[gate.findings["severity"] == "error"]
    assert errors[["table", "check", SOURCE_ROW]].values.tolist() == [
        ["published", check, published.at[i, SOURCE_ROW]]]
    assert gate.counts["published"] == {"input": 8, "accepted": 7, "quarantined": 1}


# --------------------------------------------------------------------------------- reader problems

def test_reader_problems_join_findings_and_errors_quarantine(framework, suites_dir):
    scores = make_scores(framework)
    bad = row_of(scores, lao_code="6500104", indicator_id="1.1")
    scores.loc[bad, "verified_points"] = math.nan  # the reader could not parse '3,o'
    bad_row = int(scores.at[bad, SOURCE_ROW])
    problems = {"scores": [
        Problem("error", "'3,o' is not a number", file="scores/2566.csv", row=bad_row,
                column="คะแนนทีมประเมิน", lao_code="6500104", check="bad_number", value="3,o"),
        # a row the reader could not keep at all
        Problem("error", "the LAO code is empty", file="scores/2566.csv", row=999,
                column="รหัส อปท.", check="missing_code"),
        Problem("warning", "stray title row", file="scores/2566.csv", row=1),
    ]}
    gate = run(framework, suites_dir, scores=scores, extra_errors=problems)
    reader = gate.findings[gate.findings["check"].isin(["bad_number", "missing_code", "parse"])]
    assert reader[[SOURCE_ROW, "severity"]].values.tolist() == [
        [1, "warning"], [bad_row, "error"], [999, "error"]]
    q = gate.quarantine.set_index(SOURCE_ROW)
    assert set(q.index) == {bad_row, 999}
    assert q.at[bad_row, "reasons"] == "bad_number"  # verified_present is only a warning
    assert gate.counts["scores"] == {"input": len(scores) + 1, "accepted": len(scores) - 1,
                                     "quarantined": 2}


# --------------------------------------------------------------------------------- suites

def test_suites_are_deterministic_gx_json(framework, suites_dir):
    a, b = quality.generate_suites(framework), quality.generate_suites(framework)
    assert {t: quality.dump_suite(s) for t, s in a.items()} == \
        {t: quality.dump_suite(s) for t, s in b.items()}
    assert quality.stale_suites(framework, suites_dir) == []
    scores = json.loads((suites_dir / "scores-2566.json").read_text(encoding="utf-8"))
    levels = [e for e in scores["expectations"] if e["meta"]["check"] == "points_in_levels"]
    # one expectation per points column, listing every (indicator, level) the framework allows
    assert [e["meta"]["column"] for e in levels] == ["self_points", "verified_points"]
    assert set(levels[0]["kwargs"]["value_set"]) == {"n/a"} | {
        f"{i.id}|{level:g}" for i in framework.indicators for level in i.levels}
    import great_expectations as gx  # the JSON is GX's own format

    quality._gx()
    suite = gx.ExpectationSuite(**{k: scores[k] for k in ("name", "expectations", "meta")})
    assert len(suite.expectations) == len(scores["expectations"])


def test_a_changed_framework_makes_the_suites_stale(framework, tmp_path):
    quality.write_suites(framework, tmp_path)
    changed = framework.model_copy(update={"indicators": [
        i.model_copy(update={"levels": [0.0, 2.0, 5.0]}) if i.id == "1.1" else i
        for i in framework.indicators]})
    assert quality.stale_suites(changed, tmp_path) == ["scores"]


def _resource_frameworks() -> list[Path]:
    return sorted(FRAMEWORKS.glob("lpa-*.yml"))


@pytest.mark.parametrize("path", _resource_frameworks() or [None])
def test_committed_suites_match_the_frameworks(path):
    if path is None:
        pytest.skip("no frameworks in lpa_analysis/resources/frameworks yet")
    framework = load_framework(path)
    stale = quality.stale_suites(framework)
    assert stale == [], (f"expectations/ {stale} differ from {path.name}: run "
                         f"lpa expectations --year {framework.year} and review the diff")


def test_stale_suites_fall_back_to_the_framework(framework, tmp_path):
    quality.write_suites(framework, tmp_path)
    suite = tmp_path / "scores-2566.json"
    loosened = json.loads(suite.read_text(encoding="utf-8"))
    loosened["expectations"] = []
    suite.write_text(json.dumps(loosened), encoding="utf-8")
    scores = make_scores(framework)
    scores.loc[0, "verified_points"] = 4.0
    gate = quality.run_gate(make_registry(), scores, framework, suites_dir=tmp_path)
    assert findings_of(gate, "points_in_levels")[SOURCE_ROW].tolist() == [2]


# --------------------------------------------------------------------------------- CLI

@pytest.fixture()
def data_folder(tmp_path, framework):
    """A raw data folder as `lpa validate` reads it: registry, framework, scores of 2566."""
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "lpa-2566.yml").write_text(FRAMEWORK_YAML, encoding="utf-8")
    registry = make_registry()[["lao_code", "name_th", "lao_type", "province_code", "lat", "lon"]]
    registry.to_csv(tmp_path / "registry.csv", index=False)
    (tmp_path / "scores").mkdir()
    make_scores(framework).drop(columns=SOURCE_ROW).to_csv(tmp_path / "scores" / "2566.csv",
                                                            index=False)
    return tmp_path


def invoke(*args):
    from typer.testing import CliRunner

    from lpa_analysis.cli import app

    return CliRunner().invoke(app, list(args))


def test_validate_clean_folder_exits_0(data_folder, framework):
    result = invoke("validate", "--year", "2566", "--data", str(data_folder))
    assert result.exit_code == 0, result.output
    n_scores = len(make_scores(framework))
    assert f"scores: {n_scores} rows, {n_scores} accepted, 0 quarantined" in result.output
    assert "0 errors" in result.output


def test_validate_reports_errors_with_rows_and_exits_1(data_folder):
    path = data_folder / "scores" / "2566.csv"
    scores = pd.read_csv(path, dtype=str)
    i = row_of(scores, lao_code="6500104", indicator_id="1.1")
    scores.loc[i, "verified_points"] = "2"
    scores.to_csv(path, index=False)
    file_row = i + 2  # header is row 1
    result = invoke("validate", "--year", "2566", "--data", str(data_folder))
    assert result.exit_code == 1, result.output
    assert f"row {file_row}, LAO 6500104, indicator 1.1, verified_points = '2'" in result.output
    result = invoke("validate", "--year", "2023", "--data", str(data_folder), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert [(f["source_row"], f["check"], f["lao_code"], f["indicator_id"]) for f in errors] == [
        (file_row, "points_in_levels", "6500104", "1.1")]
    assert report["counts"]["scores"]["quarantined"] == 1


def test_validate_without_scores_is_unusable_input(data_folder):
    from lpa_analysis.errors import InputError

    (data_folder / "scores" / "2566.csv").unlink()
    result = invoke("validate", "--year", "2566", "--data", str(data_folder))
    assert isinstance(result.exception, InputError)  # cli.main prints it and exits 2


def test_expectations_command_writes_the_suites(tmp_path, data_folder, framework):
    out = tmp_path / "suites"
    result = invoke("expectations", "--year", "2566", "--data", str(data_folder),
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "published-2566.json", "registry-2566.json", "scores-2566.json"]
    assert quality.stale_suites(framework, out) == []


# --------------------------------------------------------------------------------- demo data

@pytest.fixture(scope="module")
def dirty_demo(tmp_path_factory):
    from lpa_analysis import demo

    out = demo.generate(tmp_path_factory.mktemp("demo") / "data", years=[2566], dirty=True,
                        provinces=["54"])
    return out, json.loads((out / "truth.json").read_text(encoding="utf-8"))["years"]["2566"]


def test_every_planted_defect_is_quarantined_and_nothing_else(dirty_demo):
    from lpa_analysis.readers import load_year

    out, truth = dirty_demo
    folder = load_year(out, 2566)
    gate = quality.run_gate(folder.registry.frame, folder.scores.frame, folder.framework,
                            folder.published.frame,
                            extra_errors={"registry": folder.registry.problems,
                                          "scores": folder.scores.problems,
                                          "published": folder.published.problems})
    defects = truth["defects"]
    harmful = {d["source_row"] for d in defects if not d["benign"]}
    benign = {d["source_row"] for d in defects if d["benign"]}
    assert harmful and benign
    quarantined = gate.quarantine[gate.quarantine["table"] == "scores"]
    assert set(quarantined[SOURCE_ROW]) == harmful
    assert gate.counts["registry"]["quarantined"] == gate.counts["published"]["quarantined"] == 0
    for d in defects:
        if d["benign"]:
            continue
        hit = gate.findings[(gate.findings[SOURCE_ROW] == d["source_row"])
                            & (gate.findings["severity"] == "error")]
        assert len(hit) >= 1, d
        assert hit["indicator_id"].iloc[0] == d["indicator_id"]
        if d["lao_code"]:
            assert hit["lao_code"].iloc[0] == d["lao_code"].strip()
    counts = gate.counts["scores"]
    assert counts["accepted"] + counts["quarantined"] == counts["input"] == len(folder.scores.frame)
