"""Load shedding on the gateway's gRPC port in front of the real case service (PostgreSQL):
a burst of calls far beyond the limit is answered — each one either served or refused at once
with RESOURCE_EXHAUSTED ``NODE_BUSY``, none left to run into its deadline — and the node
serves again as soon as the burst is over; on grpc.aio (``make run``'s) and on the
synchronous server."""

from __future__ import annotations

import threading
import time
from collections import Counter

import grpc
import pytest
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from gateway.backends import Backends
from gateway.server import build_grpc
from services.cases.server import build as build_cases
from services.shared.auth import mint_token
from services.shared.grpc_errors import error_detail_of
from tests.support import departments

pytestmark = pytest.mark.integration

CALLERS = 24
CALLS_EACH = 10
DEADLINE_S = 20.0


@pytest.fixture(scope="module")
def cases(pg_settings):
    server = build_cases(pg_settings, "127.0.0.1:0")
    port = server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


@pytest.mark.parametrize("aio", [True, False], ids=["aio", "sync"])
def test_a_burst_is_served_or_refused_at_once_never_left_to_time_out(pg_settings, cases,
                                                                      aio) -> None:
    settings = pg_settings.model_copy(update={
        "gateway_grpc_aio": aio, "gateway_grpc_max_in_flight": 2,
        "gateway_admission_wait_s": 0.0})
    backends = Backends({"catalogue": cases, "cases": cases, "monitoring": cases}, 10.0)
    server = build_grpc(settings, backends, "127.0.0.1:0")
    port = server.start()
    token = mint_token(settings.token_key, "clerk-1", ["clerk"], ["511602"],
                       department=departments.DEVELOPMENT, issuer=settings.node_region)
    metadata = (("authorization", f"Bearer {token}"),)
    outcomes: Counter[str] = Counter()
    slowest_refusal = [0.0]
    lock, start = threading.Lock(), threading.Barrier(CALLERS)

    def caller() -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            queue = cases_pb2_grpc.CaseServiceStub(channel).ListQueue
            start.wait(timeout=30)
            for _ in range(CALLS_EACH):
                began = time.monotonic()
                try:
                    queue(cases_pb2.ListQueueRequest(), timeout=DEADLINE_S, metadata=metadata)
                    seen = "OK"
                except grpc.RpcError as error:
                    detail = error_detail_of(error)
                    seen = f"{error.code().name} {detail.code if detail else ''}"
                    if seen == "RESOURCE_EXHAUSTED NODE_BUSY":
                        with lock:
                            slowest_refusal[0] = max(slowest_refusal[0],
                                                     time.monotonic() - began)
                with lock:
                    outcomes[seen] += 1

    try:
        threads = [threading.Thread(target=caller) for _ in range(CALLERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sum(outcomes.values()) == CALLERS * CALLS_EACH, outcomes
        assert set(outcomes) == {"OK", "RESOURCE_EXHAUSTED NODE_BUSY"}, outcomes
        assert slowest_refusal[0] < 2.0, f"a refusal took {slowest_refusal[0]:.2f} s"
        # the burst over, the node serves every call again
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            queue = cases_pb2_grpc.CaseServiceStub(channel).ListQueue
            for _ in range(5):
                queue(cases_pb2.ListQueueRequest(), timeout=DEADLINE_S, metadata=metadata)
    finally:
        server.stop(0)
        backends.close()
