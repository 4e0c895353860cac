"""Scoring engine: an exact reference implementation (fractions, one LAO at a time) checks the
vectorised engine on generated years; invariances; the published Makham example; ties, band
boundaries, the self − verified gap, and the inputs the gate should have removed."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpa_analysis.errors import InputError
from lpa_analysis.schema import (
    DIM_PCT, INDICATOR_SCORES_COLUMNS, LAO_TYPE_CODE_DIGIT, REGISTRY_COLUMNS,
    SCORED_LAOS_COLUMNS, SELF_DIM_PCT, SOURCE_ROW, Framework, LaoType,
)
from lpa_analysis.scoring import score_laos

BANDS = [
    {"id": "excellent", "name_th": "ดีเด่น", "name_en": "Excellent", "min_pct": 90},
    {"id": "very_good", "name_th": "ดีมาก", "name_en": "Very good", "min_pct": 80},
    {"id": "good", "name_th": "ดี", "name_en": "Good", "min_pct": 70},
    {"id": "below", "name_th": "ต่ำกว่าเกณฑ์", "name_en": "Below standard", "min_pct": 0},
]
MUNICIPALITIES = ["city_municipality", "town_municipality", "subdistrict_municipality"]
STEPS = [0, 1, 2, 3, 4, 5]


def indicator(id_, dim, max_points, levels, applies_to="all", pilot=False) -> dict:
    return {"id": id_, "dimension": dim, "name_th": f"ตัวชี้วัด {id_}",
            "name_en": f"Indicator {id_}",
            "max_points": max_points, "levels": levels, "applies_to": applies_to, "pilot": pilot}


# Real-shaped and small: mixed maxima, partial levels, type-specific and pilot indicators.
SMALL = [
    indicator("1.1", 1, 5, STEPS),
    indicator("1.2", 1, 10, [0, 2.5, 5, 7.5, 10]),
    indicator("1.3", 1, 3, [0, 1, 3], pilot=True),
    indicator("2.1", 2, 5, STEPS),
    indicator("2.2", 2, 4, [0, 2, 4], applies_to=MUNICIPALITIES),
    indicator("3.1", 3, 5, [0, 2.5, 5]),
    indicator("3.2", 3, 2, [0, 1, 2]),
    indicator("4.1", 4, 5, STEPS),
    indicator("4.2", 4, 5, STEPS, pilot=True),
    indicator("5.1", 5, 5, STEPS, applies_to=["sao"]),
    indicator("5.2", 5, 1, [0, 0.5, 1]),
]


def framework(indicators=SMALL, method="points") -> Framework:
    dims = [{"id": d, "name_th": f"ด้านที่ {d}", "name_en": f"Dimension {d}"} for d in range(1, 6)]
    return Framework(year=2566, overall_method=method, bands=BANDS, dimensions=dims,
                     indicators=indicators)


def registry(laos: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(lao_code, lao_type, province_code) → canonical registry rows."""
    codes, types, provinces = zip(*laos) if laos else ((), (), ())
    return pd.DataFrame({
        "lao_code": list(codes), "name_th": [f"อปท. {c}" for c in codes], "lao_type": list(types),
        "province_code": list(provinces), "province_th": "จังหวัด", "province_en": "Province",
        "district_th": "อำเภอ", "region": "north", "lat": 18.0, "lon": 99.0, "area_km2": 40.0,
    })[REGISTRY_COLUMNS]


def score_rows(rows: list[dict]) -> pd.DataFrame:
    """Score rows with defaults (verified = self, counted, team A), source rows from 2."""
    full = [{"self_points": r.get("verified_points", np.nan), "not_applicable": False,
             "assessor_team": "ทีม A", **r} for r in rows]
    frame = pd.DataFrame(full, columns=["lao_code", "indicator_id", "self_points",
                                        "verified_points", "not_applicable", "assessor_team"])
    frame["not_applicable"] = frame["not_applicable"].astype(bool)
    frame[SOURCE_ROW] = np.arange(2, len(frame) + 2)
    return frame


# ------------------------------------------------------------------- generated years

@st.composite
def years(draw, indicators=SMALL):
    """A registry of 1–7 LAOs of mixed types in two provinces and their score rows: some
    indicators missing, some N/A, some unverified, rows for pilot and other-type indicators."""
    n = draw(st.integers(1, 7))
    laos = []
    for i in range(n):
        lao_type = draw(st.sampled_from(list(LaoType)))
        laos.append((f"{LAO_TYPE_CODE_DIGIT[lao_type]}{i:06d}", lao_type.value,
                     draw(st.sampled_from(["50", "51"]))))
    rows = []
    for code, _, _ in laos:
        if draw(st.integers(0, 7)) == 0:
            continue  # in the registry, no score rows at all
        for ind in indicators:
            if draw(st.integers(0, 9)) == 0:
                continue  # row missing
            level = st.sampled_from(ind["levels"])
            rows.append({
                "lao_code": code, "indicator_id": ind["id"],
                "self_points": draw(st.one_of(level, st.just(np.nan))),
                "verified_points": draw(level) if draw(st.integers(0, 9)) else np.nan,
                "not_applicable": draw(st.integers(0, 5)) == 0,
                "assessor_team": draw(st.sampled_from(["ทีม 1", "ทีม 2", "ทีม 3"])),
            })
    return score_rows(rows), registry(laos)


def reference(scores: pd.DataFrame, reg: pd.DataFrame, fw: Framework) -> dict[str, dict]:
    """The documented rules, one LAO at a time, in exact fractions."""
    rows = {(r.lao_code, r.indicator_id): r for r in scores.itertuples()}
    types = dict(zip(reg["lao_code"], reg["lao_type"]))
    out = {}
    for code in sorted(set(scores["lao_code"])):
        result = {}
        for kind, column in (("", "verified_points"), ("self_", "self_points")):
            pts, mx = {d: Fraction(0) for d in range(1, 6)}, {d: Fraction(0) for d in range(1, 6)}
            counted = {d: 0 for d in range(1, 6)}
            for ind in fw.indicators:
                row = rows.get((code, ind.id))
                if ind.pilot or not ind.applies(types[code]) or (row and row.not_applicable):
                    continue
                counted[ind.dimension] += 1
                mx[ind.dimension] += Fraction(ind.max_points)
                value = getattr(row, column) if row else math.nan
                pts[ind.dimension] += Fraction(0 if math.isnan(value) else value)
            dims = {d: pts[d] * 100 / mx[d] if counted[d] else None for d in range(1, 6)}
            present = [v for v in dims.values() if v is not None]
            if not present:
                overall = None
            elif fw.overall_method == "points":
                overall = sum(pts.values()) * 100 / sum(mx.values())
            else:
                overall = sum(present) / len(present)
            result |= {f"{kind}d{d}_pct": dims[d] for d in range(1, 6)}
            result |= {
                f"{kind}overall_pct": overall,
                f"{kind}passed": None if overall is None else overall >= fw.pass_threshold,
                f"{kind}band": None if overall is None else next(
                    b.id for b in fw.bands if overall >= Fraction(b.min_pct)),
            }
        out[code] = result
    return out


def competition_rank(values: dict[str, Fraction | None]) -> dict[str, int | None]:
    """1 + how many score strictly higher: 1, 2, 2, 4."""
    known = [v for v in values.values() if v is not None]
    return {k: None if v is None else 1 + sum(o > v for o in known) for k, v in values.items()}


def as_value(x):
    return None if pd.isna(x) else x


@pytest.mark.parametrize("method", ["points", "mean_of_dimensions"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=years())
def test_engine_matches_exact_reference(method, data):
    scores, reg = data
    fw = framework(method=method)
    laos = score_laos(scores, reg, fw).laos.set_index("lao_code")
    ref = reference(scores, reg, fw)
    assert sorted(laos.index) == sorted(ref)
    for code, expected in ref.items():
        got = laos.loc[code]
        for column, value in expected.items():
            if column.endswith("_pct"):
                assert (value is None and pd.isna(got[column])) or \
                    got[column] == pytest.approx(float(value), abs=1e-9), (code, column)
            else:
                assert as_value(got[column]) == value, (code, column)
    for group in (["province_code"], ["province_code", "lao_type"], []):
        keys = laos[group].apply(tuple, axis=1) if group else pd.Series("all", laos.index)
        column = {1: "rank_province", 2: "rank_province_type", 0: "rank_national"}[len(group)]
        for key in keys.unique():
            members = keys.index[keys == key]
            expected = competition_rank({c: ref[c]["overall_pct"] for c in members})
            assert {c: as_value(laos.loc[c, column]) for c in members} == expected


@settings(max_examples=40, deadline=None)
@given(data=years())
def test_percentages_lie_within_0_and_100(data):
    scores, reg = data
    laos = score_laos(scores, reg, framework()).laos
    pct = laos[[*DIM_PCT, "overall_pct", *SELF_DIM_PCT, "self_overall_pct"]].to_numpy(float)
    assert ((pct[~np.isnan(pct)] >= 0) & (pct[~np.isnan(pct)] <= 100)).all()
    assert list(laos.columns) == SCORED_LAOS_COLUMNS
    assert laos["lao_code"].is_monotonic_increasing


@settings(max_examples=40, deadline=None)
@given(data=years(), dim=st.integers(1, 5), max_points=st.sampled_from([1, 2, 5, 10]),
       points=st.floats(0, 1))
def test_adding_an_na_indicator_changes_no_score(data, dim, max_points, points):
    scores, reg = data
    before = score_laos(scores, reg, framework())
    extra = indicator("9.9", dim, max_points, [0, max_points])
    na_rows = score_rows([{"lao_code": code, "indicator_id": "9.9", "not_applicable": True,
                           "verified_points": points * max_points}
                          for code in scores["lao_code"].unique()])
    na_rows[SOURCE_ROW] += len(scores)
    after = score_laos(pd.concat([scores, na_rows], ignore_index=True), reg,
                       framework([*SMALL, extra]))
    pd.testing.assert_frame_equal(after.laos, before.laos)
    pd.testing.assert_frame_equal(after.missing, before.missing)


@settings(max_examples=40, deadline=None)
@given(data=years(), seed=st.integers(0, 2**32 - 1))
def test_permuting_rows_changes_nothing(data, seed):
    scores, reg = data
    rng = np.random.default_rng(seed)
    before = score_laos(scores, reg, framework())
    after = score_laos(scores.sample(frac=1, random_state=rng),
                       reg.sample(frac=1, random_state=rng), framework())
    pd.testing.assert_frame_equal(after.laos, before.laos)
    pd.testing.assert_frame_equal(after.indicators, before.indicators)
    pd.testing.assert_frame_equal(after.missing, before.missing)


@settings(max_examples=40, deadline=None)
@given(data=years(), seed=st.integers(0, 2**32 - 1))
def test_points_of_uncounted_rows_change_no_score(data, seed):
    """Pilot indicators, and indicators that do not apply to the LAO's type, never count."""
    scores, reg = data
    fw = framework()
    types = scores["lao_code"].map(dict(zip(reg["lao_code"], reg["lao_type"])))
    uncounted = np.array([fw.indicator(i).pilot or not fw.indicator(i).applies(t)
                          for i, t in zip(scores["indicator_id"], types)], dtype=bool)
    changed = scores.astype({"verified_points": float, "self_points": float})
    rng = np.random.default_rng(seed)
    for column in ("verified_points", "self_points"):
        changed.loc[uncounted, column] = np.array([rng.choice(fw.indicator(i).levels) for i in
                                                   scores.loc[uncounted, "indicator_id"]], float)
    pd.testing.assert_frame_equal(score_laos(changed, reg, fw).laos,
                                  score_laos(scores, reg, fw).laos)


# ------------------------------------------------------------------- the published example

# 2561, เทศบาลตำบลมะขาม (Chanthaburi): verified points / applicable maximum per dimension.
MAKHAM = {1: (110, 140), 2: (175, 215), 3: (188, 250), 4: (285, 345), 5: (56, 65)}
MAKHAM_PUBLISHED = {"d1_pct": 78.57, "d2_pct": 81.40, "d3_pct": 75.20, "d4_pct": 82.61,
                    "d5_pct": 86.15, "overall_pct": 80.20}


def makham_year(method: str) -> tuple[pd.DataFrame, pd.DataFrame, Framework]:
    """5-point indicators with partial levels whose points add up to the published totals,
    plus rows that must not count: an N/A indicator, a pilot, an อบต.-only indicator."""
    indicators, rows = [], []
    for dim, (points, maximum) in MAKHAM.items():
        n = maximum // 5
        fives, rest = divmod(points, 5)
        given = [5] * fives + ([rest] if rest else [])
        given += [0] * (n - len(given))
        given[0], given[-1] = given[0] - 1, given[-1] + 1  # a 4 and a 1: partial levels
        for k, value in enumerate(given):
            indicators.append(indicator(f"{dim}.{k + 1:02d}", dim, 5, STEPS))
            rows.append({"indicator_id": f"{dim}.{k + 1:02d}", "verified_points": value})
    indicators += [indicator("1.na", 1, 5, STEPS), indicator("3.pilot", 3, 5, STEPS, pilot=True),
                   indicator("4.sao", 4, 5, STEPS, applies_to=["sao"])]
    rows += [{"indicator_id": "1.na", "verified_points": 5, "not_applicable": True},
             {"indicator_id": "3.pilot", "verified_points": 5},
             {"indicator_id": "4.sao", "verified_points": 5}]
    scores = score_rows([{"lao_code": "5220505", **r} for r in rows])
    reg = registry([("5220505", "subdistrict_municipality", "22")])
    return scores, reg, framework(indicators, method)


def test_makham_points_method_reproduces_the_published_result():
    scores, reg, fw = makham_year("points")
    row = score_laos(scores, reg, fw).laos.iloc[0]
    assert (row["points"], row["max_points"]) == (814, 1015)
    assert row["overall_pct"] == 814 * 100 / 1015
    for column, published in MAKHAM_PUBLISHED.items():
        assert round(row[column], 2) == published, column
    assert (row["passed"], row["band"]) == (True, "very_good")


def test_makham_mean_of_dimensions_is_the_mean_of_the_five_percentages():
    scores, reg, fw = makham_year("mean_of_dimensions")
    row = score_laos(scores, reg, fw).laos.iloc[0]
    exact = sum(Fraction(p * 100, m) for p, m in MAKHAM.values()) / 5
    assert row["overall_pct"] == pytest.approx(float(exact), abs=1e-12)
    assert round(row["overall_pct"], 2) == 80.79
    assert round(row["d3_pct"], 2) == MAKHAM_PUBLISHED["d3_pct"]


# ------------------------------------------------------------------- pass, band, ranks, gap

ONE_PER_DIMENSION = [indicator(f"{d}.1", d, 20, [x / 2 for x in range(41)]) for d in range(1, 6)]


def lao_rows(code: str, points: list[float | None], self_points=None) -> list[dict]:
    """One LAO's five rows; None = N/A."""
    self_points = self_points or points
    return [{"lao_code": code, "indicator_id": f"{d}.1", "verified_points": p,
             "self_points": s, "not_applicable": p is None}
            for d, p, s in zip(range(1, 6), points, self_points)]


@pytest.mark.parametrize(("total", "passed", "band"), [
    (90, True, "excellent"), (89.5, True, "very_good"), (80, True, "very_good"),
    (79.5, True, "good"), (70, True, "good"), (69.5, False, "below"), (0, False, "below"),
])
def test_band_boundaries_are_inclusive(total, passed, band):
    points = [18.0, 18.0, 18.0, 18.0, total - 72.0] if total >= 72 else [total / 5] * 5
    scores = score_rows(lao_rows("6500101", points))
    row = score_laos(scores, registry([("6500101", "sao", "50")]),
                     framework(ONE_PER_DIMENSION)).laos.iloc[0]
    assert row["overall_pct"] == total
    assert (row["passed"], row["band"]) == (passed, band)


@pytest.mark.parametrize(("points", "band"), [((1, 5, 7, 9, 10), "very_good"),
                                              ((1, 5, 7, 9, 4), "good")])
def test_a_mean_exactly_on_a_boundary_reaches_it_despite_float_noise(points, band):
    maxima = (3, 6, 7, 9, 12)
    exact = sum(Fraction(p * 100, m) for p, m in zip(points, maxima)) / 5
    assert exact in (70, 80) and sum(p * 100 / m for p, m in zip(points, maxima)) / 5 < exact
    fw = framework([indicator(f"{d}.1", d, m, list(range(m + 1)))
                    for d, m in zip(range(1, 6), maxima)], "mean_of_dimensions")
    scores = score_rows([{"lao_code": "6500101", "indicator_id": f"{d}.1", "verified_points": p}
                         for d, p in zip(range(1, 6), points)])
    row = score_laos(scores, registry([("6500101", "sao", "50")]), fw).laos.iloc[0]
    assert (row["passed"], row["band"]) == (True, band)


def test_ties_share_the_best_rank_and_the_next_rank_skips():
    laos = [("6500101", "sao", "50", 16), ("6500102", "sao", "50", 14),
            ("6500103", "sao", "50", 14),
            ("5500104", "subdistrict_municipality", "50", 14), ("6500105", "sao", "50", 12),
            ("6500106", "sao", "50", None), ("6510101", "sao", "51", 18)]
    scores = score_rows([r for code, _, _, p in laos for r in lao_rows(code, [p] * 5)])
    result = score_laos(scores, registry([lao[:3] for lao in laos]),
                        framework(ONE_PER_DIMENSION)).laos.set_index("lao_code")
    ranks = result[["rank_national", "rank_province", "rank_province_type"]]
    assert ranks.dtypes.tolist() == ["Int64"] * 3
    assert ranks.astype(object).where(ranks.notna(), None).to_dict("index") == {
        "6510101": {"rank_national": 1, "rank_province": 1, "rank_province_type": 1},
        "6500101": {"rank_national": 2, "rank_province": 1, "rank_province_type": 1},
        "6500102": {"rank_national": 3, "rank_province": 2, "rank_province_type": 2},
        "6500103": {"rank_national": 3, "rank_province": 2, "rank_province_type": 2},
        "5500104": {"rank_national": 3, "rank_province": 2, "rank_province_type": 1},
        "6500105": {"rank_national": 6, "rank_province": 5, "rank_province_type": 4},
        "6500106": {"rank_national": None, "rank_province": None, "rank_province_type": None},
    }
    nothing_applies = result.loc["6500106"]
    assert nothing_applies[[*DIM_PCT, "overall_pct"]].isna().all()
    assert pd.isna(nothing_applies["passed"]) and pd.isna(nothing_applies["band"])


def test_gap_is_self_minus_verified():
    scores = score_rows(lao_rows("6500101", [14] * 5, self_points=[18] * 5)
                        + lao_rows("6500102", [18] * 5, self_points=[14] * 5))
    laos = score_laos(scores, registry([("6500101", "sao", "50"), ("6500102", "sao", "50")]),
                      framework(ONE_PER_DIMENSION)).laos.set_index("lao_code")
    assert laos.loc["6500101", ["overall_pct", "self_overall_pct", "gap_overall"]].tolist() == \
        [70, 90, 20]
    assert laos.loc["6500102", "gap_overall"] == -20
    assert (laos.loc["6500101", "band"], laos.loc["6500101", "self_band"]) == ("good", "excellent")


# ------------------------------------------------------------------- rows and coverage

def test_unverified_and_missing_indicators_earn_nothing_and_missing_ones_are_listed():
    rows = lao_rows("6500101", [20, 20, 20, 20, 20])
    rows[1]["verified_points"] = np.nan  # self-assessed 20, not verified
    del rows[2]  # no row at all for 3.1
    result = score_laos(score_rows(rows), registry([("6500101", "sao", "50"),
                                                    ("6500102", "sao", "50")]),
                        framework(ONE_PER_DIMENSION))
    row = result.laos.iloc[0]
    assert len(result.laos) == 1  # 6500102 has no score rows: coverage is the build's report
    assert (row["d2_pct"], row["d3_pct"], row["points"], row["max_points"]) == (0, 0, 60, 100)
    assert (row["self_d2_pct"], row["self_overall_pct"]) == (100, 80)
    assert result.missing.to_dict("records") == [
        {"lao_code": "6500101", "indicator_id": "3.1", "dimension": 3}]
    d2 = result.indicators.set_index("indicator_id").loc["2.1"]
    assert d2["attainment"] == 0 and d2["self_attainment"] == 1  # unverified attains 0 too


def test_indicator_table_joins_framework_and_registry_facts():
    scores, reg = score_rows([
        {"lao_code": "5500101", "indicator_id": "5.1", "verified_points": 4},  # อบต. only
        {"lao_code": "5500101", "indicator_id": "1.2", "verified_points": 7.5},
        {"lao_code": "5500101", "indicator_id": "2.2", "verified_points": 2,
         "not_applicable": True},
    ]), registry([("5500101", "subdistrict_municipality", "50")])
    table = score_laos(scores, reg, framework()).indicators
    assert list(table.columns) == INDICATOR_SCORES_COLUMNS
    assert table["indicator_id"].tolist() == ["1.2", "2.2", "5.1"]  # framework order
    assert table["source_row"].tolist() == [3, 4, 2]
    assert table["dimension"].tolist() == [1, 2, 5]
    assert table["attainment"].tolist()[::2] == [0.75, 0.8] and pd.isna(table["attainment"][1])
    assert (table["province_code"] == "50").all()


def test_the_majority_team_is_the_lao_team_and_ties_go_to_the_first_name():
    rows = lao_rows("6500101", [10] * 5) + lao_rows("6500102", [10] * 5)
    for r, team in zip(rows, ["B", "B", "A", "A", "B", "C", "A", "C", "A", np.nan]):
        r["assessor_team"] = team
    laos = score_laos(score_rows(rows), registry([("6500101", "sao", "50"),
                                                  ("6500102", "sao", "50")]),
                      framework(ONE_PER_DIMENSION)).laos
    assert laos["assessor_team"].tolist() == ["B", "A"]


@pytest.mark.parametrize(("change", "message"), [
    ({"lao_code": "6999999"}, "not in the registry"),
    ({"indicator_id": "7.7"}, "not in the framework"),
    ({"indicator_id": "1.1"}, "more than once"),
])
def test_rows_the_gate_should_have_removed_stop_scoring_naming_the_row(change, message):
    rows = lao_rows("6500101", [10] * 5)
    rows[1] |= change
    with pytest.raises(InputError, match=rf"{message}.*rows [0-9, ]*\b3\b"):
        score_laos(score_rows(rows), registry([("6500101", "sao", "50")]),
                   framework(ONE_PER_DIMENSION))


def test_scores_every_lao_of_the_real_registry(real_registry_path):
    """The real registry's 7,849 LAOs, 76 provinces and six types: ranks stay consistent."""
    from lpa_analysis.readers import read_registry

    reg = read_registry(real_registry_path).frame[REGISTRY_COLUMNS]
    rng = np.random.default_rng(2566)
    fw = framework()
    ids = [i.id for i in fw.indicators]
    levels = [fw.indicator(i).levels for i in ids]
    scores = score_rows([
        {"lao_code": code, "indicator_id": i, "verified_points": lv[rng.integers(len(lv))]}
        for code in reg["lao_code"] for i, lv in zip(ids, levels)])
    laos = score_laos(scores, reg, fw).laos
    assert len(laos) == len(reg) == 7849
    assert laos["rank_national"].min() == 1 and laos["rank_national"].max() <= len(laos)
    best_in_province = laos.groupby("province_code")["rank_province"].min()
    assert len(best_in_province) == 76 and (best_in_province == 1).all()
    # An LAO's rank within its province counts the LAOs of that province above it.
    for _, group in laos.groupby("province_code"):
        higher = (group["overall_pct"].to_numpy()[None, :] >
                  group["overall_pct"].to_numpy()[:, None]).sum(axis=1)
        assert (group["rank_province"].to_numpy() == higher + 1).all()
