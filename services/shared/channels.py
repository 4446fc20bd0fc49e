"""The way a call reached a service (the audit's channel), vouched for by the node's front ends.

The node's front ends name the channel in a call's metadata (``CHANNEL_HEADER``): the gateway's
JSON API ("http"), its gRPC port ("gateway_grpc"), its peer port for another node
("federation") and the hall ("hall"); a call without it came straight to the service ("grpc").
The gateway drops both headers from what a caller sends through it. A caller who reaches a
service's internal port directly could still write the header itself, so the front ends
**seal** it (``SEAL_HEADER``): HMAC-SHA256 of the channel and the call's ``authorization``
value, under a key derived from the node's private token key for this purpose alone
(``masking.derived_key``) — every process of the node holds that key, a caller does not. A
service records the channel only when its seal holds for that very authorization; otherwise,
or without a seal, the call is recorded as "grpc".
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from services.shared.masking import derived_key, keyed

#: the metadata key naming the channel a call came by, and the one sealing it
CHANNEL_HEADER = "x-sunlight-channel"
SEAL_HEADER = "x-sunlight-channel-seal"
#: the channels a service records
CHANNELS = ("grpc", "gateway_grpc", "http", "hall", "federation")
DIRECT = "grpc"
PURPOSE = "sunlight front-end channel v1"


class ChannelSeal:
    """Seals the channel a front end names, and checks it at the service (see the module)."""

    def __init__(self, node_key: str) -> None:
        self._key = derived_key(node_key, PURPOSE)

    def _seal(self, channel: str, authorization: str) -> str:
        return keyed(self._key, f"{channel}\n{authorization}")

    def metadata(self, channel: str, authorization: str | None) -> list[tuple[str, str]]:
        """The pairs naming and sealing ``channel`` for a call sent with ``authorization``."""
        return [(CHANNEL_HEADER, channel),
                (SEAL_HEADER, self._seal(channel, authorization or ""))]

    def channel_of(self, invocation: Iterable[tuple[str, str | bytes]] | None) -> str:
        """The channel the call came by: the one named, when its seal holds; else "grpc"."""
        named = seal = authorization = None
        for key, value in invocation or ():
            if key == CHANNEL_HEADER:
                named = value
            elif key == SEAL_HEADER:
                seal = value
            elif key == "authorization":
                authorization = value
        if not isinstance(named, str) or named not in CHANNELS or not isinstance(seal, str):
            return DIRECT
        if not isinstance(authorization, str | None):
            return DIRECT
        expected = self._seal(named, authorization or "")
        return named if hmac.compare_digest(expected, seal) else DIRECT

