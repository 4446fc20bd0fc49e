"""The workbench's queue over gRPC, on SQLite and PostgreSQL: searched by a case number's
beginning or the applicant's name, each entry naming its applicant; supervisors read their
regions' queues (case.reassign) to reassign a step, which handlers of another department
cannot; and cases stored before the applicant's name was kept are found by it after the
upgrade (migration f3a9c1d7b2e6)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from sqlalchemy import text
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc

from services.cases.api import CaseServicer
from services.cases.domain.engine import Accept
from services.cases.domain.flow import ItemSnapshot
from services.cases.domain.model import Party
from services.cases.service import CaseService
from services.shared.auth import Authenticator, mint_token
from services.shared.db import Database
from services.shared.migrations import downgrade, upgrade
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar
from tests.support.cases import CLERK, DEPT_CODE, FIRE_CODE, application, item, key
from tests.support.cases import REVIEWER as REVIEWER_PRINCIPAL
from tests.support.departments import EDUCATION

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "services" / "cases" / "migrations"
SECRET = TokenKey.generate().to_text()
BEFORE_NAMES = "5c8e2f71a9d4"
ITEM = item()


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


def token(subject: str, roles: list[str], department: str | None = None,
          positions: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [("authorization", "Bearer " + mint_token(
        SECRET, subject, roles, ["511602"], department=department, positions=positions))]


REVIEWER = token("reviewer-1", ["clerk"], DEPT_CODE, ("reviewer",))
FIRE = token("fire-1", ["clerk"], FIRE_CODE, ("reviewer",))
SUPERVISOR = token("sup-1", ["supervisor"])


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'node.db'}"
    return request.getfixturevalue("pg_database").url


def _drop(url: str, schema: str) -> None:
    if url.startswith("postgresql"):
        db = Database(url, schema, pool_size=1)
        with db.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        db.dispose()


@pytest.fixture()
def node(url) -> Iterator[tuple[CaseService, kgrpc.CaseServiceStub]]:  # type: ignore[no-untyped-def]
    schema = f"workbench_{uuid.uuid4().hex[:6]}"
    upgrade(CASES, url, schema)
    db = Database(url, schema, pool_size=2)
    service = CaseService(db, Items(), WorkingCalendar.official(), "510000")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    kgrpc.add_CaseServiceServicer_to_server(CaseServicer(service, Authenticator(SECRET)),
                                            server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield service, kgrpc.CaseServiceStub(channel)
    finally:
        channel.close()
        server.stop(0)
        db.dispose()
        _drop(url, schema)


def accepted(service: CaseService, name: str) -> str:
    app = replace(application(ITEM), applicant=Party(name, "id_card", "511602199001011236"))
    case = service.submit(CLERK, app, key())
    return service.act(CLERK, case.number, Accept("材料齐全"), key()).number


def queue(stub: kgrpc.CaseServiceStub, md, **fields) -> kpb.ListQueueResponse:  # type: ignore[no-untyped-def]
    return stub.ListQueue(kpb.ListQueueRequest(**fields), metadata=md, timeout=10)


def test_the_queue_is_searched_by_case_number_or_applicant_name(node) -> None:
    service, stub = node
    zhang, li = accepted(service, "张三丰"), accepted(service, "李四_100%")
    everything = queue(stub, REVIEWER)
    assert {(e.case_number, e.applicant_name) for e in everything.entries} == {
        (zhang, "张三丰"), (li, "李四_100%")}
    assert [e.case_number for e in queue(stub, REVIEWER, query="三丰").entries] == [zhang]
    assert [e.case_number for e in queue(stub, REVIEWER, query=li).entries] == [li]
    # a case number's beginning finds every case of that day and region
    assert queue(stub, REVIEWER, query=zhang[:14]).total == 2
    # LIKE's wildcards are searched as written
    assert [e.case_number for e in queue(stub, REVIEWER, query="_100%").entries] == [li]
    assert [e.case_number for e in queue(stub, REVIEWER, query="%").entries] == [li]
    assert queue(stub, REVIEWER, query="张_丰").total == 0
    assert queue(stub, REVIEWER, query="王五").total == 0
    # another department's handler sees their own branch, searched alike
    fire = queue(stub, FIRE, query="张三")
    assert [(e.case_number, e.step.key) for e in fire.entries] == [(zhang, "review/fire")]


def test_supervisors_read_the_queues_and_reassign_handlers_cannot(node) -> None:
    service, stub = node
    number = accepted(service, "张三")
    seen = queue(stub, SUPERVISOR)
    assert {e.step.key for e in seen.entries} == {"review", "review/fire"}
    assert {e.step.key for e in queue(stub, SUPERVISOR, department_code=FIRE_CODE).entries
            } == {"review/fire"}
    review = next(e.step for e in seen.entries if e.step.key == "review")
    case = stub.ActOnCase(kpb.ActOnCaseRequest(
        idempotency_key=key(), case_number=number,
        reassign=kpb.Reassign(instance_id=review.instance_id, to="reviewer-2")),
        metadata=SUPERVISOR, timeout=10).case
    assert next(s for s in case.steps if s.instance_id == review.instance_id
                ).assignee == "reviewer-2"
    with pytest.raises(grpc.RpcError) as refused:
        stub.ActOnCase(kpb.ActOnCaseRequest(
            idempotency_key=key(), case_number=number,
            reassign=kpb.Reassign(instance_id=review.instance_id, to="reviewer-1")),
            metadata=REVIEWER, timeout=10)
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    # a handler cannot read another department's queue
    with pytest.raises(grpc.RpcError) as other:
        queue(stub, FIRE, department_code=DEPT_CODE)
    assert other.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_an_entry_shown_again_is_the_case_as_it_is_now(node) -> None:
    """The queue keeps the entries it answered (by the case's event sequence): a page asked
    for twice shows them the same, and once the case moves (a step claimed) as it is now."""
    service, stub = node
    number = accepted(service, "张三")
    first, again = queue(stub, REVIEWER), queue(stub, REVIEWER)
    assert first == again
    review = next(e.step for e in first.entries if e.step.key == "review")
    assert review.assignee == ""
    stub.ActOnCase(kpb.ActOnCaseRequest(
        idempotency_key=key(), case_number=number,
        claim=kpb.Claim(instance_id=review.instance_id)), metadata=REVIEWER, timeout=10)
    claimed = next(e.step for e in queue(stub, REVIEWER).entries if e.step.key == "review")
    assert claimed.assignee == "reviewer-1"
    assert [e.case_number for e in queue(stub, REVIEWER, unclaimed_only=True).entries
            if e.step.key == "review"] == []


def test_cases_stored_before_names_were_kept_are_found_after_the_upgrade(url) -> None:
    schema = f"workbench_legacy_{uuid.uuid4().hex[:6]}"
    upgrade(CASES, url, schema)
    db = Database(url, schema, pool_size=1)
    number = accepted(CaseService(db, Items(), WorkingCalendar.official(), "510000"), "赵六")
    db.dispose()
    downgrade(CASES, url, schema, BEFORE_NAMES)
    upgrade(CASES, url, schema)
    db = Database(url, schema, pool_size=1)
    try:
        service = CaseService(db, Items(), WorkingCalendar.official(), "510000")
        entries, total = service.queue(REVIEWER_PRINCIPAL, "", "", "", False, False, 0, 50, "赵六")
        assert total == 1 and {c.number for _, c, _ in entries} == {number}
    finally:
        db.dispose()
        _drop(url, schema)


def test_a_department_handling_a_branch_reads_the_case_others_do_not(node) -> None:
    service, stub = node
    number = accepted(service, "张三")
    case = stub.GetCase(kpb.GetCaseRequest(case_number=number), metadata=FIRE,
                        timeout=10).case
    # the internal view: the applicant's identity and the handlers' own fields
    assert case.applicant.id_number == "511602199001011236"
    assert any(s.role == "reviewer" for s in case.steps)
    trace = stub.GetTrace(kpb.GetTraceRequest(case_number=number), metadata=FIRE, timeout=10)
    assert trace.entries
    other = token("edu-1", ["clerk"], EDUCATION, ("reviewer",))
    with pytest.raises(grpc.RpcError) as refused:
        stub.GetCase(kpb.GetCaseRequest(case_number=number), metadata=other, timeout=10)
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_pages_of_a_long_queue_in_due_order_with_their_total(node) -> None:
    """Pages are read in the queue's order from the index of running steps; a queue longer
    than a page is counted (the count kept a moment for the next pages and handlers), the
    last page's total is its own rows; the rows are always current."""
    service, stub = node
    numbers = {accepted(service, f"申请人{n}") for n in range(5)}
    first = queue(stub, REVIEWER, page_size=2)
    assert (len(first.entries), first.total) == (2, 5) and first.next_page_token
    second = queue(stub, REVIEWER, page_size=2, page_token=first.next_page_token)
    third = queue(stub, REVIEWER, page_size=2, page_token=second.next_page_token)
    assert (len(third.entries), third.total, third.next_page_token) == (1, 5, "")
    pages = [*first.entries, *second.entries, *third.entries]
    assert {e.case_number for e in pages} == numbers
    order = [(e.step.due_date or "9999", e.case_number) for e in pages]
    assert order == sorted(order)
    # a step taken out of the queue is gone from the next page read at once
    gone = first.entries[0]
    stub.ActOnCase(kpb.ActOnCaseRequest(
        idempotency_key=key(), case_number=gone.case_number,
        reassign=kpb.Reassign(instance_id=gone.step.instance_id, to="reviewer-2")),
        metadata=SUPERVISOR, timeout=10)
    mine = queue(stub, REVIEWER, page_size=2, unclaimed_only=True)
    assert gone.case_number not in {e.case_number for e in mine.entries}
    assert mine.total == 4  # a queue asked for the first time is counted


def test_a_total_kept_a_moment_is_the_one_of_the_handlers_own_positions_and_department(
        node) -> None:
    """A queue longer than a page is counted once a moment and the count kept: kept by what
    it counted — the handler's positions and department, not who asked — so the same handler
    given other positions, or moved to another department, is told their own queue's total
    at once."""
    service, stub = node
    for n in range(3):  # at review: a step of each position "reviewer" (and the fire branch)
        accepted(service, f"审查{n}")
    for n in range(2):  # at acceptance: a step of the position "clerk"
        service.submit(CLERK, replace(application(ITEM), applicant=Party(
            f"受理{n}", "id_card", "511602199001011236")), key())

    def total(department: str, positions: tuple[str, ...]) -> int:
        found = queue(stub, token("li-1", ["clerk"], department, positions), page_size=1)
        assert len(found.entries) == 1 and found.next_page_token  # longer than its page
        return found.total

    assert total(DEPT_CODE, ("reviewer",)) == 3
    assert total(DEPT_CODE, ("clerk",)) == 2
    assert total(DEPT_CODE, ("clerk", "reviewer")) == 5
    assert total(FIRE_CODE, ("clerk", "reviewer")) == 3  # the fire brigade's branches only
    assert total(DEPT_CODE, ("reviewer",)) == 3
