"""One node on this machine for tests and benchmarks, under the same supervisor as ``make run``.

``LocalNode.on_free_ports(log_dir, DATABASE_URL=…, AMQP_URI=…)`` runs ``python -m
infra.supervise`` with every port moved to a free one and a var directory of its own (unless
``SUNLIGHT_VAR_DIR`` is given), so it never meets a node started by ``make run``. Processes
killed here are restarted by supervisord, as they would be in ``make run``.

Such a node — and every node of a ``LocalProvince`` — has no demo data
(``SUNLIGHT_DEMO_DATA=0``, whatever the environment says) unless it is given
``SUNLIGHT_DEMO_DATA="1"``: then ``start`` runs the Procfile's ``demo`` seeder too. The same
for the real catalogue's first import (``SUNLIGHT_REAL_CATALOGUE``, the one-shot
``real-catalogue``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path

from infra.ports import free_ports
from infra.supervise import GROUP, ONE_SHOT, Layout, partition_names, procfile, rpc
from services.shared.config import Settings

__all__ = ["LocalNode", "LocalProvince", "procfile"]

ROOT = Path(__file__).resolve().parents[1]
PORT_SETTINGS = {
    "SUNLIGHT_CATALOGUE_PORT", "SUNLIGHT_CASES_PORT", "SUNLIGHT_MONITORING_PORT",
    "SUNLIGHT_GATEWAY_GRPC_PORT", "SUNLIGHT_GATEWAY_HTTP_PORT", "SUNLIGHT_HALL_PORT",
    "SUNLIGHT_MONITORING_WORKER_HEALTH_PORT", "SUNLIGHT_CATALOGUE_RELAY_HEALTH_PORT",
    "SUNLIGHT_CASES_RELAY_HEALTH_PORT", "SUNLIGHT_MONITORING_RELAY_HEALTH_PORT",
    "SUNLIGHT_MONITORING_WORKER_PARTITION_HEALTH_PORT",
    "SUNLIGHT_CATALOGUE_METRICS_PORT", "SUNLIGHT_MONITORING_METRICS_PORT",
    "SUNLIGHT_CASES_METRICS_PORT", "SUNLIGHT_GATEWAY_METRICS_PORT",
}
#: the Procfile's demo data seeder (one-shot): started only on a node that asks for demo data
DEMO = "demo"
#: the Procfile's first import of the real catalogue (one-shot): only on a node that asks
REAL_CATALOGUE = "real-catalogue"
# supervisord's states of a process that is not coming back by itself
GIVEN_UP = {"FATAL", "UNKNOWN"}


@dataclass
class LocalNode:
    """One node's processes under supervisord, each logging to ``log_dir/<name>.log``."""

    env: dict[str, str]
    log_dir: Path
    launcher: subprocess.Popen | None = None
    started: set[str] = field(default_factory=set)
    own_var_dir: Path | None = None

    @classmethod
    def on_free_ports(cls, log_dir: Path, **env: str) -> LocalNode:
        names = sorted(PORT_SETTINGS)
        ports = {name: str(port) for name, port in zip(names, free_ports(len(names)),
                                                       strict=True)}
        return cls(env={**ports, **env}, log_dir=log_dir)

    def port(self, setting: str) -> int:
        return int(self.env[f"SUNLIGHT_{setting.upper()}_PORT"])

    def full_env(self) -> dict[str, str]:
        if "SUNLIGHT_VAR_DIR" not in self.env and self.own_var_dir is None:
            self.own_var_dir = Path(tempfile.mkdtemp(prefix="sunlight-node-"))
        var = {"SUNLIGHT_VAR_DIR": str(self.own_var_dir)} if self.own_var_dir else {}
        bin_dir = str(Path(sys.executable).parent)
        return {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
                "PYTHONUNBUFFERED": "1", "SUNLIGHT_DEMO_DATA": "0",
                "SUNLIGHT_REAL_CATALOGUE": "0", **var, **self.env}

    @property
    def layout(self) -> Layout:
        env = self.full_env()
        var_dir = Path(env["SUNLIGHT_VAR_DIR"])
        return Layout(var_dir.resolve(), self.log_dir.resolve())

    def settings(self) -> Settings:
        """The node's settings (its addresses, for health checks)."""
        values = {k.removeprefix("SUNLIGHT_").lower(): v for k, v in self.full_env().items()
                  if k.startswith("SUNLIGHT_") and k != "SUNLIGHT_ENV_FILE"}
        return Settings(**values)

    # -- the supervisor -------------------------------------------------------------------

    def launch_command(self, names: list[str] | None = None, quiet: bool = True) -> list[str]:
        """The command that runs this node (what ``make start`` runs, plus options)."""
        command = [sys.executable, "-m", "infra.supervise", "--log-dir", str(self.log_dir)]
        command += [arg for name in names or () for arg in ("--only", name)]
        return command + (["--quiet"] if quiet else [])

    def supervisor(self) -> xmlrpc.client.ServerProxy:
        return rpc(self.layout).supervisor

    def running(self) -> bool:
        return self.launcher is not None and self.launcher.poll() is None

    def start(self, names: list[str] | None = None) -> None:
        """Start these processes of the Procfile (all but the one-shot ``ready`` by default;
        ``demo`` too when the node has demo data on)."""
        settings = self.settings()
        once = ({DEMO} if settings.demo_data else set()) | (
            {REAL_CATALOGUE} if settings.real_catalogue else set())
        wanted = [n for n in procfile() if (n not in ONE_SHOT or n in once)
                  and (names is None or n in names)]
        if not self.running():
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / "launcher.log").open("ab")
            self.launcher = subprocess.Popen(  # noqa: S603 - our own launcher
                self.launch_command(wanted), cwd=ROOT, env=self.full_env(),
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)
            output.close()
            self._wait_supervisor()
        else:
            for name in wanted:
                for program in partition_names(name, self.settings()):
                    self.start_process(program)
        settings = self.settings()
        self.started.update(p for name in wanted for p in partition_names(name, settings))

    def _wait_supervisor(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if not self.running():
                raise RuntimeError(f"the supervisor exited: {self.log('launcher')}")
            with contextlib.suppress(OSError, xmlrpc.client.Error):
                if self.supervisor().getState()["statename"] == "RUNNING":
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the supervisor does not answer; see {self.log_dir}")
            time.sleep(0.1)

    def start_process(self, name: str) -> None:
        try:
            self.supervisor().startProcess(f"{GROUP}:{name}", False)
        except xmlrpc.client.Fault as fault:
            if "ALREADY_STARTED" not in fault.faultString:
                raise
        self.started.add(name)

    def stop_process(self, name: str) -> None:
        """Stop one process and keep it stopped (supervisord will not restart it)."""
        with contextlib.suppress(xmlrpc.client.Fault):  # NOT_RUNNING
            self.supervisor().stopProcess(f"{GROUP}:{name}", True)
        self.started.discard(name)

    def info(self) -> dict[str, dict]:
        """supervisord's view of every process: ``statename``, ``pid``, ``description``…"""
        return {i["name"]: i for i in self.supervisor().getAllProcessInfo()}

    def pid(self, name: str) -> int:
        """The pid of the process now (0 when it is not running)."""
        return int(self.supervisor().getProcessInfo(f"{GROUP}:{name}")["pid"])

    def pids(self) -> dict[str, int]:
        return {name: i["pid"] for name, i in self.info().items() if i["pid"]}

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send ``sig`` to the process and wait until it is gone; supervisord then starts it
        again (as in ``make run``). Returns the pid that was signalled."""
        pid = self.pid(name)
        if not pid:
            raise RuntimeError(f"{name} is not running")
        os.kill(pid, sig)
        deadline = time.monotonic() + 30
        while self.pid(name) == pid:  # until supervisord has reaped it
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} (pid {pid}) did not die of {sig}")
            time.sleep(0.01)
        return pid

    # -- health ---------------------------------------------------------------------------

    def status(self) -> subprocess.CompletedProcess:
        """``sunlight status --json`` against this node."""
        sunlight = Path(sys.executable).with_name("sunlight")
        return subprocess.run([str(sunlight), "status", "--json"], cwd=ROOT,  # noqa: S603
                              env=self.full_env(), capture_output=True, text=True, timeout=60)

    def serving(self) -> dict[str, bool]:
        """Each health check's answer, through ``sunlight status``."""
        result = self.status()
        return {entry["process"]: entry["serving"] for entry in json.loads(result.stdout)}

    def health(self, timeout_s: float = 2.0) -> dict[str, bool]:
        """Each health check's answer, asked from here (cheaper than ``serving``)."""
        from cli.processes import node_processes  # noqa: PLC0415

        return {p.name: p.check(timeout_s)[0] for p in node_processes(self.settings())}

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        """Wait until every started process answers its health check."""
        deadline = time.monotonic() + timeout_s
        while True:
            if not self.running():
                raise RuntimeError(f"the supervisor exited; see {self.log_dir}")
            given_up = {n: i["statename"] for n, i in self.info().items()
                        if n in self.started and i["statename"] in GIVEN_UP}
            if given_up:
                raise RuntimeError(f"processes not running: {given_up}; see {self.log_dir}")
            states = self.health()
            waiting = [n for n, ok in states.items()
                       if not ok and n.removesuffix("-http") in self.started]
            if not waiting:
                return
            if time.monotonic() > deadline:
                info = self.info()
                states = {n: info.get(n.removesuffix("-http"), {}).get("statename")
                          for n in waiting}
                raise RuntimeError(f"not serving after {timeout_s}s: {states}; "
                                   f"see {self.log_dir}")
            time.sleep(0.3)

    # -- the end --------------------------------------------------------------------------

    def stop(self, timeout_s: float = 60.0) -> None:
        """Stop every process (as Ctrl-C does in ``make run``) and the supervisor."""
        if self.launcher is not None:
            if self.launcher.poll() is None:
                self.launcher.send_signal(signal.SIGTERM)
            try:
                self.launcher.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.launcher.pid, signal.SIGKILL)
                self.launcher.wait()
            self.launcher = None
        self.started.clear()
        if self.own_var_dir is not None:
            shutil.rmtree(self.own_var_dir, ignore_errors=True)
            self.own_var_dir = None

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""


@dataclass
class LocalProvince:
    """Several nodes started the way ``make run`` starts a province — ``python -m
    infra.province setup --free-ports`` (every port a free one), then ``python -m
    infra.supervise --province`` — under a var directory of their own (``env``'s
    SUNLIGHT_VAR_DIR), each node's vhost on the broker of ``env``'s AMQP_URI (removed by
    ``stop``). ``node(region)`` is a ``LocalNode`` view of one node: its health, its
    supervisor, killing its processes."""

    env: dict[str, str]
    regions: list[str]
    log_dir: Path
    launcher: subprocess.Popen | None = None
    nodes: dict[str, LocalNode] = field(default_factory=dict)

    def full_env(self) -> dict[str, str]:
        bin_dir = str(Path(sys.executable).parent)
        return {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
                "PYTHONUNBUFFERED": "1", "SUNLIGHT_DEMO_DATA": "0",
                "SUNLIGHT_REAL_CATALOGUE": "0", **self.env}

    @property
    def var_dir(self) -> Path:
        return Path(self.env["SUNLIGHT_VAR_DIR"])

    def setup(self, timeout_s: float = 300.0) -> None:
        """Settings, token keys, vhosts, CA and registry, migrations of every node."""
        from infra.province import Plan  # noqa: PLC0415

        self.log_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(  # noqa: S603 - our own setup step
            [sys.executable, "-m", "infra.province", "setup", "--free-ports",
             "--nodes", ",".join(self.regions)], cwd=ROOT, env=self.full_env(),
            capture_output=True, text=True, timeout=timeout_s)
        (self.log_dir / "setup.log").write_text(result.stdout + result.stderr, "utf-8")
        if result.returncode != 0:
            raise RuntimeError(f"province setup failed:\n{result.stdout}\n{result.stderr}")
        plan = Plan.read(self.var_dir)
        assert plan is not None
        self.nodes = {n.region: LocalNode(env=n.process_env(), log_dir=self.log_dir / n.region)
                      for n in plan.nodes}

    def launch_command(self) -> list[str]:
        return [sys.executable, "-m", "infra.supervise", "--province", "--quiet",
                "--log-dir", str(self.log_dir)]

    def start(self) -> None:
        if not self.nodes:
            self.setup()
        output = (self.log_dir / "launcher.log").open("ab")
        self.launcher = subprocess.Popen(  # noqa: S603 - our own launcher
            self.launch_command(), cwd=ROOT, env=self.full_env(), stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        output.close()
        wanted = [n for n in procfile() if n not in ONE_SHOT]
        for node in self.nodes.values():
            node.launcher = self.launcher
            node._wait_supervisor()
            node.started.update(p for name in wanted
                                for p in partition_names(name, node.settings()))

    def node(self, region: str) -> LocalNode:
        return self.nodes[region]

    def wait_healthy(self, timeout_s: float = 180.0) -> None:
        deadline = time.monotonic() + timeout_s
        for node in self.nodes.values():
            node.wait_healthy(max(deadline - time.monotonic(), 1.0))

    def stop(self, timeout_s: float = 60.0) -> None:
        """Stop every process of every node (as Ctrl-C does) and remove the nodes' vhosts."""
        if self.launcher is not None:
            if self.launcher.poll() is None:
                self.launcher.send_signal(signal.SIGTERM)
            try:
                self.launcher.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.launcher.pid, signal.SIGKILL)
                self.launcher.wait()
            self.launcher = None
        for node in self.nodes.values():
            node.launcher = None
            node.started.clear()
            # the vhosts made for this province only (the base AMQP_URI names one)
            vhost = node.env.get("AMQP_URI", "").rpartition("/")[2]
            if "AMQP_URI" in self.env and vhost and shutil.which("rabbitmqctl"):
                subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost],  # noqa: S603,S607
                               capture_output=True, timeout=60, check=False)
