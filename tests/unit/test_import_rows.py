"""Catalogue import rows: every row accepted, flagged or rejected with its reasons."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from services.catalogue.domain.import_rows import (
    ACCEPTED,
    DEFAULT_MAPPING,
    FLAGGED,
    REJECTED,
    ColumnMapping,
    ImportReport,
    SourceRow,
    item_type_of,
    load_rows,
    parse_rows,
)
from services.shared.errors import InvalidArgument

CATALOGUE = Path("/work/shared/data/catalogues/guang_an_511602.csv")
HEADER = ["department", "group", "name", "item_code", "area_code", "task_type", "dept_code"]

CREDIT = "115113016823646795"
CODE = f"511A0064100152-511602000000-000-{CREDIT}-1-00"


def row(**changes: str) -> dict[str, str]:
    base = {"department": "区行政审批局", "group": "未分类", "name": "建筑工程施工许可证核发",
            "item_code": CODE, "area_code": "511602000000", "task_type": "1",
            "dept_code": "68236467-9"}
    base.update(changes)
    return base


def parse(*rows: dict[str, str], region: str = "511602", **kwargs: object) -> ImportReport:
    return parse_rows(list(rows), importing_region=region, **kwargs)  # type: ignore[arg-type]


def only(report: ImportReport):  # noqa: ANN201
    assert len(report.outcomes) == 1
    return report.outcomes[0]


# --- single rows -----------------------------------------------------------------------------


def test_a_good_row_is_accepted_with_all_its_fields() -> None:
    outcome = only(parse(row()))
    assert (outcome.line, outcome.outcome, outcome.reasons) == (2, ACCEPTED, [])
    item = outcome.item
    assert item is not None
    assert item.name == "建筑工程施工许可证核发"
    assert item.code == CODE
    assert item.item_type == "01" and item.item_type_name == "行政许可"
    assert item.region == "511602"
    assert item.department == "区行政审批局"
    assert item.group is None
    assert item.dept_code == "68236467-9"
    assert (item.body_code, item.body_code_kind) == (CREDIT, "credit")
    assert (item.basic_code, item.region12) == ("511A0064100152", "511602000000")


def test_group_other_than_unclassified_is_the_parent_item() -> None:
    item = only(parse(row(group=" 危险废物经营许可 "))).item
    assert item is not None and item.group == "危险废物经营许可"


@pytest.mark.parametrize(("value", "expected"), [
    ("1", "01"), ("01", "01"), (" 7 ", "07"), ("9", "09"), ("10", "10"), ("20", "20"),
    ("1.0", "01"), (1, "01"), (20, "20"),
    ("0", None), ("00", None), ("11", None), ("19", None), ("21", None), ("020", None),
    ("x", None), ("", None), (None, None), ("-1", None), ("１", None),
])
def test_item_type_of(value: object, expected: str | None) -> None:
    assert item_type_of(value) == expected


@pytest.mark.parametrize(("changes", "words"), [
    ({"name": "  "}, "name (name) is empty"),
    ({"name": "许" * 201}, "at most 200"),
    ({"department": ""}, "department (department) is empty"),
    ({"task_type": "11"}, "item type (task_type) '11' is not a national item type"),
    ({"task_type": ""}, "item type (task_type) '' is not"),
    ({"item_code": ""}, "implementation code (item_code) is empty"),
    ({"item_code": "E-000004-001-11511301008778386B"}, "4 segments"),
    ({"item_code": CODE.replace(CREDIT, "1151130108778239R")}, "17 characters"),
    ({"item_code": CODE.replace(CREDIT, CREDIT[:-1] + "4")}, "expected '5'"),
    ({"area_code": "511699000000", "item_code": CODE.replace("511602000000", "511699000000")},
     "region 511699 is not in the division codes"),
    ({"area_code": "511603000000", "item_code": CODE.replace("511602000000", "511603000000")},
     "region 511603 四川省广安市前锋区 lies outside the importing region 511602 "
     "四川省广安市广安区"),
    ({"area_code": "", "item_code": "E-000004-001-11511301008778386B"}, "no region"),
    ({"area_code": "51A6", "item_code": "E-000004-001-11511301008778386B"},
     "area code (area_code) '51A6' is not a 6- or 12-digit region code"),
])
def test_unusable_rows_are_rejected_with_a_reason(changes: dict[str, str], words: str) -> None:
    outcome = only(parse(row(**changes)))
    assert outcome.outcome == REJECTED
    assert outcome.item is None
    assert any(words in r for r in outcome.reasons), outcome.reasons


def test_all_reasons_of_a_rejected_row_are_given() -> None:
    outcome = only(parse(row(name="", task_type="99", item_code="nonsense")))
    assert outcome.outcome == REJECTED
    assert len(outcome.reasons) == 3
    assert outcome.name == ""


@pytest.mark.parametrize(("changes", "words"), [
    ({"item_code": "512C0107400001-511602000000-000-00877868-5-1-00"},
     "old 9-character organisation code"),
    ({"item_code": "512C0107400001-511602000000-000-008778685-1-00"},
     "old 9-character organisation code"),
    ({"item_code": CODE.replace("511602000000", "511600000000")},
     "region part 511600000000 of the code is not the area code 511602000000"),
    ({"item_code": CODE.lower()}, "lower-case"),
    ({"area_code": "5116020000"}, "is not a 6- or 12-digit region code; the code's region part"),
    ({"item_code": CODE.replace("511602000000", "519999000000")},
     "the code's region part 519999000000 is not a known region"),
])
def test_doubtful_rows_are_flagged_and_kept(changes: dict[str, str], words: str) -> None:
    outcome = only(parse(row(**changes)))
    assert outcome.outcome == FLAGGED
    assert outcome.item is not None
    assert outcome.item.region == "511602"
    assert any(words in r for r in outcome.reasons), outcome.reasons


def test_area_code_gives_the_region_when_the_code_points_elsewhere() -> None:
    # real row 119 pattern: a province-level region part in a district catalogue
    outcome = only(parse(row(item_code=CODE.replace("511602000000", "510000000000"))))
    assert outcome.outcome == FLAGGED and outcome.item is not None
    assert outcome.item.region == "511602" and outcome.item.region12 == "510000000000"


def test_without_area_code_the_code_region_is_used() -> None:
    item = only(parse(row(area_code=""))).item
    assert item is not None and item.region == "511602"
    item = only(parse(row(area_code="", item_code=CODE.replace("511602000000", "511603000000")),
                      region="511600")).item
    assert item is not None and item.region == "511603"


def test_importing_for_a_province_or_city_accepts_its_counties() -> None:
    for scope in ("51", "510000", "5116", "511600"):
        assert only(parse(row(), region=scope)).outcome == ACCEPTED


def test_unknown_importing_region_is_an_error_for_the_whole_file() -> None:
    with pytest.raises(InvalidArgument, match="511699 is not a known region"):
        parse(row(), region="511699")
    with pytest.raises(InvalidArgument, match="not a region code"):
        parse(row(), region="5116x")


# --- duplicates -------------------------------------------------------------------------------


def test_duplicate_code_is_flagged_on_the_second_occurrence_and_kept() -> None:
    report = parse(row(), row(name="其他名称"), row(item_code=CODE.replace("00152", "00153")),
                   row(name="第三次"))
    assert [o.outcome for o in report.outcomes] == [ACCEPTED, FLAGGED, ACCEPTED, FLAGGED]
    assert report.outcomes[1].reasons == ["duplicate implementation code: same code as line 2"]
    assert report.outcomes[3].reasons == ["duplicate implementation code: same code as line 2"]
    assert len(report.items) == 4


def test_duplicates_are_found_through_spelling_differences() -> None:
    report = parse(row(item_code="512C0107400001-511602000000-000-00877868-5-1-00"),
                   row(item_code=" 512c0107400001-511602000000-000-008778685-1-00 "))
    assert any("same code as line 2" in r for r in report.outcomes[1].reasons)


def test_duplicate_of_a_rejected_row_still_names_it() -> None:
    report = parse(row(name=""), row())
    assert [o.outcome for o in report.outcomes] == [REJECTED, FLAGGED]
    assert "line 2" in report.outcomes[1].reasons[0]


# --- report -----------------------------------------------------------------------------------


def test_report_counts_and_summary() -> None:
    other = CODE.replace("00152", "00153").replace("511602000000", "511600000000")
    report = parse(row(), row(name=""), row(item_code=other))
    assert report.counts() == {ACCEPTED: 1, FLAGGED: 1, REJECTED: 1, "total": 3}
    assert [o.line for o in report.accepted] == [2]
    assert [o.line for o in report.rejected] == [3]
    assert [o.line for o in report.flagged] == [4]
    lines = report.summary_lines()
    assert lines[0] == "3 rows: 1 accepted, 1 flagged, 1 rejected"
    assert lines[1].startswith("line 3 rejected (no name): name (name) is empty")
    assert lines[2].startswith("line 4 flagged 建筑工程施工许可证核发: region part")
    assert len(lines) == 3


def test_source_rows_keep_their_line_numbers() -> None:
    report = parse_rows([SourceRow(7, row()), SourceRow(9, row(name=""))],
                        importing_region="511602")
    assert [o.line for o in report.outcomes] == [7, 9]


def test_missing_columns_are_named() -> None:
    incomplete = {k: v for k, v in row().items() if k not in ("task_type", "group")}
    with pytest.raises(InvalidArgument) as caught:
        parse(incomplete)
    message = str(caught.value)
    assert "group → 'group'" in message and "task_type → 'task_type'" in message
    assert caught.value.code == "MISSING_COLUMNS"


def test_empty_input_gives_an_empty_report() -> None:
    assert parse().counts() == {ACCEPTED: 0, FLAGGED: 0, REJECTED: 0, "total": 0}


# --- column mapping ----------------------------------------------------------------------------


def test_mapping_from_json_with_chinese_columns() -> None:
    mapping = ColumnMapping.from_json(json.dumps({
        "department": "实施主体", "group": "主项", "name": "事项名称", "item_code": "实施编码",
        "area_code": None, "task_type": "事项类型", "dept_code": None}, ensure_ascii=False))
    assert mapping.name == "事项名称" and mapping.area_code is None
    chinese = {"实施主体": "区民政局", "主项": "未分类", "事项名称": "婚姻登记",
               "实施编码": CODE, "事项类型": "20"}
    outcome = only(parse_rows([chinese], importing_region="511602", mapping=mapping))
    assert outcome.outcome == ACCEPTED and outcome.item is not None
    assert outcome.item.item_type == "20" and outcome.item.region == "511602"
    assert outcome.item.dept_code is None
    assert ColumnMapping.from_json(mapping.to_json()) == mapping


def test_mapping_defaults_and_partial_json() -> None:
    assert ColumnMapping.from_json("{}") == DEFAULT_MAPPING
    assert ColumnMapping.from_json({"name": "事项名称"}).item_code == "item_code"
    assert ColumnMapping.from_json(b'{"dept_code": null}').dept_code is None


@pytest.mark.parametrize(("text", "words"), [
    ("not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"title": "x"}', "mapping.title: unknown field"),
    ('{"name": null}', "mapping.name: required, cannot be null"),
    ('{"name": 3}', "expected a column name"),
    ('{"name": "  "}', "expected a column name"),
])
def test_bad_mappings(text: str, words: str) -> None:
    with pytest.raises(InvalidArgument, match="mapping") as caught:
        ColumnMapping.from_json(text)
    assert words in str(caught.value)


# --- files ------------------------------------------------------------------------------------


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_bom_blank_lines_and_a_multiline_cell(tmp_path: Path) -> None:
    text = (",".join(HEADER) + "\r\n"
            + f'区民政局,未分类,婚姻登记,{CODE},511602000000,20,x\r\n'
            + "\r\n"
            + f'区民政局,未分类,"收养\n登记",{CODE.replace("00152", "00153")},511602000000,7,\r\n'
            + f'区民政局,未分类,最后,{CODE.replace("00152", "00154")},511602000000,7\r\n')
    rows = load_rows(write_csv(tmp_path / "a.csv", text, "utf-8-sig"))
    assert [r.line for r in rows] == [2, 4, 6]
    assert list(rows[0].values) == HEADER  # the BOM is not part of the first column name
    assert rows[1].values["name"] == "收养\n登记"
    assert rows[2].values["dept_code"] == ""  # a short row is padded
    assert parse_rows(rows, importing_region="511602").counts()[ACCEPTED] == 3


def test_csv_in_another_encoding(tmp_path: Path) -> None:
    text = ",".join(HEADER) + f"\n区民政局,未分类,婚姻登记,{CODE},511602000000,20,x\n"
    path = write_csv(tmp_path / "gbk.csv", text, "gb18030")
    with pytest.raises(InvalidArgument, match="not utf-8-sig text.*gb18030"):
        load_rows(path)
    assert load_rows(path, encoding="gb18030")[0].values["name"] == "婚姻登记"


@pytest.mark.parametrize(("text", "words"), [
    ("", "is empty"),
    ("\n\n", "is empty"),
    ("name,name\nx,y\n", "repeats column(s) name"),
])
def test_bad_csv_files(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(InvalidArgument, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_rows(write_csv(tmp_path / "bad.csv", text))


def test_unsupported_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="expected a .csv or .xlsx file"):
        load_rows(tmp_path / "catalogue.xls")
    for name in ("missing.csv", "missing.xlsx"):
        with pytest.raises(InvalidArgument, match="does not exist") as caught:
            load_rows(tmp_path / name)
        assert caught.value.code == "FILE_NOT_FOUND"


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "事项"
    sheet.append(HEADER)
    sheet.append(["区民政局", "未分类", "婚姻登记", CODE, 511602000000, 20, None])
    sheet.append([None] * 7)
    sheet.append(["区民政局", "未分类", "收养登记", CODE.replace("00152", "00153"),
                  "511602000000", 7.0, "x"])
    workbook.create_sheet("other").append(["ignored"])
    path = tmp_path / "catalogue.xlsx"
    workbook.save(path)
    rows = load_rows(path)
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].values["area_code"] == "511602000000"
    assert rows[0].values["task_type"] == "20"
    assert rows[0].values["dept_code"] == ""
    assert rows[1].values["task_type"] == "7"
    report = parse_rows(rows, importing_region="511602")
    assert report.counts()[ACCEPTED] == 2
    assert [i.item_type for i in report.items] == ["20", "07"]


def test_broken_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InvalidArgument, match="not a readable XLSX"):
        load_rows(path)


# --- the real Guang'an catalogue --------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> ImportReport:
    if not CATALOGUE.exists():
        pytest.skip(f"{CATALOGUE} not present")
    return parse_rows(load_rows(CATALOGUE), importing_region="511602")


def by_line(report: ImportReport, line: int):  # noqa: ANN201
    return next(o for o in report.outcomes if o.line == line)


def test_real_file_every_row_is_accounted_for(real: ImportReport) -> None:
    counts = real.counts()
    assert counts["total"] == 1135
    assert counts[ACCEPTED] + counts[FLAGGED] + counts[REJECTED] == 1135
    assert counts == {ACCEPTED: 981, FLAGGED: 32, REJECTED: 122, "total": 1135}
    assert [o.line for o in real.outcomes] == list(range(2, 1137))
    assert all(o.reasons for o in real.outcomes if o.outcome != ACCEPTED)
    assert all(o.item is None for o in real.rejected)
    assert len(real.items) == 981 + 32


def test_real_file_why_rows_were_rejected_or_flagged(real: ImportReport) -> None:
    rejected: Counter[str] = Counter()
    for o in real.rejected:
        first = o.reasons[0]
        rejected["17" if "17 characters" in first else
                 "length" if "characters; expected 18" in first else
                 "check" if "check character" in first else
                 "segments" if "segments" in first else first] += 1
    assert rejected == Counter({"17": 91, "length": 21, "check": 7, "segments": 3})
    flagged = Counter("organisation" if "organisation code" in o.reasons[0] else o.reasons[0]
                      for o in real.flagged)
    assert flagged["organisation"] == 31
    assert sum(flagged.values()) == 32
    assert all(o.item and o.item.body_code_kind == "organisation"
               for o in real.flagged if "organisation code" in o.reasons[0])


def test_real_file_known_rows(real: ImportReport) -> None:
    first = by_line(real, 2)
    assert first.outcome == ACCEPTED and first.item is not None
    assert first.name == "企业投资项目备案（技术改造）（市级/县级）"
    assert first.item.item_type == "10" and first.item.department == "区经信局"
    assert first.item.body_code == "11511301008778183N"

    hyphenated_basic = by_line(real, 4).item
    assert hyphenated_basic is not None and hyphenated_basic.basic_code == "G-000007-001"
    assert hyphenated_basic.item_type == "05"

    justice = by_line(real, 71)  # 区司法局, body code 00877868-5 inside the item code
    assert justice.outcome == FLAGGED and justice.item is not None
    assert justice.item.body_code == "008778685"

    lower = by_line(real, 629)
    assert lower.outcome == FLAGGED and lower.item is not None
    assert lower.item.body_code == "11511301452259996U"

    province_region = by_line(real, 119)
    assert province_region.outcome == REJECTED  # body code 8282348 has 7 characters
    assert any("7 characters" in r for r in province_region.reasons)
    assert any("510000000000" in r for r in province_region.reasons)

    no_region = by_line(real, 167)
    assert no_region.outcome == REJECTED and "4 segments" in no_region.reasons[0]

    tobacco = by_line(real, 1128)
    assert tobacco.outcome == REJECTED and "expected '7'" in tobacco.reasons[0]


def test_real_file_kept_items(real: ImportReport) -> None:
    items = real.items
    assert all(i.region == "511602" for i in items)
    assert {i.item_type for i in items} <= {"01", "05", "07", "08", "09", "10", "20"}
    assert Counter(i.item_type for i in items)["01"] == 506
    assert len({i.code for i in items}) == len(items)  # no duplicate codes in this file
    assert sum(1 for i in items if i.group is None) == 534
    assert not any(o.reasons and "duplicate" in o.reasons[0] for o in real.outcomes)
    # same name twice, different codes: both kept
    assert Counter(i.name for i in items)["求职创业补贴申领"] == 2


def test_real_file_into_a_neighbouring_district_is_all_rejected() -> None:
    if not CATALOGUE.exists():
        pytest.skip(f"{CATALOGUE} not present")
    report = parse_rows(load_rows(CATALOGUE), importing_region="511603")
    assert report.counts()[REJECTED] == 1135
    assert all(any("outside the importing region 511603" in r for r in o.reasons)
               for o in report.outcomes)
