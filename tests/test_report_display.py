"""How report tables and sentences write numbers (one style per kind of number, in HTML, the
XLSX and the sentences), and the types section: its sentence quotes only tables["types"]."""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from lpa_analysis import i18n
from lpa_analysis.report import national_report, province_report
from lpa_analysis.report.base import column_kind, sheet_label, written
from lpa_analysis.settings import ALPHA, MIN_GROUP_N


@pytest.fixture(scope="module", params=["en", "th"])
def phrae(request, small_processed):
    return province_report(2566, "54", lang=request.param, processed_dir=small_processed)


def test_each_kind_of_number_is_written_its_way():
    frame = pd.DataFrame({
        "rank_biserial": [0.258, 0.591, -0.0449], "epsilon_sq": [0.0421, 0.2, np.nan],
        "p_value": [0.0004, 0.0341, 1.0], "q_value": [0.000999, 0.001, np.nan],
        "n": pd.array([7849, 25, pd.NA], dtype="Int64"), "statistic": [2259.0, 3.4165, -5.74],
        "df": [1.0, 2.0, 4.0], "year": [2566, 2565, 2564], "median": [81.935, 1234.5, 90.0],
        "rank_median": [211.0, 1.0, np.nan], "lao_type": ["sao", "pao", None],
    })
    text = written(frame)
    assert text["rank_biserial"].tolist() == ["0.26", "0.59", "−0.04"]  # true minus
    assert text["epsilon_sq"].tolist() == ["0.04", "0.20", i18n.MISSING]
    assert text["p_value"].tolist() == ["< 0.001", "0.034", "1.000"]
    assert text["q_value"].tolist() == ["< 0.001", "0.001", i18n.MISSING]
    assert text["n"].tolist() == ["7,849", "25", i18n.MISSING]
    assert text["statistic"].tolist() == ["2,259.0", "3.4", "−5.7"]
    assert text["df"].tolist() == ["1", "2", "4"]
    assert text["year"].tolist() == ["2566", "2565", "2564"]  # a year is no count: no comma
    assert text["median"].tolist() == ["81.94", "1,234.50", "90.00"]
    assert text["rank_median"].tolist() == ["211", "1", i18n.MISSING]
    assert text["lao_type"].equals(frame["lao_type"])  # text stays as it is
    assert column_kind("df", pd.Series([1.06, 11.0])) == "statistic"  # Welch: fractional


def test_sentences_write_numbers_as_tables_do():
    assert i18n.fmt_p(0.0004) == "p < 0.001" and i18n.fmt_p(0.0341) == "p = 0.034"
    assert i18n.fmt_as(7849, "count") == "7,849"
    assert i18n.fmt_as(0.258, "effect") == "0.26"


def test_report_tables_show_effect_sizes_p_values_and_counts(phrae):
    pairs = phrae.tables["pairwise"]
    tested = pairs[pairs["note"].isna()].reset_index(drop=True)
    shown = phrae.show("pairwise").data
    assert len(shown) == len(tested)  # pairs with an untested type stay in the CSV only
    r_header = i18n.table_headers(["rank_biserial"], phrae.lang)["rank_biserial"]
    p_header = i18n.table_headers(["p_holm"], phrae.lang)["p_holm"]
    assert shown[r_header].tolist() == [f"{r:.2f}" for r in tested["rank_biserial"]]
    assert shown[p_header].tolist() == [
        "< 0.001" if p < 0.001 else f"{p:.3f}" for p in tested["p_holm"]]
    assert all(re.fullmatch(r"-?\d\.\d\d", r) for r in shown[r_header])  # never "0" or "1"


def test_workbook_keeps_numbers_as_numbers_with_formats(phrae, tmp_path):
    book = openpyxl.load_workbook(phrae.write_tables(tmp_path) / "tables.xlsx")
    sheet = book[sheet_label("pairwise", phrae.lang)]
    headers = [c.value for c in sheet[1]]
    tested = phrae.tables["pairwise"].reset_index(drop=True)
    row = int(tested.index[tested["note"].isna()][0]) + 2
    r = sheet.cell(row, headers.index(i18n.table_headers(["rank_biserial"], phrae.lang)[
        "rank_biserial"]) + 1)
    assert r.value == pytest.approx(tested.loc[row - 2, "rank_biserial"], abs=1e-12)
    assert r.number_format == "0.00"
    p = sheet.cell(row, headers.index(i18n.table_headers(["p_holm"], phrae.lang)["p_holm"]) + 1)
    assert isinstance(p.value, float) and p.number_format == '[<0.001]"< 0.001";0.000'
    n = sheet.cell(row, headers.index(i18n.table_headers(["n_a"], phrae.lang)["n_a"]) + 1)
    assert n.value == tested.loc[row - 2, "n_a"] and n.number_format == "#,##0"


# ----------------------------------------------------------------------------- types section

GROUP = re.compile(r"([^,:(]+?) \(n\u00a0=\u00a0([\d,]+)\)")  # no-break spaces: one line


def _types(text: str) -> list[tuple[str, int]]:
    return [(name.strip(), int(n.replace(",", ""))) for name, n in GROUP.findall(text)]


def test_types_sentence_quotes_the_types_table(phrae):
    table, lang = phrae.tables["types"], phrae.lang
    test = table.iloc[0]
    paragraphs = phrae.text("types").split("\n\n")
    named = {i18n.lao_type_label(v, lang): v for v in table["lao_type"]}
    tested = [(named[name], n) for name, n in _types(paragraphs[1])]
    assert tested == list(zip(table.loc[table["in_test"], "lao_type"],
                              table.loc[table["in_test"], "n"]))
    excluded = [(named[name], n) for name, n in _types(paragraphs[2])]
    assert excluded == list(zip(table.loc[~table["in_test"], "lao_type"],
                                table.loc[~table["in_test"], "n"]))
    assert all(n < MIN_GROUP_N for _, n in excluded) and excluded  # Phrae: 1 PAO, 1 town mun.
    for paragraph in paragraphs[1:3]:
        assert re.search(rf"\b{test['min_group_n']}\b", paragraph)
    # Phrae tests SAOs against subdistrict municipalities only: it must say two groups
    prefix, suffix = i18n.t("types.tested_two", lang, min_n=MIN_GROUP_N, tested="\0").split("\0")
    assert test["k_groups"] == 2
    assert paragraphs[1].startswith(prefix) and paragraphs[1].endswith(suffix)
    # the section says what the test means; its numbers are in the method notes
    key = "types.test_significant" if test["p_value"] < ALPHA else "types.test_not_significant"
    assert paragraphs[3] == i18n.t(key, lang)
    result = re.search(r"H = ([\d,.]+), df = (\d+), p ([=<]) ([\d.]+); .*ε² = (\d+\.\d\d)",
                       phrae.text("method_notes"))
    h, df, relation, p, effect = result.groups()
    assert float(h.replace(",", "")) == round(test["statistic"], 1)
    assert int(df) == test["df"] == test["k_groups"] - 1
    assert relation == ("<" if test["p_value"] < 0.001 else "=")
    assert float(p) == (0.001 if relation == "<" else round(test["p_value"], 3))
    assert float(effect) == round(test["epsilon_sq"], 2)


def test_types_table_says_which_types_are_tested_and_why(phrae):
    shown = phrae.show("types").data
    headers = i18n.table_headers(["in_test", "min_group_n", "note", "n"], phrae.lang)
    small = shown[headers["n"]].astype(int) < MIN_GROUP_N
    assert (shown.loc[small, headers["in_test"]] == i18n.t("value.no", phrae.lang)).all()
    assert (shown.loc[small, headers["note"]] == i18n.t("note.not_enough_data", phrae.lang)).all()
    assert (shown[headers["min_group_n"]] == str(MIN_GROUP_N)).all()


def test_national_types_and_reliability_tables(small_processed):
    rep = national_report(2566, lang="en", processed_dir=small_processed)
    types = rep.tables["types"]
    assert {"in_test", "min_group_n", "k_groups", "n_test"} <= set(types.columns)
    assert types.loc[types["in_test"], "n"].sum() == types["n_test"].iloc[0]
    alpha = rep.tables["alpha"]
    assert set(alpha["scale"]) == {*(f"dimension_{d}" for d in range(1, 6)), "dimension_scores"}
    by_type = alpha[alpha["group"] != "national"]
    # within an LAO type the same indicators apply: no 'different_items' there
    assert not by_type["note"].eq("different_items").any()
    shown = rep.show("alpha").data
    assert "Indicators of Management" in shown["Scale"].tolist()
    assert "The five dimension scores" in shown["Scale"].tolist()
