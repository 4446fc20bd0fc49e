"""The registration office's work: the counter, the clerks' steps, and what the platform
answers — the office's rows and its requests to the node always in one transaction.

A clerk's step commits here at once, whether the platform is reachable or not. It is
reported to the platform as soon as the platform's case is ready for it: the submission
needs nothing; 受理 needs the case number (known once the submission was delivered); 审核
and 登簿 need their step running at the platform (its instance id), which the answers to the
office's own requests and the node's events say. Until then the step *waits* in
``registration_steps``; from then on it is in the adapter's outbox, delivered in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session
from sunlight_adapter import (
    Accept,
    Action,
    Applicant,
    Application,
    Case,
    CaseEvent,
    Complete,
    CompleteStep,
    Decide,
    Material,
    Outbox,
    OutboxEntry,
    OutboxTransaction,
    PublishResult,
)
from sunlight_adapter.outbox import PARKED, PENDING, SUBMIT
from sunlight_adapter.store import outbox as outbox_table

from realestate import db
from realestate.domain import (
    ACTIONS,
    KINDS,
    STEPS,
    DomainError,
    PlatformState,
    check_applicant,
    check_certificate,
    check_number,
    check_text,
    check_unit_number,
    next_status,
)
from realestate.settings import Settings

#: the materials of the platform item (demo-item.json), each handed in as one original
MATERIALS = ("application_form", "identity_proof", "title_source")
#: cited by a refusal when the clerk cites nothing else (the item's own legal basis)
DEFAULT_REFUSAL_BASIS = "《不动产登记暂行条例》第二十二条"
WAITING, QUEUED = "waiting", "queued"


@dataclass(frozen=True)
class Registration:
    """One registration as the clerk sees it."""

    number: str
    kind: str
    applicant_name: str
    applicant_id_number: str
    unit_number: str
    status: str
    case_number: str
    platform_status: str
    certificate: str
    #: steps recorded here but not yet sent (the platform's case not ready for them)
    waiting: int = 0
    #: requests in the outbox not yet delivered
    pending: int = 0
    #: requests the platform refused for good (parked), with its code and message
    refused: tuple[tuple[str, str, str], ...] = ()


class Office:
    """The office on its database (``settings.database_url``, or ``engine``)."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or db.make_engine(settings.database_url)
        db.create_tables(self.engine)
        self.outbox = Outbox(self.engine)

    # --- the counter ----------------------------------------------------------------------

    def receive(self, kind: str, applicant_name: str, id_number: str, unit_number: str,
                clerk: str = "", *, number: str | None = None) -> str:
        """An application received at the counter (收件): its row and its submission to the
        platform, committed together. Answers the office's number of it: the next
        ``BDC-<year>-<n>``, or ``number`` when the application was numbered before (by
        another of the office's systems, or by the conformance kit, whose keys are the
        numbers); that number is the platform's idempotency key of the submission."""
        if kind not in KINDS:
            raise DomainError("BAD_KIND", "登记类型应为："
                              + "、".join(f"{k}（{v}）" for k, v in KINDS.items()))
        name, id_type, number_ = check_applicant(applicant_name, id_number)
        unit = check_unit_number(unit_number, self.settings.region)
        clerk = check_text(clerk, "经办人", max_len=64)
        item_id = self.settings.need_item()
        given = None if number is None else check_number(number)
        with self.outbox.transaction() as tx:
            if given is not None and tx.session.execute(select(db.registrations.c.id).where(
                    db.registrations.c.number == given)).first() is not None:
                raise DomainError("NUMBER_TAKEN", f"业务号“{given}”已被使用")
            number = given or self._next_number(tx.session)
            now = db.utcnow()
            tx.session.execute(insert(db.registrations).values(
                number=number, kind=kind, applicant_name=name, applicant_id_type=id_type,
                applicant_id_number=number_, unit_number=unit, status="received",
                platform_status="", platform_sequence=0, active_steps="{}",
                created_at=now, updated_at=now))
            tx.submit(Application(
                number, item_id, self.settings.region, Applicant(name, number_, id_type),
                materials=[Material(key, originals=1) for key in MATERIALS]))
        return number

    def _next_number(self, session: Session | Any) -> str:
        prefix = f"BDC-{date.today().year}-"
        last = session.execute(select(func.max(db.registrations.c.number)).where(
            db.registrations.c.number.like(f"{prefix}%"))).scalar()
        return f"{prefix}{int(last.removeprefix(prefix)) + 1 if last else 1:06d}"

    # --- the clerks' steps ------------------------------------------------------------------

    def record(self, number: str, step: str, *, clerk: str = "", opinion: str = "",
               certificate: str = "", reasons: str = "", legal_basis: Iterable[str] = ()
               ) -> str:
        """A clerk's step on a registration (受理 accept, 审核 review, 登簿 record, 不予登记
        refuse, 发证办结 issue), committed with its report to the platform (sent now or as
        soon as the platform's case is ready for it). Answers the registration's new status."""
        clerk = check_text(clerk, "经办人", max_len=64)
        opinion = check_text(opinion, "意见")
        details: dict[str, Any] = {}
        if step == "record":
            details["certificate"] = check_certificate(certificate)
        if step == "refuse":
            details["reasons"] = check_text(reasons, "不予登记的理由", required=True)
            basis = [check_text(b, "法律依据", max_len=500) for b in legal_basis if b.strip()]
            details["legal_basis"] = basis or [DEFAULT_REFUSAL_BASIS]
        with self.outbox.transaction() as tx:
            row = tx.session.execute(select(db.registrations).where(
                db.registrations.c.number == number)).first()
            if row is None:
                raise DomainError("REGISTRATION_NOT_FOUND", f"没有业务号为“{number}”的登记申请")
            status = next_status(row.status, step)
            now = db.utcnow()
            for action in STEPS[step].actions:
                tx.session.execute(insert(db.steps).values(
                    registration=number, step=step, action=action, clerk=clerk,
                    opinion=opinion, details=json.dumps(details, ensure_ascii=False),
                    idempotency_key=f"{number}-{action}", state=WAITING, recorded_at=now))
            values: dict[str, Any] = {"status": status, "updated_at": now}
            if "certificate" in details:
                values["certificate"] = details["certificate"]
            tx.session.execute(update(db.registrations).where(
                db.registrations.c.number == number).values(**values))
            self._release(tx, number)
        return status

    # --- what the platform says -------------------------------------------------------------

    def on_delivered(self, session: Session, entry: OutboxEntry, case: Case) -> None:
        """The relay's hook, in the transaction that marks ``entry`` delivered: the case
        number (for a submission) and the case's state, then the steps it makes ready."""
        if entry.kind == SUBMIT:
            number = entry.idempotency_key
            session.execute(update(db.registrations).where(
                db.registrations.c.number == number,
                db.registrations.c.case_number.is_(None)).values(
                    case_number=case.case_number))
        else:
            number = self._number_of(session, case.case_number)
            if number is None:
                return
        active = {s.key: s.instance_id for s in case.active_steps() if s.key}
        self._apply(session, number, case.sequence, case.status, active)
        self._release(OutboxTransaction(session), number)

    def on_event(self, session: Session, event: CaseEvent) -> None:
        """The event consumer's handler: a case event of the node, applied to the office's
        registration of that case (events of other cases are not the office's)."""
        if not event.case_number or event.type == "case.trace_root":
            return
        number = self._number_of(session, event.case_number)
        if number is None:
            return
        active = {s.get("key", ""): s.get("instance_id", "")
                  for s in event.data.get("active_steps") or () if isinstance(s, Mapping)}
        self._apply(session, number, event.sequence, event.status, active)
        self._release(OutboxTransaction(session), number)

    def _number_of(self, session: Session | Any, case_number: str) -> str | None:
        return session.execute(select(db.registrations.c.number).where(
            db.registrations.c.case_number == case_number)).scalar()

    def _apply(self, session: Session | Any, number: str, sequence: int, status: str,
               active: Mapping[str, str]) -> None:
        """The case's state, when it is newer than the one known (events of a case may
        arrive out of order, and after the answer that already told it)."""
        if not status:
            return
        known = db.registrations.c.platform_sequence
        session.execute(update(db.registrations).where(
            db.registrations.c.number == number,
            (known < sequence) if sequence else (known == 0)).values(
                platform_status=status, platform_sequence=sequence,
                active_steps=json.dumps(dict(active), sort_keys=True),
                updated_at=db.utcnow()))

    def _release(self, tx: OutboxTransaction, number: str) -> None:
        """Put the registration's waiting steps into the outbox, in the order recorded, as
        far as the platform's case is ready for them."""
        session = tx.session
        row = session.execute(select(db.registrations).where(
            db.registrations.c.number == number)).first()
        if row is None or not row.case_number:
            return
        state = PlatformState(row.case_number, row.platform_status,
                              json.loads(row.active_steps or "{}"))
        # only the first waiting step can be ready: the later ones wait behind it (the
        # platform gets them in order), and what it leads to is learnt from its answer
        # (one action per state of the case)
        step = session.execute(select(db.steps).where(
            db.steps.c.registration == number, db.steps.c.state == WAITING)
            .order_by(db.steps.c.id).limit(1)).first()
        if step is not None and ACTIONS[step.action].ready(state):
            tx.act(row.case_number, _action(step, state), step.idempotency_key)
            session.execute(update(db.steps).where(db.steps.c.id == step.id).values(
                state=QUEUED, queued_at=db.utcnow()))

    # --- reading ------------------------------------------------------------------------------

    def registrations(self, number: str | None = None) -> list[Registration]:
        query = select(db.registrations).order_by(db.registrations.c.id)
        if number is not None:
            query = query.where(db.registrations.c.number == number)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
            waiting = dict(connection.execute(
                select(db.steps.c.registration, func.count()).where(
                    db.steps.c.state == WAITING).group_by(db.steps.c.registration)).all())
            keys = _keys_of([r.number for r in rows])
            # only the requests still to deliver or refused, of these registrations, and
            # only what is shown of them (not the stored requests)
            query = select(outbox_table.c.idempotency_key, outbox_table.c.status,
                           outbox_table.c.error_code, outbox_table.c.error_message).where(
                outbox_table.c.status.in_((PENDING, PARKED))).order_by(outbox_table.c.id)
            if number is not None:
                query = query.where(outbox_table.c.idempotency_key.in_(keys))
            outbox = connection.execute(query).all()
        pending: dict[str, int] = {}
        refused: dict[str, list[tuple[str, str, str]]] = {}
        for entry in outbox:
            owner = keys.get(entry.idempotency_key)
            if owner is None:
                continue  # not a request of these registrations
            if entry.status == PENDING:
                pending[owner] = pending.get(owner, 0) + 1
            else:
                refused.setdefault(owner, []).append(
                    (entry.idempotency_key, entry.error_code or "", entry.error_message or ""))
        return [Registration(
            number=r.number, kind=r.kind, applicant_name=r.applicant_name,
            applicant_id_number=r.applicant_id_number, unit_number=r.unit_number,
            status=r.status, case_number=r.case_number or "",
            platform_status=r.platform_status or "", certificate=r.certificate or "",
            waiting=waiting.get(r.number, 0), pending=pending.get(r.number, 0),
            refused=tuple(refused.get(r.number, ()))) for r in rows]

    def get(self, number: str) -> Registration:
        found = self.registrations(number)
        if not found:
            raise DomainError("REGISTRATION_NOT_FOUND", f"没有业务号为“{number}”的登记申请")
        return found[0]

    def steps_of(self, number: str) -> list[dict[str, Any]]:
        """The registration's recorded steps and where each stands (waiting here, pending in
        the outbox, delivered, or refused by the platform)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(db.steps).where(
                db.steps.c.registration == number).order_by(db.steps.c.id)).all()
        result = []
        for row in rows:
            entry = self.outbox.get(row.idempotency_key)
            result.append({"step": row.step, "action": row.action, "clerk": row.clerk,
                           "opinion": row.opinion, "key": row.idempotency_key,
                           "recorded_at": row.recorded_at,
                           "delivery": entry.status if entry is not None else WAITING,
                           "error_code": entry.error_code if entry is not None else None,
                           "error_message": entry.error_message if entry else None})
        return result


def _keys_of(numbers: Iterable[str]) -> dict[str, str]:
    """The idempotency keys of the registrations' requests → the registration's number: its
    submission (the number itself) and each of its actions (``<number>-<action>``). Exact
    keys, not a prefix: a number may itself contain ``-`` and begin another one."""
    keys: dict[str, str] = {}
    for number in numbers:
        keys[number] = number
        keys.update({f"{number}-{action}": number for action in ACTIONS})
    return keys


def _action(step: Any, state: PlatformState) -> Action:
    details = json.loads(step.details or "{}")
    if step.action == "accept":
        return Accept(step.opinion)
    if step.action == "review":
        return CompleteStep(state.step("review"), step.opinion)
    if step.action == "approve":
        return Decide("approve", reasons=step.opinion, certificate=details["certificate"])
    if step.action == "refuse":
        return Decide("refuse", reasons=details["reasons"], legal_basis=details["legal_basis"])
    if step.action == "publish":
        return PublishResult()
    if step.action == "complete":
        return Complete()
    raise ValueError(f"unknown action {step.action!r}")
