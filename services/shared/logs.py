"""Structured logs with the current trace and span ids on every line.

``console`` (default, for ``make run``): ``LEVEL logger [trace=…] message key=value``;
``json``: one JSON object per line (python-json-logger) for a log collector.
"""

from __future__ import annotations

import faulthandler
import logging
import sys

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

_CONFIGURED = False


class TraceContextFilter(logging.Filter):
    """Adds ``trace_id`` and ``span_id`` of the active span (or empty strings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = format(ctx.trace_id, "032x") if ctx.is_valid else ""
        record.span_id = format(ctx.span_id, "016x") if ctx.is_valid else ""
        return True


class ConsoleFormatter(logging.Formatter):
    _skip = set(vars(logging.makeLogRecord({}))) | {
        "trace_id", "span_id", "message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{k}={v}" for k, v in record.__dict__.items() if k not in self._skip
        )
        trace_part = f" [trace={record.trace_id}]" if getattr(record, "trace_id", "") else ""
        line = f"{record.levelname:<5} {record.name}{trace_part} {record.getMessage()}"
        if extras:
            line += f" {extras}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    global _CONFIGURED
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(TraceContextFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s"))
    else:
        handler.setFormatter(ConsoleFormatter())
    root = logging.getLogger()
    for old in list(root.handlers) if _CONFIGURED else []:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("pika", "amqp", "kombu", "nameko", "uvicorn.access", "alembic", "fontTools"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # a process that dies of a fatal signal (SIGSEGV in a C extension) leaves each thread's
    # Python traceback in its log, for whoever looks into it
    faulthandler.enable(sys.stderr, all_threads=True)
    _CONFIGURED = True
