"""What the tests of supervision's write path share: a clock they move, and supervision's
database on both dialects (each test's own; no relay runs, so nothing is left pending)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func

from services.monitoring import storage as t
from services.monitoring.supervision import Supervision
from services.shared.db import Database
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "monitoring" / "migrations"
CALENDAR = WorkingCalendar.official()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'monitoring.db'}"
        upgrade(MIGRATIONS, url, "monitoring")
    else:
        url = request.getfixturevalue("pg_settings").database_url
    database = Database(url, "monitoring", pool_size=2)
    yield database
    with database.begin() as c:  # no relay here: leave no pending events to other tests
        c.execute(t.outbox.update().where(t.outbox.c.published_at.is_(None)).values(
            published_at=func.now()))
    database.dispose()


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def supervision(db: Database, clock: Clock) -> Supervision:
    return Supervision(db, CALENDAR, "510000", clock=clock)
