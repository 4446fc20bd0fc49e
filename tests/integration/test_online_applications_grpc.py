"""Applying online (网上申请) over real gRPC on PostgreSQL: a person or enterprise (role
``public``, permission ``case.apply``) applies for themselves — the applicant is the token's
subject — or as an agent (代办) for someone who authorised them, both recorded on the case and
in its trace; anything else is refused. The electronic materials are recorded by their
digests, the completeness check answers at once, and the receipt's query code is given to
the applicant and to the case's staff, never in the public view."""

from __future__ import annotations

import hashlib
import json

import grpc
import pytest
from sqlalchemy import select
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.catalogue.v1 import catalogue_pb2 as cpb

from services.cases import storage as t
from services.cases.server import build as build_cases
from services.cases.service import QUERY_CODE_ALPHABET, QUERY_CODE_LENGTH
from services.catalogue.server import build as build_catalogue
from services.shared.codes import resident_id_check_char
from services.shared.db import Database
from services.shared.grpc_errors import error_detail_of
from tests.support.clients import OFFLINE_REVIEW, Clients, act, bearer, draft, key
from tests.support.departments import DEVELOPMENT, EDUCATION

pytestmark = pytest.mark.integration
PERSON = "511602199001011236"
FRIEND = "51160219850505123" + resident_id_check_char("51160219850505123")
ENTERPRISE = EDUCATION  # a valid credit code, as an enterprise's
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


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
def md(pg_settings):
    return {name: bearer(pg_settings.token_key, *args) for name, args in {
        "admin": ("admin-1", ["admin"], ["510000"]),
        "clerk": ("clerk-1", ["clerk"], ["511602"], DEVELOPMENT),
        "hall": ("hall", ["hall"], ["510000"]),
        "person": (f"id_card:{PERSON}", ["public"], ["510000"]),
        "friend": (f"id_card:{FRIEND}", ["public"], ["510000"]),
        "enterprise": (f"credit_code:{ENTERPRISE}", ["public"], ["510000"]),
    }.items()}


@pytest.fixture(scope="module")
def item(node, md) -> cpb.ItemVersion:
    content = draft()
    content.materials.extend([
        cpb.Material(key="form", name="申请表", originals=1, mandatory=True),
        cpb.Material(key="licence", name="营业执照", copies=1, mandatory=True),
        cpb.Material(key="photo", name="现场照片", mandatory=False)])
    created = node.catalogue.CreateItem(cpb.CreateItemRequest(
        idempotency_key=key(), draft=content), metadata=md["admin"], timeout=10).item
    return node.catalogue.PublishItem(cpb.PublishItemRequest(
        idempotency_key=key(), item_id=created.item_id, version=1, **OFFLINE_REVIEW),
        metadata=md["admin"], timeout=10).item


def person(number: str = PERSON, name: str = "张三", id_type: str = "id_card"
           ) -> kpb.Applicant:
    return kpb.Applicant(name=name, id_type=id_type, id_number=number)


def form_file() -> kpb.MaterialGiven:
    return kpb.MaterialGiven(key="form", files=[kpb.MaterialFile(
        sha256=hashlib.sha256(PDF).hexdigest(), name="申请表.pdf",
        media_type="application/pdf", size=len(PDF))])


def apply(node, md, item, who: str, idempotency: str | None = None, **fields
          ) -> kpb.Case:  # type: ignore[no-untyped-def]
    fields.setdefault("applicant", person())
    fields.setdefault("channel", kpb.CHANNEL_ONLINE)
    return node.cases.SubmitApplication(kpb.SubmitApplicationRequest(
        idempotency_key=idempotency or key(), item_id=item.item_id, region="511602",
        **fields), metadata=md[who], timeout=10).case


def refused(call) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as failed:
        call()
    detail = error_detail_of(failed.value)
    return failed.value.code(), detail.code if detail else ""


def test_a_person_applies_for_themselves_and_sees_what_is_missing_at_once(node, md, item
                                                                          ) -> None:
    idempotency = key()
    case = apply(node, md, item, "person", idempotency, materials=[form_file()])
    assert case.status == kpb.CASE_STATUS_SUBMITTED and case.channel == kpb.CHANNEL_ONLINE
    # the completeness check: the form came as a file (given in full), the licence did not
    assert [m for m in case.missing_materials] == ["营业执照 (licence)"]
    # the answer to the applicant: who applied, the file by its digest, the query code
    assert case.applicant.id_number == PERSON
    assert [(f.name, f.sha256) for m in case.materials for f in m.files] == [
        ("申请表.pdf", hashlib.sha256(PDF).hexdigest())]
    assert len(case.query_code) == QUERY_CODE_LENGTH
    assert set(case.query_code) <= set(QUERY_CODE_ALPHABET)
    # the same request again acts once and answers the same code
    again = apply(node, md, item, "person", idempotency, materials=[form_file()])
    assert (again.case_number, again.query_code) == (case.case_number, case.query_code)
    # the department's staff see the code and the files; the public view shows neither
    inside = node.cases.GetCase(kpb.GetCaseRequest(case_number=case.case_number),
                                metadata=md["clerk"], timeout=10).case
    assert inside.query_code == case.query_code
    assert inside.materials[0].files[0].sha256 == hashlib.sha256(PDF).hexdigest()
    public = node.cases.GetCase(kpb.GetCaseRequest(case_number=case.case_number),
                                metadata=md["hall"], timeout=10).case
    assert public.query_code == "" and not public.HasField("applicant")
    assert all(not m.files for m in public.materials)
    assert list(public.missing_materials) == ["营业执照 (licence)"]


def test_an_enterprise_applies_for_itself_with_every_material(node, md, item) -> None:
    licence = kpb.MaterialGiven(key="licence", files=[kpb.MaterialFile(
        sha256="ab" * 32, name="执照.png", media_type="image/png", size=10)])
    case = apply(node, md, item, "enterprise", applicant=person(ENTERPRISE, "某某科技有限公司",
                                                                "credit_code"),
                 materials=[form_file(), licence])
    assert list(case.missing_materials) == []
    assert case.applicant.id_type == "credit_code"


def test_a_person_may_not_apply_in_someone_elses_name(node, md, item) -> None:
    assert refused(lambda: apply(node, md, item, "person", applicant=person(FRIEND))) == (
        grpc.StatusCode.PERMISSION_DENIED, "APPLICANT_NOT_CALLER")
    # nor pose as another agent, nor use a channel of staff or systems
    assert refused(lambda: apply(
        node, md, item, "person", applicant=person(FRIEND), agent=person(ENTERPRISE, "某公司",
                                                                          "credit_code"),
        channel=kpb.CHANNEL_AGENT, agent_authorisation="受托")) == (
        grpc.StatusCode.PERMISSION_DENIED, "AGENT_NOT_CALLER")
    assert refused(lambda: apply(node, md, item, "person", channel=kpb.CHANNEL_SYSTEM)) == (
        grpc.StatusCode.PERMISSION_DENIED, "CHANNEL_NOT_ALLOWED")
    # the hall's own token may not apply at all
    assert refused(lambda: apply(node, md, item, "hall"))[0] is \
        grpc.StatusCode.PERMISSION_DENIED


def test_an_agent_applies_for_someone_with_their_authorisation_both_recorded(
        node, md, item, pg_settings) -> None:
    # without stating the authorisation: refused, saying what is needed
    code, _ = refused(lambda: apply(node, md, item, "friend", applicant=person(),
                                    agent=person(FRIEND, "李四"), channel=kpb.CHANNEL_AGENT))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    # an agent for themselves is no agent
    code, _ = refused(lambda: apply(node, md, item, "friend", applicant=person(FRIEND, "李四"),
                                    agent=person(FRIEND, "李四"), channel=kpb.CHANNEL_AGENT,
                                    agent_authorisation="本人"))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    note = "张三之子，持张三签署的授权委托书"
    case = apply(node, md, item, "friend", applicant=person(), agent=person(FRIEND, "李四"),
                 channel=kpb.CHANNEL_AGENT, agent_authorisation=note,
                 materials=[form_file()])
    assert case.channel == kpb.CHANNEL_AGENT and case.query_code
    assert (case.applicant.id_number, case.agent.id_number) == (PERSON, FRIEND)
    inside = node.cases.GetCase(kpb.GetCaseRequest(case_number=case.case_number),
                                metadata=md["clerk"], timeout=10).case
    assert inside.agent.name == "李四" and inside.agent_authorisation == note
    trace = node.cases.GetTrace(kpb.GetTraceRequest(case_number=case.case_number),
                                metadata=md["clerk"], timeout=10).entries
    assert trace[0].actor == f"id_card:{FRIEND}" and trace[0].role == "public"
    # the trace's first entry records both, the authorisation and the file's digest
    db = Database(pg_settings.database_url, "cases", pool_size=1)
    try:
        with db.begin() as conn:
            data = conn.execute(select(t.case_trace.c.data).where(
                t.case_trace.c.case_number == case.case_number).order_by(
                t.case_trace.c.seq)).first()[0]
    finally:
        db.dispose()
    recorded = json.loads(data) if isinstance(data, str) else data
    assert recorded["applicant"]["id_number"] == PERSON
    assert recorded["agent"]["id_number"] == FRIEND
    assert recorded["agent_authorisation"] == note
    assert recorded["files"][0]["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_the_public_applies_but_does_not_handle_cases(node, md, item) -> None:
    case = apply(node, md, item, "person")
    assert refused(lambda: act(node.cases, md["person"], case.case_number,
                               accept=kpb.Accept()))[0] is grpc.StatusCode.PERMISSION_DENIED
    # a file for a material the item does not list is refused before anything is recorded
    stray = kpb.MaterialGiven(key="passport", files=[kpb.MaterialFile(
        sha256="cd" * 32, name="护照.pdf", media_type="application/pdf", size=5)])
    assert refused(lambda: apply(node, md, item, "person", materials=[stray]))[0] is \
        grpc.StatusCode.INVALID_ARGUMENT
