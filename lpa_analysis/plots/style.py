"""The one matplotlib style of every chart: bundled Thai font, A4 sizes, colour-blind-safe
palettes, byte-stable PNG/SVG files (no software version or date inside), and `Chart`, a
Figure that fits its own margins and is drawn once per display (drawing is the largest cost
of a yearly report run: see benchmarks/bench_charts.py)."""

from __future__ import annotations

import io
import math
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.transforms import Bbox

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
TITLE_PT, CAPTION_PT = 9.5, 7.5
OUTSIDE = {"lower": "bottom", "upper": "top", "left": "left", "right": "right"}


class Chart(Figure):
    """A Figure that is drawn once per display and lays itself out cheaply.

    Display: charts are made without pyplot, so the inline backend never shows them a second
    time and nothing piles up in pyplot's list; `_ipython_display_` sends one PNG, even when
    pyplot's inline backend has registered its own (tight-bbox, drawn twice) Figure printer.
    Layout: without a layout engine, each draw first fits the margins to the labels
    (`fit_margins`), where constrained layout would measure every label four times and
    `savefig` would add a whole extra draw for it.
    Heading: `set_heading` gives the chart its title (what it shows, top left) and caption
    (how to read it, bottom left), both wrapped to the figure's width when drawn.
    """

    title_text = caption_text = None
    heading_inches = 0.0  # added to the figure's height for its heading

    def set_heading(self, title: str | None = None, caption: str | None = None) -> Chart:
        """Title and caption, drawn in a band the figure grows by (the plot keeps its size)."""
        grow = 0.0
        for name, text, size, kwargs in (
                ("title_text", title, TITLE_PT, {"va": "top", "fontweight": "bold"}),
                ("caption_text", caption, CAPTION_PT, {"va": "bottom", "color": "#333333"})):
            old = getattr(self, name)
            if old is not None:
                old.remove()
            label = self.text(0, 0, text, fontsize=size, ha="left", **kwargs) if text else None
            if label is not None:
                label.raw_text = text  # wrapped anew at each draw (`fit_margins`)
                grow += (_lines(text, size, self.get_figwidth()) * 1.45 * size
                         + 2.5 * PAD_PT) / 72
            setattr(self, name, label)
        width, height = self.get_size_inches()
        self.set_size_inches(width, height - self.heading_inches + grow)
        self.heading_inches = grow
        return self

    def after_layout(self, place) -> None:
        """Call `place(renderer)` at each draw once the margins are fitted (to place what
        depends on the axes' final size, e.g. point labels that must not overlap)."""
        self.__dict__.setdefault("_after_layout", []).append(place)

    def draw(self, renderer) -> None:
        if self.get_layout_engine() is None:
            fit_margins(self, renderer)
        for place in self.__dict__.get("_after_layout", []):
            place(renderer)
        super().draw(renderer)

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", **PNG_OPTIONS)
        return buffer.getvalue()

    def alt_text(self) -> str:
        """What the chart plots: its title, else its axis labels."""
        if self.title_text is not None:
            return self.title_text.raw_text
        labels = [label for ax in self.axes[:1]
                  for label in (ax.get_ylabel(), ax.get_xlabel()) if label]
        return " / ".join(labels)

    def _ipython_display_(self) -> None:
        from IPython.display import publish_display_data

        publish_display_data({"image/png": self._repr_png_(), "text/plain": repr(self)},
                             metadata={"image/png": {"alt": self.alt_text()}})


def _lines(text: str, size: float, width_in: float) -> int:
    """About how many lines `text` takes at `size` pt across `width_in` inches (to size the
    figure; the drawing wraps it exactly: `wrap_text`)."""
    import unicodedata

    chars = sum(unicodedata.category(ch) != "Mn" for ch in text)
    return max(1, math.ceil(0.56 * size * chars / (72 * width_in - 2 * PAD_PT)))


def wrap_text(text, width: float, renderer) -> None:
    """Break a Text's `raw_text` at spaces into lines no wider than `width` pixels (a Thai
    phrase, between spaces, is never split)."""
    prop = text.get_fontproperties()

    def measure(line: str) -> float:
        return renderer.get_text_width_height_descent(line, prop, ismath=False)[0]

    lines = []
    for paragraph in text.raw_text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if line and measure(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    text.set_text("\n".join(lines))


def _place_heading(fig: Figure, renderer, pad: float) -> tuple[float, float]:
    """Wrap and place the title (top left) and caption (bottom left); the pixels each takes
    from the top and the bottom of the figure."""
    width, height = fig.bbox.width, fig.bbox.height
    taken = {"top": 0.0, "bottom": 0.0}
    for text, side in ((fig.title_text, "top"), (fig.caption_text, "bottom")):
        if text is None:
            continue
        wrap_text(text, width - 2 * pad, renderer)
        text.set_position((pad / width, 1 - pad / height if side == "top" else pad / height))
        taken[side] = text.get_window_extent(renderer).height + 2.5 * pad
    return taken["top"], taken["bottom"]


def fit_margins(fig: Figure, renderer) -> None:
    """Size a one-panel figure's margins to what sits around its axes: the heading (title
    above, caption below: `Chart.set_heading`), tick and axis labels, child axes (an inset
    colour bar) and figure legends at an edge ('outside lower center': placed between the
    axes and the caption), each kept PAD_PT from the figure's edge.

    One measurement, made with the renderer about to draw, whose cache of text sizes the draw
    then reuses. A figure with several panels gets one run of constrained layout instead, in
    the space the heading leaves.
    """
    pad = renderer.points_to_pixels(PAD_PT)
    width, height = fig.bbox.width, fig.bbox.height
    head, foot = _place_heading(fig, renderer, pad) if isinstance(fig, Chart) else (0.0, 0.0)
    free = Bbox.from_bounds(0, foot / height, 1, (height - head - foot) / height)
    for legend in fig.legends:
        legend.set_bbox_to_anchor(free, transform=fig.transFigure)
    panels = fig.axes
    if not panels:
        return
    if len(panels) > 1 or panels[0].get_subplotspec() is None:
        # the panels above any legend at the bottom (constrained layout leaves it out)
        extents = [legend.get_window_extent(renderer) for legend in fig.legends]
        low = max([foot, *(e.y1 + pad for e in extents if e.y0 < foot + 2 * pad)])
        rect = (0, low / height, 1, free.y1 - low / height)
        ConstrainedLayoutEngine(rect=rect).execute(fig)
        return
    ax = panels[0]
    tight = ax.get_tightbbox(renderer, for_layout_only=True)  # applies a fixed aspect first
    box = ax.get_window_extent(renderer)
    room = {"left": box.x0 - tight.x0, "right": tight.x1 - box.x1,
            "bottom": box.y0 - tight.y0, "top": tight.y1 - box.y1}
    edge = {"left": 0.0, "right": 0.0, "bottom": foot, "top": head}
    for legend in fig.legends:  # placed against the free space's edge: labels go inside it
        extent = legend.get_window_extent(renderer)
        taken = {"left": extent.x1, "right": width - extent.x0,
                 "bottom": extent.y1, "top": height - extent.y0}
        # the edge it sits at: as asked ('outside right upper'), else the nearest
        side = OUTSIDE.get(getattr(legend, "_outside_loc", None)) or min(taken, key=taken.get)
        edge[side] = max(edge[side], taken[side] + pad)
    share = {side: min(0.6, (room[side] + edge[side] + pad)
                       / (width if side in ("left", "right") else height)) for side in room}
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


def text_svg(text: str, *, size: float, colour: str, weight: str = "bold") -> tuple[str, float,
                                                                                    float]:
    """`text` drawn as outlines (no text element: a PDF of it holds no letters that copying
    or pdftotext would mix into the lines it crosses), in the bundled font: an SVG document
    with its width and height in points."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = new_figure(1.0, 1.0)
    fig.patch.set_visible(False)
    label = fig.text(0, 0, text, fontsize=size, fontweight=weight, color=colour)
    extent = label.get_window_extent(FigureCanvasAgg(fig).get_renderer())
    width, height = extent.width / fig.dpi, extent.height / fig.dpi
    fig.set_size_inches(width, height)
    label.set_position((0, -extent.y0 / fig.dpi / height))  # the descent inside the box
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": RC["svg.hashsalt"], "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue().decode("utf-8"), 72 * width, 72 * height
