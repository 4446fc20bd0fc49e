"""The applicant's side of the case service over real gRPC, on PostgreSQL: a person's own
cases (as applicant or agent) and nobody else's; the anonymous lookup's second factor; the
applicant supplementing and withdrawing; the documents addressed to them; and every staff
read of the internal view in the access log the applicant reads."""

from __future__ import annotations

import uuid

import grpc
import pytest
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.catalogue.v1 import catalogue_pb2 as cpb

from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.shared.grpc_errors import error_detail_of
from tests.support.clients import OFFLINE_REVIEW, Clients, act, bearer, draft, key
from tests.support.codes import resident_id
from tests.support.departments import DEVELOPMENT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def node(pg_settings):
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    port = catalogue.start()
    settings = pg_settings.model_copy(update={"catalogue_port": port})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    yield Clients.at(f"127.0.0.1:{port}", f"127.0.0.1:{cases_port}")
    cases.stop(0)
    catalogue.stop(0)


@pytest.fixture(scope="module")
def admin(pg_settings):
    return bearer(pg_settings.token_key, "admin-1", ["admin"], ["510000"])


@pytest.fixture(scope="module")
def hall(pg_settings):
    return bearer(pg_settings.token_key, "hall", ["hall"], ["511602"])


@pytest.fixture(scope="module")
def item(node, admin) -> cpb.ItemVersion:
    content = draft()
    content.materials.append(cpb.Material(key="form", name="申请表", originals=1,
                                          mandatory=True))
    created = node.catalogue.CreateItem(cpb.CreateItemRequest(
        idempotency_key=key(), draft=content), metadata=admin, timeout=10).item
    return node.catalogue.PublishItem(cpb.PublishItemRequest(
        idempotency_key=key(), item_id=created.item_id, version=1, **OFFLINE_REVIEW),
        metadata=admin, timeout=10).item


class Person:
    def __init__(self, secret: str, name: str) -> None:
        self.id_number = resident_id(uuid.uuid4().int % 10_000_000)
        self.name = name
        self.md = bearer(secret, f"id_card:{self.id_number}", ["public"], ["511602"])

    def party(self) -> kpb.Applicant:
        return kpb.Applicant(name=self.name, id_type="id_card", id_number=self.id_number)


def submit(node, admin, item, person: Person, *, agent: Person | None = None,  # type: ignore[no-untyped-def]
           materials: bool = True) -> kpb.Case:
    request = kpb.SubmitApplicationRequest(
        idempotency_key=key(), item_id=item.item_id, region="511602",
        applicant=person.party(),
        materials=[kpb.MaterialGiven(key="form", originals=1)] if materials else [])
    if agent is not None:
        request.channel = kpb.CHANNEL_AGENT
        request.agent.CopyFrom(agent.party())
    return node.cases.SubmitApplication(request, metadata=admin, timeout=10).case


def refused(call, *args, **kwargs) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, timeout=10, **kwargs)
    return caught.value


def test_a_person_reads_their_own_cases_and_no_one_elses(node, admin, item, pg_settings):
    ming, hong = Person(pg_settings.token_key, "王小明"), Person(pg_settings.token_key, "李小红")
    mine = submit(node, admin, item, ming)
    assert len(mine.query_code) == 8 and mine.query_code.isalnum()  # for the receipt
    theirs = submit(node, admin, item, hong)
    both = submit(node, admin, item, ming, agent=hong)  # 代办: both see it

    listed = node.cases.ListMyCases(kpb.ListMyCasesRequest(), metadata=ming.md,
                                    timeout=10)
    assert [c.case_number for c in listed.cases] == [both.case_number, mine.case_number]
    assert listed.total == 2 and all(c.own_view for c in listed.cases)
    assert listed.cases[1].applicant.name == "王小明"
    assert {c.case_number for c in node.cases.ListMyCases(
        kpb.ListMyCasesRequest(), metadata=hong.md, timeout=10).cases} == {
        theirs.case_number, both.case_number}
    first = node.cases.ListMyCases(kpb.ListMyCasesRequest(page_size=1), metadata=ming.md,
                                   timeout=10)
    second = node.cases.ListMyCases(kpb.ListMyCasesRequest(
        page_size=1, page_token=first.next_page_token), metadata=ming.md, timeout=10)
    assert [first.cases[0].case_number, second.cases[0].case_number] == [
        both.case_number, mine.case_number] and not second.next_page_token

    own = node.cases.GetCase(kpb.GetCaseRequest(case_number=mine.case_number),
                             metadata=ming.md, timeout=10).case
    assert own.own_view and own.query_code == mine.query_code
    accepted = act(node.cases, admin, mine.case_number, accept=kpb.Accept(opinion="齐全"))
    step = next(s for s in accepted.steps if s.status == kpb.STEP_STATUS_ACTIVE)
    act(node.cases, admin, mine.case_number, claim=kpb.Claim(instance_id=step.instance_id))
    own = node.cases.GetCase(kpb.GetCaseRequest(case_number=mine.case_number),
                             metadata=ming.md, timeout=10).case
    step = next(s for s in own.steps if s.status == kpb.STEP_STATUS_ACTIVE)
    # who holds it: the position, claimed or not — never the person
    assert (step.role, step.claimed, step.assignee, step.department) == (
        "clerk", True, "", accepted.department)
    assert own.promised.limit_days == 10 and own.promised.left == 10
    # another person's case does not exist for them: the answer of a number never given
    other = refused(node.cases.GetCase, kpb.GetCaseRequest(case_number=theirs.case_number),
                    metadata=ming.md)
    never = refused(node.cases.GetCase, kpb.GetCaseRequest(case_number="511602209901019999"),
                    metadata=ming.md)
    assert other.code() == never.code() == grpc.StatusCode.NOT_FOUND
    assert error_detail_of(other).code == error_detail_of(never).code == "CASE_NOT_FOUND"
    for call, request in ((node.cases.GetTrace, kpb.GetTraceRequest),
                          (node.cases.ListDocuments, kpb.ListDocumentsRequest),
                          (node.cases.ListCaseAccesses, kpb.ListCaseAccessesRequest)):
        assert refused(call, request(case_number=theirs.case_number),
                       metadata=ming.md).code() == grpc.StatusCode.NOT_FOUND
    # the hall's own token never sees the applicant nor the query code
    public = node.cases.GetCase(kpb.GetCaseRequest(case_number=mine.case_number),
                                metadata=bearer(pg_settings.token_key, "hall", ["hall"],
                                                ["511602"]), timeout=10).case
    assert not public.applicant.name and not public.query_code and not public.own_view


def test_the_anonymous_lookup_needs_the_second_factor(node, admin, item, hall, pg_settings):
    ming = Person(pg_settings.token_key, "王小明")
    case = submit(node, admin, item, ming)
    number = case.case_number

    def lookup(**factor):  # type: ignore[no-untyped-def]
        return node.cases.LookupCase(kpb.LookupCaseRequest(case_number=number, **factor),
                                     metadata=hall, timeout=10).case

    assert lookup(applicant_name=" 王小明 ").case_number == number
    assert lookup(query_code=case.query_code.lower()).case_number == number
    assert not lookup(query_code=case.query_code).applicant.name  # the public view
    missing = refused(node.cases.LookupCase, kpb.LookupCaseRequest(
        case_number="511602209901019999", applicant_name="王小明"), metadata=hall)
    for factor in ({"applicant_name": "王小"}, {"applicant_name": "李小红"},
                   {"query_code": "ABCDEFGH"}):
        wrong = refused(node.cases.LookupCase, kpb.LookupCaseRequest(
            case_number=number, **factor), metadata=hall)
        assert wrong.code() == missing.code() == grpc.StatusCode.NOT_FOUND
        assert error_detail_of(wrong).code == error_detail_of(missing).code
    # the number alone is not enough
    alone = refused(node.cases.LookupCase, kpb.LookupCaseRequest(case_number=number),
                    metadata=hall)
    assert alone.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_the_applicant_supplements_withdraws_and_reads_their_documents(node, admin, item,
                                                                     pg_settings):
    ming, hong = Person(pg_settings.token_key, "王小明"), Person(pg_settings.token_key, "李小红")
    case = submit(node, admin, item, ming, materials=False)
    number = case.case_number
    act(node.cases, admin, number, request_supplement=kpb.RequestSupplement(
        missing=["form"], due_date="2099-12-31"))
    stopped = node.cases.GetCase(kpb.GetCaseRequest(case_number=number), metadata=ming.md,
                                 timeout=10).case
    assert stopped.status == kpb.CASE_STATUS_SUPPLEMENT and stopped.clock.stopped
    assert "receive_supplement" in stopped.allowed_actions
    given = kpb.ReceiveSupplement(materials=[kpb.MaterialGiven(key="form", originals=1)])
    given.materials[0].files.add(sha256="ab" * 32, name="申请书.pdf",
                                 media_type="application/pdf", size=2048)
    # someone else may not supply it, nor may the applicant do what staff do
    assert refused(node.cases.ActOnCase, kpb.ActOnCaseRequest(
        idempotency_key=key(), case_number=number, receive_supplement=given),
        metadata=hong.md).code() == grpc.StatusCode.NOT_FOUND
    assert refused(node.cases.ActOnCase, kpb.ActOnCaseRequest(
        idempotency_key=key(), case_number=number, lapse=kpb.Lapse()),
        metadata=ming.md).code() == grpc.StatusCode.PERMISSION_DENIED
    supplied = act(node.cases, ming.md, number, receive_supplement=given)
    assert supplied.status == kpb.CASE_STATUS_SUBMITTED and not supplied.clock.stopped
    assert supplied.own_view and not supplied.missing_materials
    # the uploaded file joins the case's electronic materials, for its staff to open
    internal = node.cases.GetCase(kpb.GetCaseRequest(case_number=number), metadata=admin,
                                  timeout=10).case
    assert [(f.sha256, f.name) for m in internal.materials for f in m.files] == [
        ("ab" * 32, "申请书.pdf")]
    # the supplement notice is addressed to them: listed and downloaded
    documents = node.cases.ListDocuments(kpb.ListDocumentsRequest(case_number=number),
                                         metadata=ming.md, timeout=30).documents
    assert [d.kind for d in documents] == ["supplement_notice"]
    pdf = node.cases.GetDocument(kpb.GetDocumentRequest(
        case_number=number, document_id=documents[0].document_id), metadata=ming.md,
        timeout=60).pdf
    assert pdf.startswith(b"%PDF")
    withdrawn = act(node.cases, ming.md, number, withdraw=kpb.Withdraw(reason="不再需要"))
    assert withdrawn.status == kpb.CASE_STATUS_WITHDRAWN and withdrawn.reason == "不再需要"
    trace = node.cases.GetTrace(kpb.GetTraceRequest(case_number=number), metadata=admin,
                                timeout=10).entries
    assert [e.actor for e in trace if e.action in (
        "case.supplement_received", "case.withdrawn")] == [f"id_card:{ming.id_number}"] * 2


def test_every_staff_read_of_the_internal_view_is_logged_for_the_applicant(
        node, admin, item, hall, pg_settings):
    ming = Person(pg_settings.token_key, "王小明")
    number = submit(node, admin, item, ming).case_number
    clerk = bearer(pg_settings.token_key, "clerk-7", ["clerk"], ["511602"], DEVELOPMENT)
    supervisor = bearer(pg_settings.token_key, "sup-7", ["supervisor"], ["511602"])
    node.cases.GetCase(kpb.GetCaseRequest(case_number=number, purpose="核对申请材料"),
                       metadata=clerk, timeout=10)
    node.cases.GetTrace(kpb.GetTraceRequest(case_number=number), metadata=supervisor,
                        timeout=10)
    # not logged: the hall's public view, the applicant's own reads
    node.cases.GetCase(kpb.GetCaseRequest(case_number=number), metadata=hall, timeout=10)
    node.cases.GetCase(kpb.GetCaseRequest(case_number=number), metadata=ming.md, timeout=10)
    log = node.cases.ListCaseAccesses(kpb.ListCaseAccessesRequest(case_number=number),
                                      metadata=ming.md, timeout=10)
    assert [(e.subject, e.roles, e.call, e.purpose) for e in log.entries] == [
        ("sup-7", "supervisor", "GetTrace", "GetTrace"),
        ("clerk-7", "clerk", "GetCase", "核对申请材料")]
    assert log.total == 2 and log.entries[1].department_code == DEVELOPMENT
    assert log.entries[1].department and log.entries[0].at.seconds > 0
    # supervisors read the log too; department staff do not
    assert node.cases.ListCaseAccesses(kpb.ListCaseAccessesRequest(case_number=number),
                                       metadata=supervisor, timeout=10).total == 2
    assert refused(node.cases.ListCaseAccesses, kpb.ListCaseAccessesRequest(
        case_number=number), metadata=clerk).code() == grpc.StatusCode.PERMISSION_DENIED
