"""Rate limits of the gateway's HTTP API, per client address (``services.shared.rate_limits``).

- **Failed sign-ins**: a request whose bearer token the node refuses (401, or an oversized
  Authorization header, 431) counts against its client; once the client has used up
  ``failed_auth``, every request it sends with an Authorization header is answered 429 until
  the window moves on — so tokens cannot be guessed at speed. Authenticated calls are never
  counted, whatever their number.
- **Public reads**: anonymous GETs of the catalogue (``/v1/items…``, ``/v1/regions/…``) and
  of the public feedback indicators (``/v1/feedback/indicators``)
  count against ``public_reads``.

A refused request gets 429 ``RATE_LIMITED`` in the error model with ``Retry-After``, before
anything reaches a service. Before either, a request whose headers (with its path and query)
are over ``MAX_HEADER_BYTES`` together is answered 431 ``HEADERS_TOO_LARGE``: uvicorn's HTTP
parser bounds only headers that arrive over several reads. Written as plain ASGI
middleware: a few microseconds a request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from gateway.errors import ApiError
from services.shared.rate_limits import RateLimit, RateLimits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Answers that mean "this token is not good here".
FAILED_AUTH_STATUSES = frozenset({401, 431})
PUBLIC_PREFIXES = ("/v1/items", "/v1/regions/", "/v1/feedback/indicators")
#: The request line's path and query and every header, names and values, together.
MAX_HEADER_BYTES = 16 * 1024


def header_bytes(scope: Scope) -> int:
    return (len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
            + sum(len(key) + len(value) for key, value in scope["headers"]))


def rate_limited(wait_s: int, what: str) -> ApiError:
    return ApiError(429, "RATE_LIMITED", f"too many {what} from this address; try again in "
                    f"{wait_s} s", metadata={"retry_after_s": str(wait_s)},
                    headers={"Retry-After": str(wait_s)})


class GatewayLimits:
    """ASGI middleware applying the failed sign-in and the public read limits."""

    def __init__(self, app: ASGIApp, rates: RateLimits) -> None:
        self.app = app
        self.failed_auth = RateLimit("failed_auth", rates.failed_auth)
        self.public_reads = RateLimit("public_reads", rates.public_reads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if header_bytes(scope) > MAX_HEADER_BYTES:
            await ApiError(431, "HEADERS_TOO_LARGE", f"the request's headers, path and query "
                           f"are over {MAX_HEADER_BYTES} bytes together").response()(
                scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        signed = any(key == b"authorization" for key, _ in scope["headers"])
        if signed:
            wait = self.failed_auth.retry_after(client)
            if wait is not None:
                await rate_limited(wait, "failed sign-ins").response()(scope, receive, send)
                return
        elif scope["method"] == "GET" and scope["path"].startswith(PUBLIC_PREFIXES):
            wait = self.public_reads.hit(client)
            if wait is not None:
                await rate_limited(wait, "public catalogue reads").response()(
                    scope, receive, send)
                return
        if not signed:
            await self.app(scope, receive, send)
            return

        async def watched(message: Message) -> None:
            if (message["type"] == "http.response.start"
                    and message["status"] in FAILED_AUTH_STATUSES):
                self.failed_auth.hit(client)
            await send(message)

        await self.app(scope, receive, watched)
