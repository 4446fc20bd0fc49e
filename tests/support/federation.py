"""A small province's trust for tests: a CA, node certificates and a signed node registry,
written as each node keeps them (``<var>/pki``), with the library ``sunlight pki`` uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from services.shared.node_registry import NodeRegistry, empty, write_signed
from services.shared.pki import (
    PkiPaths,
    cert_pem,
    create_ca,
    issue_node,
    key_pem,
    write_private,
)
from services.shared.token_keys import TokenKey


@dataclass
class Province:
    """The province's CA and registry, and the ``<var>/pki`` of each node set up so far."""

    root: Path
    ca_key: ec.EllipticCurvePrivateKey
    ca_cert: x509.Certificate
    registry: NodeRegistry
    nodes: dict[str, PkiPaths]
    #: each node's own token key (its SUNLIGHT_TOKEN_KEY), registered with the node
    token_keys: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path, region: str = "510000", name: str = "四川省") -> Province:
        key, cert = create_ca(region, name)
        return cls(root, key, cert, empty(region), {})

    def add_node(self, region: str, name: str, gateway: str) -> PkiPaths:
        """Issue ``region`` its certificate, register it, and write its <var>/pki."""
        paths = PkiPaths(self.root / region / "pki")
        key, cert = issue_node(self.ca_key, self.ca_cert, region, name, ["127.0.0.1"])
        write_private(paths.node_key, key_pem(key))
        write_private(paths.node_cert, cert_pem(cert))
        write_private(paths.ca_cert, cert_pem(self.ca_cert))
        self.nodes[region] = paths
        token_key = TokenKey.generate()
        self.token_keys[region] = token_key.to_text()
        self.change(lambda r: r.with_certificate(region, name, cert, gateway=gateway)
                    .with_node(region, token_key=token_key.jwk))
        return paths

    def change(self, change: Callable[[NodeRegistry], NodeRegistry]) -> NodeRegistry:
        """Change the registry and publish it to every node's <var>/pki."""
        self.registry = change(self.registry)
        for paths in self.nodes.values():
            write_signed(paths.registry, self.registry, self.ca_key, self.ca_cert)
        return self.registry
