"""The one matplotlib style of every chart: bundled Thai font, A4 sizes, colour-blind-safe
palettes, byte-stable PNG/SVG files (no software version or date inside), and `Chart`, a
Figure that fits its own margins and is drawn once per display (drawing is the largest cost
of a yearly report run: see benchmarks/bench_charts.py)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from lpa_analysis.package_data import FONTS

FONT_DIR = FONTS
FONT_FAMILY = ["Noto Sans Thai", "DejaVu Sans"]  # Noto Sans Thai has no Latin glyphs
A4_TEXT_WIDTH_IN = 7.0  # 210 mm − 2 × 15 mm margins ≈ 7.1 in
DPI = 150

# Okabe & Ito (2008) colours, distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {"orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "purple": "#CC79A7", "black": "#000000"}
HIGHLIGHT = OKABE_ITO["vermillion"]  # the province the report is about
NATIONAL = "#6E6E6E"
REGION = OKABE_ITO["blue"]
SERIES = [HIGHLIGHT, NATIONAL, REGION, OKABE_ITO["green"], OKABE_ITO["purple"],
          OKABE_ITO["orange"], OKABE_ITO["sky_blue"]]
# Bands are ordered: one blue ramp for the passing bands, orange for below the pass mark.
BAND_COLOURS = {"excellent": "#08519C", "very_good": "#4292C6", "good": "#9ECAE1",
                "below": OKABE_ITO["orange"]}
TYPE_COLOURS = {"pao": OKABE_ITO["blue"], "city_municipality": OKABE_ITO["vermillion"],
                "town_municipality": OKABE_ITO["green"],
                "subdistrict_municipality": OKABE_ITO["orange"], "sao": OKABE_ITO["sky_blue"],
                "special": OKABE_ITO["purple"]}

RC = {
    "font.family": FONT_FAMILY,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E3E3E3",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "figure.figsize": (A4_TEXT_WIDTH_IN, 3.8),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.constrained_layout.use": True,  # for other figures; charts fit themselves (Chart)
    # Unhinted glyphs: half the cost of drawing text (most of a chart's), and at 150 dpi they
    # read the same; Thai shaping (libraqm) is untouched.
    "text.hinting": "no_hinting",
    "svg.hashsalt": "lpa-analysis",  # fixed ids inside SVG files (issue 7)
    "svg.fonttype": "path",
}
PNG_METADATA = {"Software": None}
# zlib level 3 instead of 6: a quarter less encoding time for ~6 % larger files.
PNG_OPTIONS = {"metadata": PNG_METADATA, "pil_kwargs": {"compress_level": 3}}
SVG_METADATA = {"Date": None, "Creator": None}


@cache
def register_fonts() -> tuple[str, ...]:
    """Add the bundled Noto Sans Thai files to matplotlib's font list (once per process)."""
    paths = tuple(str(FONT_DIR / name) for name in
                  ("NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf"))
    manager = font_manager.fontManager
    for path in paths:
        manager.addfont(path)
    # A system copy (Debian fonts-noto-core) of another version would tie with ours and win by
    # coming first; ours go first so every machine draws with the same file.
    ours = {str(Path(p).resolve()) for p in paths}
    manager.ttflist.sort(key=lambda entry: str(Path(entry.fname).resolve()) not in ours)
    cached = getattr(manager, "_findfont_cached", None)  # findfont caches its answers
    if cached is not None:
        cached.cache_clear()
    return paths


def use_style() -> None:
    """Register the fonts and set the shared rcParams (idempotent; call atop a notebook)."""
    register_fonts()
    matplotlib.rcParams.update(RC)


PAD_PT = 3.0  # between the outermost text and the figure's edge (as constrained layout)


class Chart(Figure):
    """A Figure that is drawn once per display and lays itself out cheaply.

    Display: charts are made without pyplot, so the inline backend never shows them a second
    time and nothing piles up in pyplot's list; `_ipython_display_` sends one PNG, even when
    pyplot's inline backend has registered its own (tight-bbox, drawn twice) Figure printer.
    Layout: without a layout engine, each draw first fits the margins to the labels
    (`fit_margins`), where constrained layout would measure every label four times and
    `savefig` would add a whole extra draw for it.
    """

    def draw(self, renderer) -> None:
        if self.get_layout_engine() is None:
            fit_margins(self, renderer)
        super().draw(renderer)

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", **PNG_OPTIONS)
        return buffer.getvalue()

    def alt_text(self) -> str:
        """What the chart plots, from its axis labels (the report's heading says why)."""
        labels = [label for ax in self.axes[:1]
                  for label in (ax.get_ylabel(), ax.get_xlabel()) if label]
        return " / ".join(labels)

    def _ipython_display_(self) -> None:
        from IPython.display import publish_display_data

        publish_display_data({"image/png": self._repr_png_(), "text/plain": repr(self)},
                             metadata={"image/png": {"alt": self.alt_text()}})


def fit_margins(fig: Figure, renderer) -> None:
    """Size a one-panel figure's margins to what sits around its axes: tick and axis labels,
    title, child axes (an inset colour bar) and figure legends at an edge ('outside lower
    center'), each kept PAD_PT from the figure's edge.

    One measurement, made with the renderer about to draw, whose cache of text sizes the draw
    then reuses. A figure with several panels gets one run of constrained layout instead.
    """
    panels = fig.axes
    if not panels:
        return
    if len(panels) > 1 or panels[0].get_subplotspec() is None:
        ConstrainedLayoutEngine().execute(fig)
        return
    ax = panels[0]
    pad = renderer.points_to_pixels(PAD_PT)
    tight = ax.get_tightbbox(renderer, for_layout_only=True)  # applies a fixed aspect first
    box = ax.get_window_extent(renderer)
    width, height = fig.bbox.width, fig.bbox.height
    room = {"left": box.x0 - tight.x0, "right": tight.x1 - box.x1,
            "bottom": box.y0 - tight.y0, "top": tight.y1 - box.y1}
    for legend in fig.legends:  # placed against the figure's edge: the axes' labels go inside it
        extent = legend.get_window_extent(renderer)
        taken = {"left": extent.x1, "right": width - extent.x0,
                 "bottom": extent.y1, "top": height - extent.y0}
        side = min(taken, key=taken.get)  # the edge it sits at
        room[side] += taken[side] + pad
    share = {side: min(0.45, (value + pad) / (width if side in ("left", "right") else height))
             for side, value in room.items()}
    fig.subplots_adjust(left=share["left"], right=1 - share["right"],
                        bottom=share["bottom"], top=1 - share["top"])


def new_figure(height: float = 3.8, width: float = A4_TEXT_WIDTH_IN) -> Chart:
    """A styled, empty chart of `height` inches at the A4 text width (margins fitted when
    drawn: see `Chart`)."""
    use_style()
    return Chart(figsize=(width, height), layout="none")


def _atomic_save(fig: Figure, path: str | Path, **kwargs) -> Path:
    from lpa_analysis.files import write_atomic

    buffer = io.BytesIO()
    fig.savefig(buffer, **kwargs)
    return write_atomic(Path(path), buffer.getvalue())


def save_png(fig: Figure, path: str | Path, *, dpi: int = DPI) -> Path:
    """Write a PNG without the matplotlib version or a date in it (byte-identical re-runs)."""
    return _atomic_save(fig, path, format="png", dpi=dpi, **PNG_OPTIONS)


def save_svg(fig: Figure, path: str | Path) -> Path:
    """Write an SVG with fixed element ids and no date or creator (byte-identical re-runs)."""
    with matplotlib.rc_context({"svg.hashsalt": RC["svg.hashsalt"]}):
        return _atomic_save(fig, path, format="svg", metadata=SVG_METADATA)
