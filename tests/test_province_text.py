"""The province report's sentences and small tables after the page review (issue 16, round 2):
zero and sign said in words, the comparable basis written out once, the indicator test's
multiplicity explained, the ranks shown as the best and the worst by national rank, the data
quality findings named and marked, the province's own reconciliation, why other provinces are
in the integrity table, and a sentence for the dimensions."""

from __future__ import annotations

import pytest

from lpa_analysis import i18n
from lpa_analysis.i18n import fmt_num, t
from lpa_analysis.report import province_report
from lpa_analysis.report.base import change_basis_text
from lpa_analysis.report.province import QUALITY_MARK, _relation, _side
from lpa_analysis.settings import ALPHA


@pytest.fixture(scope="module", params=["th", "en"])
def phrae(request, small_processed):
    return province_report(2566, "54", lang=request.param, processed_dir=small_processed)


@pytest.fixture(scope="module")
def nan_th(small_processed):
    """Nan (55): several data-quality findings in the small demo."""
    return province_report(2566, "55", lang="th", processed_dir=small_processed)


def _all_text(rep) -> str:
    return "\n\n".join(rep.text(name) for name in rep.TEXTS)


def test_signs_and_bounds_are_words_not_symbols():
    assert [_side(v) for v in (0.14, -0.08, 0.04, -0.04)] == ["above", "below", "same", "same"]
    assert _relation("< 0.01") == "< 0.01" and _relation("0.04") == "= 0.04"


def test_the_integrity_sentences_say_the_direction(phrae):
    text = phrae.text("integrity")
    me = phrae.tables["integrity"].query("highlight").iloc[0]
    for column, key in (("mean_gap", "gap"), ("leniency", "leniency")):
        side = _side(me[column])
        start = t(f"integrity.{key}_{side}", phrae.lang, province=phrae._province_name,
                  mean_gap="\0", leniency="\0", national_gap="\0").split("\0")[0]
        assert start in text
        if side != "same":
            assert fmt_num(abs(me[column]), 1) in text
    assert "−" not in text.split(t("integrity.intro", phrae.lang))[1].split("(")[0]
    # the other provinces in the table are there for comparison, and the sentence says so
    flagged = phrae.tables["integrity"].query("flag.notna() and not highlight", engine="python")
    for province in flagged["province"]:
        assert province in text


def test_the_comparable_basis_is_written_out_once(phrae):
    basis = change_basis_text(phrae.basis.columns(), phrae.lang)
    text = _all_text(phrae)
    assert text.count(basis) == 1 and basis in phrae.text("change")
    pointer = phrae._basis_pointer()
    for section in ("movers", "appendix_laos", "method_notes"):
        assert pointer in phrae.text(section)


def test_the_change_table_shows_one_typical_change(phrae):
    shown = phrae.show("change").data.columns
    headers = i18n.table_headers(["hl_estimate", "median_change"], phrae.lang)
    assert headers["hl_estimate"] in shown and headers["median_change"] not in shown
    assert "median_change" in phrae.tables["change"]  # the CSV keeps it


def test_the_indicators_sentence_explains_unadjusted_intervals(phrae):
    table = phrae.tables["indicators"]
    tested = table[table["note"].isna()]
    significant = tested[(tested["q_value"] < ALPHA) & (tested["difference"] < 0)]
    text = phrae.text("indicators")
    key = "indicators.n_significant" if len(significant) else "indicators.none_significant"
    assert t(key, phrae.lang, n_significant=fmt_num(len(significant)),
             n_indicators=fmt_num(len(tested)), alpha=f"{ALPHA:g}", min_laos="5",
             n_untested=fmt_num(len(table) - len(tested)), n_all="") in text
    n_ci_below = int((tested["ci_high"] < 0).sum())
    assert (f" {fmt_num(n_ci_below)} " in text) == (n_ci_below > len(significant))
    # the caption counts every row of the sheet and says how many were not tested
    caption = phrae.show("indicators", rows=20).caption
    assert fmt_num(len(table)) in caption and fmt_num(len(table) - len(tested)) in caption
    assert "tables.xlsx" in caption and ".csv" not in caption


def test_ranks_show_the_best_and_the_worst_by_national_rank(phrae):
    ranks = phrae.tables["ranks"]
    shown = ranks[ranks["group"].notna()]
    half = phrae.RANKS_SHOWN // 2
    ranked = ranks.dropna(subset=["rank_nominal"]).sort_values(["rank_nominal", "lao_code"])
    assert list(shown["lao_code"]) == [*ranked["lao_code"][:half], *ranked["lao_code"][-half:]]
    assert list(ranks["lao_code"][:len(shown)]) == list(shown["lao_code"])  # shown first
    assert len(phrae.show("ranks").data) == len(shown)
    assert i18n.table_headers(["rank_nominal"], phrae.lang)["rank_nominal"] == t(
        "col.rank_nominal", phrae.lang)
    assert fmt_num(len(phrae.national)) in phrae.text("ranks")


def test_data_quality_names_the_laos_and_marks_them(nan_th):
    findings = nan_th._province_findings(nan_th.processed.quality_findings)
    named = nan_th.tables["quality_laos"]
    assert len(named) == len(findings) > 0
    assert set(named["lao_code"]) == set(findings["lao_code"])
    assert named["name"].str.startswith(("อบต.", "ทต.", "ทม.", "ทน.", "อบจ.")).all()
    text = nan_th.text("data_quality")
    assert t("quality.warnings_only", "th", n_warnings=fmt_num(len(findings))) in text
    assert "0 รายการ" not in text
    flagged = set(findings["lao_code"])
    for name in ("top_bottom", "movers"):
        table = nan_th.tables[name]
        assert ((table["data_note"] == QUALITY_MARK) == table["lao_code"].isin(flagged)).all()
    marked = nan_th.tables["movers"]["data_note"].eq(QUALITY_MARK).any()
    assert (t("quality.mark_note", "th", mark=QUALITY_MARK) in nan_th.text("movers")) == marked


def test_the_appendix_says_whether_recomputed_results_match(phrae, nan_th):
    for rep in (phrae, nan_th):
        recon = rep.tables["reconciliation"]
        codes = recon["lao_code"].astype(str)
        assert codes.str[1:3].eq(rep.province.code).all()
        text = rep.text("appendix_laos")
        assert t("trend.laos_note", rep.lang, year="", previous_year="")[:5] in text
        if recon.empty:
            assert t("appendix.recomputed_equal", rep.lang,
                     year=i18n.year_label(rep.year, rep.lang)) in text
        else:
            assert fmt_num(len(recon)) in text


def test_the_dimensions_section_names_its_lowest_dimension(phrae):
    dims = phrae.tables["dimensions"]
    mine = dims[(dims["level"] == "province") & dims["measure"].str.startswith("d")]
    lowest = mine.loc[mine["mean"].idxmin(), "measure"]
    assert i18n.dimension_label(int(lowest[1]), phrae.lang) in phrae.text("dimensions")
