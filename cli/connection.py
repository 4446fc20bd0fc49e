"""How a CLI command reaches a service over gRPC and whom it calls as.

Every command that calls a service takes the same options: ``--address`` (default: this
node's service, from the settings), ``--token`` (or ``SUNLIGHT_TOKEN``), else a token minted
with the node's key for ``--as SUBJECT --role ROLE`` (``--as-department``, ``--position``,
``--as-region``), and ``--timeout`` for each call. A failed call is said in words a person can
act on, and the command exits 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import click
import grpc
from google.protobuf.message import Message

from services.shared.auth import ROLE_PERMISSIONS, mint_token


@dataclass(frozen=True)
class Connection:
    """Where the service is, who calls it and how long each call may take."""

    address: str
    token: str | None
    timeout_s: float

    def metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token}")] if self.token else []


def connection_options(address_help: str, timeout_s: float
                       ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options of a command that calls a service; they arrive as the keyword arguments
    :func:`connect_as` takes."""
    options = [
        click.option("--address", default=None, help=address_help),
        click.option("--token", envvar="SUNLIGHT_TOKEN", default=None,
                     help="bearer token (or SUNLIGHT_TOKEN)"),
        click.option("--as", "subject", default=None,
                     help="without a token: mint one with the node key for this subject"),
        click.option("--role", "roles", multiple=True,
                     type=click.Choice(sorted(ROLE_PERMISSIONS)),
                     help="role(s) of the minted token (with --as); may be repeated"),
        click.option("--as-department", "as_department", default=None, metavar="CODE",
                     help="department of the minted token, by its unified social credit code "
                          "(department staff and systems)"),
        click.option("--position", "positions", multiple=True,
                     help="position(s) (岗位) of the minted token, e.g. chief; may be repeated "
                          "(a clerk without any holds 'clerk')"),
        click.option("--as-region", "as_region", default=None,
                     help="region of the minted token (default: the command's region, else "
                          "the node's)"),
        click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1),
                     default=timeout_s, show_default=True, help="seconds to wait for each call"),
    ]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def connect_as(process: str, *, address: str | None, token: str | None,
               subject: str | None, roles: Sequence[str], as_department: str | None,
               positions: Sequence[str], as_region: str | None, timeout_s: float,
               region: str | None = None) -> Connection:
    """The connection the options describe: to ``process`` (catalogue, cases or
    monitoring, at Settings.peer_address) when no ``--address`` is given; ``region`` is the
    command's own region, the minted token's when ``--as-region`` is not given."""
    if token is None and (roles or positions or as_department or as_region) and not subject:
        raise click.UsageError("--role, --as-department, --position and --as-region need "
                               "--as SUBJECT (or give --token)")
    if token is None and subject and not roles:
        raise click.UsageError("--as needs at least one --role")
    settings = None
    if address is None or (token is None and subject):
        from services.shared.config import load_settings

        settings = load_settings()
    if address is None:
        assert settings is not None
        address = settings.peer_address(process)
    if token is None and subject:
        assert settings is not None
        try:
            token = mint_token(settings.token_key, subject, list(roles),
                               [as_region or region or settings.node_region],
                               department=as_department, issuer=settings.node_region,
                               positions=positions)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    return Connection(address, token, timeout_s)


def fail(command: str, service: str, error: grpc.RpcError, conn: Connection,
         slow_hint: str = "raise --timeout") -> NoReturn:
    """Say why a call of ``command`` (e.g. "sunlight cases act") to ``service`` failed, in
    words a person can act on, and exit 1."""
    from services.shared.grpc_errors import error_detail_of

    code = error.code() if hasattr(error, "code") else None
    detail = error_detail_of(error)
    if code is grpc.StatusCode.UNAVAILABLE:
        message = (f"cannot reach the {service} at {conn.address}: {error.details()} "
                   "(is the node running? try `sunlight status`)")
    elif code is grpc.StatusCode.DEADLINE_EXCEEDED:
        message = (f"the {service} at {conn.address} did not answer within "
                   f"{conn.timeout_s:g}s ({slow_hint})")
    else:
        message = detail.message if detail is not None and detail.message else (
            error.details() if hasattr(error, "details") else str(error))
        if detail is not None and detail.code:
            message = f"{detail.code}: {message}"
        if detail is not None:
            message += "".join(f"\n  {v.field}: {v.description}"
                               for v in detail.field_violations)
        if code is grpc.StatusCode.UNAUTHENTICATED:
            message += " (give --token, set SUNLIGHT_TOKEN, or use --as SUBJECT --role ROLE)"
    click.echo(f"{command}: {message}", err=True)
    sys.exit(1)


def call(command: str, service: str, stub: Any, conn: Connection, method: str,
         request: Message, slow_hint: str = "raise --timeout") -> Any:
    """``stub.method(request)`` as the connection's caller, within its timeout; a failure is
    said as :func:`fail` says it (``command``, e.g. "sunlight catalogue submit"), exit 1."""
    try:
        return getattr(stub, method)(request, metadata=conn.metadata(), timeout=conn.timeout_s)
    except grpc.RpcError as error:
        fail(command, service, error, conn, slow_hint)


def call_once(command: str, service: str, process: str, stub_type: Callable[[Any], Any],
              method: str, request: Message, **options: Any) -> Any:
    """One call of ``method`` on ``process`` (catalogue, cases or monitoring) as the command's
    options say (:func:`connect_as`), on a channel opened for it and closed after."""
    from services.shared.grpc_client import channel

    conn = connect_as(process, **options)
    opened = channel(conn.address)
    try:
        return call(command, service, stub_type(opened), conn, method, request)
    finally:
        opened.close()


def idempotency_key(given: str | None) -> str:
    """The idempotency key: the one given, or a new one, told on standard error so that the
    call can be repeated safely with ``--key``."""
    if given:
        return given
    import uuid

    made = uuid.uuid4().hex
    click.echo(f"idempotency key: {made} (repeat the call safely with --key {made})",
               err=True)
    return made
