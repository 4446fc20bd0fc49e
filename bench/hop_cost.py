"""CPU per status call, routed through the province versus asked at the district:
``python -m bench.hop_cost``.

Starts the province (510000) and the district (511602) as ``bench.federation`` does (``python
-m infra.province setup``, free ports, a fresh RabbitMQ vhost per node, SQLite, no demo data), opens
one case at the district and asks ``GET /v1/cases/{n}/status`` for it, one call after the
other (one client, one connection):

* **direct** — at the district's gateway;
* **routed** — at the province's gateway, which routes it over the mutual-TLS peer port.

Wall-clock time on a shared machine says as much about the neighbours as about the code, so
this counts **CPU time** instead: every process of both nodes (and the copies each started)
is read from ``/proc/<pid>/stat`` (user + system) before and after ``--calls`` calls, after
``--warm`` calls to warm the channels and caches; the difference over the calls is the CPU
that one call costs each process. ``--rounds`` rounds alternate direct and routed; each
figure is the median over the rounds. The client's own CPU is not counted.

The last line printed is one JSON object (a copy goes to ``bench/results/``):
``direct_cpu_ms_per_call`` / ``routed_cpu_ms_per_call`` (the processes a status call passes
through: both gateways and both case services — the other processes' background work, a
relay polling its outbox, is not the call's), the same by process (``direct_by_process`` /
``routed_by_process``: ``<region>/<process>``, every process of both nodes above 0.005 ms)
and ``routed_extra_cpu_ms_per_call`` — what the route adds.

``--via grpc`` asks the same over the gateways' gRPC port instead (``CaseService/GetCase``
with ``view`` ``CASE_VIEW_STATUS``, one channel): the gRPC proxy (grpc.aio, with its load shedding,
``gateway.grpc_limits``) on the path, and at the province its router; the result is named
``hop_cost_grpc``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import grpc
import httpx
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from bench.cases import write_result
from bench.federation import (
    DISTRICT,
    PROVINCE,
    bench_province,
    client,
    open_case,
    publish_item,
)
from bench.machine import speed_index
from infra.localnode import LocalProvince
from services.shared.auth import mint_token

TICKS_S = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of one process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS_S


def cpu_by_process(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of every named process and its descendants (its copies)."""
    parents: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents.setdefault(stat[0], []).append(int(entry.name))
            times[int(entry.name)] = stat[1]
    totals = {}
    for name, root in roots.items():
        seen, stack, total = set(), [root], 0.0
        while stack:
            pid = stack.pop()
            if pid in seen:
                continue
            seen.add(pid)
            total += times.get(pid, 0.0)
            stack.extend(parents.get(pid, ()))
        totals[name] = total
    return totals


def measure(api: httpx.Client | GrpcStatus, number: str, roots: dict[str, int], calls: int,
            warm: int) -> dict[str, float]:
    """CPU milliseconds per status call, by process, over ``calls`` calls."""
    path = f"/v1/cases/{number}/status"
    for _ in range(warm):
        api.get(path).raise_for_status()
    before = cpu_by_process(roots)
    for _ in range(calls):
        api.get(path).raise_for_status()
    after = cpu_by_process(roots)
    return {name: (after[name] - before[name]) * 1000 / calls for name in roots}


class GrpcStatus:
    """The status call over a node's gateway gRPC port, shaped as ``httpx.Client.get``."""

    def __init__(self, province: LocalProvince, region: str) -> None:
        node = province.node(region)
        token = mint_token(node.env["SUNLIGHT_TOKEN_KEY"], f"bench-{region}", ["admin"],
                           [region], issuer=region)
        self._metadata = (("authorization", f"Bearer {token}"),)
        self._channel = grpc.insecure_channel(f"127.0.0.1:{node.port('gateway_grpc')}")
        self._get = cases_pb2_grpc.CaseServiceStub(self._channel).GetCase

    def get(self, path: str) -> GrpcStatus:
        number = path.split("/")[3]  # /v1/cases/{number}/status
        self._get(cases_pb2.GetCaseRequest(case_number=number,
                                           view=cases_pb2.CASE_VIEW_STATUS),
                  timeout=30, metadata=self._metadata)
        return self

    def raise_for_status(self) -> None:
        """A failed call has raised already (grpc.RpcError)."""

    def __enter__(self) -> GrpcStatus:
        return self

    def __exit__(self, *_: object) -> None:
        self._channel.close()


def median_by_process(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}


#: the processes a status call passes through (a case service of several partitions: each)
ON_PATH = ("gateway", "cases")


def summary(by_process: dict[str, float]) -> tuple[float, dict[str, float]]:
    shown = {name: round(ms, 3) for name, ms in sorted(by_process.items(), key=lambda kv: -kv[1])
             if ms > 0.005}
    on_path = sum(ms for name, ms in by_process.items()
                  if name.split("/")[1].split("-")[0] in ON_PATH
                  and not name.split("/")[1].endswith("relay"))
    return round(on_path, 3), shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls measured per round")
    parser.add_argument("--warm", type=int, default=200, help="calls before each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--via", choices=("http", "grpc"), default="http",
                        help="the gateways' HTTP API (default) or their gRPC port")
    args = parser.parse_args(argv)
    name = "hop_cost" if args.via == "http" else "hop_cost_grpc"

    province, root = bench_province("hop")
    result: dict[str, object] = {"benchmark": name, "via": args.via,
                                 "machine": platform.node(),
                                 "cpus": os.cpu_count(), "at": datetime.now(UTC).isoformat(),
                                 "calls": args.calls, "warm": args.warm, "rounds": args.rounds}
    try:
        print("starting the province and the district…", file=sys.stderr)
        province.start()
        province.wait_healthy(timeout_s=600)
        roots = {f"{region}/{name}": pid for region in (PROVINCE, DISTRICT)
                 for name, pid in province.node(region).pids().items()}
        item_id = publish_item(province)
        with client(province, DISTRICT) as district_api:
            number = open_case(district_api, item_id)
        paths: dict[str, Callable[[], httpx.Client | GrpcStatus]] = {
            "direct": lambda: client(province, DISTRICT),
            "routed": lambda: client(province, PROVINCE)}
        if args.via == "grpc":
            paths = {"direct": lambda: GrpcStatus(province, DISTRICT),
                     "routed": lambda: GrpcStatus(province, PROVINCE)}
        rounds: dict[str, list[dict[str, float]]] = {"direct": [], "routed": []}
        speeds: list[float] = []
        for n in range(args.rounds):
            speeds.append(speed_index())  # bench.machine: what a CPU second buys now
            for kind, make in paths.items():
                print(f"round {n + 1}: {kind}, {args.calls} calls…", file=sys.stderr)
                with make() as api:
                    rounds[kind].append(measure(api, number, roots, args.calls, args.warm))
        for kind in paths:
            total, shown = summary(median_by_process(rounds[kind]))
            result[f"{kind}_cpu_ms_per_call"] = total
            result[f"{kind}_by_process"] = shown
        result["machine_speed"] = speeds  # before each round
        result["routed_extra_cpu_ms_per_call"] = round(
            result["routed_cpu_ms_per_call"] - result["direct_cpu_ms_per_call"], 3)  # type: ignore[operator]
    finally:
        province.stop()  # the nodes' vhosts with it
        shutil.rmtree(root, ignore_errors=True)
    write_result(name, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
