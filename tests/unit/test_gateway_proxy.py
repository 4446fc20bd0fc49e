"""The gateway's gRPC port: NodeService, CaseService forwarded as raw bytes to a fake, and
CatalogueService's server-streaming ExportItems forwarded message by message."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc
from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc
from sunlight.gateway.v1 import gateway_pb2, gateway_pb2_grpc

from gateway.backends import Backends
from gateway.grpc_proxy import STREAM_TIMEOUT_S
from gateway.server import build_grpc, mirror_health
from infra.ports import free_port
from services.shared.config import Settings
from services.shared.errors import FieldProblem, InvalidArgument, NotFound, PermissionDenied
from services.shared.grpc_errors import abort_with, error_detail_of
from services.shared.grpc_server import GrpcServer
from services.shared.token_keys import TokenKey

SECRET = TokenKey.generate().to_text()
TIMEOUT_S = 7.0


class FakeCases(cases_pb2_grpc.CaseServiceServicer):
    """Records what reached it; answers from a tiny table."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object, dict[str, str], float | None]] = []

    def _record(self, name: str, request: object, context: grpc.ServicerContext) -> None:
        self.seen.append((name, request, dict(context.invocation_metadata()),
                          context.time_remaining()))

    def GetCase(self, request, context):  # noqa: N802
        self._record("GetCase", request, context)
        if request.case_number == "missing":
            abort_with(context, NotFound(f"case {request.case_number} does not exist",
                                         code="CASE_NOT_FOUND",
                                         metadata={"case_number": request.case_number}))
        context.set_trailing_metadata((("x-served-by", "fake-cases"),))
        return cases_pb2.CaseResponse(case=cases_pb2.Case(
            case_number=request.case_number, item_name="食品经营许可",
            status=cases_pb2.CASE_STATUS_IN_PROGRESS, next_steps=["决定"],
            allowed_actions=["complete_step"]))

    def SubmitApplication(self, request, context):  # noqa: N802
        self._record("SubmitApplication", request, context)
        abort_with(context, InvalidArgument(
            "applicant.id_number: check character does not match",
            violations=[FieldProblem("applicant.id_number", "check character does not match")]))

    def ActOnCase(self, request, context):  # noqa: N802
        self._record("ActOnCase", request, context)
        context.abort(grpc.StatusCode.ABORTED, "plain abort without detail")

    def ListQueue(self, request, context):  # noqa: N802
        self._record("ListQueue", request, context)
        return cases_pb2.ListQueueResponse(total=1, entries=[cases_pb2.QueueEntry(
            case_number="511602202611020000001", step=cases_pb2.CaseStep(
                instance_id="s3", key="review", status=cases_pb2.STEP_STATUS_ACTIVE))])

    def GetTrace(self, request, context):  # noqa: N802
        self._record("GetTrace", request, context)
        return cases_pb2.GetTraceResponse(entries=[cases_pb2.TraceEntry(
            seq=1, action="case.submitted", prev_hash="0" * 64, hash="a" * 64)])

    def VerifyTrace(self, request, context):  # noqa: N802
        self._record("VerifyTrace", request, context)
        return cases_pb2.VerifyTraceResponse(intact=False, entries=4, head="b" * 64,
                                             broken_at=3, reason="changed")



@pytest.fixture(scope="module")
def fake_cases() -> Iterator[tuple[FakeCases, int]]:
    servicer = FakeCases()
    server = GrpcServer("127.0.0.1:0", max_workers=4)
    server.add(cases_pb2_grpc.add_CaseServiceServicer_to_server, servicer,
               ["sunlight.cases.v1.CaseService"])
    port = server.start()
    yield servicer, port
    server.stop(0)


@pytest.fixture(scope="module", params=["aio", "sync"])
def gateway(request, fake_cases) -> Iterator[tuple[grpc.Channel, Backends, GrpcServer]]:
    """The gateway's gRPC port on grpc.aio (the default) and on the synchronous server."""
    _, cases_port = fake_cases
    dead = f"127.0.0.1:{free_port()}"   # nothing listens: catalogue and monitoring are down
    settings = Settings(token_key=SECRET, node_region="511602", node_name="广安区",
                        grpc_timeout_s=TIMEOUT_S, gateway_grpc_aio=request.param == "aio")
    backends = Backends({"catalogue": dead, "cases": f"127.0.0.1:{cases_port}",
                         "monitoring": dead}, TIMEOUT_S)
    server = build_grpc(settings, backends, "127.0.0.1:0")
    port = server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield channel, backends, server
    channel.close()
    server.stop(0)
    backends.close()


@pytest.fixture
def seen(fake_cases) -> list:
    servicer, _ = fake_cases
    servicer.seen.clear()
    return servicer.seen


def test_forwards_request_metadata_and_response_with_trailers(gateway, seen) -> None:
    channel, _, _ = gateway
    stub = cases_pb2_grpc.CaseServiceStub(channel)
    response, call = stub.GetCase.with_call(
        cases_pb2.GetCaseRequest(case_number="511602202611020000001"), timeout=3,
        metadata=[("authorization", "Bearer abc"), ("x-not-forwarded", "1")])
    assert response.case.case_number == "511602202611020000001"
    assert response.case.item_name == "食品经营许可"
    assert response.case.status == cases_pb2.CASE_STATUS_IN_PROGRESS
    assert list(response.case.next_steps) == ["决定"]
    assert ("x-served-by", "fake-cases") in list(call.trailing_metadata())
    [(name, request, metadata, remaining)] = seen
    assert name == "GetCase" and request.case_number == "511602202611020000001"
    assert metadata["authorization"] == "Bearer abc"
    assert "x-not-forwarded" not in metadata
    assert remaining is not None and 0 < remaining <= 3.1  # the caller's deadline travels on


def test_uses_the_configured_timeout_when_the_caller_sets_none(gateway, seen) -> None:
    channel, _, _ = gateway
    cases_pb2_grpc.CaseServiceStub(channel).GetCase(cases_pb2.GetCaseRequest(case_number="1"))
    [(_, _, metadata, remaining)] = seen
    assert "authorization" not in metadata
    assert TIMEOUT_S - 2 < remaining <= TIMEOUT_S + 0.1  # timer rounding


def test_passes_status_and_error_detail_back(gateway, seen) -> None:
    channel, _, _ = gateway
    with pytest.raises(grpc.RpcError) as raised:
        cases_pb2_grpc.CaseServiceStub(channel).GetCase(
            cases_pb2.GetCaseRequest(case_number="missing"), timeout=3)
    error = raised.value
    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert error.details() == "case missing does not exist"
    detail = error_detail_of(error)
    assert detail is not None
    assert detail.code == "CASE_NOT_FOUND"
    assert dict(detail.metadata) == {"case_number": "missing"}
    assert len(detail.identifier) == 32


def test_passes_field_violations_back(gateway, seen) -> None:
    channel, _, _ = gateway
    with pytest.raises(grpc.RpcError) as raised:
        cases_pb2_grpc.CaseServiceStub(channel).SubmitApplication(
            cases_pb2.SubmitApplicationRequest(item_id="it-1", region="511602"), timeout=3)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    detail = error_detail_of(raised.value)
    assert [(v.field, v.description) for v in detail.field_violations] == [
        ("applicant.id_number", "check character does not match")]
    assert seen[0][1].item_id == "it-1"


def test_passes_a_plain_status_back_unchanged(gateway, seen) -> None:
    channel, _, _ = gateway
    with pytest.raises(grpc.RpcError) as raised:
        cases_pb2_grpc.CaseServiceStub(channel).ActOnCase(
            cases_pb2.ActOnCaseRequest(idempotency_key="k", case_number="1",
                                       complete_step=cases_pb2.CompleteStep(instance_id="s2")),
            timeout=3)
    assert raised.value.code() is grpc.StatusCode.ABORTED
    assert raised.value.details() == "plain abort without detail"
    assert error_detail_of(raised.value) is None
    [(_, request, _, _)] = seen
    assert request.WhichOneof("action") == "complete_step"
    assert request.complete_step.instance_id == "s2"


def test_forwards_the_queue_and_the_trace(gateway, seen) -> None:
    channel, _, _ = gateway
    stub = cases_pb2_grpc.CaseServiceStub(channel)
    queue = stub.ListQueue(cases_pb2.ListQueueRequest(role="reviewer", mine_only=True),
                           timeout=3)
    assert queue.total == 1 and queue.entries[0].step.instance_id == "s3"
    trace = stub.GetTrace(cases_pb2.GetTraceRequest(case_number="1"), timeout=3)
    assert trace.entries[0].prev_hash == "0" * 64
    verified = stub.VerifyTrace(cases_pb2.VerifyTraceRequest(case_number="1"), timeout=3)
    assert (verified.intact, verified.broken_at, verified.reason) == (False, 3, "changed")
    assert [name for name, *_ in seen] == ["ListQueue", "GetTrace", "VerifyTrace"]
    assert (seen[0][1].role, seen[0][1].mine_only) == ("reviewer", True)


def test_backend_down_is_unavailable_with_an_error_detail(gateway) -> None:
    channel, _, _ = gateway
    from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc

    with pytest.raises(grpc.RpcError) as raised:
        catalogue_pb2_grpc.CatalogueServiceStub(channel).ListPublishedItems(
            catalogue_pb2.ListPublishedItemsRequest(), timeout=3)
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE
    detail = error_detail_of(raised.value)
    assert detail.code == "BACKEND_UNAVAILABLE"
    assert detail.metadata["service"] == "sunlight.catalogue.v1.CatalogueService"


def test_unknown_method_is_unimplemented(gateway) -> None:
    channel, _, _ = gateway
    call = channel.unary_unary("/sunlight.cases.v1.CaseService/DeleteEverything")
    with pytest.raises(grpc.RpcError) as raised:
        call(b"", timeout=3)
    assert raised.value.code() is grpc.StatusCode.UNIMPLEMENTED


def test_get_node_reports_each_backend(gateway) -> None:
    channel, _, _ = gateway
    node = gateway_pb2_grpc.NodeServiceStub(channel).GetNode(gateway_pb2.GetNodeRequest(),
                                                             timeout=5)
    assert (node.region, node.name) == ("511602", "广安区")
    assert {s.name: s.status for s in node.services} == {
        "sunlight.catalogue.v1.CatalogueService": "UNKNOWN",
        "sunlight.cases.v1.CaseService": "SERVING",
        "sunlight.monitoring.v1.MonitoringService": "UNKNOWN",
    }


def test_reflection_lists_the_forwarded_services(gateway) -> None:
    channel, _, _ = gateway
    names = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    assert {"sunlight.gateway.v1.NodeService", "sunlight.cases.v1.CaseService",
            "sunlight.catalogue.v1.CatalogueService",
            "sunlight.monitoring.v1.MonitoringService"} <= names


def test_health_of_forwarded_services_mirrors_the_backends(gateway) -> None:
    channel, backends, server = gateway
    stop = threading.Event()
    stop.set()  # one round, then return
    mirror_health(server, backends, stop)
    health = health_pb2_grpc.HealthStub(channel)

    def status(service: str) -> int:
        return health.Check(health_pb2.HealthCheckRequest(service=service), timeout=3).status

    assert status("sunlight.cases.v1.CaseService") == health_pb2.HealthCheckResponse.SERVING
    assert status("sunlight.catalogue.v1.CatalogueService") == (
        health_pb2.HealthCheckResponse.NOT_SERVING)
    assert status("sunlight.gateway.v1.NodeService") == health_pb2.HealthCheckResponse.SERVING


# --- a server-streaming method ------------------------------------------------------------
class FakeExport(catalogue_pb2_grpc.CatalogueServiceServicer):
    """ExportItems by region: 511602 three items; 510000 refused at once; 511603 one item
    then a failure; 511604 one item, then waits until the call is cancelled."""

    def __init__(self) -> None:
        self.seen: list[tuple[object, dict[str, str], float | None]] = []
        self.cancelled = threading.Event()

    def ExportItems(self, request, context):  # noqa: N802
        self.seen.append((request, dict(context.invocation_metadata()),
                          context.time_remaining()))
        if request.region == "510000":
            abort_with(context, PermissionDenied("not your region", code="REGION_FORBIDDEN",
                                                 metadata={"region": request.region}))
        if request.region == "511604":
            # registered before the first message: the call may end before this resumes
            context.add_callback(self.cancelled.set)
        for n in range(3):
            yield catalogue_pb2.ItemVersion(item_id=f"it-{n}", version=n + 1,
                                            content=catalogue_pb2.ItemDraft(name=f"事项{n}"))
            if request.region == "511603":
                abort_with(context, NotFound("the item vanished", code="ITEM_GONE"))
            if request.region == "511604":
                self.cancelled.wait(10)
                return
        context.set_trailing_metadata((("x-exported", "3"),))


@pytest.fixture(scope="module", params=["aio", "traced", "plain"])
def streaming(request) -> Iterator[tuple[grpc.Channel, FakeExport, str]]:
    """A gateway whose catalogue is FakeExport: on grpc.aio; on the synchronous server over
    the traced channels the process uses and over plain ones."""
    servicer = FakeExport()
    backend = GrpcServer("127.0.0.1:0", max_workers=4)
    backend.add(catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server, servicer,
                ["sunlight.catalogue.v1.CatalogueService"])
    backend_port = backend.start()
    dead = f"127.0.0.1:{free_port()}"
    factory = {} if request.param != "plain" else {"channel_factory": grpc.insecure_channel}
    backends = Backends({"catalogue": f"127.0.0.1:{backend_port}", "cases": dead,
                         "monitoring": dead}, TIMEOUT_S, **factory)
    settings = Settings(token_key=SECRET, grpc_timeout_s=TIMEOUT_S,
                        gateway_grpc_aio=request.param == "aio")
    server = build_grpc(settings, backends, "127.0.0.1:0")
    channel = grpc.insecure_channel(f"127.0.0.1:{server.start()}")
    yield channel, servicer, request.param
    channel.close()
    server.stop(0)
    backends.close()
    backend.stop(0)


def export_items(channel: grpc.Channel, region: str, **options):
    stub = catalogue_pb2_grpc.CatalogueServiceStub(channel)
    return stub.ExportItems(catalogue_pb2.ExportItemsRequest(region=region), **options)


def test_a_stream_is_forwarded_message_by_message(streaming) -> None:
    channel, servicer, _ = streaming
    servicer.seen.clear()
    call = export_items(channel, "511602", timeout=3,
                        metadata=[("authorization", "Bearer abc"), ("x-not-forwarded", "1")])
    items = list(call)
    assert [(i.item_id, i.version, i.content.name) for i in items] == [
        ("it-0", 1, "事项0"), ("it-1", 2, "事项1"), ("it-2", 3, "事项2")]
    assert call.code() is grpc.StatusCode.OK
    assert ("x-exported", "3") in list(call.trailing_metadata())
    [(request, metadata, remaining)] = servicer.seen
    assert request.region == "511602"
    assert metadata["authorization"] == "Bearer abc"
    assert "x-not-forwarded" not in metadata
    assert remaining is not None and 0 < remaining <= 3.1  # the caller's deadline travels on


def test_a_stream_without_a_deadline_gets_the_long_one(streaming) -> None:
    channel, servicer, _ = streaming
    servicer.seen.clear()
    assert len(list(export_items(channel, "511602"))) == 3
    [(_, metadata, remaining)] = servicer.seen
    assert "authorization" not in metadata
    assert TIMEOUT_S < remaining <= STREAM_TIMEOUT_S + 1.1  # timer rounding


def test_a_stream_refused_at_once_passes_the_error_detail_back(streaming) -> None:
    channel, _, _ = streaming
    with pytest.raises(grpc.RpcError) as raised:
        list(export_items(channel, "510000", timeout=3))
    error = raised.value
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    assert error.details() == "not your region"
    detail = error_detail_of(error)
    assert (detail.code, dict(detail.metadata)) == ("REGION_FORBIDDEN", {"region": "510000"})


def test_a_stream_failing_midway_ends_with_the_backends_error(streaming) -> None:
    channel, _, _ = streaming
    received = []
    with pytest.raises(grpc.RpcError) as raised:
        for item in export_items(channel, "511603", timeout=3):
            received.append(item.item_id)
    assert received == ["it-0"]
    assert raised.value.code() is grpc.StatusCode.NOT_FOUND
    assert error_detail_of(raised.value).code == "ITEM_GONE"


def test_a_cancelled_stream_cancels_the_backend_call(streaming) -> None:
    channel, servicer, _ = streaming
    servicer.cancelled.clear()
    call = export_items(channel, "511604", timeout=30)
    assert next(call).item_id == "it-0"
    call.cancel()
    assert servicer.cancelled.wait(5), "the backend call was not cancelled"
    assert call.code() is grpc.StatusCode.CANCELLED


def test_a_stream_to_a_backend_that_is_down_is_unavailable(gateway) -> None:
    channel, _, _ = gateway  # catalogue is down there
    with pytest.raises(grpc.RpcError) as raised:
        list(export_items(channel, "511602", timeout=3))
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE
    detail = error_detail_of(raised.value)
    assert detail.code == "BACKEND_UNAVAILABLE"
    assert detail.metadata["service"] == "sunlight.catalogue.v1.CatalogueService"
