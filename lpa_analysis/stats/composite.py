"""Composite-indicator audit, after the JRC COINr package and the OECD–JRC Handbook on
Constructing Composite Indicators (2008): are the indicators well behaved, do the dimensions
hang together, and how much do the ranks depend on the weighting and aggregation choices?

* `indicator_distribution` — skewness, kurtosis, zeros and N/A per indicator. Skewness and
  kurtosis are the sample-adjusted G1 and *excess* G2 (scipy `bias=False`; = R e1071 type 2 =
  Excel SKEW/KURT), which is what COINr's `skew()`/`kurt()` compute; its outlier rule flags an
  indicator when |skew| > 2 AND kurtosis > 3.5 (`flag_outliers`).
* `dimension_correlations` — Spearman correlations of the dimension scores, flagged when
  negative (a dimension pulling against the others) or above 0.92 (redundant).
* `cronbach_alpha` — internal consistency of each dimension's indicators (hand-written: scipy
  and statsmodels have no Cronbach's α; the formulas are those of R psych::alpha).
* `pca_dimensions` — explained variance of the standardised dimension scores (numpy SVD).
* `rank_uncertainty` — Monte-Carlo ranks under perturbed dimension weights and the two overall
  methods (points vs mean of dimensions): each LAO's median rank and 5–95 % rank interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.schema import DIM_PCT, DIMENSION_IDS
from lpa_analysis.stats._common import (
    ALL_NOT_APPLICABLE, NO_VARIATION, NOT_ENOUGH_DATA, as_list, groups, tidy,
)

DISTRIBUTION_COLUMNS = ["indicator_id", "dimension", "pilot", "n", "n_not_applicable",
                        "n_missing", "share_not_applicable", "share_zero", "mean", "sd",
                        "skewness", "kurtosis", "flag_skew", "flag_kurtosis", "flag_outliers",
                        "note"]
CORRELATION_COLUMNS = ["measure_a", "measure_b", "n", "rho", "p_value", "flag", "note"]
ALPHA_COLUMNS = ["dimension", "n_items", "n_constant_items", "n", "alpha", "std_alpha",
                 "average_r", "note"]
PCA_COLUMNS = ["component", "n", "eigenvalue", "explained", "cumulative"]
RANK_COLUMNS = ["lao_code", "rank_nominal", "rank_median", "rank_p05", "rank_p95",
                "rank_interval", "n_sims", "methods", "note"]
MAX_COLUMNS = [f"max_d{d}" for d in DIMENSION_IDS]
OVERALL_METHODS = ("points", "mean_of_dimensions")


# ----------------------------------------------------------------------------- indicators

def indicator_distribution(indicator_scores: pd.DataFrame, value: str = "attainment",
                           skew_limit: float = 2.0,
                           kurtosis_limit: float = 3.5) -> pd.DataFrame:
    """One row per indicator: how its verified scores are distributed over the LAOs.

    Columns: indicator_id, dimension, pilot, n (LAOs with a score), n_not_applicable,
    n_missing (applicable but no score), share_not_applicable (of all rows), share_zero (of
    n), mean, sd, skewness (G1), kurtosis (excess G2; a normal distribution has 0), flag_skew
    (|skew| > skew_limit), flag_kurtosis (kurtosis > kurtosis_limit), flag_outliers (both: the
    COINr rule), note. Skewness needs 3 scores and kurtosis 4 ('not_enough_data' below that,
    as in COINr); identical scores → 'no_variation'; every row N/A → 'all_not_applicable'.
    Pilot indicators are described too (pilot = True).
    """
    rows = []
    for key, part in groups(indicator_scores, ["indicator_id"]):
        na = part["not_applicable"].astype(bool)
        x = pd.to_numeric(part.loc[~na, value], errors="coerce")
        rows.append({**key, "dimension": part["dimension"].iloc[0] if len(part) else np.nan,
                     "pilot": bool(part["pilot"].astype(bool).any()),
                     "n_not_applicable": int(na.sum()), "n_missing": int(x.isna().sum()),
                     "share_not_applicable": na.mean() if len(part) else np.nan,
                     **_shape(x.dropna().to_numpy(float), skew_limit, kurtosis_limit,
                              all_na=len(part) > 0 and bool(na.all()))})
    return tidy(rows, DISTRIBUTION_COLUMNS)


def _shape(x: np.ndarray, skew_limit: float, kurtosis_limit: float, all_na: bool) -> dict:
    n = len(x)
    out = {"n": n, "share_zero": np.mean(x == 0) if n else np.nan,
           "mean": x.mean() if n else np.nan, "sd": x.std(ddof=1) if n > 1 else np.nan}
    if n and np.ptp(x) == 0:
        return {**out, "note": NO_VARIATION}
    if n >= 3:
        out["skewness"] = st.skew(x, bias=False)
    if n >= 4:
        out["kurtosis"] = st.kurtosis(x, fisher=True, bias=False)
        out["flag_skew"] = bool(abs(out["skewness"]) > skew_limit)
        out["flag_kurtosis"] = bool(out["kurtosis"] > kurtosis_limit)
        out["flag_outliers"] = out["flag_skew"] and out["flag_kurtosis"]
        return {**out, "note": None}
    return {**out, "note": ALL_NOT_APPLICABLE if all_na else NOT_ENOUGH_DATA}


# ----------------------------------------------------------------------------- dimensions

def dimension_correlations(scored: pd.DataFrame, measures: Sequence[str] = DIM_PCT,
                           redundant_above: float = 0.92) -> pd.DataFrame:
    """Spearman correlation of every pair of measures (default the five dimension scores),
    long format: one row per pair (a before b in `measures` order).

    Columns: measure_a, measure_b, n (LAOs with both), rho, p_value (scipy: t approximation,
    as R cor.test(method='spearman', exact=FALSE)), flag ('negative' | 'redundant' | None),
    note. `pivot(index='measure_a', columns='measure_b', values='rho')` gives the matrix.
    """
    rows = []
    for i, a in enumerate(measures):
        for b in measures[i + 1:]:
            pair = scored[[a, b]].apply(pd.to_numeric, errors="coerce").dropna()
            rows.append({"measure_a": a, "measure_b": b, "n": len(pair),
                         **_spearman(pair[a].to_numpy(float), pair[b].to_numpy(float),
                                     redundant_above)})
    return tidy(rows, CORRELATION_COLUMNS)


def _spearman(a: np.ndarray, b: np.ndarray, redundant_above: float) -> dict:
    if len(a) < 3:
        return {"note": NOT_ENOUGH_DATA}
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return {"note": NO_VARIATION}
    rho, p = st.spearmanr(a, b)
    flag = "negative" if rho < 0 else "redundant" if rho > redundant_above else None
    return {"rho": float(rho), "p_value": float(p), "flag": flag, "note": None}


def cronbach_alpha(indicator_scores: pd.DataFrame, value: str = "attainment",
                   by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Cronbach's α of each dimension's counted indicators (pilot ones left out), per group.

    α = k/(k−1)·(1 − Σ var_i / Σ cov_ij) from pairwise-complete covariances, so an indicator
    not applicable to a type only removes those pairs (R psych::alpha, use='pairwise', its
    raw_alpha); std_alpha = k·r̄/(1 + (k−1)·r̄) with r̄ the average inter-item correlation
    (psych's std.alpha; correlations from the covariances, R cov2cor). Items every LAO scores
    alike carry no information and are left out (counted in n_constant_items).

    Columns: *by, dimension, n_items (used), n_constant_items, n (LAOs with any score),
    alpha, std_alpha, average_r, note (fewer than 2 usable items → 'not_enough_data' or
    'no_variation'). A dimension whose indicators apply to disjoint LAO
    types (two items never scored on the same LAO) has no national α ('not_enough_data'):
    use `by='lao_type'`.
    """
    by = as_list(by)
    counted = indicator_scores[~indicator_scores["pilot"].astype(bool)]
    rows = []
    for key, part in groups(counted, by):
        for dimension in DIMENSION_IDS:
            rows_d = part.loc[part["dimension"] == dimension, ["lao_code", "indicator_id", value]]
            items = rows_d.drop_duplicates(["lao_code", "indicator_id"]).pivot(
                index="lao_code", columns="indicator_id", values=value)
            rows.append({**key, "dimension": dimension, **_alpha(items)})
    return tidy(rows, [*by, *ALPHA_COLUMNS])


def _alpha(items: pd.DataFrame) -> dict:
    items = items.apply(pd.to_numeric, errors="coerce").dropna(how="all")
    variance = items.var(ddof=1)
    constant = variance.index[~(variance > 0)]
    items = items.drop(columns=constant)
    k = items.shape[1]
    out = {"n_items": k, "n_constant_items": len(constant), "n": len(items)}
    if k < 2:
        return {**out, "note": NO_VARIATION if len(constant) and len(items) > 1
                else NOT_ENOUGH_DATA}
    cov = items.cov(min_periods=2).to_numpy()
    if np.isnan(cov).any():  # two items never scored on the same LAO
        return {**out, "note": NOT_ENOUGH_DATA}
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)  # R cov2cor, as psych does (≠ pairwise cor with missing)
    average_r = (corr.sum() - k) / (k * (k - 1))
    return {**out, "alpha": k / (k - 1) * (1 - np.trace(cov) / cov.sum()),
            "std_alpha": k * average_r / (1 + (k - 1) * average_r),
            "average_r": average_r, "note": None}


def pca_dimensions(scored: pd.DataFrame, measures: Sequence[str] = DIM_PCT) -> pd.DataFrame:
    """Principal components of the standardised measures (LAOs with all of them).

    One row per component: component (1…), n, eigenvalue (variance of the component; > 1 is
    the Kaiser rule), explained (share of the total variance, 0–1), cumulative, then one
    loading column per measure (unit eigenvector, signed so that the loadings sum ≥ 0).
    Equals R prcomp(scale. = TRUE): sdev² and rotation. Fewer than 3 LAOs, or a measure that
    does not vary, → one row with component None and the note.
    """
    measures = list(measures)
    data = scored[measures].apply(pd.to_numeric, errors="coerce").dropna().to_numpy(float)
    columns = [*PCA_COLUMNS, *measures, "note"]
    n = len(data)
    if n < 3:
        return tidy([{"component": None, "n": n, "note": NOT_ENOUGH_DATA}], columns)
    sd = data.std(axis=0, ddof=1)
    if not (sd > 0).all():
        return tidy([{"component": None, "n": n, "note": NO_VARIATION}], columns)
    z = (data - data.mean(axis=0)) / sd
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    eigenvalue = s**2 / (n - 1)
    vt *= np.where(vt.sum(axis=1) < 0, -1.0, 1.0)[:, None]
    explained = eigenvalue / eigenvalue.sum()
    rows = [{"component": i + 1, "n": n, "eigenvalue": eigenvalue[i], "explained": explained[i],
             "cumulative": explained[: i + 1].sum(), **dict(zip(measures, vt[i], strict=True)),
             "note": None} for i in range(len(eigenvalue))]
    return tidy(rows, columns)


# ----------------------------------------------------------------------------- ranks

def dimension_maxima(indicator_scores: pd.DataFrame) -> pd.DataFrame:
    """Each LAO's applicable maximum points per dimension (counted, applicable indicators),
    for the 'points' overall method. Columns: lao_code, max_d1 … max_d5."""
    counted = indicator_scores[~indicator_scores["pilot"].astype(bool)
                               & ~indicator_scores["not_applicable"].astype(bool)]
    wide = counted.pivot_table(index="lao_code", columns="dimension", values="max_points",
                               aggfunc="sum", observed=True)
    wide = wide.reindex(columns=DIMENSION_IDS).fillna(0.0)
    wide.columns = MAX_COLUMNS
    return wide.reset_index()


def rank_uncertainty(scored: pd.DataFrame,
                     dimension_max: pd.DataFrame | Mapping[int, float] | None = None,
                     n_sims: int = 1000, seed: int = 2566, perturbation: float = 0.25,
                     methods: Sequence[str] = OVERALL_METHODS,
                     within: str | None = None) -> pd.DataFrame:
    """How much each LAO's rank depends on the weights and the overall method (Monte Carlo).

    Each of `n_sims` draws picks an overall method at random from `methods` — 'points'
    (Σ points / Σ applicable max, i.e. dimension % weighted by the LAO's dimension maxima) or
    'mean_of_dimensions' (equal weights) — and multiplies each dimension's weight by
    U(1 − perturbation, 1 + perturbation), renormalised. Ranks are 1 = best, ties share the
    best rank (competition ranking), nationally or `within` a column such as 'province_code'.

    `dimension_max`: per-LAO maxima (`dimension_maxima(indicator_scores)`) or one maximum per
    dimension {1: …, 5: …}; without it 'points' cannot be formed and only mean_of_dimensions
    is drawn (the `methods` column says what was used).

    Columns: lao_code, [within], rank_nominal (rank of overall_pct among the LAOs simulated),
    rank_median, rank_p05, rank_p95 (ranks that occurred in the draws: R quantile type 1),
    rank_interval (p95 − p05), n_sims, methods, note. LAOs
    lacking a dimension score (or maximum) get NaN ranks and 'not_enough_data'.
    """
    pct = scored[DIM_PCT].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    maxima = _maxima(scored, dimension_max)
    methods = [m for m in methods if m != "points" or maxima is not None] or \
        ["mean_of_dimensions"]
    complete = ~np.isnan(pct).any(axis=1)
    if "points" in methods:
        complete &= ~np.isnan(maxima).any(axis=1) & (np.nan_to_num(maxima) > 0).any(axis=1)
    keys = [within] if within else []
    out = scored[["lao_code", *keys]].copy().reset_index(drop=True)
    out["n_sims"], out["methods"] = n_sims, "+".join(methods)
    out["note"] = np.where(complete, None, NOT_ENOUGH_DATA)

    if complete.any() and n_sims > 0:
        scores = _simulated_scores(pct[complete], None if maxima is None else maxima[complete],
                                   n_sims, seed, perturbation, methods)
        nominal = pd.to_numeric(scored["overall_pct"], errors="coerce").to_numpy(float)
        # LAOs with no `within` value are ranked among themselves, not dropped
        group = (pd.factorize(scored[within], use_na_sentinel=False)[0][complete] if within
                 else np.zeros(complete.sum(), dtype=int))
        ranks, nominal_rank = _ranks(scores, nominal[complete], group)
        # inverted-CDF quantiles (R type 1) are ranks that occurred: whole numbers
        q05, q50, q95 = np.quantile(ranks, [0.05, 0.5, 0.95], axis=1, method="inverted_cdf")
        for column, values in (("rank_nominal", nominal_rank), ("rank_median", q50),
                               ("rank_p05", q05), ("rank_p95", q95)):
            out.loc[complete, column] = values
        out["rank_interval"] = out["rank_p95"] - out["rank_p05"]
    return tidy(out.to_dict("records"), ["lao_code", *keys, *RANK_COLUMNS[1:]])


def _maxima(scored: pd.DataFrame,
            dimension_max: pd.DataFrame | Mapping[int, float] | None) -> np.ndarray | None:
    if dimension_max is None:
        return None
    if isinstance(dimension_max, pd.DataFrame):
        aligned = scored[["lao_code"]].merge(dimension_max, on="lao_code", how="left")
        return aligned[MAX_COLUMNS].to_numpy(float)
    per_dimension = np.array([float(dimension_max[d]) for d in DIMENSION_IDS])
    return np.tile(per_dimension, (len(scored), 1))


def _simulated_scores(pct: np.ndarray, maxima: np.ndarray | None, n_sims: int, seed: int,
                      perturbation: float, methods: Sequence[str]) -> np.ndarray:
    """Draws × LAOs matrix of overall scores (vectorised: two matrix products). Draws are rows
    so that ranking runs along contiguous memory (about twice as fast as along columns)."""
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - perturbation, 1 + perturbation, size=(n_sims, pct.shape[1]))
    method = rng.choice(len(methods), size=n_sims)
    scores = np.empty((n_sims, len(pct)))
    for index, name in enumerate(methods):
        draw = method == index
        f = factors[draw]  # draws × dimensions
        if name == "points":
            scores[draw] = (f @ (pct * maxima).T) / (f @ maxima.T)
        else:
            scores[draw] = (f @ pct.T) / f.sum(axis=1, keepdims=True)
    return scores


def _ranks(scores: np.ndarray, nominal: np.ndarray,
           group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAOs × draws ranks (1 = best, ties share the best rank) and the nominal ranks."""
    ranks = np.empty(scores.shape[::-1])
    nominal_rank = np.empty(len(nominal))
    # ties are common (points are discrete); rounding keeps float noise from breaking them
    scores, nominal = np.round(scores, 9), np.round(nominal, 9)
    for g in np.unique(group):
        cols = group == g
        ranks[cols] = st.rankdata(-scores[:, cols], method="min", axis=1).T
        nominal_rank[cols] = st.rankdata(-nominal[cols], method="min", nan_policy="omit")
    return ranks, nominal_rank
