"""Applications being filled in (申请草稿), in the hall's database: keyed by the person or
enterprise who owns them, so that whatever device they sign in on next finds them.

A draft holds the answers so far (JSON: whom it is for, the declarations on the item's
conditions), the files uploaded for its materials (by digest: the files themselves are in the
``FileStore``), and, once submitted, the case number, the receipt's query code and the
completeness check's answer. A submitted draft no longer changes. Every read and write names
the owner: a draft is nobody else's to see.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Index, Integer, String, Table, Text, insert, select, update

from services.hall.identity.storage import metadata
from services.shared.db import Database, UtcDateTime

#: drafts one person may keep open at once
MAX_OPEN_DRAFTS = 50
MAX_FILES_PER_MATERIAL = 5
DRAFT = "draft"
SUBMITTED = "submitted"

drafts = Table(
    "application_drafts", metadata,
    Column("draft_id", String(32), primary_key=True),
    # "id_card:<resident ID number>" or "credit_code:<credit code>": the owner's identity,
    # as the services know it
    Column("owner", String(128), nullable=False),
    Column("item_id", String(100), nullable=False),
    Column("item_version", Integer, nullable=False),
    Column("item_name", String(500), nullable=False),
    Column("region", String(6), nullable=False),
    # JSON: the answers so far, and the files ([{key, sha256, name, media_type, size}])
    Column("answers", Text, nullable=False, server_default="{}"),
    Column("files", Text, nullable=False, server_default="[]"),
    Column("status", String(16), nullable=False, server_default=DRAFT),
    # the submission's idempotency key: a form sent twice makes one case
    Column("submit_key", String(64), nullable=False),
    Column("case_number", String(50), nullable=False, server_default=""),
    Column("query_code", String(16), nullable=False, server_default=""),
    # JSON: what the case service answered (missing materials, channel, submitted at)
    Column("receipt", Text, nullable=False, server_default="{}"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("submitted_at", UtcDateTime),
    Index("ix_application_drafts_owner", "owner", "updated_at"),
)


class DraftClosed(Exception):  # noqa: N818 - a state
    """The draft was submitted already: it no longer changes."""


class TooManyDrafts(Exception):  # noqa: N818 - a state
    pass


@dataclass(frozen=True)
class Draft:
    draft_id: str
    owner: str
    item_id: str
    item_version: int
    item_name: str
    region: str
    answers: dict[str, Any] = field(default_factory=dict)
    files: tuple[dict[str, Any], ...] = ()
    status: str = DRAFT
    submit_key: str = ""
    case_number: str = ""
    query_code: str = ""
    receipt: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    submitted_at: datetime | None = None

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED

    @property
    def total_bytes(self) -> int:
        return sum(int(f["size"]) for f in self.files)

    def files_of(self, key: str) -> list[dict[str, Any]]:
        return [f for f in self.files if f["key"] == key]

    def has_file(self, sha256: str) -> bool:
        return any(f["sha256"] == sha256 for f in self.files)


def _draft(row: Any) -> Draft:
    return Draft(row["draft_id"], row["owner"], row["item_id"], row["item_version"],
                 row["item_name"], row["region"], json.loads(row["answers"]),
                 tuple(json.loads(row["files"])), row["status"], row["submit_key"],
                 row["case_number"], row["query_code"], json.loads(row["receipt"]),
                 row["created_at"], row["updated_at"], row["submitted_at"])


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class DraftStore:
    def __init__(self, db: Database, clock: Any = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))

    def create(self, owner: str, item_id: str, item_version: int, item_name: str,
               region: str, answers: dict[str, Any] | None = None) -> Draft:
        now = self.clock()
        draft_id = uuid.uuid4().hex
        with self.db.begin() as conn:
            open_drafts = len(conn.execute(select(drafts.c.draft_id).where(
                drafts.c.owner == owner, drafts.c.status == DRAFT)).all())
            if open_drafts >= MAX_OPEN_DRAFTS:
                raise TooManyDrafts(owner)
            conn.execute(insert(drafts).values(
                draft_id=draft_id, owner=owner, item_id=item_id, item_version=item_version,
                item_name=item_name[:500], region=region, answers=_json(answers or {}),
                files="[]", status=DRAFT, submit_key=uuid.uuid4().hex, created_at=now,
                updated_at=now))
        found = self.get(draft_id, owner)
        assert found is not None
        return found

    def get(self, draft_id: str, owner: str) -> Draft | None:
        """The owner's draft; None for a draft that is not there — or is someone else's."""
        with self.db.begin() as conn:
            row = conn.execute(select(drafts).where(
                drafts.c.draft_id == draft_id, drafts.c.owner == owner)).mappings().first()
        return _draft(row) if row else None

    def open_for(self, owner: str, item_id: str) -> Draft | None:
        """The owner's latest draft of ``item_id`` not yet submitted."""
        with self.db.begin() as conn:
            row = conn.execute(select(drafts).where(
                drafts.c.owner == owner, drafts.c.item_id == item_id,
                drafts.c.status == DRAFT).order_by(drafts.c.updated_at.desc())
            ).mappings().first()
        return _draft(row) if row else None

    def of_owner(self, owner: str, limit: int = 200) -> list[Draft]:
        """The owner's drafts and submitted applications, the latest changed first."""
        with self.db.begin() as conn:
            rows = conn.execute(select(drafts).where(drafts.c.owner == owner).order_by(
                drafts.c.updated_at.desc()).limit(limit)).mappings().all()
        return [_draft(r) for r in rows]

    def _change(self, draft_id: str, owner: str, change: Any) -> Draft:
        """Apply ``change(draft) → {column: value}`` to the owner's open draft, the row
        locked meanwhile (two tabs saving at once: one after the other)."""
        with self.db.begin() as conn:
            query = select(drafts).where(drafts.c.draft_id == draft_id,
                                         drafts.c.owner == owner)
            if self.db.dialect == "postgresql":
                query = query.with_for_update()
            row = conn.execute(query).mappings().first()
            if row is None:
                raise KeyError(draft_id)
            draft = _draft(row)
            if draft.submitted:
                raise DraftClosed(draft_id)
            values = change(draft)
            values["updated_at"] = self.clock()
            conn.execute(update(drafts).where(drafts.c.draft_id == draft_id).values(**values))
        found = self.get(draft_id, owner)
        assert found is not None
        return found

    def save_answers(self, draft_id: str, owner: str, answers: dict[str, Any]) -> Draft:
        """Merge ``answers`` into the draft's."""
        return self._change(draft_id, owner, lambda d: {
            "answers": _json({**d.answers, **answers})})

    def add_file(self, draft_id: str, owner: str, key: str, file: dict[str, Any],
                 fits: Any = None) -> Draft:
        """Add a file to material ``key`` (the same file again: kept once); ``fits(draft)``
        may refuse it (the application's size limit, checked under the row's lock)."""
        def change(draft: Draft) -> dict[str, Any]:
            if fits is not None:
                fits(draft)
            files = [f for f in draft.files
                     if not (f["key"] == key and f["sha256"] == file["sha256"])]
            files.append({**file, "key": key})
            mine = [f for f in files if f["key"] == key]
            if len(mine) > MAX_FILES_PER_MATERIAL:
                files.remove(mine[0])  # the oldest of this material makes way
            return {"files": _json(files)}

        return self._change(draft_id, owner, change)

    def remove_file(self, draft_id: str, owner: str, key: str, sha256: str) -> Draft:
        return self._change(draft_id, owner, lambda d: {"files": _json([
            f for f in d.files if not (f["key"] == key and f["sha256"] == sha256)])})

    def mark_submitted(self, draft_id: str, owner: str, case_number: str, query_code: str,
                       receipt: dict[str, Any]) -> Draft:
        now = self.clock()
        return self._change(draft_id, owner, lambda d: {
            "status": SUBMITTED, "case_number": case_number, "query_code": query_code,
            "receipt": _json(receipt), "submitted_at": now})
