"""Trend rules over windows (苗头性、倾向性问题): what no single event shows.

A case rule (``rules.py``) looks at one case; a trend rule looks at many over a window of days
and compares: a department with its own recent past, a handler with their peers, the day
decisions are taken with the days the limit allowed. Each rule is data — its code, its Chinese
title, its explanation template — plus one small function over the window's facts
(``TrendFacts``, sums the database takes from supervision's facts) that says what it finds:
``TrendFinding``\\s, each about one department or one handler, with the numbers its
explanation quotes. A new rule is a new entry in ``TRENDS``.

The rules, and why each needs enough data before it speaks (every number below is a default
of ``TrendThresholds``, which a node may change):

- **TREND_OVERDUE_RISING** (部门超期率上升): a department's overdue rate (cases closed past
  their promised limit, of the cases it handled with one) in the last 4 weeks against the 3
  windows of 4 weeks before them, pooled. It warns only with at least 20 cases in the window
  and 30 before it, a rise of at least 10 percentage points *and* at least 1.5 times the rate
  before, and a two-proportion z-score of at least 2 (a rise that chance alone would rarely
  give with these counts).
- **TREND_REJECTION_RATE** / **TREND_SUPPLEMENT_RATE** (不予受理率 / 补正率偏离同事): a
  handler's share of refusals among their acceptance decisions (受理 or 不予受理), and their
  share of applications sent back for supplements (补正) at the first look, over 8 weeks, for
  one item, against the **median** of their peers' rates — the other handlers of the same item
  in the same region, or, when the region has too few, in the whole node. The median is
  robust: one odd peer does not move it. It warns with at least 20 of the handler's own, 3
  peers of at least 10 each, a rate at least twice the median (the median taken as at least
  2 %, so that a zero median does not make every refusal an outlier) and 15 points above it,
  and a binomial z-score of at least 3 against it (with many handlers compared, a lower bar
  would warn about someone by chance alone). Only rates *above* the peers' warn: a low
  refusal rate is no sign of a problem in itself.
- **TREND_DEADLINE_BUNCHING** (决定扎堆于时限末尾): a department's, and a handler's, share
  of the decisions taken on time in the last 8 weeks that fell on the last working day of
  their limit (the promised one, else the statutory one; 0 days left), against what an even
  spread over each limit would give (1/L for an L-day limit). It warns with at least 20
  decisions, a share at least twice and 20 points above the even one, and a z-score of at
  least 3 (the sum of independent chances).

A finding is always yellow (黄牌): a trend is an early sign to look into, not a violation.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import math
import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from services.monitoring.domain.evaluation import local_day
from services.monitoring.domain.rules import Severity
from services.monitoring.domain.watch import CaseWatch


@dataclass(frozen=True)
class TrendThresholds:
    """What the trend rules count with; a node may set its own (``of``)."""

    # TREND_OVERDUE_RISING
    window_days: int = 28
    baseline_windows: int = 3
    overdue_min_cases: int = 20
    overdue_min_baseline: int = 30
    overdue_min_rise: float = 0.10
    overdue_min_ratio: float = 1.5
    overdue_min_z: float = 2.0
    # TREND_REJECTION_RATE, TREND_SUPPLEMENT_RATE
    rate_window_days: int = 56
    peer_min_count: int = 20
    peer_min_peers: int = 3
    peer_min_peer_count: int = 10
    peer_min_ratio: float = 2.0
    peer_min_gap: float = 0.15
    peer_rate_floor: float = 0.02
    peer_min_z: float = 3.0
    # TREND_DEADLINE_BUNCHING
    bunching_window_days: int = 56
    bunching_last_days: int = 1
    bunching_min_count: int = 20
    bunching_min_ratio: float = 2.0
    bunching_min_gap: float = 0.20
    bunching_min_z: float = 3.0

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> TrendThresholds:
        """Thresholds from data (a settings file's JSON object): the defaults, with the keys
        given changed; unknown keys and values out of range are refused (ValueError)."""
        kinds = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(data) - set(kinds))
        if unknown:
            raise ValueError(f"unknown trend thresholds {unknown}; known: {sorted(kinds)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name}: a number")
            if kinds[name] in ("int", int):
                if value != int(value) or value < 1:
                    raise ValueError(f"{name}: a whole number of at least 1")
                values[name] = int(value)
            else:
                if value < 0:
                    raise ValueError(f"{name}: not negative")
                values[name] = float(value)
        found = replace(cls(), **values)
        if found.peer_rate_floor >= 1:
            raise ValueError("peer_rate_floor: below 1")
        return found


# --- windows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Days ``start`` ≤ day < ``end`` (Asia/Shanghai days)."""

    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    @property
    def words(self) -> str:
        return f"{self.start.isoformat()}至{(self.end - timedelta(days=1)).isoformat()}"


def window(today: date, days: int, back: int = 0) -> Window:
    """The ``days`` days before today (today, not over yet, left out); ``back`` windows
    earlier."""
    end = today - timedelta(days=days * back)
    return Window(end - timedelta(days=days), end)


def windows(today: date, th: TrendThresholds) -> dict[str, Window]:
    """Every window the rules read, by name (the database reads exactly these days)."""
    return {"overdue": Window(window(today, th.window_days, th.baseline_windows).start, today),
            "rates": window(today, th.rate_window_days),
            "bunching": window(today, th.bunching_window_days)}


# --- facts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActFact:
    """One act a trend rule counts, recorded as its event arrives: an acceptance decision
    (``accepted`` / ``rejected``), a supplement request at acceptance (``supplement``), a
    decision (``decided``)."""

    case_number: str
    ref: str                      # "<event type>@<sequence>"
    act: str
    region: str
    department_code: str          # the item's department
    department: str
    item_id: str
    handler: str
    #: the department the handler acted for (window staff: the service centre); empty: the
    #: item's
    handler_department_code: str
    handler_department: str
    done_on: date
    #: the case's first look at acceptance: nothing asked of the applicant before it
    first: bool = False
    #: a decision: its limit (promised, else statutory) and the days left of it that day
    limit_days: int | None = None
    days_left: int | None = None


ACTS = {"case.accepted": "accepted", "case.rejected": "rejected",
        "case.supplement_requested": "supplement", "case.decided": "decided"}


def act_facts(before: CaseWatch | None, after: CaseWatch, event_type: str,
              occurred_at: datetime, data: Mapping[str, Any]) -> list[ActFact]:
    """The act one case event records (none for most events). Acceptance acts of cases a
    government opens (立案) are not applications' and are left out."""
    act = ACTS.get(event_type)
    if act is None:
        return []
    handler = str(data.get("handler", ""))
    first, limit_days, days_left = False, None, None
    if act == "decided":
        handler = str((data.get("decision") or {}).get("decided_by") or handler)
        limit = data.get("promised") or {}
        if not limit.get("limit_days"):
            limit = data.get("statutory") or {}
        if limit.get("limit_days"):
            # the contract's JSON leaves zeros out: no "left" is 0 days left
            limit_days, days_left = int(limit["limit_days"]), int(limit.get("left", 0))
    else:
        if after.opened:
            return []
        if act == "supplement":
            if data.get("accepted_at"):
                return []  # asked for during the procedure, not at acceptance
            first = (data.get("supplement") or {}).get("request_id") == "r1"
        else:
            first = before is None or before.supplement_seq == 0
    return [ActFact(
        case_number=after.case_number, ref=f"{event_type}@{data.get('sequence', '')}",
        act=act, region=after.region, department_code=after.department_code,
        department=after.department, item_id=after.item_id, handler=handler,
        handler_department_code=str(data.get("handler_department_code", "")),
        handler_department=str(data.get("handler_department", "")),
        done_on=local_day(occurred_at), first=first, limit_days=limit_days,
        days_left=days_left)]


@dataclass(frozen=True)
class ClosedCount:
    """Cases a department handled on one day with a promised limit, and how many late."""

    department_code: str
    department: str
    region: str
    day: date
    timed: int
    overdue: int


@dataclass(frozen=True)
class ActCount:
    """A handler's acceptance acts on one item in one region, in the rates' window."""

    region: str
    item_id: str
    handler: str
    department_code: str          # the handler's department (else the item's)
    department: str
    accepted: int = 0
    rejected: int = 0
    first_looks: int = 0
    first_supplements: int = 0
    item: str = ""                # the item's name, for people


@dataclass(frozen=True)
class DecisionCount:
    """Decisions taken on time with an ``limit_days``-day limit in the bunching window, by a
    department (the item's) and a handler, and how many on the last days of the limit."""

    department_code: str
    department: str
    region: str
    handler: str
    handler_department_code: str
    handler_department: str
    limit_days: int
    decisions: int
    last_days: int


@dataclass(frozen=True)
class TrendFacts:
    today: date
    closed: Sequence[ClosedCount] = ()
    acts: Sequence[ActCount] = ()
    decisions: Sequence[DecisionCount] = ()


@dataclass(frozen=True)
class TrendFinding:
    rule: str
    department_code: str
    department: str
    region: str
    #: what it is about within the department: "department", or a handler (and an item)
    subject: str
    facts: Mapping[str, str | int]
    handler: str = ""
    item_id: str = ""
    severity: Severity = Severity.YELLOW


Check = Callable[[TrendFacts, TrendThresholds], list[TrendFinding]]


@dataclass(frozen=True)
class TrendRule:
    code: str
    title: str
    template: str
    check: Check

    def explain(self, finding: TrendFinding) -> str:
        return self.template.format(**finding.facts)


# --- numbers for people --------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _points(value: float) -> str:
    return f"{value * 100:.1f}"


def _z(value: float) -> str:
    return f"{value:.1f}"


def _weeks(days: int) -> str:
    return f"{days // 7} 周" if days % 7 == 0 else f"{days} 天"


_SAFE = re.compile(r"^[0-9A-Za-z_.@-]{1,60}$")


def subject_of(handler: str, item_id: str = "") -> str:
    """A handler (and an item) as a warning's subject: characters a warning id may hold, at
    most 100 of them (a handler named otherwise by a digest of the name)."""
    name = handler if _SAFE.match(handler) else "h-" + hashlib.sha256(
        handler.encode()).hexdigest()[:16]
    if not item_id:
        return name
    item = item_id if _SAFE.match(item_id) else "i-" + hashlib.sha256(
        item_id.encode()).hexdigest()[:16]
    return f"{name}@{item}"


# --- TREND_OVERDUE_RISING ------------------------------------------------------------------


def two_proportion_z(k1: int, n1: int, k0: int, n0: int) -> float:
    """How far the rate k1/n1 is above k0/n0, in standard errors of their pooled rate."""
    pooled = (k1 + k0) / (n1 + n0)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    if spread == 0:
        return 0.0
    return (k1 / n1 - k0 / n0) / spread


def overdue_rising(facts: TrendFacts, th: TrendThresholds) -> list[TrendFinding]:
    """A department's overdue rate in the last window well above its rate before."""
    by_department: dict[str, list[ClosedCount]] = {}
    for row in facts.closed:
        if row.department_code:
            by_department.setdefault(row.department_code, []).append(row)
    current = window(facts.today, th.window_days)
    before = [window(facts.today, th.window_days, back)
              for back in range(th.baseline_windows, 0, -1)]  # oldest first
    found = []
    for code, rows in sorted(by_department.items()):
        def sums(w: Window, rows: list[ClosedCount] = rows) -> tuple[int, int]:
            inside = [r for r in rows if w.contains(r.day)]
            return sum(r.overdue for r in inside), sum(r.timed for r in inside)

        k1, n1 = sums(current)
        series = [sums(w) for w in before]
        k0, n0 = sum(k for k, _ in series), sum(n for _, n in series)
        if n1 < th.overdue_min_cases or n0 < th.overdue_min_baseline:
            continue  # too few cases to tell a trend from noise
        r1, r0 = k1 / n1, k0 / n0
        z = two_proportion_z(k1, n1, k0, n0)
        if r1 - r0 < th.overdue_min_rise or r1 < th.overdue_min_ratio * r0 or (
                z < th.overdue_min_z):
            continue
        latest = max(rows, key=lambda r: (r.day, r.timed))
        found.append(TrendFinding("TREND_OVERDUE_RISING", code, latest.department,
                                  latest.region, "department", {
            "department": latest.department or code, "weeks": _weeks(th.window_days),
            "window": current.words, "cases": n1, "overdue": k1, "rate": _pct(r1),
            "baseline_weeks": _weeks(th.window_days * th.baseline_windows),
            "baseline_window": Window(before[0].start, before[-1].end).words,
            "baseline_cases": n0, "baseline_overdue": k0, "baseline_rate": _pct(r0),
            "series": "、".join(_pct(k / n) if n else "无办结" for k, n in series),
            "rise": _points(r1 - r0), "z": _z(z)}))
    return found


# --- TREND_REJECTION_RATE, TREND_SUPPLEMENT_RATE -------------------------------------------


@dataclass(frozen=True)
class _Rate:
    row: ActCount
    part: int
    whole: int

    @property
    def rate(self) -> float:
        return self.part / self.whole


def binomial_z(part: int, whole: int, rate: float) -> float:
    """How far ``part`` of ``whole`` is above what ``rate`` would give, in standard
    deviations of that count."""
    spread = math.sqrt(whole * rate * (1 - rate))
    return (part - whole * rate) / spread if spread > 0 else 0.0


def _merged(rows: Iterable[ActCount]) -> list[ActCount]:
    """One count per (region, item, handler)."""
    merged: dict[tuple[str, str, str], ActCount] = {}
    for r in rows:
        key = (r.region, r.item_id, r.handler)
        known = merged.get(key)
        merged[key] = r if known is None else replace(
            known, accepted=known.accepted + r.accepted, rejected=known.rejected + r.rejected,
            first_looks=known.first_looks + r.first_looks,
            first_supplements=known.first_supplements + r.first_supplements)
    return list(merged.values())


def _peer_outliers(facts: TrendFacts, th: TrendThresholds,
                   measure: Callable[[ActCount], tuple[int, int]]
                   ) -> list[tuple[_Rate, list[_Rate], str, float, float]]:
    """Handlers whose rate (``measure``: part, whole) is far above their peers' median:
    (theirs, their peers', the peers' scope in words, the median, the z-score)."""
    rates = [_Rate(r, *measure(r)) for r in _merged(facts.acts) if r.handler]
    by_region_item: dict[tuple[str, str], list[_Rate]] = {}
    by_item: dict[str, list[_Rate]] = {}
    for x in rates:
        by_region_item.setdefault((x.row.region, x.row.item_id), []).append(x)
        by_item.setdefault(x.row.item_id, []).append(x)
    found = []
    for x in sorted(rates, key=lambda x: (x.row.item_id, x.row.region, x.row.handler)):
        if x.whole < th.peer_min_count:
            continue  # too few of their own to judge
        scope, peers = "同地区办理同一事项的", [
            p for p in by_region_item[(x.row.region, x.row.item_id)]
            if p.row.handler != x.row.handler and p.whole >= th.peer_min_peer_count]
        if len(peers) < th.peer_min_peers:
            scope, peers = "全辖区办理同一事项的", [
                p for p in by_item[x.row.item_id]
                if p.row.handler != x.row.handler and p.whole >= th.peer_min_peer_count]
        if len(peers) < th.peer_min_peers:
            continue  # too few peers to compare with
        median = statistics.median(p.rate for p in peers)
        base = max(median, th.peer_rate_floor)
        if base >= 1 or x.rate < th.peer_min_ratio * base or x.rate - median < th.peer_min_gap:
            continue
        z = binomial_z(x.part, x.whole, base)
        if z >= th.peer_min_z:
            found.append((x, peers, scope, median, z))
    return found


def _peer_finding(rule: str, x: _Rate, peers: list[_Rate], scope: str, median: float,
                  z: float, th: TrendThresholds) -> TrendFinding:
    row = x.row
    return TrendFinding(rule, row.department_code, row.department, row.region,
                        subject_of(row.handler, row.item_id), {
        "handler": row.handler, "department": row.department or row.department_code,
        "item": row.item or row.item_id, "weeks": _weeks(th.rate_window_days),
        "whole": x.whole, "part": x.part, "rate": _pct(x.rate), "scope": scope,
        "peers": len(peers), "median": _pct(median), "gap": _points(x.rate - median),
        "z": _z(z)}, handler=row.handler, item_id=row.item_id)


def rejection_rate(facts: TrendFacts, th: TrendThresholds) -> list[TrendFinding]:
    """A handler refusing (不予受理) a far larger share of applications than their peers."""
    return [_peer_finding("TREND_REJECTION_RATE", *found, th) for found in _peer_outliers(
        facts, th, lambda r: (r.rejected, r.accepted + r.rejected))]


def supplement_rate(facts: TrendFacts, th: TrendThresholds) -> list[TrendFinding]:
    """A handler sending a far larger share of applications back for supplements (补正) at
    the first look than their peers."""
    return [_peer_finding("TREND_SUPPLEMENT_RATE", *found, th) for found in _peer_outliers(
        facts, th, lambda r: (r.first_supplements, r.first_looks))]


# --- TREND_DEADLINE_BUNCHING ---------------------------------------------------------------


def even_chance(limit_days: int, last_days: int) -> float:
    """The chance that a decision spread evenly over an ``limit_days``-day limit falls on its
    last ``last_days`` days."""
    return min(1.0, last_days / limit_days) if limit_days > 0 else 1.0


def deadline_bunching(facts: TrendFacts, th: TrendThresholds) -> list[TrendFinding]:
    """A department's, or a handler's, decisions bunched on the last day(s) of their limits."""
    groups: dict[tuple[str, str], list[DecisionCount]] = {}
    for row in facts.decisions:
        if row.limit_days <= 0:
            continue
        if row.department_code:
            groups.setdefault((row.department_code, ""), []).append(row)
        if row.handler and (row.handler_department_code or row.department_code):
            groups.setdefault((row.handler_department_code or row.department_code,
                               row.handler), []).append(row)
    found = []
    for (code, handler), rows in sorted(groups.items()):
        n = sum(r.decisions for r in rows)
        k = sum(r.last_days for r in rows)
        if n < th.bunching_min_count:
            continue  # too few decisions to tell a habit from chance
        chances = [(r.decisions, even_chance(r.limit_days, th.bunching_last_days))
                   for r in rows]
        expected = sum(d * p for d, p in chances)
        variance = sum(d * p * (1 - p) for d, p in chances)
        share, even = k / n, expected / n
        if variance <= 0 or share < th.bunching_min_ratio * even or (
                share - even < th.bunching_min_gap):
            continue
        z = (k - expected) / math.sqrt(variance)
        if z < th.bunching_min_z:
            continue
        first = rows[0]
        department = (first.handler_department or first.department) if handler else (
            first.department)
        who = f"{handler}（{department or code}）" if handler else (department or code)
        found.append(TrendFinding("TREND_DEADLINE_BUNCHING", code, department, first.region,
                                  subject_of(handler) if handler else "department", {
            "who": who, "weeks": _weeks(th.bunching_window_days), "decisions": n,
            "last": k, "share": _pct(share), "days": th.bunching_last_days,
            "expected": f"{expected:.1f}", "even": _pct(even), "z": _z(z)},
            handler=handler))
    return found


TRENDS: dict[str, TrendRule] = {r.code: r for r in (
    TrendRule("TREND_OVERDUE_RISING", "部门超期率上升",
              "{department}近 {weeks}（{window}）按承诺时限办结 {cases} 件，超期 {overdue} 件，"
              "超期率 {rate}；此前 {baseline_weeks}（{baseline_window}）办结 {baseline_cases} 件，"
              "超期 {baseline_overdue} 件，超期率 {baseline_rate}（每段依次为 {series}）。"
              "超期率上升 {rise} 个百分点，超出随机波动（z = {z}）。", overdue_rising),
    TrendRule("TREND_REJECTION_RATE", "不予受理率明显高于同事",
              "{handler}（{department}）近 {weeks}对「{item}」作出受理决定 {whole} 件，"
              "其中不予受理 {part} 件，不予受理率 {rate}；{scope}其他 {peers} 名工作人员"
              "不予受理率的中位数为 {median}，高出 {gap} 个百分点（z = {z}）。", rejection_rate),
    TrendRule("TREND_SUPPLEMENT_RATE", "补正率明显高于同事",
              "{handler}（{department}）近 {weeks}初审「{item}」申请 {whole} 件，"
              "其中要求补正 {part} 件，补正率 {rate}；{scope}其他 {peers} 名工作人员"
              "补正率的中位数为 {median}，高出 {gap} 个百分点（z = {z}）。", supplement_rate),
    TrendRule("TREND_DEADLINE_BUNCHING", "决定集中在时限末尾",
              "{who}近 {weeks}按时作出的 {decisions} 个决定中，有 {last} 个（{share}）在时限的"
              "最后 {days} 日作出；若在时限内均匀分布，约为 {expected} 个（{even}）"
              "（z = {z}）。", deadline_bunching),
)}


def trend_findings(facts: TrendFacts, th: TrendThresholds) -> list[TrendFinding]:
    """What every trend rule finds in the window's facts."""
    return [f for rule in TRENDS.values() for f in rule.check(facts, th)]

