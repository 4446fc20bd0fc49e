"""Cases the government opens (立案) through the case service, on both databases: the unit of
work writes them like any case, a refused penalty is recorded with its answer, a party's
earlier cases are found."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.cases import storage as t
from services.cases.domain.clock import Limit, TimeUnit
from services.cases.domain.enforcement import (
    HoldHearing,
    Notify,
    RecordEvidence,
    RequestHearing,
    ScheduleHearing,
)
from services.cases.domain.engine import Accept, CompleteStep, Decide, Withdraw
from services.cases.domain.flow import DiscretionSpec, ItemSnapshot, StepKind, StepSpec
from services.cases.domain.model import Evidence, Party, Penalty
from services.cases.repository import party_key
from services.cases.service import CaseService, Opening
from services.shared.auth import Principal, permissions_of
from services.shared.db import Database
from services.shared.errors import Conflict, FailedPrecondition, NotFound, PermissionDenied
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar
from tests.support import departments
from tests.support.cases import key, staff
from tests.support.codes import credit_code

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "cases" / "migrations"
DEPT = "区市场监督管理局"
BASIS = "《中华人民共和国食品安全法》第一百二十二条"
K = StepKind
ITEM = ItemSnapshot(
    item_id="pen-1", version=1, code="P-1", name="对未取得食品经营许可从事食品经营活动的处罚",
    region="511602", department=DEPT, statutory=Limit(90, TimeUnit.CALENDAR_DAYS),
    promised=None, item_type="02", legal_basis=(BASIS,),
    steps=tuple(StepSpec(k, k, kind, role, Limit(5)) for k, kind, role in (
        ("open", K.OPENING, "head"), ("investigate", K.INVESTIGATION, "inspector"),
        ("notify", K.NOTIFICATION, "inspector"), ("decide", K.DECISION, "head"),
        ("close", K.CLOSING, "inspector"))),
    discretion=(DiscretionSpec("first", "一般", "初次违法", ("warning", "fine"), 50_000,
                               500_000),), department_code=departments.MARKET)
PARTY = Party("某食品店", "credit_code", "115113010000000716")
INSPECTOR = staff("insp-1", department=departments.MARKET, positions=("inspector",))
NOTIFIER = staff("insp-2", department=departments.MARKET, positions=("inspector",))
HEAD = staff("head-1", department=departments.MARKET, positions=("head",))
HALL = staff("hall", "hall", None)


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cases.db'}"
        upgrade(MIGRATIONS, url, "cases")
    else:
        url = request.getfixturevalue("pg_settings").database_url
    database = Database(url, "cases", pool_size=1)
    yield database
    with database.begin() as c:  # no relay here: leave no pending events to other tests
        c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
            published_at=func.now()))
    database.dispose()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def service(db, clock):
    return CaseService(db, Items(), WorkingCalendar.official(), "510000", clock=clock)


def opening(facts: str = "未取得许可经营食品", party: Party = PARTY) -> Opening:
    return Opening("pen-1", 0, "511602", (party,), facts, "complaint", (BASIS,),
                   (Evidence("", "inspection_record", "现场检查笔录"),))


def a_party() -> Party:
    """A party of this test only (the database may hold other tests' cases)."""
    return Party("某食品店", "credit_code", credit_code(uuid.uuid4().int % 10**8))


def to_decision(service: CaseService, party: Party = PARTY):  # type: ignore[no-untyped-def]
    case = service.open(INSPECTOR, opening(party=party), key())
    case = service.act(HEAD, case.number, Accept("同意立案"), key())
    case = service.act(INSPECTOR, case.number, RecordEvidence("documentary", "进货单"), key())
    running = next(i.instance_id for i in case.active if i.key == "investigate")
    case = service.act(INSPECTOR, case.number, CompleteStep(running, "查明"), key())
    return service.act(NOTIFIER, case.number, Notify("拟罚款 1000 元"), key())


def outbox_types(db: Database, number: str) -> list[str]:
    """The types of the case's events in the outbox, in order (other tests' events, some of
    them not of a case — a day's trace root — are passed over)."""
    with db.begin() as c:
        rows = c.execute(select(t.outbox.c.body).order_by(t.outbox.c.seq)).scalars().all()
    bodies = [json.loads(b) for b in rows]
    return [b["type"] for b in bodies if b.get("data", {}).get("case_number") == number]


def test_an_opened_case_is_written_like_any_case(service, db) -> None:
    case = to_decision(service)
    assert case.opened and [i.key for i in case.active] == ["decide"]
    types = outbox_types(db, case.number)
    assert types[:2] == ["case.opened", "case.step_started"]
    assert "case.party_notified" in types and "case.evidence_recorded" in types
    entries, broken = service.verify(HEAD, case.number)
    assert broken is None and [e.action for e in entries] == types
    with db.begin() as c:
        keys = c.execute(select(t.case_parties.c.party_key).where(
            t.case_parties.c.case_number == case.number)).scalars().all()
    assert keys == [party_key("credit_code", PARTY.id_number)]


def test_a_refused_penalty_is_recorded_and_its_key_answers_the_same_refusal(service,
                                                                            db) -> None:
    case = to_decision(service)
    heavy = Decide("impose", "情节恶劣", (BASIS,), penalty=Penalty("first", ("fine",),
                                                                  900_000))
    attempt = key()
    with pytest.raises(FailedPrecondition) as refused:
        service.act(HEAD, case.number, heavy, attempt)
    assert refused.value.code == "DISCRETION_OUT_OF_RANGE"
    after = service.get(HEAD, case.number)
    assert after.status is case.status and after.sequence == case.sequence + 1
    assert outbox_types(db, case.number)[-1] == "case.decision_refused"
    entries, broken = service.verify(HEAD, case.number)
    assert broken is None and entries[-1].action == "case.decision_refused"
    assert entries[-1].data["penalty"]["amount_fen"] == 900_000
    # the same key again: the same refusal, nothing recorded twice
    with pytest.raises(FailedPrecondition) as again:
        service.act(HEAD, case.number, heavy, attempt)
    assert (again.value.code, again.value.message) == (refused.value.code,
                                                       refused.value.message)
    assert len(service.verify(HEAD, case.number)[0]) == len(entries)
    with pytest.raises(Conflict):  # the same key for another request
        service.act(HEAD, case.number, Decide("not_impose", "x", (BASIS,)), attempt)
    # justified: decided, and the departure recorded beside it
    justified = Decide("impose", "情节恶劣", (BASIS,), penalty=Penalty(
        "first", ("fine",), 900_000, departure="拒不改正，从重处罚"))
    decided = service.act(HEAD, case.number, justified, key())
    assert decided.decision is not None and decided.decision.penalty is not None
    assert outbox_types(db, case.number)[-2:] == ["case.step_started",
                                                  "case.discretion_departed"]


def test_a_partys_earlier_cases_are_found(service, clock) -> None:
    party = a_party()
    first = to_decision(service, party)
    clock.now += timedelta(days=30)
    second = service.open(INSPECTOR, opening("再次未取得许可经营食品", party), key())
    other = service.open(INSPECTOR, opening("x", a_party()), key())
    assert [c.number for c in service.prior_cases(second)] == [first.number]
    assert service.prior_cases(other) == []
    assert [c.number for c in service.prior_cases(first)] == [second.number]


def test_the_public_sees_no_party_of_an_opened_case(service) -> None:
    case = service.open(INSPECTOR, opening(), key())
    assert service.may_read_internal(HEAD, case)
    assert not service.may_read_internal(HALL, service.get(HALL, case.number))


def test_a_hearing_asked_for_late_is_refused_one_on_time_is_held(service, clock) -> None:
    # the party is told on Monday 16 November, with the right to a hearing
    case = service.open(INSPECTOR, opening(party=a_party()), key())
    case = service.act(HEAD, case.number, Accept(), key())
    running = next(i.instance_id for i in case.active if i.key == "investigate")
    case = service.act(INSPECTOR, case.number, CompleteStep(running), key())
    case = service.act(NOTIFIER, case.number, Notify("拟罚款", hearing_right=True), key())
    assert case.notification is not None
    assert case.notification.hearing_due_on == date(2026, 11, 23)
    clock.now += timedelta(days=8)  # Tuesday 24 November
    with pytest.raises(FailedPrecondition) as late:
        service.act(INSPECTOR, case.number, RequestHearing(), key())
    assert late.value.code == "HEARING_WINDOW_CLOSED"
    case = service.act(INSPECTOR, case.number, RequestHearing(date(2026, 11, 23)), key())
    case = service.act(INSPECTOR, case.number,
                       ScheduleHearing(date(2026, 12, 3), "第一会议室", "host-1"), key())
    clock.now += timedelta(days=9)  # 3 December
    host = staff("host-1", department=departments.MARKET, positions=("legal",))
    case = service.act(host, case.number, HoldHearing("当事人陈述申辩", "维持"), key())
    assert case.hearing is not None and case.hearing.held_at is not None
    assert not case.clock.stopped
    decided = service.act(HEAD, case.number, Decide("impose", "事实清楚", (BASIS,),
                                                    penalty=Penalty("first", ("warning",))),
                          key())
    assert decided.decision is not None and decided.decision.penalty is not None
    assert decided.decision.penalty.within_standard


def test_a_party_follows_the_case_opened_against_them_and_acts_on_nothing(service) -> None:
    """Issue 8: the parties see their own cases in the hall — signed in as themselves (a
    public token whose subject is their identity), a party lists and reads the case opened
    against them; nobody else does, and a party acts on nothing of it."""
    party = a_party()
    case = to_decision(service, party)

    def person(subject: str) -> Principal:
        return Principal(subject, ("public",), ("511602",), None, subject,
                         permissions_of(["public"]))

    me = person(f"credit_code:{party.id_number}")
    mine, total = service.my_cases(me, 0, 20)
    assert [c.number for c in mine] == [case.number] and total == 1
    assert service.get(me, case.number).number == case.number
    stranger = person(f"credit_code:{a_party().id_number}")
    assert service.my_cases(stranger, 0, 20) == ([], 0)
    with pytest.raises(NotFound):
        service.get(stranger, case.number)
    with pytest.raises(PermissionDenied) as refused:
        service.act(me, case.number, Withdraw("不服"), key())
    assert refused.value.code == "PARTY_FOLLOWS_ONLY"


def test_the_filing_approval_is_internal_parties_neither_list_nor_read_it_staff_do(
        service) -> None:
    """Issue 8: the 立案审批表 is the department's own record, not addressed to the party: its
    parties neither list, download nor verify it (to them it does not exist); staff do."""
    party = a_party()
    case = to_decision(service, party)
    me = Principal(f"credit_code:{party.id_number}", ("public",), ("511602",), None,
                   party.id_number, permissions_of(["public"]))
    every = service.documents.list(HEAD, case.number)
    filing = next(d for d in every if d.kind == "filing_approval")
    assert {d.kind for d in every} >= {"filing_approval", "penalty_notice"}
    theirs = service.documents.list(me, case.number)
    assert [d.kind for d in theirs] == [d.kind for d in every if d.kind != "filing_approval"]
    with pytest.raises(NotFound) as hidden:
        service.documents.get(me, case.number, filing.document_id)
    assert hidden.value.code == "DOCUMENT_NOT_FOUND"
    with pytest.raises(NotFound):
        service.documents.verify_stored(me, case.number, filing.document_id)
    record, pdf = service.documents.get(HEAD, case.number, filing.document_id)
    assert record.kind == "filing_approval" and pdf.startswith(b"%PDF")
    notice = next(d for d in theirs if d.kind == "penalty_notice")
    assert service.documents.get(me, case.number, notice.document_id)[1].startswith(b"%PDF")
