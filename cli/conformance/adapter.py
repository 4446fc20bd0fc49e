"""The adapter's side: the kit plays the node — a fake gateway over HTTP and, given a broker,
the publisher of ``cases.events`` — and drives a department system's adapter through the
driver protocol below, then checks what the adapter did.

**The driver protocol.** The adapter under test is wrapped in a *driver*: a command the kit
starts (``--target "python my_driver.py"``) that reads one JSON object per line on standard
input and answers each with one JSON object per line on standard output (logs go to
standard error). Every answer has ``ok`` (true, or false with ``error``). The requests:

``{"op": "configure", "gateway_url", "token", "timeout_s", "amqp_url", "exchange", "queue",
"routing_keys"}``
    Point the adapter at the kit's gateway with this token; ``timeout_s`` is the per-request
    timeout the kit expects it to set (at most). With ``amqp_url`` (else null): consume
    ``exchange`` through the durable queue ``queue`` bound with ``routing_keys``, and answer
    only once it is bound.
``{"op": "submit", "application": {…}}``
    Submit this application (the JSON body of ``POST /v1/cases``, SUN-PR-01 §6, its
    ``idempotency_key`` included) the way the system does — through its outbox, say — and
    answer when the attempt is over: ``outcome`` ``delivered`` (with ``case_number``),
    ``parked`` (refused for good, with ``error_code``) or ``pending`` (to be retried later).
``{"op": "flush"}``
    Run the delivery of pending requests once more (a later pass of a relay).
``{"op": "applied"}``
    ``events``: the events the system applied, in the order it applied them, each
    ``{"event_id", "case_number", "sequence"}``.
``{"op": "stop"}``
    Stop consuming, answer, exit.

A conforming driver built on ``sunlight_adapter`` is ``cli/conformance/drivers/
adapter_driver.py``.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import select
import shlex
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cli.conformance.checks import ADAPTER, Failed, Skipped, check, expect

log = logging.getLogger("sunlight.conformance")

REGION = "511602"
ROUTING = "{type}.510000.511600.511602"
#: an application as a department's system sends it (SUN-PR-01 §6)
APPLICATION = {"item_id": "3f2b6c1e-8d4a-4c55-9a57-0c2e1f6b9d10", "region": REGION,
               "applicant": {"name": "一致性测试有限公司（测试）", "id_type": "credit_code",
                             "id_number": "91511602MA6C5K8R4C"},
               "channel": "CHANNEL_SYSTEM",
               "materials": [{"key": "application_form", "originals": 1, "copies": 0}]}


# --- the kit's gateway ---------------------------------------------------------------------


@dataclass
class Seen:
    """One request the fake gateway received."""

    method: str
    path: str
    authorization: str | None
    body: Any
    arrived: float
    #: seconds until the client gave up on a held request (None: it waited to the end)
    abandoned_after: float | None = None

    @property
    def key(self) -> str | None:
        return self.body.get("idempotency_key") if isinstance(self.body, dict) else None


class FakeGateway:
    """A gateway that answers as the node would, or as a key's plan says: ``"503"`` (a
    transient failure), ``"422"`` (a refusal for good), ``"hold"`` (no answer until the
    client gives up or ``hold_s`` passes: then 504), ``"ok"`` (the case)."""

    def __init__(self, hold_s: float = 10.0) -> None:
        self.hold_s = hold_s
        self.plans: dict[str, list[str]] = {}
        self.seen: list[Seen] = []
        self.cases: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                gateway._handle(self, None)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                gateway._handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="conformance-fake-gateway")

    def start(self) -> FakeGateway:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def plan(self, key: str, *answers: str) -> None:
        self.plans[key] = list(answers)

    def requests_with(self, key: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.key == key]

    def _handle(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        seen = Seen(request.command, request.path, request.headers.get("Authorization"), body,
                    time.monotonic())
        with self._lock:
            self.seen.append(seen)
            plan = self.plans.get(seen.key or "", [])
            answer = plan.pop(0) if plan else "ok"
        if answer == "hold":
            seen.abandoned_after = self._hold(request.connection, seen.arrived)
            if seen.abandoned_after is not None:
                request.close_connection = True
                return
            answer = "504"
        if answer == "503":
            self._error(request, 503, "UNAVAILABLE", "cases is not available right now")
        elif answer == "504":
            self._error(request, 504, "DEADLINE_EXCEEDED", "cases did not answer in time")
        elif answer == "422":
            self._error(request, 422, "ITEM_NOT_IN_FORCE", "the item is not in force")
        elif request.command == "POST" and request.path == "/v1/cases" \
                and isinstance(body, dict):
            self._send(request, 201, {"case": self._case(body)})
        else:
            self._error(request, 404, "NOT_FOUND", f"no such path {request.path}")

    def _hold(self, connection: socket.socket, arrived: float) -> float | None:
        """Wait without answering; the seconds until the client closed, or None."""
        while time.monotonic() - arrived < self.hold_s and not self._stop.is_set():
            readable, _, _ = select.select([connection], [], [], 0.05)
            if readable:
                try:
                    if connection.recv(1, socket.MSG_PEEK) == b"":
                        return time.monotonic() - arrived
                except OSError:
                    return time.monotonic() - arrived
        return None

    def _case(self, body: dict[str, Any]) -> dict[str, Any]:
        key = str(body.get("idempotency_key", ""))
        with self._lock:
            if key not in self.cases:
                number = f"{body.get('region', REGION)}{datetime.now(UTC):%Y%m%d}" \
                         f"{len(self.cases) + 1:06d}"
                self.cases[key] = {
                    "case_number": number, "status": "CASE_STATUS_SUBMITTED",
                    "region": body.get("region", REGION), "item_id": body.get("item_id", ""),
                    "item_version": 1, "sequence": "2",
                    "steps": [{"instance_id": "s1", "key": "accept", "name": "受理",
                               "status": "STEP_STATUS_ACTIVE"}],
                    "allowed_actions": ["accept", "reject", "request_supplement", "withdraw"]}
            return self.cases[key]

    def _error(self, request: BaseHTTPRequestHandler, status: int, code: str,
               message: str) -> None:
        self._send(request, status, {"error": {
            "code": code, "message": message, "identifier": uuid.uuid4().hex,
            "metadata": {}, "field_violations": []}})

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:
            request.close_connection = True


# --- the driver -----------------------------------------------------------------------------


class DriverError(Exception):
    """The driver did not answer as the protocol says."""


class Driver:
    """The adapter under test, behind its driver command (JSON lines on stdin/stdout)."""

    def __init__(self, command: str, cwd: str | None = None) -> None:
        self.command = command
        self.process = subprocess.Popen(  # noqa: S603 - the integrator's own command
            shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None, text=True, encoding="utf-8", cwd=cwd, bufsize=1)
        self._answers: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name="conformance-driver").start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip():
                self._answers.put(line)
        self._answers.put(None)

    def ask(self, request: dict[str, Any], timeout_s: float = 60.0) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            self.process.stdin.flush()
        except OSError as exc:
            raise DriverError(f"the driver is gone ({exc}); exit code "
                              f"{self.process.poll()}") from exc
        try:
            line = self._answers.get(timeout=timeout_s)
        except queue.Empty:
            raise DriverError(f"no answer to {request['op']} within {timeout_s:g} s") from None
        if line is None:
            raise DriverError(f"the driver exited ({self.process.wait()}) instead of "
                              f"answering {request['op']}")
        try:
            answer = json.loads(line)
        except ValueError:
            raise DriverError(f"not a JSON line: {line[:200]!r}") from None
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise DriverError(f"{request['op']} failed: {answer!r:.300}")
        return answer

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.ask({"op": "stop"}, timeout_s=15)
        except DriverError:
            pass
        finally:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# --- the run ---------------------------------------------------------------------------------


@dataclass
class AdapterTarget:
    """The adapter's side: its driver, the kit's gateway, the broker to publish on."""

    command: str
    amqp_url: str | None = None
    #: the per-request timeout the adapter is told to set; the held request must be given
    #: up within it (+ ``slack_s``)
    timeout_s: float = 1.0
    slack_s: float = 2.0
    wait_s: float = 20.0
    token: str = field(default_factory=lambda: f"conformance.{uuid.uuid4().hex}.token")
    queue: str = field(default_factory=lambda: f"conformance-{uuid.uuid4().hex[:12]}")
    gateway: FakeGateway | None = None
    driver: Driver | None = None
    _publisher: Any = None

    def start(self) -> None:
        self.gateway = FakeGateway(hold_s=self.timeout_s + self.slack_s + 2.0).start()
        self.driver = Driver(self.command, cwd=os.getcwd())
        if self.amqp_url:
            self._publisher = Publisher(self.amqp_url)
        self.driver.ask({"op": "configure", "gateway_url": self.gateway.url,
                         "token": self.token, "timeout_s": self.timeout_s,
                         "amqp_url": self.amqp_url, "exchange": "cases.events",
                         "queue": self.queue, "routing_keys": ["case.#"]})

    def close(self) -> None:
        if self.driver is not None:
            self.driver.stop()
        if self.gateway is not None:
            self.gateway.close()
        if self._publisher is not None:
            self._publisher.close(delete_queue=self.queue)

    @property
    def fake(self) -> FakeGateway:
        assert self.gateway is not None
        return self.gateway

    def ask(self, request: dict[str, Any], timeout_s: float = 60.0) -> dict[str, Any]:
        assert self.driver is not None
        try:
            return self.driver.ask(request, timeout_s)
        except DriverError as exc:
            raise Failed(f"the driver to answer {request['op']} (the kit's protocol)",
                         str(exc)) from None

    def submit(self, key: str) -> dict[str, Any]:
        return self.ask({"op": "submit", "application": {"idempotency_key": key,
                                                         **APPLICATION}})

    def publish(self, event: dict[str, Any]) -> None:
        if self._publisher is None:
            raise Skipped("needs a broker to publish events on: give --amqp AMQP_URL")
        self._publisher.publish(event)

    def applied(self) -> list[dict[str, Any]]:
        events = self.ask({"op": "applied"}).get("events")
        if not isinstance(events, list):
            raise Failed('"events": a list in the answer to applied', repr(events))
        return events

    def wait_applied(self, ready: Callable[[list[dict[str, Any]]], bool],
                     what: str) -> list[dict[str, Any]]:
        deadline = time.monotonic() + self.wait_s
        while True:
            events = self.applied()
            if ready(events):
                return events
            if time.monotonic() > deadline:
                raise Failed(f"{what} within {self.wait_s:g} s", events[-10:])
            time.sleep(0.1)


class BrokerUnreachable(Exception):
    """The broker of ``--amqp`` could not be reached or refused the login."""


class Publisher:
    """Publishes case events on ``cases.events`` as a node's relay does (SUN-PR-02 §4)."""

    def __init__(self, amqp_url: str) -> None:
        import pika  # noqa: PLC0415 - only with --amqp

        parameters = pika.URLParameters(amqp_url)
        parameters.socket_timeout = parameters.stack_timeout = 10
        parameters.blocked_connection_timeout = 30
        try:
            self.connection = pika.BlockingConnection(parameters)
        except (pika.exceptions.AMQPError, OSError) as exc:  # the URL's password left out
            raise BrokerUnreachable(
                f"--amqp: no connection to the broker {parameters.host}:{parameters.port}, "
                f"vhost {parameters.virtual_host!r} ({type(exc).__name__}"
                f"{f': {exc}' if str(exc) else ''})") from None
        self.channel = self.connection.channel()
        self.channel.exchange_declare("cases.events", "topic", durable=True,
                                      auto_delete=False)
        self.channel.confirm_delivery()

    def publish(self, event: dict[str, Any]) -> None:
        import pika  # noqa: PLC0415

        key = ROUTING.format(type=event["type"])
        self.channel.basic_publish(
            "cases.events", key, json.dumps(event, ensure_ascii=False).encode("utf-8"),
            pika.BasicProperties(content_type="application/json", content_encoding="utf-8",
                                 delivery_mode=2, message_id=event["event_id"], type=key,
                                 headers={"partition_key": event["data"]["case_number"]}))

    def close(self, delete_queue: str | None = None) -> None:
        try:
            if delete_queue:
                self.channel.queue_delete(delete_queue)
        except Exception as exc:  # noqa: BLE001 - the driver may never have declared it
            log.debug("could not delete the queue %s: %r", delete_queue, exc)
        if self.connection.is_open:
            self.connection.close()


def event(case_number: str, sequence: int, kind: str = "case.step_claimed",
          event_id: str | None = None) -> dict[str, Any]:
    """A case event as the node publishes it (SUN-PR-02 §4-5)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"event_id": event_id or str(uuid.uuid4()), "type": kind, "occurred_at": now,
            "node": REGION, "region": REGION, "schema": "sunlight.cases.v1.CaseEvent",
            "data": {"case_number": case_number, "region": REGION, "sequence": str(sequence),
                     "status": "CASE_STATUS_SUBMITTED"}}


# --- the checks ------------------------------------------------------------------------------


@check("PR03-ADAPTER-SENDS-TOKEN", ADAPTER, "every request carries Authorization: Bearer "
       "<token>", "SUN-PR-03 §3, SUN-PR-01 §3")
def sends_token(t: AdapterTarget) -> None:
    key = f"conformance-ok-{uuid.uuid4().hex[:8]}"
    answer = t.submit(key)
    expect(answer.get("outcome") == "delivered", "the application delivered", answer)
    seen = t.fake.requests_with(key)
    expect(bool(seen), "the application sent to the gateway", "no request")
    wrong = [s.authorization for s in t.fake.seen if s.authorization != f"Bearer {t.token}"]
    expect(not wrong, f"Authorization: Bearer {t.token} on every request", wrong[:3])
    expect(answer.get("case_number") == t.fake.cases[key]["case_number"],
           f"case_number {t.fake.cases[key]['case_number']} in the answer",
           answer.get("case_number"))


def _delivered_eventually(t: AdapterTarget, key: str, answer: dict[str, Any]
                          ) -> dict[str, Any]:
    deadline = time.monotonic() + t.wait_s
    while answer.get("outcome") == "pending" and time.monotonic() < deadline:
        time.sleep(0.2)
        t.ask({"op": "flush"})
        answer = t.ask({"op": "submit", "application": {"idempotency_key": key,
                                                        **APPLICATION}})
    return answer


@check("PR04-ADAPTER-RETRY-SAME-KEY", ADAPTER, "a 503 is retried with the same idempotency "
       "key and body", "SUN-PR-04 §4 (Retry rules), SUN-PR-01 §8")
def retry_same_key(t: AdapterTarget) -> None:
    key = f"conformance-503-{uuid.uuid4().hex[:8]}"
    t.fake.plan(key, "503")
    before = len(t.fake.seen)
    answer = _delivered_eventually(t, key, t.submit(key))
    sent = t.fake.seen[before:]
    keyed = [s for s in sent if s.key == key]
    others = [s.key for s in sent if s.key != key and s.method == "POST"]
    expect(not others, f"the retry under the key {key}", f"other keys: {others[:3]}")
    expect(len(keyed) >= 2, "the request sent again after the 503", f"{len(keyed)} request(s)")
    expect(all(s.body == keyed[0].body for s in keyed), "the same body on every try",
           [s.body for s in keyed][:2])
    expect(answer.get("outcome") == "delivered", "delivered once the gateway answered", answer)


@check("PR04-ADAPTER-NO-RETRY-4XX", ADAPTER, "a 4xx refusal is not retried: the request is "
       "parked with the node's code", "SUN-PR-04 §4 (Retry rules)")
def no_retry_4xx(t: AdapterTarget) -> None:
    key = f"conformance-422-{uuid.uuid4().hex[:8]}"
    t.fake.plan(key, "422", "422", "422", "422")
    before = len(t.fake.seen)
    answer = t.submit(key)
    t.ask({"op": "flush"})
    sent = [s.key for s in t.fake.seen[before:] if s.method == "POST"]
    expect(sent == [key], "one request for a refusal (422 ITEM_NOT_IN_FORCE), never retried",
           f"{len(sent)} requests: {sent}")
    expect(answer.get("outcome") == "parked" and answer.get("error_code") == "ITEM_NOT_IN_FORCE",
           "outcome parked with error_code ITEM_NOT_IN_FORCE", answer)


@check("PR01-ADAPTER-TIMEOUT", ADAPTER, "a request left unanswered is given up within the "
       "adapter's timeout (and retried with its key)", "SUN-PR-01 §3, SUN-PR-04 §4")
def sets_timeout(t: AdapterTarget) -> None:
    key = f"conformance-hold-{uuid.uuid4().hex[:8]}"
    t.fake.plan(key, "hold")
    t.submit(key)
    sent = t.fake.requests_with(key)
    expect(bool(sent), "the application sent", "no request")
    bound = t.timeout_s + t.slack_s
    gave_up = sent[0].abandoned_after
    expect(gave_up is not None and gave_up <= bound,
           f"the unanswered request abandoned within {bound:g} s (timeout {t.timeout_s:g} s)",
           "still waiting when the kit answered 504 after "
           f"{t.fake.hold_s:g} s" if gave_up is None else f"abandoned after {gave_up:.2f} s")


def own_case(t: AdapterTarget, what: str) -> tuple[str, int]:
    """A case the system submitted itself, and the sequence the node answered it with: the
    events checks publish on it, above that sequence (a system may rightly ignore the events
    of cases it never sent, and take what it already knows as old news)."""
    if t._publisher is None:
        raise Skipped("needs a broker to publish events on: give --amqp AMQP_URL")
    key = f"conformance-{what}-{uuid.uuid4().hex[:8]}"
    answer = t.submit(key)
    expect(answer.get("outcome") == "delivered", f"the application of the case the {what} "
           "events are on delivered", answer)
    case = t.fake.cases[key]
    return case["case_number"], int(case["sequence"])


@check("PR02-ADAPTER-REDELIVERY-ONCE", ADAPTER, "an event delivered twice (same event_id) is "
       "applied once", "SUN-PR-02 §6 (Redelivery, Idempotent consumers)")
def redelivery_once(t: AdapterTarget) -> None:
    number, known = own_case(t, "redelivery")
    twice = event(number, known + 1, "case.step_claimed")
    after = event(number, known + 2, "case.step_started")
    t.publish(twice)
    t.publish(twice)
    t.publish(after)
    applied = t.wait_applied(lambda es: any(e.get("event_id") == after["event_id"]
                                            for e in es),
                             f"event {after['event_id']} (after the duplicate) applied")
    count = sum(1 for e in applied if e.get("event_id") == twice["event_id"])
    expect(count == 1, f"event {twice['event_id']} applied once", f"{count} times")


@check("PR02-ADAPTER-ORDER", ADAPTER, "a case's events are applied in sequence order: one "
       "arriving after a later one is old news", "SUN-PR-02 §6 (Order)")
def applies_in_order(t: AdapterTarget) -> None:
    number, known = own_case(t, "order")
    one, two, three, four = (known + n for n in (1, 2, 3, 4))
    sent = [event(number, seq) for seq in (one, three, two, four)]
    for item in sent:
        t.publish(item)
    last = sent[-1]["event_id"]
    applied = t.wait_applied(lambda es: any(e.get("event_id") == last for e in es),
                             f"sequence {four} of case {number} applied")
    sequences = [int(e.get("sequence", 0)) for e in applied if e.get("case_number") == number]
    expect(all(a < b for a, b in zip(sequences, sequences[1:], strict=False)),
           f"the sequences applied only going up ({two} after {three} skipped)", sequences)
    expect(bool(sequences) and sequences[-1] == four, f"the newest, {four}, applied last",
           sequences)
