"""Adapter: what a consultation must know of the item asked about (its name, region and
department), asked of the catalogue over gRPC with supervision's own token: the version in
force, as the public guide shows it."""

from __future__ import annotations

import grpc
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as cpb_grpc

from services.monitoring.domain.feedback import ItemFacts
from services.shared.auth import ServiceToken
from services.shared.errors import Unavailable
from services.shared.grpc_client import channel, metadata


class CatalogueClient:
    def __init__(self, address: str, token: ServiceToken, timeout_s: float) -> None:
        self._stub = cpb_grpc.CatalogueServiceStub(channel(address))
        self._token = token
        self._timeout = timeout_s

    def item(self, item_id: str) -> ItemFacts | None:
        """The item in force, or None when the catalogue publishes no such item."""
        try:
            reply = self._stub.GetItemVersion(
                cpb.GetItemVersionRequest(item_id=item_id, version=0),
                timeout=self._timeout, metadata=metadata(self._token.header()))
        except grpc.RpcError as exc:
            code = exc.code()  # type: ignore[attr-defined]
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT,
                        grpc.StatusCode.FAILED_PRECONDITION):
                return None
            raise Unavailable(f"事项清单服务暂时无法应答（{code.name}），请稍后再试",
                              code="CATALOGUE_UNAVAILABLE") from None
        c = reply.item.content
        return ItemFacts(reply.item.item_id, c.name, c.region, c.department,
                         c.department_code)
