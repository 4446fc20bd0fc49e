"""``sunlight conformance list|run``: the conformance kit on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.conformance import adapter as _adapter  # noqa: F401 - registers the adapter's checks
from cli.conformance import platform as _platform  # noqa: F401 - registers the platform's
from cli.conformance.checks import (
    ADAPTER,
    PLATFORM,
    REGISTRY,
    Result,
    exit_code,
    run_checks,
    summary_line,
    totals,
    write_json,
    write_junit,
)
from cli.conformance.platform import PlatformTarget


@click.group()
def conformance() -> None:
    """The conformance kit: the protocol documents' checks (docs/protocol/) run against a
    node's gateway or a department system's adapter (docs/protocol/conformance.md)."""


@conformance.command("list")
@click.option("--side", type=click.Choice([PLATFORM, ADAPTER]), default=None,
              help="only the checks of this side")
def list_checks(side: str | None) -> None:
    """Every check: its id, its side, what it checks and the section it enforces."""
    for item in sorted(REGISTRY.of(side), key=lambda c: c.side != PLATFORM):
        click.echo(f"{item.id:<34} {item.side:<9} {item.spec:<40} {item.title}")


def _select(side: str, only: tuple[str, ...]):  # noqa: ANN202 - a list of checks
    checks = REGISTRY.of(side)
    unknown = sorted(set(only) - {c.id for c in checks})
    if unknown:
        raise click.UsageError(f"--only: no {side} check {', '.join(unknown)} "
                               "(see `sunlight conformance list`)")
    return [c for c in checks if not only or c.id in only]


@conformance.command("run")
@click.option("--target", required=True,
              help="platform: the gateway's URL, e.g. http://node:8080; adapter: the command "
                   "that starts the adapter's driver, e.g. \"python -m "
                   "cli.conformance.drivers.adapter_driver\"")
@click.option("--side", type=click.Choice([PLATFORM, ADAPTER]), default=PLATFORM,
              show_default=True)
@click.option("--token", envvar="SUNLIGHT_TOKEN", default=None,
              help="platform: a department system's token (role department_system) of the "
                   "node (or SUNLIGHT_TOKEN)")
@click.option("--token-key", envvar="SUNLIGHT_TOKEN_KEY", default=None,
              help="platform: the node's token key (or SUNLIGHT_TOKEN_KEY): mints the refused "
                   "tokens of the authentication checks, and the run's own with --as")
@click.option("--as", "subject", default=None,
              help="platform, without --token: mint a department_system token for this "
                   "subject with --token-key")
@click.option("--as-department", "department", default=None, metavar="CODE",
              help="with --as: the department's unified social credit code")
@click.option("--as-region", "region", default=None, help="with --as: the region it acts for")
@click.option("--item", "item_id", default=None,
              help="platform: the item to submit on (default: the first published item of "
                   "the token's department in its region)")
@click.option("--amqp", "amqp_url", default=None,
              help="the broker (amqp://user:password@host:5672/vhost): platform, to read "
                   "cases.events; adapter, to publish on it. Without it the event checks "
                   "are skipped")
@click.option("--grpc", "grpc_target", default=None, metavar="HOST:PORT",
              help="platform: the gateway's gRPC port, for the client deadline check")
@click.option("--deadline", "deadline_s", type=click.FloatRange(min=0.1), default=5.0,
              show_default=True, help="platform: the gateway's documented deadline, seconds "
              "(SUNLIGHT_GRPC_TIMEOUT_S)")
@click.option("--adapter-timeout", "adapter_timeout_s", type=click.FloatRange(min=0.1),
              default=1.0, show_default=True,
              help="adapter: the per-request timeout the adapter is told to set")
@click.option("--only", multiple=True, metavar="ID", help="run only this check (repeatable)")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="write a JUnit XML report here")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="write a JSON report here")
def run(target: str, side: str, token: str | None, token_key: str | None,
        subject: str | None, department: str | None, region: str | None,
        item_id: str | None, amqp_url: str | None, grpc_target: str | None,
        deadline_s: float, adapter_timeout_s: float, only: tuple[str, ...],
        junit_path: Path | None, json_path: Path | None) -> None:
    """Run the checks of one side against TARGET; exit 0 when none failed, 1 otherwise."""
    checks = _select(side, only)
    if side == PLATFORM:
        if not target.startswith(("http://", "https://")):
            raise click.UsageError("--target: the gateway's http(s) URL, e.g. "
                                   "http://node:8080")
        token = token or _minted(target, token_key, subject, department, region)
        try:
            context: object = PlatformTarget(target, token, token_key=token_key,
                                             item_id=item_id, amqp_url=amqp_url,
                                             grpc_target=grpc_target, deadline_s=deadline_s)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    else:
        context = _adapter.AdapterTarget(target, amqp_url=amqp_url,
                                         timeout_s=adapter_timeout_s)
    click.echo(f"sunlight conformance: {len(checks)} {side} check(s) against {target}")
    results = execute(side, context, checks)
    counted = totals(results)
    click.echo(f"{counted['passed']} passed, {counted['failed']} failed, "
               f"{counted['error']} errors, {counted['skipped']} skipped")
    if junit_path is not None:
        write_junit(junit_path, side, target, results)
    if json_path is not None:
        write_json(json_path, side, target, results)
    sys.exit(exit_code(results))


def execute(side: str, context: object, checks: list) -> list[Result]:  # type: ignore[type-arg]
    """Start the side's context, run the checks (each line said as it ends), close it."""
    def said(result: Result) -> None:
        click.echo(summary_line(result))

    try:
        if side == ADAPTER:
            try:
                context.start()  # type: ignore[attr-defined]
            except (_adapter.DriverError, OSError) as exc:
                # a driver that cannot be started or dies before it answers: one line, not a
                # traceback (its own error output, if any, is above)
                command = getattr(context, "command", "")
                raise click.ClickException(
                    f"the adapter's driver did not start: {exc} (--target {command!r}; give "
                    f"the Python of your environment, e.g. '.venv/bin/python -m …')") from None
            except _adapter.BrokerUnreachable as exc:
                raise click.ClickException(str(exc)) from None
        return run_checks(checks, context, said)
    finally:
        context.close()  # type: ignore[attr-defined]


def _minted(target: str, token_key: str | None, subject: str | None,
            department: str | None, region: str | None) -> str:
    if not subject:
        raise click.UsageError("the platform side needs --token (or SUNLIGHT_TOKEN), or --as "
                               "SUBJECT --as-department CODE --as-region REGION with "
                               "--token-key")
    if not (token_key and department and region):
        raise click.UsageError("--as needs --as-department, --as-region and --token-key")
    from services.shared.auth import mint_token  # noqa: PLC0415 - as `sunlight token` does
    from services.shared.token_keys import TokenKey  # noqa: PLC0415

    try:
        key = TokenKey.of(token_key)
    except ValueError as exc:
        raise click.UsageError(f"--token-key: {exc}") from None
    issuer = _node_region(target)
    try:
        return mint_token(key, subject, ["department_system"], [region],
                          department=department, issuer=issuer, ttl_s=3600)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _node_region(target: str) -> str:
    """The node's region (``iss`` and ``aud`` of a token it verifies): GET /v1/node."""
    import httpx  # noqa: PLC0415

    try:
        reply = httpx.get(f"{target.rstrip('/')}/v1/node", timeout=10)
        return str(reply.json()["region"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise click.UsageError(f"--target: cannot read the node's region from "
                               f"{target}/v1/node ({exc!r})") from None
