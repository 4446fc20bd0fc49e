"""End to end: every process of a running node serves its Prometheus metrics where
``sunlight status --json`` says, each series names the node; after a case's work through
the gateway (a complete application refused at the counter: supervision's red warning),
every metric the dashboard (``ops/grafana/sunlight.json``) reads is on some process's page,
and no page carries the case's number or the applicant's name."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from cli.processes import metrics_urls
from services.shared.auth import mint_token
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code
from tests.support.metrics import dashboard_metric_names, names, value
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
DASHBOARD = Path(__file__).resolve().parents[3] / "ops" / "grafana" / "sunlight.json"
APPLICANT = "李四测试"


@pytest.fixture(scope="module")
def api(node):
    token = mint_token(node.full_env()["SUNLIGHT_TOKEN_KEY"], "e2e-metrics", ["admin"],
                       ["510000"])
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def _pages(node) -> dict[str, str]:  # type: ignore[no-untyped-def]
    pages = {}
    for name, url in metrics_urls(node.settings()).items():
        reply = httpx.get(url, timeout=10)
        assert reply.status_code == 200, (name, url, reply.status_code)
        assert reply.headers["content-type"].startswith("text/plain"), name
        pages[name] = reply.text
    return pages


def _refused_case(api: httpx.Client) -> str:
    """A published item, a case opened on it, refused at the counter though complete."""
    body = {"idempotency_key": uuid.uuid4().hex, "draft": {
        "name": "企业投资项目备案", "code": implementation_code("511602"),
        "item_type": "01", "region": "511602", "department": "区发展改革局",
        "statutory_limit_days": 20, "promised_limit_days": 10,
        "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
                  {"key": "decide", "name": "决定", "limit_days": 5, "role": "chief"}],
        "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]}}
    reply = api.post("/v1/items", json=body)
    assert reply.status_code == 201, reply.text
    item_id = reply.json()["item"]["item_id"]
    reply = api.post(f"/v1/items/{item_id}/versions/1/publish",
                     json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
    assert reply.status_code == 200, reply.text
    reply = api.post("/v1/cases", json={
        "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "region": "511602",
        "applicant": {"name": APPLICANT, "id_type": "id_card",
                      "id_number": "511602199001011236"}})
    assert reply.status_code == 201, reply.text
    number = reply.json()["case"]["case_number"]
    reply = api.post(f"/v1/cases/{number}/actions", json={
        "idempotency_key": uuid.uuid4().hex,
        "reject": {"reason_code": "NOT_QUALIFIED", "reasons": "不符合条件"}})
    assert reply.status_code == 200, reply.text
    assert api.get(f"/v1/cases/{number}/status").status_code == 200
    return number


def test_every_process_serves_its_metrics_with_the_node(node) -> None:
    urls = metrics_urls(node.settings())
    assert set(urls) == {"catalogue", "cases", "monitoring", "monitoring-worker",
                         "catalogue-relay", "cases-relay", "monitoring-relay",
                         "gateway-http", "hall"}
    rows = json.loads(node.status().stdout)
    assert {r["process"]: r["metrics"] for r in rows if r["metrics"]} == urls
    for name, page in _pages(node).items():
        assert value(page, "target_info", sunlight_node="510000") == 1, name
        assert "process_cpu_seconds_total" in page, name
        # the HTTP processes count requests once, as sunlight_http_server_* (FastAPI's own
        # request metrics are off where spans are not recorded)
        assert "http_server_request_duration" not in page, name
        assert "http_server_active_requests" not in page, name
    pages = _pages(node)
    for name in ("gateway-http", "hall"):
        assert "sunlight_http_server_requests_total" in pages[name], name


def test_every_metric_the_dashboard_reads_is_exported(node, api) -> None:
    number = _refused_case(api)
    # the warning is counted once committed, by the worker; the relays publish on their own
    wait_for(lambda: value(_pages(node)["monitoring-worker"],
                           "sunlight_supervision_warnings_total",
                           rule="COMPLETE_APPLICATION_REJECTED", severity="red",
                           action="raised") >= 1,
             timeout_s=120, interval_s=0.5,
             what="the refusal's red warning counted by supervision")

    def all_relays_published() -> bool:
        pages = _pages(node)
        return all(value(pages[f"{s}-relay"], "sunlight_relay_lag_seconds_count") >= 1
                   for s in ("catalogue", "cases", "monitoring"))

    wait_for(all_relays_published, timeout_s=120, interval_s=0.5,
             what="every relay's first publication")
    pages = _pages(node)
    exported = set().union(*(names(page) for page in pages.values()))
    wanted = dashboard_metric_names(json.loads(DASHBOARD.read_text("utf-8")))
    assert wanted, "the dashboard reads no metric"
    assert wanted - exported == set(), f"read by the dashboard, exported by no process: " \
                                       f"{sorted(wanted - exported)}"
    # by route template and method, never by what the path carried
    assert value(pages["gateway-http"], "sunlight_http_server_requests_total",
                 route="/v1/cases/{case_number}/status", status="200") >= 1
    assert value(pages["cases"], "sunlight_grpc_server_requests_total",
                 grpc_service="sunlight.cases.v1.CaseService", grpc_code="OK") >= 1
    assert value(pages["monitoring-worker"], "sunlight_supervision_events_total",
                 source="cases", outcome="applied") >= 1
    for name, page in pages.items():
        assert number not in page and APPLICANT not in page, name
