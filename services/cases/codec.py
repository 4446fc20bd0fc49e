"""JSON of the engine's objects: a case's state, its item snapshot, its events.

msgspec encodes and decodes the dataclasses themselves (in C, from their type annotations):
the state in ``cases.state``, the snapshot in ``item_snapshots.content``, and each event's
data in the trace. A case's state leaves its item snapshot out and names it instead
(``item_id``, ``item_version``): the snapshot is stored once per item version
(``item_snapshots``) and published versions never change, so decoding takes it from whoever
keeps them (``repository.CaseStore``). States written with the snapshot inside (before it was
left out) decode as they are; states and snapshots written before departments had codes
decode with them stated (``ItemSnapshot``, ``model.with_department_codes``). The trace hashes
an event's data in its canonical form (RFC 8785), so the same event always hashes the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import msgspec

from services.cases.domain import model
from services.cases.domain.flow import ItemSnapshot
from services.cases.domain.model import Case, CaseEvent, with_department_codes

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()
_snapshot_decoder = msgspec.json.Decoder(ItemSnapshot)

#: every event class by its type ("case.accepted" → Accepted)
EVENT_TYPES: dict[str, type[CaseEvent]] = {
    cls.type: cls for cls in vars(model).values()
    if isinstance(cls, type) and issubclass(cls, CaseEvent) and cls is not CaseEvent}

# msgspec builds a type's decoding information the first time the type is used and keeps it
# on the class. Two threads doing that at once for the same class (the first concurrent
# ``msgspec.convert(…, Case)`` of a fresh process under load) crashed the case process with
# SIGSEGV inside msgspec; built here, at import, in one thread, it is only ever read.
for _cls in (Case, *EVENT_TYPES.values()):
    msgspec.json.Decoder(_cls)

#: the item snapshot a stored state names, by (item id, version)
Snapshots = Callable[[str, int], ItemSnapshot]


def case_json(case: Case) -> str:
    """The state to store: the case without its item snapshot, which it names."""
    body = _encoder.encode(replace(case, item=None))  # type: ignore[arg-type]
    ref = _encoder.encode({"item_id": case.item.item_id, "item_version": case.item.version})
    return (ref[:-1] + b"," + body[1:]).decode()


def case_from_json(text: str | bytes, snapshots: Snapshots | None = None) -> Case:
    """A stored state; ``snapshots`` gives the item snapshot it names (a state that carries
    its snapshot needs none)."""
    values = _decoder.decode(text)
    item = values.pop("item", None)
    item_id, version = values.pop("item_id", None), values.pop("item_version", None)
    if item is None:
        if snapshots is None or item_id is None:
            raise ValueError("the state names an item snapshot and none was given")
        values["item"] = snapshots(item_id, version)
    else:
        values["item"] = msgspec.convert(item, ItemSnapshot)
    return with_department_codes(msgspec.convert(values, Case))


def snapshot_json(item: ItemSnapshot) -> str:
    return _encoder.encode(item).decode()


def snapshot_from_json(text: str | bytes) -> ItemSnapshot:
    return _snapshot_decoder.decode(text)


def _json_values(value: Any) -> Any:
    """Dates and times as ISO 8601 text (``2026-11-30T06:17:13.123456+00:00``), tuples as
    lists, the rest as it is."""
    if isinstance(value, dict):
        return {k: _json_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_values(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def event_data(event: CaseEvent) -> dict[str, Any]:
    """An event as JSON values (what the trace keeps and hashes), its item snapshot left out
    (the case's first entry names the item and version; the snapshot is stored once)."""
    data = _json_values(msgspec.to_builtins(event, builtin_types=(datetime, date)))
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
    event = msgspec.convert(values, cls)
    if item is not None and hasattr(event, "item"):
        event = replace(event, item=item)
    return event
