"""Supervision's write path for complaints and ratings (投诉 / 举报 · 好差评): each change of a
complaint, a rating or a rectification task in one transaction with its event on
supervision's outbox (``complaint.*``, ``rating.*``, ``rectification.*`` on
``monitoring.events``) and the caller's idempotency key. The rules are ``domain.feedback``.

Who does what:

- a citizen or enterprise (role ``public``; their identity is the token's subject) submits
  complaints and reports, withdraws them, and rates the cases they applied for (the case
  service says who applied); they read their own;
- the addressed body's staff (``domain.feedback.ADDRESSEE_ROLES``: supervisors, the legal
  office, the openness office, or the department's own staff by credit code) accept, reject,
  answer and close complaints of their regions;
- a department's staff read their department's ratings, appeal a bad one (申诉) and complete
  its rectification (整改); supervisors read every complaint, rating and rectification of
  their regions — overdue ones marked — and decide appeals;
- anyone reads the public indicators (``indicators``).

For the efficiency evaluation: ``department_month_counts(conn, region=…, month_from=…,
month_to=…)`` gives, per department (credit code) and month, the counted ratings by level,
good and bad, rectifications, complaints received, handled and overdue —
``domain.feedback.DepartmentMonth``, the same figures as the public indicators.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import msgspec
from sqlalchemy import Connection, and_, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sunlight.monitoring.v1 import monitoring_pb2 as pb

from services.monitoring import storage as t
from services.monitoring.domain import evaluation as ev
from services.monitoring.domain import feedback as f
from services.monitoring.feedback_contract import (
    complaint_to_pb,
    consultation_to_pb,
    rating_to_pb,
    rectification_to_pb,
)
from services.shared import auth
from services.shared.auth import Principal, public_identity
from services.shared.db import Database
from services.shared.departments import department_code_problem
from services.shared.errors import (
    AlreadyExists,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from services.shared.events import make_event
from services.shared.idempotency import IdempotencyStore, fingerprint
from services.shared.outbox import Outbox
from services.shared.regions import parent
from services.shared.working_days import WorkingCalendar, local_day

Conn = Connection | Session
MAX_PAGE = 200
_c, _r, _k = t.complaints.c, t.ratings.c, t.rectifications.c
_q = t.consultations.c
_complaint = msgspec.json.Decoder(f.Complaint)
_consultation = msgspec.json.Decoder(f.Consultation)
_rating = msgspec.json.Decoder(f.Rating)
_task = msgspec.json.Decoder(f.Rectification)
_encode = msgspec.json.Encoder().encode


class CaseLookup(Protocol):
    def case(self, number: str) -> f.CaseFacts | None: ...


class ItemLookup(Protocol):
    def item(self, item_id: str) -> f.ItemFacts | None: ...


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    next_offset: int | None


def routing_key(event_type: str, region: str) -> str:
    city = parent(region) if region[4:] != "00" else region
    return f"{event_type}.{region[:2]}0000.{city or region}.{region}"


def _prefix(region: str) -> str:
    """LIKE pattern of a region and the regions under it."""
    if region.endswith("0000"):
        return region[:2] + "%"
    if region.endswith("00"):
        return region[:4] + "%"
    return region


def _in_regions(column: Any, regions: tuple[str, ...]) -> Any:
    return or_(*[column.like(_prefix(r)) for r in regions]) if regions else column.is_(None)


def _supervises(p: Principal, region: str | None = None) -> bool:
    return bool({"supervisor", "admin"} & set(p.roles)) and p.can(auth.SUPERVISION_READ, region)


def may_handle(p: Principal, c: f.Complaint) -> bool:
    """The addressed body's staff in the complaint's region (admins for every body)."""
    if not p.can(auth.COMPLAINT_HANDLE, c.region):
        return False
    if "admin" in p.roles:
        return True
    if f.ADDRESSEE_ROLES[c.addressee] not in p.roles:
        return False
    return c.addressee is not f.Addressee.DEPARTMENT or p.department == c.department_code


def may_read_complaint(p: Principal, c: f.Complaint) -> bool:
    return (c.complainant == p.subject or may_handle(p, c) or _supervises(p, c.region))


class Feedback:
    def __init__(self, db: Database, calendar: WorkingCalendar, node_region: str,
                 cases: CaseLookup, policy: f.Policy | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 items: ItemLookup | None = None) -> None:
        self.db = db
        self.items = items
        self.calendar = calendar
        self.node_region = node_region
        self.cases = cases
        self.policy = policy or f.Policy()
        self.clock = clock
        self.outbox = Outbox(t.outbox, "monitoring")
        self.idempotency = IdempotencyStore(t.idempotency_keys)

    def today(self) -> date:
        return local_day(self.clock())

    # --- complaints ---------------------------------------------------------------------
    def submit_complaint(self, p: Principal, key: str, *, kind: f.Kind,
                         addressee: f.Addressee, subject: f.Subject, title: str,
                         content: str, contact: str = "", case_number: str = "",
                         item_id: str = "", staff: str = "", region: str = "",
                         department_code: str = "", department: str = "") -> f.Complaint:
        _public(p)
        key = self.idempotency.check_key(key)
        request = [kind, addressee, subject, title, content, contact, case_number, item_id,
                   staff, region, department_code, department]
        print_ = _print("SubmitComplaint", request)
        with self.db.begin() as conn:  # a repeat answers before the case is looked up again
            replay = self.idempotency.lookup(conn, p.subject, key, "SubmitComplaint", print_)
            if replay is not None:
                return self._complaint(conn, replay.decode())
        target = self._target(subject, case_number, item_id, staff, region, department_code,
                              department)
        now = self.clock()
        today = local_day(now)
        complaint = f.submit_complaint(
            complaint_id=f.complaint_id(target.region, today), kind=kind,
            addressee=addressee, target=target, title=title, content=content,
            contact=contact, complainant=p.subject, now=now, today=today,
            calendar=self.calendar, policy=self.policy)
        try:
            with self.db.begin() as conn:
                self._save_complaint(conn, complaint, "submitted", now, new=True)
                self.idempotency.save(conn, p.subject, key, "SubmitComplaint", print_,
                                      complaint.complaint_id.encode())
        except IntegrityError:  # the same key, at the same moment: the first one answers
            with self.db.begin() as conn:
                replay = self.idempotency.lookup(conn, p.subject, key, "SubmitComplaint",
                                                 print_)
                if replay is None:
                    raise
                return self._complaint(conn, replay.decode())
        return complaint

    def _target(self, subject: f.Subject, case_number: str, item_id: str, staff: str,
                region: str, department_code: str, department: str) -> f.Target:
        if subject is f.Subject.CASE:
            if not case_number:
                raise InvalidArgument.of_field("case_number", "请填写办件编号",
                                               code="SUBJECT_REQUIRED")
            facts = self.cases.case(case_number)
            if facts is None:
                raise NotFound(f"没有办件 {case_number}", code="CASE_NOT_FOUND",
                               metadata={"case_number": case_number})
            return f.Target(subject, facts.region, facts.department_code, facts.department,
                            case_number=case_number)
        if not region:
            raise InvalidArgument.of_field("region", "请填写被投诉部门所在的行政区划代码",
                                           code="REGION_REQUIRED")
        code = department_code.strip().upper()
        problem = department_code_problem(code) if code else "请填写"
        if problem is not None:
            raise InvalidArgument.of_field(
                "department_code", f"被投诉部门的统一社会信用代码：{problem}",
                code="INVALID_DEPARTMENT_CODE")
        return f.Target(subject, region, code, department.strip(), item_id=item_id.strip(),
                        staff=staff)

    def act_on_complaint(self, p: Principal, complaint_id: str, action: str, key: str,
                         **fields: Any) -> f.Complaint:
        key = self.idempotency.check_key(key)
        print_ = _print("ActOnComplaint", [complaint_id, action, fields])
        with self.db.begin() as conn:
            complaint = self._complaint(conn, complaint_id, lock=True)
            if not may_read_complaint(p, complaint):
                raise _complaint_not_found(complaint_id)
            if action == "withdraw":
                if complaint.complainant != p.subject:
                    raise PermissionDenied("只有提出人可以撤回", code="NOT_YOURS")
            elif not may_handle(p, complaint):
                raise PermissionDenied(
                    f"这件{f.KIND_WORDS[complaint.kind]}由"
                    f"{f.ADDRESSEE_WORDS[complaint.addressee]}办理", code="NOT_ADDRESSED_TO_YOU",
                    metadata={"addressee": complaint.addressee.value})
            replay = self.idempotency.lookup(conn, p.subject, key, "ActOnComplaint", print_)
            if replay is not None:
                return complaint
            now = self.clock()
            acted = _COMPLAINT_ACTIONS[action](complaint, p.subject, now, **fields)
            self._save_complaint(conn, acted, acted.history[-1].action, now)
            self.idempotency.save(conn, p.subject, key, "ActOnComplaint", print_, b"{}")
            return acted

    def get_complaint(self, p: Principal, complaint_id: str) -> f.Complaint:
        with self.db.read() as s:
            complaint = self._complaint(s, complaint_id)
        if not may_read_complaint(p, complaint):
            raise _complaint_not_found(complaint_id)
        return complaint

    def list_complaints(self, p: Principal, *, region: str = "", department_code: str = "",
                        addressee: f.Addressee | None = None,
                        status: f.ComplaintStatus | None = None, overdue_only: bool = False,
                        open_only: bool = False, offset: int = 0, limit: int = 50) -> Page:
        """Newest first: the caller's own (public), or what their body may read."""
        if p.anonymous:
            p.require(auth.FEEDBACK_SUBMIT)
        if "public" in p.roles:
            scope = _c.complainant == p.subject
        else:
            mine = []
            if _supervises(p):
                mine.append(_in_regions(_c.region, p.regions))
            for body, role in f.ADDRESSEE_ROLES.items():
                if role in p.roles and p.can(auth.COMPLAINT_HANDLE):
                    cond = and_(_c.addressee == body.value, _in_regions(_c.region, p.regions))
                    if body is f.Addressee.DEPARTMENT:
                        cond = and_(cond, _c.department_code == (p.department or "-"))
                    mine.append(cond)
            if not mine:
                raise PermissionDenied(f"{p.subject} 无权查看投诉举报", code="NOT_ALLOWED")
            scope = or_(*mine)
        query = select(t.complaints.c.body).where(scope)
        if region:
            query = query.where(_c.region.like(_prefix(region)))
        if department_code:
            query = query.where(_c.department_code == department_code)
        if addressee is not None:
            query = query.where(_c.addressee == addressee.value)
        if status is not None:
            query = query.where(_c.status == status.value)
        unanswered = [s.value for s in f.UNANSWERED]
        if open_only:
            query = query.where(_c.status.in_(unanswered + [f.ComplaintStatus.ANSWERED.value]))
        if overdue_only:
            query = query.where(_c.status.in_(unanswered),
                                _c.due_date < self.today().isoformat())
        return self._page(query.order_by(_c.submitted_at.desc(), _c.complaint_id), offset,
                          limit, _complaint)

    # --- ratings ------------------------------------------------------------------------
    def rate(self, p: Principal, key: str, case_number: str, channel: f.Channel, level: int,
             indicators: Mapping[str, int], comment: str
             ) -> tuple[f.Rating, f.Rectification | None]:
        identity = _public(p)
        key = self.idempotency.check_key(key)
        print_ = _print("RateCase", [case_number, channel, level, dict(indicators), comment])
        with self.db.begin() as conn:
            replay = self.idempotency.lookup(conn, p.subject, key, "RateCase", print_)
            if replay is not None:
                return self._rating_and_task(conn, replay.decode())
        facts = self.cases.case(case_number)
        if facts is None:
            raise f.case_not_yours(case_number)
        now = self.clock()
        rating, task = f.rate(
            facts, rater=p.subject, identity=identity, channel=channel, level=level,
            indicators=indicators, comment=comment, now=now, today=local_day(now),
            ended_on=local_day(facts.ended_at) if facts.ended_at else None,
            calendar=self.calendar, policy=self.policy)
        try:
            with self.db.begin() as conn:
                self._save_rating(conn, rating, "given", now, new=True)
                if task is not None:
                    self._save_task(conn, task, "opened", now, new=True)
                self.idempotency.save(conn, p.subject, key, "RateCase", print_,
                                      rating.rating_id.encode())
        except IntegrityError:
            with self.db.begin() as conn:
                replay = self.idempotency.lookup(conn, p.subject, key, "RateCase", print_)
                if replay is not None:
                    return self._rating_and_task(conn, replay.decode())
            raise _already_rated(rating) from None
        return rating, task

    def list_ratings(self, p: Principal, *, region: str = "", department_code: str = "",
                     case_number: str = "", bad_only: bool = False,
                     appeal_status: f.AppealStatus | None = None, month: str = "",
                     offset: int = 0, limit: int = 50) -> Page:
        """Newest first: the caller's own (public); their department's (its staff); their
        regions' (supervisors). Items are (rating, rectification or None)."""
        query = select(t.ratings.c.body).where(self._rating_scope(p))
        if region:
            query = query.where(_r.region.like(_prefix(region)))
        for column, value in ((_r.department_code, department_code),
                              (_r.case_number, case_number), (_r.month, month)):
            if value:
                query = query.where(column == value)
        if bad_only:
            query = query.where(_r.bad.is_(True))
        if appeal_status is not None:
            query = query.where(_r.appeal_status == appeal_status.value)
        page = self._page(query.order_by(_r.rated_at.desc(), _r.rating_id), offset, limit,
                          _rating)
        with self.db.read() as s:
            tasks = self._tasks_of(s, [r.rating_id for r in page.items])
        return Page([(r, tasks.get(r.rating_id)) for r in page.items], page.total,
                    page.next_offset)

    def _rating_scope(self, p: Principal) -> Any:
        if p.anonymous:
            p.require(auth.FEEDBACK_SUBMIT)
        if "public" in p.roles:
            return _r.rater == p.subject
        mine = []
        if _supervises(p):
            mine.append(_in_regions(_r.region, p.regions))
        if p.department and p.can(auth.CASE_HANDLE, None, p.department):
            mine.append(and_(_r.department_code == p.department,
                             _in_regions(_r.region, p.regions)))
        if not mine:
            raise PermissionDenied(f"{p.subject} 无权查看评价", code="NOT_ALLOWED")
        return or_(*mine)

    def appeal(self, p: Principal, key: str, rating_id: str, kind: str, reason: str
               ) -> tuple[f.Rating, f.Rectification | None]:
        """The rated department's staff appeal a bad rating (申诉)."""
        def authorise(rating: f.Rating) -> None:
            p.require(auth.CASE_HANDLE, rating.region, rating.department_code)
        return self._act_on_rating(p, key, rating_id, "AppealRating", [kind, reason],
                                   authorise, lambda r, task, now: (
                                       f.appeal(r, p.subject, now, kind, reason), None))

    def decide_appeal(self, p: Principal, key: str, rating_id: str, uphold: bool,
                      reason: str) -> tuple[f.Rating, f.Rectification | None]:
        """A supervisor decides an appeal."""
        def authorise(rating: f.Rating) -> None:
            p.require(auth.SUPERVISION_READ, rating.region)
            if not _supervises(p, rating.region):
                raise PermissionDenied("申诉由监察人员审核", code="SUPERVISORS_ONLY")
        return self._act_on_rating(p, key, rating_id, "DecideAppeal", [uphold, reason],
                                   authorise, lambda r, task, now: f.decide_appeal(
                                       r, task, p.subject, now, uphold, reason))

    def _act_on_rating(self, p: Principal, key: str, rating_id: str, operation: str,
                       request: list[Any], authorise: Callable[[f.Rating], None],
                       act: Callable[..., tuple[f.Rating, f.Rectification | None]]
                       ) -> tuple[f.Rating, f.Rectification | None]:
        key = self.idempotency.check_key(key)
        print_ = _print(operation, [rating_id, *request])
        with self.db.begin() as conn:
            rating, task = self._rating_and_task(conn, rating_id, lock=True)
            if not self._may_read_rating(p, rating):
                raise _rating_not_found(rating_id)
            authorise(rating)
            if self.idempotency.lookup(conn, p.subject, key, operation, print_) is not None:
                return rating, task
            now = self.clock()
            acted, changed_task = act(rating, task, now)
            self._save_rating(conn, acted, acted.history[-1].action, now)
            if changed_task is not None:
                self._save_task(conn, changed_task, changed_task.history[-1].action, now)
                task = changed_task
            self.idempotency.save(conn, p.subject, key, operation, print_, b"{}")
            return acted, task

    def _may_read_rating(self, p: Principal, rating: f.Rating) -> bool:
        return (rating.rater == p.subject or _supervises(p, rating.region)
                or p.can(auth.CASE_HANDLE, rating.region, rating.department_code))

    # --- rectification --------------------------------------------------------------------
    def list_rectifications(self, p: Principal, *, region: str = "",
                            department_code: str = "",
                            status: f.RectificationStatus | None = None,
                            overdue_only: bool = False, offset: int = 0, limit: int = 50
                            ) -> Page:
        """Earliest due first: a department's staff their department's, supervisors their
        regions'."""
        if p.anonymous:
            p.require(auth.CASE_HANDLE)
        mine = []
        if _supervises(p):
            mine.append(_in_regions(_k.region, p.regions))
        if p.department and p.can(auth.CASE_HANDLE, None, p.department):
            mine.append(and_(_k.department_code == p.department,
                             _in_regions(_k.region, p.regions)))
        if not mine:
            raise PermissionDenied(f"{p.subject} 无权查看整改任务", code="NOT_ALLOWED")
        query = select(t.rectifications.c.body).where(or_(*mine))
        if region:
            query = query.where(_k.region.like(_prefix(region)))
        if department_code:
            query = query.where(_k.department_code == department_code)
        if status is not None:
            query = query.where(_k.status == status.value)
        if overdue_only:
            query = query.where(_k.status == f.RectificationStatus.OPEN.value,
                                _k.due_date < self.today().isoformat())
        return self._page(query.order_by(_k.due_date, _k.task_id), offset, limit, _task)

    def complete_rectification(self, p: Principal, key: str, task_id: str, measures: str,
                               reply: str) -> f.Rectification:
        key = self.idempotency.check_key(key)
        print_ = _print("CompleteRectification", [task_id, measures, reply])
        with self.db.begin() as conn:
            row = conn.execute(select(t.rectifications.c.body).where(_k.task_id == task_id)
                               .with_for_update()).first()
            task = _task.decode(row[0]) if row else None
            if task is None or not (_supervises(p, task.region) or p.can(
                    auth.CASE_HANDLE, task.region, task.department_code)):
                raise NotFound(f"没有整改任务 {task_id}", code="RECTIFICATION_NOT_FOUND",
                               metadata={"task_id": task_id})
            p.require(auth.CASE_HANDLE, task.region, task.department_code)
            if self.idempotency.lookup(conn, p.subject, key, "CompleteRectification",
                                       print_) is not None:
                return task
            now = self.clock()
            done = f.complete_rectification(task, p.subject, now, local_day(now), measures,
                                            reply)
            self._save_task(conn, done, "completed", now)
            self.idempotency.save(conn, p.subject, key, "CompleteRectification", print_,
                                  b"{}")
            return done

    # --- the sweep --------------------------------------------------------------------------
    def sweep(self, today: date | None = None) -> int:
        """Note, once each, the rectifications and complaints past their deadline (an
        ``*.overdue`` event); the number noted. Reads mark them overdue regardless."""
        now = self.clock()
        day = (today or local_day(now)).isoformat()
        noted = 0
        with self.db.begin() as conn:
            for (body,) in conn.execute(select(t.rectifications.c.body).where(
                    _k.status == f.RectificationStatus.OPEN.value, _k.due_date < day,
                    _k.overdue_noted.is_(False)).with_for_update()).all():
                self._save_task(conn, f.note_rectification_overdue(_task.decode(body), now),
                                "overdue", now)
                noted += 1
            for (body,) in conn.execute(select(t.complaints.c.body).where(
                    _c.status.in_([s.value for s in f.UNANSWERED]), _c.due_date < day,
                    _c.overdue_noted.is_(False)).with_for_update()).all():
                self._save_complaint(conn, f.note_complaint_overdue(_complaint.decode(body),
                                                                    now), "overdue", now)
                noted += 1
            for (body,) in conn.execute(select(t.consultations.c.body).where(
                    _q.status == f.ConsultationStatus.SUBMITTED.value, _q.due_date < day,
                    _q.overdue_noted.is_(False)).with_for_update()).all():
                self._save_consultation(conn, f.note_consultation_overdue(
                    _consultation.decode(body), now), "overdue", now)
                noted += 1
        return noted

    # --- consultations (咨询) -----------------------------------------------------------------
    def ask(self, p: Principal, key: str, *, item_id: str, title: str, question: str,
            contact: str = "") -> f.Consultation:
        """A question about an item: a person signed in (a public token) asks as themselves;
        anyone else (no token, or the hall's own) leaves a contact and gets a query code."""
        asker = ""
        if "public" in p.roles:
            _public(p)
            asker = p.subject
        key = self.idempotency.check_key(key)
        caller = p.subject or "anonymous"
        print_ = _print("AskConsultation", [item_id, title, question, contact])
        with self.db.begin() as conn:
            replay = self.idempotency.lookup(conn, caller, key, "AskConsultation", print_)
            if replay is not None:
                return self._consultation(conn, replay.decode())
        if self.items is None:  # pragma: no cover - wired by server.build
            raise NotFound("consultations are not served here", code="UNIMPLEMENTED")
        item = self.items.item(item_id.strip())
        if item is None:
            raise NotFound(f"没有已公布的事项 {item_id}", code="ITEM_NOT_FOUND",
                           metadata={"item_id": item_id})
        now = self.clock()
        today = local_day(now)
        consultation = f.ask(
            consultation_id=f.consultation_id(item.region, today), item=item, title=title,
            question=question, asker=asker, contact=contact, code=f.query_code(), now=now,
            today=today, calendar=self.calendar, policy=self.policy)
        try:
            with self.db.begin() as conn:
                self._save_consultation(conn, consultation, "submitted", now, new=True)
                self.idempotency.save(conn, caller, key, "AskConsultation", print_,
                                      consultation.consultation_id.encode())
        except IntegrityError:
            with self.db.begin() as conn:
                replay = self.idempotency.lookup(conn, caller, key, "AskConsultation",
                                                 print_)
                if replay is None:
                    raise
                return self._consultation(conn, replay.decode())
        return consultation

    def may_answer(self, p: Principal, c: f.Consultation) -> bool:
        """The item's department's staff in its region (administrators too)."""
        return p.can(auth.CASE_HANDLE, c.region, c.department_code)

    def _may_read_consultation(self, p: Principal, c: f.Consultation,
                               query_code: str = "") -> bool:
        if c.asker and c.asker == p.subject:
            return True
        if query_code and c.query_code and secrets.compare_digest(
                query_code.strip().upper(), c.query_code):
            return True
        return self.may_answer(p, c) or _supervises(p, c.region)

    def get_consultation(self, p: Principal, consultation_id: str, query_code: str = ""
                         ) -> f.Consultation:
        with self.db.read() as s:
            row = s.execute(select(t.consultations.c.body).where(
                _q.consultation_id == consultation_id)).first()
        found = _consultation.decode(row[0]) if row else None
        if found is None or not self._may_read_consultation(p, found, query_code):
            raise _consultation_not_found(consultation_id)
        return found

    def act_on_consultation(self, p: Principal, consultation_id: str, action: str, key: str,
                            **fields: Any) -> f.Consultation:
        key = self.idempotency.check_key(key)
        print_ = _print("ActOnConsultation", [consultation_id, action, fields])
        with self.db.begin() as conn:
            c = self._consultation(conn, consultation_id, lock=True)
            if p.anonymous or not self._may_read_consultation(p, c):
                raise _consultation_not_found(consultation_id)
            if action == "withdraw":
                if not c.asker or c.asker != p.subject:
                    raise PermissionDenied("只有提出咨询的人可以撤回", code="NOT_YOURS")
            elif not self.may_answer(p, c):
                raise PermissionDenied(
                    f"这项咨询由{c.department or '事项的实施部门'}答复",
                    code="NOT_ADDRESSED_TO_YOU",
                    metadata={"department_code": c.department_code})
            if self.idempotency.lookup(conn, p.subject, key, "ActOnConsultation",
                                       print_) is not None:
                return c
            now = self.clock()
            if action == "answer":
                acted = f.answer_consultation(c, p.subject, now, str(fields.get("answer", "")))
            elif action == "withdraw":
                acted = f.withdraw_consultation(c, p.subject, now)
            else:  # pragma: no cover - the contract's oneof
                raise InvalidArgument.of_field("action", "answer 或 withdraw")
            self._save_consultation(conn, acted, acted.history[-1].action, now)
            self.idempotency.save(conn, p.subject, key, "ActOnConsultation", print_, b"{}")
            return acted

    def list_consultations(self, p: Principal, *, region: str = "", department_code: str = "",
                           status: f.ConsultationStatus | None = None,
                           waiting_only: bool = False, overdue_only: bool = False,
                           offset: int = 0, limit: int = 50) -> Page:
        """The caller's own (public); their department's (its staff); their regions'
        (supervisors). Newest first; earliest due first with ``waiting_only``."""
        if p.anonymous:
            p.require(auth.FEEDBACK_SUBMIT)
        if "public" in p.roles:
            scope = _q.asker == p.subject
        else:
            mine = []
            if _supervises(p):
                mine.append(_in_regions(_q.region, p.regions))
            if p.can(auth.CASE_HANDLE):
                every = any(auth.CASE_HANDLE in auth.ROLES[r].permissions
                            and not auth.ROLES[r].department_bound
                            for r in p.roles if r in auth.ROLES)
                regions = _in_regions(_q.region, p.regions)
                mine.append(regions if every else and_(
                    _q.department_code == (p.department or "-"), regions))
            if not mine:
                raise PermissionDenied(f"{p.subject} 无权查看咨询", code="NOT_ALLOWED")
            scope = or_(*mine)
        query = select(t.consultations.c.body).where(scope)
        if region:
            query = query.where(_q.region.like(_prefix(region)))
        if department_code:
            query = query.where(_q.department_code == department_code)
        if status is not None:
            query = query.where(_q.status == status.value)
        waiting = f.ConsultationStatus.SUBMITTED.value
        if waiting_only or overdue_only:
            query = query.where(_q.status == waiting)
        if overdue_only:
            query = query.where(_q.due_date < self.today().isoformat())
        order = ((_q.due_date, _q.submitted_at, _q.consultation_id) if waiting_only
                 else (_q.submitted_at.desc(), _q.consultation_id))
        return self._page(query.order_by(*order), offset, limit, _consultation)

    def _consultation(self, conn: Conn, consultation_id: str, *, lock: bool = False
                      ) -> f.Consultation:
        query = select(t.consultations.c.body).where(_q.consultation_id == consultation_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise _consultation_not_found(consultation_id)
        return _consultation.decode(row[0])

    def _save_consultation(self, conn: Conn, c: f.Consultation, action: str, now: datetime,
                           *, new: bool = False) -> None:
        values = {"region": c.region, "department_code": c.department_code,
                  "item_id": c.item_id, "asker": c.asker, "status": c.status.value,
                  "due_date": c.due_date.isoformat(),
                  "month": f.local_month(local_day(c.submitted_at)),
                  "submitted_at": c.submitted_at, "overdue_noted": c.overdue_noted,
                  "body": _encode(c).decode()}
        if new:
            conn.execute(insert(t.consultations).values(consultation_id=c.consultation_id,
                                                        **values))
        else:
            conn.execute(update(t.consultations).where(
                _q.consultation_id == c.consultation_id).values(**values))
        self._announce(conn, f"consultation.{action}", pb.ConsultationEvent(
            consultation=consultation_to_pb(c, local_day(now), self.calendar,
                                            identity=False), action=action), c.region, now)

    # --- indicators -------------------------------------------------------------------------
    def indicators(self, *, region: str = "", department_code: str = "", month_from: str = "",
                   month_to: str = "") -> list[f.DepartmentMonth]:
        """Public: per department and month."""
        today = self.today()
        month_from = month_from or f.local_month(today)
        month_to = month_to or month_from
        if month_to < month_from:
            raise InvalidArgument.of_field("month_to", "不能早于 month_from",
                                           code="INVALID_MONTHS")
        with self.db.read() as s:
            return department_month_counts(s, region=region or self.node_region,
                                           month_from=month_from, month_to=month_to,
                                           today=today, department_code=department_code)

    # --- storage ----------------------------------------------------------------------------
    def _page(self, query: Any, offset: int, limit: int, decoder: msgspec.json.Decoder
              ) -> Page:
        limit = max(1, min(limit or 50, MAX_PAGE))
        with self.db.read() as s:
            total = int(s.execute(select(func.count()).select_from(query.subquery()))
                        .scalar_one())
            rows = s.execute(query.offset(offset).limit(limit)).scalars().all()
        return Page([decoder.decode(b) for b in rows], total,
                    offset + limit if offset + limit < total else None)

    def _complaint(self, conn: Conn, complaint_id: str, *, lock: bool = False
                   ) -> f.Complaint:
        query = select(t.complaints.c.body).where(_c.complaint_id == complaint_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise _complaint_not_found(complaint_id)
        return _complaint.decode(row[0])

    def _rating_and_task(self, conn: Conn, rating_id: str, *, lock: bool = False
                         ) -> tuple[f.Rating, f.Rectification | None]:
        query = select(t.ratings.c.body).where(_r.rating_id == rating_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise _rating_not_found(rating_id)
        return _rating.decode(row[0]), self._tasks_of(conn, [rating_id]).get(rating_id)

    def _tasks_of(self, conn: Conn, rating_ids: list[str]) -> dict[str, f.Rectification]:
        if not rating_ids:
            return {}
        rows = conn.execute(select(t.rectifications.c.body).where(
            _k.rating_id.in_(rating_ids))).scalars().all()
        tasks = [_task.decode(b) for b in rows]
        return {task.rating_id: task for task in tasks}

    def _save_complaint(self, conn: Conn, c: f.Complaint, action: str, now: datetime, *,
                        new: bool = False) -> None:
        values = {"region": c.region, "department_code": c.department_code,
                  "department": c.department, "addressee": c.addressee.value,
                  "complainant": c.complainant, "status": c.status.value,
                  "due_date": c.due_date.isoformat(),
                  "month": f.local_month(local_day(c.submitted_at)),
                  "submitted_at": c.submitted_at, "overdue_noted": c.overdue_noted,
                  "body": _encode(c).decode()}
        if new:
            conn.execute(insert(t.complaints).values(complaint_id=c.complaint_id, **values))
        else:
            conn.execute(update(t.complaints).where(_c.complaint_id == c.complaint_id)
                         .values(**values))
        self._announce(conn, f"complaint.{action}", pb.ComplaintEvent(
            complaint=complaint_to_pb(c, local_day(now), identity=False), action=action),
            c.region, now)

    def _save_rating(self, conn: Conn, r: f.Rating, action: str, now: datetime, *,
                     new: bool = False) -> None:
        values = {"case_number": r.case_number, "channel": r.channel.value, "rater": r.rater,
                  "region": r.region, "department_code": r.department_code,
                  "department": r.department, "month": r.month, "level": r.level,
                  "bad": r.bad, "excluded": r.excluded,
                  "appeal_status": r.appeal_status.value, "rated_at": r.rated_at,
                  "body": _encode(r).decode()}
        if new:
            conn.execute(insert(t.ratings).values(rating_id=r.rating_id, **values))
        else:
            conn.execute(update(t.ratings).where(_r.rating_id == r.rating_id).values(**values))
        self._announce(conn, f"rating.{action}", pb.RatingEvent(
            rating=rating_to_pb(r, None, local_day(now), self.calendar, identity=False),
            action=action), r.region, now)

    def _save_task(self, conn: Conn, task: f.Rectification, action: str, now: datetime, *,
                   new: bool = False) -> None:
        values = {"rating_id": task.rating_id, "region": task.region,
                  "department_code": task.department_code, "month": task.month,
                  "status": task.status.value, "due_date": task.due_date.isoformat(),
                  "on_time": task.on_time, "overdue_noted": task.overdue_noted,
                  "body": _encode(task).decode()}
        if new:
            conn.execute(insert(t.rectifications).values(task_id=task.task_id, **values))
        else:
            conn.execute(update(t.rectifications).where(_k.task_id == task.task_id)
                         .values(**values))
        self._announce(conn, f"rectification.{action}", pb.RectificationEvent(
            rectification=rectification_to_pb(task, local_day(now), self.calendar),
            action=action), task.region, now)

    def _announce(self, conn: Conn, event_type: str, data: Any, region: str,
                  now: datetime) -> None:
        event = make_event(event_type, data, node=self.node_region, region=region,
                           occurred_at=now)
        conn.execute(self.outbox._insert, self.outbox.row(event,
                                                          routing_key(event_type, region)))
        self.outbox.notify_if_due(conn)


def department_month_counts(conn: Conn, *, region: str, month_from: str, month_to: str,
                            today: date, department_code: str = ""
                            ) -> list[f.DepartmentMonth]:
    """Per department (credit code) and month (YYYY-MM, Asia/Shanghai) in ``region`` and the
    regions under it: ratings counted (an appeal upheld leaves one out) by level, exclusions,
    appeals, rectifications (of counted bad ratings) done, on time and overdue ``today``,
    complaints and reports received that month, handled and overdue. Sorted by month, then
    department code."""
    rows: dict[tuple[str, str, str], f.DepartmentMonth] = {}

    def row(region_: str, code: str, month: str, name: str) -> f.DepartmentMonth:
        found = rows.get((region_, code, month))
        if found is None:
            found = rows[(region_, code, month)] = f.DepartmentMonth(region_, name, code, month)
        elif name and not found.department:
            found.department = name
        return found

    def scoped(query: Any, table: Any) -> Any:
        query = query.where(table.c.region.like(_prefix(region)), table.c.month >= month_from,
                            table.c.month <= month_to)
        if department_code:
            query = query.where(table.c.department_code == department_code)
        return query

    keys = (_r.region, _r.department_code, _r.month)
    for region_, code, month, name, level, excluded, appeal_status, n in conn.execute(scoped(
            select(*keys, func.max(_r.department), _r.level, _r.excluded, _r.appeal_status,
                   func.count()), t.ratings)
            .group_by(*keys, _r.level, _r.excluded, _r.appeal_status)).all():
        appealed = appeal_status != f.AppealStatus.NONE.value
        target = row(region_, code, month, name)
        if excluded:
            target.excluded += n
        else:
            target.per_level[level - 1] += n
        if appealed:
            target.appeals += n
    done = f.RectificationStatus.DONE.value
    task_keys = (_k.region, _k.department_code, _k.month)
    for region_, code, month, rectified, on_time, overdue in conn.execute(scoped(
            select(*task_keys,
                   func.sum(case((_k.status == done, 1), else_=0)),
                   func.sum(case((and_(_k.status == done, _k.on_time.is_(True)), 1),
                                 else_=0)),
                   func.sum(case((and_(_k.status == f.RectificationStatus.OPEN.value,
                                       _k.due_date < today.isoformat()), 1), else_=0)))
            .join(t.ratings, _r.rating_id == _k.rating_id).where(_r.excluded.is_(False)),
            t.rectifications).group_by(*task_keys)).all():
        target = row(region_, code, month, "")
        target.rectified += int(rectified or 0)
        target.rectified_on_time += int(on_time or 0)
        target.rectification_overdue += int(overdue or 0)
    handled = [s.value for s in f.HANDLED]
    unanswered = [s.value for s in f.UNANSWERED]
    complaint_keys = (_c.region, _c.department_code, _c.month)
    for region_, code, month, name, n, done_n, overdue in conn.execute(scoped(
            select(*complaint_keys, func.max(_c.department), func.count(),
                   func.sum(case((_c.status.in_(handled), 1), else_=0)),
                   func.sum(case((and_(_c.status.in_(unanswered),
                                       _c.due_date < today.isoformat()), 1), else_=0))),
            t.complaints).group_by(*complaint_keys)).all():
        target = row(region_, code, month, name)
        target.complaints += n
        target.complaints_handled += int(done_n or 0)
        target.complaints_overdue += int(overdue or 0)
    return sorted(rows.values(), key=lambda r: (r.month, r.department_code, r.region))


def _public(p: Principal) -> tuple[str, str]:
    """The person's identity from their public token."""
    p.require(auth.FEEDBACK_SUBMIT)
    identity = public_identity(p.subject)
    if identity is None:  # pragma: no cover - such a token is refused when verified
        raise PermissionDenied("请以本人身份登录", code="NOT_A_PERSON")
    return identity


def _print(operation: str, request: list[Any]) -> str:
    return fingerprint(operation, json.dumps(request, sort_keys=True, ensure_ascii=False,
                                             default=str).encode())


def _complaint_not_found(complaint_id: str) -> NotFound:
    return NotFound(f"没有投诉举报 {complaint_id}", code="COMPLAINT_NOT_FOUND",
                    metadata={"complaint_id": complaint_id})


def _consultation_not_found(consultation_id: str) -> NotFound:
    return NotFound(f"没有咨询 {consultation_id}", code="CONSULTATION_NOT_FOUND",
                    metadata={"consultation_id": consultation_id})


def _rating_not_found(rating_id: str) -> NotFound:
    return NotFound(f"没有评价 {rating_id}", code="RATING_NOT_FOUND",
                    metadata={"rating_id": rating_id})


def _already_rated(rating: f.Rating) -> AlreadyExists:
    return AlreadyExists(
        f"办件 {rating.case_number} 已经在{f.CHANNEL_WORDS[rating.channel]}评价过，"
        "每个办件在每个渠道只能评价一次", code="ALREADY_RATED",
        metadata={"case_number": rating.case_number, "channel": rating.channel.value})


_COMPLAINT_ACTIONS: dict[str, Callable[..., f.Complaint]] = {
    "accept": lambda c, by, now, note="": f.accept_complaint(c, by, now, note),
    "reject": lambda c, by, now, reason: f.reject_complaint(c, by, now, reason),
    "answer": lambda c, by, now, finding, answer: f.answer_complaint(c, by, now, finding,
                                                                     answer),
    "close": lambda c, by, now, note="": f.close_complaint(c, by, now, note),
    "withdraw": lambda c, by, now, reason="": f.withdraw_complaint(c, by, now, reason),
}


class EvaluationRatings:
    """Complaints and ratings (投诉 · 好差评) as the efficiency evaluation counts them
    (``domain.evaluation.RatingsProvider``): per department (credit code) or per region in a
    period, from ``department_month_counts``; by item or by official they are not known
    (a rating names its case's department, not the item's steps or who took them): None."""

    def __init__(self, db: Database, node_region: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db = db
        self.node_region = node_region
        self.clock = clock

    def counts(self, dimension: ev.Dimension, period: ev.Period, keys: Sequence[str]
               ) -> dict[str, ev.RatingCounts] | None:
        if dimension not in (ev.Dimension.DEPARTMENT, ev.Dimension.REGION):
            return None
        last_day = period.end - timedelta(days=1)
        with self.db.read() as s:
            months = department_month_counts(
                s, region=self.node_region, month_from=period.start.strftime("%Y-%m"),
                month_to=last_day.strftime("%Y-%m"), today=local_day(self.clock()))
        totals: dict[str, list[int]] = {}  # key → complaints, ratings, satisfied
        for month in months:
            key = (month.department_code if dimension is ev.Dimension.DEPARTMENT
                   else month.region)
            total = totals.setdefault(key, [0, 0, 0])
            total[0] += month.complaints
            total[1] += month.ratings
            total[2] += sum(month.per_level[:2])  # 非常满意, 满意
        found = {}
        for key in keys:
            complaints, ratings, satisfied = totals.get(key, (0, 0, 0))
            found[key] = ev.RatingCounts(complaints, ratings,
                                         satisfied / ratings if ratings else None)
        return found
