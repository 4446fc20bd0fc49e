"""Catalogue use cases: declare an item, publish a version, read what is in force."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue import storage as t
from services.catalogue.contract import VersionView, version_to_pb
from services.catalogue.domain.items import ItemContent, VersionStatus, check_publishable
from services.shared import auth
from services.shared.auth import Principal
from services.shared.db import Database
from services.shared.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from services.shared.events import make_event
from services.shared.idempotency import IdempotencyStore, fingerprint
from services.shared.outbox import Outbox
from services.shared.regions import validate_region

MAX_PAGE = 200


class CatalogueService:
    def __init__(self, db: Database, node_region: str) -> None:
        self.db = db
        self.node_region = node_region
        self.outbox = Outbox(t.outbox, "catalogue")
        self.idempotency = IdempotencyStore(t.idempotency_keys)

    # --- commands -----------------------------------------------------------------------
    def create_item(self, principal: Principal, content: ItemContent, key: str) -> VersionView:
        """Declare a new item: version 1, a draft of the caller's department."""
        content.validate()
        principal.require(auth.ITEM_WRITE, content.region)
        self._own_department(principal, content.department)
        key = self.idempotency.check_key(key)
        print_ = fingerprint("CreateItem", json.dumps(content.to_dict(), sort_keys=True).encode())
        with self.db.transaction() as s:
            replay = self.idempotency.lookup(s, principal.subject, key, "CreateItem", print_)
            if replay is not None:
                ref = json.loads(replay)
                return self._version(s, ref["item_id"], ref["version"])
            exists = s.execute(select(t.items.c.item_id).where(
                t.items.c.region == content.region, t.items.c.code == content.code)).first()
            if exists:
                raise AlreadyExists(
                    f"region {content.region} already has an item with code {content.code} "
                    f"({exists.item_id}); change it with a new version instead",
                    code="ITEM_CODE_TAKEN", metadata={"item_id": exists.item_id})
            now = datetime.now(UTC)
            item_id = str(uuid.uuid4())
            s.execute(insert(t.items).values(
                item_id=item_id, code=content.code, region=content.region,
                department=content.department, current_version=0, latest_version=1,
                created_at=now))
            s.execute(insert(t.item_versions).values(
                item_id=item_id, version=1, status=VersionStatus.DRAFT.value,
                name=content.name, item_type=content.item_type, region=content.region,
                department=content.department,
                content=json.dumps(content.to_dict(), ensure_ascii=False),
                created_at=now, created_by=principal.subject))
            view = self._version(s, item_id, 1)
            self._emit(s, "item.drafted", view, principal.subject)
            self.idempotency.save(s, principal.subject, key, "CreateItem", print_,
                                  json.dumps({"item_id": item_id, "version": 1}).encode())
            return view

    def publish_item(self, principal: Principal, item_id: str, version: int, key: str
                     ) -> VersionView:
        """Publish a version: it comes into force and the one before it is superseded."""
        key = self.idempotency.check_key(key)
        print_ = fingerprint("PublishItem", f"{item_id}:{version}".encode())
        with self.db.transaction() as s:
            replay = self.idempotency.lookup(s, principal.subject, key, "PublishItem", print_)
            if replay is not None:
                return self._version(s, item_id, version)
            view = self._version(s, item_id, version, lock=True)
            principal.require(auth.ITEM_PUBLISH, view.content.region)
            check_publishable(view.status, item_id, version)
            if view.status is not VersionStatus.PUBLISHED:
                now = datetime.now(UTC)
                v = t.item_versions.c
                s.execute(update(t.item_versions).where(
                    v.item_id == item_id, v.status == VersionStatus.PUBLISHED.value
                ).values(status=VersionStatus.SUPERSEDED.value))
                s.execute(update(t.item_versions).where(
                    v.item_id == item_id, v.version == version).values(
                    status=VersionStatus.PUBLISHED.value, published_at=now,
                    published_by=principal.subject))
                s.execute(update(t.items).where(t.items.c.item_id == item_id).values(
                    current_version=version))
                view = self._version(s, item_id, version)
                self._emit(s, "item.published", view, principal.subject)
            self.idempotency.save(s, principal.subject, key, "PublishItem", print_, b"{}")
            return view

    # --- queries ------------------------------------------------------------------------
    def get_version(self, principal: Principal, item_id: str, version: int) -> VersionView:
        """A version by number, or (version 0) the one in force. Drafts only for staff."""
        with self.db.transaction() as s:
            if version == 0:
                row = s.execute(select(t.items.c.current_version).where(
                    t.items.c.item_id == item_id)).first()
                if row is None or row.current_version == 0:
                    raise NotFound(f"item {item_id} has no published version: it may not be "
                                   "exercised (清单之外无职权)", code="ITEM_NOT_PUBLISHED",
                                   metadata={"item_id": item_id})
                version = row.current_version
            view = self._version(s, item_id, version)
        if view.status not in (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED) and not (
                principal.can(auth.ITEM_READ_INTERNAL, view.content.region)):
            raise NotFound(f"item {item_id} version {version} is not published",
                           code="ITEM_NOT_PUBLISHED", metadata={"item_id": item_id})
        return view

    def list_published(self, region: str, page_size: int, page_token: str
                       ) -> tuple[list[VersionView], str]:
        if region:
            validate_region(region)
        size = page_size or 50
        if not 1 <= size <= MAX_PAGE:
            raise InvalidArgument.of_field("page_size", f"between 1 and {MAX_PAGE}")
        offset = _decode_token(page_token)
        v = t.item_versions.c
        query = select(t.item_versions).where(v.status == VersionStatus.PUBLISHED.value)
        if region:
            query = query.where(_region_filter(v.region, region))
        query = query.order_by(v.region, v.name, v.item_id).offset(offset).limit(size + 1)
        with self.db.transaction() as s:
            rows = s.execute(query).all()
        views = [_view(r) for r in rows[:size]]
        token = _encode_token(offset + size) if len(rows) > size else ""
        return views, token

    def count_published(self) -> int:
        with self.db.transaction() as s:
            return s.execute(select(func.count()).select_from(t.item_versions).where(
                t.item_versions.c.status == VersionStatus.PUBLISHED.value)).scalar_one()

    # --- helpers ------------------------------------------------------------------------
    def _version(self, s: Session, item_id: str, version: int, *, lock: bool = False
                 ) -> VersionView:
        v = t.item_versions.c
        query = select(t.item_versions).where(v.item_id == item_id, v.version == version)
        if lock:
            query = query.with_for_update()
        row = s.execute(query).first()
        if row is None:
            raise NotFound(f"item {item_id} has no version {version}",
                           code="ITEM_VERSION_NOT_FOUND",
                           metadata={"item_id": item_id, "version": str(version)})
        return _view(row)

    def _emit(self, s: Session, event_type: str, view: VersionView, actor: str) -> None:
        data = pb.ItemEvent(item=version_to_pb(view), actor=actor)
        self.outbox.add(s, make_event(event_type, data, node=self.node_region,
                                      region=view.content.region))

    @staticmethod
    def _own_department(principal: Principal, department: str) -> None:
        if principal.department and principal.department != department and (
                "admin" not in principal.roles):
            raise PermissionDenied(
                f"{principal.subject} works for {principal.department} and may not declare "
                f"items of {department}", code="OTHER_DEPARTMENT")


def _view(row) -> VersionView:  # type: ignore[no-untyped-def]
    return VersionView(
        item_id=row.item_id, version=row.version, status=VersionStatus(row.status),
        content=ItemContent.from_dict(json.loads(row.content)), created_at=row.created_at,
        created_by=row.created_by, published_at=row.published_at,
        published_by=row.published_by)


def _region_filter(column, region: str):  # type: ignore[no-untyped-def]
    if region.endswith("0000"):
        return column.like(region[:2] + "%")
    if region.endswith("00"):
        return column.like(region[:4] + "%")
    return column == region


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _decode_token(token: str) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != "o" or int(value) < 0:
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument.of_field("page_token", "not a token this service issued"
                                       ) from None

