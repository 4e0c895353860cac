"""The report charts. Each takes a tidy pandas frame with the documented columns (as the
statistics library returns them) and returns a `Chart` (a matplotlib Figure); every label
comes from the message catalogue in `lang`. Every chart takes a `title` (what it shows) and a
`caption` (how to read it: what a band, a whisker or a colour means), drawn above and below it
(`Chart.set_heading`).

`scale` multiplies values into per cent: 100 for proportions (0–1, as pass rates, attainment
and their differences come from `lpa_analysis.stats`), 1 for scores already in per cent.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.patheffects import withStroke
from matplotlib.text import Text

from lpa_analysis import i18n
from lpa_analysis.plots.style import (
    A4_TEXT_WIDTH_IN, BAND_COLOURS, HIGHLIGHT, NATIONAL, REGION, SERIES, TYPE_COLOURS, Chart,
    new_figure,
)
from lpa_analysis.schema import DIMENSION_IDS, LAO_TYPE_ORDER
from lpa_analysis.settings import ALPHA, MIN_GROUP_N

LABEL_PT = 7.5  # tick labels: at the report's print scale (~0.94) still above 7 pt
WRAP_CHARS = 60  # a long label wraps at its spaces into lines of about this many characters
POINTS_UP_TO = 150  # a group of more LAOs shows its box only: its points would cover it
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
LINESTYLES = ["--", "-.", ":", (0, (5, 1.5, 1, 1.5, 1, 1.5))]
STRIKE = [withStroke(linewidth=2.5, foreground="white")]  # text readable over dots and lines


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
    vowel or tone marks (for tables and notes; chart labels wrap instead: `wrap_label`)."""
    text = str(text)
    if len(text) <= limit:
        return text
    cut = limit - 1
    while cut > 0 and unicodedata.category(text[cut]) == "Mn":
        cut -= 1
    return text[:cut] + "…"


def _width(text: str) -> int:
    """Characters that take width (Thai vowel and tone marks sit over or under a letter)."""
    return sum(unicodedata.category(ch) != "Mn" for ch in text)


def wrap_label(text: str, width: int = WRAP_CHARS) -> str:
    """A label on lines of about `width` characters, broken at spaces only: never cut, a Thai
    phrase (written without spaces) never split mid-word, and a short lead (a code such as
    'D3.41') kept with the words after it."""
    words, lines, line = str(text).split(" "), [], ""
    for word in words:
        trial = f"{line} {word}" if line else word
        if line and _width(trial) > width and _width(line) > 6:
            lines.append(line)
            line = word
        else:
            line = trial
    return "\n".join([*lines, line])


def _pass_mark_line(ax, lang: str, *, value: float, horizontal: bool = True) -> None:
    label = i18n.t("chart.pass_mark", lang, threshold=f"{value:g}")
    line = ax.axhline if horizontal else ax.axvline
    line(value, color=NATIONAL, linestyle=":", linewidth=1.2, label=label, zorder=2)


def _score_limits(values: np.ndarray, *, keep: Sequence[float] = ()) -> tuple[float, float]:
    """A score axis (per cent) from a little below the lowest value (or `keep`, e.g. the pass
    mark, so its line stays in view), on a multiple of 10, to just above 100: data lying in
    60–100 are not squashed into a 0–100 axis."""
    shown = np.concatenate([np.asarray(values, float).ravel(), np.asarray(keep, float)])
    shown = shown[~np.isnan(shown)]
    lowest = shown.min() if len(shown) else 0.0
    return max(0.0, 10 * np.floor((lowest - 3) / 10)), 101.5


def _boxes(ax, groups: list[np.ndarray], positions, colour: str, width: float = 0.34, *,
           fliers: bool = False) -> None:
    ax.boxplot(groups, positions=positions, widths=width, patch_artist=True, showfliers=fliers,
               medianprops={"color": "black", "linewidth": 1.2},
               boxprops={"facecolor": colour, "alpha": 0.35, "edgecolor": colour},
               whiskerprops={"color": colour}, capprops={"color": colour},
               flierprops={"marker": "o", "markersize": 2, "markerfacecolor": colour,
                           "markeredgewidth": 0, "alpha": 0.5})


def n_label(name: str, n: int, lang: str) -> str:
    """'ทน.' and its count on the line below: 'ทน.\nn = 1'."""
    return f"{name}\n{i18n.t('chart.n_equals', lang, n=i18n.fmt_num(n))}"


def dimension_boxplot(laos: pd.DataFrame, *, province_code: str, lang: str,
                      dimensions: Sequence[int] = DIMENSION_IDS, title: str | None = None,
                      caption: str | None = None) -> Chart:
    """Dimension scores of the province's LAOs (boxes and points) beside all LAOs' (boxes).
    A province with fewer than MIN_GROUP_N LAOs shows its points only (quartiles of so few
    are no summary). The score axis starts just below the lowest point or box.

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
    if min(map(len, province)) >= MIN_GROUP_N:
        _boxes(ax, province, x + 0.2, HIGHLIGHT)
    for i, values in enumerate(province):
        ax.scatter(x[i] + 0.2 + _jitter(len(values), 0.08), values, s=6, color=HIGHLIGHT,
                   alpha=0.7, linewidths=0, zorder=3)
    ax.set_xticks(x, [i18n.dimension_label(d, lang, short=True) for d in dimensions],
                  fontsize=LABEL_PT)
    ax.set_ylabel(i18n.t("chart.score_pct", lang))
    # the national boxes' whiskers reach about their 1st percentile (outliers are not drawn)
    floor = [np.percentile(v, 1) for v in national if len(v)]
    ax.set_ylim(*_score_limits(np.concatenate([*province, floor])))
    ax.grid(axis="x", visible=False)
    fig.legend(handles=[Patch(color=NATIONAL, alpha=0.5, label=i18n.t("chart.national", lang)),
                        Patch(color=HIGHLIGHT, alpha=0.5,
                              label=i18n.province_label(province_code, lang))],
               loc="outside lower center", ncols=2)
    return fig.set_heading(title, caption)


def bar_with_ci(rates: pd.DataFrame, *, lang: str, scale: float = 100,
                pass_mark: float | None = None, value_label: str | None = None,
                title: str | None = None, caption: str | None = None) -> Chart:
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
    ax.set_yticks(y, [wrap_label(s, 30) for s in rows["label"]], fontsize=LABEL_PT + 0.5)
    ax.set_xlim(0, 125)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(value_label or i18n.t("chart.pass_rate_pct", lang))
    if pass_mark is not None:
        _pass_mark_line(ax, lang, horizontal=False, value=pass_mark)
    ax.grid(axis="y", visible=False)
    return fig.set_heading(title, caption)


def type_comparison(laos: pd.DataFrame, *, lang: str, value: str = "overall_pct",
                    pass_mark: float | None = None, value_label: str | None = None,
                    title: str | None = None, caption: str | None = None) -> Chart:
    """Scores by LAO type, types in DLA order, n under each: a box per type of at least
    MIN_GROUP_N LAOs (fewer: the points only, as quartiles of one or two LAOs summarise
    nothing), the LAOs as points up to POINTS_UP_TO a type (more: the box and its outliers,
    as the points would cover the box). The score axis starts just below the lowest score or
    the pass mark.

    laos: columns lao_type and `value` (per cent, default overall_pct).
    """
    _require(laos, ["lao_type", value], "type_comparison")
    present = [k for k in LAO_TYPE_ORDER if (laos["lao_type"] == k.value).any()]
    fig = new_figure(3.4)
    ax = fig.subplots()
    labels, every = [], []
    for i, kind in enumerate(present):
        values = laos.loc[laos["lao_type"] == kind.value, value].dropna().to_numpy(float)
        every.append(values)
        colour = TYPE_COLOURS[kind.value]
        many = len(values) > POINTS_UP_TO
        if len(values) >= MIN_GROUP_N:
            _boxes(ax, [values], [i], colour, width=0.5, fliers=many)
        if not many:
            ax.scatter(i + _jitter(len(values), 0.15), values, s=8, color=colour, alpha=0.75,
                       linewidths=0, zorder=3)
        labels.append(n_label(i18n.lao_type_label(kind, lang, short=True), len(values), lang))
    ax.set_xticks(range(len(present)), labels, fontsize=LABEL_PT)
    ax.set_xlim(-0.6, len(present) - 0.4)
    ax.set_ylabel(value_label or i18n.t("chart.overall_pct" if value == "overall_pct"
                                        else "chart.score_pct", lang))
    keep = [] if pass_mark is None else [pass_mark]
    ax.set_ylim(*_score_limits(np.concatenate(every) if every else np.array([]), keep=keep))
    ax.grid(axis="x", visible=False)
    if pass_mark is not None:
        _pass_mark_line(ax, lang, value=pass_mark)
        fig.legend(loc="outside lower center")
    return fig.set_heading(title, caption)


def _year_tick(year: int, lang: str) -> str:
    return i18n.year_label(year, lang).replace(" (", "\n(")


def trend_lines(trend: pd.DataFrame, *, lang: str, scale: float = 1,
                highlight: str | None = None, value_label: str | None = None,
                pass_mark: float | None = None, method_changes: Sequence[int] = (),
                title: str | None = None, caption: str | None = None) -> Chart:
    """One line per series over the years, with its 95 % band when ci_low/ci_high are given.
    Each series has its own marker and line style, so lines that lie on each other stay
    apart; the `highlight` series (e.g. the province) is drawn in the accent colour, on top.
    `method_changes`: years whose overall method differs from the year before, marked by a
    vertical line between the two years. The axis fits the lines and their bands; the pass
    mark (an LAO's, not a mean's) is drawn only when it falls in that range.

    trend: columns year (BE), series (label shown in the legend), value; optional ci_low,
    ci_high.
    """
    _require(trend, ["year", "series", "value"], "trend_lines")
    n_series = trend["series"].nunique()
    fig = new_figure(3.4 + 0.2 * (n_series // 4))
    ax = fig.subplots()
    others = itertools.cycle([c for c in SERIES if c != HIGHLIGHT])
    styles = itertools.cycle(zip(MARKERS[1:], itertools.cycle(LINESTYLES)))
    for name, part in trend.groupby("series", sort=False):
        part = part.sort_values("year")
        chosen = name == highlight
        colour = HIGHLIGHT if chosen else next(others)
        marker, linestyle = ("o", "-") if chosen else next(styles)
        years = part["year"].to_numpy(int)
        ax.plot(years, part["value"] * scale, marker=marker, markersize=5 if chosen else 4.5,
                color=colour, linestyle=linestyle, linewidth=2.4 if chosen else 1.5,
                label=str(name), zorder=5 if chosen else 4)
        if {"ci_low", "ci_high"} <= set(part.columns) and part["ci_low"].notna().any():
            ax.fill_between(years, part["ci_low"] * scale, part["ci_high"] * scale,
                            color=colour, alpha=0.13, linewidth=0, zorder=1)
    years = sorted(trend["year"].astype(int).unique())
    ax.set_xticks(years, [_year_tick(y, lang) for y in years])
    if len(years) == 1:
        ax.set_xlim(years[0] - 1, years[0] + 1)
    else:
        ax.set_xlim(years[0] - 0.3, years[-1] + 0.3)
    for year in method_changes:
        ax.axvline(year - 0.5, color="black", linestyle=(0, (2, 2)), linewidth=0.9, zorder=2)
        ax.annotate(i18n.t("chart.method_change", lang), (year - 0.5, 1), xytext=(0, 2),
                    xycoords=("data", "axes fraction"), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7)  # above the axes, clear of lines
    ax.set_xlabel(i18n.t("chart.year", lang))
    ax.set_ylabel(value_label or i18n.t("chart.overall_pct", lang))
    low, high = ax.get_ylim()
    if pass_mark is not None and low <= pass_mark <= high:
        _pass_mark_line(ax, lang, value=pass_mark)
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 4))
    return fig.set_heading(title, caption)


def indicator_gap_bars(gaps: pd.DataFrame, *, lang: str, scale: float = 100,
                       alpha: float = ALPHA, title: str | None = None,
                       caption: str | None = None) -> Chart:
    """Difference of each indicator from the rest of the country with its 95 % CI (not
    adjusted for the many indicators tested); filled points are significant after the FDR
    adjustment (q_value < alpha), hollow ones are not, whatever their interval. Rows keep
    the given order, drawn top to bottom; labels wrap, never cut.

    gaps: columns label, difference, ci_low, ci_high, q_value (proportions by default).
    """
    _require(gaps, ["label", "difference", "ci_low", "ci_high", "q_value"], "indicator_gap_bars")
    rows = gaps.dropna(subset=["difference"]).reset_index(drop=True)
    labels = [wrap_label(s) for s in rows["label"]]
    fig = new_figure(0.3 * len(rows) + 0.13 * sum(s.count("\n") for s in labels) + 1.2)
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
    ax.set_yticks(y, labels, fontsize=LABEL_PT - 0.5)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(i18n.t("chart.difference_pp", lang))
    ax.grid(axis="y", visible=False)
    fig.legend(handles=[
        Line2D([], [], marker="o", linestyle="", color=HIGHLIGHT,
               label=i18n.t("chart.adjusted_significant", lang, alpha=f"{alpha:g}")),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
               markeredgecolor=NATIONAL, label=i18n.t("chart.adjusted_not_significant", lang)),
    ], loc="outside lower center", ncols=2)
    return fig.set_heading(title, caption)


def heatmap(cells: pd.DataFrame, *, lang: str, scale: float = 100,
            value_label: str | None = None, vmin: float | None = None,
            vmax: float | None = None, digits: int | None = None, min_n: int | None = None,
            title: str | None = None, caption: str | None = None) -> Chart:
    """A table of coloured, annotated cells, e.g. indicator × LAO type attainment.

    cells: columns row, col, value (proportions by default), optional n (the LAOs behind the
    cell): with `min_n`, a cell of fewer LAOs is drawn grey and hatched, its value printed but
    not coloured (a single LAO's 0 or 100 is no average to compare; say so in the caption).
    Rows and columns in order of first appearance; a missing combination (e.g. not
    applicable) is left blank. Row labels wrap at spaces, never cut.
    Colour range: vmin/vmax, by default 0–100 when every scaled value lies there (per cent),
    else the data's range (e.g. correlations: pass scale=1, vmin=-1, vmax=1). digits: decimals
    printed in the cells (default 0 for per cent, else 2).
    """
    _require(cells, ["row", "col", "value"], "heatmap")
    grid = cells.pivot_table(index="row", columns="col", values="value", aggfunc="first",
                             sort=False) * scale
    grid = grid.reindex(index=cells["row"].drop_duplicates(),
                        columns=cells["col"].drop_duplicates())
    data = grid.to_numpy(float)
    sparse = np.zeros(data.shape, bool)
    if min_n is not None and "n" in cells:
        counts = cells.pivot_table(index="row", columns="col", values="n", aggfunc="first",
                                   sort=False).reindex_like(grid).to_numpy(float)
        sparse = ~np.isnan(data) & (np.nan_to_num(counts) < min_n)
    percent = bool(np.nanmin(data) >= 0 and np.nanmax(data) <= 100 and scale == 100)
    vmin = vmin if vmin is not None else 0.0 if percent else float(np.nanmin(data))
    vmax = vmax if vmax is not None else 100.0 if percent else float(np.nanmax(data))
    digits = digits if digits is not None else 0 if percent else 2
    labels = [wrap_label(r) for r in grid.index]
    lines = len(labels) + sum(s.count("\n") for s in labels)
    fig = new_figure(0.2 * lines + 0.1 * len(labels) + 1.3)
    ax = fig.subplots()
    image = ax.imshow(np.where(sparse, np.nan, data), cmap="cividis", vmin=vmin, vmax=vmax,
                      aspect="auto")
    for (i, j), v in np.ndenumerate(data):
        if np.isnan(v):
            continue
        if sparse[i, j]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#EEEEEE",
                                   edgecolor="#BBBBBB", hatch="////", linewidth=0))
            colour = "#555555"
        else:
            colour = "black" if image.norm(v) > 0.55 else "white"  # cividis: light on top
        ax.text(j, i, f"{v:.{digits}f}", ha="center", va="center", fontsize=7, color=colour,
                path_effects=STRIKE if sparse[i, j] else None)
    ax.set_xticks(range(grid.shape[1]), list(grid.columns), fontsize=LABEL_PT)
    ax.set_yticks(range(grid.shape[0]), labels, fontsize=LABEL_PT - 0.5)
    ax.tick_params(axis="x", labeltop=True, labelbottom=False, length=0)
    ax.grid(False)
    ax.spines[:].set_visible(False)
    # An inset colour bar belongs to the axes, so the chart stays one panel (`fit_margins`).
    fig.colorbar(image, cax=ax.inset_axes([1.04, 0.1, 0.03, 0.8]),
                 label=value_label or i18n.t("chart.attainment_pct", lang))
    return fig.set_heading(title, caption)


def _place_labels(fig: Chart, ax, points: list[tuple[float, float, str, bool]], *,
                  size: float) -> list:
    """Name points (x, y, name, above) without covering each other: each label beside its
    point, on the side with room (left in the right third of the axes), moved up (above the
    target) or down until it overlaps no label placed before, with a thin leader when moved,
    and kept inside the axes. Placed at each draw, on the axes' final size."""
    labels = [ax.annotate(name, (x, y), xytext=(0, 0), textcoords="offset points", ha="left",
                          va="bottom", fontsize=size, path_effects=STRIKE, zorder=6,
                          annotation_clip=False,
                          arrowprops={"arrowstyle": "-", "color": NATIONAL, "linewidth": 0.5,
                                      "shrinkA": 0, "shrinkB": 2})
              for x, y, name, _ in points]
    order = sorted(range(len(points)), key=lambda k: -points[k][1] if points[k][3]
                   else points[k][1])  # outermost first

    def place(renderer) -> None:
        box, gap = ax.get_window_extent(renderer), renderer.points_to_pixels(3)
        to_points = 72 / fig.dpi
        placed = []
        for k in order:
            x, y, _, above = points[k]
            px, py = ax.transData.transform((x, y))
            words = Text.get_window_extent(labels[k], renderer)  # without the leader
            width, height = words.width, words.height + gap / 2
            x0 = px - gap - width if px > box.x0 + 0.66 * box.width else px + gap
            x0 = min(max(x0, box.x0), box.x1 - width)
            start = py + gap if above else py - gap - height
            y0, step = start, height if above else -height
            while any(x0 < b[1] and b[0] < x0 + width and y0 < b[3] and b[2] < y0 + height
                      for b in placed):
                y0 += step
            y0 = min(max(y0, box.y0), box.y1 - height)
            placed.append((x0, x0 + width, y0, y0 + height))
            labels[k].xyann = ((x0 - px) * to_points, (y0 - py) * to_points)
            labels[k].arrow_patch.set_visible(abs(y0 - start) > 1)

    fig.after_layout(place)
    return labels


def funnel_plot(points: pd.DataFrame, curve: pd.DataFrame, *, target: float, lang: str,
                highlight: str | None = None, scale: float = 100,
                value_label: str | None = None, title: str | None = None,
                caption: str | None = None) -> Chart:
    """Funnel plot: each unit's value against its n with 95 % and 99.8 % limits around target.
    Every unit outside the 99.8 % limits is named, and the highlighted unit too.

    points: columns unit, n, value, optional label (the unit's name; default unit) and flag
    (stats.funnel: 'above998' … 'below998'; units flagged '…_assessment' are drawn hollow, as
    assessment effects rather than performance). curve: columns n, lo95, hi95, lo998, hi998
    (stats.funnel_curve). target, values and limits share one unit (proportions by default);
    `highlight` is a unit. The y label defaults to the pass rate (scale 100) or the overall
    score (scale 1, means).
    """
    _require(points, ["unit", "n", "value"], "funnel_plot")
    _require(curve, ["n", "lo95", "hi95", "lo998", "hi998"], "funnel_plot")
    curve = curve.sort_values("n")
    fig = new_figure(3.9)
    ax = fig.subplots()
    for level, style in (("95", "--"), ("998", "-")):
        for side in ("lo", "hi"):
            ax.plot(curve["n"], curve[f"{side}{level}"] * scale, color=NATIONAL,
                    linestyle=style, linewidth=0.9)
    ax.axhline(target * scale, color="black", linewidth=0.9)
    chosen = (points["unit"].astype(str) == str(highlight)).to_numpy()
    flag = points["flag"].astype("string") if "flag" in points else \
        pd.Series(pd.NA, index=points.index, dtype="string")
    assessment = flag.str.endswith("_assessment").fillna(False).to_numpy(dtype=bool)
    outside = flag.str.contains("998").fillna(False).to_numpy(dtype=bool)
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
    names = points["label"].astype(str) if "label" in points else points["unit"].astype(str)
    if chosen.any():
        row = points.loc[chosen].iloc[0]
        ax.scatter([row["n"]], [row["value"] * scale], s=60, color=HIGHLIGHT, zorder=4,
                   edgecolors="black", linewidths=0.6)
        handles.append(Line2D([], [], marker="o", linestyle="", color=HIGHLIGHT,
                              markeredgecolor="black", label=names[chosen].iloc[0]))
    ax.set_xlabel(i18n.t("chart.n_laos", lang))
    default_label = "chart.pass_rate_pct" if scale == 100 else "chart.overall_pct"
    ax.set_ylabel(value_label or i18n.t(default_label, lang))
    ax.set_xlim(0, max(points["n"].max(), curve["n"].max()) * 1.03)
    shown = np.concatenate([points["value"].to_numpy(float), [target]]) * scale
    low, high = np.nanmin(shown), np.nanmax(shown)
    margin = 0.3 * (high - low) + 1  # room for the limits and the names, within 0–100 %
    ax.set_ylim(max(0.0, low - margin), min(100.0, high + margin) + 1)
    named = outside | chosen
    labels = _place_labels(fig, ax, [(n, v * scale, str(name), v >= target) for n, v, name in
                                     zip(points.loc[named, "n"], points.loc[named, "value"],
                                         names[named], strict=True)], size=7)
    for label, is_chosen in zip(labels, chosen[named], strict=True):
        if is_chosen:  # the highlighted unit's name in its colour
            label.set_color(HIGHLIGHT)
            label.set_fontweight("bold")
    # below the axes: inside, the limits run under it wherever it is put
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3))
    return fig.set_heading(title, caption)


RANKS_PER_PANEL = 40  # more ranks are drawn in two panels side by side, at a readable size


def rank_interval_plot(ranks: pd.DataFrame, *, lang: str, highlight: str | None = None,
                       level: float = 0.90, title: str | None = None,
                       caption: str | None = None) -> Chart:
    """Ranks with intervals, best on top: the rank (dot), when given its sensitivity to
    weights and method (blue line just above it: how the rank moves with the construction of
    the index, not by chance) and its `level` statistical interval (grey line below), in the
    order of the ranks table's columns. More than RANKS_PER_PANEL units are split into two
    panels side by side (best ranks on the left), sharing the rank axis.

    ranks: columns unit, label, rank, rank_low, rank_high (the statistical interval, 1 = best),
    optional sens_low, sens_high.
    """
    _require(ranks, ["unit", "label", "rank", "rank_low", "rank_high"], "rank_interval_plot")
    rows = ranks.sort_values(["rank", "unit"]).reset_index(drop=True)
    n_panels = 2 if len(rows) > RANKS_PER_PANEL else 1
    per_panel = int(np.ceil(len(rows) / n_panels))
    sensitivity = {"sens_low", "sens_high"} <= set(rows.columns)
    fig = new_figure(max(2.0, 0.17 * per_panel + 1.0))
    axes = np.atleast_1d(fig.subplots(1, n_panels, sharex=True))
    highest = max(rows["rank_high"].max(), rows.get("sens_high", rows["rank_high"]).max())
    for k, ax in enumerate(axes):
        part = rows.iloc[k * per_panel:(k + 1) * per_panel]
        y = np.arange(len(part))[::-1]
        chosen = (part["unit"].astype(str) == str(highlight)).to_numpy()
        colours = np.where(chosen, HIGHLIGHT, NATIONAL)
        shift = 0.18 if sensitivity else 0.0  # apart: the two answer different questions
        if sensitivity:
            ax.hlines(y + shift, part["sens_low"], part["sens_high"], colors=REGION,
                      linewidth=1.6)
        ax.hlines(y - shift, part["rank_low"], part["rank_high"], colors=colours,
                  linewidth=1.6)
        ax.scatter(part["rank"], y, s=14, color=colours, zorder=3, edgecolors="white",
                   linewidths=0.4)
        ax.set_yticks(y, [wrap_label(s, 30) for s in part["label"]], fontsize=LABEL_PT)
        for tick, is_chosen in zip(ax.get_yticklabels(), chosen, strict=True):
            if is_chosen:
                tick.set_color(HIGHLIGHT)
                tick.set_fontweight("bold")
        ax.set_ylim(-0.7, per_panel - 0.3)
        ax.set_xlim(0, highest * 1.03 + 2)
        ax.set_xlabel(i18n.t("chart.rank_interval", lang))
        ax.grid(axis="y", visible=False)
    statistical = i18n.t("chart.rank_statistical", lang, level=f"{100 * level:g}")
    handles = [Line2D([], [], color=NATIONAL, linewidth=1.6, label=statistical)]
    if sensitivity:
        handles.insert(0, Line2D([], [], color=REGION, linewidth=1.6,
                                 label=i18n.t("chart.rank_sensitivity", lang)))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig.set_heading(title, caption)


def gap_scatter(laos: pd.DataFrame, *, lang: str, pass_mark: float | None = None,
                title: str | None = None, caption: str | None = None) -> Chart:
    """Self-assessed against verified overall score per LAO; points above the diagonal rated
    themselves higher than the provincial team did. Coloured by LAO type when given; the
    legend sits beside the plot, clear of the points and lines.

    laos: columns overall_pct, self_overall_pct (per cent); optional lao_type.
    """
    _require(laos, ["overall_pct", "self_overall_pct"], "gap_scatter")
    fig = new_figure(4.2)
    ax = fig.subplots()
    ax.plot([0, 100], [0, 100], color="black", linewidth=0.8,
            label=i18n.t("chart.equal_line", lang))
    if "lao_type" in laos:
        for kind in LAO_TYPE_ORDER:
            part = laos.loc[laos["lao_type"] == kind.value]
            if len(part):
                ax.scatter(part["overall_pct"], part["self_overall_pct"], s=12, alpha=0.8,
                           color=TYPE_COLOURS[kind.value], linewidths=0,
                           label=f"{i18n.lao_type_label(kind, lang, short=True)} ("
                                 f"{i18n.t('chart.n_equals', lang, n=i18n.fmt_num(len(part)))})")
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
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right upper", frameon=True, edgecolor="#CCCCCC")
    return fig.set_heading(title, caption)


BAND_ORDER = ["excellent", "very_good", "good", "below"]


def _segment_texts(count, share: float, size: float) -> list[tuple[str, float]]:
    """A segment's labels, longest first: 'count (share%)', 'share%', the share rounded, then
    smaller (a narrow segment, e.g. 6 %, still says its share)."""
    pct = f"{share:.0f}%" if share >= 10 or share == 0 else f"{share:.1f}%"
    whole = f"{share:.0f}%"
    return ([(f"{i18n.fmt_num(count)} ({pct})", size)] if count is not None else []) + [
        (pct, size), (whole, size), (whole, size - 1.5)]


def _fit_segments(fig: Chart, ax, segments: list) -> None:
    """At each draw, give each segment (Text, options, share) the longest label that fits its
    width on the final axes; none if none fits."""
    def place(renderer) -> None:
        per_pct = ax.get_window_extent(renderer).width / 100
        pad = renderer.points_to_pixels(1)
        for text, options, share in segments:
            for label, size in options:
                text.set_text(label)
                text.set_fontsize(size)
                if text.get_window_extent(renderer).width + pad <= share * per_pct:
                    break
            else:
                text.set_text("")

    fig.after_layout(place)


def band_bars(shares: pd.DataFrame, *, lang: str, scale: float = 100,
              width: float = A4_TEXT_WIDTH_IN, title: str | None = None,
              caption: str | None = None) -> Chart:
    """Stacked 100 % bars of the bands, one bar per group (e.g. province, region, nation).
    Each segment is labelled with its count and share where they fit ('47 (56%)'), else its
    share; the band below the pass mark is always labelled, beside the bar's end (a small
    failing share shows, and 0 says none). No value axis: the labels carry the numbers.

    shares: columns label, band (excellent | very_good | good | below), share (proportions by
    default, as stats.band_shares gives them), optional count; groups top to bottom in order
    of appearance. `width`: the figure's width in inches (the page-1 box prints it smaller).
    """
    _require(shares, ["label", "band", "share"], "band_bars")
    pivot = shares.pivot_table(index="label", columns="band", aggfunc="first", sort=False,
                               values=["share", "count"] if "count" in shares else ["share"])
    groups = shares["label"].drop_duplicates()
    grid = pivot["share"].reindex(index=groups, columns=BAND_ORDER).fillna(0.0) * scale
    counts = (pivot["count"].reindex(index=groups, columns=BAND_ORDER).fillna(0)
              if "count" in shares else None)
    # compact: the page-1 box (lpa.css: at most 36 mm high) prints seven bars at ~0.95 size
    fig = new_figure(max(0.13 * len(grid), 0.45) + 0.3, width)
    ax = fig.subplots()
    y = np.arange(len(grid))[::-1]
    left = np.zeros(len(grid))
    size = LABEL_PT - 0.5
    segments = []
    for band in BAND_ORDER:
        widths = grid[band].to_numpy(float)
        ax.barh(y, widths, left=left, height=0.78, color=BAND_COLOURS[band],
                label=i18n.band_label(band, lang))
        for k, (yi, x0, w) in enumerate(zip(y, left, widths, strict=True)):
            options = _segment_texts(None if counts is None else counts[band].iloc[k], w, size)
            if band == "below":
                ax.text(101, yi, options[0][0], ha="left", va="center", fontsize=size,
                        color="#A04000", fontweight="bold")
            else:
                light = band in ("excellent", "very_good")
                text = ax.text(x0 + w / 2, yi, "", ha="center", va="center",
                               color="white" if light else "black")
                segments.append((text, options, w))
        left += widths
    _fit_segments(fig, ax, segments)
    ax.set_yticks(y, [wrap_label(s, 24) for s in grid.index], fontsize=LABEL_PT)
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.5, len(grid) - 0.5)
    ax.tick_params(axis="x", bottom=False, labelbottom=False)
    ax.tick_params(axis="y", length=0)
    ax.spines[:].set_visible(False)
    ax.grid(False)
    fig.legend(loc="outside lower center", ncols=4, fontsize=LABEL_PT, handlelength=1.0,
               handletextpad=0.4, columnspacing=1.0, borderpad=0.2)
    return fig.set_heading(title, caption)


FLAG_COLOURS = {"below": HIGHLIGHT, "above": REGION}


def dot_with_ci(points: pd.DataFrame, *, lang: str, reference: float | None = None,
                reference_label: str | None = None, value_label: str | None = None,
                scale: float = 1, title: str | None = None,
                caption: str | None = None) -> Chart:
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
    labels = [str(s) for s in rows["label"]]
    if "n" in rows:
        labels = [f"{s} ({i18n.t('chart.n_equals', lang, n=i18n.fmt_num(n))})"
                  for s, n in zip(labels, rows["n"], strict=True)]
    ax.set_yticks(y, [wrap_label(s, 36) for s in labels],
                  fontsize=LABEL_PT + 0.5 if len(rows) <= 25 else LABEL_PT)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    shown = np.concatenate([value, low[has_ci], high[has_ci],
                            [] if reference is None else [reference * scale]])
    shown = shown[~np.isnan(shown)]
    if len(shown):
        margin = 0.08 * (shown.max() - shown.min()) + 0.5
        ax.set_xlim(max(0.0, shown.min() - margin), min(100.5, shown.max() + margin))
    ax.set_xlabel(value_label or i18n.t("chart.score_pct", lang))
    ax.grid(axis="y", visible=False)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig.set_heading(title, caption)
