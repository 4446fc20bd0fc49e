"""End-to-end tests run nodes on the session's PostgreSQL database, migrated once."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def database_url(pg_database) -> str:
    """The session's database with every service's schema at its newest migration."""
    for service in ("catalogue", "cases", "monitoring", "hall"):
        upgrade(ROOT / "services" / service / "migrations", pg_database.url, service)
    return pg_database.url
