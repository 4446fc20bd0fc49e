"""The reference department system (reference/realestate/, ``realestate``) against the real
node, as docs/integrators/attach-a-system.md attaches it: its demo item published, a token of
its own, ``realestate run`` as a process of its own. Applications received at its counter
while the node's gateway is stopped commit locally and are delivered once it is back, in
order, each step reported as the platform's case becomes ready for it; the statuses follow
the node's events; nothing is lost or sent twice; SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from realestate import cli
from realestate.office import Office
from realestate.settings import Settings
from sqlalchemy import text

from services.shared.auth import mint_token
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code, resident_id
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
SYSTEM = "bdc-registration-system"
CERTIFICATE = "川（2026）广安区不动产权第0000123号"
#: ``realestate run``, its event handler's every run also written down (``applied``) in the
#: handler's own transaction: an event handled twice shows up twice there, where the inbox
#: (keyed by the event id) would still hold one row
COUNTING_RUN = """
import sys
from sqlalchemy import text
from realestate import cli
from realestate.office import Office

on_event = Office.on_event


def counted(self, session, event):
    on_event(self, session, event)
    session.execute(text("INSERT INTO applied (event_id, type, case_number) "
                         "VALUES (:i, :t, :n)"),
                    {"i": event.event_id, "t": event.type, "n": event.case_number})


Office.on_event = counted
sys.exit(cli.main(["run"]))
"""


def demo_item() -> dict[str, Any]:
    """The draft ``realestate demo-item`` prints, with a basic code of its own (a code is
    unique on a node)."""
    draft = json.loads(subprocess.run([Path(sys.executable).with_name("realestate"),
                                       "demo-item"], check=True, capture_output=True,
                                      text=True).stdout)
    draft["code"] = implementation_code("511602", department_code=draft["department_code"])
    return draft


def ok(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code < 300, reply.text
    return reply.json()


def test_the_reference_system_keeps_working_while_the_node_is_away(
        node, amqp_uri, tmp_path, monkeypatch, capsys) -> None:
    secret = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    gateway = f"http://127.0.0.1:{node.port('gateway_http')}"
    draft = demo_item()
    department = draft["department_code"]
    admin = mint_token(secret, "e2e-admin", ["admin"], ["510000"])
    with httpx.Client(base_url=gateway, timeout=15,
                      headers={"Authorization": f"Bearer {admin}"}) as api:
        item_id = ok(api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex,
                                                 "draft": draft}))["item"]["item_id"]
        ok(api.post(f"/v1/items/{item_id}/versions/1/publish",
                    json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW}))
    token_file = tmp_path / "token"
    token_file.write_text(mint_token(secret, SYSTEM, ["department_system"], ["511602"],
                                     department=department, department_name="区自然资源局"))
    env = {"REALESTATE_DATABASE_URL": f"sqlite:///{tmp_path / 'bdc.db'}",
           "REALESTATE_ITEM_ID": item_id, "REALESTATE_REGION": "511602",
           "REALESTATE_SUNLIGHT_URL": gateway, "REALESTATE_TOKEN_FILE": str(token_file),
           "REALESTATE_AMQP_URL": amqp_uri, "REALESTATE_QUEUE": f"bdc-{uuid.uuid4().hex[:8]}",
           "REALESTATE_TIMEOUT_S": "5"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    office = Office(Settings.from_env())
    with office.engine.begin() as db:
        db.execute(text("CREATE TABLE applied (n INTEGER PRIMARY KEY AUTOINCREMENT, "
                        "event_id TEXT NOT NULL, type TEXT NOT NULL, case_number TEXT)"))

    def clerk(*args: str) -> str:
        assert cli.main(list(args)) == 0, capsys.readouterr().err
        return capsys.readouterr().out.strip()

    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        link = subprocess.Popen([sys.executable, "-c", COUNTING_RUN],
                                env={**os.environ, **env}, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "listening: queue" in log_path.read_text(), timeout_s=60,
                 what="realestate run to bind its queue")

        # the node's gateway away: the counter and the clerks keep working
        node.stop_process("gateway")
        try:
            first = clerk("receive", "--kind", "transfer", "--applicant", "张三",
                          "--id-number", resident_id(4711), "--unit",
                          "511602001001GB00012F00010001", "--clerk", "王芳")
            second = clerk("receive", "--kind", "mortgage", "--applicant", "李四",
                           "--id-number", resident_id(4712), "--unit",
                           "511602001001GB00013F00010002")
            third = clerk("receive", "--kind", "first", "--applicant", "王五",
                          "--id-number", resident_id(4713), "--unit",
                          "511602001002GB00001F00010001")
            clerk("accept", first, "--opinion", "材料齐全，予以受理", "--clerk", "王芳")
            clerk("review", first, "--opinion", "权属清楚，符合登记条件", "--clerk", "刘洋")
            clerk("accept", second)
            tried = wait_for(lambda: (e := office.outbox.get(first)) and e.attempts >= 1 and e,
                             timeout_s=60, what="a delivery tried while the gateway is away")
            assert tried.status == "pending" and tried.error_code in (
                "CONNECTION_FAILED", "TIMEOUT"), tried
            listed = {r.number: r for r in office.registrations()}
            assert [listed[n].status for n in (first, second, third)] == [
                "reviewed", "accepted", "received"]
            assert not any(r.case_number for r in listed.values())
        finally:
            node.start_process("gateway")
        node.wait_healthy(timeout_s=60)

        # back: the submissions in order, then each step as its case is ready for it
        def settled() -> bool:
            found = {r.number: r for r in office.registrations()}
            return (found[first].platform_status == "CASE_STATUS_IN_PROGRESS"
                    and found[first].waiting + found[first].pending == 0
                    and found[second].platform_status == "CASE_STATUS_IN_PROGRESS"
                    and found[third].platform_status == "CASE_STATUS_SUBMITTED")
        wait_for(settled, timeout_s=45, interval_s=0.2,
                 what="the queued work delivered once the gateway is back")
        listed = {r.number: r for r in office.registrations()}
        cases = [listed[n].case_number for n in (first, second, third)]
        assert all(cases) and cases == sorted(cases), cases  # submitted in the order received

        # 登簿 and 发证 on the first: the decision, then the result published and completed
        clerk("record", first, "--certificate", CERTIFICATE, "--opinion", "准予登记")
        clerk("issue", first)
        wait_for(lambda: office.get(first).platform_status == "CASE_STATUS_COMPLETED",
                 timeout_s=30, interval_s=0.2, what="the first registration completed")

        # the third accepted at the platform's own window, not by the office: its status
        # comes from the node's events alone
        person = mint_token(secret, "zhao.min", ["clerk"], ["511602"], department=department,
                            department_name="区自然资源局")
        with httpx.Client(base_url=gateway, timeout=15,
                          headers={"Authorization": f"Bearer {person}"}) as api:
            ok(api.post(f"/v1/cases/{cases[2]}/actions", json={
                "idempotency_key": uuid.uuid4().hex, "accept": {"opinion": "窗口受理"}}))
        wait_for(lambda: office.get(third).platform_status == "CASE_STATUS_IN_PROGRESS",
                 timeout_s=60, interval_s=0.2, what="case.accepted to reach the office")

        # nothing lost, nothing doubled: each request acted once at the node
        with httpx.Client(base_url=gateway, timeout=15,
                          headers={"Authorization": f"Bearer {token_file.read_text()}"}) as api:
            done = ok(api.get(f"/v1/cases/{cases[0]}"))["case"]
            trace = ok(api.get(f"/v1/cases/{cases[0]}/trace"))
        assert done["decision"]["certificate"] == CERTIFICATE
        kinds = Counter(entry["action"] for entry in trace["entries"])
        assert [kinds[k] for k in ("case.submitted", "case.accepted", "case.step_completed",
                                   "case.decided", "case.result_published",
                                   "case.completed")] == [1] * 6, kinds
        assert office.outbox.pending() == [] and office.outbox.parked() == []
        delivered = office.outbox.entries("delivered")
        assert len(delivered) == 3 + 2 + 1 + 3  # submissions; accept+review; accept; 登簿, 发证
        # … and each event applied once at the office: its handler ran once for each
        with office.engine.connect() as db:
            applied = dict(db.execute(text(
                "SELECT type, count(*) FROM applied WHERE case_number = :n GROUP BY type"),
                {"n": cases[0]}).all())
            ids = db.execute(text("SELECT count(*), count(DISTINCT event_id) FROM applied")
                             ).one()
        assert applied["case.submitted"] == 1 and applied["case.completed"] == 1, applied
        assert ids[0] == ids[1], "an event was applied twice"

        # a clean stop on SIGTERM
        link.send_signal(signal.SIGTERM)
        assert link.wait(timeout=20) == 0
        assert "stopped" in log_path.read_text()
    finally:
        if link.poll() is None:
            link.kill()
            link.wait(timeout=10)
