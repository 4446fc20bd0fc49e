"""The case and event contracts (docs/protocol/SUN-PR-01, -02) stay true to the code: their
verification recipes recompute what the case service writes, the action table is the
engine's, the event list the engine's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from sunlight.cases.v1 import cases_pb2 as pb

from services.cases.api import _entry
from services.cases.domain import model
from services.cases.domain.engine import ALLOWED, Accept, CompleteStep
from services.cases.domain.flow import ItemSnapshot
from services.cases.domain.trace import merkle_root
from services.cases.service import CaseService
from services.shared.db import Database
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar
from tests.support.cases import CLERK, FIRE_REVIEWER, active, application, item, key

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol"
DOC = (PROTOCOL / "SUN-PR-01-cases.md").read_text(encoding="utf-8")
EVENTS = (PROTOCOL / "SUN-PR-02-events.md").read_text(encoding="utf-8")
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "cases" / "migrations"
ITEM = item()


def snippet(marker: str) -> dict[str, Any]:
    """The names the doc's Python block after ``<!-- marker -->`` defines."""
    block = re.search(rf"<!-- {marker} -->\n```python\n(.*?)```", DOC, re.S)
    assert block, marker
    names: dict[str, Any] = {}
    exec(compile(block[1], f"SUN-PR-01-cases.md:{marker}", "exec"), names)  # noqa: S102
    return names


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


@pytest.fixture
def service(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    upgrade(MIGRATIONS, url, "cases")
    db = Database(url, "cases", pool_size=1)
    yield CaseService(db, Items(), WorkingCalendar.official(), "510000")
    db.dispose()


def test_the_docs_recipe_recomputes_the_trace_and_finds_a_change(service) -> None:
    case = service.submit(CLERK, application(ITEM), key())
    case = service.act(CLERK, case.number, Accept("材料齐全"), key())
    service.act(FIRE_REVIEWER, case.number,
                CompleteStep(active(case, "review/fire"), "消防同意"), key())
    answer = pb.GetTraceResponse(entries=[_entry(e) for e in service.trace(CLERK, case.number)])
    # as the HTTP API prints it
    entries = json_format.MessageToDict(answer, preserving_proto_field_name=True,
                                        always_print_fields_with_no_presence=True)["entries"]
    first_broken_entry = snippet("verify-trace")["first_broken_entry"]
    assert len(entries) >= 6
    assert first_broken_entry(case.number, entries) is None
    entries[3]["opinion"] = "改过"
    assert first_broken_entry(case.number, entries) == 4
    entries[3]["opinion"] = answer.entries[3].opinion
    del entries[2]
    assert first_broken_entry(case.number, entries) == 4


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 8, 13])
def test_the_docs_merkle_root_is_the_nodes(count) -> None:
    heads = [f"{n:064x}" for n in range(1, count + 1)]
    assert snippet("merkle-root")["merkle_root"](heads) == merkle_root(heads)


def test_the_action_table_is_the_engines() -> None:
    for status, allowed in ALLOWED.items():
        row = re.search(rf"^\| `{status.name}` \([^)]*\) \| ([a-z_, ]+) \|", DOC, re.M)
        assert row, status
        assert tuple(row[1].split(", ")) == allowed, status
    closed = set(model.FINAL)
    row = re.search(r"^\| (`[A-Z]+`(?:, `[A-Z]+`)*) \| — \| closed \|", DOC, re.M)
    assert row and set(re.findall(r"`([A-Z]+)`", row[1])) == {s.name for s in closed}


def test_every_event_type_is_listed() -> None:
    types = {cls.type for cls in vars(model).values()
             if isinstance(cls, type) and issubclass(cls, model.CaseEvent)
             and cls is not model.CaseEvent}
    listed = set(re.findall(r"`(case\.[a-z_]+)`", EVENTS))
    assert types <= listed, types - listed
    assert "case.trace_root" in listed
    actions = {f.name for f in pb.ActOnCaseRequest.DESCRIPTOR.oneofs_by_name["action"].fields}
    table = DOC[DOC.index("| action | fields |"):DOC.index("**Fees (收费).**")]
    assert actions == set(re.findall(r"^\| `([a-z_]+)`", table, re.M)) | set(
        re.findall(r"^\| `[a-z_]+`, `([a-z_]+)`", table, re.M))
