"""The hall's case pages in front of the real services (PostgreSQL): staff and supervisors of
another county are refused a case of 511602 on every page that shows or acts on it, and a
person is refused another person's case — the page says "not found" (nothing of the case on
it), as the hall says for a case it may not show; the district's own clerk, supervisor and
the applicant open the same pages.

The hall's own gate (who may open which page at all) is ``tests/unit/test_hall_page_access``;
here the case service decides, with the token the hall mints for whoever is signed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2_grpc
from sunlight.catalogue.v1 import catalogue_pb2_grpc
from sunlight.monitoring.v1 import monitoring_pb2_grpc

from gateway.backends import Backends
from gateway.http_api import create_app as create_gateway
from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.hall.app import Access
from services.hall.app import create_app as create_hall
from services.hall.backend import HallBackend
from services.hall.identity import Kind
from services.hall.identity import storage as t
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.tokens import TokenMinter
from services.monitoring.projection import Projection
from services.monitoring.server import build as build_monitoring
from services.shared.auth import Authenticator, ServiceToken, mint_token
from services.shared.db import Database
from services.shared.rate_limits import RateLimits
from tests.integration.test_authorisation_matrix import (
    APPLICANT,
    FIRE_STAFF,
    PRINCIPALS,
    SUBJECTS,
    Node,
)
from tests.support import departments

pytestmark = pytest.mark.integration

PASSWORD = "Correct-horse-9"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
OTHER_PERSON = "511602198505051237"
#: name → (kind, login, roles, regions, department)
ACCOUNTS = {
    "clerk": (Kind.STAFF, "li.clerk", ("clerk",), ("511602",), departments.DEVELOPMENT),
    "clerk_other_county": (Kind.STAFF, "he.clerk", ("clerk",), ("511603",),
                           departments.DEVELOPMENT),
    "supervisor": (Kind.STAFF, "wang.jc", ("supervisor",), ("511602",), ""),
    "supervisor_other_county": (Kind.STAFF, "liu.jc", ("supervisor",), ("511603",), ""),
    "applicant": (Kind.PERSON, APPLICANT["id_number"], (), (), ""),
    "other_person": (Kind.PERSON, OTHER_PERSON, (), (), ""),
}


@dataclass
class World:
    node: Node
    hall: TestClient
    number: str
    review: str


@pytest.fixture(scope="module")
def world(pg_settings, tmp_path_factory) -> Iterator[World]:
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    catalogue_port = catalogue.start()
    settings = pg_settings.model_copy(update={"catalogue_port": catalogue_port})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    monitoring = build_monitoring(settings, "127.0.0.1:0")
    monitoring_port = monitoring.start()
    addresses = {"catalogue": f"127.0.0.1:{catalogue_port}", "cases": f"127.0.0.1:{cases_port}",
                 "monitoring": f"127.0.0.1:{monitoring_port}"}
    backends = Backends(addresses, 10.0)
    key, region = settings.token_key, settings.node_region
    tokens = {name: {} if spec is None else {"Authorization": "Bearer " + mint_token(
        key, SUBJECTS.get(name, f"matrix-{name}"), spec[0], [spec[1]], department=spec[2],
        positions=spec[3] if len(spec) > 3 else (),
        department_name=spec[4] if len(spec) > 4 else "", issuer=region)}
        for name, spec in {**PRINCIPALS, "fire": FIRE_STAFF}.items()}
    url = settings.database_url.replace("postgresql://", "postgresql+psycopg://")
    monitoring_db, cases_db = Database(url, "monitoring"), Database(url, "cases")
    gateway = create_gateway(backends, region, "四川省",
                             authenticator=Authenticator(key, region))
    # the hall, over the same services, as its process wires it
    hall_db = Database(f"sqlite:///{tmp_path_factory.mktemp('hall') / 'hall.db'}", "hall")
    t.metadata.create_all(hall_db.engine)
    provider = LocalIdentityProvider(AccountStore(hall_db), region, passwords=FAST,
                                     limits=SignInLimits.of("1000/minute", "1000/minute"))
    for name, (kind, login, roles, regions, department) in ACCOUNTS.items():
        provider.add(kind, login, name, PASSWORD, roles=roles, regions=regions,
                     **({"department_code": department, "department_name": "区发展改革局"}
                        if department else {}))
    channels = {name: grpc.insecure_channel(address) for name, address in addresses.items()}
    backend = HallBackend(
        catalogue_pb2_grpc.CatalogueServiceStub(channels["catalogue"]),
        cases_pb2_grpc.CaseServiceStub(channels["cases"]),
        ServiceToken(key, "hall", [region], issuer=region, roles=("hall",)).header, 10.0,
        monitoring=monitoring_pb2_grpc.MonitoringServiceStub(channels["monitoring"]))
    generous = "1000/minute"
    hall = create_hall(backend, "四川省", rates=RateLimits(generous, generous, generous),
                       access=Access(provider, TokenMinter(key, region), "k" * 64))
    with TestClient(gateway, raise_server_exceptions=False) as client, \
            TestClient(hall, raise_server_exceptions=False, follow_redirects=False) as pages:
        node = Node(client, tokens, Projection(monitoring_db), cases_db)
        number, review = node.accepted()  # of 区发展改革局 in 511602, at its review
        yield World(node, pages, number, review)
    for channel in channels.values():
        channel.close()
    backends.close()
    for db in (monitoring_db, cases_db, hall_db):
        db.dispose()
    for server in (monitoring, cases):
        server.stop(0)
    catalogue.stop(0)


def sign_in(client: TestClient, name: str) -> None:
    client.cookies.clear()
    form = client.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    kind, login, *_ = ACCOUNTS[name]
    answer = client.post("/signin", data={"csrf_token": token, "kind": kind.value,
                                          "login": login, "password": PASSWORD, "next": "/"})
    assert answer.status_code == 303, f"{name} could not sign in"


def csrf_of(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_staff_of_another_county_are_refused_the_districts_case(world) -> None:
    hall, number = world.hall, world.number
    sign_in(hall, "clerk")
    page = hall.get(f"/workbench/cases/{number}")
    assert page.status_code == 200 and APPLICANT["name"] in page.text  # the district's clerk

    sign_in(hall, "clerk_other_county")
    for path in (f"/workbench/cases/{number}", f"/workbench/cases/{number}/documents/d1",
                 f"/staff/cases/{number}/files/{'a' * 64}"):
        refused = hall.get(path)
        assert refused.status_code in (403, 404), (path, refused.status_code)
        assert APPLICANT["name"] not in refused.text and number not in refused.text.replace(
            f"/workbench/cases/{number}", ""), path
    # nor may they act on it: claiming its review step is refused, and nothing changes
    acted = hall.post(f"/workbench/cases/{number}/act/claim", data={
        "csrf_token": csrf_of(hall, "/workbench"), "instance_id": world.review,
        "key": "claim-other-county"})
    assert acted.status_code in (403, 404), acted.status_code
    case = world.node.ok(world.node.client.get(f"/v1/cases/{number}",
                                               headers=world.node.as_("clerk")), "read")["case"]
    review = next(s for s in case["steps"] if s["instance_id"] == world.review)
    assert not review.get("assignee"), review


def test_supervisors_of_another_county_are_refused_the_districts_case(world) -> None:
    hall, number = world.hall, world.number
    sign_in(hall, "supervisor")
    page = hall.get(f"/supervision/cases/{number}")
    assert page.status_code == 200 and number in page.text

    sign_in(hall, "supervisor_other_county")
    refused = hall.get(f"/supervision/cases/{number}")
    assert refused.status_code in (403, 404) and APPLICANT["name"] not in refused.text


def test_a_person_is_refused_another_persons_case(world) -> None:
    hall, number = world.hall, world.number
    sign_in(hall, "applicant")
    page = hall.get(f"/my/cases/{number}")
    assert page.status_code == 200 and number in page.text

    sign_in(hall, "other_person")
    for path in (f"/my/cases/{number}", f"/my/cases/{number}/withdraw",
                 f"/my/cases/{number}/documents/d1"):
        refused = hall.get(path)
        assert refused.status_code in (403, 404), (path, refused.status_code)
        assert APPLICANT["name"] not in refused.text, path
