"""Reconciliation: every published figure against the one the scoring engine recomputes.

    reconcile(published, scored.laos)   # one row per LAO × field that disagrees

Rows of the result (schema.RECONCILIATION_COLUMNS), sorted by lao_code, then field in
publication order (lao_code, d1_pct … d5_pct, overall_pct, passed, band):

- a percentage (d1_pct … d5_pct, overall_pct) whose published and recomputed values differ by
  more than `tolerance` (+1e-9 of float noise: published values carry 2 decimals, so a true
  80.205 published as 80.21 or as 80.20 is not a difference), or that is missing on one side
  only. `difference` = published − recomputed;
- `passed` or `band` when they differ (difference is empty);
- field 'lao_code' when an LAO is on one side only: published but not scored (`published`
  holds the code, `recomputed` is empty — e.g. no score rows, or not in the registry), or
  scored but not published (`recomputed` holds the code, `published` is empty).

`published` and `recomputed` are text (a table column holds numbers, yes/no and band names
alike; numbers are written in full, shortest round-trip form); `difference` is a number.
Only fields present in the published table are compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lpa_analysis.errors import InputError
from lpa_analysis.schema import DIM_PCT, RECONCILIATION_COLUMNS

PERCENT_FIELDS = [*DIM_PCT, "overall_pct"]
LABEL_FIELDS = ["passed", "band"]
FLOAT_NOISE = 1e-9


def _text(values, n: int) -> np.ndarray:
    """Values as text for the mixed published/recomputed columns; None = missing everywhere."""
    if values is None:
        return np.full(n, None, dtype=object)
    return np.array([None if pd.isna(v) else str(v) for v in values], dtype=object)


def _rows(lao_code, field, published, recomputed, difference=None) -> pd.DataFrame:
    codes = np.asarray(lao_code, dtype=object)
    n = len(codes)
    return pd.DataFrame({
        "lao_code": pd.Series(codes, dtype="str"),
        "field": pd.Series([field] * n, dtype="str"),
        "published": pd.Series(_text(published, n), dtype="str"),
        "recomputed": pd.Series(_text(recomputed, n), dtype="str"),
        "difference": (np.full(n, np.nan) if difference is None
                       else np.asarray(difference, dtype=float)),
    }, columns=RECONCILIATION_COLUMNS)


def _presence(merged: pd.DataFrame) -> list[pd.DataFrame]:
    codes = merged["lao_code"]
    only_published = (merged["_merge"] == "left_only").to_numpy()
    only_scored = (merged["_merge"] == "right_only").to_numpy()
    return [
        _rows(codes[only_published], "lao_code", codes[only_published], None),
        _rows(codes[only_scored], "lao_code", None, codes[only_scored]),
    ]


def _percent_differences(both: pd.DataFrame, field: str, tolerance: float) -> pd.DataFrame:
    published = both[f"{field}_pub"].astype(float)
    recomputed = both[f"{field}_rec"].astype(float)
    difference = published - recomputed
    differs = (difference.abs() > tolerance + FLOAT_NOISE) | (published.isna() != recomputed.isna())
    return _rows(both["lao_code"][differs], field, published[differs], recomputed[differs],
                 difference[differs])


def _label_differences(both: pd.DataFrame, field: str) -> pd.DataFrame:
    dtype = "boolean" if field == "passed" else "str"
    published = both[f"{field}_pub"].astype(dtype)
    recomputed = both[f"{field}_rec"].astype(dtype)
    same = (published == recomputed).fillna(False) | (published.isna() & recomputed.isna())
    differs = ~same.to_numpy(dtype=bool)
    return _rows(both["lao_code"][differs], field, published[differs], recomputed[differs])


def reconcile(published: pd.DataFrame, scored_laos: pd.DataFrame,
              tolerance: float = 0.005) -> pd.DataFrame:
    """Every published figure that the recomputation does not reproduce (module docstring)."""
    if "lao_code" not in published.columns:
        raise InputError("published results lack the column 'lao_code'")
    repeated = published["lao_code"][published["lao_code"].duplicated()].unique().tolist()
    if repeated:
        raise InputError(f"published results list LAOs more than once: {repeated[:5]}")
    fields = [f for f in (*PERCENT_FIELDS, *LABEL_FIELDS) if f in published.columns]
    merged = published[["lao_code", *fields]].merge(
        scored_laos[["lao_code", *fields]], on="lao_code", how="outer",
        suffixes=("_pub", "_rec"), indicator=True)
    both = merged[merged["_merge"] == "both"]
    parts = _presence(merged)
    parts += [_percent_differences(both, f, tolerance) for f in fields if f in PERCENT_FIELDS]
    parts += [_label_differences(both, f) for f in fields if f in LABEL_FIELDS]
    found = pd.concat([p for p in parts if len(p)] or [_rows([], "lao_code", [], [])],
                      ignore_index=True)
    # The parts come in publication order of fields; a stable sort keeps it within an LAO.
    return found.sort_values("lao_code", kind="stable").reset_index(drop=True)
