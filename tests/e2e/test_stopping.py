"""Stopping a node started with ``make start`` (the last step of ``make run``) the ways it
happens: Ctrl-C, closing the terminal, closing the output pipe (``make run | tee log`` when
``tee`` goes first), killing the supervisor outright. Each time every process of the node is
gone afterwards, and its ports are free: nothing keeps serving unseen."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import subprocess
import termios
import uuid
from pathlib import Path

import pytest

from infra.localnode import PORT_SETTINGS, LocalNode, LocalProvince
from tests.support.processes import TAG, Drain, describe, ports_in_use, tagged
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def node(database_url, amqp_uri, tmp_path) -> LocalNode:
    return LocalNode.on_free_ports(tmp_path / "logs", DATABASE_URL=database_url,
                                   AMQP_URI=amqp_uri, SUNLIGHT_VAR_DIR=str(tmp_path / "var"))


def _environment(node: LocalNode, tag: str) -> dict[str, str]:
    env = {**node.full_env(), TAG: tag}
    for inherited in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS"):  # when the tests run under make
        env.pop(inherited, None)
    env["NODES"] = ""  # one node of the settings, not the province
    return env


def _as_a_terminal_job() -> None:
    """Signals as in a terminal's foreground job, even when the tests run in the background
    (where SIGINT is ignored, and a launcher honours that)."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def _make_start(node: LocalNode, tag: str) -> tuple[subprocess.Popen, Drain]:
    make = subprocess.Popen(["make", "-s", "start"], cwd=ROOT, env=_environment(node, tag),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=_as_a_terminal_job)
    return make, Drain(make.stdout.fileno())


def _wait_serving(node: LocalNode, process: subprocess.Popen, output: Drain) -> None:
    def serving() -> bool:
        assert process.poll() is None, f"make start exited:\n{output.text}"
        return all(node.health().values())

    # generous: a busy machine (the rest of the suite, a province just stopped) starts slowly
    try:
        wait_for(serving, timeout_s=180, interval_s=0.3,
                 what="every process of the node serving")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_diagnosis(node, output)}") from None
    # the ready process announces the node once it has seen every process serve, too
    wait_for(lambda: "is up:" in output.text, timeout_s=30, interval_s=0.2,
             what="the node's addresses announced")


def _diagnosis(node: LocalNode, output: Drain, lines: int = 15) -> str:
    """What a node that does not serve shows: each health check, the output of make, the
    last lines of the log of each process not serving."""
    health = node.health()
    log_dir = Path(node.env["SUNLIGHT_VAR_DIR"]) / "log"
    parts = [f"health: {health}", "make start said:", output.text[-3000:]]
    for name in ["supervisord", *(n.removesuffix("-http") for n, ok in health.items() if not ok)]:
        path = log_dir / f"{name}.log"
        tail = path.read_text("utf-8", "replace").splitlines()[-lines:] if path.exists() else []
        parts += [f"--- {path} (last {lines} lines)", *tail]
    return "\n".join(parts)


def _assert_all_gone(node: LocalNode, tag: str) -> None:
    try:
        wait_for(lambda: not tagged(tag), timeout_s=30, interval_s=0.1,
                 what="no process of the node left")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; left running:\n"
                             + "\n".join(describe(tagged(tag)))) from None
    ports = [int(node.env[name]) for name in PORT_SETTINGS]
    assert ports_in_use(ports) == []


def test_ctrl_c_stops_every_process(node) -> None:
    tag = uuid.uuid4().hex
    make, output = _make_start(node, tag)
    try:
        _wait_serving(node, make, output)
        assert len(tagged(tag)) >= 11  # make, launcher, supervisord, 8 processes (+ ready)
        os.killpg(make.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        make.wait(timeout=60)
        _assert_all_gone(node, tag)
    finally:
        text = output.stop()
        make.stdout.close()
    assert "SIGINT: stopping every process" in text
    assert "every process stopped" in text
    assert "is up:" in text  # the ready process announced the node


def test_closing_the_terminal_stops_every_process(node) -> None:
    tag = uuid.uuid4().hex
    master, slave = pty.openpty()

    def take_terminal() -> None:  # the pty becomes the session's controlling terminal
        _as_a_terminal_job()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    shell = subprocess.Popen(["bash", "-c", "make -s start; true"], cwd=ROOT,
                             env=_environment(node, tag), stdin=slave, stdout=slave,
                             stderr=slave, start_new_session=True, preexec_fn=take_terminal)
    os.close(slave)
    output = Drain(master)
    try:
        _wait_serving(node, shell, output)
    finally:
        output.stop()
        os.close(master)  # the terminal window closes: SIGHUP to the session
    shell.wait(timeout=60)
    _assert_all_gone(node, tag)
    log = (Path(node.env["SUNLIGHT_VAR_DIR"]) / "log" / "supervisord.log").read_text()
    assert "received SIGTERM indicating exit request" in log  # a stop, not a crash
    assert "stopped: cases (exit status 0)" in log


def test_closing_the_output_pipe_stops_every_process(node) -> None:
    tag = uuid.uuid4().hex
    make, output = _make_start(node, tag)
    try:
        _wait_serving(node, make, output)
    finally:
        output.stop()
        make.stdout.close()  # the reader goes away (tee killed by Ctrl-C first, head, …)
    make.wait(timeout=60)
    _assert_all_gone(node, tag)


def test_a_supervisor_killed_outright_leaves_no_process(node) -> None:
    tag = uuid.uuid4().hex
    make, output = _make_start(node, tag)
    try:
        _wait_serving(node, make, output)
        supervisord = int((node.layout.run_dir / "supervisord.pid").read_text())
        before = tagged(tag)
        assert supervisord in before
        # SIGKILL cannot be handled: supervisord cannot stop its processes, make and the
        # launcher cannot stop supervisord. The kernel's parent-death signals must.
        os.kill(supervisord, signal.SIGKILL)
        os.killpg(make.pid, signal.SIGKILL)
        make.wait(timeout=30)
        _assert_all_gone(node, tag)
    finally:
        output.stop()
        make.stdout.close()


# --- a province: several nodes under one `make start` --------------------------------------

#: two nodes: as many as it takes for one launcher over several supervisords (a third node
#: costs the suite half a minute per start and shows nothing more)
PROVINCE = ["510000", "511602"]


@pytest.fixture(scope="module")
def province(amqp_uri, tmp_path_factory) -> LocalProvince:
    """A province set up as `make run` sets it up (free ports, SQLite, a vhost per node), not
    started: each test starts it with `make start`."""
    root = tmp_path_factory.mktemp("province")
    local = LocalProvince({"SUNLIGHT_VAR_DIR": str(root / "var"), "AMQP_URI": amqp_uri},
                          PROVINCE, root / "logs")
    local.setup()
    yield local
    local.stop()


def _province_environment(province: LocalProvince, tag: str) -> dict[str, str]:
    env = {**province.full_env(), TAG: tag}
    for inherited in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS"):
        env.pop(inherited, None)
    env["NODES"] = ",".join(PROVINCE)
    return env


def _province_ports(province: LocalProvince) -> list[int]:
    return [int(v) for node in province.nodes.values() for k, v in node.env.items()
            if k.endswith("_PORT")]


def _wait_province_serving(province: LocalProvince, make: subprocess.Popen,
                           output: Drain) -> None:
    def serving() -> bool:
        assert make.poll() is None, f"make start exited:\n{output.text}"
        return all(all(node.health().values()) for node in province.nodes.values())

    wait_for(serving, timeout_s=600, interval_s=0.5, what="every process of every node serving")
    wait_for(lambda: all(f"Sunlight node {r}" in output.text for r in PROVINCE),
             timeout_s=60, interval_s=0.2, what="every node announced")


def _assert_province_gone(province: LocalProvince, tag: str) -> None:
    try:
        wait_for(lambda: not tagged(tag), timeout_s=60, interval_s=0.1,
                 what="no process of any node left")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; left running:\n"
                             + "\n".join(describe(tagged(tag)))) from None
    assert ports_in_use(_province_ports(province)) == []


@pytest.mark.timeout(900)  # three nodes' worth of processes start on two cores
def test_a_province_runs_whole_restarts_a_dead_process_and_stops_on_ctrl_c(province) -> None:
    tag = uuid.uuid4().hex
    env = _province_environment(province, tag)
    make = subprocess.Popen(["make", "-s", "start"], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=_as_a_terminal_job)
    output = Drain(make.stdout.fileno())
    try:
        _wait_province_serving(province, make, output)
        # 2 × (supervisord + 9 processes + ready), the launcher and make
        assert len(tagged(tag)) >= len(PROVINCE) * 11 + 2
        # a second start while the province runs says so and starts nothing
        again = subprocess.run(["make", "-s", "start"], cwd=ROOT, env=env, timeout=120,
                               stdin=subprocess.DEVNULL, capture_output=True, text=True)
        assert again.returncode != 0
        assert "a province is already running" in again.stderr + again.stdout
        # a dead process of one node is started again while the other nodes serve
        district = province.node("511602")
        killed = district.kill("cases")
        assert all(province.node("510000").health().values())
        wait_for(lambda: district.pid("cases") not in (0, killed), timeout_s=60,
                 what="the district's cases process started again")
        wait_for(lambda: all(district.health().values()), timeout_s=90,
                 what="the district serving again")
        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=120)
        _assert_province_gone(province, tag)
    finally:
        text = output.stop()
        make.stdout.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGKILL)
    assert "SIGINT: stopping every process" in text
    assert "every process stopped" in text


@pytest.mark.timeout(900)
def test_sigterm_stops_every_node(province) -> None:
    """What `kill` and a service manager send. (A closed output pipe stops a province as it
    stops a single node: one launcher watches its output either way.)"""
    tag = uuid.uuid4().hex
    make = subprocess.Popen(["make", "-s", "start"], cwd=ROOT,
                            env=_province_environment(province, tag),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=_as_a_terminal_job)
    output = Drain(make.stdout.fileno())
    try:
        _wait_province_serving(province, make, output)
        os.killpg(make.pid, signal.SIGTERM)
        make.wait(timeout=120)
    finally:
        text = output.stop()
        make.stdout.close()
    _assert_province_gone(province, tag)
    assert "SIGTERM: stopping every process" in text
