"""Who may do what, for which region.

Every gRPC call carries ``authorization: Bearer <JWT>`` (HS256, signed with the node key).
A token names its subject, roles, the regions it acts for and, for department staff, the
department. Roles grant permissions; a permission is exercised only within the regions of the
token (a province scope covers its cities and counties). Processes of the node mint their own
short-lived service tokens; people get theirs from the node's sign-in (``sunlight token`` in
development).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import jwt

from services.shared.errors import PermissionDenied, Unauthenticated
from services.shared.regions import covers

# permission names
ITEM_WRITE = "item.write"          # declare and edit drafts of one's department
ITEM_PUBLISH = "item.publish"      # publish with both reviews at once (import, admin)
ITEM_REVIEW_LEGAL = "item.review_legal"        # 法制办: legal review
ITEM_REVIEW_STAFFING = "item.review_staffing"  # 编办: staffing review
ITEM_ADJUST = "item.adjust"        # reduction actions: suspend, cancel, delegate, merge…
ITEM_LEGAL_CHANGE = "item.legal_change"  # record that an item's legal basis changed
ITEM_READ_INTERNAL = "item.read_internal"  # internal flow, risk points
CASE_OPEN = "case.open"
CASE_HANDLE = "case.handle"
CASE_READ = "case.read"
SUPERVISION_READ = "supervision.read"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # department staff (经办人员): declare items of their department, handle cases
    "clerk": frozenset({ITEM_WRITE, ITEM_READ_INTERNAL, CASE_OPEN, CASE_HANDLE, CASE_READ}),
    # legal office (法制办) and staffing office (编办) reviewers
    "legal_reviewer": frozenset({ITEM_REVIEW_LEGAL, ITEM_LEGAL_CHANGE, ITEM_READ_INTERNAL}),
    "staffing_reviewer": frozenset({ITEM_REVIEW_STAFFING, ITEM_ADJUST, ITEM_READ_INTERNAL}),
    # supervisors (监察人员)
    "supervisor": frozenset({SUPERVISION_READ, CASE_READ, ITEM_READ_INTERNAL}),
    # the node's own processes calling each other
    "service": frozenset({ITEM_READ_INTERNAL, CASE_READ, SUPERVISION_READ}),
    # the public hall: reads what the public may see, nothing internal
    "hall": frozenset({CASE_READ}),
    # operators of the node: everything, within their region
    "admin": frozenset({ITEM_WRITE, ITEM_PUBLISH, ITEM_REVIEW_LEGAL, ITEM_REVIEW_STAFFING,
                        ITEM_ADJUST, ITEM_LEGAL_CHANGE, ITEM_READ_INTERNAL, CASE_OPEN,
                        CASE_HANDLE, CASE_READ, SUPERVISION_READ}),
}


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    department: str | None = None
    name: str = ""
    permissions: frozenset[str] = field(default=frozenset())

    @property
    def anonymous(self) -> bool:
        return self.subject == ""

    def can(self, permission: str, region: str | None = None) -> bool:
        if permission not in self.permissions:
            return False
        return region is None or any(covers(scope, region) for scope in self.regions)

    def require_department(self, department: str) -> None:
        """Department staff act for their own department only; administrators and callers
        without a department (reviewers, supervisors) are not bound to one."""
        if self.department and self.department != department and "admin" not in self.roles:
            raise PermissionDenied(
                f"{self.subject} works for {self.department}, not {department}",
                code="OTHER_DEPARTMENT", metadata={"department": department})

    def require(self, permission: str, region: str | None = None) -> None:
        if self.anonymous:
            raise Unauthenticated("sign in first: this call needs a bearer token")
        if permission not in self.permissions:
            raise PermissionDenied(
                f"{self.subject} lacks the permission {permission!r} "
                f"(roles: {', '.join(self.roles) or 'none'})",
                metadata={"permission": permission})
        if region is not None and not self.can(permission, region):
            raise PermissionDenied(
                f"{self.subject} may not act for region {region} "
                f"(scope: {', '.join(self.regions) or 'none'})",
                code="REGION_OUT_OF_SCOPE", metadata={"region": region})


ANONYMOUS = Principal(subject="")


def permissions_of(roles: Iterable[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def mint_token(secret: str, subject: str, roles: Sequence[str], regions: Sequence[str], *,
               department: str | None = None, name: str = "", ttl_s: int = 3600,
               issuer: str = "sunlight") -> str:
    unknown = [r for r in roles if r not in ROLE_PERMISSIONS]
    if unknown:
        raise ValueError(f"unknown roles {unknown}; known: {sorted(ROLE_PERMISSIONS)}")
    now = int(time.time())
    claims = {"sub": subject, "roles": list(roles), "regions": list(regions), "name": name,
              "iss": issuer, "iat": now, "exp": now + ttl_s}
    if department:
        claims["department"] = department
    return jwt.encode(claims, secret, algorithm="HS256")


class Authenticator:
    """Verifies bearer tokens into principals."""

    def __init__(self, secret: str, issuer: str = "sunlight") -> None:
        self._secret = secret
        self._issuer = issuer

    def principal(self, authorization: str | None) -> Principal:
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("the authorization header must be 'Bearer <token>'")
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"],
                                issuer=self._issuer, options={"require": ["sub", "exp"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired: sign in again") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from None
        roles = tuple(str(r) for r in claims.get("roles", []))
        return Principal(subject=str(claims["sub"]), roles=roles,
                         regions=tuple(str(r) for r in claims.get("regions", [])),
                         department=claims.get("department"), name=claims.get("name", ""),
                         permissions=permissions_of(roles))


class ServiceToken:
    """A process's own token for calling the node's services, renewed before it expires."""

    def __init__(self, secret: str, subject: str, regions: Sequence[str],
                 issuer: str = "sunlight", ttl_s: int = 3600,
                 roles: Sequence[str] = ("service",)) -> None:
        self._args = (secret, subject, tuple(roles), tuple(regions))
        self._issuer, self._ttl = issuer, ttl_s
        self._token, self._expires = "", 0.0

    def header(self) -> str:
        if time.time() > self._expires - 60:
            self._token = mint_token(*self._args, issuer=self._issuer, ttl_s=self._ttl)
            self._expires = time.time() + self._ttl
        return f"Bearer {self._token}"
