"""The steps of ``make run`` before the node starts (``python -m infra.node env|broker|migrate``,
what the Makefile runs): each reads the node's settings from the settings file like the node's
processes do, and leaves the node's files readable by its user only."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from infra.broker import BrokerError, check_login
from infra.localnode import LocalNode
from infra.node import write_env
from infra.ports import free_port
from services.shared.token_keys import TokenKey

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
NODE_SETTINGS = ("AMQP_URI", "DATABASE_URL", "SUNLIGHT_NODE_REGION", "SUNLIGHT_VAR_DIR",
                 "SUNLIGHT_ENV_FILE")


def _step(command: str, env_file: Path, umask: int = 0o022) -> subprocess.CompletedProcess:
    """One step with a settings file of its own, as ``make run`` runs it."""
    env = {k: v for k, v in os.environ.items() if k not in NODE_SETTINGS}
    env["SUNLIGHT_ENV_FILE"] = str(env_file)
    return subprocess.run([sys.executable, "-m", "infra.node", command], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, umask=umask)


def _vhosts() -> set[str]:
    listed = subprocess.run(["rabbitmqctl", "-q", "list_vhosts"], capture_output=True,
                            text=True, check=True, timeout=60).stdout
    return set(listed.split())


def _delete_vhost(vhost: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True,
                   timeout=60)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_broker_step_configures_the_vhost_of_the_settings_file(tmp_path) -> None:
    vhost = f"sunlight-test-env-{uuid.uuid4().hex[:8]}"
    env_file = tmp_path / "node.env"
    env_file.write_text(f"AMQP_URI=amqp://guest:guest@127.0.0.1:5672/{vhost}\n")
    try:
        result = _step("broker", env_file)
        assert result.returncode == 0, result.stderr
        assert vhost in _vhosts()
        assert f"vhost {vhost} (created" in result.stdout
        assert "sunlight-510000" not in result.stdout  # not the default node's vhost
        again = _step("broker", env_file)
        assert again.returncode == 0 and f"vhost {vhost} (already there" in again.stdout
    finally:
        _delete_vhost(vhost)


def test_without_amqp_uri_the_vhost_follows_the_node_region(tmp_path) -> None:
    region = f"99{secrets.randbelow(10_000):04d}"
    vhost = f"sunlight-{region}"
    assert vhost not in _vhosts()
    env_file = tmp_path / "node.env"
    env_file.write_text(f"SUNLIGHT_NODE_REGION={region}\n")
    try:
        result = _step("broker", env_file)
        assert result.returncode == 0, result.stderr
        assert vhost in _vhosts()
        assert f"vhost {vhost} (created; AMQP_URI unset" in result.stdout
    finally:
        _delete_vhost(vhost)


def test_a_broker_that_does_not_answer_is_reported_in_one_line(tmp_path) -> None:
    port = free_port()
    env_file = tmp_path / "node.env"
    env_file.write_text(f"AMQP_URI=amqp://guest:guest@127.0.0.1:{port}/elsewhere\n")
    result = _step("broker", env_file)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"broker: 127.0.0.1:{port} (AMQP_URI) does not answer")


def test_a_vhost_the_node_may_not_use_is_reported_before_the_node_starts() -> None:
    vhost = f"no-such-vhost-{uuid.uuid4().hex[:8]}"
    with pytest.raises(BrokerError) as info:
        check_login(f"amqp://guest:guest@127.0.0.1:5672/{vhost}", timeout_s=10)
    assert f"vhost '{vhost}' is missing or user 'guest' may not use it" in str(info.value)
    with pytest.raises(BrokerError, match="user 'nobody' cannot log in"):
        check_login("amqp://nobody:wrong@127.0.0.1:5672/%2F", timeout_s=10)


def test_migrate_creates_database_files_only_the_node_can_read(tmp_path) -> None:
    env_file = tmp_path / "node.env"
    env_file.write_text(f"SUNLIGHT_VAR_DIR={tmp_path / 'var'}\n")
    result = _step("migrate", env_file, umask=0o022)  # a usual login umask
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "var" / "510000").iterdir())
    assert {p.name for p in files} >= {"catalogue.db", "cases.db", "monitoring.db", "hall.db"}
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert _mode(tmp_path / "var") == 0o700
    assert _mode(tmp_path / "var" / "510000") == 0o700


def test_the_env_step_makes_an_older_nodes_files_private(tmp_path) -> None:
    var = tmp_path / "var"
    old = {var / "510000" / name: b"x" for name in ("cases.db", "cases.db-wal", "cases.db-shm")}
    old[var / "log" / "gateway.log"] = b"INFO started\n"
    for path, content in old.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(0o644)
    for directory in (var, var / "510000", var / "log"):
        directory.chmod(0o755)
    env_file = tmp_path / "node.env"
    env_file.write_text(f"SUNLIGHT_VAR_DIR={var}\n")
    result = _step("env", env_file)
    assert result.returncode == 0, result.stderr
    assert {str(p): _mode(p) for p in old} == {str(p): 0o600 for p in old}
    for directory in (var, var / "510000", var / "log"):
        assert _mode(directory) == 0o700, directory
    assert "(made " in result.stdout


def test_the_node_secrets_file_is_private_and_keeps_its_key(tmp_path) -> None:
    fresh = write_env(tmp_path / "fresh" / "node.env")
    assert _mode(fresh) == 0o600 and _mode(fresh.parent) == 0o700
    key = fresh.read_text()
    assert key.startswith("SUNLIGHT_TOKEN_KEY=ed25519:")
    write_env(fresh)
    assert fresh.read_text() == key  # generated once
    # a node set up by an older checkout: its lines stay, it gains its token key
    older = tmp_path / "node.env"
    older.write_text("SUNLIGHT_JWT_SECRET=kept-as-it-was-kept-as-it-was-kept\n")
    older.chmod(0o644)
    write_env(older)
    assert _mode(older) == 0o600
    kept, added = older.read_text().splitlines()
    assert kept == "SUNLIGHT_JWT_SECRET=kept-as-it-was-kept-as-it-was-kept"
    TokenKey.from_text(added.removeprefix("SUNLIGHT_TOKEN_KEY="))


def test_a_running_node_on_sqlite_writes_private_files(tmp_path, amqp_uri) -> None:
    var = tmp_path / "var"
    env_file = tmp_path / "node.env"
    env_file.write_text(f"SUNLIGHT_VAR_DIR={var}\n")
    assert _step("migrate", env_file).returncode == 0
    node = LocalNode.on_free_ports(tmp_path / "logs", AMQP_URI=amqp_uri,
                                   SUNLIGHT_VAR_DIR=str(var))
    old_umask = os.umask(0o022)  # a usual login umask, which the node must not use
    try:
        node.start(["catalogue", "cases", "cases-relay"])
        node.wait_healthy()
        written = [p for p in [*var.rglob("*"), *(tmp_path / "logs").rglob("*")]
                   if not p.is_socket()]
        names = {p.name for p in written}
        assert {"cases.db-wal", "cases.db-shm", "cases.log", "supervisord.log",
                "supervisord.conf"} <= names
        modes = {str(p): _mode(p) for p in written}
        assert modes == {str(p): 0o700 if p.is_dir() else 0o600 for p in written}
        assert _mode(var) == 0o700
    finally:
        node.stop()
        os.umask(old_umask)
