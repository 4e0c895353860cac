"""Backtest (RAP practice): regenerate the signed-off Phrae 2566 tables and compare them
exactly. A failure means a published number changed: if deliberate, review and re-sign
with tests/backtests/signoff.py."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from backtests.signoff import GROUND_TRUTH, REPORT_TABLES, published_tables


@pytest.fixture(scope="module")
def regenerated(small_demo, small_processed):
    return published_tables(small_demo, small_processed)


@pytest.mark.parametrize("name", ["scored_laos", *REPORT_TABLES])
def test_table_matches_signed_off(regenerated, name):
    signed = pd.read_csv(GROUND_TRUTH / f"{name}.csv", dtype=str, keep_default_na=False)
    # through the same CSV writer, so the comparison is of published text, value for value
    buffer = io.StringIO()
    regenerated[name].to_csv(buffer, index=False)
    buffer.seek(0)
    now = pd.read_csv(buffer, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(now, signed, check_exact=True)
