from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.shared.config import Settings
from services.shared.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("catalogue", "cases", "monitoring", "hall")

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def pg_settings(pg_database, amqp_uri, tmp_path_factory) -> Iterator[Settings]:
    """Settings of a node on PostgreSQL (schemas migrated) and the session's vhost."""
    settings = Settings(database_url=pg_database.url, amqp_uri=amqp_uri,
                        var_dir=tmp_path_factory.mktemp("var"))
    for service in SERVICES:
        upgrade(ROOT / "services" / service / "migrations",
                pg_database.url, service)
    yield settings
