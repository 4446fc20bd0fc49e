"""The audit of case-file reads (审计记录 · 查阅记录): the rules of what one read records.

Every read of a case's file — its internal view, its trace, its documents, one of its
material files, by staff of this node or of another node, and by the case's own applicant —
is one append-only row of ``case_accesses``, written by the read itself through the case
service's unit of work. What a row says:

- **who**: the account (``subject``; a person's or enterprise's identity number masked,
  ``services.shared.masking``) and its HMAC (``subject_key``: of the full subject, under the
  node's key for this audit, ``reader_key``; so a supervisor who has a person's full number
  finds their reads while the table does not hold it), the name, roles, regions and department
  their token gave, and for a read that came from another node the region of the node that
  asserted them (``asserted_by``);
- **what**: the case, its region, the view read (``VIEWS``) and which part of it (``target``:
  a document's id, a material file's SHA-256), the call and the purpose given;
- **how and when**: the channel (``services.shared.channels``: named and sealed by the node's
  front ends) and the time.

Not recorded: the public view (a status lookup with the receipt's second factor, the public
feed), which holds no personal data; a person's list of their own cases (``ListMyCases``),
whose detail pages are recorded when opened.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any

from services.shared.auth import PUBLIC_ID_TYPES, Principal
from services.shared.masking import derived_key, keyed, mask_subject

#: view codes: what a read showed
DETAIL = "detail"            # the case's internal view (application, materials list, steps)
TRACE = "trace"              # its trace (操作痕迹)
TRACE_VERIFY = "trace_verify"
DOCUMENTS = "documents"      # the list of its documents (文书)
DOCUMENT = "document"        # one document, its PDF (target: the document's id)
DOCUMENT_VERIFY = "document_verify"
MATERIAL = "material"        # one material file served (target: the file's SHA-256)
VIEWS = (DETAIL, TRACE, TRACE_VERIFY, DOCUMENTS, DOCUMENT, DOCUMENT_VERIFY, MATERIAL)

#: the view each call reads when it names none
VIEW_OF_CALL = {"GetCase": DETAIL, "LookupCase": DETAIL, "GetTrace": TRACE,
                "VerifyTrace": TRACE_VERIFY, "ListDocuments": DOCUMENTS,
                "GetDocument": DOCUMENT, "VerifyDocument": DOCUMENT_VERIFY}

#: the channel of the call being served (set by the gRPC entrypoint from its metadata)
channel: ContextVar[str] = ContextVar("audit_channel", default="grpc")


def reader_key(node_key: str) -> bytes:
    """The key of the readers' HMACs (``subject_key``), derived from the node's private token
    key for this one purpose (``services.shared.masking.derived_key``, as the hall's sign-in
    audit derives its own)."""
    return derived_key(node_key, "sunlight case-read audit v1")


def _normalised(subject: str) -> str:
    """A subject as it is keyed: a person's or enterprise's identity with its number in upper
    case (as tokens carry it), anything else as it is."""
    kind, sep, number = subject.strip().partition(":")
    if sep and kind in PUBLIC_ID_TYPES:
        return f"{kind}:{number.strip().upper()}"
    return subject.strip()


def subject_key(key: bytes, subject: str) -> str:
    """The HMAC a row keeps of its reader's full subject."""
    return keyed(key, _normalised(subject))


def subject_keys(key: bytes, wanted: str) -> list[str]:
    """The HMACs a filter by reader matches: of the subject as given and, for a bare number
    (no ``id_card:`` or ``credit_code:`` before it), of it as each kind of identity."""
    text = wanted.strip()
    if not text:
        return []
    keys = [subject_key(key, text)]
    if ":" not in text:
        keys += [subject_key(key, f"{kind}:{text}") for kind in PUBLIC_ID_TYPES]
    return keys


def record(principal: Principal, case_number: str, region: str, at: datetime, call: str,
           purpose: str = "", *, key: bytes, view: str = "", target: str = "",
           own: bool = False, via: str | None = None) -> dict[str, Any]:
    """The row one read appends (columns of ``case_accesses``, bounded to their lengths);
    ``key``: the node's ``reader_key``."""
    chosen = view or VIEW_OF_CALL.get(call, DETAIL)
    if chosen not in VIEWS:
        raise ValueError(f"unknown view {chosen!r}: one of {VIEWS}")
    return {
        "case_number": case_number, "at": at, "subject": mask_subject(principal.subject)[:128],
        "subject_key": subject_key(key, principal.subject),
        "name": principal.name[:200], "roles": ",".join(principal.roles)[:200],
        "department_code": (principal.department or "")[:20],
        "department": principal.department_name[:200], "call": call[:32],
        "purpose": (purpose.strip() or call)[:200], "view": chosen, "target": target[:100],
        "regions": ",".join(principal.regions)[:200],
        "asserted_by": principal.asserted_by[:6],
        "channel": ("federation" if principal.asserted_by else (via or channel.get()))[:16],
        "own": own, "region": region[:6]}
