"""The conformance kit's platform side (``sunlight conformance run``) against a real node:
every check passes — over HTTP, on the node's broker and on its gRPC port — and the reports
say so, one testcase per check."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET

import httpx
import pytest
from click.testing import CliRunner

from cli.conformance.checks import PASSED, PLATFORM, REGISTRY
from cli.main import main
from services.shared.auth import mint_token
from tests.support import departments
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def item(node) -> str:
    """A published item of 区发展改革局 with a mandatory application form."""
    secret = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    admin = mint_token(secret, "e2e-admin", ["admin"], ["510000"])
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}", timeout=15,
                      headers={"Authorization": f"Bearer {admin}"}) as api:
        draft = {"name": "企业投资项目备案（一致性）", "code": implementation_code("511602"),
                 "item_type": "01", "region": "511602", "department": "区发展改革局",
                 "department_code": departments.DEVELOPMENT, "statutory_limit_days": 20,
                 "promised_limit_days": 10,
                 "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》",
                                  "article": "第十三条"}],
                 "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk",
                            "kind": "STEP_KIND_ACCEPTANCE"},
                           {"key": "decide", "name": "决定", "limit_days": 2, "role": "chief",
                            "kind": "STEP_KIND_DECISION"}],
                 "materials": [{"key": "application_form", "name": "申请表",
                                "mandatory": True, "originals": 1}],
                 "modes": ["HANDLING_MODE_PROMISED"]}
        made = api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex,
                                           "draft": draft})
        assert made.status_code < 300, made.text
        item_id = made.json()["item"]["item_id"]
        published = api.post(f"/v1/items/{item_id}/versions/1/publish",
                             json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
        assert published.status_code < 300, published.text
    return item_id


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
