"""``sunlight handovers list`` against an in-process case service (the real service and
servicer on SQLite, behind a gRPC server): the table an operator reads, the JSON a script
reads, and who is refused."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent import futures
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner
from sunlight.cases.v1 import cases_pb2_grpc as pb_grpc

from cli.main import main
from services.cases import storage as t
from services.cases.api import CaseServicer
from services.cases.service import CaseService
from services.shared.auth import Authenticator, mint_token
from services.shared.db import Database
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar
from tests.support import departments

SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]  # set for the tests in tests/conftest.py
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "cases" / "migrations"
KEPT = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai


class Items:
    def in_force(self, item_id: str, version: int):  # noqa: ANN201
        raise AssertionError("not asked")


def _row(number: str, kind: str, peer: str, **values) -> dict:  # type: ignore[no-untyped-def]
    return {"case_number": number, "kind": kind, "method": "/m", "request": b"",
            "idempotency_key": f"{kind}:{number}", "created_at": KEPT, "attempts": 0,
            "next_attempt_at": KEPT, "region": number[:6], "peer": peer, "last_error": None,
            "delivered_at": None, "answer": None, **values}


@pytest.fixture
def address(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    upgrade(MIGRATIONS, url, "cases")
    db = Database(url, "cases", pool_size=1)
    with db.begin() as c:
        c.execute(t.case_handovers.insert(), [
            _row("511602-20261201-0001", "hand_up", "511600", attempts=3,
                 next_attempt_at=KEPT + timedelta(minutes=5),
                 last_error="UNAVAILABLE : failed to connect to all addresses"),
            _row("511602-20261201-0002", "return", "511621", attempts=1,
                 created_at=KEPT - timedelta(hours=1), delivered_at=KEPT,
                 answer=json.dumps({"case_number": "511621-20261130-0007",
                                    "trace_hash": "ab" * 32}))])
    service = CaseService(db, Items(), WorkingCalendar.official(), "510000")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    pb_grpc.add_CaseServiceServicer_to_server(CaseServicer(service, Authenticator(SECRET)),
                                              server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)
    db.dispose()


def run(address: str, role: str, *args: str):  # type: ignore[no-untyped-def]
    token = mint_token(SECRET, "ops", [role], ["511602"],
                       department=departments.DEVELOPMENT if role == "clerk" else None)
    return CliRunner().invoke(main, ["handovers", "list", "--address", address, "--token",
                                     token, *args])


def test_the_operator_reads_a_table_of_the_hand_overs(address: str) -> None:
    result = run(address, "admin")
    assert result.exit_code == 0, result.output
    header, failing, delivered, total = result.output.splitlines()
    for column in ("办件编号", "方向", "对方节点", "创建时间", "尝试", "下次尝试", "最近错误",
                   "送达时间", "对方答复"):
        assert column in header
    # newest first: the failing hand-up, then the decision sent back and delivered
    assert failing.split()[:4] == ["511602-20261201-0001", "上报", "511600", "送达失败"]
    assert "2026-12-01 08:05:00" in failing and "UNAVAILABLE" in failing
    assert delivered.split()[:4] == ["511602-20261201-0002", "回复", "511621", "已送达"]
    assert delivered.endswith("511621-20261130-0007")
    assert total == "2 hand-over(s)"


def test_filters_and_json(address: str) -> None:
    result = run(address, "supervisor", "--state", "failing", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["total"] == 1
    (h,) = answer["handovers"]
    assert (h["case_number"], h["state"], h["direction"], h["attempts"]) == (
        "511602-20261201-0001", "HANDOVER_STATE_FAILING", "HANDOVER_DIRECTION_UP", 3)
    down = json.loads(run(address, "admin", "--direction", "down", "--json").output)
    assert [h["peer"] for h in down["handovers"]] == ["511621"]
    assert json.loads(run(address, "admin", "--peer", "511700", "--json").output)["total"] == 0
    paged = run(address, "admin", "--page-size", "1")
    assert "next page: --page-token" in paged.output


def test_a_clerk_is_refused(address: str) -> None:
    result = run(address, "clerk")
    assert result.exit_code == 1
    assert "PERMISSION_DENIED" in result.output or "权限" in result.output, result.output
