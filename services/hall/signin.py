"""Signing in, signing up and signing out (登录 · 注册 · 退出).

``/signin``: a person by their resident ID number, an enterprise by its unified social credit
code, staff by their account, each with a password; ``/signup``: persons and enterprises make
their own account; ``/signout`` ends the session. A refusal is shown on the form, next to the
field it is about, in Chinese; too many attempts answer 429 with ``Retry-After``.
"""

# No `from __future__ import annotations`: the routes' annotations name the session
# object of the closure (``Depends(sessions.posted_form)``), which FastAPI must see evaluated.
import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services.hall.identity import (
    KIND_WORDS,
    LOGIN_WORDS,
    TOO_MANY_ATTEMPTS,
    Identity,
    IdentityProvider,
    Kind,
    SignInRefused,
)
from services.hall.identity.credentials import MIN_PASSWORD
from services.hall.sessions import Sessions, safe_next
from services.hall.sign_in_audit import (
    MAX_USER_AGENT,
    OK,
    SIGNED_OUT,
    SignInAudit,
    outcome_of,
    shown_account,
)

log = logging.getLogger(__name__)
Render = Callable[..., HTMLResponse]


def home_of(identity: Identity) -> str:
    """Where a sign-in without a way back lands."""
    if identity.has_role("supervisor", "admin"):
        return "/supervision"
    return "/"


def _kind(value: str, default: Kind = Kind.PERSON) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        return default


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:MAX_USER_AGENT]


def add_signin_pages(app: FastAPI, render: Render, sessions: Sessions,
                     provider: IdentityProvider | None,
                     audit: SignInAudit | None = None) -> None:
    def audited(event: str, kind: Kind, outcome: str, login: str, request: Request) -> None:
        """One row of the audit of sign-ins (when the hall keeps one); never the password,
        a person's number masked (``services.hall.sign_in_audit``)."""
        if audit is not None:
            audit.record(event, kind, outcome, login, _client(request), _user_agent(request))

    def form(request: Request, name: str, context: dict[str, Any], status: int = 200
             ) -> HTMLResponse:
        context.setdefault("error", None)
        context.update(kinds=[(k, KIND_WORDS[k], LOGIN_WORDS[k]) for k in Kind],
                       min_password=MIN_PASSWORD)
        return render(request, name, context, status)

    def unavailable() -> SignInRefused:
        return SignInRefused("SIGN_IN_UNAVAILABLE", "登录服务暂时不可用，请稍后再试。")

    @app.get("/signin", response_class=HTMLResponse)
    def signin_page(request: Request,
                    next_: Annotated[str, Query(alias="next", max_length=1000)] = "",
                    expired: Annotated[str, Query(max_length=5)] = "",
                    kind: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
        me = sessions.identity(request)
        ended = request.session.pop("ended", None)  # a session the provider no longer holds
        return form(request, "signin.html", {
            "next": safe_next(next_, ""), "expired": bool(expired) and not ended,
            "signed_in": me, "kind": _kind(kind), "login": "",
            "ended": ended if isinstance(ended, str) else ""})

    @app.post("/signin", response_class=HTMLResponse, response_model=None)
    def signin(request: Request,
               fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
               ) -> HTMLResponse | RedirectResponse:
        kind = _kind(fields.get("kind", ""))
        login, password = fields.get("login", ""), fields.get("password", "")
        back = safe_next(fields.get("next"), "")
        try:
            if provider is None:
                raise unavailable()
            identity = provider.authenticate(kind, login, password, _client(request))
        except SignInRefused as refused:
            status = 429 if refused.code == TOO_MANY_ATTEMPTS else 400
            response = form(request, "signin.html", {
                "next": back, "expired": False, "signed_in": None, "kind": kind,
                "login": login.strip()[:64], "error": refused}, status)
            if refused.retry_after:
                response.headers["Retry-After"] = str(refused.retry_after)
            outcome = outcome_of(refused.code, refused.reason)
            log.info("sign-in refused: %s (%s, %s)", outcome, kind.value,
                     shown_account(kind, login, outcome))
            audited("sign_in", kind, outcome, login, request)
            return response
        audited("sign_in", identity.kind, OK, identity.subject, request)
        sessions.sign_in(request, identity)
        log.info("signed in: %s (%s)", identity.subject if identity.staff else "…",
                 identity.kind.value)
        return RedirectResponse(back or home_of(identity), status_code=303)

    @app.post("/signout", response_model=None)
    def signout(request: Request,
                fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                ) -> RedirectResponse:
        me = sessions.identity(request)
        if me is not None:
            audited("sign_out", me.kind, SIGNED_OUT, me.subject, request)
        sessions.sign_out(request)
        return RedirectResponse("/signin?signed_out=1", status_code=303)

    @app.get("/signup", response_class=HTMLResponse)
    def signup_page(request: Request,
                    kind: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
        chosen = _kind(kind)
        return form(request, "signup.html", {
            "kind": chosen if chosen is not Kind.STAFF else Kind.PERSON, "login": "",
            "name": ""})

    @app.post("/signup", response_class=HTMLResponse, response_model=None)
    def signup(request: Request,
               fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
               ) -> HTMLResponse | RedirectResponse:
        kind = _kind(fields.get("kind", ""))
        login, name = fields.get("login", ""), fields.get("name", "")
        password, again = fields.get("password", ""), fields.get("password_again", "")
        try:
            if provider is None or not hasattr(provider, "register"):
                raise unavailable()
            if password != again:
                raise SignInRefused("PASSWORDS_DIFFER", "两次输入的密码不一致。",
                                    field="password_again")
            identity = provider.register(kind, login, name, password, _client(request))
        except SignInRefused as refused:
            status = 429 if refused.code == TOO_MANY_ATTEMPTS else 400
            response = form(request, "signup.html", {
                "kind": kind if kind is not Kind.STAFF else Kind.PERSON,
                "login": login.strip()[:64], "name": name.strip()[:100], "error": refused},
                status)
            if refused.retry_after:
                response.headers["Retry-After"] = str(refused.retry_after)
            return response
        sessions.sign_in(request, identity)
        return RedirectResponse("/?welcome=1", status_code=303)
