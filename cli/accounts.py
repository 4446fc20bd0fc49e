"""``sunlight accounts``: the hall's local accounts (staff, persons, enterprises).

Run by an operator on the node (it writes the hall's own database, as `make migrate` left
it). A password is asked for twice without echo, or read from standard input with
``--password-stdin`` (one line; for scripts). Exit codes: 0 done, 1 refused (the message says
why), 2 wrong arguments.
"""

from __future__ import annotations

import sys

import click

from services.hall.identity import Kind, SignInRefused
from services.shared.auth import ROLE_PERMISSIONS
from services.shared.config import load_settings
from services.shared.errors import InvalidArgument


def _provider():  # type: ignore[no-untyped-def]
    from services.hall.server import identity_provider  # noqa: PLC0415 - opens the database

    return identity_provider(load_settings())


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


def _refused(error: Exception) -> None:
    message = error.message if isinstance(error, SignInRefused | InvalidArgument) else str(
        error)
    message = message.replace("the token is not valid: ", "the staff account is not valid: ")
    click.echo(f"sunlight accounts: refused: {message}", err=True)
    raise SystemExit(1)


password_stdin = click.option("--password-stdin", is_flag=True,
                              help="read the password from standard input (one line)")


@click.group()
def accounts() -> None:
    """The hall's accounts: who may sign in (staff, persons, enterprises)."""


@accounts.command("add-staff")
@click.option("--subject", required=True,
              help="the account's name, which is also the subject of its tokens, e.g. "
                   "zhang.wei (lower-case letters, digits, . _ -)")
@click.option("--name", required=True, help="the person's name, for display (e.g. 王监察)")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(sorted(r for r in ROLE_PERMISSIONS
                                       if r not in ("hall", "service", "applicant"))),
              help="may be repeated: supervisor (监察人员), clerk, admin, …")
@click.option("--region", "regions", multiple=True, required=True,
              help="region code(s) the person acts for, e.g. 511602")
@click.option("--department", default="", metavar="CODE",
              help="the department's unified social credit code (required for clerks)")
@click.option("--department-name", default="", help="the department's name, for display")
@click.option("--position", "positions", multiple=True,
              help="a position (岗位) held in the department, e.g. chief; may be repeated")
@password_stdin
def add_staff(subject: str, name: str, roles: tuple[str, ...], regions: tuple[str, ...],
              department: str, department_name: str, positions: tuple[str, ...],
              password_stdin: bool) -> None:
    """A member of staff (civil servant, supervisor) who signs in to the hall."""
    password = _password(password_stdin)
    try:
        account = _provider().add(Kind.STAFF, subject, name, password, roles=roles,
                                  regions=regions, department_code=department,
                                  department_name=department_name, positions=positions)
    except (SignInRefused, InvalidArgument) as error:
        _refused(error)
        return
    click.echo(f"staff account {account.subject} added: roles {', '.join(account.roles)}; "
               f"regions {', '.join(account.regions)}"
               + (f"; department {account.department_code}" if account.department_code
                  else ""))


def _add_public(kind: Kind, login: str, name: str, password_stdin: bool) -> None:
    password = _password(password_stdin)
    try:
        account = _provider().add(kind, login, name, password)
    except (SignInRefused, InvalidArgument) as error:
        _refused(error)
        return
    click.echo(f"{kind.value} account {account.subject} added")


@accounts.command("add-person")
@click.option("--id-number", required=True, help="resident ID number (GB 11643, 18 digits)")
@click.option("--name", required=True)
@password_stdin
def add_person(id_number: str, name: str, password_stdin: bool) -> None:
    """A natural person (自然人), by resident ID number — as if registered at the hall."""
    _add_public(Kind.PERSON, id_number, name, password_stdin)


@accounts.command("add-enterprise")
@click.option("--credit-code", required=True,
              help="unified social credit code (GB 32100, 18 characters)")
@click.option("--name", required=True)
@password_stdin
def add_enterprise(credit_code: str, name: str, password_stdin: bool) -> None:
    """An enterprise or other legal person (法人), by unified social credit code."""
    _add_public(Kind.ENTERPRISE, credit_code, name, password_stdin)


@accounts.command("reset-password")
@click.option("--subject", required=True,
              help="the account: a staff account's name, an ID number or a credit code")
@password_stdin
def reset_password(subject: str, password_stdin: bool) -> None:
    """A new password for an account (e.g. after checking the person at a counter)."""
    password = _password(password_stdin)
    try:
        found = _provider().reset_password(subject, password)
    except SignInRefused as error:
        _refused(error)
        return
    if not found:
        click.echo(f"sunlight accounts: no account {subject}", err=True)
        raise SystemExit(1)
    click.echo(f"password of {subject.strip()} reset")
