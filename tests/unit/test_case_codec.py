"""The case's stored forms: the state without its item snapshot, events' data in the trace,
and the canonical encoding the trace hashes."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime

import msgspec
import pytest
import rfc8785

from services.cases.codec import (
    _json_values,
    case_from_json,
    case_json,
    event_data,
    event_from_data,
)
from services.cases.domain.engine import (
    Accept,
    Actor,
    CompleteStep,
    Decide,
    RequestSupplement,
    Submit,
    decide,
    evolve,
)
from services.cases.domain.flow import Mode
from services.cases.domain.model import Channel
from services.cases.domain.trace import canonical
from tests.support.cases import APPLICANT, item

ADMIN = Actor("admin-1", ("510000",), admin=True)
CHIEF = Actor("chief-1", ("510000",), admin=True)


def _events():  # type: ignore[no-untyped-def]
    snapshot = item()
    now = datetime(2026, 11, 30, 2, 3, 4, 567890, tzinfo=UTC)
    events = decide(None, Submit("511602202611300000001", "511602", snapshot, Mode.PROMISED,
                                 APPLICANT, Channel.COUNTER, ()), ADMIN, now)
    case = None
    for event in events:
        case = evolve(case, event)
    for command, actor in ((RequestSupplement(("form",), date(2026, 12, 20)), ADMIN),):
        for event in decide(case, command, actor, now):
            events.append(event)
            case = evolve(case, event)
    from services.cases.domain.engine import ReceiveSupplement  # noqa: PLC0415

    for command, actor in ((ReceiveSupplement((("form", 1, 0),)), ADMIN), (Accept("好"), ADMIN)):
        for event in decide(case, command, actor, now):
            events.append(event)
            case = evolve(case, event)
    while case.status.value == "in_progress":
        running = case.active[0]
        command = (Decide("approve") if running.key == "decide"
                   else CompleteStep(running.instance_id, "同意"))
        for event in decide(case, command, CHIEF if running.key == "decide" else ADMIN, now):
            events.append(event)
            case = evolve(case, event)
    return snapshot, case, events


def test_the_state_names_its_item_and_decodes_with_it() -> None:
    snapshot, case, _ = _events()
    state = case_json(case)
    assert '"item_id"' in state and '"steps"' not in state.split('"instances"')[0]
    asked = []

    def snapshots(item_id: str, version: int):  # type: ignore[no-untyped-def]
        asked.append((item_id, version))
        return snapshot

    assert case_from_json(state, snapshots) == case
    assert asked == [(snapshot.item_id, snapshot.version)]
    with pytest.raises(ValueError):
        case_from_json(state)


def test_a_state_with_its_snapshot_inside_still_decodes() -> None:
    """As states were written before the snapshot was left out (and as the engine's
    migration writes them): the snapshot inside, times in ``isoformat``."""
    _, case, _ = _events()
    legacy = json.dumps(_json_values(msgspec.to_builtins(case, builtin_types=(datetime, date))),
                        ensure_ascii=False)
    assert '"item": {"item_id"' in legacy and "+00:00" in legacy
    assert case_from_json(legacy) == case


def test_event_data_round_trips_and_keeps_its_form() -> None:
    snapshot, _, events = _events()
    for event in events:
        data = event_data(event)
        json.dumps(data)  # JSON values only
        assert "item" not in data
        back = event_from_data(event.type, data, snapshot)
        assert back == event
        for value in data.values():
            if isinstance(value, str) and value[:4] == "2026" and "T" in value:
                assert value.endswith("+00:00")  # datetime.isoformat(), as before


ODD = ["", "a\"b\\c", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "\u2028\u2029", "汉字", "é",
       "\ue000", "😀", "\U0001f600x", "z", "A"]


def test_canonical_is_rfc8785() -> None:
    rng = random.Random(1)
    for _ in range(2000):
        keys = rng.sample(ODD, rng.randint(0, len(ODD)))
        value = {k: rng.choice([rng.choice(ODD), rng.randint(-2**53 + 1, 2**53 - 1), True,
                                None, [rng.choice(ODD), 1, False], {"x": rng.choice(ODD)}])
                 for k in keys}
        assert canonical(value) == rfc8785.dumps(value), value
    for other in ({"f": 1.5}, [1.0, "a"], {"e": 1e21}, {"😀": 1, "\ue000": 2}):
        assert canonical(other) == rfc8785.dumps(other)
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical({"n": 2**53})
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical({"s": "\ud800"})


def test_the_state_replaces_nothing_it_should_keep() -> None:
    snapshot, case, _ = _events()
    other = replace(case, reason="原因")
    assert case_from_json(case_json(other), lambda *_: snapshot).reason == "原因"
