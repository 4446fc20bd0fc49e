"""Database engines and transactions for a service.

SQLite (default): one file per service under ``var/<node>/``, WAL mode, foreign keys on.
PostgreSQL (``DATABASE_URL=postgresql://…``): one schema per service in that database,
selected through ``search_path``, so services never share tables even on one server.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, TypeDecorator, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from services.shared.config import Settings

log = logging.getLogger(__name__)


READ_ONLY = "sunlight_read_only"


def database_url(settings: Settings, service: str) -> str:
    if settings.database_url:
        url = make_url(settings.database_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    path = Path(settings.var_dir) / settings.node_region / f"{service}.db"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Applicants' names and ID numbers: readable by the node's user only, whatever the umask
    # (SQLite gives the -wal and -shm files the mode of the database file).
    os.close(os.open(path, os.O_CREAT | os.O_RDONLY, 0o600))
    return f"sqlite:///{path}"


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


# A pooled connection idle for longer than this is pinged before it is handed out.
PING_IDLE_S = 1.0


def create_service_engine(url: str, schema: str, *, pool_size: int = 10) -> Engine:
    """An engine whose unqualified tables live in ``schema`` (PostgreSQL) or the file."""
    if is_postgres(url):
        engine = create_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=10,
            connect_args={"options": f"-csearch_path={schema}", "connect_timeout": 10},
        )
        _ping_when_idle(engine)
        return engine
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not pysqlite, open transactions, so BEGIN IMMEDIATE works.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn):  # type: ignore[no-untyped-def]
        # Writers take the write lock at the start: no upgrade deadlocks between writers.
        # Readers (Database.read) begin deferred: in WAL mode they never wait for a writer.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _ping_when_idle(engine: Engine, idle_s: float = PING_IDLE_S) -> None:
    """Pessimistic disconnect handling without a round trip per checkout.

    ``pool_pre_ping`` costs a ``SELECT 1`` before every transaction. A connection that was
    in use a moment ago is almost certainly alive; one that sat in the pool (where a database
    restart or an idle timeout kills it unseen) is pinged first, and replaced when dead.
    A connection that dies while busy fails its transaction and SQLAlchemy's disconnect
    handling invalidates the pool, as before.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.get("checked_in_at")
        if since is None or time.monotonic() - since < idle_s:
            return  # new (just connected) or busy a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure means: do not use it
            # the pool discards this connection and checks out (or opens) another
            raise exc.DisconnectionError(f"stale pooled connection: {error}") from error


def run_script(conn: Any, statements: list[tuple[str | bytes, dict[str, Any] | None]]
               ) -> list[list[tuple[Any, ...]] | None]:
    """Run several statements on a psycopg connection as one simple query.

    One network write and one round trip for the lot: each statement's parameters are bound
    on the client as psycopg's ``ClientCursor.mogrify`` binds them (values become properly
    quoted literals, never SQL; ``bind``). Returns, per statement, its rows (``None`` when it
    returns none). An error in any statement stops the rest and is raised; an explicit
    transaction is then left aborted, for the caller to roll back.
    """
    from psycopg import ClientCursor  # noqa: PLC0415 - PostgreSQL paths only

    literal, encoding = _literal(conn), conn.info.encoding
    cursor = ClientCursor(conn)
    cursor.execute(b";\n".join([bind(sql, params, literal, encoding)
                                for sql, params in statements]))
    results: list[list[tuple[Any, ...]] | None] = []
    while True:
        results.append(cursor.fetchall() if cursor.description is not None else None)
        if not cursor.nextset():
            break
    cursor.close()
    return results


#: a statement's client-side template: its text with ``%s`` where its named parameters go,
#: and their names in order (psycopg's own parse of ``%(name)s`` and ``%%``), by statement
_TEMPLATES: dict[tuple[str, str], tuple[bytes, tuple[str, ...]]] = {}


def _template(sql: str, encoding: str) -> tuple[bytes, tuple[str, ...]]:
    found = _TEMPLATES.get((sql, encoding))
    if found is None:
        from psycopg._queries import _query2pg_client_nocache  # noqa: PLC0415

        template, order, _ = _query2pg_client_nocache(sql.encode(encoding), encoding)
        if order is None:
            raise TypeError(f"statement without named parameters: {sql[:80]}")
        if len(_TEMPLATES) > 1000:  # statements are few and fixed; bound it anyway
            _TEMPLATES.clear()
        found = _TEMPLATES[(sql, encoding)] = (template, tuple(order))
    return found


def _literal(conn: Any) -> Callable[[Any], bytes]:
    """The connection's literal of a value other than None, as ``mogrify`` writes it (the
    callers write ``NULL`` for None themselves: one call less a value)."""
    from psycopg.adapt import Transformer  # noqa: PLC0415 - PostgreSQL paths only

    return Transformer(conn).as_literal  # type: ignore[no-any-return]


def bind(sql: str | bytes, params: dict[str, Any] | None,
         literal: Callable[[Any], bytes], encoding: str = "utf-8") -> bytes:
    """One statement with its named parameters bound on the client: the bytes
    ``ClientCursor.mogrify(sql, params)`` makes (its template is parsed once, by psycopg,
    and remembered); without parameters the statement as it is. ``literal``: a value's
    literal (``_literal``), None being ``NULL``."""
    if params is None:
        return sql if isinstance(sql, bytes) else sql.encode(encoding)
    template, order = _template(sql if isinstance(sql, str) else sql.decode(encoding),
                                encoding)
    return template % tuple([b"NULL" if (value := params[name]) is None else literal(value)
                             for name in order])


def literal_rows(conn: Any, rows: list[tuple[Any, ...]]) -> str:
    """The rows as a SQL ``VALUES`` list, bound on the client like ``run_script`` does."""
    literal = _literal(conn)
    return b", ".join([b"(" + b", ".join([b"NULL" if v is None else literal(v)
                                          for v in values]) + b")"
                       for values in rows]).decode(conn.info.encoding)


def dialect_name(executor: Session | Connection) -> str:
    """``postgresql`` or ``sqlite``, for a Session or a Core Connection."""
    if isinstance(executor, Connection):
        return executor.dialect.name
    return executor.get_bind().dialect.name


def ensure_schema(engine: Engine, schema: str) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


AFTER_COMMIT = "sunlight.after_commit"


def after_commit(conn: Connection, hook: Callable[[], None]) -> None:
    """Run ``hook`` once the transaction of ``conn`` (opened by ``Database.begin``) has
    committed — to count what it wrote, say; dropped when it rolls back. On a connection
    not opened that way, at once."""
    hooks = conn.info.get(AFTER_COMMIT) if isinstance(conn, Connection) else None
    if hooks is None:
        hook()
    else:
        hooks.append(hook)


class Database:
    """The engine and session factory of one service."""

    def __init__(self, url: str, schema: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.schema = schema
        self.engine = create_service_engine(url, schema, pool_size=pool_size)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def for_service(cls, settings: Settings, service: str, **kw: int) -> Database:
        return cls(database_url(settings, service), service, **kw)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work on one snapshot (REPEATABLE READ on PostgreSQL); on
        SQLite it begins deferred, so it never waits for a writer. A Core connection: the
        reads are Core statements, and an ORM session per read cost more than its query."""
        options: dict[str, Any] = {READ_ONLY: True}
        if self.dialect == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        with self.engine.connect().execution_options(**options) as connection, \
                connection.begin():
            yield connection

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """Like ``transaction`` on a Core connection: no ORM session to set up per call,
        for hot paths that only execute Core statements. What ``after_commit`` was given in
        it runs once it has committed (never when it rolled back)."""
        hooks: list[Callable[[], None]] = []
        with self.engine.begin() as connection:
            connection.info[AFTER_COMMIT] = hooks
            try:
                yield connection
            finally:
                connection.info.pop(AFTER_COMMIT, None)
        for hook in hooks:
            hook()

    @contextmanager
    def driver_connection(self) -> Iterator[Any]:
        """A pooled connection's psycopg connection, in autocommit mode (PostgreSQL only).

        For hot paths that send their own ``BEGIN`` … ``COMMIT`` in a few ``run_script``
        calls, so a transaction costs two round trips instead of one per statement. Whatever
        the block leaves open (an error) is rolled back; a broken connection is discarded,
        never handed out again.
        """
        pooled = self.engine.raw_connection()
        conn = pooled.driver_connection
        healthy = False
        try:
            conn.autocommit = True
            yield conn
        finally:
            try:
                if not (conn.closed or conn.broken):
                    conn.rollback()  # nothing to do unless the block failed mid-transaction
                    conn.autocommit = False  # as SQLAlchemy expects its connections
                    healthy = True
            except Exception:  # noqa: BLE001 - a connection in doubt is not reused
                log.warning("discarding a database connection in doubt", exc_info=True)
            if healthy:
                pooled.close()  # back to the pool
            else:
                pooled.invalidate()

    def dispose(self) -> None:
        self.engine.dispose()


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: store aware UTC timestamps")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
