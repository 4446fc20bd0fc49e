"""The case's stored forms: the state without its item snapshot, events' data in the trace,
and the canonical encoding the trace hashes."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import msgspec
import pytest
import rfc8785

from services.cases.codec import (
    _json_values,
    case_from_json,
    case_json,
    event_data,
    event_from_data,
    snapshot_from_json,
    snapshot_json,
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
from services.shared.working_days import WorkingCalendar
from tests.support.cases import APPLICANT, DEPT_CODE, FIRE_CODE, item
from tests.support.codes import implementation_code

CALENDAR = WorkingCalendar.official()
ADMIN = Actor("admin-1", ("510000",), admin=True)
CHIEF = Actor("chief-1", ("510000",), admin=True)


def _events():  # type: ignore[no-untyped-def]
    snapshot = item()
    now = datetime(2026, 11, 30, 2, 3, 4, 567890, tzinfo=UTC)
    events = decide(None, Submit("511602202611300000001", "511602", snapshot, Mode.PROMISED,
                                 APPLICANT, Channel.COUNTER, ()), ADMIN, now, CALENDAR)
    case = None
    for event in events:
        case = evolve(case, event)
    for command, actor in ((RequestSupplement(("form",), date(2026, 12, 20)), ADMIN),):
        for event in decide(case, command, actor, now, CALENDAR):
            events.append(event)
            case = evolve(case, event)
    from services.cases.domain.engine import ReceiveSupplement  # noqa: PLC0415

    for command, actor in ((ReceiveSupplement((("form", 1, 0),)), ADMIN), (Accept("好"), ADMIN)):
        for event in decide(case, command, actor, now, CALENDAR):
            events.append(event)
            case = evolve(case, event)
    while case.status.value == "in_progress":
        running = case.active[0]
        command = (Decide("approve") if running.key == "decide"
                   else CompleteStep(running.instance_id, "同意"))
        for event in decide(case, command, CHIEF if running.key == "decide" else ADMIN, now,
                            CALENDAR):
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
    for other in ({"f": 1.5}, [1.0, "a"], {"e": 1e21}, {"😀": 1, "\ue000": 2},
                  {"a": [{"b": ["x", [2.5]]}], "c": 1}, [{"deep": {"😀x": True}}],
                  {"big": [[-(2**53) + 1, 2**53 - 1]]}):
        assert canonical(other) == rfc8785.dumps(other)
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical({"n": 2**53})
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical({"a": [{"b": [-(2**53)]}]})
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical({"s": "\ud800"})


def test_the_state_replaces_nothing_it_should_keep() -> None:
    snapshot, case, _ = _events()
    other = replace(case, reason="原因")
    assert case_from_json(case_json(other), lambda *_: snapshot).reason == "原因"


def _without(value, name: str):  # type: ignore[no-untyped-def]
    """``value`` (JSON values) with every key ``name`` left out, as stored before it."""
    if isinstance(value, dict):
        return {k: _without(v, name) for k, v in value.items() if k != name}
    if isinstance(value, list):
        return [_without(v, name) for v in value]
    return value


def test_states_and_snapshots_stored_before_department_codes_decode_with_them() -> None:
    """A snapshot without codes states the item's from its implementation code (as the
    catalogue does); a state's step instances without codes take their step's — a branch of
    another department, which the old snapshot named without a code, stays unknown."""
    snapshot = replace(item(), code=implementation_code())  # its body segment: DEPT_CODE
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    case = None
    for command in (Submit("511602202611300000002", "511602", snapshot, Mode.PROMISED,
                           APPLICANT, Channel.COUNTER, (("form", 1, 0),)), Accept()):
        for event in decide(case, command, ADMIN, now, CALENDAR):
            case = evolve(case, event)
    assert {i.key: i.department_code for i in case.instances} == {
        "accept": DEPT_CODE, "review": DEPT_CODE, "review/fire": FIRE_CODE}
    old_snapshot = json.dumps(_without(json.loads(snapshot_json(snapshot)),
                                       "department_code"), ensure_ascii=False)
    old_state = json.dumps(_without(json.loads(case_json(case)), "department_code"),
                           ensure_ascii=False)
    assert "department_code" not in old_snapshot + old_state
    read = snapshot_from_json(old_snapshot)
    assert read.department_code == DEPT_CODE
    assert read.step("review").branches[0].department_code == ""
    decoded = case_from_json(old_state, lambda *_: read)
    assert {i.key: i.department_code for i in decoded.instances} == {
        "accept": DEPT_CODE, "review": DEPT_CODE, "review/fire": ""}
    assert decoded.instances[0].department == "区发展改革局"


def test_answer_timestamps_are_what_from_datetime_makes() -> None:
    from google.protobuf.timestamp_pb2 import Timestamp

    from services.cases.contract import _ts

    rng = random.Random(3)
    zones = [None, UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5, minutes=30))]
    moments = [datetime(1970, 1, 1, tzinfo=UTC), datetime(1969, 12, 31, 23, 59, 59, 999999),
               datetime(2026, 11, 30, 8, 0, 0, 1, tzinfo=UTC)]
    for _ in range(3000):
        moment = datetime(2, 1, 1) + timedelta(seconds=rng.randrange(0, 315_000_000_000),
                                               microseconds=rng.randrange(0, 1_000_000))
        moments.append(moment.replace(tzinfo=rng.choice(zones)))
    for moment in moments:
        expected, found = Timestamp(), Timestamp()
        expected.FromDatetime(moment)
        _ts(found, moment)
        assert found == expected, moment
    unset = Timestamp()
    _ts(unset, None)
    assert unset == Timestamp()


def test_msgspec_knows_the_state_and_event_types_once_the_codec_is_imported() -> None:
    """Built at import in one thread (two threads building them at once crashed a case
    process), never on a first concurrent decode."""
    import subprocess
    import sys

    script = ("from services.cases.domain import model\n"
              "assert not hasattr(model.Case, '__msgspec_cache__')\n"
              "import services.cases.codec as codec\n"
              "types = (model.Case, model.StepInstance, *codec.EVENT_TYPES.values())\n"
              "assert all(hasattr(c, '__msgspec_cache__') for c in types)\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
