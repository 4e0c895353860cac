"""Shared helpers of lpa_analysis.stats: Holm, Wilson, t intervals, group order and levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as hs
from statsmodels.stats.multitest import multipletests

from lpa_analysis.stats._common import groups, holm, t_interval, wilson, with_levels


@settings(max_examples=20, deadline=None)  # each multipletests call costs ~0.1 s (gc.collect)
@given(hs.lists(hs.sampled_from([0.0, 1e-6, 0.01, 0.03, 0.04, 0.2, 0.5, 0.9, 1.0])
                | hs.floats(0, 1), min_size=1, max_size=30))
def test_hand_written_holm_equals_statsmodels(p_values):
    expected = multipletests(p_values, method="holm")[1]
    np.testing.assert_allclose(holm(p_values), expected, rtol=1e-12, atol=0)


def test_holm_of_nothing_is_empty():
    assert holm([]).shape == (0,)


def test_wilson_and_t_interval_degenerate_inputs():
    assert all(np.isnan(wilson(0, 0)))
    low, high = wilson(0, 5)
    assert low == 0 and 0 < high < 1
    assert t_interval(np.array([70.0]))[2] == "not_enough_data"
    assert t_interval(np.array([70.0, 70.0])) == (70.0, 70.0, "no_variation")
    low, high, note = t_interval(np.array([60.0, 70.0, 80.0]))
    assert note is None and low < 70 < high


def test_groups_follow_display_order_and_keep_empty_levels():
    frame = pd.DataFrame({"lao_type": ["sao", "pao", "town_municipality", "sao"],
                          "region": ["south", "north", None, "south"]})
    assert [k["lao_type"] for k, _ in groups(frame, ["lao_type"])] == \
        ["pao", "town_municipality", "sao"]
    regions = [k["region"] for k, _ in groups(frame, ["region"])]
    assert regions[:2] == ["north", "south"] and pd.isna(regions[2])  # missing kept, last
    levels = [(k["lao_type"], len(rows)) for k, rows in groups(with_levels(frame, "lao_type"),
                                                                ["lao_type"])]
    assert levels[0] == ("pao", 1) and ("city_municipality", 0) in levels and len(levels) == 6
