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

Load shedding (``LoadShedder``, outside all of these): at most ``max_in_flight`` requests
are worked on at once; one more waits a moment for a slot, then is answered 503
``NODE_BUSY`` with ``Retry-After`` without reaching a service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from gateway.errors import ApiError
from services.shared.rate_limits import RateLimit, RateLimits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
log = logging.getLogger(__name__)

#: Answers that mean "this token is not good here".
FAILED_AUTH_STATUSES = frozenset({401, 431})
PUBLIC_PREFIXES = ("/v1/items", "/v1/regions/", "/v1/feedback/indicators")
#: The request line's path and query and every header, names and values, together.
MAX_HEADER_BYTES = 16 * 1024
#: Largest request body: refused on its Content-Length before anything is read, and read no
#: further than this when it comes without one (chunked).
MAX_BODY_BYTES = 1 << 20
#: Largest Authorization header passed on: it travels as gRPC metadata, whose own limit
#: (8 KiB for all of it) would otherwise answer in the transport's words.
MAX_AUTHORIZATION_BYTES = 4096
#: Largest PDF sent to be verified (the contract's limit of VerifyDocumentRequest.pdf).
MAX_PDF_BYTES = 3 << 20


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


#: Requests the gateway works on at once, per process, unless set
#: (``SUNLIGHT_GATEWAY_MAX_IN_FLIGHT``): twice the backends' 40 worker threads (cases 8,
#: catalogue 16, monitoring 16), so that a call waits in a backend's queue for about one other
#: call at most; beyond it the node is overwhelmed, and waiting longer helps nobody.
MAX_IN_FLIGHT = 80
#: How long a request may wait for a slot before it is answered "busy" (seconds).
ADMISSION_WAIT_S = 0.25
#: Seconds a refused client is told to wait (``Retry-After``).
BUSY_RETRY_AFTER_S = 1
#: Paths never refused: a monitor must see the node's health under load, and the
#: description of the API costs nothing of the backends.
UNSHED_PATHS = frozenset({"/healthz", "/openapi.json", "/docs"})
UNSHED_PREFIXES = ("/docs/",)
#: The gateway says that it sheds load at most this often (seconds), with a count.
SHED_LOG_EVERY_S = 10.0


def node_busy(max_in_flight: int) -> ApiError:
    return ApiError(503, "NODE_BUSY",
                    f"节点繁忙，请 {BUSY_RETRY_AFTER_S} 秒后再试 (the node is busy: "
                    f"{max_in_flight} requests in flight; try again in {BUSY_RETRY_AFTER_S} s)",
                    metadata={"max_in_flight": str(max_in_flight),
                              "retry_after_s": str(BUSY_RETRY_AFTER_S)},
                    headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})


class RefusalLog:
    """Counts the calls refused as busy and says so in the log at most every
    ``SHED_LOG_EVERY_S`` (a flood of refusals is one line, with how many)."""

    def __init__(self, what: str, max_in_flight: int) -> None:
        self.what, self.max_in_flight = what, max_in_flight
        self._refused = 0
        self._logged_at = -SHED_LOG_EVERY_S

    def note(self, in_flight: int) -> None:
        self._refused += 1
        now = time.monotonic()
        if now - self._logged_at >= SHED_LOG_EVERY_S:
            log.warning("shedding load%s: %d answered NODE_BUSY (%d in flight, at most %d)",
                        self.what, self._refused, in_flight, self.max_in_flight)
            self._refused, self._logged_at = 0, now


class Slots:
    """Calls admitted and not finished, on one event loop (not thread-safe: the loop's): a
    call takes a slot while fewer than ``max_in_flight`` are taken, else waits up to
    ``admission_wait_s`` for one handed over by a finishing call (first come, first
    admitted). The HTTP API's and the gRPC port's load shedding both count with it."""

    def __init__(self, max_in_flight: int = MAX_IN_FLIGHT,
                 admission_wait_s: float = ADMISSION_WAIT_S) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, not {max_in_flight}")
        self.max_in_flight = max_in_flight
        self.admission_wait_s = max(0.0, admission_wait_s)
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """Calls waiting for a slot."""
        return len(self._waiters)

    def take(self) -> bool:
        """A slot at once, when one is free and nobody waits before."""
        if self.in_flight < self.max_in_flight and not self._waiters:
            self.in_flight += 1
            return True
        return False

    async def wait(self) -> bool:
        """Wait up to ``admission_wait_s`` for a slot handed over by a finishing call."""
        if self.admission_wait_s <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait((waiter,), timeout=self.admission_wait_s)
        except BaseException:  # cancelled while waiting (the caller went away)
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot it will not use: pass it on
            raise
        finally:
            if not waiter.done():
                waiter.cancel()
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
        return not waiter.cancelled()

    async def admit(self) -> bool:
        """True with a slot taken (at once, or handed over within the wait)."""
        return self.take() or await self.wait()

    def release(self) -> None:
        """Hand the slot to the first call still waiting, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.in_flight -= 1


class LoadShedder:
    """ASGI middleware bounding the requests in flight (load shedding).

    A request is admitted while fewer than ``max_in_flight`` are being worked on; otherwise
    it waits up to ``admission_wait_s`` for one of them to finish (first come, first
    admitted), and is then answered 503 ``NODE_BUSY`` with ``Retry-After`` — at once, nothing
    reaching a service — so an overwhelmed node says "busy" quickly instead of letting every
    caller time out. The slot is held until the answer is sent (an export: all of it) and
    freed however the request ends. Per process; ``UNSHED_PATHS`` are never refused.
    """

    def __init__(self, app: ASGIApp, max_in_flight: int = MAX_IN_FLIGHT,
                 admission_wait_s: float = ADMISSION_WAIT_S) -> None:
        self.app = app
        #: requests admitted and not finished
        self.slots = Slots(max_in_flight, admission_wait_s)
        self.refusals = RefusalLog("", max_in_flight)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in UNSHED_PATHS or path.startswith(UNSHED_PREFIXES):
            await self.app(scope, receive, send)
            return
        if not await self.slots.admit():
            self.refusals.note(self.slots.in_flight)
            await node_busy(self.slots.max_in_flight).response()(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()
