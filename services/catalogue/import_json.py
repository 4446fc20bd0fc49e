"""The JSON an import writes for each new item — its content and its event — without the
general serialisers, which would take most of a large import's time.

The same JSON as ``content.to_json()`` (the stored content) and as
``make_event(…, ItemEvent(item=version_to_pb(view), …))`` (the outbox row), written directly
for what an import sets (identity, limits, the flow, the list kind, level, body, legal basis,
group) with every other field at its stated default (``ItemContent``); a content with more
(a row of the catalogue CSV may carry materials, fees, modes …) goes through the general
serialisers. ``tests/unit/test_importer.py`` holds the two ways equal, row by row.

Steps are few and shared by many items (a default flow per limit): each distinct flow is
serialised once, by the general serialisers, and remembered.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from operator import attrgetter

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue.contract import (
    LIST_KIND,
    NATURE,
    ReviewView,
    VersionView,
    content_to_pb,
    step_to_pb,
    version_to_pb,
)
from services.catalogue.domain.guide import unconfirmed_parts
from services.catalogue.domain.items import (
    BodyNature,
    ItemContent,
    ListKind,
    Step,
    stored_steps,
)
from services.catalogue.domain.lifecycle import (
    Decision,
    OfflineReview,
    ReviewKind,
    VersionStatus,
)
from services.shared.code_tables import enum_value_name
from services.shared.departments import code_in_implementation_code

EVENT_SCHEMA = pb.ItemEvent.DESCRIPTOR.full_name

json_text = json.JSONEncoder(ensure_ascii=False).encode
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_enc: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]

#: the fields an import sets; every other one keeps its default on the fast path
IMPORTED_FIELDS = ("name", "code", "item_type", "region", "department",
                   "statutory_limit_days", "promised_limit_days", "steps", "list_kind",
                   "exercise_level", "body", "legal_basis", "group")
#: set by an import too, written last (its field number follows the stated defaults')
DEPARTMENT_CODE = "department_code"
_TEMPLATE = ItemContent(name="", code="", item_type="", region="", department="")
_REST = attrgetter(*(f.name for f in fields(ItemContent)
                     if f.name not in (*IMPORTED_FIELDS, DEPARTMENT_CODE)))
_DEFAULT_REST = _REST(_TEMPLATE)


def plain(c: ItemContent) -> bool:
    """True when ``c`` sets only what an import sets: the fast path writes it."""
    return _REST(c) == _DEFAULT_REST


_STEPS_JSON: dict[tuple[Step, ...], tuple[str, str]] = {}


def _steps_json(steps: tuple[Step, ...]) -> tuple[str, str]:
    """The steps as stored (``ItemContent.to_json``) and as on the wire (proto3 JSON),
    remembered."""
    found = _STEPS_JSON.get(steps)
    if found is None:
        stored = _compact(stored_steps(steps))
        wire = _compact([json_format.MessageToDict(step_to_pb(s),
                                                    preserving_proto_field_name=True)
                         for s in steps])
        found = _STEPS_JSON[steps] = (stored, wire)
    return found


def _identity_and_limits(c: ItemContent) -> list[str]:
    """The first fields of a content, alike in the stored form and on the wire: the identity,
    then the limits that are set."""
    e = _enc
    parts = [f'"name":{e(c.name)}', f'"code":{e(c.code)}', f'"item_type":{e(c.item_type)}',
             f'"region":{e(c.region)}', f'"department":{e(c.department)}']
    if c.statutory_limit_days:
        parts.append(f'"statutory_limit_days":{c.statutory_limit_days}')
    if c.promised_limit_days:
        parts.append(f'"promised_limit_days":{c.promised_limit_days}')
    return parts


def content_json(c: ItemContent) -> str:
    """``c.to_json()`` (the stored form: what is at its default left out); for an imported
    content written directly."""
    if not plain(c):
        return c.to_json()
    e = _enc
    parts = _identity_and_limits(c)
    if c.steps:
        parts.append(f'"steps":{_steps_json(c.steps)[0]}')
    if c.list_kind is not _TEMPLATE.list_kind:
        parts.append(f'"list_kind":{e(c.list_kind.value)}')
    if c.exercise_level:
        parts.append(f'"exercise_level":{e(c.exercise_level)}')
    if c.body is not None:
        parts.append(f'"body":{{"name":{e(c.body.name)},"code":{e(c.body.code)},'
                     f'"nature":{e(c.body.nature.value)}}}')
    if c.legal_basis:
        parts.append('"legal_basis":[' + ",".join(
            f'{{"law":{e(x.law)},"article":{e(x.article)},"clause":{e(x.clause)},'
            f'"text":{e(x.text)}}}' for x in c.legal_basis) + "]")
    if c.group:
        parts.append(f'"group":{e(c.group)}')
    if c.department_code and c.department_code != code_in_implementation_code(c.code):
        parts.append(f'"department_code":{e(c.department_code)}')
    return "{" + ",".join(parts) + "}"


_DRAFT = pb.VersionStatus.Name(pb.VERSION_STATUS_DRAFT)
_PUBLISHED = pb.VersionStatus.Name(pb.VERSION_STATUS_PUBLISHED)
_ACTIVE = pb.ItemState.Name(pb.ITEM_STATE_ACTIVE)
_APPROVE = pb.ReviewDecision.Name(pb.REVIEW_DECISION_APPROVE)
_REVIEW_KIND_NAME = {ReviewKind.LEGAL: pb.ReviewKind.Name(pb.REVIEW_KIND_LEGAL),
                     ReviewKind.STAFFING: pb.ReviewKind.Name(pb.REVIEW_KIND_STAFFING)}
_LIST_KIND_NAME = {kind: pb.ListKind.Name(LIST_KIND[kind]) for kind in ListKind}
_NATURE_NAME = {nature: pb.BodyNature.Name(NATURE[nature]) for nature in BodyNature}


def _stated_defaults() -> str:
    """The proto3 JSON of the defaults every imported content states (its modes, the unit
    of its limits), written after the fields an import sets: their field numbers follow."""
    draft = content_to_pb(_TEMPLATE)
    wire = json_format.MessageToDict(draft, preserving_proto_field_name=True)
    numbers = {f.name: f.number for f in draft.DESCRIPTOR.fields}
    stated = {k: v for k, v in wire.items() if k not in IMPORTED_FIELDS}
    assert min(map(numbers.get, stated)) > max(map(numbers.get, IMPORTED_FIELDS)), stated
    assert numbers[DEPARTMENT_CODE] > max(map(numbers.get, stated)), stated
    return ",".join(f"{_compact(k)}:{_compact(v)}" for k, v in stated.items())


_STATED_DEFAULTS = _stated_defaults()


def event_json(event_id: str, event_type: str, occurred_at: str, node: str, item_id: str,
               c: ItemContent, flags: Sequence[str], stamp: str, actor: str,
               reviewers: OfflineReview | None, *, action: str, reason: str = "") -> str:
    """``make_event(event_type, ItemEvent(item=version_to_pb(view), actor=…, reason=…,
    action=…), …).to_json()`` for version 1 of an imported item — drafted by ``actor`` at
    ``stamp`` or, with ``reviewers`` (reviewed outside the platform), also published by it
    — with the given event id and ``occurred_at``."""
    envelope = (f'{{"event_id":{_enc(event_id)},"type":{_enc(event_type)},'
                f'"occurred_at":"{occurred_at}","node":{_enc(node)},"region":{_enc(c.region)},'
                f'"schema":"{EVENT_SCHEMA}","data":')
    if not plain(c):
        return envelope + _compact(_event_data(item_id, c, flags, stamp, actor, reviewers,
                                               action=action, reason=reason)) + "}"
    e = _enc
    published = reviewers is not None
    content = _identity_and_limits(c)
    if c.steps:
        content.append(f'"steps":{_steps_json(c.steps)[1]}')
    content.append(f'"list_kind":"{_LIST_KIND_NAME[c.list_kind]}"')
    if c.exercise_level:
        content.append(f'"exercise_level":{e(c.exercise_level)}')
    if c.body is not None:
        body = [f'"name":{e(c.body.name)}'] if c.body.name else []
        if c.body.code:
            body.append(f'"code":{e(c.body.code)}')
        body.append(f'"nature":"{_NATURE_NAME[c.body.nature]}"')
        content.append('"body":{' + ",".join(body) + "}")
    if c.legal_basis:
        content.append('"legal_basis":[' + ",".join(
            "{" + ",".join(f'"{k}":{e(v)}' for k, v in (
                ("law", x.law), ("article", x.article), ("clause", x.clause),
                ("text", x.text)) if v) + "}" for x in c.legal_basis) + "]")
    if c.group:
        content.append(f'"group":{e(c.group)}')
    content.append(_STATED_DEFAULTS)
    if c.department_code:
        content.append(f'"department_code":{e(c.department_code)}')
    item = [f'"item_id":{e(item_id)}', '"version":1',
            f'"status":"{_PUBLISHED if published else _DRAFT}"',
            '"content":{' + ",".join(content) + "}", f'"created_at":"{stamp}"']
    if published:
        item.append(f'"published_at":"{stamp}"')
    if actor:
        item.append(f'"created_by":{e(actor)}')
        if published:
            item.append(f'"published_by":{e(actor)}')
    item.append(f'"state":"{_ACTIVE}"')
    if reviewers is not None:
        document = f',"document":{e(reviewers.document)}' if reviewers.document else ""
        item.append('"reviews":[' + ",".join(
            f'{{"kind":"{_REVIEW_KIND_NAME[kind]}","decision":"{_APPROVE}",'
            f'"reviewer":{e(reviewer)},"at":"{stamp}"{document}}}'
            for kind, reviewer in reviewers.by_kind()) + "]")
    if flags:
        item.append(f'"flags":{_compact(list(flags))}')
    if published:
        item.append('"current_version":1')
    parts = unconfirmed_parts(c, flags)
    if parts:
        item.append('"unconfirmed":[' + ",".join(
            f'"{enum_value_name(p.value, "GUIDE_PART_")}"' for p in parts) + "]")
    data = ['"item":{' + ",".join(item) + "}"]
    if actor:
        data.append(f'"actor":{e(actor)}')
    if reason:
        data.append(f'"reason":{e(reason)}')
    if action:
        data.append(f'"action":{e(action)}')
    return envelope + "{" + ",".join(data) + "}}"


def _event_data(item_id: str, c: ItemContent, flags: Sequence[str], stamp: str, actor: str,
                reviewers: OfflineReview | None, *, action: str, reason: str) -> dict:
    """The event's data by the general serialisers (a content beyond the fast path)."""
    ts = Timestamp()
    ts.FromJsonString(stamp)
    at = ts.ToDatetime(tzinfo=UTC)
    published = reviewers is not None
    view = VersionView(
        item_id, 1, VersionStatus.PUBLISHED if published else VersionStatus.DRAFT, c, at,
        actor, at if published else None, actor if published else None,
        current_version=1 if published else 0, flags=tuple(flags),
        reviews=tuple(ReviewView(kind, Decision.APPROVE, reviewer, "", at,
                                 reviewers.document)
                      for kind, reviewer in reviewers.by_kind()) if reviewers else ())
    return json_format.MessageToDict(pb.ItemEvent(item=version_to_pb(view), actor=actor,
                                                  reason=reason, action=action),
                                     preserving_proto_field_name=True)


def json_time(moment: datetime) -> str:
    """A moment as the proto3 JSON of a Timestamp."""
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp.ToJsonString()


def event_time(moment: datetime) -> str:
    """``occurred_at`` as ``Event.to_json`` writes it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def time_ordered_id() -> str:
    """A UUID version 7 (RFC 9562): milliseconds since the epoch, then random bits.

    Imported items and their events are numerous; ids that grow with time are appended to
    the primary-key and item-id indexes instead of scattered over them (uuid4), which keeps
    a 146,000-row import from slowing down as the tables grow."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
