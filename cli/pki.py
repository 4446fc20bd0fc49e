"""``sunlight pki``: the province's certificate authority and node registry (docs/federation.md).

Run by the operator of the province node, on its files (``<var_dir>/pki``, readable by the
node's user only); nothing here needs the node to be running, and a running gateway picks up a
changed registry by itself within a second. Exit codes: 0 done, 1 refused (the message says
why), 2 wrong arguments.

    sunlight pki init-ca                       the province's root key and certificate
    sunlight pki issue-node --region R --gateway-host H [--gateway-port P]
                                               a node's certificate (and its registration)
    sunlight pki register-node --region R [--gateway H:P] [--token-key FILE]
    sunlight pki allow --caller R1 --callee R2 --method /pkg.Service/Method [--method …]
    sunlight pki disallow --caller R1 --callee R2 --method /pkg.Service/Method
    sunlight pki revoke --region R --reason TEXT | --fingerprint sha256:… --reason TEXT
    sunlight pki show [--json]
    sunlight pki token-key                     this node's public token key (JWK), to register
    sunlight pki new-token-key FILE            a node's token key into FILE (an env file), once
    sunlight pki export --region R --to DIR    what node R needs (key, certificates, registry)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from services.shared.config import load_settings
from services.shared.errors import DomainError
from services.shared.node_registry import (
    NodeRegistry,
    RegistryProblem,
    empty,
    write_signed,
)
from services.shared.pki import (
    CertificateProblem,
    PkiPaths,
    cert_pem,
    create_ca,
    fingerprint,
    hosts_of,
    issue_node,
    key_pem,
    load_cert,
    load_key,
    region_of,
    write_private,
)
from services.shared.region_data import RegionDirectory
from services.shared.regions import covers, level
from services.shared.token_keys import TokenKey, jwks


def _refused(message: str) -> None:
    click.echo(f"sunlight pki: refused: {message}", err=True)
    raise SystemExit(1)


def _province() -> Any:
    """The province `make run` set up under the settings' var directory, if any."""
    from infra.province import Plan  # noqa: PLC0415 - how make run lays out a province

    return Plan.read(load_settings().var_dir)


def _paths() -> tuple[PkiPaths, str]:
    """This node's pki/: in a province `make run` set up here, that of the node of the
    settings' region (the province's, 510000, unless SUNLIGHT_NODE_REGION says otherwise),
    under var/<region>/."""
    settings = load_settings()
    province = _province()
    if province is not None and settings.node_region in {n.region for n in province.nodes}:
        return PkiPaths.under(province.node(settings.node_region).var_dir), settings.node_region
    return PkiPaths.under(settings.var_dir), settings.node_region


def _region(code: str, province: str | None = None) -> tuple[str, str]:
    """(code, name) of a real GB/T 2260 region (within ``province`` when given)."""
    try:
        region = RegionDirectory.load().region(code)
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint="--region") from None
    if province is not None and not covers(province, region.code):
        raise click.BadParameter(f"{region.code} {region.name} is not in province {province}",
                                 param_hint="--region")
    return region.code, region.name


def _ca(paths: PkiPaths):  # type: ignore[no-untyped-def]
    if not paths.ca_key.is_file():
        _refused(f"no CA here ({paths.ca_key} missing): run `sunlight pki init-ca` on the "
                 "province node first")
    return load_key(paths.ca_key), load_cert(paths.ca_cert)


def _change(paths: PkiPaths, change: Callable[[NodeRegistry], NodeRegistry]) -> NodeRegistry:
    """Apply ``change`` to the registry and sign the result with the CA's key."""
    ca_key, ca_cert = _ca(paths)
    try:
        registry = NodeRegistry.verified(paths.registry.read_bytes(), ca_cert)
        changed = change(registry)
    except (RegistryProblem, CertificateProblem) as exc:
        _refused(str(exc))
    if changed is not registry:
        write_signed(paths.registry, changed, ca_key, ca_cert)
        province = _province()
        if province is not None:
            from infra.province import publish_registry  # noqa: PLC0415

            copied = publish_registry(province, paths.registry)
            if copied:
                click.echo(f"the registry copied to the province's nodes: {', '.join(copied)}")
    return changed


@click.group()
def pki() -> None:
    """The province's CA and node registry: who the nodes are and what each may call."""


@pki.command("init-ca")
@click.option("--valid-days", type=click.IntRange(30, 7300), default=3650, show_default=True)
def init_ca(valid_days: int) -> None:
    """Create the province's root key (0600) and self-signed certificate, and an empty node
    registry signed with it. Run once, on the province node."""
    paths, region = _paths()
    if level(region) != "province":
        _refused(f"this node is {region}: the CA belongs to a province node (e.g. 510000)")
    if paths.ca_key.exists() or paths.ca_cert.exists():
        _refused(f"a CA exists already in {paths.root}: it is never replaced by this command")
    code, name = _region(region)
    key, cert = create_ca(code, name, valid_days=valid_days)
    write_private(paths.ca_key, key_pem(key))
    write_private(paths.ca_cert, cert_pem(cert))
    write_signed(paths.registry, empty(code), key, cert)
    click.echo(f"CA of {code} {name}: {paths.ca_cert} ({fingerprint(cert)})")
    click.echo(f"its key: {paths.ca_key} (keep it on this node only)")
    click.echo(f"node registry: {paths.registry} (serial 1, no nodes)")


@pki.command("issue-node")
@click.option("--region", required=True, help="the node's region code, e.g. 511602")
@click.option("--gateway-host", "hosts", multiple=True, required=True,
              help="host name or IP address of the node's gateway (may be repeated)")
@click.option("--gateway-port", type=click.IntRange(1, 65535), default=None,
              help="its peer port (default: this node's SUNLIGHT_GATEWAY_PEER_PORT)")
@click.option("--valid-days", type=click.IntRange(1, 825), default=825, show_default=True)
def issue_node_command(region: str, hosts: tuple[str, ...], gateway_port: int | None,
                       valid_days: int) -> None:
    """Issue a node's certificate and register it (region, gateway address, fingerprint).

    For this node's own region the key and certificate go to <var>/pki/node.key and
    node.crt, and the node's token key is registered too; for another node to
    <var>/pki/issued/<region>/ (with ca.crt), to be copied to that node's <var>/pki/ over a
    trusted channel, its token key registered with register-node --token-key."""
    paths, own = _paths()
    ca_key, ca_cert = _ca(paths)
    code, name = _region(region, province=region_of_ca(paths))
    settings = load_settings()
    port = gateway_port or settings.gateway_peer_port
    key, cert = issue_node(ca_key, ca_cert, code, name, list(hosts), valid_days=valid_days)
    # this node's own token key is here: registered with its certificate
    token_key = TokenKey.from_text(settings.token_key).jwk if code == own else None
    registry = _change(paths, lambda r: r.with_certificate(
        code, name, cert, gateway=f"{_bracketed(hosts[0])}:{port}").with_node(
            code, token_key=token_key))
    if code == own:
        key_path, cert_path = paths.node_key, paths.node_cert
    else:
        out = paths.issued(code)
        key_path, cert_path = out / "node.key", out / "node.crt"
        write_private(out / "ca.crt", paths.ca_cert.read_bytes())
    write_private(key_path, key_pem(key))
    write_private(cert_path, cert_pem(cert))
    click.echo(f"node {code} {name}: {cert_path} ({fingerprint(cert)})")
    click.echo(f"  names: urn:sunlight:node:{code}, {', '.join(hosts_of(cert))}")
    click.echo(f"  gateway {registry.node(code).gateway}; registry serial {registry.serial}")  # type: ignore[union-attr]


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def region_of_ca(paths: PkiPaths) -> str:
    """The province the CA belongs to (as its registry says)."""
    _, ca_cert = _ca(paths)
    return NodeRegistry.verified(paths.registry.read_bytes(), ca_cert).province


@pki.command("register-node")
@click.option("--region", required=True)
@click.option("--gateway", default="", help="the node's peer address, host:port")
@click.option("--token-key", "token_key", type=click.File("r"), default=None,
              help="a JSON file with the node's public token key (a JWK, or a JWK Set of one)")
def register_node(region: str, gateway: str, token_key: click.File | None) -> None:
    """Register a node or change its gateway address; add the public key its tokens and
    assertions are signed with."""
    paths, _ = _paths()
    code, name = _region(region, province=region_of_ca(paths))
    jwk = None
    if token_key is not None:
        try:
            data = json.load(token_key)  # type: ignore[arg-type]
        except ValueError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--token-key") from None
        jwk = data["keys"][0] if isinstance(data, dict) and isinstance(
            data.get("keys"), list) and data["keys"] else data
        if not isinstance(jwk, dict) or not jwk:
            raise click.BadParameter("a JWK or a JWKS with one key, as `sunlight pki token-key` "
                                     "prints it", param_hint="--token-key")
    registry = _change(paths, lambda r: r.with_node(code, name=name, gateway=gateway,
                                                    token_key=jwk))
    node = registry.node(code)
    click.echo(f"node {code} {name}: gateway {node.gateway or '(none)'}, "  # type: ignore[union-attr]
               f"{len(node.token_keys)} token key(s); registry serial {registry.serial}")  # type: ignore[union-attr]


def _rule_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed([
            click.option("--caller", required=True, help="region code of the calling node"),
            click.option("--callee", required=True, help="region code of the node called"),
            click.option("--method", required=True,
                         help="/package.Service/Method, or /package.Service/* for a whole "
                              "service")]):
        command = option(command)
    return command


@pki.command()
@click.option("--caller", required=True, help="region code of the calling node")
@click.option("--callee", required=True, help="region code of the node called")
@click.option("--method", "methods", required=True, multiple=True,
              help="/package.Service/Method, or /package.Service/* for a whole service "
                   "(may be repeated: one signed change for all)")
def allow(caller: str, callee: str, methods: tuple[str, ...]) -> None:
    """Let node CALLER call METHOD on node CALLEE (everything else stays refused)."""
    paths, _ = _paths()

    def allowing(registry: NodeRegistry) -> NodeRegistry:
        for method in methods:
            registry = registry.allowing(caller, callee, method)
        return registry

    registry = _change(paths, allowing)
    for method in methods:
        click.echo(f"allowed: {caller} → {callee} {method} (registry serial {registry.serial})")


@pki.command()
@_rule_options
def disallow(caller: str, callee: str, method: str) -> None:
    """Remove a rule that allow added."""
    paths, _ = _paths()
    registry = _change(paths, lambda r: r.disallowing(caller, callee, method))
    click.echo(f"removed: {caller} → {callee} {method} (registry serial {registry.serial})")


@pki.command()
@click.option("--region", default=None, help="revoke the node: it and all its certificates")
@click.option("--fingerprint", "cert_fingerprint", default=None,
              help="revoke one certificate (sha256:…), the node stays")
@click.option("--reason", required=True, help="why, for the record")
def revoke(region: str | None, cert_fingerprint: str | None, reason: str) -> None:
    """Shut a node (or one certificate) out: every gateway refuses it once it has this
    registry."""
    if (region is None) == (cert_fingerprint is None):
        raise click.UsageError("give either --region or --fingerprint")
    paths, _ = _paths()
    if region is not None:
        registry = _change(paths, lambda r: r.revoking_node(region, reason))
        click.echo(f"revoked node {region} (registry serial {registry.serial})")
    else:
        registry = _change(paths, lambda r: r.revoking_certificate(str(cert_fingerprint),
                                                                   reason))
        click.echo(f"revoked certificate {cert_fingerprint} (registry serial "
                   f"{registry.serial})")


@pki.command()
@click.option("--json", "as_json", is_flag=True, help="print the registry as JSON")
def show(as_json: bool) -> None:
    """The CA, this node's certificate and the node registry."""
    paths, own = _paths()
    if not paths.ca_cert.is_file() or not paths.registry.is_file():
        _refused(f"no CA certificate or node registry in {paths.root}: run `sunlight pki "
                 "init-ca` on the province node, or copy its ca.crt and registry.json here")
    ca_cert = load_cert(paths.ca_cert)
    try:
        registry = NodeRegistry.verified(paths.registry.read_bytes(), ca_cert)
    except RegistryProblem as exc:
        _refused(str(exc))
    if as_json:
        click.echo(json.dumps(registry.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"CA        {ca_cert.subject.rfc4514_string()}")
    click.echo(f"          {fingerprint(ca_cert)}, valid to "
               f"{ca_cert.not_valid_after_utc:%Y-%m-%d}"
               + ("  (its key is here)" if paths.ca_key.is_file() else ""))
    if paths.node_cert.is_file():
        mine = load_cert(paths.node_cert)
        click.echo(f"this node {region_of(mine)} {fingerprint(mine)}, valid to "
                   f"{mine.not_valid_after_utc:%Y-%m-%d}")
    else:
        click.echo(f"this node {own}: no certificate (no peer port)")
    click.echo(f"registry  serial {registry.serial}, issued {registry.issued_at}, "
               f"province {registry.province}")
    for node in registry.nodes:
        state = f"REVOKED {node.revoked.at} ({node.revoked.reason})" if node.revoked else "active"
        click.echo(f"node      {node.region} {node.name:<8} {node.gateway or '-':<22} {state}")
        for fp in node.certificates:
            mark = " revoked" if registry.revoked_certificate(fp) else ""
            click.echo(f"            certificate {fp}{mark}")
        for key in node.token_keys:
            click.echo(f"            token key {key['kid']}")
    for rule in registry.calls:
        click.echo(f"allow     {rule.caller} → {rule.callee} {rule.method}")
    if not registry.calls:
        click.echo("allow     (nothing: every call between nodes is refused)")


@pki.command("token-key")
def token_key_command() -> None:
    """Print this node's public token key as a JWK Set, for the province to register
    (sunlight pki register-node --region <this node> --token-key FILE)."""
    click.echo(json.dumps(jwks([TokenKey.from_text(load_settings().token_key)]), indent=2))


@pki.command("new-token-key")
@click.argument("env_file", type=click.Path(dir_okay=False, path_type=Path))
def new_token_key(env_file: Path) -> None:
    """Give a node deployed elsewhere (Kubernetes: its overlay's secrets/node.env) its own
    token key: SUNLIGHT_TOKEN_KEY=… added to ENV_FILE (0600) unless it has one already, and
    its public key printed as a JWK Set, for register-node --token-key."""
    from infra.node import write_env  # noqa: PLC0415 - the one way a node's key file is made

    write_env(env_file)
    line = next(ln for ln in env_file.read_text("utf-8").splitlines()
                if ln.startswith("SUNLIGHT_TOKEN_KEY="))
    click.echo(json.dumps(jwks([TokenKey.from_text(line.partition("=")[2])]), indent=2))


@pki.command("export")
@click.option("--region", required=True, help="the node whose files to write")
@click.option("--to", "target", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="the directory to write node.key, node.crt, ca.crt and registry.json to")
def export(region: str, target: Path) -> None:
    """Write what node R needs to hold its identity — its key and certificate, the CA's
    certificate, the signed registry — to DIR, each file 0600 (Kubernetes: the overlay's
    secrets/, for kustomize's secretGenerator). Never the CA's key."""
    paths, own = _paths()
    code, _ = _region(region, province=region_of_ca(paths))
    source = paths.root if code == own else paths.issued(code)
    if not (source / "node.key").is_file() or not (source / "node.crt").is_file():
        _refused(f"no certificate issued to {code} here: run `sunlight pki issue-node "
                 f"--region {code} --gateway-host …` first")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in ("node.key", "node.crt"):
        write_private(target / name, (source / name).read_bytes())
    write_private(target / "ca.crt", paths.ca_cert.read_bytes())
    write_private(target / "registry.json", paths.registry.read_bytes())
    click.echo(f"node {code}: node.key, node.crt, ca.crt, registry.json in {target}")


def copy_for_node(paths: PkiPaths, region: str, target: Path) -> None:
    """Copy what node ``region`` needs (its key and certificate, the CA's certificate, the
    registry) into ``target`` — its <var>/pki — keeping them private."""
    source = paths.issued(region)
    for name in ("node.key", "node.crt", "ca.crt"):
        write_private(target / name, (source / name).read_bytes())
    write_private(target / "registry.json", paths.registry.read_bytes())
