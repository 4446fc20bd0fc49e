"""Start, watch and stop the processes of one node on this machine, from ``infra/Procfile``.

``make run`` uses honcho on the same Procfile; tests and benchmarks use this class to run a
node on free ports against a database and vhost of their own, and to kill single processes.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROCFILE = ROOT / "infra" / "Procfile"
PORT_SETTINGS = {
    "SUNLIGHT_CATALOGUE_PORT", "SUNLIGHT_CASES_PORT", "SUNLIGHT_MONITORING_PORT",
    "SUNLIGHT_GATEWAY_GRPC_PORT", "SUNLIGHT_GATEWAY_HTTP_PORT", "SUNLIGHT_HALL_PORT",
    "SUNLIGHT_MONITORING_WORKER_HEALTH_PORT", "SUNLIGHT_CATALOGUE_RELAY_HEALTH_PORT",
    "SUNLIGHT_CASES_RELAY_HEALTH_PORT",
}


def procfile(path: Path = PROCFILE) -> dict[str, list[str]]:
    commands: dict[str, list[str]] = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            commands[name.strip()] = shlex.split(command)
    return commands


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalNode:
    """One node's processes, each logging to ``log_dir/<name>.log``."""

    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @classmethod
    def on_free_ports(cls, log_dir: Path, **env: str) -> LocalNode:
        ports = {name: str(free_port()) for name in sorted(PORT_SETTINGS)}
        return cls(env={**ports, **env}, log_dir=log_dir)

    def port(self, setting: str) -> int:
        return int(self.env[f"SUNLIGHT_{setting.upper()}_PORT"])

    def full_env(self) -> dict[str, str]:
        bin_dir = str(Path(sys.executable).parent)
        return {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
                "PYTHONUNBUFFERED": "1", **self.env}

    def start(self, names: list[str] | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name, command in procfile().items():
            if name == "ready" or (names is not None and name not in names):
                continue
            self.start_process(name, command)

    def start_process(self, name: str, command: list[str] | None = None) -> None:
        command = command or procfile()[name]
        if command[0] == "python":
            command = [sys.executable, *command[1:]]
        log = (self.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.full_env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        process.send_signal(sig)
        process.wait(timeout=30)

    def status(self) -> subprocess.CompletedProcess:
        """``sunlight status --json`` against this node."""
        sunlight = Path(sys.executable).with_name("sunlight")
        return subprocess.run([str(sunlight), "status", "--json"], cwd=ROOT,
                              env=self.full_env(), capture_output=True, text=True, timeout=60)

    def serving(self) -> dict[str, bool]:
        result = self.status()
        return {entry["process"]: entry["serving"] for entry in json.loads(result.stdout)}

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        """Wait until every started process answers its health check."""
        deadline = time.monotonic() + timeout_s
        while True:
            dead = {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}
            if dead:
                raise RuntimeError(f"processes exited: {dead}; see {self.log_dir}")
            states = self.serving()
            waiting = [n for n, ok in states.items()
                       if not ok and n.removesuffix("-http") in self.processes]
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"not serving after {timeout_s}s: {waiting}; "
                                   f"see {self.log_dir}")
            time.sleep(0.3)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""
