"""A gateway of several processes on one port (``SUNLIGHT_GATEWAY_PROCESSES``): each serves its
metrics on a listener of its own (``SUNLIGHT_GATEWAY_METRICS_PORT``, the next ports for the
further ones), so that every request the API port took is counted on exactly one of the pages
``sunlight status`` lists — the API port's own ``/metrics`` is whichever process it reached."""

from __future__ import annotations

import socket

import httpx
import pytest

from cli.processes import metrics_urls, node_processes
from infra.localnode import LocalNode
from infra.ports import chosen_from, free_ports
from tests.support.metrics import value
from tests.support.wait import wait_for

pytestmark = pytest.mark.integration
REQUESTS = 40


def two_free_ports_in_a_row(avoid: set[int]) -> int:
    """A port of this test worker's share that is free, and the one after it too, neither in
    ``avoid``."""
    span = chosen_from()
    for port in free_ports(16, avoid=avoid):
        if port + 1 in avoid or port + 1 not in span:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no two free ports in a row")


def test_each_process_of_the_gateway_counts_on_its_own_metrics_page(tmp_path, amqp_uri) -> None:
    node = LocalNode.on_free_ports(tmp_path, AMQP_URI=amqp_uri, SUNLIGHT_GATEWAY_PROCESSES="2")
    taken = {int(v) for k, v in node.env.items() if k.endswith("_PORT")}
    node.env["SUNLIGHT_GATEWAY_METRICS_PORT"] = str(two_free_ports_in_a_row(taken))
    try:
        node.start(["gateway"])
        settings = node.settings()
        urls = metrics_urls(settings)
        assert [p.name for p in node_processes(settings) if p.kind == "metrics"] == [
            "gateway-1"]
        pages = (urls["gateway-http"], urls["gateway-1"])
        assert len(set(pages)) == 2

        def served() -> bool:
            return all(httpx.get(url, timeout=5).status_code == 200 for url in pages)

        wait_for(served, timeout_s=60, interval_s=0.2, what="both gateway processes' metrics")
        api = f"http://127.0.0.1:{node.port('gateway_http')}/healthz"
        for _ in range(REQUESTS):  # a connection each: the kernel spreads connections
            assert httpx.get(api, timeout=10).status_code in (200, 503)

        def counted() -> list[float]:
            return [value(httpx.get(url, timeout=5).text,
                          "sunlight_http_server_requests_total", route="/healthz")
                    for url in pages]

        # a request is counted as its response goes out: the last one a moment later
        per_process = wait_for(lambda: (lambda c: c if sum(c) >= REQUESTS else None)(
            counted()), timeout_s=10, what=f"{REQUESTS} requests counted")
        assert sum(per_process) == REQUESTS, per_process
        assert all(per_process), f"one process took every connection: {per_process}"
    finally:
        node.stop()
