"""Envelopes as relays write them are read without building the proto, to the same Event;
anything else is judged by the proto's parser, as before."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sunlight.cases.v1 import cases_pb2

from services.shared import events
from services.shared.errors import InvalidArgument
from services.shared.events import make_event, parse_event


def _strict(raw):  # type: ignore[no-untyped-def]
    original = events._plain_envelope
    events._plain_envelope = lambda _raw: None
    try:
        return parse_event(raw)
    finally:
        events._plain_envelope = original


def test_a_relayed_envelope_reads_as_the_strict_parser_reads_it() -> None:
    event = make_event("case.accepted", cases_pb2.CaseEvent(case_number="N-1", sequence=3),
                       node="510000", region="511602",
                       occurred_at=datetime(2026, 11, 30, 6, 1, 2, 345678, tzinfo=UTC))
    body = event.to_json()
    assert events._plain_envelope(json.loads(body)) is not None
    assert parse_event(body) == _strict(body) == event
    for moment in ("2026-11-30T06:01:02Z", "2026-11-30T14:01:02.5+08:00"):
        raw = {**json.loads(body), "occurred_at": moment}
        assert events._plain_envelope(raw) is not None
        assert parse_event(raw) == _strict(raw)


@pytest.mark.parametrize("change", [
    {"occurred_at": "2026-11-30 06:01:02Z"}, {"occurred_at": "2026-11-30T06:01:02"},
    {"occurred_at": "2026-11-30T06:01:02.123456789Z"}, {"event_id": "x" * 37},
    {"type": ""}, {"extra": 1}, {"node": 5}, {"data": []},
])
def test_anything_else_goes_to_the_strict_parser(change) -> None:  # type: ignore[no-untyped-def]
    raw = {"event_id": "e-1", "type": "case.accepted", "occurred_at": "2026-11-30T06:01:02Z",
           "node": "510000", "region": "511602", "schema": "sunlight.cases.v1.CaseEvent",
           "data": {}, **change}
    assert events._plain_envelope(raw) is None
    try:
        expected = _strict(raw)
    except InvalidArgument as exc:
        with pytest.raises(InvalidArgument) as caught:
            parse_event(raw)
        assert caught.value.message == exc.message
    else:
        assert parse_event(raw) == expected


@pytest.mark.parametrize("body", [b"1", b"null", b"[]", b'"text"', b"[" * 100_000, b"\xff",
                                  [1], 5], ids=["number", "null", "list", "string",
                                                "deep", "not-utf8", "list-object", "int"])
def test_a_body_that_is_no_json_object_is_refused_as_an_invalid_event(body) -> None:  # type: ignore[no-untyped-def]
    """Found by fuzzing (fuzz/targets.py): such bodies raised TypeError or RecursionError,
    which the consumers take for a bug (retried, dead-lettered) instead of parking them."""
    with pytest.raises(InvalidArgument) as refused:
        parse_event(body)
    assert refused.value.code == "EVENT_INVALID"


def test_a_time_whose_fraction_overflows_is_an_invalid_event_not_an_overflow() -> None:
    """Found by fuzzing: protobuf reads the fraction of "…00.1e999Z" as an infinite float and
    raised OverflowError out of the parser."""
    body = {"event_id": "e1", "type": "case.accepted", "node": "511602", "region": "511602",
            "schema": "sunlight.cases.v1.CaseAccepted", "data": {},
            "occurred_at": "2026-11-30T07:00:00.1e232456Z"}
    with pytest.raises(InvalidArgument) as refused:
        parse_event(json.dumps(body))
    assert refused.value.code == "EVENT_INVALID"
