"""The local accounts, in the hall's database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exc, insert, select, update

from services.hall.identity import Identity, Kind
from services.hall.identity import storage as t
from services.shared.db import Database

#: ``created_by`` of the accounts the demo data makes (``sunlight demo seed``): their passwords
#: are published, so they sign in only while the node has demo data on (SUNLIGHT_DEMO_DATA)
DEMO_CREATOR = "demo"

@dataclass(frozen=True)
class Account:
    subject: str
    kind: Kind
    display_name: str
    password_hash: str
    roles: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    positions: tuple[str, ...] = ()
    department_code: str = ""
    department_name: str = ""
    disabled: bool = False
    created_by: str = ""

    def identity(self, node_region: str) -> Identity:
        """Persons and enterprises act in the node's region; staff in theirs."""
        return Identity(self.kind, self.subject, self.display_name, self.roles,
                        self.regions or (node_region,), self.department_code,
                        self.department_name, self.positions,
                        demo=self.created_by == DEMO_CREATOR)


class AccountExists(Exception):  # noqa: N818 - a state, not a failure of the program
    pass


class AccountStore:
    def __init__(self, db: Database, clock: Any = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))

    def add(self, account: Account) -> Account:
        now = self.clock()
        try:
            with self.db.begin() as conn:
                conn.execute(insert(t.accounts).values(
                    subject=account.subject, kind=account.kind.value,
                    display_name=account.display_name, password_hash=account.password_hash,
                    roles=json.dumps(list(account.roles)),
                    regions=json.dumps(list(account.regions)),
                    positions=json.dumps(list(account.positions)),
                    department_code=account.department_code,
                    department_name=account.department_name, disabled=account.disabled,
                    created_by=account.created_by, created_at=now, updated_at=now,
                    password_changed_at=now))
        except exc.IntegrityError:
            raise AccountExists(account.subject) from None
        return account

    def get(self, subject: str) -> Account | None:
        with self.db.read() as s:
            row = s.execute(select(t.accounts).where(
                t.accounts.c.subject == subject)).mappings().first()
        return None if row is None else _account(row)

    def set_password(self, subject: str, password_hash: str) -> bool:
        now = self.clock()
        with self.db.begin() as conn:
            changed = conn.execute(update(t.accounts).where(
                t.accounts.c.subject == subject).values(
                password_hash=password_hash, password_changed_at=now, updated_at=now))
        return changed.rowcount == 1

    def signed_in(self, subject: str, rehashed: str | None = None) -> None:
        values: dict[str, Any] = {"last_sign_in_at": self.clock()}
        if rehashed:
            values["password_hash"] = rehashed
        with self.db.begin() as conn:
            conn.execute(update(t.accounts).where(t.accounts.c.subject == subject)
                         .values(**values))


def _account(row: Any) -> Account:
    return Account(row["subject"], Kind(row["kind"]), row["display_name"],
                   row["password_hash"], tuple(json.loads(row["roles"])),
                   tuple(json.loads(row["regions"])), tuple(json.loads(row["positions"])),
                   row["department_code"], row["department_name"], bool(row["disabled"]),
                   row["created_by"])
