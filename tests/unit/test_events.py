import json

import pytest
from sunlight.cases.v1 import cases_pb2

from services.shared.errors import InvalidArgument
from services.shared.events import make_event, parse_event


def _event():
    data = cases_pb2.CaseEvent(case_number="51160220261122000001", region="511602",
                               sequence=2, status=cases_pb2.CASE_STATUS_IN_PROGRESS)
    return make_event("case.step_completed", data, node="510000", region="511602")


def test_envelope_roundtrip_through_the_wire_form() -> None:
    event = _event()
    wire = json.loads(event.to_json())
    assert set(wire) == {"event_id", "type", "occurred_at", "node", "region", "schema", "data"}
    assert wire["schema"] == "sunlight.cases.v1.CaseEvent"
    assert wire["occurred_at"].endswith("Z")
    back = parse_event(event.to_json())
    assert back == event
    assert back.data_as(cases_pb2.CaseEvent).sequence == 2


def test_the_wire_form_is_what_the_standard_encoder_writes() -> None:
    """msgspec writes the envelope byte for byte as json.dumps(ensure_ascii=False) would,
    Chinese, quotes, backslashes and control characters included."""
    data = cases_pb2.CaseEvent(case_number="51160220261122000001", region="511602",
                               sequence=2, opinion='同意"办理"\\\n\t\x01\u2028 ok',
                               handler="张三\x7f")
    event = make_event("case.step_completed", data, node="510000", region="511602")
    standard = json.dumps(json.loads(event.to_json()), ensure_ascii=False,
                          separators=(",", ":"))
    assert event.to_json() == standard


def test_data_uses_original_field_names() -> None:
    assert "case_number" in json.loads(_event().to_json())["data"]


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"event_id": "x", "type": "a"}',
                                  b'{"event_id":"x","type":"a","occurred_at":"yesterday",'
                                  b'"node":"510000","region":"510000","schema":"s"}'])
def test_malformed_envelopes_are_refused(body: bytes) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_event(body)
    assert info.value.code == "EVENT_INVALID"


def test_data_of_the_wrong_schema_is_refused() -> None:
    from sunlight.catalogue.v1 import catalogue_pb2

    with pytest.raises(InvalidArgument, match="carries"):
        _event().data_as(catalogue_pb2.ItemEvent)
    wire = json.loads(_event().to_json())
    wire["data"]["no_such_field"] = 1
    with pytest.raises(InvalidArgument, match="does not match"):
        parse_event(wire).data_as(cases_pb2.CaseEvent)
