"""Charts: the shared style, byte-stable files, and each chart drawing what its frame says
with labels from the catalogue."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from lpa_analysis import geo, i18n, plots
from lpa_analysis.schema import DIM_PCT

PHRAE = "54"
TYPES = ["pao", "city_municipality", "town_municipality", "subdistrict_municipality", "sao"]


@pytest.fixture(scope="module")
def laos() -> pd.DataFrame:
    """Scored LAOs shaped like `scored_laos`: every province, types in DLA proportions."""
    rng = np.random.default_rng(7)
    rows = []
    for p in geo.all_provinces():
        for _ in range(int(rng.integers(15, 60))):
            base = rng.normal(72 if p.code == PHRAE else 79, 8)
            dims = np.clip(base + rng.normal(0, 6, 5), 0, 100)
            rows.append({"province_code": p.code, "lao_type": rng.choice(TYPES, p=[.02, .02, .06, .3, .6]),
                         **dict(zip(DIM_PCT, dims, strict=True)), "overall_pct": dims.mean(),
                         "self_overall_pct": min(100.0, dims.mean() + abs(rng.normal(4, 3)))})
    frame = pd.DataFrame(rows)
    return frame.assign(passed=frame["overall_pct"] >= 70)


@pytest.fixture(autouse=True)
def _close_nothing_left_open():
    yield
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == [], "charts must not register with pyplot (double display)"


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def test_style_uses_the_bundled_thai_font():
    plots.use_style()
    assert matplotlib.rcParams["font.family"] == ["Noto Sans Thai", "DejaVu Sans"]
    found = font_manager.findfont(font_manager.FontProperties(family="Noto Sans Thai"),
                                  fallback_to_default=False)
    assert Path(found).parent == Path(plots.style.FONT_DIR)


def test_saved_files_are_byte_identical_and_carry_no_version_or_date(tmp_path, laos):
    def chart():  # a re-run builds the chart afresh
        return plots.type_comparison(laos[laos["province_code"] == PHRAE], lang="th")

    a, b = plots.save_png(chart(), tmp_path / "a.png"), plots.save_png(chart(), tmp_path / "b.png")
    assert a.read_bytes() == b.read_bytes()
    assert b"Software" not in a.read_bytes() and b"Matplotlib" not in a.read_bytes()
    s1, s2 = plots.save_svg(chart(), tmp_path / "a.svg"), plots.save_svg(chart(), tmp_path / "b.svg")
    assert s1.read_bytes() == s2.read_bytes()
    assert b"<dc:date>" not in s1.read_bytes() and b"Matplotlib v" not in s1.read_bytes()
    other = plots.save_png(plots.type_comparison(laos, lang="th"), tmp_path / "c.png")
    assert other.read_bytes() != a.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "a.svg", "b.png", "b.svg", "c.png"]
    assert chart()._repr_png_().startswith(b"\x89PNG")


@pytest.mark.parametrize("lang", ["th", "en"])
def test_dimension_boxplot(laos, lang):
    fig = plots.dimension_boxplot(laos, province_code=PHRAE, lang=lang)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        i18n.dimension_label(d, lang, short=True) for d in range(1, 6)]
    assert ax.get_ylabel() == i18n.t("chart.score_pct", lang)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [i18n.t("chart.national", lang), i18n.province_label(PHRAE, lang)]
    n_phrae = (laos["province_code"] == PHRAE).sum()
    strips = [c for c in ax.collections if len(c.get_offsets())]
    assert [len(c.get_offsets()) for c in strips] == [n_phrae] * 5
    # the score axis starts below the lowest point, not at 0 (data lie in 50–100)
    low, high = ax.get_ylim()
    lowest = laos.loc[laos["province_code"] == PHRAE, list(DIM_PCT)].min().min()
    assert 0 < low <= lowest and high > 100


def test_bar_with_ci_draws_rates_in_percent_with_intervals():
    rates = pd.DataFrame({"label": ["แพร่", "ภาคเหนือ", "ทั้งประเทศ"], "rate": [.62, .80, .83],
                          "ci_low": [.52, .78, .82], "ci_high": [.71, .82, .84],
                          "n": [78, 900, 7849], "highlight": [True, False, False]})
    fig = plots.bar_with_ci(rates, lang="th")
    ax = fig.axes[0]
    bars = ax.patches
    assert [round(b.get_width(), 6) for b in bars] == [62.0, 80.0, 83.0]
    assert to_hex(bars[0].get_facecolor()) == plots.HIGHLIGHT.lower()
    assert "62.0%  (n = 78)" in _texts(fig) and "83.0%  (n = 7,849)" in _texts(fig)
    top_down = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in top_down] == ["แพร่", "ภาคเหนือ", "ทั้งประเทศ"]
    assert ax.get_xlabel() == i18n.t("chart.pass_rate_pct", "th")


def test_dot_with_ci_draws_rows_in_order_coloured_by_side_of_the_reference():
    points = pd.DataFrame({"label": ["ก", "ข", "ค"], "value": [86.0, 81.0, 74.0],
                           "ci_low": [83.0, 77.0, 71.0], "ci_high": [89.0, 85.0, 77.0],
                           "n": [12, 1_234, 9], "flag": ["above", None, "below"]})
    fig = plots.dot_with_ci(points, lang="en", reference=80.0, reference_label="Province 80%")
    ax = fig.axes[0]
    top_down = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in top_down] == ["ก (n = 12)", "ข (n = 1,234)", "ค (n = 9)"]
    dots = ax.collections[-1]
    assert [to_hex(c) for c in dots.get_facecolors()] == [
        plots.REGION.lower(), to_hex(plots.NATIONAL), plots.HIGHLIGHT.lower()]
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [80.0]  # the reference
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Province 80%", i18n.t("chart.clearly_below", "en"), i18n.t("chart.clearly_above", "en")]
    low, high = ax.get_xlim()
    assert 0 < low < 71 and 89 < high <= 100  # zoomed to the intervals, not from zero


def test_type_comparison_orders_types_and_counts_them(laos):
    phrae = laos[laos["province_code"] == PHRAE]
    fig = plots.type_comparison(phrae, lang="en")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    present = [k for k in TYPES if (phrae["lao_type"] == k).any()]
    assert labels == [f"{i18n.lao_type_label(k, 'en', short=True)}\nn = {(phrae['lao_type'] == k).sum()}"
                      for k in present]


def test_type_comparison_draws_no_box_for_a_type_of_few_laos(laos):
    """One PAO, two city municipalities: points only; a big type: a box, no cloud of points."""
    from lpa_analysis.settings import MIN_GROUP_N

    frame = pd.concat([laos[laos["lao_type"] == "sao"].head(400),
                       laos[laos["lao_type"] == "pao"].head(1),
                       laos[laos["lao_type"] == "city_municipality"].head(2),
                       laos[laos["lao_type"] == "subdistrict_municipality"].head(30)])
    fig = plots.type_comparison(frame, lang="th", pass_mark=70)
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if type(p).__name__ == "PathPatch"]
    sizes = frame["lao_type"].value_counts()
    assert len(boxes) == (sizes >= MIN_GROUP_N).sum() == 2
    strips = sorted(len(c.get_offsets()) for c in ax.collections)
    assert strips == [1, 2, 30]  # the 400 SAOs: box and outliers, no strip over it
    low, high = ax.get_ylim()
    assert 0 < low < 70 < high  # zoomed in, the pass mark still in view


def test_trend_lines_label_years_per_language():
    trend = pd.DataFrame({"year": [2564, 2565, 2566] * 2, "series": ["แพร่"] * 3 + ["ทั้งประเทศ"] * 3,
                          "value": [70, 72, 75, 78, 79, 80], "ci_low": [67, 69, 72, 77, 78, 79],
                          "ci_high": [73, 75, 78, 79, 80, 81]})
    en = plots.trend_lines(trend, lang="en", highlight="แพร่")
    assert [t.get_text() for t in en.axes[0].get_xticklabels()] == [
        "2564\n(2021)", "2565\n(2022)", "2566\n(2023)"]
    th = plots.trend_lines(trend, lang="th", highlight="แพร่")
    assert [t.get_text() for t in th.axes[0].get_xticklabels()] == ["2564", "2565", "2566"]
    lines = {line.get_label(): line for line in th.axes[0].get_lines()}
    assert to_hex(lines["แพร่"].get_color()) == plots.HIGHLIGHT.lower()
    assert list(lines["ทั้งประเทศ"].get_ydata()) == [78, 79, 80]
    assert len(th.axes[0].collections) == 2  # one CI band per series
    many = pd.DataFrame({"year": 2566, "series": [f"s{i}" for i in range(9)], "value": range(9)})
    assert len(plots.trend_lines(many, lang="en").axes[0].get_lines()) == 9


def test_trend_lines_keep_lines_that_coincide_apart_and_mark_a_method_change():
    same = [81.0, 81.5, 81.7]  # the region's mean equals the nation's
    trend = pd.DataFrame({"year": [2564, 2565, 2566] * 3,
                          "series": ["แพร่"] * 3 + ["ภาคเหนือ"] * 3 + ["ทั้งประเทศ"] * 3,
                          "value": [70, 72, 75, *same, *same]})
    fig = plots.trend_lines(trend, lang="th", highlight="แพร่", method_changes=[2566],
                            pass_mark=70)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
    region, nation = lines["ภาคเหนือ"], lines["ทั้งประเทศ"]
    assert (region.get_marker(), region.get_linestyle()) != (nation.get_marker(), nation.get_linestyle())
    assert lines["แพร่"].get_zorder() > max(region.get_zorder(), nation.get_zorder())
    breaks = [line for line in ax.get_lines() if list(line.get_xdata()) == [2565.5, 2565.5]]
    assert len(breaks) == 1 and i18n.t("chart.method_change", "th") in _texts(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:3] == ["แพร่", "ภาคเหนือ", "ทั้งประเทศ"]  # every series named, none hidden


def test_indicator_gap_bars_mark_fdr_significant_indicators():
    gaps = pd.DataFrame({"label": ["การจัดการน้ำเสียที่ผู้บริหารกำกับ", "การเบิกจ่าย", "การป้องกันภัย"],
                         "difference": [-.2, -.05, .03], "ci_low": [-.3, -.12, -.02],
                         "ci_high": [-.1, .02, .08], "q_value": [.001, .3, .04]})
    fig = plots.indicator_gap_bars(gaps, lang="th")
    filled, hollow = fig.axes[0].collections[-2:]
    assert sorted(filled.get_offsets()[:, 0].round(6)) == [-20.0, 3.0]
    assert list(hollow.get_offsets()[:, 0].round(6)) == [-5.0]
    assert "การจัดการน้ำเสียที่ผู้บริหารกำกับ" in _texts(fig)
    # the legend says what filled means: significant after the adjustment, not by the interval
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [i18n.t("chart.adjusted_significant", "th", alpha="0.05"),
                      i18n.t("chart.adjusted_not_significant", "th")]


def test_heatmap_keeps_order_and_leaves_missing_cells_blank():
    cells = pd.DataFrame({"row": ["ก", "ก", "ข"], "col": ["อบต.", "ทต.", "อบต."], "value": [.5, .9, .25]})
    fig = plots.heatmap(cells, lang="th")
    ax = fig.axes[0]
    grid = ax.get_images()[0].get_array()
    assert grid[0, 0] == 50 and grid[0, 1] == 90 and grid[1, 0] == 25
    assert np.ma.getmaskarray(grid)[1, 1] or np.isnan(grid[1, 1])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ก", "ข"]
    assert sorted(t.get_text() for t in ax.texts) == ["25", "50", "90"]
    assert ax.get_images()[0].get_clim() == (0, 100)


def test_heatmap_greys_cells_of_too_few_laos_and_never_cuts_a_label():
    name = "D3.41 การจัดเก็บค่าธรรมเนียมบำรุงองค์การบริหารส่วนจังหวัดจากผู้เข้าพักโรงแรม"
    cells = pd.DataFrame({"row": [name, name, "ข", "ข"], "col": ["อบจ.\nn = 1", "อบต.\nn = 40"] * 2,
                          "value": [1.0, .5, 0.0, .25], "n": [1, 40, 1, 38]})
    fig = plots.heatmap(cells, lang="th", min_n=5)
    ax = fig.axes[0]
    shown = np.ma.getmaskarray(ax.get_images()[0].get_array()) | np.isnan(
        ax.get_images()[0].get_array().filled(np.nan))
    assert shown[:, 0].all() and not shown[:, 1].any()  # one LAO: no colour, as no average
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 2
    assert sorted(t.get_text() for t in ax.texts) == ["0", "100", "25", "50"]  # still printed
    assert [t.get_text() for t in ax.get_yticklabels()][0].replace("\n", " ") == name


def test_wrap_label_breaks_at_spaces_only():
    thai = "การจัดเก็บภาษีบำรุงองค์การบริหารส่วนจังหวัดจากสถานค้าปลีกน้ำมัน"
    assert plots.wrap_label(f"D3.40 {thai}", 20) == f"D3.40 {thai}"  # whole, the code with it
    assert plots.wrap_label(f"{thai} {thai}", 20) == f"{thai}\n{thai}"
    english = "Consistency of the budget ordinance with the development plan"
    wrapped = plots.wrap_label(english, 30)
    assert wrapped.replace("\n", " ") == english and "\n" in wrapped
    assert all(len(line) <= 30 for line in wrapped.split("\n"))


def test_heatmap_of_correlations_uses_their_range_and_decimals():
    cells = pd.DataFrame({"row": ["a", "a", "b", "b"], "col": ["a", "b", "a", "b"],
                          "value": [1.0, -0.35, -0.35, 1.0]})
    fig = plots.heatmap(cells, lang="en", scale=1, value_label="Spearman ρ")
    ax = fig.axes[0]
    assert ax.get_images()[0].get_clim() == (-0.35, 1.0)
    assert sorted(t.get_text() for t in ax.texts) == ["-0.35", "-0.35", "1.00", "1.00"]
    fixed = plots.heatmap(cells, lang="en", scale=1, vmin=-1, vmax=1, digits=1)
    assert fixed.axes[0].get_images()[0].get_clim() == (-1, 1)
    assert "-0.3" in [t.get_text() for t in fixed.axes[0].texts]


def test_funnel_plot_highlights_one_unit(laos):
    points = (laos.groupby("province_code").agg(n=("passed", "size"), value=("passed", "mean"))
              .reset_index().rename(columns={"province_code": "unit"}))
    points["label"] = [i18n.province_label(u, "th") for u in points["unit"]]
    target = float(laos["passed"].mean())
    n = np.arange(5, 70)
    se = np.sqrt(target * (1 - target) / n)
    curve = pd.DataFrame({"n": n, "lo95": target - 1.96 * se, "hi95": target + 1.96 * se,
                          "lo998": target - 3.09 * se, "hi998": target + 3.09 * se})
    fig = plots.funnel_plot(points, curve, target=target, lang="th", highlight=PHRAE)
    ax = fig.axes[0]
    others, chosen = ax.collections
    assert len(others.get_offsets()) == len(points) - 1
    phrae = points.set_index("unit").loc[PHRAE]
    assert tuple(chosen.get_offsets()[0]) == pytest.approx((phrae["n"], phrae["value"] * 100))
    assert "แพร่" in _texts(fig)


def test_funnel_plot_names_every_unit_outside_the_limits_inside_the_figure(laos):
    points = (laos.groupby("province_code").agg(n=("overall_pct", "size"),
                                                  value=("overall_pct", "mean"))
              .reset_index().rename(columns={"province_code": "unit"}))
    points["label"] = [i18n.province_label(u, "en") for u in points["unit"]]
    target = float(laos["overall_pct"].mean())
    points["flag"] = np.where(points["value"] < target - 3, "below998",
                              np.where(points["value"] > target + 3, "above998", "within"))
    n = np.arange(1, 70)
    se = 8 / np.sqrt(n)
    curve = pd.DataFrame({"n": n, "lo95": target - 1.96 * se, "hi95": target + 1.96 * se,
                          "lo998": target - 3.09 * se, "hi998": target + 3.09 * se})
    fig = plots.funnel_plot(points, curve, target=target, lang="en", scale=1,
                            title="t", caption="c")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    named = {t.get_text(): t for t in fig.axes[0].texts}
    outside = points.loc[points["flag"] != "within", "label"]
    assert len(outside) >= 2 and set(outside) == set(named)  # every one, and only those
    # the words only (an annotation's extent takes in its leader line too)
    boxes = [matplotlib.text.Text.get_window_extent(t, canvas.get_renderer())
             for t in named.values()]
    assert all(fig.bbox.contains(b.x0, b.y0) and fig.bbox.contains(b.x1, b.y1) for b in boxes)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    with pytest.raises(ValueError, match="lo998"):
        plots.funnel_plot(points, curve.drop(columns="lo998"), target=target, lang="th")


def test_rank_interval_plot_puts_the_best_on_top():
    ranks = pd.DataFrame({"unit": ["54", "50", "10"], "label": ["แพร่", "เชียงใหม่", "x"],
                          "rank": [3, 1, 2], "rank_low": [2, 1, 1], "rank_high": [3, 2, 3]})
    fig = plots.rank_interval_plot(ranks, lang="th", highlight="54")
    top_down = sorted(fig.axes[0].get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in top_down] == ["เชียงใหม่", "x", "แพร่"]
    assert to_hex(top_down[-1].get_color()) == plots.HIGHLIGHT.lower()
    assert to_hex(top_down[0].get_color()) != plots.HIGHLIGHT.lower()


def test_rank_interval_plot_draws_sensitivity_apart_from_the_statistical_interval():
    ranks = pd.DataFrame({"unit": ["a", "b"], "label": ["a", "b"], "rank": [1, 2],
                          "rank_low": [1, 1], "rank_high": [2, 4], "sens_low": [1, 2],
                          "sens_high": [3, 2]})
    fig = plots.rank_interval_plot(ranks, lang="en", level=0.9)
    lines = [c for c in fig.axes[0].collections if hasattr(c, "get_segments")]
    spans = [sorted((seg[0][0], seg[1][0]) for seg in c.get_segments()) for c in lines]
    assert [(1, 3), (2, 2)] in spans and [(1, 2), (1, 4)] in spans
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    # in the order of the ranks table's columns: sensitivity, then the statistical interval
    assert legend == ["Sensitivity to weights and method",
                      "90% statistical uncertainty (bootstrap)"]


def test_rank_interval_plot_of_many_units_uses_two_readable_panels(laos):
    ranks = pd.DataFrame({"unit": [f"{i:02d}" for i in range(76)],
                          "label": [f"จังหวัด {i}" for i in range(76)], "rank": range(1, 77)})
    ranks = ranks.assign(rank_low=np.maximum(1, ranks["rank"] - 9), rank_high=ranks["rank"] + 9)
    fig = plots.rank_interval_plot(ranks, lang="th")
    assert len(fig.axes) == 2
    assert sum(len(ax.get_yticklabels()) for ax in fig.axes) == 76
    assert min(t.get_fontsize() for ax in fig.axes for t in ax.get_yticklabels()) >= 7


def test_funnel_plot_draws_assessment_effects_hollow():
    points = pd.DataFrame({"unit": ["10", "11", "12"], "n": [40, 60, 80],
                           "value": [0.9, 0.7, 0.8], "flag": ["above998_assessment", "within",
                                                              None]})
    curve = pd.DataFrame({"n": [1, 100], "lo95": [0.6, 0.75], "hi95": [1.0, 0.85],
                          "lo998": [0.5, 0.7], "hi998": [1.0, 0.9]})
    fig = plots.funnel_plot(points, curve, target=0.8, lang="en")
    plain, hollow = fig.axes[0].collections
    assert len(plain.get_offsets()) == 2 and len(hollow.get_offsets()) == 1
    assert "Assessment effect (lenient or strict team)" in _texts(fig)


def test_gap_scatter_colours_by_type(laos):
    phrae = laos[laos["province_code"] == PHRAE]
    fig = plots.gap_scatter(phrae, lang="en")
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(phrae)
    assert ax.get_xlabel() == i18n.t("chart.verified_pct", "en")
    low = ax.get_xlim()[0]
    assert ax.get_ylim()[0] == low and 0 <= low <= phrae[["overall_pct", "self_overall_pct"]].min().min()


def test_band_bars_stack_to_100_in_band_order():
    shares = pd.DataFrame({"label": ["แพร่"] * 3 + ["ทั้งประเทศ"] * 4,
                           "band": ["excellent", "good", "below", "excellent", "very_good", "good", "below"],
                           "share": [.1, .5, .4, .12, .33, .38, .17]})
    fig = plots.band_bars(shares, lang="th")
    bars = fig.axes[0].patches
    assert len(bars) == 8  # 4 bands × 2 groups; a missing band is a zero-width bar
    ends = {}
    for bar in bars:
        ends[bar.get_y()] = max(ends.get(bar.get_y(), 0), bar.get_x() + bar.get_width())
    assert sorted(round(v, 6) for v in ends.values()) == [100.0, 100.0]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [i18n.band_label(b, "th") for b in ("excellent", "very_good", "good", "below")]
    assert to_hex(bars[0].get_facecolor()) == plots.BAND_COLOURS["excellent"].lower()


def test_band_bars_label_counts_as_the_bullets_do_and_always_the_failing_band():
    shares = pd.DataFrame({"label": ["แพร่"] * 4 + ["ทั้งประเทศ"] * 4,
                           "band": plots.charts.BAND_ORDER * 2,
                           "share": [.07, .56, .36, .012, .07, .52, .40, .008],
                           "count": [6, 47, 30, 1, 549, 4062, 3156, 61]})
    fig = plots.band_bars(shares, lang="th", width=4.8, title="แถบ")
    FigureCanvasAgg(fig).draw()  # the labels are fitted to the segments' final width
    texts = _texts(fig)
    assert "47 (56%)" in texts and "4,062 (52%)" in texts
    assert "1 (1.2%)" in texts and "61 (0.8%)" in texts  # the failing band: beside the bar
    assert "7%" in texts  # a narrow segment still says its share
    assert fig.title_text.get_text() == "แถบ"
    sizes = [t.get_fontsize() for ax in fig.axes for t in ax.get_yticklabels()]
    assert min(sizes) >= 7  # printed at its own size in the page-1 box


def test_shorten_never_splits_a_thai_mark_from_its_letter():
    text = "การประชุมสภาท้องถิ่นที่เปิดเผยต่อผู้สังเกตการณ์ภายนอกอย่างครบถ้วนทุกครั้งน้ำ"
    for limit in range(3, len(text)):
        short = plots.shorten(text, limit)
        kept = short.removesuffix("…")
        assert len(short) <= limit and text.startswith(kept)
        assert unicodedata.category(text[len(kept)]) != "Mn"


# -- layout and display: charts size their own margins and are drawn once per display --

def _longest_indicators(n: int, lang: str) -> list[str]:
    """Real indicator labels as the report builds them (id + name), the longest first."""
    from lpa_analysis import demo

    indicators = sorted(demo.framework(2566).indicators, key=lambda i: -len(i.name_th))[:n]
    return [f"{i.id} {i.name_th if lang == 'th' else i.name_en}" for i in indicators]


def _every_chart(laos: pd.DataFrame, lang: str) -> dict[str, plots.Chart]:
    """Each chart of the package with real-shaped frames and the longest real labels."""
    rng = np.random.default_rng(5)
    phrae = laos[laos["province_code"] == PHRAE]
    labels = _longest_indicators(15, lang)
    difference = -np.sort(rng.uniform(0.01, 0.2, 12))
    gaps = pd.DataFrame({"label": labels[:12], "difference": difference,
                         "ci_low": difference - .08, "ci_high": difference + .08,
                         "q_value": rng.uniform(0, .2, 12)})
    types = [i18n.lao_type_label(k, lang, short=True) for k in TYPES]
    cells = pd.DataFrame([{"row": r, "col": c, "value": rng.uniform()}
                          for r in labels for c in types])
    by_province = (laos.groupby("province_code").agg(n=("passed", "size"), value=("passed", "mean"))
                   .reset_index().rename(columns={"province_code": "unit"}))
    target = float(laos["passed"].mean())
    n = np.arange(5, 70)
    se = np.sqrt(target * (1 - target) / n)
    curve = pd.DataFrame({"n": n, "lo95": target - 1.96 * se, "hi95": target + 1.96 * se,
                          "lo998": target - 3.09 * se, "hi998": target + 3.09 * se})
    league = by_province.sort_values("value", ascending=False).assign(
        label=lambda d: [i18n.province_label(u, lang) for u in d["unit"]],
        rank=range(1, len(by_province) + 1))
    league = league.assign(rank_low=np.maximum(1, league["rank"] - 9), rank_high=league["rank"] + 9)
    regions = pd.DataFrame({"label": [i18n.province_label(PHRAE, lang),
                                      i18n.t("chart.national", lang)],
                            "rate": [.62, .83], "ci_low": [.52, .82], "ci_high": [.71, .84],
                            "n": [78, 7849], "highlight": [True, False]})
    trend = pd.DataFrame({"year": [2564, 2565, 2566] * 2,
                          "series": ["แพร่"] * 3 + ["ทั้งประเทศ"] * 3,
                          "value": [70, 72, 75, 78, 79, 80]})
    shares = pd.DataFrame({"label": ["แพร่"] * 4 + ["ทั้งประเทศ"] * 4,
                           "band": plots.charts.BAND_ORDER * 2, "share": [.1, .3, .2, .4, .12, .33, .38, .17]})
    # 32 districts (Nakhon Ratchasima's count), the longest real names, both flags
    names = ["เมืองนครราชสีมา", "Mueang Nakhon Ratchasima", "เฉลิมพระเกียรติ", "หนองม่วงไข่"]
    means = np.sort(rng.uniform(76, 86, 32))[::-1]
    districts = pd.DataFrame({"label": [names[i % 4] for i in range(32)], "value": means,
                              "ci_low": means - 3, "ci_high": means + 3, "n": range(3, 35),
                              "flag": ["above"] + [None] * 30 + ["below"]})
    return {
        "districts": plots.dot_with_ci(districts, lang=lang, reference=81.7,
                                       reference_label=i18n.t("chart.province_mean", lang,
                                                              mean="81.7%")),
        "dimensions": plots.dimension_boxplot(laos, province_code=PHRAE, lang=lang),
        "bars": plots.bar_with_ci(regions, lang=lang, pass_mark=70),
        "types": plots.type_comparison(phrae, lang=lang),
        "trend": plots.trend_lines(trend, lang=lang, highlight="แพร่", pass_mark=70),
        "indicators": plots.indicator_gap_bars(gaps, lang=lang),
        "heatmap": plots.heatmap(cells, lang=lang),
        "funnel": plots.funnel_plot(by_province, curve, target=target, lang=lang, highlight=PHRAE),
        "league": plots.rank_interval_plot(league, lang=lang, highlight=PHRAE),
        "integrity": plots.gap_scatter(phrae, lang=lang),
        "bands": plots.band_bars(shares, lang=lang),
        "map": plots.province_map(by_province.rename(columns={"unit": "province_code"}), lang=lang),
    }


@pytest.mark.parametrize("lang", ["th", "en"])
def test_every_chart_fits_its_labels_inside_the_figure(laos, lang):
    # the longest real title and caption, wrapped to the figure's width
    title = i18n.t("chart.title.indicators", lang, n="12")
    caption = " ".join([i18n.t("chart.heatmap_caption", lang),
                        i18n.t("chart.heatmap_sparse", lang, min_n="5")])
    for name, fig in _every_chart(laos, lang).items():
        fig.set_heading(title, caption)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        assert fig.get_layout_engine() is None, name  # laid out by Chart, not constrained layout
        drawn = fig.get_tightbbox(renderer)  # inches, every label, legend and colour bar
        width, height = fig.get_size_inches()
        assert (drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= width + 0.01
                and drawn.y1 <= height + 0.01), f"{name}: drawn over {drawn.bounds}"
        ax = fig.axes[0]  # the plot keeps its room (several panels: together), whatever the heading
        assert sum(a.get_position().width for a in fig.axes if not a.get_label() == "<colorbar>") \
            > 0.3 and ax.get_position().height * height > 0.25, name
        heading = [t.get_window_extent(renderer) for t in (fig.title_text, fig.caption_text)]
        for legend in fig.legends:  # a legend stays clear of the axis labels and the heading
            box = legend.get_window_extent(renderer)
            assert not any(box.overlaps(a.get_tightbbox(renderer)) for a in fig.axes), name
            assert not any(box.overlaps(h) for h in heading), name
        for a in fig.axes:
            assert not any(a.get_tightbbox(renderer).overlaps(h) for h in heading), name


def test_a_chart_of_several_panels_keeps_them_apart():
    fig = plots.new_figure(3.0)
    left, right = fig.subplots(1, 2)
    for ax in (left, right):
        ax.set_yticks([0, 1], ["การจัดทำข้อบัญญัติงบประมาณรายจ่ายประจำปี", "ก"])
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    a, b = (ax.get_tightbbox(canvas.get_renderer()) for ax in (left, right))
    assert 0 <= a.x0 and a.x1 <= b.x0 and b.x1 <= fig.bbox.width


def test_a_chart_is_drawn_once_per_display_even_beside_pyplots_printer(laos, monkeypatch):
    import IPython.display
    from IPython.core.formatters import DisplayFormatter

    published, draws = [], []
    monkeypatch.setattr(IPython.display, "publish_display_data",
                        lambda data, **kwargs: published.append(data))
    draw = plots.Chart.draw
    monkeypatch.setattr(plots.Chart, "draw", lambda self, renderer: (draws.append(self),
                                                                     draw(self, renderer))[1])
    formatter = DisplayFormatter()
    # What pyplot's inline backend registers for every Figure once pyplot is imported in a
    # kernel: a tight-bbox savefig, which draws twice.
    formatter.formatters["image/png"].for_type(
        Figure, lambda fig: pytest.fail("the Figure printer drew the chart"))
    chart = plots.type_comparison(laos[laos["province_code"] == PHRAE], lang="th")
    assert formatter.format(chart) == ({}, {})
    assert [sorted(d) for d in published] == [["image/png", "text/plain"]]
    assert published[0]["image/png"].startswith(b"\x89PNG")
    assert draws == [chart]


# -- the reports' charts: each says what it shows --

@pytest.mark.parametrize("lang", ["th", "en"])
def test_every_report_chart_has_a_title_and_fits(small_processed, lang):
    from lpa_analysis.report import national_report, province_report

    for rep in (province_report(2566, PHRAE, lang=lang, processed_dir=small_processed),
                national_report(2566, lang=lang, processed_dir=small_processed)):
        for name in rep.CHARTS:
            chart = rep.chart(name)
            assert chart.title_text is not None and chart.title_text.raw_text, (rep.KIND, name)
            assert chart.alt_text() == chart.title_text.raw_text
            canvas = FigureCanvasAgg(chart)
            canvas.draw()
            drawn = chart.get_tightbbox(canvas.get_renderer())
            width, height = chart.get_size_inches()
            assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= width + 0.01 \
                and drawn.y1 <= height + 0.01, (rep.KIND, name, drawn.bounds)
