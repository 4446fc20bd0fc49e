"""The queue consumer of supervision's worker: what becomes of a message whose body cannot be
decoded.

kombu hands a body it cannot decode — declared ``application/json`` and no JSON, of a
content type the consumer does not accept (``text/plain``), text that is not UTF-8 — to its
consumer's ``on_decode_error``, whose default (``ConsumerMixin``) logs it and acknowledges
it: the message is gone. Here it is rejected without requeueing instead: the queue's
dead-letter policy (``sunlight-dead-letters``) keeps it, ``sunlight supervision
dead-letters`` lists it, and it counts as ``dead_lettered`` in
``sunlight_supervision_events_total``.
"""

from __future__ import annotations

import logging

from amqp.exceptions import ConnectionError as AmqpConnectionError
from nameko.messaging import QueueConsumer

from services.shared import metrics

log = logging.getLogger(__name__)

#: the ``source`` label of the supervision event counter, by the exchange a message came by
SOURCES = {"cases.events": "cases", "catalogue.events": "catalogue"}


class DeadLetteringQueueConsumer(QueueConsumer):
    """nameko's queue consumer, but a message whose body cannot be decoded is rejected
    without requeueing (the module's docstring says why and where it goes)."""

    def on_decode_error(self, message, exc):  # type: ignore[no-untyped-def]
        info = message.delivery_info or {}
        log.error("cannot decode a message from %s (routing key %s, message id %s, content "
                  "type %r): %r; rejected (the queue's dead-letter policy keeps it)",
                  info.get("exchange"), info.get("routing_key"),
                  message.properties.get("message_id"), message.content_type, exc)
        if not message.channel.connection:
            return  # the channel is gone: the broker gives the message again
        try:
            message.reject(requeue=False)
        except (AmqpConnectionError, OSError):
            return  # closing meanwhile: the same
        metrics.record_supervision_event(SOURCES.get(info.get("exchange"), "other"),
                                         "dead_lettered")
