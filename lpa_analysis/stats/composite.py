"""Composite-indicator audit, after the JRC COINr package and the OECD–JRC Handbook on
Constructing Composite Indicators (2008): are the indicators well behaved, do the dimensions
hang together, and how much do the ranks depend on the weighting and aggregation choices?

* `indicator_distribution` — skewness, kurtosis, zeros and N/A per indicator. Skewness and
  kurtosis are the sample-adjusted G1 and *excess* G2 (scipy `bias=False`; = R e1071 type 2 =
  Excel SKEW/KURT), which is what COINr's `skew()`/`kurt()` compute; its outlier rule flags an
  indicator when |skew| > 2 AND kurtosis > 3.5 (`flag_outliers`).
* `dimension_correlations` — Spearman correlations of the dimension scores, flagged when
  negative (a dimension pulling against the others) or above 0.92 (redundant).
* `cronbach_alpha` — internal consistency of each dimension's indicators, where they are the
  same for every LAO (within an LAO type); `dimension_alpha` — of the five dimension scores;
  `reliability` — both, nationally and per type, for the reports (hand-written: scipy and
  statsmodels have no Cronbach's α; the formulas are those of R psych::alpha).
* `pca_dimensions` — explained variance of the standardised dimension scores (numpy SVD).
* `rank_uncertainty` — sensitivity of the ranks to weights and method: Monte-Carlo ranks under
  perturbed dimension weights and the two overall methods (points vs mean of dimensions).
* `rank_bootstrap` — statistical uncertainty of the ranks: a bootstrap of the indicators
  within each dimension.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

from lpa_analysis.schema import DIM_PCT, DIMENSION_IDS
from lpa_analysis.settings import RANK_DRAWS, RANK_INTERVAL, RANK_PERTURBATION, RANK_SEED
from lpa_analysis.stats._common import (
    ALL_NOT_APPLICABLE, DIFFERENT_ITEMS, NO_VARIATION, NOT_ENOUGH_DATA, as_list, groups, tidy,
)

DISTRIBUTION_COLUMNS = ["indicator_id", "dimension", "pilot", "n", "n_not_applicable",
                        "n_missing", "share_not_applicable", "share_zero", "mean", "sd",
                        "skewness", "kurtosis", "flag_skew", "flag_kurtosis", "flag_outliers",
                        "note"]
CORRELATION_COLUMNS = ["measure_a", "measure_b", "n", "rho", "p_value", "flag", "note"]
ALPHA_COLUMNS = ["n_items", "n_constant_items", "n", "n_incomplete", "alpha", "std_alpha",
                 "average_r", "note"]
RELIABILITY_COLUMNS = ["scale", "group", *ALPHA_COLUMNS]
PCA_COLUMNS = ["component", "n", "eigenvalue", "explained", "cumulative"]
RANK_COLUMNS = ["lao_code", "rank_nominal", "rank_sens_median", "rank_sens_low",
                "rank_sens_high", "rank_sens_width", "n_sims", "methods", "note"]
BOOT_COLUMNS = ["lao_code", "rank_nominal", "rank_boot_median", "rank_boot_low",
                "rank_boot_high", "n_boot", "note"]
WEIGHT_COLUMNS = [f"w_d{d}" for d in DIMENSION_IDS]
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

    The items are the indicators that apply to the group's LAOs, the cases the LAOs scored on
    all of them (complete cases; the others are counted in n_incomplete). Indicators apply by
    LAO type, so nationally most dimensions mix LAOs assessed on different indicators: such a
    group has no α ('different_items': pairwise covariances would join items never scored on
    the same LAOs into one number describing no LAO). Use `by='lao_type'`, or `reliability`.
    Items every case scores alike carry no information and are left out (n_constant_items).

    Columns: *by, dimension, n_items (used), n_constant_items, n (complete cases),
    n_incomplete, alpha, std_alpha, average_r, note: see `_alpha`.
    """
    by = as_list(by)
    counted = indicator_scores[~indicator_scores["pilot"].astype(bool)]
    rows = []
    for key, part in groups(counted, by):
        for dimension in DIMENSION_IDS:
            rows.append({**key, "dimension": dimension,
                         **_dimension_alpha(part[part["dimension"] == dimension], value)})
    return tidy(rows, [*by, "dimension", *ALPHA_COLUMNS])


def _dimension_alpha(rows: pd.DataFrame, value: str) -> dict:
    not_applicable = rows["not_applicable"].astype(bool)
    items = rows.loc[~not_applicable, "indicator_id"].unique()
    if (not_applicable & rows["indicator_id"].isin(items)).any():
        return {"n_items": len(items), "note": DIFFERENT_ITEMS}
    wide = rows.loc[~not_applicable].drop_duplicates(["lao_code", "indicator_id"]).pivot(
        index="lao_code", columns="indicator_id", values=value)
    return _alpha(wide)


def dimension_alpha(scored: pd.DataFrame, measures: Sequence[str] = DIM_PCT,
                    by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Cronbach's α of the dimension scores as items (LAOs as cases): do the five dimensions
    measure one thing, as adding them into one overall score assumes?

    Columns: *by, n_items, n_constant_items, n (LAOs with every measure), n_incomplete, alpha,
    std_alpha, average_r, note (see `_alpha`).
    """
    by = as_list(by)
    rows = [{**key, **_alpha(part[list(measures)])} for key, part in groups(scored, by)]
    return tidy(rows, [*by, *ALPHA_COLUMNS])


def _alpha(items: pd.DataFrame) -> dict:
    """α = k/(k−1)·(1 − Σ var_i / var(Σ_i item_i)) over the complete cases (raw α, as R
    psych::alpha reports it); std_alpha = k·r̄/(1 + (k−1)·r̄) with r̄ the mean inter-item
    correlation (psych's std.alpha). Hand-written: scipy and statsmodels have no Cronbach's α.
    Fewer than 2 cases or non-constant items → 'not_enough_data' (or 'no_variation' when items
    were there but constant)."""
    items = items.apply(pd.to_numeric, errors="coerce").dropna(how="all")
    complete = items.dropna()
    out = {"n": len(complete), "n_incomplete": len(items) - len(complete)}
    if len(complete) < 2:
        return {**out, "n_items": items.shape[1], "note": NOT_ENOUGH_DATA}
    variance = complete.var(ddof=1)
    constant = variance.index[~(variance > 0)]
    complete = complete.drop(columns=constant)
    k = complete.shape[1]
    out.update(n_items=k, n_constant_items=len(constant))
    total = complete.sum(axis=1).var(ddof=1)
    if k < 2 or not total > 0:
        return {**out, "note": NO_VARIATION if len(constant) or k >= 2 else NOT_ENOUGH_DATA}
    corr = complete.corr().to_numpy()
    average_r = (corr.sum() - k) / (k * (k - 1))
    return {**out, "alpha": k / (k - 1) * (1 - variance.drop(constant).sum() / total),
            "std_alpha": k * average_r / (1 + (k - 1) * average_r),
            "average_r": average_r, "note": None}


def reliability(indicator_scores: pd.DataFrame, scored: pd.DataFrame,
                value: str = "attainment", by: str = "lao_type") -> pd.DataFrame:
    """The reports' reliability table: Cronbach's α of each dimension's indicators and of the
    five dimension scores, over all LAOs ('national') and per `by` group (LAO type: there the
    same indicators apply to every LAO, so the indicator α is estimable).

    Columns: scale ('dimension_1' … 'dimension_5': that dimension's indicators;
    'dimension_scores': d1–d5 as items), group ('national' or the `by` value), n_items,
    n_constant_items, n, n_incomplete, alpha, std_alpha, average_r, note.
    """
    parts = []
    for grouping in (None, by):
        group = (lambda d: "national") if grouping is None else (lambda d: d[by])
        indicators = cronbach_alpha(indicator_scores, value, by=grouping)
        parts.append(indicators.assign(scale="dimension_" + indicators["dimension"].astype(str),
                                       group=group))
        parts.append(dimension_alpha(scored, by=grouping).assign(scale="dimension_scores",
                                                                 group=group))
    table = pd.concat(parts, ignore_index=True)
    scales = [*(f"dimension_{d}" for d in DIMENSION_IDS), "dimension_scores"]
    table["order"] = table["scale"].map(scales.index)
    table = table.sort_values("order", kind="stable").reset_index(drop=True)
    return tidy(table.to_dict("records"), RELIABILITY_COLUMNS)


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
                     n_sims: int = RANK_DRAWS, seed: int = RANK_SEED,
                     perturbation: float = RANK_PERTURBATION,
                     methods: Sequence[str] = OVERALL_METHODS, within: str | None = None,
                     draws: pd.DataFrame | None = None,
                     interval: float = RANK_INTERVAL) -> pd.DataFrame:
    """Sensitivity of each LAO's rank to the weights and the overall method (Monte Carlo,
    as in the OECD–JRC Handbook §6): which ranks the same scores give under other plausible
    choices of construction. Not a statistical interval (see `rank_bootstrap`).

    Each draw (`weight_draws`, or the given `draws`) picks an overall method — 'points'
    (Σ points / Σ applicable max, i.e. dimension % weighted by the LAO's dimension maxima) or
    'mean_of_dimensions' (equal weights) — and multiplies each dimension's weight by
    U(1 − perturbation, 1 + perturbation), renormalised. Ranks are 1 = best, ties share the
    best rank (competition ranking), nationally or `within` a column such as 'province_code'.

    The interval is the hull of the nominal rank and the central `interval` of the simulated
    ranks (5th–95th percentile by default, R quantile type 1: ranks that occurred): the
    official weights and method are one of the configurations the question is about, so the
    ranks they give must lie in the answer, while a percentile band of random draws can miss
    them when the official configuration sits at the edge of what the draws produce.

    `dimension_max`: per-LAO maxima (`dimension_maxima(indicator_scores)`) or one maximum per
    dimension {1: …, 5: …}; without it 'points' cannot be formed and only mean_of_dimensions
    is drawn (the `methods` column says what was used).

    Columns: lao_code, [within], rank_nominal (rank of overall_pct among the LAOs simulated),
    rank_sens_median, rank_sens_low, rank_sens_high, rank_sens_width (high − low), n_sims,
    methods, note. LAOs lacking a dimension score (or maximum) get NaN ranks and
    'not_enough_data'.
    """
    pct = scored[DIM_PCT].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    maxima = _maxima(scored, dimension_max)
    if draws is None:
        methods = [m for m in methods if m != "points" or maxima is not None] or \
            ["mean_of_dimensions"]
        draws = weight_draws(n_sims, seed, perturbation, methods)
    methods = [m for m in OVERALL_METHODS if m in set(draws["method"])]
    if "points" in methods and maxima is None:
        raise ValueError("draws of the 'points' method need dimension_max")
    complete = ~np.isnan(pct).any(axis=1)
    if "points" in methods:
        complete &= ~np.isnan(maxima).any(axis=1) & (np.nan_to_num(maxima) > 0).any(axis=1)
    keys = [within] if within else []
    out = scored[["lao_code", *keys]].copy().reset_index(drop=True)
    out["n_sims"], out["methods"] = len(draws), "+".join(methods)
    out["note"] = np.where(complete, None, NOT_ENOUGH_DATA)

    if complete.any() and len(draws):
        scores = _weighted_scores(pct[complete], None if maxima is None else maxima[complete],
                                  draws)
        low, median, high, nominal = _rank_quantiles(scores, scored, complete, within,
                                                     interval)
        for column, values in (("rank_nominal", nominal), ("rank_sens_median", median),
                               ("rank_sens_low", np.minimum(low, nominal)),
                               ("rank_sens_high", np.maximum(high, nominal))):
            out.loc[complete, column] = values
        out["rank_sens_width"] = out["rank_sens_high"] - out["rank_sens_low"]
    return tidy(out.to_dict("records"), ["lao_code", *keys, *RANK_COLUMNS[1:]])


def weight_draws(n_sims: int = RANK_DRAWS, seed: int = RANK_SEED,
                 perturbation: float = RANK_PERTURBATION,
                 methods: Sequence[str] = OVERALL_METHODS) -> pd.DataFrame:
    """The Monte Carlo draws of `rank_uncertainty`: one row per draw, columns w_d1 … w_d5
    (each dimension's weight factor, U(1 − perturbation, 1 + perturbation)) and method (drawn
    uniformly from `methods`)."""
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - perturbation, 1 + perturbation, size=(n_sims, len(DIMENSION_IDS)))
    method = rng.choice(len(methods), size=n_sims)
    return pd.DataFrame(factors, columns=WEIGHT_COLUMNS).assign(
        method=np.asarray(methods, dtype=object)[method])


def _maxima(scored: pd.DataFrame,
            dimension_max: pd.DataFrame | Mapping[int, float] | None) -> np.ndarray | None:
    if dimension_max is None:
        return None
    if isinstance(dimension_max, pd.DataFrame):
        aligned = scored[["lao_code"]].merge(dimension_max, on="lao_code", how="left")
        return aligned[MAX_COLUMNS].to_numpy(float)
    per_dimension = np.array([float(dimension_max[d]) for d in DIMENSION_IDS])
    return np.tile(per_dimension, (len(scored), 1))


def _weighted_scores(pct: np.ndarray, maxima: np.ndarray | None,
                     draws: pd.DataFrame) -> np.ndarray:
    """Draws × LAOs matrix of overall scores (vectorised: two matrix products). Draws are rows
    so that ranking runs along contiguous memory (about twice as fast as along columns)."""
    factors = draws[WEIGHT_COLUMNS].to_numpy(float)
    method = draws["method"].to_numpy()
    scores = np.empty((len(draws), len(pct)))
    for name in OVERALL_METHODS:
        draw = method == name
        if not draw.any():
            continue
        f = factors[draw]  # draws × dimensions
        if name == "points":
            scores[draw] = (f @ (pct * maxima).T) / (f @ maxima.T)
        else:
            scores[draw] = (f @ pct.T) / f.sum(axis=1, keepdims=True)
    return scores


def _rank_quantiles(scores: np.ndarray, scored: pd.DataFrame, rows: np.ndarray,
                    within: str | None, interval: float) -> tuple[np.ndarray, ...]:
    """Low, median and high simulated rank, and the nominal rank, of the LAOs in `rows`."""
    nominal = pd.to_numeric(scored["overall_pct"], errors="coerce").to_numpy(float)
    # LAOs with no `within` value are ranked among themselves, not dropped
    group = (pd.factorize(scored[within], use_na_sentinel=False)[0][rows] if within
             else np.zeros(rows.sum(), dtype=int))
    ranks, nominal_rank = _ranks(scores, nominal[rows], group)
    tail = (1 - interval) / 2
    # inverted-CDF quantiles (R type 1) are ranks that occurred: whole numbers
    low, median, high = np.quantile(ranks, [tail, 0.5, 1 - tail], axis=1,
                                    method="inverted_cdf")
    return low, median, high, nominal_rank


def _ranks(scores: np.ndarray, nominal: np.ndarray,
           group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAOs × draws ranks (1 = best, ties share the best rank; a missing score ranks last)
    and the nominal ranks."""
    ranks = np.empty(scores.shape[::-1])
    nominal_rank = np.empty(len(nominal))
    # ties are common (points are discrete); rounding keeps float noise from breaking them
    scores, nominal = np.round(scores, 9), np.round(nominal, 9)
    scores = np.where(np.isnan(scores), -np.inf, scores)
    for g in np.unique(group):
        cols = group == g
        ranks[cols] = st.rankdata(-scores[:, cols], method="min", axis=1).T
        nominal_rank[cols] = st.rankdata(-nominal[cols], method="min", nan_policy="omit")
    return ranks, nominal_rank


def rank_bootstrap(indicator_scores: pd.DataFrame, scored: pd.DataFrame,
                   overall_method: str = "points", n_boot: int = RANK_DRAWS,
                   seed: int = RANK_SEED, interval: float = RANK_INTERVAL,
                   within: str | None = None, chunk: int = 100) -> pd.DataFrame:
    """Statistical uncertainty of each LAO's rank: how far it could move had the framework
    sampled other indicators of the same dimensions (nonparametric bootstrap of the
    indicators within each dimension, Efron; the analogue for indicators of `league_table`'s
    bootstrap of LAOs within provinces, with the same interval, quantiles, ties and settings).

    Each replicate draws, for every dimension, as many of its counted (non-pilot) indicators as
    it has, with replacement, the same ones for every LAO; each LAO's dimension % is its points
    over the applicable maximum of the drawn indicators (an indicator drawn twice counts
    twice; N/A ones leave, unverified ones earn 0, as in scoring), its overall % by
    `overall_method` (the framework's), and the LAOs are re-ranked. Counted indicators without
    a row are left out, as in `dimension_maxima`. An LAO with no applicable indicator drawn
    ranks last in that replicate.

    Columns: lao_code, [within], rank_nominal (rank of overall_pct, as in rank_uncertainty),
    rank_boot_median, rank_boot_low, rank_boot_high (the central `interval` of the bootstrap
    ranks, R quantile type 1), n_boot, note. The interval is not forced to contain the
    nominal rank: a percentile interval of a rank can exclude it (ranks near the top can only
    fall). LAOs without overall_pct or indicator rows → NaN and 'not_enough_data'.
    """
    points, maxima, dimension = _indicator_matrices(indicator_scores, scored["lao_code"])
    nominal = pd.to_numeric(scored["overall_pct"], errors="coerce").to_numpy(float)
    complete = ~np.isnan(nominal) & (maxima.sum(axis=1) > 0)
    keys = [within] if within else []
    out = scored[["lao_code", *keys]].copy().reset_index(drop=True)
    out["n_boot"] = n_boot
    out["note"] = np.where(complete, None, NOT_ENOUGH_DATA)
    if complete.any() and n_boot > 0:
        rng = np.random.default_rng(seed)
        scores = np.concatenate([
            _resampled_scores(points[complete], maxima[complete], dimension, overall_method,
                              rng, min(chunk, n_boot - start))
            for start in range(0, n_boot, chunk)])
        low, median, high, rank = _rank_quantiles(scores, scored, complete, within, interval)
        for column, values in (("rank_nominal", rank), ("rank_boot_median", median),
                               ("rank_boot_low", low), ("rank_boot_high", high)):
            out.loc[complete, column] = values
    return tidy(out.to_dict("records"), ["lao_code", *keys, *BOOT_COLUMNS[1:]])


def _indicator_matrices(indicator_scores: pd.DataFrame,
                        lao_codes: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LAOs × counted indicators: verified points and applicable maximum (0 where N/A or no
    row), and each indicator's dimension."""
    counted = indicator_scores[~indicator_scores["pilot"].astype(bool)]
    applicable = counted.loc[~counted["not_applicable"].astype(bool)].assign(
        points=lambda d: pd.to_numeric(d["verified_points"], errors="coerce").fillna(0.0),
        max_points=lambda d: d["max_points"].astype(float))
    dimension = counted.drop_duplicates("indicator_id").set_index("indicator_id")["dimension"]
    dimension = dimension.sort_index()
    wide = applicable.pivot_table(index="lao_code", columns="indicator_id",
                                  values=["points", "max_points"], aggfunc="sum",
                                  observed=True, fill_value=0.0)
    wide = wide.reindex(index=lao_codes.to_numpy(), fill_value=0.0)
    points = wide["points"].reindex(columns=dimension.index, fill_value=0.0).to_numpy(float)
    maxima = wide["max_points"].reindex(columns=dimension.index, fill_value=0.0).to_numpy(float)
    return points, maxima, dimension.to_numpy()


def _resampled_scores(points: np.ndarray, maxima: np.ndarray, dimension: np.ndarray,
                      overall_method: str, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Replicates × LAOs overall % with the indicators of each dimension resampled."""
    got, top, pct = np.zeros((n_boot, len(points))), np.zeros((n_boot, len(points))), []
    for d in DIMENSION_IDS:
        items = dimension == d
        k = int(items.sum())
        if not k:
            continue
        counts = rng.multinomial(k, np.full(k, 1 / k), size=n_boot)  # how often each is drawn
        got_d, top_d = counts @ points[:, items].T, counts @ maxima[:, items].T
        got, top = got + got_d, top + top_d
        with np.errstate(invalid="ignore", divide="ignore"):
            pct.append(100 * got_d / top_d)
    with np.errstate(invalid="ignore", divide="ignore"):
        if overall_method == "points":
            return 100 * got / top
    with warnings.catch_warnings():  # an LAO with no dimension drawn: NaN, ranked last
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(pct), axis=0)
