"""Supervision's fee, countermeasure and catalogue-obligation rules on both databases: the
standards library filled from the catalogue's real events (through the projection), the case
engine's real events through ``Supervision.on_event``, the obligations' warnings raised by a
sweep — and listed, read, answered, notified and counted in the department's evaluation like
any other warning, though they belong to no case."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.common.v1.common_pb2 import Money

from services.cases.contract import event_to_pb
from services.cases.domain.engine import Accept, ChargeFee, CompleteStep, Submit, decide, evolve
from services.cases.domain.flow import Mode
from services.cases.domain.model import Case, Channel, Party
from services.cases.service import actor_of
from services.monitoring import storage as t
from services.monitoring.evaluation import Evaluation
from services.monitoring.projection import Projection
from services.monitoring.supervision import Supervision
from services.shared.errors import PermissionDenied
from services.shared.events import make_event
from tests.support import departments
from tests.support import supervision as shared
from tests.support.cases import CLERK, DEPT, DEPT_CODE, FIRE_REVIEWER, REVIEWER, item, key, staff
from tests.support.supervision import CALENDAR, Clock

pytestmark = pytest.mark.integration
db, clock, supervision = shared.db, shared.clock, shared.supervision  # the fixtures
APPLICANT = Party("张三", "id_card", "511602199001011236")
SUPERVISOR = staff("sup-1", "supervisor", None)
OTHER_CLERK = staff("clerk-9", department=departments.EDUCATION)
REQUIRED = ["双人审核", "全程留痕"]


def catalogue_event(projection: Projection, event_type: str, message) -> None:  # type: ignore[no-untyped-def]
    assert projection.apply(make_event(event_type, message, node="510000", region="511602"))


def publish_standard(projection: Projection, item_id: str) -> None:
    """The catalogue publishes the version the case runs on: a fee and a high-risk review."""
    content = cpb.ItemDraft(
        name="企业投资项目核准", region="511602", department=DEPT, department_code=DEPT_CODE,
        fees=[cpb.Fee(name="工本费", amount=Money(currency_code="CNY", units=10))],
        steps=[cpb.Step(key="accept", name="受理", limit_days=1),
               cpb.Step(key="review", name="审查", limit_days=3, risk_points=[
                   cpb.RiskPoint(description="吃拿卡要", level=cpb.RISK_LEVEL_HIGH,
                                 countermeasures=REQUIRED)]),
               cpb.Step(key="decide", name="决定", limit_days=2)])
    catalogue_event(projection, "item.published", cpb.ItemEvent(item=cpb.ItemVersion(
        item_id=item_id, version=1, status=cpb.VERSION_STATUS_PUBLISHED,
        state=cpb.ITEM_STATE_ACTIVE, content=content), action="published"))


class Case_:
    """A case of the engine whose events supervision receives, each in its own
    transaction."""

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


def test_fees_and_countermeasures_through_on_event(supervision, db, clock) -> None:
    snapshot = item()
    publish_standard(Projection(db, supervision), snapshot.item_id)
    case = Case_(supervision, clock)
    case.do(Submit(case.number, "511602", snapshot, Mode.PROMISED, APPLICANT,
                   Channel.COUNTER, (("form", 1, 0),)), CLERK)
    case.do(ChargeFee("工本费", 1000, 1, "SC-1"), CLERK)  # the standard: nothing to say
    case.do(ChargeFee("工本费", 3000, 2, "SC-2"), CLERK)  # 10 yuan more than 2 × 10
    case.do(ChargeFee("加急费", 5000, 1, "SC-3"), CLERK)  # not published at all
    case.do(Accept("齐全"), CLERK)
    case.do(CompleteStep(case.running("review/fire"), "同意"), FIRE_REVIEWER)
    review = case.running("review")
    case.do(CompleteStep(review, "同意", ("双人审核",)), REVIEWER)
    found = {(w.rule, w.subject): w for w in
             supervision.list(SUPERVISOR, case_number=case.number).warnings}
    assert set(found) == {("FEE_NOT_STANDARD", "f2"), ("FEE_NOT_PUBLISHED", "f3"),
                          ("COUNTERMEASURES_MISSING", review)}
    fee = found[("FEE_NOT_STANDARD", "f2")]
    assert fee.severity.value == "red" and fee.handler == "clerk-1"
    assert "应收 20 元：多收 10 元" in fee.explanation
    missing = found[("COUNTERMEASURES_MISSING", review)]
    assert missing.handler == "reviewer-1" and "全程留痕" in missing.explanation
    # the handler and the department hear of it
    notes, _, _ = supervision.notifications(REVIEWER, unread_only=False, offset=0, limit=200,
                                            mark_read=False)
    assert any(n["warning_id"] == missing.warning_id for n in notes)
    supervision.sweep()
    assert supervision.get(SUPERVISOR, fee.warning_id).active  # event warnings stay


def obligation(status: int, item_id: str, obligation_id: str,
               due: str = "2026-11-20") -> cpb.ObligationEvent:
    return cpb.ObligationEvent(obligation=cpb.ChangeObligation(
        obligation_id=obligation_id, item_id=item_id,
        region="511602", department=DEPT, department_code=DEPT_CODE,
        description="第十三条修订", law="《企业投资项目核准和备案管理条例》",
        effective_on="2026-11-06", due_date=due, status=status,
        kind=cpb.CHANGE_KIND_LEGAL_BASIS))


def test_an_overdue_obligation_is_warned_answered_counted_and_closed(supervision, db,
                                                                      clock) -> None:
    projection = Projection(db, supervision)
    item_id, obligation_id = f"item-{key()[:8]}", str(uuid.uuid4())

    def listed(principal, **filters):  # type: ignore[no-untyped-def]
        return [w for w in supervision.list(principal, rule="OBLIGATION_OVERDUE", limit=200,
                                            **filters).warnings
                if w.subject == obligation_id]

    publish_standard(projection, item_id)
    catalogue_event(projection, "item.change_required",
                    obligation(cpb.OBLIGATION_STATUS_OPEN, item_id, obligation_id))
    clock.on(date(2026, 11, 20))  # its last day
    supervision.sweep()
    assert listed(SUPERVISOR) == []
    clock.on(date(2026, 11, 23))  # the first working day after it
    assert supervision.sweep() >= 1
    (warning,) = listed(SUPERVISOR)
    assert warning.warning_id == f"obligation:OBLIGATION_OVERDUE:{obligation_id}:1"
    assert (warning.case_number, warning.department_code, warning.item_id, warning.region,
            warning.severity.value) == ("", DEPT_CODE, item_id, "511602", "red")
    assert "「企业投资项目核准」" in warning.explanation
    assert "已逾期 1 个工作日" in warning.explanation
    # listed for the department's staff, not for another department's
    assert [w.warning_id for w in listed(CLERK, active_only=True)] == [warning.warning_id]
    assert listed(OTHER_CLERK) == []
    assert supervision.get(CLERK, warning.warning_id) == warning
    notes, _, _ = supervision.notifications(CLERK, unread_only=False, offset=0, limit=200,
                                            mark_read=False)
    assert [n["action"] for n in notes if n["warning_id"] == warning.warning_id] == ["raised"]
    with pytest.raises(PermissionDenied):
        supervision.act(OTHER_CLERK, warning.warning_id, "acknowledge", key())
    acknowledged = supervision.act(CLERK, warning.warning_id, "acknowledge", key(),
                                   note="正在起草新版本")
    assert acknowledged.status.value == "acknowledged"
    clock.on(date(2026, 11, 25))
    supervision.sweep()
    assert "已逾期 3 个工作日" in supervision.get(SUPERVISOR, warning.warning_id).explanation
    # it counts in the department's month, and against no official
    evaluation = Evaluation(db, clock=clock)
    by_department = evaluation.evaluate(evaluation.query_of(
        SUPERVISOR, dimension="department", period="2026-11", region="511602"))
    assert next(r for r in by_department.rows if r.key == DEPT_CODE).tally.red >= 1
    by_official = evaluation.evaluate(evaluation.query_of(
        SUPERVISOR, dimension="official", period="2026-11", region="511602"))
    assert by_department.total.tally.red - by_official.total.tally.red == 1
    # the department files its new version: the catalogue says so, the warning closes
    catalogue_event(projection, "item.change_fulfilled",
                    obligation(cpb.OBLIGATION_STATUS_FULFILLED, item_id, obligation_id))
    catalogue_event(projection, "item.change_overdue",  # late news changes nothing
                    obligation(cpb.OBLIGATION_STATUS_OVERDUE, item_id, obligation_id))
    clock.on(date(2026, 11, 26))
    supervision.sweep()
    closed = supervision.get(SUPERVISOR, warning.warning_id)
    assert closed.status.value == "closed" and "已提交调整后的新版本" in closed.history[-1].note
    assert [e.action for e in closed.history] == ["raised", "acknowledged", "closed"]
    supervision.sweep()
    assert len(listed(SUPERVISOR)) == 1  # not raised again
    with db.begin() as c:
        announced = c.execute(select(func.count()).select_from(t.outbox).where(
            t.outbox.c.body.contains(warning.warning_id))).scalar_one()
    assert announced == 3  # raised, acknowledged, closed: each once on supervision's outbox
