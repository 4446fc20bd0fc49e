"""Translation between the case's documents and their contract (sunlight.cases.v1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sunlight.cases.v1 import cases_pb2 as pb

if TYPE_CHECKING:
    from services.cases.documents.issuing import IssuedDocument
    from services.cases.documents.service import DocumentRecord, Verdict


def document_refs_to_pb(issued: Iterable[IssuedDocument]) -> list[pb.DocumentSummary]:
    """The documents an event issued, as its CaseEvent names them (no PDF yet)."""
    found = []
    for d in issued:
        message = pb.DocumentSummary(
            document_id=d.document_id, kind=d.kind, title=d.title, number=d.number,
            case_number=str(d.content["case_number"]), trace_seq=d.trace_seq,
            content_sha256=d.content_sha256)
        message.issued_at.FromDatetime(d.issued_at)
        found.append(message)
    return found


def summary_to_pb(record: DocumentRecord) -> pb.DocumentSummary:
    message = pb.DocumentSummary(
        document_id=record.document_id, kind=record.kind, title=record.title,
        number=record.number, case_number=record.case_number, trace_seq=record.trace_seq,
        content_sha256=record.content_sha256, pdf_sha256=record.pdf_sha256 or "",
        pdf_size=record.pdf_size)
    message.issued_at.FromDatetime(record.issued_at)
    return message


def verdict_to_pb(verdict: Verdict) -> pb.VerifyDocumentResponse:
    message = pb.VerifyDocumentResponse(
        valid=verdict.valid, reason=verdict.reason, content_intact=verdict.content_intact,
        pdf_intact=verdict.pdf_intact, trace_intact=verdict.trace_intact,
        content_sha256=verdict.content_sha256, recorded_sha256=verdict.recorded_sha256,
        pdf_sha256=verdict.pdf_sha256, broken_at=verdict.broken_at)
    if verdict.document is not None:
        message.document.CopyFrom(summary_to_pb(verdict.document))
    return message
