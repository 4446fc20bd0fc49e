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
  deciding, a penalty outside its standard, a step entered days after it happened, a fee
  other than the published one, a high-risk step completed without its countermeasures).
  What they find happened and stays: a supervisor closes it.
- **obligation** rules look at a catalogue change obligation (动态调整义务), not a case: on a
  sweep, one past its day and not fulfilled. Like a state rule's, the warning closes by itself
  once the obligation is fulfilled. Its warning belongs to no case (``case_number`` empty):
  ``obligation:<rule>:<obligation id>:<n>``, its subject the obligation's id.

What a rule compares a case with is the standards library (``Standard``: what supervision
keeps of the item version the case runs on, from the catalogue's events); a rule that needs
it says nothing while the library does not hold the version (``Standard.known``).

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
from services.shared.working_days import CHINA


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
class PublishedFee:
    """A fee as the item publishes it (收费标准): its name and amount in fen (分)."""

    name: str
    fen: int
    basis: str = ""


#: steps that end with an action of their own, where no countermeasures are stated (the
#: acceptance or opening, a notification, a service, a meeting): not judged
_OWN_ACTION_KINDS = frozenset({"STEP_KIND_ACCEPTANCE", "STEP_KIND_OPENING",
                               "STEP_KIND_NOTIFICATION", "STEP_KIND_SERVICE",
                               "STEP_KIND_COLLECTIVE_REVIEW"})


def fen_of(money: Any) -> int:
    """Fen of a Money in its proto3 JSON form (``{"units": "12", "nanos": 500000000}``):
    exact, never through a float."""
    if not isinstance(money, Mapping):
        return 0
    return int(money.get("units", 0) or 0) * 100 + int(money.get("nanos", 0) or 0) // 10_000_000


def yuan(fen: int) -> str:
    """``12`` or ``12.50``: an amount in yuan, to the fen."""
    return str(fen // 100) if fen % 100 == 0 else f"{fen // 100}.{fen % 100:02d}"


@dataclass(frozen=True)
class Standard:
    """What supervision keeps of the item version a case runs on (权力运行标准库)."""

    major: bool = False
    acceptor_may_decide: bool = False
    #: the library holds the version (rules comparing with what it publishes need it)
    known: bool = False
    #: the fees it publishes (收费标准); none or only free ones: it charges nothing
    fees: tuple[PublishedFee, ...] = ()
    #: step key → the countermeasures (防范措施) of its high-level risk points, for the steps
    #: a handler ends with complete_step or decide
    high_risk: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, content: Mapping[str, Any] | None) -> Standard:
        """From the item version's content (the catalogue's ItemDraft JSON)."""
        if content is None:
            return cls()
        fees = tuple(PublishedFee(str(f.get("name", "")).strip(), fen_of(f.get("amount")),
                                  str(f.get("basis", ""))) for f in content.get("fees") or ())
        high_risk: dict[str, tuple[str, ...]] = {}
        for n, step in enumerate(content.get("steps") or ()):
            kind = str(step.get("kind", ""))
            key = str(step.get("key", ""))
            if kind in _OWN_ACTION_KINDS or (
                    kind in ("", "STEP_KIND_UNSPECIFIED") and n == 0 and key == "accept"):
                continue
            high = [r for r in step.get("risk_points") or ()
                    if r.get("level") == "RISK_LEVEL_HIGH"]
            if high:
                high_risk[key] = tuple(dict.fromkeys(
                    str(c).strip() for r in high for c in r.get("countermeasures") or ()
                    if str(c).strip()))
        return cls(major=bool(content.get("major", False)),
                   acceptor_may_decide=bool(content.get("acceptor_may_decide", False)),
                   known=True, fees=fees, high_risk=high_risk)


@dataclass(frozen=True)
class Obligation:
    """A catalogue change obligation (动态调整义务) as supervision keeps it: the item's
    department must file a new version by ``due``."""

    obligation_id: str
    item_id: str
    item_name: str
    region: str
    department: str
    department_code: str
    description: str
    due: date
    fulfilled: bool = False
    kind: str = ""           # "legal_basis" | "functions" ("" unknown)
    law: str = ""            # the law or staffing document behind it
    effective_on: date | None = None


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
#: a rule's function: (the case — or, for an obligation rule, the obligation —, the event
#: looked at or None, the context) → what it finds
Check = Callable[[Any, "Event | None", Context], list[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    kind: str  # "state" | "event" | "obligation"
    templates: Mapping[Severity, str]
    check: Check
    #: the event types an event rule looks at
    on: frozenset[str] = frozenset()
    #: about the node's operation, not anyone's handling of the case (a hand-over another
    #: node does not take): its warning names no handler and counts in no evaluation
    operational: bool = False

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


def handover_stuck(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """上报件: a hand-over of the case to another node still undelivered past the node's
    setting (``case.handover_overdue``), until it is delivered (``case.handover_delivered``)."""
    found = []
    for h in watch.stuck_handovers:
        kept = h.kept_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if h.kept_at else "?"
        found.append(Finding("HANDOVER_STUCK", f"handover-{h.handover_id}", Severity.YELLOW, {
            "what": _HANDOVER_WHAT.get(h.direction, "移交"), "peer": h.peer, "kept": kept,
            "minutes": h.overdue_after_minutes, "attempts": h.attempts,
            "error": h.last_error or "无"}))
    return found


_HANDOVER_WHAT = {"up": "上报至上级节点", "down": "将上级决定回复下级节点"}


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


def _fee(event: Event) -> tuple[Mapping[str, Any], dict[str, str | int]] | None:
    """The fee an event charged (not waived), and the facts its findings quote."""
    _, data = event
    fee = data.get("fee") or {}
    if not fee or fee.get("waived"):
        return None
    quantity = int(fee.get("quantity") or 1)
    return fee, {"fee": str(fee.get("name", "")).strip(), "charged": yuan(fen_of(
        fee.get("amount"))), "quantity": quantity, "receipt": fee.get("receipt_number", ""),
        "handler": data.get("handler", "")}


def fee_not_published(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """A fee the item does not publish, or any fee on an item that publishes none or only
    free ones (收取未公布的费用)."""
    assert event is not None
    found = _fee(event)
    if found is None or not ctx.standard.known:
        return []
    fee, facts = found
    published = next((f for f in ctx.standard.fees if f.name == facts["fee"]), None)
    if published is not None and published.fen > 0:
        return []
    chargeable = [f for f in ctx.standard.fees if f.fen > 0]
    listed = "、".join(f"{f.name} {yuan(f.fen)} 元" for f in chargeable)
    return [Finding("FEE_NOT_PUBLISHED", str(fee.get("fee_id") or _event_subject(event)),
                    Severity.RED, {**facts, "published": listed or "无（该事项不收费）"})]


def fee_not_standard(watch: CaseWatch, event: Event | None, ctx: Context) -> list[Finding]:
    """A published fee charged at another amount than its standard times the units
    (收费与公布标准不符): more or less."""
    assert event is not None
    found = _fee(event)
    if found is None or not ctx.standard.known:
        return []
    fee, facts = found
    published = next((f for f in ctx.standard.fees if f.name == facts["fee"]), None)
    if published is None or published.fen <= 0:
        return []
    charged = fen_of(fee.get("amount"))
    expected = published.fen * int(facts["quantity"])
    if charged == expected:
        return []
    return [Finding("FEE_NOT_STANDARD", str(fee.get("fee_id") or _event_subject(event)),
                    Severity.RED, {**facts, "standard": yuan(published.fen),
                                   "expected": yuan(expected),
                                   "difference": yuan(abs(charged - expected)),
                                   "direction": "多收" if charged > expected else "少收"})]


def countermeasures_missing(watch: CaseWatch, event: Event | None,
                            ctx: Context) -> list[Finding]:
    """A step whose risk point is high (高风险环节) completed — or the decision taken —
    without stating every countermeasure the item requires for it (未落实防范措施)."""
    assert event is not None
    _, data = event
    step = data.get("step") or {}
    if not ctx.standard.known or not step or step.get("branch"):
        return []
    required = ctx.standard.high_risk.get(str(step.get("key", "")).split("/", 1)[0])
    if not required:
        return []
    stated = [str(c).strip() for c in step.get("countermeasures") or ()]
    missing = [c for c in required if c not in stated]
    if not missing:
        return []
    return [Finding("COUNTERMEASURES_MISSING", str(step.get("instance_id") or "step"),
                    Severity.RED, {
                        "step": step.get("name", ""), "handler": data.get("handler", ""),
                        "missing": "；".join(missing), "stated": "；".join(stated) or "无",
                        "required": len(required), "count": len(missing)})]


OBLIGATION_KINDS = {"legal_basis": "法律依据变化（法律法规立改废释）",
                    "functions": "部门职能调整"}


def obligation_overdue(obligation: Obligation, event: Event | None,
                       ctx: Context) -> list[Finding]:
    """A catalogue change obligation past its day and not fulfilled (权力清单调整义务逾期):
    late from the first working day after its due day."""
    if obligation.fulfilled:
        return []
    over = -ctx.left(obligation.due, "working_days")
    if over < 1:
        return []
    return [Finding("OBLIGATION_OVERDUE", obligation.obligation_id, Severity.RED, {
        "item": obligation.item_name or obligation.item_id,
        "department": obligation.department or "未知部门",
        "kind": OBLIGATION_KINDS.get(obligation.kind, "依据或职能变化"),
        "law": obligation.law or "未说明",
        "effective": obligation.effective_on.isoformat() if obligation.effective_on else "未说明",
        "due": obligation.due.isoformat(), "over": over,
        "description": obligation.description})]


def major_without_review(watch: CaseWatch, event: Event | None,
                         ctx: Context) -> list[Finding]:
    """A major enforcement decision (重大执法决定) taken without its meeting (集体讨论)."""
    if ctx.standard.major and not watch.reviewed:
        return [Finding("MAJOR_WITHOUT_REVIEW", "decision", Severity.RED,
                        {"handler": watch.decided_by})]
    return []


def _rule(code: str, title: str, kind: str, check: Check, yellow: str = "", red: str = "",
          on: frozenset[str] = frozenset(), operational: bool = False) -> Rule:
    templates = {s: t for s, t in ((Severity.YELLOW, yellow), (Severity.RED, red)) if t}
    return Rule(code, title, kind, templates, check, on, operational)


RULES: dict[str, Rule] = {r.code: r for r in (
    _rule("STEP_LIMIT", "环节时限", "state", step_limit,
          yellow="「{step}」环节（{department}，{assignee}）应于 {due} 前办结，还剩 {left}{unit}。",
          red="「{step}」环节（{department}，{assignee}）应于 {due} 前办结，已超期 {over}{unit}。"),
    _rule("REPORT_OVERDUE", "上报件逾期", "state", report_overdue,
          red="上报件在上级（{region}）的「{step}」环节应于 {due} 前办结，已超期 {over}{unit}。"),
    _rule("HANDOVER_STUCK", "上报件移交受阻", "state", handover_stuck,
          yellow="本件{what}（{peer}）的移交自 {kept} 起已超过 {minutes} 分钟仍未送达（已尝试 "
                 "{attempts} 次，最近错误：{error}）。办件停在两个节点之间，请节点运维人员检查"
                 "对方节点是否在线、节点注册表是否允许此调用（sunlight handovers list --state "
                 "failing）；送达后本预警自动关闭。", operational=True),
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
    _rule("FEE_NOT_STANDARD", "收费与公布标准不符", "event", fee_not_standard,
          red="{handler} 收取「{fee}」{charged} 元（{quantity} 件，票据号 {receipt}），公布标准为"
              "每件 {standard} 元、应收 {expected} 元：{direction} {difference} 元。",
          on=frozenset({"case.fee_charged"})),
    _rule("FEE_NOT_PUBLISHED", "收取未公布的费用", "event", fee_not_published,
          red="{handler} 收取「{fee}」{charged} 元（票据号 {receipt}），该事项未公布此项收费；"
              "公布的收费标准：{published}。",
          on=frozenset({"case.fee_charged"})),
    _rule("COUNTERMEASURES_MISSING", "高风险环节未落实防范措施", "event",
          countermeasures_missing,
          red="高风险环节「{step}」由 {handler} 办结，未落实事项要求的防范措施 {count} 项："
              "{missing}（已说明落实：{stated}）。",
          on=frozenset({"case.step_completed", "case.decided"})),
    _rule("OBLIGATION_OVERDUE", "权力清单调整义务逾期", "obligation", obligation_overdue,
          red="「{item}」因{kind}（{law}，{effective} 起施行）需调整，{department} 应于 {due} "
              "前提交新版本，已逾期 {over} 个工作日仍未提交。"),
)}


def obligation_findings(obligation: Obligation, ctx: Context) -> list[Finding]:
    """What the obligation rules find in a catalogue change obligation on ``ctx.today``."""
    return [f for rule in RULES.values() if rule.kind == "obligation"
            for f in rule.check(obligation, None, ctx)]


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
