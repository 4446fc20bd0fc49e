"""The local identity provider: accounts and Argon2 hashes in the hall's own database.

Attempts are limited twice, with the ``limits`` package the hall already uses for its public
lookups (moving windows, in the memory of each hall process): per client address, every
attempt (sign-in or registration), so one address cannot try many accounts; and per
account, every failed password, so many addresses cannot try one account. An attempt over
either limit is refused before any password is checked, saying how long to wait. An
unknown account and a wrong password get the same answer, in the same time.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.hall.identity import (
    ACCOUNT_DISABLED,
    ACCOUNT_EXISTS,
    BAD_CREDENTIALS,
    INVALID_LOGIN,
    TOO_MANY_ATTEMPTS,
    Identity,
    Kind,
    SignInRefused,
)
from services.hall.identity.accounts import (  # noqa: F401 - DEMO_CREATOR: its old home
    DEMO_CREATOR,
    Account,
    AccountExists,
    AccountStore,
)
from services.hall.identity.credentials import (
    Passwords,
    check_password,
    name_problem,
    normalise_login,
)
from services.shared.auth import check_claims
from services.shared.rate_limits import SIGN_IN_ACCOUNT, SIGN_IN_CLIENT, RateLimit

DEMO_OFF = "演示账号已停用：本节点已关闭演示数据，请使用正式账号登录。"
#: accounts whose demo-ness is remembered (then forgotten all at once)
MAX_REMEMBERED = 10_000


@dataclass
class SignInLimits:
    """Failed passwords per account; attempts (sign-in and registration) per client."""

    per_account: RateLimit
    per_client: RateLimit

    @classmethod
    def of(cls, account: str = SIGN_IN_ACCOUNT, client: str = SIGN_IN_CLIENT
           ) -> SignInLimits:
        return cls(RateLimit("sign_in_account", account), RateLimit("sign_in_client", client))


def _too_many(wait: int) -> SignInRefused:
    return SignInRefused(TOO_MANY_ATTEMPTS, f"尝试次数过多。为保护账号安全，请在 {wait} 秒后再试。",
                         retry_after=wait)


class LocalIdentityProvider:
    """``IdentityProvider`` over ``AccountStore``; also what operators and the registration
    page do with accounts."""

    def __init__(self, store: AccountStore, node_region: str, *,
                 limits: SignInLimits | None = None, passwords: Passwords | None = None,
                 demo_accounts: bool = True) -> None:
        self.store = store
        self.demo_accounts = demo_accounts
        self._demo_subjects: dict[str, bool] = {}
        self.node_region = node_region
        self.limits = limits or SignInLimits.of()
        self.passwords = passwords or Passwords()

    # --- signing in ------------------------------------------------------------------------
    def authenticate(self, kind: Kind, login: str, password: str, client: str) -> Identity:
        wait = self.limits.per_client.hit(client)
        if wait is not None:
            raise _too_many(wait)
        subject = normalise_login(kind, login)
        account_key = f"{kind.value}:{subject}"
        wait = self.limits.per_account.retry_after(account_key)
        if wait is not None:
            raise _too_many(wait)
        account = self.store.get(subject)
        if account is not None and account.kind is not kind:
            account = None
        if not self.passwords.verify(account.password_hash if account else None, password):
            self.limits.per_account.hit(account_key)
            raise SignInRefused(BAD_CREDENTIALS, "账号或密码不正确，请核对后再试。",
                                reason="UNKNOWN_ACCOUNT" if account is None
                                else "WRONG_PASSWORD")
        assert account is not None
        if account.disabled:
            raise SignInRefused(ACCOUNT_DISABLED, "该账号已停用。如有疑问，请联系系统管理员。")
        if account.created_by == DEMO_CREATOR and not self.demo_accounts:
            raise SignInRefused(ACCOUNT_DISABLED, DEMO_OFF)
        rehashed = (self.passwords.hash(password)
                    if self.passwords.needs_rehash(account.password_hash) else None)
        self.store.signed_in(subject, rehashed)
        return account.identity(self.node_region)

    def session_refused(self, identity: Identity) -> str | None:
        """A demo account's session, once the node's demo data is off: refused, like its
        sign-in. A session marks its demo account (``Identity.demo``); one opened before
        sessions were marked is told by its account (looked up once per account: whether
        an account is a demo one never changes)."""
        if self.demo_accounts:
            return None
        demo = identity.demo
        if not demo:
            demo = self._demo_subjects.get(identity.subject)
            if demo is None:
                account = self.store.get(identity.subject)
                demo = account is not None and account.created_by == DEMO_CREATOR
                if len(self._demo_subjects) >= MAX_REMEMBERED:
                    self._demo_subjects.clear()
                self._demo_subjects[identity.subject] = demo
        return DEMO_OFF if demo else None

    # --- accounts --------------------------------------------------------------------------
    def register(self, kind: Kind, login: str, name: str, password: str, client: str
                 ) -> Identity:
        """A person or an enterprise signs up in the hall (自助注册)."""
        if kind is Kind.STAFF:
            raise SignInRefused(INVALID_LOGIN, "工作人员账号由系统管理员开设，不能自助注册。",
                                field="kind")
        wait = self.limits.per_client.hit(client)
        if wait is not None:
            raise _too_many(wait)
        subject = normalise_login(kind, login)
        problem = name_problem(name)
        if problem:
            raise SignInRefused("INVALID_NAME", problem, field="name")
        check_password(password, subject)
        account = Account(subject, kind, name.strip(), self.passwords.hash(password),
                          created_by="self")
        try:
            self.store.add(account)
        except AccountExists:
            raise SignInRefused(ACCOUNT_EXISTS, "这个号码已经注册过了。请直接登录；"
                                "忘记密码请到办事大厅窗口办理重置。", field="login") from None
        return account.identity(self.node_region)

    def add(self, kind: Kind, login: str, name: str, password: str, *,
            roles: tuple[str, ...] = (), regions: tuple[str, ...] = (),
            department_code: str = "", department_name: str = "",
            positions: tuple[str, ...] = (), created_by: str = "cli") -> Account:
        """An account made by an operator. Staff accounts must say what a token may say
        (roles, real regions, a department's valid credit code where the role needs one):
        InvalidArgument (from the shared token rules) otherwise."""
        subject = normalise_login(kind, login)
        problem = name_problem(name)
        if problem:
            raise SignInRefused("INVALID_NAME", problem, field="name")
        check_password(password, subject)
        department_code = department_code.strip().upper()
        if kind is Kind.STAFF:
            check_claims(subject, roles, regions, department_code or None, positions,
                         department_name)
        elif roles or regions or department_code or positions:
            raise SignInRefused(INVALID_LOGIN, "只有工作人员账号有角色、地区和部门。")
        account = Account(subject, kind, name.strip(), self.passwords.hash(password),
                          tuple(roles), tuple(regions), tuple(positions), department_code,
                          department_name, created_by=created_by)
        try:
            return self.store.add(account)
        except AccountExists:
            raise SignInRefused(ACCOUNT_EXISTS, f"账号 {subject} 已经存在。",
                                field="login") from None

    def reset_password(self, subject: str, password: str) -> bool:
        """A new password for an account (False: no such account)."""
        account = self.store.get(subject.strip().upper()) or self.store.get(
            subject.strip().lower())
        if account is None:
            return False
        check_password(password, account.subject)
        return self.store.set_password(account.subject, self.passwords.hash(password))
