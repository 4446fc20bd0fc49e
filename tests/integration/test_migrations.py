"""Migration stairway: every revision goes up, down and up again, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from services.shared.db import Database, ensure_schema
from services.shared.migrations import config, downgrade, upgrade

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("catalogue", "cases", "monitoring", "hall")


def _revisions(service: str) -> list[str]:
    script = ScriptDirectory.from_config(config(ROOT / "services" / service / "migrations",
                                                "sqlite://", service))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _tables(url: str, schema: str) -> set[str]:
    db = Database(url, schema)
    ensure_schema(db.engine, schema)
    try:
        names = inspect(db.engine).get_table_names(
            schema=schema if db.dialect == "postgresql" else None)
        return set(names) - {"alembic_version"}
    finally:
        db.dispose()


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_stairway(service: str, backend: str, tmp_path, pg_database) -> None:
    url = (f"sqlite:///{tmp_path}/{service}.db" if backend == "sqlite" else pg_database.url)
    schema = f"stairway_{service}"
    location = ROOT / "services" / service / "migrations"
    for revision in _revisions(service):
        upgrade(location, url, schema, revision)
        downgrade(location, url, schema, "-1")
        upgrade(location, url, schema, revision)
    assert "outbox" in _tables(url, schema) or service in ("monitoring", "hall")
    downgrade(location, url, schema, "base")
    assert _tables(url, schema) == set()


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path) -> None:
    """WAL + deferred BEGIN: a read runs while another connection holds the write lock."""
    from sqlalchemy import text

    db = Database(f"sqlite:///{tmp_path}/r.db", "r")
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    writer = db.engine.connect()
    tx = writer.begin()  # BEGIN IMMEDIATE: holds the write lock
    writer.execute(text("INSERT INTO t VALUES (2)"))
    try:
        reader = Database(f"sqlite:///{tmp_path}/r.db", "r")
        with reader.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
        reader.dispose()
    finally:
        tx.rollback()
        writer.close()
        db.dispose()
