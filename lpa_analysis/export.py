"""Excel workbooks for analysts: localised headers, frozen header row, number formats,
auto-filter — and byte-identical when written twice (fixed document dates, fixed zip times).

    write_workbook({"summary": df1, "laos": df2}, "out.xlsx")
    export_year(2566, "out.xlsx", province="54", lang="th")
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from lpa_analysis.files import write_atomic
from lpa_analysis.provenance import document_date

EXCEL_MAX_ROWS = 1_048_576
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", str(name))[:31] or "sheet"
    candidate, k = base, 2
    while candidate.lower() in used:
        candidate = f"{base[:28]}~{k}"
        k += 1
    used.add(candidate.lower())
    return candidate


def _column_format(series: pd.Series) -> dict | None:
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_float_dtype(series):
        return {"num_format": "0.00"}
    if pd.api.types.is_integer_dtype(series):
        return {"num_format": "#,##0"}
    return None


def _column_width(name: object, series: pd.Series) -> int:
    sample = [str(name), *(str(v) for v in series.head(200))]
    return min(60, max(8, max(len(s) for s in sample) + 2))


def _write_sheet(wb, ws, frame: pd.DataFrame, header,
                 number_formats: list[str | None] | None = None) -> None:
    """Bold wrapped header, frozen; auto-filter; number formats (given, else by dtype); widths
    from the values."""
    ws.write_row(0, 0, [str(c) for c in frame.columns], header)
    for idx, column in enumerate(frame.columns):
        series = frame.iloc[:, idx]  # by position: localised headers may repeat
        given = number_formats[idx] if number_formats else None
        spec = {"num_format": given} if given else _column_format(series)
        values = series.astype(object).where(series.notna(), None).tolist()
        ws.write_column(1, idx, values, wb.add_format(spec) if spec else None)
        ws.set_column(idx, idx, _column_width(column, series))
    ws.freeze_panes(1, 0)
    if len(frame.columns):
        ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path,
                   date: datetime | None = None,
                   number_formats: dict[str, list[str | None]] | None = None) -> Path:
    """One sheet per frame (in the given order), written atomically and reproducibly;
    `date` (default `document_date()`) is the workbook's created date; `number_formats`: per
    sheet, an Excel number format for each column (None: from its dtype), e.g. the reports'
    ('#,##0' for counts, '[<0.001]"< 0.001";0.000' for p values). Cells keep their numbers.

    XlsxWriter rather than openpyxl: ~5× faster (every report writes one) and it stamps its
    zip entries with a fixed time, so the same frames give the same bytes."""
    import xlsxwriter

    buffer = io.BytesIO()
    # Cells hold exactly the frame's values: no text read as formulas, numbers or links.
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True,
                                      "strings_to_formulas": False, "strings_to_urls": False})
    date = date or document_date()
    wb.set_properties({"author": "lpa-analysis", "created": date.replace(tzinfo=None)})
    header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    used: set[str] = set()
    for name, frame in sheets.items():
        if len(frame) + 1 > EXCEL_MAX_ROWS:
            raise ValueError(f"sheet '{name}' has {len(frame):,} rows; Excel holds "
                             f"{EXCEL_MAX_ROWS - 1:,}: export a province or an aggregate")
        _write_sheet(wb, wb.add_worksheet(sheet_name(name, used)), frame, header,
                     (number_formats or {}).get(name))
    wb.close()
    return write_atomic(Path(path), buffer.getvalue())


def export_year(year: int, xlsx: str | Path, *, province: str | None = None, lang: str = "th",
                processed_dir: str | Path = "data/processed") -> Path:
    """Scored LAOs (named with their type prefix, with the previous year and the change), the
    indicator scores and a summary per province of a built year, for Excel: sheet names and
    headers in `lang`; proportions as per cent (×100) under headers that say so, as in the
    reports' tables.

    Nationally the indicator scores (~1.6 M rows) exceed Excel's sheet size, so the workbook
    then holds attainment per indicator × province instead (the sheet says so in its name)."""
    from lpa_analysis import i18n
    from lpa_analysis.geo import resolve_province
    from lpa_analysis.processed import load_processed

    processed = load_processed(year, processed_dir)
    laos, scores = processed.scored_laos, processed.indicator_scores
    code = resolve_province(province).code if province else None
    if code:
        laos = laos[laos["province_code"] == code]
        scores = scores[scores["province_code"] == code]
    if code:
        indicator_sheet = ("indicator_scores",
                           scores.assign(attainment=100 * scores["attainment"],
                                         self_attainment=100 * scores["self_attainment"]))
    else:
        attainment = (scores[~scores["not_applicable"].astype(bool)]
                      .groupby(["province_code", "indicator_id", "dimension"], observed=True)
                      ["attainment"].agg(["count", "mean"]).reset_index()
                      .rename(columns={"count": "n", "mean": "attainment"}))
        indicator_sheet = ("indicator_attainment",
                           attainment.assign(attainment=100 * attainment["attainment"]))
    sheets = {"scored_laos": _laos_sheet(laos, processed, processed_dir),
              indicator_sheet[0]: indicator_sheet[1], "summary": _summary_sheet(laos, lang)}
    localised = {i18n.t(f"sheet.{name}", lang): i18n.localise_table(frame, lang, strict=False)
                 for name, frame in sheets.items()}
    return write_workbook(localised, xlsx, date=document_date(processed.year))


def _laos_sheet(laos: pd.DataFrame, processed, processed_dir) -> pd.DataFrame:
    """The scored LAOs, each named with its type prefix, and their overall score of the
    previous built year and this one on the indicators both years share (the basis of the
    reports' change columns), and the change."""
    from lpa_analysis import stats
    from lpa_analysis.processed import built_years, load_processed
    from lpa_analysis.schema import display_name

    named = laos.drop(columns="name_th")
    named.insert(1, "name", [display_name(n, ty) for n, ty in zip(laos["name_th"],
                                                                  laos["lao_type"])])
    earlier = [y for y in built_years(processed_dir) if y < processed.year]
    if not earlier:
        return named
    previous = load_processed(max(earlier), processed_dir)
    basis = stats.comparable_basis(previous.framework, processed.framework)
    codes = set(laos["lao_code"])
    before, now = (basis.rescore(p.indicator_scores[p.indicator_scores["lao_code"].isin(codes)])
                   .set_index("lao_code")["overall_pct"] for p in (previous, processed))
    return named.assign(comparable_overall_previous=named["lao_code"].map(before),
                        comparable_overall=named["lao_code"].map(now),
                        change=lambda d: d["comparable_overall"] - d["comparable_overall_previous"])


def _summary_sheet(laos: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per province: LAOs, passed, pass rate and its 95 % CI (per cent), mean and
    median overall score."""
    from lpa_analysis import i18n, stats

    rates = stats.pass_rate(laos, by="province_code")
    scores = (laos.groupby("province_code")["overall_pct"].agg(["mean", "median"])
              .rename(columns={"mean": "mean_overall", "median": "median_overall"}))
    summary = rates.merge(scores, on="province_code", how="left")
    return pd.DataFrame({
        "province_code": summary["province_code"],
        "province": [i18n.province_label(c, lang) for c in summary["province_code"]],
        "n": summary["n"], "passed": summary["passed"],
        "pass_rate": 100 * summary["rate"], "pass_rate_ci_low": 100 * summary["ci_low"],
        "pass_rate_ci_high": 100 * summary["ci_high"],
        "mean_overall": summary["mean_overall"], "median_overall": summary["median_overall"]})
