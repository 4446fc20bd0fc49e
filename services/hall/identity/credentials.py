"""What a person types to sign in, checked before any account is looked up, and passwords.

Resident ID numbers and credit codes are checked by the project's own validators
(``services.shared.codes``: GB 11643 and GB 32100 with their check characters, the same ones
the case service applies to parties); this module only says what is wrong in Chinese, for
the form. Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, RFC 9106's second
recommended set) and checked in constant time; a hash made with older parameters is
replaced at the next sign-in.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.hall.identity import INVALID_LOGIN, LOGIN_WORDS, WEAK_PASSWORD, Kind, SignInRefused
from services.shared.codes import CodeCheck, check_credit_code, check_resident_id

#: staff account names: letters, digits and . _ - (e.g. zhang.wei), as the token's subject
STAFF_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}\Z")
MIN_PASSWORD, MAX_PASSWORD = 8, 128
MAX_NAME = 100


def normalise_login(kind: Kind, text: str) -> str:
    """The login as stored (upper case, no blanks), or SignInRefused saying what is wrong."""
    value = (text or "").strip()
    what = LOGIN_WORDS[kind]
    if not value:
        raise SignInRefused(INVALID_LOGIN, f"请填写{what}。", field="login")
    if kind is Kind.STAFF:
        value = value.lower()
        if not STAFF_LOGIN.match(value):
            raise SignInRefused(INVALID_LOGIN, "工作人员账号由 2 到 64 个小写字母、数字或 . _ - "
                                "组成，以字母或数字开头。", field="login")
        return value
    check = check_resident_id(value) if kind is Kind.PERSON else check_credit_code(value)
    if not check.ok:
        raise SignInRefused(INVALID_LOGIN, _code_problem(kind, value.upper(), check),
                            field="login")
    assert check.normalized is not None
    return check.normalized


def _code_problem(kind: Kind, value: str, check: CodeCheck) -> str:
    what = LOGIN_WORDS[kind]
    length = 18
    if len(value) != length:
        hint = ""
        if kind is Kind.PERSON and len(value) == 15:
            hint = "（15 位的一代身份证号码请换算为 18 位）"
        if kind is Kind.ENTERPRISE and len(value) in (9, 10):
            hint = "（这像是 9 位的组织机构代码，请填写 18 位的统一社会信用代码）"
        return f"{what}应为 18 位，您填写了 {len(value)} 位{hint}。"
    if check.expected is not None:
        return (f"{what}的最后一位校验码不对（按国家标准应为 {check.expected}），"
                "请逐位核对。")
    if kind is Kind.PERSON and check.position == 1:
        return f"{what}的前 6 位不是有效的地址码，请核对。"
    if kind is Kind.PERSON and check.position == 7:
        return f"{what}的第 7 至 14 位不是有效的出生日期，请核对。"
    if check.position:
        allowed = "数字" if kind is Kind.PERSON else "数字和大写字母（不用 I、O、S、V、Z）"
        return f"{what}第 {check.position} 位的字符不对：只能是{allowed}。"
    return f"{what}不正确，请核对。"


def password_problem(password: str, login: str = "") -> str | None:
    """Why a new password is refused (Chinese), or None."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 位。"
    if len(password) > MAX_PASSWORD:
        return f"密码最多 {MAX_PASSWORD} 位。"
    if len(set(password)) < 4:
        return "密码太简单：请至少使用 4 个不同的字符。"
    if login and login.lower() in password.lower():
        return "密码不能包含账号、身份证号码或统一社会信用代码。"
    return None


def check_password(password: str, login: str = "") -> str:
    problem = password_problem(password, login)
    if problem:
        raise SignInRefused(WEAK_PASSWORD, problem, field="password")
    return password


def name_problem(name: str) -> str | None:
    value = name.strip()
    if not value:
        return "请填写姓名或单位名称。"
    if len(value) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return f"名称最多 {MAX_NAME} 个字，且不能包含控制字符。"
    return None


class Passwords:
    """Argon2id hashes: ``hash`` a new password, ``verify`` one typed (constant time), and
    ``needs_rehash`` when the parameters have changed since it was stored."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # verified against when the account does not exist, so that an unknown account
        # takes as long to refuse as a wrong password (no probing for who has one)
        self._dummy = self._hasher.hash("sunlight-no-such-account")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
