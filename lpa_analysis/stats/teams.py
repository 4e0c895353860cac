"""Assessment-team effect: how lenient or strict each province's verification team is.

Model (`gap_model`): for each LAO the gap between its self-assessment and the verified score,
    gap = self_overall_pct − overall_pct = α + type + β·log(area_km2) [+ γ·area_missing]
          + u_province + ε,
fitted by OLS with the provinces as fixed effects in sum-to-zero contrasts (u sums to 0 over
provinces, so u is a province's deviation from the average province). A lenient team verifies
higher, which leaves a smaller gap: leniency = −u, in percentage points. Scores capped at the
maximum hide part of a shift (the demo data's planted ±5.5 points come out at 3.8–4.6).

Why the gap: LAOs inflate their self-assessment (the national mean gap is positive), but a
province with genuinely better LAOs raises both scores, so the gap isolates what the team adds.
Type and size enter because larger, urban LAOs may self-assess differently.

Why fixed effects rather than a mixed model (random province intercepts, BLUPs): with 19–334
LAOs per province, shrinkage would buy little, while a random effect assumes the province
effects are normal and uncorrelated with type mix and size. Neither holds for a few planted or
real outlying teams, and a normal random effect pulls exactly those towards zero (statsmodels
MixedLM BLUPs of the three planted teams in the national demo: 5–12 % smaller, the smallest
province most). Fixed effects are unbiased, give exact t intervals, and the type and size
coefficients are not confounded with the province mix.

Flags: a team is flagged 'lenient' / 'strict' when its Holm-adjusted p-value (across all
provinces) is below 1 − level. With 76 provinces, unadjusted 95 % intervals would name three
or four teams a year by chance alone; `adjust=None` gives the unadjusted rule (the CI excludes 0).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as st
from statsmodels.stats.multitest import multipletests

from lpa_analysis.settings import ALPHA
from lpa_analysis.stats._common import (
    NO_VARIATION, NOT_ENOUGH_DATA, SINGLE_GROUP, groups, t_interval, tidy, values,
)

MODEL_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value",
                 "n", "note"]
TEAM_COLUMNS = ["n", "n_excluded", "estimate", "se", "ci_low", "ci_high", "statistic", "df",
                "p_value", "p_holm", "flag", "note"]
GAP_COLUMNS = ["n", "mean_gap", "median_gap", "sd_gap", "ci_low", "ci_high", "share_self_higher",
               "disagreement_rate", "note"]
LOG_AREA = "log_area_km2"
AREA_MISSING = "area_missing"


def team_effect(scored: pd.DataFrame, unit: str = "province_code", level: float = 1 - ALPHA,
                adjust: Literal["holm"] | None = "holm") -> pd.DataFrame:
    """Each unit's verification leniency in percentage points (positive = lenient), with CI.

    One row per unit in `scored`. Columns: unit, n (LAOs in the model), n_excluded (LAOs of
    the unit left out: a score or the type missing), estimate (= −u, see the module
    docstring), se, ci_low, ci_high (`level`), statistic (t), df, p_value, p_holm, flag
    ('lenient' | 'strict' | None), note. A unit without usable LAOs → 'not_enough_data'; a
    single unit → 'single_group'; identical gaps everywhere → 'no_variation'.
    """
    data, fit = _fit(scored, unit)
    total = scored[unit].value_counts(sort=False)  # a Categorical unit lists every level
    usable = data[unit].value_counts(sort=False)
    rows = {u: {unit: u, "n": int(usable.get(u, 0)),
                "n_excluded": int(total.get(u, 0) - usable.get(u, 0)),
                "note": None if usable.get(u, 0) else NOT_ENOUGH_DATA}
            for u in sorted(total.index)}
    if fit.note is not None:
        for row in rows.values():
            row["note"] = row["note"] or fit.note
        return tidy(list(rows.values()), [unit, *TEAM_COLUMNS])

    estimate, se = -fit.province_effect, fit.province_se
    statistic = estimate / se
    p_value = 2 * st.t.sf(np.abs(statistic), fit.df)
    p_holm = multipletests(p_value, method="holm")[1]
    half = st.t.ppf(0.5 + level / 2, fit.df) * se
    decisive = p_holm if adjust == "holm" else p_value
    for i, u in enumerate(fit.provinces):
        flag = None
        if decisive[i] < 1 - level:
            flag = "lenient" if estimate[i] > 0 else "strict"
        rows[u].update(estimate=estimate[i], se=se[i], ci_low=estimate[i] - half[i],
                       ci_high=estimate[i] + half[i], statistic=statistic[i], df=fit.df,
                       p_value=p_value[i], p_holm=p_holm[i], flag=flag)
    return tidy(list(rows.values()), [unit, *TEAM_COLUMNS])


def gap_model(scored: pd.DataFrame, unit: str = "province_code",
              level: float = 1 - ALPHA) -> pd.DataFrame:
    """The fitted gap model's terms: intercept, lao_type[<type>] (against the most common type),
    log_area_km2, area_missing (when some areas are missing) and u[<unit>] (sum-to-zero
    province effects on the gap, NOT yet turned into leniency). Columns: term, estimate, se,
    ci_low, ci_high, statistic, df, p_value, n, note (a model that cannot be fitted gives one
    row with term None and the note).
    """
    data, fit = _fit(scored, unit)
    if fit.note is not None:
        return tidy([{"term": None, "n": len(data), "note": fit.note}], MODEL_COLUMNS)
    terms = [*fit.terms, *(f"u[{p}]" for p in fit.provinces)]
    estimate = np.concatenate([fit.params, fit.province_effect])
    se = np.concatenate([fit.params_se, fit.province_se])
    statistic = estimate / se
    half = st.t.ppf(0.5 + level / 2, fit.df) * se
    return tidy([{"term": t, "estimate": e, "se": s, "ci_low": e - h, "ci_high": e + h,
                  "statistic": z, "df": fit.df, "p_value": 2 * st.t.sf(abs(z), fit.df),
                  "n": len(data), "note": None}
                 for t, e, s, h, z in zip(terms, estimate, se, half, statistic, strict=True)],
                MODEL_COLUMNS)


class _Fit:
    note: str | None = None
    terms: list[str]
    params: np.ndarray
    params_se: np.ndarray
    provinces: list[str]
    province_effect: np.ndarray
    province_se: np.ndarray
    df: float


def _gap(scored: pd.DataFrame) -> pd.Series:
    """Self − verified overall %, rounded so that float noise does not pass for variation."""
    return (pd.to_numeric(scored["self_overall_pct"], errors="coerce")
            - pd.to_numeric(scored["overall_pct"], errors="coerce")).round(10)


def _model_data(scored: pd.DataFrame, unit: str) -> pd.DataFrame:
    """LAOs with both scores, a type and a unit; a missing or non-positive area (about a third
    of the DLA registry lacks one) is imputed by its type's median log area and marked in
    `area_missing`, so that those LAOs still count."""
    area = pd.to_numeric(scored["area_km2"], errors="coerce")
    data = pd.DataFrame({
        unit: scored[unit],
        "lao_type": scored["lao_type"].astype("object"),
        LOG_AREA: np.log(area.where(area > 0)),
        "gap": _gap(scored),
    }).dropna(subset=[unit, "lao_type", "gap"])
    data[AREA_MISSING] = data[LOG_AREA].isna().astype(float)
    by_type = data.groupby("lao_type")[LOG_AREA].transform("median")
    data[LOG_AREA] = data[LOG_AREA].fillna(by_type).fillna(data[LOG_AREA].median())
    return data.sort_values(unit, kind="stable")


def _fit(scored: pd.DataFrame, unit: str) -> tuple[pd.DataFrame, _Fit]:
    data = _model_data(scored, unit)
    fit = _Fit()
    fit.provinces = sorted(data[unit].unique())
    if len(fit.provinces) < 2:
        fit.note = SINGLE_GROUP if len(fit.provinces) == 1 else NOT_ENOUGH_DATA
        return data, fit
    design, fit.terms = _design(data, unit, fit.provinces)
    if len(data) <= design.shape[1]:
        fit.note = NOT_ENOUGH_DATA
        return data, fit
    # imported here: statsmodels.api takes ~0.9 s to import, and most callers never fit
    from statsmodels.regression.linear_model import OLS

    result = OLS(data["gap"].to_numpy(), design).fit()
    if not result.ssr > 1e-12 * max(1.0, float(np.sum(data["gap"] ** 2))):
        fit.note = NO_VARIATION
        return data, fit
    k = len(fit.terms)
    cov = result.cov_params()
    # contr.sum: the last province's effect is minus the sum of the others
    contrast = np.vstack([np.eye(len(fit.provinces) - 1), -np.ones(len(fit.provinces) - 1)])
    fit.params, fit.params_se = result.params[:k], result.bse[:k]
    fit.province_effect = contrast @ result.params[k:]
    fit.province_se = np.sqrt(np.diag(contrast @ cov[k:, k:] @ contrast.T))
    fit.df = float(result.df_resid)
    return data, fit


def _design(data: pd.DataFrame, unit: str, provinces: list[str]) -> tuple[np.ndarray, list[str]]:
    counts = data["lao_type"].value_counts()
    reference = sorted(counts.index, key=lambda t: (-counts[t], t))[0]
    types = sorted(t for t in counts.index if t != reference)
    columns = {"intercept": np.ones(len(data))}
    columns.update({f"lao_type[{t}]": (data["lao_type"] == t).to_numpy(float) for t in types})
    for covariate in (LOG_AREA, AREA_MISSING):
        if data[covariate].nunique() > 1:
            columns[covariate] = data[covariate].to_numpy(float)
    last = (data[unit] == provinces[-1]).to_numpy(float)
    for p in provinces[:-1]:
        columns[f"_u[{p}]"] = (data[unit] == p).to_numpy(float) - last
    terms = [c for c in columns if not c.startswith("_u[")]
    return np.column_stack(list(columns.values())), terms


def self_vs_verified_gap(scored: pd.DataFrame, unit: str = "province_code",
                         indicator_scores: pd.DataFrame | None = None,
                         level: float = 1 - ALPHA) -> pd.DataFrame:
    """Self-assessed minus verified overall % per unit (positive = LAOs rated themselves higher).

    Columns: unit, n, mean_gap, median_gap, sd_gap, ci_low, ci_high (t interval of the mean),
    share_self_higher (LAOs with a positive gap, 0–1), disagreement_rate (with
    `indicator_scores`: share of counted indicator scores where the team changed the LAO's
    points; pilot and not-applicable rows excluded), note.
    """
    data = scored.assign(_gap=_gap(scored))
    disagreement = _disagreement(indicator_scores, unit) if indicator_scores is not None else {}
    rows = []
    for key, part in groups(data, [unit]):
        gap = values(part, "_gap")
        low, high, note = t_interval(gap, level)
        rows.append({**key, "n": len(gap), "mean_gap": gap.mean() if len(gap) else np.nan,
                     "median_gap": np.median(gap) if len(gap) else np.nan,
                     "sd_gap": gap.std(ddof=1) if len(gap) > 1 else np.nan,
                     "ci_low": low, "ci_high": high,
                     "share_self_higher": (gap > 0).mean() if len(gap) else np.nan,
                     "disagreement_rate": disagreement.get(key[unit], np.nan), "note": note})
    return tidy(rows, [unit, *GAP_COLUMNS])


def _disagreement(indicator_scores: pd.DataFrame, unit: str) -> dict:
    counted = indicator_scores[~indicator_scores["pilot"].astype(bool)
                               & ~indicator_scores["not_applicable"].astype(bool)]
    counted = counted.dropna(subset=["self_points", "verified_points"])
    changed = counted["self_points"] != counted["verified_points"]
    return changed.groupby(counted[unit]).mean().to_dict()
