"""Metrics of every process: OpenTelemetry's SDK ``MeterProvider``, read by Prometheus at
``GET /metrics`` (``opentelemetry-exporter-prometheus``: the SDK is collected when the page is
asked for, nothing is pushed or exported in between).

Every process calls :func:`configure_metrics` once at start, next to ``configure_tracing``;
the instruments below are made once, at import, on the global meter (OpenTelemetry's proxy:
they record nothing until the provider is set, so a tool or a test that never configures
metrics pays nearly nothing). Each series carries the node (``sunlight_node``) and the process
(``service_name``) as labels, copied from the resource when the page is rendered — not per
measurement.

Names follow Prometheus (``sunlight_`` prefix; the exporter adds ``_seconds`` for a unit of
``s`` and ``_total`` to a counter). Labels are bounded: gRPC service, method and status code;
an HTTP route's *template* (``/v1/cases/{case_number}``, never the path), method and status;
a service, a rule code, a severity, a queue. Never a case number, a person or a raw path.

This module imports no gRPC (the supervision worker, under eventlet, uses it):
``services.shared.grpc_metrics`` holds the gRPC servers' interceptors.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry import metrics

log = logging.getLogger(__name__)

METER = "sunlight"
#: resource attributes copied as labels onto every series (``sunlight_node``,
#: ``service_name``)
LABELLED_RESOURCE = frozenset({"sunlight.node", "service.name"})
#: request latency buckets (seconds): a status call takes ~2 ms, a transition ~50 ms
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0)
#: lag buckets (seconds): an event crosses the node in ~0.1 s; an outage makes minutes
LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
               900.0, 3600.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_lock = threading.Lock()
_provider: Any = None


def configure_metrics(process: str, node_region: str) -> Any:
    """Install the SDK's meter provider once per process, read by Prometheus (``render``)."""
    global _provider
    with _lock:
        if _provider is not None:
            return _provider
        from opentelemetry.exporter.prometheus import PrometheusMetricReader  # noqa: PLC0415
        from opentelemetry.sdk.metrics import (  # noqa: PLC0415
            AlwaysOffExemplarFilter,
            Histogram,
            MeterProvider,
        )
        from opentelemetry.sdk.metrics.view import (  # noqa: PLC0415
            ExplicitBucketHistogramAggregation,
            View,
        )
        from opentelemetry.sdk.resources import Resource  # noqa: PLC0415

        reader = PrometheusMetricReader(
            scope_info_enabled=False,
            resource_attribute_filter=lambda key: key in LABELLED_RESOURCE)
        views = [View(instrument_type=Histogram, instrument_name=name,
                      aggregation=ExplicitBucketHistogramAggregation(buckets))
                 for name, buckets in _BUCKETS.items()]
        _provider = MeterProvider(
            resource=Resource.create({"service.name": f"sunlight-{process}",
                                      "service.namespace": "sunlight",
                                      "sunlight.node": node_region}),
            # no exemplars: Prometheus' text format shows none, and offering every
            # measurement of a sampled trace to a reservoir doubles its cost
            metric_readers=[reader], views=views, exemplar_filter=AlwaysOffExemplarFilter())
        metrics.set_meter_provider(_provider)
        # always one series: the page has the node's target_info from the first scrape on,
        # before any call (the dashboard joins process_* series to it)
        observe("sunlight_process_info", "1 for every Sunlight process serving metrics",
                lambda: [(1, {})])
        return _provider


def configured() -> bool:
    return _provider is not None


def render() -> bytes:
    """The Prometheus text of this process: its instruments and the process's own
    (``process_cpu_seconds_total``, ``python_gc_*``, from ``prometheus_client``)."""
    from prometheus_client import REGISTRY, generate_latest  # noqa: PLC0415

    return generate_latest(REGISTRY)


def metrics_port(base: int, copy: int) -> int:
    """The metrics port of a service's process ``copy`` (0: the supervised one, which uses
    ``base``; copies on one port — ``SUNLIGHT_CASES_PROCESSES`` — take the ports after it).
    0: no metrics listener."""
    return base + copy if base else 0


_meter = metrics.get_meter(METER)

# --- requests ------------------------------------------------------------------------------
GRPC_DURATION = "sunlight_grpc_server_duration"
HTTP_DURATION = "sunlight_http_server_duration"
RELAY_LAG = "sunlight_relay_lag"
SUPERVISION_LAG = "sunlight_supervision_event_lag"
_BUCKETS = {GRPC_DURATION: LATENCY_BUCKETS, HTTP_DURATION: LATENCY_BUCKETS,
            RELAY_LAG: LAG_BUCKETS, SUPERVISION_LAG: LAG_BUCKETS}



class LocalCounter:
    """A counter kept in the process and handed to the SDK when the metrics are read (an
    observable counter): the cheapest form for the calls' hot path — a locked integer
    increment, ~0.3 µs, where the SDK's ``Counter.add`` costs ~5.5 µs (it cleans and hashes
    the attributes of every measurement). One cell per series, made once by its caller."""

    def __init__(self, name: str, description: str) -> None:
        self._lock = threading.Lock()
        self._cells: dict[tuple, tuple[dict[str, str], list[int]]] = {}
        _meter.create_observable_counter(name, [self._observe], unit="",
                                         description=description)

    def cell(self, attributes: dict[str, str]) -> list[int]:
        key = tuple(sorted(attributes.items()))
        with self._lock:
            found = self._cells.get(key)
            if found is None:
                found = self._cells[key] = (dict(attributes), [0])
            return found[1]

    def add(self, cell: list[int], amount: int = 1) -> None:
        with self._lock:
            cell[0] += amount

    def value(self, attributes: dict[str, str]) -> int:
        return self.cell(attributes)[0]

    def _observe(self, _options: Any) -> list[Any]:
        from opentelemetry.metrics import Observation  # noqa: PLC0415

        with self._lock:
            return [Observation(count[0], attrs) for attrs, count in self._cells.values()]


grpc_requests = LocalCounter(
    "sunlight_grpc_server_requests",
    "gRPC calls served, by grpc_service, grpc_method and grpc_code")
grpc_duration = _meter.create_histogram(
    GRPC_DURATION, unit="s",
    description="time a gRPC call took to serve, by grpc_service and grpc_method")
http_requests = LocalCounter(
    "sunlight_http_server_requests",
    "HTTP requests served, by route (its template), method and status")
http_duration = _meter.create_histogram(
    HTTP_DURATION, unit="s",
    description="time an HTTP request took to answer, by route (its template) and method")

# --- the outbox and its relay ----------------------------------------------------------------
outbox_published = _meter.create_counter(
    "sunlight_outbox_published_events", unit="",
    description="outbox rows the relay published and the broker confirmed, by service")
outbox_returned = _meter.create_counter(
    "sunlight_outbox_returned_events", unit="",
    description="outbox rows the broker returned or nacked (retried later), by service")
relay_lag = _meter.create_histogram(
    RELAY_LAG, unit="s",
    description="seconds from an outbox row's commit to the broker's confirm, by service")

# --- supervision ------------------------------------------------------------------------------
supervision_events = _meter.create_counter(
    "sunlight_supervision_events", unit="",
    description="events supervision's worker handled, by source exchange and outcome "
                "(applied, duplicate, parked, retried, dead_lettered)")
supervision_lag = _meter.create_histogram(
    SUPERVISION_LAG, unit="s",
    description="consumer lag: seconds from an event's occurrence (its commit in the "
                "producing service) to its application by supervision, by source")
warnings_counter = _meter.create_counter(
    "sunlight_supervision_warnings", unit="",
    description="warnings raised or escalated by supervision, counted once committed, by "
                "rule, severity and action")


def _attributes(cache: dict, key: tuple, make: Callable[[], dict[str, str]]) -> dict[str, str]:
    found = cache.get(key)
    if found is None:
        if len(cache) > 4096:  # bounded whatever happens (labels are bounded anyway)
            cache.clear()
        found = cache[key] = make()
    return found


_http_cells: dict[tuple, list[int]] = {}
_http_route_attrs: dict[tuple, dict[str, str]] = {}


def record_http(route: str, method: str, status: int, seconds: float) -> None:
    """One HTTP request answered (``route``: the template, or ``other``)."""
    key = (route, method, status)
    cell = _http_cells.get(key)
    if cell is None:
        cell = _http_cells[key] = http_requests.cell(
            {"route": route, "method": method, "status": str(status)})
    http_requests.add(cell)
    http_duration.record(seconds, _attributes(_http_route_attrs, (route, method), lambda: {
        "route": route, "method": method}))


_service_attrs: dict[str, dict[str, str]] = {}


def service_attributes(service: str) -> dict[str, str]:
    return _attributes(_service_attrs, (service,), lambda: {"service": service})


def record_published(service: str, created_at: Iterable[Any], now: float | None = None
                     ) -> None:
    """Rows confirmed by the broker: counted, and each one's commit→publish lag."""
    attrs = service_attributes(service)
    now = time.time() if now is None else now
    count = 0
    for created in created_at:
        count += 1
        if created is not None:
            relay_lag.record(max(0.0, now - created.timestamp()), attrs)
    if count:
        outbox_published.add(count, attrs)


def record_returned(service: str, count: int) -> None:
    if count:
        outbox_returned.add(count, service_attributes(service))


_event_attrs: dict[tuple, dict[str, str]] = {}


def record_supervision_event(source: str, outcome: str, occurred_at: Any = None) -> None:
    """An event supervision's worker handled; applied ones also give their lag."""
    supervision_events.add(1, _attributes(_event_attrs, (source, outcome), lambda: {
        "source": source, "outcome": outcome}))
    if occurred_at is not None and outcome == "applied":
        supervision_lag.record(max(0.0, time.time() - occurred_at.timestamp()),
                               _attributes(_event_attrs, (source,), lambda: {"source": source}))


#: what may become of an event supervision's worker is handed
EVENT_OUTCOMES = ("applied", "duplicate", "parked", "retried", "dead_lettered")


def zero_supervision_events(sources: Iterable[str]) -> None:
    """Every (source, outcome) series at 0 from the start, so that a rate or an increase
    over the first dead letter is seen (a counter appears only once it is added to)."""
    for source in sources:
        for outcome in EVENT_OUTCOMES:
            supervision_events.add(0, {"source": source, "outcome": outcome})


_warning_attrs: dict[tuple, dict[str, str]] = {}


def record_warnings(changes: Iterable[tuple[str, str, str]]) -> None:
    """Warnings raised or escalated, as (rule, severity, action), once committed."""
    for rule, severity, action in changes:
        warnings_counter.add(1, _attributes(_warning_attrs, (rule, severity, action),
                                            lambda r=rule, s=severity, a=action: {
                                                "rule": r, "severity": s, "action": a}))


def observe(name: str, description: str, read: Callable[[], Iterable[tuple[float, dict]]],
            unit: str = "") -> Any:
    """An observable gauge: ``read`` is called when the page is rendered and gives
    (value, attributes) pairs; a failing read gives nothing (and is logged), never an
    error page."""
    from opentelemetry.metrics import Observation  # noqa: PLC0415

    def callback(_options: Any) -> list[Observation]:
        try:
            return [Observation(value, attrs) for value, attrs in read()]
        except Exception as exc:  # noqa: BLE001 - a metric never breaks the page
            log.warning("metric %s not read: %r", name, exc)
            return []

    return _meter.create_observable_gauge(name, [callback], unit=unit,
                                          description=description)


class Cached:
    """A reading kept ``ttl_s`` seconds: a scrape (or several scrapers) asks the database or
    the broker at most that often."""

    def __init__(self, read: Callable[[], Any], ttl_s: float = 10.0) -> None:
        self._read = read
        self.ttl_s = ttl_s
        self._value: Any = None
        self._at = float("-inf")
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            if time.monotonic() - self._at >= self.ttl_s:
                self._value = self._read()
                self._at = time.monotonic()
            return self._value
