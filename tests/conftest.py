"""Shared fixtures. Module-specific fixtures live in the test module that needs them."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
REAL_REGISTRY = SHARED / "data" / "dla" / "lao-registry-2566.csv"


@pytest.fixture(scope="session")
def real_registry_path() -> Path:
    """The real DLA registry in ../shared; tests that need it skip cleanly without it."""
    if not REAL_REGISTRY.is_file():
        pytest.skip(f"shared DLA registry not available at {REAL_REGISTRY}")
    return REAL_REGISTRY

# Three northern provinces, two years: small enough for notebooks in tests, real in shape
# (real LAO counts per type, both overall methods' years, planted effects where they fall).
SMALL_PROVINCES = ["54", "55", "56"]
SMALL_YEARS = [2565, 2566]


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    from lpa_analysis import demo

    return demo.generate(tmp_path_factory.mktemp("demo") / "data", years=SMALL_YEARS,
                         provinces=SMALL_PROVINCES)


@pytest.fixture(scope="session")
def small_processed(small_demo, tmp_path_factory) -> Path:
    from lpa_analysis.build import build_year

    out = tmp_path_factory.mktemp("processed")
    for year in SMALL_YEARS:
        build_year(year, small_demo, out)
    return out


# The province (Phrae) and national reports of the small demo in each language, for the tests
# of what readers see (a module may define its own `phrae` or `nation` instead).
@pytest.fixture(scope="module", params=["th", "en"])
def lang(request):
    return request.param


@pytest.fixture(scope="module")
def phrae(lang, small_processed):
    from lpa_analysis.report import province_report

    return province_report(2566, "54", lang=lang, processed_dir=small_processed)


@pytest.fixture(scope="module")
def nation(lang, small_processed):
    from lpa_analysis.report import national_report

    return national_report(2566, lang=lang, processed_dir=small_processed)
