"""The message catalogue: complete in both languages, placeholders consistent, one number and
year style, headers for every table the project writes."""

from __future__ import annotations

import importlib
import math
import re
import string
import unicodedata

import pandas as pd
import pytest

from lpa_analysis import geo, i18n, schema
from lpa_analysis.schema import LaoType

THAI = re.compile(r"[\u0E00-\u0E7F]")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_has_both_languages_with_the_same_placeholders():
    problems = []
    for key, entry in i18n.messages().items():
        if set(entry) != set(i18n.LANGS) or not all(entry.get(lang, "").strip() for lang in i18n.LANGS):
            problems.append(f"{key}: languages {sorted(entry)}")
        elif _placeholders(entry["th"]) != _placeholders(entry["en"]):
            problems.append(f"{key}: th {_placeholders(entry['th'])} en {_placeholders(entry['en'])}")
    assert not problems, "\n".join(problems)


def test_thai_texts_are_thai():
    """A Thai text without Thai letters is an English text left untranslated."""
    untranslated = [k for k, e in i18n.messages().items()
                    if not THAI.search(e["th"]) and e["th"] != e["en"]]
    assert not untranslated


def test_report_sections_of_issue_5_are_in_the_catalogue():
    for section in ("summary", "data_quality", "dimensions", "lao_types", "trend", "indicators",
                    "benchmarking", "integrity", "appendix", "method_notes", "reproducibility"):
        assert i18n.t(f"section.{section}", "th") != i18n.t(f"section.{section}", "en")


def test_t_fills_placeholders_and_names_what_is_missing():
    text = i18n.t("summary.assessed", "en", province="Phrae (แพร่)", n_assessed="78",
                  n_registry="79", coverage="98.7%")
    assert "Phrae (แพร่)" in text and "78" in text and "{" not in text
    with pytest.raises(i18n.MessageError, match="no.such.key.*messages.yml"):
        i18n.t("no.such.key", "th")
    with pytest.raises(ValueError, match="th, en"):
        i18n.t("section.summary", "fr")
    with pytest.raises(KeyError):
        i18n.t("summary.assessed", "th", province="แพร่")


def test_t_md_escapes_values_but_not_the_template():
    from nbconvert.filters.markdown import markdown2html

    hostile = "<script>alert(1)</script> *ตัวหนา* [x](http://evil)"
    html = markdown2html(i18n.t_md("dimensions.intro", "th", province=hostile))
    assert "<script>" not in html and "<em>" not in html and "<a " not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "*ตัวหนา*" in html


def test_years_are_buddhist_era_in_thai_and_both_eras_in_english():
    assert i18n.year_label(2566, "th") == "2566"
    assert i18n.year_label(2566, "th", prefix=True) == "พ.ศ. 2566"
    assert i18n.year_label(2566, "en") == "2566 (2023)"
    assert i18n.year_label(2023, "en") == "2566 (2023)"  # a CE year is accepted too
    with pytest.raises(ValueError):
        i18n.year_label(566, "th")


@pytest.mark.parametrize(("value", "expected"), [
    (80.234, "80.2%"), (100, "100.0%"), (0.05, "0.1%"), (float("nan"), "–"), (None, "–"),
    (pd.NA, "–"),
])
def test_fmt_pct(value, expected):
    assert i18n.fmt_pct(value) == expected


def test_number_formats():
    assert i18n.fmt_num(7849) == "7,849"
    assert i18n.fmt_num(1234.567, 2) == "1,234.57"
    assert i18n.fmt_num(-7.054, 2) == "\u22127.05"  # the true minus, as sentences write it
    assert i18n.fmt_num(-0.004, 2) == i18n.fmt_num(-0.0, 2) == "0.00"  # never '-0.00'
    assert i18n.fmt_signed(2.345) == "+2.3"
    assert i18n.fmt_signed(-12.0) == "−12.0"
    assert i18n.fmt_signed(-0.04) == "0.0"  # no '−0.0'
    assert i18n.fmt_p(0.0004) == "p < 0.001"
    assert i18n.fmt_p(0.0345) == "p = 0.035"
    assert i18n.fmt_p(math.nan) == "p = –"


def test_province_names_in_both_languages():
    assert i18n.province_label("54", "th") == "แพร่"
    assert i18n.province_label("Phrae", "en") == "Phrae (แพร่)"
    for p in geo.all_provinces():
        en = i18n.province_label(p, "en")
        assert p.name_th in en and p.name_en in en


def test_type_region_band_and_dimension_names_exist_and_differ():
    for lang in i18n.LANGS:
        for short in (False, True):
            names = [i18n.lao_type_label(k, lang, short=short) for k in LaoType]
            assert len(set(names)) == len(names)
        regions = [i18n.region_label(r, lang) for r in geo.REGION_PROVINCES]
        assert len(set(regions)) == 6
        bands = [i18n.band_label(b, lang) for b in ("excellent", "very_good", "good", "below")]
        assert len(set(bands)) == 4
        for short in (False, True):
            assert len({i18n.dimension_label(d, lang, short=short) for d in schema.DIMENSION_IDS}) == 5
    assert i18n.lao_type_label("sao", "th") == schema.LAO_TYPE_TH[LaoType.SAO]
    assert i18n.lao_type_label("sao", "en") == schema.LAO_TYPE_EN[LaoType.SAO]


def _stats_columns() -> list[str]:
    """Columns of the tables the statistics library returns (those that exist already)."""
    found = []
    for module, names in (("lpa_analysis.stats.funnel", ("FUNNEL_COLUMNS", "CURVE_COLUMNS")),
                          ("lpa_analysis.stats.indicators", ("GAP_COLUMNS",)),
                          ("lpa_analysis.stats.descriptive", ("PASS_COLUMNS",)),
                          ("lpa_analysis.stats.compare",
                           ("TEST_COLUMNS", "GROUP_COLUMNS", "PAIR_COLUMNS")),
                          ("lpa_analysis.stats.composite", ("RELIABILITY_COLUMNS",))):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        for name in names:
            found += list(getattr(mod, name, []))
    return found


ISSUE_5_TABLE_COLUMNS = [  # summary/pass_rate/types/change/indicators/funnel tables
    "n", "passed", "rate", "ci_low", "ci_high", "statistic", "p_value", "epsilon_sq", "median",
    "n_pairs", "median_change", "unit", "label", "value", "year", "level",
]


def test_every_exported_column_has_a_thai_and_english_header():
    columns = dict.fromkeys([
        *schema.REGISTRY_COLUMNS, *schema.SCORES_COLUMNS, *schema.SCORED_LAOS_COLUMNS,
        *schema.INDICATOR_SCORES_COLUMNS, *schema.FINDINGS_COLUMNS,
        *schema.RECONCILIATION_COLUMNS, *schema.PUBLISHED_COLUMNS, *ISSUE_5_TABLE_COLUMNS,
        *_stats_columns(),
    ])
    th = i18n.table_headers(columns, "th")
    en = i18n.table_headers(columns, "en")
    assert list(th) == list(columns)
    # Excel needs unique headers within a sheet; the scored-LAO table is the widest one.
    for headers in (th, en):
        wide = [headers[c] for c in schema.SCORED_LAOS_COLUMNS]
        assert len(set(wide)) == len(wide), [h for h in wide if wide.count(h) > 1]
    assert all(THAI.search(th[c]) for c in schema.SCORED_LAOS_COLUMNS)


def test_unknown_columns_are_named_or_kept():
    with pytest.raises(i18n.MessageError, match="mystery_col.*col.<name>"):
        i18n.table_headers(["lao_code", "mystery_col"], "th")
    assert i18n.table_headers(["lao_code", "mystery_col"], "en", strict=False) == {
        "lao_code": "LAO code", "mystery_col": "mystery_col"}


def test_localise_table_translates_codes_booleans_and_headers():
    df = pd.DataFrame({"lao_code": ["6540101", "5540102"], "lao_type": ["sao", None],
                       "region": ["north", "south"], "band": ["good", "below"],
                       "passed": pd.array([True, pd.NA], dtype="boolean"),
                       "overall_pct": [75.0, 61.5]})
    before = df.copy()
    th = i18n.localise_table(df, "th")
    assert list(th.columns) == list(i18n.table_headers(df.columns, "th").values())
    row = th.iloc[0]
    assert row["ประเภท อปท."] == "อบต." and row["ภาค"] == "ภาคเหนือ" and row["ระดับ"] == "ดี"
    assert row["ผ่านเกณฑ์"] == "ใช่"
    assert th.iloc[1]["ประเภท อปท."] == "–" and th.iloc[1]["ผ่านเกณฑ์"] == "–"
    assert th["คะแนนรวม (%)"].tolist() == [75.0, 61.5]  # numbers stay numbers for Excel
    pd.testing.assert_frame_equal(df, before)  # the input is not changed


def test_localise_table_keeps_counts_named_like_flags():
    rates = pd.DataFrame({"level": ["province"], "n": [84], "passed": [83], "rate": [0.988]})
    en = i18n.localise_table(rates, "en")
    assert en["Passed"].tolist() == [83]
    flags = pd.DataFrame({"passed": [True, False, None]}, dtype=object)
    assert i18n.localise_table(flags, "en")["Passed"].tolist() == ["yes", "no", "–"]


def test_messages_have_no_broken_thai_sequences():
    """A Thai mark must follow a consonant or another mark (catches typos like 'ที ่')."""
    for key, entry in i18n.messages().items():
        text = entry["th"]
        for i, ch in enumerate(text):
            if unicodedata.category(ch) == "Mn" and THAI.match(ch):
                assert i > 0 and THAI.match(text[i - 1]), f"{key}: stray mark at {i}: {text!r}"
