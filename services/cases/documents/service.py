"""A case's documents: issued with its events, listed, downloaded, verified, rendered.

**Issuing** (``Documents.issue_for``, called by ``CaseService._write`` for every event): the
events that issue a document (``application_drafts``; of a case the government opened,
``opened_drafts``) get it numbered,
composed and hashed in the event's own transaction; the trace entry's data lists it
(``documents``: id, kind, number, content SHA-256) and so does the event on the broker.

**Rendering** happens after the transaction, never in it: on the first download of a
document, or in the background when the case process has neither written an event nor
answered a call for a moment (``render_pending``, driven by the case server), so neither a
burst of transitions nor one of reads shares the machine with a PDF being made — in that
process: each of several (``SUNLIGHT_CASES_PROCESSES``) watches its own calls. The case server
renders in a worker process of lower priority (``documents.pool``), so a
PDF being made never holds the interpreter that serves the calls. Before a PDF is rendered,
its stored content is checked against the trace.

**Reading**: staff who may read the case's internals (``case.read_internal`` for its region
and department: the department's staff, window staff, supervisors, administrators), and the
case's own applicant or agent — of a case the government opened, its parties — signed in as
themselves (``case.read_own``: the notices and decisions are addressed to them). An internal
kind (``DocumentKind.internal``: the 立案审批表) is the department's own record: its parties
neither see it listed nor download nor verify it (it is "not found" to them, as a document
that does not exist). The hall's own token gets nothing. A staff read is kept in the case's
access log (``CaseService.log_read``).

**Verifying** a PDF (or a stored document): the content it carries (``document.json``) must
hash to what the case's trace recorded for it, the trace must verify, and the PDF must be
exactly what that content renders to (the rendering is deterministic) — or, for a document
rendered by an earlier layout, the copy kept when it was rendered. ``Verdict.reason`` names
the first check that fails.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from services.cases import storage as t
from services.cases.documents import render as pdf_render
from services.cases.documents.issuing import IssuedDocument, issue_document, issuer_of
from services.cases.domain.documents import (
    KINDS,
    application_drafts,
    content_hash,
    may_issue,
    opened_drafts,
)
from services.cases.domain.model import Accepted, Case, CaseEvent, Served
from services.shared import auth
from services.shared.auth import Principal
from services.shared.db import Database
from services.shared.errors import FailedPrecondition, NotFound, Unavailable
from services.shared.region_data import RegionDirectory

log = logging.getLogger(__name__)
_d = t.case_documents.c
#: seconds without an event written or a call answered before the background renderer works
IDLE_S = 2.0


@dataclass(frozen=True)
class DocumentRecord:
    case_number: str
    document_id: str
    kind: str
    number: str
    trace_seq: int
    issued_at: datetime
    content: str          # canonical JSON
    content_sha256: str
    pdf_sha256: str | None
    layout: str | None
    pdf_size: int

    @property
    def title(self) -> str:
        kind = KINDS.get(self.kind)
        return kind.title if kind else self.kind


@dataclass(frozen=True)
class Verdict:
    """What verifying a document found."""

    valid: bool
    reason: str
    document: DocumentRecord | None = None
    content_intact: bool = False
    pdf_intact: bool = False
    trace_intact: bool = False
    content_sha256: str = ""   # of the content examined
    recorded_sha256: str = ""  # what the trace holds
    pdf_sha256: str = ""       # of the PDF examined
    broken_at: int = 0


_COLUMNS = (_d.case_number, _d.document_id, _d.kind, _d.number, _d.trace_seq, _d.issued_at,
            _d.content, _d.content_sha256, _d.pdf_sha256, _d.layout,
            func.coalesce(func.length(_d.pdf), literal_column("0")))


def _record(row: Any) -> DocumentRecord:
    return DocumentRecord(*row[:10], int(row[10]))


#: a case's documents in the order they were issued (``Documents.of_case``)
_OF_CASE = select(*_COLUMNS).where(_d.case_number == bindparam("p_number")).order_by(
    _d.trace_seq, _d.document_id)


class Documents:
    """The documents side of the case service (see the module)."""

    def __init__(self, db: Database, cases: Any, regions: RegionDirectory | None = None,
                 render: Callable[[Mapping[str, Any]], bytes] | None = None,
                 idle_for: Callable[[], float] | None = None) -> None:
        self.db = db
        self.cases = cases  # services.cases.service.CaseService
        self.regions = regions or RegionDirectory.load()
        self.busy_at = 0.0  # time.monotonic() of the last event written
        #: seconds since the process last answered a call (the case server gives
        #: ``grpc_metrics.idle_for``; none given: only events written keep the renderer back)
        self.idle_for: Callable[[], float] = idle_for or (lambda: math.inf)
        self._unrenderable: set[tuple[str, str]] = set()
        #: content → PDF: in this process unless the case server gives a worker's
        #: (``documents.pool.RenderPool``: rendering never holds the serving interpreter)
        self.render = render or pdf_render.render
        #: ``of_case``'s statement compiled for psycopg, on PostgreSQL
        self._of_case_pg = (_OF_CASE.compile(dialect=pg_psycopg.dialect()).string
                            if db.dialect == "postgresql" else "")

    # --- issuing (in the event's transaction) -----------------------------------------------
    def issue_for(self, unit: Any, case: Case, event: CaseEvent, trace_seq: int
                  ) -> list[IssuedDocument]:
        """The documents ``event`` issues (``case``: after it), numbered and kept in
        ``unit``; their references go into the event's trace entry."""
        self.busy_at = time.monotonic()
        if not may_issue(case, event):
            return []
        issuer = issuer_of(case.item, self.regions)
        if case.opened:
            served = self._served_document(case) if isinstance(event, Served) else ""
            drafts = opened_drafts(case, event, issuer, served)
        else:
            code = self.cases.query_code(case) if isinstance(event, Accepted) else ""
            drafts = application_drafts(case, event, issuer, code)
        return [issue_document(unit, case_number=case.number, trace_seq=trace_seq,
                               kind=draft.kind, issuer=issuer, addressee=draft.addressee,
                               fields=draft.fields, at=event.at, ordinal=n)
                for n, draft in enumerate(drafts, start=1)]

    def _served_document(self, case: Case) -> str:
        """The title and number of the decision a service served (the case's last decision
        document), or empty."""
        decisions = [d for d in self.of_case(case.number)
                     if d.kind in ("penalty_decision", "licence_decision", "licence_refusal")]
        if not decisions:
            return ""
        last = decisions[-1]
        return f"{KINDS[last.kind].title}（{last.number}）"

    # --- who may read ------------------------------------------------------------------------
    def may_read(self, principal: Principal, case: Case) -> bool:
        """Staff who may read the case's internals, and the case's own applicant or agent
        (the documents are addressed to them)."""
        return bool(principal.can(auth.CASE_READ_INTERNAL, case.region,
                                   case.item.department_code)) or self.cases.owns(
            principal, case)

    def staff_of(self, principal: Principal, case: Case) -> bool:
        """Whether the caller reads the case's documents as staff (internal ones too)."""
        return bool(principal.can(auth.CASE_READ_INTERNAL, case.region,
                                  case.item.department_code))

    def readable(self, principal: Principal, case: Case, records: list[DocumentRecord]
                 ) -> list[DocumentRecord]:
        """Of ``records`` (documents of ``case``), those the caller may read: all for staff,
        none internal for the case's own applicant or parties."""
        if self.staff_of(principal, case):
            return records
        return [r for r in records if not _internal(r.kind)]

    def _case(self, principal: Principal, number: str, call: str = "ListDocuments",
              purpose: str = "", target: str = "") -> Case:
        # CASE_NOT_FOUND (also for a case not the caller's own), classified items; the read
        # is audited (``target``: the document's id)
        case: Case = self.cases.get(principal, number, call=call, purpose=purpose,
                                    target=target)
        if not self.may_read(principal, case):
            principal.require(auth.CASE_READ_INTERNAL, case.region,
                              case.item.department_code)
        return case

    # --- reading -----------------------------------------------------------------------------
    def list(self, principal: Principal, number: str, purpose: str = ""
             ) -> list[DocumentRecord]:
        case = self._case(principal, number, "ListDocuments", purpose)
        return self.readable(principal, case, self.of_case(number))

    def of_case(self, number: str) -> list[DocumentRecord]:
        """A case's documents, in the order they were issued (no authorisation)."""
        if self._of_case_pg:  # one statement in autocommit: one round trip
            with self.db.driver_connection() as conn:
                rows = conn.execute(self._of_case_pg, {"p_number": number}).fetchall()
        else:
            with self.db.read() as s:
                rows = s.execute(_OF_CASE, {"p_number": number}).all()
        return [_record(r) for r in rows]

    def _record(self, number: str, document_id: str) -> DocumentRecord:
        with self.db.read() as s:
            row = s.execute(select(*_COLUMNS).where(_d.case_number == number,
                                                    _d.document_id == document_id)).first()
        if row is None:
            raise NotFound(f"case {number} has no document {document_id}",
                           code="DOCUMENT_NOT_FOUND",
                           metadata={"case_number": number, "document_id": document_id})
        return _record(row)

    def _pdf(self, number: str, document_id: str) -> bytes | None:
        with self.db.read() as s:
            value = s.execute(select(_d.pdf).where(_d.case_number == number,
                                                   _d.document_id == document_id)).scalar()
        return bytes(value) if value is not None else None

    def get(self, principal: Principal, number: str, document_id: str, purpose: str = ""
            ) -> tuple[DocumentRecord, bytes]:
        """A document and its PDF (rendered now if it was not yet)."""
        case = self._case(principal, number, "GetDocument", purpose, document_id)
        self._readable_record(principal, case, document_id)
        return self.rendered(number, document_id)

    def _readable_record(self, principal: Principal, case: Case, document_id: str
                         ) -> DocumentRecord:
        """The document, or DOCUMENT_NOT_FOUND — also for an internal one the caller may not
        read (to a party it does not exist)."""
        record = self._record(case.number, document_id)
        if not self.readable(principal, case, [record]):
            raise NotFound(f"case {case.number} has no document {document_id}",
                           code="DOCUMENT_NOT_FOUND",
                           metadata={"case_number": case.number, "document_id": document_id})
        return record

    def rendered(self, number: str, document_id: str) -> tuple[DocumentRecord, bytes]:
        record = self._record(number, document_id)
        if record.pdf_sha256 is not None:
            pdf = self._pdf(number, document_id)
            assert pdf is not None
            return record, pdf
        recorded = self._recorded(record)
        if recorded != hashlib.sha256(record.content.encode()).hexdigest():
            raise FailedPrecondition(
                f"the stored content of document {document_id} of case {number} is not what "
                f"the trace recorded (entry {record.trace_seq}): it is not rendered",
                code="DOCUMENT_CONTENT_CHANGED",
                metadata={"case_number": number, "document_id": document_id})
        pdf = self.render(json.loads(record.content))
        digest = hashlib.sha256(pdf).hexdigest()
        with self.db.begin() as conn:
            kept = conn.execute(update(t.case_documents).where(
                _d.case_number == number, _d.document_id == document_id,
                _d.pdf_sha256.is_(None)).values(
                pdf=pdf, pdf_sha256=digest, layout=pdf_render.LAYOUT,
                rendered_at=datetime.now(UTC))).rowcount
        if not kept:  # rendered meanwhile by another process: the one kept is the one
            return self.rendered(number, document_id)
        return self._record(number, document_id), pdf

    def _recorded(self, record: DocumentRecord) -> str:
        """The content SHA-256 the trace recorded for a document ("" when none)."""
        tr = t.case_trace.c
        with self.db.read() as s:
            data = s.execute(select(tr.data).where(tr.case_number == record.case_number,
                                                   tr.seq == record.trace_seq)).scalar()
        return _reference(json.loads(data) if data else {}, record.document_id)

    # --- rendering in the background ---------------------------------------------------------
    def _busy(self, idle_s: float) -> bool:
        return (time.monotonic() - self.busy_at < idle_s) or self.idle_for() < idle_s

    def render_pending(self, limit: int = 10, idle_s: float = IDLE_S) -> int:
        """Render up to ``limit`` documents not yet rendered, oldest first — only while no
        event has been written and no call answered for ``idle_s`` seconds (calls come
        first: a PDF takes a core for about a seventh of a second, and the render worker,
        ``nice``d or not, slows every call while it has one — measured, README "Measured").
        A document someone downloads is rendered then, if it was not yet. (A call counts once
        answered: one still running after ``idle_s`` — longer than the gateway's deadline —
        does not hold the renderer back.) A document whose stored content is not what its
        trace recorded is left unrendered (and said)."""
        if self._busy(idle_s):
            return 0
        with self.db.read() as s:
            pending = [(n, d) for n, d in s.execute(
                select(_d.case_number, _d.document_id).where(_d.pdf_sha256.is_(None))
                .order_by(_d.issued_at).limit(limit + len(self._unrenderable))).all()
                if (n, d) not in self._unrenderable][:limit]
        done = 0
        for number, document_id in pending:
            if self._busy(idle_s):
                break
            try:
                self.rendered(number, document_id)
            except FailedPrecondition:
                log.error("document %s of case %s not rendered: its content is not what its "
                          "trace recorded", document_id, number)
                self._unrenderable.add((number, document_id))
                continue
            done += 1
        return done

    def run_renderer(self, stop: threading.Event, interval_s: float = 1.0) -> None:
        """The background renderer of a case process: until ``stop``, render what is pending
        whenever the process has been idle (``render_pending``)."""
        while not stop.is_set():
            try:
                self.render_pending()
            except Unavailable as exc:  # the worker stopping, or killed for being stuck
                if stop.is_set():
                    return
                log.warning("rendering documents paused: %s", exc.message)
            except Exception:  # noqa: BLE001 - keep rendering after a database hiccup
                log.exception("rendering documents failed")
            stop.wait(interval_s)

    # --- verifying ---------------------------------------------------------------------------
    def verify_stored(self, principal: Principal, number: str, document_id: str) -> Verdict:
        """Verify a document as the case service keeps it (rendering it first if needed)."""
        case = self._case(principal, number, "VerifyDocument", target=document_id)
        record = self._readable_record(principal, case, document_id)
        try:
            record, pdf = self.rendered(number, document_id)
        except FailedPrecondition:
            pdf = b""
        return self._verify(principal, record, record.content.encode(), pdf)

    def verify_pdf(self, principal: Principal, pdf: bytes) -> Verdict:
        """Verify a PDF someone holds: which document it claims to be, whether its content is
        what the trace recorded, whether its pages are what that content renders to."""
        principal.require(auth.CASE_READ_INTERNAL)
        pdf_digest = hashlib.sha256(pdf).hexdigest()
        carried = pdf_render.carried_content(pdf)
        if carried is None:
            return Verdict(False, "the file carries no document of this platform (no "
                                  f"{pdf_render.ATTACHMENT} inside: not a PDF this platform "
                                  "rendered, or its content was taken out)",
                           pdf_sha256=pdf_digest)
        try:
            claimed = json.loads(carried)
            number, document_id = claimed["case_number"], claimed["document_id"]
            if not isinstance(number, str) or not isinstance(document_id, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return Verdict(False, f"the {pdf_render.ATTACHMENT} it carries is not a "
                                  "document's content", pdf_sha256=pdf_digest)
        self._case(principal, number, "VerifyDocument", target=document_id)
        record = self._record(number, document_id)
        return self._verify(principal, record, carried, pdf)

    def _verify(self, principal: Principal, record: DocumentRecord, carried: bytes,
                pdf: bytes) -> Verdict:
        entries, broken = self.cases.verify(principal, record.case_number)
        entry = next((e for e in entries if e.seq == record.trace_seq), None)
        recorded = _reference(entry.data, record.document_id) if entry else ""
        try:
            content = json.loads(carried)
            examined = content_hash(content)
        except (ValueError, TypeError):
            content, examined = None, hashlib.sha256(carried).hexdigest()
        pdf_digest = hashlib.sha256(pdf).hexdigest() if pdf else ""
        content_intact = bool(recorded) and examined == recorded
        pdf_intact = False
        if content_intact and pdf:
            pdf_intact = pdf == self.render(content) or (
                record.layout not in (None, pdf_render.LAYOUT)
                and pdf_digest == record.pdf_sha256)
        common: dict[str, Any] = {
            "document": record, "content_intact": content_intact, "pdf_intact": pdf_intact,
            "trace_intact": broken is None, "content_sha256": examined,
            "recorded_sha256": recorded, "pdf_sha256": pdf_digest,
            "broken_at": broken.seq if broken else 0}
        name = f"{record.title} {record.number} ({record.document_id})"
        if broken is not None:
            return Verdict(False, f"the trace of case {record.case_number} is broken at entry "
                                  f"{broken.seq}: {broken.reason}", **common)
        if not recorded:
            return Verdict(False, f"the trace of case {record.case_number} records no "
                                  f"{name} at entry {record.trace_seq}", **common)
        if not content_intact:
            return Verdict(False, f"the content of {name} is not what the trace recorded: its "
                                  f"SHA-256 is {examined}, trace entry {record.trace_seq} "
                                  f"holds {recorded} — changed after it was issued", **common)
        if not pdf_intact:
            return Verdict(False, f"the pages of {name} are not what its content renders to: "
                                  "the PDF was changed after it was issued (the content it "
                                  "carries is intact)", **common)
        return Verdict(True, f"{name}: its content is what trace entry {record.trace_seq} "
                             "recorded, the trace holds, the PDF is the one issued", **common)


def _internal(kind: str) -> bool:
    found = KINDS.get(kind)
    return found is not None and found.internal


def _reference(data: dict[str, Any], document_id: str) -> str:
    for reference in data.get("documents") or ():
        if isinstance(reference, dict) and reference.get("document_id") == document_id:
            return str(reference.get("content_sha256", ""))
    return ""

