"""Trend rules over windows (苗头性、倾向性问题), each alone: a department's overdue rate
rising, a handler's refusal and supplement rates far above their peers', decisions bunched on
the last day of their limits — each warning with its numbers, and silent on too little data;
the acts real case events leave; and the trend warnings' lifecycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.cases.contract import event_to_pb
from services.cases.domain.engine import (
    Accept,
    CompleteStep,
    Decide,
    ReceiveSupplement,
    Reject,
    RequestSupplement,
    Submit,
    decide,
    evolve,
)
from services.cases.domain.flow import Mode
from services.cases.domain.model import Case, Channel, Party
from services.cases.service import actor_of
from services.monitoring.contract import warning_to_pb
from services.monitoring.domain import trends as tr
from services.monitoring.domain import warnings as w
from services.monitoring.domain.trend_warnings import case_key, follow_trends, is_trend
from services.monitoring.domain.trends import (
    ActCount,
    ClosedCount,
    DecisionCount,
    TrendFacts,
    TrendThresholds,
)
from services.monitoring.domain.watch import CaseWatch, watch_after
from services.shared.protojson import message_to_dict
from services.shared.working_days import WorkingCalendar
from tests.support.cases import CHIEF, CLERK, FIRE_REVIEWER, REVIEWER, item

CALENDAR = WorkingCalendar.official()
TODAY = date(2026, 12, 28)
DEV = "115113016823646795"
TH = TrendThresholds()


# --- thresholds ------------------------------------------------------------------------------
def test_thresholds_are_data_a_node_may_change() -> None:
    changed = TrendThresholds.of({"overdue_min_cases": 10, "peer_min_z": 2.5})
    assert (changed.overdue_min_cases, changed.peer_min_z, changed.window_days) == (10, 2.5, 28)
    for wrong in ({"overdue_min_case": 1}, {"window_days": 0}, {"window_days": 2.5},
                  {"peer_min_gap": -0.1}, {"peer_rate_floor": 1}, {"peer_min_z": "3"},
                  {"bunching_last_days": True}):
        with pytest.raises(ValueError):
            TrendThresholds.of(wrong)


def test_windows_leave_today_out() -> None:
    current = tr.window(TODAY, 28)
    assert (current.start, current.end) == (date(2026, 11, 30), TODAY)
    assert tr.window(TODAY, 28, 1).end == current.start
    assert tr.windows(TODAY, TH)["overdue"].start == TODAY - timedelta(days=28 * 4)
    assert current.words == "2026-11-30至2026-12-27"


# --- TREND_OVERDUE_RISING --------------------------------------------------------------------
def closed(day: date, timed: int, overdue: int, code: str = DEV) -> ClosedCount:
    return ClosedCount(code, "区发展改革局", "511602", day, timed, overdue)


def department_history(now: tuple[int, int], before: tuple[int, int], windows: int = 3
                       ) -> list[ClosedCount]:
    """``now``: (cases, overdue) in the last 4 weeks; ``before``: in each of the previous."""
    rows = [closed(TODAY - timedelta(days=3), *now)]
    rows += [closed(TODAY - timedelta(days=3 + 28 * back), *before)
             for back in range(1, windows + 1)]
    return rows


def test_a_departments_overdue_rate_rising_warns_with_its_numbers() -> None:
    (found,) = tr.overdue_rising(TrendFacts(TODAY, department_history((25, 8), (20, 1))), TH)
    assert (found.rule, found.department_code, found.subject, found.region) == (
        "TREND_OVERDUE_RISING", DEV, "department", "511602")
    text = tr.TRENDS["TREND_OVERDUE_RISING"].explain(found)
    assert "近 4 周（2026-11-30至2026-12-27）按承诺时限办结 25 件，超期 8 件，超期率 32.0%" in text
    assert "此前 12 周（2026-09-07至2026-11-29）办结 60 件，超期 3 件，超期率 5.0%" in text
    assert "每段依次为 5.0%、5.0%、5.0%" in text and "上升 27.0 个百分点" in text
    assert found.severity.value == "yellow" and found.handler == ""


@pytest.mark.parametrize(("now", "before", "why"), [
    ((19, 10), (20, 1), "too few cases in the window"),
    ((25, 8), (9, 0), "too little past to compare with"),
    ((25, 3), (20, 1), "a rise of 7 points: below 10"),
    ((25, 8), (20, 5), "32% against 25%: not 1.5 times"),
    ((20, 1), (20, 8), "falling"),
])
def test_no_overdue_warning_without_enough_data_or_rise(now, before, why) -> None:
    assert tr.overdue_rising(TrendFacts(TODAY, department_history(now, before)), TH) == [], why


def test_overdue_z_score_keeps_small_counts_quiet() -> None:
    th = replace(TH, overdue_min_cases=3, overdue_min_baseline=3)
    # 2 of 3 late against 1 of 3: a rise of 33 points, but chance gives as much
    assert tr.overdue_rising(TrendFacts(TODAY, department_history((3, 2), (1, 0))), th) == []
    assert tr.two_proportion_z(2, 3, 1, 3) < th.overdue_min_z


def test_today_and_the_days_before_the_windows_do_not_count() -> None:
    rows = department_history((25, 1), (20, 1))
    rows += [closed(TODAY, 30, 30), closed(TODAY - timedelta(days=28 * 4 + 1), 30, 0)]
    assert tr.overdue_rising(TrendFacts(TODAY, rows), TH) == []


def test_a_department_without_a_code_is_not_judged() -> None:
    rows = [replace(r, department_code="") for r in department_history((25, 8), (20, 1))]
    assert tr.overdue_rising(TrendFacts(TODAY, rows), TH) == []


# --- TREND_REJECTION_RATE, TREND_SUPPLEMENT_RATE ---------------------------------------------
def acts(handler: str, accepted: int, rejected: int, looks: int = 0, supplements: int = 0,
         region: str = "511602", item_id: str = "it-1") -> ActCount:
    return ActCount(region, item_id, handler, DEV, "区发展改革局", accepted, rejected, looks,
                    supplements, "企业投资项目核准")


PEERS = [acts("clerk-2", 18, 2), acts("clerk-3", 19, 1), acts("clerk-4", 20, 0)]


def test_a_handler_refusing_far_more_than_peers_warns() -> None:
    facts = TrendFacts(TODAY, acts=[acts("clerk-1", 14, 10), *PEERS])
    (found,) = tr.rejection_rate(facts, TH)
    assert (found.handler, found.item_id, found.subject) == ("clerk-1", "it-1", "clerk-1@it-1")
    text = tr.TRENDS["TREND_REJECTION_RATE"].explain(found)
    assert text.startswith("clerk-1（区发展改革局）近 8 周对「企业投资项目核准」"
                           "作出受理决定 24 件，其中不予受理 10 件，不予受理率 41.7%")
    assert "同地区办理同一事项的其他 3 名工作人员不予受理率的中位数为 5.0%" in text
    assert "高出 36.7 个百分点" in text


@pytest.mark.parametrize(("mine", "peers", "why"), [
    (acts("clerk-1", 9, 10), PEERS, "19 decisions: too few of their own"),
    (acts("clerk-1", 14, 10), PEERS[:2], "two peers: too few to compare with"),
    (acts("clerk-1", 14, 10), [*PEERS[:2], acts("clerk-4", 9, 0)],
     "a peer with 9 decisions does not count: two remain"),
    (acts("clerk-1", 20, 2), PEERS, "9% against 5%: not 15 points above"),
    (acts("clerk-1", 24, 0), PEERS, "below the peers: no sign of a problem"),
])
def test_no_rejection_warning_on_too_little_data_or_gap(mine, peers, why) -> None:
    assert tr.rejection_rate(TrendFacts(TODAY, acts=[mine, *peers]), TH) == [], why


def test_the_peers_median_is_not_moved_by_one_odd_peer() -> None:
    odd = acts("clerk-5", 10, 10)  # a peer refusing half: the median stays near 5 %
    facts = TrendFacts(TODAY, acts=[acts("clerk-1", 14, 10), *PEERS, odd])
    found = {f.handler: f for f in tr.rejection_rate(facts, TH)}
    assert found["clerk-1"].facts["median"] == "7.5%" and found["clerk-1"].facts["peers"] == 4
    assert set(found) == {"clerk-1", "clerk-5"}  # the odd one is warned about too


def test_against_peers_who_refuse_none_the_floor_and_the_gap_decide() -> None:
    clean = [acts(f"clerk-{n}", 20, 0) for n in range(2, 5)]
    # a zero median is taken as 2 %: a z-score is still defined
    (found,) = tr.rejection_rate(TrendFacts(TODAY, acts=[acts("clerk-1", 20, 4), *clean]),
                                 TH)
    assert (found.facts["median"], found.facts["rate"]) == ("0.0%", "16.7%")
    assert tr.binomial_z(4, 24, TH.peer_rate_floor) >= TH.peer_min_z
    assert tr.binomial_z(4, 24, 0.0) == 0.0
    # 2 of 20: far above 2 % by the ratio, but only 10 points above the peers
    assert tr.rejection_rate(TrendFacts(TODAY, acts=[acts("clerk-1", 18, 2), *clean]),
                             TH) == []


def test_peers_are_sought_in_the_whole_node_when_the_region_has_too_few() -> None:
    elsewhere = [replace(p, region="511603") for p in PEERS]
    (found,) = tr.rejection_rate(TrendFacts(TODAY, acts=[acts("clerk-1", 14, 10),
                                                         *elsewhere]), TH)
    assert found.facts["scope"] == "全辖区办理同一事项的" and found.region == "511602"
    other_item = [replace(p, item_id="it-2") for p in PEERS]
    assert tr.rejection_rate(TrendFacts(TODAY, acts=[acts("clerk-1", 14, 10),
                                                     *other_item]), TH) == []


def test_a_handler_asking_for_supplements_far_more_than_peers_warns() -> None:
    peers = [acts(f"clerk-{n}", 20, 0, looks=20, supplements=s)
             for n, s in ((2, 2), (3, 1), (4, 3))]
    facts = TrendFacts(TODAY, acts=[acts("clerk-1", 20, 0, looks=22, supplements=12), *peers])
    (found,) = tr.supplement_rate(facts, TH)
    text = tr.TRENDS["TREND_SUPPLEMENT_RATE"].explain(found)
    assert "初审「企业投资项目核准」申请 22 件，其中要求补正 12 件，补正率 54.5%" in text
    assert "补正率的中位数为 10.0%" in text
    assert tr.rejection_rate(facts, TH) == []  # refusals are another matter
    few = TrendFacts(TODAY, acts=[acts("clerk-1", 20, 0, looks=19, supplements=15), *peers])
    assert tr.supplement_rate(few, TH) == []


def test_the_same_handler_on_two_days_is_one_handler() -> None:
    split = [acts("clerk-1", 7, 5), acts("clerk-1", 7, 5)]
    (found,) = tr.rejection_rate(TrendFacts(TODAY, acts=[*split, *PEERS]), TH)
    assert found.facts["whole"] == 24


def test_a_handler_name_a_warning_id_cannot_hold_is_digested() -> None:
    assert tr.subject_of("clerk-1", "it-1") == "clerk-1@it-1"
    odd = tr.subject_of("张 三:1", "it-1")
    assert odd.startswith("h-") and odd.endswith("@it-1") and len(odd) < 100
    assert odd == tr.subject_of("张 三:1", "it-1")


# --- TREND_DEADLINE_BUNCHING -----------------------------------------------------------------
def decisions(handler: str, limit: int, n: int, last: int, code: str = DEV
              ) -> DecisionCount:
    return DecisionCount(code, "区发展改革局", "511602", handler, "", "", limit, n, last)


def test_decisions_bunched_on_the_last_day_warn_for_the_department_and_the_handler() -> None:
    facts = TrendFacts(TODAY, decisions=[decisions("chief-1", 10, 24, 15),
                                         decisions("chief-2", 10, 6, 0)])
    found = {f.subject: f for f in tr.deadline_bunching(facts, TH)}
    assert set(found) == {"department", "chief-1"}
    text = tr.TRENDS["TREND_DEADLINE_BUNCHING"].explain(found["chief-1"])
    assert text.startswith("chief-1（区发展改革局）近 8 周按时作出的 24 个决定中，"
                           "有 15 个（62.5%）")
    assert "约为 2.4 个（10.0%）" in text
    dept = tr.TRENDS["TREND_DEADLINE_BUNCHING"].explain(found["department"])
    assert dept.startswith("区发展改革局近 8 周按时作出的 30 个决定中，有 15 个（50.0%）")
    assert found["chief-1"].handler == "chief-1" and found["department"].handler == ""


def test_an_even_spread_and_short_limits_do_not_warn() -> None:
    even = TrendFacts(TODAY, decisions=[decisions("chief-1", 10, 30, 4)])
    assert tr.deadline_bunching(even, TH) == []
    # with a 1-day limit every decision is on its last day: nothing to see
    short = TrendFacts(TODAY, decisions=[decisions("chief-1", 1, 40, 40)])
    assert tr.deadline_bunching(short, TH) == []
    few = TrendFacts(TODAY, decisions=[decisions("chief-1", 10, 19, 19)])
    assert tr.deadline_bunching(few, TH) == []


def test_the_even_share_weighs_each_limit() -> None:
    mixed = [decisions("chief-1", 2, 20, 10), decisions("chief-1", 20, 20, 16)]
    # 2-day limits: half on the last day by chance (10 expected); 20-day: 1 expected
    found = tr.deadline_bunching(TrendFacts(TODAY, decisions=mixed), TH)
    assert [(f.facts["expected"], f.facts["even"], f.facts["share"]) for f in found] == [
        ("11.0", "27.5%", "65.0%")] * 2
    less = [decisions("chief-1", 2, 20, 10), decisions("chief-1", 20, 20, 10)]
    # 50 % of them on the last day: not twice the even 27.5 %
    assert tr.deadline_bunching(TrendFacts(TODAY, decisions=less), TH) == []
    assert tr.even_chance(2, 1) == 0.5 and tr.even_chance(1, 3) == 1.0


# --- the acts real events leave --------------------------------------------------------------
def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


class Run:
    def __init__(self, day: date) -> None:
        self.now = at(day)
        self.case: Case | None = None
        self.watch: CaseWatch | None = None
        self.acts: list[tr.ActFact] = []
        self.do(Submit("51160220261102000001", "511602", item("it-1"), Mode.PROMISED,
                       Party("张三", "id_card", "511602199001011236"), Channel.COUNTER,
                       (("form", 1, 0),)), CLERK)

    def on(self, day: date) -> Run:
        self.now = at(day)
        return self

    def do(self, command, actor) -> Run:  # type: ignore[no-untyped-def]
        for event in decide(self.case, command, actor_of(actor), self.now, calendar=CALENDAR):
            self.case = evolve(self.case, event)
            data = message_to_dict(event_to_pb(self.case, event, CALENDAR, role="",
                                               department=""))
            before = self.watch
            self.watch = watch_after(before, event.type, self.now, data)
            self.acts += tr.act_facts(before, self.watch, event.type, self.now, data)
        return self

    def step(self, key: str, actor) -> Run:  # type: ignore[no-untyped-def]
        assert self.case is not None
        return self.do(CompleteStep(next(i.instance_id for i in self.case.active
                                         if i.key == key), "同意"), actor)


def test_an_accepted_case_leaves_its_first_look_and_its_decision_with_days_left() -> None:
    run = Run(date(2026, 11, 2)).do(Accept("齐全"), CLERK)
    run.on(date(2026, 11, 3)).step("review/fire", FIRE_REVIEWER).step("review", REVIEWER)
    run.on(date(2026, 11, 16)).do(Decide("approve", "符合条件"), CHIEF)
    accepted, decided = run.acts
    assert (accepted.act, accepted.handler, accepted.first, accepted.done_on) == (
        "accepted", "clerk-1", True, date(2026, 11, 2))
    assert accepted.department_code == DEV and accepted.item_id == "it-1"
    # promised 10 working days from Mon 11-02: due Mon 11-16, decided on it
    assert (decided.act, decided.handler, decided.limit_days, decided.days_left) == (
        "decided", "chief-1", 10, 0)
    assert decided.ref.startswith("case.decided@")


def test_a_supplement_is_the_first_look_and_the_later_acceptance_is_not() -> None:
    run = Run(date(2026, 11, 2)).do(RequestSupplement(("form",), date(2026, 11, 9)), CLERK)
    run.on(date(2026, 11, 4)).do(ReceiveSupplement((("form", 1, 0),)), CLERK)
    run.do(Reject("不符合条件", "NOT_QUALIFIED"), CLERK)
    asked, rejected = run.acts
    assert (asked.act, asked.first, rejected.act, rejected.first) == (
        "supplement", True, "rejected", False)


# --- trend warnings --------------------------------------------------------------------------
NOW = datetime(2026, 12, 28, 1, 0, tzinfo=UTC)
RISING = TrendFacts(TODAY, department_history((25, 8), (20, 1)))


def test_a_trend_is_raised_once_followed_and_closed_when_gone() -> None:
    (raised,) = follow_trends(tr.trend_findings(RISING, TH), [], NOW, TH)
    assert raised.warning_id == f"TREND-{DEV}:TREND_OVERDUE_RISING:department:1"
    assert raised.case_number == case_key(DEV) and is_trend(raised.case_number)
    assert (raised.department_code, raised.region, raised.severity.value) == (
        DEV, "511602", "yellow")
    assert raised.title == "部门超期率上升" and "超期率 32.0%" in raised.explanation
    # the same numbers the next day: nothing changes; other numbers: the explanation follows
    assert follow_trends(tr.trend_findings(RISING, TH), [raised], NOW, TH) == []
    worse = TrendFacts(TODAY, department_history((25, 10), (20, 1)))
    (followed,) = follow_trends(tr.trend_findings(worse, TH), [raised], NOW, TH)
    assert "超期 10 件" in followed.explanation and len(followed.history) == 1
    # gone: closed by itself; back: raised anew
    later = NOW + timedelta(days=1)
    (closed_,) = follow_trends([], [followed], later, TH)
    assert closed_.status is w.Status.CLOSED and closed_.history[-1].action == "closed"
    (again,) = follow_trends(tr.trend_findings(RISING, TH), [followed, closed_], later, TH)
    assert again.warning_id.endswith(":2") and again.active


def test_an_answered_trend_is_not_raised_again_within_a_window() -> None:
    (raised,) = follow_trends(tr.trend_findings(RISING, TH), [], NOW, TH)
    corrected = w.correct(raised, "clerk-1", NOW, "已增加审查人员")
    found = tr.trend_findings(RISING, TH)
    assert follow_trends(found, [corrected], NOW + timedelta(days=30), TH) == []
    (again,) = follow_trends(found, [corrected], NOW + timedelta(days=56), TH)
    assert again.warning_id.endswith(":2")
    # an acknowledged one is still in force: it closes when the trend is gone
    seen = w.acknowledge(raised, "clerk-1", NOW)
    (closed_,) = follow_trends([], [seen], NOW, TH)
    assert closed_.status is w.Status.CLOSED


def test_a_handlers_trend_warns_the_handler_and_goes_out_as_a_warning_message() -> None:
    facts = TrendFacts(TODAY, acts=[acts("clerk-1", 14, 10), *PEERS])
    (raised,) = follow_trends(tr.trend_findings(facts, TH), [], NOW, TH)
    assert raised.warning_id == f"TREND-{DEV}:TREND_REJECTION_RATE:clerk-1@it-1:1"
    assert (raised.handler, raised.item_id) == ("clerk-1", "it-1")
    message = warning_to_pb(raised)
    assert message.rule_title == "不予受理率明显高于同事" and message.case_number == case_key(DEV)
    assert message.facts["rate"] == "41.7%"
    assert w.rule_title("STEP_LIMIT") == "环节时限" and w.rule_title("NOPE") == "NOPE"
