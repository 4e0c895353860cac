"""`lpa export`: a built year as an Excel workbook for analysts."""

from __future__ import annotations

from pathlib import Path

import typer

from lpa_analysis.commands.options import (DataDir, Lang, ProcessedDir, Year, app, check_lang,
                                           claim_folder, output_file, output_folder, writing)


@app.command()
def export(
    year: Year,
    xlsx: Path = typer.Option(..., "--xlsx", help="Workbook to write."),
    province: str = typer.Option(None, "--province", "-p", help="DOPA code, Thai or English name."),
    lang: Lang = "th",
    data: DataDir = Path("data/demo"),
    processed: ProcessedDir = Path("data/processed"),
) -> None:
    """A built year as one Excel workbook (scored LAOs, indicator scores, province summary).

    Thai (or English) headers, frozen header row, number formats, auto-filter.

    Examples:
      lpa export --year 2566 --province แพร่ --xlsx phrae-2566.xlsx
      lpa export --year 2566 --xlsx national-2566.xlsx --lang en
    """
    from lpa_analysis.export import export_year
    from lpa_analysis.build import ensure_built, require_data

    check_lang(lang)
    require_data(data)
    output_file(xlsx, "--xlsx")
    output_folder(processed, "--processed")
    claim_folder(processed, "--processed", "processed")
    with writing(xlsx.parent, processed):
        ensure_built(year, data, processed)
        path = export_year(year, xlsx, province=province, lang=lang, processed_dir=processed)
    typer.echo(f"wrote {path}")
