"""``sunlight accounts``: an operator makes the hall's accounts, on the node's own database
(a SQLite file under SUNLIGHT_VAR_DIR, migrated as `make migrate` does)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main
from services.hall.identity import Kind, SignInRefused
from services.hall.server import identity_provider, migrate
from services.shared.config import load_settings

PASSWORD = "Jian-cha-2026"


@pytest.fixture()
def node(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUNLIGHT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    migrate()
    return tmp_path


def accounts(*args: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["accounts", *args, "--password-stdin"],
                              input=password + "\n")


def sign_in(kind: Kind, login: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return identity_provider(load_settings()).authenticate(kind, login, password, "cli-test")


def test_an_operator_adds_a_supervisor_who_can_then_sign_in(node) -> None:
    made = accounts("add-staff", "--subject", "wang.jc", "--name", "王监察", "--role",
                    "supervisor", "--region", "511602")
    assert made.exit_code == 0, made.output
    assert "staff account wang.jc added" in made.stdout
    who = sign_in(Kind.STAFF, "wang.jc")
    assert (who.display_name, who.roles, who.regions) == ("王监察", ("supervisor",),
                                                          ("511602",))
    again = accounts("add-staff", "--subject", "wang.jc", "--name", "王", "--role",
                     "supervisor", "--region", "511602")
    assert again.exit_code == 1 and "已经存在" in again.stderr


def test_a_clerk_needs_a_department_and_persons_a_valid_number(node) -> None:
    clerk = accounts("add-staff", "--subject", "li.clerk", "--name", "李", "--role", "clerk",
                     "--region", "511602")
    assert clerk.exit_code == 1 and "department" in clerk.stderr
    person = accounts("add-person", "--id-number", "511602199001011237", "--name", "张三")
    assert person.exit_code == 1 and "校验码" in person.stderr
    weak = accounts("add-enterprise", "--credit-code", "115113016823646795", "--name", "发改局",
                    password="short")
    assert weak.exit_code == 1 and "至少 8 位" in weak.stderr
    assert accounts("add-person", "--id-number", "511602199001011236",
                    "--name", "张三").exit_code == 0
    assert sign_in(Kind.PERSON, "511602199001011236").display_name == "张三"


def test_a_password_is_reset(node) -> None:
    accounts("add-staff", "--subject", "wang.jc", "--name", "王监察", "--role", "supervisor",
             "--region", "511602")
    reset = accounts("reset-password", "--subject", "wang.jc", password="Another-pass-7")
    assert reset.exit_code == 0, reset.output
    with pytest.raises(SignInRefused):
        sign_in(Kind.STAFF, "wang.jc")
    assert sign_in(Kind.STAFF, "wang.jc", "Another-pass-7").subject == "wang.jc"
    missing = accounts("reset-password", "--subject", "nobody.here")
    assert missing.exit_code == 1 and "no account" in missing.stderr
