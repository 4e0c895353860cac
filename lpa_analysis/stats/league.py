"""League table of provinces with rank intervals from a bootstrap of their LAOs.

A province's rank depends on which of its LAOs happened to score well this year; resampling
LAOs within each province (Efron's nonparametric bootstrap, stratified by province) and
re-ranking the provinces each time shows how far the rank could move by chance (Goldstein &
Spiegelhalter 1996, 'League tables and their limitations'). Hand-written: scipy's `bootstrap`
resamples one statistic, not a joint ranking across groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.stats._common import NOT_ENOUGH_DATA

LEAGUE_COLUMNS = ["n", "value", "rank", "rank_median", "rank_low", "rank_high", "note"]


def league_table(scored: pd.DataFrame, value: str = "overall_pct", unit: str = "province_code",
                 n_boot: int = 1000, seed: int = 2566, interval: float = 0.90) -> pd.DataFrame:
    """Rank of each unit's mean `value` (1 = best) with its bootstrap `interval` of ranks.

    Columns: unit, n, value (mean), rank (competition ranking of the observed means), rank_median,
    rank_low, rank_high (the 5th and 95th percentiles of the bootstrap ranks by default), note.
    Units with fewer than two scored LAOs get the observed rank but no interval
    ('not_enough_data'). Sorted by rank, then unit.
    """
    data = scored[[unit, value]].copy()
    data[value] = pd.to_numeric(data[value], errors="coerce")
    data = data.dropna(subset=[value])
    units = sorted(data[unit].unique())
    if not units:
        return pd.DataFrame(columns=[unit, *LEAGUE_COLUMNS])
    rng = np.random.default_rng(seed)
    samples = [data.loc[data[unit] == u, value].to_numpy(float) for u in units]
    means = np.array([x.mean() for x in samples])
    boot = np.empty((n_boot, len(units)))
    for j, x in enumerate(samples):
        draws = rng.integers(0, len(x), size=(n_boot, len(x)))
        boot[:, j] = x[draws].mean(axis=1)
    # Rank 1 = highest mean; 'min' gives tied units the best rank they share.
    ranks = st.rankdata(-boot, method="min", axis=1)
    tail = (1 - interval) / 2
    rows = []
    observed = st.rankdata(-means, method="min")
    for j, u in enumerate(units):
        enough = len(samples[j]) >= 2
        rows.append({unit: u, "n": len(samples[j]), "value": means[j], "rank": int(observed[j]),
                     "rank_median": float(np.median(ranks[:, j])) if enough else np.nan,
                     "rank_low": float(np.quantile(ranks[:, j], tail)) if enough else np.nan,
                     "rank_high": float(np.quantile(ranks[:, j], 1 - tail)) if enough else np.nan,
                     "note": None if enough else NOT_ENOUGH_DATA})
    return pd.DataFrame(rows).sort_values(["rank", unit]).reset_index(drop=True)
