"""``sunlight``: the operator's command line for a running node."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time

import click

from services.shared.auth import MAX_TOKEN_TTL_S, ROLE_PERMISSIONS, mint_token
from services.shared.config import Settings, load_settings


class LazyGroup(click.Group):
    """The command groups, each imported when it is called (or listed): a command pays
    for its own modules only — ``sunlight pki …`` does not load the case service's client,
    the catalogue's importer and the rest (click's documented lazy-loading pattern)."""

    #: name → "module:attribute" of the group
    LAZY = {
        "catalogue": "cli.catalogue:catalogue",    # import|export|search|…
        "cases": "cli.opened_cases:cases",         # submit|act|show|…, and open|minutes
        "supervision": "cli.supervision:supervision",  # warnings|answer|evaluate|…
        "feedback": "cli.feedback:feedback",       # complain|rate|…
        "accounts": "cli.accounts:accounts",       # add-staff|add-person|…
        "audit": "cli.audit:audit",                # reads|sign-ins
        "handovers": "cli.handovers:handovers",    # list
        "pki": "cli.pki:pki",                      # init-ca|issue-node|allow|revoke|show
        "demo": "cli.demo:demo",                   # seed|accounts
        "calendar": "cli.holidays:calendar",       # import|show
        "conformance": "cli.conformance.command:conformance",  # list|run
        "node": "cli.backup:node",                 # backup|restore
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            import importlib  # noqa: PLC0415

            module, _, attribute = self.LAZY[name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.LAZY[name]} is not a click command")
            return command
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup)
@click.option("--node", "node_region", default=None, metavar="REGION",
              help="in a province `make run` set up here: act as this node of it (its "
                   "addresses, its key), e.g. --node 511602")
def main(node_region: str | None) -> None:
    """Sunlight (阳光): administrative power run in the open."""
    if node_region:
        _act_as(node_region)


def _act_as(region: str) -> None:
    """Every setting of node ``region`` of the province set up here, in this process's
    environment (which the settings read first), so that the command acts as that node."""
    import os  # noqa: PLC0415

    from infra.province import Plan  # noqa: PLC0415 - how make run lays out a province

    var_dir = load_settings().var_dir
    province = Plan.read(var_dir)
    if province is None or region not in {n.region for n in province.nodes}:
        raise click.UsageError(f"--node {region}: no such node of a province set up under "
                               f"{var_dir} (make run)")
    os.environ.update(province.node(region).process_env())


def _check_all(timeout_s: float, settings: Settings | None = None
               ) -> list[tuple[str, str, bool, str]]:
    from cli.processes import node_processes  # noqa: PLC0415 - gRPC, HTTP: status only

    settings = settings or load_settings()
    results = []
    for process in node_processes(settings):
        ok, state = process.check(timeout_s)
        results.append((process.name, process.address, ok, state))
    return results


def _nodes() -> list[Settings]:
    """The nodes to report on: every node of the province ``make run`` set up here
    (<var>/province.json) while one of them runs under its supervisor; else this node."""
    from cli.processes import supervisor_states  # noqa: PLC0415 - status only
    from infra.province import Plan  # noqa: PLC0415 - how make run lays out a province

    settings = load_settings()
    province = Plan.read(settings.var_dir)
    if province is not None:
        nodes = [node.settings() for node in province.nodes]
        if any(supervisor_states(node) for node in nodes):
            return nodes
    return [settings]


@main.command()
@click.option("--wait", "wait_s", type=float, default=0.0,
              help="keep checking up to this many seconds until every process serves")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def status(wait_s: float, as_json: bool) -> None:
    """Health of every process of the node — of every node of the province `make run`
    started — ; exit 0 only when all serve.

    With the supervisor of `make run` answering, also its state of each process (running
    since when, restarting after a crash, given up)."""
    nodes = _nodes()
    deadline = time.monotonic() + wait_s
    while True:
        results = [(node, _check_all(2.0, node)) for node in nodes]
        healthy = all(ok for _, found in results for _, _, ok, _ in found)
        if healthy or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    from cli.processes import metrics_urls, supervisor_states  # noqa: PLC0415

    province = len(nodes) > 1
    rows = []
    for node, found in results:
        supervised = supervisor_states(node)
        scraped = metrics_urls(node)
        if province and not as_json:
            click.echo(f"node {node.node_region} {node.node_name}"
                       + (f" (holds {node.territory})" if node.territory else "")
                       + f": gateway http://{node.host}:{node.gateway_http_port}/v1/, "
                       f"hall http://{node.host}:{node.hall_port}/, peer port "
                       f"{node.host}:{node.gateway_peer_port}")
        for name, address, ok, state in found:
            row = {"process": name, "address": address, "serving": ok, "state": state,
                   "supervisor": supervised.get(name.removesuffix("-http")),
                   "metrics": scraped.get(name)}
            if province:
                row = {"node": node.node_region, **row}
            rows.append(row)
            if not as_json:
                mark = "ok  " if ok else "DOWN"
                line = f"{'  ' if province else ''}{mark} {name:<18} {address:<22} {state:<14}"
                click.echo(f"{line} {supervised.get(name.removesuffix('-http'), '')}".rstrip())
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
    sys.exit(0 if healthy else 1)


def addresses_text() -> str:
    s = load_settings()
    return "\n".join([
        f"Sunlight node {s.node_region} ({s.node_name}) is up:",
        f"  public hall          http://{s.host}:{s.hall_port}/",
        f"  gateway JSON API     http://{s.host}:{s.gateway_http_port}/v1/",
        f"  OpenAPI document     http://{s.host}:{s.gateway_http_port}/openapi.json"
        f"  (browse: /docs)",
        f"  gateway gRPC         {s.host}:{s.gateway_grpc_port}"
        "  (reflection + grpc.health.v1)",
        "  status               .venv/bin/sunlight status",
        "  a token for the API  .venv/bin/sunlight token --subject <you> --role admin "
        f"--region {s.node_region}",
    ])


@main.command()
@click.option("--timeout", "timeout_s", type=float, default=120.0)
def announce(timeout_s: float) -> None:
    """Wait until the node serves, print where to open it, then stay until stopped."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    deadline = time.monotonic() + timeout_s
    while not stop.is_set():
        results = _check_all(1.0)
        if all(ok for _, _, ok, _ in results):
            click.echo(addresses_text())
            break
        if time.monotonic() > deadline:
            down = ", ".join(n for n, _, ok, _ in results if not ok)
            click.echo(f"still not serving after {timeout_s:.0f}s: {down}", err=True)
            deadline = time.monotonic() + timeout_s
        stop.wait(0.5)
    stop.wait()


@main.command()
@click.option("--subject", required=True,
              help="the one person (or process) the token is for, e.g. zhang.wei: the record "
                   "tells people apart by it")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(sorted(ROLE_PERMISSIONS)), help="may be repeated")
@click.option("--region", "regions", multiple=True, required=True,
              help="region code(s) the token acts for, e.g. 510000")
@click.option("--department", default=None, metavar="CODE",
              help="the department's unified social credit code (统一社会信用代码, 18 "
                   "characters), required for department staff (clerk) and department systems")
@click.option("--department-name", default="",
              help="the department's name, for display (e.g. 区发展改革局)")
@click.option("--position", "positions", multiple=True,
              help="a position (岗位) held in the department — a step role of item flows, "
                   "e.g. chief or head; may be repeated (a clerk holds 'clerk')")
@click.option("--name", default="", help="the person's name, for display")
@click.option("--ttl", default=3600, type=click.IntRange(60, MAX_TOKEN_TTL_S),
              show_default=True, help="seconds until it expires")
@click.option("--node", "node_region", default=None, metavar="REGION",
              help="in a province `make run` set up here: sign as this node of it")
def token(subject: str, roles: tuple[str, ...], regions: tuple[str, ...],
          department: str | None, department_name: str, positions: tuple[str, ...], name: str,
          ttl: int, node_region: str | None) -> None:
    """Mint an access token signed with this node's key (development and operations)."""
    s = load_settings()
    if node_region:
        from infra.province import Plan  # noqa: PLC0415 - how make run lays out a province

        province = Plan.read(s.var_dir)
        if province is None or node_region not in {n.region for n in province.nodes}:
            raise click.UsageError(f"--node {node_region}: no such node of a province set up "
                                   f"under {s.var_dir} (make run)")
        s = province.node(node_region).settings()
    try:
        click.echo(mint_token(s.token_key, subject, roles, regions, department=department,
                              name=name, ttl_s=ttl, issuer=s.node_region,
                              positions=positions, department_name=department_name))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.command()
def urls() -> None:
    """Print the node's addresses."""
    click.echo(addresses_text())


if __name__ == "__main__":
    main()
