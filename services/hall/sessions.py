"""Sessions and forms of the hall: who is signed in, for how long, and that every form
posted comes from a page the hall gave that session.

The session lives in a cookie signed by Starlette's ``SessionMiddleware`` (itsdangerous:
HMAC-signed and time-stamped), ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when configured
(SUNLIGHT_HALL_SECURE_COOKIES). It carries the identity, when the sign-in ends
(SUNLIGHT_HALL_SESSION_TTL_S after it began, however active the person is) and a CSRF token.
A page that needs a sign-in sends whoever has none — or whose sign-in has ended — to the
sign-in page with the way back (``next``), never to a bare 403; a form posted after the
sign-in ended is kept (its fields, in the session) and offered again after signing in.

Every ``POST`` reads its fields through ``posted_form``, which refuses a form without the
session's CSRF token (synchroniser token; compared in constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Request

from services.hall.identity import Identity

SESSION_COOKIE = "sunlight_hall"
CSRF_FIELD = "csrf_token"
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 50
MAX_NEXT = 500
#: drafts kept for forms posted after the sign-in ended, at most this many
MAX_DRAFTS = 5


def session_key(node_key: str) -> str:
    """The cookie's signing key, derived from the node's private token key (its text; one
    secret less to manage; a key of its own for this one purpose)."""
    return hmac.new(node_key.encode(), b"sunlight hall session cookie v1",
                    hashlib.sha256).hexdigest()


class SignInRequired(Exception):  # noqa: N818 - a redirect, not a failure
    """The page needs a sign-in: to the sign-in page, then back to ``next``."""

    def __init__(self, next_path: str, expired: bool) -> None:
        super().__init__(next_path)
        self.next_path, self.expired = next_path, expired

    @property
    def location(self) -> str:
        return f"/signin?next={quote(self.next_path, safe='/')}" + (
            "&expired=1" if self.expired else "")


class FormRefused(Exception):  # noqa: N818 - said to the person
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def safe_next(value: str | None, default: str = "/") -> str:
    """A path on this site to go back to (never another site's address)."""
    if not value or len(value) > MAX_NEXT or not value.startswith("/") or \
            value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return default
    return value


@dataclass
class Sessions:
    ttl_s: int
    clock: Callable[[], float] = time.time
    #: why an open session no longer holds (None: it does) — the identity provider's say,
    #: e.g. a demo account's session once the node's demo data is off
    refused: Callable[[Identity], str | None] | None = None

    def sign_in(self, request: Request, identity: Identity) -> None:
        """A new session: whatever the old one held is dropped (no fixation), except the
        drafts kept for after signing in, and the CSRF token is new."""
        drafts = request.session.get("drafts", {})
        request.session.clear()
        request.session.update(identity=identity.to_session(),
                               expires=int(self.clock()) + self.ttl_s,
                               csrf=secrets.token_urlsafe(32))
        if drafts:
            request.session["drafts"] = drafts

    def sign_out(self, request: Request) -> None:
        request.session.clear()

    def state(self, request: Request) -> tuple[Identity | None, bool]:
        """(identity, expired): the identity while the sign-in lasts; after it ends, None
        and True (the identity is dropped from the session there and then)."""
        data = request.session.get("identity")
        if data is None:
            return None, False
        expires = request.session.get("expires")
        if not isinstance(expires, int) or expires <= self.clock():
            request.session.pop("identity", None)
            request.session.pop("expires", None)
            return None, True
        identity = Identity.from_session(data)
        if identity is None:
            request.session.clear()
        elif self.refused is not None and (why := self.refused(identity)) is not None:
            request.session.clear()  # signed out there and then; the sign-in page says why
            request.session["ended"] = why
            return None, True
        return identity, False

    def identity(self, request: Request) -> Identity | None:
        return self.state(request)[0]

    def require(self, request: Request, *, draft: dict[str, str] | None = None) -> Identity:
        """The signed-in identity, or SignInRequired back to this page (a form's fields,
        ``draft``, are kept for it)."""
        identity, expired = self.state(request)
        if identity is not None:
            return identity
        back = request.url.path
        if draft is not None:
            back = safe_next(request.headers.get("referer") and urlsplit(
                request.headers["referer"]).path, back)
            self.keep_draft(request, back, draft)
        elif request.url.query:
            back = f"{back}?{request.url.query}"
        raise SignInRequired(safe_next(back), expired)

    # --- forms ------------------------------------------------------------------------------
    def csrf_token(self, request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str) or not token:
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    def keep_draft(self, request: Request, path: str, fields: dict[str, str]) -> None:
        drafts = dict(request.session.get("drafts", {}))
        drafts[path] = {k: v for k, v in fields.items() if k != CSRF_FIELD}
        while len(drafts) > MAX_DRAFTS:
            drafts.pop(next(iter(drafts)))
        request.session["drafts"] = drafts

    def take_draft(self, request: Request, path: str) -> dict[str, str]:
        drafts = dict(request.session.get("drafts", {}))
        found = drafts.pop(path, None)
        if found is not None:
            request.session["drafts"] = drafts
        return found if isinstance(found, dict) else {}

    async def posted_form(self, request: Request) -> dict[str, str]:
        """The fields of an ``application/x-www-form-urlencoded`` POST whose CSRF token is
        the session's; FormRefused (or SignInRequired when the session is gone) otherwise.
        Each field's first value; the token itself is left out."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise FormRefused(415, "FORM_REQUIRED", "请通过页面上的表单提交。")
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise FormRefused(413, "FORM_TOO_LARGE", "提交的内容太长，请删减后再试。")
        try:
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                              max_num_fields=MAX_FORM_FIELDS, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            raise FormRefused(400, "FORM_INVALID", "提交的内容无法识别，请返回页面重新填写。"
                              ) from None
        fields = {k: v[0] for k, v in parsed.items()}
        self._check_csrf(request, fields.pop(CSRF_FIELD, ""), fields)
        return fields

    async def posted_upload(self, request: Request, max_file_bytes: int
                            ) -> tuple[dict[str, str], tuple[str, bytes] | None]:
        """The fields and the one file (its name and bytes; None when none was chosen) of
        a ``multipart/form-data`` POST whose CSRF token is the session's — the same check
        as ``posted_form``. A file larger than ``max_file_bytes`` is read no further than
        one byte past it (the caller refuses it, on its form)."""
        fields, files = await self.posted_files(request, max_file_bytes, 1)
        return fields, (files[0][1], files[0][2]) if files else None

    async def posted_files(self, request: Request, max_file_bytes: int, max_files: int
                           ) -> tuple[dict[str, str], list[tuple[str, str, bytes]]]:
        """The fields and the files chosen (each its input's name, the file's name and its
        bytes, at most one per input) of a ``multipart/form-data`` POST whose CSRF token is
        the session's; a form without files may come ``application/x-www-form-urlencoded``.
        Each file is read no further than one byte past ``max_file_bytes`` (the caller
        refuses it, on its form)."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "multipart/form-data":  # no file chosen, or not from the page's form
            return await self.posted_form(request), []
        if not request.headers.get("content-length", "").isdigit():
            # the callers refuse a body too big by its declared length before reading it; one
            # sent without a length (chunked) would be spooled to disk whole before any check.
            # Browsers always state it for a form.
            raise FormRefused(411, "LENGTH_REQUIRED", "提交的文件没有注明大小，无法接收。请在"
                              "页面上重新选择文件后提交。")
        try:
            form = await request.form(max_files=max_files, max_fields=MAX_FORM_FIELDS,
                                      max_part_size=MAX_FORM_BYTES)
        except Exception:  # noqa: BLE001 - a malformed body, whatever the parser says
            raise FormRefused(400, "FORM_INVALID", "提交的内容无法识别，请返回页面重新选择"
                              "文件。") from None
        fields: dict[str, str] = {}
        files: list[tuple[str, str, bytes]] = []
        try:
            for name, value in form.multi_items():
                if isinstance(value, str):
                    fields.setdefault(name, value)
                elif value.filename and all(name != f[0] for f in files):
                    files.append((name, value.filename, await value.read(max_file_bytes + 1)))
        finally:
            await form.close()
        self._check_csrf(request, fields.pop(CSRF_FIELD, ""), fields)
        return fields, files

    def _check_csrf(self, request: Request, sent: str,
                    fields: dict[str, str] | None = None) -> None:
        """Nothing when ``sent`` is the session's CSRF token; SignInRequired when the session
        is gone, FormRefused otherwise. When the session is gone and the form was posted from
        one of this site's pages (the browser says so: ``Sec-Fetch-Site``, else ``Origin``
        or ``Referer``), its ``fields`` are kept as the draft of that page, to be offered
        again after signing in (only offered, never acted on: nothing was done with them)."""
        expected = request.session.get("csrf")
        if isinstance(expected, str) and expected and hmac.compare_digest(
                sent.encode(), expected.encode()):
            return
        identity, expired = self.state(request)
        if identity is None and request.url.path not in ("/signin", "/signup"):
            # the session is gone (its cookie expired, or was never there): sign in again
            back = safe_next(request.headers.get("referer") and urlsplit(
                request.headers["referer"]).path)
            if fields and back != "/" and same_site(request):
                self.keep_draft(request, back, fields)
            raise SignInRequired(back, True)
        raise FormRefused(403, "CSRF_FAILED", "表单已失效或并非来自本站页面，未予处理。"
                          "请返回上一页，刷新后重新提交。")


def same_site(request: Request) -> bool:
    """Whether the browser says the request comes from one of this site's own pages."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    host = request.headers.get("host", "")
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    return bool(host) and urlsplit(source).netloc == host


def template_context(sessions: Sessions) -> Callable[[Request], dict[str, Any]]:
    """What every page knows: who is signed in, and the form token (made when a page asks)."""

    def context(request: Request) -> dict[str, Any]:
        if "session" not in request.scope:
            return {"me": None, "csrf_token": lambda: ""}
        return {"me": sessions.identity(request),
                "csrf_token": lambda: sessions.csrf_token(request)}

    return context
