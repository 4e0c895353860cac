"""League table of provinces with rank intervals from a bootstrap of their LAOs.

A province's rank depends on which of its LAOs happened to score well this year; resampling
LAOs within each province (Efron's nonparametric bootstrap, stratified by province) and
re-ranking the provinces each time shows how far the rank could move by chance (Goldstein &
Spiegelhalter 1996, 'League tables and their limitations'). Hand-written: scipy's `bootstrap`
resamples one statistic, not a joint ranking across groups. The LAO ranks' statistical interval
(`composite.rank_bootstrap`) is built the same way: settings.RANK_DRAWS replicates, seed
RANK_SEED, the central RANK_INTERVAL of the ranks as ranks that occurred (R quantile type 1),
ties sharing the best rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.settings import RANK_DRAWS, RANK_INTERVAL, RANK_SEED
from lpa_analysis.stats._common import NOT_ENOUGH_DATA

LEAGUE_COLUMNS = ["n", "value", "rank", "rank_boot_median", "rank_boot_low", "rank_boot_high",
                  "n_boot", "note"]


def league_table(scored: pd.DataFrame, value: str = "overall_pct", unit: str = "province_code",
                 n_boot: int = RANK_DRAWS, seed: int = RANK_SEED,
                 interval: float = RANK_INTERVAL) -> pd.DataFrame:
    """Rank of each unit's mean `value` (1 = best) with its bootstrap `interval` of ranks.

    Columns: unit, n, value (mean), rank (competition ranking of the observed means),
    rank_boot_median, rank_boot_low, rank_boot_high (the 5th and 95th percentiles of the
    bootstrap ranks by default: ranks that occurred, R quantile type 1), n_boot, note.
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
        low, median, high = (np.quantile(ranks[:, j], [tail, 0.5, 1 - tail],
                                         method="inverted_cdf") if enough else [np.nan] * 3)
        rows.append({unit: u, "n": len(samples[j]), "value": means[j], "rank": int(observed[j]),
                     "rank_boot_median": median, "rank_boot_low": low, "rank_boot_high": high,
                     "n_boot": n_boot, "note": None if enough else NOT_ENOUGH_DATA})
    return pd.DataFrame(rows).sort_values(["rank", unit]).reset_index(drop=True)
