"""The hall process: ``python -m services.hall.server``."""

from __future__ import annotations

import logging
import signal
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from services.hall.app import create_app
from services.hall.backend import HallBackend
from services.shared.config import Settings, load_settings
from services.shared.logs import configure_logging
from services.shared.rate_limits import RateLimits
from services.shared.telemetry import configure_tracing
from services.shared.working_days import WorkingCalendar

SERVICE = "hall"
log = logging.getLogger(__name__)


def build(settings: Settings) -> tuple[FastAPI, HallBackend]:
    backend = HallBackend.from_settings(settings)
    # The same calendar data as the cases service: the library's years plus var/calendar/.
    calendar = WorkingCalendar.official(Path(settings.var_dir) / "calendar")
    return create_app(backend, calendar, settings.node_name,
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
