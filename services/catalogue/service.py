"""Catalogue use cases: declare, review, publish, adjust, and read the power catalogue.

Every use case is one unit of work (``unit_of_work.py``): one transaction that writes the state
change, its public history entry and its event (outbox) together, keyed by the caller's
idempotency key; the search index hears of the changed items after the commit.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, func, or_, select, update
from sqlalchemy.orm import Session
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue import storage as t
from services.catalogue.contract import CHANGE_KIND_TO_PB, VersionView
from services.catalogue.delegation import Delegations
from services.catalogue.domain import lifecycle
from services.catalogue.domain.items import ItemContent
from services.catalogue.domain.lifecycle import (
    Action,
    Decision,
    ItemState,
    OfflineReview,
    ReviewKind,
    VersionStatus,
)
from services.catalogue.domain.obligations import (
    ChangeKind,
    ChangeRecord,
    ObligationStatus,
    filing_due,
)
from services.catalogue.repository import (
    CatalogueRepository,
    no_such_item,
    no_such_version,
    not_published,
    view_of,
)
from services.catalogue.unit_of_work import CatalogueUnitOfWork, ChangeListener, Work
from services.shared import auth
from services.shared.auth import Principal
from services.shared.db import Database
from services.shared.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from services.shared.idempotency import fingerprint
from services.shared.regions import parent, scope_prefix, validate_region
from services.shared.territory import Territory
from services.shared.working_days import WorkingCalendar, local_day

MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000
MAX_TARGET = 200
REVIEW_PERMISSION = {ReviewKind.LEGAL: auth.ITEM_REVIEW_LEGAL,
                     ReviewKind.STAFFING: auth.ITEM_REVIEW_STAFFING}
CHANGE_PERMISSION = {ChangeKind.LEGAL_BASIS: auth.ITEM_LEGAL_CHANGE,
                     ChangeKind.FUNCTIONS: auth.ITEM_FUNCTIONS_CHANGE}


Authorise = Callable[[Session], None]


class CatalogueService:
    def __init__(self, db: Database, node_region: str,
                 calendar: WorkingCalendar | None = None,
                 listeners: list[ChangeListener] | None = None,
                 territory: Territory | None = None) -> None:
        self.db = db
        self.node_region = node_region
        self.territory = territory or Territory(node_region)
        self.calendar = calendar or WorkingCalendar.official()
        #: every write of the catalogue goes through it (the importer's too)
        self.work = CatalogueUnitOfWork(db, node_region, listeners or [])
        self.repo = CatalogueRepository()
        #: delegation down a level (下放) to whichever node holds the region below
        self.delegations = Delegations(self)

    # --- plumbing -----------------------------------------------------------------------
    def _command(self, principal: Principal, key: str, operation: str, request: object,
                 authorise: Authorise, body: Callable[[Work], VersionView],
                 refs: dict[str, Any] | None = None) -> VersionView:
        """Run ``body`` once per idempotency key, in one unit of work; the item it returns
        has changed.

        ``authorise`` runs first, in the same transaction, also for a replay: a caller who
        may not act (any more) never gets a stored answer back. ``refs``: ids the body
        creates besides the item (it fills them in); they are kept with the key, and a
        replay fills them in again from what was kept."""
        refs = {} if refs is None else refs
        print_ = fingerprint(operation, json.dumps(request, sort_keys=True,
                                                   ensure_ascii=False, default=str).encode())

        def act(w: Work) -> tuple[VersionView, bytes]:
            view = body(w)
            w.changed(view.item_id)
            return view, json.dumps({"item_id": view.item_id, "version": view.version,
                                     "refs": refs}).encode()

        def replay(w: Work, stored: bytes) -> VersionView:
            ref = json.loads(stored)
            refs.update(ref.get("refs", {}))
            return self.repo.version(w.s, ref["item_id"], ref["version"])

        return self.work.once(principal.subject, key, operation, print_, act, replay,
                              check=lambda w: authorise(w.s))

    def _on_item(self, principal: Principal, item_id: str, permission: str, *,
                 department: bool = False) -> Authorise:
        """The check of a command on an existing item: ``permission`` for the item's region
        (and, with ``department``, for its department)."""

        def authorise(s: Session) -> None:
            item = self.repo.item(s, item_id)
            principal.require(permission, item.region,
                              item.department_code if department else None)

        return authorise

    # --- declaring ----------------------------------------------------------------------
    def create_item(self, principal: Principal, content: ItemContent, key: str) -> VersionView:
        """Declare a new item: version 1, a draft of the caller's department (申报)."""
        principal.require(auth.ITEM_WRITE)
        warnings = content.validate_draft()

        def authorise(s: Session) -> None:
            self.territory.require(content.region, "draft.region")
            principal.require(auth.ITEM_WRITE, content.region, content.department_code)

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            existing = self.repo.item_by_code(s, content.region, content.code)
            if existing:
                raise AlreadyExists(
                    f"region {content.region} already has an item with code {content.code} "
                    f"({existing.item_id}); change it with a new version instead",
                    code="ITEM_CODE_TAKEN", metadata={"item_id": existing.item_id})
            item_id = str(uuid.uuid4())
            self.repo.add_item(s, item_id, content, now)
            self.repo.add_version(s, item_id, 1, content, principal.subject, now, warnings)
            self.repo.add_history(s, item_id, "created", principal.subject, now, version=1)
            view = self.repo.version(s, item_id, 1)
            w.emit_item("item.drafted", view, principal.subject, "created")
            return view

        return self._command(principal, key, "CreateItem", content.to_dict(), authorise, body)

    def update_draft(self, principal: Principal, item_id: str, version: int,
                     content: ItemContent, key: str) -> VersionView:
        """Change a draft (or a returned version) before it is submitted."""
        warnings = content.validate_draft()

        def authorise(s: Session) -> None:
            item = self.repo.item(s, item_id)
            principal.require(auth.ITEM_WRITE, item.region, item.department_code)
            # a draft is not handed to another department by editing it
            principal.require(auth.ITEM_WRITE, item.region, content.department_code)

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            item = self.repo.item(s, item_id, lock=True)
            current = self.repo.version(s, item_id, version)
            lifecycle.require_editable(current.status, item_id, version)
            if (content.region, content.code) != (item.region, item.code):
                raise InvalidArgument(
                    "the region and the implementation code identify the item and cannot "
                    "change; declare a new item instead", code="ITEM_IDENTITY_FIXED",
                    violations=[])
            self.repo.set_content(s, item_id, version, content, warnings)
            self.repo.touch(s, item_id, now, department=content.department,
                            department_code=content.department_code)
            self.repo.add_history(s, item_id, "updated", principal.subject, now,
                                  version=version)
            view = self.repo.version(s, item_id, version)
            w.emit_item("item.updated", view, principal.subject, "updated")
            return view

        return self._command(principal, key, "UpdateDraft",
                             [item_id, version, content.to_dict()], authorise, body)

    def draft_next_version(self, principal: Principal, item_id: str, key: str) -> VersionView:
        """Start the next version from the one in force (调整): a draft, reviewed again."""

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            item = self.repo.item(s, item_id, lock=True)
            if item.current_version == 0:
                raise FailedPrecondition(
                    f"item {item_id} has no published version yet: edit its draft",
                    code="NOTHING_PUBLISHED")
            if item.latest_version != item.current_version:
                raise FailedPrecondition(
                    f"item {item_id} already has version {item.latest_version} in progress",
                    code="VERSION_IN_PROGRESS",
                    metadata={"version": str(item.latest_version)})
            base = self.repo.version(s, item_id, item.current_version)
            number = item.latest_version + 1
            self.repo.add_version(s, item_id, number, base.content, principal.subject, now)
            self.repo.touch(s, item_id, now, latest_version=number)
            self.repo.add_history(s, item_id, "version_drafted", principal.subject, now,
                                  version=number)
            view = self.repo.version(s, item_id, number)
            w.emit_item("item.drafted", view, principal.subject, "version_drafted")
            return view

        return self._command(principal, key, "DraftNextVersion", [item_id],
                             self._on_item(principal, item_id, auth.ITEM_WRITE,
                                           department=True), body)

    # --- review and publication ---------------------------------------------------------
    def submit(self, principal: Principal, item_id: str, version: int, key: str
               ) -> VersionView:
        """Submit a complete version for legal and staffing review (报审)."""

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            self.repo.item(s, item_id, lock=True)
            current = self.repo.version(s, item_id, version)
            warnings = current.content.validate_complete()
            status = lifecycle.submit(current.status, item_id, version)
            self.repo.set_content(s, item_id, version, current.content,
                                  _merge(current.flags, warnings))
            self.repo.set_status(s, item_id, version, status,
                                 review_round=current.review_round + 1)
            self.repo.touch(s, item_id, now)
            self.repo.add_history(s, item_id, "submitted", principal.subject, now,
                                  version=version)
            self._fulfil_obligations(w, item_id, version)
            view = self.repo.version(s, item_id, version)
            w.emit_item("item.submitted", view, principal.subject, "submitted")
            return view

        return self._command(principal, key, "SubmitItem", [item_id, version],
                             self._on_item(principal, item_id, auth.ITEM_WRITE,
                                           department=True), body)

    def review(self, principal: Principal, item_id: str, version: int, kind: ReviewKind,
               decision: Decision, reason: str, key: str) -> VersionView:
        """Legal (法制部门) or staffing (机构编制管理机关) review, each by its own person,
        neither of them who drafted the version; both approvals publish it."""

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            item = self.repo.item(s, item_id, lock=True)
            current = self.repo.version(s, item_id, version)
            status = lifecycle.review(
                current.status, self.repo.review_records(s, item_id, version), kind,
                decision, reason, current.review_round, item_id, version,
                reviewer=principal.subject, drafters=self.repo.drafters(s, item_id, version))
            self.repo.add_review(s, item_id, version, current.review_round, kind, decision,
                                 principal.subject, reason, now)
            action = f"reviewed_{kind.value}" if decision is Decision.APPROVE else "returned"
            self.repo.add_history(s, item_id, action, principal.subject, now, version=version,
                                  reason=reason)
            if status is VersionStatus.PUBLISHED:
                return self._publish(w, item, version, principal.subject, now)
            self.repo.set_status(s, item_id, version, status)
            self.repo.touch(s, item_id, now)
            view = self.repo.version(s, item_id, version)
            event = "item.returned" if status is VersionStatus.RETURNED else "item.reviewed"
            w.emit_item(event, view, principal.subject, action, reason)
            return view

        return self._command(principal, key, "ReviewItem",
                             [item_id, version, kind.value, decision.value, reason],
                             self._on_item(principal, item_id, REVIEW_PERMISSION[kind]), body)

    def publish(self, principal: Principal, item_id: str, version: int,
                reviewers: OfflineReview, key: str) -> VersionView:
        """Publish a version reviewed outside the platform: both reviewers and the approving
        document named, by a caller entitled to both reviews (or an administrator)."""
        reviewers.validate()

        def authorise(s: Session) -> None:
            self.require_publisher(principal, self.repo.item(s, item_id).region)

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            item = self.repo.item(s, item_id, lock=True)
            current = self.repo.version(s, item_id, version)
            if current.status is VersionStatus.PUBLISHED:
                return current
            if current.status not in (VersionStatus.DRAFT, VersionStatus.SUBMITTED,
                                      VersionStatus.RETURNED):
                raise FailedPrecondition(
                    f"item {item_id} version {version} is {current.status.value} and cannot "
                    "be published", code="VERSION_NOT_PUBLISHABLE",
                    metadata={"status": current.status.value})
            reviewers.check_against(self.repo.drafters(s, item_id, version))
            current.content.validate_complete()
            round_ = current.review_round + 1
            self.repo.set_status(s, item_id, version, VersionStatus.SUBMITTED,
                                 review_round=round_)
            for kind, reviewer in reviewers.by_kind():
                self.repo.add_review(s, item_id, version, round_, kind, Decision.APPROVE,
                                     reviewer, "", now, document=reviewers.document)
                self.repo.add_history(s, item_id, f"reviewed_{kind.value}", reviewer, now,
                                      version=version, target=reviewers.document)
            return self._publish(w, item, version, principal.subject, now,
                                 document=reviewers.document)

        return self._command(principal, key, "PublishItem",
                             [item_id, version, *reviewers.fingerprint()], authorise, body)

    def require_publisher(self, principal: Principal, region: str) -> None:
        """Recording a publication reviewed outside the platform: an administrator, or a
        caller holding both reviewer roles for the region."""
        if principal.can(auth.ITEM_PUBLISH, region):
            return
        for permission in (auth.ITEM_REVIEW_LEGAL, auth.ITEM_REVIEW_STAFFING):
            principal.require(permission, region)

    def _publish(self, w: Work, item: Row, version: int, actor: str, now: datetime,
                 document: str = "") -> VersionView:
        s = w.s
        v = t.item_versions.c
        s.execute(update(t.item_versions).where(
            v.item_id == item.item_id, v.status == VersionStatus.PUBLISHED.value
        ).values(status=VersionStatus.SUPERSEDED.value))
        self.repo.set_status(s, item.item_id, version, VersionStatus.PUBLISHED,
                             published_at=now, published_by=actor)
        self.repo.touch(s, item.item_id, now, current_version=version)
        self.repo.add_history(s, item.item_id, "published", actor, now, version=version,
                              target=document)
        view = self.repo.version(s, item.item_id, version)
        w.emit_item("item.published", view, actor, "published")
        return view

    # --- reduction actions (关停并转放) --------------------------------------------------
    def adjust(self, principal: Principal, item_id: str, action: Action, reason: str,
               target: str, key: str) -> tuple[VersionView, str]:

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            item = self.repo.item(s, item_id, lock=True)
            state = ItemState(item.state)
            new_state = lifecycle.adjust(state, action, reason, target, item_id)
            if item.current_version == 0 and action is not Action.CANCEL:
                raise FailedPrecondition(f"item {item_id} is not published yet",
                                         code="NOTHING_PUBLISHED")
            recorded_target = target.strip()
            if len(recorded_target) > MAX_TARGET:
                raise InvalidArgument.of_field("target", f"at most {MAX_TARGET} characters")
            if action is Action.DELEGATE:
                new_id = self._delegate(w, item, recorded_target, principal)
                recorded_target = f"{recorded_target}:{new_id}"
            elif action is Action.MERGE:
                self._check_merge_target(s, item, recorded_target)
            self.repo.touch(s, item_id, now, state=new_state.value,
                            successor=recorded_target if action in (
                                Action.DELEGATE, Action.TRANSFER, Action.MERGE) else
                            item.successor)
            self.repo.add_history(s, item_id, action.value, principal.subject, now,
                                  version=item.current_version, reason=reason,
                                  target=recorded_target, from_state=state.value,
                                  to_state=new_state.value)
            view = self.repo.version(s, item_id, item.current_version or item.latest_version)
            w.emit_item("item.adjusted", view, principal.subject, action.value, reason)
            return view

        view = self._command(principal, key, "AdjustItem",
                             [item_id, action.value, reason, target],
                             self._on_item(principal, item_id, auth.ITEM_ADJUST), body)
        successor = ""
        if action is Action.DELEGATE and ":" in view.successor:
            successor = view.successor.split(":", 1)[1]
        return view, successor

    def _delegate(self, w: Work, item: Row, target: str, principal: Principal) -> str:
        """The draft created at the region below by a delegation (下放)."""
        s, now = w.s, w.now
        validate_region(target, "target")
        if parent(target) != item.region:
            raise InvalidArgument.of_field(
                "target", f"{target} is not a government one level below {item.region}",
                code="NOT_A_LOWER_LEVEL")
        # the government below must exist and be held here (else its own node takes it over)
        self.territory.require(target, "target")
        base = self.repo.version(s, item.item_id, item.current_version)
        content = replace(base.content, region=target)
        if self.repo.item_by_code(s, target, content.code):
            raise AlreadyExists(f"region {target} already has an item with code "
                                f"{content.code}", code="ITEM_CODE_TAKEN")
        new_id = str(uuid.uuid4())
        flags = [f"delegated (下放) from {item.region} item {item.item_id}: the receiving "
                 "government re-issues its implementation code and reviews it"]
        self.repo.add_item(s, new_id, content, now)
        self.repo.add_version(s, new_id, 1, content, principal.subject, now, flags)
        self.repo.add_history(s, new_id, "created", principal.subject, now, version=1,
                              reason=f"delegated from {item.item_id}", target=item.item_id)
        w.emit_item("item.drafted", self.repo.version(s, new_id, 1), principal.subject,
                    "created", f"delegated from {item.item_id}")
        w.changed(new_id)
        return new_id

    def _check_merge_target(self, s: Session, item: Row, target: str) -> None:
        if target == item.item_id:
            raise InvalidArgument.of_field("target", "an item cannot be merged into itself")
        other = self.repo.item(s, target)
        if other.region != item.region or other.state != ItemState.ACTIVE.value or (
                other.current_version == 0):
            raise FailedPrecondition(
                f"item {target} must be a published, active item of region {item.region}",
                code="MERGE_TARGET_INVALID")

    # --- change obligations (动态调整) ---------------------------------------------------
    def record_change(self, principal: Principal, change: ChangeRecord, key: str,
                      today: date | None = None) -> list[pb.ChangeObligation]:
        """The legal basis or a department's functions changed (on ``change.effective_on``):
        each affected item's department must file a new version within 10 working days of
        that day. One item, or — for a functions change — every published, active item of a
        department."""
        day = today or local_day()
        change.validate(day)
        permission = CHANGE_PERMISSION[change.kind]
        principal.require(permission)
        refs: dict[str, Any] = {}

        def affected(s: Session) -> list[Row]:
            if change.item_id:
                return [self.repo.item(s, change.item_id)]
            region = self.territory.require(change.region)
            rows = self.repo.items_of_department(s, region, change.department_code)
            if not rows:
                raise NotFound(f"region {region} has no published, active item of the "
                               f"department {change.department_code}",
                               code="NO_ITEMS_OF_DEPARTMENT",
                               metadata={"region": region,
                                         "department_code": change.department_code})
            return rows

        def authorise(s: Session) -> None:
            for region in sorted({item.region for item in affected(s)}):
                principal.require(permission, region)

        def body(w: Work) -> VersionView:
            s, now = w.s, w.now
            due = filing_due(change.effective_on, self.calendar)
            ids = []
            items = affected(s)
            for item in items:
                self.repo.item(s, item.item_id, lock=True)
                obligation_id = str(uuid.uuid4())
                s.execute(t.obligations.insert().values(
                    obligation_id=obligation_id, item_id=item.item_id, region=item.region,
                    department=item.department, department_code=item.department_code,
                    description=change.description,
                    law=change.basis, recorded_by=principal.subject,
                    recorded_on=day.isoformat(), due_date=due.iso(),
                    due_provisional=due.provisional, status=ObligationStatus.OPEN.value,
                    kind=change.kind.value, effective_on=change.effective_on.isoformat(),
                    created_at=now))
                self.repo.add_history(s, item.item_id, change.kind.history_action,
                                      principal.subject, now, version=item.current_version,
                                      reason=change.description, target=change.basis)
                self.repo.touch(s, item.item_id, now)
                self._emit_obligation(w, "item.change_required", obligation_id)
                ids.append(obligation_id)
            refs["obligation_ids"] = ids
            first = items[0]
            return self.repo.version(s, first.item_id,
                                     first.current_version or first.latest_version)

        self._command(principal, key, "RecordChange", change.fingerprint(), authorise, body,
                      refs)
        o = t.obligations.c
        with self.db.read() as s:
            rows = {r.obligation_id: r for r in s.execute(select(t.obligations).where(
                o.obligation_id.in_(refs["obligation_ids"]))).all()}
        return [obligation_pb(rows[i]) for i in refs["obligation_ids"]]

    @staticmethod
    def _emit_obligation(w: Work, event_type: str, obligation_id: str) -> None:
        row = w.s.execute(select(t.obligations).where(
            t.obligations.c.obligation_id == obligation_id)).one()
        w.emit(event_type, pb.ObligationEvent(obligation=obligation_pb(row)), row.region)

    def _fulfil_obligations(self, w: Work, item_id: str, version: int) -> None:
        """A new version submitted fulfils the item's open (or overdue) obligations, each
        with an event (``item.change_fulfilled``: supervision closes its warnings by it)."""
        o = t.obligations.c
        open_ids = w.s.execute(select(o.obligation_id).where(
            o.item_id == item_id, o.status.in_([ObligationStatus.OPEN.value,
                                                ObligationStatus.OVERDUE.value]))
        ).scalars().all()
        if open_ids:
            w.s.execute(update(t.obligations).where(o.obligation_id.in_(open_ids)).values(
                status=ObligationStatus.FULFILLED.value, fulfilled_version=version))
            for obligation_id in open_ids:
                self._emit_obligation(w, "item.change_fulfilled", obligation_id)

    def sweep_overdue(self, today: date | None = None) -> int:
        """Mark open obligations past their due date overdue, each once, with an event."""
        day = (today or local_day()).isoformat()
        o = t.obligations.c
        with self.work.begin() as w:
            ids = w.s.execute(select(o.obligation_id).where(
                o.status == ObligationStatus.OPEN.value, o.due_date < day
            ).with_for_update(skip_locked=True)).scalars().all()
            if not ids:
                return 0
            w.s.execute(update(t.obligations).where(o.obligation_id.in_(ids)).values(
                status=ObligationStatus.OVERDUE.value, overdue_at=w.now))
            for obligation_id in ids:
                self._emit_obligation(w, "item.change_overdue", obligation_id)
            return len(ids)

    def list_obligations(self, principal: Principal, region: str, status: str,
                         page_size: int, page_token: str
                         ) -> tuple[list[pb.ChangeObligation], str]:
        """Obligations of a region and the regions below: for reviewers, supervisors and
        administrators; department staff see their own department's."""
        self.territory.require(region)
        principal.require(auth.ITEM_READ_INTERNAL, region)
        size = _page_size(page_size)
        offset = decode_token(page_token)
        o = t.obligations.c
        query = select(t.obligations).where(_region_filter(o.region, region))
        department = principal.bound_department(auth.ITEM_READ_INTERNAL)
        if department is not None:
            query = query.where(o.department_code == department)
        if status:
            query = query.where(o.status == status)
        query = query.order_by(o.due_date, o.obligation_id).offset(offset).limit(size + 1)
        with self.db.read() as s:
            rows = s.execute(query).all()
        token = encode_token(offset + size) if len(rows) > size else ""
        return [obligation_pb(r) for r in rows[:size]], token

    def count_states(self, region: str) -> dict[str, int]:
        """Items of a region and the regions below by state (清理结果, public): an active
        item counts once a version of it is in force; drafts never published are left
        out."""
        self.territory.require(region)
        i = t.items.c
        query = (select(i.state, func.count()).where(
            _region_filter(i.region, region),
            or_(i.state != "active", i.current_version > 0)).group_by(i.state))
        with self.db.read() as s:
            return {state: int(n) for state, n in s.execute(query).all()}

    # --- queries ------------------------------------------------------------------------
    def get_version(self, principal: Principal, item_id: str, version: int) -> VersionView:
        """A version by number, or (version 0) the one in force. Drafts only for staff; a
        classified (涉密) item only for those who may read its internal fields (its
        department, the region's reviewers and supervisors, administrators, the node's
        services — so that cases open on it): anyone else is told what an unknown item
        would tell them."""
        asked = version
        with self.db.read() as s:
            view = self.repo.version_or_in_force(s, item_id, version)
            version = view.version
            if may_read_internal(principal, view):
                return view
            if view.content.classified or self.repo.classified(s, item_id):
                raise not_published(item_id) if asked == 0 else no_such_version(item_id,
                                                                                asked)
        if view.status not in (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED):
            raise NotFound(f"item {item_id} version {version} is not published",
                           code="ITEM_NOT_PUBLISHED", metadata={"item_id": item_id})
        return view

    def history(self, principal: Principal, item_id: str) -> list[pb.HistoryEntry]:
        """The public history of an item (anyone, once it has been published; nobody but
        those who may read its internal fields when it is classified): what, when, why and
        which office acted; the person who acted only for those who may read the item's
        internal fields (as for the version's created_by and reviewers)."""
        with self.db.read() as s:
            item = self.repo.item(s, item_id)
            rows = self.repo.history(s, item_id)
            internal = principal.can(auth.ITEM_READ_INTERNAL, item.region,
                                     item.department_code)
            if not internal and self.repo.classified(s, item_id):
                raise no_such_item(item_id)
        ever_published = any(r.action == "published" for r in rows)
        if not ever_published and not internal:
            raise NotFound(f"item {item_id} has not been published", code="ITEM_NOT_PUBLISHED")
        entries = []
        for r in rows:
            entry = pb.HistoryEntry(item_id=r.item_id, version=r.version, action=r.action,
                                    from_state=r.from_state, to_state=r.to_state,
                                    actor=r.actor if internal else "", reason=r.reason,
                                    target=r.target,
                                    office=acting_office(r.action, item.department))
            entry.at.FromDatetime(r.at)
            entries.append(entry)
        return entries

    def list_published(self, region: str, page_size: int, page_token: str
                       ) -> tuple[list[VersionView], str]:
        """The published catalogue, page by page: a public listing, so never a classified
        (涉密) version, whoever asks."""
        self.territory.require_optional(region)
        size = _page_size(page_size)
        offset = decode_token(page_token)
        v = t.item_versions.c
        query = _published_query()
        if region:
            query = query.where(_region_filter(v.region, region))
        query = query.order_by(v.region, v.name, v.item_id).offset(offset).limit(size + 1)
        with self.db.read() as s:
            rows = s.execute(query).all()
        views = [view_of(r) for r in rows[:size]]
        token = encode_token(offset + size) if len(rows) > size else ""
        return views, token

    def export(self, region: str, batch: int = 500) -> Iterator[VersionView]:
        """Every published version of a region (and below), in a stable order; classified
        (涉密) versions are never exported."""
        self.territory.require(region)
        v = t.item_versions.c
        last: tuple[str, str] = ("", "")
        while True:
            query = _published_query().where(_region_filter(v.region, region)).where(
                (v.region > last[0]) | ((v.region == last[0]) & (v.item_id > last[1]))
            ).order_by(v.region, v.item_id).limit(batch)
            with self.db.read() as s:
                rows = s.execute(query).all()
            if not rows:
                return
            for row in rows:
                yield view_of(row)
            last = (rows[-1].region, rows[-1].item_id)


def _published_query():  # type: ignore[no-untyped-def]
    """The published versions the public may see: classified ones left out."""
    v = t.item_versions.c
    return select(t.item_versions, t.items.c.state, t.items.c.current_version,
                  t.items.c.successor).join(t.items, t.items.c.item_id == v.item_id).where(
        v.status == VersionStatus.PUBLISHED.value, v.classified.is_(False))


def obligation_pb(row) -> pb.ChangeObligation:  # type: ignore[no-untyped-def]
    return pb.ChangeObligation(
        obligation_id=row.obligation_id, item_id=row.item_id, region=row.region,
        department=row.department, department_code=row.department_code,
        description=row.description, law=row.law,
        recorded_by=row.recorded_by, recorded_on=row.recorded_on, due_date=row.due_date,
        due_date_provisional=row.due_provisional,
        status=pb.ObligationStatus.Value(f"OBLIGATION_STATUS_{row.status.upper()}"),
        fulfilled_version=row.fulfilled_version or 0,
        kind=CHANGE_KIND_TO_PB[ChangeKind(row.kind)], effective_on=row.effective_on)


def may_read_internal(principal: Principal, view: VersionView) -> bool:
    """The rule of every read: internal fields and unpublished versions for the item's own
    department's staff, the region's reviewers and supervisors, administrators, services —
    and the internal fields of a published version for the staff of a department that
    handles one of its steps or parallel branches (并联审批): they state the risk points'
    countermeasures of the stage they handle."""
    content = view.content
    if principal.can(auth.ITEM_READ_INTERNAL, content.region, content.department_code):
        return True
    if view.status not in (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED):
        return False
    handling = {code for step in content.steps for code in (
        step.department_code, *(b.department_code for b in step.parallel_branches)) if code}
    return any(principal.can(auth.ITEM_READ_INTERNAL, content.region, code)
               for code in handling - {content.department_code})


#: Which office acted, as the public history shows it (never the person).
OFFICE_OF_ACTION = {
    "reviewed_legal": "法制部门", "legal_basis_changed": "法制部门",
    "reviewed_staffing": "机构编制管理机关", "functions_changed": "机构编制管理机关",
    **{action.value: "机构编制管理机关" for action in Action},
    # published when both offices approved; imported by the platform's operators
    "published": "法制部门、机构编制管理机关", "imported": "平台运维",
}


def acting_office(action: str, department: str) -> str:
    """The office behind a history entry: a review or a reduction by its office, the
    declaring, editing and submitting by the item's department."""
    return OFFICE_OF_ACTION.get(action, department)


def _merge(flags: tuple[str, ...], more: list[str]) -> list[str]:
    return list(dict.fromkeys([*flags, *more]))


def _page_size(page_size: int) -> int:
    size = page_size or 50
    if not 1 <= size <= MAX_PAGE:
        raise InvalidArgument.of_field("page_size", f"between 1 and {MAX_PAGE}")
    return size


def _region_filter(column, region: str):  # type: ignore[no-untyped-def]
    """The region and every region under it (same rule as ``regions.covers``)."""
    prefix = scope_prefix(region)
    return column == region if prefix == region else column.like(prefix + "%")


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_token(token: str) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != "o" or not 0 <= int(value) <= MAX_OFFSET:
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument.of_field("page_token", "not a token this service issued"
                                       ) from None
