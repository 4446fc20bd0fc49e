"""Per-client rate limits (services.shared.rate_limits) and their settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.shared.config import Settings
from services.shared.rate_limits import RateLimit, RateLimits


def test_a_client_over_its_rate_waits_others_do_not() -> None:
    limit = RateLimit("t", "2/minute;3/hour")
    assert [limit.hit("a"), limit.hit("a")] == [None, None]
    wait = limit.hit("a")
    assert wait is not None and 0 < wait <= 60
    assert limit.retry_after("a") == wait or limit.retry_after("a") == wait - 1
    assert limit.hit("b") is None


def test_settings_take_rates_and_refuse_anything_else() -> None:
    settings = Settings(rate_limit_case_lookup="5/second;100/hour")
    assert RateLimits.of(settings).case_lookup == "5/second;100/hour"
    assert RateLimits.of(Settings()) == RateLimits()
    with pytest.raises(ValidationError, match="not a rate"):
        Settings(rate_limit_failed_auth="lots")
