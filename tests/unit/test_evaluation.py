"""Efficiency evaluation's domain: periods, the facts a case's real events leave, each figure
and its edge cases (no cases, one case, overdue, a clock stopped), unknowns that stay
unknown, points on a scale, rankings, and the CSV and SVG drawn from a table."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from services.cases.contract import event_to_pb
from services.cases.domain.engine import (
    Accept,
    Complete,
    CompleteStep,
    Decide,
    EndProcedure,
    PublishResult,
    StartProcedure,
    Submit,
    decide,
    evolve,
)
from services.cases.domain.flow import Mode
from services.cases.domain.model import Case, Channel, Party
from services.cases.service import actor_of
from services.monitoring.charts import bar_chart
from services.monitoring.domain import evaluation as ev
from services.monitoring.domain.evaluation import (
    CaseFact,
    Dimension,
    Period,
    RatingCounts,
    Scale,
    StepFact,
    Tally,
)
from services.monitoring.domain.watch import CaseWatch, watch_after
from services.monitoring.evaluation import CSV_COLUMNS, Query, Report, to_csv
from services.shared.errors import InvalidArgument
from services.shared.protojson import message_to_dict
from services.shared.working_days import WorkingCalendar
from tests.support.cases import CHIEF, CLERK, FIRE_REVIEWER, REVIEWER, item

CALENDAR = WorkingCalendar.official()
NOVEMBER = Period.parse("2026-11")
DEV = "115113016823646795"


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


class Run:
    """A case of the engine; each event folded into supervision's view and its facts, as
    the write path does."""

    def __init__(self, day: date) -> None:
        self.now = at(day)
        self.case: Case | None = None
        self.watch: CaseWatch | None = None
        self.cases: list[CaseFact] = []
        self.steps: list[StepFact] = []
        self.stopped = 0
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
            self.stopped += ev.stopped_working_days(before, self.watch, ev.local_day(self.now),
                                                    ev.accepted_day(data), CALENDAR)
            if self.watch.closed and (before is None or not before.closed):
                self.cases.append(ev.case_fact(self.watch, event.type, self.now, data,
                                               CALENDAR, self.stopped))
            self.steps += ev.step_facts(before, self.watch, event.type, self.now, data,
                                        CALENDAR, late_entry_days=2)
        return self

    def step(self, key: str, actor) -> Run:  # type: ignore[no-untyped-def]
        assert self.case is not None
        return self.do(CompleteStep(next(i.instance_id for i in self.case.active
                                         if i.key == key), "同意"), actor)

    def finish(self) -> Run:
        return self.do(Decide("approve", "符合条件"), CHIEF).do(PublishResult(), CLERK).do(
            Complete(), CLERK)


# --- periods ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "kind", "start", "end"), [
    ("2026-11", "month", date(2026, 11, 1), date(2026, 12, 1)),
    ("2026-12", "month", date(2026, 12, 1), date(2027, 1, 1)),
    ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1)),
    ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 4, 1)),
    ("2026", "year", date(2026, 1, 1), date(2027, 1, 1))])
def test_periods(text, kind, start, end) -> None:
    period = Period.parse(text)
    assert (period.kind.value, period.start, period.end) == (kind, start, end)
    assert period.contains(start) and not period.contains(end)
    assert Period.of_day(start, period.kind) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-11", "November", "", "2026-1"])
def test_a_period_that_is_none_is_refused(text) -> None:
    with pytest.raises(InvalidArgument) as refused:
        Period.parse(text)
    assert refused.value.field_violations[0].field == "period"


def test_a_period_of_another_kind_than_asked_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        Period.parse("2026-11", ev.PeriodKind.QUARTER)


def test_a_periods_moments_are_shanghai_days() -> None:
    start, end = NOVEMBER.moments()
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    # closed at 01:00 on 1 December in Shanghai (17:00 UTC on 30 November): December's
    assert ev.local_day(datetime(2026, 11, 30, 17, 0, tzinfo=UTC)) == date(2026, 12, 1)


# --- facts from real events -------------------------------------------------------------------
def test_an_early_case_and_its_steps() -> None:
    run = Run(date(2026, 11, 2)).do(Accept("齐全"), CLERK).on(date(2026, 11, 3))
    run.step("review/fire", FIRE_REVIEWER).step("review", REVIEWER).on(date(2026, 11, 4))
    run.finish()
    (fact,) = run.cases
    assert (fact.outcome, fact.closed_on, fact.working_days, fact.decided_by) == (
        "completed", date(2026, 11, 4), 2, "chief-1")
    assert (fact.promised_days, fact.promised_left, fact.over_statutory) == (10, 8, False)
    # acceptance, the fire branch (its own department), the review, the decision
    assert [(s.ref, s.handler, s.late_days) for s in run.steps] == [
        ("s1", "clerk-1", 0), ("s3", "fire-1", 0), ("s2", "reviewer-1", 0),
        ("s4", "chief-1", 0)]
    assert run.steps[1].department_code != DEV and run.steps[1].department
    assert all(s.online and s.kind == "step" for s in run.steps)


def test_an_overdue_case_and_a_late_step() -> None:
    run = Run(date(2026, 11, 2)).do(Accept("齐全"), CLERK).on(date(2026, 11, 3))
    run.step("review/fire", FIRE_REVIEWER).on(date(2026, 11, 10))  # review due 11-05
    run.step("review", REVIEWER).on(date(2026, 11, 18))             # promised due 11-16
    run.finish()
    (fact,) = run.cases
    assert fact.promised_left == -2 and fact.working_days == 12
    late = {s.ref: s.late_days for s in run.steps}
    assert late["s2"] == 3 and late["s3"] == 0  # 11-05 → 11-10: three working days
    t = ev.tally_case(fact)
    assert (t.handled, t.timed, t.on_time, t.early, t.overdue) == (1, 1, 0, 0, 1)


def test_a_stopped_clock_is_left_out_of_the_working_days() -> None:
    run = Run(date(2026, 11, 16)).do(Accept("齐全"), CLERK).on(date(2026, 11, 17))
    run.do(StartProcedure("expert_review", "需专家评审"), REVIEWER).on(date(2026, 11, 23))
    run.do(EndProcedure("通过"), REVIEWER).on(date(2026, 11, 24))
    run.step("review/fire", FIRE_REVIEWER).step("review", REVIEWER).on(date(2026, 11, 25))
    run.finish()
    (fact,) = run.cases
    # 11-17 … 11-25 are 7 working days; the stop left out 11-18, 19, 20 and 23
    assert (fact.stopped_days, fact.working_days) == (4, 3)
    assert fact.promised_left == 7  # the engine's count agrees: 3 used of 10


def test_a_restart_seen_twice_is_counted_once() -> None:
    run = Run(date(2026, 11, 16)).do(Accept("齐全"), CLERK).on(date(2026, 11, 17))
    run.do(StartProcedure("expert_review", "专家评审"), REVIEWER)
    stopped = run.watch
    run.on(date(2026, 11, 19)).do(EndProcedure("结束"), REVIEWER)
    restarted = run.watch
    assert stopped is not None and restarted is not None
    assert ev.stopped_working_days(stopped, restarted, date(2026, 11, 19), date(2026, 11, 16),
                                   CALENDAR) == 2
    assert ev.stopped_working_days(restarted, restarted, date(2026, 11, 19),
                                   date(2026, 11, 16), CALENDAR) == 0


def test_a_fact_entered_days_after_it_happened_is_not_online() -> None:
    watch = Run(date(2026, 11, 2)).do(Accept("齐全"), CLERK).watch
    assert watch is not None
    late = ev.step_facts(watch, watch, "case.served", at(date(2026, 11, 10)),
                         {"handler": "clerk-1", "sequence": 9,
                          "service": {"served_on": "2026-11-03"}}, CALENDAR, 2)
    timely = ev.step_facts(watch, watch, "case.served", at(date(2026, 11, 4)),
                           {"handler": "clerk-1", "sequence": 9,
                            "service": {"served_on": "2026-11-03"}}, CALENDAR, 2)
    assert [(f.kind, f.online, f.done_on) for f in late] == [
        ("served", False, date(2026, 11, 3))]
    assert timely[0].online
    assert ev.tally_step(late[0]).actions_online == 0 and ev.tally_step(late[0]).steps == 0


# --- figures ----------------------------------------------------------------------------------
def case(n: int, left: int | None, days: int | None, outcome: str = "completed",
         closed: date = date(2026, 11, 20), department: str = DEV, by: str = "chief-1"
         ) -> CaseFact:
    return CaseFact(f"c{n}", "511602", department, "区发展改革局", "it-1", outcome, closed,
                    decided_by=by, working_days=days, promised_days=10, promised_left=left)


def test_no_cases_no_rates() -> None:
    row = ev.figures("x", Tally(), backlog=None, ratings=None)
    assert (row.on_time_rate, row.early_rate, row.average_days, row.p90_days,
            row.online_rate) == (None, None, None, None, None)
    assert set(row.unknown) == {"on_time_rate", "early_rate", "average_days", "p90_days",
                                "online_rate", "backlog", "complaints", "satisfaction"}
    assert ev.tally([], [], Dimension.DEPARTMENT, NOVEMBER) == {}


def test_one_case() -> None:
    tallies = ev.tally([case(1, 3, 7)], [], Dimension.DEPARTMENT, NOVEMBER)
    row = ev.figures(DEV, tallies[DEV], backlog=0, ratings=None)
    assert (row.on_time_rate, row.early_rate, row.average_days, row.p90_days) == (
        1.0, 1.0, 7.0, 7)
    assert row.backlog == 0 and "backlog" not in row.unknown


def test_on_time_early_overdue_and_the_days() -> None:
    facts = [case(1, 0, 10), case(2, 4, 6), case(3, -1, 11), case(4, None, None, "rejected"),
             case(5, 2, 8, "withdrawn"), case(6, 5, 2, closed=date(2026, 12, 1)),
             *[case(10 + n, 1, n + 1) for n in range(7)]]
    t = ev.tally(facts, [], Dimension.DEPARTMENT, NOVEMBER)[DEV]
    # handled: 10 completed in November + 1 refused; the withdrawn and December's are not
    assert (t.handled, t.timed, t.on_time, t.early, t.overdue) == (11, 10, 9, 8, 1)
    row = ev.figures(DEV, t, backlog=None, ratings=None)
    assert row.on_time_rate == pytest.approx(0.9) and row.early_rate == pytest.approx(0.8)
    assert row.average_days == pytest.approx((10 + 6 + 11 + 28) / 10)
    assert row.p90_days == 10  # nearest rank: the 9th of 1..7, 6, 10, 11


def test_percentile_and_mean_of_a_histogram() -> None:
    assert ev.percentile({}, 0.9) is None and ev.mean({}) is None
    assert ev.percentile({5: 1}, 0.9) == 5
    assert ev.percentile({1: 9, 30: 1}, 0.9) == 1 and ev.percentile({1: 8, 30: 2}, 0.9) == 30
    assert ev.mean({2: 1, 4: 3}) == pytest.approx(3.5)


def test_tallies_add_up_like_the_databases_sums() -> None:
    a, b = Tally(handled=1, days={3: 1}, name="甲"), Tally(handled=2, days={3: 1, 5: 1})
    summed = a.add(b)
    assert (summed.handled, summed.days, summed.name) == (3, {3: 2, 5: 1}, "甲")


def test_complaints_and_satisfaction_are_unknown_until_ratings_answer() -> None:
    assert ev.NoRatings().counts(Dimension.DEPARTMENT, NOVEMBER, [DEV]) is None
    row = ev.figures(DEV, Tally(), backlog=None, ratings=RatingCounts(2, 10, 0.9))
    assert (row.complaints, row.satisfaction) == (2, 0.9)
    none_rated = ev.figures(DEV, Tally(), backlog=None, ratings=RatingCounts(0, 0, None))
    assert none_rated.complaints == 0 and none_rated.satisfaction is None


# --- points -----------------------------------------------------------------------------------
def test_points_on_the_default_scale() -> None:
    t = Tally(steps=12, steps_timed=12, steps_late=2, overdue=1, yellow=1, red=1)
    found = ev.points(t, Scale(), complaints=None)
    assert found.points == pytest.approx(100 + 1.0 - 2 - 2 - 1 - 3)
    assert found.grade == "称职" and "投诉" not in [line[0] for line in found.lines]
    many = ev.points(Tally(steps=500, steps_timed=500), Scale(), None)
    assert many.points == 110 and many.grade == "优秀"  # the bonus is capped
    worst = ev.points(Tally(red=50), Scale(), complaints=3)
    assert worst.points == 0 and worst.grade == "不称职"  # the floor
    assert ("投诉", 3, -6.0) in worst.lines


def test_a_scale_is_data() -> None:
    scale = Scale.of({"per_red": -5, "grades": [[90, "优秀"], [0, "合格"]]})
    assert scale.per_red == -5 and scale.grade(89.9) == "合格"
    with pytest.raises(ValueError, match="unknown"):
        Scale.of({"per_purple": 1})
    with pytest.raises(ValueError, match="highest first"):
        Scale.of({"grades": [[0, "合格"], [90, "优秀"]]})


# --- rankings ---------------------------------------------------------------------------------
def _row(key: str, on_time: int, timed: int, handled: int | None = None) -> ev.Row:
    return ev.figures(key, Tally(handled=handled if handled is not None else timed,
                                 timed=timed, on_time=on_time), backlog=None, ratings=None)


def test_ranked_best_first_ties_share_unknown_last() -> None:
    ranked = ev.rank([_row("a", 1, 2), _row("b", 0, 0), _row("c", 2, 2), _row("d", 2, 4),
                      _row("e", 3, 3)], "on_time_rate")
    assert [(r.key, r.rank) for r in ranked] == [("c", 1), ("e", 1), ("a", 3), ("d", 3),
                                                 ("b", 0)]
    fewest = ev.rank([_row("a", 0, 0, 5), _row("b", 0, 0, 1)], "handled")
    assert [r.key for r in fewest] == ["a", "b"]
    with pytest.raises(InvalidArgument):
        ev.rank([], "mood")


# --- CSV and SVG ------------------------------------------------------------------------------
def _report(rows: list[ev.Row]) -> Report:
    ranked = ev.rank(rows, "on_time_rate")
    total = ev.figures("", Tally(name="合计"), backlog=None, ratings=None)
    return Report(Query(Dimension.DEPARTMENT, NOVEMBER, "511602"), ranked, total,
                  len(ranked), (), None, datetime(2026, 11, 27, tzinfo=UTC))


def test_the_csv_says_unknown_and_quotes_formulas() -> None:
    evil = ev.figures("=cmd|' /C calc'!A0", Tally(name="=HYPERLINK(\"x\")", timed=2,
                                                   on_time=1, handled=2),
                      backlog=None, ratings=None)
    data = to_csv(_report([evil, _row("b", 0, 0)]))
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == [w for n, w in CSV_COLUMNS if n not in ("points", "grade")]
    assert table[1][1].startswith("'=") and table[1][2].startswith("'=")
    assert table[1][6] == "50.0%" and table[2][6] == "未知" and table[2][0] == ""
    assert table[-1][2] == "合计"


def test_the_chart_says_itself_in_words_and_escapes() -> None:
    rows = ev.rank([_row("a", 3, 4), _row("b", 0, 0)], "on_time_rate")
    rows[0] = ev.Row(**{**rows[0].__dict__, "name": "<script>甲局</script>"})
    svg = bar_chart(rows, "on_time_rate", "2026年11月效能评估")
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title id=\"chart-title\">2026年11月效能评估：按时办结率</title>" in svg
    assert "&lt;script&gt;甲局&lt;/script&gt;：75.0%" in svg and "<script>" not in svg
    assert svg.count("<rect") == 2  # the background and one bar: the unknown has none
    assert "b：未知" in svg
    empty = bar_chart([], "points", "空")
    assert "没有数据" in empty


def test_the_command_line_table_says_unknown() -> None:
    from sunlight.monitoring.v1 import monitoring_pb2 as pb

    from cli.supervision import evaluation_table

    answer = pb.EvaluateResponse(
        dimension=pb.EVALUATION_DIMENSION_OFFICIAL, notes=["投诉数和满意度尚未接入"],
        rows=[pb.EvaluationRow(rank=1, key="fire-1", name="fire-1", handled=2,
                               on_time_rate=0.5, points=97.5, grade="优秀")],
        total=pb.EvaluationRow(name="合计", handled=2))
    lines = evaluation_table(answer).splitlines()
    assert lines[0].split("\t")[-2:] == ["积分", "等次"]
    assert lines[1].split("\t")[:4] == ["1", "fire-1", "2", "50.0%"]
    assert lines[1].split("\t")[-2:] == ["97.5", "优秀"] and "未知" in lines[1]
    assert lines[2].startswith("-\t合计") and lines[-1] == "注：投诉数和满意度尚未接入"


def test_a_total_row_adds_up_complaints_and_ratings_with_the_satisfied_share_over_all() -> None:
    total = ev.summed([ev.RatingCounts(2, 4, 0.75), ev.RatingCounts(1, 0, None),
                       ev.RatingCounts(0, 6, 0.5)])
    assert total == ev.RatingCounts(3, 10, 0.6)
    assert ev.summed([ev.RatingCounts(1, 0, None)]) == ev.RatingCounts(1, 0, None)
