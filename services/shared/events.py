"""The event envelope (``sunlight.common.v1.EventEnvelope``) in its JSON wire form.

``data`` is always a proto message of the owning service's contract (``schema`` names it),
in the proto3 JSON mapping with the original field names, so that a department system in any
language can read and validate it against ``protos/``.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
from google.protobuf import json_format, symbol_database
from google.protobuf.message import Message
from sunlight.common.v1 import event_pb2

from services.shared.errors import InvalidArgument
from services.shared.protojson import message_to_dict

M = TypeVar("M", bound=Message)
_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class Event:
    """An event as written to the outbox and read back by a consumer."""

    event_id: str
    type: str
    occurred_at: datetime
    node: str
    region: str
    schema: str
    data: dict[str, Any]

    @property
    def exchange_service(self) -> str:
        return self.schema.split(".")[1] if self.schema.startswith("sunlight.") else ""

    def to_json(self) -> str:
        """The wire form: compact JSON, text as it is (UTF-8, not escaped to ASCII); msgspec
        writes the same as ``json.dumps(…, ensure_ascii=False, separators=(",", ":"))``, in
        C (``tests/unit/test_events.py``)."""
        return _encode({
            "event_id": self.event_id,
            "type": self.type,
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "node": self.node,
            "region": self.region,
            "schema": self.schema,
            "data": self.data,
        }).decode()

    def data_as(self, message_type: type[M]) -> M:
        """``data`` parsed into its proto message; unknown fields are refused."""
        if message_type.DESCRIPTOR.full_name != self.schema:
            raise InvalidArgument(
                f"event {self.event_id} carries {self.schema}, not "
                f"{message_type.DESCRIPTOR.full_name}", code="EVENT_SCHEMA_MISMATCH")
        message = message_type()
        try:
            json_format.ParseDict(self.data, message)
        except (json_format.ParseError, OverflowError, RecursionError) as exc:
            raise InvalidArgument(f"event {self.event_id}: data does not match "
                                  f"{self.schema}: {exc}", code="EVENT_DATA_INVALID") from None
        return message


def make_event(event_type: str, data: Message, *, node: str, region: str,
               occurred_at: datetime | None = None) -> Event:
    return Event(
        event_id=str(uuid.uuid4()),
        type=event_type,
        occurred_at=occurred_at or datetime.now(UTC),
        node=node,
        region=region,
        schema=data.DESCRIPTOR.full_name,
        data=message_to_dict(data),
    )


_ENVELOPE_FIELDS = frozenset({"event_id", "type", "occurred_at", "node", "region", "schema",
                              "data"})
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def _plain_envelope(raw: Any) -> Event | None:
    """The event of an envelope written as relays write them — every field a non-empty
    string, ``data`` an object, the time in RFC 3339 to the microsecond — checked without
    building the proto; None for anything else (``parse_event`` then judges it whole)."""
    if not isinstance(raw, dict) or not raw.keys() <= _ENVELOPE_FIELDS:
        return None
    values = [raw.get(name) for name in ("event_id", "type", "node", "region", "schema")]
    occurred, data = raw.get("occurred_at"), raw.get("data", {})
    if not (all(type(v) is str and v for v in values) and type(occurred) is str
            and isinstance(data, dict) and len(values[0]) <= 36
            and _RFC3339.fullmatch(occurred)):
        return None
    try:
        moment = datetime.fromisoformat(occurred).astimezone(UTC)
    except ValueError:
        return None
    event_id, event_type, node, region, schema = values
    return Event(event_id=event_id, type=event_type, occurred_at=moment, node=node,
                 region=region, schema=schema, data=data)


def parse_event(body: bytes | str | dict[str, Any]) -> Event:
    """Validate a wire body against EventEnvelope and return it as an Event."""
    try:
        raw = body if isinstance(body, dict) else json.loads(body)
    except (ValueError, TypeError, RecursionError) as exc:
        raise InvalidArgument(f"not an event envelope: {str(exc)[:200]}",
                              code="EVENT_INVALID") from None
    if not isinstance(raw, dict):
        raise InvalidArgument(f"not an event envelope: a JSON object is expected, not "
                              f"{type(raw).__name__}", code="EVENT_INVALID")
    plain = _plain_envelope(raw)
    if plain is not None:
        return plain
    try:
        envelope = event_pb2.EventEnvelope()
        json_format.ParseDict(raw, envelope)
    except (ValueError, json_format.ParseError, OverflowError, RecursionError) as exc:
        # OverflowError: protobuf reads a Timestamp's fraction "1e999" as an infinite float
        raise InvalidArgument(f"not an event envelope: {str(exc)[:200]}",
                              code="EVENT_INVALID") from None
    missing = [f for f in ("event_id", "type", "node", "region", "schema")
               if not getattr(envelope, f)]
    if len(envelope.event_id) > 36:
        raise InvalidArgument("event_id: at most 36 characters (a UUID)", code="EVENT_INVALID")
    if missing or not envelope.HasField("occurred_at"):
        raise InvalidArgument(f"event envelope lacks {', '.join(missing) or 'occurred_at'}",
                              code="EVENT_INVALID")
    return Event(
        event_id=envelope.event_id,
        type=envelope.type,
        occurred_at=envelope.occurred_at.ToDatetime(tzinfo=UTC),
        node=envelope.node,
        region=envelope.region,
        schema=envelope.schema,
        data=raw.get("data") or {},
    )


def message_class(full_name: str) -> type[Message]:
    """The generated class of a contract message, by its full proto name."""
    return symbol_database.Default().GetSymbol(full_name)  # type: ignore[no-any-return]
