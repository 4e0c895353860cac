"""The data of every LAO's one-page scorecard, for a whole year at once (vectorised; no loop
per LAO): one row per LAO (`ScorecardData.laos`) and its improvement plan, one row per
indicator where it lost points (`ScorecardData.plan`). `lpa_analysis.scorecards` renders them.

    data = scorecard_data(2566, processed_dir)
    data.laos        # SCORECARD_COLUMNS: result, peers, ranks, change, gap, next band
    data.plan        # PLAN_COLUMNS: lost indicators, most points lost first

The plan: every indicator that counts for the LAO (applies to its type, not a pilot, not
declared N/A) and earned less than its maximum; an unverified score or a missing row earns 0,
as in scoring. `gain_pct` is what full points on it would add to the overall %: with the
'points' method 100 × lost / all maxima; with 'mean_of_dimensions' 100 × lost / (its
dimension's maximum × the LAO's number of scored dimensions). Both are exact and additive, so
the first `n_to_next_band` rows of a plan are the fewest (in plan order) that reach the next
band. Full points on every row give 100 %, so a plan always reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lpa_analysis import geo, stats
from lpa_analysis.processed import built_years, load_processed
from lpa_analysis.schema import DIM_PCT, Framework, display_name, to_be_year

# Scoring's tolerance at band boundaries (scoring.BOUNDARY_EPS; the build's module is not
# imported after the build).
BOUNDARY_EPS = 1e-9
MEASURES = [*DIM_PCT, "overall_pct"]
SCORECARD_COLUMNS = [
    "lao_code", "name", "name_th", "lao_type", "province_code", "province_th", "province_en",
    "district_th", "district_en", *DIM_PCT, "overall_pct", "band", "passed",
    *[f"province_mean_{m}" for m in MEASURES], *[f"type_median_{m}" for m in MEASURES],
    "rank_province_type", "n_province_type", "rank_national_type", "n_national_type",
    "year_previous", "comparable_overall_previous", "comparable_overall", "change",
    "n_comparable_indicators", "self_overall_pct", "gap_overall",
    "points", "max_points", "n_lost", "points_lost",
    "next_band", "next_band_min_pct", "need_pct", "need_points", "n_to_next_band",
    "gain_to_next_band_pct", "gain_to_next_band_points",
]
PLAN_COLUMNS = ["lao_code", "order", "indicator_id", "dimension", "indicator_th", "indicator_en",
                "verified_points", "max_points", "points_lost", "gain_pct", "cumulative_gain_pct",
                "no_row"]


@dataclass
class ScorecardData:
    year: int
    framework: Framework
    laos: pd.DataFrame  # SCORECARD_COLUMNS, ordered by province, district, name
    plan: pd.DataFrame  # PLAN_COLUMNS, ordered by LAO, then plan order
    basis: stats.ComparableBasis | None

    def of_province(self, province_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        laos = self.laos[self.laos["province_code"] == province_code].reset_index(drop=True)
        plan = self.plan[self.plan["lao_code"].isin(laos["lao_code"])].reset_index(drop=True)
        return laos, plan


INDICATOR_COLUMNS = ["lao_code", "indicator_id", "dimension", "lao_type", "province_code",
                     "verified_points", "max_points", "not_applicable", "pilot"]


def scorecard_data(year: int, processed_dir) -> ScorecardData:
    """Every LAO's scorecard data for `year` (the previous built year gives the change)."""
    year = to_be_year(year)
    processed = load_processed(year, processed_dir)
    framework = processed.framework
    laos = processed.scored_laos
    scores = pd.read_parquet(processed.folder / "indicator_scores.parquet",
                             columns=INDICATOR_COLUMNS)
    plan, lost = _plan(scores, laos, framework)
    del scores
    previous = max((y for y in built_years(processed_dir) if y < year), default=None)
    change, basis = _change(processed, previous, processed_dir)
    table = (_peers(laos)
             .merge(lost, on="lao_code", how="left")
             .merge(change, on="lao_code", how="left"))
    table = _next_band(table, plan, framework)
    table["n_lost"] = table["n_lost"].fillna(0).astype(int)
    table["points_lost"] = table["points_lost"].fillna(0.0)
    table["year_previous"] = previous if previous is not None else pd.NA
    table["n_comparable_indicators"] = len(basis.indicator_ids) if basis else 0
    table["name"] = [display_name(n, t) for n, t in zip(table["name_th"], table["lao_type"])]
    table["district_en"] = [geo.district_en(p, d) for p, d in
                            zip(table["province_code"], table["district_th"])]
    table = table.sort_values(["province_code", "district_th", "name", "lao_code"])
    return ScorecardData(year, framework, table[SCORECARD_COLUMNS].reset_index(drop=True),
                         plan[PLAN_COLUMNS], basis)


def _counted(scores: pd.DataFrame, laos: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """The (LAO, indicator) rows that count in the LAO's score, a counted indicator without a
    row added with 0 points (`no_row`), as scoring scores it."""
    counts = {t: {i.id for i in framework.indicators if i.applies(t) and not i.pilot}
              for t in laos["lao_type"].unique()}
    applies = pd.DataFrame([(t, i) for t, ids in counts.items() for i in ids],
                           columns=["lao_type", "indicator_id"])
    rows = scores[~scores["pilot"]].merge(applies, on=["lao_type", "indicator_id"])
    present = rows.groupby("lao_code").size()
    expected = laos.set_index("lao_code")["lao_type"].map({t: len(i) for t, i in counts.items()})
    short = expected.index[expected.to_numpy() > present.reindex(expected.index, fill_value=0)
                           .to_numpy()]
    if len(short):
        wanted = (laos.loc[laos["lao_code"].isin(short), ["lao_code", "lao_type", "province_code"]]
                  .merge(applies, on="lao_type"))
        have = rows.loc[rows["lao_code"].isin(short), ["lao_code", "indicator_id"]]
        absent = wanted.merge(have, how="left", indicator=True).query("_merge == 'left_only'")
        by_id = {i.id: i for i in framework.indicators}
        absent = absent.drop(columns="_merge").assign(
            dimension=absent["indicator_id"].map(lambda i: by_id[i].dimension),
            max_points=absent["indicator_id"].map(lambda i: by_id[i].max_points),
            verified_points=0.0, not_applicable=False, pilot=False, no_row=True)
        rows = pd.concat([rows.assign(no_row=False), absent], ignore_index=True)
    else:
        rows = rows.assign(no_row=False)
    return rows[~rows["not_applicable"]]


def _plan(scores: pd.DataFrame, laos: pd.DataFrame,
          framework: Framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plan rows, and per LAO: n_lost, points_lost."""
    rows = _counted(scores, laos, framework)
    rows["verified_points"] = rows["verified_points"].fillna(0.0)
    rows["points_lost"] = rows["max_points"] - rows["verified_points"]
    # What one point of each row is worth in overall percentage points.
    if framework.overall_method == "points":
        total = rows.groupby("lao_code")["max_points"].transform("sum")
        per_point = 100.0 / total
    else:
        dim_max = rows.groupby(["lao_code", "dimension"])["max_points"].transform("sum")
        n_dims = rows.groupby("lao_code")["dimension"].transform("nunique")
        per_point = 100.0 / (dim_max * n_dims)
    rows["gain_pct"] = rows["points_lost"] * per_point
    plan = rows[rows["points_lost"] > 0].sort_values(
        ["lao_code", "points_lost", "gain_pct", "indicator_id"],
        ascending=[True, False, False, True], kind="stable").reset_index(drop=True)
    plan["order"] = plan.groupby("lao_code").cumcount() + 1
    plan["cumulative_gain_pct"] = plan.groupby("lao_code")["gain_pct"].cumsum()
    names = pd.DataFrame([(i.id, i.name_th, i.name_en) for i in framework.indicators],
                         columns=["indicator_id", "indicator_th", "indicator_en"])
    plan = plan.merge(names, on="indicator_id", how="left")
    lost = plan.groupby("lao_code").agg(n_lost=("order", "size"),
                                        points_lost=("points_lost", "sum")).reset_index()
    return plan, lost


def _rank(values: pd.Series, groups: list[pd.Series]) -> pd.Series:
    """As scoring ranks: descending, ties (within 1e-9) share the best rank."""
    return values.round(9).groupby(groups).rank(method="min", ascending=False).astype("Int64")


def _peers(laos: pd.DataFrame) -> pd.DataFrame:
    """The LAO's own result, its province's mean (all LAOs) and its type's national median,
    and its rank among its type in the province and the nation."""
    out = laos[["lao_code", "name_th", "lao_type", "province_code", "province_th", "province_en",
                "district_th", *MEASURES, "band", "passed", "self_overall_pct", "gap_overall",
                "points", "max_points", "rank_province_type"]].copy()
    by_province = laos.groupby("province_code")[MEASURES].transform("mean")
    by_type = laos.groupby("lao_type")[MEASURES].transform("median")
    for m in MEASURES:
        out[f"province_mean_{m}"] = by_province[m]
        out[f"type_median_{m}"] = by_type[m]
    scored = laos["overall_pct"].notna()
    out["n_province_type"] = (scored.groupby([laos["province_code"], laos["lao_type"]])
                              .transform("sum").astype(int))
    out["n_national_type"] = scored.groupby(laos["lao_type"]).transform("sum").astype(int)
    out["rank_national_type"] = _rank(laos["overall_pct"], [laos["lao_type"]])
    return out


def _change(processed, previous: int | None, processed_dir
            ) -> tuple[pd.DataFrame, stats.ComparableBasis | None]:
    """Comparable overall % of both years (stats.comparable_basis) and its change."""
    columns = ["lao_code", "comparable_overall_previous", "comparable_overall", "change"]
    if previous is None:
        return pd.DataFrame(columns=columns), None
    before = load_processed(previous, processed_dir)
    basis = stats.comparable_basis(before.framework, processed.framework)
    scored = {}
    for year, p in ((previous, before), (processed.year, processed)):
        scored[year] = basis.rescore(pd.read_parquet(p.folder / "indicator_scores.parquet",
                                                     columns=INDICATOR_COLUMNS))
    out = scored[processed.year][["lao_code", "overall_pct"]].merge(
        scored[previous][["lao_code", "overall_pct"]], on="lao_code", how="left",
        suffixes=("", "_previous"))
    out.columns = ["lao_code", "comparable_overall", "comparable_overall_previous"]
    out["change"] = out["comparable_overall"] - out["comparable_overall_previous"]
    return out[columns], basis


def _next_band(table: pd.DataFrame, plan: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """The next band up, the overall percentage points (and, with the 'points' method, the
    points) it needs, and the fewest plan rows, in plan order, that reach it."""
    minima = np.array(sorted(b.min_pct for b in framework.bands))
    names = {b.min_pct: b.id for b in framework.bands}
    overall = table["overall_pct"].to_numpy(dtype=float)
    above = overall[:, None] < minima[None, :] - BOUNDARY_EPS
    nxt = np.where(above.any(axis=1), minima[np.argmax(above, axis=1)], np.nan)
    nxt[np.isnan(overall)] = np.nan
    table["next_band_min_pct"] = nxt
    table["next_band"] = pd.Series([names.get(m) if not np.isnan(m) else None for m in nxt],
                                   index=table.index, dtype="str")
    table["need_pct"] = nxt - overall
    table["need_points"] = (table["need_pct"] * table["max_points"] / 100
                            if framework.overall_method == "points" else np.nan)
    # The first plan row whose cumulative gain reaches the next band (within scoring's tolerance).
    target = plan[["lao_code", "order", "cumulative_gain_pct", "points_lost"]].merge(
        table[["lao_code", "need_pct"]], on="lao_code")
    reached = target[target["cumulative_gain_pct"] >= target["need_pct"] - BOUNDARY_EPS]
    first = reached.sort_values(["lao_code", "order"]).drop_duplicates("lao_code")
    first = first.rename(columns={"order": "n_to_next_band",
                                  "cumulative_gain_pct": "gain_to_next_band_pct"})
    points = target.merge(first[["lao_code", "n_to_next_band"]], on="lao_code")
    points = (points[points["order"] <= points["n_to_next_band"]].groupby("lao_code")
              ["points_lost"].sum().rename("gain_to_next_band_points"))
    table = table.merge(first[["lao_code", "n_to_next_band", "gain_to_next_band_pct"]],
                        on="lao_code", how="left").merge(points, on="lao_code", how="left")
    table["n_to_next_band"] = table["n_to_next_band"].astype("Int64")
    return table
