"""Charts for the reports and notebooks: one style (`use_style`), byte-stable files
(`save_png`, `save_svg`), and chart functions that take tidy frames (see `charts`)."""

from lpa_analysis.plots.charts import (
    band_bars, bar_with_ci, dimension_boxplot, dot_with_ci, funnel_plot, gap_scatter, heatmap,
    indicator_gap_bars, n_label, rank_interval_plot, shorten, trend_lines, type_comparison,
    wrap_label,
)
from lpa_analysis.plots.style import (
    BAND_COLOURS, HIGHLIGHT, NATIONAL, REGION, TYPE_COLOURS, Chart, new_figure, save_png,
    save_svg, text_svg, use_style,
)

from lpa_analysis.plots.map import province_grid, province_map  # noqa: F401

__all__ = [
    "BAND_COLOURS", "HIGHLIGHT", "NATIONAL", "REGION", "TYPE_COLOURS", "Chart", "band_bars",
    "bar_with_ci", "dimension_boxplot", "dot_with_ci", "funnel_plot", "gap_scatter", "heatmap",
    "indicator_gap_bars", "n_label", "new_figure", "province_grid", "province_map",
    "rank_interval_plot", "save_png", "save_svg", "shorten", "text_svg", "trend_lines",
    "type_comparison", "use_style", "wrap_label",
]
