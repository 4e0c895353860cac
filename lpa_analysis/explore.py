"""Trend exploration for analysts (notebooks/explore_trends.ipynb): each function one view,
returning a tidy frame (statistics conventions of `lpa_analysis.stats`) or a `Chart`.

    years = built("data/processed")                       # every built year (lpa lab builds)
    panel = load_panel("data/processed", years)            # every year's scored LAOs
    trends(panel, by="region")                             # stats.trend_table, long
    plot_trend(trends(panel, by="lao_type"), lang="th")
    indicator_trends("data/processed", years)              # comparable indicators only
    peers(panel[panel.year == 2566], "6540112")            # LAOs like this one

Nothing here re-computes a statistic the `stats` package has: means, pass rates and their
CIs come from `stats.trend_table`, comparability from `stats.comparable_indicators`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lpa_analysis import i18n, plots, stats
from lpa_analysis.errors import InputError
from lpa_analysis.processed import DEFAULT_PROCESSED, built_years, load_processed
from lpa_analysis.schema import DIM_PCT, LAO_TYPE_ORDER, to_be_year
from lpa_analysis.stats._common import MISSING_YEAR, t_interval, tidy

TREND_BY = (None, "region", "province_code", "lao_type")
LAO_TYPES = [t.value for t in LAO_TYPE_ORDER]
INDICATOR_TREND_COLUMNS = ["year", "indicator_id", "dimension", "n", "attainment", "ci_low",
                           "ci_high", "note"]
PEER_FEATURES = [*DIM_PCT, "log_area"]
PEER_COLUMNS = ["rank", "lao_code", "name_th", "lao_type", "province_code", "distance",
                *DIM_PCT, "overall_pct", "area_km2"]


def built(processed_dir: str | Path = DEFAULT_PROCESSED) -> list[int]:
    """Every built year (BE), oldest first; none is an error that names the command to run."""
    years = built_years(processed_dir)
    if not years:
        raise InputError("no built year: run `lpa build --year <year>` (or `lpa lab`, which "
                         "builds every year of the data folder)", file=processed_dir)
    return years


def load_panel(processed_dir: str | Path = DEFAULT_PROCESSED,
               years: Iterable[int] | None = None) -> pd.DataFrame:
    """Every built year's scored LAOs in one frame, `year` (BE) first; one row per LAO-year."""
    years = (sorted(to_be_year(y) for y in years) if years is not None
             else built_years(processed_dir))
    if not years:
        raise InputError("no built year: run `lpa build --year <year>` first", file=processed_dir)
    frames = [load_processed(y, processed_dir).scored_laos.assign(year=y) for y in years]
    panel = pd.concat(frames, ignore_index=True)
    return panel[["year", *(c for c in panel.columns if c != "year")]]


def by_year(panel: pd.DataFrame) -> dict[int, pd.DataFrame]:
    return {int(y): part.drop(columns="year") for y, part in panel.groupby("year", sort=True)}


def trends(panel: pd.DataFrame, by: str | None = None, *, measures: Sequence[str] | None = None,
           only: Iterable[str] | None = None) -> pd.DataFrame:
    """`stats.trend_table` of the panel: year × group × measure with estimate and 95 % CI.

    by: None (national), 'region', 'province_code' or 'lao_type'. measures: a subset of
    d1_pct … d5_pct, overall_pct, pass_rate_pct (default all). only: keep these groups
    (e.g. only=['54'] with by='province_code').
    """
    if by not in TREND_BY:
        raise ValueError(f"by must be one of {TREND_BY}, not {by!r}")
    table = stats.trend_table(by_year(panel), by=by)
    if measures is not None:
        table = table[table["measure"].isin(list(measures))]
    if only is not None and by is not None:
        table = table[table[by].astype(str).isin([str(g) for g in only])]
    return table.reset_index(drop=True)


def series_label(by: str | None, value, lang: str) -> str:
    """What a trend line is called in the legend: the nation, a region, province or type."""
    if by is None:
        return i18n.t("chart.national", lang)
    if by == "region":
        return i18n.region_label(value, lang)
    if by == "province_code":
        return i18n.province_label(value, lang)
    if by == "lao_type":
        return i18n.lao_type_label(value, lang, short=True)
    return str(value)


def _measure_label(measure: str, lang: str) -> str:
    if measure == "pass_rate_pct":
        return i18n.t("chart.pass_rate_pct", lang)
    if measure == "overall_pct":
        return i18n.t("chart.overall_pct", lang)
    return f"{i18n.dimension_label(int(measure[1]), lang, short=True)} (%)"


def _without_small_bands(rows: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """No band where fewer than `min_n` LAOs stand behind a point: the interval of one LAO's
    pass rate spans most of the axis and hides every other line."""
    small = rows["n"].astype(float) < min_n
    return rows.assign(ci_low=rows["ci_low"].mask(small), ci_high=rows["ci_high"].mask(small))


def pass_mark(processed_dir: str | Path = DEFAULT_PROCESSED,
              years: Iterable[int] | None = None) -> float | None:
    """The pass mark of the years' frameworks (None when they differ: no one line is right)."""
    years = years if years is not None else built(processed_dir)
    marks = {load_processed(y, processed_dir).framework.pass_threshold for y in years}
    return marks.pop() if len(marks) == 1 else None


def plot_trend(trend: pd.DataFrame, *, lang: str, measure: str = "overall_pct",
               highlight=None, min_n: int = 10, pass_mark: float | None = None) -> plots.Chart:
    """One line per group (with its 95 % band when at least `min_n` LAOs are behind the point)
    of a `trends` table for one measure. highlight: a group value (e.g. '54') drawn in the
    accent colour; pass_mark: drawn on the overall score's chart (see `pass_mark()`)."""
    by = next((c for c in ("region", "province_code", "lao_type") if c in trend.columns), None)
    rows = trend[(trend["measure"] == measure) & trend["estimate"].notna()]
    if rows.empty:
        raise ValueError(f"the trend table has no estimate for {measure!r}")
    keys = rows[by] if by else pd.Series([None] * len(rows), index=rows.index)
    lines = _without_small_bands(rows, min_n).assign(
        series=[series_label(by, k, lang) for k in keys], value=rows["estimate"])
    marked = series_label(by, highlight, lang) if highlight is not None else None
    return plots.trend_lines(lines, lang=lang, highlight=marked,
                             value_label=_measure_label(measure, lang),
                             pass_mark=pass_mark if measure == "overall_pct" else None)


def comparable_ids(frameworks: dict) -> list[str]:
    """Indicator ids comparable (stats.comparable_indicators) between every pair of successive
    years; comparability is equality of definition, so successive pairs cover all pairs."""
    years = sorted(frameworks)
    ids = [i.id for i in frameworks[years[0]].indicators if not i.pilot]
    for a, b in zip(years, years[1:]):
        table = stats.comparable_indicators(frameworks[a], frameworks[b])
        keep = set(table.loc[table["comparable"], "indicator_id"])
        ids = [i for i in ids if i in keep]
    return ids


def indicator_trends(processed_dir: str | Path = DEFAULT_PROCESSED,
                     years: Iterable[int] | None = None, *, province: str | None = None,
                     lao_type: str | None = None) -> pd.DataFrame:
    """Mean attainment (0–1) of each indicator comparable across all `years`, per year, with a
    95 % Student-t CI over the LAOs it applies to (stats convention; 'missing_year' when a year
    has no rows). Restrict to a province (code or name) and/or an LAO type.

    Columns: year, indicator_id, dimension, n, attainment, ci_low, ci_high, note.
    """
    from lpa_analysis.geo import resolve_province

    years = (sorted(to_be_year(y) for y in years) if years is not None
             else built_years(processed_dir))
    frameworks = {y: load_processed(y, processed_dir).framework for y in years}
    ids = comparable_ids(frameworks)
    code = resolve_province(province).code if province is not None else None
    rows = []
    for year in years:
        scores = load_processed(year, processed_dir).indicator_scores
        keep = (scores["indicator_id"].isin(ids) & ~scores["not_applicable"].astype(bool)
                & ~scores["pilot"].astype(bool))
        if code is not None:
            keep &= scores["province_code"].astype(str) == code
        if lao_type is not None:
            keep &= scores["lao_type"] == lao_type
        part = scores.loc[keep, ["indicator_id", "attainment"]]
        grouped = {i: g["attainment"].dropna().to_numpy(float)
                   for i, g in part.groupby("indicator_id")}
        for indicator_id in ids:
            dimension = frameworks[year].indicator(indicator_id).dimension
            x = grouped.get(indicator_id, np.array([]))
            if len(x) == 0:
                rows.append({"year": year, "indicator_id": indicator_id, "dimension": dimension,
                             "n": 0, "note": MISSING_YEAR})
                continue
            low, high, note = t_interval(x)
            rows.append({"year": year, "indicator_id": indicator_id, "dimension": dimension,
                         "n": len(x), "attainment": float(np.mean(x)), "ci_low": low,
                         "ci_high": high, "note": note})
    return tidy(rows, INDICATOR_TREND_COLUMNS)


def indicator_changes(trend: pd.DataFrame, min_n: int = 10) -> pd.DataFrame:
    """Per indicator: attainment in the first and last year and the change (last − first),
    largest fall first — where to look in `plot_indicator_trends`. Indicators that apply to
    fewer than `min_n` LAOs in some year are left out (a change of one LAO is no trend)."""
    rows = trend.dropna(subset=["attainment"]).sort_values("year")
    few = rows.loc[rows["n"].astype(float) < min_n, "indicator_id"]
    rows = rows[~rows["indicator_id"].isin(set(few))]
    ends = rows.groupby(["indicator_id", "dimension"])["attainment"].agg(["first", "last"])
    ends = ends.rename(columns={"first": "attainment_first", "last": "attainment_last"})
    return (ends.assign(change=ends["attainment_last"] - ends["attainment_first"])
            .sort_values("change").reset_index())


def plot_indicator_trends(trend: pd.DataFrame, *, lang: str,
                          indicators: Sequence[str] | None = None, n: int = 5,
                          min_n: int = 10) -> plots.Chart:
    """Attainment over the years of `indicators` (default: the `n` that fell most among those
    with at least `min_n` LAOs every year; bands only where `min_n` LAOs are behind a point)."""
    chosen = list(indicators) if indicators is not None else \
        indicator_changes(trend, min_n)["indicator_id"].head(n).tolist()
    rows = trend[trend["indicator_id"].isin(chosen) & trend["attainment"].notna()]
    lines = _without_small_bands(rows, min_n).assign(series=rows["indicator_id"],
                                                     value=rows["attainment"])
    return plots.trend_lines(lines, lang=lang, scale=100,
                             value_label=i18n.t("chart.attainment_pct", lang))


def peers(scored: pd.DataFrame, lao_code: str, n: int = 10) -> pd.DataFrame:
    """The `n` LAOs most like `lao_code`: same LAO type, nearest by profile and size.

    Metric: Euclidean distance over d1_pct … d5_pct and log(area_km2), each feature
    standardised (z-score) over the LAOs of that type in `scored`, so one SD counts the same in
    every feature (a larger size difference weighs as much as a dimension score difference).
    An LAO without an area is compared on the profile alone (and so are all candidates).
    Columns: rank, lao_code, name_th, lao_type, province_code, distance, d1_pct … d5_pct,
    overall_pct, area_km2; nearest first; the LAO itself is not listed.
    """
    if "year" in scored and scored["year"].nunique() > 1:
        raise ValueError("peers takes one year's scored LAOs (e.g. panel[panel.year == 2566])")
    codes = scored["lao_code"].astype(str)
    if not (codes == str(lao_code)).any():
        raise InputError(f"LAO {lao_code} is not among the scored LAOs")
    target = scored.loc[codes == str(lao_code)].iloc[0]
    same = scored[scored["lao_type"] == target["lao_type"]]
    area = same["area_km2"].astype(float)
    features = same[DIM_PCT].astype(float).assign(
        log_area=np.log(area.where(area > 0)))
    use = DIM_PCT if pd.isna(features.loc[target.name, "log_area"]) else PEER_FEATURES
    features = features[use].dropna()
    if target.name not in features.index:
        raise InputError(f"LAO {lao_code} has no complete score profile to compare")
    z = (features - features.mean()) / features.std(ddof=1).replace(0, np.nan)
    z = z.fillna(0.0)  # a feature without spread cannot separate anyone
    distance = np.sqrt(((z - z.loc[target.name]) ** 2).sum(axis=1)).drop(target.name)
    nearest = distance.sort_values(kind="stable").head(n)
    out = same.loc[nearest.index].assign(distance=nearest.to_numpy(),
                                         rank=np.arange(1, len(nearest) + 1))
    return out[PEER_COLUMNS].reset_index(drop=True)


def _widgets():
    """ipywidgets when installed (the [lab] extra), else None — a static view instead."""
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


def choose(show: Callable[[object], object], options: Sequence, value, *, label: str = "",
           interactive: bool = True):
    """`show(value)` with a dropdown to pick another option, when a live JupyterLab with
    ipywidgets runs the notebook; otherwise (headless runs, no ipywidgets) simply
    `show(value)`, so a rendered notebook still holds the view.

    options: values, or (label, value) pairs as ipywidgets takes them.
    """
    widgets = _widgets() if interactive else None
    if widgets is None:
        return show(value)
    from IPython.display import display

    dropdown = widgets.Dropdown(options=list(options), value=value, description=label)
    out = widgets.Output()

    def redraw(_change=None):
        with out:
            out.clear_output(wait=True)
            display(show(dropdown.value))

    dropdown.observe(redraw, names="value")
    redraw()
    return widgets.VBox([dropdown, out])


def province_options(panel: pd.DataFrame, lang: str) -> list[tuple[str, str]]:
    """(label, code) of every province in the panel, for `choose`."""
    codes = sorted(panel["province_code"].astype(str).unique())
    return [(i18n.province_label(c, lang), c) for c in codes]


def type_options(panel: pd.DataFrame, lang: str) -> list[tuple[str, str]]:
    """(label, type) of every LAO type in the panel, in DLA order, for `choose`."""
    present = set(panel["lao_type"].astype(str))
    return [(i18n.lao_type_label(t, lang), t) for t in LAO_TYPES if t in present]
