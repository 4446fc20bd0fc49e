"""Delegation down a level (下放) across nodes: recorded above, drafted below.

The node above (``delegate``): an official allowed to adjust the item (``item.adjust``, the
staffing office or an administrator) delegates a published version to a government one level
below. In one unit of work the item becomes ``delegated``, its public history says so, its
``item.adjusted`` event is in the outbox and a ``delegations`` row is ``pending``. The courier
(``courier.py``) then hands it to the node holding that region (the gateways route it there;
allowed upper → lower only) and records the answer here: ``delivered`` with the draft's id, or
``refused`` (the item back in its former state), each with its history entry and event.

The node below (``receive``): its catalogue drafts version 1 of the item for that region,
flagged as delegated from node X item Y version V — for its own review and publication; the
node above never publishes it. The delivery's id is the idempotency key: a delivery repeated
(a lost answer, a killed courier) drafts once.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, select, update
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue import storage as t
from services.catalogue.contract import VersionView, content_to_pb, timestamp
from services.catalogue.domain import lifecycle
from services.catalogue.domain.items import ItemContent
from services.catalogue.domain.lifecycle import Action, ItemState, VersionStatus
from services.catalogue.unit_of_work import Work
from services.shared import auth
from services.shared.auth import Principal
from services.shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from services.shared.regions import parent, validate_region

if TYPE_CHECKING:
    from services.catalogue.service import CatalogueService

PENDING, DELIVERED, REFUSED = "pending", "delivered", "refused"
STATUS_PB = {PENDING: pb.DELEGATION_STATUS_PENDING, DELIVERED: pb.DELEGATION_STATUS_DELIVERED,
             REFUSED: pb.DELEGATION_STATUS_REFUSED}
#: seconds between delivery attempts: doubled after each failure, up to the last
BACKOFF_S = (1.0, 2.0, 5.0, 15.0, 60.0)
MAX_ERROR = 1000


def delegated_flag(source_node: str, item_id: str, version: int) -> str:
    return (f"delegated (下放) from node {source_node} item {item_id} version {version}: "
            "awaiting this government's own review and publication; it re-issues the "
            "implementation code")


class Delegations:
    """The delegation use cases of a catalogue (both ends)."""

    def __init__(self, service: CatalogueService) -> None:
        self.service = service
        self.repo = service.repo

    # --- the node above ---------------------------------------------------------------
    def delegate(self, principal: Principal, item_id: str, version: int, target: str,
                 reason: str, key: str) -> tuple[VersionView, pb.Delegation]:
        svc = self.service
        validate_region(target, "target_region")
        svc.territory.known(target, "target_region")
        refs: dict[str, Any] = {}

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            item = self.repo.item(s, item_id, lock=True)
            state = ItemState(item.state)
            if state is ItemState.DELEGATED:
                raise FailedPrecondition(
                    f"item {item_id} is delegated already ({item.successor or 'pending'}); "
                    "a delegation is made once", code="ALREADY_DELEGATED",
                    metadata={"successor": item.successor})
            new_state = lifecycle.adjust(state, Action.DELEGATE, reason, target, item_id)
            if item.current_version == 0:
                raise FailedPrecondition(f"item {item_id} is not published yet",
                                         code="NOTHING_PUBLISHED")
            if parent(target) != item.region:
                raise InvalidArgument.of_field(
                    "target_region", f"{target} is not a government one level below "
                    f"{item.region}: an item is delegated to a region its government covers, "
                    "one level down", code="NOT_A_LOWER_LEVEL")
            number = version or item.current_version
            chosen = self.repo.version(s, item_id, number)
            if chosen.status not in (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED):
                raise FailedPrecondition(
                    f"item {item_id} version {number} is {chosen.status.value}: only a "
                    "published version is delegated", code="VERSION_NOT_PUBLISHED",
                    metadata={"version": str(number)})
            delegation_id = str(uuid.uuid4())
            s.execute(t.delegations.insert().values(
                delegation_id=delegation_id, item_id=item_id, version=number,
                source_region=item.region, target_region=target, status=PENDING,
                from_state=state.value, reason=reason, delegated_by=principal.subject,
                created_at=now, attempts=0, next_attempt_at=now))
            refs["delegation_id"] = delegation_id
            self.repo.touch(s, item_id, now, state=new_state.value, successor=f"{target}:")
            self.repo.add_history(s, item_id, Action.DELEGATE.value, principal.subject, now,
                                  version=number, reason=reason, target=target,
                                  from_state=state.value, to_state=new_state.value)
            view = self.repo.version(s, item_id, item.current_version)
            w.emit_item("item.adjusted", view, principal.subject, Action.DELEGATE.value,
                        reason)
            w.after_commit(self.wake)
            return view

        view = svc._command(principal, key, "DelegateItem",
                            [item_id, version, target, reason],
                            svc._on_item(principal, item_id, auth.ITEM_ADJUST), body, refs)
        return view, self.get(refs["delegation_id"])

    #: set by the courier: told when a delegation is waiting
    wake_hook: Any = None

    def wake(self) -> None:
        if self.wake_hook is not None:
            self.wake_hook()

    def get(self, delegation_id: str) -> pb.Delegation:
        with self.service.db.read() as s:
            row = s.execute(select(t.delegations).where(
                t.delegations.c.delegation_id == delegation_id)).one()
        return self.to_pb(row)

    def list(self, principal: Principal, item_id: str) -> list[pb.Delegation]:
        """An item's delegations, newest first: for those who may read its internal fields."""
        d = t.delegations.c
        with self.service.db.read() as s:
            item = self.repo.item(s, item_id)
            principal.require(auth.ITEM_READ_INTERNAL, item.region, item.department_code)
            rows = s.execute(select(t.delegations).where(d.item_id == item_id).order_by(
                d.created_at.desc())).all()
        return [self.to_pb(r) for r in rows]

    def to_pb(self, row: Row) -> pb.Delegation:
        return pb.Delegation(
            delegation_id=row.delegation_id, item_id=row.item_id, version=row.version,
            source_region=row.source_region, source_node=self.service.node_region,
            target_region=row.target_region, target_node=row.target_node,
            status=STATUS_PB[row.status], delegated_item_id=row.delegated_item_id,
            error_code=row.error_code, error_message=row.error_message,
            attempts=row.attempts, created_at=timestamp(row.created_at),
            delivered_at=timestamp(row.delivered_at), delegated_by=row.delegated_by,
            reason=row.reason)

    # --- the courier's side -----------------------------------------------------------
    def due(self, now: datetime, limit: int = 20
            ) -> list[tuple[str, pb.ReceiveDelegationRequest]]:
        """Pending delegations whose next attempt is due, each with what is sent below."""
        d = t.delegations.c
        with self.service.db.read() as s:
            rows = s.execute(select(t.delegations).where(
                d.status == PENDING, d.next_attempt_at <= now).order_by(
                d.next_attempt_at).limit(limit)).all()
            out = []
            for row in rows:
                view = self.repo.version(s, row.item_id, row.version)
                out.append((row.delegation_id, pb.ReceiveDelegationRequest(
                    delegation_id=row.delegation_id, source_node=self.service.node_region,
                    source_item_id=row.item_id, source_version=row.version,
                    target_region=row.target_region, content=content_to_pb(view.content),
                    reason=row.reason)))
        return out

    def _pending(self, w: Work, delegation_id: str) -> Row | None:
        d = t.delegations.c
        return w.s.execute(select(t.delegations).where(
            d.delegation_id == delegation_id, d.status == PENDING).with_for_update()).first()

    def delivered(self, delegation_id: str, node: str, draft_id: str) -> None:
        """The node below drafted it: recorded once, with history and event."""
        with self.service.work.begin() as w:
            row = self._pending(w, delegation_id)
            if row is None:
                return
            s, now = w.s, w.now
            s.execute(update(t.delegations).where(
                t.delegations.c.delegation_id == delegation_id).values(
                status=DELIVERED, target_node=node, delegated_item_id=draft_id,
                delivered_at=now, attempts=row.attempts + 1, error_code="",
                error_message=""))
            item = self.repo.item(s, row.item_id, lock=True)
            successor = f"{row.target_region}:{draft_id}"
            self.repo.touch(s, row.item_id, now, successor=successor)
            self.repo.add_history(s, row.item_id, "delegation_delivered", "", now,
                                  version=row.version, target=f"{node}:{draft_id}")
            view = self.repo.version(s, row.item_id, item.current_version)
            w.emit_item("item.adjusted", view, row.delegated_by, "delegation_delivered")
            w.changed(row.item_id)

    def refused(self, delegation_id: str, code: str, message: str) -> None:
        """Refused for good below (or by the registry): the item back in its former state."""
        with self.service.work.begin() as w:
            row = self._pending(w, delegation_id)
            if row is None:
                return
            s, now = w.s, w.now
            s.execute(update(t.delegations).where(
                t.delegations.c.delegation_id == delegation_id).values(
                status=REFUSED, attempts=row.attempts + 1, error_code=code[:64],
                error_message=message[:MAX_ERROR]))
            item = self.repo.item(s, row.item_id, lock=True)
            self.repo.touch(s, row.item_id, now, state=row.from_state, successor="")
            self.repo.add_history(s, row.item_id, "delegation_refused", "", now,
                                  version=row.version, reason=f"{code}: {message}"[:MAX_ERROR],
                                  target=row.target_region, from_state=item.state,
                                  to_state=row.from_state)
            view = self.repo.version(s, row.item_id, item.current_version)
            w.emit_item("item.adjusted", view, row.delegated_by, "delegation_refused",
                        code)
            w.changed(row.item_id)

    def failed(self, delegation_id: str, code: str, message: str) -> None:
        """Not answered (yet): tried again later, a little later each time."""
        with self.service.work.begin() as w:
            row = self._pending(w, delegation_id)
            if row is None:
                return
            wait = BACKOFF_S[min(row.attempts, len(BACKOFF_S) - 1)]
            w.s.execute(update(t.delegations).where(
                t.delegations.c.delegation_id == delegation_id).values(
                attempts=row.attempts + 1, error_code=code[:64],
                error_message=message[:MAX_ERROR],
                next_attempt_at=w.now + timedelta(seconds=wait)))

    # --- the node below ---------------------------------------------------------------
    def receive(self, principal: Principal, request: pb.ReceiveDelegationRequest,
                content: ItemContent) -> VersionView:
        """Draft here the item the node above delegated (version 1, flagged)."""
        svc = self.service
        target = validate_region(request.target_region, "target_region")
        source_region = content.region
        principal.require(auth.ITEM_RECEIVE_DELEGATION, target)
        if parent(target) != source_region or not principal.covers(source_region):
            raise InvalidArgument.of_field(
                "target_region", f"{target} is not one level below {source_region}, the "
                "region of the delegating node's item", code="NOT_A_LOWER_LEVEL")
        source = f"{request.source_node} item {request.source_item_id} version " \
                 f"{request.source_version}"

        def authorise(s: Any) -> None:
            svc.territory.require(target, "target_region")

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            drafted = replace(content, region=target)
            existing = self.repo.item_by_code(s, target, drafted.code)
            if existing:
                raise AlreadyExists(
                    f"region {target} already has an item with code {drafted.code} "
                    f"({existing.item_id})", code="ITEM_CODE_TAKEN",
                    metadata={"item_id": existing.item_id})
            new_id = str(uuid.uuid4())
            flags = [delegated_flag(request.source_node, request.source_item_id,
                                    request.source_version)]
            self.repo.add_item(s, new_id, drafted, now)
            self.repo.add_version(s, new_id, 1, drafted, principal.subject, now, flags)
            self.repo.add_history(s, new_id, "created", principal.subject, now, version=1,
                                  reason=f"delegated (下放) from node {source}",
                                  target=f"{request.source_node}:{request.source_item_id}")
            view = self.repo.version(s, new_id, 1)
            w.emit_item("item.drafted", view, principal.subject, "created",
                        f"delegated from node {source}")
            return view

        return svc._command(principal, request.delegation_id, "ReceiveDelegation",
                            [request.source_node, request.source_item_id,
                             request.source_version, target], authorise, body)
