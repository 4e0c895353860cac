"""Readers: the real DLA registry, its variants (encodings, formats, layouts, headers), bad
input classes with their file/row/column, scores and published sheets, the data folder."""

from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from io_samples import REGISTRY, SCORES_HEADER, clean_published, clean_scores, write_framework

from lpa_analysis import geo
from lpa_analysis.errors import InputError
from lpa_analysis.readers import find_input, load_year, read_published, read_registry, read_scores
from lpa_analysis.schema import LAO_TYPE_TH, REGISTRY_COLUMNS, SOURCE_ROW, LaoType

CODE, TYPE, NAME, PROV = "รหัส อปท.", "ประเภท อปท.", "อปท.", "จังหวัด"
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@pytest.fixture(scope="module")
def real_raw(real_registry_path) -> pd.DataFrame:
    """The real file as plain strings: the reference the reader is compared with."""
    return pd.read_csv(real_registry_path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def real(real_registry_path):
    return read_registry(real_registry_path)


def _canonical(loaded) -> pd.DataFrame:
    return loaded.frame.drop(columns=SOURCE_ROW).sort_values("lao_code").reset_index(drop=True)


def _write_csv(frame: pd.DataFrame, path, encoding="utf-8"):
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def _by_check(loaded, check: str):
    return [p for p in loaded.problems if p.check == check]


# ----------------------------------------------------------------------------- the real file

def test_real_registry_counts_match_source_md(real):
    f = real.frame
    assert len(f) == 7849 and f["lao_code"].is_unique
    # SOURCE.md: อบต. 5,300 · เทศบาลตำบล 2,247 · เทศบาลเมือง 195 · เทศบาลนคร 30 · อบจ. 76 · พิเศษ 1
    assert f["lao_type"].value_counts().to_dict() == {
        "sao": 5300, "subdistrict_municipality": 2247, "town_municipality": 195, "pao": 76,
        "city_municipality": 30, "special": 1}
    assert f["province_code"].nunique() == 76 and geo.BANGKOK_CODE not in set(f["province_code"])
    assert list(f.columns) == [*REGISTRY_COLUMNS, SOURCE_ROW]
    assert real.errors == []


def test_real_registry_agrees_with_the_file_cell_by_cell(real, real_raw):
    f = real.frame
    assert f["lao_code"].tolist() == real_raw[CODE].tolist()
    assert f["name_th"].tolist() == real_raw[NAME].tolist()  # DLA names carry no prefix
    th_of = {t.value: LAO_TYPE_TH[t] for t in LaoType}
    assert f["lao_type"].map(th_of).tolist() == real_raw[TYPE].tolist()
    assert f["province_th"].tolist() == real_raw[PROV].tolist()
    assert (f["lao_code"].str[1:3] == f["province_code"]).all()  # DLA code digits 2-3
    assert f["lat"].isna().sum() == (real_raw["LAT"] == "").sum()
    pattaya = f[f["lao_type"] == "special"].iloc[0]
    assert (pattaya["name_th"], pattaya["province_en"], pattaya["region"]) == (
        "เมืองพัทยา", "Chon Buri", "east")
    # header = row 1, so the reader's row numbers are the file's line numbers here
    assert f[SOURCE_ROW].tolist() == list(range(2, 7851))


def test_six_prefix_subdistrict_municipalities_are_warnings(real, real_raw):
    expected = real_raw[(real_raw[TYPE] == "เทศบาลตำบล") & real_raw[CODE].str.startswith("6")]
    warned = _by_check(real, "code_type_digit")
    assert len(expected) == 2
    assert sorted(p.lao_code for p in warned) == sorted(expected[CODE])
    assert {p.row for p in warned} == {i + 2 for i in expected.index}
    assert all(p.severity == "warning" and p.column == CODE for p in warned)


# ----------------------------------------------------------------------------- variants

def _variant_encoding(raw, path, encoding):
    return _write_csv(raw, path / f"reg-{encoding}.csv", encoding)


@pytest.mark.parametrize("encoding", ["cp874", "utf-8-sig"])
def test_encodings_are_detected_and_give_the_same_frame(real, real_raw, tmp_path, encoding):
    loaded = read_registry(_variant_encoding(real_raw, tmp_path, encoding))
    assert loaded.encoding == encoding
    pd.testing.assert_frame_equal(_canonical(loaded), _canonical(real))


def test_xlsx_and_parquet_give_the_same_frame(real, real_raw, tmp_path):
    sample = real_raw.iloc[::25]  # Excel round trips are slow: every 25th LAO
    sample.to_excel(tmp_path / "reg.xlsx", index=False)
    # Parquet with real dtypes, as a pandas user would save it
    typed = real_raw.assign(**{c: pd.to_numeric(real_raw[c]) for c in ["ขนาดพื้นที่", "LAT",
                                                                       "LONG"]})
    typed.to_parquet(tmp_path / "reg.parquet")
    xlsx, parquet = read_registry(tmp_path / "reg.xlsx"), read_registry(tmp_path / "reg.parquet")
    assert (xlsx.encoding, parquet.encoding) == ("xlsx", "parquet")
    expected = real.frame[real.frame["lao_code"].isin(sample[CODE])]
    pd.testing.assert_frame_equal(_canonical(xlsx), expected.drop(columns=SOURCE_ROW)
                                  .sort_values("lao_code").reset_index(drop=True))
    assert xlsx.frame[SOURCE_ROW].tolist() == list(range(2, len(sample) + 2))
    pd.testing.assert_frame_equal(_canonical(parquet), _canonical(real))


def _coverage(raw: pd.DataFrame) -> pd.DataFrame:
    """The original DLA layout: one row per (LAO, ตำบล), extra columns, quoted commas/quotes."""
    repeats = raw.index.to_series() % 3 + 1
    rows = raw.loc[raw.index.repeat(repeats)].copy()
    n = rows.groupby(level=0).cumcount() + 1
    rows.insert(2, "ตำบล", "ตำบลที่ " + n.astype(str))
    rows.insert(6, "ที่ตั้งสำนักงานเลขที่", '99/1 ถ.มิตรภาพ, "หน้าตลาด"')
    rows.insert(7, "หมู่ที่", n.astype(str))
    rows.insert(8, "รหัสไปรษณีย์", "50000")
    rows["เว็ปไซต์ของอปท"] = "http://www.example.go.th"
    return rows.reset_index(drop=True)


def test_coverage_layout_collapses_to_one_row_per_lao(real, real_raw, tmp_path):
    path = tmp_path / "coverage.csv"
    _coverage(real_raw).to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    loaded = read_registry(path)
    assert loaded.rows_read == sum(i % 3 + 1 for i in range(len(real_raw)))
    pd.testing.assert_frame_equal(_canonical(loaded), _canonical(real))
    assert loaded.errors == [] and not _by_check(loaded, "duplicate_code")


def test_coverage_layout_conflict_is_an_error_naming_the_code(real_raw, tmp_path):
    rows = _coverage(real_raw.iloc[:40])
    code = rows[CODE].iloc[4]  # row index 4 is the 2nd row of the 3rd LAO (1+2+... layout)
    first, second = rows.index[rows[CODE] == code][:2]
    rows.loc[second, TYPE] = "เทศบาลตำบล"
    rows.loc[second, NAME] = rows.loc[second, NAME] + "ใต้"
    rows.loc[second, PROV] = "ลำพูน"
    path = tmp_path / "coverage.csv"
    rows.to_csv(path, index=False)
    loaded = read_registry(path)
    conflicts = _by_check(loaded, "conflicting_rows")
    assert {p.column for p in conflicts} == {TYPE, NAME, PROV}
    assert any(f"'ลำพูน' (row {second + 2})" in p.message for p in conflicts)
    assert all(p.lao_code == code and code in str(p) and p.row == first + 2 for p in conflicts)
    assert all(f"{second + 2}" in p.message for p in conflicts)
    assert len(loaded.frame) == 40 and first + 2 in loaded.error_rows


def test_shuffled_english_headers_thai_digits_and_whitespace(real, real_raw, tmp_path):
    english = {PROV: "Province", "อำเภอ": "district", CODE: "LAO code", TYPE: "type",
               NAME: "name", "ขนาดพื้นที่": "area_km2", "LAT": "latitude", "LONG": "lon"}
    messy = real_raw.rename(columns=english)
    for col in ["LAO code", "area_km2", "latitude"]:
        messy[col] = messy[col].str.translate(THAI)
    for col in ["name", "type", "Province"]:
        messy[col] = "  " + messy[col] + "\u00a0\t"
    messy["district"] = messy["district"] + "\u200b"
    messy = messy[list(reversed(messy.columns))]
    messy.columns = [f" {c}  " for c in messy.columns]
    loaded = read_registry(_write_csv(messy, tmp_path / "messy.csv"))
    pd.testing.assert_frame_equal(_canonical(loaded), _canonical(real))


def test_title_rows_above_the_header_and_blank_lines_keep_row_numbers(tmp_path):
    path = tmp_path / "titled.csv"
    body = REGISTRY.to_csv(index=False).splitlines()
    path.write_text("\n".join(["ชื่อและที่ตั้งองค์กรปกครองส่วนท้องถิ่น,,,,,,,", "", *body[:3],
                               "", *body[3:]]) + "\n", encoding="utf-8")
    loaded = read_registry(path)
    assert loaded.frame["lao_code"].tolist() == REGISTRY[CODE].tolist()
    assert loaded.frame[SOURCE_ROW].tolist() == [4, 5, 7, 8, 9]


# ----------------------------------------------------------------------------- bad input

BAD_CELLS = [
    # column, bad value, check, words the message must contain
    (CODE, "25001", "bad_code", "7-digit"),
    (CODE, "", "missing_code", "empty"),
    (TYPE, "เทศบาลหมู่บ้าน", "unknown_type", "เทศบาลหมู่บ้าน"),
    (PROV, "เชียงใหม", "unknown_province", "เชียงใหม่"),  # typo: suggests the real name
    (PROV, "กรุงเทพมหานคร", "bangkok", "Bangkok"),
    ("LAT", "18.7x", "bad_number", "18.7x"),
    ("ขนาดพื้นที่", "๑๒.๓.๔", "bad_number", "๑๒.๓.๔"),
    (NAME, "  ", "missing_value", "empty"),
]


@pytest.mark.parametrize(("column", "value", "check", "words"), BAD_CELLS)
def test_bad_registry_cell_is_an_error_at_file_row_column(tmp_path, column, value, check, words):
    bad = REGISTRY.copy()
    bad.loc[2, column] = value
    path = _write_csv(bad, tmp_path / "bad.csv")
    loaded = read_registry(path)
    [problem] = [p for p in loaded.problems if p.severity == "error"]
    assert (problem.check, problem.row, problem.column, problem.file) == (check, 4, column,
                                                                          str(path))
    assert words in problem.message
    assert f"{path}, row 4, column '{column}'" in str(problem)
    assert len(loaded.frame) == len(REGISTRY)  # the row is kept, flagged
    assert loaded.error_rows == {4}


def test_unparseable_number_becomes_nan_and_the_row_stays(tmp_path):
    bad = REGISTRY.copy()
    bad.loc[0, "LAT"] = "สิบแปด"
    loaded = read_registry(_write_csv(bad, tmp_path / "bad.csv"))
    row = loaded.frame.set_index("lao_code").loc["2500101"]
    assert pd.isna(row["lat"]) and row["lon"] == 98.98 and row["name_th"] == "เชียงใหม่"


def test_warnings_do_not_make_rows_unusable(tmp_path):
    odd = pd.concat([REGISTRY, REGISTRY.iloc[[1]]], ignore_index=True)
    odd.loc[0, "LAT"] = "98.98"  # lat/lon swapped
    loaded = read_registry(_write_csv(odd, tmp_path / "odd.csv"))
    assert loaded.errors == []
    assert {(p.check, p.row) for p in loaded.warnings} == {
        ("outside_thailand", 2), ("duplicate_code", 3)}
    assert len(loaded.frame) == 5  # the repeated code is one LAO


@pytest.mark.parametrize(("make", "words"), [
    (lambda p: REGISTRY.drop(columns=[TYPE]).to_csv(p, index=False), "lao_type"),
    (lambda p: REGISTRY.drop(columns=[PROV]).to_csv(p, index=False), "province"),
    (lambda p: REGISTRY.assign(type=REGISTRY[TYPE]).to_csv(p, index=False), "both mean"),
    (lambda p: p.write_bytes("จังหวัด,รหัส\nCafé résumé été,1\n".encode("latin-1", "replace")),
     "cannot decode"),
    (lambda p: p.write_text("", encoding="utf-8"), "empty"),
    (lambda p: p.write_text(REGISTRY.to_csv(index=False) + "ลำพูน,x,1,2,3,4,5,6,7,8\n",
                            encoding="utf-8"), "row 7"),
])
def test_unusable_file_raises_input_error_naming_the_file(tmp_path, make, words):
    path = tmp_path / "registry.csv"
    make(path)
    with pytest.raises(InputError) as err:
        read_registry(path)
    assert str(path) in str(err.value) and words in str(err.value)


@pytest.mark.parametrize("name", ["missing.csv", "registry.ods", "broken.xlsx",
                                  "broken.parquet"])
def test_unreadable_files_raise_input_error(tmp_path, name):
    path = tmp_path / name
    if name != "missing.csv":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=str(path)):
        read_registry(path)


# ----------------------------------------------------------------------------- scores, published

def test_scores_reader_thai_headers_digits_booleans_and_empty_verified(tmp_path):
    rows = [["๒๕๐๐๑๐๑", "๑.๐๑", "๕", "", "ไม่ใช่", " ทีม ๑ "],
            ["2500101", "1.02", "3", "1", "N", ""],
            ["3500101", "4.01", "", "", "ใช่", "ทีม 2"],
            ["3500101", "4.02", "5", "5", "false", "ทีม 2"],
            ["3500101", "5.01", "5", "5", "1", "ทีม 2"],
            ["3500101", "1.01", "five", "5", "maybe", "ทีม 2"]]
    path = _write_csv(pd.DataFrame(rows, columns=SCORES_HEADER), tmp_path / "2566.csv")
    loaded = read_scores(path)
    f = loaded.frame
    assert f["lao_code"].tolist()[:2] == ["2500101", "2500101"]
    assert f["indicator_id"].tolist()[0] == "1.01"
    assert f["self_points"].tolist()[:2] == [5.0, 3.0]
    assert pd.isna(f["verified_points"].iloc[0]) and f["verified_points"].iloc[1] == 1.0
    assert f["not_applicable"].tolist() == [False, False, True, False, True, False]
    assert f["not_applicable"].dtype == bool
    assert f["assessor_team"].iloc[0] == "ทีม ๑" and pd.isna(f["assessor_team"].iloc[1])
    assert {(p.check, p.row, p.column, p.value) for p in loaded.problems} == {
        ("bad_number", 7, "คะแนนประเมินตนเอง", "five"),
        ("bad_boolean", 7, "ไม่เกี่ยวข้อง", "maybe")}
    assert pd.isna(f["self_points"].iloc[5])


def test_typed_parquet_scores_read_exactly_as_their_text(tmp_path):
    """Parquet number and boolean columns skip text parsing; the frame and the problems must
    be those of the same cells stored as text (as a spreadsheet shows them)."""
    points = ["คะแนนประเมินตนเอง", "คะแนนทีมประเมิน"]
    text = clean_scores().astype("str")
    text.loc[0, points[0]] = "10000000000000"  # beyond the ±1e12 bound: an error
    text.loc[1, points[1]] = "inf"
    text.loc[2, points[1]] = "0.30000000000000004"
    typed = text.assign(**{c: pd.to_numeric(text[c], errors="coerce") for c in points},
                        **{"รหัส อปท.": text["รหัส อปท."].astype("float64"),  # 2500101.0
                           "ไม่เกี่ยวข้อง": text["ไม่เกี่ยวข้อง"].eq("ใช่")})
    typed.loc[3, points[1]] = -0.0  # a spreadsheet shows "0"
    text.loc[3, points[1]] = "0"
    text.to_parquet(tmp_path / "text.parquet")
    typed.to_parquet(tmp_path / "typed.parquet")
    as_text = read_scores(tmp_path / "text.parquet")
    as_typed = read_scores(tmp_path / "typed.parquet")
    assert pd.read_parquet(tmp_path / "typed.parquet").dtypes.iloc[:5].tolist() == [
        "float64", "str", "float64", "float64", "bool"]
    pd.testing.assert_frame_equal(as_typed.frame, as_text.frame)
    assert not np.signbit(as_typed.frame["verified_points"]).any()
    assert [replace(p, file=None) for p in as_typed.problems] == [
        replace(p, file=None) for p in as_text.problems]
    assert {(p.check, p.row, p.column, p.value) for p in as_typed.problems} == {
        ("bad_number", 2, points[0], "10000000000000"), ("bad_number", 3, points[1], "inf")}


def test_scores_english_headers_xlsx(tmp_path):
    frame = clean_scores().set_axis(["lao_code", "indicator_id", "self_points",
                                     "verified_points", "not_applicable", "assessor_team"],
                                    axis=1)
    frame.to_excel(tmp_path / "2566.xlsx", index=False)
    loaded = read_scores(tmp_path / "2566.xlsx")
    assert loaded.errors == [] and len(loaded.frame) == len(frame)
    assert loaded.frame["not_applicable"].sum() == (frame["not_applicable"] == "ใช่").sum()


def test_scores_missing_required_column(tmp_path):
    path = _write_csv(clean_scores().drop(columns=["คะแนนทีมประเมิน"]), tmp_path / "s.csv")
    with pytest.raises(InputError, match="verified_points"):
        read_scores(path)


def test_published_reader_band_names_percent_signs_and_pass_words(tmp_path):
    sheet = clean_published()
    sheet["คะแนนรวม"] = sheet["คะแนนรวม"].map(lambda v: f"{v:.2f}%")
    sheet.loc[1, "ระดับ"] = "Excellent"
    sheet.loc[3, "ระดับ"] = "good"
    loaded = read_published(_write_csv(sheet, tmp_path / "2566.csv"))
    f = loaded.frame
    assert loaded.errors == []
    assert f["band"].tolist() == ["very_good", "excellent", "below", "good", "very_good"]
    assert f["passed"].tolist() == [True, True, False, True, True]
    assert f["overall_pct"].iloc[0] == 80.0 and f["d2_pct"].iloc[1] == 92.0


def test_published_bad_cells(tmp_path):
    sheet = clean_published()
    sheet.loc[0, "ระดับ"] = "ดีมากๆ"
    sheet.loc[2, "ด้านที่ 3"] = 170
    sheet.loc[4, "ผ่าน"] = ""
    loaded = read_published(_write_csv(sheet, tmp_path / "2566.csv"))
    assert {(p.check, p.row, p.column) for p in loaded.errors} == {
        ("unknown_band", 2, "ระดับ"), ("pct_range", 4, "ด้านที่ 3"), ("missing_value", 6, "ผ่าน")}
    assert pd.isna(loaded.frame["band"].iloc[0]) and len(loaded.frame) == 5


# ----------------------------------------------------------------------------- data folder

def _data_folder(root):
    _write_csv(REGISTRY, root / "registry.csv")
    write_framework(root / "frameworks" / "lpa-2566.yml")
    (root / "scores").mkdir()
    _write_csv(clean_scores(), root / "scores" / "2566.csv")
    return root


def test_load_year_reads_everything_and_published_is_optional(tmp_path):
    root = _data_folder(tmp_path)
    folder = load_year(root, 2023)  # CE years are accepted
    assert folder.framework.year == 2566 and folder.published is None
    assert len(folder.registry.frame) == 5 and len(folder.scores.frame) == 5 * 8
    (root / "published").mkdir()
    _write_csv(clean_published(), root / "published" / "2566.csv")
    assert len(load_year(root, 2566).published.frame) == 5


def test_find_input_missing_and_ambiguous(tmp_path):
    root = _data_folder(tmp_path)
    assert find_input(root, "scores", 2566) == root / "scores" / "2566.csv"
    with pytest.raises(InputError, match="scores/2565"):
        find_input(root, "scores", 2565)
    REGISTRY.to_excel(root / "registry.xlsx", index=False)
    with pytest.raises(InputError, match="registry.csv, registry.xlsx"):
        find_input(root, "registry")


def test_semicolon_csv_and_xlsx_with_a_title_row(tmp_path):
    REGISTRY.to_csv(tmp_path / "semi.csv", index=False, sep=";")
    semi = read_registry(tmp_path / "semi.csv")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["ทะเบียน อปท. จังหวัดเชียงใหม่"])
    sheet.append([])
    sheet.append(list(REGISTRY.columns))
    for row in REGISTRY.itertuples(index=False):
        sheet.append(list(row))
    book.save(tmp_path / "titled.xlsx")
    titled = read_registry(tmp_path / "titled.xlsx")
    pd.testing.assert_frame_equal(_canonical(semi), _canonical(titled))
    assert titled.frame[SOURCE_ROW].tolist() == [4, 5, 6, 7, 8]
    assert semi.frame["lao_code"].tolist() == REGISTRY[CODE].tolist()


def test_minimal_registry_without_optional_columns(tmp_path):
    minimal = REGISTRY[[CODE, NAME, TYPE]].assign(province_code="๕๐")
    loaded = read_registry(_write_csv(minimal, tmp_path / "minimal.csv"))
    assert loaded.errors == [] and set(loaded.frame["province_th"]) == {"เชียงใหม่"}
    assert loaded.frame[["lat", "lon", "area_km2", "district_th"]].isna().all().all()


def test_type_prefix_is_removed_from_names_and_long_type_names_are_read(tmp_path):
    named = REGISTRY.copy()
    named.loc[3, NAME] = "เทศบาลตำบลสันทรายหลวง"
    named.loc[4, [TYPE, NAME]] = ["องค์การบริหารส่วนตำบล", "องค์การบริหารส่วนตำบลหนองแหย่ง"]
    named.loc[2, [TYPE, NAME]] = ["Town municipality", "แม่โจ้"]
    loaded = read_registry(_write_csv(named, tmp_path / "named.csv"))
    pd.testing.assert_frame_equal(
        loaded.frame, read_registry(_write_csv(REGISTRY, tmp_path / "plain.csv")).frame)
