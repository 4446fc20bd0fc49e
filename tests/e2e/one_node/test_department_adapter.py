"""The department systems' adapter (adapter/, ``sunlight_adapter``) against a running node:
adapter/README.md's example word for word — a row and its application committed together,
relayed through the real gateway, the row kept up to date by the real case events — then an
action through the outbox, a replayed key, and the node's real refusals as typed errors,
parked in the outbox where they came through it."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import sunlight_adapter
from sqlalchemy import text
from sunlight_adapter import (
    Accept,
    Applicant,
    Application,
    Conflict,
    Decide,
    EventConsumer,
    Material,
    PreconditionFailed,
)

from services.shared.auth import mint_token
from tests.support import departments
from tests.support.clients import publish_form_item
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "adapter" / "README.md"
SYSTEM = "fgj-approval-system"


def readme_example() -> str:
    text_ = README.read_text("utf-8")
    match = re.search(r"<!-- adapter-example -->\n```python\n(.*?)```", text_, re.S)
    assert match, "adapter/README.md lost its example"
    return match.group(1)


def ok(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code < 300, reply.text
    return reply.json()


@pytest.fixture(scope="module")
def item(node) -> str:
    """An item of 区发展改革局 with an application form: accepted, then decided."""
    return publish_form_item(node, "企业投资项目核准")


class CountingConsumer(EventConsumer):
    """The example's consumer, its handler's every run also written down (``applied``) in
    the handler's own transaction: an event handled twice shows up twice there, where the
    inbox (keyed by the event id) would still hold one row."""

    def __init__(self, amqp_url: str, queue: str, routing_keys: Any, handler: Any,
                 database: Any, **options: Any) -> None:
        def counted(session: Any, event: Any) -> None:
            handler(session, event)
            session.execute(text("INSERT INTO applied (event_id, type) VALUES (:i, :t)"),
                            {"i": event.event_id, "t": event.type})

        super().__init__(amqp_url, queue, routing_keys, counted, database, **options)
        with self.engine.begin() as db:
            db.execute(text("CREATE TABLE IF NOT EXISTS applied (n INTEGER PRIMARY KEY "
                            "AUTOINCREMENT, event_id TEXT NOT NULL, type TEXT NOT NULL)"))


def test_a_department_system_submits_acts_and_follows_its_case_through_the_adapter(
        node, item, amqp_uri, tmp_path, monkeypatch) -> None:
    secret = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    token = mint_token(secret, SYSTEM, ["department_system"], ["511602"],
                       department=departments.DEVELOPMENT, department_name="区发展改革局")
    monkeypatch.setenv("SUNLIGHT_URL", f"http://127.0.0.1:{node.port('gateway_http')}")
    monkeypatch.setenv("SUNLIGHT_TOKEN", token)
    monkeypatch.setenv("SUNLIGHT_AMQP_URL", amqp_uri)
    monkeypatch.setenv("SUNLIGHT_ITEM_ID", item)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sunlight_adapter, "EventConsumer", CountingConsumer)
    example: dict[str, Any] = {}
    before = set(threading.enumerate())
    try:
        exec(compile(readme_example(), str(README), "exec"), example)  # noqa: S102
        outbox, client, relay = example["outbox"], example["client"], example["relay"]
        number = example["case_number"]
        assert re.fullmatch(r"511602\d{14}", number or ""), number

        def status() -> str | None:
            with outbox.engine.connect() as db:
                return db.execute(text("SELECT status FROM projects JOIN case_status "
                                       "USING (case_number) WHERE number = "
                                       "'FGJ-2026-004711'")).scalar()

        wait_for(lambda: status() == "CASE_STATUS_SUBMITTED", timeout_s=60,
                 what="case.submitted to reach the department's row")

        # the acceptance, recorded in the department's system and sent through the outbox
        with outbox.transaction() as tx:
            tx.act(number, Accept("材料齐全，予以受理"), "FGJ-2026-004711-accept")
        assert relay.deliver_pending().delivered == 1
        assert outbox.get("FGJ-2026-004711-accept").case_status == "CASE_STATUS_IN_PROGRESS"
        wait_for(lambda: status() == "CASE_STATUS_IN_PROGRESS", timeout_s=60,
                 what="case.accepted to reach the department's row")

        # the same key, the same application: the node answers the case it created
        again = client.submit_application(Application(
            "FGJ-2026-004711", item, "511602",
            Applicant("广安市某某科技有限公司", "91511602MA6C5K8R4C"),
            materials=[Material("application_form", originals=1)]))
        assert (again.case_number, again.status) == (number, "CASE_STATUS_IN_PROGRESS")
        # … another request under it is refused, typed, with the node's code
        with pytest.raises(Conflict) as reused:
            client.act_on_case(number, Accept("另一个意见"), "FGJ-2026-004711-accept")
        assert reused.value.code == "IDEMPOTENCY_KEY_REUSED" and reused.value.identifier
        # the system accepted the case: it may not decide it too (separation of duties)
        with pytest.raises(PreconditionFailed) as separated:
            client.act_on_case(number, Decide("approve"), "FGJ-2026-004711-decision")
        assert separated.value.code == "SEPARATION_OF_DUTIES"

        # a refusal coming through the outbox is parked with the node's error, not retried
        with outbox.transaction() as tx:
            tx.act(number, Decide("approve"), "FGJ-2026-004711-decision-2")
        report = relay.deliver_pending()
        assert (report.delivered, report.parked) == (0, 1)
        (parked,) = outbox.parked()
        assert (parked.idempotency_key, parked.error_status, parked.error_code) == (
            "FGJ-2026-004711-decision-2", 422, "SEPARATION_OF_DUTIES")
        assert parked.error_message and parked.error_identifier

        # every event applied to the department's row once: the handler ran once for each
        with outbox.engine.connect() as db:
            applied = dict(db.execute(text("SELECT type, count(*) FROM applied "
                                           "GROUP BY type")).all())
            ids = db.execute(text("SELECT count(*), count(DISTINCT event_id) FROM applied")
                             ).one()
        assert applied["case.submitted"] == 1 and applied["case.accepted"] == 1, applied
        assert ids[0] == ids[1], "an event was applied twice"
    finally:
        if "stop" in example:
            example["stop"].set()
        for thread in set(threading.enumerate()) - before:  # the example's consumer
            thread.join(timeout=10)
