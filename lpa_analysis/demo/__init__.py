"""Synthetic but realistic demo data: a complete raw data folder, with planted effects.

    from lpa_analysis import demo
    demo.generate(Path("data/demo"))                      # national, 2564–2567
    demo.generate(tmp, provinces=["54"], dirty=True)      # Phrae only, with injected defects
    demo.ensure_demo()                                    # generate data/demo when missing

The folder holds registry.csv, frameworks/, scores/, published/, truth.json (the ground truth
of everything planted — for tests only, no product code reads it) and DATACARD.md. Same seed →
byte-identical files. Published figures are the scoring engine's own results, rounded to 2
decimals, except for the planted transcription errors.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lpa_analysis.demo import defects
from lpa_analysis.demo.registry import demo_registry, province_codes, real_counts
from lpa_analysis.demo.scores import Effects, lao_effects, team_provinces, year_scores
from lpa_analysis.errors import InputError
from lpa_analysis.log import log
from lpa_analysis.package_data import bundled_framework
from lpa_analysis.readers import FRAMEWORKS_DIR
from lpa_analysis.schema import (
    DIM_PCT, PUBLISHED_COLUMNS, RELEASE_FILE, SOURCE_ROW, Framework, LaoType, load_framework,
)

__all__ = ["DEFAULT_SEED", "DEFAULT_DIR", "FRAMEWORK_YEARS", "Effects", "generate",
           "ensure_demo", "demo_registry", "framework", "framework_path", "real_counts",
           "team_provinces"]

DEFAULT_SEED = 2566
DEFAULT_DIR = Path("data/demo")
FRAMEWORK_YEARS = range(2564, 2568)
_MARKER = "DATACARD.md"  # a folder with it is a demo folder and may be replaced


def framework_path(year: int):
    """The framework YAML of a year that ships inside the package."""
    if year not in FRAMEWORK_YEARS:
        raise InputError(f"no demo framework for {year}; available: "
                         f"{FRAMEWORK_YEARS.start}–{FRAMEWORK_YEARS.stop - 1}")
    return bundled_framework(year)


def framework(year: int) -> Framework:
    return load_framework(framework_path(year))


def _published(scores: pd.DataFrame, registry: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    from lpa_analysis.scoring import score_laos

    result = score_laos(scores.assign(**{SOURCE_ROW: np.arange(len(scores)) + 2}), registry,
                        fw)
    published = result.laos[PUBLISHED_COLUMNS].copy()
    published[[*DIM_PCT, "overall_pct"]] = published[[*DIM_PCT, "overall_pct"]].round(2)
    return published.sort_values("lao_code", ignore_index=True), result


def _measured(result, hard: list[str], teams: dict[str, list[str]]) -> dict:
    """What the planted effects look like after the scoring engine (for tests and the card)."""
    scored, indicators = result.laos, result.indicators
    city = scored["lao_type"] == LaoType.CITY
    gap = scored.groupby("province_code")["gap_overall"].mean()
    attainment = (indicators[indicators["indicator_id"].isin(hard)]
                  .groupby("indicator_id")["attainment"].mean())
    r = lambda x: None if pd.isna(x) else round(float(x), 4)  # noqa: E731  JSON has no NaN
    return {
        "laos": len(scored),
        "pass_rate": r(scored["passed"].astype(float).mean()),
        "share_excellent": r((scored["band"] == "excellent").mean()),
        "mean_overall_pct": r(scored["overall_pct"].mean()),
        "mean_overall_pct_by_type": {t: r(v) for t, v in
                                     scored.groupby("lao_type")["overall_pct"].mean().items()},
        "city_minus_others_pct_points": r(scored.loc[city, "overall_pct"].mean()
                                          - scored.loc[~city, "overall_pct"].mean()),
        "mean_self_minus_verified_pct_points": r(scored["gap_overall"].mean()),
        "mean_self_minus_verified_by_team_province": {
            p: r(gap[p]) for kind in ("lenient", "strict") for p in teams[kind] if p in gap},
        "hard_indicator_attainment": {i: r(v) for i, v in attainment.items()},
    }


def _write_csv(frame: pd.DataFrame, path: Path, **kwargs) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", **kwargs)


def _prepare(out: Path) -> Path:
    """A fresh temp folder beside `out`; refuse to replace a folder that is not demo data."""
    if out.exists() and any(out.iterdir()) and not (out / _MARKER).is_file():
        raise InputError("folder exists and is not demo data (no DATACARD.md); choose another "
                         "--out or empty it", file=out)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / FRAMEWORKS_DIR).mkdir(parents=True)
    (tmp / "scores").mkdir()
    (tmp / "published").mkdir()
    return tmp


def _finish(tmp: Path, out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)


def generate(out: Path | str = DEFAULT_DIR, years=FRAMEWORK_YEARS, seed: int = DEFAULT_SEED,
             dirty: bool = False, provinces: list[str] | None = None,
             effects: Effects | None = None) -> Path:
    """Write a complete demo data folder to `out` (replacing an earlier demo there); return it.

    years: Buddhist-era years with a committed framework (2564–2567); provinces: DOPA codes or
    names to restrict to (default: all 76); dirty: scores as CSV with injected defects.
    Written to a temp folder first, so an interrupted run leaves no half folder.
    """
    out = Path(out)
    years = sorted({int(y) for y in years})
    for year in years:
        framework_path(year)  # unknown year → InputError before any work
    effects = effects or Effects()
    codes = province_codes(provinces)
    started = time.perf_counter()
    tmp = _prepare(out)
    try:
        registry = demo_registry(seed, codes)
        _write_csv(registry, tmp / "registry.csv")
        log.info("demo: registry of %d LAOs in %d provinces", len(registry), len(codes))
        teams = team_provinces(seed, province_codes(), effects)
        per_lao = lao_effects(registry, seed, effects, teams)
        truth = _truth_header(seed, years, codes, dirty, effects, teams, registry, per_lao)
        for year in years:
            truth["years"][str(year)] = _write_year(tmp, year, registry, seed, effects, per_lao,
                                                    teams, dirty)
            log.info("demo: %d written (%.1f s so far)", year, time.perf_counter() - started)
        (tmp / "truth.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8")
        (tmp / _MARKER).write_text(_datacard(truth), encoding="utf-8")
        (tmp / RELEASE_FILE).write_text(_release(years), encoding="utf-8")
        _finish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("demo: %s ready in %.1f s", out, time.perf_counter() - started)
    return out


def _write_year(tmp: Path, year: int, registry: pd.DataFrame, seed: int, effects: Effects,
                per_lao, teams: dict[str, list[str]], dirty: bool) -> dict:
    fw = framework(year)
    target = tmp / FRAMEWORKS_DIR / framework_path(year).name
    target.write_bytes(framework_path(year).read_bytes())
    scores, unverified = year_scores(registry, fw, seed, effects, per_lao, FRAMEWORK_YEARS.start)
    published, result = _published(scores, registry, fw)
    rng = np.random.default_rng([seed, 6, year])
    published, errors = defects.transcription_errors(published, rng)
    _write_csv(published, tmp / "published" / f"{year}.csv", float_format="%.2f")
    record = {
        "framework": {"overall_method": fw.overall_method, "indicators": len(fw.indicators),
                      "pilot": [i.id for i in fw.indicators if i.pilot]},
        "score_rows": len(scores),
        "not_applicable_rows": int(scores["not_applicable"].sum()),
        "not_verified": unverified.to_dict(orient="records"),
        "transcription_errors": errors,
        "measured": _measured(result, list(effects.hard_indicators), teams),
    }
    if dirty:
        text, record["defects"] = defects.dirty_scores(
            defects.scores_as_text(scores), fw, set(registry["lao_code"]), rng)
        _write_csv(text, tmp / "scores" / f"{year}.csv")
    else:
        scores.to_parquet(tmp / "scores" / f"{year}.parquet", index=False)
    return record


def _truth_header(seed, years, codes, dirty, effects: Effects, teams, registry, per_lao) -> dict:
    pct = lambda x: round(100 * x, 2)  # noqa: E731  attainment → percentage points
    return {
        "about": "Ground truth of the planted effects in this synthetic demo data. For tests "
                 "only: no product code may read it.",
        "seed": seed, "years": {}, "provinces": codes, "dirty": dirty,
        "laos": len(registry),
        "verification_teams": {
            "lenient": [{"province_code": p, "shift_pct_points": pct(effects.team_shift)}
                        for p in teams["lenient"]],
            "strict": [{"province_code": p, "shift_pct_points": -pct(effects.team_shift)}
                       for p in teams["strict"]],
            "note": "every team of the province shifts verified points by this much overall "
                    "(before clipping at 0 and the maximum); self-assessment is unaffected",
        },
        "self_inflation": {
            "model_mean_pct_points": pct(effects.inflation_mean),
            "model_heavy_tail_pct_points": pct(effects.heavy_inflation),
            "note": "the model adds these to self-assessed attainment; clipping at the maximum "
                    "absorbs part, so the measured mean self − verified overall gap is about "
                    "+4 (years.<year>.measured)",
            "heavy_tail_laos": sorted(registry["lao_code"][per_lao.heavy].tolist()),
        },
        "year_trend_pct_points_per_year": pct(effects.trend_per_year),
        "type_offsets_pct_points": {t: pct(v) for t, v in effects.type_offsets.items()},
        "hard_indicators": list(effects.hard_indicators),
        "parameters": effects.as_dict(),
    }


def _release(years: list[int]) -> str:
    """dataset.yml: plausible release metadata that no one could take for a real release;
    `synthetic: true` puts the watermark on every report page."""
    return (
        "# Release metadata (data/README.md). Written by lpa demo: the data are made up.\n"
        "# publisher, contact and source: one text, or {th: ..., en: ...} for each language.\n"
        "publisher:\n"
        "  th: \"ตัวอย่างสาธิตของ lpa-analysis\"\n"
        "  en: \"lpa-analysis demonstration\"\n"
        "status: draft\n"
        f"release_date: {max(years) - 543}-12-01\n"
        "contact: \"demo@example.invalid\"\n"
        "source:\n"
        "  th: \"ข้อมูลสมมติที่สร้างโดย lpa demo (ไม่ใช่ข้อมูลของ สถ.) "
        "รายละเอียดอยู่ในไฟล์ DATACARD.md\"\n"
        "  en: \"Synthetic data made by lpa demo (not DLA data); DATACARD.md gives the "
        "details and the seed\"\n"
        "synthetic: true\n")


def ensure_demo(data_dir: Path | str = DEFAULT_DIR) -> Path:
    """The default national demo folder, generated first if it is missing or incomplete."""
    data_dir = Path(data_dir)
    if not (data_dir / _MARKER).is_file():
        log.info("demo: %s missing; generating the national demo data (seed %d)",
                 data_dir, DEFAULT_SEED)
        generate(data_dir)
    return data_dir


def _datacard(truth: dict) -> str:
    from lpa_analysis.demo.datacard import render

    return render(truth)
