"""Catalogue import rows: every row accepted, flagged or rejected with its reasons.

Reading files is the CLI's job (``cli/tabular.py``, tested in ``test_cli_catalogue.py``);
here the real Guang'an file is read through it and judged."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from cli.tabular import read_rows
from services.catalogue.domain.import_rows import (
    ACCEPTED,
    DEFAULT_MAPPING,
    FLAGGED,
    REJECTED,
    ColumnMapping,
    ImportReport,
    SourceRow,
    item_type_of,
    parse_rows,
)
from services.shared.codes import check_credit_code
from services.shared.errors import InvalidArgument
from tests.support.data import GUANG_AN

CATALOGUE = GUANG_AN
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
    ("1.0", "01"), (1, "01"), (20, "20"), ("0", "00"), ("00", "00"),
    ("11", None), ("19", None), ("21", None), ("020", None),
    ("x", None), ("", None), (None, None), ("-1", None), ("１", None),
])
def test_item_type_of(value: object, expected: str | None) -> None:
    assert item_type_of(value) == expected


@pytest.mark.parametrize(("changes", "words"), [
    ({"name": "  "}, "name (name) is empty"),
    ({"name": "许" * 201}, "at most 200"),
    ({"department": ""}, "department (department) is empty"),
    ({"department": "局" * 201}, "department has 201 characters; at most 200"),
    ({"task_type": "11"}, "item type (task_type) '11' is not a national item type"),
    ({"task_type": ""}, "item type (task_type) '' is not"),
    ({"item_code": ""}, "implementation code (item_code) is empty"),
    ({"item_code": "  "}, "implementation code (item_code) is empty"),
    ({"item_code": "A" * 129}, "implementation code has 129 characters; at most 128"),
    ({"area_code": "511699000000", "item_code": CODE.replace("511602000000", "511699000000")},
     "region 511699 is not in the division codes"),
    ({"area_code": "511603000000", "item_code": CODE.replace("511602000000", "511603000000")},
     "region 511603 四川省广安市前锋区 lies outside the importing region 511602 "
     "四川省广安市广安区"),
    ({"area_code": "511603000000"}, "region 511603 四川省广安市前锋区 lies outside"),
    ({"area_code": "", "item_code": "E-000004-001-11511301008778386B"},
     "no usable region: the area code (area_code) is empty; the code has no region part"),
    ({"area_code": "51A6", "item_code": "E-000004-001-11511301008778386B"},
     "no usable region: area code (area_code) '51A6' is not a 6- or 12-digit region code"),
    ({"area_code": "", "item_code": CODE.replace("511602000000", "519999000000")},
     "the code's region part 519999 is not in the division codes"),
])
def test_unusable_rows_are_rejected_with_a_reason(changes: dict[str, str], words: str) -> None:
    outcome = only(parse(row(**changes)))
    assert outcome.outcome == REJECTED
    assert outcome.item is None
    assert any(words in r for r in outcome.reasons), outcome.reasons


def test_all_reasons_of_a_rejected_row_are_given() -> None:
    outcome = only(parse(row(name="", task_type="99", item_code="nonsense", area_code="")))
    assert outcome.outcome == REJECTED
    # what makes it unusable first, then the doubts it would also have been flagged for
    assert [r.split(" ")[0] for r in outcome.reasons] == ["name", "item", "no",
                                                          "implementation"]
    assert "no usable region" in outcome.reasons[2]
    assert outcome.name == ""


def test_a_broken_code_keeps_what_can_be_read() -> None:
    outcome = only(parse(row(item_code=CODE.replace(CREDIT, CREDIT[:-1] + "4"))))
    assert outcome.outcome == FLAGGED and outcome.item is not None
    item = outcome.item
    assert item.code == CODE.replace(CREDIT, CREDIT[:-1] + "4")
    assert (item.body_code, item.body_code_kind) == (None, None)
    assert (item.basic_code, item.region12, item.body_nature) == ("511A0064100152",
                                                                  "511602000000", "1")
    assert outcome.reasons[0] == (
        "unified social credit code (统一社会信用代码, GB 32100) '115113016823646794': check "
        "character at position 18 is '4', expected '5'")
    # the row's dept_code is an organisation code no usable credit code contains: unknown
    assert outcome.reasons[1].startswith("department code (dept_code) '68236467-9': "
                                         "'68236467-9' is an organisation code")
    assert outcome.reasons[1].endswith("the department's code is unknown until the "
                                       "department states it")
    assert len(outcome.reasons) == 2 and item.department_code == ""


def test_every_doubt_of_a_row_is_given() -> None:
    code = CODE.replace(CREDIT, "1151130108778239r").replace("511602000000", "511600000000")
    outcome = only(parse(row(item_code=code)))
    assert outcome.outcome == FLAGGED
    assert len(outcome.reasons) == 4, outcome.reasons
    assert "17 characters" in outcome.reasons[0]
    assert "lower-case" in outcome.reasons[1]
    assert "is not the area code" in outcome.reasons[2]
    assert "department's code is unknown" in outcome.reasons[3]


def test_the_region_of_a_code_with_too_few_segments_is_still_found() -> None:
    outcome = only(parse(row(area_code="", item_code="511A0064100152-511603000000-000-X"),
                         region="511600"))
    assert outcome.outcome == FLAGGED and outcome.item is not None
    assert outcome.item.region == "511603"


@pytest.mark.parametrize(("changes", "words"), [
    ({"item_code": "512C0107400001-511602000000-000-00877868-5-1-00"},
     "old 9-character organisation code"),
    ({"item_code": "512C0107400001-511602000000-000-008778685-1-00"},
     "old 9-character organisation code"),
    ({"item_code": CODE.replace("511602000000", "511600000000")},
     "region part 511600000000 of the code is not the area code 511602000000"),
    ({"item_code": CODE.lower()}, "lower-case"),
    ({"area_code": "5116020000"}, "is not a 6- or 12-digit region code; the code's region part"),
    ({"area_code": "519999000000"}, "region 519999 is not in the division codes (2023); the "
                                    "code's region part is used"),
    ({"item_code": CODE.replace("511602000000", "519999000000")},
     "the code's region part 519999000000 is not a known region"),
    # problems inside the code no longer lose the row: it is kept, flagged
    ({"item_code": "E-000004-001-11511301008778386B"}, "4 segments, at least 6 expected"),
    ({"item_code": CODE.replace(CREDIT, "1151130108778239R")},
     "has 17 characters; expected 18 (unified social credit code) or 9 (organisation code) "
     "(one character short of a credit code)"),
    ({"item_code": CODE.replace(CREDIT, CREDIT + "9")}, "has 19 characters"),
    ({"item_code": CODE.replace(CREDIT, CREDIT[:-1] + "4")},
     "check character at position 18 is '4', expected '5'"),
    ({"item_code": CODE.replace(CREDIT, "00877868-4")},
     "check character (position 9) is '4', expected '5'"),
    ({"item_code": CODE.replace("-1-00", "-9-00")}, "body nature"),
    ({"item_code": "nonsense"}, "1 segments, at least 6 expected"),
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
    assert [o.duplicate_of for o in report.outcomes] == [None, 2, None, 2]
    assert len(report.items) == 4  # kept; the importer makes no second item of a duplicate


def test_duplicates_are_found_through_spelling_differences() -> None:
    report = parse(row(item_code="512C0107400001-511602000000-000-00877868-5-1-00"),
                   row(item_code=" 512c0107400001-511602000000-000-008778685-1-00 "))
    assert any("same code as line 2" in r for r in report.outcomes[1].reasons)


def test_duplicate_of_a_rejected_row_still_names_it() -> None:
    report = parse(row(name=""), row())
    assert [o.outcome for o in report.outcomes] == [REJECTED, FLAGGED]
    assert "line 2" in report.outcomes[1].reasons[0]
    assert report.outcomes[1].duplicate_of == 2


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


# --- limits from mapped columns ---------------------------------------------------------------


def test_limits_from_mapped_columns() -> None:
    mapping = ColumnMapping.from_json({"statutory_limit_days": "法定时限",
                                       "promised_limit_days": "承诺时限"})
    report = parse(row(法定时限="20", 承诺时限="5个工作日"), row(法定时限="", 承诺时限="0"),
                   row(item_code=CODE.replace("00152", "00153"), 法定时限="二十", 承诺时限="400"),
                   mapping=mapping)
    first, second, third = report.outcomes
    assert first.outcome == ACCEPTED and first.item is not None
    assert (first.item.statutory_limit_days, first.item.promised_limit_days) == (20, 5)
    assert second.item is not None
    assert (second.item.statutory_limit_days, second.item.promised_limit_days) == (None, 0)
    assert third.outcome == FLAGGED and third.item is not None
    assert (third.item.statutory_limit_days, third.item.promised_limit_days) == (None, None)
    assert third.reasons == [
        "statutory limit (法定时限) '二十' is not a number of working days (0 to 365); the "
        "import default is used",
        "promised limit (承诺时限) '400' is not a number of working days (0 to 365); the "
        "import default is used"]


def test_mapped_limit_columns_must_exist() -> None:
    mapping = ColumnMapping.from_json({"promised_limit_days": "承诺时限"})
    with pytest.raises(InvalidArgument, match="promised_limit_days → '承诺时限'"):
        parse(row(), mapping=mapping)
    assert DEFAULT_MAPPING.statutory_limit_days is None


# --- the real Guang'an catalogue --------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> ImportReport:
    return parse_rows(source_rows(), importing_region="511602")


def source_rows() -> list[SourceRow]:
    return [SourceRow(r.line, r.values) for r in read_rows(CATALOGUE)]


def by_line(report: ImportReport, line: int):  # noqa: ANN201
    return next(o for o in report.outcomes if o.line == line)


def test_real_file_every_row_is_accounted_for(real: ImportReport) -> None:
    counts = real.counts()
    assert counts["total"] == 1135
    assert counts[ACCEPTED] + counts[FLAGGED] + counts[REJECTED] == 1135
    # no row of the real file is unusable: the doubtful ones are kept, flagged
    # 354 rows more than the implementation codes alone would flag: their dept_code cannot
    # name the department (see test_real_file_department_codes)
    assert counts == {ACCEPTED: 627, FLAGGED: 508, REJECTED: 0, "total": 1135}
    assert [o.line for o in real.outcomes] == list(range(2, 1137))
    assert all(o.reasons for o in real.outcomes if o.outcome != ACCEPTED)
    assert not any(o.reasons for o in real.accepted)
    assert len(real.items) == 1135


def test_real_file_why_rows_were_flagged(real: ImportReport) -> None:
    reasons: Counter[str] = Counter()
    for o in real.flagged:
        for r in o.reasons:
            dept = r.startswith("department code")
            reasons["department code: organisation" if dept and "组织机构代码" in r else
                    "department code: differs" if dept and "is not the implementing" in r else
                    "department code: other" if dept else
                    "17" if "17 characters" in r else
                    "length" if "characters; expected 18" in r else
                    "check" if "check character" in r else
                    "segments" if "segments" in r else
                    "organisation" if "old 9-character organisation code" in r else
                    "lower-case" if "lower-case" in r else
                    "region part" if "is not the area code" in r else r] += 1
    assert reasons == Counter({"17": 91, "organisation": 31, "length": 21, "check": 7,
                               "segments": 3, "lower-case": 1, "region part": 1,
                               "department code: other": 294,
                               "department code: organisation": 192,
                               "department code: differs": 17})
    assert Counter(len(o.reasons) for o in real.flagged) == Counter({1: 359, 2: 148, 3: 1})
    assert all(o.item and o.item.body_code_kind == "organisation"
               for o in real.flagged if "old 9-character" in o.reasons[0]
               and not o.reasons[0].startswith("department code"))
    assert all(o.item and o.item.body_code is None
               for o in real.flagged if "old 9-character" not in o.reasons[0]
               and "lower-case" not in o.reasons[0]
               and not o.reasons[0].startswith("department code"))


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

    province_region = by_line(real, 119)  # body code 8282348 has 7 characters
    assert province_region.outcome == FLAGGED and province_region.item is not None
    assert province_region.item.region == "511602"  # the area code, not the code's 510000
    assert province_region.reasons[:2] == [
        "implementing body code '8282348' has 7 characters; expected 18 (unified social "
        "credit code) or 9 (organisation code)",
        "region part 510000000000 of the code is not the area code 511602000000"]
    assert province_region.reasons[2].startswith("department code (dept_code) '00877836X'")
    assert province_region.item.department_code == ""

    no_region = by_line(real, 167)
    assert no_region.outcome == FLAGGED and "4 segments" in no_region.reasons[0]
    assert no_region.item is not None and no_region.item.region == "511602"

    tobacco = by_line(real, 1128)
    assert tobacco.outcome == FLAGGED
    assert "check character at position 18 is '0', expected '7'" in tobacco.reasons[0]


def test_real_file_kept_items(real: ImportReport) -> None:
    items = real.items
    assert all(i.region == "511602" for i in items)
    assert {i.item_type for i in items} <= {"01", "05", "07", "08", "09", "10", "20"}
    assert Counter(i.item_type for i in items) == Counter(
        {"01": 536, "20": 348, "10": 182, "07": 50, "05": 9, "09": 8, "08": 2})
    assert len({i.code for i in items}) == len(items)  # no duplicate codes in this file
    assert not any(o.duplicate_of for o in real.outcomes)
    assert sum(1 for i in items if i.group is None) == 615
    # same name twice, different codes: both kept
    assert Counter(i.name for i in items)["求职创业补贴申领"] == 2


def test_real_file_into_a_neighbouring_district_is_all_rejected() -> None:
    report = parse_rows(source_rows(), importing_region="511603")
    assert report.counts()[REJECTED] == 1135
    assert all(any("outside the importing region 511603" in r for r in o.reasons)
               for o in report.outcomes)


@pytest.mark.parametrize("name", ["=1+1", "+86 热线", "-减免", "@SUM(A1)"])
def test_a_text_a_spreadsheet_would_run_as_a_formula_is_flagged(name: str) -> None:
    outcome = only(parse(row(name=name, group="=主项")))
    assert outcome.outcome == FLAGGED
    assert outcome.item is not None and outcome.item.name == name
    assert outcome.item.group == "=主项"
    assert any(f"name (name) begins with {name[0]!r}" in r for r in outcome.reasons)
    assert any("group (group) begins with '='" in r for r in outcome.reasons)


def test_the_exports_escape_is_recognised_and_dropped() -> None:
    outcome = only(parse(row(name="'=HYPERLINK(\"x\")", department="'@区行政审批局")))
    assert outcome.outcome == FLAGGED
    assert outcome.item is not None
    assert (outcome.item.name, outcome.item.department) == ('=HYPERLINK("x")', "@区行政审批局")
    assert sum("leading quote" in r for r in outcome.reasons) == 2


def test_a_quote_before_ordinary_text_is_kept() -> None:
    outcome = only(parse(row(name="'建筑'工程施工许可证核发")))
    assert outcome.outcome == ACCEPTED
    assert outcome.item is not None and outcome.item.name == "'建筑'工程施工许可证核发"


def test_real_file_department_codes(real: ImportReport) -> None:
    """Each item's department by its credit code: the dept_code cell when it is one, an old
    organisation code replaced by the implementation code's credit code that contains it,
    else the implementation code's (flagged), else unknown (flagged)."""
    first = by_line(real, 2)  # dept_code 11511301008778183N, the code's body too
    assert first.outcome == ACCEPTED and first.item.department_code == "11511301008778183N"
    education = by_line(real, 4)  # dept_code 083372204 inside 115113010833722043
    assert education.outcome == ACCEPTED
    assert education.item.department_code == "115113010833722043"
    tax = by_line(real, next(o.line for o in real.outcomes
                             if o.item and o.item.department == "广安区税务局"))
    assert tax.outcome == FLAGGED  # 008779522 is not inside 11511301MB1549994W
    assert tax.item.department_code == "11511301MB1549994W"
    assert "the implementation code's credit code 11511301MB1549994W is used" in (
        tax.reasons[-1])
    justice = by_line(real, 71)  # 00877868-5, and a 9-character body in the code as well
    assert justice.item.department_code == ""
    known = [o.item.department_code for o in real.outcomes if o.item]
    assert sum(1 for code in known if not code) == 149
    assert all(check_credit_code(code).ok for code in known if code)
    assert all(not o.item.department_code or o.outcome == FLAGGED or
               o.item.department_code == o.item.body_code for o in real.outcomes)


@pytest.mark.parametrize(("dept_code", "code", "flagged"), [
    ("115113016823646795", "115113016823646795", False),   # the credit code itself
    ("68236467-9", "115113016823646795", False),            # its organisation code, inside
    ("682364679", "115113016823646795", False),
    ("115113010833722043", "115113010833722043", True),     # another credit code: used
    ("008779522", "115113016823646795", True),              # not inside: the code's
    ("1151130108778239R", "115113016823646795", True),      # not a code at all
    ("", "115113016823646795", False),                       # none: the code's
])
def test_a_rows_department_code(dept_code: str, code: str, flagged: bool) -> None:
    outcome = only(parse(row(dept_code=dept_code)))
    assert outcome.item is not None and outcome.item.department_code == code
    assert (outcome.outcome == FLAGGED) is flagged, outcome.reasons
