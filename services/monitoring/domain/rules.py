"""The rules supervision compares every case with (权力运行规则), one small entry each.

A rule is data — its code, its Chinese title, when it is evaluated, the explanation template
of each severity — plus one function that looks at a case (and, for an event rule, the event
that just arrived) and says what it finds: ``Finding``\\s, each about one *subject* of the case
(a step instance, the case itself, an event) with the facts its explanation quotes. A new
rule is a new entry in ``RULES``.

Two kinds:

- **state** rules look at where the case stands on a day (a step near or over its limit, the
  case over its promised or statutory limit, a clock stopped too long). They run on every
  event and on every sweep; a warning of theirs closes by itself once the rule no longer finds
  its cause (the step was completed, the clock restarted) — and turns red as soon as a yellow
  cause gets worse.
- **event** rules look at one event (a complete application refused, the one who accepted
  deciding, a penalty outside its standard, a step entered days after it happened). What they
  find happened and stays: a supervisor closes it.

Time is counted on the official calendar in the unit of each limit (working days or calendar
days), as the case engine counts it.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from services.monitoring.domain.watch import CaseWatch, RunningStep


class Severity(StrEnum):
    YELLOW = "yellow"  # 黄牌: about to be late, or an irregularity to look at
    RED = "red"        # 红牌: late, or a violation


class Calendar(Protocol):
    def working_days_between(self, start: date, end: date) -> tuple[int, bool]: ...


@dataclass(frozen=True)
class Thresholds:
    """What the rules count with; a node may set its own."""

    #: a step (a case) this many days or fewer before its limit is near it (yellow) — once
    #: some of its time is used (a one-day step is not near its limit the day it starts)
    step_near_days: int = 1
    case_near_days: int = 2
    #: a yellow warning not corrected within this many working days turns red
    escalate_after_days: int = 2
    #: a fact entered this many working days or more after the day it happened was handled
    #: off-line (事后补录)
    late_entry_days: int = 2
    #: working days a clock may stand still for each reason beyond which it is too long
    #: (a supplement: past the applicant's own day)
    stop_days: Mapping[str, int] = field(default_factory=lambda: {
        "hearing": 20, "expert_review": 30, "inspection": 30, "testing": 30,
        "quarantine": 30, "appraisal": 60, "on_site_check": 20, "tender": 45,
        "auction": 45, "public_notice": 30})
    default_stop_days: int = 30


@dataclass(frozen=True)
class Standard:
    """What supervision keeps of the item version a case runs on (权力运行标准库)."""

    major: bool = False
    acceptor_may_decide: bool = False

    @classmethod
    def of(cls, content: Mapping[str, Any] | None) -> Standard:
        """From the item version's content (the catalogue's ItemDraft JSON)."""
        content = content or {}
        return cls(major=bool(content.get("major", False)),
                   acceptor_may_decide=bool(content.get("acceptor_may_decide", False)))


@dataclass(frozen=True)
class Context:
    calendar: Calendar
    today: date
    thresholds: Thresholds = Thresholds()
    standard: Standard = Standard()
    #: the case before the event being looked at (None: its first event, or a sweep)
    before: CaseWatch | None = None

    def left(self, due: date, unit: str) -> int:
        """Days from today to ``due`` in ``unit``: 0 on the day, negative when late."""
        if unit == "calendar_days":
            return (due - self.today).days
        return self.calendar.working_days_between(self.today, due)[0]

    def working_days_since(self, day: date) -> int:
        return self.calendar.working_days_between(day, self.today)[0]


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    severity: Severity
    facts: Mapping[str, str | int]


Event = tuple[str, Mapping[str, Any]]  # (type, data)
Check = Callable[[CaseWatch, "Event | None", Context], list[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    kind: str  # "state" | "event"
    templates: Mapping[Severity, str]
    check: Check
    #: the event types an event rule looks at
    on: frozenset[str] = frozenset()

    def explain(self, finding: Finding) -> str:
        return self.templates[finding.severity].format(**finding.facts)


UNIT_WORDS = {"working_days": "个工作日", "calendar_days": "个自然日"}


def _step_facts(step: RunningStep, left: int) -> dict[str, str | int]:
    return {"step": step.name, "department": step.department, "region": step.region,
            "due": step.due.isoformat() if step.due else "", "left": left, "over": -left,
            "unit": UNIT_WORDS.get(step.unit, "个工作日"), "assignee": step.assignee or "未认领"}


# --- state rules ------------------------------------------------------------------------------


def _step_limits(watch: CaseWatch, event: Event | None, ctx: Context,
                 *, reported: bool) -> list[Finding]:
    if watch.closed or watch.clock_stopped:
        return []  # while the clock stands still no limit runs out
    found = []
    for step in watch.running:
        if step.due is None or (step.region != watch.region) != reported:
            continue
        left = ctx.left(step.due, step.unit)
        if left < 0:
            severity = Severity.RED
        elif left <= ctx.thresholds.step_near_days and left < step.limit_days and (
                not reported):
            severity = Severity.YELLOW
        else:
            continue
        found.append(Finding("REPORT_OVERDUE" if reported else "STEP_LIMIT",
                             step.instance_id, severity, _step_facts(step, left)))
    return found


def step_limit(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """A step near (yellow) or over (red) its own limit — even when the case is on time."""
    return _step_limits(watch, event, ctx, reported=False)


def report_overdue(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """A case reported up a level (上报件) whose step there is over its limit."""
    return _step_limits(watch, event, ctx, reported=True)


def case_promised(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """The case near (yellow) or over (red) its promised limit (承诺时限)."""
    limit = watch.promised
    if not watch.limits_running or limit is None or limit.due is None:
        return []
    left = ctx.left(limit.due, limit.unit)
    if left > ctx.thresholds.case_near_days or left >= limit.limit_days:
        return []
    severity = Severity.RED if left < 0 else Severity.YELLOW
    return [Finding("CASE_PROMISED", "case", severity, {
        "due": limit.due.isoformat(), "left": left, "over": -left, "limit": limit.limit_days,
        "unit": UNIT_WORDS.get(limit.unit, "个工作日")})]


def case_statutory(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """The case over its statutory limit (法定时限)."""
    limit = watch.statutory
    if not watch.limits_running or limit is None or limit.due is None:
        return []
    left = ctx.left(limit.due, limit.unit)
    if left >= 0:
        return []
    return [Finding("CASE_STATUTORY", "case", Severity.RED, {
        "due": limit.due.isoformat(), "over": -left, "limit": limit.limit_days,
        "unit": UNIT_WORDS.get(limit.unit, "个工作日")})]


def clock_stopped_too_long(watch: CaseWatch, event: Event | None,
                           ctx: Context) -> list[Finding]:
    """A clock standing still longer than its reason allows: a supplement past the
    applicant's day, a special procedure past its usual length."""
    if watch.closed or not watch.clock_stopped or watch.stopped_since is None:
        return []
    reason = watch.stopped_because
    if reason == "supplement":
        if watch.supplement_due is None or ctx.today <= watch.supplement_due:
            return []
        return [Finding("CLOCK_STOPPED_TOO_LONG", "clock", Severity.YELLOW, {
            "reason": "补正", "since": watch.stopped_since.isoformat(),
            "allowed": f"申请人补正期限 {watch.supplement_due.isoformat()}",
            "days": ctx.working_days_since(watch.stopped_since)})]
    allowed = ctx.thresholds.stop_days.get(reason, ctx.thresholds.default_stop_days)
    days = ctx.working_days_since(watch.stopped_since)
    if days <= allowed:
        return []
    return [Finding("CLOCK_STOPPED_TOO_LONG", "clock", Severity.YELLOW, {
        "reason": PROCEDURE_WORDS.get(reason, reason), "since": watch.stopped_since.isoformat(),
        "allowed": f"{allowed} 个工作日", "days": days})]


PROCEDURE_WORDS = {
    "extension": "延长审批期限", "hearing": "听证", "tender": "招标", "auction": "拍卖",
    "inspection": "检验", "testing": "检测", "quarantine": "检疫", "expert_review": "专家评审",
    "appraisal": "鉴定", "on_site_check": "现场核查", "public_notice": "公示",
    "supplement": "补正"}


# --- event rules ------------------------------------------------------------------------------


def _event_subject(event: Event) -> str:
    kind, data = event
    return f"{kind}@{data.get('sequence', '')}"


def rejected_complete(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """A complete application refused (材料齐全不予受理)."""
    assert event is not None
    _, data = event
    if not data.get("complete_application"):
        return []
    return [Finding("COMPLETE_APPLICATION_REJECTED", _event_subject(event), Severity.RED, {
        "handler": data.get("handler", ""), "code": data.get("reason_code", "") or "未说明",
        "reason": data.get("reason", "") or "未说明"})]


def rejected_without_reasons(watch: CaseWatch, event: Event | None,
                             ctx: Context) -> list[Finding]:
    """A refusal (不予受理 / 不予立案) that gives no reasons."""
    assert event is not None
    _, data = event
    if str(data.get("reason", "")).strip():
        return []
    return [Finding("REJECTION_WITHOUT_REASONS", _event_subject(event), Severity.RED,
                    {"handler": data.get("handler", "")})]


def acceptor_decided(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """The one who accepted the case decided it too (受理与决定未分离)."""
    if watch.opened or ctx.standard.acceptor_may_decide:
        return []
    if watch.accepted_by and watch.accepted_by == watch.decided_by:
        return [Finding("ACCEPTOR_DECIDED", "decision", Severity.RED,
                        {"handler": watch.decided_by})]
    return []


def skipped_stage(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """A step started beyond the next stage of the flow: a stage skipped (环节跳跃)."""
    assert event is not None
    _, data = event
    previous = ctx.before
    # judged only on the event right after the one before it (a gap: events out of order)
    if previous is None or int(data.get("sequence", 0)) != previous.sequence + 1:
        return []
    step = data.get("step") or {}
    stage = int(step.get("stage", -1))
    before = previous.furthest_stage
    if stage > before + 1:
        return [Finding("STAGE_SKIPPED", step.get("instance_id", "step"), Severity.RED, {
            "step": step.get("name", ""), "stage": stage + 1, "expected": before + 2})]
    return []


def late_entry(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """A fact entered well after the day it happened: handled off-line and recorded
    afterwards (网下运行、网上补录)."""
    assert event is not None
    kind, data = event
    said = {"case.party_notified": ((data.get("notification") or {}).get("notified_on"),
                                    "告知当事人"),
            "case.served": ((data.get("service") or {}).get("served_on"), "送达"),
            "case.hearing_requested": ((data.get("hearing") or {}).get("requested_on"),
                                       "当事人申请听证")}.get(kind)
    if said is None or not said[0]:
        return []
    happened = date.fromisoformat(said[0])
    days = ctx.working_days_since(happened)
    if days < ctx.thresholds.late_entry_days:
        return []
    return [Finding("LATE_ENTRY", _event_subject(event), Severity.YELLOW, {
        "what": said[1], "happened": happened.isoformat(), "days": days,
        "handler": data.get("handler", "")})]


def discretion(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """A penalty outside its discretion standard (裁量基准): decided with a written
    justification (yellow: look at it), or attempted without one (yellow)."""
    assert event is not None
    kind, data = event
    penalty = data.get("penalty") or {}
    amount = penalty.get("amount") or {}
    yuan = int(amount.get("units", 0) or 0) + int(amount.get("nanos", 0) or 0) / 1e9
    facts: dict[str, str | int] = {
        "handler": data.get("handler", ""), "circumstance": penalty.get("circumstance", ""),
        "measures": "、".join(penalty.get("measures", ())) or "无",
        "amount": f"{yuan:g}", "allowed": data.get("allowed", "") or "未说明",
        "departure": penalty.get("departure", "") or "无"}
    code = ("PENALTY_OUTSIDE_STANDARD" if kind == "case.discretion_departed"
            else "PENALTY_ATTEMPT_REFUSED")
    return [Finding(code, _event_subject(event), Severity.YELLOW, facts)]


def major_without_review(watch: CaseWatch, event: Event | None,
                         ctx: Context) -> list[Finding]:
    """A major enforcement decision (重大执法决定) taken without its meeting (集体讨论)."""
    if ctx.standard.major and not watch.reviewed:
        return [Finding("MAJOR_WITHOUT_REVIEW", "decision", Severity.RED,
                        {"handler": watch.decided_by})]
    return []


def _rule(code: str, title: str, kind: str, check: Check, yellow: str = "", red: str = "",
          on: frozenset[str] = frozenset()) -> Rule:
    templates = {s: t for s, t in ((Severity.YELLOW, yellow), (Severity.RED, red)) if t}
    return Rule(code, title, kind, templates, check, on)


RULES: dict[str, Rule] = {r.code: r for r in (
    _rule("STEP_LIMIT", "环节时限", "state", step_limit,
          yellow="「{step}」环节（{department}，{assignee}）应于 {due} 前办结，还剩 {left}{unit}。",
          red="「{step}」环节（{department}，{assignee}）应于 {due} 前办结，已超期 {over}{unit}。"),
    _rule("REPORT_OVERDUE", "上报件逾期", "state", report_overdue,
          red="上报件在上级（{region}）的「{step}」环节应于 {due} 前办结，已超期 {over}{unit}。"),
    _rule("CASE_PROMISED", "承诺时限", "state", case_promised,
          yellow="办件承诺时限 {limit}{unit}，应于 {due} 前办结，还剩 {left}{unit}。",
          red="办件承诺时限 {limit}{unit}，应于 {due} 前办结，已超期 {over}{unit}。"),
    _rule("CASE_STATUTORY", "法定时限", "state", case_statutory,
          red="办件已超过法定时限 {limit}{unit}（应于 {due} 前办结），超期 {over}{unit}。"),
    _rule("CLOCK_STOPPED_TOO_LONG", "暂停计时过长", "state", clock_stopped_too_long,
          yellow="办件因{reason}自 {since} 起暂停计时已 {days} 个工作日，超过{allowed}。"),
    _rule("COMPLETE_APPLICATION_REJECTED", "材料齐全不予受理", "event", rejected_complete,
          red="申请材料齐全，{handler} 仍作出不予受理（理由代码 {code}：{reason}）。",
          on=frozenset({"case.rejected"})),
    _rule("REJECTION_WITHOUT_REASONS", "不予受理未说明理由", "event", rejected_without_reasons,
          red="{handler} 作出不予受理（不予立案）决定，未说明理由。",
          on=frozenset({"case.rejected"})),
    _rule("ACCEPTOR_DECIDED", "受理与决定未分离", "event", acceptor_decided,
          red="{handler} 既受理又作出决定，违反受理与决定相分离的要求。",
          on=frozenset({"case.decided"})),
    _rule("STAGE_SKIPPED", "环节跳跃", "event", skipped_stage,
          red="「{step}」是第 {stage} 个环节，而办件尚未进入第 {expected} 个环节：跳过了环节。",
          on=frozenset({"case.step_started"})),
    _rule("LATE_ENTRY", "事后补录", "event", late_entry,
          yellow="{what}发生于 {happened}，{days} 个工作日后才由 {handler} 录入：疑似网下运行、"
                 "事后补录。",
          on=frozenset({"case.party_notified", "case.served", "case.hearing_requested"})),
    _rule("PENALTY_OUTSIDE_STANDARD", "突破裁量基准", "event", discretion,
          yellow="{handler} 作出的处罚（{measures}，{amount} 元）超出裁量基准「{circumstance}」"
                 "（{allowed}），书面理由：{departure}。",
          on=frozenset({"case.discretion_departed"})),
    _rule("PENALTY_ATTEMPT_REFUSED", "试图突破裁量基准", "event", discretion,
          yellow="{handler} 试图作出超出裁量基准「{circumstance}」（{allowed}）的处罚（{measures}，"
                 "{amount} 元）且无书面理由，已被系统拒绝。",
          on=frozenset({"case.decision_refused"})),
    _rule("MAJOR_WITHOUT_REVIEW", "重大决定未经集体讨论", "event", major_without_review,
          red="重大执法决定由 {handler} 作出，未经集体讨论。", on=frozenset({"case.decided"})),
)}


def state_findings(watch: CaseWatch, ctx: Context) -> list[Finding]:
    """What the state rules find in the case on ``ctx.today``."""
    return [f for rule in RULES.values() if rule.kind == "state"
            for f in rule.check(watch, None, ctx)]


def event_findings(watch: CaseWatch, event: Event, ctx: Context) -> list[Finding]:
    """What the event rules find in one event (``watch``: the case after it; ``ctx.before``:
    before it)."""
    kind, _ = event
    return [f for rule in RULES.values() if rule.kind == "event" and kind in rule.on
            for f in rule.check(watch, event, ctx)]


def attention_on(watch: CaseWatch, ctx: Context) -> date | None:
    """The next day on which a state rule may find something new in the case as it stands —
    a sweep looks at a case again only from that day on. A limit is watched every day from
    shortly before it comes near (a margin for weekends and holidays) up to the day after it
    passes; a stopped clock every day from the earliest day its stop may be too long. None:
    nothing can change before the case's next event."""
    if watch.closed:
        return None
    tomorrow = ctx.today + timedelta(days=1)
    windows: list[tuple[date, date]] = []
    margin = timedelta(days=3 * max(ctx.thresholds.step_near_days,
                                    ctx.thresholds.case_near_days) + 10)
    limits = [(s.due, s.unit) for s in watch.running if s.due is not None]
    if watch.limits_running:
        limits += [(lim.due, lim.unit) for lim in (watch.promised, watch.statutory)
                   if lim is not None and lim.due is not None]
    for due, _unit in limits:
        windows.append((due - margin, due + timedelta(days=1)))
    if watch.clock_stopped and watch.stopped_since is not None:
        if watch.stopped_because == "supplement" and watch.supplement_due is not None:
            first = watch.supplement_due + timedelta(days=1)
        else:
            first = watch.stopped_since + timedelta(days=ctx.thresholds.stop_days.get(
                watch.stopped_because, ctx.thresholds.default_stop_days))
        windows.append((first, first + timedelta(days=366)))
    days = [start if start > ctx.today else tomorrow
            for start, end in windows if end >= tomorrow]
    return min(days) if days else None
