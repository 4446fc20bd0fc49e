"""The hall process: ``python -m services.hall.server``."""

from __future__ import annotations

import logging
import signal

import uvicorn
from fastapi import FastAPI

from services.hall.app import create_app
from services.hall.backend import HallBackend
from services.shared.config import Settings, load_settings
from services.shared.logs import configure_logging
from services.shared.rate_limits import RateLimits
from services.shared.telemetry import configure_tracing

SERVICE = "hall"
log = logging.getLogger(__name__)


def build(settings: Settings) -> tuple[FastAPI, HallBackend]:
    backend = HallBackend.from_settings(settings)
    # Days left are counted by the case service (its calendar, stopped time left out).
    return create_app(backend, settings.node_name,
                      rates=RateLimits.of(settings)), backend


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings.node_region, settings.otel_exporter_otlp_endpoint)
    app, backend = build(settings)
    log.info("hall on http://%s:%s", settings.host, settings.hall_port)
    # uvicorn stops gracefully on SIGTERM / SIGINT and raises the signal again once stopped:
    # these handlers take that second delivery, so the process ends normally.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    try:
        uvicorn.run(app, host=settings.host, port=settings.hall_port, log_config=None,
                    access_log=False, timeout_graceful_shutdown=10)
    finally:
        backend.close()


if __name__ == "__main__":
    main()
