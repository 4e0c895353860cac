"""A map of Thailand by province: a tile-grid cartogram, one equal square per province.

Equal tiles suit per-province statistics better than a choropleth (small central provinces
stay visible) and need no geometry: the grid (`resources/province_grid.csv`, made by this
project from the provinces' relative positions) ships with the package, so drawing needs no
network.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize, to_rgb
from matplotlib.patches import Patch, Rectangle

from lpa_analysis import geo, i18n
from lpa_analysis.package_data import package_path
from lpa_analysis.plots.charts import wrap_label
from lpa_analysis.plots.style import HIGHLIGHT, Chart, new_figure

GRID_CSV = package_path("resources", "province_grid.csv")
CMAP = "viridis"  # sequential, colour-blind safe, and no grey that could pass for "no data"
NO_DATA = "#BDBDBD"
NOT_ASSESSED = "#E6E6E6"
TILE_INCH = 0.46
MAX_LABEL_CHARS = 8  # Thai base characters that fit a tile's line at the normal label size
ROBUST = (2.0, 98.0)  # percentiles at the colour scale's ends


@cache
def province_grid() -> pd.DataFrame:
    """The grid: province_code, row (0 = north), col (0 = west), abbr_en, label_th (the
    official name, on two lines where the CSV's wrap_th says so)."""
    with GRID_CSV.open(encoding="utf-8") as fh:
        grid = pd.read_csv(fh, comment="#", dtype={"province_code": str, "wrap_th": str},
                           keep_default_na=False)
    names = {p.code: p.name_th for p in geo.all_provinces(include_bangkok=True)}
    for code, wrap in zip(grid["province_code"], grid["wrap_th"], strict=True):
        if wrap and wrap.replace("|", "") != names[code]:
            raise ValueError(f"{GRID_CSV}: wrap_th of province {code} is not its official name "
                             f"{names[code]}")
    label_th = [wrap.replace("|", "\n") if wrap else names[code]
                for code, wrap in zip(grid["province_code"], grid["wrap_th"], strict=True)]
    return grid.drop(columns="wrap_th").assign(label_th=label_th)


def _tile_label(row, lang: str) -> tuple[str, float]:
    """The tile's text and font size: Thai names shrink to fit, English codes do not need to."""
    if lang == "en":
        return row.abbr_en, 6.5
    base = max(sum(unicodedata.category(ch) != "Mn" for ch in line)  # marks take no width
               for line in row.label_th.split("\n"))
    return row.label_th, 6.5 * min(1.0, MAX_LABEL_CHARS / base)


def _text_colour(rgb) -> str:
    r, g, b = to_rgb(rgb)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _as_codes(highlight: str | Iterable[str] | None) -> set[str]:
    if highlight is None:
        return set()
    items = [highlight] if isinstance(highlight, (str, int)) else list(highlight)
    return {geo.resolve_province(h).code for h in items}


def colour_limits(values: pd.Series, robust: tuple[float, float] = ROBUST) -> tuple[float,
                                                                                  float]:
    """The colour scale's ends: the `robust` percentiles of the values, so that one outlying
    province does not flatten every other difference into one colour."""
    finite = values.dropna().to_numpy(float)
    if not len(finite):
        return 0.0, 1.0
    return tuple(float(np.percentile(finite, q)) for q in robust)


def province_map(values: pd.DataFrame, value: str = "value", *, lang: str,
                 label: str | None = None, highlight: str | Iterable[str] | None = None,
                 vmin: float | None = None, vmax: float | None = None,
                 cmap: str = CMAP, title: str | None = None) -> Chart:
    """Every province as a tile coloured by `value` (per-province frame: province_code, value).

    Bangkok (a special-form LAO outside DLA's assessment) is drawn light grey and hatched; a province without a
    value (missing row or NaN) mid grey; both are named in the legend. `label` titles the
    colour bar (default: the column name). `highlight`: province(s) by code or name, outlined
    in the accent colour. vmin/vmax fix the colour scale (default: `colour_limits`, the 2nd
    to 98th percentile); a province beyond an end takes that end's colour, the bar shows an
    arrow there and the provinces beyond are named with their values under it. Tiles
    carry the official Thai name (lang 'th') or this project's three-letter code ('en'); each
    tile's patch has gid 'province-<code>' (tests and SVG consumers find it by that).
    """
    missing = [c for c in ("province_code", value) if c not in values.columns]
    if missing:
        raise ValueError(f"province_map: the frame lacks column(s) {', '.join(missing)}")
    i18n.check_lang(lang)
    by_code = (values.assign(province_code=values["province_code"].astype(str))
               .drop_duplicates("province_code").set_index("province_code")[value]
               .astype(float))
    grid = province_grid()
    shown = by_code.reindex(grid["province_code"]).drop(geo.BANGKOK_CODE, errors="ignore")
    robust_low, robust_high = colour_limits(shown)
    low = vmin if vmin is not None else robust_low
    high = vmax if vmax is not None else robust_high
    norm = Normalize(low, high if high > low else low + 1, clip=True)
    colours = colormaps[cmap]
    marked = _as_codes(highlight)

    n_rows, n_cols = grid["row"].max() + 1, grid["col"].max() + 1
    fig = new_figure(TILE_INCH * n_rows + 0.3, TILE_INCH * n_cols + 0.3)
    ax = fig.subplots()
    for tile in grid.itertuples(index=False):
        x, y = tile.col, tile.row
        if tile.province_code == geo.BANGKOK_CODE:
            face, hatch = NOT_ASSESSED, "////"
        else:
            v = shown.get(tile.province_code, np.nan)
            face, hatch = (NO_DATA if np.isnan(v) else colours(norm(v))), None
        edge, width = (HIGHLIGHT, 2.2) if tile.province_code in marked else ("white", 1.0)
        ax.add_patch(Rectangle((x - 0.48, y - 0.48), 0.96, 0.96, facecolor=face, hatch=hatch,
                               edgecolor=edge, linewidth=width, zorder=3 if marked else 2,
                               gid=f"province-{tile.province_code}"))
        text, size = _tile_label(tile, lang)
        ax.text(x, y, text, ha="center", va="center", fontsize=size, color=_text_colour(face),
                zorder=4)
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(n_rows - 0.4, -0.6)  # row 0 (north) on top
    ax.set_aspect("equal")
    ax.axis("off")

    # The south-east of the grid is sea: the legend and colour bar sit there.
    bar_ax = ax.inset_axes([0.62, 0.16, 0.33, 0.025])
    below, above = shown[shown < norm.vmin], shown[shown > norm.vmax]
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max",
              (True, True): "both"}[(len(below) > 0, len(above) > 0)]
    fig.colorbar(ScalarMappable(norm=norm, cmap=colours), cax=bar_ax, orientation="horizontal",
                 label=label or value, extend=extend, extendfrac=0.06)
    beyond = [f"{i18n.province_label(code, lang)} {i18n.fmt_num(v, 1)}"
              for code, v in pd.concat([below.sort_values(), above.sort_values()]).items()]
    if beyond:
        text = i18n.t("map.beyond_scale", lang, provinces=", ".join(beyond))
        ax.text(0.95, 0.075, wrap_label(text, 40), transform=ax.transAxes, ha="right",
                va="top", fontsize=6.5)
    ax.legend(handles=[Patch(facecolor=NOT_ASSESSED, hatch="////", edgecolor="white",
                             label=i18n.t("map.not_assessed", lang)),
                       Patch(facecolor=NO_DATA, label=i18n.t("map.no_data", lang))],
              loc="lower right", bbox_to_anchor=(1.0, 0.24), fontsize=7)
    return fig.set_heading(title)
