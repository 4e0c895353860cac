"""Files shipped inside the package (notebooks, expectation suites, templates, fonts, bundled
frameworks), found with importlib.resources: an installed wheel (a Dask worker, a fresh venv)
finds them exactly as a source checkout does. The repository's top-level `notebooks/` and
`expectations/` are links to these folders."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(*parts: str) -> Path:
    """A file or folder of the installed package, as a filesystem path."""
    return Path(str(files("lpa_analysis").joinpath(*parts)))


NOTEBOOKS = package_path("notebooks")
EXPECTATIONS = package_path("expectations")
TEMPLATES = package_path("templates")
FONTS = package_path("fonts")


def bundled_framework(year_be: int) -> Path:
    """The framework YAML of an assessment year that ships with the package (demo data)."""
    return package_path("resources", "frameworks", f"lpa-{year_be}.yml")
