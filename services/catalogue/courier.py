"""The courier of delegations (下放): hands each pending delegation to the node below.

A thread of the catalogue process. Woken when a delegation is recorded (and every
``POLL_S`` seconds), it sends each due delegation as ``ReceiveDelegation`` to the node's own
gateway — which routes it by ``target_region`` to the node that holds that region, over the
peer port (the registry allows it upper → lower only), or to this node's own catalogue when
this node holds it — with a deadline, as the catalogue itself (role ``delegating_node``).
The delegation's id is the idempotency key: a delivery repeated after a lost answer or a
killed process drafts once below. Not answered (node down, deadline): tried again, later each
time, for as long as it takes; refused for good (a stable code from below, or the registry's
``CALL_NOT_ALLOWED``): recorded as refused and the item restored. Nothing is held in memory
only: what is pending is in the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import grpc
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from services.catalogue.delegation import Delegations
from services.shared.auth import ServiceToken
from services.shared.config import Settings
from services.shared.grpc_client import channel, metadata
from services.shared.grpc_errors import error_detail_of

log = logging.getLogger("sunlight.catalogue.courier")

POLL_S = 5.0
#: not an answer about the delegation: the node, the link or a process is not there (yet)
TRANSIENT = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                       grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED,
                       grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN,
                       grpc.StatusCode.INTERNAL})

#: one delivery: the request and its deadline (seconds) → the answer, or grpc.RpcError
Deliver = Callable[[pb.ReceiveDelegationRequest, float], pb.ReceiveDelegationResponse]


def gateway_delivery(settings: Settings) -> tuple[Deliver, grpc.Channel]:
    """Deliveries through the node's own gateway, as this node's catalogue."""
    region = settings.node_region
    gateway = channel(settings.peer_address("gateway"))
    stub = pb_grpc.CatalogueServiceStub(gateway)
    token = ServiceToken(settings.token_key, f"catalogue@{region}", [region], issuer=region,
                         roles=("delegating_node",))

    def deliver(request: pb.ReceiveDelegationRequest, timeout_s: float
                ) -> pb.ReceiveDelegationResponse:
        return stub.ReceiveDelegation(request, timeout=timeout_s,  # type: ignore[no-any-return]
                                      metadata=metadata(token.header()))

    return deliver, gateway


class Courier:
    def __init__(self, delegations: Delegations, deliver: Deliver, timeout_s: float,
                 poll_s: float = POLL_S) -> None:
        self.delegations, self.deliver = delegations, deliver
        self.timeout_s, self.poll_s = timeout_s, poll_s
        self._wake, self._stop = threading.Event(), threading.Event()
        delegations.wake_hook = self._wake.set
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="delegation-courier",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.timeout_s + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup: the next round tries again
                log.exception("delegation delivery round failed")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def run_once(self, now: datetime | None = None) -> int:
        """Deliver every due delegation once; how many were settled (delivered or refused)."""
        settled = 0
        for delegation_id, request in self.delegations.due(now or datetime.now(UTC)):
            if self._stop.is_set():
                break
            try:
                answer = self.deliver(request, self.timeout_s)
            except grpc.RpcError as error:
                code = error.code()  # type: ignore[attr-defined]
                detail = error_detail_of(error)
                stable = detail.code if detail is not None and detail.code else code.name
                message = error.details() or ""  # type: ignore[attr-defined]
                if code in TRANSIENT:
                    log.warning("delegation %s to %s not delivered (%s), tried again later",
                                delegation_id, request.target_region, stable)
                    self.delegations.failed(delegation_id, stable, message)
                else:
                    log.warning("delegation %s to %s refused: %s %s", delegation_id,
                                request.target_region, stable, message)
                    self.delegations.refused(delegation_id, stable, message)
                    settled += 1
                continue
            self.delegations.delivered(delegation_id, answer.node, answer.item.item_id)
            log.info("delegation %s delivered to node %s: draft %s", delegation_id,
                     answer.node, answer.item.item_id)
            settled += 1
        return settled
