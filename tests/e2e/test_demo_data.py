"""Demo data (演示数据) on a real node, on a database of this module's own (so that every count
is exact):

- a tests' node has none (its ``demo`` program is not started); ``sunlight demo seed`` killed
  half-way and run again completes, each item, account and case made once; run once more, it
  finds its marker and does nothing;
- a node asking for demo data (``SUNLIGHT_DEMO_DATA=1``) seeds it at start through its
  Procfile's one-shot ``demo`` program, and the hall shows it: the items marked 演示, the
  citizen's cases in 我的办件, the clerk's and the fire brigade's steps in their workbench
  inboxes, the refusal's warning on the supervision dashboard; the program started again does
  nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import httpx
import psycopg
import pytest
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc
from sunlight.monitoring.v1 import monitoring_pb2 as mpb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as mgrpc

from cli import demo_data as d
from cli.demo import MARKER
from infra.localnode import DEMO, LocalNode
from services.shared.auth import mint_token
from services.shared.migrations import upgrade
from tests.conftest import PG_ADMIN
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
#: what the demo data holds, however many times it ran: cases in 我的办件 of the citizen
#: (supplement, finished) and of the enterprise (instant, parallel, waiting, and the penalty
#: case opened against it), ratings, published items
EXPECTED = {"citizen": 2, "enterprise": 4, "ratings": 2, "items": 3}
SEED = [sys.executable, "-m", "cli.main", "demo", "seed"]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A database of this module's own, every service's schema migrated (as `make migrate`)."""
    name = f"sunlight_demo_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}".replace("postgresql://",
                                                         "postgresql+psycopg://")
    for service in ("catalogue", "cases", "monitoring", "hall"):
        upgrade(ROOT / "services" / service / "migrations", url, service)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def started(database: str, amqp_uri: str, log_dir: Path, **env: str) -> LocalNode:
    node = LocalNode.on_free_ports(log_dir, DATABASE_URL=database, AMQP_URI=amqp_uri, **env)
    node.start()
    try:
        node.wait_healthy(timeout_s=240)  # the machine's other work may slow the start
    except BaseException:
        node.stop()
        raise
    return node


def counts(node: LocalNode) -> dict[str, int]:
    """What the node holds of the demo data, asked over the services' contracts and the
    hall."""
    key = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    region = node.settings().node_region

    def md(subject: str, roles: list[str], regions: list[str]) -> list[tuple[str, str]]:
        return [("authorization",
                 f"Bearer {mint_token(key, subject, roles, regions, issuer=region)}")]

    found = {}
    with grpc.insecure_channel(f"127.0.0.1:{node.port('cases')}") as channel:
        cases = kgrpc.CaseServiceStub(channel)
        for who, person in (("citizen", d.CITIZEN), ("enterprise", d.ENTERPRISE)):
            found[who] = cases.ListMyCases(
                kpb.ListMyCasesRequest(page_size=100), timeout=10,
                metadata=md(f"{person.id_type}:{person.login}", ["public"], [region])).total
    with grpc.insecure_channel(f"127.0.0.1:{node.port('monitoring')}") as channel:
        found["ratings"] = mgrpc.MonitoringServiceStub(channel).ListRatings(
            mpb.ListRatingsRequest(region=d.REGION, page_size=100), timeout=10,
            metadata=md("e2e-supervisor", ["supervisor"], [d.REGION])).total
    home = httpx.get(f"http://127.0.0.1:{node.port('hall')}/", timeout=20).text
    found["items"] = int(re.search(r"共 <strong>(\d+)</strong> 个事项", home).group(1))
    assert home.count(d.MARK) >= found["items"], "every item listed is marked 演示"
    return found


class Output:
    """A process's output lines, read as they come."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def numbers(self) -> list[str]:
        return [m.group(1) for line in self.lines if (m := re.match(r"demo case (\d+):", line))]


def test_a_seeder_killed_half_way_resumes_without_duplicates(database, amqp_uri,
                                                             tmp_path_factory) -> None:
    node = started(database, amqp_uri, tmp_path_factory.mktemp("demo-killed"))
    try:
        assert node.settings().demo_data is False  # a tests' node has none …
        assert node.info()[DEMO]["statename"] == "STOPPED"  # … and never runs the seeder
        env = {**node.full_env(), "SUNLIGHT_DEMO_DATA": "1"}
        marker = node.layout.var_dir / MARKER
        seeder = subprocess.Popen(SEED, cwd=ROOT, env=env, stdout=subprocess.PIPE,  # noqa: S603
                                  stderr=subprocess.STDOUT, text=True)
        output = Output(seeder)
        try:
            wait_for(lambda: output.numbers(), timeout_s=180, interval_s=0.02,
                     what=f"the seeder's first case; it said {output.lines}")
            seeder.kill()
        finally:
            seeder.wait(timeout=60)
        output.thread.join(timeout=10)
        assert not any(line.startswith("demo data: done") for line in output.lines)
        assert not marker.exists(), "killed half-way: no marker"
        first = output.numbers()

        rerun = subprocess.run(SEED, cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                               timeout=300, check=False)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert "demo data: done (3 items, 7 cases)" in rerun.stdout
        numbers = re.findall(r"demo case (\d+):", rerun.stdout)
        assert len(set(numbers)) == 7 and numbers[:len(first)] == first  # resumed, not redone
        assert json.loads(marker.read_text("utf-8"))["cases"]["instant"] == first[0]
        assert counts(node) == EXPECTED

        again = subprocess.run(SEED, cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                               timeout=300, check=False)
        assert again.returncode == 0 and "there already" in again.stdout, again.stdout
        assert "demo case" not in again.stdout and d.PASSWORD in again.stdout
        assert counts(node) == EXPECTED
    finally:
        node.stop()


@contextmanager
def signed_in(hall: str, kind: str, login: str) -> Iterator[httpx.Client]:
    """A browser-less session of the hall, signed in with a demo account's password."""
    with httpx.Client(base_url=hall, timeout=20, follow_redirects=True) as client:
        form = client.get("/signin").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        answer = client.post("/signin", data={"csrf_token": token, "kind": kind,
                                              "login": login, "password": d.PASSWORD,
                                              "next": ""})
        assert answer.status_code == 200 and "退出" in answer.text, answer.text
        yield client


def test_a_node_asking_for_demo_data_seeds_it_once_and_the_hall_shows_it(
        database, amqp_uri, tmp_path_factory) -> None:
    node = started(database, amqp_uri, tmp_path_factory.mktemp("demo-node"),
                   SUNLIGHT_DEMO_DATA="1")
    try:
        def exited() -> dict | None:
            info = node.info()[DEMO]
            return info if info["statename"] == "EXITED" else None

        info = wait_for(exited, timeout_s=300, interval_s=0.5, what="the demo program's end")
        assert info["exitstatus"] == 0, node.log(DEMO)
        assert "demo data: done (3 items, 7 cases)" in node.log(DEMO)
        assert counts(node) == EXPECTED
        cases = json.loads((node.layout.var_dir / MARKER).read_text("utf-8"))["cases"]

        hall = f"http://127.0.0.1:{node.port('hall')}"
        home = httpx.get(hall + "/", timeout=20).text
        for item in d.ITEMS:
            assert item.draft["name"] in home
        with signed_in(hall, "person", d.CITIZEN.login) as citizen:
            mine = citizen.get("/my/cases").text
            assert cases["supplement"] in mine and cases["finished"] in mine
            assert "补正中" in mine and "已办结" in mine and "计时暂停" in mine
        with signed_in(hall, "staff", d.STAFF["clerk"].login) as clerk:
            inbox = clerk.get("/workbench").text
            assert cases["waiting"] in inbox and cases["supplement"] in inbox
            assert d.ENTERPRISE.name in inbox and d.MARK in inbox
        with signed_in(hall, "staff", d.STAFF["fire"].login) as fire:
            inbox = fire.get("/workbench").text
            assert cases["parallel"] in inbox and "消防安全意见" in inbox
        with signed_in(hall, "staff", d.STAFF["inspector"].login) as inspector:
            assert cases["penalty"] in inspector.get("/workbench").text
        with signed_in(hall, "staff", d.STAFF["supervisor"].login) as supervisor:
            wait_for(lambda: "材料齐全不予受理" in supervisor.get("/supervision").text,
                     timeout_s=60, interval_s=0.5, what="the refusal's warning on the dashboard")
            dashboard = supervisor.get("/supervision").text
            assert cases["rejected"] in dashboard and "（演示数据）" in dashboard

        # started again (as by the next `make run`): it finds its marker and does nothing
        node.start_process(DEMO)
        wait_for(lambda: "there already" in node.log(DEMO), timeout_s=120, interval_s=0.3,
                 what="the demo program finding its marker")
        wait_for(exited, timeout_s=60, interval_s=0.3, what="the demo program's second end")
        assert counts(node) == EXPECTED
    finally:
        node.stop()
