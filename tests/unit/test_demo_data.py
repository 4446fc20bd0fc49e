"""The demo data (演示数据) without a node: its items are the shipped catalogue's rows, valid
drafts, marked 演示; its people have valid identities and token claims; it is off for tests'
nodes unless they ask; and the hall signs the demo accounts in only while it is on."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import grpc
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from google.protobuf import json_format
from sunlight.catalogue.v1 import catalogue_pb2 as cpb

from cli import demo
from cli import demo_data as d
from infra.localnode import DEMO, LocalNode
from infra.supervise import ONE_SHOT, procfile
from services.hall.app import Access, create_app
from services.hall.backend import HallBackend
from services.hall.identity import ACCOUNT_DISABLED, Identity, Kind, SignInRefused
from services.hall.identity import storage as t
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import DEMO_CREATOR, DEMO_OFF, LocalIdentityProvider
from services.hall.tokens import TokenMinter
from services.shared.auth import check_claims
from services.shared.codes import check_credit_code, check_resident_id
from services.shared.config import Settings
from services.shared.db import Database
from services.shared.territory import Territory
from services.shared.token_keys import TokenKey
from tests.support.guang_an import rows

FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def test_the_items_are_the_catalogues_rows_completed_and_marked() -> None:
    shipped = {r["item_code"]: r for r in rows()}
    for item in d.ITEMS:
        draft = json_format.ParseDict(item.draft, cpb.ItemDraft())  # a valid ItemDraft
        assert draft.name.endswith(d.MARK)
        assert draft.legal_basis and draft.steps and draft.region == d.REGION
        if not item.from_catalogue:
            assert draft.code not in shipped  # the catalogue lists no penalty
            continue
        row = shipped[draft.code]
        assert draft.name == row["name"] + d.MARK
        assert draft.department == row["department"]
        assert draft.item_type == f"{int(row['task_type']):02d}"
        assert draft.department_code in draft.code  # the code's body, as the importer reads it
        assert draft.materials and draft.acceptance_conditions
    archive = next(i for i in d.ITEMS if i.key == "archive").draft
    assert [f["name"] for f in archive["fees"]] == [d.ARCHIVE_FEE]
    assert "演示" in archive["fees"][0]["basis"]


def test_the_people_have_valid_identities_and_claims() -> None:
    assert check_resident_id(d.CITIZEN.login).ok
    assert check_resident_id(d.COUNTER_APPLICANT[2]).ok
    assert check_credit_code(d.ENTERPRISE.login).ok
    for department in (d.APPROVAL, d.FIRE, d.MARKET):
        assert check_credit_code(department.code).ok, department
    for staff in (*d.STAFF.values(), *d.REVIEWERS.values()):
        assert staff.name.endswith(d.MARK) and staff.login.startswith("demo.")
        check_claims(staff.login, staff.roles, (d.REGION,),
                     staff.department.code if staff.department else None, staff.positions)
    listed = demo.accounts_text()
    assert d.PASSWORD in listed
    assert all(s.login in listed for s in d.STAFF.values())
    assert d.CITIZEN.login in listed and d.ENTERPRISE.login in listed


def test_demo_accounts_sign_in_only_while_the_node_has_demo_data(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'hall.db'}", "hall")
    t.metadata.create_all(db.engine)
    try:
        on = LocalIdentityProvider(AccountStore(db), "510000", passwords=FAST)
        on.add(Kind.PERSON, d.CITIZEN.login, d.CITIZEN.name, d.PASSWORD,
               created_by=DEMO_CREATOR)
        on.add(Kind.STAFF, "real.clerk", "李经办", d.PASSWORD, roles=("supervisor",),
               regions=(d.REGION,))
        assert on.authenticate(Kind.PERSON, d.CITIZEN.login, d.PASSWORD, "10.0.0.1")
        off = LocalIdentityProvider(AccountStore(db), "510000", passwords=FAST,
                                    demo_accounts=False)
        with pytest.raises(SignInRefused) as refused:
            off.authenticate(Kind.PERSON, d.CITIZEN.login, d.PASSWORD, "10.0.0.1")
        assert refused.value.code == ACCOUNT_DISABLED and "演示" in refused.value.message
        # a wrong password is refused as for anyone: nothing says the account is a demo one
        with pytest.raises(SignInRefused) as wrong:
            off.authenticate(Kind.PERSON, d.CITIZEN.login, "not-the-one", "10.0.0.1")
        assert wrong.value.code != ACCOUNT_DISABLED
        assert off.authenticate(Kind.STAFF, "real.clerk", d.PASSWORD, "10.0.0.1").staff
    finally:
        db.dispose()


def test_a_demo_accounts_open_session_ends_once_demo_data_is_off(tmp_path) -> None:
    """SUNLIGHT_DEMO_DATA=0 refuses the demo accounts' sessions opened before it too (the
    cookie is signed with the same key, and would otherwise last its 8 hours): the next page
    leads to sign-in, which says why; a real account's session goes on."""
    db = Database(f"sqlite:///{tmp_path / 'hall.db'}", "hall")
    t.metadata.create_all(db.engine)
    secret, session_key = TokenKey.generate().to_text(), "k" * 64

    def hall(demo_on: bool) -> TestClient:
        provider = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST,
                                         demo_accounts=demo_on)
        backend = HallBackend(None, None, lambda: "Bearer hall", 1.0)
        return TestClient(create_app(backend, "广安区", access=Access(
            provider, TokenMinter(secret), session_key)), follow_redirects=False)

    def sign_in(client: TestClient, login: str) -> None:
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/signin").text).group(1)
        answer = client.post("/signin", data={"csrf_token": token, "kind": "person",
                                              "login": login, "password": d.PASSWORD})
        assert answer.status_code == 303, answer.text

    try:
        real = "51160219900101123" + "6"
        maker = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST)
        maker.add(Kind.PERSON, d.CITIZEN.login, d.CITIZEN.name, d.PASSWORD,
                  created_by=DEMO_CREATOR)
        maker.add(Kind.PERSON, real, "张三", d.PASSWORD)
        before, person = hall(True), hall(True)
        sign_in(before, d.CITIZEN.login)
        sign_in(person, real)
        assert "您已作为" in before.get("/signin").text
        after = hall(False)  # the node restarted with its demo data off
        after.cookies.update(before.cookies)
        page = after.get("/my/cases")
        assert page.status_code == 303 and page.headers["location"].startswith("/signin?next=")
        signin = after.get(page.headers["location"]).text
        assert "演示账号已停用" in signin and "您已作为" not in signin
        assert after.get("/my/cases").status_code == 303  # signed out for good
        real_after = hall(False)
        real_after.cookies.update(person.cookies)
        assert "您已作为 张三 登录" in real_after.get("/signin").text
        # a session opened before sessions were marked: told by its account
        off = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST,
                                    demo_accounts=False)
        unmarked = Identity(Kind.PERSON, d.CITIZEN.login, d.CITIZEN.name)
        assert off.session_refused(unmarked) == DEMO_OFF
        assert off.session_refused(Identity(Kind.PERSON, real, "张三")) is None
        assert maker.session_refused(unmarked) is None  # demo data on: it holds
    finally:
        db.dispose()


def test_the_seeder_is_a_one_shot_program_that_tests_nodes_leave_out(tmp_path) -> None:
    assert DEMO in procfile() and DEMO in ONE_SHOT
    assert procfile()[DEMO] == ["sunlight", "demo", "seed"]
    assert Settings.model_fields["demo_data"].default is True  # make run's default
    plain = LocalNode.on_free_ports(tmp_path, SUNLIGHT_VAR_DIR=str(tmp_path))
    assert plain.full_env()["SUNLIGHT_DEMO_DATA"] == "0"
    assert plain.settings().demo_data is False
    asked = LocalNode.on_free_ports(tmp_path, SUNLIGHT_VAR_DIR=str(tmp_path),
                                    SUNLIGHT_DEMO_DATA="1")
    assert asked.settings().demo_data is True


def test_off_or_outside_the_node_the_seeder_calls_nothing(tmp_path) -> None:
    said: list[str] = []
    off = Settings(demo_data=False, var_dir=Path(tmp_path))
    assert demo.seed(off, wait_s=0, timeout_s=1, say=said.append) == 0
    assert said == ["demo data: off (SUNLIGHT_DEMO_DATA=0)"]
    said.clear()
    chengdu = Settings(node_region="510100", node_name="成都市", var_dir=Path(tmp_path))
    assert demo.seed(chengdu, wait_s=0, timeout_s=1, say=said.append) == 0
    assert "does not hold" in said[0]
    assert not demo.marker_path(chengdu).exists()


def test_in_a_province_only_the_districts_node_seeds_the_districts_demo(tmp_path) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from cli.main import main  # noqa: PLC0415

    var = tmp_path / "var"
    env = {"SUNLIGHT_VAR_DIR": str(var), "SUNLIGHT_NODE_REGION": "510000"}
    for args in (["init-ca"], ["issue-node", "--region", "510000", "--gateway-host", "127.0.0.1"],
                 ["issue-node", "--region", "511602", "--gateway-host", "127.0.0.1",
                  "--gateway-port", "18160"]):
        done = CliRunner().invoke(main, ["pki", *args], env=env)
        assert done.exit_code == 0, done.output
    province = Settings(var_dir=var)  # 510000: its regions cover 511602 too
    territory = Territory.of_node(province.node_region, (), province.var_dir)
    assert territory.holder(d.REGION) == "511602" and not territory.holds(d.REGION)
    said: list[str] = []
    assert demo.seed(province, wait_s=0, timeout_s=1, say=said.append) == 0
    assert "held by node 511602" in said[0] and not demo.marker_path(province).exists()
    alone = Settings(var_dir=tmp_path / "alone")  # no registry: the node is on its own
    assert Territory.of_node(alone.node_region, (), alone.var_dir).holds(d.REGION)


class _Unavailable(grpc.RpcError):
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNAVAILABLE

    def details(self) -> str:
        return "the service restarts"

    def trailing_metadata(self) -> tuple:
        return ()


def test_a_call_is_tried_again_with_its_key_while_a_service_comes_back(monkeypatch) -> None:
    """A busy machine may take a while to bring a service back: the seeder tries the same
    request again until RETRY_S has passed, then stops with the service's answer."""
    now = [0.0]
    monkeypatch.setattr(demo.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(demo.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    seeder = SimpleNamespace(timeout_s=1.0, headers={"citizen": "Bearer x"})
    requests: list[object] = []

    def comes_back(request, timeout, metadata):
        requests.append(request)
        if len(requests) < 8:  # more than the six tries a fixed count allowed
            raise _Unavailable()
        return "answered"

    assert demo.Seeder.call(seeder, comes_back, "same", "citizen", "rate") == "answered"
    assert requests == ["same"] * 8

    def never(request, timeout, metadata):
        raise _Unavailable()

    now[0] = 0.0
    with pytest.raises(demo.SeedingFailed, match="rate: the service restarts"):
        demo.Seeder.call(seeder, never, "same", "citizen", "rate")
    assert now[0] >= demo.RETRY_S


class _Reused(grpc.RpcError):
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.ALREADY_EXISTS

    def details(self) -> str:
        return "used before"

    def trailing_metadata(self) -> tuple:
        return ()


def test_a_reused_key_is_done_only_for_a_dated_request(monkeypatch) -> None:
    """A supplement's request carries its day: on a later day its key was used for
    yesterday's — done then (None). Any other reused key is a changed demo under the same
    KEY: the seeding stops and says so, never a traceback further on."""
    from sunlight.common.v1 import common_pb2  # noqa: PLC0415

    import services.shared.grpc_errors as errors  # noqa: PLC0415
    monkeypatch.setattr(errors, "error_detail_of",
                        lambda _e: common_pb2.ErrorDetail(code="IDEMPOTENCY_KEY_REUSED",
                                                          message="used before"))
    seeder = SimpleNamespace(timeout_s=1.0, headers={"clerk": "Bearer x"})

    def reused(request, timeout, metadata):
        raise _Reused()

    assert demo.Seeder.call(seeder, reused, "r", "clerk", "supplement", dated=True) is None
    with pytest.raises(demo.SeedingFailed, match="IDEMPOTENCY_KEY_REUSED") as failed:
        demo.Seeder.call(seeder, reused, "r", "clerk", "case accept")
    assert failed.value.code is grpc.StatusCode.ALREADY_EXISTS
