"""Funnel plots for benchmarking provinces (Spiegelhalter 2005, Stat Med 24:1185–1202).

Each unit's value (pass rate, or mean overall %) is plotted against its number of LAOs, with
control limits around the national value that narrow as n grows. A unit outside the 99.8 %
limits differs from the nation by more than chance alone would plausibly give.

Limits for proportions are, by default, the exact binomial limits with Spiegelhalter's
interpolation (his Appendix A.1.1): with r_p the p-quantile of Binomial(n, p0),
α = (F(r_p) − p) / (F(r_p) − F(r_p − 1)) and the limit is (r_p − α) / n. Unlike the normal
approximation p0 ± z·√(p0(1−p0)/n) they stay inside [0, 1] when the pass rate is near 0 or 1
and provinces are small; `method='normal'` gives the approximation. Limits for means are
target ± z·sd/√n with the national LAO-level sd. With exact limits a unit is 'above' /
'below' when the binomial probability of a count at least / at most as extreme as its own is
below (1 − level)/2 — the interpolated lines themselves can sit up to one LAO inside that.
z are exact normal quantiles (1.95996…, 3.09023…, which the paper rounds to 1.96 and 3.09).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.stats._common import NO_VARIATION, NOT_ENOUGH_DATA, groups, tidy

LEVELS = {"95": 0.95, "998": 0.998}
LIMIT_COLUMNS = [f"{side}_{name}" for name in LEVELS for side in ("lower", "upper")]
FUNNEL_COLUMNS = ["n", "events", "value", "target", "target_sd", *LIMIT_COLUMNS, "z",
                  "outside_95", "outside_998", "note"]
CURVE_COLUMNS = ["n", "target", *LIMIT_COLUMNS]

Kind = Literal["proportion", "mean"]
Method = Literal["exact", "normal"]


def funnel(scored: pd.DataFrame, value: str = "passed", unit: str = "province_code",
           method: Method = "exact") -> pd.DataFrame:
    """One row per unit: its value against the national target with 95 % and 99.8 % limits.

    `value='passed'` (a boolean) benchmarks the pass rate (0–1); any numeric column, e.g.
    'overall_pct', benchmarks the mean. The target is the national value over all LAOs in
    `scored` (pass rate, or mean with the LAO-level sd for the limits).

    Columns: unit, n, events (LAOs passed; NaN for means), value, target, target_sd (the
    national LAO-level sd behind the limits for means, for `funnel_curve`), lower_95, upper_95,
    lower_998, upper_998, z ((value − target)/standard error under the target), outside_95,
    outside_998 ('above' | 'below' | 'within'; None when not computable), note. n = 0 →
    'not_enough_data'; an all-identical nation (pass rate 0 or 1, sd 0) → limits equal to the
    target, nothing flagged, 'no_variation'.
    """
    is_flag = value == "passed" or pd.api.types.is_bool_dtype(scored[value])
    kind: Kind = "proportion" if is_flag else "mean"
    data = scored[[unit, value]].copy()
    data[value] = pd.to_numeric(data[value].astype("float64"), errors="coerce")
    national = data[value].dropna().to_numpy(dtype=float)
    target = float(national.mean()) if len(national) else np.nan
    sd = float(national.std(ddof=1)) if len(national) > 1 else np.nan

    rows = []
    for key, part in groups(data, [unit]):
        x = part[value].dropna().to_numpy(dtype=float)
        rows.append({**key, **_unit_row(x, kind, target, sd, method)})
    return tidy(rows, [unit, *FUNNEL_COLUMNS])


def _unit_row(x: np.ndarray, kind: Kind, target: float, sd: float, method: Method) -> dict:
    n = len(x)
    row = {"n": n, "events": float(x.sum()) if kind == "proportion" else np.nan,
           "value": float(x.mean()) if n else np.nan, "target": target,
           "target_sd": sd if kind == "mean" else np.nan}
    if n == 0 or np.isnan(target) or (kind == "mean" and np.isnan(sd)):
        return {**row, "note": NOT_ENOUGH_DATA}
    row.update(_limits_at(np.array([n]), target, kind, sd, method).iloc[0].to_dict())
    se = np.sqrt(target * (1 - target) / n) if kind == "proportion" else sd / np.sqrt(n)
    if not se > 0:  # nothing varies nationally: every unit sits on the target
        return {**row, "z": np.nan, "outside_95": "within", "outside_998": "within",
                "note": NO_VARIATION}
    row["z"] = (row["value"] - target) / se
    for name, level in LEVELS.items():
        row[f"outside_{name}"] = _side(row, name, 1 - level, kind == "proportion"
                                       and method == "exact", n, target)
    return {**row, "note": None}


def _side(row: dict, name: str, alpha: float, exact: bool, n: int, target: float) -> str:
    """'above' / 'below' / 'within'. Exact: by the binomial tail probability of the observed
    count, because the interpolated upper limit lies up to one LAO below the count that is
    really significant (with a 99 % national pass rate every all-pass province would otherwise
    be 'above'); the interpolated lines are for drawing."""
    if exact:
        events = row["events"]
        if st.binom.sf(events - 1, n, target) < alpha / 2:
            return "above"
        return "below" if st.binom.cdf(events, n, target) < alpha / 2 else "within"
    if row["value"] > row[f"upper_{name}"]:
        return "above"
    return "below" if row["value"] < row[f"lower_{name}"] else "within"


def funnel_curve(target: float, n_range: Iterable[float], kind: Kind = "proportion",
                 sd: float | None = None, method: Method = "exact") -> pd.DataFrame:
    """The control limits as curves for plotting, one row per n in `n_range`.

    E.g. `funnel_curve(0.83, range(1, 341))`. Proportions need `target` in 0–1; means need
    the national `sd` (and `kind='mean'`). Exact binomial limits are defined at whole n only.
    Columns: n, target, lower_95, upper_95, lower_998, upper_998.
    """
    n = np.asarray(list(n_range))
    n = n[n > 0]
    limits = _limits_at(n, float(target), kind, sd, method)
    curve = pd.concat([pd.DataFrame({"n": n, "target": float(target)}), limits], axis=1)
    return curve[CURVE_COLUMNS]


def _limits_at(n: np.ndarray, target: float, kind: Kind, sd: float | None,
               method: Method) -> pd.DataFrame:
    out = {}
    for name, level in LEVELS.items():
        tail = (1 - level) / 2
        if kind == "proportion" and method == "exact":
            low = _binomial_limit(n, target, tail)
            high = _binomial_limit(n, target, 1 - tail)
        else:
            z = st.norm.ppf(1 - tail)
            se = (np.sqrt(target * (1 - target) / n) if kind == "proportion"
                  else np.asarray(sd, dtype=float) / np.sqrt(n))
            low, high = target - z * se, target + z * se
        out[f"lower_{name}"], out[f"upper_{name}"] = low, high
    return pd.DataFrame(out)[LIMIT_COLUMNS]


def _binomial_limit(n: np.ndarray, p0: float, p: float) -> np.ndarray:
    """Spiegelhalter's interpolated exact binomial limit (Appendix A.1.1), clipped to [0, 1]."""
    n = np.asarray(n, dtype=float)
    if p0 <= 0 or p0 >= 1:  # a degenerate binomial: the limit is the target itself
        return np.full(n.shape, float(p0))
    r = st.binom.ppf(p, n, p0)
    f_r, f_below = st.binom.cdf(r, n, p0), st.binom.cdf(r - 1, n, p0)
    alpha = (f_r - p) / (f_r - f_below)
    return np.clip((r - alpha) / n, 0.0, 1.0)
