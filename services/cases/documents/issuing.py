"""Issuing a document (出具文书): number it, compose it, hash it — in the transaction of the
event that issues it.

**For the enforcement engine** (and any other engine of the case service): one function,

    issue_document(unit, *, case_number, trace_seq, kind, issuer, addressee, fields, at,
                   ordinal=1) -> IssuedDocument

Call it inside the unit of work that writes the event (``CaseStore.unit()``; anything with
``next_document_serial`` and ``keep_document``, see ``DocumentUnit``), once per document the
event issues, *before* the event's trace entry is sealed, and put ``issued.reference`` into
that entry's data under ``"documents"`` (a list), as ``CaseService._write`` does for the
application engine — the trace then holds the content's SHA-256, and the document and the
event commit or roll back together. Arguments:

- ``kind``: a key of ``services.cases.domain.documents.KINDS`` — ``filing_approval``
  (立案审批表), ``penalty_notice`` (行政处罚事先告知书), ``hearing_notice`` (听证通知书),
  ``penalty_decision`` (行政处罚决定书), ``service_receipt`` (送达回证), or an application kind;
- ``fields``: the kind's fields (``KINDS[kind].fields``: texts, or lists of texts where
  ``many``); a missing required field, an unknown one or a wrong type is InvalidArgument;
- ``issuer``: who issues it (``Issuer``: region and department — the key of the numbers,
  plain strings —, the name printed, the word of the numbers, the reconsideration body);
  ``issuer_of(item snapshot, region directory)`` makes it for a case's item;
- ``addressee``: the party it is addressed to (当事人); ``at``: the event's time (the date
  printed, the year of the number); ``trace_seq``: the sequence of the trace entry that will
  record it (the document's id is ``d<trace_seq>``, ``d<trace_seq>-2`` … for more than one
  document in one entry).

The number is the next serial of the issuer's region and department, the kind and the year:
a counter row bumped in the same transaction (``document_counters``), so numbers are unique
and without gaps however many issue at once. The PDF is not rendered here (a transition stays
fast): the case service renders it on first download or in the background
(``services.cases.documents.service``), from the content, always to the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.cases.domain.documents import (
    Issuer,
    abbreviation,
    check_fields,
    compose_content,
    content_bytes,
    content_hash,
    kind_of,
    localised_department,
)
from services.cases.domain.flow import ItemSnapshot
from services.shared.region_data import CITY, COUNTY, RegionDirectory
from services.shared.working_days import local_day


class DocumentUnit(Protocol):
    """What issuing needs of a unit of work (``repository.CaseUnit`` has it)."""

    def next_document_serial(self, region: str, department: str, year: int, kind: str
                             ) -> int: ...

    def keep_document(self, row: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class IssuedDocument:
    document_id: str
    kind: str
    title: str
    number: str
    content_sha256: str
    trace_seq: int
    issued_at: datetime
    content: Mapping[str, Any]

    @property
    def reference(self) -> dict[str, Any]:
        """What the issuing event's trace entry records of it (its data's ``documents``)."""
        return {"document_id": self.document_id, "kind": self.kind, "number": self.number,
                "content_sha256": self.content_sha256}


def document_id(trace_seq: int, ordinal: int = 1) -> str:
    return f"d{trace_seq}" if ordinal == 1 else f"d{trace_seq}-{ordinal}"


def issue_document(unit: DocumentUnit, *, case_number: str, trace_seq: int, kind: str,
                   issuer: Issuer, addressee: str, fields: Mapping[str, Any], at: datetime,
                   ordinal: int = 1) -> IssuedDocument:
    """Number, compose and keep one document in ``unit``'s transaction (see the module)."""
    spec = kind_of(kind)
    check_fields(spec, fields)  # before a number is taken
    serial = unit.next_document_serial(issuer.region, issuer.department, local_day(at).year,
                                       spec.key)
    identifier = document_id(trace_seq, ordinal)
    content = compose_content(spec, document_id=identifier, case_number=case_number,
                              issuer=issuer, addressee=addressee, fields=fields,
                              serial=serial, issued_at=at)
    digest = content_hash(content)
    unit.keep_document({
        "case_number": case_number, "document_id": identifier, "kind": spec.key,
        "region": issuer.region, "department": issuer.department, "year": content["year"],
        "serial": serial, "number": content["number"], "trace_seq": trace_seq,
        "issued_at": at, "content": content_bytes(content).decode(),
        "content_sha256": digest})
    return IssuedDocument(identifier, spec.key, spec.title, content["number"], digest,
                          trace_seq, at, content)


def reconsideration_body(region: str, regions: RegionDirectory) -> str:
    """The government that hears an administrative reconsideration of its departments'
    decisions (《行政复议法》第二十四条): ``广安市广安区人民政府``."""
    found = regions.get(region)
    if found is None:
        return "本级人民政府"
    if found.level == COUNTY:
        city = regions.parent(region)
        grouping = city is None or city.level != CITY or city.name.endswith(
            ("市辖区", "直辖县级行政区划"))
        return f"{'' if grouping else city.name}{found.name}人民政府"  # type: ignore[union-attr]
    return f"{found.name}人民政府"


def issuer_of(item: ItemSnapshot, regions: RegionDirectory) -> Issuer:
    """Who issues the documents of a case on ``item``: its region and department (the key of
    the numbers), its implementing body's name (or the department named with its
    government), the department's word and the reconsideration body."""
    found = regions.get(item.region)
    name = item.body_name or localised_department(item.department,
                                                  found.name if found else "")
    # numbered per department by its code (a name may change, a code does not); by name
    # only while the code is unknown
    return Issuer(item.region, item.department_code or item.department, name,
                  abbreviation(item.department),
                  reconsideration_body(item.region, regions))
