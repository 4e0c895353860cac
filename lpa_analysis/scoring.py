"""Scoring engine: verified (and self-assessed) points → dimension %, overall %, pass, band, ranks.

Driven only by the framework. The rules, for one LAO:

- An indicator *counts* for an LAO when it is not a pilot and applies to the LAO's type.
- A counted indicator marked `not_applicable` leaves both the points and the denominator.
- Every other counted indicator is in the denominator with its `max_points`, and earns its
  verified points. **Unverified** (`verified_points` NaN) earns 0: only verified work scores.
  A counted indicator with **no row at all** also earns 0 of its maximum (silence is not N/A;
  the rows are listed in `ScoringResult.missing` so the build can report them). Self-assessed
  scores use `self_points` the same way (NaN → 0) over the same denominator. The indicator
  table's `attainment` (verified / max) follows the same rule: 0 when unverified, NaN when N/A.
- Dimension % = points × 100 / applicable maximum; NaN when no counted indicator of the
  dimension is applicable (all N/A, or none applies to the type).
- Overall % by `framework.overall_method`: 'points' = all points × 100 / all maxima;
  'mean_of_dimensions' = mean of the dimension % that are not NaN. NaN if nothing applies.
- passed = overall ≥ `framework.pass_threshold`; band = the highest band whose minimum the overall
  reaches. A value within 1e-9 of a boundary counts as reaching it (float noise of a mean of
  fractions must not demote 80 % to "good"). NaN overall → passed and band are NA.
- gap_overall = self_overall_pct − overall_pct (positive: the LAO rated itself higher).
- Ranks on overall_pct, descending, competition ranking (1, 2, 2, 4) with ties explicit;
  values equal within 1e-9 tie. NaN overall → NA rank. National, within province, within
  province × LAO type.

A registry LAO without any score row gets no row in `laos` (the build reports coverage).
Percentages are full floats; rounding to 2 decimals is for publication only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lpa_analysis.errors import InputError
from lpa_analysis.log import log
from lpa_analysis.schema import (
    DIM_PCT, DIMENSION_IDS, INDICATOR_SCORES_COLUMNS, REGISTRY_COLUMNS, SCORED_LAOS_COLUMNS,
    SCORES_COLUMNS, SOURCE_ROW, Framework, LaoType,
)

BOUNDARY_EPS = 1e-9  # pass and band comparisons absorb float noise of this size
MISSING_COLUMNS = ["lao_code", "indicator_id", "dimension"]
_TYPES = [t.value for t in LaoType]
_N_DIM = len(DIMENSION_IDS)
_SHOWN_ROWS = 5  # source rows quoted in an error message


@dataclass
class ScoringResult:
    laos: pd.DataFrame  # one row per scored LAO, columns schema.SCORED_LAOS_COLUMNS
    indicators: pd.DataFrame  # one row per input score row, schema.INDICATOR_SCORES_COLUMNS
    # Counted indicators without any row for a scored LAO (scored as 0 points): MISSING_COLUMNS.
    missing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MISSING_COLUMNS))


@dataclass(frozen=True)
class _FrameworkArrays:
    """The framework as arrays indexed by indicator position (framework order)."""

    ids: pd.Index
    dim: np.ndarray  # 0-based dimension
    max_points: np.ndarray
    pilot: np.ndarray
    counts_for_type: np.ndarray  # [type, indicator]: applies and not pilot

    @classmethod
    def of(cls, framework: Framework) -> _FrameworkArrays:
        inds = framework.indicators
        pilot = np.array([i.pilot for i in inds], dtype=bool)
        applies = np.array([[i.applies(t) for i in inds] for t in _TYPES], dtype=bool)
        return cls(
            ids=pd.Index([i.id for i in inds]),
            dim=np.array([i.dimension - 1 for i in inds], dtype=np.int64),
            max_points=np.array([i.max_points for i in inds], dtype=float),
            pilot=pilot,
            counts_for_type=applies & ~pilot,
        )

    def per_type_dim(self, weights: np.ndarray) -> np.ndarray:
        """[type, dim] sums of `weights` over the indicators that count for the type."""
        onehot = np.zeros((len(self.ids), _N_DIM))
        onehot[np.arange(len(self.ids)), self.dim] = 1.0
        return (self.counts_for_type * weights) @ onehot


def _require_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what} lacks columns {missing}")


def _rows_hint(scores: pd.DataFrame, mask: np.ndarray) -> str:
    rows = scores[SOURCE_ROW].to_numpy()[mask][:_SHOWN_ROWS]
    more = " …" if mask.sum() > _SHOWN_ROWS else ""
    return f"{int(mask.sum())} rows, e.g. rows {', '.join(str(r) for r in rows)}{more}"


def _lookup(index: pd.Index, values: pd.Series) -> np.ndarray:
    """index.get_indexer(values) via the few distinct values (fast on millions of strings)."""
    codes, uniques = pd.factorize(values)
    found = np.append(index.get_indexer(uniques), -1)  # code -1 (missing value) → not found
    return found[codes]


def _positions(scores: pd.DataFrame, registry: pd.DataFrame, fw: _FrameworkArrays):
    """Registry position of each row's LAO, framework position of its indicator, LAO types.

    The quality gate removes rows that cannot be scored; finding one here is an input error.
    """
    codes = pd.Index(registry["lao_code"])
    if codes.has_duplicates:
        dupes = codes[codes.duplicated()].unique()[:_SHOWN_ROWS].tolist()
        raise InputError(f"registry has duplicate lao_code values: {dupes}")
    lao_type = pd.Categorical(registry["lao_type"], categories=_TYPES).codes.astype(np.int64)
    if (lao_type < 0).any():
        bad = registry["lao_type"][lao_type < 0].unique()[:_SHOWN_ROWS].tolist()
        raise InputError(f"registry has unknown lao_type values: {bad}")
    lao_pos = _lookup(codes, scores["lao_code"])
    if (lao_pos < 0).any():
        raise InputError("scores name LAOs that are not in the registry "
                         f"({_rows_hint(scores, lao_pos < 0)}); run the quality gate first")
    ind_pos = _lookup(fw.ids, scores["indicator_id"])
    if (ind_pos < 0).any():
        raise InputError("scores name indicators that are not in the framework "
                         f"({_rows_hint(scores, ind_pos < 0)}); run the quality gate first")
    pair = lao_pos * len(fw.ids) + ind_pos
    dup = pd.Index(pair).duplicated(keep=False)
    if dup.any():
        raise InputError("scores give the same (LAO, indicator) more than once "
                         f"({_rows_hint(scores, dup)}); run the quality gate first")
    return lao_pos, ind_pos, lao_type, pair


def _points(values: pd.Series) -> np.ndarray:
    """Points as float, NaN where missing (whatever nullable dtype a reader produced)."""
    return values.to_numpy(dtype=float, na_value=np.nan)


def _sum_by_lao_dim(key: np.ndarray, mask: np.ndarray, weights: np.ndarray, n_laos: int):
    sums = np.bincount(key[mask], weights=weights[mask], minlength=n_laos * _N_DIM)
    return sums.reshape(n_laos, _N_DIM)


def _pct(points: np.ndarray, maxima: np.ndarray, applicable: np.ndarray) -> np.ndarray:
    # points × 100 / max (not points / max × 100): exact whenever the true % is representable.
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(applicable, points * 100.0 / maxima, np.nan)


def _overall(pct: np.ndarray, points: np.ndarray, maxima: np.ndarray, applicable: np.ndarray,
             method: str) -> np.ndarray:
    if method == "points":
        return _pct(points.sum(axis=1), maxima.sum(axis=1), applicable.any(axis=1))
    return pd.DataFrame(pct).mean(axis=1, skipna=True).to_numpy()


def _passed(overall: pd.Series, framework: Framework) -> pd.Series:
    passed = pd.Series(overall >= framework.pass_threshold - BOUNDARY_EPS, dtype="boolean")
    return passed.mask(overall.isna())


def _band(overall: pd.Series, framework: Framework) -> pd.Series:
    values = overall.to_numpy()
    band = np.select([values >= b.min_pct - BOUNDARY_EPS for b in framework.bands],
                     [b.id for b in framework.bands], default="")
    return pd.Series(band, index=overall.index, dtype="str").mask(overall.isna())


def _majority_team(lao_pos: np.ndarray, teams: pd.Series, n_laos: int) -> np.ndarray:
    """Each LAO's most frequent assessor team; a tie goes to the first name in sort order."""
    team_code, names = pd.factorize(teams, sort=True)
    ok = team_code >= 0
    pairs = pd.DataFrame({"lao": lao_pos[ok], "team": team_code[ok]})
    counts = pairs.value_counts().reset_index(name="n")
    counts = counts.sort_values(["lao", "n", "team"], ascending=[True, False, True])
    best = counts.drop_duplicates("lao")
    out = np.full(n_laos, None, dtype=object)
    out[best["lao"].to_numpy()] = np.asarray(names)[best["team"].to_numpy()]
    return out


def _rank(overall: pd.Series, groups: list[pd.Series] | None = None) -> pd.Series:
    # Round away float noise only for the comparison, so equal scores tie.
    key = overall.round(9)
    ranked = (key.rank(method="min", ascending=False) if groups is None
              else key.groupby(groups).rank(method="min", ascending=False))
    return ranked.astype("Int64")


def _missing_rows(has_rows: np.ndarray, lao_type: np.ndarray, pair: np.ndarray,
                  counted: np.ndarray, fw: _FrameworkArrays, registry: pd.DataFrame):
    """(LAO, indicator) pairs that count for a scored LAO but have no row."""
    n_ind = len(fw.ids)
    expected = fw.counts_for_type.sum(axis=1)[lao_type]
    present = np.bincount(pair[counted] // n_ind, minlength=len(lao_type))
    short = np.flatnonzero(has_rows & (present < expected))
    rows, ind = np.nonzero(fw.counts_for_type[lao_type[short]])
    lao = short[rows]
    absent = ~np.isin(lao * n_ind + ind, pair[counted])
    return pd.DataFrame({
        "lao_code": registry["lao_code"].to_numpy()[lao[absent]],
        "indicator_id": fw.ids.to_numpy()[ind[absent]],
        "dimension": fw.dim[ind[absent]] + 1,
    }, columns=MISSING_COLUMNS)


def _indicator_table(scores, registry, fw, lao_pos, ind_pos, na) -> pd.DataFrame:
    """Every input row with its framework and registry facts, sorted by LAO and indicator."""
    order = np.lexsort((ind_pos, lao_pos))
    lao, ind, na = lao_pos[order], ind_pos[order], na[order]
    rows = scores[["lao_code", "indicator_id", "assessor_team", "self_points", "verified_points",
                   SOURCE_ROW]].take(order).reset_index(drop=True)
    max_points = fw.max_points[ind]
    rows["verified_points"] = _points(rows["verified_points"])
    rows["self_points"] = _points(rows["self_points"])
    # Unverified (NaN) attains 0, as it scores 0: one rule for scores and indicator tables.
    attainment = np.where(na, np.nan, rows["verified_points"].fillna(0.0) / max_points)
    self_attainment = np.where(na, np.nan, rows["self_points"].fillna(0.0) / max_points)
    rows["dimension"] = fw.dim[ind] + 1
    rows["province_code"] = registry["province_code"].take(lao).reset_index(drop=True)
    rows["lao_type"] = registry["lao_type"].take(lao).reset_index(drop=True)
    rows["max_points"] = max_points
    rows["not_applicable"] = na
    rows["pilot"] = fw.pilot[ind]
    rows["attainment"] = attainment
    rows["self_attainment"] = self_attainment
    return rows[INDICATOR_SCORES_COLUMNS]


def score_laos(scores: pd.DataFrame, registry: pd.DataFrame,
               framework: Framework) -> ScoringResult:
    """Score every LAO that has score rows (see the module docstring for the rules).

    scores: clean canonical score rows (schema.SCORES_COLUMNS + source_row), as the quality
    gate accepts them; registry: canonical registry (schema.REGISTRY_COLUMNS).
    Raises InputError for rows the gate should have removed (unknown LAO or indicator,
    a repeated (LAO, indicator)).
    """
    _require_columns(scores, [*SCORES_COLUMNS, SOURCE_ROW], "scores")
    _require_columns(registry, REGISTRY_COLUMNS, "registry")
    registry = registry.sort_values("lao_code", kind="stable").reset_index(drop=True)
    fw = _FrameworkArrays.of(framework)
    lao_pos, ind_pos, lao_type, pair = _positions(scores, registry, fw)
    n_laos = len(registry)

    # A missing N/A flag means "not declared N/A".
    na = scores["not_applicable"].fillna(False).to_numpy(dtype=bool)
    counted = fw.counts_for_type[lao_type[lao_pos], ind_pos]
    earned = counted & ~na
    key = lao_pos * _N_DIM + fw.dim[ind_pos]
    verified = np.nan_to_num(_points(scores["verified_points"]), nan=0.0)
    self_pts = np.nan_to_num(_points(scores["self_points"]), nan=0.0)

    points = _sum_by_lao_dim(key, earned, verified, n_laos)
    self_points = _sum_by_lao_dim(key, earned, self_pts, n_laos)
    na_max = _sum_by_lao_dim(key, counted & na, fw.max_points[ind_pos], n_laos)
    na_count = _sum_by_lao_dim(key, counted & na, np.ones(len(key)), n_laos)
    # Denominator = the type's framework maximum less what the LAO declared N/A; counting
    # indicators (exact integers) decides "nothing applicable", not a float difference.
    maxima = fw.per_type_dim(fw.max_points)[lao_type] - na_max
    applicable = fw.per_type_dim(np.ones(len(fw.ids)))[lao_type] - na_count > 0
    maxima = np.where(applicable, maxima, 0.0)

    has_rows = np.bincount(lao_pos, minlength=n_laos) > 0
    missing = _missing_rows(has_rows, lao_type, pair, counted, fw, registry)
    if len(missing):
        log.warning("scoring: %d counted indicators have no row for %d LAOs; scored as 0 points",
                    len(missing), missing["lao_code"].nunique())

    laos = registry.loc[has_rows, REGISTRY_COLUMNS].reset_index(drop=True)
    laos["assessor_team"] = pd.Series(
        _majority_team(lao_pos, scores["assessor_team"], n_laos)[has_rows], dtype="str")
    for prefix, pts in (("", points), ("self_", self_points)):
        pct = _pct(pts, maxima, applicable)[has_rows]
        overall = pd.Series(_overall(pct, pts[has_rows], maxima[has_rows], applicable[has_rows],
                                     framework.overall_method))
        for d in range(_N_DIM):
            laos[f"{prefix}{DIM_PCT[d]}"] = pct[:, d]
        laos[f"{prefix}overall_pct"] = overall
        laos[f"{prefix}passed"] = _passed(overall, framework)
        laos[f"{prefix}band"] = _band(overall, framework)
    laos["gap_overall"] = laos["self_overall_pct"] - laos["overall_pct"]
    laos["points"] = points[has_rows].sum(axis=1)
    laos["max_points"] = maxima[has_rows].sum(axis=1)
    laos["self_points"] = self_points[has_rows].sum(axis=1)
    laos["rank_national"] = _rank(laos["overall_pct"])
    laos["rank_province"] = _rank(laos["overall_pct"], [laos["province_code"]])
    laos["rank_province_type"] = _rank(laos["overall_pct"],
                                       [laos["province_code"], laos["lao_type"]])
    return ScoringResult(
        laos=laos[SCORED_LAOS_COLUMNS],
        indicators=_indicator_table(scores, registry, fw, lao_pos, ind_pos, na),
        missing=missing,
    )
