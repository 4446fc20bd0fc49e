"""Who may open each page of the hall: every route of the app (the hall's own pages and those
of the modules it mounts — signin, track, apply, speak, supervision, workbench) is listed in
``PAGES`` with the identities it is for, and the test walks the app's route table, so a page
added without a line here fails.

Each route is asked by each identity — anonymous, a person, an enterprise, a clerk of the
district, a supervisor of the district, the province's administrator — signed in through
the hall's own form, every form with the session's CSRF token. One not in the page's line
must be refused by the hall itself: anonymous sent to sign in (``/signin?next=…``, or 401
for the live JSON), a signed-in identity 403 or 404 — and the services must not have been
called with that identity's token. One in the line must get past the hall's gate (the
stand-in services answer UNAVAILABLE: a 503, or whatever the page makes of it, is past).

What a service decides itself — a clerk of another county asking for a case of 511602, a
person for another's case — is ``tests/integration/test_hall_page_regions.py``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from services.hall.app import Access, create_app
from services.hall.apply import Applying, owner_of
from services.hall.backend import HallBackend
from services.hall.drafts import DraftStore
from services.hall.identity import Identity, Kind
from services.hall.identity import storage as t
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.storage import Limits, LocalStore
from services.hall.tokens import TokenMinter
from services.shared.db import Database
from services.shared.rate_limits import RateLimits
from services.shared.token_keys import TokenKey
from tests.support import departments
from tests.unit.test_hall_sign_in import FakeRpcError

KEY = TokenKey.generate().to_text()
PASSWORD = "Correct-horse-9"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
PERSON = "511602199001011236"
ENTERPRISE = departments.DEVELOPMENT
NUMBER = "511602202611160000001"
HALL_TOKEN = "Bearer hall"

#: name → (kind, login, roles, regions, department)
ACCOUNTS: dict[str, tuple[Kind, str, tuple[str, ...], tuple[str, ...], str]] = {
    "person": (Kind.PERSON, PERSON, (), (), ""),
    "enterprise": (Kind.ENTERPRISE, ENTERPRISE, (), (), ""),
    "clerk": (Kind.STAFF, "li.clerk", ("clerk",), ("511602",), departments.DEVELOPMENT),
    "supervisor": (Kind.STAFF, "wang.jc", ("supervisor",), ("511602",), ""),
    "admin": (Kind.STAFF, "zhao.admin", ("admin",), ("510000",), ""),
}
EVERYONE = frozenset({"anonymous", *ACCOUNTS})
SIGNED_IN = EVERYONE - {"anonymous"}
APPLICANTS = frozenset({"person", "enterprise"})
#: a draft application (网上申请) opens to the person or enterprise who started it only
DRAFT_OWNER = frozenset({"person"})
STAFF = frozenset({"clerk", "supervisor", "admin"})
SUPERVISORS = frozenset({"supervisor", "admin"})

#: (method, path) → who may open it, and what it is
PAGES: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    # the public hall (catalogue, guides, the case lookup, the open feed, health)
    ("GET", "/"): (EVERYONE, "the catalogue to browse"),
    ("GET", "/search"): (EVERYONE, "the catalogue's search"),
    ("GET", "/items/{item_id}"): (EVERYONE, "an item's guide (办事指南)"),
    ("GET", "/items/{item_id}/flow.svg"): (EVERYONE, "an item's flow drawn"),
    ("GET", "/cases"): (EVERYONE, "the lookup of a case by number and query code"),
    ("POST", "/cases"): (EVERYONE, "the lookup, sent"),
    ("GET", "/cases/{case_number}"): (EVERYONE, "a case number: to the lookup or to 我的办件"),
    ("GET", "/open"): (EVERYONE, "the public feed of cases (办件公示)"),
    ("GET", "/open/cases.json"): (EVERYONE, "the public feed, JSON"),
    ("GET", "/healthz"): (EVERYONE, "health"),
    # signing in
    ("GET", "/signin"): (EVERYONE, "the sign-in form"),
    ("POST", "/signin"): (EVERYONE, "signing in"),
    ("POST", "/signout"): (EVERYONE, "signing out"),
    ("GET", "/signup"): (EVERYONE, "the sign-up form (persons, enterprises)"),
    ("POST", "/signup"): (EVERYONE, "signing up"),
    # consultations: anyone may ask (without signing in, with a contact) and look one up
    ("GET", "/items/{item_id}/ask"): (EVERYONE, "asking about an item (咨询)"),
    ("POST", "/items/{item_id}/ask"): (EVERYONE, "a question sent"),
    ("GET", "/consultations"): (EVERYONE, "the lookup of a consultation by its code"),
    ("POST", "/consultations"): (EVERYONE, "the lookup, sent"),
    # an applicant's own pages (我的办件, complaints, ratings, applying online)
    ("GET", "/my/cases"): (APPLICANTS, "my cases"),
    ("GET", "/my/cases/open"): (APPLICANTS, "one of my cases by its number, wherever held"),
    ("GET", "/my/cases/{case_number}"): (APPLICANTS, "one of my cases"),
    ("POST", "/my/cases/{case_number}/supplement"): (APPLICANTS, "supplying materials (补正)"),
    ("GET", "/my/cases/{case_number}/withdraw"): (APPLICANTS, "withdrawing (撤回), the form"),
    ("POST", "/my/cases/{case_number}/withdraw"): (APPLICANTS, "withdrawing"),
    ("GET", "/my/cases/{case_number}/documents/{document_id}"): (
        APPLICANTS, "a document of my case (决定书…)"),
    ("GET", "/my/cases/{case_number}/rate"): (APPLICANTS, "rating a case (好差评), the form"),
    ("POST", "/my/cases/{case_number}/rate"): (APPLICANTS, "rating a case"),
    ("GET", "/my/feedback"): (APPLICANTS, "my consultations, complaints and ratings"),
    ("GET", "/complain"): (APPLICANTS, "a complaint (投诉), the form"),
    ("POST", "/complain"): (APPLICANTS, "a complaint"),
    ("GET", "/items/{item_id}/apply"): (APPLICANTS, "applying online (网上申请): start"),
    ("POST", "/items/{item_id}/apply"): (APPLICANTS, "applying online: a draft started"),
    ("GET", "/applications"): (APPLICANTS, "my draft applications"),
    ("GET", "/applications/{draft_id}"): (DRAFT_OWNER, "a draft: resume"),
    ("GET", "/applications/{draft_id}/applicant"): (DRAFT_OWNER, "a draft: the applicant"),
    ("POST", "/applications/{draft_id}/applicant"): (DRAFT_OWNER, "a draft: applicant saved"),
    ("GET", "/applications/{draft_id}/conditions"): (DRAFT_OWNER, "a draft: conditions"),
    ("POST", "/applications/{draft_id}/conditions"): (DRAFT_OWNER, "a draft: conditions saved"),
    ("GET", "/applications/{draft_id}/materials"): (DRAFT_OWNER, "a draft: materials"),
    ("POST", "/applications/{draft_id}/materials/{key}"): (DRAFT_OWNER, "a draft: an upload"),
    ("POST", "/applications/{draft_id}/materials/{key}/{sha256}/remove"): (
        DRAFT_OWNER, "a draft: a file removed"),
    ("GET", "/applications/{draft_id}/files/{sha256}"): (DRAFT_OWNER, "a draft: a file"),
    ("GET", "/applications/{draft_id}/check"): (DRAFT_OWNER, "a draft: check your answers"),
    ("POST", "/applications/{draft_id}/submit"): (DRAFT_OWNER, "a draft: submitted"),
    ("GET", "/applications/{draft_id}/receipt"): (DRAFT_OWNER, "a draft: the receipt"),
    # staff: the workbench (the case service decides which cases, by region and department)
    ("GET", "/workbench"): (STAFF, "the inbox (待办)"),
    ("POST", "/workbench/reassign"): (STAFF, "reassigning in bulk (the page refuses handlers)"),
    ("GET", "/workbench/cases/{case_number}"): (STAFF, "a case to handle"),
    ("GET", "/workbench/cases/{case_number}/documents/{document_id}"): (
        STAFF, "a document of a case"),
    ("POST", "/workbench/cases/{case_number}/act/{action}"): (STAFF, "an action on a case"),
    ("GET", "/workbench/consultations"): (STAFF, "consultations to answer"),
    ("POST", "/workbench/consultations/{consultation_id}/answer"): (STAFF, "an answer"),
    ("GET", "/staff/cases/{case_number}/files/{sha256}"): (STAFF, "a file of a case"),
    # supervision (监察): supervisors and administrators
    ("GET", "/supervision"): (SUPERVISORS, "the dashboard"),
    ("GET", "/supervision/rankings.{kind}"): (SUPERVISORS, "the rankings exported"),
    ("GET", "/supervision/warnings.json"): (SUPERVISORS, "new warnings, live (JSON)"),
    ("GET", "/supervision/warnings/{warning_id}"): (SUPERVISORS, "a warning"),
    ("POST", "/supervision/warnings/{warning_id}/{action}"): (SUPERVISORS, "acting on a warning"),
    ("GET", "/supervision/cases/{case_number}"): (SUPERVISORS, "a case's timeline"),
    ("GET", "/supervision/audit"): (SUPERVISORS, "who read which case file; sign-ins"),
    ("POST", "/supervision/audit"): (SUPERVISORS, "the same, filters posted (IDs out of URLs)"),
}
#: mounted applications (not pages): who may fetch them
MOUNTS = {"/static": EVERYONE}

PARAMS = {"item_id": "item-1", "case_number": NUMBER, "key": "form",
          "document_id": "d1", "warning_id": f"{NUMBER}:STEP_LIMIT:s2:1", "kind": "csv",
          "consultation_id": "c-1"}
#: what a form of a page sends beyond its CSRF token, and the query of a page
FORMS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/supervision/warnings/{warning_id}/{action}"): {"reason": "核实"},
    ("POST", "/workbench/cases/{case_number}/act/{action}"): {"instance_id": "s2"},
    ("POST", "/complain"): {"case_number": NUMBER},
}
QUERIES = {("GET", "/complain"): {"case_number": NUMBER}}
ACTIONS = {"/supervision/warnings/{warning_id}/{action}": "uphold",
           "/workbench/cases/{case_number}/act/{action}": "claim"}


class _Method:
    """A method of a stand-in service: records the caller's token, answers UNAVAILABLE."""

    def __init__(self, calls: list[str]) -> None:
        self._calls = calls

    def _called(self, metadata: Any) -> None:
        self._calls.append(dict(metadata or ()).get("authorization", ""))
        raise FakeRpcError(grpc.StatusCode.UNAVAILABLE)

    def __call__(self, request: Any, timeout: Any = None, metadata: Any = None, **_: Any) -> Any:
        self._called(metadata)

    with_call = future = __call__


@dataclass
class AnyService:
    """Every method of a service, as ``_Method``."""

    calls: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> _Method:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Method(self.calls)


@dataclass
class Hall:
    app: FastAPI
    calls: list[str]
    draft_id: str
    #: a file of the draft
    sha256: str
    #: each identity's session cookie, once signed in
    sessions: dict[str, dict[str, str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def hall(tmp_path_factory) -> Iterator[Hall]:
    root = tmp_path_factory.mktemp("hall")
    db = Database(f"sqlite:///{root / 'hall.db'}", "hall")
    t.metadata.create_all(db.engine)
    provider = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST,
                                     limits=SignInLimits.of("10000/minute", "10000/minute"))
    for name, (kind, login, roles, regions, department) in ACCOUNTS.items():
        provider.add(kind, login, name, PASSWORD, roles=roles, regions=regions,
                     **({"department_code": department, "department_name": "区发展改革局"}
                        if department else {}))
    calls: list[str] = []
    service = AnyService(calls)
    backend = HallBackend(service, service, lambda: HALL_TOKEN, 5.0, monitoring=service)
    drafts = DraftStore(db)
    owner = owner_of(Identity(Kind.PERSON, PERSON, "person"))
    draft = drafts.create(owner, "item-1", 1, "企业投资项目核准", "511602")
    files = LocalStore(root / "files")
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
    drafts.add_file(draft.draft_id, owner, "form", {
        "sha256": files.put(pdf), "name": "申请表.pdf", "media_type": "application/pdf",
        "size": len(pdf)})
    generous = "10000/minute"  # rate limits no walk through the pages reaches
    app = create_app(backend, "广安区", rates=RateLimits(generous, generous, generous),
                     access=Access(provider, TokenMinter(KEY), "k" * 64, session_ttl_s=3600),
                     applying=Applying(drafts, files, Limits()))
    yield Hall(app, calls, draft.draft_id, hashlib.sha256(pdf).hexdigest())
    db.dispose()


def csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert found, "no CSRF token on the sign-in page"
    return found.group(1)


def signed_in(hall: Hall, name: str) -> TestClient:
    """A client of its own (a page may sign it out), signed in as ``name`` once: its signed
    session cookie is reused."""
    client = TestClient(hall.app, follow_redirects=False)
    if name == "anonymous":
        return client
    if name not in hall.sessions:
        kind, login, *_ = ACCOUNTS[name]
        answer = client.post("/signin", data={"csrf_token": csrf(client), "kind": kind.value,
                                              "login": login, "password": PASSWORD,
                                              "next": "/"})
        assert answer.status_code == 303, f"{name} could not sign in"
        hall.sessions[name] = dict(client.cookies)
    client.cookies.update(hall.sessions[name])
    return client


def routes(app: FastAPI) -> set[tuple[str, str]]:
    return {(method, route.path) for route in app.routes if isinstance(route, APIRoute)
            for method in route.methods}


def url_of(hall: Hall, path: str) -> str:
    url = path.replace("{action}", ACTIONS.get(path, "x"))
    url = url.replace("{draft_id}", hall.draft_id).replace("{sha256}", hall.sha256)
    for name, value in PARAMS.items():
        url = url.replace("{" + name + "}", value)
    assert "{" not in url, f"no value for a parameter of {path}"
    return url


def test_every_route_of_the_hall_is_in_the_matrix(hall) -> None:
    found = routes(hall.app)
    assert not found - PAGES.keys(), (
        f"pages not in the matrix (say who may open them): {sorted(found - PAGES.keys())}")
    assert not PAGES.keys() - found, f"no longer pages: {sorted(PAGES.keys() - found)}"
    mounts = {route.path for route in hall.app.routes if isinstance(route, Mount)}
    assert mounts == MOUNTS.keys()
    # and nothing else: every route is a page or a mount
    assert all(isinstance(route, APIRoute | Mount) for route in hall.app.routes)


def outcome(hall: Hall, name: str, method: str, path: str) -> tuple[bool, str]:
    """(refused by the hall, what was seen)."""
    client = signed_in(hall, name)
    data = {"csrf_token": csrf(client), **FORMS.get((method, path), {})} \
        if method == "POST" else None
    hall.calls.clear()
    answer = client.request(method, url_of(hall, path), data=data,
                            params=QUERIES.get((method, path)))
    own = [token for token in hall.calls if token != HALL_TOKEN]
    location = answer.headers.get("location", "")
    seen = f"{answer.status_code} {location} {len(own)} call(s) as {name}"
    if name == "anonymous":
        to_sign_in = (answer.status_code == 303 and location.startswith("/signin?next=")) or (
            answer.status_code == 401 and answer.json().get("code") == "SIGN_IN_REQUIRED")
        return to_sign_in and not own, seen
    return answer.status_code in (403, 404) and not own, seen


def test_each_page_is_refused_to_whom_it_is_not_for(hall) -> None:
    wrong = []
    for (method, path), (allowed, _) in sorted(PAGES.items()):
        for name in sorted(EVERYONE):
            refused, seen = outcome(hall, name, method, path)
            if refused == (name in allowed):
                wrong.append(f"{method} {path} as {name}: {seen} — "
                             f"{'allowed' if name in allowed else 'not allowed'} there")
    assert not wrong, "\n".join(wrong)


def test_a_protected_page_is_never_kept_by_a_cache(hall) -> None:
    client = signed_in(hall, "clerk")
    for (method, path), (allowed, _) in PAGES.items():
        if allowed != EVERYONE and method == "GET":
            answer = client.get(url_of(hall, path), params=QUERIES.get((method, path)))
            assert answer.headers.get("cache-control") == "no-store", path
