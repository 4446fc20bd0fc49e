"""Open as it runs (动态公开): what anyone may read of the cases supervision follows, and each
department's figures of a month.

``open_cases``: supervision's projection of the case events (``case_records``) — which never
holds an applicant, a party, an agent, an address or an identity number — with the item's
name from the standards library; newest change first. ``statistics``: the efficiency
evaluation by department for one month (handled, timed, on time, overdue, satisfaction) and
the ratings counted, as the public indicators count them. Both public: no token needed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from services.monitoring import storage as t
from services.monitoring.domain import evaluation as ev
from services.monitoring.domain.records import CLOSED
from services.monitoring.evaluation import Evaluation, Query, Report
from services.monitoring.feedback import department_month_counts
from services.shared.db import Database
from services.shared.errors import InvalidArgument
from services.shared.regions import scope_prefix, validate_region
from services.shared.working_days import local_day

MAX_PAGE = 100
_cr, _s = t.case_records.c, t.standards.c


@dataclass(frozen=True)
class OpenCase:
    case_number: str
    region: str
    item_id: str
    item_name: str
    department: str
    status: str
    last_event_type: str
    steps_completed: int
    step_count: int
    accepted_on: str
    due_date: str
    finished_on: str
    updated_at: datetime


@dataclass(frozen=True)
class OpenPage:
    cases: list[OpenCase]
    total: int
    next_offset: int | None
    as_of: datetime | None


def _day(moment: datetime | None) -> str:
    return local_day(moment).isoformat() if moment is not None else ""


class Openness:
    def __init__(self, db: Database, node_region: str, evaluation: Evaluation,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db = db
        self.node_region = node_region
        self.evaluation = evaluation
        self.clock = clock

    def open_cases(self, *, region: str = "", finished: bool = False, offset: int = 0,
                   limit: int = 20) -> OpenPage:
        region = validate_region(region or self.node_region)
        limit = max(1, min(limit or 20, MAX_PAGE))
        closed = _cr.status.in_(sorted(CLOSED))
        scope = [_cr.region.like(scope_prefix(region) + "%"), closed if finished else ~closed]
        with self.db.read() as s:
            total = int(s.execute(select(func.count()).select_from(t.case_records)
                                  .where(*scope)).scalar_one())
            rows = s.execute(select(t.case_records).where(*scope).order_by(
                _cr.last_event_at.desc(), _cr.case_number).offset(offset).limit(limit)).all()
            as_of = s.execute(select(func.max(_cr.last_event_at))).scalar()
            names = self._names(s, {r.item_id for r in rows})
        cases = [OpenCase(
            case_number=r.case_number, region=r.region, item_id=r.item_id,
            item_name=names.get(r.item_id, ""), department=r.department, status=r.status,
            last_event_type=r.last_event_type, steps_completed=r.steps_completed,
            step_count=r.step_count, accepted_on=_day(r.accepted_at), due_date=r.due_date,
            finished_on=_day(r.completed_at), updated_at=r.last_event_at) for r in rows]
        return OpenPage(cases, total, offset + limit if offset + limit < total else None,
                        as_of)

    def _names(self, s, item_ids: set[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
        """Item id → name of its newest version in the standards library."""
        found: dict[str, str] = {}
        if not item_ids:
            return found
        for item_id, content in s.execute(select(_s.item_id, _s.content).where(
                _s.item_id.in_(sorted(item_ids))).order_by(_s.item_id, _s.version)):
            try:
                values = json.loads(content)
            except ValueError:
                continue
            if isinstance(values, dict) and values.get("name"):
                found[item_id] = str(values["name"])
        return found

    def statistics(self, *, month: str = "", region: str = ""
                   ) -> tuple[str, str, Report, dict[str, int]]:
        """The month (YYYY-MM), the region, the evaluation by department, and the ratings
        counted per department code."""
        today = local_day(self.clock())
        month = month or f"{today:%Y-%m}"
        region = validate_region(region or self.node_region)
        try:
            period = ev.Period.parse(month, ev.PeriodKind.MONTH)
        except InvalidArgument:
            raise InvalidArgument.of_field("month", "YYYY-MM，例如 2026-11",
                                           code="INVALID_MONTH") from None
        report = self.evaluation.evaluate(Query(ev.Dimension.DEPARTMENT, period, region))
        with self.db.read() as s:
            months = department_month_counts(s, region=region, month_from=month,
                                             month_to=month, today=today)
        ratings: dict[str, int] = {}
        for row in months:
            ratings[row.department_code] = ratings.get(row.department_code, 0) + row.ratings
        return month, region, report, ratings
