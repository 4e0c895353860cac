"""Bad input gets a clear error, never a traceback or a silent wrong answer (issue 15, cases
10–16): impossible years and unusable output folders, frameworks that contradict themselves
or their file, YAML aliases, spreadsheet formulas in names, Thai marks typed in either order,
huge cells, and registries that contradict themselves.

Commands run as the console script runs them (`cli.main`): exit code and what the user sees."""

from __future__ import annotations

import csv
import errno
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from io_samples import FRAMEWORK, REGISTRY, SCORES_HEADER, clean_scores, write_framework

from lpa_analysis.cli import main
from lpa_analysis.readers import read_registry, read_scores
from lpa_analysis.schema import MAX_FRAMEWORK_BYTES

CODE, NAME, PROVINCE = "รหัส อปท.", "อปท.", "จังหวัด"
TEAM = SCORES_HEADER[-1]
EXIT_UNUSABLE = 2


@pytest.fixture
def lpa(monkeypatch, capsys):
    """`lpa ARGS` → (exit code, stdout, stderr as one line of words: rich's error box and
    line breaks removed)."""
    def run(*args) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["lpa", *map(str, args)])
        with pytest.raises(SystemExit) as stop:
            main()
        out = capsys.readouterr()
        assert "Traceback" not in out.err
        return stop.value.code, out.out, " ".join(re.sub("[│╭╮╰╯─]", " ", out.err).split())
    return run


def _data(folder: Path, registry: pd.DataFrame = REGISTRY, scores: pd.DataFrame | None = None,
          framework: dict = FRAMEWORK) -> Path:
    """A raw data folder for 2566 (io_samples: five LAOs of เชียงใหม่, one of each type)."""
    folder.mkdir(parents=True, exist_ok=True)
    registry.to_csv(folder / "registry.csv", index=False)
    write_framework(folder / "frameworks" / "lpa-2566.yml", framework)
    (folder / "scores").mkdir(exist_ok=True)
    (clean_scores() if scores is None else scores).to_csv(folder / "scores" / "2566.csv",
                                                          index=False)
    return folder


# ------------------------------------------------------------ 10. years and output folders

@pytest.mark.parametrize("args", [
    ["reports", "--year", "99999", "--province", "54", "--format", "html"],
    ["build", "--year", "99999"],
    ["export", "--year", "0", "--xlsx", "out.xlsx"],
])
def test_an_impossible_year_is_refused_with_the_years_accepted(lpa, tmp_path, monkeypatch,
                                                               args):
    monkeypatch.chdir(tmp_path)
    code, _, err = lpa(*args)
    assert code == EXIT_UNUSABLE
    assert f"{args[2]} is not a year" in err and "2400–2800" in err and "1900–2300" in err


@pytest.mark.parametrize("args", [
    ["build", "--year", "2566", "--out", "{file}"],
    ["reports", "--year", "2566", "--province", "54", "--format", "html", "--out", "{file}",
     "--processed", "{processed}"],
    ["export", "--year", "2566", "--xlsx", "{file}/phrae.xlsx", "--processed", "{processed}"],
])
def test_an_output_folder_that_is_a_file_is_refused_naming_it(lpa, small_demo, tmp_path, args):
    file = tmp_path / "taken"
    file.write_text("a file, not a folder\n", encoding="utf-8")
    code, _, err = lpa(*[a.format(file=file, processed=tmp_path / "processed") for a in args],
                       "--data", small_demo)
    assert code == EXIT_UNUSABLE
    assert f"{file}: " in err and "this is a file" in err


def test_a_read_only_output_folder_is_refused_naming_it(lpa, small_demo, tmp_path, monkeypatch):
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    real_access = os.access

    def access(path, mode, **kwargs):  # as on a read-only file system (EROFS)
        if Path(path) == read_only and mode & os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    code, _, err = lpa("build", "--year", "2566", "--data", small_demo,
                       "--out", read_only / "processed")
    assert code == EXIT_UNUSABLE
    assert f"{read_only}: " in err and "cannot be written" in err
    assert not (read_only / "processed").exists()


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_building_names_the_output_folder(lpa, small_demo, tmp_path,
                                                             monkeypatch):
    monkeypatch.setattr(pd.DataFrame, "to_parquet", _disk_full)  # as pyarrow raises it
    out = tmp_path / "processed"
    code, _, err = lpa("build", "--year", "2566", "--data", small_demo, "--out", out)
    assert code == EXIT_UNUSABLE
    assert "No space left on device" in err and str(out) in err
    assert not (out / "2566").exists()  # nothing half-written


def test_a_full_disk_while_exporting_names_the_workbook_folder(lpa, small_demo, small_processed,
                                                                tmp_path, monkeypatch):
    from lpa_analysis import export

    monkeypatch.setattr(export, "write_atomic", _disk_full)
    xlsx = tmp_path / "sheets" / "phrae.xlsx"
    code, _, err = lpa("export", "--year", "2566", "--province", "54", "--xlsx", xlsx,
                       "--data", small_demo, "--processed", small_processed)
    assert code == EXIT_UNUSABLE
    assert "No space left on device" in err and str(xlsx.parent) in err


# ------------------------------------------------------------ 11. frameworks that contradict

BANDS_FROM_65 = [{**b, "min_pct": 65} if b["id"] == "good" else b for b in FRAMEWORK["bands"]]
BAD_FRAMEWORKS = {  # changed keys → the key the error names
    "pass mark above 100": ({"pass_threshold": 150}, "pass_threshold"),
    "pass mark below 0": ({"pass_threshold": -10}, "pass_threshold"),
    "pass mark above the passing band": ({"pass_threshold": 75}, "bands"),
    "passing band below the pass mark": ({"bands": BANDS_FROM_65}, "bands"),
    "another year than the file name": ({"year": 2565}, "year"),
}


@pytest.mark.parametrize("changes,key", BAD_FRAMEWORKS.values(), ids=list(BAD_FRAMEWORKS))
def test_check_refuses_a_framework_that_contradicts_itself(lpa, tmp_path, changes, key):
    path = write_framework(tmp_path / "lpa-2566.yml", {**FRAMEWORK, **changes})
    code, _, err = lpa("check", path, "--kind", "framework")
    assert code == EXIT_UNUSABLE
    assert f"{path}: " in err and f"{key}:" in err


@pytest.mark.parametrize("changes,key", BAD_FRAMEWORKS.values(), ids=list(BAD_FRAMEWORKS))
def test_build_refuses_a_framework_that_contradicts_itself(lpa, tmp_path, changes, key):
    data = _data(tmp_path / "data", framework={**FRAMEWORK, **changes})
    out = tmp_path / "processed"
    code, _, err = lpa("build", "--year", "2566", "--data", data, "--out", out)
    assert code == EXIT_UNUSABLE
    assert "lpa-2566.yml" in err and f"{key}:" in err
    assert not (out / "2566").exists()


def test_build_refuses_a_counted_indicator_that_no_lao_has(lpa, tmp_path):
    scores = clean_scores()
    data = _data(tmp_path / "data", scores=scores[scores["ตัวชี้วัด"] != "2.01"])
    code, _, err = lpa("build", "--year", "2566", "--data", data, "--out", tmp_path / "out")
    assert code == EXIT_UNUSABLE
    assert "lpa-2566.yml" in err and "indicators: 2.01" in err and "2566.csv" in err


# ------------------------------------------------------------ 12. YAML aliases, size

def test_a_billion_laughs_framework_is_refused_at_once(tmp_path):
    nine = ", ".join(["lol"] * 9)
    lines = [f"a: &a [{nine}]"] + [
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi")]
    path = tmp_path / "lpa-2566.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # a generous bound: refused, it returns in about a second; today's loader does not return
    done = subprocess.run([sys.executable, "-c", "from lpa_analysis.cli import main; main()",
                           "check", str(path), "--kind", "framework"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == EXIT_UNUSABLE
    assert "anchors and aliases" in done.stderr and "line 1" in done.stderr


def test_a_framework_larger_than_the_cap_is_refused(lpa, tmp_path):
    path = write_framework(tmp_path / "lpa-2566.yml")
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "#" * (MAX_FRAMEWORK_BYTES - len(text.encode())) + "\n",
                    encoding="utf-8")
    code, _, err = lpa("check", path, "--kind", "framework")
    assert code == EXIT_UNUSABLE and "too large for a framework" in err


# ------------------------------------------------------------ 13. formulas in CSV outputs

FORMULA_NAME = '=HYPERLINK("http://example.com","ดูผล")'
FORMULA_TEAM = "@SUM(1+1)"
MINUS_NAME = "-2+3"


@pytest.fixture(scope="module")
def formula_build(tmp_path_factory):
    """A year built from names and teams a spreadsheet would run as formulas."""
    from lpa_analysis.build import build_year

    root = tmp_path_factory.mktemp("formulas")
    registry = REGISTRY.copy()
    registry.loc[registry[CODE] == "5500601", NAME] = FORMULA_NAME
    registry.loc[registry[CODE] == "6500602", NAME] = MINUS_NAME
    scores = clean_scores()
    scores.loc[scores[CODE] == "5500601", TEAM] = FORMULA_TEAM
    scores.loc[(scores[CODE] == "6500602") & (scores["ตัวชี้วัด"] == "1.01"),
               "คะแนนทีมประเมิน"] = "-5"  # a negative number, not a formula
    build_year(2566, _data(root / "data", registry, scores), root / "processed")
    return root / "processed"


def _csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_build_csv_cells_never_run_as_formulas_and_parquet_keeps_the_text(formula_build):
    rows = {r["lao_code"]: r for r in _csv_rows(formula_build / "2566" / "scored_laos.csv")}
    assert rows["5500601"]["name_th"] == "'" + FORMULA_NAME
    assert rows["5500601"]["assessor_team"] == "'" + FORMULA_TEAM
    assert rows["6500602"]["name_th"] == "'" + MINUS_NAME
    parquet = pd.read_parquet(formula_build / "2566" / "scored_laos.parquet").set_index("lao_code")
    assert parquet.at["5500601", "name_th"] == FORMULA_NAME
    assert parquet.at["5500601", "assessor_team"] == FORMULA_TEAM
    finding = [r for r in _csv_rows(formula_build / "2566" / "quality_findings.csv")
               if r["lao_code"] == "6500602" and r["check"] == "points_in_levels"]
    assert [r["value"] for r in finding] == ["-5"]  # a number as text stays a number


def _report(tables: dict[str, pd.DataFrame]):
    """A report as far as write_tables needs one: tables, year, language, build info."""
    from lpa_analysis.report.base import ReportBase

    report = ReportBase()
    report.tables, report.year, report.lang, report.parameters = tables, 2566, "th", {}
    report.processed = SimpleNamespace(info={"inputs": [], "versions": {}})
    return report


def test_report_table_csv_cells_never_run_as_formulas(tmp_path):
    laos = pd.DataFrame({"lao_code": ["5500601", "6500602"],
                         "name": [FORMULA_NAME, "สันทราย"], "change": [-3.5, 1.25]})
    folder = _report({"laos": laos}).write_tables(tmp_path)
    rows = _csv_rows(folder / "laos.csv")
    assert [r["name"] for r in rows] == ["'" + FORMULA_NAME, "สันทราย"]
    assert [r["change"] for r in rows] == ["-3.5", "1.25"]  # numbers untouched


def test_export_workbook_holds_formulas_as_text(formula_build, tmp_path):
    from openpyxl import load_workbook

    from lpa_analysis.export import export_year

    path = export_year(2566, tmp_path / "cm.xlsx", province="50", processed_dir=formula_build)
    sheet = load_workbook(path).worksheets[0]
    # the team as typed; the name carries its type prefix, so test the cell holding it
    cells = [c for row in sheet.iter_rows() for c in row
             if c.value == FORMULA_TEAM or str(c.value).endswith(FORMULA_NAME)]
    assert len(cells) >= 2 and all(c.data_type == "s" for c in cells)  # text, not formulas


# ------------------------------------------------------------ 14. Thai marks in either order

PU_MARKS = ("ป\u0e39\u0e48", "ป\u0e48\u0e39")  # ปู่: sara uu then mai ek, and the reverse


def test_thai_marks_typed_in_either_order_are_one_name(tmp_path):
    coverage = pd.concat([REGISTRY.iloc[[4]]] * 2, ignore_index=True)  # one LAO, two ตำบล
    coverage.insert(2, "ตำบล", ["หนองแหย่ง", "หนองจ๊อม"])
    coverage[NAME] = ["บ้าน" + marks for marks in PU_MARKS]
    coverage.to_csv(tmp_path / "registry.csv", index=False)
    loaded = read_registry(tmp_path / "registry.csv")
    assert loaded.problems == []
    assert loaded.frame["name_th"].tolist() == [unicodedata.normalize("NFC", "บ้านปู่")]


def test_assessor_teams_typed_in_either_order_are_one_team(tmp_path):
    scores = clean_scores().head(2)
    scores[TEAM] = ["ทีม" + marks for marks in PU_MARKS]
    scores.to_csv(tmp_path / "2566.csv", index=False)
    assert read_scores(tmp_path / "2566.csv").frame["assessor_team"].nunique() == 1


# ------------------------------------------------------------ 15. huge cells

HUGE = 10_000_000


def test_a_huge_cell_is_quoted_short(lpa, tmp_path):
    scores = clean_scores()
    scores.loc[3, CODE] = "9" * HUGE
    path = tmp_path / "2566.csv"
    scores.to_csv(path, index=False)
    for extra in ([], ["--json"]):
        code, out, err = lpa("check", path, "--kind", "scores", *extra)
        assert code == 1
        assert len(out) + len(err) < 20_000
        assert f"({HUGE:,} characters)" in out


def test_a_huge_header_is_quoted_short(lpa, tmp_path):
    path = tmp_path / "2566.csv"
    path.write_text(f"{CODE},{'x' * HUGE}\n5500601,1\n", encoding="utf-8")
    code, out, err = lpa("check", path, "--kind", "scores")
    assert code == EXIT_UNUSABLE
    assert len(out) + len(err) < 20_000 and f"({HUGE:,} characters)" in err


# ------------------------------------------------------------ 16. registry contradictions

def test_a_code_naming_another_province_stops_the_build_at_its_cell(lpa, tmp_path):
    registry = REGISTRY.copy()
    registry.loc[4, CODE] = "6510602"  # digits 2-3 say ลำพูน (51); the row says เชียงใหม่
    data = _data(tmp_path / "data", registry=registry,
                 scores=clean_scores().replace({CODE: {"6500602": "6510602"}}))
    out = tmp_path / "processed"
    code, _, err = lpa("build", "--year", "2566", "--data", data, "--out", out)
    assert code == EXIT_UNUSABLE
    assert f"{data / 'registry.csv'}, row 6, column '{CODE}': LAO 6510602" in err
    assert not (out / "2566").exists()


def test_one_code_in_two_provinces_stops_the_build_without_strict(lpa, tmp_path):
    coverage = pd.concat([REGISTRY, REGISTRY.iloc[[4]]], ignore_index=True)
    coverage.insert(2, "ตำบล", [f"ตำบล {i}" for i in range(len(coverage))])
    coverage.loc[5, PROVINCE] = "ลำพูน"
    data = _data(tmp_path / "data", registry=coverage)
    code, _, err = lpa("build", "--year", "2566", "--data", data, "--out", tmp_path / "out")
    assert code == EXIT_UNUSABLE
    assert "registry.csv, row 6, column 'จังหวัด': LAO 6500602 has conflicting" in err


def test_check_calls_a_code_naming_another_province_an_error(lpa, tmp_path):
    registry = REGISTRY.copy()
    registry.loc[4, CODE] = "6510602"
    registry.to_csv(tmp_path / "registry.csv", index=False)
    code, out, _ = lpa("check", tmp_path / "registry.csv", "--kind", "registry")
    assert code == 1 and "error code_province_digits (1)" in out


def test_the_demo_registry_has_no_contradiction(tmp_path):
    from lpa_analysis.demo.registry import demo_registry

    demo_registry(seed=2566).to_csv(tmp_path / "registry.csv", index=False)  # all 76 provinces
    assert read_registry(tmp_path / "registry.csv").errors == []
