"""`lpa show`: an analyst's question answered as a table in the terminal, from the processed
tables (nothing is built or rendered). Each subcommand is one `lpa_analysis.explore` call;
--csv / --xlsx save that call's whole answer with Thai (or English) headers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lpa_analysis.commands.options import Lang, _be_year, app, check_lang, output_file, writing

show_app = typer.Typer(help="Answer an analyst's question as a table (after `lpa build`).",
                       no_args_is_help=True)
app.add_typer(show_app, name="show")

ShowYear = Annotated[int | None, typer.Option(
    "--year", "-y", callback=_be_year, help="Year, BE or CE (default: the latest built).")]
ShowProcessed = Annotated[Path | None, typer.Option(
    "--processed", help="Processed tables (default: $LPA_PROCESSED, else the project's "
                        "data/processed). Nothing is built.")]
Csv = Annotated[Path | None, typer.Option("--csv", help="Also save the answer as CSV.")]
Xlsx = Annotated[Path | None, typer.Option("--xlsx", help="Also save the answer as Excel.")]
Province = Annotated[str, typer.Option("--province", "-p",
                                       help="DOPA code, Thai or English name.")]
# Columns that hold proportions (0–1) under a per-cent header: saved and shown × 100.
PROPORTIONS = ("pass_rate", "ci_low", "ci_high")
DIMENSIONS = ("d1_pct", "d2_pct", "d3_pct", "d4_pct", "d5_pct")


@show_app.command("lao")
def show_lao(code: str = typer.Argument(..., help="LAO code (7 digits)."), year: ShowYear = None,
             lang: Lang = "th", processed: ShowProcessed = None, csv: Csv = None,
             xlsx: Xlsx = None) -> None:
    """One LAO: its scores in every built year and its indicators in one year, with the change
    from the previous year on the comparable basis.

    Examples:
      lpa show lao 6540803
      lpa show lao 6540803 --year 2566 --lang en --xlsx lao-6540803.xlsx
    """
    from lpa_analysis import explore, i18n

    _check(lang, csv, xlsx)
    table = explore.lao(code, processed_dir=processed)
    year = year or int(table["year"].max())
    years = table[table["level"] != "indicator"]
    wide = years.pivot(index="year", columns="item", values="score_pct").reset_index()
    overall = years[years["item"] == "overall_pct"].set_index("year")
    wide = wide.assign(**{c: wide["year"].map(overall[c]) for c in
                          ("change", "band", "rank_province")},
                       passed=wide["year"].map(overall["passed"]).map(bool))
    first = table.iloc[0]
    title = (f"{first['name']} ({code}) · {i18n.province_label(first['province_code'], lang)}"
             f" · {first['district_th']}")
    _print(title, wide, lang, {"year": "code", "change": "signed", "rank_province": "count"})
    indicators = table[(table["level"] == "indicator") & (table["year"] == year)]
    name = "name_th" if lang == "th" else "name_en"
    shown = indicators[["item", name, "points", "max_points", "score_pct", "change", "note"]]
    _print(i18n.t("show.lao.indicators", lang, year=i18n.year_label(year, lang)),
           shown.rename(columns={"item": "indicator_id", name: "indicator_name"}), lang,
           {"points": "number", "max_points": "number", "change": "signed"})
    _save(table, lang, csv, xlsx)


@show_app.command("province")
def show_province(province: str = typer.Argument(..., help="DOPA code, Thai or English name."),
                  districts: bool = typer.Option(False, "--districts",
                                                 help="One row per district (อำเภอ)."),
                  year: ShowYear = None, lang: Lang = "th", processed: ShowProcessed = None,
                  csv: Csv = None, xlsx: Xlsx = None) -> None:
    """A province beside its region and the nation in one year (pass rate with its 95 %
    interval, mean scores), or its districts.

    Examples:
      lpa show province 54
      lpa show province แพร่ --districts --csv phrae-districts.csv
    """
    from lpa_analysis import explore, i18n

    _check(lang, csv, xlsx)
    year = explore.latest_year(year, processed)
    label = i18n.province_label(province, lang)
    if districts:
        table = explore.districts(province, year, processed_dir=processed)
        name = "district_th" if lang == "th" else "district_en"
        shown = table.assign(weakest_dimension=[
            explore._measure_name(d, lang) if isinstance(d, str) else d
            for d in table["weakest_dimension"]])
        shown = shown[[name, "n", "passed", "pass_rate", "ci_low", "ci_high", "mean_overall",
                       "weakest_dimension"]]
        title = i18n.t("show.province.districts", lang, province=label,
                       year=i18n.year_label(year, lang))
    else:
        table = explore.summary(province, year, processed_dir=processed)
        shown = table.assign(level=[explore.level_label(lv, g, lang)
                                    for lv, g in zip(table["level"], table["group"])]
                             ).drop(columns="group")
        title = i18n.t("show.province.summary", lang, province=label,
                       year=i18n.year_label(year, lang))
    _print(title, shown, lang, {"n": "count", "passed": "count"})
    _save(table, lang, csv, xlsx)


@show_app.command("movers")
def show_movers(province: Province, by: str = typer.Option(
                    "dimension", "--by", help="dimension (LAO × dimension) or overall."),
                n: int = typer.Option(10, "-n", help="How many."),
                up: bool = typer.Option(False, "--up", help="Biggest rises, not falls."),
                year: ShowYear = None, lang: Lang = "th", processed: ShowProcessed = None,
                csv: Csv = None, xlsx: Xlsx = None) -> None:
    """The biggest falls (or rises) in a province since the previous built year, measured on
    the comparable basis (indicators defined identically in both years).

    Examples:
      lpa show movers --province 54 --by dimension
      lpa show movers --province แพร่ --by overall --up -n 5
    """
    from lpa_analysis import explore, i18n

    _check(lang, csv, xlsx)
    table = explore.movers(province, year, by=by, n=n, direction="up" if up else "down",
                           processed_dir=processed)
    columns = ["rank", "lao_code", "name", "district_th", "measure", "previous",
               "current", "change", *(["dimension_moved", "dimension_change"]
                                      if by == "overall" else [])]
    shown = table[columns].copy()
    for column in ("measure", "dimension_moved"):
        if column in shown:
            shown[column] = [explore._measure_name(m, lang) if isinstance(m, str) else m
                             for m in shown[column]]
    year_b = explore.latest_year(year, processed)
    title = i18n.t(f"show.movers.{'up' if up else 'down'}", lang,
                   province=i18n.province_label(province, lang),
                   previous_year=i18n.year_label(explore._previous(
                       year_b, explore.processed_folder(processed)), lang),
                   year=i18n.year_label(year_b, lang))
    _print(title, shown, lang, {"rank": "count", "change": "signed",
                                "dimension_change": "signed"})
    _save(table, lang, csv, xlsx)


@show_app.command("trend")
def show_trend(province: Province,
               measure: str = typer.Option("overall_pct", "--measure",
                                           help="overall_pct, pass_rate_pct or d1_pct … d5_pct."),
               lang: Lang = "th", processed: ShowProcessed = None, csv: Csv = None,
               xlsx: Xlsx = None) -> None:
    """A province's scores in every built year beside its region and the nation (estimate
    and 95 % interval; the saved table holds every measure).

    Examples:
      lpa show trend --province 54
      lpa show trend --province แพร่ --measure pass_rate_pct --lang en
    """
    from lpa_analysis import explore, i18n

    _check(lang, csv, xlsx)
    table = explore.trend(province, processed_dir=processed)
    rows = table[table["measure"] == measure]
    if rows.empty:
        raise typer.BadParameter(f"no measure {measure!r}; use one of "
                                 f"{', '.join(table['measure'].unique())}")
    cells = [f"{i18n.fmt_num(e, 1)} ({i18n.fmt_num(lo, 1)}–{i18n.fmt_num(hi, 1)})"
             for e, lo, hi in zip(rows["estimate"], rows["ci_low"], rows["ci_high"])]
    series = [explore.level_label(lv, g, lang) for lv, g in zip(rows["level"], rows["group"])]
    wide = (rows.assign(series=series, cell=cells)
            .pivot(index="year", columns="series", values="cell")[list(dict.fromkeys(series))]
            .reset_index())
    title = i18n.t("show.trend", lang, measure=explore._measure_label(measure, lang))
    _print(title, wide, lang, {"year": "code"})
    _save(table, lang, csv, xlsx)


@show_app.command("peers")
def show_peers(code: str = typer.Argument(..., help="LAO code (7 digits)."),
               year: ShowYear = None, lang: Lang = "th", processed: ShowProcessed = None,
               csv: Csv = None, xlsx: Xlsx = None) -> None:
    """The LAOs of the same type in the LAO's province, its district's first, by overall score.

    Example: lpa show peers 6540803
    """
    from lpa_analysis import explore, i18n

    _check(lang, csv, xlsx)
    table = explore.peers(code, year, processed_dir=processed)
    shown = table.assign(name=[("▶ " if s else "") + n
                               for s, n in zip(table["is_self"], table["name"])])
    shown = shown[["lao_code", "name", "district_th", "rank_province", "rank_district",
                   "overall_pct", "passed", "band"]]
    year = explore.latest_year(year, processed)
    _print(i18n.t("show.peers", lang, year=i18n.year_label(year, lang)), shown, lang,
           {"rank_province": "count", "rank_district": "count"})
    _save(table, lang, csv, xlsx)


@show_app.command("indicator")
def show_indicator(indicator_id: str = typer.Argument(..., help="Indicator id (e.g. D1.01)."),
                   year: ShowYear = None, lang: Lang = "th", processed: ShowProcessed = None,
                   csv: Csv = None, xlsx: Xlsx = None) -> None:
    """One indicator: mean attainment nationally and per province, with 95 % intervals.

    Example: lpa show indicator D1.01 --year 2566
    """
    from lpa_analysis import explore, i18n

    _check(lang, csv, xlsx)
    table = explore.indicator(indicator_id, year, processed_dir=processed)
    shown = table.assign(province=[
        i18n.t("chart.national", lang) if lv == "nation" else i18n.province_label(c, lang)
        for lv, c in zip(table["level"], table["province_code"])])
    shown = shown[["province", "n", "attainment_pct", "ci_low", "ci_high"]]
    first = table.iloc[0]
    _print(f"{first['indicator_id']} {first['name_th' if lang == 'th' else 'name_en']}", shown,
           lang, {"n": "count"})
    _save(table, lang, csv, xlsx)


def _check(lang: str, csv: Path | None, xlsx: Path | None) -> None:
    """Options checked before any table is read."""
    check_lang(lang)
    for path, option in ((csv, "--csv"), (xlsx, "--xlsx")):
        if path is not None:
            output_file(path, option)


def _percent(table):
    """Pass rates and their intervals (proportions 0–1) in per cent, as their headers say."""
    if "pass_rate" not in table:
        return table
    return table.assign(**{c: 100 * table[c] for c in PROPORTIONS if c in table})


def _for_people(table, lang: str):
    """The answer as people read it: per cents, codes as names, headers in `lang` (columns
    without a header keep their name)."""
    from lpa_analysis import i18n

    return i18n.localise_table(_percent(table), lang, strict=False)


def _print(title: str, frame, lang: str, kinds: dict[str, str]) -> None:
    """A rich table with short headers: numbers by their kind (default: 1 decimal), the
    95 % interval in one column, dimensions by their short names."""
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from lpa_analysis import i18n

    frame = _percent(frame)
    headers = i18n.table_headers(frame.columns, lang, strict=False)
    headers.update({c: i18n.dimension_label(int(c[1]), lang, short=True)
                    for c in frame.columns if c in DIMENSIONS})
    if {"ci_low", "ci_high"} <= set(frame.columns):
        frame = frame.assign(ci_low=[f"{i18n.fmt_num(lo, 1)}–{i18n.fmt_num(hi, 1)}"
                                     for lo, hi in zip(frame["ci_low"], frame["ci_high"])]
                             ).drop(columns="ci_high")
        headers["ci_low"] = i18n.t("show.ci", lang)
    people = i18n.localise_table(frame, lang, strict=False)
    table = Table(title=title, title_justify="left")
    for source in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[source]) and \
            not pd.api.types.is_bool_dtype(frame[source])
        # cells wrap, never end in "…": every figure shown whole
        table.add_column(headers[source], justify="right" if numeric else "left",
                         overflow="fold")
    writers = {"count": i18n.fmt_num, "code": i18n.fmt_code,
               "signed": i18n.fmt_signed,
               "number": lambda v: i18n.fmt_num(v, 1)}
    for row in people.itertuples(index=False):
        cells = []
        for value, source in zip(row, frame.columns):
            kind = kinds.get(source, "number" if isinstance(value, float) else None)
            cells.append(writers[kind](value) if kind in writers else
                         i18n.fmt_as(value, kind) if kind else
                         i18n.MISSING if i18n._missing(value) else str(value))
        table.add_row(*cells)
    # a pipe or file has no width: lines as wide as the table needs (up to 200 columns)
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def _save(table, lang: str, csv: Path | None, xlsx: Path | None) -> None:
    from lpa_analysis.export import write_workbook
    from lpa_analysis.files import write_csv

    people = _for_people(table, lang)
    with writing(*(p.parent for p in (csv, xlsx) if p is not None)):
        if csv is not None:
            typer.echo(f"wrote {write_csv(people, csv)}")
        if xlsx is not None:
            from lpa_analysis.i18n import t

            typer.echo(f"wrote {write_workbook({t('show.sheet', lang): people}, xlsx)}")
