"""The suite's own PostgreSQL server and RabbitMQ broker, so that restarting them hurts no one.

``PrivatePostgres``: ``initdb`` + ``pg_ctl`` of the installed PostgreSQL (``pg_config
--bindir``, else the newest ``/usr/lib/postgresql/*/bin``) in a temporary directory, on a
free port of 127.0.0.1. PostgreSQL refuses to run as root: as root its programs run as the
``postgres`` OS user (``runuser``), which owns the directory.

``PrivateRabbit``: a second ``rabbitmq-server`` node of the installed RabbitMQ
(``sunlight-chaos-<pid>@localhost``) with its own ports (AMQP, Erlang distribution,
management API), database, logs, Erlang cookie (its own HOME) and enabled-plugins file
(the node's plugins, ``infra.broker.PLUGINS``, and the management API the roll-up links can
use). ``restart`` is a real stop and start of the whole broker; its vhosts, policies, durable
queues and persistent messages survive it, as on a server.

Both are context managers: stopped and removed on the way out, whatever happened.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from infra.broker import PLUGINS, SYSTEM_UMASK
from infra.province import quiet_port

PG_USER = "postgres"
MANAGEMENT_PLUGIN = "rabbitmq_management"
START_TIMEOUT_S = 120


class DataServiceError(RuntimeError):
    """A private data service would not start or stop; the message says where its log is."""


def _run(command: list[str], timeout_s: float = 120, **kwargs) -> str:  # type: ignore[no-untyped-def]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,  # noqa: S603
                            check=False, **kwargs)
    if result.returncode != 0:
        raise DataServiceError(f"{' '.join(command[:4])}… failed: "
                               f"{(result.stderr or result.stdout).strip()[-800:]}")
    return result.stdout


def postgres_bindir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are: ``pg_config --bindir``, else Debian's layout."""
    candidates = []
    if shutil.which("pg_config"):
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            candidates.append(Path(subprocess.run(["pg_config", "--bindir"],  # noqa: S607
                                                  capture_output=True, text=True, timeout=10,
                                                  check=True).stdout.strip()))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=lambda p: int(Path(p).parent.name), reverse=True)]
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise DataServiceError("no PostgreSQL server programs (initdb, pg_ctl) found: "
                           "apt-get install postgresql")


def rabbitmq_bindir() -> Path:
    """The broker's own scripts (Debian's ``/usr/sbin`` ones are wrappers that switch to the
    ``rabbitmq`` user and drop the environment that makes a second node)."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise DataServiceError("RabbitMQ is not installed: apt-get install rabbitmq-server")
    folder = Path(ctl).resolve().parent
    if not (folder / "rabbitmq-server").is_file():
        raise DataServiceError(f"no rabbitmq-server next to {Path(ctl).resolve()}")
    return folder


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of the suite's own: ``url`` is its ``postgres`` database."""

    #: found first: a machine without PostgreSQL leaves no directory behind
    bindir: Path = field(default_factory=postgres_bindir)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sunlight-chaos-pg-")))
    port: int = 0
    restarts: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/postgres"

    def sqlalchemy_url(self, database: str) -> str:
        """A database of this server as the nodes' settings name one (``DATABASE_URL``)."""
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def _as_owner(self, *command: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", PG_USER, "--", *command]
        return list(command)

    def start(self) -> PrivatePostgres:
        self.port = self.port or quiet_port(set())
        if os.geteuid() == 0:
            shutil.chown(self.root, PG_USER, PG_USER)
        _run(self._as_owner(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust",
                            "-U", PG_USER, "-E", "UTF8", "--locale=C", "--no-sync"))
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=400 -c shared_buffers=64MB")
        _run(self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l",
                            str(self.log), "-o", options, "-w", "-t", "60", "start"))
        return self

    def restart(self, mode: str = "immediate") -> None:
        """Stop the server (``immediate``: as a crash would, recovery from the WAL at the
        start; ``fast``: every session ended cleanly) and start it again."""
        _run(self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l",
                            str(self.log), "-m", mode, "-w", "-t", "60", "restart"))
        self.restarts += 1

    def stop(self) -> None:
        if self.data.is_dir():
            with contextlib.suppress(DataServiceError, subprocess.SubprocessError):
                _run(self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m",
                                    "immediate", "-w", "-t", "30", "stop"), timeout_s=60)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class PrivateRabbit:
    """A RabbitMQ node of the suite's own: ``uri(vhost)`` reaches it as guest."""

    bindir: Path = field(default_factory=rabbitmq_bindir)  # first, as PrivatePostgres's
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sunlight-chaos-mq-")))
    name: str = field(default_factory=lambda: f"sunlight-chaos-{os.getpid()}@localhost")
    port: int = 0
    dist_port: int = 0
    management_port: int = 0
    process: subprocess.Popen | None = None
    restarts: int = 0

    def uri(self, vhost: str = "") -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{vhost}"

    @property
    def management_url(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.management_port}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "HOME": str(self.root / "home"),
                "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.root / "log"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
                "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq"),
                "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
                "RABBITMQ_PID_FILE": str(self.root / "rabbitmq.pid")}

    def ctl(self, *args: str, timeout_s: float = 60) -> str:
        """``rabbitmqctl`` against this node."""
        return _run([str(self.bindir / "rabbitmqctl"), "-q", "-n", self.name, *args],
                    timeout_s=timeout_s, env=self.env(), umask=SYSTEM_UMASK)

    def _write_files(self) -> None:
        taken: set[int] = set()
        self.port = self.port or quiet_port(taken)
        self.dist_port = self.dist_port or quiet_port(taken)
        self.management_port = self.management_port or quiet_port(taken)
        for folder in ("home", "mnesia", "log"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        plugins = sorted({*PLUGINS, MANAGEMENT_PLUGIN})
        (self.root / "enabled_plugins").write_text(f"[{','.join(plugins)}].\n")
        (self.root / "rabbitmq.conf").write_text(
            f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {self.management_port}\n")
        (self.root / "rabbitmq-env.conf").write_text("")  # not the machine's broker's

    def start(self) -> PrivateRabbit:
        if not self.port:
            self._write_files()
        output = (self.root / "server.out").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - the installed broker
            [str(self.bindir / "rabbitmq-server")], env=self.env(), cwd=self.root,
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True, umask=SYSTEM_UMASK)
        output.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise DataServiceError(f"the private broker exited; see {self.root}/log")
            try:
                self.ctl("await_startup", "--timeout", "10", timeout_s=30)
                return self
            except (DataServiceError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise DataServiceError(f"the private broker did not start in "
                                           f"{START_TIMEOUT_S}s; see {self.root}/log") from None

    def _halt(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(DataServiceError, subprocess.SubprocessError):
            self.ctl("stop", timeout_s=60)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop the whole broker (every connection of every node drops) and start it."""
        self._halt()
        self.start()
        self.restarts += 1

    def add_vhost(self, vhost: str) -> None:
        self.ctl("add_vhost", vhost)
        self.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")

    def stop(self) -> None:
        """The end: the broker's whole process group killed (its files go with it: nothing
        to shut down cleanly for), its directory removed."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def data_services() -> Iterator[tuple[PrivatePostgres, PrivateRabbit]]:
    """Both, started side by side; both stopped and removed on the way out."""
    pg: PrivatePostgres | None = None
    mq: PrivateRabbit | None = None
    try:
        pg, mq = PrivatePostgres(), PrivateRabbit()
        with ThreadPoolExecutor(2) as pool:
            for started in [pool.submit(pg.start), pool.submit(mq.start)]:
                started.result()
        yield pg, mq
    finally:
        if mq is not None:
            mq.stop()
        if pg is not None:
            pg.stop()
