"""How ``make run`` runs the node's processes: supervisord's configuration generated from
infra/Procfile, the console that copies their output, and the wrapper every process starts
through."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from supervisor.options import ServerOptions
from supervisor.process import RestartUnconditionally

from infra.supervise import (
    ONE_SHOT,
    Console,
    Layout,
    Tail,
    node_programs,
    procfile,
    supervisord_conf,
)
from services.shared.config import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def layout(tmp_path) -> Layout:
    return Layout(tmp_path / "var", tmp_path / "logs")


def _read_by_supervisord(layout: Layout, text: str) -> ServerOptions:
    layout.run_dir.mkdir(parents=True)
    layout.log_dir.mkdir(parents=True)
    layout.conf.write_text(text)
    options = ServerOptions()
    options.realize(args=["-c", str(layout.conf)])
    return options


def test_every_procfile_process_is_a_supervised_program(layout) -> None:
    programs = procfile()
    options = _read_by_supervisord(layout, supervisord_conf(
        layout, programs, set(programs), "sunlight-510000"))
    (group,) = options.process_group_configs
    configs = {c.name: c for c in group.process_configs}
    assert set(configs) == set(programs)
    assert options.nodaemon and options.identifier == "sunlight-510000"
    for name, config in configs.items():
        assert config.autostart
        assert config.stopasgroup and config.killasgroup  # the whole process group goes
        assert config.umask == 0o077
        assert config.stdout_logfile == str(layout.log(name))
        assert config.command.split()[1:3] == ["-m", "infra.spawn"]
        if name in ONE_SHOT:
            assert not config.autorestart and config.startsecs == 0
        else:  # restarted whatever its exit; quick deaths back off 1 s, 2 s, …
            assert config.autorestart is RestartUnconditionally
            assert config.startsecs >= 1 and config.startretries >= 10
    assert "sunlight announce" in configs["ready"].command


def test_only_the_named_processes_start_by_themselves(layout) -> None:
    programs = procfile()
    options = _read_by_supervisord(layout, supervisord_conf(
        layout, programs, {"cases"}, "sunlight-510000"))
    started = {c.name for g in options.process_group_configs for c in g.process_configs
               if c.autostart}
    assert started == {"cases"}


def test_supervision_workers_run_one_program_per_partition(layout) -> None:
    settings = Settings(supervision_workers=3)
    programs, environments = node_programs(procfile(), settings)
    workers = [n for n in programs if n.startswith("monitoring-worker")]
    assert workers == ["monitoring-worker", "monitoring-worker-1", "monitoring-worker-2"]
    assert set(programs) - set(workers) == set(procfile()) - {"monitoring-worker"}
    options = _read_by_supervisord(layout, supervisord_conf(
        layout, programs, set(programs), "sunlight-510000", environments))
    configs = {c.name: c for g in options.process_group_configs for c in g.process_configs}
    assert {n: configs[n].environment for n in workers} == {
        n: {"SUNLIGHT_SUPERVISION_PARTITION": str(i)} for i, n in enumerate(workers)}
    assert configs["monitoring-worker-2"].command == configs["monitoring-worker"].command
    assert not configs["cases"].environment
    # one worker: the node as before
    single, _ = node_programs(procfile(), Settings())
    assert list(single) == list(procfile())


def test_a_path_supervisord_would_misread_is_refused_clearly(tmp_path) -> None:
    odd = Layout(tmp_path / "100%var", tmp_path / "logs")
    with pytest.raises(ValueError, match="supervisord cannot take a '%'"):
        supervisord_conf(odd, {"cases": ["python", "-m", "services.cases.server"]}, set(), "n")


def test_the_socket_path_stays_short_enough_for_unix_sockets(tmp_path) -> None:
    deep = Layout(tmp_path / ("d" * 120), tmp_path / "logs")
    assert len(str(deep.socket)) < 100
    assert deep.socket == Layout(tmp_path / ("d" * 120), tmp_path / "other").socket
    assert Layout(Path("/srv/v"), Path("/srv/l")).socket == Path("/srv/v/run/supervisor.sock")


def test_the_wrapper_sets_a_private_umask_and_a_parent_death_signal() -> None:
    probe = ("import ctypes, os; libc = ctypes.CDLL(None); sig = ctypes.c_int(); "
             "libc.prctl(2, ctypes.byref(sig)); print(oct(os.umask(0)), sig.value)")
    out = subprocess.run([sys.executable, "-m", "infra.spawn", sys.executable, "-c", probe],
                         cwd=ROOT, capture_output=True, text=True, check=True, umask=0o022)
    assert out.stdout.split() == ["0o77", "15"]  # umask 077, SIGTERM when the parent dies


def test_the_console_prefixes_every_line_and_keeps_partial_lines(tmp_path) -> None:
    read, write = os.pipe()
    console = Console(write, ["supervisor", "cases", "monitoring-worker"])
    console.lines("cases", b"one\ntwo\npart")
    console.lines("cases", b"ial\n")
    console.lines("supervisor", b"2026-11-30 05:44:52,556 INFO spawned: 'cases' with pid 7\n")
    console.lines("supervisor", b"2026-11-30 05:44:51,551 INFO Set uid to user 0 succeeded\n")
    os.close(write)
    lines = os.read(read, 65536).decode().splitlines()
    os.close(read)
    assert [line[9:] for line in lines] == [
        "cases             | one", "cases             | two", "cases             | partial",
        "supervisor        | INFO spawned: 'cases' with pid 7"]


def test_the_console_knows_when_its_reader_is_gone() -> None:
    read, write = os.pipe()
    console = Console(write, ["supervisor"])
    assert not console.gone()
    os.close(read)
    assert console.gone()
    console.say("nobody reads this")  # no BrokenPipeError
    os.close(write)


def test_a_tail_follows_a_log_across_rotation(tmp_path) -> None:
    log = tmp_path / "cases.log"
    log.write_bytes(b"before the launcher started\n")
    tail = Tail(log, from_end=True)
    assert tail.read() == b""
    with log.open("ab") as fh:
        fh.write(b"first\n")
    assert tail.read() == b"first\n"
    with log.open("ab") as fh:
        fh.write(b"last of the old file\n")
    log.rename(tmp_path / "cases.log.1")  # what supervisord does at 10 MB
    log.write_bytes(b"new file\n")
    assert tail.read() == b"last of the old file\nnew file\n"
    tail.close()
    assert Tail(tmp_path / "not-yet.log", from_end=True).read() == b""
