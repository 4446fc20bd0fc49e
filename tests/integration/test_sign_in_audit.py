"""The audit of sign-ins at the hall, through its real sign-in page, on SQLite and
PostgreSQL (the hall's migrations): every attempt recorded with its outcome — a wrong password
and an unknown account told apart though the person is told the same —, one too many
recorded as RATE_LIMITED, a success and a sign-out; the number masked, the password nowhere;
found again by the full number; and the records cannot be changed or deleted."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from services.hall.app import Access, create_app
from services.hall.backend import HallBackend
from services.hall.identity import Kind
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.identity.storage import sign_in_audit as table
from services.hall.sign_in_audit import SignInAudit, audit_key
from services.hall.tokens import TokenMinter
from services.shared.db import Database
from services.shared.migrations import upgrade
from services.shared.token_keys import TokenKey

pytestmark = pytest.mark.integration
HALL = Path(__file__).resolve().parents[2] / "services" / "hall" / "migrations"
SECRET = TokenKey.generate().to_text()
PERSON = "511602199001011236"
PASSWORD = "Correct-horse-9"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hall.db'}"
    return request.getfixturevalue("pg_database").url


@pytest.fixture()
def hall(url) -> Iterator[tuple[TestClient, SignInAudit, Database]]:  # type: ignore[no-untyped-def]
    schema = f"hall_{uuid.uuid4().hex[:6]}"
    upgrade(HALL, url, schema)
    db = Database(url, schema, pool_size=2)
    provider = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST,
                                     limits=SignInLimits.of("2/minute", "100/minute"))
    provider.add(Kind.PERSON, PERSON, "张三", PASSWORD)
    provider.add(Kind.STAFF, "wang.jc", "王监察", PASSWORD, roles=("supervisor",),
                 regions=("511602",))
    audit = SignInAudit(db, audit_key(SECRET))
    backend = HallBackend(object(), object(), lambda: "Bearer hall", 5.0)
    app = create_app(backend, "广安区", access=Access(
        provider, TokenMinter(SECRET), "k" * 64, session_ttl_s=3600, sign_ins=audit))
    try:
        yield TestClient(app, follow_redirects=False), audit, db
    finally:
        db.dispose()
        if url.startswith("postgresql"):
            cleanup = Database(url, schema, pool_size=1)
            with cleanup.begin() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            cleanup.dispose()


def csrf(client: TestClient, path: str = "/signin") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def sign_in(client: TestClient, login: str, kind: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/signin", headers={"user-agent": "AuditTest/1.0"}, data={
        "csrf_token": csrf(client), "kind": kind, "login": login, "password": password})


def test_every_attempt_is_recorded_with_its_outcome(hall) -> None:
    client, audit, db = hall
    assert sign_in(client, PERSON, "person", "wrong-password-1").status_code == 400
    assert sign_in(client, "511602199001011252", "person", PASSWORD).status_code == 400
    assert sign_in(client, "51160219900101123", "person", PASSWORD).status_code == 400
    assert sign_in(client, PERSON, "person", "wrong-password-2").status_code == 400
    assert sign_in(client, PERSON, "person", PASSWORD).status_code == 429  # the 3rd of 2/min
    assert sign_in(client, "wang.jc", "staff", PASSWORD).status_code == 303
    assert client.post("/signout", data={"csrf_token": csrf(client)}).status_code == 303

    listed = audit.list()
    rows, total = listed.rows, listed.total
    assert total == 7
    assert [(r.event, r.kind, r.outcome, r.account) for r in reversed(rows)] == [
        ("sign_in", "person", "WRONG_PASSWORD", "511602********1236"),
        ("sign_in", "person", "UNKNOWN_ACCOUNT", "—"),  # no account: nothing of it shown
        ("sign_in", "person", "INVALID_LOGIN", "—"),
        ("sign_in", "person", "WRONG_PASSWORD", "511602********1236"),
        ("sign_in", "person", "RATE_LIMITED", "511602********1236"),
        ("sign_in", "staff", "OK", "wang.jc"),
        ("sign_out", "staff", "SIGNED_OUT", "wang.jc")]
    assert all(r.client and r.user_agent == "AuditTest/1.0" for r in rows
               if r.event == "sign_in")
    # the number and the passwords are nowhere in the table
    with db.read() as s:
        stored = repr(s.execute(select(table)).all())
    assert PERSON not in stored and "wrong-password" not in stored and PASSWORD not in stored
    # an operator who has the number finds every attempt on it
    mine = audit.list(kind=Kind.PERSON, login=PERSON)
    assert mine.total == 3 and {r.outcome for r in mine.rows} == {"WRONG_PASSWORD",
                                                                   "RATE_LIMITED"}
    assert audit.list(outcome="UNKNOWN_ACCOUNT").total == 1
    # three at a time: every record once, in the same order, each page counting all seven
    paged, token, pages = [], "", 0
    while True:
        page = audit.list(page=token, limit=3)
        assert page.total == 7
        paged, token, pages = paged + page.rows, page.next, pages + 1
        if not token:
            break
    assert pages == 3 and [r.id for r in paged] == [r.id for r in rows]
    with pytest.raises(ValueError, match="page token"):
        audit.list(page="not-a-token")


def test_sign_in_records_cannot_be_changed_or_deleted(hall) -> None:
    client, audit, db = hall
    sign_in(client, "wang.jc", "staff", "nope-nope-nope")
    for statement in ("UPDATE sign_in_audit SET outcome = 'OK'", "DELETE FROM sign_in_audit"):
        with pytest.raises(Exception, match="append-only"), db.begin() as conn:
            conn.execute(text(statement))
    assert [r.outcome for r in audit.list().rows] == ["WRONG_PASSWORD"]


def test_the_command_line_lists_sign_ins(hall, monkeypatch) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from cli.main import main  # noqa: PLC0415
    from services.hall import server  # noqa: PLC0415

    client, audit, _ = hall
    sign_in(client, PERSON, "person", "wrong-password-1")
    sign_in(client, "wang.jc", "staff", PASSWORD)
    monkeypatch.setattr(server, "sign_in_audit", lambda settings: audit)
    shown = CliRunner().invoke(main, ["audit", "sign-ins", "--kind", "person", "--account",
                                      PERSON])
    assert shown.exit_code == 0, shown.output
    assert "WRONG_PASSWORD" in shown.output and "511602********1236" in shown.output
    assert "wang.jc" not in shown.output and PERSON not in shown.output
    assert "1 record(s)" in shown.output
