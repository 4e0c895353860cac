"""Reconciliation: planted transcription errors are found exactly, publication rounding is not
a difference, LAOs on one side only are reported, and the table is deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpa_analysis.errors import InputError
from lpa_analysis.reconcile import reconcile
from lpa_analysis.schema import DIM_PCT, PUBLISHED_COLUMNS, RECONCILIATION_COLUMNS

PCT = [*DIM_PCT, "overall_pct"]
BANDS = ["excellent", "very_good", "good", "below"]


def band_of(pct: float) -> str:
    return next(b for b, low in zip(BANDS, (90, 80, 70, 0)) if pct >= low)


def scored(pcts: list[list[float]]) -> pd.DataFrame:
    """Recomputed results (the columns reconcile reads) from rows of five dimension %."""
    frame = pd.DataFrame(pcts, columns=DIM_PCT, dtype=float)
    frame.insert(0, "lao_code", [f"{6500101 + i}" for i in range(len(frame))])
    frame["overall_pct"] = frame[DIM_PCT].mean(axis=1)
    frame["passed"] = (frame["overall_pct"] >= 70).astype("boolean")
    frame["band"] = frame["overall_pct"].map(band_of).astype("str")
    return frame


def published_from(laos: pd.DataFrame) -> pd.DataFrame:
    """What DLA publishes: the same figures rounded to 2 decimals."""
    published = laos[PUBLISHED_COLUMNS].copy()
    published[PCT] = published[PCT].round(2)
    return published


percentages = st.lists(st.lists(st.floats(0, 100), min_size=5, max_size=5), min_size=1,
                       max_size=25)


@settings(max_examples=40, deadline=None)
@given(pcts=percentages)
def test_rounding_to_two_decimals_is_not_a_difference(pcts):
    laos = scored(pcts)
    assert reconcile(published_from(laos), laos).empty


@pytest.mark.parametrize(("true", "published", "flagged"), [
    (80.205, 80.21, False), (80.205, 80.20, False), (80.205, 80.22, True), (80.205, 80.19, True),
    (70.005, 70.01, False),  # float: |70.01 − 70.005| = 0.0050000000000097 > 0.005
    (70.005, 70.00, False)])
def test_a_true_value_on_the_half_cent_may_be_published_either_way(true, published, flagged):
    laos = scored([[true] * 5])
    laos["overall_pct"] = true  # not the mean: exactly the float nearest the true value
    pub = published_from(laos)
    pub["overall_pct"] = published
    found = reconcile(pub, laos)
    assert found["field"].tolist() == (["overall_pct"] if flagged else [])
    if flagged:
        assert found["difference"].iloc[0] == pytest.approx(published - true)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), pcts=percentages)
def test_planted_differences_are_found_exactly(data, pcts):
    laos = scored(pcts)
    pub = published_from(laos)
    fields = [*PCT, "passed", "band"]
    planted = data.draw(st.sets(st.tuples(st.integers(0, len(laos) - 1), st.sampled_from(fields)),
                                max_size=8))
    for row, field in planted:
        if field == "passed":
            pub.loc[row, field] = not pub.loc[row, field]
        elif field == "band":
            pub.loc[row, field] = data.draw(st.sampled_from(
                [b for b in BANDS if b != laos.loc[row, "band"]]))
        else:  # a typo of at least 0.011: beyond tolerance whatever way the rounding went
            pub.loc[row, field] += data.draw(st.sampled_from([-1, 1])) * data.draw(
                st.floats(0.011, 40))
    found = reconcile(pub, laos)
    codes = laos["lao_code"]
    assert set(zip(found["lao_code"], found["field"])) == {(codes[r], f) for r, f in planted}
    assert len(found) == len(planted)
    for r in found[found["field"].isin(PCT)].itertuples():
        at = codes[codes == r.lao_code].index[0]
        assert r.difference == pytest.approx(pub.loc[at, r.field] - laos.loc[at, r.field])
        assert float(r.published) == pub.loc[at, r.field]
        assert float(r.recomputed) == laos.loc[at, r.field]  # written in full, round-trip


def test_labels_show_both_values_and_no_difference():
    laos = scored([[75] * 5, [95] * 5])
    pub = published_from(laos)
    pub.loc[0, ["passed", "band"]] = [False, "very_good"]
    found = reconcile(pub, laos)
    assert found[["lao_code", "field", "published", "recomputed"]].values.tolist() == [
        ["6500101", "passed", "False", "True"], ["6500101", "band", "very_good", "good"]]
    assert found["difference"].isna().all()


def test_laos_on_one_side_only_are_reported():
    laos = scored([[75] * 5, [85] * 5, [95] * 5])
    pub = published_from(laos).iloc[[0, 2]]
    pub = pd.concat([pub, pub.iloc[[0]].assign(lao_code="6999999")], ignore_index=True)
    found = reconcile(pub, laos)
    assert list(found.columns) == RECONCILIATION_COLUMNS
    rows = found.astype(object).where(found.notna(), None)
    assert rows[["lao_code", "field", "published", "recomputed"]].values.tolist() == [
        ["6500102", "lao_code", None, "6500102"],  # scored, not published
        ["6999999", "lao_code", "6999999", None],  # published, not scored
    ]


def test_a_figure_missing_on_one_side_is_a_difference_and_on_both_is_not():
    laos = scored([[75] * 5, [85] * 5])
    laos.loc[:, "d5_pct"] = np.nan  # e.g. nothing in dimension 5 applies
    pub = published_from(laos)
    pub.loc[1, "d5_pct"] = 85.0
    pub.loc[0, "d1_pct"] = np.nan
    found = reconcile(pub, laos)
    assert list(zip(found["lao_code"], found["field"])) == [("6500101", "d1_pct"),
                                                            ("6500102", "d5_pct")]
    assert found["difference"].isna().all()


@settings(max_examples=30, deadline=None)
@given(pcts=percentages, seed=st.integers(0, 2**32 - 1))
def test_order_of_input_rows_does_not_matter(pcts, seed):
    laos = scored(pcts)
    pub = published_from(laos)
    pub[PCT] += 0.5  # every figure differs
    pub["band"] = "below"
    rng = np.random.default_rng(seed)
    expected = reconcile(pub, laos)
    shuffled = reconcile(pub.sample(frac=1, random_state=rng),
                         laos.sample(frac=1, random_state=rng))
    pd.testing.assert_frame_equal(shuffled, expected)
    field_order = ["lao_code", *PCT, "passed", "band"]
    keys = list(zip(expected["lao_code"], expected["field"].map(field_order.index)))
    assert keys == sorted(keys)


def test_result_writes_to_parquet_and_reads_back(tmp_path):
    laos = scored([[75] * 5, [85] * 5])
    pub = published_from(laos)
    pub.loc[0, ["d2_pct", "passed", "band"]] = [60.0, False, "below"]
    pub.loc[1, "lao_code"] = "6999999"
    found = reconcile(pub, laos)
    found.to_parquet(tmp_path / "reconciliation.parquet", index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "reconciliation.parquet"), found)


def test_an_lao_published_twice_is_an_input_error():
    laos = scored([[75] * 5])
    pub = published_from(laos)
    with pytest.raises(InputError, match="6500101"):
        reconcile(pd.concat([pub, pub]), laos)


def test_demo_data_yields_exactly_the_planted_transcription_errors(tmp_path):
    """Read with the project's readers, rescored, reconciled: truth.json's errors, nothing else."""
    import json

    from lpa_analysis import demo, readers
    from lpa_analysis.scoring import score_laos

    folder = demo.generate(tmp_path / "demo", years=[2566], provinces=["54", "30", "90"])
    year = readers.load_year(folder, 2566)
    laos = score_laos(year.scores.frame, year.registry.frame, year.framework).laos
    found = reconcile(year.published.frame, laos)
    planted = json.loads((folder / "truth.json").read_text(encoding="utf-8"))[
        "years"]["2566"]["transcription_errors"]
    assert planted
    assert sorted(zip(found["lao_code"], found["field"], found["published"].astype(float))) == \
        sorted((e["lao_code"], e["field"], e["published"]) for e in planted)
    true = {(e["lao_code"], e["field"]): e["true"] for e in planted}
    for r in found.itertuples():
        assert abs(float(r.recomputed) - true[r.lao_code, r.field]) <= 0.005 + 1e-9
