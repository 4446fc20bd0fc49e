"""Efficiency evaluation (效能评估): figures per department, region, item or official, per
month, quarter or year, ranked — for monthly checks, quarterly reviews and the annual
assessment of officials (融入干部年度考核).

Supervision keeps compact **facts** as cases run (``CaseFact`` when a case closes, ``StepFact``
as each step is completed or a dated fact is recorded); the figures of a period are sums of
facts in it, taken by the database (``Tally``: additive, so SQL aggregates and the pure
``tally`` below give the same) and turned into rates here (``figures``).

What each figure means:

- **handled** (办结): cases closed by the department's act in the period — completed (办结) or
  refused at acceptance (不予受理); withdrawn and lapsed cases are not the department's.
- **on time / early / overdue** (按时 / 提前 / 超期办结), of the handled cases with a promised
  limit (承诺时限): at closure, days left ≥ 0 / > 0 / < 0, counted in the limit's own unit with
  the days the clock stood still left out (the case engine's count). ``over_statutory``: also
  past the statutory limit (法定时限).
- **average and p90 working days** (平均 / 90% 办理用时): working days on the official calendar
  from acceptance to closure, the days the clock stood still left out.
- **backlog** (积压): cases open now. Supervision keeps no past backlog: for a period that has
  ended it is unknown.
- **warnings** by colour (黄牌 / 红牌) raised in the period, except those a supervisor dismissed.
- **online-handling rate** (网上运行率): of the actions recorded in the period — each step
  completed, and each fact that carries its own day (a party notified, a document served, a
  hearing requested) — the share recorded as it happened rather than entered afterwards
  (``late_entry_days`` working days or more later, the LATE_ENTRY rule's threshold). A step is
  recorded by the case engine at the moment it is done, so only dated facts can be off-line.
- **complaints and satisfaction** (投诉 / 满意度): from complaints and ratings
  (``RatingsProvider``); unknown (None) until a provider answers — never shown as 0.
- **points** (考核积分) of an official on a ``Scale``: kept as data with defaults.

A rate with no denominator is None (unknown), never 0 %.

Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from services.monitoring.domain.watch import CaseWatch, RunningStep
from services.shared.errors import InvalidArgument

CHINA = ZoneInfo("Asia/Shanghai")
CHINA_OFFSET = timedelta(hours=8)  # Asia/Shanghai has no daylight saving time


class Dimension(StrEnum):
    DEPARTMENT = "department"  # by the item's department (its credit code)
    REGION = "region"          # by the case's region (county-level unit)
    ITEM = "item"              # by item
    OFFICIAL = "official"      # by the person who acted (subject)


DIMENSION_WORDS = {Dimension.DEPARTMENT: "部门", Dimension.REGION: "地区",
                   Dimension.ITEM: "事项", Dimension.OFFICIAL: "工作人员"}


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class Period:
    """A month (``2026-11``), a quarter (``2026-Q4``) or a year (``2026``) of the
    Asia/Shanghai calendar; ``end`` is the first day after it."""

    kind: PeriodKind
    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, text: str, kind: PeriodKind | None = None) -> Period:
        text = text.strip()
        try:
            if len(text) == 4 and text.isdigit():
                found = cls._year(int(text))
            elif len(text) == 7 and text[4:6] == "-Q" and text[6] in "1234":
                year, quarter = int(text[:4]), int(text[6])
                start = date(year, 3 * quarter - 2, 1)
                found = cls(PeriodKind.QUARTER, text, start, _months_after(start, 3))
            elif len(text) == 7 and text[4] == "-" and text[5:].isdigit():
                start = date(int(text[:4]), int(text[5:]), 1)
                found = cls(PeriodKind.MONTH, text, start, _months_after(start, 1))
            else:
                raise ValueError(text)
        except ValueError:
            raise InvalidArgument.of_field(
                "period", f"{text!r}: a month (2026-11), a quarter (2026-Q4) or a year (2026)",
                code="INVALID_PERIOD") from None
        if kind is not None and kind is not found.kind:
            raise InvalidArgument.of_field(
                "period", f"{text!r} is a {found.kind.value}, not a {kind.value}",
                code="INVALID_PERIOD")
        return found

    @classmethod
    def _year(cls, year: int) -> Period:
        if not 2000 <= year <= 2100:
            raise ValueError(year)
        return cls(PeriodKind.YEAR, str(year), date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def of_day(cls, day: date, kind: PeriodKind) -> Period:
        if kind is PeriodKind.YEAR:
            return cls.parse(f"{day.year}")
        if kind is PeriodKind.QUARTER:
            return cls.parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
        return cls.parse(f"{day.year}-{day.month:02d}")

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def moments(self) -> tuple[datetime, datetime]:
        """The period's bounds as UTC moments (its days are Asia/Shanghai days)."""
        def at(day: date) -> datetime:
            return datetime.combine(day, time(), UTC) - CHINA_OFFSET

        return at(self.start), at(self.end)

    @property
    def words(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return f"{self.start.year}年"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年{self.start.month}月"


def _months_after(start: date, months: int) -> date:
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


# --- facts ---------------------------------------------------------------------------------

#: outcomes of a closed case, and which of them are the department's act (办结)
HANDLED = frozenset({"completed", "rejected"})


@dataclass(frozen=True)
class CaseFact:
    """One closed case, as evaluation counts it."""

    case_number: str
    region: str
    department_code: str
    department: str
    item_id: str
    outcome: str                  # completed | rejected | withdrawn | lapsed
    closed_on: date
    accepted_on: date | None = None
    #: who closed it: the decision's maker (completed), whoever refused it (rejected)
    decided_by: str = ""
    #: working days from acceptance to closure, stopped time left out (None: never accepted)
    working_days: int | None = None
    #: the promised limit and the days left of it at closure, in its unit (negative: late)
    promised_days: int | None = None
    promised_left: int | None = None
    over_statutory: bool = False
    stopped_days: int = 0

    @property
    def handled(self) -> bool:
        return self.outcome in HANDLED

    @property
    def timed(self) -> bool:
        """Handled, with a promised limit to be on time against."""
        return self.handled and self.promised_left is not None


@dataclass(frozen=True)
class StepFact:
    """One action recorded: a step completed (kind ``step``) or a fact with its own day
    (``party_notified``, ``served``, ``hearing_requested``)."""

    case_number: str
    ref: str                       # the step instance ("s3"), or "<event type>@<sequence>"
    kind: str
    region: str
    department_code: str           # the step's department (for a fact: the case's)
    department: str                # its name, for people
    item_id: str
    handler: str
    done_on: date
    due: date | None = None
    #: days after its due day it was done (0: on time; None: no due day known)
    late_days: int | None = None
    #: recorded as it happened (not entered afterwards)
    online: bool = True

    @property
    def late(self) -> bool:
        return bool(self.late_days and self.late_days > 0)


class Calendar(Protocol):
    def working_days_between(self, start: date, end: date) -> tuple[int, bool]: ...


def _day(text: Any) -> date | None:
    if not text:
        return None
    return date.fromisoformat(str(text)[:10])


def local_day(moment: datetime) -> date:
    """The Asia/Shanghai day of a moment."""
    return moment.astimezone(CHINA).date()


def accepted_day(data: Mapping[str, Any]) -> date | None:
    """The day a case was accepted, from an event's data (None: not accepted)."""
    accepted = data.get("accepted_at")
    if not accepted:
        return None
    return local_day(datetime.fromisoformat(str(accepted).replace("Z", "+00:00")))


def stopped_working_days(before: CaseWatch | None, after: CaseWatch, restarted_on: date,
                         accepted_on: date | None, calendar: Calendar) -> int:
    """Working days a stop that just ended left out of the case's time (0 when this event did
    not restart the clock): the days after it stopped — or after acceptance, for a stop that
    began before it — up to and including the restart day, as the case engine counts."""
    if before is None or not before.clock_stopped or after.clock_stopped or (
            after.sequence <= before.sequence or before.stopped_since is None
            or accepted_on is None):
        return 0
    start = max(before.stopped_since, accepted_on)
    return max(0, calendar.working_days_between(start, restarted_on)[0])


def case_fact(watch: CaseWatch, event_type: str, occurred_at: datetime,
              data: Mapping[str, Any], calendar: Calendar, stopped_days: int = 0
              ) -> CaseFact:
    """The fact of a case its closing event (``watch``: the case after it) closed."""
    closed_on = local_day(occurred_at)
    accepted_on = accepted_day(data)
    working_days = None
    if accepted_on is not None:
        elapsed = calendar.working_days_between(accepted_on, closed_on)[0]
        working_days = max(0, elapsed - stopped_days)
    # the contract's JSON leaves zeros out: a limit given with no "left" has 0 days left
    promised = data.get("promised") or {}
    statutory = data.get("statutory") or {}
    timed = bool(promised.get("limit_days")) and accepted_on is not None
    decided_by = (data.get("decision") or {}).get("decided_by") or watch.decided_by
    if watch.status == "rejected":
        decided_by = data.get("handler", "") or decided_by
    return CaseFact(
        case_number=watch.case_number, region=watch.region,
        department_code=watch.department_code, department=watch.department,
        item_id=watch.item_id, outcome=watch.status, closed_on=closed_on,
        accepted_on=accepted_on, decided_by=decided_by, working_days=working_days,
        promised_days=int(promised["limit_days"]) if promised.get("limit_days") else None,
        promised_left=int(promised.get("left", 0)) if timed else None,
        over_statutory=accepted_on is not None and int(statutory.get("left", 0)) < 0,
        stopped_days=stopped_days)


#: the events that complete running steps: the acceptance step by acceptance or refusal, the
#: others by their completion and the decision
COMPLETING = frozenset({"case.accepted", "case.rejected", "case.step_completed",
                        "case.decided"})
#: facts that carry the day they happened: (event type → (data field, day field))
DATED = {"case.party_notified": ("notification", "notified_on"),
         "case.served": ("service", "served_on"),
         "case.hearing_requested": ("hearing", "requested_on")}


def step_facts(before: CaseWatch | None, after: CaseWatch, event_type: str,
               occurred_at: datetime, data: Mapping[str, Any], calendar: Calendar,
               late_entry_days: int) -> list[StepFact]:
    """The actions one event records: the steps it completed (their due days from the case
    as it stood before it), or the dated fact it carries."""
    done_on = local_day(occurred_at)
    handler = str(data.get("handler", ""))
    sequence = data.get("sequence", "")
    if event_type in DATED:
        outer, inner = DATED[event_type]
        happened = _day((data.get(outer) or {}).get(inner)) or done_on
        entered_after = calendar.working_days_between(happened, done_on)[0]
        return [StepFact(after.case_number, f"{event_type}@{sequence}",
                         event_type.removeprefix("case."), after.region, after.department_code,
                         after.department, after.item_id, handler, happened,
                         online=entered_after < late_entry_days)]
    if event_type not in COMPLETING:
        return []
    was: dict[str, RunningStep] = {s.instance_id: s for s in (before.running if before else ())}
    step = data.get("step") or {}
    done: list[tuple[str, str, str, RunningStep | None]] = []
    if step.get("instance_id") and str(step.get("status", "")).endswith("DONE"):
        done.append((step["instance_id"], step.get("department_code", "")
                     or after.department_code, step.get("department", "") or after.department,
                     was.get(step["instance_id"])))
    elif event_type in ("case.accepted", "case.rejected"):
        done += [(s.instance_id, after.department_code, after.department, s)
                 for s in was.values() if s.stage < 0]
    facts = []
    for instance_id, department_code, department, running in done:
        due = running.due if running else None
        late = None
        if due is not None:
            late = max(0, (done_on - due).days if running and running.unit == "calendar_days"
                       else calendar.working_days_between(due, done_on)[0])
        facts.append(StepFact(after.case_number, instance_id, "step", after.region,
                              department_code, department, after.item_id, handler, done_on,
                              due, late))
    return facts


# --- sums ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What a group of facts adds up to: additive (``add``), so that the database's sums and
    these agree."""

    handled: int = 0
    timed: int = 0
    on_time: int = 0
    early: int = 0
    overdue: int = 0
    over_statutory: int = 0
    #: working days → cases (completed cases that were accepted)
    days: dict[int, int] = field(default_factory=dict)
    steps: int = 0
    steps_late: int = 0
    steps_timed: int = 0             # steps with a due day known
    actions: int = 0                 # steps and dated facts recorded
    actions_online: int = 0
    yellow: int = 0
    red: int = 0
    accountable: int = 0             # red warnings with an accountability outcome
    name: str = ""
    department_code: str = ""

    def add(self, other: Tally) -> Tally:
        summed = Tally(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                          for f in fields(self) if f.name not in ("days", "name",
                                                                   "department_code")})
        summed.days = dict(self.days)
        for days, n in other.days.items():
            summed.days[days] = summed.days.get(days, 0) + n
        summed.name = self.name or other.name
        summed.department_code = self.department_code or other.department_code
        return summed


def case_key(fact: CaseFact, dimension: Dimension) -> str:
    return {Dimension.DEPARTMENT: fact.department_code, Dimension.REGION: fact.region,
            Dimension.ITEM: fact.item_id, Dimension.OFFICIAL: fact.decided_by}[dimension]


def step_key(fact: StepFact, dimension: Dimension) -> str:
    return {Dimension.DEPARTMENT: fact.department_code, Dimension.REGION: fact.region,
            Dimension.ITEM: fact.item_id, Dimension.OFFICIAL: fact.handler}[dimension]


def tally_case(fact: CaseFact) -> Tally:
    t = Tally()
    if not fact.handled:
        return t
    t.handled = 1
    if fact.promised_left is not None:
        t.timed = 1
        t.on_time = int(fact.promised_left >= 0)
        t.early = int(fact.promised_left > 0)
        t.overdue = int(fact.promised_left < 0)
    t.over_statutory = int(fact.over_statutory)
    if fact.working_days is not None and fact.outcome == "completed":
        t.days = {fact.working_days: 1}
    return t


def tally_step(fact: StepFact) -> Tally:
    t = Tally(actions=1, actions_online=int(fact.online))
    if fact.kind == "step":
        t.steps = 1
        if fact.late_days is not None:
            t.steps_timed = 1
            t.steps_late = int(fact.late)
    return t


def tally(cases: Iterable[CaseFact], steps: Iterable[StepFact], dimension: Dimension,
          period: Period) -> dict[str, Tally]:
    """The facts of ``period`` summed per key of ``dimension`` (what the database's query
    computes; here for tests and small sets)."""
    found: dict[str, Tally] = {}
    for case in cases:
        if period.contains(case.closed_on):
            key = case_key(case, dimension)
            found[key] = found.get(key, Tally()).add(tally_case(case))
    for step in steps:
        if period.contains(step.done_on):
            key = step_key(step, dimension)
            found[key] = found.get(key, Tally()).add(tally_step(step))
    return found


def percentile(histogram: Mapping[int, int], fraction: float) -> int | None:
    """The nearest-rank percentile of a histogram (value → count): the smallest value with at
    least ``fraction`` of the counts at or below it. None when empty."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover - unreachable


def mean(histogram: Mapping[int, int]) -> float | None:
    total = sum(histogram.values())
    if total <= 0:
        return None
    return sum(v * n for v, n in histogram.items()) / total


def rate(part: int, whole: int) -> float | None:
    """``part / whole``; None (unknown) when there is nothing to divide by."""
    return part / whole if whole > 0 else None


# --- complaints and ratings ----------------------------------------------------------------


@dataclass(frozen=True)
class RatingCounts:
    """What complaints and ratings (好差评) say of one key in a period."""

    complaints: int
    #: ratings given, and the share satisfied (非常满意 or 满意); None: no rating
    ratings: int
    satisfaction: float | None


def summed(counts: Iterable[RatingCounts]) -> RatingCounts:
    """The counts of several keys as one (a total row): complaints and ratings added, the
    satisfied share over all the ratings."""
    complaints = ratings = satisfied = 0
    for c in counts:
        complaints += c.complaints
        ratings += c.ratings
        if c.satisfaction is not None:
            satisfied += round(c.satisfaction * c.ratings)
    return RatingCounts(complaints, ratings, satisfied / ratings if ratings else None)


class RatingsProvider(Protocol):
    """Complaints and ratings per key of a dimension in a period. None: not known (no source
    of complaints and ratings yet) — the figures are then shown as unknown, never as 0."""

    def counts(self, dimension: Dimension, period: Period,
               keys: Sequence[str]) -> Mapping[str, RatingCounts] | None: ...


class NoRatings:
    """Until complaints and ratings are recorded in supervision: nothing is known."""

    def counts(self, dimension: Dimension, period: Period,
               keys: Sequence[str]) -> Mapping[str, RatingCounts] | None:
        return None


# --- points of officials (融入干部年度考核) ---------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How an official's year (or month, or quarter) turns into points: a base, a bonus per
    step done on time (capped), deductions per late step, per case they closed late, per
    warning against them that stands (not dismissed, not awaiting a supervisor's word on a
    contest) by colour, per accountability outcome and per complaint upheld; then the grade
    bands of the annual assessment (优秀 / 称职 / 基本称职 / 不称职), highest first."""

    base: float = 100.0
    per_step_on_time: float = 0.1
    bonus_cap: float = 10.0
    per_step_late: float = -1.0
    per_case_overdue: float = -2.0
    per_yellow: float = -1.0
    per_red: float = -3.0
    per_accountability: float = -10.0
    per_complaint: float = -2.0
    floor: float = 0.0
    grades: tuple[tuple[float, str], ...] = ((95.0, "优秀"), (80.0, "称职"),
                                             (60.0, "基本称职"), (0.0, "不称职"))

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Scale:
        """A scale from data (a settings file's JSON object); unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown scale keys {unknown}; known: {sorted(known)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name == "grades":
                bands = tuple((float(at), str(word)) for at, word in value)
                if not bands or list(bands) != sorted(bands, reverse=True):
                    raise ValueError("grades: [[points, word], …], highest first")
                values[name] = bands
            else:
                values[name] = float(value)
        return replace(cls(), **values)

    def grade(self, points: float) -> str:
        return next((word for at, word in self.grades if points >= at), self.grades[-1][1])


@dataclass(frozen=True)
class Points:
    points: float
    grade: str
    #: each line of the account: (what, count, points)
    lines: tuple[tuple[str, int, float], ...]


def points(t: Tally, scale: Scale, complaints: int | None) -> Points:
    on_time = t.steps_timed - t.steps_late
    bonus = min(scale.bonus_cap, on_time * scale.per_step_on_time)
    lines = [("基础分", 1, scale.base), ("按时办结环节", on_time, round(bonus, 2)),
             ("超期环节", t.steps_late, t.steps_late * scale.per_step_late),
             ("超期办结办件", t.overdue, t.overdue * scale.per_case_overdue),
             ("黄牌", t.yellow, t.yellow * scale.per_yellow),
             ("红牌", t.red, t.red * scale.per_red),
             ("责任追究", t.accountable, t.accountable * scale.per_accountability)]
    if complaints is not None:
        lines.append(("投诉", complaints, complaints * scale.per_complaint))
    total = max(scale.floor, round(sum(p for _, _, p in lines), 2))
    return Points(total, scale.grade(total), tuple(lines))


# --- rows and rankings ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    department_code: str
    tally: Tally
    on_time_rate: float | None
    early_rate: float | None
    average_days: float | None
    p90_days: int | None
    online_rate: float | None
    backlog: int | None
    complaints: int | None
    satisfaction: float | None
    points: Points | None = None
    rank: int = 0

    @property
    def unknown(self) -> tuple[str, ...]:
        """The figures that are not known (shown as 未知)."""
        names = ("on_time_rate", "early_rate", "average_days", "p90_days", "online_rate",
                 "backlog", "complaints", "satisfaction")
        return tuple(n for n in names if getattr(self, n) is None)

    def value(self, metric: str) -> float | None:
        if metric == "points":
            return self.points.points if self.points else None
        if metric in METRIC_ON_TALLY:
            return float(getattr(self.tally, METRIC_ON_TALLY[metric]))
        found = getattr(self, metric)
        return None if found is None else float(found)


def figures(key: str, t: Tally, *, backlog: int | None, ratings: RatingCounts | None,
            scale: Scale | None = None) -> Row:
    """A row's figures from its sums; rates without a denominator are None."""
    complaints = ratings.complaints if ratings is not None else None
    return Row(
        key=key, name=t.name or key, department_code=t.department_code, tally=t,
        on_time_rate=rate(t.on_time, t.timed), early_rate=rate(t.early, t.timed),
        average_days=mean(t.days), p90_days=percentile(t.days, 0.9),
        online_rate=rate(t.actions_online, t.actions), backlog=backlog,
        complaints=complaints,
        satisfaction=ratings.satisfaction if ratings is not None else None,
        points=points(t, scale, complaints) if scale is not None else None)


#: what a table may be ranked by: metric → (Chinese label, True when more is better)
METRICS: dict[str, tuple[str, bool]] = {
    "on_time_rate": ("按时办结率", True), "early_rate": ("提前办结率", True),
    "handled": ("办结数", True), "overdue": ("超期办结数", False),
    "average_days": ("平均办理用时（工作日）", False),
    "p90_days": ("90%办理用时（工作日）", False), "backlog": ("积压件数", False),
    "online_rate": ("网上运行率", True), "red": ("红牌数", False),
    "yellow": ("黄牌数", False), "steps_late": ("超期环节数", False),
    "satisfaction": ("满意度", True), "complaints": ("投诉数", False),
    "points": ("考核积分", True)}
METRIC_ON_TALLY = {"handled": "handled", "overdue": "overdue", "red": "red",
                   "yellow": "yellow", "steps_late": "steps_late"}
RATES = frozenset({"on_time_rate", "early_rate", "online_rate", "satisfaction"})


def rank(rows: Iterable[Row], metric: str) -> list[Row]:
    """Rows best first by ``metric`` (competition ranking: equal values share a rank; rows
    whose value is unknown come last, unranked: rank 0); ties in key order."""
    if metric not in METRICS:
        raise InvalidArgument.of_field("rank_by", f"one of {', '.join(METRICS)}",
                                       code="INVALID_RANK_BY")
    better = METRICS[metric][1]
    known = [r for r in rows if r.value(metric) is not None]
    unknown = sorted((r for r in rows if r.value(metric) is None), key=lambda r: r.key)
    known.sort(key=lambda r: r.key)
    known.sort(key=lambda r: r.value(metric) or 0.0, reverse=better)
    ranked: list[Row] = []
    previous: float | None = None
    place = 0
    for n, row in enumerate(known, start=1):
        value = row.value(metric)
        if value != previous:
            place, previous = n, value
        ranked.append(replace(row, rank=place))
    return ranked + [replace(r, rank=0) for r in unknown]


def shown(value: float | int | None, metric: str) -> str:
    """A figure for people: a rate as a percentage, unknown as 未知."""
    if value is None:
        return "未知"
    if metric in RATES:
        return f"{value * 100:.1f}%"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))
