"""``realestate conformance-driver``: the registration office behind the conformance kit's
driver protocol (JSON lines on standard input and output; docs/protocol/conformance.md), so
that ``sunlight conformance run --side adapter --target "realestate conformance-driver"``
checks the office as it works, not a bare adapter:

- ``configure``: the office on a scratch SQLite database of its own (never the office's
  real one: the kit's applications are test data), its relay and event consumer made by
  ``realestate.runner.link`` from settings pointing at the kit's gateway, token, timeout,
  broker and queue (the region and the rest from ``REALESTATE_*`` as for ``realestate
  run``); the consumer runs in a thread, bound before the answer;
- ``submit``: the application received at the counter (``Office.receive``: a registration
  of kind ``first``, numbered with the kit's idempotency key, its submission in the outbox
  in the same transaction), then one relay pass; the outcome is the outbox entry's, the
  case number the one the relay's hook wrote into the registration;
- ``flush``: one relay pass;
- ``applied``: the events that moved a registration's platform state (``Office.on_event``
  in the consumer's transaction), in the order they did — an event the office took as old
  news or a duplicate is not applied;
- ``stop``: the consumer stopped, the scratch database removed.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session
from sunlight_adapter import CaseEvent, Relay, SunlightClient

from realestate import db
from realestate.domain import DomainError
from realestate.office import Office
from realestate.runner import link
from realestate.settings import Settings, SettingsError

log = logging.getLogger("realestate.conformance")

OPS = ("configure", "submit", "flush", "applied", "stop")
#: the kind of registration the kit's applications are received as, and the unit they are
#: for (in the office's region, GB/T 37346)
KIND = "first"
UNIT = "{region}001001GB00001F00010001"
#: the link needs a broker URL; without one from the kit the consumer is never started
NO_BROKER = "amqp://unused@127.0.0.1:5672/%2F"

_observed = MetaData()
#: the events that moved a registration's platform state, in the order they did
applied_events = Table(
    "conformance_applied", _observed,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("case_number", String(50), nullable=False),
    Column("sequence", Integer, nullable=False),
    sqlite_autoincrement=True,
)


class ObservedOffice(Office):
    """The office, its event handler watched: an event after which the registration's
    platform sequence is the event's (and was not before) was applied; recorded in the
    handler's transaction, so it commits with the office's own change."""

    def on_event(self, session: Session, event: CaseEvent) -> None:
        before = self._sequence(session, event.case_number)
        super().on_event(session, event)
        after = self._sequence(session, event.case_number)
        if after is not None and after != before and after == event.sequence:
            session.execute(insert(applied_events).values(
                event_id=event.event_id, case_number=event.case_number,
                sequence=event.sequence))

    @staticmethod
    def _sequence(session: Session, case_number: str) -> int | None:
        if not case_number:
            return None
        return session.execute(select(db.registrations.c.platform_sequence).where(
            db.registrations.c.case_number == case_number)).scalar()


class OfficeDriver:
    def __init__(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="realestate-conformance-"))
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.office: ObservedOffice | None = None
        self.relay: Relay | None = None
        self.client: SunlightClient | None = None

    def configure(self, request: dict[str, Any]) -> dict[str, Any]:
        amqp_url = request.get("amqp_url") or ""
        settings = replace(
            Settings.from_env(), database_url=f"sqlite:///{self.work / 'realestate.db'}",
            sunlight_url=str(request["gateway_url"]), token=str(request["token"]),
            token_file="", amqp_url=amqp_url or NO_BROKER, queue=str(request["queue"]),
            timeout_s=float(request["timeout_s"]))
        self.office = ObservedOffice(settings)
        _observed.create_all(self.office.engine)
        self.relay, consumer, self.client = link(self.office)
        if amqp_url:
            bound = threading.Event()
            self.thread = threading.Thread(target=consumer.run, args=(self.stop_event,),
                                           kwargs={"ready": bound}, daemon=True,
                                           name="realestate-events")
            self.thread.start()
            if not bound.wait(30):
                return {"ok": False, "error": "the office's queue was not bound within 30 s"}
        return {"ok": True}

    def submit(self, request: dict[str, Any]) -> dict[str, Any]:
        office, relay = self._linked()
        application = request["application"]
        key = str(application["idempotency_key"])
        region = str(application.get("region", ""))
        if region != office.settings.region:
            return {"ok": False, "error": f"the office serves region {office.settings.region}, "
                                          f"not {region!r}: set REALESTATE_REGION"}
        if not office.registrations(key):  # asked again for the outcome: received before
            applicant = application["applicant"]
            office.settings = replace(office.settings, item_id=str(application["item_id"]))
            office.receive(KIND, str(applicant["name"]), str(applicant["id_number"]),
                           UNIT.format(region=region), "一致性测试", number=key)
        relay.deliver_pending()
        return self._outcome(key)

    def _outcome(self, key: str) -> dict[str, Any]:
        office, _ = self._linked()
        entry = office.outbox.get(key)
        if entry is None:
            return {"ok": False, "error": f"no submission {key} in the office's outbox"}
        registration = office.get(key)
        return {"ok": True, "outcome": entry.status,
                "case_number": registration.case_number or None,
                "error_code": entry.error_code}

    def flush(self, _: dict[str, Any]) -> dict[str, Any]:
        _, relay = self._linked()
        relay.deliver_pending()
        return {"ok": True}

    def applied(self, _: dict[str, Any]) -> dict[str, Any]:
        office, _ = self._linked()
        with office.engine.connect() as connection:
            rows = connection.execute(select(applied_events).order_by(applied_events.c.n))
            events = [{"event_id": r.event_id, "case_number": r.case_number,
                       "sequence": r.sequence} for r in rows]
        return {"ok": True, "events": events}

    def stop(self, _: dict[str, Any]) -> dict[str, Any]:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        if self.client is not None:
            self.client.close()
        if self.office is not None:
            self.office.engine.dispose()
        shutil.rmtree(self.work, ignore_errors=True)
        return {"ok": True}

    def _linked(self) -> tuple[ObservedOffice, Relay]:
        if self.office is None or self.relay is None:
            raise RuntimeError("configure first")
        return self.office, self.relay


def main() -> int:
    """Answer the kit's requests, one JSON line each, until ``stop`` or the end of input."""
    driver = OfficeDriver()
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
                op = request.get("op") if isinstance(request, dict) else None
            except ValueError:
                request, op = {}, None
            try:
                if op not in OPS:
                    answer = {"ok": False, "error": f"unknown op {op!r} (one of {OPS})"}
                else:
                    answer = getattr(driver, op)(request)
            except (DomainError, SettingsError) as exc:
                answer = {"ok": False, "error": str(exc)}
            except Exception as exc:  # noqa: BLE001 - said to the kit, which reports it
                log.exception("%s failed", op)
                answer = {"ok": False, "error": repr(exc)}
            print(json.dumps(answer, ensure_ascii=False), flush=True)
            if op == "stop":
                return 0
    finally:
        if not driver.stop_event.is_set():
            driver.stop({})
    return 0
