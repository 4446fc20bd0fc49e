"""One routed status call's work, in one process: ``python -m bench.hop_profile``.

What the province's gateway and the district's peer port do for a routed ``GetCase``, without
the rest of the nodes: a CA and two node certificates made on the spot (a temporary
directory), the district's real peer port (``gateway.peers.PeerServer``, mutual TLS, the node
registry, ``gateway.routing.PeerForwarder``) in front of a stand-in case service that checks
the caller's token as the real one does (``services.shared.auth.Authenticator``) and answers
a fixed case, and the province's real ``Router`` calling it for a person whose token the
province signed. Everything runs in this process, so its CPU time (``time.process_time``)
over ``--calls`` calls, after ``--warm``, is the hop's whole CPU per call: both gateways'
code, both ends of the TLS connection, the stand-in's token check — not the HTTP layer nor
the case service's database.

``--profile N`` prints cProfile's N costliest functions (by their own time) of the measured
calls; under ``valgrind --tool=callgrind`` the same calls can be counted in instructions
(``--calls 500``). The last line printed is one JSON object: ``cpu_ms_per_call``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import shutil
import sys
import tempfile
import time
from concurrent import futures
from pathlib import Path

import grpc
from sunlight.cases.v1 import cases_pb2

import gateway.peers as peers_module
from bench.machine import speed_index
from gateway.peers import Peers, PeerServer, open_registry
from gateway.routing import GET_CASE, SERVICE_OF, PeerForwarder, Router
from infra.ports import free_ports
from services.shared.auth import Authenticator, mint_token
from services.shared.node_registry import empty, write_signed
from services.shared.pki import (
    PkiPaths,
    cert_pem,
    create_ca,
    issue_node,
    key_pem,
    write_private,
)
from services.shared.token_keys import TokenKey

PROVINCE, DISTRICT = "510000", "511602"
CASE_NUMBER = "51160220261130000001"
TIMEOUT_S = 5.0


class ProfilingExecutor(futures.ThreadPoolExecutor):
    """A gRPC server's thread pool whose tasks (one a call) run under cProfile while
    ``PROFILES.on``: cProfile sees one thread only, and the peer port's work runs on these."""

    on = False
    profiles: list[cProfile.Profile] = []  # noqa: RUF012 - one list for every pool

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        return super().submit(self._run, fn, args, kwargs)

    @classmethod
    def _run(cls, fn, args, kwargs):  # type: ignore[no-untyped-def]
        if not cls.on:
            return fn(*args, **kwargs)
        profile = cProfile.Profile()
        cls.profiles.append(profile)
        profile.enable()
        try:
            return fn(*args, **kwargs)
        finally:
            profile.disable()


class StandInCases(grpc.GenericRpcHandler):
    """``GetCase`` of the district's case service: the caller's token checked (as the case
    service checks it), one fixed case answered."""

    def __init__(self, token_key: str) -> None:
        self._people = Authenticator(token_key, DISTRICT)
        self._answer = cases_pb2.CaseResponse(case=cases_pb2.Case(
            case_number=CASE_NUMBER, region=DISTRICT, item_name="基准事项")).SerializeToString()
        self._handler = grpc.unary_unary_rpc_method_handler(self._get_case)

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        return self._handler if details.method == GET_CASE else None

    def _get_case(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        person = self._people.principal(dict(context.invocation_metadata()).get("authorization"))
        person.require("case.read", DISTRICT)
        return self._answer


ThreadPoolExecutor = ProfilingExecutor  # what gateway.peers finds as futures.ThreadPoolExecutor


def build(root: Path) -> tuple[Router, list]:
    """The province's router and what to stop afterwards (the district's servers)."""
    ca_key, ca_cert = create_ca(PROVINCE, "四川省")
    registry = empty(PROVINCE)
    keys, paths = {}, {}
    ports = dict(zip((PROVINCE, DISTRICT), free_ports(2), strict=True))
    for region, name in ((PROVINCE, "四川省"), (DISTRICT, "广安区")):
        paths[region] = PkiPaths(root / region / "pki")
        key, cert = issue_node(ca_key, ca_cert, region, name, ["127.0.0.1"])
        write_private(paths[region].node_key, key_pem(key))
        write_private(paths[region].node_cert, cert_pem(cert))
        write_private(paths[region].ca_cert, cert_pem(ca_cert))
        keys[region] = TokenKey.generate()
        registry = (registry.with_certificate(region, name, cert,
                                              gateway=f"127.0.0.1:{ports[region]}")
                    .with_node(region, token_key=keys[region].jwk))
    registry = registry.allowing(PROVINCE, DISTRICT, GET_CASE)
    for region in paths:
        write_signed(paths[region].registry, registry, ca_key, ca_cert)

    backend = grpc.server(ProfilingExecutor(max_workers=4))
    backend.add_generic_rpc_handlers((StandInCases(keys[DISTRICT].to_text()),))
    backend_port = backend.add_insecure_port("127.0.0.1:0")
    backend.start()
    backend_channel = grpc.insecure_channel(f"127.0.0.1:{backend_port}")
    futures_of_peers = peers_module.futures
    peers_module.futures = sys.modules[__name__]  # the peer port's pool: ProfilingExecutor
    try:
        peer = PeerServer(f"127.0.0.1:{ports[DISTRICT]}", DISTRICT, "广安区", paths[DISTRICT],
                          open_registry(paths[DISTRICT]), keys[DISTRICT].to_text())
    finally:
        peers_module.futures = futures_of_peers
    peer.add_generic(PeerForwarder(DISTRICT, keys[DISTRICT].to_text(),
                                   {SERVICE_OF[GET_CASE]: backend_channel}, TIMEOUT_S,
                                   methods=[GET_CASE]))
    peer.start()
    province_registry = open_registry(paths[PROVINCE]).current
    router = Router(PROVINCE, keys[PROVINCE].to_text(), registry=province_registry,
                    peers=Peers(paths[PROVINCE], province_registry, TIMEOUT_S, region=PROVINCE,
                                token_key=keys[PROVINCE].to_text()), timeout_s=TIMEOUT_S)
    router.bench_token = mint_token(keys[PROVINCE], "bench-510000", ["admin"], [PROVINCE],  # type: ignore[attr-defined]
                                    issuer=PROVINCE)
    return router, [lambda: peer.stop(0), lambda: backend.stop(0), backend_channel.close]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print cProfile's N costliest functions of the measured calls")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="sunlight-hop-profile-"))
    router, stops = build(root)
    request = cases_pb2.GetCaseRequest(case_number=CASE_NUMBER, view=cases_pb2.CASE_VIEW_STATUS)
    authorization = "Bearer " + router.bench_token  # type: ignore[attr-defined]

    async def calls(n: int) -> None:
        """``n`` routed calls, one after the other, awaited on the event loop as the gateway
        awaits them."""
        for _ in range(n):
            answer = await router.call_async(DISTRICT, GET_CASE, request,
                                             cases_pb2.CaseResponse, authorization)
            assert answer.case.case_number == CASE_NUMBER

    try:
        asyncio.run(calls(args.warm))
        speed = speed_index()  # bench.machine: what a CPU second buys now
        profile = cProfile.Profile() if args.profile else None
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        if profile is not None:
            ProfilingExecutor.on = True
            profile.enable()
        asyncio.run(calls(args.calls))
        if profile is not None:
            profile.disable()
            ProfilingExecutor.on = False
        cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    finally:
        router.close()
        for stop in stops:
            stop()
        shutil.rmtree(root, ignore_errors=True)
    if profile is not None:
        out = io.StringIO()
        stats = pstats.Stats(profile, *ProfilingExecutor.profiles, stream=out)
        stats.sort_stats("tottime").print_stats(args.profile)
        print(out.getvalue(), file=sys.stderr)
    print(json.dumps({"benchmark": "hop_profile", "calls": args.calls,
                      "cpu_ms_per_call": round(cpu * 1000 / args.calls, 3),
                      "wall_ms_per_call": round(wall * 1000 / args.calls, 3),
                      "profiled": bool(profile), "machine_speed": speed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
