"""Analysts' views: each question one call, returning a tidy frame (statistics conventions of
`lpa_analysis.stats`), with a figure function beside it. Works from any working directory.

    lao("6540803")                       # one LAO, every built year: dimensions, indicators, change
    movers("แพร่", by="dimension")        # the 10 biggest falls since the previous year
    districts("54")                      # districts (อำเภอ) of a province: pass rate, CI, weakest
    trend("54")                          # province, its region and the nation, every year
    plot_trend(trend("54"), lang="th")   # one line per level, never one zig-zag
    peers("6540803")                     # LAOs of the same type in its province and district
    indicator("1.1.1")                   # one indicator, per province and nationally
    workbook(2566, "phrae.xlsx", province="54")   # the year as an Excel workbook

The processed folder (what `lpa build` wrote) comes from the `processed_dir` argument, else
$LPA_PROCESSED, else the project's data/processed (`processed_folder`); the year defaults to
the latest built. Every change is measured on the comparable basis of the two years
(`stats.comparable_basis`: indicators defined identically in both, the later year's overall
method in both), as in the reports. Panel views for notebooks/explore_trends.ipynb:

    panel = load_panel()                                   # every year's scored LAOs
    trends(panel, by="region")                             # stats.trend_table, long
    indicator_trends()                                     # comparable indicators only
    nearest(panel[panel.year == 2566], "6540112")          # LAOs most like this one

Nothing here re-computes a statistic the `stats` package has: means, pass rates and their
CIs come from `stats.trend_table` / `stats.district_table`, comparability from
`stats.comparable_basis`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lpa_analysis import i18n, stats
from lpa_analysis.errors import InputError
from lpa_analysis.geo import resolve_province
from lpa_analysis.package_data import NOTEBOOKS
from lpa_analysis.processed import DEFAULT_PROCESSED, built_years, load_processed
from lpa_analysis.schema import DIM_PCT, LAO_TYPE_ORDER, display_name, to_be_year
from lpa_analysis.stats._common import MISSING_YEAR, t_interval, tidy

if TYPE_CHECKING:  # charts (matplotlib) load with the first figure: `lpa show` draws none
    from lpa_analysis import plots

TREND_BY = (None, "region", "province_code", "lao_type")
LAO_TYPES = [t.value for t in LAO_TYPE_ORDER]
INDICATOR_TREND_COLUMNS = ["year", "indicator_id", "dimension", "n", "attainment", "ci_low",
                           "ci_high", "note"]
PEER_FEATURES = [*DIM_PCT, "log_area"]
NEAREST_COLUMNS = ["rank", "lao_code", "name_th", "lao_type", "province_code", "distance",
                   *DIM_PCT, "overall_pct", "area_km2"]
PROCESSED_ENV = "LPA_PROCESSED"  # `lpa lab` sets it for the notebooks it opens


def project_processed() -> Path:
    """The project's processed folder: data/processed of the checkout this package runs from
    (as `lpa lab` uses), or of the working directory when installed from a wheel."""
    notebooks = NOTEBOOKS.resolve()
    root = notebooks.parent if (notebooks.parent / "pyproject.toml").is_file() else Path.cwd()
    return root / DEFAULT_PROCESSED


def processed_folder(processed_dir: str | Path | None = None) -> Path:
    """The processed folder to read: `processed_dir` when given, else $LPA_PROCESSED, else the
    project's data/processed (then ./data/processed). A folder given (argument or variable) is
    used alone, never silently replaced by another; one without a built year is an error that
    names every path tried and how to build."""
    if processed_dir is not None:
        tried = [("argument", Path(processed_dir))]
    elif os.environ.get(PROCESSED_ENV):
        tried = [(f"${PROCESSED_ENV}", Path(os.environ[PROCESSED_ENV]))]
    else:
        tried = [("project default", project_processed()),
                 ("working directory", Path.cwd() / DEFAULT_PROCESSED)]
    for _, folder in tried:
        if built_years(folder):
            return folder.resolve()
    paths = "; ".join(f"{how}: {folder.resolve()}" for how, folder in dict.fromkeys(tried))
    raise InputError(f"no built year found (tried {paths}). Build one with `lpa build --year "
                     f"<year> --out <folder>` (or `lpa lab`, which builds every year), or set "
                     f"{PROCESSED_ENV} to a processed folder")


def built(processed_dir: str | Path | None = None) -> list[int]:
    """Every built year (BE), oldest first; none is an error that names the paths tried."""
    return built_years(processed_folder(processed_dir))


def latest_year(year: int | None, processed_dir: str | Path | None = None) -> int:
    """`year` (BE or CE) when built, else the latest built year when `year` is None."""
    years = built(processed_dir)
    if year is None:
        return years[-1]
    year = to_be_year(year)
    if year not in years:
        raise InputError(f"year {year} is not built (built: {', '.join(map(str, years))}); "
                         f"run: lpa build --year {year}", file=processed_folder(processed_dir))
    return year


def load_panel(processed_dir: str | Path | None = None,
               years: Iterable[int] | None = None) -> pd.DataFrame:
    """Every built year's scored LAOs in one frame, `year` (BE) first; one row per LAO-year."""
    processed_dir = processed_folder(processed_dir)
    years = (sorted(to_be_year(y) for y in years) if years is not None
             else built_years(processed_dir))
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


def pass_mark(processed_dir: str | Path | None = None,
              years: Iterable[int] | None = None) -> float | None:
    """The pass mark of the years' frameworks (None when they differ: no one line is right)."""
    processed_dir = processed_folder(processed_dir)
    years = years if years is not None else built(processed_dir)
    marks = {load_processed(y, processed_dir).framework.pass_threshold for y in years}
    return marks.pop() if len(marks) == 1 else None


def plot_trend(trend: pd.DataFrame, *, lang: str, measure: str = "overall_pct",
               highlight=None, min_n: int = 10, pass_mark: float | None = None) -> plots.Chart:
    """One line per series (with its 95 % band when at least `min_n` LAOs are behind the point)
    of a trend table for one measure: `trend` (province, region, nation: the province drawn in
    the accent colour) or `trends` (one group column). A `series` column, when present, names
    the lines. highlight: a group value (e.g. '54') drawn in the accent colour; pass_mark:
    drawn on the overall score's chart (see `pass_mark()`).

    A line has one point a year: a table whose rows would put two points of one line in the
    same year (levels concatenated without their labels) is an error, never a zig-zag line."""
    rows = trend[(trend["measure"] == measure) & trend["estimate"].notna()]
    if rows.empty:
        raise ValueError(f"the trend table has no estimate for {measure!r}")
    series, marked = _series(rows, lang, highlight)
    lines = _without_small_bands(rows, min_n).assign(series=series, value=rows["estimate"])
    doubled = lines[lines.duplicated(["series", "year"], keep=False)]
    if not doubled.empty:
        first = doubled.iloc[0]
        points = int(((doubled["series"] == first["series"])
                      & (doubled["year"] == first["year"])).sum())
        raise ValueError(
            f"line {first['series']!r} has {points} points in {int(first['year'])}: rows of "
            "different levels or groups without a column telling them apart. Use "
            "explore.trend(province), which "
            "labels each level, or give each row a `series` column")
    from lpa_analysis import plots

    return plots.trend_lines(lines, lang=lang, highlight=marked,
                             value_label=_measure_label(measure, lang),
                             pass_mark=pass_mark if measure == "overall_pct" else None)


def _series(rows: pd.DataFrame, lang: str, highlight) -> tuple[list[str], str | None]:
    """The legend label of each row, and that of the highlighted group."""
    if "series" in rows:
        return rows["series"].astype(str).tolist(), highlight
    if "level" in rows:
        labels = [level_label(lv, g, lang) for lv, g in zip(rows["level"], rows["group"])]
        first = rows.iloc[0]
        chosen = (level_label(first["level"], first["group"], lang) if highlight is None
                  else i18n.province_label(highlight, lang))
        return labels, chosen
    present = [c for c in TREND_BY[1:] if c in rows]
    if len(present) > 1:
        raise ValueError(f"the trend table has several group columns ({', '.join(present)}): "
                         "give each row a `series` column, or use explore.trend(province)")
    by = present[0] if present else None
    if by is not None and rows[by].isna().any():
        raise ValueError(f"some rows have no {by}: rows of different levels mixed. Use "
                         "explore.trend(province), or give each row a `series` column")
    keys = rows[by] if by else [None] * len(rows)
    marked = series_label(by, highlight, lang) if highlight is not None else None
    return [series_label(by, k, lang) for k in keys], marked


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


def indicator_trends(processed_dir: str | Path | None = None,
                     years: Iterable[int] | None = None, *, province: str | None = None,
                     lao_type: str | None = None) -> pd.DataFrame:
    """Mean attainment (0–1) of each indicator comparable across all `years`, per year, with a
    95 % Student-t CI over the LAOs it applies to (stats convention; 'missing_year' when a year
    has no rows). Restrict to a province (code or name) and/or an LAO type.

    Columns: year, indicator_id, dimension, n, attainment, ci_low, ci_high, note.
    """
    processed_dir = processed_folder(processed_dir)
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
    from lpa_analysis import plots

    return plots.trend_lines(lines, lang=lang, scale=100,
                             value_label=i18n.t("chart.attainment_pct", lang))


def nearest(scored: pd.DataFrame, lao_code: str, n: int = 10) -> pd.DataFrame:
    """The `n` LAOs most like `lao_code`: same LAO type, nearest by profile and size.

    Metric: Euclidean distance over d1_pct … d5_pct and log(area_km2), each feature
    standardised (z-score) over the LAOs of that type in `scored`, so one SD counts the same in
    every feature (a larger size difference weighs as much as a dimension score difference).
    An LAO without an area is compared on the profile alone (and so are all candidates).
    Columns: rank, lao_code, name_th, lao_type, province_code, distance, d1_pct … d5_pct,
    overall_pct, area_km2; nearest first; the LAO itself is not listed.
    """
    if "year" in scored and scored["year"].nunique() > 1:
        raise ValueError("nearest takes one year's scored LAOs (e.g. panel[panel.year == 2566])")
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
    return out[NEAREST_COLUMNS].reset_index(drop=True)


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


# --- one call per question (issue 18) -----------------------------------------------------------

LEVELS = ("province", "region", "nation")
LAO_COLUMNS = ["lao_code", "name", "lao_type", "province_code", "district_th", "year", "level", "item", "dimension", "name_th", "name_en",
               "points", "max_points", "score_pct", "comparable_previous",
               "comparable_current", "change", "passed", "band", "rank_province", "note"]
MOVER_COLUMNS = ["rank", "lao_code", "name", "lao_type", "district_th", "measure", "previous",
                 "current", "change", "dimension_moved", "dimension_change", "year_a",
                 "year_b", "n_comparable_indicators"]
PEER_COLUMNS = ["lao_code", "name", "district_th", "in_district", "is_self", "rank_province",
                "rank_district", *DIM_PCT, "overall_pct", "passed", "band"]
SUMMARY_COLUMNS = ["level", "group", "n", "passed", "pass_rate", "ci_low", "ci_high", *DIM_PCT,
                   "overall_pct"]
INDICATOR_COLUMNS = ["indicator_id", "name_th", "name_en", "dimension", "level",
                     "province_code", "n", "attainment_pct", "ci_low", "ci_high", "note"]


def level_label(level: str, group, lang: str) -> str:
    """The legend label of a `trend` row: the province, its region or the nation."""
    if level == "nation":
        return i18n.t("chart.national", lang)
    if level == "region":
        return i18n.region_label(group, lang)
    return i18n.province_label(group, lang)


def _named(frame: pd.DataFrame) -> list[str]:
    """LAO names with their type prefix (อบต.เด่นชัย and ทต.เด่นชัย are different LAOs)."""
    return [display_name(n, t) for n, t in zip(frame["name_th"], frame["lao_type"])]


def _previous(year: int, folder: Path) -> int:
    """The latest built year before `year` (what the reports compare with)."""
    earlier = [y for y in built_years(folder) if y < year]
    if not earlier:
        raise InputError(f"no built year before {year}: a change needs two years; run "
                         f"lpa build --year {year - 1}", file=folder)
    return earlier[-1]


def _basis(year_a: int, year_b: int, folder: Path) -> stats.ComparableBasis:
    return stats.comparable_basis(load_processed(year_a, folder).framework,
                                  load_processed(year_b, folder).framework)


def _the_lao(code: str, folder: Path, years: Sequence[int]) -> pd.DataFrame:
    """The LAO's scored rows of every year it was assessed in (column `year`)."""
    rows = [load_processed(y, folder).scored_laos.assign(year=y) for y in years]
    found = pd.concat([r[r["lao_code"].astype(str) == code] for r in rows], ignore_index=True)
    if found.empty:
        raise InputError(f"LAO {code} is in no built year ({', '.join(map(str, years))})",
                         file=folder)
    return found


def lao(code: str | int, processed_dir: str | Path | None = None) -> pd.DataFrame:
    """One LAO's results in every built year, long: per year one row for the overall score
    (with passed, band, rank in the province), one per dimension and one per indicator (Thai
    and English names of that year's framework; score_pct = points / max_points × 100).

    comparable_previous, comparable_current, change: change from the previous built year on
    the comparable basis (both years rescored on the indicators defined identically in both;
    an indicator's own change only when it is comparable). note: 'not_applicable' or 'pilot'
    for indicators that do not count. Columns: LAO_COLUMNS.
    """
    folder, code = processed_folder(processed_dir), str(code)
    years = built_years(folder)
    found = _the_lao(code, folder, years)
    province = str(found["province_code"].iloc[-1])
    scores = {int(y): _lao_scores(int(y), code, province, folder) for y in found["year"]}
    rows = []
    for own in found.to_dict("records"):
        year = int(own["year"])
        prev = next((y for y in reversed(years) if y < year and y in scores), None)
        basis = _basis(prev, year, folder) if prev is not None else None
        rows += _lao_year_rows(own, scores[year], scores.get(prev), basis,
                               load_processed(year, folder).framework)
    out = tidy(rows, LAO_COLUMNS)
    last = found.iloc[-1]
    return out.assign(name=display_name(last["name_th"], last["lao_type"]),
                      lao_type=last["lao_type"], province_code=province,
                      district_th=last["district_th"],
                      dimension=out["dimension"].astype("Int64"),
                      rank_province=out["rank_province"].astype("Int64"))


def _lao_scores(year: int, code: str, province: str, folder: Path) -> pd.DataFrame:
    scores = load_processed(year, folder).indicator_scores_of(province)
    return scores[scores["lao_code"].astype(str) == code]


def _lao_year_rows(own: dict, scores: pd.DataFrame, scores_prev: pd.DataFrame | None,
                   basis: stats.ComparableBasis | None, framework) -> list[dict]:
    year, code = int(own["year"]), own["lao_code"]
    base = {"lao_code": code, "year": year}
    now = prev = {}
    if basis is not None:
        now = basis.rescore(scores).iloc[0].to_dict() if not scores.empty else {}
        rescored = basis.rescore(scores_prev)
        prev = rescored.iloc[0].to_dict() if not rescored.empty else {}
    rows = []
    for item in [*DIM_PCT, "overall_pct"]:
        overall = item == "overall_pct"
        dimension = None if overall else int(item[1])
        rows.append({**base, "level": "overall" if overall else "dimension", "item": item,
                     "dimension": dimension,
                     "name_th": _measure_name(item, "th"), "name_en": _measure_name(item, "en"),
                     "score_pct": own[item], **_change(prev.get(item), now.get(item)),
                     **({k: own[k] for k in ("passed", "band", "rank_province")}
                        if overall else {})})
    comparable = set(basis.indicator_ids) if basis is not None else set()
    before = (scores_prev.set_index("indicator_id")["attainment"]
              if scores_prev is not None else pd.Series(dtype=float))
    for score in scores.sort_values("indicator_id").to_dict("records"):
        indicator = framework.indicator(score["indicator_id"])
        counts = not (score["not_applicable"] or score["pilot"])
        pct = 100 * score["attainment"] if counts else np.nan
        was = (100 * before.get(indicator.id, np.nan)
               if counts and indicator.id in comparable else np.nan)
        rows.append({**base, "level": "indicator", "item": indicator.id,
                     "dimension": indicator.dimension, "name_th": indicator.name_th,
                     "name_en": indicator.name_en, "points": score["verified_points"],
                     "max_points": score["max_points"], "score_pct": pct,
                     **_change(was, pct if indicator.id in comparable else np.nan),
                     "note": None if counts else
                     ("pilot" if score["pilot"] else "not_applicable")})
    return rows


def _change(before, after) -> dict:
    if before is None or after is None or pd.isna(before) or pd.isna(after):
        return {}
    return {"comparable_previous": before, "comparable_current": after,
            "change": after - before}


def _measure_name(measure: str, lang: str) -> str:
    if measure == "overall_pct":
        return i18n.t("col.overall_pct", lang)
    return i18n.dimension_label(int(measure[1]), lang)


def plot_lao(table: pd.DataFrame, *, lang: str) -> plots.Chart:
    """The LAO's overall and dimension scores over the years (a `lao` table)."""
    rows = table[table["level"].isin(["overall", "dimension"]) & table["score_pct"].notna()]
    lines = rows.assign(series=[_measure_label(m, lang) for m in rows["item"]],
                        value=rows["score_pct"])
    from lpa_analysis import plots

    return plots.trend_lines(lines, lang=lang, highlight=_measure_label("overall_pct", lang),
                             value_label=i18n.t("chart.overall_pct", lang))


def movers(province: str | int, year: int | None = None, *, by: str = "dimension",
           n: int = 10, direction: str = "down",
           processed_dir: str | Path | None = None) -> pd.DataFrame:
    """The province's `n` biggest falls (direction='down') or rises ('up') from the previous
    built year, on the comparable basis (both years rescored on the indicators defined
    identically in both; the later year's overall method in both).

    by='overall': the LAOs whose overall score moved most, each with the dimension that moved
    most the same way (dimension_moved, dimension_change). by='dimension': the LAO ×
    dimension pairs that moved most (an LAO may appear more than once). Only real moves are
    listed; ties go by lao_code. Columns: MOVER_COLUMNS.
    """
    if by not in ("dimension", "overall"):
        raise ValueError(f"by must be 'dimension' or 'overall', not {by!r}")
    if direction not in ("down", "up"):
        raise ValueError(f"direction must be 'down' or 'up', not {direction!r}")
    folder = processed_folder(processed_dir)
    year = latest_year(year, folder)
    prev = _previous(year, folder)
    code = resolve_province(province).code
    basis = _basis(prev, year, folder)
    a, b = (basis.rescore(load_processed(y, folder).indicator_scores_of(code))
            for y in (prev, year))
    laos = load_processed(year, folder).scored_laos
    laos = laos[laos["province_code"] == code]
    long = _changes_long(a, b).merge(
        laos[["lao_code", "name_th", "lao_type", "district_th"]], on="lao_code")
    sign = -1 if direction == "down" else 1
    long = long[sign * long["change"] > 0]
    chosen = long[long["measure"] == "overall_pct"] if by == "overall" else \
        long[long["measure"] != "overall_pct"]
    top = chosen.assign(order=-sign * chosen["change"]).sort_values(
        ["order", "lao_code", "measure"]).head(n)
    if by == "overall":
        dims = long[long["measure"] != "overall_pct"].assign(order=-sign * long["change"])
        moved = dims.sort_values(["order", "measure"]).drop_duplicates("lao_code")
        top = top.merge(moved[["lao_code", "measure", "change"]].rename(
            columns={"measure": "dimension_moved", "change": "dimension_change"}),
            on="lao_code", how="left")
    top = top.assign(rank=np.arange(1, len(top) + 1), name=_named(top), year_a=prev,
                     year_b=year, n_comparable_indicators=len(basis.indicator_ids))
    return tidy(top.to_dict("records"), MOVER_COLUMNS)


def _changes_long(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """lao_code, measure, previous, current, change of the LAOs in both rescored tables."""
    measures = [*DIM_PCT, "overall_pct"]
    both = b[["lao_code", *measures]].merge(a[["lao_code", *measures]], on="lao_code",
                                            suffixes=("", "_a"))
    parts = [pd.DataFrame({"lao_code": both["lao_code"], "measure": m,
                           "previous": both[f"{m}_a"], "current": both[m]}) for m in measures]
    long = pd.concat(parts, ignore_index=True).dropna(subset=["previous", "current"])
    return long.assign(change=long["current"] - long["previous"])


def summary(province: str | int, year: int | None = None, *,
            processed_dir: str | Path | None = None) -> pd.DataFrame:
    """The province, its region and the nation in `year`: LAOs assessed, passed, the pass
    rate with its Wilson 95 % interval (`stats.pass_rate`, proportions 0–1) and the mean
    score of each dimension and overall (`stats.describe`). Columns: level, group, n, passed,
    pass_rate, ci_low, ci_high, d1_pct … d5_pct, overall_pct."""
    folder = processed_folder(processed_dir)
    laos = load_processed(latest_year(year, folder), folder).scored_laos
    info = resolve_province(province)
    parts = [("province", info.code, laos[laos["province_code"] == info.code]),
             ("region", info.region, laos[laos["region"] == info.region]),
             ("nation", "TH", laos)]
    rows = []
    for level, group, part in parts:
        rate = stats.pass_rate(part).iloc[0]
        means = stats.describe(part).set_index("measure")["mean"]
        rows.append({"level": level, "group": group, "n": rate["n"], "passed": rate["passed"],
                     "pass_rate": rate["rate"], "ci_low": rate["ci_low"],
                     "ci_high": rate["ci_high"], **means.to_dict()})
    return tidy(rows, SUMMARY_COLUMNS)


def districts(province: str | int, year: int | None = None, *,
              processed_dir: str | Path | None = None) -> pd.DataFrame:
    """The province's districts (อำเภอ): `stats.district_table` of its LAOs in `year` — n,
    passed, pass rate with its Wilson 95 % interval (proportions 0–1), mean overall score,
    weakest dimension."""
    folder = processed_folder(processed_dir)
    laos = load_processed(latest_year(year, folder), folder).scored_laos
    return stats.district_table(laos[laos["province_code"] == resolve_province(province).code])


def plot_districts(table: pd.DataFrame, *, lang: str,
                   pass_mark: float | None = None) -> plots.Chart:
    """Pass rate of each district with its 95 % interval (a `districts` table)."""
    names = table["district_en"].fillna(table["district_th"]) if lang == "en" else \
        table["district_th"]
    from lpa_analysis import plots

    return plots.bar_with_ci(table.assign(label=names, rate=table["pass_rate"]), lang=lang,
                             pass_mark=pass_mark)


def trend(province: str | int, years: Iterable[int] | None = None, *,
          compare: Sequence[str] = ("region", "nation"),
          processed_dir: str | Path | None = None) -> pd.DataFrame:
    """The province beside its region and the nation (and any other province named in
    `compare`) in every built year (or `years`): `stats.trend_table` of each year's scores.

    Columns: level ('province', 'region', 'nation'), group (province code, region, or
    'TH'), year, measure (d1_pct … d5_pct, overall_pct, pass_rate_pct), n, estimate, ci_low,
    ci_high, ci_method, note; the province first. Draw it with `plot_trend` (one line per
    level). Levels are each year's own scores; changes between years are measured on the
    comparable basis (`movers`, `lao`, the reports' change table).
    """
    info = resolve_province(province)
    panel = load_panel(processed_dir, years)
    parts = [(panel["province_code"] == info.code, "province", info.code)]
    for other in compare:
        if other == "region":
            parts.append((panel["region"] == info.region, "region", info.region))
        elif other == "nation":
            parts.append((pd.Series(True, index=panel.index), "nation", "TH"))
        else:
            code = resolve_province(other).code
            parts.append((panel["province_code"] == code, "province", code))
    tables = [trends(panel[keep]).assign(level=level, group=group)
              for keep, level, group in parts]
    out = pd.concat(tables, ignore_index=True)
    return out[["level", "group", *(c for c in out.columns if c not in ("level", "group"))]]


def peers(code: str | int, year: int | None = None, *,
          processed_dir: str | Path | None = None) -> pd.DataFrame:
    """The LAOs of the same type in the LAO's province, its district's first, each by overall
    score (highest first): rank among them in the province and in the district (1 = highest;
    ties share the best rank), the LAO itself marked is_self. Columns: PEER_COLUMNS.
    (`nearest` finds the LAOs most alike in profile and size nationally.)"""
    folder, code = processed_folder(processed_dir), str(code)
    year = latest_year(year, folder)
    laos = load_processed(year, folder).scored_laos
    mine = laos[laos["lao_code"].astype(str) == code]
    if mine.empty:
        raise InputError(f"LAO {code} is not among the LAOs scored in {year}", file=folder)
    me = mine.iloc[0]
    same = laos[(laos["province_code"] == me["province_code"])
                & (laos["lao_type"] == me["lao_type"])]
    same = same.assign(name=_named(same), is_self=same["lao_code"].astype(str) == code,
                       in_district=same["district_th"] == me["district_th"],
                       rank_province=same["overall_pct"].rank(ascending=False, method="min"))
    district = same["in_district"]
    same["rank_district"] = same.loc[district, "overall_pct"].rank(ascending=False,
                                                                    method="min")
    same = same.sort_values(["in_district", "overall_pct", "lao_code"],
                            ascending=[False, False, True])
    ranks = {c: same[c].astype("Int64") for c in ("rank_province", "rank_district")}
    return same.assign(**ranks)[PEER_COLUMNS].reset_index(drop=True)


def indicator(indicator_id: str, year: int | None = None, *,
              processed_dir: str | Path | None = None) -> pd.DataFrame:
    """One indicator in `year`: mean attainment (% of its maximum) over the LAOs it applies to,
    with a 95 % Student-t interval, nationally (first row) and per province. Columns:
    INDICATOR_COLUMNS."""
    folder = processed_folder(processed_dir)
    processed = load_processed(latest_year(year, folder), folder)
    ids = [i.id for i in processed.framework.indicators]
    if indicator_id not in ids:
        close = difflib.get_close_matches(str(indicator_id), ids, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise InputError(f"no indicator {indicator_id!r} in the {processed.year} framework."
                         + hint)
    ind = processed.framework.indicator(indicator_id)
    scores = pd.read_parquet(processed.folder / "indicator_scores.parquet",
                             columns=["province_code", "attainment", "not_applicable"],
                             filters=[("indicator_id", "==", indicator_id)])
    scores = scores[~scores["not_applicable"].astype(bool)]
    named = {"indicator_id": ind.id, "name_th": ind.name_th, "name_en": ind.name_en,
             "dimension": ind.dimension}
    rows = [{**named, "level": "nation", **_attainment(scores)}]
    rows += [{**named, "level": "province", "province_code": code, **_attainment(part)}
             for code, part in scores.groupby("province_code", observed=True, sort=True)]
    return tidy(rows, INDICATOR_COLUMNS)


def _attainment(scores: pd.DataFrame) -> dict:
    x = 100 * scores["attainment"].dropna().to_numpy(float)
    low, high, note = t_interval(x)
    return {"n": len(x), "attainment_pct": float(np.mean(x)) if len(x) else np.nan,
            "ci_low": low, "ci_high": high, "note": note}


def workbook(year: int | None, xlsx: str | Path, *, province: str | None = None,
             lang: str = "th", processed_dir: str | Path | None = None) -> Path:
    """The year as an Excel workbook (`export.export_year`, what `lpa export` writes):
    scored LAOs, indicator scores (a province) or attainment per province × indicator
    (national), and the summary; Thai or English headers."""
    from lpa_analysis.export import export_year

    folder = processed_folder(processed_dir)
    return export_year(latest_year(year, folder), xlsx, province=province, lang=lang,
                       processed_dir=folder)
