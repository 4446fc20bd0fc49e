"""The supervision worker's process set-up, checked in a process of its own (importing the
worker monkey-patches the interpreter for eventlet)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def run_in_worker_process(pg_url: str, body: str) -> dict:
    script = textwrap.dedent("""
        import json, sys, time
        import services.monitoring.worker as worker
        from services.shared.db import Database
        from sqlalchemy import text
        import eventlet
        result = {}
    """) + textwrap.dedent(body) + "\nprint(json.dumps(result))\n"
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", script], cwd=ROOT,
                          env={**os.environ, "PG_URL": pg_url}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_database_calls_do_not_block_the_other_green_threads(pg_settings) -> None:
    result = run_in_worker_process(pg_settings.database_url, """
        import os
        db = Database(os.environ["PG_URL"], "monitoring", pool_size=4)
        result["green"] = worker.green_database_waits()
        def sleep(_):
            with db.engine.connect() as c:
                c.execute(text("SELECT pg_sleep(0.5)"))
        sleep(0)
        started = time.monotonic()
        list(eventlet.GreenPool(4).imap(sleep, range(4)))
        result["elapsed"] = time.monotonic() - started
    """)
    assert result["green"] is True
    assert result["elapsed"] < 1.5  # one after the other would take 2 s


def test_the_envelope_is_checked_without_a_struct_round_trip(pg_settings) -> None:
    result = run_in_worker_process(pg_settings.database_url, """
        from services.shared.events import parse_event
        from services.shared.errors import InvalidArgument
        good = {"event_id": "e1", "type": "case.accepted", "occurred_at":
                "2026-11-20T02:00:00Z", "node": "510000", "region": "511602",
                "schema": "sunlight.cases.v1.CaseEvent",
                "data": {"case_number": "N1", "sequence": "2", "step": {"index": 1}}}
        result["same"] = worker.parse_payload(good) == parse_event(good)
        def refused(payload):
            try:
                worker.parse_payload(payload)
            except InvalidArgument as exc:
                return exc.code
            return None
        result["no_id"] = refused({**good, "event_id": ""})
        result["bad_time"] = refused({**good, "occurred_at": "yesterday"})
        result["data_not_object"] = refused({**good, "data": [1, 2]})
        result["text"] = worker.parse_payload(json.dumps(good)) == parse_event(good)
    """)
    assert result == {"same": True, "no_id": "EVENT_INVALID", "bad_time": "EVENT_INVALID",
                      "data_not_object": "EVENT_INVALID", "text": True}


def test_a_catalogue_events_verdict_becomes_what_nameko_does_with_it(pg_settings) -> None:
    """One message at a time: acknowledged (nothing raised), requeued (``Requeue``, nameko's
    ``requeue_on_error``) or dead-lettered (``DeadLetter``, rejected by the handler)."""
    result = run_in_worker_process(pg_settings.database_url, """
        from services.monitoring.batches import Verdict
        worker.RETRY_PAUSE_S = 0.0
        def outcome(verdict):
            try:
                worker.settle_one(verdict, "catalogue.events", "e1", 0.0, ValueError("x"))
            except Exception as exc:
                return type(exc).__name__
            return "acknowledged"
        result.update({v.value: outcome(v) for v in Verdict})
    """)
    assert result == {"ack": "acknowledged", "requeue": "Requeue", "dead_letter": "DeadLetter"}
