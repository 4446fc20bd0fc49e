"""Idempotency keys: a repeated mutating request returns the first answer, never acts twice.

The key, a fingerprint of the request and the serialized response are stored in the same
transaction as the effect. The same key with a different request is refused.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Column, LargeBinary, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

from services.shared.db import UtcDateTime
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

    @staticmethod
    def check_key(key: str) -> str:
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidArgument.of_field(
                "idempotency_key", f"required, 1 to {MAX_KEY_LENGTH} characters "
                "(any unique string, e.g. a UUID, reused only to repeat the same request)",
                code="IDEMPOTENCY_KEY_REQUIRED")
        return key

    def lookup(self, session: Session, principal: str, key: str, operation: str,
               print_: str) -> bytes | None:
        t = self.table
        row = session.execute(select(t.c.operation, t.c.fingerprint, t.c.response).where(
            t.c.principal == principal, t.c.key == key)).first()
        if row is None:
            return None
        if row.operation != operation or row.fingerprint != print_:
            raise Conflict(
                f"idempotency key {key!r} was already used for a different request; "
                "use a new key for a new request", code="IDEMPOTENCY_KEY_REUSED")
        return bytes(row.response)

    def save(self, session: Session, principal: str, key: str, operation: str, print_: str,
             response: bytes) -> None:
        session.execute(insert(self.table).values(
            principal=principal, key=key, operation=operation, fingerprint=print_,
            response=response, created_at=datetime.now(UTC)))
