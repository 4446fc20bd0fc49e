"""RabbitMQ connections (pika) with timeouts, and the exchanges of the event contract."""

from __future__ import annotations

import pika

EXCHANGE_TYPE = "topic"


def connection_parameters(amqp_uri: str, timeout_s: float = 10.0,
                          name: str = "sunlight") -> pika.URLParameters:
    params = pika.URLParameters(amqp_uri)
    params.socket_timeout = timeout_s
    params.stack_timeout = timeout_s * 2
    params.blocked_connection_timeout = timeout_s * 3
    params.connection_attempts = 1
    params.heartbeat = 30
    params.client_properties = {"connection_name": name}
    return params


def connect(amqp_uri: str, timeout_s: float = 10.0, name: str = "sunlight"
            ) -> pika.BlockingConnection:
    return pika.BlockingConnection(connection_parameters(amqp_uri, timeout_s, name))


def declare_exchange(channel: pika.adapters.blocking_connection.BlockingChannel,
                     exchange: str) -> None:
    """Durable topic exchange, declared exactly as nameko declares it."""
    channel.exchange_declare(exchange=exchange, exchange_type=EXCHANGE_TYPE, durable=True,
                             auto_delete=False)
