"""Supervision's HANDOVER_STUCK rule (上报件移交受阻) alone, with the events the case service
publishes about a hand-over (``HandoverEvent`` through the contract, as the outbox writes
it): warned once when overdue, closed by itself when delivered, in either order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sunlight.cases.v1 import cases_pb2 as pb

from services.monitoring.domain.rules import RULES, Context, Severity, handover_stuck
from services.monitoring.domain.warnings import Status, supervise
from services.monitoring.domain.watch import CaseWatch, StuckHandover, watch_after
from services.shared.events import message_to_dict
from services.shared.working_days import WorkingCalendar

NUMBER = "51160220261201000005"
KEPT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
CTX = Context(WorkingCalendar.official(), date(2026, 12, 1))


def _accepted() -> CaseWatch:
    return watch_after(None, "case.accepted", KEPT - timedelta(hours=1), {
        "case_number": NUMBER, "region": "511602", "sequence": 5, "handler": "reviewer-1",
        "status": "CASE_STATUS_IN_PROGRESS", "department": "区发展改革局"})


def _event(event_type: str, handover_id: int = 7, *, delivered: bool = False) -> dict:
    h = pb.Handover(id=handover_id, case_number=NUMBER, region="511602",
                    direction=pb.HANDOVER_DIRECTION_UP, peer="511600", attempts=12,
                    state=pb.HANDOVER_STATE_DELIVERED if delivered
                    else pb.HANDOVER_STATE_FAILING,
                    last_error="" if delivered else "UNAVAILABLE : failed to connect")
    h.created_at.FromDatetime(KEPT)
    data = pb.HandoverEvent(case_number=NUMBER, region="511602", handover=h,
                            overdue_after_minutes=30)
    return {"type": event_type, "data": message_to_dict(data)}


def _apply(watch: CaseWatch, warnings: list, event: dict, at: datetime) -> tuple:
    after = watch_after(watch, event["type"], at, event["data"])
    changed = supervise(after, warnings, CTX, at, (event["type"], event["data"]))
    merged = {w.key: w for w in [*warnings, *changed]}
    return after, list(merged.values()), changed


def test_the_rule_alone_finds_each_stuck_hand_over_and_says_what_to_do() -> None:
    watch = _accepted()
    assert handover_stuck(watch, None, CTX) == []
    stuck = StuckHandover(7, "up", "511600", KEPT, 12, "UNAVAILABLE : failed", 30)
    back = StuckHandover(9, "down", "511621", None, 1, "", 30)
    findings = handover_stuck(replace(watch, stuck_handovers=(stuck, back)), None, CTX)
    assert [(f.rule, f.subject, f.severity) for f in findings] == [
        ("HANDOVER_STUCK", "handover-7", Severity.YELLOW),
        ("HANDOVER_STUCK", "handover-9", Severity.YELLOW)]
    text = RULES["HANDOVER_STUCK"].explain(findings[0])
    assert "上报至上级节点（511600）" in text and "2026-12-01 09:00" in text
    assert "30 分钟" in text and "12 次" in text and "UNAVAILABLE" in text
    assert "sunlight handovers list" in text
    assert "将上级决定回复下级节点（511621）" in RULES["HANDOVER_STUCK"].explain(findings[1])
    assert "最近错误：无" in RULES["HANDOVER_STUCK"].explain(findings[1])


def test_overdue_warns_once_without_a_handler_and_delivered_closes_it() -> None:
    watch, warnings = _accepted(), []
    at = KEPT + timedelta(minutes=31)
    watch, warnings, changed = _apply(watch, warnings, _event("case.handover_overdue"), at)
    (warning,) = changed
    assert warning.warning_id == f"{NUMBER}:HANDOVER_STUCK:handover-7:1"
    assert warning.status is Status.OPEN and warning.severity is Severity.YELLOW
    assert warning.handler == ""  # the node's operators answer it, not the reviewer
    assert warning.department == "区发展改革局" and warning.region == "511602"
    # the case's state is as it was: a hand-over event carries none
    assert (watch.sequence, watch.status, watch.last_handler) == (5, "in_progress",
                                                                  "reviewer-1")
    # the same event again (redelivered): nothing new
    watch, warnings, changed = _apply(watch, warnings, _event("case.handover_overdue"), at)
    assert changed == []
    # delivered: closed by itself
    watch, warnings, changed = _apply(watch, warnings, _event(
        "case.handover_delivered", delivered=True), at + timedelta(minutes=5))
    (closed,) = changed
    assert closed.warning_id == warning.warning_id and closed.status is Status.CLOSED
    assert watch.stuck_handovers == () and watch.delivered_handovers == (7,)


def test_delivered_before_overdue_arrives_warns_of_nothing() -> None:
    watch, warnings = _accepted(), []
    at = KEPT + timedelta(minutes=40)
    watch, warnings, changed = _apply(watch, warnings, _event(
        "case.handover_delivered", delivered=True), at)
    assert changed == []
    watch, warnings, changed = _apply(watch, warnings, _event("case.handover_overdue"), at)
    assert changed == [] and watch.stuck_handovers == ()


def test_another_hand_over_of_the_case_is_warned_apart() -> None:
    watch, warnings = _accepted(), []
    at = KEPT + timedelta(minutes=31)
    watch, warnings, _ = _apply(watch, warnings, _event("case.handover_overdue", 7), at)
    watch, warnings, changed = _apply(watch, warnings, _event("case.handover_overdue", 8), at)
    assert [w.subject for w in changed] == ["handover-8"]
    watch, warnings, changed = _apply(watch, warnings, _event(
        "case.handover_delivered", 8, delivered=True), at)
    assert [(w.subject, w.status) for w in changed] == [("handover-8", Status.CLOSED)]
    assert [s.handover_id for s in watch.stuck_handovers] == [7]
