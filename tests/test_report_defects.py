"""What a reader sees in the reports' tables, charts and workbooks (issue 16, items 6–7): words
for codes, per cent on one rule, names beside codes, charts whose rows and columns agree."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from lpa_analysis import geo, i18n, rules
from lpa_analysis.export import export_year
from lpa_analysis.plots.charts import wrap_label
from lpa_analysis.plots.map import province_grid
from lpa_analysis.report.base import reconciliation_named, says_percent
from lpa_analysis.schema import LAO_NAME_PREFIX_TH, display_name

THAI = re.compile(r"[\u0E00-\u0E7F]")
RAW_CODE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")  # d3_pct, verified_present, n_not_applicable


def _mismatches(laos: pd.DataFrame) -> pd.DataFrame:
    """Reconciliation rows as reconcile.reconcile writes them, on two real LAOs."""
    a, b = laos["lao_code"].iloc[[0, 1]]
    return pd.DataFrame({"lao_code": [a, b, "5950199"],
                         "field": ["d3_pct", "overall_pct", "lao_code"],
                         "published": ["84.25", "79.79", "5950199"],
                         "recomputed": ["81.25", "79.58549222797927", None],
                         "difference": [3.0, 0.20450777202073, float("nan")]})


def test_reconciliation_shows_the_difference_in_points_with_names(nation, lang):
    laos = nation.national
    nation.tables["reconciliation"] = reconciliation_named(_mismatches(laos), laos, lang)
    shown = nation.show("reconciliation").data
    header = i18n.table_headers(["name", "province", "field", "published", "recomputed",
                                 "difference"], lang)
    assert shown[header["difference"]].tolist()[:2] == ["3.00", "0.20"]  # not ×100
    assert shown[header["published"]].tolist()[:2] == ["84.25", "79.79"]
    assert shown[header["recomputed"]].tolist()[:2] == ["81.25", "79.59"]  # no 15 digits
    assert shown[header["field"]].tolist()[:2] == [i18n.dimension_label(3, lang, short=True),
                                                   i18n.t("col.overall_pct", lang)]
    first = laos.iloc[0]
    assert shown[header["name"]].iloc[0] == display_name(first["name_th"], first["lao_type"])
    assert shown[header["province"]].iloc[0] == i18n.province_label(first["province_code"], lang)
    # an LAO published but never scored: no name, its province from the code
    assert shown[header["province"]].iloc[2] == i18n.province_label("95", lang)
    assert not shown.astype(str).apply(lambda c: c.str.contains("_pct")).any().any()


def test_correlation_matrix_has_its_rows_and_columns_in_one_order(nation):
    ax = nation.chart("correlations").axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    columns = [t.get_text() for t in ax.get_xticklabels()]
    assert rows == columns == [i18n.dimension_label(d, nation.lang, short=True)
                               for d in range(1, 6)]
    cells = nation.correlation_cells()
    grid = cells.pivot(index="measure_a", columns="measure_b", values="value")
    assert (grid.to_numpy() == grid.to_numpy().T).all()  # symmetric: nothing rotated
    assert (grid.to_numpy().diagonal() == 1).all()
    assert nation.chart("correlations").title_text.get_text()


def test_quality_table_speaks_words_not_codes(phrae, small_processed):
    findings = phrae.tables["quality"]
    assert len(findings)  # the demo's dirty rows leave findings to show
    shown = phrae.show("quality").data
    codes = set(findings["check"]) | set(findings["table"]) | set(findings["severity"])
    assert not codes & set(shown.astype(str).to_numpy().ravel())
    check = i18n.table_headers(["check"], phrae.lang)["check"]
    assert set(shown[check]) == {i18n.t(f"rule.{c}", phrae.lang) for c in findings["check"]}


def test_every_rule_has_words_in_both_languages():
    for rule_id in [*rules.RULES, rules.UNNAMED]:
        assert i18n.t(f"rule.{rule_id}", "th") and i18n.t(f"rule.{rule_id}", "en")


@pytest.mark.parametrize("kind", ["province", "national"])
def test_every_shown_column_has_a_header_in_the_readers_language(kind, phrae, nation):
    rep = phrae if kind == "province" else nation
    for name in rep.tables:
        if name == "main_points":  # the main-points box writes its own table
            continue
        people = rep.people_table(name)
        raw = [c for c in people.columns if RAW_CODE.match(str(c))]
        assert not raw, (name, raw)


@pytest.mark.parametrize("kind", ["province", "national"])
def test_per_cent_columns_are_times_100_under_a_per_cent_header(kind, phrae, nation):
    rep = phrae if kind == "province" else nation
    checked = 0
    for name, table in rep.tables.items():
        values = rep._people_values(name)
        people = rep.people_table(name)
        for position, column in enumerate(values.columns):
            if column not in rep._proportions(name):
                continue
            assert says_percent(people.columns[position]), (name, people.columns[position])
            machine = pd.to_numeric(table[column], errors="coerce").dropna()
            assert values[column].dropna().tolist() == pytest.approx((100 * machine).tolist())
            checked += 1
    assert checked >= 3


def test_rank_chart_and_table_show_the_same_laos_in_one_order(phrae):
    ax = phrae.chart("ranks").axes[0]
    charted = [t.get_text() for t in ax.get_yticklabels()]
    shown = phrae.show("ranks").data  # as the notebook shows it: the best and the worst
    names = shown[i18n.table_headers(["name"], phrae.lang)["name"]]
    assert len(charted) == min(phrae.RANKS_SHOWN, len(phrae.tables["ranks"]))
    assert charted == [wrap_label(n, 30) for n in names]


def test_heatmap_has_a_title_and_says_what_a_blank_cell_is(phrae):
    chart = phrae.chart("heatmap")
    ax = chart.axes[0]
    assert chart.title_text.raw_text and chart.caption_text.raw_text.startswith(
        i18n.t("chart.heatmap_caption", phrae.lang))
    # indicator names in full
    assert not any(t.get_text().endswith("…") for t in ax.get_yticklabels())


def test_integrity_tables_name_provinces(phrae, nation):
    for rep, name in ((phrae, "integrity"), (nation, "team_effect")):
        shown = rep.show(name).data
        header = i18n.table_headers(["province"], rep.lang)["province"]
        table = rep.tables[name]
        assert shown[header].notna().all()
        assert table["province"].tolist() == [i18n.province_label(c, rep.lang)
                                              for c in table["province_code"]]


def test_workbook_sheets_are_named_in_the_readers_language(phrae, tmp_path):
    book = openpyxl.load_workbook(phrae.write_tables(tmp_path) / "tables.xlsx", read_only=True)
    names = book.sheetnames
    assert len(names) == len(phrae.tables)
    if phrae.lang == "th":
        assert all(THAI.search(n) for n in names), names
    else:
        assert not any(THAI.search(n) for n in names) and "Summary" in names


def test_map_tiles_carry_official_province_names():
    official = {p.code: p.name_th for p in geo.all_provinces(include_bangkok=True)}
    grid = province_grid()
    assert {c: label.replace("\n", "") for c, label in
            zip(grid["province_code"], grid["label_th"])} == official


def test_export_names_laos_and_gives_previous_year_and_per_cent(lang, small_processed,
                                                                   tmp_path):
    path = export_year(2566, tmp_path / "phrae.xlsx", province="54", lang=lang,
                       processed_dir=small_processed)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [i18n.t(f"sheet.{s}", lang)
                               for s in ("scored_laos", "indicator_scores", "summary")]
    for ws in book.worksheets:
        header = [c.value for c in ws[1]]
        assert not [h for h in header if RAW_CODE.match(h)], (ws.title, header)
    laos = book.worksheets[0]
    header = [c.value for c in laos[1]]
    rows = list(laos.iter_rows(min_row=2, values_only=True))
    names = [r[header.index(i18n.t("col.name", lang))] for r in rows]
    assert all(n.startswith(tuple(LAO_NAME_PREFIX_TH.values())) for n in names)
    before, now, change = (header.index(i18n.t(f"col.{c}", lang)) for c in
                           ("comparable_overall_previous", "comparable_overall", "change"))
    assert all(r[change] == pytest.approx(r[now] - r[before]) for r in rows
               if r[before] is not None)
    summary = book.worksheets[2]
    header = [c.value for c in summary[1]]
    rate = summary.cell(2, header.index(i18n.t("col.pass_rate", lang)) + 1).value
    n, passed = (summary.cell(2, header.index(i18n.t(f"col.{c}", lang)) + 1).value
                 for c in ("n", "passed"))
    assert rate == pytest.approx(100 * passed / n)  # per cent, not a fraction
    assert says_percent(header[header.index(i18n.t("col.pass_rate", lang))])
