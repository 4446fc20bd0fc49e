"""``sunlight node backup|restore`` on a node's var directory that no process runs (the whole
procedure against a running node: tests/e2e/test_backup_restore.py), and the runbook's
commands: each `sunlight` command it gives exists, with the options it gives."""

from __future__ import annotations

import json
import re
import shlex
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from cli.main import main
from services.shared.token_keys import TokenKey

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "docs" / "runbook.md"


@pytest.fixture
def var(tmp_path: Path) -> Path:
    var = tmp_path / "var"
    (var / "510000").mkdir(parents=True)
    with sqlite3.connect(var / "510000" / "cases.db") as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
        db.execute("INSERT INTO alembic_version VALUES ('abc123')")
        db.execute("CREATE TABLE cases (case_number TEXT)")
        db.execute("INSERT INTO cases VALUES ('511602-2027-000001')")
    (var / "calendar").mkdir()
    (var / "calendar" / "2027.json").write_text('{"year": 2027}', "utf-8")
    (var / "log").mkdir()
    (var / "log" / "cases.log").write_text("not backed up", "utf-8")
    return var


def sunlight(var: Path, *args: str, **env: str) -> Result:
    environment = {"SUNLIGHT_VAR_DIR": str(var), "DATABASE_URL": "",
                   "SUNLIGHT_NODE_REGION": "510000", "SUNLIGHT_CASES_PORT": "1",
                   "SUNLIGHT_TOKEN_KEY": TokenKey.generate().to_text(), **env}
    for name in ("CATALOGUE", "MONITORING", "GATEWAY_GRPC", "GATEWAY_HTTP", "HALL",
                 "MONITORING_WORKER_HEALTH", "CATALOGUE_RELAY_HEALTH", "CASES_RELAY_HEALTH",
                 "MONITORING_RELAY_HEALTH"):
        environment[f"SUNLIGHT_{name}_PORT"] = "1"  # nothing answers there: a stopped node
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def test_a_stopped_node_backed_up_and_restored(var: Path, tmp_path: Path) -> None:
    made = sunlight(var, "node", "backup", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text("utf-8"))
    assert manifest["schema_revisions"]["cases"] == "abc123"
    paths = {f["path"] for f in manifest["files"]}
    assert {"var/510000/cases.db", "var/calendar/2027.json"} <= paths
    assert not any("log/" in p for p in paths)
    elsewhere = tmp_path / "elsewhere"
    restored = sunlight(elsewhere, "node", "restore", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    with sqlite3.connect(elsewhere / "510000" / "cases.db") as db:
        assert db.execute("SELECT case_number FROM cases").fetchall() == [
            ("511602-2027-000001",)]
    assert (elsewhere / "calendar" / "2027.json").read_text("utf-8") == '{"year": 2027}'


def test_refusals(var: Path, tmp_path: Path) -> None:
    inside = sunlight(var, "node", "backup", str(var / "backup"))
    assert inside.exit_code == 1 and "inside the node's var directory" in inside.output
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    full = sunlight(var, "node", "backup", str(tmp_path / "full"))
    assert full.exit_code == 1 and "not empty" in full.output

    assert sunlight(var, "node", "backup", str(tmp_path / "b")).exit_code == 0
    over = sunlight(var, "node", "restore", str(tmp_path / "b"))
    assert over.exit_code == 1 and "--force" in over.output
    other = sunlight(tmp_path / "new", "node", "restore", str(tmp_path / "b"),
                     SUNLIGHT_NODE_REGION="511602")
    assert other.exit_code == 1 and "of node 510000" in other.output
    postgres = sunlight(tmp_path / "new", "node", "restore", str(tmp_path / "b"),
                        DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert postgres.exit_code == 1 and "DATABASE_URL" in postgres.output
    assert not (tmp_path / "new").exists()
    forced = sunlight(var, "node", "restore", "--force", str(tmp_path / "b"))
    assert forced.exit_code == 0, forced.output


@pytest.mark.parametrize(("change", "said"), [
    (lambda m: [], "backup format"),
    (lambda m: {**m, "files": None}, "files is not a list"),
    (lambda m: {**m, "files": [{**m["files"][0], "restore_to": "var/../../escaped"}]},
     "leaves its directory"),
    (lambda m: {**m, "files": [{**m["files"][0], "restore_to": "/etc/escaped"}]},
     "is not under var/"),
    (lambda m: {**m, "files": [{**m["files"][0], "path": "../../elsewhere"}]},
     "leaves its directory"),
    (lambda m: {**m, "files": [{"kind": "file"}]}, "is not an entry"),
])
def test_a_manifest_that_could_write_elsewhere_or_is_malformed_is_refused(
        var: Path, tmp_path: Path, change, said: str) -> None:  # noqa: ANN001
    assert sunlight(var, "node", "backup", str(tmp_path / "b")).exit_code == 0
    manifest_file = tmp_path / "b" / "manifest.json"
    manifest_file.write_text(json.dumps(change(json.loads(manifest_file.read_text("utf-8")))))
    refused = sunlight(tmp_path / "new", "node", "restore", str(tmp_path / "b"))
    assert refused.exit_code == 1 and said in refused.output, refused.output
    assert not (tmp_path / "new").exists() and not (tmp_path / "escaped").exists()


def runbook_commands() -> list[list[str]]:
    """Every `sunlight …` command of the runbook's shell blocks, split as the shell would."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", RUNBOOK.read_text("utf-8"), re.S):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            line = re.sub(r"^(\.venv/bin/)?sunlight\b", "sunlight", line)
            if line.startswith("sunlight "):
                commands.append(shlex.split(line.replace("$(date +%F)", "DATE"))[1:])
    return commands


def test_every_command_of_the_runbook_exists() -> None:
    commands = runbook_commands()
    assert len(commands) >= 12
    for args in commands:
        command: click.Command = main
        words = list(args)
        while isinstance(command, click.Group):
            word = words.pop(0)
            if word.startswith("--"):  # the group's own option (--node REGION)
                assert word in {o for p in command.params for o in p.opts}, args
                words.pop(0)
                continue
            found = command.get_command(click.Context(command), word)  # lazily loaded too
            assert found is not None, f"{args}: no command {word!r}"
            command = found
        options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for word in words:
            if word.startswith("--"):
                assert word.split("=")[0] in options, f"{args}: no option {word}"
