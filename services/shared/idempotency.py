"""Idempotency keys: a repeated mutating request returns the first answer, never acts twice.

The key, a fingerprint of the request and the serialized response are stored in the same
transaction as the effect. The same key with a different request is refused.

Two ways to use it, both in the transaction of the effect:

* ``lookup`` first, act, then ``save`` the answer (when the answer is known only at the end);
* ``claim`` first (one statement: the key is inserted, or the earlier use is found), then act
  — for operations whose stored answer is known up front. A concurrent request with the same
  key waits on the unique key until the first one commits (then it replays) or rolls back
  (then it acts).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.shared.db import UtcDateTime, dialect_name
from services.shared.errors import Conflict, InvalidArgument

MAX_KEY_LENGTH = 128


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys", metadata,
        Column("principal", String(128), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("operation", String(64), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("response", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
    )


def fingerprint(operation: str, request_bytes: bytes) -> str:
    return hashlib.sha256(operation.encode() + b"\0" + request_bytes).hexdigest()


class IdempotencyStore:
    def __init__(self, table: Table) -> None:
        self.table = table
        t = table.c
        # Built once: executing a prepared statement object skips SQLAlchemy's per-call
        # statement construction and cache-key generation.
        self._select = select(t.operation, t.fingerprint, t.response).where(
            t.principal == bindparam("p_principal"), t.key == bindparam("p_key"))
        self._insert = insert(table)
        self._claim = {
            name: module.insert(table).on_conflict_do_nothing().returning(t.key)
            for name, module in (("postgresql", postgresql), ("sqlite", sqlite))}

    @staticmethod
    def check_key(key: str) -> str:
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidArgument.of_field(
                "idempotency_key", f"required, 1 to {MAX_KEY_LENGTH} characters "
                "(any unique string, e.g. a UUID, reused only to repeat the same request)",
                code="IDEMPOTENCY_KEY_REQUIRED")
        return key

    def lookup(self, session: Session | Connection, principal: str, key: str, operation: str,
               print_: str) -> bytes | None:
        row = session.execute(self._select, {"p_principal": principal, "p_key": key}).first()
        return None if row is None else self.replay(row, key, operation, print_)

    @staticmethod
    def replay(row: tuple, key: str, operation: str, print_: str) -> bytes:
        """The stored answer of a used key — a row of (operation, fingerprint, response) —
        if it was used for this very request; Conflict otherwise."""
        used_for, used_print, response = row
        if used_for != operation or used_print != print_:
            raise Conflict(
                f"idempotency key {key!r} was already used for a different request; "
                "use a new key for a new request", code="IDEMPOTENCY_KEY_REUSED")
        return bytes(response)

    @staticmethod
    def busy(key: str) -> Conflict:
        """A claim that found the key taken, yet no committed row: cannot happen under READ
        COMMITTED (the claim waits for the other transaction), refused if it ever does."""
        return Conflict(f"idempotency key {key!r} is in use; try again",
                        code="IDEMPOTENCY_KEY_BUSY")

    def save(self, session: Session | Connection, principal: str, key: str, operation: str,
             print_: str, response: bytes) -> None:
        session.execute(self._insert, {
            "principal": principal, "key": key, "operation": operation, "fingerprint": print_,
            "response": response, "created_at": datetime.now(UTC)})

    def claim(self, session: Session | Connection, principal: str, key: str, operation: str,
              print_: str, response: bytes) -> bytes | None:
        """Record the key with its answer before acting.

        None: this is the first request with the key; act in the same transaction (the key
        commits or rolls back with the effect). Otherwise the stored answer of the first
        request (replay, do not act); Conflict when the key was used for another request.
        """
        claimed = session.execute(self._claim[dialect_name(session)], {
            "principal": principal, "key": key, "operation": operation, "fingerprint": print_,
            "response": response, "created_at": datetime.now(UTC)}).first()
        if claimed is not None:
            return None
        replay = self.lookup(session, principal, key, operation, print_)
        if replay is None:  # pragma: no cover - a conflicting row is visible once committed
            raise self.busy(key)
        return replay
