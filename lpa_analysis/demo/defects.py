"""Planted mistakes: transcription errors in published results, and (--dirty) defects in the
scores CSV, each recorded for truth.json with where a person would find it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lpa_analysis.schema import DIM_PCT, SCORES_COLUMNS, Framework

PUBLISHED_ERROR_SHARE = 0.005
MIN_ERROR = 0.05  # well above the 0.005 reconciliation tolerance
DEFECTS_PER_KIND = 2
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
# Parsed, not quarantined: a reader must accept these as the value they spell.
BENIGN_KINDS = {"thai_digits", "whitespace"}
INSERTED_KINDS = ("duplicate", "unknown_indicator", "unknown_lao", "missing_lao_code")
CHANGED_KINDS = ("out_of_range", "not_in_levels", "thai_digits", "whitespace", "non_numeric")


def _mistype(true: float, rng: np.random.Generator) -> float:
    """A plausible keying slip: swapped decimals, a wrong tenths or a wrong units digit."""
    cents = round(true * 100)
    last, tenth = cents % 10, (cents // 10) % 10
    if last != tenth and rng.random() < 0.4:
        wrong = cents - last - 10 * tenth + 10 * last + tenth
    else:
        step = int(rng.choice([10, 100])) * int(rng.integers(1, 4))
        wrong = cents + step if cents + step <= 10000 else cents - step
    return wrong / 100


def transcription_errors(published: pd.DataFrame, rng: np.random.Generator
                         ) -> tuple[pd.DataFrame, list[dict]]:
    """Change one field in ~0.5 % of published rows (at least one); return rows and the log."""
    published = published.copy()
    n_errors = max(1, round(PUBLISHED_ERROR_SHARE * len(published)))
    fields = [*DIM_PCT, "overall_pct"]
    errors = []
    for row in np.sort(rng.choice(len(published), size=min(n_errors, len(published)),
                                  replace=False)):
        candidates = [f for f in fields if pd.notna(published.at[row, f])]
        field = str(rng.choice(candidates))
        true = float(published.at[row, field])
        wrong = _mistype(true, rng)
        if abs(wrong - true) < MIN_ERROR:
            wrong = true - 1 if true >= 1 else true + 1
        published.at[row, field] = wrong
        errors.append({"lao_code": published.at[row, "lao_code"], "field": field,
                       "published": wrong, "true": true})
    return published, errors


def _points_text(values: np.ndarray) -> np.ndarray:
    """Points as a person types them: 5, 2.5, empty for missing."""
    text = pd.Series(values).map(lambda v: "" if np.isnan(v) else f"{v:g}")
    return text.to_numpy(dtype=object)


def scores_as_text(scores: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "lao_code": scores["lao_code"].to_numpy(dtype=object),
        "indicator_id": scores["indicator_id"].to_numpy(dtype=object),
        "self_points": _points_text(scores["self_points"].to_numpy()),
        "verified_points": _points_text(scores["verified_points"].to_numpy()),
        "not_applicable": np.where(scores["not_applicable"].to_numpy(), "True", "False"),
        "assessor_team": scores["assessor_team"].to_numpy(dtype=object),
    }, columns=SCORES_COLUMNS)
    return out


def _changed_value(kind: str, row: pd.Series, framework: Framework,
                   rng: np.random.Generator) -> tuple[str, str]:
    """(column, new text) for a defect that edits an existing row."""
    ind = framework.indicator(row["indicator_id"])
    if kind == "out_of_range":
        return "verified_points", f"{rng.choice([ind.max_points + 1, ind.max_points * 10, -1]):g}"
    if kind == "not_in_levels":
        options = [v for v in np.arange(0.5, ind.max_points, 0.5) if v not in ind.levels]
        return "verified_points", f"{rng.choice(options):g}"
    if kind == "thai_digits":
        return "verified_points", row["verified_points"].translate(THAI_DIGITS)
    if kind == "whitespace":
        return "lao_code", f" {row['lao_code']}  "
    return str(rng.choice(["self_points", "verified_points"])), str(rng.choice(
        ["ห้า", "ครบ", "ผ่าน", "n.a."]))


def _inserted_row(kind: str, row: pd.Series, registry_codes: set[str],
                  rng: np.random.Generator) -> pd.Series:
    new = row.copy()
    if kind == "unknown_indicator":
        new["indicator_id"] = f"D{rng.integers(1, 6)}.9{rng.integers(0, 10)}"
    elif kind == "unknown_lao":
        code = row["lao_code"]
        new["lao_code"] = next(c for c in (f"{code[:5]}{s:02d}" for s in range(99, 0, -1))
                               if c not in registry_codes)
    elif kind == "missing_lao_code":
        new["lao_code"] = ""
    return new


def dirty_scores(text: pd.DataFrame, framework: Framework, registry_codes: set[str],
                 rng: np.random.Generator) -> tuple[pd.DataFrame, list[dict]]:
    """Inject defects into the scores table (as text); return it and one record per defect.

    Defects edit or follow rows that have a verified value, each row at most once. Records
    carry `source_row` as a person sees it in the CSV (header = row 1).
    """
    kinds = [k for k in (*INSERTED_KINDS, *CHANGED_KINDS) for _ in range(DEFECTS_PER_KIND)]
    eligible = np.flatnonzero(text["verified_points"].to_numpy() != "")
    targets = np.sort(rng.choice(eligible, size=len(kinds), replace=False))
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    text = text.copy()
    inserted, records = [], []
    for target, kind in zip(targets, kinds):
        row = text.iloc[target]
        record = {"kind": kind, "benign": kind in BENIGN_KINDS,
                  "lao_code": row["lao_code"], "indicator_id": row["indicator_id"]}
        if kind in CHANGED_KINDS:
            column, value = _changed_value(kind, row, framework, rng)
            text.iat[target, text.columns.get_loc(column)] = value
            record |= {"column": column, "value": value, "_pos": 2 * target}
        else:
            new = _inserted_row(kind, row, registry_codes, rng)
            inserted.append((2 * target + 1, new))
            column = {"duplicate": None, "unknown_indicator": "indicator_id"}.get(kind, "lao_code")
            record |= {"column": column, "value": None if column is None else new[column],
                       "_pos": 2 * target + 1, "_original": 2 * target}
            record["lao_code"], record["indicator_id"] = new["lao_code"], new["indicator_id"]
        records.append(record)
    # Interleave: original row i at key 2i, a row inserted after it at 2i + 1.
    keys = np.concatenate([2 * np.arange(len(text)), [k for k, _ in inserted]])
    combined = pd.concat([text, pd.DataFrame([r for _, r in inserted], columns=text.columns)],
                         ignore_index=True)
    order = np.argsort(keys, kind="stable")
    combined = combined.iloc[order].reset_index(drop=True)
    row_of_key = pd.Series(np.arange(len(order)) + 2, index=keys[order])
    for record in records:
        record["source_row"] = int(row_of_key[record.pop("_pos")])
        if "_original" in record:
            record["duplicate_of_row" if record["kind"] == "duplicate" else "copied_from_row"] = (
                int(row_of_key[record.pop("_original")]))
    return combined, sorted(records, key=lambda r: r["source_row"])
