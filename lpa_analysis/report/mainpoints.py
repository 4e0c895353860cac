"""Page 1 of every report: the main points (ประเด็นสำคัญ) — a box of 4–6 bullets with the numbers
that matter and one headline chart — and, at the end, the glossary (คำอธิบายศัพท์).

Each report kind computes its figures into a `main_points` table (MAIN_POINTS_COLUMNS, one row
per figure; tables/main_points.csv) and writes its bullets from that table only, so every number
on page 1 is a cell the reader can open."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

import pandas as pd

from lpa_analysis import i18n, plots, stats
from lpa_analysis.i18n import fmt_num, fmt_pct, t
from lpa_analysis.schema import Framework

# point: which bullet; level: province | region | national (blank for districts, LAOs);
# item: what the row is about (band, indicator id, LAO code, district, year);
# percent: per cent (pass rates and shares ×100, scores as they are); ci_*: its 95% interval;
# min_score: the cut-off that applies (pass mark, band floor); change: since the previous year;
# estimate: an assessment team's effect in percentage points (national team_effect rows).
MAIN_POINTS_COLUMNS = ["point", "level", "item", "label", "n", "count", "percent", "ci_low",
                       "ci_high", "min_score", "change", "estimate"]
# render.MAIN_POINTS_END: the table of contents goes after this, so page 1 reads title, cover,
# main points, contents (report/ does not import render).
MAIN_POINTS_END = "<!-- lpa:main-points-end -->"
# Names listed in a bullet before it says "and N more: see the table".
NAMES_LISTED = 5


def main_points_frame(rows: Sequence[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=MAIN_POINTS_COLUMNS)


def rate_row(point: str, level: str | None, item, label: str, rate: pd.Series | dict,
             **extra) -> dict:
    """A row from a stats.pass_rate / district_table row (proportions → per cent)."""
    value = rate.get("rate", rate.get("pass_rate"))
    return {"point": point, "level": level, "item": item, "label": label, "n": rate["n"],
            "count": rate["passed"], "percent": 100 * value,
            "ci_low": 100 * rate["ci_low"], "ci_high": 100 * rate["ci_high"], **extra}


def band_rows(frame: pd.DataFrame, level: str, label: str, framework: Framework) -> list[dict]:
    """One row per band of the LAOs in `frame`: count, share (per cent) and the band's floor."""
    shares = stats.band_shares(frame)
    return [{"point": "bands", "level": level, "item": r["band"], "label": label, "n": r["n"],
             "count": r["count"], "percent": 100 * r["share"], "ci_low": 100 * r["ci_low"],
             "ci_high": 100 * r["ci_high"],
             "min_score": framework.band_rule(r["band"]).min_pct}
            for r in shares.to_dict("records")]


def extremes(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The lowest and the highest pass rate (ties: the one with more LAOs, the better evidence)."""
    ordered = rows.sort_values(["percent", "n"], ascending=[True, False])
    highest = rows.sort_values(["percent", "n"], ascending=[False, False])
    return ordered.iloc[0], highest.iloc[0]


def spread_text(rows: pd.DataFrame, key: str, lang: str) -> str:
    """A sentence on how far apart the groups' pass rates are (districts, regions): a
    difference is called clear only when the two extremes' 95% intervals do not overlap;
    otherwise the sentence gives the range and says it may be chance."""
    low, high = extremes(rows)
    fill = {"low": low["label"], "low_rate": fmt_pct(low["percent"]), "low_n": fmt_num(low["n"]),
            "high": high["label"], "high_rate": fmt_pct(high["percent"]),
            "high_n": fmt_num(high["n"])}
    if fmt_pct(low["percent"]) == fmt_pct(high["percent"]):
        return t(f"{key}_equal", lang, rate=fill["low_rate"])
    notable = low["ci_high"] < high["ci_low"]
    return t(f"{key}_{'notable' if notable else 'range'}", lang, **fill)


def as_shown(percent: float) -> float:
    """A per cent as a bullet writes it (fmt_pct, one decimal): differences between shown
    numbers are taken from these, so 99.1% − 97.6% reads +1.5, never +1.4."""
    return float(fmt_pct(percent).rstrip("%").replace(",", "").replace("\u2212", "-"))


def and_list(items: Sequence[str], lang: str) -> str:
    """'A, B and C' / 'ก, ข และค' (message list.and)."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + t("list.and", lang) + items[-1]


def names_text(rows: pd.DataFrame, lang: str) -> str:
    """'อบต.ก (65.3%), ทต.ข (68.0%)' for the first NAMES_LISTED rows."""
    return ", ".join(f"{name} ({fmt_pct(value)})" for name, value in
                     zip(rows["label"].head(NAMES_LISTED), rows["percent"].head(NAMES_LISTED)))


def _cutoffs(floors: Sequence[float], lang: str) -> list[str]:
    """Each band's cut-offs in words, from the bands' floors (highest band first)."""
    words = [fmt_num(v, 0 if float(v).is_integer() else 2) for v in floors]
    out = []
    for k, floor in enumerate(floors):
        if k == 0:
            out.append(t("main_points.cutoff_from", lang, min=words[k]))
        elif floor > 0:
            out.append(t("main_points.cutoff_range", lang, min=words[k], max=words[k - 1]))
        else:  # the failing band: below the pass mark (the band above's floor)
            out.append(t("main_points.cutoff_below", lang, min=words[k - 1]))
    return out


def bands_text(rows: pd.DataFrame, lang: str) -> str:
    """'ดีเด่น (ร้อยละ 90 ขึ้นไป) 6 แห่ง, ดีมาก (ร้อยละ 80 ถึงต่ำกว่า 90) …': each band's count
    with its cut-offs (rows of one level of a main_points table)."""
    rows = rows.sort_values("min_score", ascending=False)
    return ", ".join(t("main_points.band", lang, band=i18n.band_label(band, lang), cutoff=cut,
                       count=fmt_num(count)) for band, cut, count in
                     zip(rows["item"], _cutoffs(list(rows["min_score"]), lang), rows["count"]))


def band_cutoffs_text(framework: Framework, lang: str) -> str:
    """'ดีเด่น (ร้อยละ 90 ขึ้นไป), ดีมาก (ร้อยละ 80 ถึงต่ำกว่า 90), …' from the framework."""
    cuts = _cutoffs([b.min_pct for b in framework.bands], lang)
    return ", ".join(f"{i18n.band_label(b.id, lang)} ({c})" for b, c in zip(framework.bands, cuts))


# The headline chart's width: the page-1 box shows it at 80 % of its width (templates/lpa/
# lpa.css `.lpa-main-points img`, about 4.8 in), so at this width it prints at its own size.
CHART_WIDTH_IN = 4.8


def bands_chart(main_points: pd.DataFrame, lang: str):
    """The headline chart: the bands of each group of a main_points table (the bands rows:
    province, region, nation, or each region and the nation), each segment labelled with the
    count the bullet gives and its share."""
    bands = main_points[main_points["point"] == "bands"]
    return plots.band_bars(bands.assign(band=bands["item"], share=bands["percent"]),
                           lang=lang, scale=1, width=CHART_WIDTH_IN,
                           title=t("chart.title.bands", lang))


class MainPoints:
    """The main-points box: heading, bullets (plain text, escaped here) and the headline chart,
    as one HTML block (the report puts its table of contents after it)."""

    def __init__(self, lang: str, bullets: Sequence[str], chart=None):
        self.lang, self.bullets, self.chart = lang, list(bullets), chart

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(b)}</li>" for b in self.bullets)
        figure = ""
        if self.chart is not None:
            png = base64.b64encode(self.chart._repr_png_()).decode("ascii")
            figure = (f'<img src="data:image/png;base64,{png}" '
                      f'alt="{html.escape(self.chart.alt_text())}">')
        return (f'<section class="lpa-main-points"><h2 class="lpa-main-points-title">'
                f'{html.escape(t("main_points.heading", self.lang))}</h2><ul>{items}</ul>'
                f"{figure}</section>{MAIN_POINTS_END}")

    def __repr__(self) -> str:
        return "\n".join([t("main_points.heading", self.lang), *(f"- {b}" for b in self.bullets)])


def glossary_lines(terms: Sequence[str], framework: Framework, lang: str) -> list[str]:
    """The glossary as Markdown paragraphs, '**term**: definition' (messages glossary.<term>.*),
    the pass mark and band cut-offs filled in from the year's framework."""
    fill = {"threshold": f"{framework.pass_threshold:g}",
            "bands": band_cutoffs_text(framework, lang)}
    return [f"**{t(f'glossary.{term}.term', lang)}**: {t(f'glossary.{term}.text', lang, **fill)}"
            for term in terms]
