"""The territory of a node (本节点辖区): the regions it holds and serves.

A node holds its own region and the regions below it that it hosts — by default all of them;
``SUNLIGHT_TERRITORY`` narrows that to a list (each entry with the regions below it), for a
city node whose counties run nodes of their own. A region must exist in the GB/T 2260 division
codes shipped with the platform. Nothing outside the territory is stored, served or acted on:
an administrator of Guangdong cannot create items of 440000 at the Sichuan node, whatever its
token says.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from services.shared.errors import InvalidArgument, PermissionDenied
from services.shared.region_data import RegionDirectory
from services.shared.regions import covers, shown, validate_region


class Territory:
    def __init__(self, node_region: str, held: Iterable[str] = (),
                 directory: RegionDirectory | None = None) -> None:
        self.directory = directory or RegionDirectory.load()
        self.node_region = self.known(node_region, "node_region")
        self.held = tuple(self.known(r, "territory") for r in held) or (self.node_region,)
        outside = [r for r in self.held if not covers(self.node_region, r)]
        if outside:
            raise ValueError(f"territory {outside} lies outside the node's region "
                             f"{self.node_region}")

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
        return any(covers(scope, region) for scope in self.held) and (
            self.directory.exists(region))

    def require(self, region: object, field: str = "region") -> str:
        """``region`` when it is a real region this node holds; InvalidArgument for a code
        that is malformed or does not exist, PermissionDenied for one held elsewhere."""
        code = self.known(region, field)
        if not self.holds(code):
            raise PermissionDenied(
                f"{field}: this node holds {self.description} and the regions below; "
                f"{code} {self.directory.full_name(code)} is served by another node",
                code="REGION_NOT_HOSTED", metadata={"region": code, "field": field})
        return code

    def require_optional(self, region: str, field: str = "region") -> str:
        """``require`` for an optional filter: empty stays empty."""
        return self.require(region, field) if region else ""
