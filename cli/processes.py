"""The processes of one node and how each one answers a health check."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Collection
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.shared.config import Settings
from services.shared.metrics import metrics_port


@dataclass(frozen=True)
class Process:
    name: str
    #: "grpc" (grpc.health.v1), "http" (``GET /healthz``) or "metrics": a further process of
    #: a service on its one port (``SUNLIGHT_CASES_PROCESSES``), which a health check of that
    #: port may not reach — its own metrics listener answering ``GET /metrics``: alive, no
    #: more (the listener starts before the process serves)
    kind: str
    address: str  # host:port

    def check(self, timeout_s: float = 2.0) -> tuple[bool, str]:
        if self.kind == "grpc":
            return _grpc_health(self.address, timeout_s)
        if self.kind == "metrics":
            return _metrics_answer(self.address, timeout_s)
        return _http_health(self.address, timeout_s)


def node_processes(s: Settings) -> list[Process]:
    return [
        Process("catalogue", "grpc", s.peer_address("catalogue")),
        Process("cases", "grpc", s.peer_address("cases")),
        Process("monitoring", "grpc", s.peer_address("monitoring")),
        Process("monitoring-worker", "http", s.address(s.monitoring_worker_health_port)),
        Process("catalogue-relay", "http", s.address(s.catalogue_relay_health_port)),
        Process("cases-relay", "http", s.address(s.cases_relay_health_port)),
        Process("monitoring-relay", "http", s.address(s.monitoring_relay_health_port)),
        Process("gateway", "grpc", s.peer_address("gateway")),
        Process("gateway-http", "http", s.peer_address("gateway-http")),
        Process("hall", "http", s.peer_address("hall")),
        # supervision's further worker partitions (SUNLIGHT_SUPERVISION_WORKERS)
        *(Process(f"monitoring-worker-{n}", "http",
                  s.address(s.monitoring_worker_health_port_of(n)))
          for n in range(1, s.supervision_workers)),
        # the case service's further processes on its port (SUNLIGHT_CASES_PROCESSES): each
        # by its own metrics listener (none without one)
        *(Process(f"cases-{n}", "metrics", s.address(metrics_port(s.cases_metrics_port, n)))
          for n in range(1, s.cases_processes) if s.cases_metrics_port),
        # and the gateway's (SUNLIGHT_GATEWAY_PROCESSES)
        *(Process(f"gateway-{n}", "metrics",
                  s.address(metrics_port(s.gateway_metrics_port, n)))
          for n in range(1, s.gateway_processes) if s.gateway_metrics_port),
    ]


def metrics_urls(s: Settings) -> dict[str, str]:
    """Where each process of the node serves its Prometheus metrics (``GET /metrics``), by
    the process names of ``node_processes`` (the gateway's under ``gateway-http``: its API
    port, or with further processes its own metrics listener); a gRPC service whose metrics
    port is 0 has none."""
    def url(port: int) -> str:
        return f"http://{s.address(port)}/metrics"

    found = {
        "catalogue": s.catalogue_metrics_port, "cases": s.cases_metrics_port,
        "monitoring": s.monitoring_metrics_port,
        "monitoring-worker": s.monitoring_worker_health_port,
        "catalogue-relay": s.catalogue_relay_health_port,
        "cases-relay": s.cases_relay_health_port,
        "monitoring-relay": s.monitoring_relay_health_port,
        # the API port's /metrics is whichever of the gateway's processes it reaches
        "gateway-http": (s.gateway_metrics_port if s.gateway_processes > 1
                         and s.gateway_metrics_port else s.gateway_http_port),
        "hall": s.hall_port,
        **{f"monitoring-worker-{n}": s.monitoring_worker_health_port_of(n)
           for n in range(1, s.supervision_workers)},
        **{f"cases-{n}": metrics_port(s.cases_metrics_port, n)
           for n in range(1, s.cases_processes)},
        **{f"gateway-{n}": metrics_port(s.gateway_metrics_port, n)
           for n in range(1, s.gateway_processes)},
    }
    return {name: url(port) for name, port in found.items() if port}


def wait_serving(s: Settings, names: Collection[str], wait_s: float) -> list[str]:
    """Wait up to ``wait_s`` for the node's processes ``names`` to serve; those that still do
    not (empty: every one serves)."""
    deadline = time.monotonic() + wait_s
    while True:
        down = [p.name for p in node_processes(s) if p.name in names and not p.check(1.0)[0]]
        if not down or time.monotonic() > deadline:
            return down
        time.sleep(0.5)


def supervisor_states(s: Settings) -> dict[str, str]:
    """What the node's supervisor says of each process ("RUNNING pid 123, uptime 0:04:01",
    "BACKOFF Exited too quickly"…), by process name; empty when no supervisor answers (a
    node not started by ``make run``)."""
    import xmlrpc.client  # noqa: PLC0415

    from infra.supervise import Layout, rpc  # noqa: PLC0415 - how make run runs the node

    layout = Layout.of(s)
    if not layout.socket.exists():
        return {}
    try:
        infos = rpc(layout, timeout_s=2).supervisor.getAllProcessInfo()
    except (OSError, xmlrpc.client.Error):
        return {}
    return {i["name"]: f"{i['statename']} {i['description'] or _pid(i['pid'])}".strip()
            for i in infos}


def _pid(pid: int) -> str:
    return f"pid {pid}" if pid else ""


def _grpc_health(address: str, timeout_s: float) -> tuple[bool, str]:
    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=timeout_s)
        except grpc.RpcError as exc:
            return False, f"no answer ({exc.code().name})"  # type: ignore[attr-defined]
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return reply.status == health_pb2.HealthCheckResponse.SERVING, status


def _metrics_answer(address: str, timeout_s: float) -> tuple[bool, str]:
    """A metrics listener answering ``GET /metrics`` with 200: the process is alive (it
    serves no health of its own; its service's port answers for all its processes)."""
    status = _get(address, "/metrics", timeout_s)
    if isinstance(status, str):
        return False, status
    return status[0] == 200, "alive (metrics)" if status[0] == 200 else str(status[0])


def _get(address: str, path: str, timeout_s: float) -> tuple[int, bytes] | str:
    """``GET path`` over plain HTTP: (status, body), or why there was no answer."""
    host, _, port = address.rpartition(":")
    connection = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout_s)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        return reply.status, reply.read()
    except (OSError, http.client.HTTPException) as exc:
        return f"no answer ({type(exc).__name__})"
    finally:
        connection.close()


def _http_health(address: str, timeout_s: float) -> tuple[bool, str]:
    """``GET /healthz`` over plain HTTP with the standard library: a check is polled many
    times a second while nodes start, and an httpx client loads the system's CA bundle each
    time it is made (~50 ms of CPU) for a connection that has no TLS."""
    answered = _get(address, "/healthz", timeout_s)
    if isinstance(answered, str):
        return False, answered
    code, body = answered
    try:
        answer = json.loads(body)
        status = str(answer.get("status", code)) if isinstance(answer, dict) else ""
    except ValueError:
        status = ""
    return code == 200, status or str(code)
