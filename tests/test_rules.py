"""One rules table: `lpa check` and the build's quality gate report the same problem on the same
row with the same rule id, severity and message (rules.py), on a corpus of bad input files."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from lpa_analysis import quality, readers, rules
from lpa_analysis.check import check_file
from lpa_analysis.package_data import bundled_framework

YEAR = 2566
TABLES = ("registry", "scores", "published")
# Real indicators of the bundled 2566 framework: graded 0–5, levels 0/3/5, pass/fail 0/5,
# อบจ. only, เทศบาลตำบล and อบต. only.
INDICATORS = ("D1.01", "D1.03", "D1.06", "D3.40", "D4.58")
APPLIES = {"D3.40": {"pao"}, "D4.58": {"subdistrict_municipality", "sao"}}
TYPE_OF = {"อบจ.": "pao", "เทศบาลเมือง": "town_municipality",
           "เทศบาลตำบล": "subdistrict_municipality", "อบต.": "sao"}

# LAOs of แพร่ (DOPA 54) as the DLA registry lists them, each row with its defect (if any).
REGISTRY = pd.DataFrame([
    ["แพร่", "เมืองแพร่", "2540101", "อบจ.", "แพร่", "18.14", "100.14"],
    ["แพร่", "เมืองแพร่", "4540101", "เทศบาลเมือง", "แพร่", "18.14", "100.15"],
    ["แพร่", "ร้องกวาง", "5540103", "เทศบาลตำบล", "ร้องกวาง", "18.33", "100.32"],
    ["แพร่", "สูงเม่น", "6540803", "อบต.", "สูงเม่น", "5.3", "100.08"],  # only the gate's box
    ["แพร่", "สูงเม่น", "6540804", "อบต.", "น้ำชำ", "18.05", "120.0"],  # the reader's box too
    ["แพร่", "เด่นชัย", "5540805", "อบต.", "ห้วยไร่", "17.98", "100.05"],  # type digit
    ["แพร่", "ลอง", "6550806", "อบต.", "บ้านปิน", "17.95", "99.95"],  # province digits
    ["แพร่", "วังชิ้น", "6540807", "เทศบาลหมู่บ้าน", "แม่ป้าก", "", ""],  # unknown type
], columns=["จังหวัด", "อำเภอ", "รหัส อปท.", "ประเภท อปท.", "อปท.", "LAT", "LONG"])
REGISTRY_DEFECTS = {3: "outside_thailand", 4: "outside_thailand", 5: "code_type_digit",
                    6: "code_province_digits", 7: "unknown_type"}  # index → rule

SCORES_HEADER = ["รหัส อปท.", "ตัวชี้วัด", "คะแนนประเมินตนเอง", "คะแนนทีมประเมิน",
                 "ไม่เกี่ยวข้อง", "ทีมประเมิน"]
CODE, IND, SELF, VERIFIED, NA = SCORES_HEADER[:5]
# (LAO, indicator) → cells set and the rule that must fire on that row.
SCORE_DEFECTS = [
    ("6540803", "D1.03", {SELF: "4"}, "points_in_levels"),
    ("6540804", "D1.03", {VERIFIED: "1"}, "points_in_levels"),
    ("5540103", "D1.01", {SELF: ""}, "self_present"),
    ("5540103", "D1.03", {VERIFIED: ""}, "verified_present"),
    ("4540101", "D1.01", {SELF: "5", VERIFIED: "0"}, "self_verified_gap"),
    ("2540101", "D1.01", {NA: "ใช่", SELF: "", VERIFIED: ""}, "not_applicable_allowed"),
    ("2540101", "D4.58", {NA: "", SELF: "3", VERIFIED: "3"}, "inapplicable_scored"),
    ("6540803", "D3.40", {SELF: "5", VERIFIED: "5"}, "points_on_not_applicable"),
    ("6540804", "D1.01", {SELF: "3,o"}, "bad_number"),
    ("6540804", "D1.06", {CODE: ""}, "missing_code"),
    ("6540803", "D1.06", {IND: ""}, "missing_value"),
    ("5540103", "D1.06", {IND: "D9.99"}, "indicator_known"),
]

PUBLISHED_HEADER = ["รหัส อปท.", *(f"ด้านที่ {d}" for d in range(1, 6)), "คะแนนรวม", "ผ่าน",
                    "ระดับ"]
PUBLISHED = [  # row, rule (None: clean)
    (["2540101", "80.00", "82.00", "78.00", "85.00", "75.00", "80.00", "ผ่าน", "ดีมาก"], None),
    (["4540101", "92.00", "93.00", "91.00", "90.00", "94.00", "92.00", "ผ่าน", "platinum"],
     "unknown_band"),
    (["5540103", "70.00", "72.00", "104.2", "71.00", "70.00", "73.00", "ผ่าน", "ดี"],
     "pct_range"),
    (["6540803", "75.00", "75.00", "75.00", "75.00", "75.00", "75.00", "ไม่ผ่าน", "ดี"],
     "passed_mismatch"),
    (["6540804", "65.00", "66.00", "64.00", "65.00", "65.00", "65.00", "ไม่ผ่าน", "ดี"],
     "band_mismatch"),
    (["6549998", "81.00", "80.00", "82.00", "80.00", "82.00", "81.00", "ผ่าน", "ดีมาก"],
     "lao_in_registry"),
    (["2540101", "80.00", "82.00", "78.00", "85.00", "75.00", "80.00", "ผ่าน", "ดีมาก"],
     "lao_code_unique"),
]


def _row(index: int) -> int:
    return index + 2  # header = row 1


def _scores() -> tuple[pd.DataFrame, set[tuple[str, int]]]:
    """Every LAO × indicator, agreed full points, N/A where the indicator does not apply;
    then one defect per row. Returns the sheet and the (rule, row) of each defect."""
    rows = []
    for code, lao_type in zip(REGISTRY["รหัส อปท."], REGISTRY["ประเภท อปท."]):
        for ind in INDICATORS:
            applies = ind not in APPLIES or TYPE_OF.get(lao_type) in APPLIES[ind]
            rows.append([code, ind, *(["5", "5", ""] if applies else ["", "", "ใช่"]),
                         "54-T1"])
    sheet = pd.DataFrame(rows, columns=SCORES_HEADER)
    planted = set()
    for code, ind, cells, rule in SCORE_DEFECTS:
        i = sheet.index[sheet[CODE].eq(code) & sheet[IND].eq(ind)][0]
        for column, value in cells.items():
            sheet.loc[i, column] = value
        planted.add((rule, _row(i)))
    again = sheet[sheet[CODE].eq("4540101") & sheet[IND].eq("D1.03")].iloc[0].tolist()
    extra = pd.DataFrame([["6549999", "D1.01", "5", "5", "", "54-T1"], again],
                         columns=SCORES_HEADER)
    sheet = pd.concat([sheet, extra], ignore_index=True)
    planted |= {("lao_in_registry", _row(len(sheet) - 2)),
                ("lao_indicator_unique", _row(len(sheet) - 1))}
    # The LAO whose registry row is quarantined (unknown type) is unknown to the scores too.
    quarantined = sheet.index[sheet[CODE].eq("6540807")]
    planted |= {("lao_in_registry", _row(i)) for i in quarantined}
    return sheet, planted


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A data folder of bad files and the (table, rule, row) of every planted defect."""
    folder = tmp_path_factory.mktemp("rules") / "data"
    (folder / "frameworks").mkdir(parents=True)
    shutil.copy(bundled_framework(YEAR), folder / "frameworks" / f"lpa-{YEAR}.yml")
    for kind in ("scores", "published"):
        (folder / kind).mkdir()
    REGISTRY.to_csv(folder / "registry.csv", index=False)
    scores, planted_scores = _scores()
    scores.to_csv(folder / "scores" / f"{YEAR}.csv", index=False)
    pd.DataFrame([r for r, _ in PUBLISHED], columns=PUBLISHED_HEADER).to_csv(
        folder / "published" / f"{YEAR}.csv", index=False)
    planted = {("registry", rule, _row(i)) for i, rule in REGISTRY_DEFECTS.items()}
    planted |= {("scores", rule, row) for rule, row in planted_scores}
    planted |= {("published", rule, _row(i)) for i, (_, rule) in enumerate(PUBLISHED) if rule}
    return folder, planted


@pytest.fixture(scope="module")
def checked(corpus) -> dict[str, set[tuple]]:
    """`lpa check` of each file: (rule, severity, row, message) of every problem."""
    folder, _ = corpus
    paths = {"registry": folder / "registry.csv",
             **{t: folder / t / f"{YEAR}.csv" for t in ("scores", "published")}}
    return {t: {(p.check, p.severity, p.row, p.message)
                for p in check_file(path, t, data_dir=folder, year=YEAR).problems}
            for t, path in paths.items()}


@pytest.fixture(scope="module")
def gated(corpus) -> dict[str, set[tuple]]:
    """The build's gate on the same files, as build_year runs it: the same tuples."""
    folder, _ = corpus
    data = readers.load_year(folder, YEAR)
    loaded = {"registry": data.registry, "scores": data.scores, "published": data.published}
    gate = quality.run_gate(data.registry.frame, data.scores.frame, data.framework,
                            data.published.frame,
                            extra_errors={t: list(x.problems) for t, x in loaded.items()})
    f = gate.findings
    return {t: {(r.check, r.severity, None if pd.isna(r.source_row) else int(r.source_row),
                 r.message) for r in f[f["table"] == t].itertuples()} for t in TABLES}


def _run_by_both(found: set[tuple]) -> set[tuple]:
    """Findings of rules both tools run (an id not in the table counts: it must not exist)."""
    return {x for x in found
            if x[0] not in rules.RULES or set(rules.RULES[x[0]].runs_in) == {"check", "gate"}}


@pytest.mark.parametrize("table", TABLES)
def test_check_and_gate_report_the_same_rule_severity_row_and_message(checked, gated, table):
    check, gate = _run_by_both(checked[table]), _run_by_both(gated[table])
    assert {x[:3] for x in check} == {x[:3] for x in gate}
    assert check == gate  # the same message too


def test_every_planted_defect_is_reported_by_each_tool_that_runs_its_rule(corpus, checked,
                                                                          gated):
    _, planted = corpus
    for tool, found in (("check", checked), ("gate", gated)):
        at = {(t, rule, row) for t, hits in found.items() for rule, _, row, _ in hits}
        missed = {p for p in planted if tool in rules.RULES[p[1]].runs_in} - at
        assert not missed, f"{tool} missed {sorted(missed)}"


def test_every_reported_id_is_a_rule_with_its_severity(checked, gated):
    for found in (*checked.values(), *gated.values()):
        for rule_id, severity, row, _ in found:
            assert rule_id in rules.RULES, rule_id
            assert severity == rules.RULES[rule_id].severity, (rule_id, row)


def test_the_committed_suites_state_gate_rules_with_their_severity():
    suites = sorted(quality.EXPECTATIONS_DIR.glob("*.json"))
    assert suites
    for path in suites:
        for exp in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            rule = rules.RULES[exp["meta"]["check"]]
            assert "gate" in rule.runs_in and rule.message is not None, rule.id
            assert quality.SEVERITY[exp["severity"]] == rule.severity, rule.id


def test_a_rule_only_one_tool_runs_says_why():
    for rule in rules.RULES.values():
        assert set(rule.runs_in) <= {"check", "gate"} and rule.runs_in, rule.id
        assert bool(rule.why) == (len(rule.runs_in) == 1), rule.id
        assert rule.message is not None or rule.reader, rule.id
