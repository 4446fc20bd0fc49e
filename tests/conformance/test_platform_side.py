"""The conformance kit's platform side against a deliberately broken node
(tests/conformance/broken_platform.py): without faults it passes every check, so each fault
that makes a check fail is what the check is for; every platform check of the registry has a
fault that makes it fail, named in the JSON and JUnit reports with what was expected and what
was seen. A new platform check without such a fault fails this module."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.conformance.checks import ERROR, FAILED, PASSED, PLATFORM, REGISTRY, SKIPPED
from cli.conformance.platform import DEADLINE_SLACK_S
from cli.main import main
from services.shared.token_keys import TokenKey
from tests.conformance.broken_platform import (
    ALLOWED,
    DEPARTMENT,
    EVERYTHING,
    FAULTS,
    REGION,
    BrokenPlatform,
)

pytestmark = pytest.mark.integration
PLATFORM_CHECKS = [c.id for c in REGISTRY.of(PLATFORM)]
#: the deadline the runs give the kit (its least): a late answer need not keep it waiting long
DEADLINE_S = 0.1
LATE_S = DEADLINE_S + DEADLINE_SLACK_S + 0.3

#: fault → what the failed check's message says about it
SAID = {
    "discovery-unroled": "seen ['GET /v1/cases/{case_number}']",
    "accept-no-token": "without a token; seen 201",
    "accept-bad-signature": "broken signature; seen 201",
    "accept-expired": "expired token; seen 201",
    "accept-wrong-audience": "whose aud is 110000; seen 201",
    "ignore-permissions": "role openness_officer; seen 201",
    "invalid-500": "region of 4 digits; seen 500 'Internal Server Error'",
    "not-found-200": "seen 200 {}",
    "case-number-undated": "<region><YYYYMMDD><6 digits>; seen 511602",
    "replay-creates": "expected the case of the first call",
    "reused-key-accepted": "key used for another; seen 200",
    "action-replay-acts": "no new event (same sequence); seen 200 sequence",
    "late": f"answers within {DEADLINE_S:g} s (+{DEADLINE_SLACK_S:g} s); seen ['GET /v1/items: ",
    "gateway-504": "no 504 DEADLINE_EXCEEDED on a quiet node; seen ['GET /v1/cases/5116",
    "wedged": "answered 200 after a client gave up; seen 503",
    "grpc-wedged": "; seen StatusCode.UNAVAILABLE",  # at the 1 ms call or the next one
    "event-transient": "delivery_mode 2 (persistent); seen application/json, 1",
    "event-not-json": "a JSON EventEnvelope with its data; seen [\"case.step_claimed.",
    "event-gap": "each once (arrival order may differ); seen [1, 2, 4, 5]",
    "event-new-id": "published again under the same event_id; seen under several",
    "schema-mismatch": "case/created_at: ",
    "case-html": "content type text/html; charset=utf-8, documented application/json",
}


@pytest.fixture(scope="module")
def token_key() -> str:
    return TokenKey.generate().to_text()


def run(faults: set[str] | frozenset[str], token_key: str, amqp_uri: str, tmp_path: Path
        ) -> tuple[int, str, dict[str, dict[str, Any]], dict[str, ET.Element]]:
    """The kit against the node broken by ``faults``: exit code, output, the JSON report's
    results and the JUnit testcases, each by check id."""
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    with BrokenPlatform(token_key, faults, amqp_url=amqp_uri, late_s=LATE_S) as node:
        result = CliRunner(env={"SUNLIGHT_TOKEN": None}).invoke(main, [
            "conformance", "run", "--side", "platform", "--target", node.url,
            "--token-key", token_key, "--as", "conformance-kit", "--as-department",
            DEPARTMENT, "--as-region", REGION, "--amqp", amqp_uri,
            "--grpc", node.grpc_target, "--deadline", str(DEADLINE_S),
            "--junit", str(junit), "--json", str(report)])
    assert report.exists(), result.output
    results = {r["id"]: r for r in json.loads(report.read_text("utf-8"))["results"]}
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}  # noqa: S314 - the kit's own
    return result.exit_code, result.output, results, cases


def test_every_platform_check_has_a_fault_that_breaks_it() -> None:
    assert {check for check, _ in FAULTS.values()} == set(PLATFORM_CHECKS)
    assert set(SAID) == set(FAULTS)


def test_the_node_without_faults_passes_every_platform_check(token_key, amqp_uri,
                                                             tmp_path) -> None:
    code, output, results, cases = run(set(), token_key, amqp_uri, tmp_path)
    assert {i: r["status"] for i, r in results.items()} == dict.fromkeys(PLATFORM_CHECKS,
                                                                          PASSED), output
    assert code == 0, output
    assert set(cases) == set(PLATFORM_CHECKS)


def test_an_event_published_twice_under_its_event_id_passes(token_key, amqp_uri,
                                                            tmp_path) -> None:
    """At least once (SUN-PR-02 §6): a relay's second publish of an event keeps its id, and
    no event check may hold that against the node."""
    code, output, results, _ = run(set(ALLOWED), token_key, amqp_uri, tmp_path)
    assert {i: r["status"] for i, r in results.items()} == dict.fromkeys(PLATFORM_CHECKS,
                                                                          PASSED), output
    assert code == 0


@pytest.mark.parametrize("check_id", PLATFORM_CHECKS)
def test_each_platform_check_fails_against_its_fault_and_the_reports_say_so(
        check_id, token_key, amqp_uri, tmp_path) -> None:
    faults = sorted(f for f, (target, _) in FAULTS.items() if target == check_id)
    assert faults, f"no fault of broken_platform.py breaks {check_id}: add one"
    for fault in faults:
        where = tmp_path / fault
        where.mkdir()
        code, output, results, cases = run({fault}, token_key, amqp_uri, where)
        result = results[check_id]
        assert result["status"] in (FAILED, ERROR), f"{fault}: {output}"
        assert code == 1
        assert result["message"].startswith("expected ") and "; seen " in result["message"]
        assert SAID[fault] in result["message"], f"{fault}: {result['message']}"
        verdict = cases[check_id].find("failure" if result["status"] == FAILED else "error")
        assert verdict is not None, f"{fault}: no failure in the JUnit testcase {check_id}"
        assert SAID[fault] in verdict.get("message", "")
        mark = "FAIL" if result["status"] == FAILED else "ERR "
        assert f"{mark} {check_id}" in output


def test_against_a_node_broken_every_way_no_check_passes(token_key, amqp_uri,
                                                        tmp_path) -> None:
    code, output, results, cases = run(EVERYTHING, token_key, amqp_uri, tmp_path)
    assert set(results) == set(cases) == set(PLATFORM_CHECKS)
    assert code == 1
    for check_id, result in results.items():
        assert result["status"] in (FAILED, ERROR, SKIPPED), f"{check_id} passed: {output}"
        if result["status"] == SKIPPED:  # what it builds on failed first
            assert "did not pass" in result["message"], result
