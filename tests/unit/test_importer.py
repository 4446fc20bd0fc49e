"""The catalogue importer on SQLite: every row of the real Guang'an file accounted for, drafts or
published items with their flags, history and events, idempotent, authorised by region."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import func, select
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from cli.tabular import read_rows
from services.catalogue import storage as t
from services.catalogue.contract import ReviewView, VersionView, version_to_pb
from services.catalogue.domain.import_rows import SourceRow, parse_rows
from services.catalogue.domain.items import (
    Branch,
    Fee,
    HandlingMode,
    ItemContent,
    LegalCitation,
    ListKind,
    Material,
    SpecialProcedure,
    Step,
    StepKind,
    TimeUnit,
)
from services.catalogue.domain.lifecycle import (
    Decision,
    OfflineReview,
    VersionStatus,
)
from services.catalogue.import_api import export_rpc, import_rows_rpc
from services.catalogue.import_json import (
    content_json,
    event_json,
    event_time,
    plain,
    time_ordered_id,
)
from services.catalogue.importer import (
    DEFAULT_FLOW_FLAG,
    DEFAULT_STEPS_FLAG,
    NO_LEGAL_BASIS_REASON,
    NOT_PUBLISHED_REASON,
    Importer,
    ImportOptions,
    RowResult,
    default_flag,
    default_flow_days,
    import_content,
)
from services.catalogue.service import CatalogueService
from services.shared.auth import Principal, permissions_of
from services.shared.code_tables import (
    IMPORT_REASON_PATTERNS,
    IMPORT_REASONS,
    import_reason,
)
from services.shared.db import Database
from services.shared.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from services.shared.events import make_event, parse_event
from tests.support.data import GUANG_AN
from tests.support.departments import CITY_DEVELOPMENT, EDUCATION, FIRE

CATALOGUE = GUANG_AN
CREDIT = "115113016823646795"
CODE = f"511A0064100152-511602000000-000-{CREDIT}-1-00"
HEADER = ["department", "group", "name", "item_code", "area_code", "task_type", "dept_code"]



def person(subject: str, *roles: str, region: str = "511602",
           department: str | None = None) -> Principal:
    return Principal(subject, roles, (region,), department=department,
                     permissions=permissions_of(roles))


ADMIN = person("admin-1", "admin")
#: imports the whole file (every department): the platform's operator
OPERATOR = person("operator-1", "admin")
REVIEWER = person("reviewer-1", "legal_reviewer", "staffing_reviewer")
#: the list was reviewed outside the platform by these two, approved by this document
OFFLINE = OfflineReview("li.na", "wang.fang", "广安府发〔2024〕12号")
#: the real file has no legal basis: publishing tests add one in a column of their own
BASIS_MAPPING = json.dumps({"legal_basis": "legal_basis"})
LAW = "《中华人民共和国行政许可法》"


def with_basis(rows: list[SourceRow], law: str = LAW) -> list[SourceRow]:
    return [SourceRow(r.line, {**r.values, "legal_basis": law}) for r in rows]


class Changes:
    def __init__(self) -> None:
        self.ids: list[str] = []

    def items_changed(self, item_ids: list[str]) -> None:
        self.ids.extend(item_ids)


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
def service(tmp_path: Path, changes: Changes) -> CatalogueService:
    db = Database(f"sqlite:///{tmp_path / 'catalogue.db'}", "catalogue")
    t.metadata.create_all(db.engine)
    return CatalogueService(db, "510000", listeners=[changes])


@pytest.fixture
def importer(service: CatalogueService) -> Importer:
    return Importer(service)


@pytest.fixture(scope="module")
def real_rows() -> list[SourceRow]:
    return [SourceRow(r.line, r.values) for r in read_rows(CATALOGUE)]


def run(importer: Importer, principal: Principal, rows: list[SourceRow], *,
        batch: int = 400, publish: bool = False, region: str = "511602", mapping: str = "",
        key: str | None = None) -> tuple[str, list[RowResult]]:
    """Send rows as the CLI does: batches sharing one import id."""
    key = key or uuid.uuid4().hex
    import_id, results = "", []
    for index, start in enumerate(range(0, len(rows), batch)):
        import_id, got = importer.import_rows(principal, region, mapping, publish, "test.csv",
                                              import_id, rows[start:start + batch],
                                              f"{key}-{index}", OFFLINE if publish else None)
        results.extend(got)
    return import_id, results


def count(service: CatalogueService, table, *where) -> int:  # type: ignore[no-untyped-def]
    with service.db.transaction() as s:
        return s.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def row(line: int, **changes: str) -> SourceRow:
    values = {"department": "区行政审批局", "group": "未分类", "name": "建筑工程施工许可证核发",
              "item_code": CODE, "area_code": "511602000000", "task_type": "1",
              "dept_code": "68236467-9"}
    values.update(changes)
    return SourceRow(line, values)


# --- the real file --------------------------------------------------------------------------


def test_real_file_every_row_is_accounted_for(importer: Importer, service: CatalogueService,
                                              real_rows: list[SourceRow],
                                              changes: Changes) -> None:
    import_id, results = run(importer, OPERATOR, real_rows)
    assert [r.line for r in results] == list(range(2, 1137))
    assert Counter(r.outcome for r in results) == Counter(accepted=627, flagged=508)
    assert all(r.item_id for r in results)
    assert len({r.item_id for r in results}) == 1135
    assert not any(r.reasons for r in results if r.outcome == "accepted")
    assert all(r.reasons for r in results if r.outcome == "flagged")
    # every reason the real file gives has its own code and Chinese words, stored with it
    read = [import_reason(d) for r in results for d in r.reasons]
    assert not [x.detail for x in read if x.code == "IMPORT_OTHER"]
    assert not [x.message for x in read if "（未知）" in x.message]  # every particular read
    with service.db.transaction() as s:
        stored = [json.loads(x) for x in s.execute(select(t.import_rows.c.reasons)).scalars()]
    assert {x["code"] for reasons in stored for x in reasons} == {x.code for x in read}

    i = t.import_rows.c
    assert count(service, t.import_rows, i.import_id == import_id) == 1135
    assert count(service, t.items) == 1135
    assert count(service, t.item_versions, t.item_versions.c.status == "draft") == 1135
    assert count(service, t.item_history, t.item_history.c.action == "imported") == 1135
    assert count(service, t.item_reviews) == 0
    assert count(service, t.outbox, t.outbox.c.routing_key == "item.drafted") == 1135
    assert sorted(changes.ids) == sorted(r.item_id for r in results)
    with service.db.transaction() as s:
        started = s.execute(select(t.imports)).one()
        stored = {r.line: r for r in s.execute(select(t.import_rows))}
    assert (started.region, started.imported_by, started.publish_reviewed) == (
        "511602", "operator-1", False)
    assert started.source == "test.csv"
    first = stored[2]
    assert (first.outcome, json.loads(first.reasons), first.item_id) == (
        "accepted", [], results[0].item_id)
    assert json.loads(first.raw)["name"] == "企业投资项目备案（技术改造）（市级/县级）"


def test_imported_items_carry_their_row_and_the_default_flow(
        importer: Importer, service: CatalogueService, real_rows: list[SourceRow]) -> None:
    _, results = run(importer, OPERATOR, real_rows[:200])
    by_line = {r.line: r for r in results}
    view = service.get_version(OPERATOR, by_line[2].item_id, 1)
    c = view.content
    assert view.status is VersionStatus.DRAFT and view.created_by == "operator-1"
    assert (c.name, c.item_type, c.region, c.department) == (
        "企业投资项目备案（技术改造）（市级/县级）", "10", "511602", "区经信局")
    assert c.code == "511Z07001006-511602000000-000-11511301008778183N-1-00"
    assert (c.statutory_limit_days, c.promised_limit_days) == (20, 20)
    assert [(s.key, s.name, s.limit_days, s.role) for s in c.steps] == [
        ("accept", "受理", 1, "clerk"), ("review", "审查", 18, "section_chief"),
        ("decide", "决定", 1, "leader")]
    assert c.list_kind is ListKind.POWER and c.exercise_level == "4"
    assert c.body is not None and c.body.code == "11511301008778183N"
    assert view.flags == (DEFAULT_FLOW_FLAG,)
    assert c.legal_basis == ()  # the file cites no law: 职权法定 keeps it from publication
    with pytest.raises(InvalidArgument, match="legal_basis"):
        c.validate_complete()
    replace(c, legal_basis=(LegalCitation(LAW),)).validate_complete()  # then it may be

    service_item = service.get_version(OPERATOR, by_line[5].item_id, 1).content  # 学生资助政策咨询
    assert service_item.item_type == "20" and service_item.list_kind is ListKind.PUBLIC_SERVICE

    justice = service.get_version(OPERATOR, by_line[71].item_id, 1)
    assert by_line[71].outcome == "flagged"
    assert justice.flags == (*by_line[71].reasons, DEFAULT_FLOW_FLAG)
    assert "old 9-character organisation code" in justice.flags[0]
    assert [h.action for h in service.history(OPERATOR, by_line[71].item_id)] == ["imported"]


def test_a_broken_code_is_kept_as_a_flagged_draft(importer: Importer,
                                                  service: CatalogueService,
                                                  real_rows: list[SourceRow]) -> None:
    tobacco = next(r for r in real_rows if r.line == 1128)
    _, [result] = run(importer, OPERATOR, [tobacco])
    assert result.outcome == "flagged" and result.item_id
    assert "check character at position 18 is '0', expected '7'" in result.reasons[0]
    view = service.get_version(OPERATOR, result.item_id, 1)
    assert view.content.code == "511A62001004-511602000000-000-TE5116020105116050-1-00"
    assert view.content.group == "烟草专卖零售许可证核发"
    assert view.content.body is not None and view.content.body.code == ""
    with pytest.raises(InvalidArgument, match="expected '7'"):
        view.content.validate_complete()  # it cannot be published until the code is fixed


def test_importing_the_same_file_twice_makes_no_duplicates(
        importer: Importer, service: CatalogueService, real_rows: list[SourceRow],
        changes: Changes) -> None:
    first_id, first = run(importer, OPERATOR, real_rows)
    events = count(service, t.outbox)
    changes.ids.clear()
    second_id, second = run(importer, OPERATOR, real_rows, batch=500)
    assert second_id != first_id
    assert [r.outcome for r in second] == [r.outcome for r in first]
    assert [r.item_id for r in second] == [r.item_id for r in first]
    for a, b in zip(first, second, strict=True):
        assert b.reasons == (*a.reasons, f"already in the catalogue: item {a.item_id} "
                                          "(unchanged)")
    assert count(service, t.items) == 1135
    assert count(service, t.outbox) == events
    assert count(service, t.import_rows) == 2 * 1135  # both imports are on record
    assert changes.ids == []


def test_a_repeated_batch_with_its_key_is_answered_once(importer: Importer,
                                                        service: CatalogueService,
                                                        real_rows: list[SourceRow]) -> None:
    batch = real_rows[:50]
    first = importer.import_rows(OPERATOR, "511602", "", False, "a.csv", "", batch, "key-1")
    again = importer.import_rows(OPERATOR, "511602", "", False, "a.csv", "", batch, "key-1")
    assert again == first
    assert count(service, t.imports) == 1 and count(service, t.items) == 50
    with pytest.raises(Conflict, match="already used for a different request"):
        importer.import_rows(OPERATOR, "511602", "", False, "a.csv", "", real_rows[50:60],
                             "key-1")


def test_a_batch_sent_again_with_a_new_key_returns_what_was_recorded(
        importer: Importer, service: CatalogueService, real_rows: list[SourceRow]) -> None:
    import_id, first = importer.import_rows(OPERATOR, "511602", "", False, "a.csv", "",
                                            real_rows[:10], "key-1")
    _, again = importer.import_rows(OPERATOR, "511602", "", False, "a.csv", import_id,
                                    real_rows[:20], "key-2")
    assert again[:10] == first
    assert all(r.item_id for r in again)
    assert count(service, t.import_rows) == 20 and count(service, t.items) == 20


def test_duplicates_in_a_file_keep_their_row_but_make_no_second_item(
        importer: Importer, service: CatalogueService) -> None:
    other = CODE.replace("00152", "00153")
    rows = [row(2), row(3, name="重复"), row(4, item_code=other), row(5, name="", ),
            row(6, item_code=other.lower()), row(7, name="第三次")]
    _, results = run(importer, OPERATOR, rows, batch=4)  # the second batch: lines 6 and 7
    assert [r.outcome for r in results] == ["accepted", "flagged", "accepted", "rejected",
                                            "flagged", "flagged"]
    assert results[1].reasons == ("duplicate implementation code: same code as line 2",)
    assert results[1].item_id == results[0].item_id
    assert results[3].item_id == ""
    # in a later batch: found as an item this very import made
    assert "duplicate implementation code: same code as line 4" in results[4].reasons
    assert results[4].item_id == results[2].item_id
    assert results[5].reasons == ("duplicate implementation code: same code as line 2",)
    assert results[5].item_id == results[0].item_id
    assert count(service, t.items) == 2
    assert count(service, t.import_rows) == 6
    said = import_reason(results[1].reasons[0])
    assert (said.code, said.message) == ("IMPORT_DUPLICATE_CODE", "实施编码与本次导入的第 2 行"
                                         "相同：未另建事项，本行归入该行的事项。请核对是否重复填报。")


def test_reasons_have_stable_codes_and_chinese_words_old_rows_included() -> None:
    """Each reason reads as its code and its Chinese, from the importer's detail, from the
    stored form ({"code", "detail"}) and from the plain English rows stored before codes."""
    cases = {
        "already in the catalogue: item 0191-abc (unchanged)":
            ("IMPORT_ALREADY_IN_CATALOGUE", "0191-abc"),
        NOT_PUBLISHED_REASON: ("IMPORT_NOT_PUBLISHED", "不予直接公布"),
        NO_LEGAL_BASIS_REASON: ("IMPORT_NO_LEGAL_BASIS", "职权法定"),
        "kept as a draft: not complete: no materials": ("IMPORT_NOT_COMPLETE", "不完整"),
        "name (name) is empty": ("IMPORT_NAME_EMPTY", "事项名称（name 列）为空"),
        "item type (task_type) '11' is not a national item type; expected one of 1 行政许可":
            ("IMPORT_ITEM_TYPE_UNKNOWN", "'11' 不是国家规定的事项类型"),
        "region 510104 四川省成都市锦江区 lies outside the importing region 511602 "
        "四川省广安市广安区":
            ("IMPORT_REGION_OUTSIDE", "不在本次导入的地区 511602 四川省广安市广安区 范围内"),
        "promised limit (承诺时限) '400' is not a number of working days (0 to 365); the "
        "import default is used": ("IMPORT_LIMIT_INVALID", "承诺时限（承诺时限 列）'400'"),
        "name (name) begins with '=': a spreadsheet would run it as a formula (CSV injection);"
        " kept as text: check it": ("IMPORT_FORMULA_START", "事项名称（name 列）以 '=' 开头"),
        "something new the importer says": ("IMPORT_OTHER", "其他问题"),
    }
    for detail, (code, words) in cases.items():
        for given in (detail, {"code": code, "detail": detail}):
            found = import_reason(given)
            assert (found.code, found.detail) == (code, detail), given
            assert words in found.message, (found.message, words)
    # a stored code stands even when its detail reads otherwise
    assert import_reason({"code": "IMPORT_NO_LEGAL_BASIS", "detail": "x"}).code == (
        "IMPORT_NO_LEGAL_BASIS")
    assert set(IMPORT_REASONS) >= {code for code, _ in IMPORT_REASON_PATTERNS}


def test_rows_stored_with_english_reasons_still_read(importer: Importer,
                                                     service: CatalogueService) -> None:
    """Rows an import stored before the codes (a JSON list of English sentences) are replayed
    to the import's next batch as they were, and read with their codes."""
    import_id, first = run(importer, OPERATOR, [row(2), row(3, name="重复")], key="k")
    with service.db.transaction() as s:
        s.execute(t.import_rows.update().where(t.import_rows.c.line == 3).values(
            reasons=json.dumps(["duplicate implementation code: same code as line 2"])))
    _, again = importer.import_rows(OPERATOR, "511602", "", False, "test.csv", import_id,
                                    [row(2), row(3, name="重复")], "k-again", None)
    assert again[1].reasons == ("duplicate implementation code: same code as line 2",)
    assert import_reason(again[1].reasons[0]).code == "IMPORT_DUPLICATE_CODE"


def test_a_duplicate_of_a_rejected_row_becomes_the_item(importer: Importer,
                                                        service: CatalogueService) -> None:
    _, results = run(importer, OPERATOR, [row(2, department=""), row(3), row(4)])
    assert [r.outcome for r in results] == ["rejected", "flagged", "flagged"]
    assert results[1].item_id and results[2].item_id == results[1].item_id
    assert count(service, t.items) == 1


def test_rejected_rows_are_recorded_with_their_cells(importer: Importer,
                                                     service: CatalogueService) -> None:
    import_id, [result] = run(importer, OPERATOR, [row(2, area_code="511603000000")])
    assert result.outcome == "rejected" and result.item_id == ""
    assert "lies outside the importing region 511602" in result.reasons[0]
    with service.db.transaction() as s:
        stored = s.execute(select(t.import_rows)).one()
    assert stored.import_id == import_id and stored.item_id is None
    assert json.loads(stored.raw)["area_code"] == "511603000000"
    assert count(service, t.items) == 0


# --- publishing on import ---------------------------------------------------------------------


@pytest.mark.parametrize("principal", [ADMIN, REVIEWER], ids=["admin", "both reviewers"])
def test_publish_reviewed_publishes_valid_rows_with_the_named_reviewers(
        importer: Importer, service: CatalogueService, real_rows: list[SourceRow],
        principal: Principal) -> None:
    import_id, results = run(importer, principal, with_basis(real_rows[:120]), publish=True,
                             mapping=BASIS_MAPPING)
    accepted = [r for r in results if r.outcome == "accepted"]
    flagged = [r for r in results if r.outcome == "flagged"]
    assert len(accepted) + len(flagged) == 120 and flagged

    view = service.get_version(ANONYMOUS_READER, accepted[0].item_id, 0)
    assert view.status is VersionStatus.PUBLISHED and view.current_version == 1
    assert view.published_by == principal.subject
    assert [(r.kind.value, r.reviewer, r.document) for r in view.reviews] == [
        ("legal", "li.na", OFFLINE.document), ("staffing", "wang.fang", OFFLINE.document)]
    assert [c.law for c in view.content.legal_basis] == [LAW]
    history = service.history(principal, accepted[0].item_id)
    assert [(h.action, h.actor) for h in history] == [
        ("imported", principal.subject), ("reviewed_legal", "li.na"),
        ("reviewed_staffing", "wang.fang"), ("published", principal.subject)]

    kept = service.get_version(principal, flagged[0].item_id, 1)
    assert kept.status is VersionStatus.DRAFT and kept.current_version == 0
    assert flagged[0].reasons[-1] == NOT_PUBLISHED_REASON

    assert sum(1 for _ in service.export("511602")) == len(accepted)
    o = t.outbox.c
    assert count(service, t.outbox, o.routing_key == "item.published") == len(accepted)
    assert count(service, t.outbox, o.routing_key == "item.drafted") == len(flagged)
    with service.db.transaction() as s:
        started = s.execute(select(t.imports).where(t.imports.c.import_id == import_id)).one()
    assert started.publish_reviewed is True


ANONYMOUS_READER = Principal("")


def test_rows_without_a_legal_basis_stay_drafts(importer: Importer, service: CatalogueService,
                                               real_rows: list[SourceRow]) -> None:
    """职权法定: a reviewed list is published only where a row cites its legal basis."""
    rows = with_basis(real_rows[:10]) + real_rows[10:20]
    _, results = run(importer, ADMIN, rows, publish=True, mapping=BASIS_MAPPING)
    cited = [r for r in results[:10] if r.outcome == "accepted"]
    uncited = [r for r in results[10:] if r.outcome == "accepted"]
    assert cited and uncited
    assert all(service.get_version(ADMIN, r.item_id, 1).status is VersionStatus.PUBLISHED
               for r in cited)
    for r in uncited:
        assert service.get_version(ADMIN, r.item_id, 1).status is VersionStatus.DRAFT
        assert r.reasons[-1] == NO_LEGAL_BASIS_REASON


def test_a_reviewed_list_names_two_reviewers_other_than_the_importer(
        importer: Importer, real_rows: list[SourceRow]) -> None:
    rows = with_basis(real_rows[:3])
    with pytest.raises(InvalidArgument):
        importer.import_rows(ADMIN, "511602", BASIS_MAPPING, True, "a.csv", "", rows, "k")
    with pytest.raises(InvalidArgument):
        importer.import_rows(ADMIN, "511602", BASIS_MAPPING, True, "a.csv", "", rows, "k",
                             OfflineReview("li.na", "li.na", "文"))
    with pytest.raises(FailedPrecondition, match="admin-1 drafted"):
        importer.import_rows(ADMIN, "511602", BASIS_MAPPING, True, "a.csv", "", rows, "k",
                             OfflineReview("admin-1", "wang.fang", "文"))


def test_events_are_the_contract_json_of_the_stored_versions(
        importer: Importer, service: CatalogueService, real_rows: list[SourceRow]) -> None:
    run(importer, ADMIN, with_basis(real_rows[71:81]), publish=True, mapping=BASIS_MAPPING)
    with service.db.transaction() as s:
        bodies = s.execute(select(t.outbox.c.body)).scalars().all()
        checked = Counter()
        for body in bodies:
            event = parse_event(body)
            data = event.data
            view = service.repo.version(s, data["item"]["item_id"], 1)
            expected = pb.ItemEvent(item=version_to_pb(view), actor="admin-1",
                                    action=data["action"], reason=data.get("reason", ""))
            assert data == json_format.MessageToDict(expected,
                                                     preserving_proto_field_name=True)
            assert event.data_as(pb.ItemEvent).item.content.name == view.content.name
            assert (event.node, event.region) == ("510000", "511602")
            checked[event.type] += 1
    assert checked == Counter({"item.published": 4, "item.drafted": 6})


def _assert_fast_json_is_general(content: ItemContent, flags: list[str],
                                 now: datetime) -> None:
    """``content_json`` and ``event_json`` against the general serialisers, as a draft and
    as published with the two offline reviews."""
    stamp = Timestamp()
    stamp.FromDatetime(now)
    assert content_json(content) == content.to_json()
    assert ItemContent.from_dict(json.loads(content_json(content))) == content
    for reviewers in (None, OFFLINE):
        published = reviewers is not None
        view = VersionView(
            "item-1", 1, VersionStatus.PUBLISHED if published else VersionStatus.DRAFT,
            content, now, "ann", now if published else None, "ann" if published else None,
            current_version=1 if published else 0, flags=tuple(flags),
            reviews=tuple(ReviewView(kind, Decision.APPROVE, reviewer, "", now,
                                     OFFLINE.document)
                          for kind, reviewer in OFFLINE.by_kind()) if published else ())
        expected = make_event("item.drafted", pb.ItemEvent(
            item=version_to_pb(view), actor="ann", action="imported", reason="import 1"),
            node="510000", region=content.region, occurred_at=now)
        assert event_json(expected.event_id, "item.drafted", event_time(now), "510000",
                          "item-1", content, flags, stamp.ToJsonString(), "ann", reviewers,
                          action="imported", reason="import 1") == expected.to_json()


def test_the_fast_json_is_the_json_of_the_contract(real_rows: list[SourceRow]) -> None:
    """The importer writes content and events without the general serialisers (10× faster):
    for every row of the real file they must give the very same JSON — the stated defaults
    (modes, step kinds, the steps a case may return to, units) included."""
    report = parse_rows(real_rows, importing_region="511602")
    now = datetime.now(UTC)
    for index, outcome in enumerate(report.outcomes):
        assert outcome.item is not None
        item = outcome.item if index % 2 else replace(outcome.item, legal_basis="《条例》“第3条”")
        content = import_content(item, 20)
        assert plain(content)
        _assert_fast_json_is_general(content, [*outcome.reasons, default_flag(item)], now)
    stored = json.loads(content_json(content))
    assert [(s["kind"], s["returns_to"]) for s in stored["steps"]] == [
        ("acceptance", []), ("review", []), ("decision", ["review"])]
    assert "modes" not in stored and "limit_unit" not in stored  # stated again on reading
    assert ItemContent.from_dict(stored).modes == (HandlingMode.PROMISED,)


@pytest.mark.parametrize("changes", [
    {"modes": (HandlingMode.IMMEDIATE, HandlingMode.PROMISED)},
    {"special_procedures": (SpecialProcedure.HEARING,), "limit_unit": TimeUnit.CALENDAR_DAYS},
    {"materials": (Material("申请书"), Material("营业执照", key="licence"))},
    {"fees": (Fee("工本费", "12.50"),), "external_flow": ("申请", "受理", "决定")},
    {"classified": True, "acceptor_may_decide": True},
], ids=["modes", "procedures and units", "materials", "fees and flow", "internal flags"])
def test_content_beyond_an_import_takes_the_general_path(real_rows: list[SourceRow],
                                                         changes: dict) -> None:
    """A row of the catalogue CSV may carry more than the Sichuan file: its JSON is the
    general serialisers' (fields of the contract, in its order)."""
    item = parse_rows(real_rows[:1], importing_region="511602").items[0]
    content = replace(import_content(item, 20), **changes)
    assert not plain(content)
    _assert_fast_json_is_general(content, [DEFAULT_FLOW_FLAG], datetime.now(UTC))


def test_any_flow_is_written_by_the_fast_path(real_rows: list[SourceRow]) -> None:
    """The flow is a field an import sets (the catalogue CSV carries one): kinds, the steps
    a case returns to, departments, branches with their keys and units."""
    item = parse_rows(real_rows[:1], importing_region="511602").items[0]
    steps = (Step("accept", "受理", 1, "clerk"),
             Step("check", "核查", 3, "chief", kind=StepKind.REVIEW, parallel_branches=(
                 Branch("区消防救援大队", "消防审查", 2, "clerk",
                        limit_unit=TimeUnit.CALENDAR_DAYS, department_code=FIRE),)),
             Step("decide", "决定", 1, "leader", returns_to=("check",),
                  department="市发展改革委", department_code=CITY_DEVELOPMENT))
    content = replace(import_content(item, 20), steps=steps)
    assert plain(content)
    _assert_fast_json_is_general(content, [DEFAULT_FLOW_FLAG], datetime.now(UTC))
    # a department code of its own (not the implementation code's): written, last
    other = replace(content, department_code=EDUCATION)
    assert plain(other) and json.loads(content_json(other))["department_code"] == EDUCATION
    _assert_fast_json_is_general(other, [DEFAULT_FLOW_FLAG], datetime.now(UTC))
    assert "department_code" not in json.loads(content_json(content))


# --- who may import ---------------------------------------------------------------------------


def test_a_clerk_of_another_region_is_refused(importer: Importer, service: CatalogueService,
                                              real_rows: list[SourceRow]) -> None:
    stranger = person("clerk-2", "clerk", region="511603")
    with pytest.raises(PermissionDenied, match="may not act for region 511602") as caught:
        importer.import_rows(stranger, "511602", "", False, "a.csv", "", real_rows[:5], "k")
    assert caught.value.code == "REGION_OUT_OF_SCOPE"
    assert count(service, t.imports) == 0 and count(service, t.import_rows) == 0


def test_a_city_clerk_may_import_for_a_district_of_the_city(importer: Importer,
                                                            real_rows: list[SourceRow]) -> None:
    city = person("clerk-3", "clerk", region="511600", department=EDUCATION)
    own = [r for r in real_rows if EDUCATION in r.values["item_code"]][:5]
    _, results = run(importer, city, own)
    assert len(results) == 5 and all(r.item_id for r in results)


def test_publishing_on_import_needs_both_reviews(importer: Importer,
                                                real_rows: list[SourceRow]) -> None:
    for principal in (person("clerk-1", "clerk", department=EDUCATION),
                      person("legal-1", "legal_reviewer")):
        with pytest.raises(PermissionDenied):
            importer.import_rows(principal, "511602", "", True, "a.csv", "", real_rows[:5],
                                 "k", OFFLINE)
    with pytest.raises(Unauthenticated):
        importer.import_rows(ANONYMOUS_READER, "511602", "", False, "a.csv", "",
                             real_rows[:5], "k")


def test_department_staff_import_only_their_own_department(importer: Importer,
                                                           real_rows: list[SourceRow]) -> None:
    staff = person("clerk-4", "clerk", department=EDUCATION)
    with pytest.raises(PermissionDenied, match=f"works for {EDUCATION}"):
        importer.import_rows(staff, "511602", "", False, "a.csv", "", real_rows[:5], "k")
    named = [r for r in real_rows if r.values["department"] == "区教科体局"]
    # by its code: rows whose implementation code holds the department's credit code (its
    # organisation code 083372204, the dept_code, is inside it) …
    own = [r for r in named if EDUCATION in r.values["item_code"]]
    assert 0 < len(own) < len(named)
    _, results = run(importer, staff, own)
    assert len(results) == len(own) and all(r.item_id for r in results)
    # … not those whose code says no more than 083372204: unknown, for an administrator
    with pytest.raises(PermissionDenied, match="not 未知"):
        importer.import_rows(staff, "511602", "", False, "a.csv", "", named, "k2")


# --- batches of one import --------------------------------------------------------------------


def test_later_batches_must_name_a_known_import_of_the_same_kind(
        importer: Importer, real_rows: list[SourceRow]) -> None:
    with pytest.raises(NotFound, match="there is no import nope"):
        importer.import_rows(ADMIN, "511602", "", False, "a.csv", "nope", real_rows[:2], "k1")
    import_id, _ = importer.import_rows(ADMIN, "511602", "", False, "a.csv", "",
                                        real_rows[:2], "k2")
    with pytest.raises(FailedPrecondition, match="publish_reviewed=False"):
        importer.import_rows(ADMIN, "511602", "", True, "a.csv", import_id, real_rows[2:4],
                             "k3", OFFLINE)
    with pytest.raises(FailedPrecondition, match="started for region 511602"):
        importer.import_rows(person("admin-2", "admin", region="511600"), "511600", "", False,
                             "a.csv", import_id, real_rows[2:4], "k4")


def test_request_problems_are_invalid_arguments(importer: Importer,
                                                real_rows: list[SourceRow]) -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: importer.import_rows(ADMIN, "5116", "", False, "a", "", real_rows[:1], "k"),
         "not a 6-digit region code"),
        (lambda: importer.import_rows(ADMIN, "511602", "{", False, "a", "", real_rows[:1],
                                      "k"), "not valid JSON"),
        (lambda: importer.import_rows(ADMIN, "511602", '{"name": "事项名称"}', False, "a", "",
                                      real_rows[:1], "k"), "lacks mapped columns"),
        (lambda: importer.import_rows(ADMIN, "511602", "", False, "a", "", real_rows[:1], ""),
         "idempotency_key"),
        (lambda: importer.import_rows(ADMIN, "511602", "", False, "a", "",
                                      [real_rows[0], real_rows[0]], "k"), "own line number"),
        (lambda: importer.import_rows(ADMIN, "511602", "", False, "a", "",
                                      [SourceRow(i, real_rows[0].values)
                                       for i in range(2, 5003)], "k"), "at most 5000"),
    ]
    for call, words in cases:
        with pytest.raises(InvalidArgument, match=words):
            call()


# --- options ----------------------------------------------------------------------------------


def test_limits_from_the_mapping_and_the_default_limit(importer: Importer,
                                                       service: CatalogueService) -> None:
    mapping = json.dumps({"statutory_limit_days": "法定", "promised_limit_days": "承诺",
                          "default_limit_days": 5}, ensure_ascii=False)
    rows = [row(2, 法定="30", 承诺="10"), row(3, item_code=CODE.replace("00152", "00153"),
                                            法定="", 承诺="")]
    _, results = run(importer, OPERATOR, rows, mapping=mapping)
    given = service.get_version(OPERATOR, results[0].item_id, 1)
    assert (given.content.statutory_limit_days, given.content.promised_limit_days) == (30, 10)
    assert [s.limit_days for s in given.content.steps] == [1, 8, 1]
    assert given.flags == (DEFAULT_STEPS_FLAG,)
    defaulted = service.get_version(OPERATOR, results[1].item_id, 1)
    assert (defaulted.content.statutory_limit_days,
            defaulted.content.promised_limit_days) == (5, 5)
    assert [s.limit_days for s in defaulted.content.steps] == [1, 3, 1]
    assert defaulted.flags == (DEFAULT_FLOW_FLAG,)


def test_import_options_from_json() -> None:
    assert ImportOptions.from_json("").default_limit_days is None
    options = ImportOptions.from_json('{"name": "事项名称", "default_limit_days": 0}')
    assert options.mapping.name == "事项名称" and options.default_limit_days == 0
    for bad in ('{"default_limit_days": 400}', '{"default_limit_days": "5"}',
                '{"default_limit_days": true}'):
        with pytest.raises(InvalidArgument, match="default_limit_days"):
            ImportOptions.from_json(bad)
    with pytest.raises(InvalidArgument, match="expected a JSON object"):
        ImportOptions.from_json("[]")
    with pytest.raises(InvalidArgument, match="mapping.title: unknown field"):
        ImportOptions.from_json('{"title": "x"}')


def test_default_flow_fits_any_limit() -> None:
    assert default_flow_days(20) == (1, 18, 1)
    assert default_flow_days(2) == (1, 0, 1)
    assert default_flow_days(1) == (1, 0, 0)
    assert default_flow_days(0) == (0, 0, 0)


def test_default_flag_says_what_was_assumed(real_rows: list[SourceRow]) -> None:
    item = parse_rows(real_rows[:1], importing_region="511602").items[0]
    assert default_flag(item) == DEFAULT_FLOW_FLAG


def test_time_ordered_ids_are_uuid7_and_grow() -> None:
    ids = [time_ordered_id() for _ in range(200)]
    parsed = [uuid.UUID(i) for i in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    assert len(set(ids)) == 200
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)  # the millisecond prefix


# --- the gRPC translation ---------------------------------------------------------------------


def request(rows: list[SourceRow], **fields: object) -> pb.ImportRowsRequest:
    base: dict[str, object] = {"idempotency_key": "k", "region": "511602",
                               "source": "guang_an.csv"}
    base.update(fields)
    return pb.ImportRowsRequest(rows=[pb.ImportRow(line=r.line, values=r.values)
                                      for r in rows], **base)  # type: ignore[arg-type]


def test_import_rows_rpc(importer: Importer, real_rows: list[SourceRow]) -> None:
    response = import_rows_rpc(importer, ADMIN, request(real_rows[:30]))
    assert response.import_id and len(response.results) == 30
    assert response.results[0].line == 2 and response.results[0].outcome == "accepted"
    assert response.results[0].item_id
    more = import_rows_rpc(importer, ADMIN, request(real_rows[30:40], import_id=response.
                                                    import_id, idempotency_key="k2"))
    assert more.import_id == response.import_id


@pytest.mark.parametrize(("fields", "rows", "words"), [
    ({"region": "51"}, 1, "region: '51' is not a 6-digit region code"),
    ({"mapping_json": "{"}, 1, "mapping: not valid JSON"),
    ({"mapping_json": '{"x": "y"}'}, 1, "mapping.x: unknown field"),
    ({}, 0, "rows: at least one row"),
    ({}, 5001, "rows: 5001 rows in one batch; at most 5000"),
    ({"source": "x" * 501}, 1, "source: at most 500 characters"),
])
def test_import_rows_rpc_refuses_bad_requests(importer: Importer, real_rows: list[SourceRow],
                                              fields: dict[str, object], rows: int,
                                              words: str) -> None:
    sent = [SourceRow(2 + i, real_rows[0].values) for i in range(rows)]
    with pytest.raises(InvalidArgument) as caught:
        import_rows_rpc(importer, ADMIN, request(sent, **fields))
    assert words in caught.value.message
    assert caught.value.code == "INVALID_IMPORT"


def test_import_rows_rpc_refuses_bad_lines(importer: Importer,
                                           real_rows: list[SourceRow]) -> None:
    sent = [SourceRow(1, real_rows[0].values), SourceRow(3, real_rows[1].values),
            SourceRow(3, real_rows[2].values)]
    with pytest.raises(InvalidArgument) as caught:
        import_rows_rpc(importer, ADMIN, request(sent))
    assert "rows[0].line" in caught.value.message and "line 3 sent twice" in (
        caught.value.message)


def test_export_rpc_gives_public_fields_only(importer: Importer, service: CatalogueService,
                                             real_rows: list[SourceRow]) -> None:
    _, results = run(importer, ADMIN, with_basis(real_rows[:40]), publish=True,
                     mapping=BASIS_MAPPING)
    exported = list(export_rpc(service, ANONYMOUS_READER,
                               pb.ExportItemsRequest(region="511600")))
    assert Counter(r.outcome for r in results) == Counter(accepted=11, flagged=29)
    assert len(exported) == 11  # the accepted rows: published
    first = exported[0]
    assert first.status == pb.VERSION_STATUS_PUBLISHED and first.published_at.seconds
    assert [s.name for s in first.content.steps] == ["受理", "审查", "决定"]
    assert all(s.role == "" for item in exported for s in item.content.steps)
    assert all(not item.flags and not item.created_by and not item.published_by
               for item in exported)
    assert all(r.reviewer == "" for item in exported for r in item.reviews)
    with pytest.raises(InvalidArgument):
        list(export_rpc(service, ANONYMOUS_READER, pb.ExportItemsRequest(region="51")))
