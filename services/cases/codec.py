"""JSON of the engine's objects: a case's state, its item snapshot, its events.

One converter (cattrs, which builds its (un)structuring code from the dataclasses themselves)
for everything the case service stores: the state in ``cases.state``, the snapshot in
``item_snapshots.content``, and each event's data in the trace. The trace hashes an event's
data in its canonical form (RFC 8785), so the same event always hashes the same.
"""

from __future__ import annotations

from typing import Any

from cattrs.preconf.json import make_converter

from services.cases.domain import model
from services.cases.domain.flow import ItemSnapshot
from services.cases.domain.model import Case, CaseEvent

_converter = make_converter()

#: every event class by its type ("case.accepted" → Accepted)
EVENT_TYPES: dict[str, type[CaseEvent]] = {
    cls.type: cls for cls in vars(model).values()
    if isinstance(cls, type) and issubclass(cls, CaseEvent) and cls is not CaseEvent}


def case_json(case: Case) -> str:
    return _converter.dumps(case)


def case_from_json(text: str) -> Case:
    return _converter.loads(text, Case)


def snapshot_json(item: ItemSnapshot) -> str:
    return _converter.dumps(item)


def snapshot_from_json(text: str) -> ItemSnapshot:
    return _converter.loads(text, ItemSnapshot)


def event_data(event: CaseEvent) -> dict[str, Any]:
    """An event as JSON values (what the trace keeps and hashes), its item snapshot left out
    (the case's first entry names the item and version; the snapshot is stored once)."""
    data = _converter.unstructure(event)
    if "item" in data:
        item = data.pop("item")
        data["item_id"], data["item_version"] = item["item_id"], item["version"]
    return data


def event_from_data(event_type: str, data: dict[str, Any],
                    item: ItemSnapshot | None = None) -> CaseEvent:
    """The event back from its data (and, for case.submitted, the item snapshot)."""
    cls = EVENT_TYPES[event_type]
    values = dict(data)
    values.pop("item_id", None), values.pop("item_version", None)
    event = _converter.structure(values, cls)
    if item is not None and hasattr(event, "item"):
        from dataclasses import replace  # noqa: PLC0415

        event = replace(event, item=item)
    return event
