"""Efficiency evaluation (效能评估), the read side: who may read which rows, the facts of a
period summed by the database (``domain.evaluation`` says what each figure means), ranked
tables, and their CSV.

Who reads what: supervisors, the legal office (法制监督) and administrators of a region
(``supervision.evaluate``) read every row of it and of the regions under it; department staff
read their own department's rows only (by its unified social credit code) — any other
department is refused.

Every sum is one aggregate query on an index of (key, day): cases closed in the period, the
actions recorded in it, the warnings raised in it, the backlog (open cases, now). Working days
are summed as a histogram (key, days → cases), from which the average and the p90 are exact.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from services.monitoring import storage as t
from services.monitoring.domain import evaluation as ev
from services.monitoring.domain.evaluation import (
    DIMENSION_WORDS,
    METRICS,
    Dimension,
    NoRatings,
    Period,
    RatingsProvider,
    Row,
    Scale,
    Tally,
)
from services.monitoring.domain.rules import RULES
from services.monitoring.domain.trend_warnings import PREFIX as TREND_PREFIX
from services.shared import auth
from services.shared.auth import Principal
from services.shared.db import Database
from services.shared.departments import department_code_problem
from services.shared.errors import InvalidArgument, PermissionDenied, Unauthenticated
from services.shared.region_data import RegionDirectory
from services.shared.regions import validate_region
from services.shared.spreadsheet import neutralise

_ec, _es, _w, _v = (t.evaluation_cases.c, t.evaluation_steps.c, t.warnings.c,
                    t.case_watches.c)
#: most rows one answer carries (a province's departments fit)
MAX_ROWS = 2000
DEFAULT_RANK = {Dimension.OFFICIAL: "points"}
#: warnings that count: not dismissed by a supervisor, not awaiting one's word on a contest
NOT_STANDING = ("dismissed", "contested")
#: rules whose warnings are about the node's operation, not anyone's handling: not counted
OPERATIONAL_RULES = tuple(code for code, rule in RULES.items() if rule.operational)


@dataclass(frozen=True)
class Query:
    dimension: Dimension
    period: Period
    region: str
    department_code: str = ""
    item_id: str = ""
    official: str = ""
    rank_by: str = ""
    limit: int = 0

    @property
    def metric(self) -> str:
        return self.rank_by or DEFAULT_RANK.get(self.dimension, "on_time_rate")


@dataclass(frozen=True)
class Report:
    query: Query
    rows: list[Row]
    total: Row
    #: rows there were before ``limit`` cut the table
    row_count: int
    notes: tuple[str, ...]
    scale: Scale | None
    generated_at: datetime


def _region_range(region: str) -> tuple[str, str]:
    """The codes of a region and the regions under it, as a range (an index serves it)."""
    if region.endswith("0000"):
        return region[:2] + "0000", region[:2] + "9999"
    if region.endswith("00"):
        return region[:4] + "00", region[:4] + "99"
    return region, region


def _sum(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class Evaluation:
    def __init__(self, db: Database, scale: Scale | None = None,
                 ratings: RatingsProvider | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db = db
        self.scale = scale or Scale()
        self.ratings: RatingsProvider = ratings or NoRatings()
        self.clock = clock

    # --- who reads what -----------------------------------------------------------------
    def query_of(self, principal: Principal, *, dimension: str, period: str,
                 period_kind: str = "", region: str = "", department_code: str = "",
                 item_id: str = "", official: str = "", rank_by: str = "",
                 limit: int = 0) -> Query:
        """A query from what the caller asked, checked, with the caller's scope applied:
        department staff see their own department's rows only."""
        if principal.anonymous:
            raise Unauthenticated("sign in first: this call needs a bearer token")
        try:
            dim = Dimension(dimension or "department")
        except ValueError:
            raise InvalidArgument.of_field(
                "dimension", "one of " + ", ".join(d.value for d in Dimension),
                code="INVALID_DIMENSION") from None
        kind = None
        if period_kind:
            try:
                kind = ev.PeriodKind(period_kind)
            except ValueError:
                raise InvalidArgument.of_field("period_kind", "month, quarter or year",
                                               code="INVALID_PERIOD") from None
        if not period:
            raise InvalidArgument.of_field("period", "required: 2026-11, 2026-Q4 or 2026",
                                           code="INVALID_PERIOD")
        the_period = Period.parse(period, kind)
        region = region or (principal.regions[0] if principal.regions else "")
        region = validate_region(region)
        code = department_code.strip().upper()
        if code:
            problem = department_code_problem(code)
            if problem is not None:
                raise InvalidArgument.of_field("department_code", problem,
                                               code="INVALID_DEPARTMENT_CODE")
        if rank_by and rank_by not in METRICS:
            raise InvalidArgument.of_field("rank_by", "one of " + ", ".join(METRICS),
                                           code="INVALID_RANK_BY")
        if rank_by == "points" and dim is not Dimension.OFFICIAL:
            raise InvalidArgument.of_field("rank_by", "points rank officials only",
                                           code="INVALID_RANK_BY")
        if not principal.can(auth.EVALUATION_READ, region):
            own = principal.department
            if own and principal.can(auth.CASE_HANDLE, region, own):
                if code and code != own:
                    raise PermissionDenied(
                        f"{principal.subject} works for department {own}: department staff "
                        "read their own department's evaluation only",
                        code="OTHER_DEPARTMENT", metadata={"department": code})
                code = own
            else:
                principal.require(auth.EVALUATION_READ, region)
        return Query(dim, the_period, region, code, item_id.strip(), official.strip(),
                     rank_by, max(0, min(limit or MAX_ROWS, MAX_ROWS)))

    # --- the figures --------------------------------------------------------------------
    def evaluate(self, query: Query) -> Report:
        now = self.clock()
        today = ev.local_day(now)
        current = query.period.contains(today)
        with self.db.read() as conn:
            tallies = self._cases(conn, query)
            for key, found in self._histograms(conn, query).items():
                tallies.setdefault(key, Tally()).days = found
            for key, found in self._steps(conn, query).items():
                tallies[key] = tallies.get(key, Tally()).add(found)
            for key, found in self._warnings(conn, query).items():
                tallies[key] = tallies.get(key, Tally()).add(found)
            backlog = self._backlog(conn, query) if current and (
                query.dimension is not Dimension.OFFICIAL) else None
            if backlog:
                for key in backlog:
                    tallies.setdefault(key, Tally())
            names = self._names(conn, query, tallies)
        keys = sorted(tallies)
        ratings = self.ratings.counts(query.dimension, query.period, keys)
        scale = self.scale if query.dimension is Dimension.OFFICIAL else None
        rows = []
        for key in keys:
            tally = tallies[key]
            tally.name = names.get(key) or tally.name or _unknown_name(query.dimension, key)
            rows.append(ev.figures(
                key, tally, backlog=(backlog or {}).get(key, 0) if backlog is not None
                else None, ratings=ratings.get(key) if ratings is not None else None,
                scale=scale))
        ranked = ev.rank(rows, query.metric)
        total_tally = Tally(name="合计")
        for tally in tallies.values():
            total_tally = total_tally.add(tally)
        total_tally.name, total_tally.department_code = "合计", query.department_code
        # the total of complaints and ratings is the sum of the rows' (unknown when theirs are)
        total = ev.figures("", total_tally, backlog=sum(backlog.values())
                           if backlog is not None else None,
                           ratings=ev.summed(ratings[k] for k in keys if k in ratings)
                           if ratings is not None else None, scale=None)
        notes = _notes(query, current, today, ratings is not None)
        return Report(query, ranked[:query.limit or MAX_ROWS], total, len(ranked), notes,
                      scale, now)

    def _filters(self, query: Query, region: Any, department: Any, item: Any,
                 official: Any) -> list[ColumnElement[bool]]:
        lo, hi = _region_range(query.region)
        found = [region.between(lo, hi)]
        for column, value in ((department, query.department_code), (item, query.item_id),
                              (official, query.official)):
            if value:
                found.append(column == value)
        return found

    def _key(self, query: Query, table: Any) -> Any:
        columns = {"evaluation_cases": (_ec.department_code, _ec.region, _ec.item_id,
                                        _ec.decided_by),
                   "evaluation_steps": (_es.department_code, _es.region, _es.item_id,
                                        _es.handler),
                   "warnings": (_w.department_code, _w.region, _w.item_id, _w.handler),
                   "case_watches": (_v.department_code, _v.region, _v.item_id, None)}
        order = list(Dimension)
        return columns[table.name][order.index(query.dimension)]

    def _case_where(self, query: Query) -> list[ColumnElement[bool]]:
        return [_ec.closed_on >= query.period.start.isoformat(),
                _ec.closed_on < query.period.end.isoformat(),
                *self._filters(query, _ec.region, _ec.department_code, _ec.item_id,
                               _ec.decided_by)]

    def _cases(self, conn: Any, query: Query) -> dict[str, Tally]:
        key = self._key(query, t.evaluation_cases)
        handled = _ec.outcome.in_(sorted(ev.HANDLED))
        timed = and_(handled, _ec.promised_left.isnot(None))
        rows = conn.execute(select(
            key, func.max(_ec.department), func.max(_ec.department_code), _sum(handled),
            _sum(timed), _sum(and_(timed, _ec.promised_left >= 0)),
            _sum(and_(timed, _ec.promised_left > 0)), _sum(and_(timed, _ec.promised_left < 0)),
            _sum(and_(handled, _ec.over_statutory))).where(*self._case_where(query))
            .group_by(key)).all()
        return {r[0]: Tally(handled=int(r[3]), timed=int(r[4]), on_time=int(r[5]),
                            early=int(r[6]), overdue=int(r[7]), over_statutory=int(r[8]),
                            name=r[1] if query.dimension is Dimension.DEPARTMENT else "",
                            department_code=r[2] if query.dimension is Dimension.DEPARTMENT
                            else "") for r in rows}

    def _histograms(self, conn: Any, query: Query) -> dict[str, dict[int, int]]:
        key = self._key(query, t.evaluation_cases)
        rows = conn.execute(select(key, _ec.working_days, func.count()).where(
            *self._case_where(query), _ec.outcome == "completed",
            _ec.working_days.isnot(None)).group_by(key, _ec.working_days)).all()
        found: dict[str, dict[int, int]] = {}
        for k, days, n in rows:
            found.setdefault(k, {})[int(days)] = int(n)
        return found

    def _steps(self, conn: Any, query: Query) -> dict[str, Tally]:
        key = self._key(query, t.evaluation_steps)
        step = _es.kind == "step"
        rows = conn.execute(select(
            key, func.max(_es.department), func.max(_es.department_code), func.count(),
            _sum(_es.online), _sum(step), _sum(and_(step, _es.late_days.isnot(None))),
            _sum(and_(step, _es.late_days > 0))).where(
            _es.done_on >= query.period.start.isoformat(),
            _es.done_on < query.period.end.isoformat(),
            *self._filters(query, _es.region, _es.department_code, _es.item_id, _es.handler))
            .group_by(key)).all()
        named = query.dimension in (Dimension.DEPARTMENT, Dimension.OFFICIAL)
        return {r[0]: Tally(actions=int(r[3]), actions_online=int(r[4]), steps=int(r[5]),
                            steps_timed=int(r[6]), steps_late=int(r[7]),
                            name=r[1] if query.dimension is Dimension.DEPARTMENT else "",
                            department_code=r[2] if named else "") for r in rows}

    def _warnings(self, conn: Any, query: Query) -> dict[str, Tally]:
        key = self._key(query, t.warnings)
        start, end = query.period.moments()
        # a catalogue obligation's warning (no case) is its department's, not an official's
        official = [_w.case_number != ""] if query.dimension is Dimension.OFFICIAL else []
        rows = conn.execute(select(
            key, _sum(_w.severity == "yellow"), _sum(_w.severity == "red"),
            _sum(and_(_w.severity == "red", _w.accountability != ""))).where(
            _w.raised_at >= start, _w.raised_at < end, _w.status.notin_(NOT_STANDING),
            ~_w.case_number.startswith(TREND_PREFIX),  # a trend's are not a case's
            _w.rule.notin_(OPERATIONAL_RULES),
            *official,
            *self._filters(query, _w.region, _w.department_code, _w.item_id, _w.handler))
            .group_by(key)).all()
        return {r[0]: Tally(yellow=int(r[1]), red=int(r[2]), accountable=int(r[3]))
                for r in rows}

    def _backlog(self, conn: Any, query: Query) -> dict[str, int]:
        key = self._key(query, t.case_watches)
        rows = conn.execute(select(key, func.count()).where(
            _v.closed.is_(False),
            *self._filters(query, _v.region, _v.department_code, _v.item_id, None))
            .group_by(key)).all()
        return {r[0]: int(r[1]) for r in rows}

    def _names(self, conn: Any, query: Query, tallies: Mapping[str, Tally]) -> dict[str, str]:
        keys = [k for k in tallies if k]
        if query.dimension is Dimension.REGION:
            regions = RegionDirectory.load()
            return {k: regions.name(k) if regions.exists(k) else k for k in keys}
        if query.dimension is Dimension.ITEM and keys:
            names: dict[str, str] = {}
            for item_id, content in conn.execute(
                    select(t.standards.c.item_id, t.standards.c.content).where(
                        t.standards.c.item_id.in_(keys)).order_by(t.standards.c.version)):
                try:
                    names[item_id] = str(json.loads(content).get("name", "")) or item_id
                except (ValueError, AttributeError):
                    continue
            return names
        if query.dimension is Dimension.DEPARTMENT:
            missing = [k for k in keys if not tallies[k].name]
            if missing:
                return {k: n for k, n in conn.execute(
                    select(_v.department_code, func.max(_v.department)).where(
                        _v.department_code.in_(missing)).group_by(_v.department_code))}
        return {}


def _unknown_name(dimension: Dimension, key: str) -> str:
    if not key:
        return {Dimension.DEPARTMENT: "未知部门（无统一社会信用代码）",
                Dimension.OFFICIAL: "未记录经办人"}.get(dimension, "未知")
    return key


def _notes(query: Query, current: bool, today: date, ratings_known: bool) -> tuple[str, ...]:
    notes = [f"{query.period.words}，按{DIMENSION_WORDS[query.dimension]}统计，"
             f"按{METRICS[query.metric][0]}排名。"]
    if query.dimension is Dimension.OFFICIAL:
        notes.append("工作人员不统计积压件数。")
    elif current:
        notes.append(f"积压件数为截至 {today.isoformat()} 尚未办结的办件。")
    else:
        notes.append("积压件数只记当前数，已结束期间的积压未知。")
    if not ratings_known:
        notes.append("投诉数和满意度尚未接入好差评数据，显示为未知。")
    notes.append("比率无分母时显示为未知，不按 0 计。")
    return tuple(notes)


# --- CSV ---------------------------------------------------------------------------------

CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "排名"), ("key", "编码"), ("name", "名称"), ("department_code", "部门代码"),
    ("handled", "办结数"), ("on_time", "按时办结数"), ("on_time_rate", "按时办结率"),
    ("early", "提前办结数"), ("early_rate", "提前办结率"), ("overdue", "超期办结数"),
    ("over_statutory", "超法定时限数"), ("average_days", "平均办理用时（工作日）"),
    ("p90_days", "90%办理用时（工作日）"), ("backlog", "积压件数"),
    ("yellow", "黄牌数"), ("red", "红牌数"), ("complaints", "投诉数"),
    ("satisfaction", "满意度"), ("steps", "办理环节数"), ("steps_late", "超期环节数"),
    ("actions", "记录操作数"), ("actions_online", "网上实时记录数"),
    ("online_rate", "网上运行率"), ("points", "考核积分"), ("grade", "参考等次"))


def cell(row: Row, column: str) -> str:
    """A row's value of a CSV column, for people (rates in %, unknown as 未知)."""
    if column == "rank":
        return str(row.rank) if row.rank else ""
    if column in ("key", "name", "department_code"):
        return str(getattr(row, column))
    if column == "grade":
        return row.points.grade if row.points else ""
    if column == "points":
        return ev.shown(row.points.points, "points") if row.points else ""
    if hasattr(row.tally, column) and column not in ("name", "department_code"):
        return str(getattr(row.tally, column))
    return ev.shown(getattr(row, column), column)


def to_csv(report: Report) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark (spreadsheets read the Chinese), CRLF,
    a header in Chinese, then the rows in rank order and the total; every text cell that a
    spreadsheet would run as a formula is quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    official = report.query.dimension is Dimension.OFFICIAL
    columns = [c for c in CSV_COLUMNS if official or c[0] not in ("points", "grade")]
    writer.writerow([words for _, words in columns])
    for row in [*report.rows, replace(report.total, rank=0)]:
        writer.writerow([neutralise(cell(row, name)) for name, _ in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_name(report: Report) -> str:
    return (f"evaluation-{report.query.region}-{report.query.dimension.value}-"
            f"{report.query.period.label}.csv")
