"""Applying events to supervision's tables, once each (inbox in the same transaction)."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from services.monitoring import storage as t
from services.monitoring.domain.records import CaseRecord, apply_case_event
from services.shared.db import Database
from services.shared.events import Event
from services.shared.outbox import Inbox

log = logging.getLogger(__name__)
CONSUMER = "monitoring"


class Projection:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.inbox = Inbox(t.inbox, CONSUMER)

    def apply(self, event: Event) -> bool:
        """Apply one event; False when it had been applied before (a duplicate)."""
        with self.db.transaction() as s:
            if not self.inbox.first_time(s, event):
                return False
            if event.type.startswith("case."):
                self._case(s, event)
            elif event.type.startswith("item."):
                self._item(s, event)
            return True

    def _case(self, s, event: Event) -> None:  # type: ignore[no-untyped-def]
        number = event.data.get("case_number")
        if not number:
            raise ValueError(f"case event {event.event_id} has no case_number")
        c = t.case_records.c
        row = s.execute(select(t.case_records).where(c.case_number == number)
                        .with_for_update()).first()
        current = CaseRecord(**row._mapping) if row else None
        record = apply_case_event(current, event.type, event.occurred_at, event.data,
                                  datetime.now(UTC))
        values = asdict(record)
        if current is None:
            s.execute(insert(t.case_records).values(**values))
        else:
            s.execute(update(t.case_records).where(c.case_number == number).values(**values))

    def _item(self, s, event: Event) -> None:  # type: ignore[no-untyped-def]
        item = event.data.get("item") or {}
        if not item.get("item_id"):
            raise ValueError(f"item event {event.event_id} has no item")
        values = {"item_id": item["item_id"], "version": int(item.get("version", 0)),
                  "region": event.region, "status": item.get("status", ""),
                  "content": json.dumps(item.get("content", {}), ensure_ascii=False),
                  "updated_at": datetime.now(UTC)}
        module = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
        stmt = module.insert(t.standards).values(**values)
        s.execute(stmt.on_conflict_do_update(
            index_elements=["item_id", "version"],
            set_={k: stmt.excluded[k] for k in ("status", "content", "updated_at")}))

    def park(self, body: bytes | str, routing_key: str, reason: str,
             event_id: str | None = None) -> None:
        """Keep a message that cannot be applied, for an operator to inspect and replay."""
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        with self.db.transaction() as s:
            s.execute(insert(t.parked_events).values(
                event_id=event_id, routing_key=routing_key, body=text, reason=reason,
                parked_at=datetime.now(UTC)))
        log.error("parked event %s (%s): %s", event_id, routing_key, reason)

    def record(self, number: str) -> CaseRecord | None:
        with self.db.transaction() as s:
            row = s.execute(select(t.case_records).where(
                t.case_records.c.case_number == number)).first()
        return CaseRecord(**row._mapping) if row else None
