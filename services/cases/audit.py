"""The audit of case-file reads (审计记录 · 查阅记录): the rules of what one read records.

Every read of a case's file — its internal view, its trace, its documents, one of its
material files, by staff of this node or of another node, and by the case's own applicant —
is one append-only row of ``case_accesses``, written by the read itself through the case
service's unit of work. What a row says:

- **who**: the account (``subject``; a person's or enterprise's identity number masked,
  ``services.shared.masking``), the name, roles, regions and department their token gave, and
  for a read that came from another node the region of the node that asserted them
  (``asserted_by``);
- **what**: the case, its region, the view read (``VIEWS``) and which part of it (``target``:
  a document's id, a material file's SHA-256), the call and the purpose given;
- **how and when**: the channel (``services.shared.grpc_client.CHANNELS``) and the time.

Not recorded: the public view (a status lookup with the receipt's second factor, the public
feed), which holds no personal data; a person's list of their own cases (``ListMyCases``),
whose detail pages are recorded when opened.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any

from services.shared.auth import Principal
from services.shared.masking import mask_subject

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


def record(principal: Principal, case_number: str, region: str, at: datetime, call: str,
           purpose: str = "", *, view: str = "", target: str = "", own: bool = False,
           via: str | None = None) -> dict[str, Any]:
    """The row one read appends (columns of ``case_accesses``, bounded to their lengths)."""
    chosen = view or VIEW_OF_CALL.get(call, DETAIL)
    if chosen not in VIEWS:
        raise ValueError(f"unknown view {chosen!r}: one of {VIEWS}")
    return {
        "case_number": case_number, "at": at, "subject": mask_subject(principal.subject)[:128],
        "name": principal.name[:200], "roles": ",".join(principal.roles)[:200],
        "department_code": (principal.department or "")[:20],
        "department": principal.department_name[:200], "call": call[:32],
        "purpose": (purpose.strip() or call)[:200], "view": chosen, "target": target[:100],
        "regions": ",".join(principal.regions)[:200],
        "asserted_by": principal.asserted_by[:6],
        "channel": ("federation" if principal.asserted_by else (via or channel.get()))[:16],
        "own": own, "region": region[:6]}
