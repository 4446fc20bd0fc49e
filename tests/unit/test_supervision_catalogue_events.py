"""Supervision keeps the standards library and the change obligations from catalogue events."""

from __future__ import annotations

from sqlalchemy import select
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.monitoring import storage as t
from services.monitoring.projection import Projection
from services.shared.db import Database
from services.shared.events import make_event, parse_event


def _event(event_type: str, message) -> object:
    # through the wire form, as the worker receives it
    return parse_event(make_event(event_type, message, node="510000",
                                  region="511602").to_json())


def _obligation(status: int) -> pb.ObligationEvent:
    return pb.ObligationEvent(obligation=pb.ChangeObligation(
        obligation_id="o-1", item_id="i-1", region="511602", department="区发展改革局",
        description="第十二条修订", due_date="2026-10-16", status=status))


def test_standards_and_obligations(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path}/m.db", "monitoring")
    t.metadata.create_all(db.engine)
    projection = Projection(db)
    item = pb.ItemVersion(item_id="i-1", version=1, status=pb.VERSION_STATUS_PUBLISHED,
                          state=pb.ITEM_STATE_SUSPENDED,
                          content=pb.ItemDraft(name="备案", promised_limit_days=5))
    assert projection.apply(_event("item.adjusted", pb.ItemEvent(item=item, action="suspend")))
    overdue = _event("item.change_overdue", _obligation(pb.OBLIGATION_STATUS_OVERDUE))
    late_open = _event("item.change_required", _obligation(pb.OBLIGATION_STATUS_OPEN))
    assert projection.apply(overdue)
    assert projection.apply(late_open)
    assert not projection.apply(late_open), "a redelivered event is applied once"
    with db.transaction() as s:
        standard = s.execute(select(t.standards)).one()
        obligation = s.execute(select(t.catalogue_obligations)).one()
    assert standard.state == "ITEM_STATE_SUSPENDED" and '"promised_limit_days": 5' in \
        standard.content
    assert obligation.status == "OBLIGATION_STATUS_OVERDUE"
    assert obligation.due_date == "2026-10-16"
