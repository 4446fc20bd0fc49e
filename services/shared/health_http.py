"""A tiny HTTP endpoint for processes without a web server of their own: ``GET /healthz``
(the relays) and ``GET /metrics`` (Prometheus text, ``services.shared.metrics``: the relays,
and the gRPC servers on a port of their own)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services.shared import metrics

log = logging.getLogger(__name__)


def serve_health(host: str, port: int, check: Callable[[], tuple[bool, dict]] | None
                 ) -> ThreadingHTTPServer:
    """Serve ``check`` on a daemon thread (200 when healthy, 503 otherwise), and the
    process's metrics at ``/metrics``; ``check`` None: the metrics alone."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/metrics":
                self._send(200, metrics.CONTENT_TYPE, metrics.render())
                return
            if check is None or path not in ("/healthz", ""):
                self.send_error(404)
                return
            ok, details = check()
            body = json.dumps({"status": "SERVING" if ok else "NOT_SERVING", **details},
                              default=str).encode()
            self._send(200 if ok else 503, "application/json", body)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server


def serve_metrics(host: str, port: int) -> ThreadingHTTPServer | None:
    """``GET /metrics`` on a port of its own (a gRPC server's); None when ``port`` is 0 (off)
    or taken (logged: the process serves on without its metrics)."""
    if not port:
        return None
    try:
        server = serve_health(host, port, None)
    except OSError as exc:
        log.warning("metrics not served: cannot listen on %s:%s (%s)", host, port, exc)
        return None
    log.info("metrics on http://%s:%s/metrics", host, port)
    return server
