"""Requests and latency of an HTTP app (the gateway's API, the hall), and its ``GET /metrics``.

Plain ASGI middleware, outermost: it answers ``/metrics`` itself (before load shedding, rate
limits or sessions: a scrape is answered when the node is busy, and is not counted), and for
every other request records ``sunlight_http_server_requests_total{route,method,status}`` and
``sunlight_http_server_duration_seconds{route,method}``. ``route`` is the template of the
route that answered (``/v1/cases/{case_number}``), read from the scope once the app has
routed it — never the path, which carries case numbers and names; a request no route took
(404, refused before routing) is ``other``. ``method`` is one of the HTTP methods, else
``other``. A few microseconds a request.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from services.shared import metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

METRICS_PATH = "/metrics"
OTHER = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(scope: Scope) -> str:
    """The template of the route that took the request (``other`` when none did)."""
    route = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    return path if isinstance(path, str) and path else OTHER


class HttpMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (scope["path"] == METRICS_PATH and scope["method"] in ("GET", "HEAD")
                and not _proxied(scope)):
            await _metrics_page(send, scope["method"] == "HEAD")
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app ends without a response

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope["method"]
            metrics.record_http(route_of(scope), method if method in METHODS else OTHER,
                                status, time.perf_counter() - started)


#: headers a reverse proxy adds: a request that has one came from outside the node
PROXY_HEADERS = frozenset({b"forwarded", b"x-forwarded-for", b"x-real-ip"})


def _proxied(scope: Scope) -> bool:
    """The request passed a reverse proxy (the public's way in): ``/metrics`` is not for
    it — Prometheus scrapes the pod or the process directly — and it gets the app's 404."""
    return any(name in PROXY_HEADERS for name, _ in scope.get("headers", ()))


async def _metrics_page(send: Send, head: bool) -> None:
    body = metrics.render()
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", metrics.CONTENT_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": b"" if head else body})
