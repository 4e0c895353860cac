"""League table of provinces with bootstrap rank intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lpa_analysis.stats import league_table


def _scored(means: dict[str, float], sd: float, n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame([{"province_code": code, "overall_pct": rng.normal(mean, sd)}
                         for code, mean in means.items() for _ in range(n)])


def test_observed_rank_is_the_competition_rank_of_the_province_means():
    scored = _scored({"50": 80, "54": 70, "55": 90, "56": 75}, sd=5, n=40)
    league = league_table(scored).set_index("province_code")
    expected = scored.groupby("province_code")["overall_pct"].mean().rank(
        ascending=False, method="min").astype(int)
    assert league["rank"].to_dict() == expected.to_dict()
    assert list(league.index) == ["55", "50", "56", "54"]  # best first


def test_well_separated_provinces_have_no_rank_uncertainty():
    league = league_table(_scored({"50": 60, "54": 70, "55": 80, "56": 90}, sd=0.1, n=30))
    assert (league["rank_boot_low"] == league["rank"]).all()
    assert (league["rank_boot_median"] == league["rank"]).all()
    assert (league["rank_boot_high"] == league["rank"]).all()


def test_indistinguishable_provinces_have_wide_intervals():
    league = league_table(_scored({str(c): 80 for c in range(50, 60)}, sd=8, n=20))
    widths = league["rank_boot_high"] - league["rank_boot_low"]
    assert widths.median() >= 5
    assert ((league["rank_boot_low"] <= league["rank"]) & (league["rank"] <= league["rank_boot_high"])).all()


def test_seeded_and_small_units_are_reported_not_dropped():
    scored = pd.concat([_scored({"50": 80, "54": 70}, sd=5, n=20),
                        pd.DataFrame({"province_code": ["58"], "overall_pct": [75.0]})])
    first, again = league_table(scored, seed=7), league_table(scored, seed=7)
    pd.testing.assert_frame_equal(first, again)
    lone = first.set_index("province_code").loc["58"]
    assert lone["note"] == "not_enough_data" and np.isnan(lone["rank_boot_low"]) and lone["n"] == 1
    assert league_table(scored.iloc[0:0]).empty
