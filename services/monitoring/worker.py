"""Supervision's event worker (nameko): ``python -m services.monitoring.worker``.

Consumes the case events of its partition (``SUNLIGHT_SUPERVISION_PARTITION`` of
``SUNLIGHT_SUPERVISION_WORKERS``: the events of ``cases.events``, ``case.#``, spread by case
number over one queue per worker process — ``services.monitoring.partitions``) and every
catalogue event (``catalogue.events``, ``item.#``, one queue the workers share); each case
event goes through supervision's rules in the transaction that records it (``Projection`` →
``Supervision.on_event``). A timer sweeps for the time-based rules every
``SUNLIGHT_SUPERVISION_SWEEP_INTERVAL_S`` seconds, each worker the cases of its partition.
Runs under eventlet, so it never imports grpc. A message that cannot be parsed, or an event
that lacks what it must carry, is parked in ``parked_events`` (never dropped silently); a
database outage (``is_outage``: connection lost, a deadlock, a timeout) has the message
requeued after a pause, as often as it takes; any other error — a database error that is the
event's own included — is a bug: logged with its traceback, retried ``MAX_ATTEMPTS`` times (a
case event at once, with later batches; a catalogue event after a pause),
then rejected — the queue's policy sends it to the dead-letter queue, where ``sunlight
supervision dead-letters`` lists it and, once the bug is fixed, replays it.

Case events come in batches (``services.monitoring.batches``: nameko's container and queue
consumer, one worker per batch of up to 64 messages instead of one per message, a batch
waiting up to ``SUNLIGHT_SUPERVISION_BATCH_WAIT_S`` for more), each batch applied in one
transaction (``Projection.apply_batch``) while the next one gathers — event by event when
one of them fails, so that the others go ahead; what the batch's worker decided of each
message (acknowledged, requeued, dead-lettered) is carried out once it is done, the
acknowledgements together. The catalogue's events come one by one. The ``DB_POOL``
connections serve those transactions, the sweep and the health check. psycopg waits for the
server in C (``poll``) unless told otherwise, which would block eventlet's hub — one database
call at a time for the whole worker, and no AMQP traffic meanwhile — so it is told to wait
with ``select``, which eventlet makes green.
"""

from __future__ import annotations

import os

import eventlet

eventlet.monkey_patch()
# before psycopg is first imported (by SQLAlchemy, when the engine is created)
os.environ["PSYCOPG_WAIT_FUNC"] = "wait_select"

import dataclasses  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from kombu import Exchange, Queue  # noqa: E402
from nameko.events import EventHandler  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.messaging import Consumer  # noqa: E402
from nameko.timer import timer  # noqa: E402
from nameko.web.handlers import http  # noqa: E402
from opentelemetry import trace  # noqa: E402
from opentelemetry.trace import SpanKind  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402
from werkzeug.wrappers import Response  # noqa: E402

from services.monitoring import partitions  # noqa: E402
from services.monitoring.batches import (  # noqa: E402
    BATCH_WAIT_CONFIG_KEY,
    BatchedEventHandler,
    Delivery,
    Verdict,
)
from services.monitoring.consumers import DeadLetteringQueueConsumer  # noqa: E402
from services.monitoring.feedback import Feedback  # noqa: E402
from services.monitoring.projection import (  # noqa: E402
    UNAPPLICABLE,
    Projection,
    is_outage,
)
from services.monitoring.supervision import Supervision  # noqa: E402
from services.monitoring.trends import thresholds_of  # noqa: E402
from services.shared import metrics  # noqa: E402
from services.shared.broker import (  # noqa: E402
    CASE_PARTITION_ARGUMENTS,
    CASE_PARTITION_EXCHANGE,
    CONSISTENT_HASH,
    DEAD_LETTER_QUEUE,
    MAX_ATTEMPTS,
    case_partition_queue,
    connect,
    declare_dead_letters,
)
from services.shared.config import load_settings  # noqa: E402
from services.shared.db import Database  # noqa: E402
from services.shared.errors import InvalidArgument  # noqa: E402
from services.shared.events import Event, parse_event  # noqa: E402
from services.shared.telemetry import context_from_headers, recording  # noqa: E402
from services.shared.working_days import WorkingCalendar  # noqa: E402

log = logging.getLogger("sunlight.monitoring.worker")
tracer = trace.get_tracer("sunlight.monitoring")
RETRY_PAUSE_S = load_settings().supervision_retry_pause_s
MAX_WORKERS = 64
DB_POOL = 16


def parse_payload(payload):  # type: ignore[no-untyped-def]
    """``parse_event``, without turning ``data`` into a protobuf Struct and back.

    Deserialised JSON (what nameko hands over) whose ``data`` is an object is always a valid
    Struct, so the envelope is checked with an empty one and the event gets the object
    itself; anything else is left to ``parse_event`` whole.
    """
    if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
        event = parse_event({**payload, "data": {}})
        return dataclasses.replace(event, data=payload["data"])
    return parse_event(payload)


def batch_links(deliveries: list[Delivery]) -> list[trace.Link]:
    """A batch's span links to the span of each message that carried one (OpenTelemetry's
    way for a consumer that handles several messages at once)."""
    links = []
    for delivery in deliveries:
        context = trace.get_current_span(context_from_headers(delivery.headers))
        if context.get_span_context().is_valid:
            links.append(trace.Link(context.get_span_context()))
    return links


def green_database_waits() -> bool:
    """Whether psycopg waits for the server in a way eventlet can switch away from."""
    import psycopg.waiting  # noqa: PLC0415 - only once the environment is set

    return psycopg.waiting.wait is psycopg.waiting.wait_select


class ProjectionProvider(DependencyProvider):
    """The projection, with supervision's write path applied in each event's transaction."""

    def setup(self) -> None:
        settings = load_settings()
        # connections are kept (those beyond pool_size would be opened and closed per use)
        db = Database.for_service(settings, "monitoring", pool_size=DB_POOL)
        calendar = WorkingCalendar.official(Path(settings.var_dir) / "calendar")
        self.projection = Projection(db, Supervision(
            db, calendar, settings.node_region,
            trend_thresholds=thresholds_of(settings.supervision_trends)))
        if not green_database_waits():
            log.warning("psycopg was imported before PSYCOPG_WAIT_FUNC was set: database "
                        "calls block every worker green thread")

    def stop(self) -> None:
        self.projection.db.dispose()

    def get_dependency(self, worker_ctx):  # type: ignore[no-untyped-def]
        return self.projection


class PartitionProvider(DependencyProvider):
    """Which partition of how many this worker is (``Partition``)."""

    def setup(self) -> None:
        settings = load_settings()
        self.partition = Partition(settings.supervision_partition_index,
                                   settings.supervision_workers)

    def get_dependency(self, worker_ctx):  # type: ignore[no-untyped-def]
        return self.partition


@dataclasses.dataclass(frozen=True)
class Partition:
    index: int
    count: int


class NoCaseLookups:
    """The worker asks the case service nothing (it is grpc-free): feedback's sweep needs no
    case; anything that would is a bug."""

    def case(self, number: str) -> None:
        raise RuntimeError(f"the supervision worker does not look up case {number}")


class FeedbackProvider(DependencyProvider):
    """Complaints and ratings (投诉 · 好差评), for the sweep of their deadlines only; on the
    projection's database pool (the worker has one)."""

    feedback: Feedback | None = None

    def get_dependency(self, worker_ctx):  # type: ignore[no-untyped-def]
        if self.feedback is None:  # every provider is set up before any worker runs
            projection = next(e for e in self.container.dependencies
                              if isinstance(e, ProjectionProvider)).projection
            supervision = projection.supervision
            self.feedback = Feedback(projection.db, supervision.calendar,
                                     supervision.node_region, NoCaseLookups())
        return self.feedback


class DeadLetter(Exception):
    """Give the message up: rejected without requeueing, so that the broker moves it to the
    dead-letter exchange (the queue's policy: ``DEAD_LETTER_POLICY``)."""


class BoundedEventHandler(EventHandler):
    """nameko's event handler, but a ``DeadLetter`` rejects the message instead of
    requeueing it (any other error requeues it, as ``requeue_on_error`` says), and so does
    a body that cannot be decoded (``DeadLetteringQueueConsumer``)."""

    queue_consumer = DeadLetteringQueueConsumer()

    def handle_message_processed(self, message, result=None, exc_info=None):  # type: ignore[no-untyped-def]
        if exc_info is not None and isinstance(exc_info[1], DeadLetter):
            if message.channel.connection:  # else the broker has it back already
                message.reject(requeue=False)
            return
        super().handle_message_processed(message, result, exc_info)


bounded_event_handler = BoundedEventHandler.decorator


class PartitionedEventHandler(BatchedEventHandler):
    """Case events of this worker's partition only, in batches (``BatchedEventHandler``):
    its own queue (``case_partition_queue``), bound with weight 1 to the consistent-hash
    exchange that spreads ``cases.events`` by case number — not a queue bound to
    ``cases.events``."""

    def setup(self) -> None:
        partition = int(self.container.config["SUPERVISION_PARTITION"])
        exchange = Exchange(CASE_PARTITION_EXCHANGE, type=CONSISTENT_HASH, durable=True,
                            auto_delete=False, arguments=CASE_PARTITION_ARGUMENTS)
        self.queue = Queue(case_partition_queue(partition), exchange=exchange,
                           routing_key=partitions.WEIGHT, durable=True, auto_delete=False,
                           exclusive=False)
        Consumer.setup(self)  # not EventHandler.setup, which binds to cases.events
        self.setup_batches()


partitioned_event_handler = PartitionedEventHandler.decorator


class Failures:
    """How many times each event failed in this process (a bug, not an outage); bounded."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def count(self, event_id: str) -> int:
        if len(self._counts) > 10_000:
            self._counts.clear()
        self._counts[event_id] = self._counts.get(event_id, 0) + 1
        return self._counts[event_id]

    def count_of(self, event_id: str) -> int:
        return self._counts.get(event_id, 0)

    def forget(self, event_id: str) -> None:
        self._counts.pop(event_id, None)


class FailureCounts(DependencyProvider):
    def setup(self) -> None:
        self.failures = Failures()

    def get_dependency(self, worker_ctx):  # type: ignore[no-untyped-def]
        return self.failures


class MessageHeaders(DependencyProvider):
    """The AMQP headers of the message being handled (nameko strips its own prefix): a
    catalogue event's; a batch of case events carries each message's in its ``Delivery``."""

    def get_dependency(self, worker_ctx):  # type: ignore[no-untyped-def]
        return dict(worker_ctx.context_data)


class MonitoringWorker:
    name = "monitoring"
    projection: Projection = ProjectionProvider()  # type: ignore[assignment]
    feedback: Feedback = FeedbackProvider()  # type: ignore[assignment]
    headers: dict = MessageHeaders()  # type: ignore[assignment]
    failures: Failures = FailureCounts()  # type: ignore[assignment]
    partition: Partition = PartitionProvider()  # type: ignore[assignment]

    @partitioned_event_handler("cases", "case.#")
    def on_case_events(self, deliveries: list[Delivery]) -> list[Verdict]:
        """A batch of case events, applied in one transaction (``Projection.apply_batch``);
        what becomes of each message: acknowledged (applied, a duplicate, or parked),
        requeued (the database failed, or a rule did, fewer than ``MAX_ATTEMPTS`` times) or
        dead-lettered."""
        verdicts: list[Verdict] = [Verdict.ACK] * len(deliveries)
        events: list[tuple[int, Event]] = []
        for i, delivery in enumerate(deliveries):
            try:
                events.append((i, parse_payload(delivery.payload)))
            except InvalidArgument as exc:
                verdicts[i] = self._park(delivery.payload, "cases.events", exc.message)
        outage = Verdict.REQUEUE in verdicts  # a parking the database could not take
        if events:
            outage = self._apply(deliveries, events, verdicts) or outage
        if outage:
            eventlet.sleep(RETRY_PAUSE_S)  # not back at once while the database is away
        return verdicts

    def _apply(self, deliveries: list[Delivery], events: list[tuple[int, Event]],
               verdicts: list[Verdict]) -> bool:
        """The batch's events applied; each one's verdict set; whether the database was
        away. An event a rule fails on (a bug) is requeued at once — its next attempt comes
        with a later batch, with no pause that would hold its partition's other events
        back — and dead-lettered after ``MAX_ATTEMPTS``."""
        outage = False
        with tracer.start_as_current_span(
                "case events process", kind=SpanKind.CONSUMER,
                links=batch_links(deliveries) if recording() else None,
                attributes={"messaging.system": "rabbitmq",
                            "messaging.batch.message_count": len(events)}):
            try:
                outcomes = self.projection.apply_batch([event for _, event in events])
            except Exception as exc:
                if not is_outage(exc):
                    raise  # a bug outside any one event: the batch is requeued, after a pause
                log.exception("database error applying %d events; requeueing them",
                              len(events))
                for i, _ in events:
                    metrics.record_supervision_event("cases", "retried")
                    verdicts[i] = Verdict.REQUEUE
                return True
        for (i, event), outcome in zip(events, outcomes, strict=True):
            if isinstance(outcome, UNAPPLICABLE):
                verdicts[i] = self._park(deliveries[i].payload, event.type,
                                         f"cannot apply: {outcome!r}", event.event_id)
                outage = outage or verdicts[i] is Verdict.REQUEUE
            elif isinstance(outcome, BaseException):
                verdicts[i] = self._failed(event, outcome)
            else:
                self.failures.forget(event.event_id)
                metrics.record_supervision_event("cases", "applied" if outcome else "duplicate",
                                                 event.occurred_at)
                if not outcome:
                    log.info("duplicate event %s ignored", event.event_id)
        return outage

    @bounded_event_handler("catalogue", "item.#", requeue_on_error=True)
    def on_item_event(self, payload):  # type: ignore[no-untyped-def]
        self._handle(payload, "catalogue.events")

    @timer(interval=load_settings().supervision_sweep_interval_s)
    def sweep(self) -> None:
        """Time-based rules (监察巡检): the cases whose day has come, unanswered yellows; the
        complaints and rectifications past their deadline."""
        supervision = self.projection.supervision
        part = self.partition
        try:
            changed = supervision.sweep(partition=(part.index, part.count))
            noted = self.feedback.sweep() if part.index == 0 else 0
        except Exception as exc:
            if not is_outage(exc):
                raise  # a bug: nameko logs it; the next sweep runs as usual
            log.exception("sweep failed; the next one tries again")
            return
        if changed or noted:
            log.info("sweep: %d warnings changed, %d deadlines passed", changed, noted)

    @http("GET", "/metrics")
    def metrics_page(self, request):  # type: ignore[no-untyped-def]
        """Prometheus text (rendered on a green thread: nothing here needs a real one)."""
        return Response(metrics.render(), content_type=metrics.CONTENT_TYPE)

    @http("GET", "/healthz")
    def healthz(self, request):  # type: ignore[no-untyped-def]
        try:
            with self.projection.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            return 503, json.dumps({"status": "NOT_SERVING", "error": str(exc)})
        return 200, json.dumps({"status": "SERVING"})

    def _park(self, payload: Any, source: str, reason: str, event_id: str | None = None,
              label: str = "cases") -> Verdict:
        """Keep a message that cannot be applied: acknowledged once kept; requeued when the
        database cannot keep it now; dead-lettered when it refuses it (kept there)."""
        body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
        try:
            self.projection.park(body, source, reason, event_id)
        except Exception as exc:  # noqa: BLE001 - not even kept: the dead-letter queue keeps it
            if is_outage(exc):
                log.exception("database error parking %s; requeueing it", event_id)
                metrics.record_supervision_event(label, "retried")
                return Verdict.REQUEUE
            log.exception("parking %s failed; given up to %s", event_id, DEAD_LETTER_QUEUE)
            metrics.record_supervision_event(label, "dead_lettered")
            return Verdict.DEAD_LETTER
        metrics.record_supervision_event(label, "parked")
        return Verdict.ACK

    def _failed(self, event: Event, exc: BaseException, label: str = "cases") -> Verdict:
        """A rule failed on the event (a bug): loud, retried a few times, then given up."""
        failures = self.failures.count(event.event_id)
        log.error("applying %s (%s) failed, attempt %d of %d", event.event_id, event.type,
                  failures, MAX_ATTEMPTS, exc_info=exc)
        if failures >= MAX_ATTEMPTS:
            self.failures.forget(event.event_id)
            metrics.record_supervision_event(label, "dead_lettered")
            log.error("event %s (%s) given up to %s after %d attempts", event.event_id,
                      event.type, DEAD_LETTER_QUEUE, failures)
            return Verdict.DEAD_LETTER
        metrics.record_supervision_event(label, "retried")
        return Verdict.REQUEUE

    def _handle(self, payload, source: str) -> None:  # type: ignore[no-untyped-def]
        """A catalogue event, one message at a time: a verdict other than ACK becomes
        nameko's requeue (an exception, after a pause) or a ``DeadLetter``."""
        label = source.removesuffix(".events")
        try:
            event = parse_payload(payload)
        except InvalidArgument as exc:
            settle_one(self._park(payload, source, exc.message, None, label), source, None)
            return
        with tracer.start_as_current_span(
                f"{event.type} process", context=context_from_headers(self.headers),
                kind=SpanKind.CONSUMER,
                attributes={"messaging.system": "rabbitmq", "messaging.message.id":
                            event.event_id}):
            try:
                applied = self.projection.apply(event)
            except UNAPPLICABLE as exc:
                verdict = self._park(payload, event.type, f"cannot apply: {exc!r}",
                                     event.event_id, label)
                settle_one(verdict, source, event.event_id)
                return
            except Exception as exc:
                if is_outage(exc):
                    log.exception("database error applying %s; requeueing", event.event_id)
                    metrics.record_supervision_event(label, "retried")
                    eventlet.sleep(RETRY_PAUSE_S)
                    raise
                verdict = self._failed(event, exc, label)
                settle_one(verdict, source, event.event_id, RETRY_PAUSE_S * max(
                    self.failures.count_of(event.event_id), 1), exc)
                return
            self.failures.forget(event.event_id)
            metrics.record_supervision_event(label, "applied" if applied else "duplicate",
                                             event.occurred_at)
            if not applied:
                log.info("duplicate event %s ignored", event.event_id)


class Requeue(Exception):
    """Have nameko requeue the message (``requeue_on_error``)."""


def settle_one(verdict: Verdict, source: str, event_id: str | None, pause_s: float = 0.0,
               cause: BaseException | None = None) -> None:
    """A one-message handler's verdict, as nameko carries it out: nothing (acknowledged), an
    exception after ``pause_s`` or at least ``RETRY_PAUSE_S`` (requeued), a ``DeadLetter``."""
    if verdict is Verdict.REQUEUE:
        eventlet.sleep(max(pause_s, RETRY_PAUSE_S))
        raise Requeue(f"{source} {event_id}") from cause
    if verdict is Verdict.DEAD_LETTER:
        raise DeadLetter(f"{source} {event_id}: {cause!r}") from cause


def declare_dead_letter_queue(amqp_uri: str, timeout_s: float) -> None:
    """The dead-letter exchange and queue exist whenever the worker runs (the policy that
    sends rejected messages there is the broker's: ``make run`` sets it)."""
    connection = connect(amqp_uri, timeout_s, "sunlight-monitoring-worker-setup")
    try:
        declare_dead_letters(connection.channel())
    finally:
        connection.close()


def nameko_config() -> dict:
    settings = load_settings()
    partition = settings.supervision_partition_index
    return {
        "SUPERVISION_PARTITION": partition,
        "AMQP_URI": settings.amqp_uri,
        "serializer": "json",
        "max_workers": MAX_WORKERS,
        "parent_calls_tracked": 10,
        "WEB_SERVER_ADDRESS": settings.listen_address(
            settings.monitoring_worker_health_port_of(partition)),
        "HEARTBEAT": 30,
        BATCH_WAIT_CONFIG_KEY: settings.supervision_batch_wait_s,
    }


def main() -> None:
    import signal  # noqa: PLC0415

    from nameko.runners import ServiceRunner  # noqa: PLC0415

    from services.shared.logs import configure_logging  # noqa: PLC0415
    from services.shared.telemetry import configure_tracing  # noqa: PLC0415

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing("monitoring-worker", settings.node_region,
                      settings.otel_exporter_otlp_endpoint)
    metrics.configure_metrics("monitoring-worker", settings.node_region)
    metrics.zero_supervision_events(("cases", "catalogue"))
    declare_dead_letter_queue(settings.amqp_uri, settings.amqp_timeout_s)
    partition = settings.supervision_partition_index
    if partition >= settings.supervision_workers:
        raise SystemExit(f"SUNLIGHT_SUPERVISION_PARTITION {partition} is not one of the "
                         f"{settings.supervision_workers} partitions "
                         "(SUNLIGHT_SUPERVISION_WORKERS)")
    try:
        partitions.prepare(settings.amqp_uri, settings.supervision_workers,
                           settings.amqp_timeout_s)
    except partitions.PluginMissing as exc:
        raise SystemExit(str(exc)) from None
    runner = ServiceRunner(nameko_config())
    runner.add_service(MonitoringWorker)
    stop = eventlet.event.Event()

    def _stop(*_):  # type: ignore[no-untyped-def]
        if not stop.ready():
            stop.send(True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner.start()
    log.info("monitoring worker consuming case.# of partition %d of %d, and item.# "
             "(health and metrics on :%s)", partition, settings.supervision_workers,
             settings.monitoring_worker_health_port_of(partition))
    died: list[BaseException] = []

    def _container_ended(thread) -> None:  # type: ignore[no-untyped-def]
        try:
            thread.wait()
        except Exception as exc:  # noqa: BLE001 - a container that died: the process ends too
            died.append(exc)
        _stop()

    # a container that dies (a thread of it failed) must not leave the process up doing nothing
    eventlet.spawn(runner.wait).link(_container_ended)
    stop.wait()
    if died:
        log.error("the worker's container died (%r): exiting for the supervisor to restart it",
                  died[0])
        runner.kill()
        raise SystemExit(1)
    runner.stop()


if __name__ == "__main__":
    main()
