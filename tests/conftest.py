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
