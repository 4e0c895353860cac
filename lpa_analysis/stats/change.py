"""Change between two years for the LAOs assessed in both.

Frameworks change between years, so dimension and overall change is measured on comparable
content only: `comparable_indicators` says which indicators are the same in both frameworks
(and why the others are not), `comparable_scores` recomputes each LAO's dimension and overall %
from `indicator_scores` on those indicators alone, and `paired_change` compares the two
recomputed tables. (Published dimension % are compared only when the caller passes the
scored_laos tables directly, e.g. for the headline overall score.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.schema import DIM_PCT, DIMENSION_IDS, Framework, Indicator
from lpa_analysis.settings import ALPHA
from lpa_analysis.stats._common import (
    MISSING_YEAR, NO_VARIATION, NOT_ENOUGH_DATA, as_list, finite_or_nan, groups, select, tidy,
)

CHANGE_COLUMNS = ["measure", "n_pairs", "n_only_a", "n_only_b", "median_a", "median_b",
                  "median_change", "ci_low", "ci_high", "mean_change", "n_zero", "statistic",
                  "p_value", "note"]
MOVER_COLUMNS = ["direction", "rank", "lao_code", "name_th", "lao_type", "province_code",
                 "value_a", "value_b", "change", "note"]
COMPARABLE_COLUMNS = ["indicator_id", "dimension_a", "dimension_b", "max_points_a",
                      "max_points_b", "comparable", "reason"]
KEY = "lao_code"


def _pairs(scored_a: pd.DataFrame, scored_b: pd.DataFrame, value: str,
           by: list[str]) -> pd.DataFrame:
    """LAOs in both years with `value` present in both; groups from the later year (b)."""
    a = scored_a[[KEY, value]].rename(columns={value: "value_a"})
    b = scored_b[[KEY, *by, value]].rename(columns={value: "value_b"})
    both = b.merge(a, on=KEY, how="inner").dropna(subset=["value_a", "value_b"])
    return both.assign(change=both["value_b"] - both["value_a"])


def paired_change(scored_a: pd.DataFrame | None, scored_b: pd.DataFrame | None,
                  value: str | Sequence[str] = "overall_pct",
                  by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Paired change b − a of each measure in `value`, one row per group × measure.

    Columns: *by, measure, n_pairs, n_only_a, n_only_b (LAOs in one year only — not compared),
    median_a, median_b, median_change, ci_low, ci_high, mean_change, n_zero, statistic,
    p_value, note. median_a/median_b are over the paired LAOs; a pair with the value missing
    in either year is not counted.
    * ci_low/ci_high: exact distribution-free 95 % CI of the median change from order
      statistics (binomial; scipy.stats.quantile_test), coverage ≥ 95 %; NaN below 6 pairs.
    * statistic/p_value: Wilcoxon signed-rank, zero changes dropped (zero_method='wilcox',
      n_zero counts them), normal approximation with tie and continuity correction —
      R wilcox.test(b, a, paired=TRUE, exact=FALSE, correct=TRUE). statistic is R's V, the
      rank sum of the positive changes (hand-computed: scipy reports min(V+, V−)).
    Groups (`by`) are taken from year b (n_only_a from year a). A year that is None →
    'missing_year'.
    """
    by, measures = as_list(by), as_list(value)
    if scored_a is None or scored_b is None:
        return tidy([{"measure": m, "note": MISSING_YEAR} for m in measures],
                     [*by, *CHANGE_COLUMNS])
    rows = []
    for measure in measures:
        pairs = _pairs(scored_a, scored_b, measure, by)
        only_a = scored_a.loc[~scored_a[KEY].isin(scored_b[KEY])]
        only_b = scored_b.loc[~scored_b[KEY].isin(scored_a[KEY])]
        for key, part in groups(pairs, by):
            rows.append({**key, "measure": measure, "n_only_a": len(select(only_a, key)),
                         "n_only_b": len(select(only_b, key)), **_signed_rank(part)})
    return tidy(rows, [*by, *CHANGE_COLUMNS])


def _signed_rank(part: pd.DataFrame) -> dict:
    d = part["change"].to_numpy(dtype=float)
    row = {"n_pairs": len(d)}
    if len(d) == 0:
        return {**row, "note": NOT_ENOUGH_DATA}
    ci = st.quantile_test(d, q=0, p=0.5).confidence_interval(1 - ALPHA)
    nonzero = d[d != 0]
    row |= {"median_a": part["value_a"].median(), "median_b": part["value_b"].median(),
            "median_change": float(np.median(d)), "ci_low": finite_or_nan(ci.low),
            "ci_high": finite_or_nan(ci.high), "mean_change": float(np.mean(d)),
            "n_zero": int(len(d) - len(nonzero))}
    if len(d) < 2:
        return {**row, "note": NOT_ENOUGH_DATA}
    if len(nonzero) == 0:
        return {**row, "note": NO_VARIATION}
    test = st.wilcoxon(d, zero_method="wilcox", correction=True, method="asymptotic")
    ranks = st.rankdata(np.abs(nonzero))
    return {**row, "statistic": float(ranks[nonzero > 0].sum()), "p_value": test.pvalue,
            "note": None}


def biggest_movers(scored_a: pd.DataFrame | None, scored_b: pd.DataFrame | None,
                   value: str = "overall_pct", n: int = 5) -> pd.DataFrame:
    """The n LAOs that rose most ('up') and fell most ('down') from year a to b.

    Columns: direction, rank (1 = biggest), lao_code, name_th, lao_type, province_code (from
    year b), value_a, value_b, change, note. Only real rises are 'up' and real falls 'down'; a
    direction with none has one row with a note. Ties are broken by lao_code.
    """
    if scored_a is None or scored_b is None:
        return tidy([{"direction": d, "note": MISSING_YEAR} for d in ("up", "down")],
                    MOVER_COLUMNS)
    ids = [c for c in ("name_th", "lao_type", "province_code") if c in scored_b]
    pairs = _pairs(scored_a, scored_b, value, ids)
    rows = []
    for direction, sign in (("up", 1), ("down", -1)):
        moved = pairs.assign(order=-sign * pairs["change"])
        moved = moved.loc[moved["order"] < 0].sort_values(["order", KEY]).head(n)
        if moved.empty:
            rows.append({"direction": direction,
                         "note": NO_VARIATION if len(pairs) else NOT_ENOUGH_DATA})
        for rank, mover in enumerate(moved.to_dict("records"), start=1):
            rows.append({"direction": direction, "rank": rank, **mover, "note": None})
    return tidy(rows, MOVER_COLUMNS)


def comparable_indicators(framework_a: Framework, framework_b: Framework) -> pd.DataFrame:
    """Every indicator of either framework: comparable between the two years, and if not, why.

    Comparable = same id, dimension, max_points, levels and applicability (applies_to), and
    pilot in neither. Columns: indicator_id, dimension_a, dimension_b, max_points_a,
    max_points_b, comparable, reason ('' or '; '-joined codes: only_in_a, only_in_b,
    pilot_in_a, pilot_in_b, dimension_changed, max_points_changed, levels_changed,
    applies_to_changed). Order: framework b, then indicators dropped from a.
    """
    in_a = {i.id: i for i in framework_a.indicators}
    in_b = {i.id: i for i in framework_b.indicators}
    order = [*in_b, *(i for i in in_a if i not in in_b)]
    rows = []
    for indicator_id in order:
        a, b = in_a.get(indicator_id), in_b.get(indicator_id)
        reasons = _differences(a, b)
        rows.append({"indicator_id": indicator_id,
                     "dimension_a": a.dimension if a else np.nan,
                     "dimension_b": b.dimension if b else np.nan,
                     "max_points_a": a.max_points if a else np.nan,
                     "max_points_b": b.max_points if b else np.nan,
                     "comparable": not reasons, "reason": "; ".join(reasons)})
    return tidy(rows, COMPARABLE_COLUMNS)


def _differences(a: Indicator | None, b: Indicator | None) -> list[str]:
    if a is None or b is None:
        return ["only_in_b" if a is None else "only_in_a"]
    checks = [("pilot_in_a", a.pilot), ("pilot_in_b", b.pilot),
              ("dimension_changed", a.dimension != b.dimension),
              ("max_points_changed", a.max_points != b.max_points),
              ("levels_changed", sorted(a.levels) != sorted(b.levels)),
              ("applies_to_changed", _applies(a) != _applies(b))]
    return [code for code, differs in checks if differs]


def _applies(indicator: Indicator) -> frozenset | str:
    return "all" if indicator.applies_to == "all" else frozenset(indicator.applies_to)


def comparable_scores(indicator_scores: pd.DataFrame, indicator_ids: Sequence[str],
                      overall_method: Literal["points", "mean_of_dimensions"] = "points",
                      ) -> pd.DataFrame:
    """Each LAO's d1_pct … d5_pct and overall_pct recomputed on `indicator_ids` only.

    Use the comparable ids of `comparable_indicators` for both years, then `paired_change`.
    A dimension % is verified points over the maximum of the applicable indicators; a dimension
    without any applicable comparable indicator is NaN. overall 'points' = all points over all
    maxima; 'mean_of_dimensions' = mean of the available dimension %. Pilot and not-applicable
    rows are left out. Columns: lao_code, province_code, lao_type, d1_pct … d5_pct,
    overall_pct, points, max_points.
    """
    rows = indicator_scores.loc[
        indicator_scores["indicator_id"].isin(list(indicator_ids))
        & ~indicator_scores["pilot"].astype(bool)
        & ~indicator_scores["not_applicable"].astype(bool)]
    ident = ["lao_code", "province_code", "lao_type"]
    sums = rows.groupby([*ident, "dimension"], observed=True)[
        ["verified_points", "max_points"]].sum()
    pct = (100 * sums["verified_points"] / sums["max_points"]).unstack("dimension")
    pct = pct.reindex(columns=DIMENSION_IDS)
    pct.columns = DIM_PCT
    totals = sums.groupby(level=ident).sum()
    out = pct.join(totals.rename(columns={"verified_points": "points"}))
    out["overall_pct"] = (100 * out["points"] / out["max_points"]
                          if overall_method == "points" else out[DIM_PCT].mean(axis=1))
    return out.reset_index()[[*ident, *DIM_PCT, "overall_pct", "points", "max_points"]]
