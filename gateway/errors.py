"""The gateway's one error table: gRPC status → HTTP status, ErrorDetail → JSON body.

Every 4xx/5xx answer of the HTTP API has the same body::

    {"error": {"code": "ITEM_NOT_PUBLISHED", "message": "...", "identifier": "…",
               "metadata": {...}, "field_violations": [{"field": "...", "description": "..."}]}}

built from the ``sunlight.common.v1.ErrorDetail`` the service sent, or from the status alone
when there is none. Unexpected failures show only an identifier; the trace stays in the log.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.shared.grpc_errors import error_detail_of

log = logging.getLogger(__name__)

HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 422,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}
#: Statuses whose bare details may be a stack trace or an internal address: never shown.
_OPAQUE = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.DATA_LOSS,
           grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


def http_status_of(code: grpc.StatusCode) -> int:
    return HTTP_STATUS.get(code, 500)


@dataclass
class ApiError(Exception):
    """An HTTP error answer in the node's error model."""

    status: int
    code: str
    message: str
    identifier: str = field(default_factory=lambda: uuid.uuid4().hex)
    metadata: dict[str, str] = field(default_factory=dict)
    field_violations: list[dict[str, str]] = field(default_factory=list)
    #: HTTP headers of the answer (Retry-After…)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def body(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message,
                          "identifier": self.identifier, "metadata": self.metadata,
                          "field_violations": self.field_violations}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers or None)

    @classmethod
    def invalid(cls, message: str, violations: Iterable[tuple[str, str]] = (),
                code: str = "INVALID_ARGUMENT") -> ApiError:
        return cls(400, code, message, field_violations=[
            {"field": f, "description": d} for f, d in violations])


def from_rpc_error(error: grpc.RpcError, service: str) -> ApiError:
    """The HTTP answer for a failed gRPC call to ``service``."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    status = http_status_of(code)
    detail = error_detail_of(error)
    if detail is not None:
        return ApiError(status, detail.code or code.name, detail.message,
                        detail.identifier or uuid.uuid4().hex, dict(detail.metadata),
                        [{"field": v.field, "description": v.description}
                         for v in detail.field_violations])
    details = error.details() if hasattr(error, "details") else str(error)
    failure = ApiError(status, code.name, details or code.name, metadata={"service": service})
    if code in _OPAQUE:
        log.warning("%s answered %s: %s", service, code.name, details,
                    extra={"error_id": failure.identifier})
        failure.message = _opaque_message(code, service, failure.identifier)
    return failure


def _opaque_message(code: grpc.StatusCode, service: str, identifier: str) -> str:
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"{service} did not answer in time; try again shortly"
    if code is grpc.StatusCode.UNAVAILABLE:
        return f"{service} is not available right now; try again shortly"
    return f"{service} failed ({identifier}); the operators can find it in the logs"


def _location(loc: Iterable[object]) -> str:
    parts = [str(p) for p in loc]
    return ".".join(parts[1:] if parts and parts[0] == "body" else parts)


def install(app: FastAPI) -> None:
    """Make every error the app can produce answer in the error model."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return error.response()

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [(_location(e.get("loc", ())), str(e.get("msg", "invalid")))
                    for e in error.errors()]
        message = "; ".join(f"{f}: {d}" for f, d in problems) or "invalid request"
        return ApiError.invalid(message, problems).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(error.status_code, "HTTP_ERROR")
        headers: Mapping[str, str] | None = getattr(error, "headers", None)
        response = ApiError(error.status_code, code, str(error.detail)).response()
        response.headers.update(headers or {})
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        failure = ApiError(500, "INTERNAL", "")
        log.error("unhandled error on %s %s", request.method, request.url.path,
                  exc_info=error, extra={"error_id": failure.identifier})
        failure.message = (f"internal error {failure.identifier}; "
                           "the operators can find it in the logs")
        return failure.response()
