"""`lpa check`: summaries, cross-checks of scores/published, exit codes 0/1/2, no tracebacks."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest
from io_samples import (
    FRAMEWORK, REGISTRY, TYPE_OF, clean_published, clean_scores, write_framework, write_registry,
)
from typer.testing import CliRunner

from lpa_analysis.check import check_file
from lpa_analysis.cli import app

runner = CliRunner()


def lpa(*args: str):
    result = runner.invoke(app, ["check", *map(str, args)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def data(tmp_path):
    """A data folder: registry, framework, clean scores and published results for 2566."""
    write_registry(tmp_path / "registry.csv")
    write_framework(tmp_path / "frameworks" / "lpa-2566.yml")
    (tmp_path / "scores").mkdir()
    clean_scores().to_csv(tmp_path / "scores" / "2566.csv", index=False)
    (tmp_path / "published").mkdir()
    clean_published().to_csv(tmp_path / "published" / "2566.csv", index=False)
    return tmp_path


# ----------------------------------------------------------------------------- registry

def test_real_registry_json_acceptance(real_registry_path):
    result = lpa(real_registry_path, "--kind", "registry", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    s = report["summary"]
    assert (s["laos"], s["provinces"], report["errors"], report["warnings"]) == (7849, 76, 0, 8)
    assert s["by_type"] == {"pao": 76, "city_municipality": 30, "town_municipality": 195,
                            "subdistrict_municipality": 2247, "sao": 5300, "special": 1}
    assert sum(p["laos"] for p in s["by_province"]) == 7849
    # the two upgraded เทศบาลตำบล with a 6-code; offices at lat ~5 (lon 97.0) outside the
    # gate's Thailand box, inside the reader's wider one
    assert Counter((p["check"], p["lao_code"], p["column"]) for p in report["problems"]) == {
        ("code_type_digit", "6130408", "รหัส อปท."): 1,
        ("code_type_digit", "6720123", "รหัส อปท."): 1,
        **{("outside_thailand", code, "LAT"): 1
           for code in ("5401701", "5411711", "6440111", "6770407", "6920704")},
        ("outside_thailand", "5411711", "LONG"): 1}
    assert "เชียงใหม่" in result.stdout  # ensure_ascii=False: Thai stays readable


def test_registry_text_report_lists_problems_with_rows(tmp_path):
    bad = REGISTRY.copy()
    bad.loc[1, "รหัส อปท."] = "350010"
    bad.loc[3, "ประเภท อปท."] = "เทศบาลหมู่บ้าน"
    bad.to_csv(tmp_path / "registry.csv", index=False)
    result = lpa(tmp_path / "registry.csv", "--kind", "registry")
    assert result.exit_code == 1
    assert "row 3, column 'รหัส อปท.'" in result.stdout
    assert "row 5, column 'ประเภท อปท.'" in result.stdout
    assert "2 errors" in result.stdout and "exit 1" in result.stdout


def test_text_report_shows_first_n_of_a_group_with_the_count(tmp_path):
    bad = pd.concat([REGISTRY] * 3, ignore_index=True)
    bad["รหัส อปท."] = [f"99{i:03d}" for i in range(len(bad))]
    bad.to_csv(tmp_path / "registry.csv", index=False)
    result = lpa(tmp_path / "registry.csv", "--kind", "registry", "--show", "4")
    assert result.exit_code == 1
    assert "error bad_code (15)" in result.stdout and "… and 11 more" in result.stdout


@pytest.mark.parametrize("content", [b"\xff\xfe\x00\x00garbage\x81\x8d", None, b"a,b\n1,2\n"])
def test_unusable_registry_exits_2_with_a_message(tmp_path, content):
    path = tmp_path / "registry.csv"
    if content is not None:
        path.write_bytes(content)
    result = lpa(path, "--kind", "registry")
    assert result.exit_code == 2
    assert str(path) in result.output and "lpa: error:" in result.output


def test_unusable_file_as_json_says_why(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = lpa(path, "--kind", "registry", "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["usable"] is False and "lao_code" in report["error"]


# ----------------------------------------------------------------------------- framework

def test_framework_summary(data):
    result = lpa(data / "frameworks" / "lpa-2566.yml", "--kind", "framework", "--json")
    assert result.exit_code == 0
    s = json.loads(result.stdout)["summary"]
    assert (s["year"], s["indicators"], s["pilot_indicators"], s["type_specific_indicators"]) == (
        2566, len(FRAMEWORK["indicators"]), 1, 1)
    assert s["dimensions"]["d1"] == "10 points / 2 indicators"  # the pilot is not counted


def test_invalid_framework_exits_2_naming_the_field(tmp_path):
    broken = {**FRAMEWORK, "dimensions": FRAMEWORK["dimensions"][:4]}
    path = write_framework(tmp_path / "lpa-2566.yml", broken)
    result = lpa(path, "--kind", "framework")
    assert result.exit_code == 2 and "dimensions 1..5" in result.output


# ----------------------------------------------------------------------------- scores

def test_clean_scores_in_a_data_folder_find_their_references(data):
    result = lpa(data / "scores" / "2566.csv", "--kind", "scores", "--json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["errors"] == 0 and report["summary"]["laos"] == len(TYPE_OF)
    assert report["summary"]["registry_laos_missing"] == 0
    assert any("lpa-2566.yml" in n for n in report["notes"])
    assert any("registry.csv" in n for n in report["notes"])


def _agreed_scores() -> pd.DataFrame:
    """Clean scores where the team verified what the LAO claimed: no self_verified_gap."""
    s = clean_scores()
    s["คะแนนทีมประเมิน"] = s["คะแนนประเมินตนเอง"]
    return s


def _dirty_scores() -> tuple[pd.DataFrame, dict[str, int]]:
    """Clean scores with one planted defect per check; returns the file row of each."""
    s = _agreed_scores()
    row = {}  # check → file row (header = row 1)

    def plant(check, where, **cells):
        i = s.index[where][0]
        for column, value in cells.items():
            s.loc[i, column] = value
        row[check] = i + 2

    ind, code = s["ตัวชี้วัด"], s["รหัส อปท."]
    plant("indicator_known", ind.eq("2.01"), **{"ตัวชี้วัด": "2.77"})
    plant("lao_in_registry", ind.eq("3.01"), **{"รหัส อปท.": "6509999"})
    plant("points_in_levels", ind.eq("1.02") & code.eq("4500301"),
          **{"คะแนนประเมินตนเอง": 4, "คะแนนทีมประเมิน": 2})
    plant("not_applicable_allowed", ind.eq("5.01") & code.eq("5500601"),
          **{"ไม่เกี่ยวข้อง": "Y", "คะแนนประเมินตนเอง": "", "คะแนนทีมประเมิน": ""})
    plant("self_present", ind.eq("4.02") & code.eq("6500602"),
          **{"คะแนนประเมินตนเอง": ""})
    plant("inapplicable_scored", ind.eq("4.01") & code.eq("2500101"),
          **{"ไม่เกี่ยวข้อง": "", "คะแนนประเมินตนเอง": 5, "คะแนนทีมประเมิน": 5})
    s = pd.concat([s, s.iloc[[0]]], ignore_index=True)
    row["lao_indicator_unique"] = len(s) + 1
    return s, row


def test_dirty_scores_every_defect_found_at_its_row(data, tmp_path):
    dirty, planted = _dirty_scores()
    path = tmp_path / "sheet.csv"
    dirty.to_csv(path, index=False)
    result = lpa(path, "--kind", "scores", "--json", "--framework",
                 data / "frameworks" / "lpa-2566.yml", "--registry", data / "registry.csv")
    assert result.exit_code == 1
    found = Counter((p["check"], p["row"]) for p in json.loads(result.stdout)["problems"])
    # each defect once, the off-level points once per points column, nothing else
    expected = Counter(planted.items())
    expected[("points_in_levels", planted["points_in_levels"])] += 1
    assert found == expected


def test_scores_in_xlsx_with_data_and_year_options(data, tmp_path):
    clean_scores().to_excel(tmp_path / "sheet.xlsx", index=False)
    result = lpa(tmp_path / "sheet.xlsx", "--kind", "scores", "--data", data, "--year", "2023")
    assert result.exit_code == 0, result.stdout
    assert "result: usable" in result.stdout


def test_scores_without_references_are_read_and_say_what_was_not_checked(tmp_path):
    clean_scores().to_csv(tmp_path / "sheet.csv", index=False)
    report = check_file(tmp_path / "sheet.csv", "scores")
    assert report.exit_code == 0
    assert any("not checked against a framework" in n for n in report.notes)


def test_missing_registry_rows_are_a_warning(data, tmp_path):
    scores = _agreed_scores()
    scores[scores["รหัส อปท."] != "6500602"].to_csv(tmp_path / "sheet.csv", index=False)
    report = check_file(tmp_path / "sheet.csv", "scores", data_dir=data, year=2566)
    assert report.exit_code == 0 and report.summary["registry_laos_missing"] == 1
    assert [p.check for p in report.problems] == ["laos_missing"]


# ----------------------------------------------------------------------------- published

def test_clean_published_exits_0(data):
    result = lpa(data / "published" / "2566.csv", "--kind", "published", "--json")
    assert result.exit_code == 0, result.stdout
    s = json.loads(result.stdout)["summary"]
    assert (s["passed"], s["by_band"]) == (4, {"excellent": 1, "very_good": 2, "good": 1,
                                               "below": 1})


def test_published_inconsistencies(data, tmp_path):
    sheet = clean_published()
    sheet.loc[0, "ระดับ"] = "ดีเด่น"  # overall 80: ดีมาก
    sheet.loc[2, "ผ่าน"] = "ผ่าน"  # overall 63
    sheet.loc[3, "คะแนนรวม"] = 75.0  # mean of its dimensions is 72
    sheet.loc[4, "รหัส อปท."] = "6509999"
    sheet.to_csv(tmp_path / "2566.csv", index=False)
    report = check_file(tmp_path / "2566.csv", "published", data_dir=data)
    assert report.exit_code == 1
    assert {(p.check, p.row) for p in report.problems} >= {
        ("band_mismatch", 2), ("passed_mismatch", 4), ("overall_not_mean", 5),
        ("lao_in_registry", 6)}
    assert report.summary["registry_laos_missing"] == 1


# ----------------------------------------------------------------------------- demo data

def test_every_planted_defect_of_the_dirty_demo_is_found_at_its_row(tmp_path):
    """The demo's --dirty scores against its truth.json: harmful defects are errors at their
    rows; harmless ones (Thai digits, whitespace) read cleanly."""
    from lpa_analysis import demo

    folder = demo.generate(tmp_path / "demo", years=[2566], provinces=["54"], dirty=True)
    defects = json.loads((folder / "truth.json").read_text(encoding="utf-8"))["years"]["2566"][
        "defects"]
    report = check_file(next((folder / "scores").glob("2566.*")), "scores")
    error_rows = {p.row for p in report.problems if p.severity == "error"}
    assert {d["source_row"] for d in defects if not d["benign"]} == error_rows
    assert report.exit_code == 1


def test_a_header_without_rows_is_not_usable(tmp_path):
    REGISTRY.iloc[:0].to_csv(tmp_path / "registry.csv", index=False)
    result = lpa(tmp_path / "registry.csv", "--kind", "registry")
    assert result.exit_code == 1 and "no data rows" in result.stdout
