"""The node's dead-letter queue (``sunlight.dead-letters``): what is in it, and replaying it.

A consumer that failed a few times on a message (a bug, not an outage) rejects it, and the
queue's policy moves it here with RabbitMQ's ``x-death`` header: the queue it came from, the
exchange and routing keys it was published with, the reason, how often, when. Listing takes
messages without acknowledging them and gives them all back (the queue is unchanged);
replaying publishes a message again to the exchange and routing key it first had (publisher
confirms, ``mandatory``), and only once the broker confirmed it removes it from here — a
replay interrupted at any point leaves the message here or there, or both (consumers drop
the duplicate by event id), never nowhere. Dropping (a message that will never apply: a body
nobody can decode, an event of a sender since mended) takes it out for good, once it is
written to an archive file on disk (JSON lines, on the disk before the broker is told): an
interrupted drop leaves it here, or in the archive, or both.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pika
import pika.exceptions

from services.shared.broker import DEAD_LETTER_QUEUE, connect, declare_dead_letters
from services.shared.pki import write_private

#: messages looked at in one listing or replay, at most
MAX_MESSAGES = 10_000


@dataclass(frozen=True)
class DeadLetter:
    #: the message id, else the body's event id, else ``sha256:`` and the first 16 hex digits
    #: of the body's SHA-256 (a body that is no event at all can be named too)
    event_id: str
    event_type: str
    queue: str          # the consumer's queue it was rejected from
    exchange: str       # where it was first published, and with which routing key
    routing_key: str
    reason: str         # "rejected", "expired", …
    deaths: int         # how often it came here (a replay that failed again: 2, …)
    died_at: datetime | None
    body: bytes
    properties: Any

    def summary(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "type": self.event_type, "queue": self.queue,
                "exchange": self.exchange, "routing_key": self.routing_key,
                "reason": self.reason, "deaths": self.deaths,
                "died_at": self.died_at.isoformat() if self.died_at else None}


def _of(method: Any, properties: Any, body: bytes) -> DeadLetter:
    headers = properties.headers or {}
    deaths = headers.get("x-death") or [{}]
    first = deaths[0]
    keys = first.get("routing-keys") or [method.routing_key]
    died = first.get("time")
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):  # a body nested past the parser's depth, too
        envelope = {}
    if not isinstance(envelope, dict):
        envelope = {}
    return DeadLetter(
        event_id=str(properties.message_id or envelope.get("event_id") or
                     f"sha256:{hashlib.sha256(body).hexdigest()[:16]}"),
        event_type=str(envelope.get("type") or properties.type or keys[0]),
        queue=str(first.get("queue", "")), exchange=str(first.get("exchange", "")),
        routing_key=str(keys[0]), reason=str(first.get("reason", "")),
        deaths=int(sum(int(d.get("count", 1)) for d in deaths)),
        died_at=died if isinstance(died, datetime) else (
            datetime.fromtimestamp(died, UTC) if isinstance(died, (int, float)) else None),
        body=body, properties=properties)


@contextmanager
def _channel(amqp_uri: str, timeout_s: float) -> Iterator[Any]:
    """A channel on a connection of its own to the queue, declared; closed afterwards (what
    was taken and not acknowledged goes back to the queue with it)."""
    connection = connect(amqp_uri, timeout_s, "sunlight-dead-letters")
    try:
        channel = connection.channel()
        declare_dead_letters(channel)
        yield channel
    finally:
        connection.close()


def _take(channel: Any, limit: int) -> list[tuple[int, DeadLetter]]:
    taken = []
    while len(taken) < min(limit, MAX_MESSAGES):
        method, properties, body = channel.basic_get(DEAD_LETTER_QUEUE, auto_ack=False)
        if method is None:
            break
        taken.append((method.delivery_tag, _of(method, properties, body)))
    return taken


def list_dead_letters(amqp_uri: str, limit: int = 100, timeout_s: float = 10.0
                      ) -> list[DeadLetter]:
    """The oldest ``limit`` messages of the queue, left in it."""
    with _channel(amqp_uri, timeout_s) as channel:
        taken = _take(channel, limit)
        if taken:
            channel.basic_nack(delivery_tag=taken[-1][0], multiple=True, requeue=True)
        return [letter for _, letter in taken]


def replay_dead_letters(amqp_uri: str, wanted: Callable[[DeadLetter], bool],
                        limit: int = 100, timeout_s: float = 10.0) -> list[DeadLetter]:
    """Publish the wanted messages again where they first went; the ones replayed."""
    replayed: list[DeadLetter] = []
    with _channel(amqp_uri, timeout_s) as channel:
        channel.confirm_delivery()
        for tag, letter in _take(channel, limit):
            if not wanted(letter) or not letter.exchange:
                channel.basic_nack(delivery_tag=tag, requeue=True)
                continue
            # x-death stays: dead-lettered again, the broker counts on (deaths 2, 3, …)
            headers = dict(letter.properties.headers or {})
            properties = pika.BasicProperties(
                content_type=letter.properties.content_type,
                content_encoding=letter.properties.content_encoding,
                delivery_mode=2, message_id=letter.properties.message_id,
                type=letter.properties.type, timestamp=letter.properties.timestamp,
                headers=headers)
            try:
                channel.basic_publish(letter.exchange, letter.routing_key, letter.body,
                                      properties, mandatory=True)
            except (pika.exceptions.UnroutableError, pika.exceptions.NackError):
                channel.basic_nack(delivery_tag=tag, requeue=True)  # stays here
                continue
            channel.basic_ack(delivery_tag=tag)
            replayed.append(letter)
        return replayed


def archive_record(letter: DeadLetter, dropped_at: datetime) -> dict[str, Any]:
    """What the archive keeps of a dropped message: its summary, its properties and its
    body (base64: it may not be text at all)."""
    p = letter.properties
    return {**letter.summary(), "dropped_at": dropped_at.isoformat(),
            "content_type": p.content_type, "content_encoding": p.content_encoding,
            "message_id": p.message_id, "headers": p.headers or {},
            "body_base64": base64.b64encode(letter.body).decode("ascii")}


def drop_dead_letters(amqp_uri: str, wanted: Callable[[DeadLetter], bool], archive: Path,
                      limit: int = 100, timeout_s: float = 10.0) -> list[DeadLetter]:
    """Take the wanted messages out of the queue for good, each added to ``archive`` first
    (one JSON object a line, ``archive_record``; the file rewritten whole with them and put in
    place in one step, readable by this user only: ``pki.write_private``); the ones
    dropped."""
    with _channel(amqp_uri, timeout_s) as channel:
        taken = _take(channel, limit)
        chosen = [(tag, letter) for tag, letter in taken if wanted(letter)]
        if chosen:  # the archive with the new lines in place, on the disk, before any ack
            now = datetime.now(UTC)
            kept = archive.read_bytes() if archive.exists() else b""
            write_private(archive, kept + "".join(
                json.dumps(archive_record(letter, now), ensure_ascii=False, default=str)
                + "\n" for _, letter in chosen).encode("utf-8"))
        dropped = {tag for tag, _ in chosen}
        for tag, _ in taken:
            if tag in dropped:
                channel.basic_ack(delivery_tag=tag)
            else:
                channel.basic_nack(delivery_tag=tag, requeue=True)
        return [letter for _, letter in chosen]
