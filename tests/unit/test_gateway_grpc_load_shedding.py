"""Load shedding on the gateway's gRPC port, on grpc.aio (``make run``'s) and on the
synchronous server: beyond ``gateway_grpc_max_in_flight`` calls a call is answered
RESOURCE_EXHAUSTED with the ErrorDetail ``NODE_BUSY`` at once, nothing reaching the service,
while the admitted calls finish; health and NodeService are still answered; a slot is freed
however a call ends (answered, failed, the caller gone, a stream ended)."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc
from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc
from sunlight.gateway.v1 import gateway_pb2, gateway_pb2_grpc

from gateway import server as server_module
from gateway.backends import Backends
from gateway.grpc_limits import AsyncSlots, SheddingHandler, ThreadSlots
from gateway.grpc_proxy import ForwardingHandler, unary_methods
from gateway.server import build_grpc
from services.shared.config import Settings
from services.shared.errors import NotFound
from services.shared.grpc_errors import abort_with, error_detail_of
from services.shared.grpc_server import GrpcServer
from services.shared.token_keys import TokenKey
from tests.support.wait import wait_for

NUMBER = "511602202611020000001"
TIMEOUT_S = 10.0


class SlowBackend(cases_pb2_grpc.CaseServiceServicer, catalogue_pb2_grpc.CatalogueServiceServicer):
    """GetCase answers once let go (``missing`` at once, NOT_FOUND); ExportItems sends one
    item, then the rest once let go."""

    def __init__(self) -> None:
        self.entered = 0
        self.go = threading.Event()
        self._lock = threading.Lock()

    def GetCase(self, request, context):  # noqa: N802
        if request.case_number == "missing":
            abort_with(context, NotFound("no such case", code="CASE_NOT_FOUND"))
        with self._lock:
            self.entered += 1
        self.go.wait(TIMEOUT_S)
        return cases_pb2.CaseResponse(case=cases_pb2.Case(case_number=request.case_number))

    def ExportItems(self, request, context):  # noqa: N802
        yield catalogue_pb2.ItemVersion(item_id="first")
        self.go.wait(TIMEOUT_S)
        yield catalogue_pb2.ItemVersion(item_id="last")


@pytest.fixture
def backend() -> Iterator[tuple[SlowBackend, str]]:
    fake = SlowBackend()
    server = GrpcServer("127.0.0.1:0", max_workers=16)
    server.add(cases_pb2_grpc.add_CaseServiceServicer_to_server, fake,
               ["sunlight.cases.v1.CaseService"])
    server.add(catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server, fake,
               ["sunlight.catalogue.v1.CatalogueService"])
    port = server.start()
    yield fake, f"127.0.0.1:{port}"
    fake.go.set()
    server.stop(0)


def gateway_of(address: str, aio: bool, max_in_flight: int, wait_s: float
               ) -> tuple[grpc.Channel, object, Backends]:
    settings = Settings(token_key=TokenKey.generate().to_text(), node_region="511602",
                        node_name="广安区", grpc_timeout_s=TIMEOUT_S, gateway_grpc_aio=aio,
                        gateway_grpc_max_in_flight=max_in_flight,
                        gateway_admission_wait_s=wait_s)
    backends = Backends({"catalogue": address, "cases": address, "monitoring": address},
                        TIMEOUT_S)
    server = build_grpc(settings, backends, "127.0.0.1:0")
    port = server.start()
    return grpc.insecure_channel(f"127.0.0.1:{port}"), server, backends


@pytest.fixture(params=["aio", "sync"])
def tight(request, backend) -> Iterator[tuple[grpc.Channel, SlowBackend, str]]:
    """A gateway taking two calls at once (grpc.aio waiting 50 ms for a slot)."""
    channel, server, backends = gateway_of(backend[1], request.param == "aio", 2, 0.05)
    yield channel, backend[0], request.param
    backend[0].go.set()
    channel.close()
    server.stop(0)  # type: ignore[attr-defined]
    backends.close()


def get_case(channel: grpc.Channel, number: str = NUMBER, timeout: float = TIMEOUT_S
             ) -> cases_pb2.CaseResponse:
    return cases_pb2_grpc.CaseServiceStub(channel).GetCase(
        cases_pb2.GetCaseRequest(case_number=number), timeout=timeout)


def refusal(call) -> tuple[grpc.StatusCode, object]:  # noqa: ANN001
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code(), error_detail_of(caught.value)


def test_beyond_the_limit_a_call_is_answered_busy_at_once(tight) -> None:
    channel, fake, _ = tight
    with ThreadPoolExecutor(2) as pool:
        admitted = [pool.submit(get_case, channel) for _ in range(2)]
        wait_for(lambda: fake.entered == 2, timeout_s=10, what="two calls at the backend")

        started = time.monotonic()
        code, detail = refusal(lambda: get_case(channel))
        took = time.monotonic() - started

        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert detail is not None and detail.code == "NODE_BUSY"
        assert "节点繁忙" in detail.message and "busy" in detail.message
        assert dict(detail.metadata) == {"max_in_flight": "2", "retry_after_s": "1"}
        assert took < 1.0, f"the busy answer took {took:.2f} s"
        assert fake.entered == 2, "a refused call reached the backend"
        # a monitor still sees the node: health and NodeService are not counted
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        node = gateway_pb2_grpc.NodeServiceStub(channel).GetNode(
            gateway_pb2.GetNodeRequest(), timeout=5)
        assert node.region == "511602"
        assert not any(f.done() for f in admitted)

        fake.go.set()
        assert [f.result(timeout=20).case.case_number for f in admitted] == [NUMBER] * 2
    # both slots free again
    assert get_case(channel).case.case_number == NUMBER
    with ThreadPoolExecutor(2) as pool:
        assert len([f.result(timeout=20) for f in [pool.submit(get_case, channel)
                                                    for _ in range(2)]]) == 2


def test_a_slot_is_freed_when_the_call_fails_or_the_caller_goes(tight) -> None:
    channel, fake, _ = tight
    for _ in range(4):  # the service refuses: the slot is free again each time
        assert refusal(lambda: get_case(channel, "missing"))[0] == grpc.StatusCode.NOT_FOUND
    for _ in range(3):  # the caller's deadline passes while the backend works
        assert refusal(lambda: get_case(channel, timeout=0.3))[0] == (
            grpc.StatusCode.DEADLINE_EXCEEDED)
    fake.go.set()
    # the abandoned calls end at the gateway with their deadline: both slots come back
    with ThreadPoolExecutor(2) as pool:
        def two_at_once() -> bool:
            try:
                return all(f.result(timeout=20).case.case_number == NUMBER
                           for f in [pool.submit(get_case, channel) for _ in range(2)])
            except grpc.RpcError:
                return False

        wait_for(two_at_once, timeout_s=20, what="both slots free again")


def test_a_stream_holds_its_slot_until_it_ends(backend) -> None:
    fake, address = backend
    for aio in (True, False):
        fake.go.clear()
        channel, server, backends = gateway_of(address, aio, 1, 0.0)
        try:
            stream = catalogue_pb2_grpc.CatalogueServiceStub(channel).ExportItems(
                catalogue_pb2.ExportItemsRequest(region="511602"), timeout=TIMEOUT_S)
            assert next(stream).item_id == "first"
            code, detail = refusal(functools.partial(get_case, channel))
            assert (code, detail.code) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "NODE_BUSY")
            fake.go.set()
            assert [m.item_id for m in stream] == ["last"]
            assert get_case(channel).case.case_number == NUMBER
        finally:
            channel.close()
            server.stop(0)  # type: ignore[attr-defined]
            backends.close()


def test_on_grpc_aio_a_call_waits_a_moment_for_a_slot(backend, monkeypatch) -> None:
    """grpc.aio, as the HTTP API: the call beyond the limit gets the slot a finishing call
    hands over within the admission wait (the synchronous server refuses at once)."""
    fake, address = backend
    made: list[AsyncSlots] = []

    class Seen(AsyncSlots):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(server_module, "AsyncSlots", Seen)
    channel, server, backends = gateway_of(address, True, 1, 5.0)
    try:
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(get_case, channel)
            wait_for(lambda: fake.entered == 1, timeout_s=10, what="the first call")
            second = pool.submit(get_case, channel)
            wait_for(lambda: made[0].waiting == 1, timeout_s=10, what="the second call waiting")
            assert fake.entered == 1 and not second.done()
            fake.go.set()
            assert first.result(timeout=20).case.case_number == NUMBER
            assert second.result(timeout=20).case.case_number == NUMBER
    finally:
        channel.close()
        server.stop(0)  # type: ignore[attr-defined]
        backends.close()


class _Details(grpc.HandlerCallDetails):
    def __init__(self, method: str) -> None:
        self.method, self.invocation_metadata = method, ()


def test_each_method_is_wrapped_once_and_unknown_methods_pass() -> None:
    channel = grpc.insecure_channel("127.0.0.1:1")
    forwarding = ForwardingHandler(
        unary_methods([cases_pb2.DESCRIPTOR.services_by_name["CaseService"]]),
        {"sunlight.cases.v1.CaseService": channel}, 1.0)
    for slots in (ThreadSlots(3), AsyncSlots(3)):
        shedding = SheddingHandler(forwarding, slots)
        method = "/sunlight.cases.v1.CaseService/GetCase"
        first = shedding.service(_Details(method))
        assert first is not None and shedding.service(_Details(method)) is first
        assert shedding.service(_Details("/sunlight.cases.v1.CaseService/Nothing")) is None
    channel.close()
    with pytest.raises(ValueError, match="at least 1"):
        ThreadSlots(0)
