"""The hall's local accounts on the real PostgreSQL (the hall's own schema, migrated as
`make migrate` does): accounts made as operators and registration make them, signing in
against them, a password reset, a hash made with older parameters replaced at the next
sign-in, and two registrations of one number racing: one account."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from services.hall.identity import ACCOUNT_EXISTS, Kind, SignInRefused
from services.hall.identity import storage as t
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.server import identity_provider
from services.shared.codes import resident_id_check_char
from services.shared.db import Database
from tests.support import departments

pytestmark = pytest.mark.integration
PASSWORD = "Correct-horse-9"
LIMITS = ("1000/minute", "1000/minute")


def id_number(serial: int) -> str:
    first = f"511602198805{serial % 28 + 1:02d}{serial % 1000:03d}"
    return first + resident_id_check_char(first)


@pytest.fixture()
def db(pg_settings):  # type: ignore[no-untyped-def]
    database = Database(pg_settings.database_url, "hall", pool_size=4)
    yield database
    database.dispose()


def test_accounts_live_in_the_halls_own_schema_and_sign_in(pg_settings, db) -> None:
    provider = identity_provider(pg_settings, db)
    assert db.schema == "hall"
    provider.add(Kind.STAFF, "zhou.sup", "周监察", PASSWORD, roles=("supervisor",),
                 regions=("511602", "511603"))
    provider.add(Kind.STAFF, "wu.clerk", "吴经办", PASSWORD, roles=("clerk",),
                 regions=("511602",), department_code=departments.DEVELOPMENT.lower(),
                 department_name="区发展改革局", positions=("chief",))
    with db.begin() as conn:
        row = conn.execute(select(t.accounts).where(
            t.accounts.c.subject == "wu.clerk")).mappings().one()
    assert row["password_hash"].startswith("$argon2id$")
    assert row["department_code"] == departments.DEVELOPMENT
    assert json.loads(row["positions"]) == ["chief"] and row["created_by"] == "cli"
    staff = provider.authenticate(Kind.STAFF, "zhou.sup", PASSWORD, "127.0.0.1")
    assert staff.regions == ("511602", "511603") and staff.has_role("supervisor")
    clerk = provider.authenticate(Kind.STAFF, "wu.clerk", PASSWORD, "127.0.0.1")
    assert (clerk.department_code, clerk.positions) == (departments.DEVELOPMENT, ("chief",))
    assert provider.store.get("zhou.sup") is not None
    with db.begin() as conn:
        assert conn.execute(select(t.accounts.c.last_sign_in_at).where(
            t.accounts.c.subject == "zhou.sup")).scalar_one() is not None
    assert provider.reset_password("ZHOU.SUP", "Another-pass-7")
    with pytest.raises(SignInRefused):
        provider.authenticate(Kind.STAFF, "zhou.sup", PASSWORD, "127.0.0.1")
    assert provider.authenticate(Kind.STAFF, "zhou.sup", "Another-pass-7", "127.0.0.1")
    assert not provider.reset_password("nobody.here", "Another-pass-7")


def test_an_old_hash_is_replaced_at_the_next_sign_in(db) -> None:
    old = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    store = AccountStore(db)
    LocalIdentityProvider(store, "511602", passwords=old, limits=SignInLimits.of(*LIMITS)
                          ).add(Kind.PERSON, id_number(7), "钱七", PASSWORD)
    before = store.get(id_number(7)).password_hash
    current = LocalIdentityProvider(store, "511602", limits=SignInLimits.of(*LIMITS))
    person = current.authenticate(Kind.PERSON, id_number(7), PASSWORD, "127.0.0.1")
    assert person.regions == ("511602",)  # a person acts in the node's region
    after = store.get(id_number(7)).password_hash
    assert after != before and not current.passwords.needs_rehash(after)
    assert current.authenticate(Kind.PERSON, id_number(7), PASSWORD, "127.0.0.1")


def test_one_number_registered_twice_at_once_makes_one_account(db) -> None:
    provider = LocalIdentityProvider(AccountStore(db), "511602",
                                     limits=SignInLimits.of(*LIMITS))
    number = id_number(11)

    def register(n: int) -> str:
        try:
            provider.register(Kind.PERSON, number, f"孙{n}", PASSWORD, f"10.0.0.{n}")
            return "made"
        except SignInRefused as refused:
            return refused.code

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(register, range(4)))
    assert outcomes == [ACCOUNT_EXISTS] * 3 + ["made"]
    with db.begin() as conn:
        assert len(conn.execute(select(t.accounts).where(
            t.accounts.c.subject == number)).all()) == 1
