"""Scorecards (issue 17): the plan and the next band recomputed here independently from the
indicator scores; the pages of every LAO of Phrae read back with pdftotext."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from lpa_analysis import stats
from lpa_analysis.processed import load_processed
from lpa_analysis.report.scorecard import scorecard_data
from lpa_analysis.schema import display_name

PHRAE = "54"


def _lost(year: int, processed) -> pd.DataFrame:
    """Indicators where each LAO of Phrae lost points: counted (applies, not pilot, not N/A)
    and verified below the maximum (unverified = 0), straight from indicator_scores."""
    p = load_processed(year, processed)
    framework = p.framework
    rows = p.indicator_scores_of(PHRAE)
    applies = [framework.indicator(i).applies(t) for i, t in
               zip(rows["indicator_id"], rows["lao_type"])]
    rows = rows[np.array(applies) & ~rows["pilot"] & ~rows["not_applicable"]].copy()
    rows["lost"] = rows["max_points"] - rows["verified_points"].fillna(0)
    return rows[rows["lost"] > 0]


@pytest.mark.parametrize("year", [2565, 2566])  # mean_of_dimensions, then points
def test_plan_is_the_lost_indicators_most_points_first(small_processed, year):
    data = scorecard_data(year, small_processed)
    laos, plan = data.of_province(PHRAE)
    expected = _lost(year, small_processed)
    assert set(laos["lao_code"]) == set(load_processed(year, small_processed).scored_laos
                                         .query("province_code == @PHRAE")["lao_code"])
    for code, mine in plan.groupby("lao_code"):
        theirs = expected[expected["lao_code"] == code]
        assert sorted(mine["indicator_id"]) == sorted(theirs["indicator_id"]), code
        assert mine["points_lost"].is_monotonic_decreasing, code
        lost = theirs.set_index("indicator_id")["lost"]
        assert np.allclose(mine["points_lost"], lost.loc[mine["indicator_id"]]), code
    assert set(plan["lao_code"]) == set(expected["lao_code"])


@pytest.mark.parametrize("year", [2565, 2566])
def test_next_band_is_reached_by_exactly_the_named_indicators(small_processed, year):
    """Full points on the first n plan indicators, rescored with the year's own method,
    reach the next band; n - 1 do not."""
    data = scorecard_data(year, small_processed)
    laos, plan = data.of_province(PHRAE)
    framework = data.framework
    scores = load_processed(year, small_processed).indicator_scores_of(PHRAE)
    ids = [i.id for i in framework.indicators]
    checked = 0
    for row in laos[laos["next_band"].notna()].head(25).itertuples():
        order = plan.loc[plan["lao_code"] == row.lao_code, "indicator_id"].tolist()

        def overall(n: int) -> float:
            mine = scores[scores["lao_code"] == row.lao_code].copy()
            full = mine["indicator_id"].isin(order[:n])
            mine.loc[full, "verified_points"] = mine.loc[full, "max_points"]
            return stats.comparable_scores(mine, ids, framework.overall_method)[
                "overall_pct"].iloc[0]

        assert overall(0) == pytest.approx(row.overall_pct)
        n = int(row.n_to_next_band)
        assert overall(n) >= row.next_band_min_pct - 1e-9
        assert overall(n - 1) < row.next_band_min_pct - 1e-9
        assert overall(n) - overall(0) == pytest.approx(row.gain_to_next_band_pct)
        if framework.overall_method == "points":
            assert row.need_points == pytest.approx(
                row.need_pct * row.max_points / 100)
        checked += 1
    assert checked > 10


def test_peers_and_ranks(small_processed):
    data = scorecard_data(2566, small_processed)
    laos = data.laos
    national = load_processed(2566, small_processed).scored_laos
    sao = national[national["lao_type"] == "sao"]
    row = laos[laos["lao_type"] == "sao"].iloc[0]
    assert row["type_median_overall_pct"] == pytest.approx(sao["overall_pct"].median())
    assert row["n_national_type"] == len(sao)
    assert row["rank_national_type"] == 1 + (sao["overall_pct"] > row["overall_pct"] + 1e-9).sum()
    province = national[national["province_code"] == row["province_code"]]
    assert row["province_mean_d3_pct"] == pytest.approx(province["d3_pct"].mean())
    assert laos["change"].notna().mean() > 0.9  # 2565 is built: change on the comparable basis


def _text(pdf, mode: str = "-layout") -> str:
    return subprocess.run(["pdftotext", mode, str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def _pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.slow
def test_every_phrae_lao_gets_one_searchable_page(small_demo, small_processed, tmp_path):
    from lpa_analysis.runs import lang_dir
    from lpa_analysis.scorecards import BOOKLET, FOLDER, PLAN_ROWS, run_scorecards

    out = tmp_path / "reports"
    # 57 has no LAO in the small demo: it fails, Phrae goes on
    outcome = run_scorecards(2566, f"{PHRAE},57", lang="th", data_dir=small_demo,
                             processed_dir=small_processed, out_dir=out, workers=2)
    status = {r.key.rsplit("/", 1)[1]: r.status for r in outcome.results}
    assert status == {PHRAE: "done", "57": "failed"}
    folder = lang_dir(out, 2566, "th") / PHRAE
    scored = load_processed(2566, small_processed).scored_laos.query("province_code == @PHRAE")
    plan = pd.read_csv(folder / FOLDER / "plan.csv", dtype={"lao_code": str})
    assert _pages(folder / BOOKLET) == len(scored)
    for lao in scored.itertuples():
        pdf = folder / FOLDER / f"{lao.lao_code}.pdf"
        assert _pages(pdf) == 1
        text = _text(pdf)
        assert display_name(lao.name_th, lao.lao_type) in text
        assert f"{lao.overall_pct:.2f}%" in text
        # the demo is synthetic: watermarked (rotated, so -layout leaves it out)
        assert "ข้อมูลสมมติ" in _text(pdf, "-raw")
        names = plan.loc[plan["lao_code"] == lao.lao_code, "indicator_th"].head(PLAN_ROWS)
        flat = " ".join(text.split())
        at = [flat.find(name) for name in names]
        assert all(i >= 0 for i in at) and at == sorted(at), lao.lao_code

    before = {p.name: p.read_bytes() for p in (folder / FOLDER).iterdir()}
    booklet = (folder / BOOKLET).read_bytes()
    again = run_scorecards(2566, PHRAE, lang="th", data_dir=small_demo,
                           processed_dir=small_processed, out_dir=out, force=True)
    assert [r.status for r in again.results] == ["done"]
    assert {p.name: p.read_bytes() for p in (folder / FOLDER).iterdir()} == before
    assert (folder / BOOKLET).read_bytes() == booklet
    unchanged = run_scorecards(2566, PHRAE, lang="th", data_dir=small_demo,
                               processed_dir=small_processed, out_dir=out)
    assert [r.status for r in unchanged.results] == ["skipped"]
    from lpa_analysis.audit import verify_hashes

    manifest = lang_dir(out, 2566, "th") / "manifest.json"
    assert verify_hashes(manifest).ok
    edited = folder / FOLDER / f"{scored['lao_code'].iloc[0]}.pdf"
    edited.write_bytes(edited.read_bytes() + b"\n")
    checks = verify_hashes(manifest).table().set_index("path")["status"]
    assert checks[f"{PHRAE}/{FOLDER}/{edited.name}"] == "differs"
    assert checks[f"{PHRAE}/{BOOKLET}"] == "identical"
    # an edited page is not vouched for: the province is rendered again
    assert [r.status for r in run_scorecards(
        2566, PHRAE, lang="th", data_dir=small_demo, processed_dir=small_processed,
        out_dir=out).results] == ["done"]
    assert verify_hashes(manifest).ok


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_longest_name_and_plan_fit_one_page(small_processed, tmp_path, lang):
    """Longer than any LAO name of the national demo and the longest indicator names of the
    framework in every shown plan row: still one page (the renderer refuses overflow)."""
    from lpa_analysis import render
    from lpa_analysis.provenance import document_date
    from lpa_analysis.scorecards import PAGE_SELECTOR, PLAN_ROWS, page_html, split_pages

    data = scorecard_data(2566, small_processed)
    laos, plan = data.of_province(PHRAE)
    worst = laos.loc[[laos["n_lost"].idxmax()]].copy()
    worst["name"] = "เทศบาลตำบล" + "บ้านน้อยซุ้มขี้เหล็กนิคมสร้างตนเอง"  # 43 characters
    column = "indicator_th" if lang == "th" else "indicator_en"
    names = sorted({getattr(i, f"name_{lang}") for i in data.framework.indicators},
                   key=len, reverse=True)
    rows = plan[plan["lao_code"] == worst["lao_code"].iloc[0]].copy()
    assert len(rows) > PLAN_ROWS
    rows.loc[rows.index[:PLAN_ROWS], column] = names[:PLAN_ROWS]
    context = {"year": 2566, "lang": lang, "pass_threshold": 70.0, "overall_method": "points",
               "release": {"status": "draft", "synthetic": True, "release_date": "2024-01-31",
                           "publisher": "กรมส่งเสริมการปกครองท้องถิ่น"}}
    html = tmp_path / "card.html"
    html.write_text(page_html(worst, rows, context), encoding="utf-8")
    booklet = render.print_pages(html, page_selector=PAGE_SELECTOR, date=document_date(2566))
    assert len(split_pages(booklet, ["t"], document_date(2566))) == 1


def test_province_report_links_the_booklet_only_when_the_run_makes_it(small_processed,
                                                                     tmp_path):
    from lpa_analysis.geo import resolve_province
    from lpa_analysis.report import province_report
    from lpa_analysis.runs import make_jobs

    linked = province_report(2566, "54", processed_dir=small_processed, scorecards=True)
    plain = province_report(2566, "54", processed_dir=small_processed)
    assert "(scorecards.pdf)" in linked.text("appendix_laos")
    assert "scorecards.pdf" not in plain.text("appendix_laos")
    jobs = make_jobs(2566, [resolve_province("54")], lang="th", formats={"html"},
                     processed_dir=small_processed, out_dir=tmp_path, years=[2566],
                     extra_parameters={"scorecards": True})
    params = {job.key: job.parameters for job in jobs}
    # the national notebook has no such parameter: it is the province's own link
    assert params["2566/54"]["scorecards"] is True and "scorecards" not in params["2566/national"]
