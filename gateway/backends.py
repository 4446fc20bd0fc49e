"""The node's gRPC backends as the gateway sees them: one channel each, stubs, health."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from concurrent import futures
from dataclasses import dataclass

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc
from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc
from sunlight.monitoring.v1 import monitoring_pb2, monitoring_pb2_grpc

from services.shared.channels import ChannelSeal
from services.shared.config import Settings
from services.shared.grpc_client import channel

log = logging.getLogger(__name__)

#: The services the gateway fronts, by backend key.
SERVICES: dict[str, ServiceDescriptor] = {
    "catalogue": catalogue_pb2.DESCRIPTOR.services_by_name["CatalogueService"],
    "cases": cases_pb2.DESCRIPTOR.services_by_name["CaseService"],
    "monitoring": monitoring_pb2.DESCRIPTOR.services_by_name["MonitoringService"],
}

SERVING = "SERVING"
NOT_SERVING = "NOT_SERVING"
UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class BackendHealth:
    key: str
    service: str
    address: str
    #: "SERVING", "NOT_SERVING" or "UNKNOWN" (no answer), as in grpc.health.v1.
    status: str
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        body = {"service": self.service, "address": self.address, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        return body


class Backends:
    """Channels and stubs to catalogue, cases and monitoring; every call gets a deadline."""

    def __init__(self, addresses: Mapping[str, str], timeout_s: float, *,
                 channel_factory: Callable[[str], grpc.Channel] = channel,
                 seal: ChannelSeal | None = None) -> None:
        """``seal``: seals the channel a call came by for the audit (the node's key); without
        it the backends record the gateway's calls as having come straight to them."""
        self.seal = seal
        missing = set(SERVICES) - set(addresses)
        if missing:
            raise ValueError(f"no address for backends {sorted(missing)}")
        self.addresses = {key: addresses[key] for key in SERVICES}
        self.timeout_s = timeout_s
        self._channels = {key: channel_factory(address)
                          for key, address in self.addresses.items()}
        self.catalogue = catalogue_pb2_grpc.CatalogueServiceStub(self._channels["catalogue"])
        self.cases = cases_pb2_grpc.CaseServiceStub(self._channels["cases"])
        self.monitoring = monitoring_pb2_grpc.MonitoringServiceStub(self._channels["monitoring"])
        self._pool = futures.ThreadPoolExecutor(max_workers=len(SERVICES),
                                                thread_name_prefix="health-check")

    @classmethod
    def from_settings(cls, settings: Settings) -> Backends:
        return cls({"catalogue": settings.peer_address("catalogue"),
                    "cases": settings.peer_address("cases"),
                    "monitoring": settings.peer_address("monitoring")},
                   settings.grpc_timeout_s,
                   channel_factory=functools.partial(
                       channel, connections=settings.grpc_connections),
                   seal=ChannelSeal(settings.token_key))

    def routes(self) -> dict[str, grpc.Channel]:
        """Full service name → the channel of the process that serves it."""
        return {SERVICES[key].full_name: ch for key, ch in self._channels.items()}

    def health(self) -> list[BackendHealth]:
        """Ask every backend's grpc.health.v1 about its service, all at once."""
        timeout = min(self.timeout_s, 2.0)
        checks = [self._pool.submit(self._check, key, timeout) for key in SERVICES]
        return [check.result() for check in checks]

    def _check(self, key: str, timeout: float) -> BackendHealth:
        service = SERVICES[key].full_name
        stub = health_pb2_grpc.HealthStub(self._channels[key])
        try:
            answer = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as error:
            code = error.code() if hasattr(error, "code") else None
            name = code.name if code is not None else "UNKNOWN"
            return BackendHealth(key, service, self.addresses[key], UNKNOWN,
                                 f"health check failed: {name}")
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
        return BackendHealth(key, service, self.addresses[key],
                             status if status in (SERVING, NOT_SERVING) else UNKNOWN)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        for ch in self._channels.values():
            ch.close()
