"""Benchmarking that the province and the national report share: funnel charts and sentences
from the reference `funnel` table (reference.funnel_table: one row per measure and province,
both measures in per cent), and the rank intervals' method note."""

from __future__ import annotations

import pandas as pd

from lpa_analysis import i18n, plots, stats
from lpa_analysis.i18n import fmt_num, fmt_pct, t
from lpa_analysis.settings import RANK_DRAWS, RANK_INTERVAL, RANK_PERTURBATION
from lpa_analysis.stats.funnel import ASSESSMENT_SUFFIX, LIMIT_COLUMNS

LEAD_MEASURE = "overall_pct"  # the pass rate sits near 100 %: the mean score leads
PASS_MEASURE = "pass_rate_pct"


def measure_rows(funnel: pd.DataFrame, measure: str) -> pd.DataFrame:
    return funnel[funnel["measure"] == measure]


def funnel_chart(funnel: pd.DataFrame, measure: str, national: pd.DataFrame, lang: str,
                 highlight: str | None = None):
    """The funnel plot of one measure: its rows of the table and the limits for every n,
    computed as the table's (same target, τ², and for means the national LAO-level sd)."""
    rows = measure_rows(funnel, measure)
    target = float(rows["target"].dropna().iloc[0])
    tau2 = float(rows["tau2"].dropna().iloc[0])
    sizes = range(1, int(rows["n"].max()) + 20)
    if measure == PASS_MEASURE:  # the table is in per cent, the statistics in proportions
        curve = stats.funnel_curve(target / 100, sizes, tau2=tau2 / 100**2)
        curve[LIMIT_COLUMNS] = 100 * curve[LIMIT_COLUMNS]
    else:
        sd = float(pd.to_numeric(national[measure], errors="coerce").std(ddof=1))
        curve = stats.funnel_curve(target, sizes, kind="mean", sd=sd, tau2=tau2)
    points = rows.rename(columns={"province_code": "unit"})
    points = points.assign(label=[i18n.province_label(u, lang) for u in points["unit"]])
    return plots.funnel_plot(points, curve, target=target, lang=lang, highlight=highlight,
                             scale=1, value_label=t(f"chart.{measure}", lang),
                             title=t(f"chart.title.funnel.{measure}", lang),
                             caption=t("chart.caption.funnel", lang))


def dispersion_sentence(funnel: pd.DataFrame, lang: str) -> str:
    """How much the lead measure's provinces differ beyond chance (φ, τ² of the table)."""
    row = measure_rows(funnel, LEAD_MEASURE).iloc[0]
    if row["tau2"] > 0:
        return t("benchmarking.dispersion", lang, phi=fmt_num(row["phi"], 2),
                 tau2=fmt_num(row["tau2"], 2))
    rows = measure_rows(funnel, LEAD_MEASURE)
    outside = rows["flag"].astype("string").str.contains("998", na=False).sum()
    return t("benchmarking.no_dispersion", lang, phi=fmt_num(row["phi"], 2),
             n_outside=fmt_num(outside))


def position_sentence(row: pd.Series, province: str, lang: str) -> str:
    """Where one province lies in one measure's funnel, with the numbers of its table row."""
    return t("benchmarking.funnel_position", lang, province=province,
             measure=t(f"benchmarking.measure.{row['measure']}", lang),
             value=fmt_pct(row["value"]), target=fmt_pct(row["target"]), n=fmt_num(row["n"]),
             lo998=fmt_pct(row["lo998"]), hi998=fmt_pct(row["hi998"]),
             position=t(f"benchmarking.position.{row['flag']}", lang))


def is_assessment_effect(flag: pd.Series) -> pd.Series:
    return flag.astype("string").str.endswith(ASSESSMENT_SUFFIX).fillna(False).astype(bool)


def ranks_method_note(lang: str, *, provinces: bool = True) -> str:
    """How the rank intervals are made; `provinces`: with the province rank intervals (the
    national league table), else the LAOs' only (the province report)."""
    tail = 100 * (1 - RANK_INTERVAL) / 2
    return t("method.ranks" if provinces else "method.ranks_laos", lang,
             n_draws=fmt_num(RANK_DRAWS),
             perturbation=f"{100 * RANK_PERTURBATION:g}", low=f"{tail:g}",
             high=f"{100 - tail:g}", level=f"{100 * RANK_INTERVAL:g}")
