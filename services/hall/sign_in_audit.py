"""The audit of sign-ins at the hall (登录审计): every attempt, success or not, and sign-outs.

One append-only row per attempt (``identity.storage.sign_in_audit``): when, which kind of
account, a stable outcome code (``OUTCOMES``), the account — a staff account as it is, a
person's resident ID number or an enterprise's credit code masked (``511602********1236``),
never in full and never the password —, an HMAC of the login as normalised (with a key of the
node's, so that an operator who has the number finds every attempt on it while the table
does not hold it), the client address and its user agent (bounded). The identity provider
answers an unknown account and a wrong password alike to the person; the audit tells them
apart (``SignInRefused.reason``). Listed newest first, a page at a time (``SignInAudit.list``:
one query gives a page, how many match and the token of the next page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, true

from services.hall.identity import Kind, SignInRefused
from services.hall.identity.credentials import normalise_login
from services.hall.identity.storage import sign_in_audit as table
from services.shared.db import Database
from services.shared.masking import derived_key, keyed, mask_number

#: outcome codes (stable; the Chinese words are for pages)
OK = "OK"
WRONG_PASSWORD = "WRONG_PASSWORD"  # noqa: S105 - an outcome code, not a password
UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
RATE_LIMITED = "RATE_LIMITED"
ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
INVALID_LOGIN = "INVALID_LOGIN"
UNAVAILABLE = "UNAVAILABLE"
SIGNED_OUT = "SIGNED_OUT"
OUTCOME_WORDS = {OK: "登录成功", WRONG_PASSWORD: "密码错误", UNKNOWN_ACCOUNT: "账号不存在",
                 RATE_LIMITED: "尝试过多被限制", ACCOUNT_DISABLED: "账号已停用",
                 INVALID_LOGIN: "账号格式不正确", UNAVAILABLE: "登录服务不可用",
                 SIGNED_OUT: "退出登录"}
OUTCOMES = tuple(OUTCOME_WORDS)
#: a refusal's code (``services.hall.identity``) → the outcome, when it gives no reason
_OF_REFUSAL = {"TOO_MANY_ATTEMPTS": RATE_LIMITED, "ACCOUNT_DISABLED": ACCOUNT_DISABLED,
               "INVALID_LOGIN": INVALID_LOGIN, "SIGN_IN_UNAVAILABLE": UNAVAILABLE,
               "BAD_CREDENTIALS": WRONG_PASSWORD}
MAX_CLIENT = 64
MAX_USER_AGENT = 200
MAX_LOGIN = 64


def outcome_of(code: str, reason: str = "") -> str:
    """The audit's outcome for a refusal (its code, and the provider's reason if any)."""
    if reason in OUTCOME_WORDS:
        return reason
    return _OF_REFUSAL.get(code, code[:32])


def audit_key(node_key: str) -> bytes:
    """The key of the accounts' HMACs, derived from the node's private token key (a key of
    its own for this one purpose, as the session cookie's)."""
    return derived_key(node_key, "sunlight hall sign-in audit v1")


def normalised(kind: Kind, login: str) -> str:
    """The login as accounts store it, as far as it can be told without refusing it."""
    text = (login or "").strip()
    return text.lower() if kind is Kind.STAFF else text.upper()


#: what the audit shows of a login that names no account (its HMAC is kept all the same)
NOT_AN_ACCOUNT = "—"
#: outcomes after which the login is not shown: it may be anything a person typed — their
#: password in the wrong field, too
UNSHOWN = frozenset({UNKNOWN_ACCOUNT, INVALID_LOGIN})


def shown_account(kind: Kind, login: str, outcome: str = OK) -> str:
    """What the audit (and the log) shows of a login: a staff account as it is, a number
    masked — and only a well-formed login of an account that exists; anything else is
    ``NOT_AN_ACCOUNT`` (found again by its HMAC, never shown)."""
    if outcome in UNSHOWN:
        return NOT_AN_ACCOUNT
    try:
        text = normalise_login(kind, login)[:MAX_LOGIN]
    except SignInRefused:
        return NOT_AN_ACCOUNT
    return text if kind is Kind.STAFF else mask_number(text)


@dataclass(frozen=True)
class SignInEvent:
    at: datetime
    event: str
    kind: str
    outcome: str
    account: str
    client: str
    user_agent: str
    id: int = 0

    @property
    def outcome_words(self) -> str:
        return OUTCOME_WORDS.get(self.outcome, self.outcome)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class SignInPage:
    """One page of records, newest first; how many match the filters in all; the token of
    the page after this one ("" on the last page)."""

    rows: list[SignInEvent]
    total: int
    next: str


def page_token(at: datetime, row_id: int) -> str:
    """The token of the page after the record (``at``, ``row_id``): the page starts below it
    (records newest first, by time then id), so records written meanwhile do not shift it."""
    return f"{(at - _EPOCH) // _MICROSECOND}-{row_id}"


def after_token(token: str) -> tuple[datetime, int]:
    """The record a page token names; ValueError for a text that is not a token."""
    micros, sep, row_id = token.partition("-")
    if (not sep or not micros.isdigit() or not row_id.isdigit() or len(micros) > 18
            or len(row_id) > 18):
        raise ValueError(f"not a page token: {token[:40]!r}")
    try:
        return _EPOCH + int(micros) * _MICROSECOND, int(row_id)
    except OverflowError:  # digits, but past any time a record can have
        raise ValueError(f"not a page token: {token[:40]!r}") from None


class SignInAudit:
    """Appends and lists the hall's sign-in records."""

    def __init__(self, db: Database, key: bytes,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db, self._key, self.clock = db, key, clock

    def account_key(self, kind: Kind, login: str) -> str:
        text = normalised(kind, login)
        if not text:
            return ""
        return keyed(self._key, f"{kind.value}:{text}")

    def row(self, event: str, kind: Kind, outcome: str, login: str, client: str,
            user_agent: str) -> dict[str, Any]:
        """The row of one attempt (bounded, masked)."""
        return {"at": self.clock(), "event": event, "kind": kind.value, "outcome": outcome,
                "account": shown_account(kind, login, outcome),
                "account_key": self.account_key(kind, login),
                "client": (client or "unknown")[:MAX_CLIENT],
                "user_agent": "".join(c for c in (user_agent or "") if c.isprintable()
                                      )[:MAX_USER_AGENT]}

    def record(self, event: str, kind: Kind, outcome: str, login: str, client: str,
               user_agent: str) -> None:
        with self.db.begin() as conn:
            conn.execute(insert(table).values(self.row(event, kind, outcome, login, client,
                                                       user_agent)))

    def list(self, *, kind: Kind | None = None, login: str = "", outcome: str = "",
             since: datetime | None = None, until: datetime | None = None, page: str = "",
             limit: int = 50) -> SignInPage:
        """Records newest first — of one account (``login`` with ``kind``: its full number or
        staff account), one outcome, a time window —, ``limit`` at a time from the page
        ``page`` names (``SignInPage.next`` of the one before; ValueError for a text that is
        not a token), with how many match in all: one query per page."""
        c = table.c
        where = []
        if kind is not None:
            where.append(c.kind == kind.value)
            if login:
                where.append(c.account_key == self.account_key(kind, login))
        if outcome:
            where.append(c.outcome == outcome)
        if since is not None:
            where.append(c.at >= since)
        if until is not None:
            where.append(c.at < until)
        below = []
        if page:
            at, row_id = after_token(page)
            below.append(or_(c.at < at, and_(c.at == at, c.id < row_id)))
        counted = select(func.count().label("total")).select_from(table).where(
            *where).subquery()
        rows = select(table).where(*where, *below).order_by(c.at.desc(), c.id.desc()).limit(
            limit + 1).subquery()
        # the count joined to the page's rows: one row with no record when the page is empty
        query = select(counted.c.total, rows).select_from(
            counted.outerjoin(rows, true())).order_by(rows.c.at.desc(), rows.c.id.desc())
        with self.db.read() as s:
            found = s.execute(query).all()
        total = int(found[0].total) if found else 0
        events = [SignInEvent(r.at, r.event, r.kind, r.outcome, r.account, r.client,
                              r.user_agent, r.id) for r in found if r.id is not None]
        more = len(events) > limit
        events = events[:limit]
        return SignInPage(events, total,
                          page_token(events[-1].at, events[-1].id) if more else "")
