"""Small real-shaped inputs for the reader and `lpa check` tests (synthetic, not DLA data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

YEAR = 2566

# A framework with the features that matter to the checks: full and partial point levels,
# a type-specific indicator, a pilot indicator; overall = mean of dimension % (as in some
# published sheets).
FRAMEWORK = {
    "year": YEAR,
    "overall_method": "mean_of_dimensions",
    "pass_threshold": 70,
    "bands": [
        {"id": "excellent", "name_th": "ดีเด่น", "name_en": "Excellent", "min_pct": 90},
        {"id": "very_good", "name_th": "ดีมาก", "name_en": "Very good", "min_pct": 80},
        {"id": "good", "name_th": "ดี", "name_en": "Good", "min_pct": 70},
        {"id": "below", "name_th": "ต่ำกว่าเกณฑ์", "name_en": "Below threshold", "min_pct": 0},
    ],
    "dimensions": [
        {"id": 1, "name_th": "การบริหารจัดการ", "name_en": "Management"},
        {"id": 2, "name_th": "การบริหารงานบุคคลและกิจการสภา", "name_en": "Personnel and council"},
        {"id": 3, "name_th": "การบริหารงานการเงินและการคลัง", "name_en": "Finance and fiscal"},
        {"id": 4, "name_th": "การบริการสาธารณะ", "name_en": "Public services"},
        {"id": 5, "name_th": "ธรรมาภิบาล", "name_en": "Good governance"},
    ],
    "indicators": [
        {"id": "1.01", "dimension": 1, "name_th": "แผนพัฒนาท้องถิ่น", "name_en": "Local plan",
         "max_points": 5, "levels": [0, 5]},
        {"id": "1.02", "dimension": 1, "name_th": "การจัดทำข้อบัญญัติงบประมาณ",
         "name_en": "Budget ordinance", "max_points": 5, "levels": [0, 1, 3, 5]},
        {"id": "1.99", "dimension": 1, "name_th": "ตัวชี้วัดนำร่อง", "name_en": "Pilot",
         "max_points": 5, "levels": [0, 5], "pilot": True},
        {"id": "2.01", "dimension": 2, "name_th": "การประชุมสภา", "name_en": "Council meetings",
         "max_points": 5, "levels": [0, 5]},
        {"id": "3.01", "dimension": 3, "name_th": "การจัดเก็บรายได้", "name_en": "Revenue",
         "max_points": 5, "levels": [0, 2.5, 5]},
        {"id": "4.01", "dimension": 4, "name_th": "การจัดการขยะ", "name_en": "Waste",
         "max_points": 5, "levels": [0, 5], "applies_to": ["city_municipality",
                                                            "town_municipality"]},
        {"id": "4.02", "dimension": 4, "name_th": "ถนน", "name_en": "Roads",
         "max_points": 5, "levels": [0, 5]},
        {"id": "5.01", "dimension": 5, "name_th": "การเปิดเผยข้อมูล", "name_en": "Disclosure",
         "max_points": 5, "levels": [0, 5]},
    ],
}

# Synthetic LAOs of เชียงใหม่ (DOPA 50) with DLA-shaped codes, one of each type.
REGISTRY = pd.DataFrame({
    "จังหวัด": ["เชียงใหม่"] * 5,
    "อำเภอ": ["เมืองเชียงใหม่", "เมืองเชียงใหม่", "แม่ริม", "สันทราย", "สันทราย"],
    "รหัส อปท.": ["2500101", "3500101", "4500301", "5500601", "6500602"],
    "ประเภท อปท.": ["อบจ.", "เทศบาลนคร", "เทศบาลเมือง", "เทศบาลตำบล", "อบต."],
    "อปท.": ["เชียงใหม่", "เชียงใหม่", "แม่โจ้", "สันทรายหลวง", "หนองแหย่ง"],
    "ขนาดพื้นที่": ["20107", "40.2", "", "12.5", "30"],
    "LAT": ["18.79", "18.79", "18.90", "", "18.88"],
    "LONG": ["98.98", "98.99", "98.94", "", "99.05"],
})
TYPE_OF = dict(zip(REGISTRY["รหัส อปท."], ["pao", "city_municipality", "town_municipality",
                                            "subdistrict_municipality", "sao"]))

SCORES_HEADER = ["รหัส อปท.", "ตัวชี้วัด", "คะแนนประเมินตนเอง", "คะแนนทีมประเมิน",
                 "ไม่เกี่ยวข้อง", "ทีมประเมิน"]


def write_framework(path: Path, framework: dict = FRAMEWORK) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(framework, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def write_registry(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    REGISTRY.to_csv(path, index=False)
    return path


def clean_scores(seed: int = 7) -> pd.DataFrame:
    """Every LAO × indicator, N/A exactly where the indicator does not apply to its type."""
    rng = np.random.default_rng(seed)
    rows = []
    for code, lao_type in TYPE_OF.items():
        for ind in FRAMEWORK["indicators"]:
            applies = ind.get("applies_to", "all") == "all" or lao_type in ind["applies_to"]
            self_pts = rng.choice(ind["levels"]) if applies else ""
            verified = rng.choice([v for v in ind["levels"] if v <= self_pts]) if applies else ""
            rows.append([code, ind["id"], self_pts, verified, "" if applies else "ใช่",
                         "ทีม 1"])
    return pd.DataFrame(rows, columns=SCORES_HEADER)


def clean_published() -> pd.DataFrame:
    dims = [[80, 90, 70, 85, 75], [95, 92, 91, 90, 97], [60, 65, 70, 62, 58],
            [72, 70, 71, 73, 74], [88, 79, 81, 90, 85]]
    frame = pd.DataFrame(dims, columns=[f"ด้านที่ {d}" for d in range(1, 6)])
    overall = frame.mean(axis=1).round(2)
    frame.insert(0, "รหัส อปท.", list(TYPE_OF))
    frame["คะแนนรวม"] = overall
    frame["ผ่าน"] = np.where(overall >= 70, "ผ่าน", "ไม่ผ่าน")
    frame["ระดับ"] = ["ดีมาก", "ดีเด่น", "ต่ำกว่าเกณฑ์", "ดี", "ดีมาก"]
    return frame
