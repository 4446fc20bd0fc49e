"""Which node of the province holds a case: this hall's own node, or another one.

A case number carries its region (its first six digits). The node that holds a region is the
registered, unrevoked node whose region covers it most closely (the node registry, signed by
the province's CA, in ``<var>/pki/registry.json``; the gateway routes by the same rule). A
case held here is asked of this node's case service directly, as before (no extra hop); a
case held by another node is asked of this node's **gateway**, which routes it to that node
over the peer port. Without a registry (a node on its own) every case is held here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.shared.node_registry import NodeRegistry, RegistryProblem
from services.shared.regions import is_region_code
from services.shared.territory import node_registry_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HoldingNode:
    """Another node of the province, as the hall names it to a citizen."""

    region: str
    name: str

    @property
    def shown(self) -> str:
        return f"{self.name}（{self.region}）" if self.name else self.region


class CaseNodes:
    def __init__(self, region: str, registry: Callable[[], NodeRegistry] | None = None
                 ) -> None:
        self.region, self._registry = region, registry

    @classmethod
    def of(cls, region: str, var_dir: Path) -> CaseNodes:
        try:
            registry = node_registry_of(var_dir)
        except (OSError, RegistryProblem, ValueError) as exc:
            log.error("node registry unreadable (%s): every case is looked up here", exc)
            return cls(region)
        return cls(region, registry)

    @property
    def federated(self) -> bool:
        return self._registry is not None

    def elsewhere(self, case_number: str) -> HoldingNode | None:
        """The other node that holds this case, or None: this node (or nobody knows)."""
        head = case_number[:6]
        if self._registry is None or not is_region_code(head):
            return None
        node = self._registry().holder_of(head)
        if node is None or node.region == self.region:
            return None
        return HoldingNode(node.region, node.name)
