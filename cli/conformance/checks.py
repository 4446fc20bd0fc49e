"""Checks, their results and the reports: what both sides of the kit share.

A check is a function taking the run's context and raising :class:`Failed` (the
implementation does not do what the contract says: *expected* vs *seen*) or :class:`Skipped`
(the check cannot run here, and why); returning is passing. Each has an id that never
changes, e.g. ``PR01-IDEMPOTENT-REPLAY``, and names the section of the protocol documents it
enforces.
"""

from __future__ import annotations

import json
import time
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PLATFORM, ADAPTER = "platform", "adapter"
PASSED, FAILED, SKIPPED, ERROR = "passed", "failed", "skipped", "error"


class Failed(AssertionError):  # noqa: N818 - a check's verdict, not a program error
    """The implementation breaks the contract: what the contract expects, what was seen."""

    def __init__(self, expected: str, seen: str) -> None:
        super().__init__(f"expected {expected}; seen {seen}")
        self.expected = expected
        self.seen = seen


class Skipped(Exception):  # noqa: N818 - a check's verdict, not a program error
    """The check cannot run against this target (the reason says what it needs)."""


def expect(ok: bool, expected: str, seen: object) -> None:
    """Fail the check with ``expected`` / ``seen`` unless ``ok``."""
    if not ok:
        raise Failed(expected, seen if isinstance(seen, str) else repr(seen))


@dataclass(frozen=True)
class Check:
    id: str
    side: str
    title: str
    #: the section of the protocol documents it enforces, e.g. "SUN-PR-01 §8"
    spec: str
    run: Callable[[Any], None] = field(repr=False, compare=False)


@dataclass
class Result:
    id: str
    title: str
    spec: str
    status: str
    message: str = ""
    duration_s: float = 0.0


class Registry:
    """Checks in the order they run (later checks may read what earlier ones recorded)."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def check(self, id_: str, side: str, title: str, spec: str
              ) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
        def register(function: Callable[[Any], None]) -> Callable[[Any], None]:
            if any(c.id == id_ for c in self.checks):
                raise ValueError(f"check id {id_} registered twice")
            self.checks.append(Check(id_, side, title, spec, function))
            return function
        return register

    def of(self, side: str | None = None) -> list[Check]:
        return [c for c in self.checks if side is None or c.side == side]


REGISTRY = Registry()
check = REGISTRY.check


def run_checks(checks: Sequence[Check], context: Any,
               on_result: Callable[[Result], None] | None = None) -> list[Result]:
    """Every check against ``context``; an unexpected exception is the check's ``error``."""
    results = []
    for item in checks:
        started = time.monotonic()
        try:
            item.run(context)
            status, message = PASSED, ""
        except Failed as exc:
            status, message = FAILED, str(exc)
        except Skipped as exc:
            status, message = SKIPPED, str(exc)
        except Exception as exc:  # noqa: BLE001 - the check itself broke: report, go on
            status = ERROR
            message = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
        result = Result(item.id, item.title, item.spec, status, message,
                        round(time.monotonic() - started, 3))
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


# --- reports ----------------------------------------------------------------------------


def summary_line(result: Result) -> str:
    mark = {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP", ERROR: "ERR "}[result.status]
    line = f"{mark} {result.id:<34} {result.title} ({result.spec})"
    if result.message and result.status != PASSED:
        line += "\n       " + result.message.strip().splitlines()[0]
    return line


def totals(results: Iterable[Result]) -> dict[str, int]:
    counted = {PASSED: 0, FAILED: 0, SKIPPED: 0, ERROR: 0}
    for result in results:
        counted[result.status] += 1
    return counted


def exit_code(results: Iterable[Result]) -> int:
    """0 when nothing failed (skips allowed), 1 otherwise."""
    return 1 if any(r.status in (FAILED, ERROR) for r in results) else 0


def write_json(path: Path, side: str, target: str, results: Sequence[Result]) -> None:
    document = {"side": side, "target": target, "totals": totals(results),
                "results": [asdict(r) for r in results]}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")


def write_junit(path: Path, side: str, target: str, results: Sequence[Result]) -> None:
    """JUnit XML: one ``testcase`` per check (``classname`` the side, ``name`` its id); a
    failure's message says what was expected and what was seen."""
    counted = totals(results)
    suite = ET.Element("testsuite", {
        "name": f"sunlight-conformance-{side}", "tests": str(len(results)),
        "failures": str(counted[FAILED]), "errors": str(counted[ERROR]),
        "skipped": str(counted[SKIPPED]),
        "time": f"{sum(r.duration_s for r in results):.3f}"})
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "target", "value": target})
    for result in results:
        case = ET.SubElement(suite, "testcase", {
            "classname": f"sunlight.conformance.{side}", "name": result.id,
            "time": f"{result.duration_s:.3f}"})
        ET.SubElement(case, "system-out").text = f"{result.title} ({result.spec})"
        first = result.message.strip().splitlines()[0] if result.message.strip() else ""
        if result.status == FAILED:
            ET.SubElement(case, "failure", {"message": first, "type": "ContractViolation"}
                          ).text = result.message
        elif result.status == ERROR:
            ET.SubElement(case, "error", {"message": first, "type": "CheckError"}
                          ).text = result.message
        elif result.status == SKIPPED:
            ET.SubElement(case, "skipped", {"message": first})
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    path.write_bytes(ET.tostring(suites, encoding="utf-8", xml_declaration=True))
