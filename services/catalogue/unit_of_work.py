"""The catalogue's one write path: a unit of work.

Every write of the catalogue — the use cases of ``service.py``, the obligation sweep and the
importer's bulk path — goes through :class:`CatalogueUnitOfWork`: one database transaction
(:class:`Work`) in which the state change, its trace (the items' public history, the import's
rows) and its events (the outbox) are written together, and — where the caller gives one —
its idempotency key with the answer, so that a repeated request replays the answer instead of
acting twice (:meth:`CatalogueUnitOfWork.once`). Whoever listens for changed items (the search
index) is told after the commit, never before it and never after a rollback.

Bulk writes (an import of thousands of rows) take the same transaction through
:meth:`Work.bulk_insert` and :meth:`Work.add_event_rows`: ``COPY`` on PostgreSQL, one prepared
``executemany`` on SQLite, the relay woken once per transaction.

Reads that change nothing use ``Database.read`` directly (a snapshot; on SQLite it never waits
for a writer).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from google.protobuf.message import Message
from sqlalchemy import Table, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue import storage as t
from services.catalogue.contract import VersionView, version_to_pb
from services.shared.db import Database
from services.shared.errors import AlreadyExists
from services.shared.events import make_event
from services.shared.idempotency import IdempotencyStore
from services.shared.outbox import Outbox
from services.shared.telemetry import current_traceparent

log = logging.getLogger(__name__)

SERVICE = "catalogue"
#: The columns of an outbox row as :meth:`CatalogueUnitOfWork.event_row` prepares it.
OUTBOX_COLUMNS = ("event_id", "exchange", "routing_key", "body", "headers", "created_at",
                  "attempts")
#: A big import touches many index pages (SQLite): a page cache of 64 MiB instead of 2, and
#: the WAL copied into the database file every 64 MiB instead of every 4 (each copy ends with
#: an fsync).
SQLITE_CACHE_KIB = 65536
SQLITE_CHECKPOINT_PAGES = 16384

T = TypeVar("T")


class ChangeListener(Protocol):
    """Told which items changed after each commit (the search index)."""

    def items_changed(self, item_ids: list[str]) -> None: ...


class Work:
    """One open unit of work: a transaction of the catalogue's database."""

    def __init__(self, uow: CatalogueUnitOfWork, session: Session) -> None:
        self.s = session
        #: the moment of this unit of work: every row it writes carries it
        self.now = datetime.now(UTC)
        self._uow = uow
        self._changed: list[str] = []
        self._after_commit: list[Callable[[], None]] = []

    @property
    def dialect(self) -> str:
        return self.s.get_bind().dialect.name

    def changed(self, *item_ids: str) -> None:
        """These items changed: listeners hear of them once the work commits."""
        self._changed.extend(item_ids)

    def after_commit(self, task: Callable[[], None]) -> None:
        """Run ``task`` once the work has committed, before listeners hear of it."""
        self._after_commit.append(task)

    def emit(self, event_type: str, data: Message, region: str) -> None:
        """An event of this change, committed with it (outbox)."""
        self._uow.outbox.add(self.s, make_event(event_type, data, node=self._uow.node_region,
                                                region=region))

    def emit_item(self, event_type: str, view: VersionView, actor: str, action: str,
                  reason: str = "") -> None:
        """``item.*``: the whole version as it now stands (internal fields included: events
        go to the node's supervision), who acted, why, and the history action."""
        self.emit(event_type, pb.ItemEvent(item=version_to_pb(view), actor=actor,
                                           reason=reason, action=action),
                  view.content.region)

    # --- bulk writes --------------------------------------------------------------------
    def bulk_mode(self) -> None:
        """Settings for a large write in this transaction (SQLite: a bigger page cache and
        rarer checkpoints); nothing to do on PostgreSQL."""
        if self.dialect == "sqlite":
            connection = self.s.connection()
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")

    def bulk_insert(self, table: Table, columns: Sequence[str],
                    rows: Sequence[Sequence[object]]) -> None:
        """Insert many rows at once: ``COPY`` on PostgreSQL, one prepared ``executemany`` on
        SQLite. Values must be ready for the driver (:meth:`CatalogueUnitOfWork.db_time`);
        every column not named takes its server default or NULL."""
        if not rows:
            return
        for name in columns:
            table.c[name]  # noqa: B018 - a KeyError names a column the table lacks
        conn = self.s.connection()
        quote = conn.dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in columns)
        if conn.dialect.name == "postgresql":
            import psycopg  # noqa: PLC0415 - PostgreSQL paths only

            statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                with cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            except psycopg.errors.IntegrityError as error:  # as SQLAlchemy would say it
                raise IntegrityError(statement, None, error) from error
            return
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})",
                             list(rows))  # type: ignore[arg-type]

    def add_event_rows(self, rows: Sequence[Sequence[object]]) -> None:
        """Events prepared as outbox rows (:meth:`CatalogueUnitOfWork.event_row`), written in
        bulk; the relay is woken once, at commit."""
        if not rows:
            return
        self.bulk_insert(t.outbox, OUTBOX_COLUMNS, rows)
        if self.dialect == "postgresql":
            self.s.execute(text(self._uow.outbox.notify_sql))


class CatalogueUnitOfWork:
    """Opens units of work on the catalogue's database; knows its outbox, its idempotency
    keys and who listens for changed items."""

    def __init__(self, db: Database, node_region: str,
                 listeners: Sequence[ChangeListener] = ()) -> None:
        self.db = db
        self.node_region = node_region
        self.outbox = Outbox(t.outbox, SERVICE)
        self.idempotency = IdempotencyStore(t.idempotency_keys)
        self.listeners = list(listeners)
        self._bind_time = t.items.c.created_at.type._cached_bind_processor(  # noqa: SLF001
            db.engine.dialect)

    @contextmanager
    def begin(self) -> Iterator[Work]:
        """One unit of work: committed when the block ends, rolled back on any error; after
        the commit, its ``after_commit`` tasks run, then listeners are told what changed."""
        with self.db.transaction() as session:
            work = Work(self, session)
            yield work
        for task in work._after_commit:  # noqa: SLF001 - the work is ours
            task()
        self.tell(work._changed)  # noqa: SLF001

    def tell(self, item_ids: Sequence[str]) -> None:
        ids = list(dict.fromkeys(item_ids))
        if ids:
            for listener in self.listeners:
                listener.items_changed(ids)

    def once(self, subject: str, key: str, operation: str, print_: str,
             act: Callable[[Work], tuple[T, bytes]], replay: Callable[[Work, bytes], T], *,
             check: Callable[[Work], None] | None = None,
             conflict: Callable[[], Exception] | None = None) -> T:
        """Act once per idempotency key, in one unit of work.

        ``check`` runs first, in the same transaction, also before a replay: a caller who may
        not act (any more) never gets a stored answer back. Then either the stored answer of
        an earlier request with this key is replayed (``replay``), or ``act`` does the work
        and returns its result and the answer to keep with the key. When a concurrent
        request won a race (the same key, or the same new rows — which ``act`` may find
        itself and refuse with ``AlreadyExists``), the work is done again once — it then
        replays, or finds the rows and acts on what is there now; a second collision raises
        ``conflict()`` (or the database's error, or ``act``'s ``AlreadyExists``)."""
        key = self.idempotency.check_key(key)
        for attempt in range(2):
            try:
                with self.begin() as work:
                    if check is not None:
                        check(work)
                    stored = self.idempotency.lookup(work.s, subject, key, operation, print_)
                    if stored is not None:
                        return replay(work, stored)
                    result, answer = act(work)
                    self.idempotency.save(work.s, subject, key, operation, print_, answer)
                return result
            except IntegrityError:
                if attempt:
                    if conflict is not None:
                        raise conflict() from None
                    raise
            except AlreadyExists:
                # a request with the same key may have committed the same rows between this
                # one's look-up of the key and its own check: looked up again, it replays
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # --- for bulk writes prepared outside the transaction -------------------------------
    def db_time(self, moment: datetime) -> object:
        """``moment`` as the driver takes it for a timestamp column (``UtcDateTime``)."""
        return self._bind_time(moment) if self._bind_time else moment

    def event_row(self) -> Callable[[str, str, str, object], tuple[object, ...]]:
        """A maker of outbox rows for :meth:`Work.add_event_rows` — (event id, type, body as
        JSON, created at as :meth:`db_time`) → the row — carrying the current trace."""
        exchange = self.outbox.exchange
        headers = json.dumps(current_traceparent())

        def row(event_id: str, event_type: str, body: str, at: object) -> tuple[object, ...]:
            return (event_id, exchange, event_type, body, headers, at, 0)

        return row

    def refresh_statistics(self, tables: Sequence[Table], target: int) -> None:
        """PostgreSQL: take the planner's statistics of ``tables`` again, from a sample of
        ``target``; on failure only a warning (the data is committed; look-ups are slower)."""
        if self.db.dialect != "postgresql":
            return
        try:
            with self.db.transaction() as s:
                s.execute(text(f"SET LOCAL default_statistics_target = {int(target)}"))
                s.execute(text("ANALYZE " + ", ".join(table.name for table in tables)))
        except SQLAlchemyError:
            log.warning("could not refresh the statistics of %s",
                        ", ".join(table.name for table in tables), exc_info=True)
