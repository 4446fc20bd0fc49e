"""Rate limits per client, in the memory of one process (the ``limits`` library).

Used where a caller could otherwise ask without end: the public lookups (the hall's case
pages, which show where a case stands to anyone holding its number; public catalogue reads)
and sign-in-like attempts (requests whose bearer token fails authentication at the gateway).
Each limit is a ``limits`` rate string (``"30/minute"``, ``"5/second;100/hour"``), set in the
node's settings (``SUNLIGHT_RATE_LIMIT_*``) so that tests and benchmarks can raise them.
Counts live in each process: a node with several gateway or hall processes allows each of
them the rate.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

if TYPE_CHECKING:
    from services.shared.config import Settings


#: Defaults of the node's settings (SUNLIGHT_RATE_LIMIT_*).
FAILED_AUTH = "10/minute"
CASE_LOOKUP = "20/minute"
PUBLIC_READS = "300/minute"
#: the hall's sign-in: failed passwords per account, attempts per client address
SIGN_IN_ACCOUNT = "5/minute;20/hour"
SIGN_IN_CLIENT = "20/minute;200/hour"


def check_rate(spec: str) -> str:
    """``spec`` if ``limits`` can read it (one or more rates separated by ';'), else
    ValueError; for settings validators."""
    try:
        parse_many(spec)
    except ValueError as exc:
        raise ValueError(f"not a rate such as '30/minute' or '5/second;100/hour': {exc}"
                         ) from None
    return spec


class RateLimit:
    """One named limit (``"case_lookup"``), counted per client."""

    def __init__(self, name: str, spec: str) -> None:
        self.name = name
        self.spec = check_rate(spec)
        self._items: list[RateLimitItem] = parse_many(spec)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again, or None when it may now."""
        waits = []
        for item in self._items:
            if not self._limiter.test(item, self.name, client):
                reset = self._limiter.get_window_stats(item, self.name, client).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def hit(self, client: str) -> int | None:
        """Count one request of ``client``; seconds to wait when that was one too many (the
        request is then refused and not counted), None when it may go ahead."""
        wait = self.retry_after(client)
        if wait is not None:
            return wait
        for item in self._items:
            self._limiter.hit(item, self.name, client)
        return None


@dataclass(frozen=True)
class RateLimits:
    """The rates of a node (SUNLIGHT_RATE_LIMIT_*): failed bearer tokens at the gateway, case
    lookups in the hall, anonymous catalogue reads at the gateway and in the hall."""

    failed_auth: str = FAILED_AUTH
    case_lookup: str = CASE_LOOKUP
    public_reads: str = PUBLIC_READS

    @classmethod
    def of(cls, settings: Settings) -> RateLimits:
        return cls(settings.rate_limit_failed_auth, settings.rate_limit_case_lookup,
                   settings.rate_limit_public_reads)
