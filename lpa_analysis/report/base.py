"""What every report kind shares: tables for people (chosen columns, per cent, words for codes,
localised headers), the CSV/XLSX tables folder, the reproducibility footer, and the section
registry that maps a notebook's `rep.text("summary")` / `rep.chart("funnel")` to its method.

Each report kind is one module: `province`, `national`, `audit`. A kind lists its sections in
two class attributes, `TEXTS` and `CHARTS` (name → method), at the end of its class."""

from __future__ import annotations

import html
import json
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Callable, ClassVar

import pandas as pd

from lpa_analysis import __version__, geo, i18n
from lpa_analysis.files import write_csv
from lpa_analysis.i18n import t
from lpa_analysis.processed import Processed
from lpa_analysis.report import mainpoints
from lpa_analysis.provenance import document_date, git_state, without_paths
from lpa_analysis.report import release
from lpa_analysis.schema import DIM_PCT, LaoType, Release, display_name

# What the report shows of each table (the CSV keeps every column). Missing: all columns.
DISPLAY_COLUMNS = {
    "pass_rate": ["label", "n", "passed", "rate", "ci_low", "ci_high"],
    "pass_rate_years": ["label", "n", "passed", "rate", "change"],
    "top_bottom": ["rank_province", "lao_code", "name", "district", "overall_pct", "band",
                   "data_note"],  # data_note: a data-quality finding (data quality section)
    "movers": ["direction", "rank", "lao_code", "name",  # the name's prefix gives the type
               "district", "comparable_overall_previous", "comparable_overall", "change",
               "data_note"],
    "quality": ["table", "check", "severity", "count"],
    "quality_laos": ["name", "indicator_id", "indicator", "what", "self_points", "max_points",
                     "effect"],
    "dimensions": ["level", "measure", "n", "mean", "median", "q1", "q3"],
    "types": ["lao_type", "n", "median", "q1", "q3", "in_test", "min_group_n", "note"],
    "pairwise": ["group_a", "group_b", "n_a", "n_b", "median_a", "median_b", "p_holm",
                 "rank_biserial"],
    # one typical change: the Hodges–Lehmann estimate its test and CI belong to (the CSV has
    # the median change too)
    "change": ["measure", "n_pairs", "hl_estimate", "hl_ci_low", "hl_ci_high", "p_value"],
    # one "typical change" (the estimate that belongs to the test); the median is in the CSV
    "year_change": ["year_a", "year_b", "measure", "n_pairs", "hl_estimate",
                    "hl_ci_low", "hl_ci_high", "p_value", "n_comparable_indicators"],
    "indicators": ["indicator_id", "indicator", "n_province", "attainment_province",
                   "attainment_rest", "difference", "ci_low", "ci_high", "q_value"],
    "ranks": ["lao_code", "name", "rank_nominal", "rank_sens_low", "rank_sens_high",
              "rank_boot_low", "rank_boot_high"],
    "funnel": ["measure", "province_code", "province", "n", "value", "target", "z_adj", "lo95",
               "hi95", "lo998", "hi998", "flag"],
    "integrity": ["province_code", "province", "n", "mean_gap", "ci_low", "ci_high", "leniency",
                  "leniency_ci_low", "leniency_ci_high", "flag"],
    # the mean score and its CI (mean_ci: one column) as the chart and the sentence; the
    # pass rate's CI is in districts.csv
    "districts": ["district", "n", "passed", "pass_rate", "mean_overall", "mean_ci",
                  "weakest_dimension"],
    # every LAO in two tables that fit A4 portrait (the CSV has all columns in one)
    "laos": ["lao_code", "name", "district", "overall_pct", "band", "rank_province",
             "comparable_overall", "change"],
    "laos_dimensions": ["lao_code", "name", *DIM_PCT, "overall_pct"],
    "provinces": ["province_code", "province", "n", "passed", "rate", "ci_low", "ci_high",
                  "mean_overall"],
    "league": ["rank", "province", "n", "value", "rank_boot_low", "rank_boot_high",
               "team_note"],
    "regions": ["region", "n", "passed", "rate", "ci_low", "ci_high"],
    "alpha": ["scale", "group", "n_items", "n", "alpha", "std_alpha", "note"],
    "pca": ["component", "eigenvalue", "explained", "cumulative"],
    "reconciliation": ["lao_code", "name", "province", "field", "published", "recomputed",
                       "difference"],
    "team_effect": ["province_code", "province", "n", "estimate", "ci_low", "ci_high", "p_holm",
                    "flag"],
    "outlier_indicators": ["indicator_id", "indicator", "n", "n_not_applicable", "share_zero",
                           "mean", "sd",
                           "skewness", "kurtosis"],
    "quarantine": ["table", "source_row", "lao_code", "indicator_id", "reasons"],
}
# Tables a report shows that are another table's columns (view → table): no CSV of their own.
TABLE_VIEWS = {"laos_dimensions": "laos"}
# Views whose dimension columns are headed by number (ด้าน 1 … ด้าน 5) under a key line: five
# dimension names side by side are wider than a portrait page.
NUMBERED_DIMENSIONS = {"laos_dimensions"}
# Headers of one table that differ from the column's usual one (table → column → message key).
TABLE_HEADERS = {
    "dimensions": {"measure": "col.dimension"},  # its rows are the dimensions (and overall)
    "pass_rate_years": {"label": "col.pass_rate_basis"},  # a year and what it is computed on
    "integrity": {"ci_low": "col.mean_gap_ci_low", "ci_high": "col.mean_gap_ci_high"},
    "league": {"value": "col.mean_overall_pct"},  # the league ranks the mean overall score
    "team_effect": {"estimate": "col.team_effect_points"},
}
# Text columns of names: a cell wraps only at its spaces, never inside a Thai name
# (อบต.สำโรงปักธงชัย), as headers do (header_html).
NAME_COLUMNS = {"name", "district", "province", "label", "region", "lao_type", "group_a",
                "group_b", "measure"}
# Text columns of long names (indicators) that must wrap: they get the width (lpa.css
# .lpa-long), so that they wrap at a few word breaks rather than every few characters.
LONG_TEXT_COLUMNS = {"indicator", "what"}
# From this many columns a table is set in smaller type (lpa.css .lpa-wide) to fit A4 portrait.
WIDE_TABLE_COLUMNS = 9
# Columns headed by the year they hold when the table has one pair of years (column → side,
# message key with {year}).
YEAR_HEADERS = {"median_a": ("a", "col.median_year"), "median_b": ("b", "col.median_year"),
                "comparable_overall_previous": ("a", "col.comparable_overall_year"),
                "comparable_overall": ("b", "col.comparable_overall_year")}
# Columns that hold the report's own change (its `change_years`) also in a table without year
# columns; a median_a elsewhere is a group's (the pairwise table), not a year's.
CHANGE_YEAR_COLUMNS = {"comparable_overall_previous", "comparable_overall"}
# Proportions (0–1) that people read as per cent (×100, under a "%" / "ร้อยละ" header): every
# table and the XLSX follow this one rule.
PROPORTION_COLUMNS = {"rate", "share", "attainment_province", "attainment_rest",
                      "explained", "cumulative", "share_self_higher", "share_zero",
                      "share_not_applicable",
                      "pass_rate", "region_pass_rate", "national_pass_rate"}
# Proportions of one table only: elsewhere the same name is in points (reconciliation).
TABLE_PROPORTIONS = {"indicators": {"difference"}, "heatmap": {"attainment"},
                     # an indicator's attainment: mean and SD of proportions of full marks
                     "indicator_distribution": {"mean", "sd"},
                     "outlier_indicators": {"mean", "sd"}}
# Rows a report shows of a long table (a boolean mask over the machine-readable table).
DISPLAY_ROWS = {
    "integrity": lambda d: d["highlight"].astype("boolean") | d["flag"].notna(),
    # the tested indicators (stats.indicator_gaps: at least MIN_LAOS_FOR_INDICATOR_TEST LAOs);
    # the indicators sentence and chart count these same rows
    "indicators": lambda d: d["note"].isna(),
    # pairs with a type too small to test are in the CSV; the types table says why
    "pairwise": lambda d: d["note"].ne("not_enough_data"),
    # the province's best and worst (ProvinceReport.ranks_table group), as the chart shows
    "ranks": lambda d: d["group"].notna(),
}
# Columns holding codes that people should read as words (see _Report._code_label).
CODED_COLUMNS = {"measure", "measure_a", "measure_b", "level", "direction", "group",
                 "group_a", "group_b", "note", "test_note", "flag", "scale",
                 "weakest_dimension", "point", "item", "team_note"}
LAO_TYPE_VALUES = {t.value for t in LaoType}
# Tables whose ci_low/ci_high bound a proportion (shown as per cent like the estimate).
PROPORTION_CI_TABLES = {"pass_rate", "provinces", "regions", "bands", "indicators",
                        "districts", "summary"}
# The kind of number a column holds, which says how it is written (i18n.NUMBER_FORMATS): named
# columns here, the rest by rule in `column_kind`.
COLUMN_KINDS = {
    **dict.fromkeys(["p_value", "p_holm", "q_value"], "p"),
    **dict.fromkeys(["rank_biserial", "epsilon_sq", "rho", "alpha", "std_alpha", "average_r"],
                    "effect"),
    **dict.fromkeys(["statistic", "u_statistic"], "statistic"),
    **dict.fromkeys(["year", "year_a", "year_b", "dimension", "component"], "code"),
}
COUNT_COLUMNS = {"n", "k_groups", "passed", "count", "events", "size"}


def column_kind(column: str, values: pd.Series) -> str | None:
    """How a column's numbers are written: a key of i18n.NUMBER_FORMATS (None: not numbers).
    Counts (n, n_*, ranks, whole degrees of freedom) are whole; other numbers are measures."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    if column in COLUMN_KINDS:
        return COLUMN_KINDS[column]
    if column == "df":  # Welch's t has fractional degrees of freedom
        return "count" if bool((values.dropna() % 1 == 0).all()) else "statistic"
    if column in COUNT_COLUMNS or column.startswith(("n_", "rank")):
        return "count"
    return "count" if pd.api.types.is_integer_dtype(values) else "measure"


def written(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every number column as text in its kind's style ('7,849', '0.26',
    '< 0.001'); other columns as they are."""
    out = frame.copy()
    for column in frame.columns:
        kind = column_kind(column, frame[column])
        if kind:
            out[column] = frame[column].map(lambda v, k=kind: i18n.fmt_as(v, k)).astype(object)
    return out


def excel_formats(frame: pd.DataFrame) -> list[str | None]:
    """The Excel number format of each column, in order (None: text)."""
    kinds = [column_kind(c, frame[c]) for c in frame.columns]
    return [i18n.NUMBER_FORMATS[k][1] if k else None for k in kinds]


# The longest part (letters, not counting Thai vowel and tone marks) kept on one line: longer
# ones (ค่าเฉลี่ยของการเปลี่ยนแปลง) would make their column wider than the page can give.
NOBR_LETTERS = 10


def header_html(header, longest: int | None = NOBR_LETTERS) -> str:
    """A column header that wraps at its spaces: Chromium breaks Thai inside words it does
    not know (ธร/รมาภิ/บาล), so each space-separated part is kept whole (lpa.css); a part
    longer than `longest` letters, a phrase of known words, may wrap between them."""
    return " ".join(f'<span class="lpa-nobr">{html.escape(part)}</span>'
                    if longest is None or _letters(part) <= longest else html.escape(part)
                    for part in str(header).split(" "))


def name_html(name) -> str:
    """A cell of a name (อบต.สำโรงปักธงชัย, Mueang Phrae): wraps only at its spaces."""
    return header_html(name, longest=None)


def _letters(text: str) -> int:
    return sum(not unicodedata.combining(c) and unicodedata.category(c) != "Mn" for c in text)


def says_percent(header: str) -> bool:
    """Whether a column header already says its values are per cent."""
    return "ร้อยละ" in header or "(%)" in header or "per cent" in header.lower()


def sheet_label(name: str, lang: str) -> str:
    """A table's sheet name in the workbook: its `sheet.<name>` message, else the name."""
    key = f"sheet.{name}"
    return t(key, lang) if key in i18n.messages() else name


def reconciliation_named(recon: pd.DataFrame, laos: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The reconciliation with each LAO's name (type prefix) and province, for people and the
    CSV; the province comes from the code (digits 2–3), so an LAO never scored has one too."""
    names = laos.drop_duplicates("lao_code").set_index("lao_code")
    named = recon.copy()
    named["name"] = [display_name(names.at[c, "name_th"], names.at[c, "lao_type"])
                     if c in names.index else None for c in named["lao_code"]]
    named["province_code"] = named["lao_code"].astype("string").str[1:3]
    named["province"] = [_province_or_none(c, lang) for c in named["province_code"]]
    return named


def reconciliation_results(recon: pd.DataFrame, framework) -> pd.DataFrame:
    """`recon` with changes_result: whether a mismatch changes the LAO's result (a published
    pass/fail or band that differs, or a published overall score on the other side of a band's
    cut-off, the pass mark included); NA for a dimension's score or an LAO on one side only."""
    def changes(row) -> bool | None:
        if row["field"] in ("passed", "band"):
            return True
        if row["field"] != "overall_pct":
            return None
        try:
            published, recomputed = float(row["published"]), float(row["recomputed"])
        except (TypeError, ValueError):
            return None
        return framework.band_of(published) != framework.band_of(recomputed)

    return recon.assign(changes_result=pd.array(
        [changes(r) for r in recon.to_dict("records")], dtype="boolean"))


def _province_or_none(code, lang: str) -> str | None:
    found = geo.find_province(code) if isinstance(code, str) else None
    return i18n.province_label(found, lang) if found else None


def _reconciled_value(field: str, value, lang: str):
    """A published or recomputed value as people read it: 2 decimals, yes/no, band names."""
    if not isinstance(value, str) or value in ("", "nan", "None"):
        return i18n.MISSING
    if field == "lao_code":  # the code, on the side that has the LAO
        return value
    if field == "passed":
        return t("value.yes" if str(value) == "True" else "value.no", lang)
    if field == "band":
        return i18n.band_label(str(value), lang)
    return i18n.fmt_as(float(value), "measure")


def _reconciliation_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = frame.copy()
    for column in ("published", "recomputed"):
        out[column] = [_reconciled_value(f, v, lang) for f, v in zip(frame["field"], frame[column])]
    out["field"] = [_reconciled_field(f, lang) for f in frame["field"]]
    return out


def _reconciled_field(field: str, lang: str) -> str:
    if field == "lao_code":  # an LAO published or scored, not both
        return t("reconciliation.only_one_side", lang)
    if field in DIM_PCT:  # short names keep the table on the page
        return i18n.dimension_label(int(field[1]), lang, short=True)
    return t(f"col.{field}", lang)


def _quality_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Findings counts in words: the input file, the rule's message, the severity."""
    out = frame.copy()
    for column, key in (("table", "quality.table"), ("check", "rule"),
                        ("severity", "quality.severity")):
        if column in out:
            out[column] = [t(f"{key}.{v}", lang) if f"{key}.{v}" in i18n.messages() else v
                           for v in out[column]]
    return out


# Tables whose codes become words before anything else (name → function(frame, lang)).
WORDED_TABLES = {"reconciliation": _reconciliation_words, "quality": _quality_words,
                 "quarantine": _quality_words}


def findings_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """How many findings of each check and severity, errors first, largest first."""
    return (findings.groupby(["table", "check", "severity"], dropna=False).size()
            .rename("count").reset_index()
            .sort_values(["severity", "count"], ascending=[True, False], ignore_index=True))


def change_basis_text(basis: Mapping, lang: str) -> str:
    """What a change between two years is measured on, from a row with stats.change's
    BASIS_COLUMNS: the comparable indicators and one overall method for both years (and,
    when the years' own overall methods differ, that the published scores are not compared)."""
    fill = {"previous_year": i18n.year_label(basis["year_a"], lang),
            "year": i18n.year_label(basis["year_b"], lang),
            "n_comparable": i18n.fmt_num(basis["n_comparable_indicators"]),
            "n_excluded": i18n.fmt_num(basis["n_excluded_indicators"]),
            "method": t(f"trend.overall_method.{basis['overall_method']}", lang)}
    if basis["overall_method_a"] == basis["overall_method"]:
        return t("trend.basis", lang, **fill)
    return t("trend.basis_method_changed", lang, **fill,
             method_previous=t(f"trend.overall_method.{basis['overall_method_a']}", lang))


def change_numbers(row: Mapping) -> dict[str, str]:
    """A change row's Hodges–Lehmann estimate and CI for a sentence, signed, with the digits
    of the table (the estimate and CI that belong to its signed-rank p value)."""
    return {name: i18n.fmt_signed(row[column], 2) for name, column in
            (("estimate", "hl_estimate"), ("ci_low", "hl_ci_low"), ("ci_high", "hl_ci_high"))}


def published_method_change_text(year_a: int, year_b: int, method_a: str, method_b: str,
                                 lang: str) -> str:
    """The note for charts of published yearly scores when the overall method changed."""
    return t("trend.published_method_changed", lang,
             previous_year=i18n.year_label(year_a, lang), year=i18n.year_label(year_b, lang),
             method_previous=t(f"trend.overall_method.{method_a}", lang),
             method=t(f"trend.overall_method.{method_b}", lang))


def trend_caption(method_changes: list[int], lang: str) -> str:
    """The caption of a chart of published yearly means: the shaded band, and the year the
    overall method changed (the chart's vertical line), if it did."""
    return " ".join([t("chart.caption.trend", lang),
                     *(t("chart.caption.method_change", lang, year=i18n.year_label(y, lang))
                       for y in method_changes)])


class ReportBase:
    """What province and national reports share: tables for people, for Excel, and the
    reproducibility footer. Subclasses define `tables` (name → machine-readable frame)."""

    year: int
    lang: str
    processed: Processed
    parameters: dict
    tables: dict[str, pd.DataFrame]

    @property
    def pass_mark(self) -> float:
        """The year's pass mark, from its framework."""
        return self.processed.framework.pass_threshold

    @property
    def release(self) -> Release:
        """The data's release metadata (dataset.yml as the build recorded it)."""
        return self.processed.release

    def release_html(self) -> str:
        """The cover's release metadata, the PDF footer line and, for synthetic data, the
        watermark on every page: the notebook's first cell displays it under the title."""
        return release.release_html(self.release, self.lang)

    def heading(self, key: str, level: int = 2) -> str:
        """A section heading; a section (level 2) opens with one plain sentence saying what it
        means for the reader (messages lead.<KIND>.<key>), the methods come after."""
        heading = "#" * level + " " + t(f"section.{key}", self.lang)
        lead = f"lead.{self.KIND}.{key}"
        if level == 2 and lead in i18n.messages():
            return f"{heading}\n\n{t(lead, self.lang)}"
        return heading

    # Section registry, filled by each report kind: name → method returning lines / a Chart.
    TEXTS: ClassVar[dict[str, Callable]] = {}
    CHARTS: ClassVar[dict[str, Callable]] = {}
    # The report kind (lead sentences: lead.<KIND>.<section>) and the terms its glossary
    # explains (messages glossary.<term>.term / .text), in the order the glossary lists them.
    KIND: ClassVar[str] = ""
    GLOSSARY: ClassVar[tuple[str, ...]] = ()

    def _text_glossary(self) -> list[str]:
        """The glossary (คำอธิบายศัพท์) at the end: every technical term the report uses."""
        return mainpoints.glossary_lines(self.GLOSSARY, self.processed.framework, self.lang)

    def text(self, section: str) -> str:
        """The generated paragraph of a section (`TEXTS[section]`), as Markdown."""
        return "\n\n".join(_registered(self.TEXTS, section, type(self), "TEXTS")(self))

    def chart(self, name: str):
        """The named figure (`CHARTS[name]`: a plots.Chart, shown once by display())."""
        return _registered(self.CHARTS, name, type(self), "CHARTS")(self)

    # -- tables for people and for Excel --
    def people_table(self, name: str) -> pd.DataFrame:
        """A table as people read it: chosen columns, proportions as per cent, names instead
        of codes, localised headers. Numbers stay exact numbers (the XLSX formats them, `show`
        writes them)."""
        return self._localised(self._people_values(name), name)

    def _proportions(self, name: str) -> set[str]:
        """The columns of a table that hold proportions, shown ×100 under a per-cent header."""
        return PROPORTION_COLUMNS | TABLE_PROPORTIONS.get(name, set()) | (
            {"ci_low", "ci_high"} if name in PROPORTION_CI_TABLES else set())

    def _people_values(self, name: str) -> pd.DataFrame:
        """`people_table` with the machine-readable headers, which say how each column is
        written (`column_kind`)."""
        frame = self.tables[TABLE_VIEWS.get(name, name)]
        columns = DISPLAY_COLUMNS.get(name)
        if columns:
            frame = frame[[c for c in columns if c in frame]]
        frame = frame.copy()
        proportions = self._proportions(name)
        if name in WORDED_TABLES:
            frame = WORDED_TABLES[name](frame, self.lang)
        yes, no = t("value.yes", self.lang), t("value.no", self.lang)
        for column in frame.columns:
            if column in proportions:
                frame[column] = 100 * pd.to_numeric(frame[column], errors="coerce")
            elif column in CODED_COLUMNS:
                frame[column] = frame[column].map(self._code_label)
            elif pd.api.types.is_bool_dtype(frame[column]):
                frame[column] = frame[column].map({True: yes, False: no})
        return frame

    def _localised(self, frame: pd.DataFrame, name: str) -> pd.DataFrame:
        """Localised headers; every per-cent column's header says so (PROPORTION_COLUMNS)."""
        people = i18n.localise_table(frame, self.lang, strict=False)
        percent = self._proportions(name)
        own = TABLE_HEADERS.get(name, {})
        headers = []
        for column, header in zip(frame.columns, people.columns, strict=True):
            if column in own:
                header = t(own[column], self.lang)
            if column in DIM_PCT:  # the long names would push a wide table off the page
                header = (t("col.dimension_number", self.lang, dimension=column[1])
                          if name in NUMBERED_DIMENSIONS else
                          i18n.dimension_label(int(column[1]), self.lang, short=True)) + " (%)"
            elif column in percent and not says_percent(header):
                header = f"{header} (%)"
            elif column in YEAR_HEADERS:
                header = self._year_header(name, column) or header
            headers.append(header)
        people.columns = headers
        return people

    # The two years a report's change is between, for tables without year columns (the
    # appendix's comparable scores); None: no previous year.
    change_years: tuple[int, int] | None = None

    def _year_header(self, name: str, column: str) -> str | None:
        """A column of one of a change's years headed with that year ('ค่ามัธยฐาน ปี 2565',
        key `col.median_year`), or the earlier/later year when a table of medians spans
        several pairs; None for a table without years (the pairwise table's median_a is a
        group's)."""
        side, key = YEAR_HEADERS[column]
        table = self.tables.get(TABLE_VIEWS.get(name, name))
        if table is not None and f"year_{side}" in table:
            years = table[f"year_{side}"].dropna().unique()
        elif self.change_years is not None and column in CHANGE_YEAR_COLUMNS:
            years = [self.change_years[0 if side == "a" else 1]]
        else:
            return None
        if len(years) == 1:
            return t(key, self.lang, year=i18n.year_label(years[0], self.lang))
        if key == "col.median_year":
            return t(f"col.median_{'earlier' if side == 'a' else 'later'}", self.lang)
        return None

    def _code_label(self, code):
        """Words for the codes that tables carry: measures, levels, directions, types, notes."""
        if not isinstance(code, str):
            return code
        if f"main_points.point.{code}" in i18n.messages():  # which main point a row is behind
            return t(f"main_points.point.{code}", self.lang)
        if f"band.{code}" in i18n.messages():  # the main points' band rows
            return i18n.band_label(code, self.lang)
        if code in geo.REGION_TH:  # the national main points' region rows
            return i18n.region_label(code, self.lang)
        if code in LAO_TYPE_VALUES:
            return i18n.lao_type_label(code, self.lang, short=True)
        if f"note.{code}" in i18n.messages():
            return t(f"note.{code}", self.lang)
        if code in ("lenient", "strict"):
            return t(f"value.{code}", self.lang)
        if f"benchmarking.position.{code}" in i18n.messages():  # funnel flags
            return t(f"benchmarking.position.{code}", self.lang)
        if code.startswith("d") and code.endswith("_pct") and code[1:-4].isdigit():
            return i18n.dimension_label(int(code[1:-4]), self.lang, short=True)
        if code in ("overall_pct", "pass_rate_pct"):
            return t(f"chart.{code}", self.lang)
        if code in ("province", "region", "national", "rest"):
            return t(f"chart.{code}", self.lang)
        if code in ("up", "down", "top", "bottom", "dimension_scores", "team_lenient",
                    "team_strict"):
            return t(f"value.{code}", self.lang)
        if code.startswith("dimension_") and code[10:].isdigit():  # a dimension's indicators
            return t("value.dimension_indicators", self.lang,
                     dimension=i18n.dimension_label(int(code[10:]), self.lang, short=True))
        return code

    def show(self, name: str, rows: int | None = None):
        """The table for the report: numbers written by kind (`column_kind`), no index, missing
        values as '–', data escaped. Long tables show what concerns the reader (DISPLAY_ROWS);
        the CSV and XLSX keep all."""
        frame = self._people_values(name)
        if name in DISPLAY_ROWS:
            keep = DISPLAY_ROWS[name](self.tables[name])
            frame = frame[keep.astype("boolean").fillna(False).to_numpy(dtype=bool)]
        total, kept = len(self.tables[TABLE_VIEWS.get(name, name)]), len(frame)
        if rows is not None:
            frame = frame.head(rows)
        people = self._localised(written(frame), name)
        names = [h for c, h in zip(frame.columns, people.columns) if c in NAME_COLUMNS]
        long = [c in LONG_TEXT_COLUMNS for c in frame.columns]
        styled = (people.style.hide(axis="index").format(na_rep=i18n.MISSING, escape="html")
                  .format(name_html, subset=names, na_rep=i18n.MISSING)
                  .set_td_classes(pd.DataFrame([["lpa-long" if x else "" for x in long]]
                                               * len(people), index=people.index,
                                               columns=people.columns))
                  .format_index(header_html, axis="columns"))
        if len(people.columns) >= WIDE_TABLE_COLUMNS:
            styled = styled.set_table_attributes('class="lpa-wide"')
        captions = []  # HTML
        if name in NUMBERED_DIMENSIONS:  # the key to the numbered headers
            captions.append(self._dimension_key())
        if len(frame) < total:  # say so: the sentence above may count rows not shown here
            captions.append(html.escape(self._rows_caption(name, len(frame), kept, total)))
        if captions:
            styled = styled.set_caption("<br>".join(captions))
        return styled

    def _rows_caption(self, name: str, shown: int, kept: int, total: int) -> str:
        """'The first 20 of 191 rows; the “Indicators” sheet of tables.xlsx has all 204
        (including 13 indicators not tested).': what the table leaves out (`kept`: the rows
        DISPLAY_ROWS keeps, of which `shown` are shown) and where the reader finds all."""
        fmt = i18n.fmt_num
        first = t("table.first_rows", self.lang, shown=fmt(shown), total=fmt(kept)) \
            if shown < kept else t("table.rows_shown", self.lang, shown=fmt(shown),
                                   total=fmt(total))
        hidden = f"table.hidden.{name}"
        detail = t(hidden, self.lang, n=fmt(total - kept)) \
            if kept < total and hidden in i18n.messages() else ""
        return first + t("table.all_rows_in", self.lang, total=fmt(total), detail=detail,
                         sheet=sheet_label(TABLE_VIEWS.get(name, name), self.lang))

    def _dimension_key(self) -> str:
        """'ด้าน 1 = การบริหารจัดการ · ด้าน 2 = …' (HTML, no entry split across lines): the
        names behind numbered dimension headers."""
        return " · ".join(
            '<span class="lpa-nobr">' + html.escape(
                f"{t('col.dimension_number', self.lang, dimension=d)} = "
                f"{i18n.dimension_label(d, self.lang)}") + "</span>"
            for d in range(1, len(DIM_PCT) + 1))

    def write_tables(self, out_dir: str | Path) -> Path:
        """CSV per table (machine-readable column names) and one XLSX, a sheet per table with
        localised headers. Returns the tables folder."""
        from lpa_analysis.export import write_workbook

        folder = Path(out_dir) / "tables"
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables.items():
            write_csv(frame, folder / f"{name}.csv")
        values = {name: self._people_values(name) for name in self.tables}
        write_workbook({sheet_label(name, self.lang): self._localised(frame, name)
                        for name, frame in values.items()},
                       folder / "tables.xlsx", date=document_date(self.year),
                       number_formats={sheet_label(name, self.lang): excel_formats(frame)
                                       for name, frame in values.items()})
        (folder / "reproducibility.json").write_text(
            json.dumps(self.reproducibility(), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8")
        return folder

    def reproducibility(self) -> dict:
        info = self.processed.info
        return {"year": self.year, "lang": self.lang,
                "lpa_analysis": __version__, "git": git_state(),
                "inputs": info["inputs"], "versions": info["versions"],
                "parameters": without_paths(self.parameters)}

    def reproducibility_text(self) -> str:
        repro = self.reproducibility()
        lines = [f"- `{i['path']}` sha256 `{i['sha256'][:16]}…`" for i in repro["inputs"]]
        lines.append(f"- lpa-analysis {repro['lpa_analysis']}, git "
                     f"`{(repro['git']['commit'] or 'n/a')[:12]}`"
                     + (" (dirty)" if repro["git"]["dirty"] else ""))
        lines.append("- " + ", ".join(f"{k} {v}" for k, v in sorted(repro["versions"].items())))
        return "\n".join(lines)


def _registered(registry: dict[str, Callable], name: str, kind: type, attribute: str) -> Callable:
    if name not in registry:
        raise KeyError(f"{kind.__name__}.{attribute} has no section '{name}' "
                       f"(known: {', '.join(sorted(registry))})")
    return registry[name]
