"""Which node this is and how its services are doing (sunlight.gateway.v1.NodeService)."""

from __future__ import annotations

import grpc
from sunlight.gateway.v1 import gateway_pb2, gateway_pb2_grpc

from gateway.backends import Backends


def node_info(backends: Backends, region: str, name: str) -> gateway_pb2.GetNodeResponse:
    return gateway_pb2.GetNodeResponse(
        region=region, name=name,
        services=[gateway_pb2.ServiceEndpoint(name=h.service, status=h.status)
                  for h in backends.health()])


class NodeServicer(gateway_pb2_grpc.NodeServiceServicer):
    def __init__(self, backends: Backends, region: str, name: str) -> None:
        self._backends = backends
        self._region, self._name = region, name

    def GetNode(self, request: gateway_pb2.GetNodeRequest, context: grpc.ServicerContext
                ) -> gateway_pb2.GetNodeResponse:
        return node_info(self._backends, self._region, self._name)
