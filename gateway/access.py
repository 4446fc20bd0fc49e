"""Who may call each operation of the HTTP API: one table, read from the node's role tables.

The services decide every call (``services.shared.auth``: a role grants permissions; each
service method requires one of them, for a region and, for department-bound roles, a
department). This table says, per operation (method, path), which permissions the service
behind it accepts — any one of them lets a role in — and which roles it names itself (the
feedback module's supervisors are the roles ``supervisor`` and ``admin``, not every holder of
``supervision.read``). The roles of an operation are derived from ``auth.ROLES``, never typed
twice: the OpenAPI document states them (``x-sunlight-roles`` and the description) and
``/v1/methods/allowed`` filters by them. A role listed may still be refused a particular call:
the token's regions must cover what is acted on, a clerk acts for its own department only,
and a citizen reads only their own cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.shared import auth


@dataclass(frozen=True)
class Access:
    """What the service behind an operation lets through."""

    #: any one of these permissions lets a role call it
    permissions: frozenset[str] = frozenset()
    #: roles the service names itself, beside those the permissions bring
    roles_named: frozenset[str] = frozenset()
    #: answered without a token (what it shows may grow with one)
    anonymous: bool = False
    #: any valid token of this node, whatever its roles
    signed_in: bool = False
    #: how the service decides, beyond the roles (English, one or two sentences)
    note: str = ""

    def roles(self) -> list[str]:
        """The roles that may call it, in ``auth.ROLES``'s order."""
        if self.signed_in:
            return list(auth.ROLES)
        return [name for name, role in auth.ROLES.items()
                if role.permissions & self.permissions or name in self.roles_named]

    def department_bound(self) -> list[str]:
        """Of ``roles()``, those that act for the department their token names only."""
        return [name for name in self.roles()
                if auth.ROLES[name].department_bound and name not in self.roles_named]

    def allows(self, roles: Iterable[str]) -> bool:
        """May a token holding ``roles`` call it at all (regions and departments aside)?"""
        return self.anonymous or self.signed_in or bool(set(roles) & set(self.roles()))


def _any(*permissions: str, roles: Iterable[str] = (), anonymous: bool = False,
         note: str = "") -> Access:
    return Access(frozenset(permissions), frozenset(roles), anonymous, note=note)


PUBLIC = _any(anonymous=True, note="Public: no token needed.")
#: the feedback module's supervisors (services/monitoring/feedback.py ``_supervises``)
SUPERVISORS = ("supervisor", "admin")
_OWN_CASE = "a citizen's or enterprise's public token reads only their own cases"

#: (METHOD, path) → who may call it; every operation of the gateway is here (a contract test
#: walks the OpenAPI document against it).
ACCESS: dict[tuple[str, str], Access] = {
    # --- the node -------------------------------------------------------------------------
    ("GET", "/"): PUBLIC,
    ("GET", "/v1/"): PUBLIC,
    ("GET", "/v1/methods"): PUBLIC,
    ("GET", "/v1/methods/allowed"): Access(signed_in=True, note="Any valid token of this "
                                           "node; the answer depends on its roles."),
    ("GET", "/v1/node"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    # --- catalogue (权力清单) --------------------------------------------------------------
    ("GET", "/v1/items"): PUBLIC,
    ("GET", "/v1/items/search"): _any(auth.ITEM_READ_INTERNAL, anonymous=True, note=(
        "Published items for anyone; other statuses (drafts…) for holders of "
        "`item.read_internal` in the region.")),
    ("GET", "/v1/province/items/search"): PUBLIC,
    ("POST", "/v1/items"): _any(auth.ITEM_WRITE),
    ("POST", "/v1/items/{item_id}/versions/{version}/publish"): _any(
        auth.ITEM_PUBLISH, auth.ITEM_REVIEW_LEGAL, auth.ITEM_REVIEW_STAFFING, note=(
            "`item.publish` (an administrator), or both `item.review_legal` and "
            "`item.review_staffing` for the item's region.")),
    ("GET", "/v1/items/{item_id}/versions/{version}"): _any(
        auth.ITEM_READ_INTERNAL, anonymous=True, note=(
            "The public fields of a published version for anyone; internal fields and "
            "unpublished versions with `item.read_internal`.")),
    ("PUT", "/v1/items/{item_id}/versions/{version}"): _any(auth.ITEM_WRITE),
    ("POST", "/v1/items/{item_id}/versions/{version}/submit"): _any(auth.ITEM_WRITE),
    ("POST", "/v1/items/{item_id}/versions/{version}/review"): _any(
        auth.ITEM_REVIEW_LEGAL, auth.ITEM_REVIEW_STAFFING, note=(
            "The review `kind` decides: legal review (法制审核) needs `item.review_legal`, "
            "staffing review (编制审核) `item.review_staffing`.")),
    ("POST", "/v1/items/{item_id}/versions"): _any(auth.ITEM_WRITE),
    ("POST", "/v1/items/{item_id}/adjust"): _any(auth.ITEM_ADJUST),
    ("POST", "/v1/items/{item_id}/delegations"): _any(auth.ITEM_ADJUST),
    ("GET", "/v1/items/{item_id}/delegations"): _any(auth.ITEM_READ_INTERNAL),
    ("GET", "/v1/items/{item_id}/history"): _any(auth.ITEM_READ_INTERNAL, anonymous=True,
                                                 note="Public once published; who did what "
                                                 "with `item.read_internal`."),
    ("POST", "/v1/changes"): _any(auth.ITEM_LEGAL_CHANGE, auth.ITEM_FUNCTIONS_CHANGE, note=(
        "The change `kind` decides: a legal basis change needs `item.legal_change`, a "
        "change of functions `item.functions_change`.")),
    ("GET", "/v1/obligations"): _any(auth.ITEM_READ_INTERNAL),
    ("GET", "/v1/regions/{region}/catalogue.json"): PUBLIC,
    ("GET", "/v1/regions/{region}/catalogue.csv"): PUBLIC,
    # --- cases (办件) ----------------------------------------------------------------------
    ("POST", "/v1/cases"): _any(auth.CASE_OPEN, auth.CASE_APPLY, note=(
        "Staff accept applications with `case.open`; a public token applies online (网上申请) "
        "for the person it names, or as their agent (代办).")),
    ("POST", "/v1/case-openings"): _any(auth.CASE_OPEN),
    ("POST", "/v1/cases/{case_number}/actions"): _any(
        auth.CASE_OPEN, auth.CASE_HANDLE, auth.CASE_REASSIGN, auth.CASE_COORDINATE,
        auth.CASE_ASSIST, auth.CASE_ACT_OWN, note=(
            "Each action has its permission: accept/reject `case.open`; steps "
            "`case.handle`; reassign `case.reassign`; urge `case.coordinate`; assist "
            "`case.assist`; supplement and withdraw also `case.act_own` (the applicant).")),
    ("GET", "/v1/cases/{case_number}"): _any(auth.CASE_READ, auth.CASE_READ_OWN,
                                             note=_OWN_CASE + "."),
    ("GET", "/v1/cases/{case_number}/status"): _any(auth.CASE_READ, auth.CASE_READ_OWN,
                                                    note=_OWN_CASE + "."),
    ("GET", "/v1/cases/{case_number}/trace"): _any(auth.CASE_READ_INTERNAL),
    ("GET", "/v1/cases/{case_number}/trace/verify"): _any(auth.CASE_READ_INTERNAL,
                                                          auth.SUPERVISION_READ),
    ("GET", "/v1/cases/{case_number}/documents"): _any(
        auth.CASE_READ_INTERNAL, auth.CASE_READ_OWN, note="Staff read every document; "
        "the case's own applicant those addressed to them."),
    ("GET", "/v1/cases/{case_number}/documents/{document_id}"): _any(
        auth.CASE_READ_INTERNAL, auth.CASE_READ_OWN, note="As the list of documents."),
    ("GET", "/v1/cases/{case_number}/documents/{document_id}/verify"): _any(
        auth.CASE_READ_INTERNAL, auth.CASE_READ_OWN),
    ("POST", "/v1/documents/verify"): _any(auth.CASE_READ_INTERNAL),
    ("GET", "/v1/queue"): _any(auth.CASE_HANDLE, auth.CASE_REASSIGN),
    ("GET", "/v1/parallel-branches"): _any(auth.CASE_COORDINATE),
    ("GET", "/v1/my/cases"): _any(auth.CASE_READ_OWN),
    ("POST", "/v1/cases/lookup"): _any(auth.CASE_READ, note="A portal's token (the hall's) "
                                       "looks a case up for a person who is not signed in."),
    ("GET", "/v1/cases/{case_number}/accesses"): _any(
        auth.CASE_READ_OWN, auth.SUPERVISION_READ, note="The case's own applicant, and "
        "supervisors of its region."),
    # --- the audit (审计记录) -------------------------------------------------------------
    ("GET", "/v1/audit/case-reads"): _any(auth.AUDIT_READ, note=(
        "Supervisors and administrators whose token covers the region (or the case's).")),
    # --- hand-overs between nodes (上报件) ----------------------------------------------
    ("GET", "/v1/handovers"): _any(auth.HANDOVER_READ, note=(
        "Administrators and supervisors whose token covers the region (or the case's).")),
    # --- supervision (电子监察) -----------------------------------------------------------
    ("GET", "/v1/supervision/cases/{case_number}"): _any(auth.SUPERVISION_READ),
    ("GET", "/v1/supervision/warnings"): _any(auth.SUPERVISION_READ, auth.CASE_HANDLE, note=(
        "Supervisors read their regions'; a handler their own and their department's.")),
    ("GET", "/v1/supervision/warnings/{warning_id}"): _any(auth.SUPERVISION_READ,
                                                           auth.CASE_HANDLE),
    ("POST", "/v1/supervision/warnings/{warning_id}/actions"): _any(
        auth.SUPERVISION_READ, auth.CASE_HANDLE, note="The warning's handler acknowledges, "
        "corrects or contests; a supervisor upholds, dismisses, holds accountable."),
    ("GET", "/v1/supervision/notifications"): Access(signed_in=True, note=(
        "Any token: the notifications addressed to its subject, department and regions.")),
    ("GET", "/v1/supervision/evaluation"): _any(auth.EVALUATION_READ, auth.CASE_HANDLE,
                                                note="Department staff read their own "
                                                "department's rows only."),
    ("GET", "/v1/supervision/evaluation.csv"): _any(auth.EVALUATION_READ, auth.CASE_HANDLE),
    ("GET", "/v1/supervision/evaluation.svg"): _any(auth.EVALUATION_READ, auth.CASE_HANDLE),
    # --- complaints, ratings, consultations (投诉举报 · 好差评 · 咨询) ---------------------
    ("POST", "/v1/complaints"): _any(auth.FEEDBACK_SUBMIT),
    ("GET", "/v1/complaints"): _any(auth.FEEDBACK_SUBMIT, auth.COMPLAINT_HANDLE,
                                    roles=SUPERVISORS, note="A person their own; the "
                                    "addressed body's staff theirs; supervisors their "
                                    "regions'."),
    ("GET", "/v1/complaints/{complaint_id}"): _any(auth.FEEDBACK_SUBMIT,
                                                   auth.COMPLAINT_HANDLE, roles=SUPERVISORS),
    ("POST", "/v1/complaints/{complaint_id}/actions"): _any(
        auth.COMPLAINT_HANDLE, auth.FEEDBACK_SUBMIT, note="The addressed body's staff "
        "handle it; the person who complained withdraws it."),
    ("POST", "/v1/ratings"): _any(auth.FEEDBACK_SUBMIT),
    ("GET", "/v1/ratings"): _any(auth.FEEDBACK_SUBMIT, auth.CASE_HANDLE, roles=SUPERVISORS),
    ("POST", "/v1/ratings/{rating_id}/appeal"): _any(auth.CASE_HANDLE),
    ("POST", "/v1/ratings/{rating_id}/appeal/decision"): _any(roles=SUPERVISORS),
    ("GET", "/v1/rectifications"): _any(auth.CASE_HANDLE, roles=SUPERVISORS),
    ("POST", "/v1/rectifications/{task_id}/complete"): _any(auth.CASE_HANDLE),
    ("GET", "/v1/feedback/indicators"): PUBLIC,
    ("POST", "/v1/consultations"): _any(auth.FEEDBACK_SUBMIT, anonymous=True, note=(
        "Without a token, leaving a contact (the answer carries a query code); or as "
        "oneself with a public token.")),
    ("GET", "/v1/consultations"): _any(auth.FEEDBACK_SUBMIT, auth.CASE_HANDLE,
                                       roles=SUPERVISORS),
    ("POST", "/v1/consultations/{consultation_id}/read"): _any(
        auth.FEEDBACK_SUBMIT, auth.CASE_HANDLE, roles=SUPERVISORS, anonymous=True, note=(
            "Without a token with the query code the question was given.")),
    ("POST", "/v1/consultations/{consultation_id}/actions"): _any(
        auth.CASE_HANDLE, auth.FEEDBACK_SUBMIT, note="The item's department answers; the "
        "person who asked withdraws."),
}

