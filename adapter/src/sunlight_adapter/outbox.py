"""A local outbox: the department's own rows and what it sends to the node commit together.

::

    outbox = Outbox("sqlite:///fgj.db")
    with outbox.transaction() as tx:
        tx.session.execute(insert(applications).values(number="FGJ-2026-4711", …))
        tx.submit(Application(idempotency_key="FGJ-2026-4711", …))
    # committed together, or (an exception in the block) neither

    relay = Relay(outbox, client)
    relay.run(stop)            # or relay.deliver_pending() from your own scheduler

The relay sends pending requests in the order they were written, at least once and always
with their own idempotency key (so a request sent twice — a crash after sending, before
marking — acts once at the node). A delivered request is marked with the case the node
answered; one the node refuses for good (a 4xx) is *parked* with the node's error, visible in
:meth:`Outbox.parked`, never retried by itself (:meth:`Outbox.requeue` sends it again once
fixed). Transient failures (the node away, a timeout) stop the pass and are retried later
with backoff: later requests wait behind the one that failed, so the order holds.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.orm import Session

from sunlight_adapter.client import SunlightClient
from sunlight_adapter.errors import PermanentError, SunlightError, Unauthenticated
from sunlight_adapter.models import (
    Action,
    Application,
    Case,
    CaseAction,
    action_of,
)
from sunlight_adapter.store import create_tables, engine_of, utcnow
from sunlight_adapter.store import outbox as outbox_table

__all__ = ["Outbox", "OutboxEntry", "OutboxTransaction", "Relay", "RelayReport"]

log = logging.getLogger("sunlight_adapter.outbox")

PENDING, DELIVERED, PARKED = "pending", "delivered", "parked"
SUBMIT, ACT = "submit", "act"


@dataclass(frozen=True)
class OutboxEntry:
    """One request of the outbox and where it stands."""

    id: int
    idempotency_key: str
    kind: str
    case_number: str | None
    status: str
    attempts: int
    request: Application | CaseAction
    created_at: datetime
    delivered_at: datetime | None = None
    case_status: str | None = None
    error_status: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_identifier: str | None = None

    @classmethod
    def of(cls, row: Row[Any]) -> OutboxEntry:
        body = json.loads(row.body)
        request: Application | CaseAction
        if row.kind == SUBMIT:
            request = Application.from_json(body)
        else:
            (name, values), = ((k, v) for k, v in body.items() if k != "idempotency_key")
            request = CaseAction(body["idempotency_key"], row.case_number,
                                 action_of(name, values))
        return cls(id=row.id, idempotency_key=row.idempotency_key, kind=row.kind,
                   case_number=row.case_number, status=row.status, attempts=row.attempts,
                   request=request, created_at=row.created_at, delivered_at=row.delivered_at,
                   case_status=row.case_status, error_status=row.error_status,
                   error_code=row.error_code, error_message=row.error_message,
                   error_identifier=row.error_identifier)


class OutboxTransaction:
    """The department's transaction with the outbox in it: ``session`` for its own rows,
    :meth:`submit` and :meth:`act` for what goes to the node."""

    def __init__(self, session: Session | Connection) -> None:
        self.session = session

    def submit(self, application: Application) -> None:
        """Send this application once the transaction commits."""
        application.check()
        self._add(SUBMIT, application.idempotency_key, None, application.to_json())

    def act(self, case_number: str, action: Action, idempotency_key: str) -> None:
        """Send this action on the case once the transaction commits."""
        request = CaseAction(idempotency_key, case_number, action)
        request.check()
        self._add(ACT, idempotency_key, case_number, request.body())

    def _add(self, kind: str, key: str, case_number: str | None, body: dict[str, Any]) -> None:
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        known = self.session.execute(
            select(outbox_table.c.kind, outbox_table.c.body, outbox_table.c.case_number)
            .where(outbox_table.c.idempotency_key == key)).first()
        if known is not None:
            same = (known.kind, known.body) == (kind, text) and (
                kind == SUBMIT or known.case_number == case_number)
            if same:  # written before: the key says it is the same request
                return
            raise ValueError(f"idempotency_key: {key!r} is already in the outbox for another "
                             "request; each request needs its own key")
        self.session.execute(insert(outbox_table).values(
            idempotency_key=key, kind=kind, case_number=case_number, body=text,
            status=PENDING, attempts=0, created_at=utcnow()))


class Outbox:
    """The outbox table in the department's database (``url``: any SQLAlchemy URL or an
    engine; its tables are created when missing)."""

    def __init__(self, url: str | Engine = "sqlite:///sunlight-outbox.db", *,
                 create: bool = True) -> None:
        self.engine = engine_of(url)
        if create:
            create_tables(self.engine)

    @contextmanager
    def transaction(self, session: Session | None = None) -> Iterator[OutboxTransaction]:
        """A transaction holding the department's rows and the requests for the node.

        Without ``session``: a new session on the outbox's database, committed when the block
        ends, rolled back (nothing sent) when it raises. With your own ``session`` (on the
        same database): its transaction holds the requests, you commit it.
        """
        if session is not None:
            yield OutboxTransaction(session)
            return
        with Session(self.engine) as own, own.begin():
            yield OutboxTransaction(own)

    # --- reading --------------------------------------------------------------------------

    def get(self, idempotency_key: str) -> OutboxEntry | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(outbox_table).where(
                outbox_table.c.idempotency_key == idempotency_key)).first()
        return OutboxEntry.of(row) if row is not None else None

    def entries(self, status: str | None = None, limit: int = 1000) -> list[OutboxEntry]:
        """Entries in the order they were written (``status``: pending, delivered, parked)."""
        query = select(outbox_table).order_by(outbox_table.c.id).limit(limit)
        if status is not None:
            query = query.where(outbox_table.c.status == status)
        with self.engine.connect() as connection:
            return [OutboxEntry.of(row) for row in connection.execute(query)]

    def pending(self, limit: int = 1000) -> list[OutboxEntry]:
        return self.entries(PENDING, limit)

    def parked(self, limit: int = 1000) -> list[OutboxEntry]:
        """Requests the node refused for good, with its error: fix and :meth:`requeue`."""
        return self.entries(PARKED, limit)

    def requeue(self, idempotency_key: str) -> bool:
        """Send a parked request again (e.g. after the item was published); True if it was
        parked. It goes out with its key, after the requests written before it."""
        with self.engine.begin() as connection:
            done = connection.execute(
                update(outbox_table)
                .where(outbox_table.c.idempotency_key == idempotency_key,
                       outbox_table.c.status == PARKED)
                .values(status=PENDING, attempts=0, next_attempt_at=None))
        return done.rowcount == 1


@dataclass
class RelayReport:
    """What one pass did."""

    delivered: int = 0
    parked: int = 0
    failed: int = 0
    #: the pass stopped early: a transient failure, or a request waiting for its backoff
    stopped: bool = False


#: Called with the session of the transaction that marks an entry delivered and the case
#: the error code of a request the node took whose recording here failed (``on_delivered``
#: or the database raised): it stays pending and is sent again after its back-off
DELIVERED_NOT_RECORDED = "DELIVERED_NOT_RECORDED"

#: the node answered: write the case number into your own rows there (they commit together).
DeliveredHook = Callable[[Session, OutboxEntry, Case], None]


class Relay:
    """Delivers an outbox's pending requests through ``client``, in order (run one relay per
    outbox: two would still send each request with its key, but not strictly in order)."""

    def __init__(self, outbox: Outbox, client: SunlightClient, *, batch: int = 100,
                 on_delivered: DeliveredHook | None = None, base_delay_s: float = 1.0,
                 max_delay_s: float = 300.0) -> None:
        self.outbox = outbox
        self.client = client
        self.batch = batch
        self.on_delivered = on_delivered
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s

    def deliver_pending(self) -> RelayReport:
        """One pass over the pending requests, oldest first."""
        report = RelayReport()
        with self.outbox.engine.connect() as connection:
            rows = connection.execute(
                select(outbox_table).where(outbox_table.c.status == PENDING)
                .order_by(outbox_table.c.id).limit(self.batch)).all()
        now = utcnow()
        for row in rows:
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                report.stopped = True  # it waits for its backoff; later ones wait behind it
                break
            if not self._deliver(OutboxEntry.of(row), report):
                report.stopped = True
                break
        return report

    def run(self, stop: threading.Event, interval_s: float = 1.0) -> None:
        """Deliver until ``stop`` is set, a pass every ``interval_s`` (at once while there is
        more to send)."""
        while not stop.is_set():
            try:
                report = self.deliver_pending()
            except Exception:  # noqa: BLE001 - the database away: log, retry next round
                log.exception("outbox relay pass failed")
                report = RelayReport(stopped=True)
            busy = report.delivered + report.parked >= self.batch and not report.stopped
            if not busy:
                stop.wait(interval_s)

    def _deliver(self, entry: OutboxEntry, report: RelayReport) -> bool:
        """True when the entry is settled (delivered or parked) and the pass may go on."""
        try:
            request = entry.request
            if isinstance(request, Application):
                case = self.client.submit_application(request)
            else:
                case = self.client.act(request)
        except ValueError as exc:  # the stored request breaks the contract: never sendable
            self._park(entry, 0, "INVALID_REQUEST", str(exc), "")
            report.parked += 1
            return True
        except Unauthenticated as exc:  # the token, not the request: retry when renewed
            self._retry_later(entry, exc)
            report.failed += 1
            log.error("outbox relay: the node refused the token (%s); fix the token source",
                      exc.message)
            return False
        except PermanentError as exc:
            self._park(entry, exc.status, exc.code, exc.message, exc.identifier)
            report.parked += 1
            log.warning("outbox: %s %s parked: %s %s", entry.kind, entry.idempotency_key,
                        exc.code, exc.message)
            return True
        except SunlightError as exc:
            self._retry_later(entry, exc)
            report.failed += 1
            return False
        try:
            with Session(self.outbox.engine) as session, session.begin():
                session.execute(
                    update(outbox_table).where(outbox_table.c.id == entry.id).values(
                        status=DELIVERED, delivered_at=utcnow(), attempts=entry.attempts + 1,
                        case_number=case.case_number, case_status=case.status,
                        next_attempt_at=None))
                if self.on_delivered is not None:
                    self.on_delivered(session, entry, case)
        except Exception as exc:  # noqa: BLE001 - your hook or your database: back off
            # the node has the request; your rows do not: it stays pending and is sent again
            # (the same key: the node answers as before) once the back-off is over
            log.exception("outbox: %s %s delivered, but recording it failed", entry.kind,
                          entry.idempotency_key)
            self._retry_later(entry, SunlightError(0, DELIVERED_NOT_RECORDED, repr(exc)))
            report.failed += 1
            return False
        report.delivered += 1
        return True

    def _park(self, entry: OutboxEntry, status: int, code: str, message: str,
              identifier: str) -> None:
        with self.outbox.engine.begin() as connection:
            connection.execute(
                update(outbox_table).where(outbox_table.c.id == entry.id).values(
                    status=PARKED, attempts=entry.attempts + 1, next_attempt_at=None,
                    error_status=status, error_code=code, error_message=message,
                    error_identifier=identifier))

    def _retry_later(self, entry: OutboxEntry, error: SunlightError) -> None:
        attempts = entry.attempts + 1
        delay = min(self.max_delay_s, self.base_delay_s * 2 ** min(attempts - 1, 20))
        with self.outbox.engine.begin() as connection:
            connection.execute(
                update(outbox_table).where(outbox_table.c.id == entry.id).values(
                    attempts=attempts, next_attempt_at=utcnow() + timedelta(seconds=delay),
                    error_status=error.status, error_code=error.code,
                    error_message=error.message, error_identifier=error.identifier))
        log.warning("outbox: %s %s not delivered (%s), next try in %.0fs", entry.kind,
                    entry.idempotency_key, error.code, delay)
