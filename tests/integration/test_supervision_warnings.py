"""Supervision's write path on both databases: a case's events raise, escalate and close its
warnings in their own transaction, with supervision's events and the notifications of those
concerned; sweeps look only at the cases whose day has come; people answer warnings once per
key; each sees the warnings they may."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from services.cases.contract import event_to_pb
from services.cases.domain.engine import Accept, CompleteStep, Reject, Submit, decide, evolve
from services.cases.domain.flow import Mode
from services.cases.domain.model import Case, Channel, Party
from services.cases.service import actor_of
from services.monitoring import storage as t
from services.monitoring.supervision import Supervision
from services.shared.db import Database
from services.shared.errors import Conflict, FailedPrecondition, NotFound, PermissionDenied
from services.shared.events import make_event
from tests.support import departments
from tests.support import supervision as shared
from tests.support.cases import CLERK, FIRE_REVIEWER, REVIEWER, item, key, staff
from tests.support.supervision import CALENDAR, Clock

pytestmark = pytest.mark.integration
db, clock, supervision = shared.db, shared.clock, shared.supervision  # the fixtures
APPLICANT = Party("张三", "id_card", "511602199001011236")
SUPERVISOR = staff("sup-1", "supervisor", None)
OTHER_SUPERVISOR = staff("sup-2", "supervisor", None, region="511603")
OTHER_CLERK = staff("clerk-9", department=departments.EDUCATION)


class Case_:
    """A case of the engine whose events supervision receives as the worker hands them
    over, each in its own transaction."""

    def __init__(self, supervision: Supervision, clock: Clock) -> None:
        self.supervision, self.clock = supervision, clock
        self.case: Case | None = None
        self.number = f"511602{clock.now:%Y%m%d}{key()[:6].upper()}"

    def do(self, command, actor) -> None:  # type: ignore[no-untyped-def]
        for event in decide(self.case, command, actor_of(actor), self.clock.now,
                            calendar=CALENDAR):
            self.case = evolve(self.case, event)
            data = event_to_pb(self.case, event, CALENDAR, role="", department="")
            envelope = make_event(event.type, data, node="510000", region="511602",
                                  occurred_at=self.clock.now)
            with self.supervision.db.begin() as conn:
                self.supervision.on_event(conn, envelope)

    def running(self, step: str) -> str:
        assert self.case is not None
        return next(i.instance_id for i in self.case.active if i.key == step)


def a_case(supervision: Supervision, clock: Clock, materials=(("form", 1, 0),)) -> Case_:  # type: ignore[no-untyped-def]
    case = Case_(supervision, clock)
    case.do(Submit(case.number, "511602", item(), Mode.PROMISED, APPLICANT, Channel.COUNTER,
                   materials), CLERK)
    return case


def events(db: Database, number: str) -> list[str]:
    with db.begin() as c:
        bodies = c.execute(select(t.outbox.c.body).order_by(t.outbox.c.seq)).scalars().all()
    found = [json.loads(b) for b in bodies]
    return [b["type"] for b in found  # supervision's other events (complaints, ratings) aside;
            if b["type"].startswith("warning.")  # proto3 JSON leaves out an empty case number
            and b["data"]["warning"].get("case_number") == number]


def test_a_late_step_is_warned_escalated_and_closed_with_events_and_notices(
        supervision, db, clock) -> None:
    case = a_case(supervision, clock)
    case.do(Accept("齐全"), CLERK)
    review = case.running("review")
    clock.on(date(2026, 11, 18))
    assert supervision.sweep() >= 1
    (yellow,) = [w for w in supervision.list(SUPERVISOR, case_number=case.number).warnings
                 if w.subject == review]
    assert yellow.rule == "STEP_LIMIT" and yellow.severity.value == "yellow"
    clock.on(date(2026, 11, 20))
    supervision.sweep()
    red = supervision.get(SUPERVISOR, yellow.warning_id)
    assert red.severity.value == "red" and [e.action for e in red.history] == [
        "raised", "escalated"]
    case.do(CompleteStep(case.running("review/fire"), "同意"), FIRE_REVIEWER)
    case.do(CompleteStep(review, "同意"), REVIEWER)
    closed = supervision.get(SUPERVISOR, yellow.warning_id)
    assert closed.status.value == "closed" and not closed.active
    assert events(db, case.number).count("warning.closed") >= 1
    assert "warning.raised" in events(db, case.number)
    assert "warning.escalated" in events(db, case.number)
    # the supervisors of the region and the department were told; the handler reads them too
    notes, unread, _ = supervision.notifications(SUPERVISOR, unread_only=False, offset=0,
                                                 limit=200, mark_read=False)
    mine = [n for n in notes if n["warning_id"] == yellow.warning_id]
    assert {n["action"] for n in mine} == {"raised", "escalated", "closed"}
    assert unread >= 3 and all("「审查」环节" in n["text"] for n in mine)
    dept, _, _ = supervision.notifications(CLERK, unread_only=True, offset=0, limit=200,
                                           mark_read=True)
    assert any(n["warning_id"] == yellow.warning_id for n in dept)
    again, _, _ = supervision.notifications(CLERK, unread_only=True, offset=0, limit=200,
                                            mark_read=False)
    assert not any(n["warning_id"] == yellow.warning_id for n in again)


def test_a_sweep_looks_only_at_the_cases_whose_day_has_come(supervision, db, clock) -> None:
    case = a_case(supervision, clock)
    case.do(Accept("齐全"), CLERK)
    with db.begin() as c:
        day = c.execute(select(t.case_watches.c.attention_on).where(
            t.case_watches.c.case_number == case.number)).scalar_one()
    assert day is not None and date.fromisoformat(day) > clock.now.date()
    assert date.fromisoformat(day) <= date(2026, 11, 18)  # no later than the first yellow
    refused = a_case(supervision, clock)
    refused.do(Reject("不符合条件", "NOT_QUALIFIED"), CLERK)
    with db.begin() as c:
        closed = c.execute(select(t.case_watches.c.attention_on).where(
            t.case_watches.c.case_number == refused.number)).scalar_one()
    assert closed is None  # closed: never swept again


def test_a_sweep_in_batches_looks_at_every_due_case_once_whatever_its_day(
        supervision, db, clock) -> None:
    """Cases due on different days, walked two at a time: each due one is looked at (its
    next day moves past today), those not yet due are left as they are; on PostgreSQL two
    partitions' sweeps share the due cases between them."""
    cases = [a_case(supervision, clock) for _ in range(7)]
    for case in cases:
        case.do(Accept("齐全"), CLERK)
    today = clock.now.date()
    days = [today - timedelta(days=3), today, today - timedelta(days=1), today,
            today - timedelta(days=3), today + timedelta(days=2), today]
    v = t.case_watches.c

    def attention() -> dict[str, str | None]:
        with db.begin() as c:
            return dict(c.execute(select(v.case_number, v.attention_on).where(
                v.case_number.in_([x.number for x in cases]))).all())

    def set_days() -> None:
        with db.begin() as c:
            for case, day in zip(cases, days, strict=True):
                c.execute(t.case_watches.update().where(v.case_number == case.number)
                          .values(attention_on=day.isoformat()))

    set_days()
    supervision.sweep(batch=2)
    after = attention()
    for case, day in zip(cases, days, strict=True):
        if day <= today:
            assert date.fromisoformat(after[case.number]) > today, case.number
        else:
            assert after[case.number] == day.isoformat()
    if db.dialect != "postgresql":
        return
    set_days()
    supervision.sweep(batch=2, partition=(0, 2))
    first = {n for n, d in attention().items() if date.fromisoformat(d) > today}
    supervision.sweep(batch=2, partition=(1, 2))
    both = {n for n, d in attention().items() if date.fromisoformat(d) > today}
    due = {c.number for c, d in zip(cases, days, strict=True) if d <= today}
    with db.begin() as c:  # partition 0 by the sweep's hash of the number
        zero = set(c.execute(select(v.case_number).where(
            (func.hashtext(v.case_number).op("&")(0x7FFFFFFF) % 2) == 0)).scalars())
    assert first - {cases[5].number} == due & zero  # each partition its own share
    assert both - {cases[5].number} == due


def test_answers_to_a_warning_once_per_key_and_only_by_who_may(supervision, clock) -> None:
    case = a_case(supervision, clock)
    case.do(Reject("不符合条件", "NOT_QUALIFIED"), CLERK)
    (warning,) = [w for w in supervision.list(SUPERVISOR, case_number=case.number).warnings
                  if w.rule == "COMPLETE_APPLICATION_REJECTED"]
    with pytest.raises(PermissionDenied):
        supervision.act(OTHER_CLERK, warning.warning_id, "contest", key(), reason="错误")
    with pytest.raises(PermissionDenied):
        supervision.act(CLERK, warning.warning_id, "uphold", key(), reason="x")
    k = key()
    contested = supervision.act(CLERK, warning.warning_id, "contest", k,
                                reason="申请人隐瞒重要情况")
    assert contested.status.value == "contested"
    again = supervision.act(CLERK, warning.warning_id, "contest", k,
                            reason="申请人隐瞒重要情况")
    assert again == contested and len(again.history) == 2  # acted once
    with pytest.raises(Conflict):
        supervision.act(CLERK, warning.warning_id, "contest", k, reason="另一个理由")
    upheld = supervision.act(SUPERVISOR, warning.warning_id, "uphold", key(),
                             reason="材料齐全即应受理")
    held = supervision.act(SUPERVISOR, warning.warning_id, "hold_accountable", key(),
                           measure="责令书面检查")
    with pytest.raises(FailedPrecondition):
        supervision.act(CLERK, warning.warning_id, "acknowledge", key())
    noticed = supervision.act(SUPERVISOR, warning.warning_id, "publish_notice", key(),
                              notice="对区发展改革局通报", rectify_by="2026-12-31")
    assert (upheld.status.value, held.accountability, noticed.rectify_by) == (
        "upheld", "责令书面检查", date(2026, 12, 31))


def test_each_sees_the_warnings_they_may(supervision, clock) -> None:
    case = a_case(supervision, clock)
    case.do(Reject("不符合条件", "NOT_QUALIFIED"), CLERK)
    (warning,) = [w for w in supervision.list(SUPERVISOR, case_number=case.number).warnings
                  if w.rule == "COMPLETE_APPLICATION_REJECTED"]
    assert warning.warning_id in {w.warning_id for w in supervision.list(  # the department's
        CLERK, active_only=True, case_number=case.number).warnings}
    assert supervision.list(OTHER_CLERK, case_number=case.number).total == 0
    assert supervision.list(OTHER_SUPERVISOR, case_number=case.number).total == 0
    with pytest.raises(NotFound):
        supervision.get(OTHER_SUPERVISOR, warning.warning_id)
    with pytest.raises(NotFound):
        supervision.get(SUPERVISOR, "nope:RULE:x:1")
    # the legal office reads them for legality oversight (法制监督), but answers nothing
    legal = staff("legal-1", "legal_reviewer", None)
    assert supervision.get(legal, warning.warning_id).warning_id == warning.warning_id
    assert supervision.list(legal, case_number=case.number).total >= 1
    with pytest.raises(PermissionDenied):
        supervision.act(legal, warning.warning_id, "dismiss", key(), reason="不是违规")


def test_an_event_applied_twice_warns_once(supervision, db, clock) -> None:
    case = a_case(supervision, clock)
    assert case.case is not None
    rejected = decide(case.case, Reject("不符合条件", "NOT_QUALIFIED"), actor_of(CLERK),
                      clock.now)[0]
    after = evolve(case.case, rejected)
    envelope = make_event(rejected.type, event_to_pb(after, rejected, CALENDAR, role="",
                                                     department=""),
                          node="510000", region="511602", occurred_at=clock.now)
    for _ in range(2):  # a redelivery the inbox did not catch (another consumer's)
        with db.begin() as conn:
            supervision.on_event(conn, envelope)
    found = supervision.list(SUPERVISOR, case_number=case.number).warnings
    assert sorted(w.rule for w in found) == ["COMPLETE_APPLICATION_REJECTED"]
    clock.now += timedelta(days=1)


def test_a_stuck_hand_over_is_warned_until_it_is_delivered(supervision, db, clock) -> None:
    """The case service's events about a hand-over (HandoverEvent, not the case's state):
    HANDOVER_STUCK raised with no handler, the case's view kept (and read back), closed on
    delivery; a sweep meanwhile keeps it."""
    from sunlight.cases.v1 import cases_pb2 as pb  # noqa: PLC0415

    case = a_case(supervision, clock)
    case.do(Accept("齐全"), CLERK)

    def hand_over(event_type: str, state: int) -> None:
        h = pb.Handover(id=41, case_number=case.number, region="511602", peer="511600",
                        direction=pb.HANDOVER_DIRECTION_UP, state=state, attempts=9,
                        last_error="UNAVAILABLE : failed to connect")
        h.created_at.FromDatetime(clock.now)
        data = pb.HandoverEvent(case_number=case.number, region="511602", handover=h,
                                overdue_after_minutes=30)
        with supervision.db.begin() as conn:
            supervision.on_event(conn, make_event(event_type, data, node="511602",
                                                  region="511602", occurred_at=clock.now))

    hand_over("case.handover_overdue", pb.HANDOVER_STATE_FAILING)
    (stuck,) = [w for w in supervision.list(SUPERVISOR, case_number=case.number).warnings
                if w.rule == "HANDOVER_STUCK"]
    assert stuck.subject == "handover-41" and stuck.handler == "" and stuck.active
    assert "511600" in stuck.explanation and "30 分钟" in stuck.explanation
    # the node's operation, not the department's conduct: its staff are neither told nor
    # asked to answer, and no red card follows however long the other node stays away
    with pytest.raises(PermissionDenied):
        supervision.act(CLERK, stuck.warning_id, "acknowledge", key())
    told, _, _ = supervision.notifications(CLERK, unread_only=False, offset=0, limit=200,
                                           mark_read=False)
    assert not any(n["warning_id"] == stuck.warning_id for n in told)
    supervised, _, _ = supervision.notifications(SUPERVISOR, unread_only=False, offset=0,
                                                 limit=200, mark_read=False)
    assert any(n["warning_id"] == stuck.warning_id for n in supervised)
    clock.now += timedelta(days=30)
    supervision.sweep()
    kept = supervision.get(SUPERVISOR, stuck.warning_id)
    assert kept.active and kept.severity.value == "yellow", kept.history
    hand_over("case.handover_delivered", pb.HANDOVER_STATE_DELIVERED)
    assert supervision.get(SUPERVISOR, stuck.warning_id).status.value == "closed"
    assert events(db, case.number).count("warning.raised") >= 1
    # the case went on as it stood: its step still running, its other warnings unchanged
    case.do(CompleteStep(case.running("review/fire"), "同意"), FIRE_REVIEWER)
