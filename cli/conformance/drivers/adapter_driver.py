"""A conforming driver of the conformance kit's adapter side, built on ``sunlight_adapter``:
the application goes through the outbox and a relay pass, the events through an
``EventConsumer`` (``skip_stale``), each applied event recorded in the handler's transaction.

Run by the kit: ``sunlight conformance run --side adapter --target "python -m
cli.conformance.drivers.adapter_driver"``. The protocol (JSON lines on standard input and
output) is cli/conformance/adapter.py's; a department's own driver wraps its own system the
same way.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sunlight_adapter import (
    Application,
    CaseEvent,
    EventConsumer,
    Outbox,
    Relay,
    RetryPolicy,
    SunlightClient,
)

log = logging.getLogger("conformance.driver")


class AdapterDriver:
    def __init__(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="sunlight-conformance-driver-"))
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.outbox: Outbox | None = None
        self.relay: Relay | None = None

    def configure(self, request: dict[str, Any]) -> dict[str, Any]:
        client = SunlightClient(request["gateway_url"], request["token"],
                                timeout_s=float(request["timeout_s"]),
                                retry=RetryPolicy(attempts=4, base_delay_s=0.1, max_delay_s=1.0))
        self.outbox = Outbox(f"sqlite:///{self.work / 'system.db'}")
        with self.outbox.engine.begin() as db:
            db.execute(text("CREATE TABLE IF NOT EXISTS applied (n INTEGER PRIMARY KEY "
                            "AUTOINCREMENT, event_id TEXT, case_number TEXT, sequence INT)"))
        self.relay = Relay(self.outbox, client, base_delay_s=0.1, max_delay_s=1.0)
        if request.get("amqp_url"):
            consumer = EventConsumer(request["amqp_url"], request["queue"],
                                     request["routing_keys"], self.apply, self.outbox.engine,
                                     exchange=request.get("exchange", "cases.events"),
                                     skip_stale=True)
            bound = threading.Event()
            self.thread = threading.Thread(target=consumer.run, args=(self.stop_event,),
                                           kwargs={"ready": bound}, daemon=True)
            self.thread.start()
            if not bound.wait(30):
                return {"ok": False, "error": "the event queue was not bound within 30 s"}
        return {"ok": True}

    @staticmethod
    def apply(session: Any, event: CaseEvent) -> None:
        session.execute(text("INSERT INTO applied (event_id, case_number, sequence) "
                             "VALUES (:i, :c, :s)"),
                        {"i": event.event_id, "c": event.case_number, "s": event.sequence})

    def submit(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.outbox is not None and self.relay is not None
        application = Application.from_json(request["application"])
        with self.outbox.transaction() as tx:
            tx.submit(application)
        self.relay.deliver_pending()
        return self._outcome(application.idempotency_key)

    def _outcome(self, key: str) -> dict[str, Any]:
        assert self.outbox is not None
        entry = self.outbox.get(key)
        assert entry is not None
        return {"ok": True, "outcome": entry.status, "case_number": entry.case_number,
                "error_code": entry.error_code}

    def flush(self, _: dict[str, Any]) -> dict[str, Any]:
        assert self.relay is not None
        self.relay.deliver_pending()
        return {"ok": True}

    def applied(self, _: dict[str, Any]) -> dict[str, Any]:
        assert self.outbox is not None
        with self.outbox.engine.connect() as db:
            rows = db.execute(text("SELECT event_id, case_number, sequence FROM applied "
                                   "ORDER BY n")).all()
        return {"ok": True, "events": [{"event_id": r.event_id, "case_number": r.case_number,
                                        "sequence": r.sequence} for r in rows]}

    def stop(self, _: dict[str, Any]) -> dict[str, Any]:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        if self.outbox is not None:
            self.outbox.engine.dispose()
        shutil.rmtree(self.work, ignore_errors=True)  # its scratch database
        return {"ok": True}


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    driver = AdapterDriver()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            op = request.get("op") if isinstance(request, dict) else None
        except ValueError:
            request, op = {}, None
        handler = getattr(driver, str(op), None) if op in (
            "configure", "submit", "flush", "applied", "stop") else None
        try:
            answer = handler(request) if handler else {"ok": False,
                                                       "error": f"unknown op {op!r}"}
        except Exception as exc:  # noqa: BLE001 - said to the kit, which reports it
            log.exception("%s failed", op)
            answer = {"ok": False, "error": repr(exc)}
        print(json.dumps(answer, ensure_ascii=False), flush=True)
        if op == "stop":
            return


if __name__ == "__main__":
    main()
