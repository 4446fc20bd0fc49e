"""A process's HTTP health check (``GET /healthz``) as `sunlight status` and the tests read it:
serving only on 200, the status the process names, and a refused or silent port said so; a
case service's further processes, which share its port, each by its metrics listener."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cli.processes import Process, metrics_urls, node_processes
from infra.ports import free_port
from services.shared.config import Settings


class Answers(BaseHTTPRequestHandler):
    reply: tuple[int, bytes] = (200, b"")

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        status, body = self.server.reply if self.path in ("/healthz", "/metrics") else (
            404, b"")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def check(httpd: ThreadingHTTPServer, status: int, body: bytes) -> tuple[bool, str]:
    httpd.reply = (status, body)
    return Process("hall", "http", f"127.0.0.1:{httpd.server_port}").check(2.0)


def test_serving_is_a_200_and_the_status_is_the_one_the_process_names(server) -> None:
    assert check(server, 200, json.dumps({"status": "SERVING"}).encode()) == (True, "SERVING")
    assert check(server, 503, json.dumps({"status": "NOT_SERVING"}).encode()) == (
        False, "NOT_SERVING")


def test_an_answer_without_a_status_is_named_by_its_http_status(server) -> None:
    assert check(server, 200, b"ok") == (True, "200")
    assert check(server, 500, b"[1, 2]") == (False, "500")
    assert check(server, 200, json.dumps({"other": 1}).encode()) == (True, "200")


def test_a_port_nobody_listens_on_and_a_silent_one_are_no_answer() -> None:
    refused = Process("hall", "http", f"127.0.0.1:{free_port()}").check(1.0)
    assert refused == (False, "no answer (ConnectionRefusedError)")
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        ok, status = Process("hall", "http", f"127.0.0.1:{port}").check(0.3)
    assert not ok and status.startswith("no answer (") and "Timeout" in status


def test_further_case_processes_are_each_listed_by_their_metrics_listener(
        server, monkeypatch) -> None:
    for name in ("SUNLIGHT_CASES_PROCESSES", "SUNLIGHT_CASES_METRICS_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None, cases_processes=3,
                        cases_metrics_port=server.server_port - 1)
    further = [p for p in node_processes(settings) if p.kind == "metrics"]
    assert [(p.name, p.kind) for p in further] == [("cases-1", "metrics"), ("cases-2", "metrics")]
    assert further[0].address == f"127.0.0.1:{server.server_port}"
    urls = metrics_urls(settings)
    assert urls["cases-2"] == f"http://127.0.0.1:{server.server_port + 1}/metrics"
    server.reply = (200, b"# TYPE x counter\n")
    assert further[0].check(2.0) == (True, "alive (metrics)")
    server.reply = (500, b"")
    assert further[0].check(2.0) == (False, "500")
    assert not Process("cases-1", "metrics", f"127.0.0.1:{free_port()}").check(1.0)[0]
    # one process, or no metrics listeners: nothing more to list
    assert not any(p.kind == "metrics" for p in node_processes(Settings(_env_file=None)))
    assert not any(p.kind == "metrics" for p in node_processes(
        Settings(_env_file=None, cases_processes=3, cases_metrics_port=0)))
