"""The package as a Dask worker or a user gets it: a wheel installed in a fresh venv outside the
repository, whose `lpa` writes demo data and renders a province report from files it ships."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
import zipfile
from pathlib import Path

import pytest
from conftest import PROJECT

pytestmark = pytest.mark.slow
PACKAGE = PROJECT / "lpa_analysis"
# A few of each kind of package data, named so an emptied glob cannot pass unnoticed.
MUST_SHIP = ["notebooks/province_report.ipynb", "notebooks/national_overview.ipynb",
             "expectations/scores-2566.json", "templates/lpa/index.html.j2",
             "templates/index/index.html.j2", "fonts/NotoSansThai-Regular.ttf",
             "resources/messages.yml", "resources/frameworks/lpa-2566.yml"]


def copy_source(dest: Path) -> Path:
    """The project's build inputs, copied from the working tree (uncommitted files included).
    Building in the checkout would write build/ and *.egg-info into it, and setuptools keeps
    modules deleted since an earlier build in build/lib, so the wheel could ship them."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT / name, dest / name)
    shutil.copytree(PACKAGE, dest / "lpa_analysis", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    # notebooks/ and expectations/ are links to top-level folders: copy what they point at.
    for link in PACKAGE.iterdir():
        target = link.resolve()
        if link.is_symlink() and not target.is_relative_to(PACKAGE):
            shutil.copytree(target, dest / target.relative_to(PROJECT),
                            ignore=shutil.ignore_patterns(".*"))
    return dest


def build_wheel(src: Path, outdir: Path) -> Path:
    from build import ProjectBuilder
    from pyproject_hooks import quiet_subprocess_runner

    # Offline when this venv has the build backend (setuptools>=70.1, or >=69 plus wheel);
    # otherwise `build` fetches it into an isolated env from the package index.
    with warnings.catch_warnings():  # the backend's notices (e.g. old setuptools' "beta")
        warnings.simplefilter("ignore")
        unmet = ProjectBuilder(src, runner=quiet_subprocess_runner).check_dependencies("wheel")
    isolation = [] if unmet else ["--no-isolation"]
    subprocess.run([sys.executable, "-m", "build", "--wheel", *isolation, "--outdir", outdir,
                    src], check=True, capture_output=True)
    (wheel,) = outdir.glob("lpa_analysis-*.whl")
    return wheel


def shipped_files() -> set[str]:
    """Every non-code file of the package in the checkout, following the links."""
    found = set()
    for folder, dirs, files in os.walk(PACKAGE, followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        for name in files:
            if not name.endswith((".py", ".pyc")) and not name.startswith("."):
                found.add(Path(folder, name).relative_to(PROJECT).as_posix())
    return found


def fresh_venv(root: Path, wheel: Path) -> Path:
    """A venv with only the wheel installed; the dependencies are the project venv's,
    reached through a .pth line (such a path is not scanned for .pth files, so the project
    venv's editable-install hook stays off and `lpa_analysis` can only come from the wheel)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True)
    python = root / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
                    "--no-deps", "--no-index", wheel], check=True, capture_output=True)
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    Path(site_packages, "project_venv.pth").write_text("\n".join(ours) + "\n")
    return root


def test_wheel_installed_outside_the_repository_renders_a_report(tmp_path):
    from jupyter_core.paths import jupyter_path

    from lpa_analysis.render import chromium_path

    wheel = build_wheel(copy_source(tmp_path / "src"), tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"lpa_analysis/{name}" for name in MUST_SHIP} <= names
    assert not shipped_files() - names, "package files missing from the wheel"

    venv = fresh_venv(tmp_path / "venv", wheel)
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # nbconvert's 'lab' template is data of the nbconvert install (<prefix>/share/jupyter),
    # which the fresh venv's prefix lacks: point it at the project venv's, as the .pth does
    # for the code.
    env["JUPYTER_PATH"] = os.pathsep.join(jupyter_path())

    def run(*args: str | Path) -> subprocess.CompletedProcess:
        # check=False: the asserts show the output of a failed command
        return subprocess.run([str(a) for a in args], check=False, cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)

    where = run(venv / "bin" / "python", "-c", "import lpa_analysis; print(lpa_analysis.__file__)")
    assert where.returncode == 0, where.stderr
    installed = Path(where.stdout.strip()).resolve().parent
    assert installed.is_relative_to(venv.resolve()), installed
    assert not installed.is_relative_to(PROJECT), installed

    lpa = venv / "bin" / "lpa"
    # One year is enough (reports build the years the data has up to theirs); a second
    # province keeps the national report's comparisons non-trivial.
    demo = run(lpa, "demo", "--out", work / "data", "--provinces", "54,55", "--years", "2566")
    assert demo.returncode == 0, demo.stderr
    formats = "html,pdf" if chromium_path() else "html"
    reports = run(lpa, "reports", "--year", "2566", "--province", "54", "--data", work / "data",
                  "--processed", work / "processed", "--out", work / "reports",
                  "--format", formats)
    assert reports.returncode == 0, reports.stdout + reports.stderr
    province = work / "reports" / "2566" / "th" / "54"
    assert "แพร่" in (province / "report.html").read_text(encoding="utf-8")
    assert (province / "tables" / "summary.csv").is_file()
    if "pdf" in formats:
        assert (province / "report.pdf").stat().st_size > 0

    # A missing or stale suite does not fail the build (the gate falls back to suites made from
    # the framework, with a warning): check the shipped ones are those `lpa expectations` makes.
    suites = run(lpa, "expectations", "--year", "2566", "--out", work / "suites")
    assert suites.returncode == 0, suites.stderr
    made = sorted((work / "suites").glob("*-2566.json"))
    assert len(made) == 3
    for path in made:
        assert (installed / "expectations" / path.name).read_bytes() == path.read_bytes()
