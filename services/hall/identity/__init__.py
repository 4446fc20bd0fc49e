"""Who is signing in to the hall (统一身份认证): the port, and what it answers.

The hall asks an ``IdentityProvider`` to verify what a person typed and gets an ``Identity``
back: natural persons (自然人) by their resident ID number (GB 11643), enterprises and other
legal persons (法人) by their unified social credit code (GB 32100), and staff (civil servants
and supervisors, 工作人员) by the account an operator made for them. The local provider
(``services.hall.identity.local``) keeps accounts and Argon2 password hashes in the hall's
own database; a provincial single sign-on (OIDC) can take its place later by answering the
same ``Identity`` — nothing else in the hall knows where an identity came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Kind(StrEnum):
    PERSON = "person"          # 自然人: resident ID number
    ENTERPRISE = "enterprise"  # 法人: unified social credit code
    STAFF = "staff"            # 工作人员: an account made by an operator

    @property
    def words(self) -> str:
        return KIND_WORDS[self]


KIND_WORDS = {Kind.PERSON: "个人", Kind.ENTERPRISE: "法人", Kind.STAFF: "工作人员"}
#: what the login field is called, per kind
LOGIN_WORDS = {Kind.PERSON: "身份证号码", Kind.ENTERPRISE: "统一社会信用代码",
               Kind.STAFF: "工作人员账号"}


@dataclass(frozen=True)
class Identity:
    """A person (or enterprise) the hall has verified. ``subject`` is the one name the
    services know them by; staff carry their roles, regions and department (its unified
    social credit code), which the services check on every call."""

    kind: Kind
    subject: str
    display_name: str
    roles: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    department_code: str = ""
    department_name: str = ""
    positions: tuple[str, ...] = field(default=())
    #: an account of the demo data (its password is published): refused once the node's demo
    #: data is off (SUNLIGHT_DEMO_DATA=0), its open sessions too
    demo: bool = False

    @property
    def staff(self) -> bool:
        return self.kind is Kind.STAFF

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def to_session(self) -> dict[str, Any]:
        """What the signed session cookie carries."""
        return {"kind": self.kind.value, "subject": self.subject, "name": self.display_name,
                "roles": list(self.roles), "regions": list(self.regions),
                "department": self.department_code, "department_name": self.department_name,
                "positions": list(self.positions), **({"demo": True} if self.demo else {})}

    @classmethod
    def from_session(cls, data: Any) -> Identity | None:
        """The identity a session carries, or None when it carries none (or garbage)."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(Kind(data["kind"]), str(data["subject"]), str(data["name"]),
                       tuple(map(str, data.get("roles", ()))),
                       tuple(map(str, data.get("regions", ()))),
                       str(data.get("department", "")), str(data.get("department_name", "")),
                       tuple(map(str, data.get("positions", ()))),
                       data.get("demo") is True)
        except (KeyError, ValueError, TypeError):
            return None


class SignInRefused(Exception):  # noqa: N818 - a refusal, said to the person
    """Why a sign-in (or a registration) did not succeed, in Chinese, with a stable code;
    ``field`` names the form field the message belongs to, ``retry_after`` the seconds to
    wait when it was one attempt too many. ``reason``: what the audit of sign-ins records
    when it says more than ``code`` (an unknown account and a wrong password are one answer
    to the person, two outcomes to supervisors: UNKNOWN_ACCOUNT, WRONG_PASSWORD)."""

    def __init__(self, code: str, message: str, *, field: str = "",
                 retry_after: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.field, self.retry_after = (
            code, message, field, retry_after)
        self.reason = reason


#: stable codes of refusals
BAD_CREDENTIALS = "BAD_CREDENTIALS"
TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
INVALID_LOGIN = "INVALID_LOGIN"
WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105 - a refusal code, not a password
ACCOUNT_EXISTS = "ACCOUNT_EXISTS"


class IdentityProvider(Protocol):
    """Verifies credentials; the hall's one way to learn who someone is."""

    def authenticate(self, kind: Kind, login: str, password: str, client: str) -> Identity:
        """The identity ``login`` and ``password`` prove, from the client address ``client``
        (for attempt limits); SignInRefused saying why not."""
        ...

    def session_refused(self, identity: Identity) -> str | None:
        """Why a session opened earlier for ``identity`` no longer holds (in Chinese), or None
        while it does — e.g. a demo account once the node's demo data is off."""
        ...
