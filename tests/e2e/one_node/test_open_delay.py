"""End to end, on a node started for real (every process, PostgreSQL, RabbitMQ):

- how long after a case event the case shows on the hall's public feed (动态公开,
  ``/open/cases.json``): the case service's outbox, the relay, RabbitMQ and supervision's
  worker lie between them. Each delay is measured from just before the request that causes
  the event to the first poll that finds it, for a new case and for its acceptance; every
  one must be within the bound the page states, and the figures are written to
  ``var/test-artifacts/open/delay.json``;
- the README's ``sunlight feedback ask … --contact …`` run word for word at a shell on the
  node, without any token, and without its contact.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from services.hall.speak import OPEN_DELAY_MINUTES
from services.shared.auth import mint_token
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
ARTEFACTS = ROOT / "var" / "test-artifacts" / "open"
CASES = 5


@pytest.fixture(scope="module")
def api(node):
    token = mint_token(node.full_env()["SUNLIGHT_TOKEN_KEY"], "e2e-open", ["admin"],
                       ["510000"])
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def item_id(api) -> str:
    reply = api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex, "draft": {
        "name": "企业投资项目备案", "code": implementation_code("511602"),
        "item_type": "01", "region": "511602", "department": "区发展改革局",
        "statutory_limit_days": 20, "promised_limit_days": 10,
        "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
                  {"key": "decide", "name": "决定", "limit_days": 5, "role": "chief"}],
        "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]}})
    assert reply.status_code == 201, reply.text
    item = reply.json()["item"]["item_id"]
    reply = api.post(f"/v1/items/{item}/versions/1/publish",
                     json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
    assert reply.status_code == 200, reply.text
    return item


def test_a_case_event_shows_on_the_public_feed_within_the_stated_bound(node, api,
                                                                        item_id) -> None:
    hall = httpx.Client(base_url=f"http://127.0.0.1:{node.port('hall')}", timeout=10)

    def shown(number: str, status: str) -> bool:
        feed = hall.get("/open/cases.json")
        assert feed.status_code == 200, feed.text[:300]
        return any(c["case_number"] == number and c["status"] == status
                   for c in feed.json()["cases"])

    def delay(number: str, status: str, began: float) -> float:
        wait_for(lambda: shown(number, status), timeout_s=OPEN_DELAY_MINUTES * 60,
                 interval_s=0.02, what=f"case {number} {status} on the public feed")
        return time.monotonic() - began

    delays: dict[str, list[float]] = {"submitted": [], "accepted": []}
    try:
        for _ in range(CASES):
            began = time.monotonic()
            opened = api.post("/v1/cases", json={
                "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "region": "511602",
                "applicant": {"name": "张三", "id_type": "id_card",
                              "id_number": "511602199001011236"}})
            assert opened.status_code == 201, opened.text
            number = opened.json()["case"]["case_number"]
            delays["submitted"].append(delay(number, "submitted", began))
            began = time.monotonic()
            accepted = api.post(f"/v1/cases/{number}/actions", json={
                "idempotency_key": uuid.uuid4().hex, "accept": {"opinion": "材料齐全"}})
            assert accepted.status_code == 200, accepted.text
            delays["accepted"].append(delay(number, "in_progress", began))
    finally:
        hall.close()
    figures = {event: {"n": len(found), "median_s": round(statistics.median(found), 3),
                       "max_s": round(max(found), 3)} for event, found in delays.items()}
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "delay.json").write_text(json.dumps(
        {"bound_s": OPEN_DELAY_MINUTES * 60, **figures}, indent=1) + "\n")
    print("open feed delay:", json.dumps(figures))
    assert all(f["max_s"] < OPEN_DELAY_MINUTES * 60 for f in figures.values()), figures


def test_a_person_at_the_nodes_shell_asks_as_the_readme_says(node, item_id) -> None:
    env = {k: v for k, v in node.full_env().items() if k != "SUNLIGHT_TOKEN"}
    sunlight = shutil.which("sunlight", path=env["PATH"])
    assert sunlight, "the venv's sunlight command"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["sunlight", *args], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=60)

    asked = run("feedback", "ask", item_id, "--title", "需要哪些材料", "--question", "……",
                "--contact", "13800000000")
    assert asked.returncode == 0, asked.stderr
    assert "查询码：" in asked.stdout and "Traceback" not in asked.stderr
    number = asked.stdout.split()[0]
    code = asked.stdout.split("查询码：")[1][:8]
    read = run("feedback", "consultation", number, "--query-code", code)
    assert read.returncode == 0 and "问：……" in read.stdout, read.stderr
    without = run("feedback", "ask", item_id, "--title", "需要哪些材料", "--question", "……")
    assert without.returncode == 2 and "Traceback" not in without.stderr
    assert "请用 --contact 留下联系电话或电子邮箱" in " ".join(without.stderr.split())
