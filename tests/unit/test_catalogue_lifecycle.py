"""Catalogue use cases on SQLite: the whole life of an item, who may do what."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from services.catalogue import storage as t
from services.catalogue.contract import version_to_pb
from services.catalogue.domain.items import (
    Branch,
    ItemContent,
    LegalCitation,
    RiskLevel,
    RiskPoint,
    Step,
)
from services.catalogue.domain.lifecycle import (
    Action,
    Decision,
    ItemState,
    OfflineReview,
    ReviewKind,
    VersionStatus,
)
from services.catalogue.domain.obligations import ChangeKind, ChangeRecord
from services.catalogue.service import CatalogueService, may_read_internal
from services.shared.auth import Principal, permissions_of
from services.shared.db import Database
from services.shared.errors import (
    AlreadyExists,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from services.shared.working_days import WorkingCalendar
from tests.support.codes import implementation_code
from tests.support.departments import CITY_DEVELOPMENT, DEVELOPMENT, EDUCATION
from tests.support.departments import FIRE as FIRE_BRIGADE

DEPT = "区发展改革局"


def who(subject: str, *roles: str, region: str = "511602", department: str | None = None
        ) -> Principal:
    return Principal(subject, tuple(roles), (region,), department, subject,
                     permissions_of(roles))


CLERK = who("clerk-1", "clerk", department=DEVELOPMENT)
LEGAL = who("legal-1", "legal_reviewer")
STAFFING = who("staffing-1", "staffing_reviewer")
ANONYMOUS = Principal("")
#: reviews done outside the platform, recorded at publication
OFFLINE = OfflineReview("li.na", "wang.fang", "广安府发〔2024〕12号")


@pytest.fixture()
def service(tmp_path) -> CatalogueService:
    db = Database(f"sqlite:///{tmp_path}/catalogue.db", "catalogue")
    t.metadata.create_all(db.engine)
    return CatalogueService(db, "510000", WorkingCalendar.official())


def content(**changes) -> ItemContent:
    base = ItemContent(
        name="企业投资项目备案", code=implementation_code(), item_type="01", region="511602",
        department=DEPT, statutory_limit_days=20, promised_limit_days=5,
        steps=(Step("accept", "受理", 1, "clerk"),
               Step("decide", "决定", 3, "chief", risk_points=(
                   RiskPoint("超时限审批", RiskLevel.HIGH, ("电子监察实时预警",)),))),
        legal_basis=(LegalCitation("《企业投资项目核准和备案管理条例》", "第十三条"),))
    return replace(base, **changes)


def legal_change(item_id: str, effective: date = date(2026, 9, 28),
                 description: str = "第十二条修订") -> ChangeRecord:
    return ChangeRecord(ChangeKind.LEGAL_BASIS, "《行政许可法》", description, effective,
                        item_id=item_id)


def key() -> str:
    return uuid.uuid4().hex


def events(service: CatalogueService) -> list[str]:
    with service.db.transaction() as s:
        return list(s.execute(select(t.outbox.c.routing_key).order_by(t.outbox.c.seq))
                    .scalars())


def published(service: CatalogueService, clerk: Principal = CLERK, **changes):
    view = service.create_item(clerk, content(**changes), key())
    service.submit(clerk, view.item_id, 1, key())
    service.review(LEGAL, view.item_id, 1, ReviewKind.LEGAL, Decision.APPROVE, "", key())
    return service.review(STAFFING, view.item_id, 1, ReviewKind.STAFFING, Decision.APPROVE,
                          "", key())


def test_both_reviews_publish_a_version(service) -> None:
    view = service.create_item(CLERK, content(), key())
    assert view.status is VersionStatus.DRAFT and view.version == 1
    service.submit(CLERK, view.item_id, 1, key())
    after_legal = service.review(LEGAL, view.item_id, 1, ReviewKind.LEGAL, Decision.APPROVE,
                                 "", key())
    assert after_legal.status is VersionStatus.SUBMITTED
    done = service.review(STAFFING, view.item_id, 1, ReviewKind.STAFFING, Decision.APPROVE,
                          "", key())
    assert done.status is VersionStatus.PUBLISHED and done.current_version == 1
    assert {r.kind for r in done.reviews} == {ReviewKind.LEGAL, ReviewKind.STAFFING}
    assert events(service) == ["item.drafted", "item.submitted", "item.reviewed",
                               "item.published"]
    actions = [e.action for e in service.history(ANONYMOUS, view.item_id)]
    assert actions == ["created", "submitted", "reviewed_legal", "reviewed_staffing",
                       "published"]


def test_a_returned_version_needs_both_reviews_again(service) -> None:
    view = service.create_item(CLERK, content(), key())
    service.submit(CLERK, view.item_id, 1, key())
    service.review(LEGAL, view.item_id, 1, ReviewKind.LEGAL, Decision.APPROVE, "", key())
    returned = service.review(STAFFING, view.item_id, 1, ReviewKind.STAFFING, Decision.RETURN,
                              "承诺时限过长", key())
    assert returned.status is VersionStatus.RETURNED
    service.update_draft(CLERK, view.item_id, 1, replace(returned.content,
                                                         promised_limit_days=4), key())
    service.submit(CLERK, view.item_id, 1, key())
    again = service.review(STAFFING, view.item_id, 1, ReviewKind.STAFFING, Decision.APPROVE,
                           "", key())
    assert again.status is VersionStatus.SUBMITTED, "the earlier legal approval is stale"
    with pytest.raises(FailedPrecondition) as info:
        service.review(STAFFING, view.item_id, 1, ReviewKind.STAFFING, Decision.APPROVE, "",
                       key())
    assert info.value.code == "ALREADY_REVIEWED"
    assert service.review(LEGAL, view.item_id, 1, ReviewKind.LEGAL, Decision.APPROVE, "",
                          key()).status is VersionStatus.PUBLISHED


def test_returning_needs_a_reason(service) -> None:
    view = service.create_item(CLERK, content(), key())
    service.submit(CLERK, view.item_id, 1, key())
    with pytest.raises(InvalidArgument, match="reason"):
        service.review(LEGAL, view.item_id, 1, ReviewKind.LEGAL, Decision.RETURN, " ", key())


def test_an_incomplete_draft_cannot_be_submitted(service) -> None:
    view = service.create_item(CLERK, content(steps=()), key())
    with pytest.raises(InvalidArgument) as info:
        service.submit(CLERK, view.item_id, 1, key())
    assert "steps" in {v.field for v in info.value.field_violations}


def test_published_versions_never_change(service) -> None:
    v1 = published(service)
    with pytest.raises(FailedPrecondition) as info:
        service.update_draft(CLERK, v1.item_id, 1, replace(v1.content, name="改名"), key())
    assert info.value.code == "VERSION_NOT_EDITABLE"
    v2 = service.draft_next_version(CLERK, v1.item_id, key())
    assert v2.version == 2 and v2.status is VersionStatus.DRAFT
    with pytest.raises(FailedPrecondition, match="in progress"):
        service.draft_next_version(CLERK, v1.item_id, key())
    service.update_draft(CLERK, v1.item_id, 2, replace(v2.content, name="企业投资项目备案（新）"),
                         key())
    assert service.get_version(ANONYMOUS, v1.item_id, 0).version == 1
    with pytest.raises(NotFound):
        service.get_version(ANONYMOUS, v1.item_id, 2)
    assert service.get_version(CLERK, v1.item_id, 2).content.name.endswith("（新）")
    service.publish(who("admin", "admin"), v1.item_id, 2, OFFLINE, key())
    assert service.get_version(ANONYMOUS, v1.item_id, 0).version == 2
    old = service.get_version(ANONYMOUS, v1.item_id, 1)
    assert old.status is VersionStatus.SUPERSEDED and old.content.name == "企业投资项目备案"


def test_a_version_read_again_shows_what_changed_since(service) -> None:
    """Published versions are decoded once and kept; their status and their item's state,
    version in force and successor are read every time."""
    v1 = published(service)
    first = service.get_version(ANONYMOUS, v1.item_id, 0)
    assert (first.version, first.status, first.state) == (1, VersionStatus.PUBLISHED,
                                                          ItemState.ACTIVE)
    assert service.get_version(ANONYMOUS, v1.item_id, 1).content is first.content, "kept"
    service.adjust(STAFFING, v1.item_id, Action.SUSPEND, "法律修订中", "", key())
    assert service.get_version(ANONYMOUS, v1.item_id, 0).state is ItemState.SUSPENDED
    service.adjust(STAFFING, v1.item_id, Action.RESUME, "修订完成", "", key())
    v2 = service.draft_next_version(CLERK, v1.item_id, key())
    service.update_draft(CLERK, v1.item_id, 2, replace(v2.content, name="企业投资项目备案（新）"),
                         key())
    assert service.get_version(CLERK, v1.item_id, 2).content.name.endswith("（新）")
    service.publish(who("admin", "admin"), v1.item_id, 2, OFFLINE, key())
    now = service.get_version(ANONYMOUS, v1.item_id, 0)
    assert (now.version, now.status, now.current_version) == (2, VersionStatus.PUBLISHED, 2)
    assert now.content.name.endswith("（新）") and len(now.reviews) == 2
    old = service.get_version(ANONYMOUS, v1.item_id, 1)
    assert (old.status, old.current_version, old.content.name) == (
        VersionStatus.SUPERSEDED, 2, "企业投资项目备案")
    with pytest.raises(NotFound):
        service.get_version(ANONYMOUS, v1.item_id, 3)
    with pytest.raises(NotFound):
        service.get_version(ANONYMOUS, "no-such-item", 0)


def test_reduction_actions_keep_a_public_history(service) -> None:
    item = published(service)
    with pytest.raises(InvalidArgument, match="reason"):
        service.adjust(STAFFING, item.item_id, Action.SUSPEND, "", "", key())
    suspended, _ = service.adjust(STAFFING, item.item_id, Action.SUSPEND, "法律修订中", "",
                                  key())
    assert suspended.state is ItemState.SUSPENDED
    with pytest.raises(FailedPrecondition) as info:
        service.adjust(STAFFING, item.item_id, Action.FREEZE, "x", "", key())
    assert info.value.code == "ITEM_STATE_CONFLICT"
    resumed, _ = service.adjust(STAFFING, item.item_id, Action.RESUME, "修订完成", "", key())
    assert resumed.state is ItemState.ACTIVE
    history = service.history(ANONYMOUS, item.item_id)
    suspend = next(e for e in history if e.action == "suspend")
    assert (suspend.from_state, suspend.to_state, suspend.reason, suspend.office) == (
        "active", "suspended", "法律修订中", "机构编制管理机关")
    assert suspend.actor == "", "the public sees the office, not the person"
    staff_view = service.history(STAFFING, item.item_id)
    assert next(e for e in staff_view if e.action == "suspend").actor == "staffing-1"
    assert events(service)[-2:] == ["item.adjusted", "item.adjusted"]


def test_delegation_creates_a_draft_one_level_down(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path}/c.db", "catalogue")
    t.metadata.create_all(db.engine)
    service = CatalogueService(db, "510000", WorkingCalendar.official())
    city_clerk = who("city-clerk", "clerk", region="511600", department=CITY_DEVELOPMENT)
    city_staffing = who("city-staffing", "staffing_reviewer", region="511600")
    admin = who("admin", "admin", region="511600")
    item = service.create_item(city_clerk, content(
        region="511600", code=implementation_code("511600", department_code=CITY_DEVELOPMENT),
        department="市发展改革委", department_code=CITY_DEVELOPMENT), key())
    service.publish(admin, item.item_id, 1, OFFLINE, key())
    with pytest.raises(InvalidArgument) as info:
        service.adjust(city_staffing, item.item_id, Action.DELEGATE, "放管服", "511702", key())
    assert info.value.code == "NOT_A_LOWER_LEVEL"
    view, successor = service.adjust(city_staffing, item.item_id, Action.DELEGATE, "放管服",
                                     "511602", key())
    assert view.state is ItemState.DELEGATED and successor
    lower = service.get_version(who("c", "clerk", department=CITY_DEVELOPMENT), successor, 1)
    assert lower.content.region == "511602" and lower.status is VersionStatus.DRAFT
    assert lower.content.department_code == CITY_DEVELOPMENT
    assert any("delegated" in f for f in lower.flags)


def test_merge_needs_an_active_published_target(service) -> None:
    a, b = published(service), published(service)
    with pytest.raises(InvalidArgument, match="target"):
        service.adjust(STAFFING, a.item_id, Action.MERGE, "合并", "", key())
    merged, _ = service.adjust(STAFFING, a.item_id, Action.MERGE, "合并同类事项", b.item_id,
                               key())
    assert merged.state is ItemState.MERGED and merged.successor == b.item_id
    with pytest.raises(FailedPrecondition, match="MERGE|active"):
        service.adjust(STAFFING, b.item_id, Action.MERGE, "x", a.item_id, key())


def test_change_obligation_is_due_in_ten_working_days_and_overdue_once(service) -> None:
    item = published(service)
    # recorded on 9 October, but the change took effect on Monday 28 September: the ten
    # working days count from then (在变更之日起), skipping the National Day week
    (obligation,) = service.record_change(LEGAL, legal_change(item.item_id), key(),
                                          today=date(2026, 10, 9))
    assert (obligation.effective_on, obligation.recorded_on) == ("2026-09-28", "2026-10-09")
    assert obligation.due_date == "2026-10-16"
    assert service.sweep_overdue(today=date(2026, 10, 16)) == 0
    assert service.sweep_overdue(today=date(2026, 10, 19)) == 1
    assert service.sweep_overdue(today=date(2026, 10, 20)) == 0
    assert events(service)[-2:] == ["item.change_required", "item.change_overdue"]
    v2 = service.draft_next_version(CLERK, item.item_id, key())
    service.submit(CLERK, item.item_id, v2.version, key())
    listed, _ = service.list_obligations(CLERK, "511602", "", 10, "")
    assert [o.fulfilled_version for o in listed] == [2]
    # supervision hears of it: the fulfilment is an event too, before the submission's
    assert events(service)[-2:] == ["item.change_fulfilled", "item.submitted"]


def test_who_may_do_what(service) -> None:
    other_department = who("clerk-2", "clerk", department=EDUCATION)
    with pytest.raises(PermissionDenied) as info:
        service.create_item(other_department, content(), key())
    assert info.value.code == "OTHER_DEPARTMENT"
    with pytest.raises(Unauthenticated):
        service.create_item(ANONYMOUS, content(), key())
    view = service.create_item(CLERK, content(), key())
    service.submit(CLERK, view.item_id, 1, key())
    with pytest.raises(PermissionDenied):
        service.review(LEGAL, view.item_id, 1, ReviewKind.STAFFING, Decision.APPROVE, "", key())
    outsider = who("legal-x", "legal_reviewer", region="511621")
    with pytest.raises(PermissionDenied) as info:
        service.review(outsider, view.item_id, 1, ReviewKind.LEGAL, Decision.APPROVE, "", key())
    assert info.value.code == "REGION_OUT_OF_SCOPE"
    with pytest.raises(NotFound):
        service.get_version(ANONYMOUS, view.item_id, 1)
    with pytest.raises(PermissionDenied):
        service.publish(LEGAL, view.item_id, 1, OFFLINE, key())


def test_idempotency_key_acts_once(service) -> None:
    k = key()
    c = content()
    first = service.create_item(CLERK, c, k)
    again = service.create_item(CLERK, c, k)
    assert first.item_id == again.item_id
    with pytest.raises(Conflict):
        service.create_item(CLERK, replace(c, name="别的"), k)
    with pytest.raises(AlreadyExists):
        service.create_item(CLERK, c, key())
    assert events(service) == ["item.drafted"]


def test_a_wrong_check_character_names_position_and_expected(service) -> None:
    good = implementation_code()
    basic, region, middle, body, nature, handling = good.rsplit("-", 5)
    wrong = body[:-1] + ("0" if body[-1] != "0" else "1")
    with pytest.raises(InvalidArgument) as info:
        service.create_item(CLERK, content(code="-".join(
            [basic, region, middle, wrong, nature, handling])), key())
    message = " ".join(v.description for v in info.value.field_violations)
    assert "position 18" in message and f"'{body[-1]}'" in message


def test_the_public_never_sees_risk_points_or_roles(service) -> None:
    item = published(service)
    public = version_to_pb(service.get_version(ANONYMOUS, item.item_id, 0), internal=False)
    staff = version_to_pb(service.get_version(CLERK, item.item_id, 0), internal=True)
    assert [s.role for s in public.content.steps] == ["", ""]
    assert not public.content.steps[1].risk_points
    assert staff.content.steps[1].risk_points[0].countermeasures == ["电子监察实时预警"]
    assert json.loads(json.dumps(list(public.flags))) == []


def test_a_clerk_cannot_hand_an_item_to_another_department(service) -> None:
    view = service.create_item(CLERK, content(), key())
    with pytest.raises(PermissionDenied) as info:
        service.update_draft(CLERK, view.item_id, 1, replace(
            view.content, department_code=EDUCATION), key())
    assert info.value.code == "OTHER_DEPARTMENT"
    # renaming is not handing over: the code stays the department's
    renamed = service.update_draft(CLERK, view.item_id, 1,
                                   replace(view.content, department="区发改局"), key())
    assert (renamed.content.department, renamed.content.department_code) == (
        "区发改局", DEVELOPMENT)


def test_oversized_inputs_are_invalid_arguments(service) -> None:
    with pytest.raises(InvalidArgument) as info:
        service.create_item(who("admin", "admin"), content(department="局" * 201), key())
    assert "department" in {v.field for v in info.value.field_violations}
    from services.catalogue.service import encode_token

    with pytest.raises(InvalidArgument, match="page_token"):
        service.list_published("511602", 10, encode_token(10**30))
    item = published(service)
    with pytest.raises(InvalidArgument, match="target"):
        service.adjust(STAFFING, item.item_id, Action.TRANSFER, "转移", "x" * 201, key())


def test_a_replayed_legal_change_answers_with_its_own_obligation(service) -> None:
    item = published(service)
    k = key()
    (first,) = service.record_change(LEGAL, legal_change(item.item_id), k)
    (later,) = service.record_change(LEGAL, legal_change(item.item_id, description="第十三条修订"),
                                     key())
    (again,) = service.record_change(LEGAL, legal_change(item.item_id), k)
    assert again.obligation_id == first.obligation_id != later.obligation_id


# --- the hardening rules: who reviews, who reads, where, and replays -------------------------


def test_one_person_cannot_do_both_reviews_nor_review_their_own_draft(service) -> None:
    admin = who("admin", "admin")
    view = service.create_item(admin, content(), key())
    service.submit(admin, view.item_id, 1, key())
    with pytest.raises(FailedPrecondition) as own:
        service.review(admin, view.item_id, 1, ReviewKind.LEGAL, Decision.APPROVE, "", key())
    assert own.value.code == "REVIEWER_IS_DRAFTER"
    both = who("both", "legal_reviewer", "staffing_reviewer")
    service.review(both, view.item_id, 1, ReviewKind.LEGAL, Decision.APPROVE, "", key())
    with pytest.raises(FailedPrecondition) as twice:
        service.review(both, view.item_id, 1, ReviewKind.STAFFING, Decision.APPROVE, "", key())
    assert twice.value.code == "SAME_REVIEWER"
    done = service.review(STAFFING, view.item_id, 1, ReviewKind.STAFFING, Decision.APPROVE,
                          "", key())
    assert done.status is VersionStatus.PUBLISHED
    assert {r.reviewer for r in done.reviews} == {"both", "staffing-1"}


def test_an_offline_publication_records_both_named_reviewers_and_the_document(service) -> None:
    admin = who("admin", "admin")
    view = service.create_item(CLERK, content(), key())
    with pytest.raises(FailedPrecondition) as drafter:
        service.publish(admin, view.item_id, 1, OfflineReview("clerk-1", "wang.fang", "文"),
                        key())
    assert drafter.value.code == "REVIEWER_IS_DRAFTER"
    with pytest.raises(InvalidArgument):
        service.publish(admin, view.item_id, 1, OfflineReview("li.na", "li.na", "文"), key())
    done = service.publish(admin, view.item_id, 1, OFFLINE, key())
    assert done.status is VersionStatus.PUBLISHED
    assert {(r.kind, r.reviewer, r.document) for r in done.reviews} == {
        (ReviewKind.LEGAL, "li.na", OFFLINE.document),
        (ReviewKind.STAFFING, "wang.fang", OFFLINE.document)}
    public = {e.action: e for e in service.history(ANONYMOUS, view.item_id)}
    assert public["published"].target == OFFLINE.document
    assert public["reviewed_legal"].office == "法制部门" and not public["reviewed_legal"].actor


def test_no_power_reaches_publication_without_a_legal_basis(service) -> None:
    view = service.create_item(CLERK, content(legal_basis=()), key())
    with pytest.raises(InvalidArgument, match="职权法定"):
        service.submit(CLERK, view.item_id, 1, key())
    with pytest.raises(InvalidArgument, match="职权法定"):
        service.publish(who("admin", "admin"), view.item_id, 1, OFFLINE, key())


def test_the_node_acts_only_for_real_regions_it_holds(service) -> None:
    guangdong = who("gd-admin", "admin", region="440000")
    with pytest.raises(PermissionDenied) as elsewhere:
        service.create_item(guangdong, content(region="440000",
                                               code=implementation_code("440000")), key())
    assert elsewhere.value.code == "REGION_NOT_HOSTED"
    admin = who("admin", "admin", region="510000")
    with pytest.raises(InvalidArgument) as unknown:
        service.create_item(admin, content(region="519999",
                                           code=implementation_code("519999")), key())
    assert unknown.value.code == "UNKNOWN_REGION"
    with pytest.raises(PermissionDenied):
        service.list_published("440000", 10, "")
    with pytest.raises(InvalidArgument):
        service.list_published("５１１６０２", 10, "")


def test_a_replay_is_authorised_before_it_is_answered(service) -> None:
    """The same subject with fewer rights (another department now) gets no stored answer."""
    k = key()
    c = content()
    service.create_item(CLERK, c, k)
    moved = who("clerk-1", "clerk", department=EDUCATION)
    with pytest.raises(PermissionDenied) as info:
        service.create_item(moved, c, k)
    assert info.value.code == "OTHER_DEPARTMENT"
    item = published(service)
    (first,) = service.record_change(LEGAL, legal_change(item.item_id), k2 := key())
    demoted = who("legal-1", "supervisor")
    with pytest.raises(PermissionDenied):
        service.record_change(demoted, legal_change(item.item_id), k2)


def test_drafts_and_internals_are_for_the_department_reviewers_and_supervisors(service) -> None:
    view = service.create_item(CLERK, content(), key())
    other_clerk = who("clerk-2", "clerk", department=EDUCATION)
    with pytest.raises(NotFound):
        service.get_version(other_clerk, view.item_id, 1)
    for reader in (CLERK, LEGAL, STAFFING, who("sup", "supervisor"), who("a", "admin")):
        assert service.get_version(reader, view.item_id, 1).status is VersionStatus.DRAFT
    item = published(service)
    in_force = service.get_version(ANONYMOUS, item.item_id, 0)
    assert may_read_internal(CLERK, in_force) and may_read_internal(LEGAL, in_force)
    assert not may_read_internal(other_clerk, in_force)
    assert not may_read_internal(who("w", "window_clerk"), in_force)
    assert not may_read_internal(ANONYMOUS, in_force)


def test_a_department_handling_a_parallel_branch_reads_the_published_internals(
        service) -> None:
    """Its staff state the countermeasures of the stage they handle: they need its risk
    points — of the published version, not of the drafts."""
    fire = who("fire-1", "clerk", department=FIRE_BRIGADE)
    steps = (Step("accept", "受理", 1, "clerk"),
             Step("review", "审查", 3, "reviewer", parallel_branches=(
                 Branch("区消防救援大队", "消防意见", 2, "reviewer", "fire",
                        department_code=FIRE_BRIGADE),),
                  risk_points=(RiskPoint("吃拿卡要", RiskLevel.MEDIUM, ("回避",)),)),
             Step("decide", "决定", 3, "chief"))
    draft = service.create_item(CLERK, content(steps=steps, promised_limit_days=10), key())
    assert not may_read_internal(fire, draft)
    item = published(service, steps=steps, promised_limit_days=10)
    in_force = service.get_version(ANONYMOUS, item.item_id, 0)
    assert may_read_internal(fire, in_force)
    assert not may_read_internal(who("clerk-2", "clerk", department=EDUCATION), in_force)
    assert not may_read_internal(who("fire-2", "clerk", department=FIRE_BRIGADE,
                                     region="511621"), in_force)  # another county's


def test_a_functions_change_obliges_every_item_of_the_department(service) -> None:
    a, b = published(service), published(service)
    other = who("clerk-2", "clerk", department=EDUCATION)
    published(service, other, department=DEPT, department_code=EDUCATION)  # same name
    change = ChangeRecord(ChangeKind.FUNCTIONS, "广安区机构改革方案", "职能划转至区行政审批局",
                          date(2026, 11, 2), region="511602", department_code=DEVELOPMENT)
    with pytest.raises(PermissionDenied):
        service.record_change(LEGAL, change, key())
    obligations = service.record_change(STAFFING, change, key(), today=date(2026, 11, 3))
    assert {o.item_id for o in obligations} == {a.item_id, b.item_id}
    assert {o.department_code for o in obligations} == {DEVELOPMENT}
    assert all(o.kind == 2 and o.effective_on == "2026-11-02" for o in obligations)
    assert events(service)[-2:] == ["item.change_required", "item.change_required"]
    history = service.history(ANONYMOUS, a.item_id)
    assert history[-1].action == "functions_changed"
    assert history[-1].office == "机构编制管理机关"
    assert service.list_obligations(other, "511602", "", 10, "")[0] == []
    assert len(service.list_obligations(CLERK, "511602", "", 10, "")[0]) == 2
    assert len(service.list_obligations(STAFFING, "511602", "", 10, "")[0]) == 2


@pytest.mark.parametrize(("code", "words"), [
    ("", "unified social credit code"),
    ("083372204", "organisation code (组织机构代码, GB 11714)"),
    ("115113016823646796", "expected '5'"),
])
def test_a_functions_change_names_the_department_by_its_valid_code(service, code: str,
                                                                   words: str) -> None:
    change = ChangeRecord(ChangeKind.FUNCTIONS, "广安区机构改革方案", "职能划转",
                          date(2026, 11, 2), region="511602", department_code=code)
    with pytest.raises(InvalidArgument) as info:
        service.record_change(STAFFING, change, key(), today=date(2026, 11, 3))
    assert info.value.code == "CHANGE_INVALID"
    [violation] = info.value.field_violations
    assert violation.field == "department_code" and words in violation.description
