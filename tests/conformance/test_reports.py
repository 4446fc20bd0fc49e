"""The conformance kit's reports and command line, without a target: one JUnit testcase per
check with expected/seen in a failure's message, the JSON report, the exit code, the list."""

from __future__ import annotations

import json
import re
import socket
import sys
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from cli.conformance.checks import (
    ERROR,
    FAILED,
    PASSED,
    REGISTRY,
    SKIPPED,
    Registry,
    Skipped,
    exit_code,
    expect,
    run_checks,
    write_json,
    write_junit,
)
from cli.main import main
from services.shared.auth import mint_token
from services.shared.token_keys import TokenKey


def sample_results():
    registry = Registry()

    @registry.check("X-PASS", "platform", "passes", "SUN-PR-01 §8")
    def passes(_):
        expect(True, "nothing", "nothing")

    @registry.check("X-FAIL", "platform", "fails", "SUN-PR-04 §3")
    def fails(_):
        expect(False, "HTTP 409", "200")

    @registry.check("X-SKIP", "platform", "skips", "SUN-PR-02 §6")
    def skips(_):
        raise Skipped("needs --amqp")

    @registry.check("X-ERROR", "platform", "breaks", "SUN-PR-03 §3")
    def breaks(_):
        raise KeyError("case")

    return run_checks(registry.of(), object())


def test_each_check_gets_its_verdict_and_the_exit_code_follows_failures() -> None:
    results = sample_results()
    assert [r.status for r in results] == [PASSED, FAILED, SKIPPED, ERROR]
    assert results[1].message == "expected HTTP 409; seen 200"
    assert exit_code(results) == 1
    assert exit_code([results[0], results[2]]) == 0


def test_junit_has_one_testcase_per_check_naming_expected_and_seen(tmp_path) -> None:
    path = tmp_path / "junit.xml"
    write_junit(path, "platform", "http://node:8080", sample_results())
    suite = ET.parse(path).getroot().find("testsuite")  # noqa: S314 - our own
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"),
            suite.get("skipped")) == ("4", "1", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(cases) == ["X-PASS", "X-FAIL", "X-SKIP", "X-ERROR"]
    assert cases["X-FAIL"].find("failure").get("message") == "expected HTTP 409; seen 200"
    assert cases["X-SKIP"].find("skipped").get("message") == "needs --amqp"
    assert "KeyError" in cases["X-ERROR"].find("error").get("message")
    assert cases["X-PASS"].find("failure") is None


def test_the_json_report_counts_and_lists_every_result(tmp_path) -> None:
    path = tmp_path / "report.json"
    write_json(path, "adapter", "python driver.py", sample_results())
    report = json.loads(path.read_text("utf-8"))
    assert report["totals"] == {"passed": 1, "failed": 1, "skipped": 1, "error": 1}
    assert [r["id"] for r in report["results"]] == ["X-PASS", "X-FAIL", "X-SKIP", "X-ERROR"]
    assert report["results"][1]["spec"] == "SUN-PR-04 §3"


def test_list_names_every_check_with_its_side_and_section() -> None:
    result = CliRunner().invoke(main, ["conformance", "list"])
    assert result.exit_code == 0
    for item in REGISTRY.of():
        line = next(li for li in result.output.splitlines() if li.startswith(item.id + " "))
        assert item.side in line and item.spec in line
    ids = [c.id for c in REGISTRY.of()]
    assert len(ids) == len(set(ids)) and "PR01-IDEMPOTENT-REPLAY" in ids
    platform = CliRunner().invoke(main, ["conformance", "list", "--side", "platform"])
    assert "PR02-ADAPTER-ORDER" not in platform.output


def test_run_refuses_what_it_cannot_use() -> None:
    runner = CliRunner(env={"SUNLIGHT_TOKEN": None, "SUNLIGHT_TOKEN_KEY": None})
    no_token = runner.invoke(main, ["conformance", "run", "--target", "http://node:8080"])
    assert no_token.exit_code == 2 and "--token" in no_token.output
    not_url = runner.invoke(main, ["conformance", "run", "--target", "node:8080",
                                   "--token", "a.b.c"])
    assert not_url.exit_code == 2 and "http(s) URL" in not_url.output
    unknown = runner.invoke(main, ["conformance", "run", "--target", "http://node:8080",
                                   "--token", "a.b.c", "--only", "PR99-NOPE"])
    assert unknown.exit_code == 2 and "PR99-NOPE" in unknown.output


def test_a_gateway_that_cannot_be_reached_fails_the_run(tmp_path) -> None:
    """A mistyped --target must not pass: every check that asked it fails, exit 1."""
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    report = tmp_path / "report.json"
    token = mint_token(TokenKey.generate().to_text(), "kit", ["admin"], ["511602"])
    runner = CliRunner(env={"SUNLIGHT_TOKEN": None, "SUNLIGHT_TOKEN_KEY": None})
    result = runner.invoke(main, ["conformance", "run", "--target", f"http://127.0.0.1:{port}",
                                  "--token", token, "--json", str(report)])
    assert result.exit_code == 1, result.output
    statuses = {r["id"]: r["status"] for r in json.loads(report.read_text("utf-8"))["results"]}
    assert statuses["PR01-DISCOVERY"] == "failed"
    assert "passed" not in statuses.values()


def test_a_driver_that_does_not_start_is_one_line_not_a_traceback() -> None:
    runner = CliRunner()
    dies = runner.invoke(main, ["conformance", "run", "--side", "adapter", "--target",
                                f"{sys.executable} -c 'import sys; sys.exit(3)'"])
    assert dies.exit_code == 1, dies.output
    assert "driver did not start" in dies.output and "exited (3)" in dies.output
    assert isinstance(dies.exception, SystemExit)  # a usage error's exit, no traceback
    missing = runner.invoke(main, ["conformance", "run", "--side", "adapter", "--target",
                                   "no-such-driver-command --flag"])
    assert missing.exit_code == 1, missing.output
    assert "driver did not start" in missing.output and "no-such-driver-command" in missing.output
    assert isinstance(missing.exception, SystemExit)


def test_a_broker_that_does_not_answer_is_one_line_without_its_password() -> None:
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = CliRunner().invoke(main, [
        "conformance", "run", "--side", "adapter", "--target",
        f"{sys.executable} -m cli.conformance.drivers.adapter_driver",
        "--amqp", f"amqp://guest:s3cret@127.0.0.1:{port}/kit"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"127.0.0.1:{port}" in result.output and "'kit'" in result.output
    assert "s3cret" not in result.output


def test_the_conformance_page_lists_every_check_with_its_section() -> None:
    from pathlib import Path  # noqa: PLC0415

    page = (Path(__file__).resolve().parents[2] / "docs" / "protocol" / "conformance.md"
            ).read_text("utf-8")
    rows = dict(re.findall(r"^\| `([A-Z0-9-]+)` \| [^|]+ \| ([^|]+) \|$", page, re.M))
    assert set(rows) == {c.id for c in REGISTRY.of()}
    for item in REGISTRY.of():
        assert rows[item.id].strip().split(",")[0].split(" §")[0] in item.spec, item.id
