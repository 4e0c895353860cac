"""The report charts. Each takes a tidy pandas frame with the documented columns (as the
statistics library returns them) and returns a `Chart` (a matplotlib Figure); every label
comes from the message catalogue in `lang`.

`scale` multiplies values into per cent: 100 for proportions (0–1, as pass rates, attainment
and their differences come from `lpa_analysis.stats`), 1 for scores already in per cent.
"""

from __future__ import annotations

import itertools
import textwrap
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke

from lpa_analysis import i18n
from lpa_analysis.plots.style import (
    BAND_COLOURS, HIGHLIGHT, NATIONAL, REGION, SERIES, TYPE_COLOURS, Chart, new_figure,
)
from lpa_analysis.schema import DIMENSION_IDS, LAO_TYPE_ORDER
from lpa_analysis.settings import ALPHA



def _require(df: pd.DataFrame, columns: Sequence[str], chart: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{chart}: the frame lacks column(s) {', '.join(missing)} "
                         f"(it has {', '.join(map(str, df.columns))})")


def _jitter(n: int, width: float = 0.12) -> np.ndarray:
    """Horizontal offsets for a strip of n points; seeded, so re-runs draw the same picture."""
    return np.random.default_rng(0).uniform(-width, width, n)


def shorten(text: str, limit: int = 48) -> str:
    """Cut a long (Thai) label at `limit` characters without splitting a character from its
    vowel or tone marks."""
    text = str(text)
    if len(text) <= limit:
        return text
    cut = limit - 1
    while cut > 0 and unicodedata.category(text[cut]) == "Mn":
        cut -= 1
    return text[:cut] + "…"


def _pass_mark_line(ax, lang: str, *, value: float, horizontal: bool = True) -> None:
    label = i18n.t("chart.pass_mark", lang, threshold=f"{value:g}")
    line = ax.axhline if horizontal else ax.axvline
    line(value, color=NATIONAL, linestyle=":", linewidth=1, label=label)


def _boxes(ax, groups: list[np.ndarray], positions, colour: str, width: float = 0.34) -> None:
    ax.boxplot(groups, positions=positions, widths=width, patch_artist=True, showfliers=False,
               medianprops={"color": "black", "linewidth": 1.2},
               boxprops={"facecolor": colour, "alpha": 0.35, "edgecolor": colour},
               whiskerprops={"color": colour}, capprops={"color": colour})


def dimension_boxplot(laos: pd.DataFrame, *, province_code: str, lang: str,
                      dimensions: Sequence[int] = DIMENSION_IDS) -> Chart:
    """Dimension scores of the province's LAOs (boxes and points) beside all LAOs' (boxes).

    laos: scored LAOs of the whole country, columns province_code, d1_pct … d5_pct (per cent).
    """
    columns = [f"d{d}_pct" for d in dimensions]
    _require(laos, ["province_code", *columns], "dimension_boxplot")
    inside = laos["province_code"].astype(str) == str(province_code)
    fig = new_figure(3.6)
    ax = fig.subplots()
    x = np.arange(len(columns))
    national = [laos[c].dropna().to_numpy(float) for c in columns]
    province = [laos.loc[inside, c].dropna().to_numpy(float) for c in columns]
    _boxes(ax, national, x - 0.2, NATIONAL)
    _boxes(ax, province, x + 0.2, HIGHLIGHT)
    for i, values in enumerate(province):
        ax.scatter(x[i] + 0.2 + _jitter(len(values), 0.08), values, s=6, color=HIGHLIGHT,
                   alpha=0.7, linewidths=0, zorder=3)
    ax.set_xticks(x, [i18n.dimension_label(d, lang, short=True) for d in dimensions])
    ax.set_ylabel(i18n.t("chart.score_pct", lang))
    ax.set_ylim(0, 102)
    ax.grid(axis="x", visible=False)
    ax.legend(handles=[Patch(color=NATIONAL, alpha=0.5, label=i18n.t("chart.national", lang)),
                       Patch(color=HIGHLIGHT, alpha=0.5,
                             label=i18n.province_label(province_code, lang))],
              loc="lower left", ncols=2)
    return fig


def bar_with_ci(rates: pd.DataFrame, *, lang: str, scale: float = 100,
                pass_mark: float | None = None, value_label: str | None = None) -> Chart:
    """Horizontal bars with 95 % intervals, e.g. the pass rate of province, region and nation.

    rates: columns label, rate, ci_low, ci_high; optional n (printed beside the bar) and
    highlight (bool; the bar drawn in the accent colour). Rows are drawn top to bottom.
    """
    _require(rates, ["label", "rate", "ci_low", "ci_high"], "bar_with_ci")
    rows = rates.reset_index(drop=True)
    fig = new_figure(0.45 * len(rows) + 0.9)
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    value, low, high = (rows[c].to_numpy(float) * scale for c in ("rate", "ci_low", "ci_high"))
    highlight = rows["highlight"].astype(bool) if "highlight" in rows else [False] * len(rows)
    colours = [HIGHLIGHT if h else NATIONAL for h in highlight]
    ax.barh(y, value, color=colours, alpha=0.85, height=0.6)
    ax.errorbar(value, y, xerr=[value - low, high - value], fmt="none", ecolor="black",
                elinewidth=1, capsize=3)
    for i, v in enumerate(value):
        n = f"  (n = {i18n.fmt_num(rows['n'].iloc[i])})" if "n" in rows else ""
        ax.text(min(high[i], 100) + 1, y[i], i18n.fmt_pct(v) + n, va="center", fontsize=8)
    ax.set_yticks(y, [shorten(s, 40) for s in rows["label"]])
    ax.set_xlim(0, 125)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(value_label or i18n.t("chart.pass_rate_pct", lang))
    if pass_mark is not None:
        _pass_mark_line(ax, lang, horizontal=False, value=pass_mark)
    ax.grid(axis="y", visible=False)
    return fig


def type_comparison(laos: pd.DataFrame, *, lang: str, value: str = "overall_pct",
                    pass_mark: float | None = None, value_label: str | None = None) -> Chart:
    """Scores by LAO type: a box and the LAOs as points per type, types in DLA order.

    laos: columns lao_type and `value` (per cent, default overall_pct).
    """
    _require(laos, ["lao_type", value], "type_comparison")
    present = [k for k in LAO_TYPE_ORDER if (laos["lao_type"] == k.value).any()]
    fig = new_figure(3.4)
    ax = fig.subplots()
    labels = []
    for i, kind in enumerate(present):
        values = laos.loc[laos["lao_type"] == kind.value, value].dropna().to_numpy(float)
        colour = TYPE_COLOURS[kind.value]
        _boxes(ax, [values], [i], colour, width=0.5)
        ax.scatter(i + _jitter(len(values), 0.15), values, s=7, color=colour, alpha=0.8,
                   linewidths=0, zorder=3)
        labels.append(f"{i18n.lao_type_label(kind, lang, short=True)}\n"
                      + i18n.t("chart.n_equals", lang, n=len(values)))
    ax.set_xticks(range(len(present)), labels)
    ax.set_ylabel(value_label or i18n.t("chart.overall_pct" if value == "overall_pct"
                                        else "chart.score_pct", lang))
    ax.set_ylim(0, 102)
    ax.grid(axis="x", visible=False)
    if pass_mark is not None:
        _pass_mark_line(ax, lang, value=pass_mark)
        ax.legend(loc="lower right")
    return fig


def _year_tick(year: int, lang: str) -> str:
    return i18n.year_label(year, lang).replace(" (", "\n(")


def trend_lines(trend: pd.DataFrame, *, lang: str, scale: float = 1,
                highlight: str | None = None, value_label: str | None = None,
                pass_mark: float | None = None) -> Chart:
    """One line per series over the years, with its 95 % band when ci_low/ci_high are given.

    trend: columns year (BE), series (label shown in the legend), value; optional ci_low,
    ci_high. `highlight`: the series drawn in the accent colour (e.g. the province).
    """
    _require(trend, ["year", "series", "value"], "trend_lines")
    fig = new_figure(3.4)
    ax = fig.subplots()
    others = itertools.cycle([c for c in SERIES if c != HIGHLIGHT])
    for name, part in trend.groupby("series", sort=False):
        part = part.sort_values("year")
        colour = HIGHLIGHT if name == highlight else next(others)
        years = part["year"].to_numpy(int)
        ax.plot(years, part["value"] * scale, marker="o", markersize=4, color=colour,
                linewidth=2.2 if name == highlight else 1.5, label=str(name))
        if {"ci_low", "ci_high"} <= set(part.columns) and part["ci_low"].notna().any():
            ax.fill_between(years, part["ci_low"] * scale, part["ci_high"] * scale,
                            color=colour, alpha=0.15, linewidth=0)
    years = sorted(trend["year"].astype(int).unique())
    ax.set_xticks(years, [_year_tick(y, lang) for y in years])
    if len(years) == 1:
        ax.set_xlim(years[0] - 1, years[0] + 1)
    ax.set_xlabel(i18n.t("chart.year", lang))
    ax.set_ylabel(value_label or i18n.t("chart.overall_pct", lang))
    if pass_mark is not None:
        _pass_mark_line(ax, lang, value=pass_mark)
    ax.legend(loc="best")
    return fig


def indicator_gap_bars(gaps: pd.DataFrame, *, lang: str, scale: float = 100,
                       alpha: float = ALPHA, label_limit: int = 48) -> Chart:
    """Difference of each indicator from the rest of the country with its 95 % CI; filled
    points are significant after FDR correction (q_value < alpha). Rows keep the given order
    (the statistics library puts the weakest first), drawn top to bottom.

    gaps: columns label, difference, ci_low, ci_high, q_value (proportions by default).
    """
    _require(gaps, ["label", "difference", "ci_low", "ci_high", "q_value"], "indicator_gap_bars")
    rows = gaps.dropna(subset=["difference"]).reset_index(drop=True)
    fig = new_figure(0.3 * len(rows) + 1.1)
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    diff, low, high = (rows[c].to_numpy(float) * scale for c in ("difference", "ci_low", "ci_high"))
    significant = (rows["q_value"] < alpha).to_numpy()
    ax.errorbar(diff, y, xerr=[diff - low, high - diff], fmt="none", ecolor=NATIONAL,
                elinewidth=1, capsize=2)
    ax.scatter(diff[significant], y[significant], s=30, color=HIGHLIGHT, zorder=3)
    ax.scatter(diff[~significant], y[~significant], s=30, facecolors="white",
               edgecolors=NATIONAL, zorder=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [shorten(s, label_limit) for s in rows["label"]])
    ax.set_xlabel(i18n.t("chart.difference_pp", lang))
    ax.grid(axis="y", visible=False)
    fig.legend(handles=[
        Line2D([], [], marker="o", linestyle="", color=HIGHLIGHT,
               label=i18n.t("chart.fdr_significant", lang, alpha=f"{alpha:g}")),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
               markeredgecolor=NATIONAL, label=i18n.t("chart.not_significant", lang)),
    ], loc="outside lower center", ncols=2)
    return fig


def _label_size(text: str, size: float = 7.0, fits: int = 52) -> float:
    """A font size at which a long (Thai) label still fits the left margin: smaller for a
    label of more than `fits` base characters (marks take no width), never below 5 pt."""
    base = sum(unicodedata.category(ch) != "Mn" for ch in text)
    return max(5.0, size * min(1.0, fits / max(base, 1)))


def heatmap(cells: pd.DataFrame, *, lang: str, scale: float = 100,
            value_label: str | None = None, label_limit: int = 80,
            vmin: float | None = None, vmax: float | None = None,
            digits: int | None = None, title: str | None = None,
            caption: str | None = None) -> Chart:
    """A table of coloured, annotated cells, e.g. indicator × LAO type attainment.

    cells: columns row, col, value (proportions by default); rows and columns in order of first
    appearance; a missing combination (e.g. not applicable) is left blank.
    Colour range: vmin/vmax, by default 0–100 when every scaled value lies there (per cent),
    else the data's range (e.g. correlations: pass scale=1, vmin=-1, vmax=1). digits: decimals
    printed in the cells (default 0 for per cent, else 2). title: above the chart; caption:
    below it (say there what a blank cell means), wrapped at spaces.
    """
    _require(cells, ["row", "col", "value"], "heatmap")
    grid = cells.pivot_table(index="row", columns="col", values="value", aggfunc="first",
                             sort=False) * scale
    grid = grid.reindex(index=cells["row"].drop_duplicates(),
                        columns=cells["col"].drop_duplicates())
    data = grid.to_numpy(float)
    percent = bool(np.nanmin(data) >= 0 and np.nanmax(data) <= 100 and scale == 100)
    vmin = vmin if vmin is not None else 0.0 if percent else float(np.nanmin(data))
    vmax = vmax if vmax is not None else 100.0 if percent else float(np.nanmax(data))
    digits = digits if digits is not None else 0 if percent else 2
    fig = new_figure(0.28 * len(grid) + 1.3)
    ax = fig.subplots()
    image = ax.imshow(data, cmap="cividis", vmin=vmin, vmax=vmax, aspect="auto")
    for (i, j), v in np.ndenumerate(data):
        if not np.isnan(v):
            light = image.norm(v) > 0.55  # cividis turns light towards the top
            ax.text(j, i, f"{v:.{digits}f}", ha="center", va="center", fontsize=7,
                    color="black" if light else "white")
    ax.set_xticks(range(grid.shape[1]), [shorten(c, 20) for c in grid.columns])
    # indicator names in full (a smaller font, not a cut): the columns are few
    ax.set_yticks(range(grid.shape[0]), [shorten(r, label_limit) for r in grid.index])
    for tick in ax.get_yticklabels():
        tick.set_fontsize(_label_size(tick.get_text()))
    ax.tick_params(axis="x", labeltop=True, labelbottom=False, length=0)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    if caption:
        ax.set_xlabel(textwrap.fill(caption, 110), fontsize=7.5, loc="left")
    ax.grid(False)
    ax.spines[:].set_visible(False)
    # An inset colour bar belongs to the axes, so the chart stays one panel (`fit_margins`).
    fig.colorbar(image, cax=ax.inset_axes([1.04, 0.1, 0.03, 0.8]),
                 label=value_label or i18n.t("chart.attainment_pct", lang))
    return fig


def funnel_plot(points: pd.DataFrame, curve: pd.DataFrame, *, target: float, lang: str,
                highlight: str | None = None, scale: float = 100,
                value_label: str | None = None) -> Chart:
    """Funnel plot: each unit's value against its n with 95 % and 99.8 % limits around target.

    points: columns unit, n, value, optional label (the highlighted unit's name; default unit)
    and flag (stats.funnel; units flagged '…_assessment' are drawn hollow, as assessment
    effects rather than performance). curve: columns n, lo95, hi95, lo998, hi998
    (stats.funnel_curve). target, values and limits share one unit (proportions by default);
    `highlight` is a unit. The y label defaults to the pass rate (scale 100) or the overall
    score (scale 1, means).
    """
    _require(points, ["unit", "n", "value"], "funnel_plot")
    _require(curve, ["n", "lo95", "hi95", "lo998", "hi998"], "funnel_plot")
    curve = curve.sort_values("n")
    fig = new_figure(3.8)
    ax = fig.subplots()
    for level, style in (("95", "--"), ("998", "-")):
        for side in ("lo", "hi"):
            ax.plot(curve["n"], curve[f"{side}{level}"] * scale, color=NATIONAL,
                    linestyle=style, linewidth=0.9)
    ax.axhline(target * scale, color="black", linewidth=0.9)
    chosen = (points["unit"].astype(str) == str(highlight)).to_numpy()
    assessment = (points["flag"].astype("string").str.endswith("_assessment").fillna(False)
                  .to_numpy(dtype=bool) if "flag" in points else np.zeros(len(points), bool))
    plain = ~chosen & ~assessment
    ax.scatter(points.loc[plain, "n"], points.loc[plain, "value"] * scale, s=14,
               color=REGION, alpha=0.8, linewidths=0)
    handles = [Line2D([], [], color="black", label=i18n.t("chart.national", lang)),
               Line2D([], [], color=NATIONAL, linestyle="--", label=i18n.t("chart.limit95", lang)),
               Line2D([], [], color=NATIONAL, label=i18n.t("chart.limit998", lang))]
    if (assessment & ~chosen).any():
        marked = assessment & ~chosen
        ax.scatter(points.loc[marked, "n"], points.loc[marked, "value"] * scale, s=24,
                   facecolors="none", edgecolors=REGION, linewidths=1.0)
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                              color=REGION, label=i18n.t("chart.assessment_effect", lang)))
    if chosen.any():
        row = points.loc[chosen].iloc[0]
        name = str(row["label"]) if "label" in points else str(row["unit"])
        ax.scatter([row["n"]], [row["value"] * scale], s=60, color=HIGHLIGHT, zorder=4,
                   edgecolors="black", linewidths=0.6)
        ax.annotate(name, (row["n"], row["value"] * scale), xytext=(6, 6),
                    textcoords="offset points", color=HIGHLIGHT, fontweight="bold",
                    path_effects=[withStroke(linewidth=2.5, foreground="white")])  # over dots
        handles.append(Line2D([], [], marker="o", linestyle="", color=HIGHLIGHT, label=name))
    ax.set_xlabel(i18n.t("chart.n_laos", lang))
    default_label = "chart.pass_rate_pct" if scale == 100 else "chart.overall_pct"
    ax.set_ylabel(value_label or i18n.t(default_label, lang))
    ax.set_xlim(0, max(points["n"].max(), curve["n"].max()) * 1.03)
    shown = np.concatenate([points["value"].to_numpy(float), [target]]) * scale
    low, high = np.nanmin(shown), np.nanmax(shown)
    margin = 0.3 * (high - low) + 1  # room for the limits, within 0–100 %
    ax.set_ylim(max(0.0, low - margin), min(100.0, high + margin) + 1)
    # below the axes: inside, the limits run under it wherever it is put
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3))
    return fig


def rank_interval_plot(ranks: pd.DataFrame, *, lang: str, highlight: str | None = None,
                       label_limit: int = 30, level: float = 0.90) -> Chart:
    """Ranks with intervals, best on top: the rank (dot), its `level` statistical interval
    (grey line) and, when given, its sensitivity to weights and method (blue line just below
    it: how the rank moves with the construction of the index, not by chance).

    ranks: columns unit, label, rank, rank_low, rank_high (the statistical interval, 1 = best),
    optional sens_low, sens_high.
    """
    _require(ranks, ["unit", "label", "rank", "rank_low", "rank_high"], "rank_interval_plot")
    rows = ranks.sort_values(["rank", "unit"]).reset_index(drop=True)
    fig = new_figure(max(2.0, 0.13 * len(rows) + 0.9))
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    chosen = (rows["unit"].astype(str) == str(highlight)).to_numpy()
    colours = np.where(chosen, HIGHLIGHT, NATIONAL)
    statistical = i18n.t("chart.rank_statistical", lang, level=f"{100 * level:g}")
    handles = [Line2D([], [], color=NATIONAL, linewidth=1.6, label=statistical)]
    shift = 0.0
    if {"sens_low", "sens_high"} <= set(rows.columns):
        shift = 0.18  # side by side: the two intervals answer different questions
        ax.hlines(y - shift, rows["sens_low"], rows["sens_high"], colors=REGION,
                  linewidth=1.6)
        handles.append(Line2D([], [], color=REGION, linewidth=1.6,
                              label=i18n.t("chart.rank_sensitivity", lang)))
    ax.hlines(y + shift, rows["rank_low"], rows["rank_high"], colors=colours, linewidth=1.6)
    ax.scatter(rows["rank"], y, s=12, color=colours, zorder=3, edgecolors="white",
               linewidths=0.4)
    ax.set_yticks(y, [shorten(s, label_limit) for s in rows["label"]],
                  fontsize=8 if len(rows) <= 30 else 6)
    for tick, is_chosen in zip(ax.get_yticklabels(), chosen, strict=True):
        if is_chosen:
            tick.set_color(HIGHLIGHT)
            tick.set_fontweight("bold")
    ax.set_ylim(-1, len(rows))
    ax.set_xlabel(i18n.t("chart.rank_interval", lang))
    ax.grid(axis="y", visible=False)
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig


def gap_scatter(laos: pd.DataFrame, *, lang: str, pass_mark: float | None = None) -> Chart:
    """Self-assessed against verified overall score per LAO; points above the diagonal rated
    themselves higher than the provincial team did. Coloured by LAO type when given.

    laos: columns overall_pct, self_overall_pct (per cent); optional lao_type.
    """
    _require(laos, ["overall_pct", "self_overall_pct"], "gap_scatter")
    fig = new_figure(4.2, width=5.0)
    ax = fig.subplots()
    ax.plot([0, 100], [0, 100], color="black", linewidth=0.8,
            label=i18n.t("chart.equal_line", lang))
    if "lao_type" in laos:
        for kind in LAO_TYPE_ORDER:
            part = laos.loc[laos["lao_type"] == kind.value]
            if len(part):
                ax.scatter(part["overall_pct"], part["self_overall_pct"], s=12, alpha=0.8,
                           color=TYPE_COLOURS[kind.value], linewidths=0,
                           label=i18n.lao_type_label(kind, lang, short=True))
    else:
        ax.scatter(laos["overall_pct"], laos["self_overall_pct"], s=12, color=HIGHLIGHT,
                   alpha=0.8, linewidths=0)
    if pass_mark is not None:
        ax.axvline(pass_mark, color=NATIONAL, linestyle=":", linewidth=1)
        ax.axhline(pass_mark, color=NATIONAL, linestyle=":", linewidth=1,
                   label=i18n.t("chart.pass_mark", lang, threshold=f"{pass_mark:g}"))
    # Zoom to the data (LAOs rarely score below 40) but keep both axes alike.
    lowest = np.nanmin(laos[["overall_pct", "self_overall_pct"]].to_numpy(float))
    low = max(0.0, 10 * np.floor(lowest / 10) - 10)
    ax.set_xlim(low, 102)
    ax.set_ylim(low, 102)
    ax.set_aspect("equal")
    ax.set_xlabel(i18n.t("chart.verified_pct", lang))
    ax.set_ylabel(i18n.t("chart.self_pct", lang))
    ax.legend(loc="lower right")
    return fig


BAND_ORDER = ["excellent", "very_good", "good", "below"]


def band_bars(shares: pd.DataFrame, *, lang: str, scale: float = 100) -> Chart:
    """Stacked 100 % bars of the bands, one bar per group (e.g. province, region, nation).

    shares: columns label, band (excellent | very_good | good | below), share (proportions by
    default, as stats.band_shares gives them); groups top to bottom in order of appearance.
    """
    _require(shares, ["label", "band", "share"], "band_bars")
    grid = (shares.pivot_table(index="label", columns="band", values="share", aggfunc="first",
                               sort=False)
            .reindex(index=shares["label"].drop_duplicates(), columns=BAND_ORDER)
            .fillna(0.0) * scale)
    fig = new_figure(0.45 * len(grid) + 1.0)
    ax = fig.subplots()
    y = np.arange(len(grid))[::-1]
    left = np.zeros(len(grid))
    for band in BAND_ORDER:
        width = grid[band].to_numpy(float)
        ax.barh(y, width, left=left, height=0.6, color=BAND_COLOURS[band],
                label=i18n.band_label(band, lang))
        for yi, x0, w in zip(y, left, width, strict=True):
            if w >= 6:  # a label only where it fits
                ax.text(x0 + w / 2, yi, f"{w:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if band in ("excellent", "very_good") else "black")
        left += width
    ax.set_yticks(y, [shorten(s, 40) for s in grid.index])
    ax.set_xlim(0, 100)
    ax.set_xlabel(i18n.t("chart.share_pct", lang))
    ax.grid(False)
    fig.legend(loc="outside lower center", ncols=4)
    return fig


FLAG_COLOURS = {"below": HIGHLIGHT, "above": REGION}


def dot_with_ci(points: pd.DataFrame, *, lang: str, reference: float | None = None,
                reference_label: str | None = None, value_label: str | None = None,
                scale: float = 1, label_limit: int = 30) -> Chart:
    """Dots with 95 % intervals against a reference line, e.g. each district's mean score
    against its province's. Rows keep the given order, drawn top to bottom; the axis zooms to
    the intervals (a dot, unlike a bar, needs no zero).

    points: columns label, value, ci_low, ci_high (per cent by default); optional n (beside
    the label) and flag ('below' / 'above': the interval lies wholly on that side of the
    reference; drawn in colour and named in the legend).
    """
    _require(points, ["label", "value", "ci_low", "ci_high"], "dot_with_ci")
    rows = points.reset_index(drop=True)
    fig = new_figure(0.24 * len(rows) + 1.2)
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    value, low, high = (rows[c].to_numpy(float) * scale for c in ("value", "ci_low", "ci_high"))
    flags = rows["flag"] if "flag" in rows else pd.Series([None] * len(rows))
    colours = [FLAG_COLOURS.get(f, NATIONAL) for f in flags]
    has_ci = ~np.isnan(low) & ~np.isnan(high)
    ax.hlines(y[has_ci], low[has_ci], high[has_ci], colors=np.array(colours)[has_ci],
              linewidth=1.4)
    ax.scatter(value, y, s=22, color=colours, zorder=3, edgecolors="white", linewidths=0.5)
    handles = []
    if reference is not None:
        ax.axvline(reference * scale, color="black", linestyle="--", linewidth=0.9)
        handles.append(Line2D([], [], color="black", linestyle="--", linewidth=0.9,
                              label=reference_label))
    handles += [Line2D([], [], marker="o", color=FLAG_COLOURS[f], linewidth=1.4,
                       label=i18n.t(f"chart.clearly_{f}", lang))
                for f in FLAG_COLOURS if (flags == f).any()]
    labels = [shorten(s, label_limit) for s in rows["label"]]
    if "n" in rows:
        labels = [f"{s} ({i18n.t('chart.n_equals', lang, n=i18n.fmt_num(n))})"
                  for s, n in zip(labels, rows["n"], strict=True)]
    ax.set_yticks(y, labels, fontsize=8 if len(rows) <= 25 else 7)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    shown = np.concatenate([value, low[has_ci], high[has_ci],
                            [] if reference is None else [reference * scale]])
    shown = shown[~np.isnan(shown)]
    if len(shown):
        margin = 0.08 * (shown.max() - shown.min()) + 0.5
        ax.set_xlim(max(0.0, shown.min() - margin), min(100.0, shown.max() + margin))
    ax.set_xlabel(value_label or i18n.t("chart.score_pct", lang))
    ax.grid(axis="y", visible=False)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig
