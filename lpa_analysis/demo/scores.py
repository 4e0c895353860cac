"""Synthetic score rows with planted effects, vectorised over LAO × indicator.

The model, in attainment (points / max) before rounding to the indicator's levels:

    true     = base + type offset + trend × (year − first) + LAO ability + LAO-year wobble
               + indicator difficulty + noise
    verified = true + the province's verification-team shift
    self     = true + the LAO's self-assessment inflation + noise

each clipped to [0, 1] and rounded *stochastically* to the indicator's allowed levels (the
expected points equal the continuous value), with one shared uniform draw for self and
verified so that the self − verified gap is not blurred by rounding noise. Each province draws
from its own stream, so a province's numbers do not depend on which others are generated.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from lpa_analysis.schema import SCORES_COLUMNS, Framework, LaoType


@dataclass(frozen=True)
class Effects:
    """The planted effects and the noise around them (attainment units, 0.01 = 1 % point)."""

    base: float = 0.828
    # Persistent LAO ability: a two-piece normal, with a shorter tail below (few fail) than
    # above (a fair share reach ดีเด่น), as in the published pass and band shares.
    ability_sd_below: float = 0.045
    ability_sd_above: float = 0.085
    lao_year_sd: float = 0.012  # an LAO's year-to-year wobble
    indicator_sd: float = 0.07  # spread of indicator difficulty
    noise_sd: float = 0.16  # one LAO on one indicator
    type_offsets: dict[str, float] = field(default_factory=lambda: {
        LaoType.PAO.value: 0.020, LaoType.CITY.value: 0.045, LaoType.TOWN.value: 0.020,
        LaoType.SUBDISTRICT.value: 0.005, LaoType.SAO.value: 0.0, LaoType.SPECIAL.value: 0.030,
    })
    trend_per_year: float = 0.0075
    team_shift: float = 0.055  # lenient +, strict −
    n_lenient: int = 2
    n_strict: int = 1
    hard_indicators: tuple[str, ...] = ("D1.27", "D3.12", "D3.14", "D4.05", "D4.20")
    hard_offset: float = -0.6
    inflation_mean: float = 0.055
    inflation_sd: float = 0.02
    self_noise_sd: float = 0.04
    heavy_share: float = 0.02  # LAOs with a heavy self-assessment tail
    heavy_inflation: float = 0.16
    unverified_share: float = 0.0002  # rows the team did not verify
    teams_per_laos: int = 40  # about one verification team per 40 LAOs …
    max_teams: int = 6  # … between 2 and 6 in a province
    min_teams: int = 2

    def as_dict(self) -> dict:
        return asdict(self)


def _stream(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def team_provinces(seed: int, all_codes: list[str], effects: Effects) -> dict[str, list[str]]:
    """Which provinces have a lenient or strict verification team (chosen nationally)."""
    rng = _stream(seed, 2)
    picked = rng.choice(sorted(all_codes), size=effects.n_lenient + effects.n_strict,
                        replace=False)
    return {"lenient": sorted(picked[:effects.n_lenient].tolist()),
            "strict": sorted(picked[effects.n_lenient:].tolist())}


@dataclass(frozen=True)
class LaoEffects:
    """Per-LAO quantities that persist across years (registry order)."""

    ability: np.ndarray
    inflation: np.ndarray
    heavy: np.ndarray  # bool
    team: np.ndarray  # assessor_team ids, e.g. '54-T1'
    team_shift: np.ndarray


def _teams(province: pd.DataFrame, effects: Effects) -> np.ndarray:
    """Teams cover whole districts, in district-code order, in blocks of similar size."""
    n = len(province)
    n_teams = int(np.clip(round(n / effects.teams_per_laos), effects.min_teams, effects.max_teams))
    district = province["lao_code"].str[1:5].to_numpy()
    order = np.argsort(district, kind="stable")
    first_of_district = pd.Series(np.arange(n)).groupby(district[order]).transform("min")
    block = np.empty(n, dtype=np.int64)
    block[order] = (first_of_district.to_numpy() * n_teams) // n
    pcode = province["province_code"].iloc[0]
    return np.array([f"{pcode}-T{b + 1}" for b in block], dtype=object)


def _two_piece(z: np.ndarray, effects: Effects) -> np.ndarray:
    return np.where(z < 0, z * effects.ability_sd_below, z * effects.ability_sd_above)


def lao_effects(registry: pd.DataFrame, seed: int, effects: Effects,
                teams: dict[str, list[str]]) -> LaoEffects:
    parts = []
    for pcode, province in registry.groupby("province_code", sort=True):
        rng = _stream(seed, 3, int(pcode))
        n = len(province)
        heavy = rng.random(n) < effects.heavy_share
        inflation = np.where(heavy, effects.heavy_inflation,
                             rng.normal(effects.inflation_mean, effects.inflation_sd, n))
        shift = (effects.team_shift if pcode in teams["lenient"]
                 else -effects.team_shift if pcode in teams["strict"] else 0.0)
        parts.append(pd.DataFrame({
            "row": province.index, "ability": _two_piece(rng.normal(size=n), effects),
            "inflation": inflation, "heavy": heavy, "team": _teams(province, effects),
            "team_shift": shift,
        }))
    per_lao = pd.concat(parts).set_index("row").loc[registry.index]
    return LaoEffects(*(per_lao[c].to_numpy() for c in
                        ("ability", "inflation", "heavy", "team", "team_shift")))


def indicator_difficulty(indicator_id: str, seed: int, effects: Effects) -> float:
    """Fixed per indicator id (the same indicator is as hard in every year)."""
    spread = _stream(seed, 4, zlib.crc32(indicator_id.encode())).normal(0.0, effects.indicator_sd)
    if indicator_id in effects.hard_indicators:
        return effects.hard_offset + float(spread) / 2
    return float(spread)


def _levels_table(framework: Framework) -> np.ndarray:
    """[indicator, level] allowed points, padded with +inf."""
    width = max(len(i.levels) for i in framework.indicators)
    table = np.full((len(framework.indicators), width), np.inf)
    for k, ind in enumerate(framework.indicators):
        table[k, :len(ind.levels)] = sorted(ind.levels)
    return table


def _round_to_levels(points: np.ndarray, levels: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Stochastic rounding of points [lao, ind] to the neighbouring allowed levels."""
    n_levels = np.isfinite(levels).sum(axis=1)
    below = (levels[None, :, :] <= points[:, :, None]).sum(axis=2) - 1
    lo_idx = np.clip(below, 0, n_levels[None, :] - 2)
    ind = np.broadcast_to(np.arange(levels.shape[0]), points.shape)
    lo, hi = levels[ind, lo_idx], levels[ind, lo_idx + 1]
    frac = (points - lo) / (hi - lo)
    return np.where(u < frac, hi, lo)


def year_scores(registry: pd.DataFrame, framework: Framework, seed: int, effects: Effects,
                lao: LaoEffects, first_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scores in schema.SCORES_COLUMNS, lao_code × indicator_id of the unverified rows)."""
    inds = framework.indicators
    n_ind = len(inds)
    difficulty = np.array([indicator_difficulty(i.id, seed, effects) for i in inds])
    max_points = np.array([i.max_points for i in inds])
    applies = np.array([[i.applies(t) for i in inds] for t in registry["lao_type"]])
    type_offset = registry["lao_type"].map(effects.type_offsets).to_numpy(dtype=float)
    trend = effects.trend_per_year * (framework.year - first_year)

    noise, self_noise, wobble, u, unverified = [], [], [], [], []
    for pcode, province in registry.groupby("province_code", sort=True):
        rng = _stream(seed, 5, int(pcode), framework.year)
        n = len(province)
        noise.append(rng.normal(0.0, effects.noise_sd, (n, n_ind)))
        self_noise.append(rng.normal(0.0, effects.self_noise_sd, (n, n_ind)))
        wobble.append(rng.normal(0.0, effects.lao_year_sd, n))
        u.append(rng.random((n, n_ind)))
        unverified.append(rng.random((n, n_ind)) < effects.unverified_share)
    # groupby visits provinces in code order; the registry is sorted by lao_code, which starts
    # with the type digit, so put the draws back in registry order.
    order = np.concatenate([g.index.to_numpy() for _, g in registry.groupby("province_code",
                                                                             sort=True)])
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    noise, self_noise, u, unverified = (np.vstack(a)[back] for a in
                                        (noise, self_noise, u, unverified))
    wobble = np.concatenate(wobble)[back]

    level = effects.base + type_offset + trend + lao.ability + wobble
    true = level[:, None] + difficulty[None, :] + noise
    verified_att = np.clip(true + lao.team_shift[:, None], 0.0, 1.0)
    self_att = np.clip(true + lao.inflation[:, None] + self_noise, 0.0, 1.0)
    levels = _levels_table(framework)
    verified = _round_to_levels(verified_att * max_points, levels, u)
    self_points = _round_to_levels(self_att * max_points, levels, u)

    not_applicable = ~applies
    verified[not_applicable] = np.nan
    self_points[not_applicable] = np.nan
    unverified &= applies
    verified[unverified] = np.nan

    n_laos = len(registry)
    codes = registry["lao_code"].to_numpy()
    ids = np.array([i.id for i in inds], dtype=object)
    scores = pd.DataFrame({
        "lao_code": pd.array(np.repeat(codes, n_ind), dtype="str"),
        "indicator_id": pd.array(np.tile(ids, n_laos), dtype="str"),
        "self_points": self_points.ravel(),
        "verified_points": verified.ravel(),
        "not_applicable": not_applicable.ravel(),
        "assessor_team": pd.array(np.repeat(lao.team, n_ind), dtype="str"),
    }, columns=SCORES_COLUMNS)
    rows, cols = np.nonzero(unverified)
    missing = pd.DataFrame({"lao_code": codes[rows], "indicator_id": ids[cols]})
    return scores, missing
