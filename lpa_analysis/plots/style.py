"""The one matplotlib style of every chart: bundled Thai font, A4 sizes, colour-blind-safe
palettes, and byte-stable PNG/SVG files (no software version or date inside)."""

from __future__ import annotations

import io
from functools import cache
from importlib.resources import files
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure

FONT_DIR = files("lpa_analysis") / "fonts"
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
    "figure.constrained_layout.use": True,
    "svg.hashsalt": "lpa-analysis",  # fixed ids inside SVG files (issue 7)
    "svg.fonttype": "path",
}
PNG_METADATA = {"Software": None}
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


class Chart(Figure):
    """A Figure that shows itself once in a notebook: charts are made without pyplot, so the
    inline backend does not show them a second time, and nothing piles up in pyplot's list."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", metadata=PNG_METADATA)
        return buffer.getvalue()


def new_figure(height: float = 3.8, width: float = A4_TEXT_WIDTH_IN) -> Chart:
    """A styled, empty chart of `height` inches at the A4 text width."""
    use_style()
    return Chart(figsize=(width, height), layout="constrained")


def _atomic_save(fig: Figure, path: str | Path, **kwargs) -> Path:
    from lpa_analysis.render import write_atomic

    buffer = io.BytesIO()
    fig.savefig(buffer, **kwargs)
    return write_atomic(Path(path), buffer.getvalue())


def save_png(fig: Figure, path: str | Path, *, dpi: int = DPI) -> Path:
    """Write a PNG without the matplotlib version or a date in it (byte-identical re-runs)."""
    return _atomic_save(fig, path, format="png", dpi=dpi, metadata=PNG_METADATA)


def save_svg(fig: Figure, path: str | Path) -> Path:
    """Write an SVG with fixed element ids and no date or creator (byte-identical re-runs)."""
    with matplotlib.rc_context({"svg.hashsalt": RC["svg.hashsalt"]}):
        return _atomic_save(fig, path, format="svg", metadata=SVG_METADATA)
