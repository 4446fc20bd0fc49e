"""Adapter: the published item versions cases run on, fetched from the catalogue over gRPC."""

from __future__ import annotations

import grpc
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as cpb_grpc

from services.cases.domain.cases import FlowStep, ItemSnapshot
from services.shared.auth import ServiceToken
from services.shared.errors import FailedPrecondition, Unavailable
from services.shared.grpc_client import channel, metadata
from services.shared.grpc_errors import error_detail_of

NOT_IN_CATALOGUE = "清单之外无职权"


class CatalogueClient:
    def __init__(self, address: str, token: ServiceToken, timeout_s: float) -> None:
        self._stub = cpb_grpc.CatalogueServiceStub(channel(address))
        self._token = token
        self._timeout = timeout_s

    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        """The published version a new case must run on; refused when not in force."""
        try:
            reply = self._stub.GetItemVersion(
                cpb.GetItemVersionRequest(item_id=item_id, version=version),
                timeout=self._timeout, metadata=metadata(self._token.header()))
        except grpc.RpcError as exc:
            code = exc.code()  # type: ignore[attr-defined]
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                detail = error_detail_of(exc)
                raise FailedPrecondition(
                    detail.message if detail and detail.code == "ITEM_NOT_PUBLISHED" else
                    f"item {item_id}{f' version {version}' if version else ''} is not a "
                    f"published catalogue item and may not be exercised ({NOT_IN_CATALOGUE})",
                    code="ITEM_NOT_PUBLISHED",
                    metadata={"item_id": item_id, "version": str(version)}) from None
            raise Unavailable(f"the catalogue did not answer ({code.name}); try again",
                              code="CATALOGUE_UNAVAILABLE") from None
        item = reply.item
        if item.status != cpb.VERSION_STATUS_PUBLISHED:
            raise FailedPrecondition(
                f"item {item_id} version {item.version} is "
                f"{cpb.VersionStatus.Name(item.status).removeprefix('VERSION_STATUS_').lower()},"
                f" not in force: open the case on the version in force ({NOT_IN_CATALOGUE})",
                code="ITEM_NOT_PUBLISHED",
                metadata={"item_id": item_id, "version": str(item.version)})
        if item.state != cpb.ITEM_STATE_ACTIVE:
            state = cpb.ItemState.Name(item.state).removeprefix("ITEM_STATE_").lower()
            raise FailedPrecondition(
                f"item {item_id} is {state}"
                + (f" (now: {item.successor})" if item.successor else "")
                + f" and may not be exercised ({NOT_IN_CATALOGUE})",
                code="ITEM_NOT_IN_FORCE", metadata={"item_id": item_id, "state": state})
        return snapshot_from_pb(item)


def snapshot_from_pb(item: cpb.ItemVersion) -> ItemSnapshot:
    c = item.content
    return ItemSnapshot(
        item_id=item.item_id, version=item.version, code=c.code, name=c.name, region=c.region,
        department=c.department, statutory_limit_days=c.statutory_limit_days,
        promised_limit_days=c.promised_limit_days,
        steps=tuple(FlowStep(key=s.key, name=s.name, role=s.role, limit_days=s.limit_days)
                    for s in c.steps))
