"""Reading and writing catalogue records (adapter between the domain and the tables)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Integer, Row, bindparam, case, insert, select, update
from sqlalchemy.orm import Session

from services.catalogue import storage as t
from services.catalogue.contract import ReviewView, VersionView
from services.catalogue.domain.items import ItemContent
from services.catalogue.domain.lifecycle import (
    Decision,
    ItemState,
    ReviewKind,
    ReviewRecord,
    VersionStatus,
)
from services.shared.errors import NotFound

#: History actions by which a person shapes a version's content: its drafters.
DRAFTING_ACTIONS = ("created", "updated", "submitted", "version_drafted", "imported")


_i, _v = t.items.c, t.item_versions.c
_asked = bindparam("p_version", type_=Integer)
#: what may change of a version once published: its status (superseded), and its item's
#: state, version in force and successor; version 0 asks for the version in force
_MUTABLE = select(_v.version, _v.status, _i.state, _i.current_version, _i.successor).join(
    t.items, _i.item_id == _v.item_id).where(
    _v.item_id == bindparam("p_item"),
    _v.version == case((_asked == 0, _i.current_version), else_=_asked))
_IMMUTABLE = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)


class PublishedVersions:
    """Published (and superseded) versions as first read: their content, reviews, flags and
    who published them never change, so they are decoded once. What may change — the
    version's status, the item's state, version in force and successor — is read each time."""

    LIMIT = 10_000  # bound a long-lived process's memory

    def __init__(self) -> None:
        self._views: dict[tuple[str, int], VersionView] = {}
        self._lock = threading.Lock()

    def get(self, item_id: str, version: int) -> VersionView | None:
        return self._views.get((item_id, version))

    def keep(self, view: VersionView) -> None:
        if view.status not in _IMMUTABLE:
            return
        with self._lock:
            if len(self._views) >= self.LIMIT:
                self._views.clear()
            self._views[(view.item_id, view.version)] = view


class CatalogueRepository:
    def __init__(self) -> None:
        self.published = PublishedVersions()

    def item(self, s: Session, item_id: str, *, lock: bool = False) -> Row:
        query = select(t.items).where(t.items.c.item_id == item_id)
        if lock:
            query = query.with_for_update()
        row = s.execute(query).first()
        if row is None:
            raise no_such_item(item_id)
        return row

    def item_by_code(self, s: Session, region: str, code: str) -> Row | None:
        return s.execute(select(t.items).where(t.items.c.region == region,
                                               t.items.c.code == code)).first()

    def version(self, s: Session, item_id: str, version: int, *, lock: bool = False
                ) -> VersionView:
        v = t.item_versions.c
        query = select(t.item_versions, t.items.c.state, t.items.c.current_version,
                       t.items.c.successor).join(
            t.items, t.items.c.item_id == v.item_id).where(
            v.item_id == item_id, v.version == version)
        if lock:
            query = query.with_for_update()
        row = s.execute(query).first()
        if row is None:
            raise no_such_version(item_id, version)
        return view_of(row, self.reviews(s, item_id, version))

    def version_or_in_force(self, s: Session, item_id: str, version: int) -> VersionView:
        """``version`` of the item, or (0) its version in force; a published or superseded
        version from what was decoded before, with what may have changed read now."""
        row = s.execute(_MUTABLE, {"p_item": item_id, "p_version": version}).first()
        if row is None:
            raise not_published(item_id) if version == 0 else no_such_version(item_id,
                                                                              version)
        kept = self.published.get(item_id, row.version)
        status = VersionStatus(row.status)
        if kept is None or status not in _IMMUTABLE:
            view = self.version(s, item_id, row.version)
            self.published.keep(view)
            return view
        return replace(kept, status=status, state=ItemState(row.state or "active"),
                       current_version=row.current_version or 0,
                       successor=row.successor or "")

    def classified(self, s: Session, item_id: str) -> bool:
        """Whether the item is classified (涉密): its version in force is, or — before one is
        published — its newest version."""
        i, v = t.items.c, t.item_versions.c
        shown = case((i.current_version > 0, i.current_version), else_=i.latest_version)
        return bool(s.execute(select(v.classified).join(t.items, i.item_id == v.item_id)
                              .where(v.item_id == item_id, v.version == shown)).scalar())

    def reviews(self, s: Session, item_id: str, version: int) -> tuple[ReviewView, ...]:
        r = t.item_reviews.c
        rows = s.execute(select(t.item_reviews).where(r.item_id == item_id,
                                                      r.version == version
                                                      ).order_by(r.review_id)).all()
        return tuple(ReviewView(ReviewKind(x.kind), Decision(x.decision), x.reviewer,
                                x.reason, x.at, x.document) for x in rows)

    def review_records(self, s: Session, item_id: str, version: int) -> list[ReviewRecord]:
        r = t.item_reviews.c
        rows = s.execute(select(t.item_reviews).where(r.item_id == item_id,
                                                      r.version == version)).all()
        return [ReviewRecord(ReviewKind(x.kind), Decision(x.decision), x.reviewer, x.reason,
                             x.round) for x in rows]

    def add_item(self, s: Session, item_id: str, content: ItemContent, now: datetime) -> None:
        s.execute(insert(t.items).values(
            item_id=item_id, code=content.code, region=content.region,
            department=content.department, department_code=content.department_code,
            current_version=0, latest_version=1,
            created_at=now, updated_at=now, state=ItemState.ACTIVE.value, successor=""))

    def add_version(self, s: Session, item_id: str, version: int, content: ItemContent,
                    actor: str, now: datetime, flags: Iterable[str] = ()) -> None:
        s.execute(insert(t.item_versions).values(
            item_id=item_id, version=version, status=VersionStatus.DRAFT.value,
            **version_columns(content), flags=json.dumps(list(flags), ensure_ascii=False),
            created_at=now, created_by=actor, review_round=0))

    def set_content(self, s: Session, item_id: str, version: int, content: ItemContent,
                    flags: Iterable[str]) -> None:
        v = t.item_versions.c
        s.execute(update(t.item_versions).where(v.item_id == item_id, v.version == version)
                  .values(**version_columns(content),
                          flags=json.dumps(list(flags), ensure_ascii=False)))

    def set_status(self, s: Session, item_id: str, version: int, status: VersionStatus,
                   **values: object) -> None:
        v = t.item_versions.c
        s.execute(update(t.item_versions).where(v.item_id == item_id, v.version == version)
                  .values(status=status.value, **values))

    def touch(self, s: Session, item_id: str, now: datetime, **values: object) -> None:
        s.execute(update(t.items).where(t.items.c.item_id == item_id).values(
            updated_at=now, **values))

    def add_review(self, s: Session, item_id: str, version: int, round_: int,
                   kind: ReviewKind, decision: Decision, reviewer: str, reason: str,
                   now: datetime, document: str = "") -> None:
        s.execute(insert(t.item_reviews).values(
            item_id=item_id, version=version, round=round_, kind=kind.value,
            decision=decision.value, reviewer=reviewer, reason=reason, at=now,
            document=document))

    def drafters(self, s: Session, item_id: str, version: int) -> frozenset[str]:
        """Everyone who created, edited or submitted this version (or imported it)."""
        h = t.item_history.c
        return frozenset(s.execute(select(h.actor).where(
            h.item_id == item_id, h.version == version,
            h.action.in_(DRAFTING_ACTIONS))).scalars())

    def items_of_department(self, s: Session, region: str, department_code: str
                            ) -> list[Row]:
        """The published, active items of one department (by its code) of one region."""
        i = t.items.c
        return list(s.execute(select(t.items).where(
            i.region == region, i.department_code == department_code, i.current_version > 0,
            i.state == ItemState.ACTIVE.value).order_by(i.item_id)).all())

    def add_history(self, s: Session, item_id: str, action: str, actor: str, now: datetime,
                    *, version: int = 0, reason: str = "", target: str = "",
                    from_state: str = "", to_state: str = "") -> None:
        s.execute(insert(t.item_history).values(
            item_id=item_id, version=version, action=action, from_state=from_state,
            to_state=to_state, actor=actor, reason=reason, target=target, at=now))

    def history(self, s: Session, item_id: str) -> list[Row]:
        h = t.item_history.c
        return list(s.execute(select(t.item_history).where(h.item_id == item_id)
                              .order_by(h.entry_id)).all())


def no_such_item(item_id: str) -> NotFound:
    return NotFound(f"there is no item {item_id}", code="ITEM_NOT_FOUND",
                    metadata={"item_id": item_id})


def no_such_version(item_id: str, version: int) -> NotFound:
    return NotFound(f"item {item_id} has no version {version}", code="ITEM_VERSION_NOT_FOUND",
                    metadata={"item_id": item_id, "version": str(version)})


def not_published(item_id: str) -> NotFound:
    """What a caller learns of an item with no version in force — also of one it may not
    know exists (classified)."""
    return NotFound(f"item {item_id} has no published version: it may not be exercised "
                    "(清单之外无职权)", code="ITEM_NOT_PUBLISHED", metadata={"item_id": item_id})


def version_columns(content: ItemContent) -> dict[str, object]:
    return {"name": content.name, "item_type": content.item_type, "region": content.region,
            "department": content.department, "department_code": content.department_code,
            "list_kind": content.list_kind.value,
            "exercise_level": content.exercise_level, "classified": content.classified,
            "content": content.to_json()}


def view_of(row: Row, reviews: tuple[ReviewView, ...] = ()) -> VersionView:
    """A version row (joined with its item's state) as a view."""
    m = row._mapping
    return VersionView(
        item_id=m["item_id"], version=m["version"], status=VersionStatus(m["status"]),
        content=ItemContent.from_dict(json.loads(m["content"])), created_at=m["created_at"],
        created_by=m["created_by"], published_at=m["published_at"],
        published_by=m["published_by"], state=ItemState(m.get("state") or "active"),
        current_version=m.get("current_version") or 0, successor=m.get("successor") or "",
        flags=tuple(json.loads(m["flags"] or "[]")), reviews=reviews,
        review_round=m["review_round"])
