"""Who may do what, for which region and which department.

Every gRPC call carries ``authorization: Bearer <JWT>``. A token names its subject (one person
or one process: never shared), roles, the regions it acts for (real GB/T 2260 codes; a province
covers its cities and counties) and, for department staff, the department. Tokens live at most
``MAX_TOKEN_TTL_S``.

**Signed per node.** A node signs its tokens with its own Ed25519 key (JWS ``EdDSA``,
``services.shared.token_keys``): the header names the key (``kid``), ``iss`` is the signing
node's region code and ``aud`` the node the token is for. A node's ``Authenticator`` takes a
token signed by one of its own keys with ``iss`` = itself, or — when it is given the province's
node registry — by a registered, unrevoked node's key with ``iss`` = that node; and only with
``aud`` = itself: a token minted for another node is refused there. No secret is shared between
nodes. A person's identity travels with a call to another node as an **assertion**: a
short-lived token their own node signs for the receiving node (``mint_assertion``), whose
regions must lie within the asserting node's region.

**The department claim is a code.** ``department`` is the department's unified social credit
code (统一社会信用代码, GB 32100, checked by its check character: ``services.shared.departments``)
and ``department_name`` its name, for display only: two departments with the same name are
still two, and a department renamed is still itself. Every comparison of a department —
``Principal.can`` and ``require``, the case engine's — compares codes; an item or step whose
department code is unknown (empty) belongs to no department's staff.

A role grants permissions. Some roles are *department-bound*: a clerk (经办人员) acts only for
the department its token names, while reviewers, supervisors, window staff of the service
centre and administrators act for every department of their regions. ``Principal.can`` and
``Principal.require`` take the region and, where it matters, the department of what is acted
on; the node's territory (which regions it holds at all) is checked by the services
(``services.shared.territory``).

Who may read what in the catalogue (the rule every read applies):

- the public fields of published versions: anyone, without a token;
- internal fields (step roles, risk points, discretion standards, flags, who drafted and who
  reviewed) and unpublished versions (drafts, submitted, returned), change obligations and the
  names in an item's history: the item's own department's staff, the legal and staffing
  reviewers and the supervisors of the item's region, administrators and the node's services
  (permission ``item.read_internal``; department-bound for clerks).

**Citizens and enterprises (role ``public``).** A person who complains, reports or rates a
case (投诉 / 举报 · 好差评) holds a token of the one role ``public``, whose subject *is* their
identity: ``id_card:<resident ID number>`` (GB 11643, check character verified) for a natural
person, ``credit_code:<unified social credit code>`` (GB 32100) for an organisation — the
``id_type`` and ``id_number`` an applicant gives on a case, so that supervision can tell a
case's own applicant from anyone else. Such a token names no department, holds no other role
and grants ``feedback.submit``; ``case.apply`` — applying online (网上申请) for themselves,
or as an agent (代办) for someone else, both recorded (the case service checks that the
applicant, or the agent, is the token's subject: ``services/cases/service.py``
``own_application``); and, on their own cases only, ``case.read_own`` (list and read the cases
they applied for, or applied for as agent, their documents and who read them) and
``case.act_own`` (supplement the missing materials, withdraw): the case service matches the
subject against the case's applicant and agent, and answers "not found" for anyone else's
case. Its regions are where the person signed in. The hall mints them for a person or
enterprise signed in there (``services/hall/tokens.py``);
``sunlight token --role public --subject id_card:…`` does too.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.shared.config import DEFAULT_NODE_REGION
from services.shared.departments import department_code_problem, shown
from services.shared.errors import InvalidArgument, PermissionDenied, Unauthenticated
from services.shared.expiring_cache import ExpiringCache
from services.shared.regions import covers, validate_region
from services.shared.token_keys import ALGORITHM, TokenKey

# permission names
ITEM_WRITE = "item.write"          # declare and edit drafts of one's department
ITEM_PUBLISH = "item.publish"      # record a publication reviewed outside the platform
ITEM_REVIEW_LEGAL = "item.review_legal"        # 法制部门: legal review
ITEM_REVIEW_STAFFING = "item.review_staffing"  # 机构编制管理机关: staffing review
ITEM_ADJUST = "item.adjust"        # reduction actions: suspend, cancel, delegate, merge…
ITEM_LEGAL_CHANGE = "item.legal_change"  # record that an item's legal basis changed
ITEM_FUNCTIONS_CHANGE = "item.functions_change"  # record that a department's functions changed
ITEM_READ_INTERNAL = "item.read_internal"  # internal flow, risk points, drafts
#: receive an item the node above delegated down a level (下放): its draft here
ITEM_RECEIVE_DELEGATION = "item.receive_delegation"
CASE_OPEN = "case.open"            # accept an application (受理)
CASE_HANDLE = "case.handle"        # complete the steps of a case
CASE_READ = "case.read"            # read a case (the public view)
CASE_READ_INTERNAL = "case.read_internal"  # applicant's identity, handlers, opinions
CASE_REASSIGN = "case.reassign"    # give a step to someone else (supervisors)
#: lead parallel approvals (服务中心协调并联审批): see every running branch of a region's
#: parallel stages and urge them (催办)
CASE_COORDINATE = "case.coordinate"
#: guide or assist applicants on their cases (领办 / 帮办), recorded on the case
CASE_ASSIST = "case.assist"
SUPERVISION_READ = "supervision.read"
#: read the efficiency evaluation (效能评估) of every department of a region: supervisors, the
#: legal office (法制监督) and administrators; department staff read their own department's rows
#: (``case.handle`` for it)
EVALUATION_READ = "supervision.evaluate"
#: complain, report and rate (投诉 / 举报 · 好差评) as a citizen or enterprise (role public)
FEEDBACK_SUBMIT = "feedback.submit"
#: apply online (网上申请) as a citizen or enterprise (role public): for themselves, the
#: token's subject being the applicant, or as an agent (代办) for someone who authorised them
CASE_APPLY = "case.apply"
#: a citizen or enterprise reads their own cases (applicant or agent): where each stands,
#: its documents, and who read it (查阅记录)
CASE_READ_OWN = "case.read_own"
#: a citizen or enterprise acts on their own case: supplements the missing materials (补正),
#: withdraws it (撤回)
CASE_ACT_OWN = "case.act_own"
#: handle the complaints addressed to one's body (监察机关, 法制部门, 政务公开主管部门, or —
#: department-bound — the department itself); which body a role is, says the feedback module
COMPLAINT_HANDLE = "complaint.handle"
#: 上报件 across nodes: hand a reported case to the node above, send its decision back —
#: a node's case relay (role node_relay), acting for the node its one region names
CASE_HAND_OVER = "case.hand_over"
#: read the audit (审计记录) of a region: who read which case's file, when, by which channel
#: (supervisors — 纪检监察 — and administrators only; not the legal office, not services)
AUDIT_READ = "audit.read"
#: list the hand-overs of 上报件 between this node and others (pending, failing, delivered)
#: of a region's cases: administrators (operators) and supervisors of the region
HANDOVER_READ = "handover.read"
#: the identity kinds of a public token's subject ("id_card:…", "credit_code:…")
PUBLIC_ID_TYPES = ("id_card", "credit_code")

#: Longest lifetime of any token, seconds: one working day (people sign in again daily).
MAX_TOKEN_TTL_S = 12 * 3600
MAX_SUBJECT_LENGTH = 128
MAX_DEPARTMENT_LENGTH = 200
MAX_TOKEN_REGIONS = 50
MAX_POSITIONS = 20
MAX_POSITION_LENGTH = 64


@dataclass(frozen=True)
class Role:
    permissions: frozenset[str]
    #: True: the role's permissions hold only for the department the token names
    department_bound: bool = False


ROLES: dict[str, Role] = {
    # department staff (经办人员): declare items of their department, accept and handle its cases
    "clerk": Role(frozenset({ITEM_WRITE, ITEM_READ_INTERNAL, CASE_OPEN, CASE_HANDLE,
                             CASE_READ, CASE_READ_INTERNAL, COMPLAINT_HANDLE}),
                  department_bound=True),
    # window staff of a government service centre (综合窗口): accept applications for every
    # department the centre hosts (all departments of its government), read those cases,
    # lead their parallel approvals (协调并联审批) and guide or assist applicants (领办/帮办)
    "window_clerk": Role(frozenset({CASE_OPEN, CASE_READ, CASE_READ_INTERNAL,
                                    CASE_COORDINATE, CASE_ASSIST})),
    # legal office (法制部门) and staffing office (机构编制管理机关) reviewers
    # — and, for legality oversight (法制监督), reads cases, their traces and supervision's
    # warnings as supervisors do (answering warnings stays the supervisors')
    "legal_reviewer": Role(frozenset({ITEM_REVIEW_LEGAL, ITEM_LEGAL_CHANGE,
                                      ITEM_READ_INTERNAL, EVALUATION_READ,
                                      COMPLAINT_HANDLE, CASE_READ, CASE_READ_INTERNAL,
                                      SUPERVISION_READ})),
    "staffing_reviewer": Role(frozenset({ITEM_REVIEW_STAFFING, ITEM_ADJUST,
                                         ITEM_FUNCTIONS_CHANGE, ITEM_READ_INTERNAL})),
    # supervisors (监察人员)
    "supervisor": Role(frozenset({SUPERVISION_READ, CASE_READ, CASE_READ_INTERNAL, CASE_REASSIGN,
                                  CASE_COORDINATE, ITEM_READ_INTERNAL, EVALUATION_READ,
                                  COMPLAINT_HANDLE, AUDIT_READ, HANDOVER_READ})),
    # the government's openness office (政务公开主管部门): complaints addressed to it
    "openness_officer": Role(frozenset({COMPLAINT_HANDLE})),
    # a citizen or enterprise (see "Citizens and enterprises" above): complain, report, rate,
    # apply for themselves or as an agent, read and act on their own cases
    "public": Role(frozenset({FEEDBACK_SUBMIT, CASE_APPLY, CASE_READ_OWN, CASE_ACT_OWN})),
    # a department's own business system (业务系统): submits cases and step results for its
    # department only
    "department_system": Role(frozenset({CASE_OPEN, CASE_HANDLE, CASE_READ,
                                         CASE_READ_INTERNAL}), department_bound=True),
    # the node's own processes calling each other
    "service": Role(frozenset({ITEM_READ_INTERNAL, CASE_READ, SUPERVISION_READ,
                               EVALUATION_READ})),
    # supervision's own process asking the case service who applied for a case (a rating
    # must come from the case's applicant): the internal view of cases, nothing to act with
    "supervision_service": Role(frozenset({ITEM_READ_INTERNAL, CASE_READ, CASE_READ_INTERNAL,
                                           SUPERVISION_READ})),
    # the catalogue of the node above handing down an item it delegated (下放): drafts it at
    # a region below the token's region, for this node's own review; nothing else
    "delegating_node": Role(frozenset({ITEM_RECEIVE_DELEGATION})),
    # a node's case relay calling another node's case service (上报件 across nodes), the
    # gateways between vouching for it: its one region is the node it speaks for
    "node_relay": Role(frozenset({CASE_HAND_OVER})),
    # the public hall: reads what the public may see, nothing internal
    "hall": Role(frozenset({CASE_READ})),
    # operators of the node: everything, within their regions
    "admin": Role(frozenset({ITEM_WRITE, ITEM_PUBLISH, ITEM_REVIEW_LEGAL, ITEM_REVIEW_STAFFING,
                             ITEM_ADJUST, ITEM_LEGAL_CHANGE, ITEM_FUNCTIONS_CHANGE,
                             ITEM_READ_INTERNAL, CASE_OPEN, CASE_HANDLE, CASE_READ,
                             CASE_READ_INTERNAL, CASE_REASSIGN, CASE_COORDINATE, CASE_ASSIST,
                             SUPERVISION_READ, EVALUATION_READ, COMPLAINT_HANDLE,
                             AUDIT_READ, HANDOVER_READ})),
}
#: Roles whose tokens must name a department.
DEPARTMENT_ROLES = frozenset(name for name, role in ROLES.items() if role.department_bound)
#: Role name → its permissions (for listings and the command line).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {name: r.permissions for name, r in ROLES.items()}


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    #: the department's unified social credit code (GB 32100): what every check compares
    department: str | None = None
    name: str = ""
    permissions: frozenset[str] = field(default=frozenset())
    #: positions (岗位) held in the department — the step roles of item flows the person may
    #: take, e.g. "clerk", "chief", "head"; a clerk without any holds "clerk"
    positions: tuple[str, ...] = ()
    #: the department's name, for display only (never compared)
    department_name: str = ""
    #: the region code of the node that vouches for this person (the token's ``iss``)
    issuer: str = ""
    #: the region code of another node that asserted this person, for a call that came
    #: across nodes (federation): this node's gateway re-signs the assertion as its own
    #: token and names that node here (its ``asserted_by`` claim); empty for a local caller
    asserted_by: str = ""

    @property
    def anonymous(self) -> bool:
        return self.subject == ""

    def covers(self, region: str) -> bool:
        """True when one of the token's regions is ``region`` or lies above it."""
        return any(covers(scope, region) for scope in self.regions)

    def can(self, permission: str, region: str | None = None,
            department: str | None = None) -> bool:
        """May the caller exercise ``permission`` for ``region`` (None: anywhere it acts) and
        the department whose code is ``department`` (None: the question is not about one
        department; ``""``: a department whose code is unknown, which no department-bound
        role acts for)?"""
        if region is not None and not self.covers(region):
            return False
        return any(self._role_grants(role, permission, department) for role in self.roles)

    def bound_department(self, permission: str) -> str | None:
        """The code of the one department ``permission`` is limited to for this caller, or
        None when one of its roles grants it for every department (or none grants it at
        all)."""
        granting = [ROLES[r] for r in self.roles if r in ROLES and permission in
                    ROLES[r].permissions]
        if not granting or any(not role.department_bound for role in granting):
            return None
        return self.department

    def _role_grants(self, role_name: str, permission: str, department: str | None) -> bool:
        role = ROLES.get(role_name)
        if role is None or permission not in role.permissions:
            return False
        return department is None or not role.department_bound or (
            bool(department) and department == self.department)

    def require(self, permission: str, region: str | None = None,
                department: str | None = None) -> None:
        """Raise Unauthenticated / PermissionDenied unless ``can`` says yes, saying why."""
        if self.anonymous:
            raise Unauthenticated("sign in first: this call needs a bearer token")
        if permission not in self.permissions:
            raise PermissionDenied(
                f"{self.subject} lacks the permission {permission!r} "
                f"(roles: {', '.join(self.roles) or 'none'})",
                metadata={"permission": permission})
        if region is not None and not self.covers(region):
            raise PermissionDenied(
                f"{self.subject} may not act for region {region} "
                f"(scope: {', '.join(self.regions) or 'none'})",
                code="REGION_OUT_OF_SCOPE", metadata={"region": region})
        if not self.can(permission, region, department):
            mine = shown(self.department or "", self.department_name) if self.department \
                else "no department"
            raise PermissionDenied(
                f"{self.subject} works for {mine}, not {shown(department or '')}: "
                "department staff act for their own department only (departments are "
                "compared by their unified social credit code)",
                code="OTHER_DEPARTMENT", metadata={"department": department or ""})


ANONYMOUS = Principal(subject="")


def permissions_of(roles: Iterable[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def check_claims(subject: str, roles: Sequence[str], regions: Sequence[str],
                 department: str | None, positions: Sequence[str] = (),
                 department_name: str = "") -> None:
    """What a token must say to be valid here; InvalidArgument names every problem."""
    problems: list[str] = []
    if len(positions) > MAX_POSITIONS or any(
            not p.strip() or len(p) > MAX_POSITION_LENGTH for p in positions):
        problems.append(f"positions: at most {MAX_POSITIONS}, each 1 to "
                        f"{MAX_POSITION_LENGTH} characters")
    if not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH:
        problems.append(f"subject: required, 1 to {MAX_SUBJECT_LENGTH} characters (the one "
                        "person or process the token is for)")
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        problems.append(f"roles: unknown {unknown}; known: {sorted(ROLES)}" if unknown
                        else "roles: at least one")
    if not regions or len(regions) > MAX_TOKEN_REGIONS:
        problems.append(f"regions: 1 to {MAX_TOKEN_REGIONS} region codes the token acts for")
    for region in regions:
        try:
            _known_region(region)
        except InvalidArgument as exc:
            problems.append(f"regions: {exc.field_violations[0].description}")
    bound = sorted(set(roles) & DEPARTMENT_ROLES)
    if bound and not (department or "").strip():
        problems.append(f"department: required for {', '.join(bound)} — the department's "
                        "unified social credit code (统一社会信用代码; department staff act "
                        "for their own department only)")
    if department:
        problem = department_code_problem(department)
        if problem is None and department != department.strip().upper():
            problem = "write the credit code in upper case, without blanks"
        if problem is not None:
            problems.append(f"department: {problem}")
    if "public" in roles:
        problems.extend(_public_problems(subject, roles, department))
    if len(department_name) > MAX_DEPARTMENT_LENGTH:
        problems.append(f"department_name: at most {MAX_DEPARTMENT_LENGTH} characters")
    elif department_name and not department:
        problems.append("department_name: only with a department (its code)")
    if problems:
        raise InvalidArgument("the token is not valid: " + "; ".join(problems),
                              code="INVALID_TOKEN_CLAIMS")


@functools.lru_cache(maxsize=4096)
def public_identity(subject: str) -> tuple[str, str] | None:
    """(id_type, id_number) of a public token's subject ("id_card:…", "credit_code:…"), or
    None when the subject is not one (it is then refused in a public token). A function of
    the subject alone, asked several times a call (whose case it is, its documents, its
    audit): the last few thousand subjects' answers are kept."""
    kind, _, number = subject.partition(":")
    if kind not in PUBLIC_ID_TYPES or not number:
        return None
    from services.shared.codes import check_credit_code, check_resident_id  # noqa: PLC0415

    check = check_resident_id(number) if kind == "id_card" else check_credit_code(number)
    if not check.ok or check.normalized != number:
        return None
    return kind, number


def _public_problems(subject: str, roles: Sequence[str], department: str | None
                     ) -> list[str]:
    problems = []
    if list(roles) != ["public"]:
        problems.append("roles: public is a person's own role, held alone")
    if department:
        problems.append("department: a public token names no department")
    if public_identity(subject) is None:
        problems.append("subject: a public token's subject is the person's identity, "
                        "id_card:<GB 11643 resident ID number> or credit_code:<GB 32100 "
                        "unified social credit code>, valid and in upper case")
    return problems


def _known_region(code: object) -> str:
    """A real GB/T 2260 region code (the packaged division list), or InvalidArgument."""
    from services.shared.region_data import RegionDirectory  # noqa: PLC0415 - loads CSVs

    text = validate_region(code if isinstance(code, str) else repr(code))
    if not RegionDirectory.load().exists(text):
        raise InvalidArgument.of_field(
            "region", f"{text} is not a region in the GB/T 2260 division codes",
            code="UNKNOWN_REGION")
    return text


def mint_token(key: TokenKey | str, subject: str, roles: Sequence[str],
               regions: Sequence[str], *, department: str | None = None, name: str = "",
               ttl_s: int = 3600, issuer: str = DEFAULT_NODE_REGION,
               audience: str | None = None, positions: Sequence[str] = (),
               department_name: str = "", asserted_by: str = "",
               issued_at: int | None = None) -> str:
    """A token signed with the node's ``key`` (its ``ed25519:…`` text or a TokenKey);
    ``issuer`` is the signing node's region, ``audience`` the node it is for (the issuer
    itself unless said). ValueError when what it would say is not valid (see check_claims).
    ``department`` is the department's credit code (upper-cased here), ``department_name``
    its name for display; ``issued_at`` (epoch seconds, default now) backdates it — a token
    already expired, for a test of the refusal."""
    department = department.strip().upper() if department else department
    try:
        check_claims(subject, roles, regions, department, positions, department_name)
    except InvalidArgument as exc:
        raise ValueError(exc.message) from None
    if not 0 < ttl_s <= MAX_TOKEN_TTL_S:
        raise ValueError(f"ttl: 1 to {MAX_TOKEN_TTL_S} seconds")
    signing = TokenKey.of(key)
    now = int(time.time()) if issued_at is None else issued_at
    claims = {"sub": subject, "roles": list(roles), "regions": list(regions), "name": name,
              "iss": issuer, "aud": audience or issuer, "iat": now, "exp": now + ttl_s}
    if department:
        claims["department"] = department
    if department_name:
        claims["department_name"] = department_name
    if positions:
        claims["positions"] = list(positions)
    if asserted_by:
        if not _ASSERTING_NODE.match(asserted_by):
            raise ValueError("asserted_by: the 6-digit region code of the asserting node")
        claims["asserted_by"] = asserted_by
    return jwt.encode(claims, signing.private, algorithm=ALGORITHM,
                      headers={"kid": signing.kid})


#: seconds an assertion of a person's identity to another node lives
ASSERTION_TTL_S = 120


def mint_assertion(key: TokenKey | str, principal: Principal, *, issuer: str,
                   audience: str, ttl_s: int = ASSERTION_TTL_S) -> str:
    """The person ``principal`` as this node (``issuer``) vouches for them to the node
    ``audience``, for one call: the same claims, signed with this node's key, short-lived."""
    return mint_token(key, principal.subject, principal.roles, principal.regions,
                      department=principal.department, name=principal.name, ttl_s=ttl_s,
                      issuer=issuer, audience=audience, positions=principal.positions,
                      department_name=principal.department_name)


#: (region of the node that holds it, public key) of a registered token key id, or None
PeerKeys = Callable[[str], "tuple[str, Ed25519PublicKey] | None"]


class Authenticator:
    """Verifies bearer tokens into principals.

    **Verified tokens are remembered** (``MAX_REMEMBERED``, least recently used first out): a
    client sends the same token with every call, and checking its signature and claims again
    changes nothing as long as nothing they depend on has. An entry is keyed by the *exact*
    token string — any other bytes, even a token of the same claims, are verified afresh —
    and is served only

    - before the token's own ``exp`` (after it, the token is verified again, and refused as
      expired);
    - under the very ``generation`` it was verified under (``generation()``, compared by
      identity): given the node registry's ``current``, a changed registry — a node or its
      key revoked, a key added — drops every entry, so a revocation shuts its node's
      assertions out from the first call after this node reads the new registry, as before.

    Tokens signed by another node (assertions, checked against the registry's keys) are
    remembered only when ``generation`` is given; without it they are verified on every
    call. This node's own keys are fixed for the Authenticator's life (a new key is a
    restart)."""

    #: how many verified tokens are remembered at most (least recently used first out)
    MAX_REMEMBERED = 4096

    def __init__(self, keys: TokenKey | str | Iterable[TokenKey | str],
                 node: str = DEFAULT_NODE_REGION, peer_keys: PeerKeys | None = None,
                 generation: Callable[[], object] | None = None) -> None:
        """``keys``: this node's own token key(s) (a retired key stays here until its last
        tokens expire); ``node``: this node's region, what every token must be for (aud);
        ``peer_keys``: the registry's lookup of other nodes' keys (None: own tokens only);
        ``generation``: what remembered tokens depend on (the registry in force), see above."""
        own = [keys] if isinstance(keys, TokenKey | str) else list(keys)
        self._own: dict[str, Ed25519PublicKey] = {
            k.kid: k.public for k in (TokenKey.of(key) for key in own)}
        self._node = node
        self._peer_keys = peer_keys
        self._generation = generation
        self._verified: ExpiringCache[Principal] = ExpiringCache(self.MAX_REMEMBERED)

    def principal(self, authorization: str | None) -> Principal:
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("the authorization header must be 'Bearer <token>'")
        # taken before verifying: a registry that changes meanwhile makes the entry stale
        generation = self._generation() if self._generation is not None else None
        known = self._verified.get(token, generation)
        if known is not None:
            return known
        principal, expires = self._verify(token)
        if principal.issuer == self._node or self._generation is not None:
            self._verified.put(token, principal, expires, generation)
        return principal

    def _signer(self, token: str) -> tuple[str, Ed25519PublicKey]:
        """(region of the node that signed ``token``, its public key), from the token's kid."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from None
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise Unauthenticated("the token is not valid: it must be signed with a node's "
                                  f"key ({ALGORITHM}, naming the key as kid)")
        public = self._own.get(kid)
        if public is not None:
            return self._node, public
        found = self._peer_keys(kid) if self._peer_keys is not None else None
        if found is None:
            raise Unauthenticated(f"the token is signed with a key this node does not know "
                                  f"({kid[:12]}…): not its own, nor a registered node's",
                                  code="UNKNOWN_TOKEN_KEY")
        return found

    def _verify(self, token: str) -> tuple[Principal, float]:
        issuer, public = self._signer(token)
        try:
            claims = jwt.decode(token, public, algorithms=[ALGORITHM], issuer=issuer,
                                audience=self._node,
                                options={"require": ["sub", "exp", "iat", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired: sign in again") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(f"the token is for another node, not for {self._node}: ask "
                                  "this node for one", code="TOKEN_FOR_ANOTHER_NODE") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated(f"the token does not name the node whose key signed it "
                                  f"({issuer}) as its issuer", code="WRONG_ISSUER") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from None
        if not _lifetime_ok(claims):
            raise Unauthenticated(f"the token lives longer than {MAX_TOKEN_TTL_S} seconds: "
                                  "sign in again for a new one")
        roles, regions = claims.get("roles"), claims.get("regions")
        department, positions = claims.get("department"), claims.get("positions", [])
        department_name = claims.get("department_name", "")
        asserted_by = claims.get("asserted_by", "")
        if not isinstance(asserted_by, str) or (asserted_by and
                                                not _ASSERTING_NODE.match(asserted_by)):
            raise Unauthenticated("the token is not valid: malformed claims")
        if not (_strings(roles) and _strings(regions) and _strings(positions)
                and isinstance(claims["sub"], str)
                and (department is None or isinstance(department, str))
                and isinstance(department_name, str)):
            raise Unauthenticated("the token is not valid: malformed claims")
        try:
            check_claims(claims["sub"], roles, regions, department, positions, department_name)
        except InvalidArgument as exc:
            raise Unauthenticated(exc.message) from None
        if issuer != self._node and not all(covers(issuer, r) for r in regions):
            raise Unauthenticated(f"node {issuer} vouches for a person acting for "
                                  f"{', '.join(regions)}: a node asserts people of its own "
                                  "region only", code="ASSERTION_OUT_OF_SCOPE")
        return Principal(subject=claims["sub"], roles=tuple(roles), regions=tuple(regions),
                         department=department or None, name=str(claims.get("name", "")),
                         permissions=permissions_of(roles), positions=tuple(positions),
                         department_name=department_name, issuer=issuer,
                         asserted_by=asserted_by), float(claims["exp"])


_ASSERTING_NODE = re.compile(r"^[0-9]{6}$")


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _lifetime_ok(claims: dict) -> bool:
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        return False
    # bounded both ways: a token issued "in the future" cannot stretch its life either
    return expires - issued <= MAX_TOKEN_TTL_S and expires <= time.time() + MAX_TOKEN_TTL_S


class ServiceToken:
    """A process's own token for calling the node's services, renewed before it expires."""

    def __init__(self, key: TokenKey | str, subject: str, regions: Sequence[str],
                 issuer: str = DEFAULT_NODE_REGION, ttl_s: int = 3600,
                 roles: Sequence[str] = ("service",)) -> None:
        self._args = (key, subject, tuple(roles), tuple(regions))
        self._issuer, self._ttl = issuer, ttl_s
        self._token, self._expires = "", 0.0

    def header(self) -> str:
        if time.time() > self._expires - 60:
            self._token = mint_token(*self._args, issuer=self._issuer, ttl_s=self._ttl)
            self._expires = time.time() + self._ttl
        return f"Bearer {self._token}"
