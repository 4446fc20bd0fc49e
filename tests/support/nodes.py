"""A whole node for end-to-end tests: every process under the supervisor of ``make run``, on
free ports, against a database and a vhost of the test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from infra.localnode import LocalNode


def run_node(database_url: str, amqp_uri: str, log_dir: Path) -> Iterator[LocalNode]:
    """Every process of a node, serving; stopped afterwards (for module fixtures)."""
    local = LocalNode.on_free_ports(log_dir, DATABASE_URL=database_url, AMQP_URI=amqp_uri)
    local.start()
    try:
        local.wait_healthy(timeout_s=90)
        yield local
    finally:
        local.stop()
