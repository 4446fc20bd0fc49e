"""The platform side's event checks when no event arrives (the wrong vhost, say): each one
fails with the same expected/seen, none breaks as an error of the kit."""

from __future__ import annotations

from types import SimpleNamespace

from cli.conformance import platform as _platform  # noqa: F401 - registers its checks
from cli.conformance.checks import FAILED, REGISTRY, run_checks

EVENT_CHECKS = ("PR02-EVENT-ENVELOPE", "PR02-EVENT-SEQUENCE", "PR02-EVENT-REDELIVERY")


def test_no_event_fails_every_event_check_naming_the_broker() -> None:
    target = SimpleNamespace(events=None, amqp_url="amqp://guest:guest@127.0.0.1:5672/%2F",
                             events_problem=None, events_timeout_s=0.0, redelivered=[],
                             ensure_case=lambda: {"case_number": "51160220261201000001"},
                             _queue=None, case={"sequence": 3})
    checks = [c for c in REGISTRY.of() if c.id in EVENT_CHECKS]
    assert [c.id for c in checks] == list(EVENT_CHECKS)
    results = run_checks(checks, target)
    assert [r.status for r in results] == [FAILED] * 3, [r.message for r in results]
    for result in results:
        assert "case.withdrawn" in result.message and "vhost" in result.message
