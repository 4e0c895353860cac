"""The national reference tables of a year: funnels, team leniency, trends, the change from each
year to the next, rank uncertainty and indicator gaps of every province. Each province report
shows its own rows of them, so they are computed once per build and cached beside it
(`<processed>/<year>/reference/`).

    prepare(2566)          # compute unless current; returns the folder
    load(2566)             # name → table (computed first if needed)
    is_current(2566, processed_dir)

The statistics are imported inside `tables()` only: the parent of a report run checks the cache
without loading them (~120 MB it would otherwise hold for the whole run)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from lpa_analysis.files import replace_dir, staging_dir
from lpa_analysis.geo import all_provinces
from lpa_analysis.processed import (BUILD_INFO, DEFAULT_PROCESSED, built_years, load_processed,
                                    release_arrow_memory, year_folder)
from lpa_analysis.provenance import PACKAGE_DIR, files_fingerprint, sha256_file
from lpa_analysis.schema import to_be_year

REFERENCE_DIR = "reference"
KEY_FILE = "key.json"
# The funnel's measures: name in the `measure` column → scored_laos column.
FUNNEL_MEASURES = {"overall_pct": "overall_pct", "pass_rate_pct": "passed"}
FUNNEL_PERCENT = ["value", "target", "lo95", "hi95", "lo998", "hi998"]


@cache
def code_key() -> str:
    """Hash of the code and settings that compute the tables: a change (a new table, a fixed
    statistic, another ALPHA or minimum n) recomputes them."""
    return files_fingerprint([Path(__file__).resolve(), PACKAGE_DIR / "settings.py",
                              *sorted((PACKAGE_DIR / "stats").glob("*.py"))])


def stamp(year: int, processed_dir: Path) -> str:
    """What the tables were computed from: this year's build, every earlier one (trends) and
    the code."""
    history = {y: sha256_file(year_folder(y, processed_dir) / BUILD_INFO)
               for y in built_years(processed_dir) if y <= year}
    return json.dumps({"build": sha256_file(year_folder(year, processed_dir) / BUILD_INFO),
                       "history": history, "code": code_key()}, sort_keys=True)


def folder(year: int, processed_dir: Path) -> Path:
    return year_folder(year, processed_dir) / REFERENCE_DIR


def is_current(year: int, processed_dir: Path) -> bool:
    """True when the cached tables were computed from exactly these builds and code."""
    key = folder(year, processed_dir) / KEY_FILE
    return key.is_file() and key.read_text() == stamp(year, processed_dir)


def history(year: int, processed_dir: Path) -> dict[int, pd.DataFrame]:
    """scored_laos of every built year up to `year`."""
    return {y: load_processed(y, processed_dir).scored_laos
            for y in built_years(processed_dir) if y <= year}


def tables(year: int, processed_dir: Path) -> dict[str, pd.DataFrame]:
    """Compute the reference tables (reads the year's 1.6 M indicator scores)."""
    from lpa_analysis import stats
    from lpa_analysis.stats import composite

    processed = load_processed(year, processed_dir)
    scored = processed.scored_laos
    scores = processed.indicator_scores
    years = history(year, processed_dir)
    team = stats.team_effect(scored)
    return {
        "funnel": funnel_table(scored, team),
        "team_effect": team,
        "gap": stats.self_vs_verified_gap(scored),
        "trend_national": stats.trend_table(years),
        "trend_region": stats.trend_table(years, by="region"),
        "trend_province": stats.trend_table(years, by="province_code"),
        "year_change": stats.year_changes(
            _IndicatorScores(list(years), processed_dir, {year: scores}),
            {y: load_processed(y, processed_dir).framework for y in years}),
        "rank_uncertainty": rank_table(scored, scores, processed.framework.overall_method),
        "league": stats.league_table(scored),
        "indicator_gaps": stats.indicator_gaps_all(
            scores, [p.code for p in all_provinces()]),
        "indicator_distribution": composite.indicator_distribution(scores),
        "alpha": composite.reliability(scores, scored),
    }


def funnel_table(scored: pd.DataFrame, team_effect: pd.DataFrame) -> pd.DataFrame:
    """Both funnels in one table, the mean overall score first (with a national pass rate near
    1 the pass-rate funnel can hardly single out anyone): `measure` then stats.funnel's
    columns, outliers that the province's assessment team explains marked as such
    (stats.funnel.label_assessment). Both measures in per cent (the pass rate's τ² in %²),
    so that one table reads in one unit."""
    from lpa_analysis.stats.funnel import funnel, label_assessment

    parts = []
    for measure, column in FUNNEL_MEASURES.items():
        part = label_assessment(funnel(scored, column), team_effect).assign(measure=measure)
        if column == "passed":
            part[FUNNEL_PERCENT] = 100 * part[FUNNEL_PERCENT]
            part["tau2"] = 100**2 * part["tau2"]
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    return table[["measure", *table.columns.drop("measure")]]


def rank_table(scored: pd.DataFrame, indicator_scores: pd.DataFrame,
               overall_method: str) -> pd.DataFrame:
    """Each LAO's national rank with two intervals: its sensitivity to the weights and the
    overall method (composite.rank_uncertainty) and its statistical uncertainty
    (composite.rank_bootstrap, indicators resampled within dimensions)."""
    from lpa_analysis.stats import composite

    sensitivity = composite.rank_uncertainty(scored,
                                             composite.dimension_maxima(indicator_scores))
    bootstrap = composite.rank_bootstrap(indicator_scores, scored, overall_method)
    table = sensitivity.drop(columns="note").merge(
        bootstrap.drop(columns="rank_nominal").rename(columns={"note": "note_boot"}),
        on="lao_code", how="left")
    # one note: what either interval lacks (both need an LAO's scores)
    note = sensitivity["note"].where(sensitivity["note"].notna(), table["note_boot"])
    return table.drop(columns="note_boot").assign(note=note.astype(object).where(note.notna(),
                                                                                None))


class _IndicatorScores(Mapping):
    """year → that build's indicator scores, read when asked for: year_changes then holds two
    years of 1.6 M rows at a time, not every year's."""

    def __init__(self, years: list[int], processed_dir: Path, read: dict[int, pd.DataFrame]):
        self._years, self._processed_dir, self._read = years, processed_dir, read

    def __getitem__(self, year: int) -> pd.DataFrame:
        if year not in self._years:
            raise KeyError(year)
        if year in self._read:
            return self._read[year]
        return load_processed(year, self._processed_dir).indicator_scores

    def __iter__(self) -> Iterator[int]:
        return iter(self._years)

    def __len__(self) -> int:
        return len(self._years)


def prepare(year: int, processed_dir: str | Path = DEFAULT_PROCESSED) -> Path:
    """Compute the tables once and cache them beside the year's build (keyed by its
    build.json, so a rebuild invalidates them). Returns the folder."""
    year, processed_dir = to_be_year(year), Path(processed_dir)
    target = folder(year, processed_dir)
    if is_current(year, processed_dir):
        return target
    computed = tables(year, processed_dir)
    release_arrow_memory()  # the year's indicator scores were read and let go
    tmp = staging_dir(target)
    for name, frame in computed.items():
        frame.to_parquet(tmp / f"{name}.parquet", index=False)
    (tmp / KEY_FILE).write_text(stamp(year, processed_dir))
    replace_dir(tmp, target)
    return target


def load(year: int, processed_dir: str | Path = DEFAULT_PROCESSED) -> dict[str, pd.DataFrame]:
    """The year's reference tables, name → frame (computed first when not current)."""
    target = prepare(year, processed_dir)
    return _read(target.resolve(), (target / KEY_FILE).read_text())


@lru_cache(maxsize=4)
def _read(target: Path, _key: str) -> dict[str, pd.DataFrame]:
    return {p.stem: _notes_as_none(pd.read_parquet(p)) for p in sorted(target.glob("*.parquet"))}


def _notes_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet reads a note column's None back as NaN (a string column); stats tables say
    None where there is nothing to note."""
    if "note" not in frame:
        return frame
    note = frame["note"].astype("object")
    return frame.assign(note=note.where(note.notna(), None))
