"""The district (อำเภอ) section of the province report: stats.district_table against an
independent computation, districts.csv, names in the reader's language, LAO names with their
type prefix, Thai dictionary order."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st
from statsmodels.stats.proportion import proportion_confint

from lpa_analysis import i18n, plots, stats
from lpa_analysis.processed import load_processed
from lpa_analysis.report import province_report
from lpa_analysis.schema import DIM_PCT, LAO_NAME_PREFIX_TH, display_name

CSV_COLUMNS = ["district_th", "district_en", "n", "passed", "pass_rate", "ci_low", "ci_high",
               "mean_overall"]


@pytest.fixture(scope="module", params=["th", "en"])
def phrae(request, small_processed):
    return province_report(2566, "54", lang=request.param, processed_dir=small_processed)


@pytest.fixture(scope="module")
def scored(small_processed) -> pd.DataFrame:
    laos = load_processed(2566, small_processed).scored_laos
    return laos[laos["province_code"] == "54"]


def _wilson(passed: int, n: int, z: float = st.norm.ppf(0.975)) -> tuple[float, float]:
    """The Wilson score interval written out (Wilson 1927), not through the package."""
    p = passed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_thai_names_sort_as_a_dictionary_does():
    names = ["สอง", "เมืองแพร่", "ร้องกวาง", "เด่นชัย", "ลอง"]
    assert sorted(names, key=i18n.thai_sort_key) == [
        "เด่นชัย", "เมืองแพร่", "ร้องกวาง", "ลอง", "สอง"]
    assert i18n.thai_sort_key("Mueang Phrae") == "Mueang Phrae"


def test_district_table_matches_an_independent_computation(phrae, scored):
    table = phrae.tables["districts"].set_index("district_th")
    assert set(table.index) == set(scored["district_th"])
    for district, part in scored.groupby("district_th"):
        row = table.loc[district]
        n, passed = len(part), int(part["passed"].sum())
        assert (row["n"], row["passed"]) == (n, passed)
        assert row["pass_rate"] == pytest.approx(passed / n)
        low, high = proportion_confint(passed, n, method="wilson")
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(_wilson(passed, n), abs=1e-9)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            (min(low, passed / n), max(high, passed / n)), abs=1e-12)
        x = part["overall_pct"].to_numpy(float)
        assert row["mean_overall"] == pytest.approx(x.mean())
        if n > 1 and np.ptp(x) > 0:
            t_low, t_high = st.t.interval(0.95, n - 1, loc=x.mean(), scale=st.sem(x))
            assert (row["mean_ci_low"], row["mean_ci_high"]) == pytest.approx(
                (max(t_low, 0), min(t_high, 100)))  # a mean score stays within 0–100
        assert row["weakest_dimension"] == part[DIM_PCT].mean().idxmin()
    province_mean = scored["overall_pct"].mean()
    below = table["mean_ci_high"] < province_mean
    above = table["mean_ci_low"] > province_mean
    assert (table["vs_province"] == "below").tolist() == below.tolist()
    assert (table["vs_province"] == "above").tolist() == above.tolist()


def test_a_mean_interval_never_leaves_0_to_100(scored):
    # three LAOs near the top, as เจาะไอร้อง (Narathiwat): the t interval would reach 103.8
    district = scored["district_th"].value_counts().index[0]
    few = scored[scored["district_th"] == district].head(3).assign(
        overall_pct=[91.0, 99.5, 100.0])
    row = stats.district_table(few).iloc[0]
    t_high = st.t.interval(0.95, 2, loc=few["overall_pct"].mean(),
                           scale=st.sem(few["overall_pct"]))[1]
    assert t_high > 100 and row["mean_ci_high"] == 100
    assert row["mean_ci_low"] < row["mean_overall"] < 100


def test_districts_csv_has_its_columns_and_sums_to_the_province(phrae, scored, tmp_path):
    csv = pd.read_csv(phrae.write_tables(tmp_path) / "districts.csv")
    assert set(CSV_COLUMNS) <= set(csv.columns), set(CSV_COLUMNS) - set(csv.columns)
    assert csv["n"].sum() == len(scored) == phrae.tables["summary"].iloc[0]["n_assessed"]
    assert csv["passed"].sum() == int(scored["passed"].sum())
    assert (csv["ci_low"] <= csv["pass_rate"]).all() and (csv["pass_rate"] <= csv["ci_high"]).all()


def test_the_reader_sees_district_names_in_their_language(phrae, scored):
    table = phrae.tables["districts"]
    assert table["district_en"].notna().all() and table["district_en"].str.isascii().all()
    expected = table["district_th"] if phrae.lang == "th" else table["district_en"]
    assert table["district"].tolist() == expected.tolist()
    # the table lists districts in name order of the reader's language
    key = i18n.thai_sort_key if phrae.lang == "th" else str.casefold
    assert table["district"].tolist() == sorted(table["district"], key=key)
    header = i18n.table_headers(["district"], phrae.lang)["district"]
    assert phrae.show("districts").data[header].tolist() == table["district"].tolist()
    by_code = scored.set_index("lao_code")["district_th"]
    to_reader = dict(zip(table["district_th"], table["district"], strict=True))
    for name in ("laos", "top_bottom"):
        laos = phrae.tables[name]
        assert laos["district"].tolist() == [to_reader[by_code[c]] for c in laos["lao_code"]]


def test_the_weakest_dimension_is_named_not_coded(phrae):
    header = i18n.table_headers(["weakest_dimension"], phrae.lang)["weakest_dimension"]
    shown = phrae.show("districts").data[header]
    names = {i18n.dimension_label(d, phrae.lang, short=True) for d in range(1, 6)}
    assert set(shown) <= names and not shown.str.contains("_pct").any()


@pytest.mark.parametrize("name", ["laos", "top_bottom", "movers", "ranks"])
def test_every_lao_name_carries_its_type_prefix(phrae, scored, name):
    table = phrae.tables[name].dropna(subset=["lao_code"])
    assert len(table)
    lao = scored.set_index("lao_code")
    expected = [display_name(lao.at[c, "name_th"], lao.at[c, "lao_type"])
                for c in table["lao_code"]]
    assert table["name"].tolist() == expected
    assert all(n.startswith(tuple(LAO_NAME_PREFIX_TH.values())) for n in table["name"])
    shown = phrae.show(name).data
    assert i18n.table_headers(["name"], phrae.lang)["name"] in shown.columns


def test_the_sentence_names_the_lowest_district_and_what_differs(phrae):
    table = phrae.tables["districts"]
    text = phrae.text("districts")
    lowest = table.loc[table["mean_overall"].idxmin()]
    assert lowest["district"] in text and i18n.fmt_pct(lowest["mean_overall"]) in text
    for district in table.loc[table["vs_province"].notna(), "district"]:
        assert district in text
    none_clear = i18n.t("districts.none_clear", phrae.lang, n_min=i18n.fmt_num(table["n"].min()),
                        n_max=i18n.fmt_num(table["n"].max()))
    assert (none_clear in text) == table["vs_province"].isna().all()
    for district in table.loc[table["passed"] < table["n"], "district"]:
        assert district in text
    # in every report: one district in 20 may lie outside by chance
    assert i18n.t("districts.caution", phrae.lang, n_districts=i18n.fmt_num(len(table)),
                  expected=i18n.fmt_num(0.05 * len(table), 1)) in text


def test_the_table_shows_the_mean_score_interval_the_sentence_cites(phrae):
    table = phrae.tables["districts"]
    shown = phrae.show("districts").data
    header = i18n.table_headers(["mean_ci"], phrae.lang)["mean_ci"]
    lowest = table.loc[table["mean_overall"].idxmin()]
    cell = shown.loc[shown[i18n.table_headers(["district"], phrae.lang)["district"]]
                     == lowest["district"], header].iloc[0]
    low, high = (float(x) for x in cell.split("–"))
    assert (low, high) == pytest.approx((lowest["mean_ci_low"], lowest["mean_ci_high"]),
                                        abs=0.005)
    assert i18n.fmt_pct(lowest["mean_ci_low"]) in phrae.text("districts")


def test_the_chart_shows_every_district_highest_first(phrae):
    chart = phrae.chart("districts")
    ax = chart.axes[0]
    ticks = sorted(zip(ax.get_yticks(), ax.get_yticklabels()), key=lambda tick: -tick[0])
    table = phrae.tables["districts"].sort_values("mean_overall", ascending=False)
    assert [label.get_text().replace("\n", " ").rsplit(" (", 1)[0] for _, label in ticks] == [
        d for d in table["district"]]
    assert isinstance(chart, plots.Chart)
