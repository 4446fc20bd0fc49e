"""The audit of case-file reads over real gRPC, on SQLite and PostgreSQL: each read of a
case's file appends exactly one row (its view, target, channel, the reader's regions); a
material file's download is audited as such and only for a file the case holds; the
applicant's own reads are audited (number masked) and not shown back to them as "who looked";
a read asserted by another node names that node; the rows cannot be changed or deleted; and
only supervisors and administrators of the case's region list the audit."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from sqlalchemy import func, select, text
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc

from services.cases import storage as t
from services.cases.api import CaseServicer
from services.cases.domain.flow import ItemSnapshot
from services.cases.domain.model import Channel, MaterialFile
from services.cases.service import CaseService
from services.shared.auth import Authenticator, mint_token
from services.shared.channels import CHANNEL_HEADER, ChannelSeal
from services.shared.db import Database
from services.shared.grpc_errors import error_detail_of
from services.shared.migrations import upgrade
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar
from tests.support.cases import APPLICANT, CLERK, DEPT_CODE, application, item, key

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "services" / "cases" / "migrations"
SECRET = TokenKey.generate().to_text()
ITEM = item()
FILE = hashlib.sha256(b"the applicant's scan").hexdigest()


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


def token(subject: str, roles: list[str], region: str = "511602",
          department: str | None = None, **claims: str) -> list[tuple[str, str]]:
    return [("authorization", "Bearer " + mint_token(
        SECRET, subject, roles, [region], department=department, **claims))]


CLERK_MD = token("clerk-1", ["clerk"], department=DEPT_CODE)
SUPERVISOR = token("sup-1", ["supervisor"])
SUPERVISOR_ELSEWHERE = token("sup-9", ["supervisor"], "511603")
LEGAL = token("legal-1", ["legal_reviewer"])
ADMIN = token("admin-1", ["admin"], "510000")
CITIZEN = token(f"id_card:{APPLICANT.id_number}", ["public"])
OTHER = "511602199001011252"  # another person's (valid) resident ID number


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'node.db'}"
    return request.getfixturevalue("pg_database").url


@pytest.fixture()
def node(url) -> Iterator[tuple[CaseService, kgrpc.CaseServiceStub, Database, str]]:  # type: ignore[no-untyped-def]
    schema = f"audit_{uuid.uuid4().hex[:6]}"
    upgrade(CASES, url, schema)
    db = Database(url, schema, pool_size=2)
    service = CaseService(db, Items(), WorkingCalendar.official(), "510000")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    kgrpc.add_CaseServiceServicer_to_server(
        CaseServicer(service, Authenticator(SECRET), ChannelSeal(SECRET)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield service, kgrpc.CaseServiceStub(channel), db, f"127.0.0.1:{port}"
    finally:
        channel.close()
        server.stop(0)
        db.dispose()
        if url.startswith("postgresql"):
            cleanup = Database(url, schema, pool_size=1)
            with cleanup.begin() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            cleanup.dispose()


def submitted(service: CaseService) -> str:
    """A case applied for with one uploaded file."""
    app = replace(application(ITEM), channel=Channel.COUNTER, files=(
        MaterialFile("form", FILE, "scan.pdf", "application/pdf", 20),))
    return service.submit(CLERK, app, key()).number


def rows(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(select(func.count()).select_from(t.case_accesses)).scalar_one())


def refused(call, request, md) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call(request, metadata=md, timeout=10)
    detail = error_detail_of(caught.value)
    return f"{caught.value.code().name} {detail.code if detail else ''}".strip()


def audit(stub: kgrpc.CaseServiceStub, md, **fields) -> kpb.ListAccessAuditResponse:  # type: ignore[no-untyped-def]
    return stub.ListAccessAudit(kpb.ListAccessAuditRequest(**fields), metadata=md, timeout=10)


def test_each_read_writes_exactly_one_record(node) -> None:
    service, stub, db, _ = node
    number = submitted(service)
    before = rows(db)
    # through the hall (the channel named and sealed, as the hall sends it)
    stub.GetCase(kpb.GetCaseRequest(case_number=number, purpose="受理审查"),
                 metadata=[*CLERK_MD, *ChannelSeal(SECRET).metadata("hall", CLERK_MD[0][1])],
                 timeout=10)
    assert rows(db) == before + 1
    # straight to the service's port, naming a channel it did not come by: recorded as grpc
    stub.GetCase(kpb.GetCaseRequest(case_number=number, material_sha256=FILE),
                 metadata=[*CLERK_MD, (CHANNEL_HEADER, "hall")], timeout=10)
    assert rows(db) == before + 2
    # a digest the case does not hold: refused, and nothing recorded
    assert refused(stub.GetCase, kpb.GetCaseRequest(
        case_number=number, material_sha256="0" * 64), CLERK_MD) == (
        "NOT_FOUND MATERIAL_NOT_FOUND")
    assert rows(db) == before + 2
    stub.GetTrace(kpb.GetTraceRequest(case_number=number), metadata=SUPERVISOR, timeout=10)
    assert rows(db) == before + 3

    listed = audit(stub, SUPERVISOR, case_number=number)
    assert [(e.view, e.target, e.channel, e.subject, e.regions, e.own) for e in
            listed.entries] == [
        ("trace", "", "grpc", "sup-1", "511602", False),
        ("material", FILE, "grpc", "clerk-1", "511602", False),
        ("detail", "", "hall", "clerk-1", "511602", False)]
    assert listed.total == 3 and listed.entries[2].purpose == "受理审查"
    assert {e.case_number for e in listed.entries} == {number}
    assert all(e.region == "511602" and e.id > 0 for e in listed.entries)


def test_the_status_view_discloses_no_file_and_writes_no_record(node) -> None:
    service, stub, db, _ = node
    number = submitted(service)
    before = rows(db)
    status = kpb.GetCaseRequest(case_number=number, view=kpb.CASE_VIEW_STATUS)
    for md in (CLERK_MD, SUPERVISOR, CITIZEN):
        case = stub.GetCase(status, metadata=md, timeout=10).case
        assert case.case_number == number and case.status == kpb.CASE_STATUS_SUBMITTED
        assert [s.key for s in case.steps] and not case.HasField("applicant")
        assert not case.documents and not any(m.files for m in case.materials)
        assert APPLICANT.id_number not in str(case)
    assert rows(db) == before
    # the file, read by the same clerk: the applicant and the file's list, and its record
    file = stub.GetCase(kpb.GetCaseRequest(case_number=number, view=kpb.CASE_VIEW_FILE),
                        metadata=CLERK_MD, timeout=10).case
    assert file.applicant.id_number == APPLICANT.id_number
    assert rows(db) == before + 1
    # the same refusals as a read of the file: another region, another person, a download
    assert refused(stub.GetCase, status, SUPERVISOR_ELSEWHERE) == (
        "PERMISSION_DENIED REGION_OUT_OF_SCOPE")
    assert refused(stub.GetCase, status, token(f"id_card:{OTHER}", ["public"])) == (
        "NOT_FOUND CASE_NOT_FOUND")
    assert refused(stub.GetCase, kpb.GetCaseRequest(
        case_number=number, view=kpb.CASE_VIEW_STATUS, material_sha256=FILE),
        CLERK_MD).startswith("INVALID_ARGUMENT")
    assert rows(db) == before + 1


def test_the_applicants_own_reads_are_audited_masked_not_shown_back(node) -> None:
    service, stub, db, _ = node
    number = submitted(service)
    stub.GetCase(kpb.GetCaseRequest(case_number=number), metadata=CITIZEN, timeout=10)
    stub.GetCase(kpb.GetCaseRequest(case_number=number), metadata=CLERK_MD, timeout=10)
    [own] = [e for e in audit(stub, SUPERVISOR, case_number=number).entries if e.own]
    assert own.subject == "id_card:511602********1236" and own.view == "detail"
    assert APPLICANT.id_number not in str(audit(stub, SUPERVISOR, case_number=number))
    looked = stub.ListCaseAccesses(kpb.ListCaseAccessesRequest(case_number=number),
                                   metadata=CITIZEN, timeout=10)
    assert [e.subject for e in looked.entries] == ["clerk-1"]


def test_a_read_asserted_by_another_node_names_it(node) -> None:
    service, stub, _, _ = node
    number = submitted(service)
    # the gateway's peer port re-signs another node's assertion, naming that node
    visitor = token("sup-city", ["supervisor"], "511600", asserted_by="511600")
    stub.GetTrace(kpb.GetTraceRequest(case_number=number), metadata=visitor, timeout=10)
    [entry] = audit(stub, SUPERVISOR, case_number=number).entries
    assert (entry.subject, entry.asserted_by, entry.channel) == (
        "sup-city", "511600", "federation")


def test_only_supervisors_and_admins_of_the_region_list_the_audit(node) -> None:
    service, stub, _, _ = node
    number = submitted(service)
    stub.GetCase(kpb.GetCaseRequest(case_number=number), metadata=CLERK_MD, timeout=10)
    assert audit(stub, ADMIN, case_number=number).total == 1
    assert audit(stub, SUPERVISOR, region="511602").total >= 1
    request = kpb.ListAccessAuditRequest(case_number=number)
    for md in (CITIZEN, CLERK_MD, LEGAL, SUPERVISOR_ELSEWHERE):
        assert refused(stub.ListAccessAudit, request, md).startswith("PERMISSION_DENIED")
    assert refused(stub.ListAccessAudit, kpb.ListAccessAuditRequest(region="511602"),
                   SUPERVISOR_ELSEWHERE).startswith("PERMISSION_DENIED")
    assert refused(stub.ListAccessAudit, kpb.ListAccessAuditRequest(
        case_number="51160220260101999999"), SUPERVISOR) == "NOT_FOUND CASE_NOT_FOUND"


def test_the_audit_is_filtered_by_reader_and_time_and_paged(node) -> None:
    service, stub, _, _ = node
    number = submitted(service)
    for _ in range(3):
        stub.GetCase(kpb.GetCaseRequest(case_number=number), metadata=CLERK_MD, timeout=10)
    stub.GetTrace(kpb.GetTraceRequest(case_number=number), metadata=SUPERVISOR, timeout=10)
    assert audit(stub, SUPERVISOR, case_number=number, subject="clerk-1").total == 3
    first = audit(stub, SUPERVISOR, case_number=number, page_size=2)
    second = audit(stub, SUPERVISOR, case_number=number, page_size=2,
                   page_token=first.next_page_token)
    assert first.total == 4 and len(first.entries) == 2 and len(second.entries) == 2
    assert not {e.id for e in first.entries} & {e.id for e in second.entries}
    later = kpb.ListAccessAuditRequest(case_number=number)
    later.since.FromDatetime(datetime.now(UTC) + timedelta(minutes=1))
    assert stub.ListAccessAudit(later, metadata=SUPERVISOR, timeout=10).total == 0
    window = kpb.ListAccessAuditRequest(case_number=number)
    window.since.FromDatetime(datetime.now(UTC) - timedelta(minutes=5))
    window.until.FromDatetime(datetime.now(UTC) + timedelta(minutes=1))
    assert stub.ListAccessAudit(window, metadata=SUPERVISOR, timeout=10).total == 4


def test_audit_records_cannot_be_changed_or_deleted(node) -> None:
    service, stub, db, _ = node
    number = submitted(service)
    stub.GetCase(kpb.GetCaseRequest(case_number=number), metadata=CLERK_MD, timeout=10)
    for statement in ("UPDATE case_accesses SET subject = 'nobody'", "DELETE FROM case_accesses"):
        with pytest.raises(Exception, match="append-only"), db.begin() as conn:
            conn.execute(text(statement))
    assert audit(stub, SUPERVISOR, case_number=number).entries[0].subject == "clerk-1"


def test_the_command_line_lists_the_audit(node) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from cli.main import main  # noqa: PLC0415

    service, stub, _, address = node
    number = submitted(service)
    stub.GetCase(kpb.GetCaseRequest(case_number=number, purpose="受理审查"),
                 metadata=CLERK_MD, timeout=10)
    supervisor = SUPERVISOR[0][1].removeprefix("Bearer ")
    shown = CliRunner().invoke(main, ["audit", "reads", "--case", number, "--address",
                                      address, "--token", supervisor])
    assert shown.exit_code == 0, shown.output
    assert number in shown.output and "detail" in shown.output and "clerk-1" in shown.output
    assert "受理审查" in shown.output and "1 read(s)" in shown.output
    as_json = CliRunner().invoke(main, ["audit", "reads", "--case", number, "--address",
                                        address, "--token", supervisor, "--json"])
    import json  # noqa: PLC0415

    answer = json.loads(as_json.output)
    assert answer["total"] == 1 and answer["entries"][0]["view"] == "detail"
    citizen = CITIZEN[0][1].removeprefix("Bearer ")
    refused_ = CliRunner().invoke(main, ["audit", "reads", "--case", number, "--address",
                                         address, "--token", citizen])
    assert refused_.exit_code == 1
    # without --address: the node's case service, where its settings say it is
    host, port = address.rsplit(":", 1)
    settled = CliRunner(env={"SUNLIGHT_CASES_HOST": host, "SUNLIGHT_CASES_PORT": port}).invoke(
        main, ["audit", "reads", "--case", number, "--token", supervisor])
    assert settled.exit_code == 0, settled.output
    assert "1 read(s)" in settled.output


def test_an_own_read_is_audited_with_the_cases_read_and_only_if_it_is_theirs(node) -> None:
    from services.cases import audit as rules  # noqa: PLC0415
    from services.cases.repository import party_key  # noqa: PLC0415
    from services.shared.auth import Principal  # noqa: PLC0415

    service, stub, db, _ = node
    number = submitted(service)
    before = rows(db)
    reader = Principal(f"id_card:{APPLICANT.id_number}", ("public",), ("511602",))
    row = rules.record(reader, number, "511602", datetime.now(UTC), "GetCase",
                       key=service.audit_key, own=True)
    stored, recorded = service.store.read_own_case(
        number, party_key("id_card", APPLICANT.id_number), row)
    assert recorded and stored.case.number == number and rows(db) == before + 1
    _, recorded = service.store.read_own_case(number, party_key("id_card", "x"), row)
    assert not recorded and rows(db) == before + 1
    # through the API: one row per own read, never two
    stub.GetCase(kpb.GetCaseRequest(case_number=number), metadata=CITIZEN, timeout=10)
    assert rows(db) == before + 2


def test_a_persons_own_reads_are_found_by_their_full_number(node) -> None:
    service, stub, db, _ = node
    number = submitted(service)
    for purpose in ("", "查看进度"):
        stub.GetCase(kpb.GetCaseRequest(case_number=number, purpose=purpose),
                     metadata=CITIZEN, timeout=10)
    stub.GetCase(kpb.GetCaseRequest(case_number=number), metadata=CLERK_MD, timeout=10)
    # the full number, bare or as the token's subject, finds their reads (kept masked)
    for wanted in (APPLICANT.id_number, f"id_card:{APPLICANT.id_number}",
                   APPLICANT.id_number.lower()):
        found = audit(stub, SUPERVISOR, subject=wanted)
        assert found.total == 2, wanted
        assert [(e.purpose, e.own, e.subject) for e in found.entries] == [
            ("查看进度", True, "id_card:511602********1236"),
            ("GetCase", True, "id_card:511602********1236")]
    # as the rows show it, too; someone else's number finds nothing of theirs
    assert audit(stub, SUPERVISOR, subject="id_card:511602********1236").total == 2
    assert audit(stub, SUPERVISOR, subject=OTHER).total == 0
    assert audit(stub, SUPERVISOR, subject=f"credit_code:{APPLICANT.id_number}").total == 0
    # staff reads are keyed as well, and found by their account
    assert [e.subject for e in audit(stub, SUPERVISOR, subject="clerk-1").entries] == [
        "clerk-1"]
    with db.read() as s:
        keys = s.execute(select(t.case_accesses.c.subject_key)).scalars().all()
    assert len(keys) == 3 and all(k and len(k) == 64 for k in keys)
    assert APPLICANT.id_number not in repr(keys)
    # a row from before the key was kept (NULL) is found by its plain subject
    old = dict(rules_record(service, number), subject_key=None)
    service.store.log_access(old)
    assert audit(stub, SUPERVISOR, subject="clerk-1").total == 2


def rules_record(service: CaseService, number: str) -> dict:  # type: ignore[type-arg]
    from services.cases import audit as rules  # noqa: PLC0415

    return rules.record(CLERK, number, "511602", datetime.now(UTC), "GetCase",
                        key=service.audit_key)
