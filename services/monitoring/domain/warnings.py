"""Warnings (预警 · 黄牌 · 红牌): raised once per cause, explained, escalated, answered, closed.

``supervise`` looks at a case after one of its events, or on a sweep, with the rules of
``rules.py``: a cause found for the first time raises a warning — its id names the case, the
rule and the subject (``<case>:<rule>:<subject>:<n>``, ``n`` counting the times that cause was
raised again after being closed), so a cause is never warned about twice at once. A catalogue
change obligation overdue (``supervise_obligation``) is warned about the same way, but belongs
to no case: ``obligation:<rule>:<obligation id>:<n>``, with an empty case number, the item's
department and region, and no handler (the department's staff answer it). A state
rule's warning turns red as soon as its cause gets worse and closes by itself once the rule no
longer finds it (the step was completed); a yellow warning nobody answered within
``escalate_after_days`` working days turns red.

What people do with a warning, each step kept in its history (who, when, what, why):

- the handler (or their department) **acknowledges** it, **corrects** it with an explanation,
  or **contests** it with a reason;
- a supervisor **upholds** a contested warning or **dismisses** it (a reason each);
- on a red warning upheld or not contested, a supervisor records the **accountability**
  outcome (责任追究: the measure taken and by whom) and may publish it as a **notice** (通报)
  with a day by which it must be rectified.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from services.monitoring.domain.rules import (
    RULES,
    Context,
    Event,
    Finding,
    Obligation,
    Severity,
    event_findings,
    obligation_findings,
    state_findings,
)
from services.monitoring.domain.trends import TRENDS
from services.monitoring.domain.watch import CaseWatch
from services.shared.errors import FailedPrecondition, InvalidArgument
from services.shared.working_days import local_day

MAX_TEXT = 2000


class Status(StrEnum):
    OPEN = "open"                  # raised, nobody answered yet
    ACKNOWLEDGED = "acknowledged"  # the handler saw it
    CONTESTED = "contested"        # the handler says it is wrong: a supervisor decides
    UPHELD = "upheld"              # a supervisor found it right
    CORRECTED = "corrected"        # the handler corrected it (explained)
    DISMISSED = "dismissed"        # a supervisor found it wrong
    CLOSED = "closed"              # its cause is gone (the step completed, the clock restarted)


#: statuses in which a warning is still in force
ACTIVE = frozenset({Status.OPEN, Status.ACKNOWLEDGED, Status.CONTESTED, Status.UPHELD})


@dataclass(frozen=True)
class Entry:
    """One step of a warning's history."""

    at: datetime
    by: str
    action: str      # raised, escalated, updated, closed, acknowledged, corrected, …
    severity: str
    note: str = ""


@dataclass(frozen=True)
class Warning:
    warning_id: str
    case_number: str
    region: str
    department: str          # by name, for people
    item_id: str
    rule: str
    subject: str
    severity: Severity
    status: Status
    explanation: str
    facts: Mapping[str, str | int]
    #: who is warned besides the supervisors: the step's assignee, else the last handler
    handler: str
    raised_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    history: tuple[Entry, ...] = ()
    accountability: str = ""       # 责任追究: the measure taken
    accountable_by: str = ""       # who decided it
    notice: str = ""               # 通报
    rectify_by: date | None = None
    #: the warned department's unified social credit code: who may answer is decided by it
    department_code: str = ""

    @property
    def key(self) -> str:
        """The cause: case, rule and subject."""
        return self.warning_id.rsplit(":", 1)[0]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def title(self) -> str:
        return rule_title(self.rule)


def rule_title(code: str) -> str:
    """A rule's Chinese title: a case rule's (``rules.py``) or a trend rule's (``trends.py``)."""
    rule = RULES.get(code) or TRENDS.get(code)
    return rule.title if rule is not None else code


SYSTEM = "supervision"


def operational(warning: Warning) -> bool:
    """A warning about the node's operation (a hand-over between nodes stuck), not about the
    conduct of a case's handler or department: the node's operators and supervisors act on
    it; nobody in the department is warned, asked to answer, or red-carded for it."""
    rule = RULES.get(warning.rule)
    return rule is not None and rule.operational


def _handler_of(watch: CaseWatch, finding: Finding) -> str:
    if RULES[finding.rule].operational:
        return ""  # the node's operators answer it, not the case's handler
    step = next((s for s in watch.running if s.instance_id == finding.subject), None)
    if step is not None and step.assignee:
        return step.assignee
    return str(finding.facts.get("handler", "")) or watch.last_handler


def _raise(watch: CaseWatch, finding: Finding, n: int, now: datetime) -> Warning:
    explanation = RULES[finding.rule].explain(finding)
    return Warning(
        warning_id=f"{watch.case_number}:{finding.rule}:{finding.subject}:{n}",
        case_number=watch.case_number, region=watch.region, department=watch.department,
        department_code=watch.department_code, item_id=watch.item_id, rule=finding.rule,
        subject=finding.subject,
        severity=finding.severity, status=Status.OPEN, explanation=explanation,
        facts=dict(finding.facts), handler=_handler_of(watch, finding), raised_at=now,
        updated_at=now, history=(Entry(now, SYSTEM, "raised", finding.severity.value,
                                       explanation),))


def _follow(warning: Warning, finding: Finding, now: datetime) -> Warning | None:
    """An active warning whose cause is still found: red when it got worse, its explanation
    brought up to date; None when nothing changed."""
    explanation = RULES[finding.rule].explain(finding)
    if finding.severity is Severity.RED and warning.severity is Severity.YELLOW:
        return replace(warning, severity=Severity.RED, explanation=explanation,
                       facts=dict(finding.facts), updated_at=now, history=(
                           *warning.history, Entry(now, SYSTEM, "escalated", "red",
                                                   explanation)))
    if explanation != warning.explanation:
        return replace(warning, explanation=explanation, facts=dict(finding.facts),
                       updated_at=now)
    return None


def supervise(watch: CaseWatch, warnings: Iterable[Warning], ctx: Context, now: datetime,
              event: Event | None = None) -> list[Warning]:
    """The warnings that change with ``watch`` as it stands (after ``event``, or on a sweep):
    raised, escalated, brought up to date or closed. ``warnings``: the case's warnings so
    far, closed ones included."""
    latest: dict[str, Warning] = {}
    for warning in sorted(warnings, key=lambda w: (w.key, w.raised_at)):
        latest[warning.key] = warning
    found = state_findings(watch, ctx)
    if event is not None:
        found += event_findings(watch, event, ctx)
    changed: dict[str, Warning] = {}
    seen: set[str] = set()
    for finding in found:
        key = f"{watch.case_number}:{finding.rule}:{finding.subject}"
        seen.add(key)
        current = latest.get(key)
        if current is None:
            changed[key] = _raise(watch, finding, 1, now)
        elif current.active:
            followed = _follow(current, finding, now)
            if followed is not None:
                changed[key] = followed
        elif current.status is Status.CLOSED and RULES[finding.rule].kind == "state":
            # the cause came back after it had gone (not after a supervisor dismissed it or
            # the handler answered it)
            n = int(current.warning_id.rsplit(":", 1)[1]) + 1
            changed[key] = _raise(watch, finding, n, now)
    for key, warning in latest.items():
        if key in changed or not warning.active:
            continue
        if key not in seen and RULES[warning.rule].kind == "state":  # its cause is gone
            changed[key] = _close(warning, now, SYSTEM, "原因已消除（" + _cured(watch) + "）")
        elif _overdue(warning, ctx):
            changed[key] = _escalate(warning, now)
    return list(changed.values())


#: what stands for the case in the id of a warning about a catalogue obligation, which
#: belongs to no case: ``obligation:<rule>:<obligation id>:<n>``
OBLIGATION = "obligation"


def _raise_obligation(obligation: Obligation, finding: Finding, n: int,
                      now: datetime) -> Warning:
    explanation = RULES[finding.rule].explain(finding)
    return Warning(
        warning_id=f"{OBLIGATION}:{finding.rule}:{finding.subject}:{n}", case_number="",
        region=obligation.region, department=obligation.department,
        department_code=obligation.department_code, item_id=obligation.item_id,
        rule=finding.rule, subject=finding.subject, severity=finding.severity,
        status=Status.OPEN, explanation=explanation, facts=dict(finding.facts), handler="",
        raised_at=now, updated_at=now,
        history=(Entry(now, SYSTEM, "raised", finding.severity.value, explanation),))


def supervise_obligation(obligation: Obligation, warnings: Iterable[Warning], ctx: Context,
                         now: datetime) -> list[Warning]:
    """The warnings that change with a catalogue change obligation as it stands on
    ``ctx.today`` (``warnings``: the obligation's so far): raised once it is overdue, brought
    up to date as the days go by, closed by itself once it is fulfilled. The department is
    warned (its staff answer), not a person."""
    latest: dict[str, Warning] = {}
    for warning in sorted(warnings, key=lambda w: (w.key, w.raised_at)):
        latest[warning.key] = warning
    changed: dict[str, Warning] = {}
    seen: set[str] = set()
    for finding in obligation_findings(obligation, ctx):
        key = f"{OBLIGATION}:{finding.rule}:{finding.subject}"
        seen.add(key)
        current = latest.get(key)
        if current is None:
            changed[key] = _raise_obligation(obligation, finding, 1, now)
        elif current.active:
            followed = _follow(current, finding, now)
            if followed is not None:
                changed[key] = followed
        elif current.status is Status.CLOSED:
            n = int(current.warning_id.rsplit(":", 1)[1]) + 1
            changed[key] = _raise_obligation(obligation, finding, n, now)
    for key, warning in latest.items():
        if key not in seen and key not in changed and warning.active:
            changed[key] = _close(warning, now, SYSTEM, "原因已消除（" + (
                "已提交调整后的新版本" if obligation.fulfilled else "最新状态不再触发此规则")
                + "）")
    return list(changed.values())


def _cured(watch: CaseWatch) -> str:
    return "办件已办结" if watch.closed else "最新状态不再触发此规则"


def _overdue(warning: Warning, ctx: Context) -> bool:
    """A yellow warning nobody answered within the days allowed (an operational one is
    nobody's to answer: it stays as it is until its cause is gone)."""
    if (warning.severity is not Severity.YELLOW or warning.status is not Status.OPEN
            or operational(warning)):
        return False
    raised = local_day(warning.raised_at)  # China's day, as the working days count
    return ctx.working_days_since(raised) > ctx.thresholds.escalate_after_days


def _escalate(warning: Warning, now: datetime) -> Warning:
    note = "未在规定时间内纠正，升级为红牌"
    return replace(warning, severity=Severity.RED, updated_at=now,
                   history=(*warning.history, Entry(now, SYSTEM, "escalated", "red", note)))


def _close(warning: Warning, now: datetime, by: str, note: str,
           status: Status = Status.CLOSED) -> Warning:
    return replace(warning, status=status, closed_at=now, updated_at=now, history=(
        *warning.history, Entry(now, by, status.value, warning.severity.value, note)))


# --- what people do with a warning -----------------------------------------------------------


def _text(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidArgument.of_field(field, "required")
    if len(value) > MAX_TEXT:
        raise InvalidArgument.of_field(field, f"at most {MAX_TEXT} characters")
    return value.strip()


def _not_now(warning: Warning, action: str, allowed: Iterable[Status]) -> FailedPrecondition:
    return FailedPrecondition(
        f"warning {warning.warning_id} is {warning.status.value}: {action} only when "
        + " or ".join(s.value for s in allowed),
        code="WARNING_ACTION_NOT_ALLOWED",
        metadata={"status": warning.status.value, "action": action})


def _step(warning: Warning, now: datetime, by: str, action: str, note: str,
          **changes: object) -> Warning:
    return replace(warning, updated_at=now, history=(
        *warning.history, Entry(now, by, action, warning.severity.value, note)),
        **changes)  # type: ignore[arg-type]


def acknowledge(warning: Warning, by: str, now: datetime, note: str = "") -> Warning:
    if warning.status is not Status.OPEN:
        raise _not_now(warning, "acknowledge", (Status.OPEN,))
    return _step(warning, now, by, "acknowledged", note.strip(), status=Status.ACKNOWLEDGED)


def correct(warning: Warning, by: str, now: datetime, explanation: str) -> Warning:
    """The handler corrected it and says how."""
    allowed = (Status.OPEN, Status.ACKNOWLEDGED, Status.UPHELD)
    if warning.status not in allowed:
        raise _not_now(warning, "correct", allowed)
    return _close(warning, now, by, _text(explanation, "explanation"), Status.CORRECTED)


def contest(warning: Warning, by: str, now: datetime, reason: str) -> Warning:
    allowed = (Status.OPEN, Status.ACKNOWLEDGED)
    if warning.status not in allowed:
        raise _not_now(warning, "contest", allowed)
    return _step(warning, now, by, "contested", _text(reason, "reason"),
                 status=Status.CONTESTED)


def uphold(warning: Warning, by: str, now: datetime, reason: str) -> Warning:
    if warning.status is not Status.CONTESTED:
        raise _not_now(warning, "uphold", (Status.CONTESTED,))
    return _step(warning, now, by, "upheld", _text(reason, "reason"), status=Status.UPHELD)


def dismiss(warning: Warning, by: str, now: datetime, reason: str) -> Warning:
    if not warning.active:
        raise _not_now(warning, "dismiss", sorted(ACTIVE))
    return _close(warning, now, by, _text(reason, "reason"), Status.DISMISSED)


def hold_accountable(warning: Warning, by: str, now: datetime, measure: str) -> Warning:
    """责任追究 on a red warning upheld, or one never contested."""
    if warning.severity is not Severity.RED:
        raise FailedPrecondition("accountability follows a red warning",
                                 code="WARNING_NOT_RED")
    if warning.status in (Status.CONTESTED, Status.DISMISSED):
        raise _not_now(warning, "hold_accountable",
                       (Status.OPEN, Status.ACKNOWLEDGED, Status.UPHELD, Status.CORRECTED,
                        Status.CLOSED))
    measure = _text(measure, "measure")
    return _step(warning, now, by, "held_accountable", measure, accountability=measure,
                 accountable_by=by)


def publish_notice(warning: Warning, by: str, now: datetime, notice: str,
                   rectify_by: date) -> Warning:
    """通报: the accountability outcome made public, with a day to rectify by."""
    if not warning.accountability:
        raise FailedPrecondition("a notice (通报) publishes an accountability outcome: record "
                                 "it first", code="NO_ACCOUNTABILITY")
    if rectify_by <= local_day(now):
        raise InvalidArgument.of_field("rectify_by", "a day after today")
    return _step(warning, now, by, "noticed", _text(notice, "notice"), notice=notice.strip(),
                 rectify_by=rectify_by)
