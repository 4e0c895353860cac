"""Change between two years for the LAOs assessed in both.

Frameworks change between years, so dimension and overall change is measured on comparable
content only: `comparable_indicators` says which indicators are the same in both frameworks
(and why the others are not), `comparable_scores` recomputes each LAO's dimension and overall %
from `indicator_scores` on those indicators alone, and `paired_change` compares the two
recomputed tables. `comparable_basis` fixes that basis for a pair of years (comparable
indicators, and the later year's overall_method for both years: the overall method itself
changed in 2566, from the mean of the dimensions to pooled points) and `comparable_change`
applies it; every change, trend and mover of the reports is measured on it. (Published
scores are compared only when the caller passes the scored_laos tables directly.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.schema import DIM_PCT, DIMENSION_IDS, Framework, Indicator
from lpa_analysis.settings import ALPHA
from lpa_analysis.stats._common import (
    MEASURES, MISSING_YEAR, NO_VARIATION, NOT_ENOUGH_DATA, as_list, groups, select, tidy,
)

CHANGE_COLUMNS = ["measure", "n_pairs", "n_only_a", "n_only_b", "median_a", "median_b",
                  "median_change", "mean_change", "hl_estimate", "hl_ci_low", "hl_ci_high",
                  "n_zero", "statistic", "p_value", "note"]
BASIS_COLUMNS = ["year_a", "year_b", "n_comparable_indicators", "n_excluded_indicators",
                 "overall_method_a", "overall_method_b", "overall_method"]
MOVER_COLUMNS = ["direction", "rank", "lao_code", "name_th", "lao_type", "province_code",
                 "value_a", "value_b", "change", "note"]
COMPARABLE_COLUMNS = ["indicator_id", "dimension_a", "dimension_b", "max_points_a",
                      "max_points_b", "comparable", "reason"]
KEY = "lao_code"
# R wilcox.test's defaults for its confidence interval: uniroot(tol = tol.root = 1e-4),
# maxiter 1000.
ROOT_TOL = 1e-4
ROOT_MAXITER = 1000


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
    median_a, median_b, median_change, mean_change, hl_estimate, hl_ci_low, hl_ci_high, n_zero,
    statistic, p_value, note. median_a/median_b/median_change/mean_change describe the paired
    LAOs; a pair with the value missing in either year is not counted.
    * statistic/p_value: Wilcoxon signed-rank, zero changes dropped (zero_method='wilcox',
      n_zero counts them), normal approximation with tie and continuity correction —
      R wilcox.test(b, a, paired=TRUE, exact=FALSE, correct=TRUE). statistic is R's V, the
      rank sum of the positive changes (hand-computed: scipy reports min(V+, V−)).
    * hl_estimate, hl_ci_low/hl_ci_high: the estimate and 95 % CI that belong to that test
      (the Hodges–Lehmann pseudo-median of the non-zero changes and the shifts the test does
      not reject), as R's wilcox.test(..., conf.int=TRUE) computes them — see
      `hodges_lehmann`. The CI is NaN when 95 % cannot be reached (under 6 non-zero changes).
      (A CI of the median change would belong to the sign test and can disagree with p.)
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
    nonzero = d[d != 0]
    row |= {"median_a": part["value_a"].median(), "median_b": part["value_b"].median(),
            "median_change": float(np.median(d)), "mean_change": float(np.mean(d)),
            "n_zero": int(len(d) - len(nonzero))}
    if len(d) < 2:
        return {**row, "note": NOT_ENOUGH_DATA}
    if len(nonzero) == 0:
        return {**row, "note": NO_VARIATION}
    test = st.wilcoxon(d, zero_method="wilcox", correction=True, method="asymptotic")
    ranks = st.rankdata(np.abs(nonzero))
    estimate, low, high = hodges_lehmann(nonzero)
    return {**row, "hl_estimate": estimate, "hl_ci_low": low, "hl_ci_high": high,
            "statistic": float(ranks[nonzero > 0].sum()), "p_value": test.pvalue,
            "note": None}


def hodges_lehmann(changes: np.ndarray, confidence: float = 1 - ALPHA,
                   ) -> tuple[float, float, float]:
    """(estimate, ci_low, ci_high) of the signed-rank test on `changes`, equal to R's
    wilcox.test(changes, exact=FALSE, correct=TRUE, conf.int=TRUE) (defaults tol.root = 1e-4,
    digits.rank = Inf).

    The CI is the set of shifts s for which the test on changes − s is not rejected: its ends
    are where the test's continuity-corrected z equals ±z(1 − α/2), the estimate where the
    uncorrected z is 0 (the Hodges–Lehmann pseudo-median). z is a step function of s, so R
    finds each end with uniroot(tol = 1e-4) between min and max of the changes and reports a
    point within 1e-4 of the exact jump; `_zeroin` repeats R's root finder step for step
    (scipy's brentq takes other steps and stops elsewhere in that 1e-4), so the numbers equal
    R's to ~1e-12. Zero changes are dropped first (as the test does). The CI is NaN when the
    level cannot be reached (R then lowers it with a warning); all changes equal → estimate =
    that change, CI NaN.
    """
    x = np.asarray(changes, dtype=float)
    x = x[x != 0]
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    low, high = float(x.min()), float(x.max())
    z_low, z_high = _shifted_z(x, low, True), _shifted_z(x, high, True)
    if not (np.isfinite(z_low) and np.isfinite(z_high)):
        return (low + high) / 2, np.nan, np.nan
    quantile = st.norm.ppf(1 - (1 - confidence) / 2)
    ci = (np.nan, np.nan)
    if z_low >= quantile and z_high <= -quantile:
        ci = tuple(_zeroin(lambda s, q=q: _shifted_z(x, s, True) - q, low, high,
                           z_low - q, z_high - q) for q in (quantile, -quantile))

    def uncorrected(shift: float) -> float:
        return _shifted_z(x, shift, False)

    estimate = _zeroin(uncorrected, low, high, uncorrected(low), uncorrected(high))
    return estimate, *ci


def _shifted_z(x: np.ndarray, shift: float, correct: bool) -> float:
    """The signed-rank z of x − shift with ties correction (R's W() inside wilcox.test)."""
    xd = x - shift
    xd = xd[xd != 0]
    n = len(xd)
    ranks = st.rankdata(np.abs(xd))
    z = ranks[xd > 0].sum() - n * (n + 1) / 4
    _, ties = np.unique(ranks, return_counts=True)
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (ties ** 3 - ties).sum() / 48)
    correction = np.sign(z) * 0.5 if correct else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((z - correction) / sigma)


def _zeroin(f, a: float, b: float, fa: float, fb: float, tol: float = ROOT_TOL,
            maxiter: int = ROOT_MAXITER) -> float:
    """R's uniroot: a transcription of R_zeroin2 (R src/library/stats/src/zeroin.c, Brent's
    method as in netlib's C zeroin), kept step for step so that roots of step functions stop
    where R's do. f(a) = fa and f(b) = fb have opposite signs."""
    eps = float(np.finfo(float).eps)
    c, fc = a, fa
    if fa == 0:
        return a
    if fb == 0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):  # b must be the best approximation
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):  # try interpolation
            cb = c - b
            if a == c:  # linear
                t1 = fb / fa
                p, q = cb * t1, 1.0 - t1
            else:  # inverse quadratic
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            p, q = (p, -q) if p > 0 else (-p, q)
            if p < 0.75 * cb * q - abs(tol_act * q) / 2 and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


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


@dataclass(frozen=True)
class ComparableBasis:
    """How change from year_a to year_b is measured: each LAO rescored in both years on the
    indicators defined identically in both frameworks, with the overall % of both years by
    the later framework's overall_method (`overall_method`; the years' own methods may
    differ, as 2565's mean_of_dimensions and 2566's points do)."""

    year_a: int
    year_b: int
    indicator_ids: tuple[str, ...]
    n_excluded_indicators: int
    overall_method_a: str
    overall_method_b: str

    @property
    def overall_method(self) -> str:
        return self.overall_method_b

    def rescore(self, indicator_scores: pd.DataFrame) -> pd.DataFrame:
        """`comparable_scores` of one year's indicator scores on this basis."""
        return comparable_scores(indicator_scores, self.indicator_ids, self.overall_method)

    def columns(self) -> dict:
        """The basis as table columns (BASIS_COLUMNS)."""
        return {"year_a": self.year_a, "year_b": self.year_b,
                "n_comparable_indicators": len(self.indicator_ids),
                "n_excluded_indicators": self.n_excluded_indicators,
                "overall_method_a": self.overall_method_a,
                "overall_method_b": self.overall_method_b,
                "overall_method": self.overall_method}


def comparable_basis(framework_a: Framework, framework_b: Framework) -> ComparableBasis:
    """The basis for change from framework_a's year to framework_b's (`ComparableBasis`)."""
    table = comparable_indicators(framework_a, framework_b)
    return ComparableBasis(
        year_a=framework_a.year, year_b=framework_b.year,
        indicator_ids=tuple(table.loc[table["comparable"], "indicator_id"]),
        n_excluded_indicators=int((~table["comparable"]).sum()),
        overall_method_a=framework_a.overall_method,
        overall_method_b=framework_b.overall_method)


def comparable_change(indicator_scores_a: pd.DataFrame | None,
                      indicator_scores_b: pd.DataFrame | None, basis: ComparableBasis,
                      value: str | Sequence[str] = tuple(MEASURES)) -> pd.DataFrame:
    """`paired_change` of both years' indicator scores rescored on `basis`, with the basis as
    columns: CHANGE_COLUMNS, BASIS_COLUMNS. A year that is None → 'missing_year'."""
    rescored = [None if s is None else basis.rescore(s)
                for s in (indicator_scores_a, indicator_scores_b)]
    return paired_change(*rescored, value=value).assign(**basis.columns())
