"""No surprises (issue 15): no demo data made up behind the user's back, no file of theirs
deleted, no province rendered twice at once, no more workers than the machine holds, and
folders made with the permissions of the user's umask."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from pathlib import Path

import pytest

from lpa_analysis import batch
from lpa_analysis.batch import Job, JobResult


def _lpa(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the `lpa` entry point in this process as a user would; (exit code, stderr)."""
    from lpa_analysis.cli import main

    monkeypatch.setattr(sys, "argv", ["lpa", *map(str, args)])
    with pytest.raises(SystemExit) as done:
        main()
    return done.value.code, capsys.readouterr().err


@pytest.fixture
def lpa_log():
    """The records the `lpa` logger emits (it does not propagate to pytest's handlers)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append
    logger = logging.getLogger("lpa")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def _warnings(records) -> list[str]:
    return [r.getMessage() for r in records if r.levelno >= logging.WARNING]


# --- 6: only `lpa demo` makes demo data --------------------------------------------------------

@pytest.mark.parametrize("command", [
    ["reports", "--year", "2566", "--province", "54"],
    ["build", "--year", "2566"],
    ["validate", "--year", "2566"],
    ["export", "--year", "2566", "--xlsx", "phrae.xlsx"],
    ["lab", "--no-browser", "--data", "data/demo"],
])
def test_a_command_without_data_says_how_to_make_demo_data_and_makes_none(
        command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("lpa_analysis.commands.lab.jupyterlab_installed", lambda: True)
    code, stderr = _lpa(monkeypatch, capsys, *command)
    assert code == 2, stderr
    assert "data/demo" in stderr and "lpa demo --out " in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "reports").exists()


# --- 7: files lpa did not write ---------------------------------------------------------------

def test_a_users_file_in_the_tables_folder_survives_a_rerender_and_the_province_renders_once(
        small_demo, small_processed, tmp_path, lpa_log):
    """Also 8: '54,แพร่,Phrae' is one report, and says so once."""
    from lpa_analysis.runs import run_reports

    tables = tmp_path / "reports" / "2566" / "en" / "54" / "tables"
    tables.mkdir(parents=True)
    (tables / "notes.csv").write_text("note\nchecked by the province office\n")

    outcome = run_reports(2566, "54,แพร่,Phrae", lang="en", formats={"html"},
                          data_dir=small_demo, processed_dir=small_processed,
                          out_dir=tmp_path / "reports", workers=1, national=False)

    assert [r.key for r in outcome.results] == ["2566/54"]
    assert outcome.results[0].status == "done", outcome.results[0].error
    assert (tables / "notes.csv").read_text() == "note\nchecked by the province office\n"
    assert (tables / "summary.csv").is_file()
    warnings = _warnings(lpa_log)
    assert sum("more than once" in w for w in warnings) == 1
    assert any("tables/notes.csv" in w and "did not write" in w for w in warnings)
    manifest = json.loads((tmp_path / "reports" / "2566" / "en" / "manifest.json").read_text())
    assert "54/tables/notes.csv" not in {r["path"] for r in manifest["outputs"]}


def _job(out: Path) -> Job:
    folder = out / "2566" / "en" / "54"
    return Job(key="2566/54", notebook="province_report.ipynb", parameters={},
               out_dir=str(folder), html_path=str(folder / "report.html"), pdf_path=None,
               title="Phrae", lang="en", fingerprint="f1")


def _staged(out: Path, tables: dict[str, str]) -> Path:
    staging = out / "staging"
    (staging / "tables").mkdir(parents=True)
    (staging / "report.html").write_text("<html></html>")
    for name, text in tables.items():
        (staging / "tables" / name).write_text(text)
    return staging


def test_publishing_removes_only_the_tables_lpa_wrote_before(tmp_path):
    job = _job(tmp_path)
    batch._publish(_staged(tmp_path, {"summary.csv": "1", "change.csv": "2"}), job)
    tables = Path(job.out_dir) / "tables"
    (tables / "notes.csv").write_text("mine")

    published, kept = batch._publish(_staged(tmp_path, {"summary.csv": "3"}), job)

    assert sorted(p.name for p in tables.iterdir()) == ["notes.csv", "summary.csv"]
    assert (tables / "summary.csv").read_text() == "3"  # change.csv: lpa's, no longer made
    assert kept == ["tables/notes.csv"]
    assert str(tables / "notes.csv") not in published


@pytest.mark.parametrize("folders", [
    ("shared", "shared"),              # --out equal to --processed
    ("data/processed/reports", "data/processed"),
    ("reports", "reports/processed"),
])
def test_reports_and_processed_folders_must_be_apart(folders, small_demo, tmp_path,
                                                      monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out, processed = folders
    code, stderr = _lpa(monkeypatch, capsys, "reports", "--year", "2566", "--province", "54",
                        "--data", small_demo, "--out", out, "--processed", processed)
    assert code == 2, stderr
    assert f"--out {(tmp_path / out).resolve()}" in stderr
    assert f"--processed {(tmp_path / processed).resolve()}" in stderr
    assert list(tmp_path.iterdir()) == []


def test_build_refuses_a_reports_folder_and_a_folder_of_other_files(small_demo, tmp_path,
                                                                    monkeypatch, capsys):
    """A later `lpa build` into the reports folder would swap reports/<year> away whole."""
    from lpa_analysis.commands.options import claim_folder

    reports = claim_folder(tmp_path / "reports", "--out", "reports")
    (reports / "2566" / "54").mkdir(parents=True)
    (reports / "2566" / "54" / "report.html").write_text("<html></html>")
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "budget.xlsx").write_text("mine")

    for folder, says in ((reports, "holds lpa reports"), (documents, "budget.xlsx"),
                         (Path("/"), "root folder")):
        code, stderr = _lpa(monkeypatch, capsys, "build", "--year", "2566", "--data",
                            small_demo, "--out", folder)
        assert code == 2, stderr
        assert str(folder) in stderr
        assert says in stderr or not os.access(folder, os.W_OK)  # refused as read-only first

    assert (reports / "2566" / "54" / "report.html").is_file()
    assert sorted(p.name for p in documents.iterdir()) == ["budget.xlsx"]


def test_an_output_folder_is_claimed_when_new_empty_ours_or_forced(tmp_path):
    from lpa_analysis.commands.options import claim_folder
    from lpa_analysis.errors import InputError

    claim_folder(tmp_path / "new", "--out", "reports")
    claim_folder(tmp_path / "new", "--out", "reports")  # ours now
    older = tmp_path / "older"  # processed by a version of lpa before the marker
    (older / "2566").mkdir(parents=True)
    (older / "2566" / "manifest.json").write_text(json.dumps({"kind": "build"}))
    claim_folder(older, "--processed", "processed")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "a.txt").write_text("mine")
    with pytest.raises(InputError, match="did not write"):
        claim_folder(foreign, "--out", "reports")
    claim_folder(foreign, "--out", "reports", force=True)
    claim_folder(foreign, "--out", "reports")  # marked by the forced run
    with pytest.raises(InputError, match="root folder"):
        claim_folder(Path("/"), "--out", "reports", force=True)


# --- 8: a province named twice ----------------------------------------------------------------

def test_a_province_named_twice_is_one_report_in_first_named_order(lpa_log):
    from lpa_analysis.runs import resolve_provinces

    chosen = resolve_provinces("55, 54,แพร่,Phrae,55")
    assert [p.code for p in chosen] == ["55", "54"]
    assert len([w for w in _warnings(lpa_log) if "more than once" in w]) == 1


# --- 9: workers the machine holds -------------------------------------------------------------

def _fake_jobs(tmp_path: Path, n: int, pdf: bool) -> list[Job]:
    jobs = []
    for i in range(n):
        job = dataclasses.replace(_job(tmp_path / str(i)), key=f"2566/{i}")
        jobs.append(dataclasses.replace(job, pdf_path=str(Path(job.out_dir) / "report.pdf")
                                        if pdf else None))
    return jobs


@pytest.fixture
def local_run_workers(monkeypatch):
    """The workers `run_jobs` starts a local run with (no process started)."""
    started: list[int] = []

    class Run:
        def __init__(self, todo, workers, on_result):
            self.todo = todo
            started.append(workers)

        def run(self):
            return [JobResult(job.key, "done") for job in self.todo]

    monkeypatch.setattr(batch, "_LocalRun", Run)
    return started


def test_workers_are_capped_by_cores_and_memory_with_a_warning(tmp_path, monkeypatch,
                                                                local_run_workers, lpa_log):
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(batch, "available_memory_gb", lambda: 1000.0)
    batch.run_jobs(_fake_jobs(tmp_path, cores + 3, pdf=False), workers=1000)
    # 1.0 GB: one notebook worker (0.45 GB) and half a browser (0.35 GB) fit, not two
    monkeypatch.setattr(batch, "available_memory_gb", lambda: 1.0)
    batch.run_jobs(_fake_jobs(tmp_path, cores + 3, pdf=True), workers=1000)

    assert local_run_workers == [cores, 1]
    warnings = _warnings(lpa_log)
    assert len(warnings) == 2
    assert f"workers: {cores}, not {cores + 3} ({cores} cores" in warnings[0]
    assert f"workers: 1, not {cores + 3}" in warnings[1] and "1.0 GB" in warnings[1]


def test_available_memory_is_read_from_the_system():
    meminfo = Path("/proc/meminfo").read_text()
    available = int(meminfo.split("MemAvailable:")[1].split()[0]) / 2**20
    assert 0 < batch.available_memory_gb() <= available * 1.2


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_jobs_below_one_is_a_usage_error(jobs, small_demo, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, stderr = _lpa(monkeypatch, capsys, "reports", "--year", "2566", "--province", "54",
                        "--data", small_demo, "-j", jobs)
    assert code == 2, stderr
    assert f"-j/--jobs must be 1 or more, not {jobs}" in stderr
    assert list(tmp_path.iterdir()) == []


# --- 17: folders as mkdir makes them ----------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_built_year_folders_have_the_users_umask_permissions(small_processed, tmp_path):
    from lpa_analysis.files import staging_dir

    expected = 0o777 & ~_umask()
    assert (small_processed / "2566").stat().st_mode & 0o777 == expected
    assert staging_dir(tmp_path / "2566").stat().st_mode & 0o777 == expected
