"""The territory of a node (本节点辖区): the regions it holds and serves.

A node holds its own region and the regions below it that it hosts — by default all of them;
``SUNLIGHT_TERRITORY`` narrows that to a list (each entry with the regions below it), for a
city node whose counties run nodes of their own. A region must exist in the GB/T 2260 division
codes shipped with the platform. Nothing outside the territory is stored, served or acted on:
an administrator of Guangdong cannot create items of 440000 at the Sichuan node, whatever its
token says.

In a province the territory also leaves out what the nodes below hold: a region belongs to the
registered, unrevoked node whose region covers it most closely (the node registry each node
keeps in ``<var>/pki/registry.json``, as the gateway routes), so the province (510000) holds
neither 511602 广安区 nor 511600 广安市 once those nodes are registered, and the city still
holds 岳池县 511621, which has no node of its own. A write for such a region is refused with
``REGION_HELD_BY_OTHER_NODE`` naming its node; reads of it reach that node through the
gateway's router. A node without a registry holds all its regions, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path

from services.shared.errors import InvalidArgument, PermissionDenied
from services.shared.node_registry import NodeRegistry, RegistryFile
from services.shared.pki import PkiPaths, load_cert
from services.shared.region_data import RegionDirectory
from services.shared.regions import covers, is_region_code, shown, validate_region

log = logging.getLogger(__name__)


def holding_node(registry: NodeRegistry, region: str) -> str:
    """The registered, unrevoked node whose region covers ``region`` most closely; "" when
    none does (``NodeRegistry.holder_of``, the rule the gateway's router and the hall use)."""
    if not is_region_code(region):
        return ""
    node = registry.holder_of(region)
    return node.region if node is not None else ""


def node_registry_of(var_dir: Path | str) -> Callable[[], NodeRegistry] | None:
    """The node registry a node keeps under ``<var_dir>/pki`` (verified against the CA
    certificate, read again when the file changes), or None when the node has none."""
    paths = PkiPaths.under(Path(var_dir))
    if not (paths.registry.is_file() and paths.ca_cert.is_file()):
        return None
    return RegistryFile(paths.registry, load_cert(paths.ca_cert)).current


class Territory:
    def __init__(self, node_region: str, held: Iterable[str] = (),
                 directory: RegionDirectory | None = None, *,
                 registry: Callable[[], NodeRegistry] | None = None) -> None:
        self.directory = directory or RegionDirectory.load()
        self._registry = registry
        self.node_region = self.known(node_region, "node_region")
        self.held = tuple(self.known(r, "territory") for r in held) or (self.node_region,)
        outside = [r for r in self.held if not covers(self.node_region, r)]
        if outside:
            raise ValueError(f"territory {outside} lies outside the node's region "
                             f"{self.node_region}")

    @classmethod
    def of_node(cls, node_region: str, held: Iterable[str] = (),
                var_dir: Path | str | None = None) -> Territory:
        """The territory of a running node: its regions, less those held by the nodes below
        it by the registry under ``<var_dir>/pki`` (when it has one)."""
        registry = node_registry_of(var_dir) if var_dir is not None else None
        territory = cls(node_region, held, registry=registry)
        if registry is not None and (below := territory.nodes_below()):
            log.info("territory of %s: %s, less the regions of the nodes below (%s)",
                     territory.node_region, territory.description, ", ".join(below))
        return territory

    def nodes_below(self) -> list[str]:
        """The active registered nodes whose regions lie within this node's territory."""
        if self._registry is None:
            return []
        return sorted(n.region for n in self._registry().nodes
                      if n.revoked is None and n.region != self.node_region
                      and self.within(n.region))

    def within(self, region: str) -> bool:
        """``region`` lies within the node's regions (nodes below or not)."""
        return any(covers(scope, region) for scope in self.held)

    def holder(self, region: str) -> str:
        """The node below this one that holds ``region``, one of this node's regions, by the
        registry; "" when none does (or the region is not this node's at all)."""
        if self._registry is None or not self.within(region):
            return ""
        node = holding_node(self._registry(), region)
        return node if node and node != self.node_region else ""

    def node_holding(self, region: str) -> str:
        """The node of the province that holds ``region`` by the registry, wherever it is;
        ``region`` itself when there is no registry or no node covers it."""
        node = holding_node(self._registry(), region) if self._registry is not None else ""
        return node or region

    @cached_property
    def description(self) -> str:
        return ", ".join(f"{r} {self.directory.full_name(r)}" for r in self.held)

    def known(self, code: object, field: str = "region") -> str:
        """A real region code (GB/T 2260, 2023), or InvalidArgument naming the field."""
        text = validate_region(code if isinstance(code, str) else shown(code), field)
        if not self.directory.exists(text):
            raise InvalidArgument.of_field(
                field, f"{text} is not a region in the GB/T 2260 division codes",
                code="UNKNOWN_REGION")
        return text

    def holds(self, region: str) -> bool:
        return self.within(region) and self.directory.exists(region) and (
            not self.holder(region))

    def require(self, region: object, field: str = "region") -> str:
        """``region`` when it is a real region this node holds; InvalidArgument for a code
        that is malformed or does not exist, PermissionDenied for one held elsewhere."""
        code = self.known(region, field)
        if holder := self.holder(code):
            raise self.held_elsewhere(code, holder, field)
        if not self.within(code):  # known and held by no node below: holds() less its scans
            raise PermissionDenied(
                f"{field}: this node holds {self.description} and the regions below; "
                f"{code} {self.directory.full_name(code)} is served by another node",
                code="REGION_NOT_HOSTED", metadata={"region": code, "field": field})
        return code

    def held_elsewhere(self, code: str, holder: str, field: str) -> PermissionDenied:
        """The refusal of ``code``, held by node ``holder``: who holds it, in Chinese."""
        holder_entry = self._registry().node(holder) if self._registry else None
        holder_name = (holder_entry.name if holder_entry and holder_entry.name
                       else self.directory.full_name(holder))
        here = f"{self.node_region} {self.directory.full_name(self.node_region)}"
        return PermissionDenied(
            f"{field}：{code} {self.directory.full_name(code)} 由节点 {holder} {holder_name} "
            f"管辖，本节点（{here}）不办理；请向节点 {holder} 提交",
            code="REGION_HELD_BY_OTHER_NODE",
            metadata={"region": code, "field": field, "node": holder,
                      "node_name": holder_name})

    def require_optional(self, region: str, field: str = "region") -> str:
        """``require`` for an optional filter: empty stays empty."""
        return self.require(region, field) if region else ""
