"""The gateway's HTTP API against fake catalogue, cases and monitoring servers (real gRPC)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import grpc
import pytest
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc
from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc
from sunlight.monitoring.v1 import monitoring_pb2, monitoring_pb2_grpc

from gateway.backends import Backends
from gateway.errors import http_status_of
from gateway.http_api import create_app
from services.shared.errors import DomainError, NotFound
from services.shared.grpc_errors import abort_with
from services.shared.grpc_server import GrpcServer

TOKEN = "Bearer test-token"


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


class FakeCases(cases_pb2_grpc.CaseServiceServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.r = recorder

    def OpenCase(self, request, context):  # noqa: N802
        self.r.record("OpenCase", request, context)
        return cases_pb2.OpenCaseResponse(case=cases_pb2.Case(
            case_number="511602202611020000001", item_id=request.item_id,
            applicant=request.applicant, status=cases_pb2.CASE_STATUS_IN_PROGRESS))

    def CompleteStep(self, request, context):  # noqa: N802
        self.r.record("CompleteStep", request, context)
        return cases_pb2.CompleteStepResponse(case=cases_pb2.Case(
            case_number=request.case_number, current_step=request.step_index + 1))

    def GetCase(self, request, context):  # noqa: N802
        """``fail-<STATUS>`` answers that status with an ErrorDetail."""
        self.r.record("GetCase", request, context)
        if request.case_number.startswith("fail-"):
            error = DomainError(f"failing with {request.case_number[5:]}", code="TEST_CODE",
                                metadata={"why": "asked"})
            error.grpc_status = request.case_number[5:]
            abort_with(context, error)
        return cases_pb2.GetCaseResponse(case=cases_pb2.Case(case_number=request.case_number))


class FakeMonitoring(monitoring_pb2_grpc.MonitoringServiceServicer):
    def __init__(self, recorder: Recorder) -> None:
        self.r = recorder

    def GetCaseRecord(self, request, context):  # noqa: N802
        self.r.record("GetCaseRecord", request, context)
        return monitoring_pb2.GetCaseRecordResponse(record=monitoring_pb2.CaseRecord(
            case_number=request.case_number, status="in_progress", last_sequence=3))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    backends = Backends({"catalogue": address, "cases": address, "monitoring": address}, 5.0)
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


def test_open_and_complete_and_get_case(client, calls) -> None:
    opened = client.post("/v1/cases", json={
        "idempotency_key": "o1", "item_id": "it-1", "region": "511602",
        "applicant": {"name": "张三", "id_type": "id_card", "id_number": "11010519491231002X"}})
    assert opened.status_code == 201
    assert opened.json()["case"]["applicant"]["name"] == "张三"
    done = client.post("/v1/cases/511602202611020000001/steps/0/complete",
                       json={"idempotency_key": "c1", "opinion": "同意"})
    assert done.status_code == 200
    assert done.json()["case"]["current_step"] == 1
    got = client.get("/v1/cases/511602202611020000001")
    assert got.json()["case"]["case_number"] == "511602202611020000001"
    names = [c[0] for c in calls]
    assert names == ["OpenCase", "CompleteStep", "GetCase"]
    complete = calls[1][1]
    assert (complete.case_number, complete.step_index, complete.opinion) == (
        "511602202611020000001", 0, "同意")


def test_supervision_record(client, calls) -> None:
    response = client.get("/v1/supervision/cases/511602202611020000001")
    assert response.status_code == 200
    record = response.json()["record"]
    assert record["status"] == "in_progress"
    assert record["last_sequence"] == "3"  # int64 is a string in the proto3 JSON mapping
    assert calls[0][0] == "GetCaseRecord"


# --- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize("code, http", [
    ("INVALID_ARGUMENT", 400), ("UNAUTHENTICATED", 401), ("PERMISSION_DENIED", 403),
    ("NOT_FOUND", 404), ("ALREADY_EXISTS", 409), ("ABORTED", 409),
    ("FAILED_PRECONDITION", 422), ("RESOURCE_EXHAUSTED", 429), ("UNAVAILABLE", 503),
    ("DEADLINE_EXCEEDED", 504), ("INTERNAL", 500), ("DATA_LOSS", 500),
])
def test_error_table_through_a_real_call(client, code, http) -> None:
    response = client.get(f"/v1/cases/fail-{code}")
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
    assert client.post("/v1/cases/1/steps/-1/complete", json={}).status_code == 400
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
            "/v1/cases/{case_number}", "/v1/cases/{case_number}/steps/{step_index}/complete",
            "/v1/supervision/cases/{case_number}", "/v1/node", "/healthz"} <= set(
                document["paths"])
    schemas = document["components"]["schemas"]
    assert "sunlight.cases.v1.OpenCaseRequest" in schemas
    assert schemas["sunlight.catalogue.v1.ItemDraft"]["properties"]["steps"]["type"] == "array"
    publish = document["paths"]["/v1/items/{item_id}/versions/{version}/publish"]["post"]
    body_schema = publish["requestBody"]["content"]["application/json"]["schema"]
    assert set(body_schema["properties"]) == {"idempotency_key"}
    assert client.get("/docs").status_code == 200


def test_openapi_documents_400_not_fastapis_422(client) -> None:
    document = client.get("/openapi.json").json()
    listing = document["paths"]["/v1/items"]["get"]["responses"]
    assert "422" not in listing and "4XX" in listing
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_process_wiring_builds_without_a_network() -> None:
    from gateway.server import build
    from services.shared.config import Settings

    gateway = build(Settings(jwt_secret="w" * 40, gateway_grpc_port=free_port()))
    try:
        paths = {route.path for route in gateway.http.routes}
        assert {"/v1/items", "/healthz", "/v1/node"} <= paths
        assert gateway.grpc.port is None  # built, not started
    finally:
        gateway.backends.close()
