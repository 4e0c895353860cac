"""Funnel plots for benchmarking provinces (Spiegelhalter 2005, Stat Med 24:1185–1202), with
the over-dispersion adjustment of Spiegelhalter 2005, Qual Saf Health Care 14:347–351.

Each unit's value (mean overall %, or pass rate) is plotted against its number of LAOs, with
control limits around the national value that narrow as n grows. A unit outside the 99.8 %
limits differs from the nation by more than the model of chance plausibly gives.

Over-dispersion (additive random effects). Provinces differ by more than sampling alone: the
z-scores z_i = (y_i − θ0)/s_i (s_i the standard error under the target) spread wider than
N(0, 1), and plain limits would flag a quarter of the country. Following the paper:

* φ = mean of the squared z-scores after Winsorising them at their 10th and 90th percentiles
  (R quantile type 7), so that the outliers being looked for do not inflate φ themselves;
* τ² = (I·φ − (I − 1)) / (Σ w_i − Σ w_i² / Σ w_i), w_i = 1/s_i², and 0 when I·φ ≤ I − 1
  (DerSimonian–Laird; I = units with a z-score): the between-province variance of the true
  values that sampling does not explain;
* limits θ0 ± z_p·√(s_i² + τ²), z_adj = (y_i − θ0)/√(s_i² + τ²).

The additive version is used rather than inflating s_i by √φ: province sizes run from 19 to
334 LAOs, and real between-province differences do not shrink with size, which the
multiplicative √φ·s_i assumes (the paper's argument for the random-effects model).

Means: s_i = sd/√n_i with the national LAO-level sd; the flag compares the value with the
limits (⇔ |z_adj| beyond the normal quantile). Pass rates: the same φ and τ² from the
normal-approximation z-scores, but limits and flags are exact, because the national pass rate
is near 1 where the normal approximation fails: the count of a province is binomial(n, θ0)
when τ² = 0 and beta-binomial with mean θ0 and between-province variance τ² otherwise (the
exact form of the additive random-effects model for a proportion). A unit is 'above' when
P(X ≥ x) < (1 − level)/2 and 'below' when P(X ≤ x) < (1 − level)/2; the limits are the edges
of the non-flagged counts, hi = k/n with k the smallest count with P(X > k) < (1 − level)/2 and
lo = k/n with k the smallest count with P(X ≤ k) ≥ (1 − level)/2, so that a value is flagged
exactly when it lies beyond a drawn limit (with a 99 % national pass rate an all-pass
province is never significantly above, and its limit is 1). Interpolated limits (the paper's
Appendix A.1.1) are smoother but put all-pass provinces above a line they are not beyond.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.stats._common import NO_VARIATION, NOT_ENOUGH_DATA, groups, tidy

LEVELS = {"95": 0.95, "998": 0.998}
LIMIT_COLUMNS = ["lo95", "hi95", "lo998", "hi998"]
FUNNEL_COLUMNS = ["n", "value", "target", "z", "z_adj", "phi", "tau2", *LIMIT_COLUMNS, "flag",
                  "note"]
CURVE_COLUMNS = ["n", "target", *LIMIT_COLUMNS]
# Flags, from high to low; an assessment-team effect adds ASSESSMENT_SUFFIX (`label_assessment`).
POSITIONS = ["above998", "above95", "within", "below95", "below998"]
ASSESSMENT_SUFFIX = "_assessment"
WINSOR = 0.10

Kind = Literal["proportion", "mean"]


def funnel(scored: pd.DataFrame, value: str = "overall_pct", unit: str = "province_code",
           overdispersion: bool = True, winsor: float = WINSOR) -> pd.DataFrame:
    """One row per unit: its value against the national target with 95 % and 99.8 % limits,
    adjusted for over-dispersion (module docstring).

    `value='passed'` (a boolean) benchmarks the pass rate (0–1); any numeric column, e.g.
    'overall_pct', the mean. The target is the national value over all LAOs in `scored`.
    `overdispersion=False` gives the plain limits (τ² = 0; φ still reported).

    Columns: unit, n, value, target, z ((value − target)/s), z_adj ((value − target)/√(s² +
    τ²)), phi, tau2 (the same in every row), lo95, hi95, lo998, hi998, flag ('above998' |
    'above95' | 'within' | 'below95' | 'below998'; None when not computable), note.
    n = 0 → 'not_enough_data'; an all-identical nation (pass rate 0 or 1, sd 0) → limits equal
    to the target, everything 'within', 'no_variation'.
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
        rows.append({**key, "n": len(x), "value": float(x.mean()) if len(x) else np.nan,
                     "events": float(x.sum()), "target": target})
    table = pd.DataFrame(rows, columns=[unit, "n", "value", "events", "target"])
    if table.empty:
        return tidy([], [unit, *FUNNEL_COLUMNS])
    n = table["n"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = _standard_error(n, target, kind, sd)
        table["z"] = (table["value"] - target) / se
    usable = (n > 0) & (se > 0) & np.isfinite(se)
    phi, tau2 = dispersion(table["z"].to_numpy(float)[usable], se[usable], winsor)
    tau2_used = tau2 if overdispersion else 0.0
    table["phi"], table["tau2"] = phi, tau2
    table["z_adj"] = (table["value"] - target) / np.sqrt(se**2 + tau2_used)
    table = _limits_and_flags(table, usable, kind, target, sd, tau2_used)
    return tidy(table.to_dict("records"), [unit, *FUNNEL_COLUMNS])


def _standard_error(n: np.ndarray, target: float, kind: Kind, sd: float) -> np.ndarray:
    if kind == "proportion":
        return np.sqrt(target * (1 - target) / n)
    return sd / np.sqrt(n)


def dispersion(z: np.ndarray, se: np.ndarray, winsor: float = WINSOR) -> tuple[float, float]:
    """(φ, τ²) from the units' z-scores and standard errors (module docstring). Fewer than two
    units → (NaN, 0): no between-unit variance can be estimated."""
    if len(z) < 2:
        return np.nan, 0.0
    low, high = np.quantile(z, [winsor, 1 - winsor])  # numpy 'linear' = R type 7
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    w = 1 / se**2
    units = len(z)
    excess = units * phi - (units - 1)
    return phi, float(max(0.0, excess / (w.sum() - (w**2).sum() / w.sum())))


def _limits_and_flags(table: pd.DataFrame, usable: np.ndarray, kind: Kind, target: float,
                      sd: float, tau2: float) -> pd.DataFrame:
    table = table.assign(**{c: np.nan for c in LIMIT_COLUMNS}, flag=None,
                         note=np.where(table["n"] > 0, None, NOT_ENOUGH_DATA))
    computable = (table["n"] > 0).to_numpy() & np.isfinite(target) & \
        (kind == "proportion" or np.isfinite(sd))
    if not usable.any() and computable.any():  # nothing varies nationally: all on the target
        table.loc[computable, LIMIT_COLUMNS] = target
        table.loc[computable, ["flag", "note"]] = ["within", NO_VARIATION]
        return table
    table.loc[~computable, "note"] = NOT_ENOUGH_DATA
    rows = table.index[usable]
    n = table.loc[rows, "n"].to_numpy(int)
    limits = _limits_at(n, target, kind, sd, tau2)
    table.loc[rows, LIMIT_COLUMNS] = limits.to_numpy()
    if kind == "proportion":  # compare counts: value·n would carry float noise
        events = table.loc[rows, "events"].to_numpy(float)
        above = {name: events > np.round(limits[f"hi{name}"].to_numpy() * n) for name in LEVELS}
        below = {name: events < np.round(limits[f"lo{name}"].to_numpy() * n) for name in LEVELS}
    else:
        value = table.loc[rows, "value"].to_numpy(float)
        above = {name: value > limits[f"hi{name}"].to_numpy() for name in LEVELS}
        below = {name: value < limits[f"lo{name}"].to_numpy() for name in LEVELS}
    table.loc[rows, "flag"] = np.select(
        [above["998"], above["95"], below["998"], below["95"]],
        ["above998", "above95", "below998", "below95"], "within")
    return table


def funnel_curve(target: float, n_range: Iterable[float], kind: Kind = "proportion",
                 sd: float | None = None, tau2: float = 0.0) -> pd.DataFrame:
    """The control limits as curves for plotting, one row per n in `n_range`: the limits
    `funnel` gives a unit of that size (pass `tau2` from its table).

    E.g. `funnel_curve(0.99, range(1, 341), tau2=table['tau2'].iloc[0])`. Proportions need
    `target` in 0–1 and whole n; means need the national LAO-level `sd` (and `kind='mean'`).
    Columns: n, target, lo95, hi95, lo998, hi998.
    """
    n = np.asarray(list(n_range))
    n = n[n > 0]
    limits = _limits_at(n, float(target), kind, sd, tau2)
    curve = pd.concat([pd.DataFrame({"n": n, "target": float(target)}), limits], axis=1)
    return curve[CURVE_COLUMNS]


def _limits_at(n: np.ndarray, target: float, kind: Kind, sd: float | None,
               tau2: float) -> pd.DataFrame:
    if kind == "proportion":
        return _exact_limits(np.asarray(n, dtype=int), target, tau2)
    out = {}
    for name, level in LEVELS.items():
        half = st.norm.ppf(1 - (1 - level) / 2) * np.sqrt(float(sd) ** 2 / n + tau2)
        out[f"lo{name}"], out[f"hi{name}"] = target - half, target + half
    return pd.DataFrame(out)[LIMIT_COLUMNS]


def _exact_limits(n: np.ndarray, p0: float, tau2: float) -> pd.DataFrame:
    """Edges of the counts not flagged (module docstring), as proportions of n."""
    if p0 <= 0 or p0 >= 1:  # a degenerate distribution: the limit is the target itself
        return pd.DataFrame({c: np.full(len(n), float(p0)) for c in LIMIT_COLUMNS})
    rows = []
    for size in n:
        cdf = _count_cdf(int(size), p0, tau2)
        row = {}
        for name, level in LEVELS.items():
            tail = (1 - level) / 2
            row[f"lo{name}"] = np.argmax(cdf >= tail) / size
            row[f"hi{name}"] = np.argmax(1 - cdf < tail) / size  # sf(n) = 0: always found
        rows.append(row)
    return pd.DataFrame(rows, columns=LIMIT_COLUMNS)


def _count_cdf(n: int, p0: float, tau2: float) -> np.ndarray:
    """P(X ≤ k), k = 0…n, for X binomial(n, p0), or beta-binomial when τ² > 0: the success
    probability varies between units with mean p0 and variance τ² (a + b = p0(1 − p0)/τ² − 1)."""
    k = np.arange(n + 1)
    if tau2 <= 0:
        return st.binom.cdf(k, n, p0)
    # τ² can reach p0(1 − p0) only when provinces are all-pass or all-fail: rates then vary as
    # much as a proportion can, and a + b → 0 gives limits 0 and 1 (nothing is flagged)
    total = max(p0 * (1 - p0) / tau2 - 1, 1e-9)
    return np.cumsum(st.betabinom.pmf(k, n, p0 * total, (1 - p0) * total))


def label_assessment(funnel_table: pd.DataFrame, team_effect: pd.DataFrame,
                     unit: str = "province_code") -> pd.DataFrame:
    """A copy of a funnel table whose outliers are marked as assessment effects where the
    province's verification team leans the same way (stats.team_effect `flag`): above the
    limits with a 'lenient' team, or below with a 'strict' one, gets flag + '_assessment'
    (e.g. 'above998_assessment'). A team leaning against the outlier would hide, not make it,
    so that outlier stays one of performance."""
    team = team_effect.set_index(unit)["flag"]
    lean = funnel_table[unit].map(team)
    flag = funnel_table["flag"]
    explained = (flag.str.startswith("above", na=False) & (lean == "lenient")) | \
        (flag.str.startswith("below", na=False) & (lean == "strict"))
    labelled = flag.copy()
    labelled[explained] = flag[explained] + ASSESSMENT_SUFFIX
    return funnel_table.assign(flag=labelled)
