"""Supervision's rules on fees (收费与公布标准不符, 收取未公布的费用), on high-risk steps'
countermeasures (高风险环节未落实防范措施) and on catalogue change obligations
(权力清单调整义务逾期) — each alone, fed with the case engine's real events and the standards
library built from the catalogue's real content (ItemDraft JSON)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.common.v1.common_pb2 import Money

from services.cases.domain.engine import Actor, ChargeFee, CompleteStep, Decide
from services.monitoring.domain.rules import (
    RULES,
    Context,
    Obligation,
    Standard,
    Thresholds,
    obligation_findings,
)
from services.monitoring.domain.warnings import (
    Severity,
    Status,
    dismiss,
    supervise_obligation,
)
from services.shared.events import message_to_dict
from tests.unit.test_supervision_rules import (
    CALENDAR,
    CLERK,
    DEPT,
    FIRE,
    REVIEWER,
    Supervised,
)

CHIEF = Actor("chief-1", ("511602",), DEPT, frozenset({"chief"}))
REQUIRED = ["双人审核", "全程留痕"]


def standard(fees: tuple[tuple[str, int, int], ...] = (("工本费", 10, 0),), *,
             review_risk: int = cpb.RISK_LEVEL_HIGH, decide_risk: int = 0,
             accept_risk: int = cpb.RISK_LEVEL_HIGH) -> Standard:
    """The library's standard of the version, from the content the catalogue publishes."""
    def risk(level: int, measures: list[str]) -> list[cpb.RiskPoint]:
        return [cpb.RiskPoint(description="风险点", level=level, countermeasures=measures)
                ] if level else []

    content = cpb.ItemDraft(
        name="企业投资项目核准", fees=[cpb.Fee(name=n, amount=Money(
            currency_code="CNY", units=u, nanos=nanos)) for n, u, nanos in fees],
        steps=[cpb.Step(key="accept", name="受理", limit_days=1,
                        risk_points=risk(accept_risk, ["双人受理"])),
               cpb.Step(key="review", name="审查", limit_days=3,
                        risk_points=[*risk(review_risk, REQUIRED),
                                     *risk(cpb.RISK_LEVEL_LOW, ["电子监察"])]),
               cpb.Step(key="decide", name="决定", limit_days=2,
                        risk_points=risk(decide_risk, ["集体研究"]))])
    return Standard.of(message_to_dict(content))


def found(changed, rule: str):  # type: ignore[no-untyped-def]
    return [w for w in changed if w.rule == rule]


# --- fees ------------------------------------------------------------------------------------


def test_the_standard_keeps_fees_in_fen_and_the_high_risk_steps_countermeasures() -> None:
    kept = standard((("工本费", 12, 500_000_000), ("证书费", 0, 0)))
    assert kept.known and [(f.name, f.fen) for f in kept.fees] == [("工本费", 1250), ("证书费", 0)]
    assert dict(kept.high_risk) == {"review": tuple(REQUIRED)}  # the acceptance ends by accept
    assert not Standard.of(None).known


def test_a_fee_at_its_standard_times_the_units_is_not_warned() -> None:
    run = Supervised(standard=standard((("工本费", 12, 500_000_000),)))
    assert found(run.do(ChargeFee("工本费", 2500, 2, "R1"), CLERK), "FEE_NOT_STANDARD") == []
    assert found(run.do(ChargeFee("工本费", waived=True, basis="免收"), CLERK),
                 "FEE_NOT_STANDARD") == []


def test_a_fee_other_than_its_published_standard_is_red() -> None:
    run = Supervised(standard=standard((("工本费", 10, 0),)))
    (more,) = found(run.do(ChargeFee("工本费", 3550, 2, "SC-1"), CLERK), "FEE_NOT_STANDARD")
    assert more.severity is Severity.RED and more.subject == "f1"
    assert more.handler == "clerk-1" and more.status is Status.OPEN
    assert more.explanation == ("clerk-1 收取「工本费」35.50 元（2 件，票据号 SC-1），"
                                "公布标准为每件 10 元、应收 20 元：多收 15.50 元。")
    (less,) = found(run.do(ChargeFee("工本费", 500, 1, "SC-2"), CLERK), "FEE_NOT_STANDARD")
    assert less.subject == "f2" and "少收 5 元" in less.explanation
    run.sweep(date(2026, 11, 30))  # an event rule's warning stays until someone answers it
    assert all(w.active for w in found(run.warnings.values(), "FEE_NOT_STANDARD"))


def test_a_fee_the_item_does_not_publish_is_red() -> None:
    run = Supervised(standard=standard((("工本费", 10, 0),)))
    (other,) = found(run.do(ChargeFee("加急费", 5000, 1, "R1"), CLERK), "FEE_NOT_PUBLISHED")
    assert other.severity is Severity.RED
    assert "该事项未公布此项收费" in other.explanation and "工本费 10 元" in other.explanation
    assert found(run.warnings.values(), "FEE_NOT_STANDARD") == []
    free = Supervised(standard=standard(()))
    (charged,) = found(free.do(ChargeFee("工本费", 1000, 1, "R1"), CLERK), "FEE_NOT_PUBLISHED")
    assert "无（该事项不收费）" in charged.explanation
    said_free = Supervised(standard=standard((("工本费", 0, 0),)))
    assert found(said_free.do(ChargeFee("工本费", 1000, 1, "R1"), CLERK), "FEE_NOT_PUBLISHED")


def test_without_the_version_in_the_library_fees_are_not_judged() -> None:
    run = Supervised()  # Standard(): the library does not hold the version
    changed = run.do(ChargeFee("加急费", 5000, 1, "R1"), CLERK)
    assert not found(changed, "FEE_NOT_PUBLISHED") and not found(changed, "FEE_NOT_STANDARD")


# --- countermeasures -----------------------------------------------------------------------


def to_review(kept: Standard) -> Supervised:
    run = Supervised(standard=kept).accepted()
    run.do(CompleteStep(run.running("review/fire"), "消防同意"), FIRE)
    return run


def test_a_high_risk_step_completed_with_all_its_countermeasures_is_not_warned() -> None:
    run = to_review(standard())
    changed = run.do(CompleteStep(run.running("review"), "同意", (*REQUIRED, "电子监察")),
                     REVIEWER)
    assert found(changed, "COUNTERMEASURES_MISSING") == []


def test_a_high_risk_step_completed_without_its_countermeasures_is_red_per_instance() -> None:
    run = to_review(standard())
    review = run.running("review")
    (warning,) = found(run.do(CompleteStep(review, "同意", ("双人审核",)), REVIEWER),
                       "COUNTERMEASURES_MISSING")
    assert (warning.severity, warning.subject, warning.handler) == (Severity.RED, review,
                                                                    "reviewer-1")
    assert warning.explanation == ("高风险环节「审查」由 reviewer-1 办结，未落实事项要求的防范措施 "
                                   "1 项：全程留痕（已说明落实：双人审核）。")
    assert warning.warning_id.endswith(f":COUNTERMEASURES_MISSING:{review}:1")


def test_the_decision_of_a_high_risk_decision_step_is_judged_too() -> None:
    run = to_review(standard(review_risk=0, decide_risk=cpb.RISK_LEVEL_HIGH))
    assert not found(run.do(CompleteStep(run.running("review"), "同意"), REVIEWER),
                     "COUNTERMEASURES_MISSING")  # the review carries no high risk here
    decision = run.running("decide")
    (warning,) = found(run.do(Decide("approve", "符合条件"), CHIEF), "COUNTERMEASURES_MISSING")
    assert warning.subject == decision and "集体研究" in warning.explanation
    assert "已说明落实：无" in warning.explanation


def test_branches_medium_risks_and_unknown_versions_are_not_judged() -> None:
    run = to_review(standard(review_risk=cpb.RISK_LEVEL_MEDIUM))
    assert not found(run.do(CompleteStep(run.running("review")), REVIEWER),
                     "COUNTERMEASURES_MISSING")
    branch = Supervised(standard=standard()).accepted()  # the fire branch of the risky step
    assert not found(branch.do(CompleteStep(branch.running("review/fire")), FIRE),
                     "COUNTERMEASURES_MISSING")
    unknown = to_review(Standard())
    assert not found(unknown.do(CompleteStep(unknown.running("review")), REVIEWER),
                     "COUNTERMEASURES_MISSING")


# --- catalogue change obligations ----------------------------------------------------------


OBLIGATION = Obligation(
    obligation_id="8d7c2f00-0000-4000-8000-000000000001", item_id="item-1",
    item_name="企业投资项目核准", region="511602", department="区发展改革局",
    department_code="115113016823646795", description="第十三条修订",
    due=date(2026, 11, 20), kind="legal_basis", law="《企业投资项目核准和备案管理条例》",
    effective_on=date(2026, 11, 6))


def on(day: date) -> tuple[Context, datetime]:
    return (Context(CALENDAR, day, Thresholds()),
            datetime(day.year, day.month, day.day, 2, tzinfo=UTC))


def test_an_obligation_is_late_from_the_first_working_day_after_its_day() -> None:
    for day in (date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)):  # Fri, weekend
        assert obligation_findings(OBLIGATION, on(day)[0]) == []
    (finding,) = obligation_findings(OBLIGATION, on(date(2026, 11, 23))[0])
    assert (finding.rule, finding.severity, finding.facts["over"]) == (
        "OBLIGATION_OVERDUE", Severity.RED, 1)
    assert obligation_findings(replace(OBLIGATION, fulfilled=True),
                               on(date(2026, 11, 23))[0]) == []


def test_an_overdue_obligation_is_warned_once_kept_up_to_date_and_closed_when_fulfilled(
        ) -> None:
    ctx, now = on(date(2026, 11, 23))
    (raised,) = supervise_obligation(OBLIGATION, [], ctx, now)
    assert raised.warning_id == f"obligation:OBLIGATION_OVERDUE:{OBLIGATION.obligation_id}:1"
    assert (raised.case_number, raised.region, raised.department_code, raised.item_id,
            raised.subject, raised.handler) == ("", "511602", "115113016823646795", "item-1",
                                                OBLIGATION.obligation_id, "")
    assert raised.explanation == (
        "「企业投资项目核准」因法律依据变化（法律法规立改废释）（《企业投资项目核准和备案管理条例》，"
        "2026-11-06 起施行）需调整，区发展改革局 应于 2026-11-20 前提交新版本，已逾期 1 个工作日"
        "仍未提交。")
    assert supervise_obligation(OBLIGATION, [raised], ctx, now) == []  # once per cause
    later_ctx, later = on(date(2026, 11, 25))
    (kept,) = supervise_obligation(OBLIGATION, [raised], later_ctx, later)
    assert kept.warning_id == raised.warning_id and "已逾期 3 个工作日" in kept.explanation
    assert [e.action for e in kept.history] == ["raised"]
    (closed,) = supervise_obligation(replace(OBLIGATION, fulfilled=True), [kept], later_ctx,
                                     later)
    assert closed.status is Status.CLOSED and "已提交调整后的新版本" in closed.history[-1].note


def test_a_dismissed_obligation_warning_is_not_raised_again() -> None:
    ctx, now = on(date(2026, 11, 23))
    (raised,) = supervise_obligation(OBLIGATION, [], ctx, now)
    dismissed = dismiss(raised, "sup-1", now, "变更已撤回")
    assert supervise_obligation(OBLIGATION, [dismissed], *on(date(2026, 11, 24))) == []


def test_the_new_rules_are_registered_with_their_kind() -> None:
    assert {code: RULES[code].kind for code in (
        "FEE_NOT_STANDARD", "FEE_NOT_PUBLISHED", "COUNTERMEASURES_MISSING",
        "OBLIGATION_OVERDUE")} == {"FEE_NOT_STANDARD": "event", "FEE_NOT_PUBLISHED": "event",
                                   "COUNTERMEASURES_MISSING": "event",
                                   "OBLIGATION_OVERDUE": "obligation"}
    assert RULES["OBLIGATION_OVERDUE"].title == "权力清单调整义务逾期"
    assert RULES["FEE_NOT_STANDARD"].title == "收费与公布标准不符"
