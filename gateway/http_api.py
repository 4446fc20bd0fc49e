"""The HTTP JSON API of the node: each route translates into one gRPC call and back.

Bodies are the proto3 JSON mapping of the request messages with their original field names
(``ParseDict``); answers are the response messages the same way, every field printed. The
``Authorization`` header travels on as the ``authorization`` metadata; every call has the
timeout ``grpc_timeout_s`` (an export, a whole region's catalogue, ``STREAM_TIMEOUT_S``). Errors
answer through the one table of ``gateway.errors``.

Enum fields that people type (a search's ``list_kind`` and ``status``, a review's ``kind`` and
``decision``, an adjustment's ``action``, an obligation's ``status``) take the enum's name
(``LIST_KIND_POWER``) or its short form (``power``); anything else is a 400 that lists the
accepted values. A region's catalogue is exported from the ``ExportItems`` stream, as JSON or
CSV, written out as it arrives (``gateway.export``).

Described for integrators: every operation of ``/openapi.json`` states its roles, errors and
examples (``gateway.api_doc``, from the table ``gateway.access``); ``/docs`` is Swagger UI served
from the node itself (its files from a pinned package, nothing from outside), ``/docs/plain``
the same routes as a page without script (``gateway.docs``); ``/`` and ``/v1/`` say what the
node is and where these are; ``/v1/methods`` lists every operation and
``/v1/methods/allowed`` those the caller's token may call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import grpc
from fastapi import Depends, FastAPI, Path, Query, Request, Security, status
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from google.protobuf import json_format
from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.message import Message
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2
from sunlight.common.v1 import common_pb2
from sunlight.gateway.v1 import gateway_pb2
from sunlight.monitoring.v1 import monitoring_pb2

from gateway import api_doc, docs, export
from gateway.access import ACCESS
from gateway.awaiting import answer_of
from gateway.backends import Backends
from gateway.errors import ApiError, from_rpc_error, http_status_of, install
from gateway.grpc_proxy import STREAM_TIMEOUT_S, open_stream
from gateway.limits import (
    ADMISSION_WAIT_S,
    MAX_AUTHORIZATION_BYTES,
    MAX_BODY_BYTES,
    MAX_IN_FLIGHT,
    MAX_PDF_BYTES,
    GatewayLimits,
    LoadShedder,
)
from gateway.node import node_info
from gateway.routing import (
    FANOUT_DEADLINE_S,
    GET_CASE,
    GET_DOCUMENT,
    GET_ITEM_VERSION,
    LIST_CASE_ACCESSES,
    LOOKUP_CASE,
    SEARCH_ITEMS,
    PeerCallFailed,
    Router,
    merge_hits,
    province_nodes,
)
from gateway.schemas import SchemaRegistry, example_of, field_comment, parameter_limits
from services.shared.auth import Authenticator
from services.shared.errors import DomainError
from services.shared.grpc_client import metadata as call_metadata
from services.shared.http_metrics import HttpMetrics
from services.shared.http_routes import PrefixRoute
from services.shared.protojson import message_to_dict
from services.shared.rate_limits import RateLimits
from services.shared.telemetry import recording

M = TypeVar("M", bound=Message)
REGION_PATTERN = r"^[0-9]{6}$"
#: what an Authorization header may hold to travel on as gRPC metadata
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
#: How protobuf's JSON parser names the field it failed on (nested: one per level).
_PARSE_FIELD = re.compile(r"Failed to parse (\w+) field")
#: a field the message does not have, and where: ``… has no field named "x" at "Msg.inner"``
_UNKNOWN_FIELD = re.compile(r'has no field named "(\w+)" at "([\w.]+)"')
log = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="`Bearer <JWT>`; `sunlight token` mints one")


async def authorization(request: Request,
                        _: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
                        ) -> str | None:
    """The raw ``Authorization`` header, passed on as is (the service judges it) unless it is
    longer than any token this node issues (431) or has characters none has (401)."""
    header = request.headers.get("authorization")
    if header is not None and len(header.encode("latin-1", "replace")) > (
            MAX_AUTHORIZATION_BYTES):
        raise ApiError(431, "AUTHORIZATION_TOO_LARGE",
                       f"the Authorization header is over {MAX_AUTHORIZATION_BYTES} bytes; "
                       "no token of this node is that long")
    if header is not None and not _PRINTABLE_ASCII.fullmatch(header):
        # gRPC refuses it as metadata (the answer would be a 500 of the gateway's own)
        raise ApiError(401, "UNAUTHENTICATED",
                       "the Authorization header has characters no token has (only "
                       "printable ASCII: `Bearer <JWT>`)")
    return header


#: the answer of each routed method
_RESPONSES: dict[str, type[Message]] = {
    GET_CASE: cases_pb2.CaseResponse, LOOKUP_CASE: cases_pb2.CaseResponse,
    GET_ITEM_VERSION: catalogue_pb2.GetItemVersionResponse,
    SEARCH_ITEMS: catalogue_pb2.SearchItemsResponse,
    LIST_CASE_ACCESSES: cases_pb2.ListCaseAccessesResponse,
    GET_DOCUMENT: cases_pb2.GetDocumentResponse,
}


def shown_error(error: Exception, limit: int = 300) -> str:
    """A parser's words, which may quote the input, cut to ``limit`` characters."""
    text = str(error)
    return text if len(text) <= limit else text[:limit] + "…"


def _too_large() -> ApiError:
    return ApiError(413, "BODY_TOO_LARGE", f"the body is over {MAX_BODY_BYTES} bytes")


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refused (413) on a Content-Length over ``limit`` before a byte is read, and
    as soon as what arrives passes ``limit`` when there is no Content-Length."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError.invalid("the Content-Length header is not a number",
                                   code="MALFORMED_REQUEST")
        if int(declared) > limit:
            raise _too_large()
    chunks: list[bytes] = []
    held = 0
    async for chunk in request.stream():
        held += len(chunk)
        if held > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}``."""
    raw = await read_body(request)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError.invalid(f"the body is not valid JSON: {shown_error(exc)}",
                               code="MALFORMED_JSON") from None
    if not isinstance(body, dict):
        raise ApiError.invalid("the body must be a JSON object", code="MALFORMED_JSON")
    return body


Auth = Annotated[str | None, Depends(authorization)]
Body = Annotated[dict[str, Any], Depends(json_body)]
Region = Annotated[str, Path(pattern=REGION_PATTERN, description="6-digit region code; the "
                             "published items of it and the regions under it")]
#: Path parameters, with the limits of the request fields they fill.
ItemId = Annotated[str, Path(**parameter_limits(catalogue_pb2.GetItemVersionRequest,
                                                "item_id"))]
Version = Annotated[int, Path(**parameter_limits(catalogue_pb2.SubmitItemRequest, "version"),
                              description="a version number (1, 2, …)")]
CaseNumber = Annotated[str, Path(**parameter_limits(cases_pb2.GetCaseRequest, "case_number"))]
DocumentId = Annotated[str, Path(**parameter_limits(cases_pb2.GetDocumentRequest,
                                                    "document_id"),
                                 description="the document's id in its case, e.g. d3")]
_SEARCH = catalogue_pb2.SearchItemsRequest
_LIST = catalogue_pb2.ListPublishedItemsRequest
_OBLIGATIONS = catalogue_pb2.ListObligationsRequest
_QUEUE = cases_pb2.ListQueueRequest
_WARNINGS = monitoring_pb2.ListWarningsRequest
_NOTIFICATIONS = monitoring_pb2.ListNotificationsRequest
WarningId = Annotated[str, Path(**parameter_limits(monitoring_pb2.GetWarningRequest,
                                                   "warning_id"))]
_BRANCHES = cases_pb2.ListParallelBranchesRequest
_EVALUATE = monitoring_pb2.EvaluateRequest
_COMPLAINTS = monitoring_pb2.ListComplaintsRequest
_RATINGS = monitoring_pb2.ListRatingsRequest
_RECTIFICATIONS = monitoring_pb2.ListRectificationsRequest
_INDICATORS = monitoring_pb2.GetFeedbackIndicatorsRequest
ComplaintId = Annotated[str, Path(**parameter_limits(monitoring_pb2.GetComplaintRequest,
                                                     "complaint_id"))]
RatingId = Annotated[str, Path(**parameter_limits(monitoring_pb2.AppealRatingRequest,
                                                  "rating_id"))]
TaskId = Annotated[str, Path(**parameter_limits(monitoring_pb2.CompleteRectificationRequest,
                                                "task_id"))]
_MY_CASES = cases_pb2.ListMyCasesRequest
_ACCESSES = cases_pb2.ListCaseAccessesRequest
_AUDIT = cases_pb2.ListAccessAuditRequest
_HANDOVERS = cases_pb2.ListHandoversRequest
_CONSULTATIONS = monitoring_pb2.ListConsultationsRequest
ConsultationId = Annotated[str, Path(**parameter_limits(monitoring_pb2.GetConsultationRequest,
                                                        "consultation_id"))]


def parse(body: dict[str, Any], message_type: type[M], path_fields: Collection[str] = ()
          ) -> M:
    """A request message from its JSON form; fields named in the path may not be in the body."""
    clash = sorted(set(body) & set(path_fields))
    if clash:
        raise ApiError.invalid(f"{', '.join(clash)}: given in the path, not in the body",
                               [(name, "given in the path") for name in clash])
    try:
        return json_format.ParseDict(body, message_type())
    except (json_format.ParseError, ValueError, TypeError, RecursionError,
            OverflowError) as exc:  # Overflow: a Timestamp's fraction "1e999" (protobuf)
        words = shown_error(exc)
        path = ".".join(_PARSE_FIELD.findall(str(exc)))
        unknown = _UNKNOWN_FIELD.search(str(exc))
        if unknown:  # named, so that a caller sees which field is not the message's
            path = ".".join([*unknown.group(2).split(".")[1:], unknown.group(1)])
        raise ApiError.invalid(f"the body does not match {message_type.DESCRIPTOR.name}: "
                               f"{words}", [(path, words)] if path else ()) from None


def build(message_type: type[M], **fields: Any) -> M:
    """A request message from path and query values (which FastAPI has typed already)."""
    try:
        return message_type(**fields)
    except (ValueError, TypeError) as exc:
        raise ApiError.invalid(str(exc)) from None


def to_json(message: Message) -> dict[str, Any]:
    """Every field, defaults too (``MessageToDict``'s output, computed faster)."""
    return message_to_dict(message, always_print=True)


def _enum_prefix(enum: EnumDescriptor) -> str:
    """``LIST_KIND_`` for ``ListKind`` (from its zero value ``LIST_KIND_UNSPECIFIED``)."""
    return enum.values_by_number[0].name.removesuffix("UNSPECIFIED")


def enum_choices(enum: EnumDescriptor) -> list[str]:
    """The short forms of an enum's values: ``power``, ``duty``, ...; never the zero value."""
    prefix = _enum_prefix(enum)
    return [v.name.removeprefix(prefix).lower() for v in enum.values if v.number != 0]


def enum_help(enum: EnumDescriptor) -> str:
    prefix = _enum_prefix(enum)
    return (f"{', '.join(enum_choices(enum))} (or the full names, e.g. "
            f"{prefix}{enum_choices(enum)[0].upper()})")


def enum_number(enum: EnumDescriptor, given: str, field: str) -> int:
    """An enum's number from its name or short form, any case; empty = the zero value."""
    text = given.strip()
    if not text:
        return 0
    wanted = text.upper().replace("-", "_")
    prefix = _enum_prefix(enum)
    for value in enum.values:
        if value.number != 0 and value.name in (wanted, prefix + wanted):
            return value.number
    shown = text if len(text) <= 40 else text[:40] + "…"
    raise ApiError.invalid(f"{field}: {shown!r} is not one of {enum_help(enum)}",
                           [(field, "one of " + ", ".join(enum_choices(enum)))])


def enum_query(enum: EnumDescriptor, what: str, alias: str | None = None) -> Any:
    """A query parameter taking an enum's names or short forms (empty: none given)."""
    choices = ["", *enum_choices(enum), *(v.name for v in enum.values if v.number)]
    return Query(description=f"{what}: one of {enum_help(enum)}", max_length=100, alias=alias,
                 json_schema_extra={"enum": choices})


def with_nested_enum_names(body: dict[str, Any],
                           enums: Mapping[tuple[str, str], EnumDescriptor]) -> dict[str, Any]:
    """``with_enum_names`` for enum fields of the body's nested objects, by (object, field)."""
    named = dict(body)
    for (outer, field), enum in enums.items():
        inner = named.get(outer)
        if isinstance(inner, dict):
            named[outer] = with_enum_names(inner, {field: enum}, f"{outer}.")
    return named


def with_enum_names(body: dict[str, Any], enums: Mapping[str, EnumDescriptor],
                    prefix: str = "") -> dict[str, Any]:
    """The body with the short forms of the named enum fields replaced by the full names."""
    named = dict(body)
    for field, enum in enums.items():
        value = named.get(field)
        if isinstance(value, str):
            named[field] = enum.values_by_number[enum_number(enum, value,
                                                             prefix + field)].name
    return named


def evaluation_query(
        period: Annotated[str, Query(**parameter_limits(_EVALUATE, "period"),
                                     description="a month (2026-11), a quarter (2026-Q4) "
                                                 "or a year (2026)")],
        dimension: Annotated[str, enum_query(monitoring_pb2.EvaluationDimension.DESCRIPTOR,
                                             "rows by (empty = department)")] = "",
        period_kind: Annotated[str, enum_query(monitoring_pb2.PeriodKind.DESCRIPTOR,
                                               "the kind the period must be")] = "",
        region: Annotated[str, Query(**parameter_limits(_EVALUATE, "region"),
                                     description="6-digit region code; empty: the "
                                                 "caller's first region")] = "",
        department_code: Annotated[str, Query(
            **parameter_limits(_EVALUATE, "department_code"),
            description="only this department (统一社会信用代码)")] = "",
        item_id: Annotated[str, Query(**parameter_limits(_EVALUATE, "item_id"))] = "",
        official: Annotated[str, Query(**parameter_limits(_EVALUATE, "official"),
                                       description="only this official (subject)")] = "",
        rank_by: Annotated[str, Query(**parameter_limits(_EVALUATE, "rank_by"),
                                      description="on_time_rate (default; points for "
                                                  "officials), early_rate, handled, "
                                                  "overdue, average_days, p90_days, "
                                                  "backlog, online_rate, red, yellow, "
                                                  "steps_late, satisfaction, complaints, "
                                                  "points")] = "",
        limit: Annotated[int, Query(**parameter_limits(_EVALUATE, "limit"),
                                    description="rows, best first; 0 = all")] = 0
) -> monitoring_pb2.EvaluateRequest:
    """The request of an evaluation route (效能评估) from its query parameters."""
    return build(_EVALUATE, period=period, region=region, department_code=department_code,
                 item_id=item_id, official=official, rank_by=rank_by, limit=limit,
                 dimension=enum_number(monitoring_pb2.EvaluationDimension.DESCRIPTOR,
                                       dimension, "dimension"),
                 period_kind=enum_number(monitoring_pb2.PeriodKind.DESCRIPTOR,
                                         period_kind, "period_kind"))


EvaluationQuery = Annotated[monitoring_pb2.EvaluateRequest, Depends(evaluation_query)]


class ExportInterrupted(Exception):
    """The catalogue failed in the middle of an export: the connection is broken off."""


def create_app(backends: Backends, node_region: str, node_name: str,
               rates: RateLimits | None = None, router: Router | None = None,
               authenticator: Authenticator | None = None,
               max_in_flight: int = MAX_IN_FLIGHT,
               admission_wait_s: float = ADMISSION_WAIT_S) -> FastAPI:
    """The node's HTTP API; ``authenticator`` verifies tokens for ``/v1/methods/allowed``
    alone (every other call passes its token on to the service, which judges it). At most
    ``max_in_flight`` requests are worked on at once (``gateway.limits.LoadShedder``)."""
    def metadata(auth: str | None) -> list[tuple[str, str]]:
        """A backend call's metadata: the caller's token, and the channel (the audit's
        "http"), sealed."""
        return call_metadata(auth, "http", backends.seal)

    app = FastAPI(
        title="Sunlight gateway", version="1",
        description="The node's HTTP JSON API (阳光政务 网关). Bodies are the proto3 JSON "
                    "mapping of `protos/sunlight/*/v1` with the original field names; errors "
                    "are `{\"error\": ErrorDetail}`. Each operation names the roles that may "
                    "call it (`x-sunlight-roles`); `GET /v1/methods/allowed` lists those a "
                    "token may call.",
        # FastAPI's Swagger UI and ReDoc load from a CDN; the node works offline: its own
        # /docs below serves Swagger UI's files from the node.
        docs_url=None, redoc_url=None,
        # The request's span carries the caller's trace context on to the services; spans
        # of dependencies, endpoints and serialisation only when spans are recorded.
        telemetry={"operation_spans": recording(), "metrics": recording(),
                   "logs": recording()})
    app.router.route_class = PrefixRoute  # before any route: see services.shared.http_routes
    install(app)
    app.add_middleware(GatewayLimits, rates=rates or RateLimits())
    # outermost: an overwhelmed node refuses before doing anything else
    app.add_middleware(LoadShedder, max_in_flight=max_in_flight,
                       admission_wait_s=admission_wait_s)
    # around it: requests by route template and status (those shed too), and GET /metrics
    # (answered when the node is busy)
    app.add_middleware(HttpMetrics)
    export_timeout_s = max(backends.timeout_s, STREAM_TIMEOUT_S)
    schemas = SchemaRegistry()
    # answers have schemas of their own: the message's shape, not the limits of a request
    answer_schemas = SchemaRegistry(answers=True)
    error_ref = answer_schemas.ref(common_pb2.ErrorDetail.DESCRIPTOR)

    error_schema = {"type": "object", "required": ["error"], "properties": {"error": error_ref}}

    def answers(message_type: type[Message], code: int = 200) -> dict[int | str, Any]:
        error = {"description": "error", "content": {"application/json": {
            "schema": error_schema}}}
        return {code: {"description": "OK", "content": {"application/json": {
                    "schema": answer_schemas.ref(message_type.DESCRIPTOR),
                    "example": example_of(message_type.DESCRIPTOR)}}},
                "4XX": error, "5XX": error}

    def short_enum(enum: EnumDescriptor) -> dict[str, Any]:
        return {"type": "string", "description": "one of " + enum_help(enum),
                "enum": [v.name for v in enum.values if v.number] + enum_choices(enum)}

    def body_of(message_type: type[Message], path_fields: Collection[str] = (),
                short_enums: Collection[str] = (),
                nested_short_enums: Collection[tuple[str, str]] = ()) -> dict[str, Any]:
        """The request body's schema: the message minus the fields given in the path; the
        enum fields in ``short_enums`` (and, by (object, field), in ``nested_short_enums``)
        also take their short forms."""
        schema = schemas.ref(message_type.DESCRIPTOR)
        if path_fields or short_enums or nested_short_enums:
            full = schemas.components[message_type.DESCRIPTOR.full_name]
            fields = message_type.DESCRIPTOR.fields_by_name
            properties = {k: v for k, v in full["properties"].items() if k not in path_fields}
            required = [name for name in full.get("required", ()) if name not in path_fields]
            for name in short_enums:
                properties[name] = described(short_enum(fields[name].enum_type),
                                             field_comment(message_type.DESCRIPTOR, name))
            for outer, name in nested_short_enums:
                inner = fields[outer].message_type
                shown = schemas.components[inner.full_name]
                properties[outer] = described({**shown, "properties": {
                    **shown["properties"],
                    name: described(short_enum(inner.fields_by_name[name].enum_type),
                                    field_comment(inner, name))}},
                    field_comment(message_type.DESCRIPTOR, outer))
            schema = {**full, "properties": properties}
            schema.pop("required", None)
            if required:
                schema["required"] = required
        body_required = bool(schemas.components[message_type.DESCRIPTOR.full_name].get(
            "required"))
        example = {k: v for k, v in example_of(message_type.DESCRIPTOR).items()
                   if k not in path_fields}
        return {"requestBody": {"required": body_required, "content": {
            "application/json": {"schema": schema, "example": example}}}}

    def described(schema: dict[str, Any], comment: str) -> dict[str, Any]:
        """``schema`` with the contract's comment before what it says itself."""
        said = " ".join(t for t in (comment, schema.get("description", "")) if t)
        return {**schema, "description": said} if said else schema

    def exported(region: str, auth: str | None
                 ) -> Iterator[catalogue_pb2.ItemVersion]:
        """The ExportItems stream, its first item already read: a failure before it is an
        ordinary error answer; one in the middle breaks the connection, so that a cut file is
        never taken for a whole one."""
        request = build(catalogue_pb2.ExportItemsRequest, region=region)
        stream = open_stream(backends.catalogue.ExportItems, request, export_timeout_s,
                             metadata(auth))
        try:
            first = next(stream, None)
        except grpc.RpcError as error:
            raise from_rpc_error(error, "catalogue") from None
        return _guarded(stream, first, region)

    def _guarded(stream: Any, first: catalogue_pb2.ItemVersion | None, region: str
                 ) -> Iterator[catalogue_pb2.ItemVersion]:
        try:
            if first is None:
                return
            yield first
            yield from stream
        except grpc.RpcError as error:
            failure = from_rpc_error(error, "catalogue")
            log.warning("export of region %s broke off: %s %s", region, failure.code,
                        failure.message, extra={"error_id": failure.identifier})
            raise ExportInterrupted(failure.identifier) from None
        finally:
            stream.cancel()  # the client gone: the catalogue stops too (no-op once done)

    def export_answer(parts: Iterable[str], media_type: str, filename: str
                      ) -> StreamingResponse:
        return StreamingResponse(
            export.chunked(parts), media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}"',
                     "Cache-Control": "no-store"})

    async def call(service: str, method: Any, request: Message, auth: str | None,
                   code: int = 200) -> JSONResponse:
        try:
            response = await answer_of(method.future(
                request, timeout=backends.timeout_s, metadata=metadata(auth)))
        except grpc.RpcError as error:
            raise from_rpc_error(error, service) from None
        return JSONResponse(to_json(response), status_code=code)

    def holder(kind: str, key: str) -> str | None:
        """The other node that holds this case number or region, or None: this node."""
        if router is None or not router.federated or not key:
            return None
        node = router.node_for_case(key) if kind == "case" else router.node_for_region(key)
        return None if node == node_region else node

    async def answer(service: str, method: Any, path: str, request: M, auth: str | None,
                     node: str | None) -> M:
        """``method`` on this node's backend, or ``path`` on node ``node`` over the peer
        port (gateway.routing), with the node's deadline."""
        if node is None:
            try:
                return await answer_of(method.future(  # type: ignore[no-any-return]
                    request, timeout=backends.timeout_s, metadata=metadata(auth)))
            except grpc.RpcError as error:
                raise from_rpc_error(error, service) from None
        assert router is not None
        try:
            return await router.call_async(  # type: ignore[no-any-return]
                node, path, request, _RESPONSES[path], auth)
        except DomainError as error:
            raise ApiError(http_status_of(grpc.StatusCode[error.grpc_status]), error.code,
                           error.message, metadata=dict(error.metadata)) from None
        except PeerCallFailed as failed:
            raise from_rpc_error(failed.error, f"node {node}") from None

    async def routed(service: str, method: Any, path: str, request: Message,
                     auth: str | None, node: str | None) -> JSONResponse:
        return JSONResponse(to_json(await answer(service, method, path, request, auth, node)))

    # --- catalogue ------------------------------------------------------------------
    @app.get("/v1/items", tags=["catalogue"], summary="Published items (权力清单)",
             response_class=JSONResponse,
             responses=answers(catalogue_pb2.ListPublishedItemsResponse))
    async def list_items(auth: Auth,
                   region: Annotated[str, Query(**parameter_limits(_LIST, "region"),
                                                description="6-digit region code; items of "
                                                "it and the regions under it")] = "",
                   page_size: Annotated[int, Query(**parameter_limits(_LIST, "page_size"),
                                                   description="1..200; 0 = 50")] = 0,
                   page_token: Annotated[str, Query(**parameter_limits(
                       _LIST, "page_token"))] = "") -> JSONResponse:
        request = build(catalogue_pb2.ListPublishedItemsRequest, region=region,
                        page_size=page_size, page_token=page_token)
        return await call("catalogue", backends.catalogue.ListPublishedItems, request, auth)

    # Before every /v1/items/{item_id}... route, so that "search" is never taken for an id.
    @app.get("/v1/items/search", tags=["catalogue"],
             summary="Search the catalogue: Chinese, pinyin, initials; filters",
             response_class=JSONResponse,
             responses=answers(catalogue_pb2.SearchItemsResponse))
    async def search_items(
            auth: Auth,
            q: Annotated[str, Query(**parameter_limits(_SEARCH, "query"),
                                    description="Chinese text, full pinyin "
                                    "(qiyebeian) or pinyin initials (qyba); empty = filters "
                                    "only")] = "",
            region: Annotated[str, Query(**parameter_limits(_SEARCH, "region"),
                                         description="6-digit region code; "
                                         "it and the regions under it")] = "",
            department: Annotated[str, Query(**parameter_limits(_SEARCH, "department"),
                                             description="the department's name, as the "
                                             "catalogue writes it")] = "",
            department_code: Annotated[str, Query(
                **parameter_limits(_SEARCH, "department_code"),
                description="the department's unified social credit code (统一社会信用代码)"
            )] = "",
            item_type: Annotated[str, Query(**parameter_limits(_SEARCH, "item_type"),
                                            description="GB/T 39046 type, e.g. 01")] = "",
            list_kind: Annotated[str, enum_query(catalogue_pb2.ListKind.DESCRIPTOR,
                                                 "list kind (empty = any)")] = "",
            exercise_level: Annotated[str, Query(**parameter_limits(_SEARCH, "exercise_level"),
                                                 description="GB/T 39046 "
                                                 "level, 1 national .. 7 graded")] = "",
            version_status: Annotated[str, enum_query(
                catalogue_pb2.VersionStatus.DESCRIPTOR, "version status (default published; the "
                "others for the region's staff)", alias="status")] = "",
            page_size: Annotated[int, Query(**parameter_limits(_SEARCH, "page_size"),
                                            description="1..100; 0 = 20")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_SEARCH, "page_token"))] = ""
    ) -> JSONResponse:
        request = build(
            catalogue_pb2.SearchItemsRequest, query=q, region=region, department=department,
            department_code=department_code, item_type=item_type,
            exercise_level=exercise_level, page_size=page_size, page_token=page_token,
            list_kind=enum_number(catalogue_pb2.ListKind.DESCRIPTOR, list_kind,
                                  "query.list_kind"),
            status=enum_number(catalogue_pb2.VersionStatus.DESCRIPTOR, version_status,
                               "query.status"))
        return await routed("catalogue", backends.catalogue.SearchItems, SEARCH_ITEMS, request,
                            auth, holder("region", region))

    @app.get("/v1/province/items/search", tags=["catalogue"],
             summary="Search the catalogues of every node of the province (全省检索)",
             description="The search goes to every node of the province at once (this one "
                         "and every active node of the node registry, over the peer port), "
                         "each with its own deadline (`timeout_ms`); the hits are merged and "
                         "ranked by score. `nodes` lists every node asked, whether it "
                         "answered and, if not, why; `partial` is true when one did not: the "
                         "answer is then short by that node's items, and says so.",
             response_class=JSONResponse)
    async def search_province(
            auth: Auth,
            q: Annotated[str, Query(**parameter_limits(_SEARCH, "query"),
                                    description="Chinese text, full pinyin or initials")] = "",
            page_size: Annotated[int, Query(**parameter_limits(_SEARCH, "page_size"),
                                            description="1..100; 0 = 20")] = 0,
            timeout_ms: Annotated[int, Query(ge=50, le=10000, description="each node's "
                                             "deadline, milliseconds")] = int(
                FANOUT_DEADLINE_S * 1000)
    ) -> JSONResponse:
        size = page_size or 20
        request = build(catalogue_pb2.SearchItemsRequest, query=q, page_size=size)
        timeout = timeout_ms / 1000
        federated = router is not None and router.federated
        nodes = province_nodes(router) if federated else [node_region]  # type: ignore[arg-type]

        async def one(node: str) -> Any:
            try:
                if node == node_region:
                    return await answer_of(backends.catalogue.SearchItems.future(
                        request, timeout=timeout, metadata=metadata(auth)))
                assert router is not None
                return await router.call_async(node, SEARCH_ITEMS, request,
                                               catalogue_pb2.SearchItemsResponse, auth,
                                               timeout)
            except grpc.RpcError as error:
                return PeerCallFailed(node, error)
            except (DomainError, PeerCallFailed) as error:
                return error

        found = await asyncio.gather(*(one(node) for node in nodes))
        names = {n: (node_name if n == node_region or router is None else router.node_name(n))
                 for n in nodes}
        return JSONResponse(merge_hits(dict(zip(nodes, found, strict=True)), names, size))

    @app.post("/v1/items", tags=["catalogue"], summary="Declare a new item (draft)",
              status_code=status.HTTP_201_CREATED, response_class=JSONResponse,
              responses=answers(catalogue_pb2.CreateItemResponse, 201),
              openapi_extra=body_of(catalogue_pb2.CreateItemRequest))
    async def create_item(auth: Auth, body: Body) -> JSONResponse:
        request = parse(body, catalogue_pb2.CreateItemRequest)
        return await call("catalogue", backends.catalogue.CreateItem, request, auth, 201)

    @app.post("/v1/items/{item_id}/versions/{version}/publish", tags=["catalogue"],
              summary="Publish a reviewed version", response_class=JSONResponse,
              responses=answers(catalogue_pb2.PublishItemResponse),
              openapi_extra=body_of(catalogue_pb2.PublishItemRequest, ("item_id", "version")))
    async def publish_item(auth: Auth, body: Body, item_id: ItemId, version: Version
                           ) -> JSONResponse:
        request = parse(body, catalogue_pb2.PublishItemRequest, ("item_id", "version"))
        request.item_id, request.version = item_id, version
        return await call("catalogue", backends.catalogue.PublishItem, request, auth)

    @app.get("/v1/items/{item_id}/versions/{version}", tags=["catalogue"],
             summary="One version of an item; version 0 = the one in force",
             response_class=JSONResponse,
             responses=answers(catalogue_pb2.GetItemVersionResponse))
    async def get_item_version(auth: Auth, item_id: ItemId,
                         version: Annotated[int, Path(**parameter_limits(
                             catalogue_pb2.GetItemVersionRequest, "version"),
                             description="0 = the version in force")],
                         region: Annotated[str, Query(
                             pattern=r"^([0-9]{6})?$",
                             description="the item's region, when another node of the "
                             "province holds it (read there over the peer port); empty = "
                             "this node")] = "") -> JSONResponse:
        request = build(catalogue_pb2.GetItemVersionRequest, item_id=item_id, version=version)
        return await routed("catalogue", backends.catalogue.GetItemVersion, GET_ITEM_VERSION,
                            request, auth, holder("region", region))

    @app.put("/v1/items/{item_id}/versions/{version}", tags=["catalogue"],
             summary="Replace a draft (or returned) version's content",
             response_class=JSONResponse,
             responses=answers(catalogue_pb2.UpdateDraftResponse),
             openapi_extra=body_of(catalogue_pb2.UpdateDraftRequest, ("item_id", "version")))
    async def update_draft(auth: Auth, body: Body, item_id: ItemId, version: Version
                           ) -> JSONResponse:
        request = parse(body, catalogue_pb2.UpdateDraftRequest, ("item_id", "version"))
        request.item_id, request.version = item_id, version
        return await call("catalogue", backends.catalogue.UpdateDraft, request, auth)

    @app.post("/v1/items/{item_id}/versions/{version}/submit", tags=["catalogue"],
              summary="Submit a draft for legal (法制办) and staffing (编办) review",
              response_class=JSONResponse,
              responses=answers(catalogue_pb2.SubmitItemResponse),
              openapi_extra=body_of(catalogue_pb2.SubmitItemRequest, ("item_id", "version")))
    async def submit_item(auth: Auth, body: Body, item_id: ItemId, version: Version
                          ) -> JSONResponse:
        request = parse(body, catalogue_pb2.SubmitItemRequest, ("item_id", "version"))
        request.item_id, request.version = item_id, version
        return await call("catalogue", backends.catalogue.SubmitItem, request, auth)

    review_enums = {"kind": catalogue_pb2.ReviewKind.DESCRIPTOR,
                    "decision": catalogue_pb2.ReviewDecision.DESCRIPTOR}

    @app.post("/v1/items/{item_id}/versions/{version}/review", tags=["catalogue"],
              summary="Approve or return a submitted version (legal or staffing review)",
              response_class=JSONResponse,
              responses=answers(catalogue_pb2.ReviewItemResponse),
              openapi_extra=body_of(catalogue_pb2.ReviewItemRequest, ("item_id", "version"),
                                    review_enums))
    async def review_item(auth: Auth, body: Body, item_id: ItemId, version: Version
                          ) -> JSONResponse:
        request = parse(with_enum_names(body, review_enums), catalogue_pb2.ReviewItemRequest,
                        ("item_id", "version"))
        request.item_id, request.version = item_id, version
        return await call("catalogue", backends.catalogue.ReviewItem, request, auth)

    @app.post("/v1/items/{item_id}/versions", tags=["catalogue"],
              summary="Draft the next version of a published item",
              status_code=status.HTTP_201_CREATED, response_class=JSONResponse,
              responses=answers(catalogue_pb2.DraftNextVersionResponse, 201),
              openapi_extra=body_of(catalogue_pb2.DraftNextVersionRequest, ("item_id",)))
    async def draft_next_version(auth: Auth, body: Body, item_id: ItemId) -> JSONResponse:
        request = parse(body, catalogue_pb2.DraftNextVersionRequest, ("item_id",))
        request.item_id = item_id
        return await call("catalogue", backends.catalogue.DraftNextVersion, request, auth, 201)

    adjust_enums = {"action": catalogue_pb2.AdjustAction.DESCRIPTOR}

    @app.post("/v1/items/{item_id}/adjust", tags=["catalogue"],
              summary="Suspend, resume, cancel, delegate, transfer, merge, freeze (关停并转放)",
              response_class=JSONResponse,
              responses=answers(catalogue_pb2.AdjustItemResponse),
              openapi_extra=body_of(catalogue_pb2.AdjustItemRequest, ("item_id",),
                                    adjust_enums))
    async def adjust_item(auth: Auth, body: Body, item_id: ItemId) -> JSONResponse:
        request = parse(with_enum_names(body, adjust_enums), catalogue_pb2.AdjustItemRequest,
                        ("item_id",))
        request.item_id = item_id
        return await call("catalogue", backends.catalogue.AdjustItem, request, auth)

    @app.post("/v1/items/{item_id}/delegations", tags=["catalogue"],
              summary="Delegate an item down a level (下放) to a region below, whichever node "
                      "holds it: recorded here, delivered to that node, drafted there",
              status_code=status.HTTP_201_CREATED, response_class=JSONResponse,
              responses=answers(catalogue_pb2.DelegateItemResponse, 201),
              openapi_extra=body_of(catalogue_pb2.DelegateItemRequest, ("item_id",)))
    async def delegate_item(auth: Auth, body: Body, item_id: ItemId) -> JSONResponse:
        request = parse(body, catalogue_pb2.DelegateItemRequest, ("item_id",))
        request.item_id = item_id
        return await call("catalogue", backends.catalogue.DelegateItem, request, auth, 201)

    @app.get("/v1/items/{item_id}/delegations", tags=["catalogue"],
             summary="An item's delegations (下放) and where each delivery stands",
             response_class=JSONResponse,
             responses=answers(catalogue_pb2.ListDelegationsResponse))
    async def list_delegations(auth: Auth, item_id: ItemId) -> JSONResponse:
        request = build(catalogue_pb2.ListDelegationsRequest, item_id=item_id)
        return await call("catalogue", backends.catalogue.ListDelegations, request, auth)

    @app.get("/v1/items/{item_id}/history", tags=["catalogue"],
             summary="What happened to an item: who, when, why (public once published)",
             response_class=JSONResponse,
             responses=answers(catalogue_pb2.GetItemHistoryResponse))
    async def get_item_history(auth: Auth, item_id: ItemId) -> JSONResponse:
        request = build(catalogue_pb2.GetItemHistoryRequest, item_id=item_id)
        return await call("catalogue", backends.catalogue.GetItemHistory, request, auth)

    change_enums = {"kind": catalogue_pb2.ChangeKind.DESCRIPTOR}

    @app.post("/v1/changes", tags=["catalogue"],
              summary="Record a change of the legal basis (法律依据) or of a department's "
                      "functions (机构职能调整): each affected item's department has 10 "
                      "working days from the day it took effect to file a new version",
              status_code=status.HTTP_201_CREATED, response_class=JSONResponse,
              responses=answers(catalogue_pb2.RecordChangeResponse, 201),
              openapi_extra=body_of(catalogue_pb2.RecordChangeRequest,
                                    short_enums=change_enums))
    async def record_change(auth: Auth, body: Body) -> JSONResponse:
        request = parse(with_enum_names(body, change_enums), catalogue_pb2.RecordChangeRequest)
        return await call("catalogue", backends.catalogue.RecordChange, request, auth, 201)

    @app.get("/v1/obligations", tags=["catalogue"],
             summary="Change obligations (动态调整): open, fulfilled, overdue",
             response_class=JSONResponse,
             responses=answers(catalogue_pb2.ListObligationsResponse))
    async def list_obligations(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_OBLIGATIONS, "region"),
                                         description="6-digit region code; "
                                         "it and the regions under it")],
            obligation_status: Annotated[str, enum_query(
                catalogue_pb2.ObligationStatus.DESCRIPTOR, "obligation status (empty = "
                "all)", alias="status")] = "",
            page_size: Annotated[int, Query(**parameter_limits(_OBLIGATIONS, "page_size"),
                                            description="1..200; 0 = 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_OBLIGATIONS, "page_token"))
                                  ] = "") -> JSONResponse:
        request = build(catalogue_pb2.ListObligationsRequest, region=region,
                        page_size=page_size, page_token=page_token,
                        status=enum_number(catalogue_pb2.ObligationStatus.DESCRIPTOR,
                                           obligation_status, "query.status"))
        return await call("catalogue", backends.catalogue.ListObligations, request, auth)

    export_errors = {key: value for key, value in
                     answers(catalogue_pb2.ItemVersion).items() if key != 200}

    @app.get("/v1/regions/{region}/catalogue.json", tags=["catalogue"],
             summary="Export a region's published catalogue as JSON (streamed)",
             response_class=StreamingResponse,
             responses={200: {"description": "`{\"region\", \"items\": [ItemVersion]}`",
                              "content": {"application/json": {"schema": {
                                  "type": "object", "title": "CatalogueExport",
                                  "properties": {"region": {"type": "string"},
                                                 "items": {"type": "array",
                                                           "items": answer_schemas.ref(
                                                     catalogue_pb2.ItemVersion.DESCRIPTOR)}}}}}},
                        **export_errors})
    def export_json(auth: Auth, region: Region) -> StreamingResponse:
        items = exported(region, auth)
        return export_answer(export.json_parts(region, items, to_json), "application/json",
                             f"catalogue-{region}.json")

    @app.get("/v1/regions/{region}/catalogue.csv", tags=["catalogue"],
             summary="Export a region's published catalogue as CSV (streamed)",
             response_class=StreamingResponse,
             responses={200: {"description": "The catalogue CSV format (it imports again "
                                             "with `sunlight catalogue import`): UTF-8 with "
                                             "a byte-order mark; columns: "
                                             + ", ".join(export.CSV_COLUMNS)
                                             + "; lists of codes one a line, other lists "
                                               "JSON arrays",
                              "content": {"text/csv": {"schema": {"type": "string"}}}},
                        **export_errors})
    def export_csv(auth: Auth, region: Region) -> StreamingResponse:
        items = exported(region, auth)
        return export_answer(export.csv_parts(items), "text/csv; charset=utf-8",
                             f"catalogue-{region}.csv")

    # --- cases ----------------------------------------------------------------------
    submit_enums = {"mode": common_pb2.HandlingMode.DESCRIPTOR,
                    "channel": cases_pb2.Channel.DESCRIPTOR}

    @app.post("/v1/cases", tags=["cases"],
              summary="Submit an application (申请): a case on the item version in force",
              status_code=status.HTTP_201_CREATED, response_class=JSONResponse,
              responses=answers(cases_pb2.CaseResponse, 201),
              openapi_extra=body_of(cases_pb2.SubmitApplicationRequest,
                                    short_enums=submit_enums))
    async def submit_application(auth: Auth, body: Body) -> JSONResponse:
        request = parse(with_enum_names(body, submit_enums),
                        cases_pb2.SubmitApplicationRequest)
        return await call("cases", backends.cases.SubmitApplication, request, auth, 201)

    @app.post("/v1/case-openings", tags=["cases"],
              summary="Open a case (立案): a penalty, coercive measure or inspection the "
                      "government opens itself, pending the head's approval",
              description="On an item whose flow begins with its opening step. The parties "
                          "(当事人) are checked like applicants; `legal_basis` cites the "
                          "item's own legal basis as the item words it; `source` is "
                          "inspection, complaint, referral, assigned or other. The head "
                          "then approves the opening with the action `accept` (or refuses "
                          "it with `reject`).",
              status_code=status.HTTP_201_CREATED, response_class=JSONResponse,
              responses=answers(cases_pb2.CaseResponse, 201),
              openapi_extra=body_of(cases_pb2.OpenCaseRequest))
    async def open_case(auth: Auth, body: Body) -> JSONResponse:
        request = parse(body, cases_pb2.OpenCaseRequest)
        return await call("cases", backends.cases.OpenCase, request, auth, 201)

    action_enums = {("decide", "outcome"): cases_pb2.DecisionOutcome.DESCRIPTOR,
                    ("start_procedure", "kind"): common_pb2.SpecialProcedure.DESCRIPTOR,
                    ("assist", "kind"): cases_pb2.AssistanceKind.DESCRIPTOR}

    @app.post("/v1/cases/{case_number}/actions", tags=["cases"],
              summary="Act on a case: one action per call (accept, reject, "
                      "request_supplement, claim, complete_step, return_step, decide, urge, "
                      "assist, charge_fee, …)",
              description="The body names exactly one action: `{\"idempotency_key\": …, "
                          "\"<action>\": {…}}`, e.g. `{\"idempotency_key\": \"k1\", "
                          "\"complete_step\": {\"instance_id\": \"s3\", \"opinion\": "
                          "\"同意\"}}`; actions without fields take `{}`. The case's "
                          "`allowed_actions` lists those possible now; any other answers 422 "
                          "`ACTION_NOT_ALLOWED` with the case's `status` and `allowed` in the "
                          "error's metadata. A replay of the same key acts no second time and "
                          "answers with the case as it is now; the same key with another "
                          "body is 409 `IDEMPOTENCY_KEY_REUSED`.",
              response_class=JSONResponse, responses=answers(cases_pb2.CaseResponse),
              openapi_extra=body_of(cases_pb2.ActOnCaseRequest, ("case_number",),
                                    nested_short_enums=action_enums))
    async def act_on_case(auth: Auth, body: Body, case_number: CaseNumber) -> JSONResponse:
        request = parse(with_nested_enum_names(body, action_enums),
                        cases_pb2.ActOnCaseRequest, ("case_number",))
        request.case_number = case_number
        return await call("cases", backends.cases.ActOnCase, request, auth)

    @app.get("/v1/cases/{case_number}", tags=["cases"],
             summary="A case: which step, what next, how long left",
             response_class=JSONResponse, responses=answers(cases_pb2.CaseResponse))
    async def get_case(
            auth: Auth, case_number: CaseNumber,
            view: Annotated[str, enum_query(cases_pb2.CaseView.DESCRIPTOR,
                                            "file (the default: a logged read of the case's "
                                            "file) or status (where it stands, the public "
                                            "view, not logged)")] = ""
    ) -> JSONResponse:
        request = build(cases_pb2.GetCaseRequest, case_number=case_number,
                        view=enum_number(cases_pb2.CaseView.DESCRIPTOR, view, "query.view"))
        return await routed("cases", backends.cases.GetCase, GET_CASE, request, auth,
                            holder("case", case_number))

    @app.get("/v1/cases/{case_number}/status", tags=["cases"],
             summary="Where a case stands, asked at any node of the province",
             description="Answered by the node that holds the case — this one, or the one "
                         "its number's region belongs to, over the peer port — for the "
                         "caller (the same rules as reading the case; the status view, "
                         "so no read of the case's file is logged). `node` names the "
                         "node that answered; a node that does not answer is 503 "
                         "`NODE_UNAVAILABLE` naming it.",
             response_class=JSONResponse)
    async def get_case_status(auth: Auth, case_number: CaseNumber) -> JSONResponse:
        request = build(cases_pb2.GetCaseRequest, case_number=case_number,
                        view=cases_pb2.CASE_VIEW_STATUS)
        node = holder("case", case_number)
        found = (await answer("cases", backends.cases.GetCase, GET_CASE, request, auth,
                              node)).case
        held_by = node or node_region
        return JSONResponse({
            "case_number": found.case_number, "region": found.region,
            "node": {"region": held_by, "name": router.node_name(held_by) if router and node
                     else node_name},
            "status": cases_pb2.CaseStatus.Name(found.status),
            "item_name": found.item_name, "due_date": found.due_date,
            "completed": found.HasField("completed_at"),
            "next_steps": list(found.next_steps)})

    @app.get("/v1/cases/{case_number}/trace", tags=["cases"],
             summary="A case's trace (操作痕迹): every action, hash-chained",
             response_class=JSONResponse, responses=answers(cases_pb2.GetTraceResponse))
    async def get_trace(auth: Auth, case_number: CaseNumber) -> JSONResponse:
        request = build(cases_pb2.GetTraceRequest, case_number=case_number)
        return await call("cases", backends.cases.GetTrace, request, auth)

    @app.get("/v1/cases/{case_number}/trace/verify", tags=["cases"],
             summary="Verify a case's trace: its first broken link, if any",
             response_class=JSONResponse, responses=answers(cases_pb2.VerifyTraceResponse))
    async def verify_trace(auth: Auth, case_number: CaseNumber) -> JSONResponse:
        request = build(cases_pb2.VerifyTraceRequest, case_number=case_number)
        return await call("cases", backends.cases.VerifyTrace, request, auth)

    # --- documents (文书) ------------------------------------------------------------------
    @app.get("/v1/cases/{case_number}/documents", tags=["documents"],
             summary="A case's documents (文书): 受理通知书, 补正通知书, 不予受理决定书, "
                     "行政许可决定书 …, oldest first",
             response_class=JSONResponse, responses=answers(cases_pb2.ListDocumentsResponse))
    async def list_documents(auth: Auth, case_number: CaseNumber) -> JSONResponse:
        request = build(cases_pb2.ListDocumentsRequest, case_number=case_number)
        return await call("cases", backends.cases.ListDocuments, request, auth)

    @app.get("/v1/cases/{case_number}/documents/{document_id}", tags=["documents"],
             summary="A document as PDF (application/pdf): in Chinese, its font embedded, "
                     "its content inside and its hash on every page",
             response_class=Response,
             responses={200: {"description": "the PDF; `ETag`: its SHA-256; "
                                             "`X-Content-SHA256`: the content's, as the "
                                             "case's trace holds it",
                              "content": {"application/pdf": {"schema": {
                                  "type": "string", "format": "binary"}}}},
                        **{k: v for k, v in answers(cases_pb2.GetDocumentResponse).items()
                           if k != 200}})
    async def get_document(auth: Auth, case_number: CaseNumber, document_id: DocumentId
                           ) -> Response:
        request = build(cases_pb2.GetDocumentRequest, case_number=case_number,
                        document_id=document_id)
        found = await answer("cases", backends.cases.GetDocument, GET_DOCUMENT, request,
                             auth, holder("case", case_number))
        d = found.document
        name = f"{d.number or d.document_id}-{d.title}.pdf"
        return Response(found.pdf, media_type="application/pdf", headers={
            "Content-Disposition": f"attachment; filename=\"{case_number}-{d.document_id}.pdf\""
                                   f"; filename*=UTF-8''{quote(name)}",
            "ETag": f'"{d.pdf_sha256}"', "X-Content-SHA256": d.content_sha256,
            "Cache-Control": "no-store"})

    @app.get("/v1/cases/{case_number}/documents/{document_id}/verify", tags=["documents"],
             summary="Verify a kept document against the case's trace",
             response_class=JSONResponse, responses=answers(cases_pb2.VerifyDocumentResponse))
    async def verify_document(auth: Auth, case_number: CaseNumber, document_id: DocumentId
                        ) -> JSONResponse:
        request = cases_pb2.VerifyDocumentRequest(stored=build(
            cases_pb2.StoredDocument, case_number=case_number, document_id=document_id))
        return await call("cases", backends.cases.VerifyDocument, request, auth)

    @app.post("/v1/documents/verify", tags=["documents"],
              summary="Verify a PDF someone holds (the body: the PDF itself) against the trace "
                      "of the case it names",
              description="Send the file as it is (`curl --data-binary @file.pdf -H "
                          "'Content-Type: application/pdf'`), at most 3 MiB. The answer says "
                          "whether the content it carries is what the case's trace recorded, "
                          "whether the trace holds, and whether the PDF is exactly the one "
                          "issued; `reason` names the first check that failed.",
              response_class=JSONResponse, responses=answers(cases_pb2.VerifyDocumentResponse),
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/pdf": {"schema": {"type": "string", "format": "binary",
                                                 "maxLength": MAX_PDF_BYTES},
                                      "example": "%PDF-1.7 … (the file's bytes)"}}}})
    async def verify_pdf(request: Request, auth: Auth) -> JSONResponse:
        pdf = await read_body(request, MAX_PDF_BYTES)
        if not pdf:
            raise ApiError.invalid("send the PDF as the body", [("pdf", "required")])
        message = cases_pb2.VerifyDocumentRequest(pdf=pdf)
        return await call("cases", backends.cases.VerifyDocument, message, auth)

    @app.get("/v1/queue", tags=["cases"],
             summary="A handler's queue (待办): running steps of a department and position, "
                     "earliest due first", response_class=JSONResponse,
             responses=answers(cases_pb2.ListQueueResponse))
    async def list_queue(
            auth: Auth,
            department_code: Annotated[str, Query(
                **parameter_limits(_QUEUE, "department_code"),
                description="the department's unified social credit code (统一社会信用代码); "
                            "empty: the caller's own")] = "",
            role: Annotated[str, Query(**parameter_limits(_QUEUE, "role"),
                                       description="a position, e.g. chief; empty: every "
                                                   "position the caller holds")] = "",
            region: Annotated[str, Query(**parameter_limits(_QUEUE, "region"),
                                         description="6-digit region code; empty: the "
                                                     "caller's regions")] = "",
            unclaimed_only: bool = False, mine_only: bool = False,
            page_size: Annotated[int, Query(**parameter_limits(_QUEUE, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_QUEUE, "page_token"))] = "",
            query: Annotated[str, Query(**parameter_limits(_QUEUE, "query"),
                                        description="search (工作台检索): a case number's "
                                                    "beginning (at least 6 characters) or "
                                                    "words of the applicant's or a party's "
                                                    "name; empty: every running step")] = ""
    ) -> JSONResponse:
        request = build(_QUEUE, department_code=department_code, role=role, region=region,
                        unclaimed_only=unclaimed_only, mine_only=mine_only,
                        page_size=page_size, page_token=page_token, query=query)
        return await call("cases", backends.cases.ListQueue, request, auth)

    @app.get("/v1/parallel-branches", tags=["cases"],
             summary="Running parallel branches (并联审批) of every department, earliest due "
                     "first: for the service centre leading them (服务中心协调并联审批) and "
                     "for supervisors", response_class=JSONResponse,
             responses=answers(cases_pb2.ListQueueResponse))
    async def list_parallel_branches(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_BRANCHES, "region"),
                                         description="6-digit region code; empty: the "
                                                     "caller's regions")] = "",
            late_only: Annotated[bool, Query(description="only branches past their due "
                                                         "date")] = False,
            page_size: Annotated[int, Query(**parameter_limits(_BRANCHES, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_BRANCHES, "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_BRANCHES, region=region, late_only=late_only, page_size=page_size,
                        page_token=page_token)
        return await call("cases", backends.cases.ListParallelBranches, request, auth)

    # --- the applicant's side (办件查询 · 查阅记录) -------------------------------------
    @app.get("/v1/my/cases", tags=["cases"],
             summary="The caller's own cases (a public token: applied for by them, or "
                     "through them as agent), newest first, each in the applicant's view",
             response_class=JSONResponse, responses=answers(cases_pb2.ListMyCasesResponse))
    async def list_my_cases(
            auth: Auth,
            page_size: Annotated[int, Query(**parameter_limits(_MY_CASES, "page_size"),
                                            description="1..100, default 20")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_MY_CASES,
                                                                "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_MY_CASES, page_size=page_size, page_token=page_token)
        return await call("cases", backends.cases.ListMyCases, request, auth)

    @app.post("/v1/cases/lookup", tags=["cases"],
              summary="Look a case up without signing in: its number and a second factor "
                      "from the receipt (the applicant's name, exactly, or the query code); "
                      "the public view",
              description="Posted, never in an address (which browsers and logs keep): "
                          "`{\"case_number\": …, \"query_code\": …}` or `{\"case_number\": "
                          "…, \"applicant_name\": …}`, with a token that reads cases (a "
                          "portal's service token, e.g. the hall's). A wrong factor answers "
                          "404, exactly as a number never given.",
              response_class=JSONResponse, responses=answers(cases_pb2.CaseResponse),
              openapi_extra=body_of(cases_pb2.LookupCaseRequest))
    async def lookup_case(auth: Auth, body: Body) -> JSONResponse:
        request = parse(body, cases_pb2.LookupCaseRequest)
        return await routed("cases", backends.cases.LookupCase, LOOKUP_CASE, request, auth,
                            holder("case", request.case_number))

    @app.get("/v1/cases/{case_number}/accesses", tags=["cases"],
             summary="Who read the case's internal view (查阅记录): for the case's own "
                     "applicant and for supervisors, newest first", response_class=JSONResponse,
             responses=answers(cases_pb2.ListCaseAccessesResponse))
    async def list_case_accesses(
            auth: Auth, case_number: CaseNumber,
            page_size: Annotated[int, Query(**parameter_limits(_ACCESSES, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_ACCESSES, "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_ACCESSES, case_number=case_number, page_size=page_size,
                        page_token=page_token)
        return await routed("cases", backends.cases.ListCaseAccesses, LIST_CASE_ACCESSES,
                            request, auth, holder("case", case_number))

    # --- the audit (审计记录) -----------------------------------------------------------
    @app.get("/v1/audit/case-reads", tags=["audit"],
             summary="The audit of case-file reads of a region (审计记录): every read of a "
                     "case's file, by anyone, newest first — for supervisors and "
                     "administrators of the region",
             description="Filters: `case_number`, `subject` (the account as recorded; a "
                         "person's identity number masked), `since` / `until` (RFC 3339, "
                         "e.g. `2026-11-30T00:00:00+08:00`; since ≤ at < until), `region` "
                         "(its sub-regions too; empty: the case's, else the caller's).",
             response_class=JSONResponse, responses=answers(cases_pb2.ListAccessAuditResponse))
    async def list_access_audit(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_AUDIT, "region"))] = "",
            case_number: Annotated[str, Query(**parameter_limits(_AUDIT, "case_number"))] = "",
            subject: Annotated[str, Query(**parameter_limits(_AUDIT, "subject"))] = "",
            since: Annotated[str, Query(max_length=40, description="RFC 3339")] = "",
            until: Annotated[str, Query(max_length=40, description="RFC 3339")] = "",
            page_size: Annotated[int, Query(**parameter_limits(_AUDIT, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_AUDIT, "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_AUDIT, region=region, case_number=case_number, subject=subject,
                        page_size=page_size, page_token=page_token)
        for name, text in (("since", since), ("until", until)):
            if text:
                try:
                    getattr(request, name).FromJsonString(text)
                except ValueError:
                    raise ApiError.invalid(f"{name}: a time in RFC 3339, e.g. "
                                           "2026-11-30T00:00:00+08:00") from None
        return await call("cases", backends.cases.ListAccessAudit, request, auth)

    # --- hand-overs between nodes (上报件) --------------------------------------------
    @app.get("/v1/handovers", tags=["handovers"],
             summary="The hand-overs of 上报件 this node keeps for other nodes — reported "
                     "cases handed up, decisions sent back down — pending, failing or "
                     "delivered, newest first: for administrators and supervisors of the "
                     "region",
             description="Filters: `state`, `direction`, `peer` (the other node's "
                         "region), `case_number`, `region` (its sub-regions too; empty: the "
                         "case's, else the caller's).",
             response_class=JSONResponse, responses=answers(cases_pb2.ListHandoversResponse))
    async def list_handovers(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_HANDOVERS, "region"))] = "",
            state: Annotated[str, enum_query(cases_pb2.HandoverState.DESCRIPTOR,
                                             "state (empty = any)")] = "",
            direction: Annotated[str, enum_query(cases_pb2.HandoverDirection.DESCRIPTOR,
                                                 "direction (empty = both)")] = "",
            peer: Annotated[str, Query(**parameter_limits(_HANDOVERS, "peer"))] = "",
            case_number: Annotated[str, Query(**parameter_limits(_HANDOVERS,
                                                                 "case_number"))] = "",
            page_size: Annotated[int, Query(**parameter_limits(_HANDOVERS, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_HANDOVERS, "page_token"))
                                  ] = ""
    ) -> JSONResponse:
        request = build(_HANDOVERS, region=region, peer=peer, case_number=case_number,
                        state=enum_number(cases_pb2.HandoverState.DESCRIPTOR, state,
                                          "query.state"),
                        direction=enum_number(cases_pb2.HandoverDirection.DESCRIPTOR,
                                              direction, "query.direction"),
                        page_size=page_size, page_token=page_token)
        return await call("cases", backends.cases.ListHandovers, request, auth)

    # --- supervision ------------------------------------------------------------------
    @app.get("/v1/supervision/cases/{case_number}", tags=["supervision"],
             summary="Supervision's record of a case (电子监察)", response_class=JSONResponse,
             responses=answers(monitoring_pb2.GetCaseRecordResponse))
    async def get_case_record(auth: Auth, case_number: CaseNumber) -> JSONResponse:
        request = build(monitoring_pb2.GetCaseRecordRequest, case_number=case_number)
        return await call("monitoring", backends.monitoring.GetCaseRecord, request, auth)

    @app.get("/v1/supervision/warnings", tags=["supervision"],
             summary="Warnings (预警 · 黄牌 · 红牌), newest first: a supervisor's of their "
                     "regions; a handler's own and their department's",
             response_class=JSONResponse, responses=answers(monitoring_pb2.ListWarningsResponse))
    async def list_warnings(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_WARNINGS, "region"))] = "",
            department: Annotated[str, Query(**parameter_limits(_WARNINGS, "department"))] = "",
            handler: Annotated[str, Query(**parameter_limits(_WARNINGS, "handler"),
                                          description="a subject; me: the caller")] = "",
            case_number: Annotated[str, Query(**parameter_limits(_WARNINGS,
                                                                 "case_number"))] = "",
            rule: Annotated[str, Query(**parameter_limits(_WARNINGS, "rule"))] = "",
            severity: Annotated[str, Query(pattern="^(yellow|red)?$",
                                           description="yellow or red")] = "",
            active_only: bool = False,
            page_size: Annotated[int, Query(**parameter_limits(_WARNINGS, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_WARNINGS,
                                                                "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_WARNINGS, region=region, department=department, handler=handler,
                        case_number=case_number, rule=rule, active_only=active_only,
                        page_size=page_size, page_token=page_token,
                        severity=monitoring_pb2.Severity.Value(f"SEVERITY_{severity.upper()}")
                        if severity else 0)
        return await call("monitoring", backends.monitoring.ListWarnings, request, auth)

    @app.get("/v1/supervision/warnings/{warning_id}", tags=["supervision"],
             summary="A warning: its explanation and its history",
             response_class=JSONResponse, responses=answers(monitoring_pb2.WarningResponse))
    async def get_warning(auth: Auth, warning_id: WarningId) -> JSONResponse:
        request = build(monitoring_pb2.GetWarningRequest, warning_id=warning_id)
        return await call("monitoring", backends.monitoring.GetWarning, request, auth)

    @app.post("/v1/supervision/warnings/{warning_id}/actions", tags=["supervision"],
              summary="Answer a warning: acknowledge, correct, contest (its handler); uphold, "
                      "dismiss, hold_accountable, publish_notice (a supervisor)",
              description="One action per call, beside the key: `{\"idempotency_key\": …, "
                          "\"contest\": {\"reason\": \"…\"}}`. A replay of the same key "
                          "acts no second time; the same key with another body is 409.",
              response_class=JSONResponse, responses=answers(monitoring_pb2.WarningResponse),
              openapi_extra=body_of(monitoring_pb2.ActOnWarningRequest, ("warning_id",)))
    async def act_on_warning(auth: Auth, body: Body, warning_id: WarningId) -> JSONResponse:
        request = parse(body, monitoring_pb2.ActOnWarningRequest, ("warning_id",))
        request.warning_id = warning_id
        return await call("monitoring", backends.monitoring.ActOnWarning, request, auth)

    @app.get("/v1/supervision/notifications", tags=["supervision"],
             summary="The caller's notifications of warnings: to them, to their department, "
                     "to the supervisors of their regions; newest first",
             response_class=JSONResponse,
             responses=answers(monitoring_pb2.ListNotificationsResponse))
    async def list_notifications(
            auth: Auth, unread_only: bool = False, mark_read: bool = False,
            page_size: Annotated[int, Query(**parameter_limits(_NOTIFICATIONS, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_NOTIFICATIONS,
                                                                "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_NOTIFICATIONS, unread_only=unread_only, mark_read=mark_read,
                        page_size=page_size, page_token=page_token)
        return await call("monitoring", backends.monitoring.ListNotifications, request, auth)

    # --- efficiency evaluation (效能评估) --------------------------------------------------
    async def exported_evaluation(auth: str | None, query: monitoring_pb2.EvaluateRequest,
                                  form: int) -> Response:
        request = monitoring_pb2.ExportEvaluationRequest(query=query, format=form)
        try:
            answer = await answer_of(backends.monitoring.ExportEvaluation.future(
                request, timeout=backends.timeout_s, metadata=metadata(auth)))
        except grpc.RpcError as error:
            raise from_rpc_error(error, "monitoring") from None
        disposition = ("attachment" if form == monitoring_pb2.EXPORT_FORMAT_CSV
                       else "inline")
        return Response(answer.content, media_type=answer.media_type, headers={
            "Content-Disposition": f'{disposition}; filename="{answer.filename}"',
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
            **({"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
               if form == monitoring_pb2.EXPORT_FORMAT_SVG else {})})

    @app.get("/v1/supervision/evaluation", tags=["supervision"],
             summary="Efficiency evaluation (效能评估): a ranked table of a region's "
                     "departments, regions, items or officials in a month, quarter or year",
             description="Supervisors, the legal office and administrators of the region read "
                         "every row; department staff their own department's. A figure that "
                         "is not known is left out and named in the row's `unknown`.",
             response_class=JSONResponse, responses=answers(monitoring_pb2.EvaluateResponse))
    async def evaluate(auth: Auth, query: EvaluationQuery) -> JSONResponse:
        return await call("monitoring", backends.monitoring.Evaluate, query, auth)

    @app.get("/v1/supervision/evaluation.csv", tags=["supervision"],
             summary="The evaluation table as CSV (UTF-8 with BOM, Chinese header)",
             response_class=Response, responses={200: {"description": "CSV", "content": {
                 "text/csv": {"schema": {"type": "string"}}}}})
    async def evaluation_csv(auth: Auth, query: EvaluationQuery) -> Response:
        return await exported_evaluation(auth, query, monitoring_pb2.EXPORT_FORMAT_CSV)

    @app.get("/v1/supervision/evaluation.svg", tags=["supervision"],
             summary="The evaluation table as an SVG bar chart, drawn on the server",
             response_class=Response, responses={200: {"description": "SVG", "content": {
                 "image/svg+xml": {"schema": {"type": "string"}}}}})
    async def evaluation_svg(auth: Auth, query: EvaluationQuery) -> Response:
        return await exported_evaluation(auth, query, monitoring_pb2.EXPORT_FORMAT_SVG)
    # --- complaints and ratings (投诉 / 举报 · 好差评) -------------------------------------
    @app.post("/v1/complaints", tags=["feedback"],
              summary="Complain or report (投诉 / 举报) about a case, a department, an item or a "
                      "member of staff, to the body chosen; a public token (the person's "
                      "identity)", status_code=status.HTTP_201_CREATED,
              response_class=JSONResponse, responses=answers(monitoring_pb2.ComplaintResponse, 201),
              openapi_extra=body_of(monitoring_pb2.SubmitComplaintRequest,
                                    short_enums=("kind", "addressee", "subject")))
    async def submit_complaint(auth: Auth, body: Body) -> JSONResponse:
        named = with_enum_names(body, {"kind": monitoring_pb2.ComplaintKind.DESCRIPTOR,
                                       "addressee": monitoring_pb2.Addressee.DESCRIPTOR,
                                       "subject": monitoring_pb2.ComplaintSubject.DESCRIPTOR})
        request = parse(named, monitoring_pb2.SubmitComplaintRequest)
        return await call("monitoring", backends.monitoring.SubmitComplaint, request, auth,
                          201)

    @app.get("/v1/complaints", tags=["feedback"],
             summary="Complaints and reports, newest first: a person's own; those addressed "
                     "to the caller's body; a supervisor's regions'", response_class=JSONResponse,
             responses=answers(monitoring_pb2.ListComplaintsResponse))
    async def list_complaints(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_COMPLAINTS, "region"))] = "",
            department_code: Annotated[str, Query(**parameter_limits(
                _COMPLAINTS, "department_code"))] = "",
            addressee: Annotated[str, enum_query(monitoring_pb2.Addressee.DESCRIPTOR,
                                                 "addressed body (empty = any)")] = "",
            complaint_status: Annotated[str, enum_query(monitoring_pb2.ComplaintStatus.DESCRIPTOR,
                                                        "status (empty = any)",
                                                        alias="status")] = "",
            overdue_only: bool = False, open_only: bool = False,
            page_size: Annotated[int, Query(**parameter_limits(_COMPLAINTS, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_COMPLAINTS,
                                                                "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_COMPLAINTS, region=region, department_code=department_code,
                        addressee=enum_number(monitoring_pb2.Addressee.DESCRIPTOR, addressee,
                                              "query.addressee"),
                        status=enum_number(monitoring_pb2.ComplaintStatus.DESCRIPTOR,
                                           complaint_status, "query.status"),
                        overdue_only=overdue_only, open_only=open_only, page_size=page_size,
                        page_token=page_token)
        return await call("monitoring", backends.monitoring.ListComplaints, request, auth)

    @app.get("/v1/complaints/{complaint_id}", tags=["feedback"],
             summary="A complaint or report, with its history", response_class=JSONResponse,
             responses=answers(monitoring_pb2.ComplaintResponse))
    async def get_complaint(auth: Auth, complaint_id: ComplaintId) -> JSONResponse:
        request = build(monitoring_pb2.GetComplaintRequest, complaint_id=complaint_id)
        return await call("monitoring", backends.monitoring.GetComplaint, request, auth)

    @app.post("/v1/complaints/{complaint_id}/actions", tags=["feedback"],
              summary="Handle a complaint: accept, reject, answer, close (the addressed "
                      "body's staff); withdraw (the person)",
              description="One action per call, beside the key: `{\"idempotency_key\": …, "
                          "\"answer\": {\"finding\": \"partly\", \"answer\": \"…\"}}`.",
              response_class=JSONResponse, responses=answers(monitoring_pb2.ComplaintResponse),
              openapi_extra=body_of(monitoring_pb2.ActOnComplaintRequest, ("complaint_id",),
                                    nested_short_enums=(("answer", "finding"),)))
    async def act_on_complaint(auth: Auth, body: Body, complaint_id: ComplaintId
                               ) -> JSONResponse:
        named = with_nested_enum_names(
            body, {("answer", "finding"): monitoring_pb2.Finding.DESCRIPTOR})
        request = parse(named, monitoring_pb2.ActOnComplaintRequest, ("complaint_id",))
        request.complaint_id = complaint_id
        return await call("monitoring", backends.monitoring.ActOnComplaint, request, auth)

    @app.post("/v1/ratings", tags=["feedback"],
              summary="Rate a case of one's own that has ended (好差评): once per channel "
                      "within the rating window; a bad rating opens a rectification",
              status_code=status.HTTP_201_CREATED, response_class=JSONResponse,
              responses=answers(monitoring_pb2.RatingResponse, 201),
              openapi_extra=body_of(monitoring_pb2.RateCaseRequest,
                                    short_enums=("channel", "level")))
    async def rate_case(auth: Auth, body: Body) -> JSONResponse:
        named = with_enum_names(body, {"channel": monitoring_pb2.RatingChannel.DESCRIPTOR,
                                       "level": monitoring_pb2.RatingLevel.DESCRIPTOR})
        indicators = named.get("indicators")
        if isinstance(indicators, dict):
            named["indicators"] = with_enum_names(
                indicators, dict.fromkeys(indicators, monitoring_pb2.RatingLevel.DESCRIPTOR),
                "indicators.")
        request = parse(named, monitoring_pb2.RateCaseRequest)
        return await call("monitoring", backends.monitoring.RateCase, request, auth, 201)

    @app.get("/v1/ratings", tags=["feedback"],
             summary="Ratings, newest first: a person's own; a department's (its staff); a "
                     "supervisor's regions'", response_class=JSONResponse,
             responses=answers(monitoring_pb2.ListRatingsResponse))
    async def list_ratings(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_RATINGS, "region"))] = "",
            department_code: Annotated[str, Query(**parameter_limits(
                _RATINGS, "department_code"))] = "",
            case_number: Annotated[str, Query(**parameter_limits(_RATINGS,
                                                                 "case_number"))] = "",
            bad_only: bool = False,
            appeal_status: Annotated[str, enum_query(monitoring_pb2.AppealStatus.DESCRIPTOR,
                                                     "appeal status (empty = any)")] = "",
            month: Annotated[str, Query(**parameter_limits(_RATINGS, "month"),
                                        description="YYYY-MM")] = "",
            page_size: Annotated[int, Query(**parameter_limits(_RATINGS, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_RATINGS, "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_RATINGS, region=region, department_code=department_code,
                        case_number=case_number, bad_only=bad_only, month=month,
                        appeal_status=enum_number(monitoring_pb2.AppealStatus.DESCRIPTOR,
                                                  appeal_status, "query.appeal_status"),
                        page_size=page_size, page_token=page_token)
        return await call("monitoring", backends.monitoring.ListRatings, request, auth)

    @app.post("/v1/ratings/{rating_id}/appeal", tags=["feedback"],
              summary="Appeal a bad rating as mistaken or malicious (申诉): the rated "
                      "department's staff, once", response_class=JSONResponse,
              responses=answers(monitoring_pb2.RatingResponse),
              openapi_extra=body_of(monitoring_pb2.AppealRatingRequest, ("rating_id",)))
    async def appeal_rating(auth: Auth, body: Body, rating_id: RatingId) -> JSONResponse:
        request = parse(body, monitoring_pb2.AppealRatingRequest, ("rating_id",))
        request.rating_id = rating_id
        return await call("monitoring", backends.monitoring.AppealRating, request, auth)

    @app.post("/v1/ratings/{rating_id}/appeal/decision", tags=["feedback"],
              summary="Decide an appeal (a supervisor): uphold (the rating leaves the "
                      "indicators) or reject, with the reason", response_class=JSONResponse,
              responses=answers(monitoring_pb2.RatingResponse),
              openapi_extra=body_of(monitoring_pb2.DecideAppealRequest, ("rating_id",)))
    async def decide_appeal(auth: Auth, body: Body, rating_id: RatingId) -> JSONResponse:
        request = parse(body, monitoring_pb2.DecideAppealRequest, ("rating_id",))
        request.rating_id = rating_id
        return await call("monitoring", backends.monitoring.DecideAppeal, request, auth)

    @app.get("/v1/rectifications", tags=["feedback"],
             summary="Bad ratings' rectifications (差评整改), earliest due first, overdue ones "
                     "marked: a department's staff their department's, supervisors their "
                     "regions'", response_class=JSONResponse,
             responses=answers(monitoring_pb2.ListRectificationsResponse))
    async def list_rectifications(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_RECTIFICATIONS, "region"))] = "",
            department_code: Annotated[str, Query(**parameter_limits(
                _RECTIFICATIONS, "department_code"))] = "",
            task_status: Annotated[str, enum_query(monitoring_pb2.RectificationStatus.DESCRIPTOR,
                                                   "status (empty = any)",
                                                   alias="status")] = "",
            overdue_only: bool = False,
            page_size: Annotated[int, Query(**parameter_limits(_RECTIFICATIONS, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_RECTIFICATIONS,
                                                                "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_RECTIFICATIONS, region=region, department_code=department_code,
                        status=enum_number(monitoring_pb2.RectificationStatus.DESCRIPTOR,
                                           task_status, "query.status"),
                        overdue_only=overdue_only, page_size=page_size, page_token=page_token)
        return await call("monitoring", backends.monitoring.ListRectifications, request, auth)

    @app.post("/v1/rectifications/{task_id}/complete", tags=["feedback"],
              summary="Record a rectification done: the measures and the answer to the person "
                      "who rated (the department's staff)", response_class=JSONResponse,
              responses=answers(monitoring_pb2.RectificationResponse),
              openapi_extra=body_of(monitoring_pb2.CompleteRectificationRequest, ("task_id",)))
    async def complete_rectification(auth: Auth, body: Body, task_id: TaskId) -> JSONResponse:
        request = parse(body, monitoring_pb2.CompleteRectificationRequest, ("task_id",))
        request.task_id = task_id
        return await call("monitoring", backends.monitoring.CompleteRectification, request,
                          auth)

    @app.get("/v1/feedback/indicators", tags=["feedback"],
             summary="Public indicators of ratings and complaints per department and month "
                     "(好评率, 差评整改率, …); no token needed", response_class=JSONResponse,
             responses=answers(monitoring_pb2.GetFeedbackIndicatorsResponse))
    async def feedback_indicators(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_INDICATORS, "region"),
                                         description="6-digit region code; it and the "
                                                     "regions under it")] = "",
            department_code: Annotated[str, Query(**parameter_limits(
                _INDICATORS, "department_code"))] = "",
            month_from: Annotated[str, Query(**parameter_limits(_INDICATORS, "month_from"),
                                             description="YYYY-MM; empty: this month")] = "",
            month_to: Annotated[str, Query(**parameter_limits(_INDICATORS, "month_to"),
                                           description="YYYY-MM; empty: month_from")] = ""
    ) -> JSONResponse:
        request = build(_INDICATORS, region=region, department_code=department_code,
                        month_from=month_from, month_to=month_to)
        return await call("monitoring", backends.monitoring.GetFeedbackIndicators, request,
                          auth)

    # --- consultations (咨询) -------------------------------------------------------------
    @app.post("/v1/consultations", tags=["feedback"],
              summary="Ask about an item (咨询): signed in (a public token) as oneself, or "
                      "without a token leaving a contact — the answer then carries a "
                      "query code to read it with; the item's department answers within the "
                      "node's limit of working days", status_code=status.HTTP_201_CREATED,
              response_class=JSONResponse,
              responses=answers(monitoring_pb2.ConsultationResponse, 201),
              openapi_extra=body_of(monitoring_pb2.AskConsultationRequest))
    async def ask_consultation(auth: Auth, body: Body) -> JSONResponse:
        request = parse(body, monitoring_pb2.AskConsultationRequest)
        return await call("monitoring", backends.monitoring.AskConsultation, request, auth,
                          201)

    @app.get("/v1/consultations", tags=["feedback"],
             summary="Consultations: a person's own; those about the caller's department's "
                     "items; a supervisor's regions'. Newest first, or earliest due first "
                     "with waiting_only", response_class=JSONResponse,
             responses=answers(monitoring_pb2.ListConsultationsResponse))
    async def list_consultations(
            auth: Auth,
            region: Annotated[str, Query(**parameter_limits(_CONSULTATIONS, "region"))] = "",
            department_code: Annotated[str, Query(**parameter_limits(
                _CONSULTATIONS, "department_code"))] = "",
            consultation_status: Annotated[str, enum_query(
                monitoring_pb2.ConsultationStatus.DESCRIPTOR, "status (empty = any)",
                alias="status")] = "",
            waiting_only: bool = False, overdue_only: bool = False,
            page_size: Annotated[int, Query(**parameter_limits(_CONSULTATIONS, "page_size"),
                                            description="1..200, default 50")] = 0,
            page_token: Annotated[str, Query(**parameter_limits(_CONSULTATIONS,
                                                                "page_token"))] = ""
    ) -> JSONResponse:
        request = build(_CONSULTATIONS, region=region, department_code=department_code,
                        status=enum_number(monitoring_pb2.ConsultationStatus.DESCRIPTOR,
                                           consultation_status, "query.status"),
                        waiting_only=waiting_only, overdue_only=overdue_only,
                        page_size=page_size, page_token=page_token)
        return await call("monitoring", backends.monitoring.ListConsultations, request, auth)

    @app.post("/v1/consultations/{consultation_id}/read", tags=["feedback"],
              summary="A consultation with its answer: for the person who asked (signed in, "
                      "or with the query code it was given), the department answering and "
                      "supervisors", response_class=JSONResponse,
              description="Posted so that a query code stays out of addresses: "
                          "`{\"query_code\": …}`, or `{}` with a token.",
              responses=answers(monitoring_pb2.ConsultationResponse),
              openapi_extra=body_of(monitoring_pb2.GetConsultationRequest,
                                    ("consultation_id",)))
    async def get_consultation(auth: Auth, body: Body, consultation_id: ConsultationId
                               ) -> JSONResponse:
        request = parse(body, monitoring_pb2.GetConsultationRequest, ("consultation_id",))
        request.consultation_id = consultation_id
        return await call("monitoring", backends.monitoring.GetConsultation, request, auth)

    @app.post("/v1/consultations/{consultation_id}/actions", tags=["feedback"],
              summary="Answer a consultation (the item's department's staff; the answer "
                      "closes it) or withdraw it (the person who asked)",
              description="One action per call, beside the key: `{\"idempotency_key\": …, "
                          "\"answer\": {\"answer\": \"…\"}}` or `{…, \"withdraw\": {}}`.",
              response_class=JSONResponse,
              responses=answers(monitoring_pb2.ConsultationResponse),
              openapi_extra=body_of(monitoring_pb2.ActOnConsultationRequest,
                                    ("consultation_id",)))
    async def act_on_consultation(auth: Auth, body: Body, consultation_id: ConsultationId
                                  ) -> JSONResponse:
        request = parse(body, monitoring_pb2.ActOnConsultationRequest, ("consultation_id",))
        request.consultation_id = consultation_id
        return await call("monitoring", backends.monitoring.ActOnConsultation, request, auth)

    # --- the node ---------------------------------------------------------------------
    @app.get("/v1/node", tags=["node"], summary="This node and the state of its services",
             response_class=JSONResponse, responses=answers(gateway_pb2.GetNodeResponse))
    def get_node() -> JSONResponse:
        return JSONResponse(to_json(node_info(backends, node_region, node_name)))

    health_schema = {"type": "object", "title": "Health", "properties": {
        "status": {"type": "string", "enum": ["SERVING", "NOT_SERVING"]},
        "backends": {"type": "object", "additionalProperties": {"type": "object"}}}}

    @app.get("/healthz", tags=["node"], summary="200 when every backend is SERVING, else 503",
             response_class=JSONResponse,
             responses={200: {"description": "every backend serving", "content": {
                 "application/json": {"schema": health_schema}}},
                        503: {"description": "a backend is not serving (the same body, "
                                             "status NOT_SERVING)", "content": {
                            "application/json": {"schema": health_schema, "example": {
                                "status": "NOT_SERVING", "backends": {
                                    "cases": {"status": "UNKNOWN"}}}}}}})
    def healthz() -> JSONResponse:
        checks = backends.health()
        ok = all(h.status == "SERVING" for h in checks)
        return JSONResponse({"status": "SERVING" if ok else "NOT_SERVING",
                             "backends": {h.key: h.as_json() for h in checks}},
                            status_code=200 if ok else 503)

    # --- where things are: the entry points and service discovery ---------------------------
    def entry(version: bool) -> dict[str, Any]:
        return {"service": "Sunlight (阳光) node gateway: the HTTP JSON API of one node of the "
                           "platform (the power catalogue 权力清单, cases 办件, supervision "
                           "电子监察, complaints and ratings 投诉举报 · 好差评)",
                "node": {"region": node_region, "name": node_name},
                **({"api_version": "v1"} if version else {"api": "/v1/"}),
                "openapi": "/openapi.json", "docs": "/docs", "docs_plain": "/docs/plain",
                "methods": "/v1/methods", "methods_allowed": "/v1/methods/allowed",
                "node_info": "/v1/node", "health": "/healthz",
                "authentication": "Authorization: Bearer <JWT> of this node (`sunlight "
                                  "token` mints one); what each method needs: /v1/methods"}

    entry_schema = {"type": "object", "title": "Entry", "properties": {
        "service": {"type": "string"}, "node": {"type": "object", "properties": {
            "region": {"type": "string"}, "name": {"type": "string"}}},
        **{k: {"type": "string", "description": "a path on this node"} for k in (
            "api", "openapi", "docs", "docs_plain", "methods", "methods_allowed",
            "node_info", "health")}}}

    def entry_answer(version: bool) -> dict[int | str, Any]:
        return {200: {"description": "what the node is and where its API, documentation and "
                                     "discovery are", "content": {"application/json": {
                          "schema": entry_schema, "example": {
                              **entry(version), "node": {"region": "511602",
                                                         "name": "广安区"}}}}}}

    @app.get("/", tags=["node"], summary="What this node is, and where its API, its "
             "documentation and its service discovery are", response_class=JSONResponse,
             responses=entry_answer(False))
    def root() -> JSONResponse:
        return JSONResponse(entry(False))

    @app.get("/v1/", tags=["node"], summary="The API's version 1: where its description, "
             "documentation and service discovery are", response_class=JSONResponse,
             responses=entry_answer(True))
    def version_root() -> JSONResponse:
        return JSONResponse(entry(True))

    def listed(method: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
        return {"method": method, "path": path, "summary": operation.get("summary", ""),
                "tags": operation.get("tags", []), "roles": operation["x-sunlight-roles"],
                "permissions": operation["x-sunlight-permissions"],
                "anonymous": operation["x-sunlight-anonymous"]}

    method_schema = {"type": "object", "title": "Method", "properties": {
        "method": {"type": "string"}, "path": {"type": "string"},
        "summary": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
        "roles": {"type": "array", "items": {"type": "string"},
                  "description": "roles that may call it (x-sunlight-roles)"},
        "permissions": {"type": "array", "items": {"type": "string"}},
        "anonymous": {"type": "boolean", "description": "callable without a token"}}}
    method_example = {"method": "POST", "path": "/v1/items", "summary": "Declare a new item "
                      "(draft)", "tags": ["catalogue"],
                      "roles": ACCESS[("POST", "/v1/items")].roles(),
                      "permissions": ["item.write"], "anonymous": False}

    def methods_of() -> list[dict[str, Any]]:
        return [listed(m, p, op) for m, p, op in api_doc.operations(app.openapi())]

    @app.get("/v1/methods", tags=["node"],
             summary="Every operation this node offers (listMethods): method, path, summary, "
                     "the roles that may call it", response_class=JSONResponse,
             description="In the spirit of X-Road's listMethods: what this node offers, read "
                         "from its OpenAPI document. `roles` are the token roles that may call "
                         "an operation at all; the call itself still checks the token's "
                         "regions (and, for department staff, their department).",
             responses={200: {"description": "the operations", "content": {
                 "application/json": {"schema": {"type": "object", "properties": {
                     "node": entry_schema["properties"]["node"],
                     "methods": {"type": "array", "items": method_schema}}},
                     "example": {"node": {"region": "511602", "name": "广安区"},
                                 "methods": [method_example]}}}}})
    def list_methods() -> JSONResponse:
        return JSONResponse({"node": {"region": node_region, "name": node_name},
                             "methods": methods_of()})

    @app.get("/v1/methods/allowed", tags=["node"],
             summary="The operations the caller's token may call (allowedMethods), from its "
                     "roles", response_class=JSONResponse,
             description="In the spirit of X-Road's allowedMethods: the token is verified "
                         "here (this node's own tokens) and the operations whose roles it "
                         "holds are listed, with the anonymous ones; `caller` says what the "
                         "token says (subject, roles, regions, department). Without a token: "
                         "401 `UNAUTHENTICATED`.",
             responses={200: {"description": "the caller and what it may call", "content": {
                 "application/json": {"schema": {"type": "object", "properties": {
                     "caller": {"type": "object", "properties": {
                         "subject": {"type": "string"},
                         "roles": {"type": "array", "items": {"type": "string"}},
                         "regions": {"type": "array", "items": {"type": "string"}},
                         "department": {"type": ["string", "null"]}}},
                     "methods": {"type": "array", "items": method_schema}}},
                     "example": {"caller": {"subject": "zhang.wei", "roles": ["clerk"],
                                            "regions": ["511602"],
                                            "department": "115113016823646795"},
                                 "methods": [method_example]}}}}})
    def allowed_methods(auth: Auth) -> JSONResponse:
        if not auth:
            raise ApiError(401, "UNAUTHENTICATED", "send your token as `Authorization: Bearer "
                           "<JWT>` (`sunlight token` mints one) to learn what it may call; "
                           "GET /v1/methods lists every operation without one",
                           headers={"WWW-Authenticate": "Bearer"})
        if authenticator is None:
            raise ApiError(503, "DISCOVERY_UNAVAILABLE", "this gateway verifies no tokens itself: "
                           "see GET /v1/methods for the roles of each operation")
        try:
            caller = authenticator.principal(auth)
        except DomainError as error:
            raise ApiError(http_status_of(grpc.StatusCode[error.grpc_status]), error.code,
                           error.message, metadata=dict(error.metadata),
                           headers={"WWW-Authenticate": "Bearer"}) from None
        allowed = [m for m in methods_of() if ACCESS[(m["method"], m["path"])].allows(
            caller.roles)]
        return JSONResponse({"caller": {"subject": caller.subject, "roles": list(caller.roles),
                                        "regions": list(caller.regions),
                                        "department": caller.department},
                             "methods": allowed})

    # --- documentation: Swagger UI from the node itself, and a page without script -----------
    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def interactive_docs() -> HTMLResponse:
        return HTMLResponse(docs.swagger_page(app.title), headers={
            "Content-Security-Policy": docs.SWAGGER_CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff"})

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_script() -> Response:
        return Response(docs.SWAGGER_INIT, media_type="text/javascript", headers={
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        asset = docs.asset(name)
        if asset is None:
            raise ApiError(404, "NOT_FOUND", f"no documentation asset {name!r}")
        content, media_type = asset
        return Response(content, media_type=media_type, headers={
            "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400"})

    @app.get("/docs/plain", include_in_schema=False, response_class=HTMLResponse)
    def route_list() -> HTMLResponse:
        return HTMLResponse(docs.render(app.openapi()), headers={
            "Content-Security-Policy": docs.CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff"})

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
            components.update(answer_schemas.components)
            api_doc.describe(document, error_schema)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
