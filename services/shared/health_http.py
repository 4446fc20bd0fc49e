"""A tiny HTTP health endpoint (``GET /healthz``) for processes without a gRPC server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve_health(host: str, port: int, check: Callable[[], tuple[bool, dict]]
                 ) -> ThreadingHTTPServer:
    """Serve ``check`` on a daemon thread; 200 when healthy, 503 otherwise."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            if self.path.rstrip("/") not in ("/healthz", ""):
                self.send_error(404)
                return
            ok, details = check()
            body = json.dumps({"status": "SERVING" if ok else "NOT_SERVING", **details},
                              default=str).encode()
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
