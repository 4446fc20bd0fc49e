"""Shared fixtures: a test signing key, and for integration tests a fresh PostgreSQL database
and a fresh RabbitMQ vhost per test session (per pytest-xdist worker), removed afterwards."""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from infra.broker import BrokerError, enable_plugins, set_policies
from services.shared.token_keys import TokenKey

pytest_plugins = ["tests.support.workers"]  # how `make test` hands the tests to its workers

os.environ.setdefault("SUNLIGHT_TOKEN_KEY", TokenKey.generate().to_text())

PG_ADMIN = os.environ.get("SUNLIGHT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("SUNLIGHT_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672")


@dataclass(frozen=True)
class PgDatabase:
    name: str
    url: str  # SQLAlchemy URL


@pytest.fixture(scope="session")
def pg_database() -> Iterator[PgDatabase]:
    """A database of its own for this test session on the machine's PostgreSQL."""
    name = f"sunlight_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield PgDatabase(name, f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://"))
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def _vhost(prefix: str) -> Iterator[str]:
    vhost = f"{prefix}-{uuid.uuid4().hex[:10]}"
    try:
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        set_policies(vhost, run=_rabbitmqctl)  # as `make run`'s broker step does
        enable_plugins()  # supervision's partitions: the consistent-hash exchange
    except (OSError, subprocess.CalledProcessError, BrokerError) as exc:
        pytest.fail(f"cannot create a RabbitMQ vhost (is RabbitMQ running?): {exc}")
    try:
        yield f"{AMQP_BASE}/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def amqp_uri() -> Iterator[str]:
    """A vhost of its own for this test session on the machine's RabbitMQ."""
    with _vhost("sunlight-test") as uri:
        yield uri


@pytest.fixture
def own_amqp_uri() -> Iterator[str]:
    """A vhost for one test: for what the session's vhost cannot show once other tests have
    bound their queues in it (a message no queue is bound for, say)."""
    with _vhost("sunlight-test-own") as uri:
        yield uri
