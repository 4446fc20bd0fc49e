"""The HTTP JSON API of the node: each route translates into one gRPC call and back.

Bodies are the proto3 JSON mapping of the request messages with their original field names
(``ParseDict``); answers are the response messages the same way, every field printed. The
``Authorization`` header travels on as the ``authorization`` metadata; every call has the
timeout ``grpc_timeout_s``. Errors answer through the one table of ``gateway.errors``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Annotated, Any, TypeVar

import grpc
from fastapi import Depends, FastAPI, Path, Query, Request, Security, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from google.protobuf import json_format
from google.protobuf.message import Message
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2
from sunlight.common.v1 import common_pb2
from sunlight.gateway.v1 import gateway_pb2
from sunlight.monitoring.v1 import monitoring_pb2

from gateway.backends import Backends
from gateway.errors import ApiError, from_rpc_error, install
from gateway.node import node_info
from gateway.schemas import INT32_MAX, SchemaRegistry
from services.shared.grpc_client import metadata

M = TypeVar("M", bound=Message)
MAX_BODY_BYTES = 1 << 20

_bearer = HTTPBearer(auto_error=False, description="`Bearer <JWT>`; `sunlight token` mints one")


def authorization(request: Request,
                  _: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
                  ) -> str | None:
    """The raw ``Authorization`` header, passed on as is (the service judges it)."""
    return request.headers.get("authorization")


async def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}``."""
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "BODY_TOO_LARGE", f"the body is over {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError.invalid(f"the body is not valid JSON: {exc}", code="MALFORMED_JSON"
                               ) from None
    if not isinstance(body, dict):
        raise ApiError.invalid("the body must be a JSON object", code="MALFORMED_JSON")
    return body


Auth = Annotated[str | None, Depends(authorization)]
Body = Annotated[dict[str, Any], Depends(json_body)]


def parse(body: dict[str, Any], message_type: type[M], path_fields: Collection[str] = ()
          ) -> M:
    """A request message from its JSON form; fields named in the path may not be in the body."""
    clash = sorted(set(body) & set(path_fields))
    if clash:
        raise ApiError.invalid(f"{', '.join(clash)}: given in the path, not in the body",
                               [(name, "given in the path") for name in clash])
    try:
        return json_format.ParseDict(body, message_type())
    except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        raise ApiError.invalid(f"the body does not match {message_type.DESCRIPTOR.name}: "
                               f"{exc}") from None


def build(message_type: type[M], **fields: Any) -> M:
    """A request message from path and query values (which FastAPI has typed already)."""
    try:
        return message_type(**fields)
    except (ValueError, TypeError) as exc:
        raise ApiError.invalid(str(exc)) from None


def to_json(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     always_print_fields_with_no_presence=True)


def create_app(backends: Backends, node_region: str, node_name: str) -> FastAPI:
    app = FastAPI(
        title="Sunlight gateway", version="1",
        description="The node's HTTP JSON API (阳光政务 网关). Bodies are the proto3 JSON "
                    "mapping of `protos/sunlight/*/v1` with the original field names; errors "
                    "are `{\"error\": ErrorDetail}`.")
    install(app)
    schemas = SchemaRegistry()
    error_ref = schemas.ref(common_pb2.ErrorDetail.DESCRIPTOR)

    def answers(message_type: type[Message], code: int = 200) -> dict[int | str, Any]:
        error = {"description": "error", "content": {"application/json": {"schema": {
            "type": "object", "required": ["error"], "properties": {"error": error_ref}}}}}
        return {code: {"description": "OK", "content": {"application/json": {
                    "schema": schemas.ref(message_type.DESCRIPTOR)}}},
                "4XX": error, "5XX": error}

    def body_of(message_type: type[Message], path_fields: Collection[str] = ()
                ) -> dict[str, Any]:
        schema = schemas.ref(message_type.DESCRIPTOR)
        if path_fields:
            full = schemas.components[message_type.DESCRIPTOR.full_name]
            schema = {**full, "properties": {k: v for k, v in full["properties"].items()
                                             if k not in path_fields}}
        return {"requestBody": {"required": False, "content": {
            "application/json": {"schema": schema}}}}

    def call(service: str, method: Callable[..., M], request: Message, auth: str | None,
             code: int = 200) -> JSONResponse:
        try:
            response = method(request, timeout=backends.timeout_s, metadata=metadata(auth))
        except grpc.RpcError as error:
            raise from_rpc_error(error, service) from None
        return JSONResponse(to_json(response), status_code=code)

    # --- catalogue ------------------------------------------------------------------
    @app.get("/v1/items", tags=["catalogue"], summary="Published items (权力清单)",
             response_class=JSONResponse,
             responses=answers(catalogue_pb2.ListPublishedItemsResponse))
    def list_items(auth: Auth,
                   region: Annotated[str, Query(description="6-digit region code; items of "
                                                "it and the regions under it")] = "",
                   page_size: Annotated[int, Query(ge=0, le=INT32_MAX,
                                                   description="1..200, default 50")] = 0,
                   page_token: str = "") -> JSONResponse:
        request = build(catalogue_pb2.ListPublishedItemsRequest, region=region,
                        page_size=page_size, page_token=page_token)
        return call("catalogue", backends.catalogue.ListPublishedItems, request, auth)

    @app.post("/v1/items", tags=["catalogue"], summary="Declare a new item (draft)",
              status_code=status.HTTP_201_CREATED, response_class=JSONResponse,
              responses=answers(catalogue_pb2.CreateItemResponse, 201),
              openapi_extra=body_of(catalogue_pb2.CreateItemRequest))
    def create_item(auth: Auth, body: Body) -> JSONResponse:
        request = parse(body, catalogue_pb2.CreateItemRequest)
        return call("catalogue", backends.catalogue.CreateItem, request, auth, 201)

    @app.post("/v1/items/{item_id}/versions/{version}/publish", tags=["catalogue"],
              summary="Publish a reviewed version", response_class=JSONResponse,
              responses=answers(catalogue_pb2.PublishItemResponse),
              openapi_extra=body_of(catalogue_pb2.PublishItemRequest, ("item_id", "version")))
    def publish_item(auth: Auth, body: Body, item_id: str,
                     version: Annotated[int, Path(ge=0, le=INT32_MAX)]) -> JSONResponse:
        request = parse(body, catalogue_pb2.PublishItemRequest, ("item_id", "version"))
        request.item_id, request.version = item_id, version
        return call("catalogue", backends.catalogue.PublishItem, request, auth)

    @app.get("/v1/items/{item_id}/versions/{version}", tags=["catalogue"],
             summary="One version of an item; version 0 = the one in force",
             response_class=JSONResponse,
             responses=answers(catalogue_pb2.GetItemVersionResponse))
    def get_item_version(auth: Auth, item_id: str,
                         version: Annotated[int, Path(ge=0, le=INT32_MAX)]) -> JSONResponse:
        request = build(catalogue_pb2.GetItemVersionRequest, item_id=item_id, version=version)
        return call("catalogue", backends.catalogue.GetItemVersion, request, auth)

    # --- cases ----------------------------------------------------------------------
    @app.post("/v1/cases", tags=["cases"], summary="Accept an application (受理)",
              status_code=status.HTTP_201_CREATED, response_class=JSONResponse,
              responses=answers(cases_pb2.OpenCaseResponse, 201),
              openapi_extra=body_of(cases_pb2.OpenCaseRequest))
    def open_case(auth: Auth, body: Body) -> JSONResponse:
        request = parse(body, cases_pb2.OpenCaseRequest)
        return call("cases", backends.cases.OpenCase, request, auth, 201)

    @app.post("/v1/cases/{case_number}/steps/{step_index}/complete", tags=["cases"],
              summary="Complete the active step", response_class=JSONResponse,
              responses=answers(cases_pb2.CompleteStepResponse),
              openapi_extra=body_of(cases_pb2.CompleteStepRequest,
                                    ("case_number", "step_index")))
    def complete_step(auth: Auth, body: Body, case_number: str,
                      step_index: Annotated[int, Path(ge=0, le=INT32_MAX)]) -> JSONResponse:
        request = parse(body, cases_pb2.CompleteStepRequest, ("case_number", "step_index"))
        request.case_number, request.step_index = case_number, step_index
        return call("cases", backends.cases.CompleteStep, request, auth)

    @app.get("/v1/cases/{case_number}", tags=["cases"], summary="A case and its steps",
             response_class=JSONResponse, responses=answers(cases_pb2.GetCaseResponse))
    def get_case(auth: Auth, case_number: str) -> JSONResponse:
        request = build(cases_pb2.GetCaseRequest, case_number=case_number)
        return call("cases", backends.cases.GetCase, request, auth)

    # --- supervision ------------------------------------------------------------------
    @app.get("/v1/supervision/cases/{case_number}", tags=["supervision"],
             summary="Supervision's record of a case (电子监察)", response_class=JSONResponse,
             responses=answers(monitoring_pb2.GetCaseRecordResponse))
    def get_case_record(auth: Auth, case_number: str) -> JSONResponse:
        request = build(monitoring_pb2.GetCaseRecordRequest, case_number=case_number)
        return call("monitoring", backends.monitoring.GetCaseRecord, request, auth)

    # --- the node ---------------------------------------------------------------------
    @app.get("/v1/node", tags=["node"], summary="This node and the state of its services",
             response_class=JSONResponse, responses=answers(gateway_pb2.GetNodeResponse))
    def get_node() -> JSONResponse:
        return JSONResponse(to_json(node_info(backends, node_region, node_name)))

    @app.get("/healthz", tags=["node"], summary="200 when every backend is SERVING, else 503",
             response_class=JSONResponse)
    def healthz() -> JSONResponse:
        checks = backends.health()
        ok = all(h.status == "SERVING" for h in checks)
        return JSONResponse({"status": "SERVING" if ok else "NOT_SERVING",
                             "backends": {h.key: h.as_json() for h in checks}},
                            status_code=200 if ok else 503)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            components = document.setdefault("components", {}).setdefault("schemas", {})
            # Invalid input answers 400 in the error model (see 4XX), not FastAPI's 422.
            for operation in (op for path in document["paths"].values()
                              for op in path.values()):
                operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            components.update(schemas.components)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
