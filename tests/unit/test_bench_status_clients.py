"""The status benchmark's clients (``bench.cases.status_latency``): threads of one process or
processes of their own, each read made once and timed, against a stand-in case service."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent import futures

import grpc
import pytest
from sunlight.cases.v1 import cases_pb2 as kpb

from bench.cases import status_latency
from infra.ports import free_ports

GET_CASE = "/sunlight.cases.v1.CaseService/GetCase"


class StandIn(grpc.GenericRpcHandler):
    """Answers GetCase with the number asked; counts what it was asked and how."""

    def __init__(self) -> None:
        self.asked: Counter[str] = Counter()
        self.views: set[int] = set()
        self.tokens: set[str] = set()
        self._lock = threading.Lock()
        self._handler = grpc.unary_unary_rpc_method_handler(
            self._get, request_deserializer=kpb.GetCaseRequest.FromString,
            response_serializer=kpb.CaseResponse.SerializeToString)

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        return self._handler if details.method == GET_CASE else None

    def _get(self, request: kpb.GetCaseRequest, context: grpc.ServicerContext
             ) -> kpb.CaseResponse:
        with self._lock:
            self.asked[request.case_number] += 1
            self.views.add(request.view)
            self.tokens.add(dict(context.invocation_metadata())["authorization"])
        return kpb.CaseResponse(case=kpb.Case(case_number=request.case_number))


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_every_read_is_made_once_and_timed(processes: bool) -> None:
    stand_in = StandIn()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((stand_in,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        numbers = [f"51160220261202{n:06d}" for n in range(50)]
        result = status_latency(f"127.0.0.1:{port}", "t0k3n", numbers, 203, 4,
                                processes=processes)
    finally:
        server.stop(0)
    assert result["calls"] == 203 and result["concurrency"] == 4
    assert result["clients"] == ("processes" if processes else "threads")
    assert 0 < result["p50_ms"] <= result["p99_ms"] and result["per_s"] > 0
    # the timed reads (the same every run), plus one untimed read a process makes first, of
    # the first number of its share, to warm its channel
    chosen = random.Random(7).choices(numbers, k=203)
    expected = Counter(chosen) + (Counter(chosen[n::4][0] for n in range(4)) if processes
                                  else Counter())
    assert stand_in.asked == expected
    assert stand_in.views == {kpb.CASE_VIEW_STATUS} and stand_in.tokens == {"Bearer t0k3n"}


def test_a_client_process_that_cannot_read_stops_the_benchmark_saying_why() -> None:
    """Nobody listening: each lane's first read fails, and the benchmark says so at once
    instead of waiting for lanes that will never report."""
    port = free_ports(1)[0]
    with pytest.raises(RuntimeError, match=f"process failed: GetCase at 127.0.0.1:{port}: "
                                           "UNAVAILABLE"):
        status_latency(f"127.0.0.1:{port}", "t0k3n", ["51160220261202000001"], 8, 2,
                       processes=True)
