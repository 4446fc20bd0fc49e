"""The instruments of every process, read from the Prometheus page as a scrape reads it: a
gRPC server counts its calls by method and status code and times them; an HTTP app counts
by route template (never the path) and status and serves ``/metrics`` itself; the small
listener of the gRPC servers serves the page; hooks given to a transaction run once it has
committed, never when it rolled back; series carry the node."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import httpx
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from infra.ports import free_port
from services.shared import grpc_metrics, metrics
from services.shared.db import Database, after_commit
from services.shared.grpc_metrics import (
    AsyncMetricsServerInterceptor,
    MetricsServerInterceptor,
    idle_for,
)
from services.shared.health_http import serve_metrics
from services.shared.http_metrics import HttpMetrics
from tests.support.metrics import dashboard_metric_names, value

NODE = "510000"


@pytest.fixture(scope="module", autouse=True)
def _provider() -> None:
    metrics.configure_metrics("unit-tests", NODE)


def _page() -> str:
    return metrics.render().decode()


def _ok(request: bytes, _context: grpc.ServicerContext) -> bytes:
    return request


def _missing(_request: bytes, context: grpc.ServicerContext) -> bytes:
    context.abort(grpc.StatusCode.NOT_FOUND, "no such case 511602202611160001")


def _broken(_request: bytes, _context: grpc.ServicerContext) -> bytes:
    raise RuntimeError("a bug")


def _stream(request: bytes, _context: grpc.ServicerContext) -> Iterator[bytes]:
    yield from (request, request)


@pytest.fixture(scope="module")
def channel() -> Iterator[grpc.Channel]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2),
                         interceptors=[MetricsServerInterceptor()])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("t.v1.T", {
        "Ok": grpc.unary_unary_rpc_method_handler(_ok),
        "Missing": grpc.unary_unary_rpc_method_handler(_missing),
        "Broken": grpc.unary_unary_rpc_method_handler(_broken),
        "Stream": grpc.unary_stream_rpc_method_handler(_stream)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        yield ch
    server.stop(None)


def _call(channel: grpc.Channel, method: str, stream: bool = False) -> None:
    call = (channel.unary_stream if stream else channel.unary_unary)(f"/t.v1.T/{method}")
    try:
        result = call(b"x", timeout=5)
        if stream:
            list(result)
    except grpc.RpcError:
        pass


def test_grpc_calls_are_counted_by_method_and_code_and_timed(channel) -> None:
    requests, duration = "sunlight_grpc_server_requests_total", \
        "sunlight_grpc_server_duration_seconds_count"
    before = _page()
    for _ in range(3):
        _call(channel, "Ok")
    _call(channel, "Missing")
    _call(channel, "Broken")
    _call(channel, "Stream", stream=True)
    after = _page()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta(requests, grpc_service="t.v1.T", grpc_method="Ok", grpc_code="OK") == 3
    assert delta(requests, grpc_method="Missing", grpc_code="NOT_FOUND") == 1
    assert delta(requests, grpc_method="Broken", grpc_code="UNKNOWN") == 1
    assert delta(requests, grpc_method="Stream", grpc_code="OK") == 1
    assert delta(duration, grpc_service="t.v1.T", grpc_method="Ok") == 3
    assert delta(duration, grpc_method="Missing") == 1
    # the node and the process on every series, and nothing of what the calls carried
    # (the process's provider is set once: by this module, or by a test module before it)
    assert value(after, requests, sunlight_node=NODE) >= 6
    assert "511602202611160001" not in after


def test_idle_for_counts_from_the_last_answered_call_of_any_outcome(channel,
                                                                   monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(grpc_metrics, "_perf", lambda: now[0])
    for method in ("Ok", "Missing", "Broken"):
        now[0] += 60
        _call(channel, method)  # answered at now
        now[0] += 5
        assert idle_for() == 5
        _call(channel, "NoSuchMethod")  # not a counted call: the clock runs on
        now[0] += 2
        assert idle_for() == 7


def test_an_unknown_method_is_not_a_series(channel) -> None:
    _call(channel, "NoSuchMethod")
    assert "NoSuchMethod" not in _page()


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/v1/cases/{case_number}")
    def case(case_number: str) -> dict:
        if case_number.endswith("404"):
            raise HTTPException(404, "none")
        return {"case_number": case_number}

    app.add_middleware(HttpMetrics)
    return app


def test_http_requests_are_counted_by_route_template_never_the_path() -> None:
    requests = "sunlight_http_server_requests_total"
    client = TestClient(_app())
    before = _page()
    assert client.get("/v1/cases/511602202611160001").status_code == 200
    assert client.get("/v1/cases/511602202611160404").status_code == 404
    assert client.get("/nowhere/张三").status_code == 404
    page = client.get("/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    after = page.text

    def delta(**labels: str) -> float:
        return value(after, requests, **labels) - value(before, requests, **labels)

    assert delta(route="/v1/cases/{case_number}", method="GET", status="200") == 1
    assert delta(route="/v1/cases/{case_number}", method="GET", status="404") == 1
    assert delta(route="other", status="404") == 1
    assert delta(route="/metrics") == 0  # a scrape is not a request of the API
    assert value(after, "sunlight_http_server_duration_seconds_count",
                 route="/v1/cases/{case_number}") >= 2
    assert "511602202611160001" not in after and "nowhere" not in after


def test_metrics_are_not_served_through_a_reverse_proxy() -> None:
    """The gateway's and the hall's /metrics are on their public ports: a request that came
    through a proxy (its forwarding headers) gets the app's 404, not the figures."""
    client = TestClient(_app())
    assert client.get("/metrics").status_code == 200
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        answer = client.get("/metrics", headers={header: "for=203.0.113.9"})
        assert answer.status_code == 404, header
        assert "sunlight_" not in answer.text, header


def test_the_grpc_servers_listener_serves_the_page_and_nothing_else() -> None:
    port = free_port()
    server = serve_metrics("127.0.0.1", port)
    assert server is not None
    try:
        reply = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert reply.status_code == 200
        assert "sunlight_grpc_server_requests_total" in reply.text
        assert "process_cpu_seconds_total" in reply.text
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 404
        # a taken port: the process serves on without its metrics
        assert serve_metrics("127.0.0.1", port) is None
    finally:
        server.shutdown()
        server.server_close()
    assert serve_metrics("127.0.0.1", 0) is None  # 0: off


def test_metrics_ports_of_a_services_processes() -> None:
    assert metrics.metrics_port(9110, 0) == 9110
    assert metrics.metrics_port(9110, 2) == 9112
    assert metrics.metrics_port(0, 2) == 0


def test_after_commit_runs_once_committed_and_never_after_a_rollback(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}", "x", pool_size=1)
    ran: list[str] = []
    with db.begin() as conn:
        after_commit(conn, lambda: ran.append("committed"))
        assert ran == []  # not before the commit
    assert ran == ["committed"]
    with pytest.raises(RuntimeError), db.begin() as conn:
        after_commit(conn, lambda: ran.append("rolled back"))
        raise RuntimeError("the unit of work failed")
    with db.begin() as conn:  # the same pooled connection: nothing left behind
        pass
    assert ran == ["committed"]
    with db.engine.begin() as conn:  # a transaction not opened by Database.begin: at once
        after_commit(conn, lambda: ran.append("at once"))
        assert ran[-1] == "at once"
    db.dispose()


def test_a_cached_reading_is_read_at_most_once_per_period() -> None:
    reads: list[int] = []
    cached = metrics.Cached(lambda: reads.append(1) or len(reads), ttl_s=60)
    assert cached() == 1 and cached() == 1 and len(reads) == 1
    cached.ttl_s = 0
    assert cached() == 2


def test_a_gauge_whose_reading_fails_gives_no_sample_and_no_error() -> None:
    def broken() -> list:
        raise OSError("the broker does not answer")

    metrics.observe("sunlight_test_broken_reading", "a reading that fails", broken)
    page = _page()
    assert "sunlight_test_broken_reading{" not in page
    assert "sunlight_grpc_server_requests_total" in page


def test_grpc_aio_calls_are_counted_coroutines_and_plain_functions_alike() -> None:
    async def ok_async(request: bytes, _context: grpc.aio.ServicerContext) -> bytes:
        return request

    async def missing_async(_request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        await context.abort(grpc.StatusCode.NOT_FOUND, "none")

    async def main() -> None:
        server = grpc.aio.server(futures.ThreadPoolExecutor(max_workers=2),
                                 interceptors=[AsyncMetricsServerInterceptor()])
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("t.v1.A", {
            "Ok": grpc.unary_unary_rpc_method_handler(ok_async),
            "Missing": grpc.unary_unary_rpc_method_handler(missing_async),
            "Plain": grpc.unary_unary_rpc_method_handler(_ok)}),))
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            await ch.unary_unary("/t.v1.A/Ok")(b"x", timeout=5)
            await ch.unary_unary("/t.v1.A/Plain")(b"x", timeout=5)
            with pytest.raises(grpc.aio.AioRpcError):
                await ch.unary_unary("/t.v1.A/Missing")(b"x", timeout=5)
        await server.stop(None)

    requests = "sunlight_grpc_server_requests_total"
    before = _page()
    asyncio.run(main())
    after = _page()
    for method, code in (("Ok", "OK"), ("Plain", "OK"), ("Missing", "NOT_FOUND")):
        assert value(after, requests, grpc_service="t.v1.A", grpc_method=method,
                     grpc_code=code) - value(before, requests, grpc_service="t.v1.A",
                                             grpc_method=method, grpc_code=code) == 1


def test_the_dashboard_has_a_query_on_every_panel_and_a_node_variable() -> None:
    path = Path(__file__).resolve().parents[2] / "ops" / "grafana" / "sunlight.json"
    dashboard = json.loads(path.read_text("utf-8"))
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert panels and all(p["targets"] and p["title"] for p in panels)
    assert all('sunlight_node=~"$node"' in t["expr"] for p in panels for t in p["targets"])
    assert "node" in {v["name"] for v in dashboard["templating"]["list"]}
    assert {"sunlight_grpc_server_requests_total", "sunlight_outbox_pending_events",
            "sunlight_supervision_warnings_total", "sunlight_dead_letter_queue_messages",
            "sunlight_supervision_event_lag_seconds_bucket"} <= dashboard_metric_names(dashboard)
