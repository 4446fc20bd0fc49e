"""gRPC entrypoint of the catalogue: translates requests into use cases, and back."""

from __future__ import annotations

import grpc
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from services.catalogue.contract import content_from_pb, version_to_pb
from services.catalogue.service import CatalogueService
from services.shared import auth
from services.shared.auth import Authenticator
from services.shared.errors import InvalidArgument
from services.shared.grpc_errors import translate_errors
from services.shared.grpc_server import principal_of


class CatalogueServicer(pb_grpc.CatalogueServiceServicer):
    def __init__(self, service: CatalogueService, authenticator: Authenticator) -> None:
        self.service = service
        self.auth = authenticator

    @translate_errors
    def CreateItem(self, request: pb.CreateItemRequest, context: grpc.ServicerContext
                   ) -> pb.CreateItemResponse:
        if not request.HasField("draft"):
            raise InvalidArgument.of_field("draft", "required")
        view = self.service.create_item(principal_of(context, self.auth),
                                        content_from_pb(request.draft), request.idempotency_key)
        return pb.CreateItemResponse(item=version_to_pb(view))

    @translate_errors
    def PublishItem(self, request: pb.PublishItemRequest, context: grpc.ServicerContext
                    ) -> pb.PublishItemResponse:
        _require_id(request.item_id)
        if request.version < 1:
            raise InvalidArgument.of_field("version", "the version number to publish (≥ 1)")
        view = self.service.publish_item(principal_of(context, self.auth), request.item_id,
                                         request.version, request.idempotency_key)
        return pb.PublishItemResponse(item=version_to_pb(view))

    @translate_errors
    def GetItemVersion(self, request: pb.GetItemVersionRequest, context: grpc.ServicerContext
                       ) -> pb.GetItemVersionResponse:
        _require_id(request.item_id)
        if request.version < 0:
            raise InvalidArgument.of_field("version", "0 (in force) or a version number")
        principal = principal_of(context, self.auth)
        view = self.service.get_version(principal, request.item_id, request.version)
        internal = principal.can(auth.ITEM_READ_INTERNAL, view.content.region)
        return pb.GetItemVersionResponse(item=version_to_pb(view, internal=internal))

    @translate_errors
    def ListPublishedItems(self, request: pb.ListPublishedItemsRequest,
                           context: grpc.ServicerContext) -> pb.ListPublishedItemsResponse:
        principal = principal_of(context, self.auth)
        views, token = self.service.list_published(request.region, request.page_size,
                                                   request.page_token)
        return pb.ListPublishedItemsResponse(
            items=[version_to_pb(v, internal=principal.can(auth.ITEM_READ_INTERNAL,
                                                           v.content.region))
                   for v in views],
            next_page_token=token)


def _require_id(item_id: str) -> None:
    if not item_id:
        raise InvalidArgument.of_field("item_id", "required")
