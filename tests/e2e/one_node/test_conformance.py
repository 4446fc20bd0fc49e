"""The conformance kit's platform side (``sunlight conformance run``) against a real node:
every check passes — over HTTP, on the node's broker and on its gRPC port — and the reports
say so, one testcase per check."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from cli.conformance.checks import PASSED, PLATFORM, REGISTRY
from cli.main import main
from services.shared.auth import mint_token
from tests.support import departments
from tests.support.clients import publish_form_item

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def item(node) -> str:
    """A published item of 区发展改革局 with a mandatory application form."""
    return publish_form_item(node, "企业投资项目备案（一致性）")


def test_the_node_passes_every_platform_check(node, item, amqp_uri, tmp_path) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    result = CliRunner(env={"SUNLIGHT_TOKEN": None}).invoke(main, [
        "conformance", "run", "--target", f"http://127.0.0.1:{node.port('gateway_http')}",
        "--token-key", node.full_env()["SUNLIGHT_TOKEN_KEY"],
        "--as", "conformance-kit", "--as-department", departments.DEVELOPMENT,
        "--as-region", "511602", "--item", item, "--amqp", amqp_uri,
        "--grpc", f"127.0.0.1:{node.port('gateway_grpc')}",
        "--junit", str(junit), "--json", str(report)])
    expected = {c.id for c in REGISTRY.of(PLATFORM)}
    statuses = {r["id"]: r["status"] for r in json.loads(report.read_text("utf-8"))["results"]}
    assert statuses == dict.fromkeys(expected, PASSED), result.output
    assert result.exit_code == 0, result.output
    assert f"{len(expected)} passed, 0 failed, 0 errors, 0 skipped" in result.output
    cases = list(ET.parse(junit).getroot().iter("testcase"))  # noqa: S314 - the kit's
    assert {c.get("name") for c in cases} == expected
    assert not any(c.find("failure") is not None or c.find("skipped") is not None
                   for c in cases)


def test_without_broker_nor_key_the_checks_that_need_them_are_skipped(node, item,
                                                                     tmp_path) -> None:
    token = mint_token(node.full_env()["SUNLIGHT_TOKEN_KEY"], "conformance-kit",
                       ["department_system"], ["511602"], department=departments.DEVELOPMENT)
    report = tmp_path / "report.json"
    result = CliRunner(env={"SUNLIGHT_TOKEN_KEY": None}).invoke(main, [
        "conformance", "run", "--target", f"http://127.0.0.1:{node.port('gateway_http')}",
        "--token", token, "--item", item, "--json", str(report)])
    results = {r["id"]: r for r in json.loads(report.read_text("utf-8"))["results"]}
    skipped = {i for i, r in results.items() if r["status"] == "skipped"}
    assert skipped == {"PR03-AUTH-EXPIRED", "PR03-AUTH-WRONG-AUDIENCE",
                       "PR03-AUTH-PERMISSION-DENIED", "PR02-EVENT-ENVELOPE",
                       "PR02-EVENT-SEQUENCE", "PR02-EVENT-REDELIVERY"}, result.output
    assert "--amqp" in results["PR02-EVENT-SEQUENCE"]["message"]
    assert "--token-key" in results["PR03-AUTH-EXPIRED"]["message"]
    assert all(r["status"] == PASSED for i, r in results.items() if i not in skipped)
    assert result.exit_code == 0, result.output
