"""Excel workbooks for analysts: localised headers, frozen header row, number formats,
auto-filter — and byte-identical when written twice (fixed document dates, fixed zip times).

    write_workbook({"summary": df1, "laos": df2}, "out.xlsx")
    export_year(2566, "out.xlsx", province="54", lang="th")
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

EXCEL_MAX_ROWS = 1_048_576
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_DOC_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def document_date(year: int | None = None) -> datetime:
    """The date written into documents, never 'now', so re-running gives the same bytes:
    $SOURCE_DATE_EPOCH when set; else the data's snapshot date for an assessment year (the
    end of that Thai fiscal year, 30 September); else 1980-01-01 (the zip format's epoch)."""
    from lpa_analysis.render import source_date

    if (date := source_date()) is not None:
        return date
    if year is not None:
        from lpa_analysis.schema import to_be_year

        return datetime(to_be_year(year) - 543, 9, 30, tzinfo=timezone.utc)
    return datetime(*ZIP_EPOCH, tzinfo=timezone.utc)


def sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", str(name))[:31] or "sheet"
    candidate, k = base, 2
    while candidate.lower() in used:
        candidate = f"{base[:28]}~{k}"
        k += 1
    used.add(candidate.lower())
    return candidate


def _format_sheet(ws, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = ws.dimensions
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for idx, column in enumerate(frame.columns, start=1):
        series = frame[column]
        letter = get_column_letter(idx)
        if pd.api.types.is_float_dtype(series):
            fmt = "0.00"
        elif pd.api.types.is_integer_dtype(series):
            fmt = "#,##0"
        else:
            fmt = None
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = fmt
        sample = [str(column), *(str(v) for v in series.head(200))]
        ws.column_dimensions[letter].width = min(60, max(8, max(len(s) for s in sample) + 2))


def _fixed_zip(data: bytes, date: datetime) -> bytes:
    """Rewrite the archive with fixed entry times and document dates (openpyxl writes 'now')."""
    stamp = date.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = _DOC_DATE.sub(rb"\g<1>" + stamp + rb"\g<3>", body)
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, body)
    return out.getvalue()


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path,
                   date: datetime | None = None) -> Path:
    """One sheet per frame (in the given order), written atomically and reproducibly;
    `date` (default `document_date()`) is the workbook's created/modified date."""
    from openpyxl import Workbook
    from openpyxl.utils.dataframe import dataframe_to_rows

    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for name, frame in sheets.items():
        if len(frame) + 1 > EXCEL_MAX_ROWS:
            raise ValueError(f"sheet '{name}' has {len(frame):,} rows; Excel holds "
                             f"{EXCEL_MAX_ROWS - 1:,}: export a province or an aggregate")
        ws = wb.create_sheet(sheet_name(name, used))
        clean = frame.astype(object).where(frame.notna(), None)
        for row in dataframe_to_rows(clean, index=False, header=True):
            ws.append(row)
        _format_sheet(ws, frame)
    date = date or document_date()
    wb.properties.creator = "lpa-analysis"
    wb.properties.created = date.replace(tzinfo=None)
    buffer = io.BytesIO()
    wb.save(buffer)
    from lpa_analysis.render import write_atomic

    return write_atomic(path, _fixed_zip(buffer.getvalue(), date))


def export_year(year: int, xlsx: str | Path, *, province: str | None = None, lang: str = "th",
                processed_dir: str | Path = "data/processed") -> Path:
    """Scored LAOs, indicator scores and the province summary of a built year, for Excel.

    Nationally the indicator scores (~1.6 M rows) exceed Excel's sheet size, so the workbook
    then holds attainment per indicator × province instead (the sheet says so in its name)."""
    from lpa_analysis import i18n, stats
    from lpa_analysis.build import load_processed
    from lpa_analysis.geo import resolve_province
    from lpa_analysis.schema import display_name

    processed = load_processed(year, processed_dir)
    laos, scores = processed.scored_laos, processed.indicator_scores
    if province:
        code = resolve_province(province).code
        laos = laos[laos["province_code"] == code]
        scores = scores[scores["province_code"] == code]
    laos = laos.assign(name=[display_name(n, ty) for n, ty in zip(laos["name_th"], laos["lao_type"])])
    summary = stats.describe(laos, by="province_code").merge(
        stats.pass_rate(laos, by="province_code"), on="province_code", suffixes=("", "_pass"))
    if province:
        indicator_sheet = ("indicator_scores", scores)
    else:
        attainment = (scores[~scores["not_applicable"].astype(bool)]
                      .groupby(["province_code", "indicator_id", "dimension"], observed=True)
                      ["attainment"].agg(["count", "mean"]).reset_index()
                      .rename(columns={"count": "n", "mean": "attainment"}))
        indicator_sheet = ("indicator_attainment", attainment)
    sheets = {"scored_laos": laos, indicator_sheet[0]: indicator_sheet[1], "summary": summary}
    localised = {name: i18n.localise_table(frame, lang, strict=False)
                 for name, frame in sheets.items()}
    return write_workbook(localised, xlsx, date=document_date(year))
