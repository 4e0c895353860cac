"""Conventions and small helpers shared by every `lpa_analysis.stats` module.

Conventions (all stats modules follow them):

* Every public function returns a tidy pandas DataFrame and never prints. Columns are
  snake_case English: estimates (`mean`, `median`, `rate`, `estimate`, …), `ci_low` /
  `ci_high` (95 % unless the name says otherwise), `statistic`, `df`, `p_value`, adjusted
  `p_holm` / `q_value`, an effect size named after itself (`epsilon_sq`, `rank_biserial`),
  and `n`. Grouping columns keep the names they were given (`province_code`, `lao_type`,
  `region`, …) and come first.
* A group or row that cannot be computed is still present: what cannot be computed is NaN and
  the `note` column says why (None when fine). Codes (constants below):
  'not_enough_data' (too few observations), 'no_variation' (all values identical),
  'single_group' (a between-group test needs two groups), 'missing_year' (a year has no data),
  and for indicator tables 'pilot' / 'all_not_applicable' (excluded from the analysis);
  'different_items' (a scale's LAOs are assessed on different indicators: no Cronbach's α).
  Empty groups, one LAO, identical scores and missing years never raise.
* Empty groups appear only if the grouping column says they exist: make it a pandas
  Categorical (`with_levels`) and every category gets a row, observed or not.
* Percentages are 0–100 (`*_pct` columns, as in the processed tables); proportions
  (`rate`, `share`, `attainment`) are 0–1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
from scipy import stats as st
from statsmodels.stats.proportion import proportion_confint

from lpa_analysis.geo import REGION_PROVINCES
from lpa_analysis.schema import DIM_PCT, LAO_TYPE_ORDER
from lpa_analysis.settings import ALPHA

NOT_ENOUGH_DATA = "not_enough_data"
NO_VARIATION = "no_variation"
SINGLE_GROUP = "single_group"
MISSING_YEAR = "missing_year"
PILOT = "pilot"
ALL_NOT_APPLICABLE = "all_not_applicable"
DIFFERENT_ITEMS = "different_items"

MEASURES = [*DIM_PCT, "overall_pct"]
COUNT_COLUMNS = {"n", "k_groups", "passed", "count", "rank"}
BAND_ORDER = ["excellent", "very_good", "good", "below"]
LEVELS = {
    "lao_type": [t.value for t in LAO_TYPE_ORDER],
    "region": list(REGION_PROVINCES),
    "band": BAND_ORDER,
}


def as_list(by: str | Sequence[str] | None) -> list[str]:
    """None → [], 'region' → ['region'], ['a', 'b'] → ['a', 'b']."""
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def with_levels(frame: pd.DataFrame, column: str,
                levels: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy with `column` made Categorical so that every level gets a row, even with n = 0.

    Without `levels`, the known levels of lao_type / region / band are used.
    """
    levels = list(levels) if levels is not None else LEVELS[column]
    out = frame.copy()
    out[column] = pd.Categorical(out[column].astype("object"), categories=levels)
    return out


def groups(frame: pd.DataFrame, by: Sequence[str]) -> Iterator[tuple[dict, pd.DataFrame]]:
    """(grouping values, rows) for each group; one national group when `by` is empty.

    Categorical columns yield all their categories (empty groups included); rows whose key is
    missing form their own group rather than vanishing. Types, regions and bands come in
    their display order (LEVELS), other keys sorted.
    """
    if not by:
        yield {}, frame
        return
    grouped = frame.groupby(list(by), observed=False, dropna=False, sort=False)
    keyed = [(dict(zip(by, k if isinstance(k, tuple) else (k,), strict=True)), rows)
             for k, rows in grouped]
    yield from sorted(keyed, key=lambda item: _display_order(item[0]))


def _display_order(key: dict) -> tuple:
    order = []
    for column, level in key.items():
        known = LEVELS.get(column, [])
        order.append((known.index(level) if level in known else len(known),
                      pd.isna(level), "" if pd.isna(level) else str(level)))
    return tuple(order)


def select(frame: pd.DataFrame, key: dict) -> pd.DataFrame:
    """The rows of `frame` in the group `key` (as yielded by `groups`; a missing level matches
    missing values)."""
    mask = np.ones(len(frame), dtype=bool)
    for column, level in key.items():
        column_values = frame[column].astype("object")
        mask &= (column_values.isna() if pd.isna(level) else column_values == level).to_numpy()
    return frame.loc[mask]


def tidy(rows: list[dict], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with exactly `columns`, in order (also when `rows` is empty).

    Counts (n, n_*, k_groups, passed, count, rank) are nullable integers, so that a count
    missing from a note row does not turn the others into 2.0.
    """
    out = pd.DataFrame(rows, columns=list(columns))
    for column in out.columns:
        if column in COUNT_COLUMNS or column.startswith("n_"):
            counts = pd.to_numeric(out[column], errors="coerce")
            if (counts.dropna() % 1 == 0).all():
                out[column] = counts.astype("Int64")
    if "note" in out:
        out["note"] = out["note"].astype("object").where(out["note"].notna(), None)
    return out


def values(rows: pd.DataFrame, column: str) -> np.ndarray:
    """The non-missing values of a numeric column as float."""
    return pd.to_numeric(rows[column], errors="coerce").dropna().to_numpy(dtype=float)


def wilson(count: float, n: float, alpha: float = ALPHA) -> tuple[float, float]:
    """Wilson score interval (statsmodels; equals R prop.test(correct=FALSE)); NaN when n = 0."""
    if not n:
        return np.nan, np.nan
    low, high = proportion_confint(count, n, alpha=alpha, method="wilson")
    # At 0 % or 100 % rounding leaves the bound 1e-16 inside the estimate (a negative error bar).
    return min(float(low), count / n), max(float(high), count / n)


def t_interval(x: np.ndarray, confidence: float = 1 - ALPHA) -> tuple[float, float, str | None]:
    """Student-t CI of the mean, and a note when it cannot be computed.

    Identical values give the degenerate interval [mean, mean] with 'no_variation'.
    """
    if len(x) < 2:
        return np.nan, np.nan, NOT_ENOUGH_DATA
    mean = float(np.mean(x))
    if np.ptp(x) == 0:
        return mean, mean, NO_VARIATION
    sem = np.std(x, ddof=1) / np.sqrt(len(x))
    low, high = st.t.interval(confidence, len(x) - 1, loc=mean, scale=sem)
    return float(low), float(high), None


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p values (equal to R p.adjust(method='holm')).

    Hand-written although statsmodels has it: multipletests(method='holm') calls gc.collect()
    on every call (~0.1 s), which made one test per province (76 families) take 7 s.
    """
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def group_key(key: dict) -> tuple:
    """A hashable form of a `groups` key in which missing levels compare equal."""
    return tuple(None if pd.isna(v) else v for v in key.values())


def finite_or_nan(value: float) -> float:
    """±inf (e.g. an order-statistic bound that does not exist) → NaN."""
    return float(value) if np.isfinite(value) else np.nan
