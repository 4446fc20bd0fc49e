"""The runbook's restore procedure (docs/runbook.md, "Back up and restore"), on a node of its
own, with the default storage (SQLite under its var directory) and with PostgreSQL (a database
of its own): backed up while it runs with cases in it — two of them not yet delivered to
supervision (their case relay stopped) —, destroyed (stopped, its var directory deleted, its
database dropped), restored, started: nothing is lost. Every case is there with its trace
intact (`sunlight cases verify`), supervision holds a record of every case, and the outbox
that held the two undelivered cases' events is drained."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from click.testing import CliRunner, Result

from cli.main import main
from infra.localnode import LocalNode
from services.shared.auth import mint_token
from tests.conftest import PG_ADMIN
from tests.support.clients import apply_over_http, publish_form_item
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
REGION = "510000"  # the node's region (the default); its cases are 511602's
DELIVERED, UNDELIVERED = 3, 2


@pytest.fixture(params=["sqlite", "postgresql"])
def node(request, amqp_uri, tmp_path):
    # sqlite: DATABASE_URL empty, the files under the node's var directory (`make run`'s
    # default); postgresql: a database of the node's own, dropped as the node is destroyed
    database_url = ""
    if request.param == "postgresql":
        name = f"sunlight_restore_{uuid.uuid4().hex[:10]}"
        _admin(f'CREATE DATABASE "{name}"')
        request.addfinalizer(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        database_url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    local = LocalNode.on_free_ports(tmp_path / "logs", AMQP_URI=amqp_uri,
                                    DATABASE_URL=database_url,
                                    SUNLIGHT_VAR_DIR=str(tmp_path / "var"))
    migrated = subprocess.run([sys.executable, "-m", "infra.node", "migrate"], cwd=ROOT,
                              env=local.full_env(), capture_output=True, text=True,
                              timeout=120, check=False)
    assert migrated.returncode == 0, migrated.stderr
    yield local
    local.stop()


def _admin(statement: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(statement)


def destroy(node: LocalNode) -> None:
    """The node's data gone: its var directory, and its PostgreSQL database (made again
    empty, as an operator's `createdb` does before a restore)."""
    shutil.rmtree(node.env["SUNLIGHT_VAR_DIR"])
    url = node.env["DATABASE_URL"]
    if url:
        name = url.rsplit("/", 1)[1]
        _admin(f'DROP DATABASE "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')


def sunlight(node: LocalNode, *args: str) -> Result:
    env = {**node.full_env(), "SUNLIGHT_TOKEN": None}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def database(node: LocalNode, service: str) -> Path:
    return Path(node.env["SUNLIGHT_VAR_DIR"]) / REGION / f"{service}.db"


def rows(node: LocalNode, service: str, query: str) -> list[tuple]:
    url = node.env["DATABASE_URL"]
    if url:
        with psycopg.connect(url, connect_timeout=5,
                             options=f"-csearch_path={service}") as db:
            return db.execute(query).fetchall()
    with sqlite3.connect(database(node, service), timeout=30) as db:
        return db.execute(query).fetchall()


def case_numbers(node: LocalNode) -> set[str]:
    return {n for (n,) in rows(node, "cases", "SELECT case_number FROM cases")}


def supervised(node: LocalNode) -> set[str]:
    return {n for (n,) in rows(node, "monitoring", "SELECT case_number FROM case_records")}


def pending(node: LocalNode) -> int:
    return rows(node, "cases", "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0]


def open_cases(node: LocalNode, item_id: str, count: int) -> list[str]:
    admin = mint_token(node.full_env()["SUNLIGHT_TOKEN_KEY"], "e2e-admin", ["admin"],
                       ["510000"])
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}", timeout=15,
                      headers={"Authorization": f"Bearer {admin}"}) as api:
        return [apply_over_http(api, item_id, "511602")["case_number"] for _ in range(count)]


def test_a_node_backed_up_destroyed_and_restored_loses_nothing(node: LocalNode,
                                                               tmp_path: Path) -> None:
    node.start()
    node.wait_healthy(timeout_s=90)
    item_id = publish_form_item(node, "备份恢复演练事项")
    delivered = open_cases(node, item_id, DELIVERED)
    wait_for(lambda: set(delivered) <= supervised(node), timeout_s=30, interval_s=0.2,
             what="supervision's records of the first cases")
    node.stop_process("cases-relay")  # what follows stays in the outbox
    undelivered = open_cases(node, item_id, UNDELIVERED)
    assert pending(node) > 0
    assert not set(undelivered) & supervised(node)
    cases_before = case_numbers(node)
    assert set(delivered + undelivered) <= cases_before

    backup_dir = tmp_path / "backup"
    made = sunlight(node, "node", "backup", str(backup_dir))  # the node running
    assert made.exit_code == 0, made.output
    manifest = json.loads((backup_dir / "manifest.json").read_text("utf-8"))
    postgres = bool(node.env["DATABASE_URL"])
    assert manifest["storage"] == ("postgresql" if postgres else "sqlite")
    assert all(manifest["schema_revisions"][s] for s in ("catalogue", "cases", "monitoring"))
    kinds = {Path(f["path"]).name: f["kind"] for f in manifest["files"]}
    if postgres:
        assert kinds["postgres.dump"] == "postgresql"
    else:
        assert kinds["cases.db"] == kinds["monitoring.db"] == "sqlite"
    for path in backup_dir.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))

    # destroyed: stopped, its var directory gone
    node.stop()
    var_dir = Path(node.env["SUNLIGHT_VAR_DIR"])
    destroy(node)

    # a damaged backup is refused before anything is written
    damaged = tmp_path / "damaged"
    shutil.copytree(backup_dir, damaged)
    with (damaged / ("postgres.dump" if postgres else f"var/{REGION}/cases.db")).open("r+b") as fh:
        fh.seek(200)
        fh.write(b"\xff")
    refused = sunlight(node, "node", "restore", str(damaged))
    assert refused.exit_code == 1
    assert "damaged" in refused.output
    assert ("postgres.dump" if postgres else "cases.db") in refused.output
    assert not var_dir.exists()

    restored = sunlight(node, "node", "restore", str(backup_dir))
    assert restored.exit_code == 0, restored.output
    assert "make start" in restored.output
    if not postgres:
        assert stat.S_IMODE(database(node, "cases").stat().st_mode) == 0o600
    # over a node that has data again: only with --force
    again = sunlight(node, "node", "restore", str(backup_dir))
    assert again.exit_code == 1 and "--force" in again.output

    node.start()
    node.wait_healthy(timeout_s=90)
    assert case_numbers(node) == cases_before
    wait_for(lambda: pending(node) == 0, timeout_s=30, interval_s=0.2,
             what="the restored outbox drained by the case relay")
    wait_for(lambda: cases_before <= supervised(node), timeout_s=30, interval_s=0.2,
             what="supervision's record of every case, the undelivered ones too")
    for number in sorted(cases_before):
        verified = sunlight(node, "cases", "verify", number, "--as", "e2e-admin", "--role",
                            "admin", "--as-region", "510000")
        assert verified.exit_code == 0, verified.output
        assert "trace intact" in verified.output
