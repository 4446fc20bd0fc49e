"""A small province on this machine: several real nodes, each a full stack of its own.

``python -m infra.province setup --nodes 510000,511600,511602 [--free-ports]``

writes the province's plan to ``<var>/province.json`` and makes every node ready to start
(``make run``'s steps before ``infra.supervise --province`` starts them all):

- each node keeps its files in ``<var>/<region>/`` — its SQLite databases (under
  ``<var>/<region>/<region>/``, as a node on its own keeps them under ``<var>/<region>/``), its
  uploaded files, its ``pki/``, its logs and its supervisor's socket — and its own token key in
  ``<var>/<region>/node.env`` (0600), written once (the node of the settings' region, 510000
  by default, takes the settings' key from var/node.env: ``sunlight token`` signs for it);
- with ``DATABASE_URL`` pointing at PostgreSQL, each node has a database of its own on that
  server, named ``<database>_<region>`` (created when missing); otherwise SQLite files;
- each node has its own RabbitMQ vhost: ``sunlight-<region>`` by default, ``<vhost>-<region>``
  when ``AMQP_URI`` names one;
- each node has its own ports: the settings' ports (the defaults, or ``SUNLIGHT_*_PORT``) moved
  by the node's offset (``NODES``: 0, 100, 200), or free ports with ``--free-ports``;
- a city node hosts the counties ``NODES`` lists as tenants (岳池县 511621 at 广安市 511600):
  ``SUNLIGHT_TERRITORY`` of that node;
- the province's CA (``<var>/510000/pki/ca``) is made on the first start; each node gets its
  certificate and its token key registered; the registry allows the calls the province needs
  (``CALLS``; everything else is refused) and every node holds a copy in its ``pki/``;
- every node below the province sends its case events to the province's supervision through
  a RabbitMQ shovel from a durable queue of its own vhost (``infra.rollup``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import ports
from infra.spawn import PRIVATE_UMASK
from services.shared.config import Settings, load_settings
from services.shared.metrics import metrics_port

ROOT = Path(__file__).resolve().parents[1]
PLAN_FILE = "province.json"
PLAN_FORMAT = "sunlight.province.v1"
#: the province of ``make run``
DEFAULT_NODES = ("510000", "511600", "511602")


@dataclass(frozen=True)
class NodeLayout:
    """Where a node of the province sits on this machine."""

    #: added to every port of the settings
    port_offset: int
    #: regions the node holds (SUNLIGHT_TERRITORY; empty: its own and everything below)
    territory: tuple[str, ...] = ()


#: the nodes a province on this machine can have: Sichuan, Guang'an city (hosting 岳池县
#: 511621 as a tenant) and Guang'an district
NODES: dict[str, NodeLayout] = {
    "510000": NodeLayout(0),
    "511600": NodeLayout(100, ("511600", "511621")),
    "511602": NodeLayout(200),
}
#: the port settings of a node (Settings field names)
PORT_FIELDS = (
    "catalogue_port", "cases_port", "monitoring_port", "gateway_grpc_port", "gateway_http_port",
    "hall_port", "monitoring_worker_health_port", "catalogue_relay_health_port",
    "cases_relay_health_port", "monitoring_relay_health_port",
    "monitoring_worker_partition_health_port", "gateway_peer_port",
    "catalogue_metrics_port", "monitoring_metrics_port", "cases_metrics_port",
    "gateway_metrics_port",
)
#: what one node may call on another (the registry allows these between every two nodes of
#: the province, both ways; everything else is refused): who answers, a case's status by its
#: number, who read a case's file and its documents (an applicant signed in at another node's
#: hall), an item read, a catalogue search
CALLS = (
    "/sunlight.gateway.v1.FederationService/Hello",
    "/sunlight.gateway.v1.NodeService/GetNode",
    "/sunlight.cases.v1.CaseService/GetCase",
    "/sunlight.cases.v1.CaseService/LookupCase",
    "/sunlight.cases.v1.CaseService/ListCaseAccesses",
    "/sunlight.cases.v1.CaseService/GetDocument",
    "/sunlight.catalogue.v1.CatalogueService/GetItemVersion",
    "/sunlight.catalogue.v1.CatalogueService/SearchItems",
)
#: what a node may call on a node below it only (its region covers the callee's): a
#: delegation down a level (下放) handed to the node that holds the region below
DOWNWARD_CALLS = (
    "/sunlight.catalogue.v1.CatalogueService/ReceiveDelegation",
)
#: 上报件 across nodes, one way each: a child node hands a reported case up to its parent
#: (the node whose region is the parent of the child's), the parent sends the decision back
UP_CALLS = ("/sunlight.cases.v1.CaseService/ReceiveReportedCase",)
DOWN_CALLS = ("/sunlight.cases.v1.CaseService/ReceiveReportedDecision",)


@dataclass
class PlannedNode:
    """One node of the plan: its region, name and the settings its processes run with
    (environment variables, without its token key: that stays in its own node.env)."""

    region: str
    name: str
    env: dict[str, str]

    @property
    def var_dir(self) -> Path:
        return Path(self.env["SUNLIGHT_VAR_DIR"])

    @property
    def node_env(self) -> Path:
        return self.var_dir / "node.env"

    def token_key(self) -> str:
        for line in self.node_env.read_text("utf-8").splitlines():
            if line.startswith("SUNLIGHT_TOKEN_KEY="):
                return line.partition("=")[2].strip()
        raise SystemExit(f"{self.node_env} has no SUNLIGHT_TOKEN_KEY: run `make run` again")

    def process_env(self) -> dict[str, str]:
        """The environment of the node's processes."""
        return {**self.env, "SUNLIGHT_TOKEN_KEY": self.token_key()}

    def settings(self) -> Settings:
        values: dict[str, Any] = {}
        for key, value in self.process_env().items():
            name = key.removeprefix("SUNLIGHT_").lower()
            values[name] = value if value != "" or name != "database_url" else None
        return Settings(**values)


@dataclass
class Plan:
    base_var: Path
    nodes: list[PlannedNode] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.base_var / PLAN_FILE

    def node(self, region: str) -> PlannedNode:
        return next(n for n in self.nodes if n.region == region)

    def to_json(self) -> dict[str, Any]:
        return {"format": PLAN_FORMAT, "nodes": [
            {"region": n.region, "name": n.name, "env": n.env} for n in self.nodes]}

    def write(self) -> Path:
        from services.shared.pki import write_private  # noqa: PLC0415

        return write_private(self.path, json.dumps(self.to_json(), ensure_ascii=False,
                                                   indent=2).encode())

    @classmethod
    def read(cls, base_var: Path) -> Plan | None:
        """The plan of the province last set up under ``base_var``, or None."""
        path = Path(base_var) / PLAN_FILE
        if not path.is_file():
            return None
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != PLAN_FORMAT:
            raise SystemExit(f"{path}: not a {PLAN_FORMAT} file")
        return cls(Path(base_var), [PlannedNode(n["region"], n["name"], dict(n["env"]))
                                    for n in data["nodes"]])


def node_database_url(base: str | None, region: str) -> str:
    """The node's own database: ``<database>_<region>`` on the same PostgreSQL server; empty
    (SQLite under the node's var dir) when the settings name no PostgreSQL."""
    if not base or not base.startswith("postgres"):
        return ""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    url = make_url(base)
    return url.set(database=f"{url.database or 'sunlight'}_{region}").render_as_string(
        hide_password=False)


def node_amqp_uri(base: Settings, region: str) -> str:
    """The node's own vhost: the default ``sunlight-<region>``, or ``<vhost>-<region>`` on the
    broker AMQP_URI names."""
    from services.shared.config import local_amqp_uri  # noqa: PLC0415

    if base.amqp_uri == local_amqp_uri(base.node_region):
        return local_amqp_uri(region)
    head, _, vhost = base.amqp_uri.rpartition("/")
    return f"{head}/{vhost or 'sunlight'}-{region}"


def quiet_port(taken: set[int]) -> int:
    """A free port below the kernel's ephemeral range (:mod:`infra.ports`), not in ``taken``;
    added to it."""
    try:
        port = ports.free_ports(1, avoid=taken)[0]
    except RuntimeError as exc:  # every port of the span taken: say so, not a traceback
        raise SystemExit(f"--free-ports: {exc} (infra/ports.py; SUNLIGHT_PORTS_SHARE narrows "
                         "the span)") from None
    taken.add(port)
    return port


def listening_ports(s: Settings) -> dict[int, str]:
    """Every port a node of settings ``s`` listens on, by the setting that gives it: its port
    settings (``PORT_FIELDS``), and the ports its further processes take after a base, as
    they compute them — the case service's and the gateway's copies' metrics
    (``metrics_port``), the supervision worker's partitions' health
    (``Settings.monitoring_worker_health_port_of``). 0 (none) left out."""
    found = {getattr(s, name): f"SUNLIGHT_{name.upper()}" for name in PORT_FIELDS
             if getattr(s, name)}
    further = [(metrics_port(s.cases_metrics_port, n) if s.cases_metrics_port else 0,
                f"SUNLIGHT_CASES_METRICS_PORT of cases process {n}")
               for n in range(1, s.cases_processes)]
    further += [(metrics_port(s.gateway_metrics_port, n) if s.gateway_metrics_port else 0,
                 f"SUNLIGHT_GATEWAY_METRICS_PORT of gateway process {n}")
                for n in range(1, s.gateway_processes)]
    further += [(s.monitoring_worker_health_port_of(n),
                 f"SUNLIGHT_MONITORING_WORKER_PARTITION_HEALTH_PORT of partition {n}")
                for n in range(1, s.supervision_workers)]
    for port, what in further:
        if port:
            found.setdefault(port, what)
    return found


def check_ports(province: Plan, base: Settings) -> None:
    """Refuse a province two of whose listeners would share a port (the further processes'
    ports run on from their base: several supervision workers' health ports can reach the
    next node's hall), saying which and what to change."""
    owner: dict[int, str] = {}
    for node in province.nodes:
        ports_of_node = base.model_copy(update={
            name: int(node.env[f"SUNLIGHT_{name.upper()}"]) for name in PORT_FIELDS})
        for port, what in listening_ports(ports_of_node).items():
            here = f"node {node.region} {what}"
            if port in owner:
                raise SystemExit(
                    f"port {port} would be both {owner[port]} and {here}: change one of "
                    f"those settings, or run fewer processes (SUNLIGHT_SUPERVISION_WORKERS, "
                    f"SUNLIGHT_CASES_PROCESSES, SUNLIGHT_GATEWAY_PROCESSES) — the nodes' ports "
                    f"lie 100 apart (infra/province.py, NODES)")
            owner[port] = here


def plan(regions: list[str], base: Settings, *, free_ports: bool = False) -> Plan:
    from services.shared.region_data import RegionDirectory  # noqa: PLC0415

    unknown = [r for r in regions if r not in NODES]
    if unknown:
        raise SystemExit(f"no layout for node {', '.join(unknown)} on this machine; "
                         f"known: {', '.join(NODES)} (infra/province.py, NODES)")
    directory = RegionDirectory.load()
    base_var = Path(base.var_dir).resolve()
    result = Plan(base_var)
    taken: set[int] = set()
    for region in regions:
        layout = NODES[region]
        ports = {f"SUNLIGHT_{name.upper()}": str(
            quiet_port(taken) if free_ports else int(getattr(base, name)) + layout.port_offset)
            for name in PORT_FIELDS}
        env = {
            "SUNLIGHT_NODE_REGION": region,
            "SUNLIGHT_NODE_NAME": directory.name(region),
            "SUNLIGHT_TERRITORY": ",".join(layout.territory),
            "SUNLIGHT_VAR_DIR": str(base_var / region),
            "SUNLIGHT_HOST": base.host,
            "DATABASE_URL": node_database_url(base.database_url, region),
            "AMQP_URI": node_amqp_uri(base, region),
            **ports,
        }
        result.nodes.append(PlannedNode(region, directory.name(region), env))
    check_ports(result, base)
    return result


# --- the steps ------------------------------------------------------------------------------

def write_envs(province: Plan, base: Settings | None = None) -> None:
    """Each node's token key, written once. The node of the settings' own region (510000 by
    default) signs with the settings' key (var/node.env): `sunlight token` without --node
    mints its tokens, as for a node on its own."""
    from infra.node import make_private, write_env  # noqa: PLC0415
    from services.shared.pki import write_private  # noqa: PLC0415

    for node in province.nodes:
        if base is not None and node.region == base.node_region and not node.node_env.exists():
            write_private(node.node_env, f"SUNLIGHT_TOKEN_KEY={base.token_key}\n".encode())
        write_env(node.node_env)
        make_private(node.var_dir)


def ensure_brokers(province: Plan) -> None:
    from infra.broker import BrokerError, ensure  # noqa: PLC0415

    for node in province.nodes:
        try:
            ensure(node.settings(), say=lambda text, r=node.region: print(f"{r} {text}"))
        except BrokerError as exc:
            raise SystemExit(f"node {node.region}: broker: {exc}") from None


def ensure_rollup(province: Plan) -> None:
    """Every node's case events to the province's supervision: a shovel each
    (``infra.rollup``)."""
    from infra.rollup import setup as link_rollup  # noqa: PLC0415

    link_rollup(province)


def ensure_databases(province: Plan) -> None:
    """Each node's PostgreSQL database, created when missing (nothing to do for SQLite)."""
    for node in province.nodes:
        url = node.env["DATABASE_URL"]
        if not url:
            continue
        import psycopg  # noqa: PLC0415
        from sqlalchemy.engine import make_url  # noqa: PLC0415

        target = make_url(url)
        admin = target.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False),
                             autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                        (target.database,)).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{target.database}"')
                print(f"{node.region} database {target.database} created")


def migrate(province: Plan) -> None:
    """Every service's database of every node at its newest migration (each node in a
    process of its own: the services read their settings from the environment)."""
    for node in province.nodes:
        env = {**os.environ, **node.process_env()}
        result = subprocess.run([sys.executable, "-m", "infra.node", "migrate"],  # noqa: S603
                                cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=600)
        if result.returncode != 0:
            raise SystemExit(f"node {node.region}: migrate failed:\n{result.stderr.strip()}")
        print(f"{node.region} migrated")


def setup_pki(province: Plan) -> None:
    """The province's CA (first time), each node's certificate and registered token key,
    the allowed calls, and the registry in every node's pki/."""
    from services.shared.node_registry import NodeRegistry, empty, write_signed  # noqa: PLC0415
    from services.shared.pki import (  # noqa: PLC0415
        PkiPaths,
        cert_pem,
        create_ca,
        fingerprint,
        issue_node,
        key_pem,
        load_cert,
        load_key,
        write_private,
    )
    from services.shared.region_data import RegionDirectory  # noqa: PLC0415
    from services.shared.token_keys import TokenKey  # noqa: PLC0415

    province_region = "510000"
    ca_paths = PkiPaths.under(province.base_var / province_region)
    if not ca_paths.ca_key.is_file():
        key, cert = create_ca(province_region, RegionDirectory.load().name(province_region))
        write_private(ca_paths.ca_key, key_pem(key))
        write_private(ca_paths.ca_cert, cert_pem(cert))
        write_signed(ca_paths.registry, empty(province_region), key, cert)
        print(f"{province_region} the province's CA made: {ca_paths.ca_cert}")
    ca_key, ca_cert = load_key(ca_paths.ca_key), load_cert(ca_paths.ca_cert)
    registry = NodeRegistry.verified(ca_paths.registry.read_bytes(), ca_cert)
    before = registry
    for node in province.nodes:
        paths = PkiPaths.under(node.var_dir)
        gateway = f"{node.env['SUNLIGHT_HOST']}:{node.env['SUNLIGHT_GATEWAY_PEER_PORT']}"
        entry = registry.node(node.region)
        own_cert = load_cert(paths.node_cert) if paths.node_cert.is_file() else None
        if (entry is None or own_cert is None or not paths.node_key.is_file()
                or fingerprint(own_cert) not in entry.certificates
                or registry.revoked_certificate(fingerprint(own_cert)) is not None):
            if entry is not None and entry.revoked is not None:
                print(f"{node.region} is revoked in the registry: not issued again")
            else:
                key, cert = issue_node(ca_key, ca_cert, node.region, node.name,
                                       [node.env["SUNLIGHT_HOST"]])
                write_private(paths.node_key, key_pem(key))
                write_private(paths.node_cert, cert_pem(cert))
                registry = registry.with_certificate(node.region, node.name, cert,
                                                     gateway=gateway)
                print(f"{node.region} certificate issued ({fingerprint(cert)[:23]}…)")
        write_private(paths.ca_cert, cert_pem(ca_cert))
        token_key = TokenKey.from_text(node.token_key())
        entry = registry.node(node.region)
        if entry is not None and (entry.gateway != gateway or not any(
                k.get("kid") == token_key.kid for k in entry.token_keys)):
            registry = registry.with_node(node.region, gateway=gateway,
                                          token_key=token_key.jwk)
    for caller in province.nodes:
        for callee in province.nodes:
            if caller.region == callee.region:
                continue
            for method in calls_between(caller.region, callee.region):
                if registry.node(caller.region) and registry.node(callee.region):
                    registry = registry.allowing(caller.region, callee.region, method)
    if registry is not before:
        write_signed(ca_paths.registry, registry, ca_key, ca_cert)
    publish_registry(province, ca_paths.registry)
    print(f"node registry serial {registry.serial}: {len(registry.nodes)} nodes, "
          f"{len(registry.calls)} allowed calls; a copy in every node's pki/")


def calls_between(caller: str, callee: str) -> tuple[str, ...]:
    """What node ``caller`` may call on node ``callee``: ``CALLS`` between any two,
    ``DOWNWARD_CALLS`` to a node below it, ``UP_CALLS`` to its parent, ``DOWN_CALLS`` to its
    child (by their regions)."""
    from services.shared.regions import covers, parent  # noqa: PLC0415

    return (*CALLS, *(DOWNWARD_CALLS if covers(caller, callee) else ()),
            *(UP_CALLS if parent(caller) == callee else ()),
            *(DOWN_CALLS if parent(callee) == caller else ()))


def publish_registry(province: Plan, registry: Path) -> list[str]:
    """A copy of the province's signed ``registry`` in every node's pki/ (each gateway
    reloads its copy within a second); the regions whose copy changed. Until nodes fetch
    the registry themselves this is how a change — a revocation above all — reaches them."""
    from services.shared.pki import PkiPaths, write_private  # noqa: PLC0415

    published = registry.read_bytes()
    changed = []
    for node in province.nodes:
        target = PkiPaths.under(node.var_dir).registry
        if target != registry and (not target.is_file() or target.read_bytes() != published):
            write_private(target, published)
            changed.append(node.region)
    return changed


def setup(regions: list[str], *, free_ports: bool = False) -> Plan:
    base = load_settings()
    province = plan(regions, base, free_ports=free_ports)
    province.write()
    write_envs(province, base)
    ensure_brokers(province)
    ensure_rollup(province)
    ensure_databases(province)
    setup_pki(province)
    migrate(province)
    print(f"province ready: {', '.join(f'{n.region} {n.name}' for n in province.nodes)} "
          f"({province.path})")
    return province


def regions_of(text: str) -> list[str]:
    regions = [r.strip() for r in text.split(",") if r.strip()]
    if len(set(regions)) != len(regions):
        raise SystemExit(f"--nodes: a node named twice: {text}")
    return regions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["setup"])
    parser.add_argument("--nodes", default=",".join(DEFAULT_NODES),
                        help="region codes of the nodes, comma-separated")
    parser.add_argument("--free-ports", action="store_true",
                        help="every port of every node a free one (tests)")
    args = parser.parse_args(argv)
    os.umask(PRIVATE_UMASK)
    setup(regions_of(args.nodes), free_ports=args.free_ports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
