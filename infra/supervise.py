"""Run every process of a node under supervisord, in the foreground (``make run``'s last step).

``python -m infra.supervise [--only NAME …] [--log-dir DIR] [--quiet]``

- ``infra/Procfile`` is the list of processes; the supervisord configuration is generated from
  it into ``<var>/run/supervisord.conf`` on every start.
- A process that dies is started again at once; one that dies again within ``startsecs`` is
  retried after 1 s, 2 s, 3 s … (``startretries`` times, then supervisord gives up on it:
  FATAL). The other processes keep serving meanwhile.
- Each process's output goes to ``<log dir>/<name>.log`` (rotated) and, prefixed with its name,
  to this command's output; supervisord's own log (starts, exits, restarts) likewise.
- Ctrl-C (SIGINT), SIGTERM, closing the terminal (SIGHUP) and closing this command's output
  (``make run | tee log`` when ``tee`` goes first) all stop every process, then this command.
  supervisord runs in a session of its own, so none of these reach it but through here; and
  when this command is killed outright, the kernel stops supervisord (parent-death signal),
  whose processes in turn die with it (see ``infra/spawn.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

from infra.spawn import PRIVATE_UMASK, die_with_parent
from services.shared.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
PROCFILE = ROOT / "infra" / "Procfile"
GROUP = "node"  # every program in one group: a stop stops them all at once
#: run once at each start, never restarted: ``ready`` says that the node is up; ``demo``
#: seeds the demo data once (SUNLIGHT_DEMO_DATA) and exits; ``real-catalogue`` imports the
#: real Guang'an catalogue once (SUNLIGHT_REAL_CATALOGUE) and exits
ONE_SHOT = {"ready", "demo", "real-catalogue"}
STARTSECS = 5  # alive this long = started; an earlier exit counts as a failed start
STARTRETRIES = 60  # failed starts in a row (1 s, 2 s … 60 s apart) before giving up
STOPWAITSECS = 15  # after SIGTERM, then SIGKILL to the process group
LOG_MAXBYTES, LOG_BACKUPS = "10MB", 5
SOCKET_PATH_MAX = 100  # AF_UNIX paths are limited to 107 bytes
POLL_S = 0.2
# supervisord's own log lines: "2026-11-30 05:44:52,556 INFO spawned: …"; the console has its
# own time stamp, and two start-up notices do not apply (its socket is private to the user).
SUPERVISORD_STAMP = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
SUPERVISORD_NOISE = (b"Set uid to user", b"running without any HTTP authentication")


def procfile(path: Path = PROCFILE) -> dict[str, list[str]]:
    """``name: command`` lines, in order."""
    commands: dict[str, list[str]] = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            commands[name.strip()] = shlex.split(command)
    return commands


#: processes run as several partitions, each a program of its own: the setting that says how
#: many (the first keeps the process's name, the others are ``<name>-1`` …), and the variable
#: that tells each its partition
PARTITIONED = {"monitoring-worker": ("supervision_workers", "SUNLIGHT_SUPERVISION_PARTITION")}


def partition_names(name: str, settings: Settings) -> list[str]:
    """The programs of one Procfile process: itself, or its partitions (``PARTITIONED``)."""
    if name not in PARTITIONED:
        return [name]
    count = int(getattr(settings, PARTITIONED[name][0]))
    return [name, *(f"{name}-{n}" for n in range(1, count))]


def node_programs(programs: dict[str, list[str]], settings: Settings
                  ) -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
    """The Procfile's processes with the partitioned ones expanded, and each program's own
    environment variables."""
    expanded: dict[str, list[str]] = {}
    environments: dict[str, dict[str, str]] = {}
    for name, command in programs.items():
        for n, program in enumerate(partition_names(name, settings)):
            expanded[program] = command
            if name in PARTITIONED:
                environments[program] = {PARTITIONED[name][1]: str(n)}
    return expanded, environments


def executable(command: list[str]) -> list[str]:
    """``python`` is this interpreter; other programs come from its bin directory when they
    are there (``sunlight``)."""
    if command[0] == "python":
        return [sys.executable, *command[1:]]
    local = Path(sys.executable).parent / command[0]
    return [str(local), *command[1:]] if local.exists() else command


@dataclass(frozen=True)
class Layout:
    """Where a node's supervisor keeps its files."""

    var_dir: Path
    log_dir: Path

    @classmethod
    def of(cls, settings: Settings, log_dir: Path | None = None) -> Layout:
        var_dir = Path(settings.var_dir).resolve()
        return cls(var_dir, (log_dir or var_dir / "log").resolve())

    @property
    def run_dir(self) -> Path:
        return self.var_dir / "run"

    @property
    def conf(self) -> Path:
        return self.run_dir / "supervisord.conf"

    @property
    def pidfile(self) -> Path:
        return self.run_dir / "supervisord.pid"

    @property
    def socket(self) -> Path:
        path = self.run_dir / "supervisor.sock"
        if len(str(path)) <= SOCKET_PATH_MAX:
            return path
        digest = hashlib.sha256(str(self.var_dir).encode()).hexdigest()[:16]
        return Path("/tmp") / f"sunlight-{os.geteuid()}-{digest}" / "supervisor.sock"  # noqa: S108

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"


def _value(text: object) -> str:
    # supervisord expands %(name)s in values, some twice: no escape is safe for all of them
    if "%" in str(text):
        raise ValueError(f"supervisord cannot take a '%' in {text}: move or rename it")
    return str(text)


def supervisord_conf(layout: Layout, programs: dict[str, list[str]], autostart: set[str],
                     identifier: str, environments: dict[str, dict[str, str]] | None = None
                     ) -> str:
    """The supervisord configuration of a node whose processes are ``programs`` (with
    ``environments``: variables of their own, by program)."""
    lines = [
        "; generated by infra/supervise.py from infra/Procfile on every start: edit those",
        "[supervisord]",
        "nodaemon=true",
        f"identifier={_value(identifier)}",
        f"user={os.geteuid()}",  # the current user: no warning about running as root
        f"logfile={_value(layout.log('supervisord'))}",
        f"logfile_maxbytes={LOG_MAXBYTES}",
        f"logfile_backups={LOG_BACKUPS}",
        f"pidfile={_value(layout.pidfile)}",
        f"childlogdir={_value(layout.log_dir)}",
        "",
        "[unix_http_server]",
        f"file={_value(layout.socket)}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_value(layout.socket)}",
        "",
        "[group:" + GROUP + "]",
        "programs=" + ",".join(programs),
    ]
    for name, command in programs.items():
        # infra.spawn: umask 077 and a parent-death signal, then exec of the command itself.
        argv = [sys.executable, "-m", "infra.spawn", *executable(command)]
        once = name in ONE_SHOT
        lines += [
            "",
            f"[program:{name}]",
            f"command={_value(shlex.join(argv))}",
            f"directory={_value(ROOT)}",
            "umask=077",
            f"autostart={str(name in autostart).lower()}",
            f"autorestart={'false' if once else 'true'}",
            f"startsecs={0 if once else STARTSECS}",
            f"startretries={0 if once else STARTRETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={2 if once else STOPWAITSECS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_value(layout.log(name))}",
            f"stdout_logfile_maxbytes={LOG_MAXBYTES}",
            f"stdout_logfile_backups={LOG_BACKUPS}",
        ]
        if own := (environments or {}).get(name):
            lines.append("environment=" + ",".join(
                f'{key}="{_value(value)}"' for key, value in sorted(own.items())))
    return "\n".join(lines) + "\n"


def rpc(layout: Layout, timeout_s: float = 10.0) -> xmlrpc.client.ServerProxy:
    """supervisord's XML-RPC interface (``supervisor.getAllProcessInfo()`` …)."""
    from supervisor.xmlrpc import SupervisorTransport  # noqa: PLC0415

    transport = SupervisorTransport(None, None, f"unix://{layout.socket}")
    transport.timeout = timeout_s
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)


def running_pid(layout: Layout) -> int | None:
    """The pid of the supervisord serving ``layout``'s socket, if one answers."""
    if not layout.socket.exists():
        return None
    try:
        return int(rpc(layout, timeout_s=2).supervisor.getPID())
    except (OSError, xmlrpc.client.Error):
        return None


def busy_ports(settings: Settings, names: set[str]) -> list[str]:
    """The ports of ``names`` that another program holds already."""
    from cli.processes import node_processes  # noqa: PLC0415 - one list of addresses

    busy = []
    for process in node_processes(settings):
        if process.name.removesuffix("-http") not in names:
            continue
        host, _, port = process.address.rpartition(":")
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, int(port)))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    busy.append(f"{process.address} ({process.name})")
    return busy


class Tail:
    """The new bytes of a log file, across supervisord's rotations."""

    def __init__(self, path: Path, from_end: bool) -> None:
        self.path = path
        self.file = None
        self.inode = None
        if from_end:
            self._open(at_end=True)

    def _open(self, at_end: bool = False) -> None:
        try:
            self.file = self.path.open("rb")
        except FileNotFoundError:
            return
        self.inode = os.fstat(self.file.fileno()).st_ino
        if at_end:
            self.file.seek(0, os.SEEK_END)

    def read(self) -> bytes:
        if self.file is None:
            self._open()
            if self.file is None:
                return b""
        data = self.file.read()
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            return data
        if now.st_ino != self.inode:  # rotated: the rest of the old file, then the new one
            data += self.file.read()
            self.close()
            self._open()
            data += self.file.read() if self.file else b""
        elif now.st_size < self.file.tell():  # truncated
            self.file.seek(0)
            data += self.file.read()
        return data

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class Console:
    """Lines of every process on one output, each prefixed with its time and process name.

    Knows when its output is gone: a pipe whose reader closed, a terminal that hung up."""

    COLOURS = (36, 33, 32, 35, 34, 91, 92, 93, 94, 95, 96)

    def __init__(self, fd: int, names: list[str]) -> None:
        self.fd = fd
        self.open = True
        self.width = max(len(n) for n in names)
        self.colour = {n: self.COLOURS[i % len(self.COLOURS)] for i, n in enumerate(names)}
        try:
            self.tty = os.isatty(fd)
        except OSError:
            self.tty = False
        self.partial: dict[str, bytes] = {}
        self.poller = select.poll()
        self.poller.register(fd, 0)  # only errors and hang-ups are reported

    def gone(self) -> bool:
        if self.open:
            for _, event in self.poller.poll(0):
                if event & (select.POLLERR | select.POLLHUP):
                    self.open = False
        return not self.open

    def prefix(self, name: str) -> bytes:
        text = f"{time.strftime('%H:%M:%S')} {name:<{self.width}} | "
        if self.tty:
            text = f"\x1b[{self.colour.get(name, 0)}m{text}\x1b[0m"
        return text.encode()

    def lines(self, name: str, data: bytes, final: bool = False) -> None:
        *complete, rest = (self.partial.pop(name, b"") + data).split(b"\n")
        if final and rest:
            complete.append(rest)
        elif rest:
            self.partial[name] = rest
        for line in complete:
            if name.endswith("supervisor"):
                if any(noise in line for noise in SUPERVISORD_NOISE):
                    continue
                line = SUPERVISORD_STAMP.sub(b"", line)
            self.write(self.prefix(name) + line.rstrip(b"\r") + b"\n")

    def say(self, text: str) -> None:
        self.lines("supervisor", text.encode() + b"\n")

    def write(self, data: bytes) -> None:
        while data and self.open:
            try:
                data = data[os.write(self.fd, data):]
            except OSError:  # EPIPE (reader gone), EIO (terminal gone)
                self.open = False


@dataclass
class Unit:
    """One node's supervisord under the launcher: ``label`` prefixes its lines (the node's
    region in a province; empty for a node on its own)."""

    label: str
    layout: Layout
    names: list[str]
    region: str
    tails: dict[str, Tail]
    process: subprocess.Popen | None = None

    def shown(self, name: str) -> str:
        return f"{self.label} {name}" if self.label else name


class Launcher:
    """supervisord in a session of its own — one per node of a province — their output and
    the processes' on ours, and one way to stop: SIGTERM to every supervisord, each of which
    stops every process of its node before it exits. One supervisord that exits by itself
    stops the others: a province runs whole or not at all."""

    def __init__(self, layout: Layout | None, names: list[str], quiet: bool, *,
                 nodes: list[tuple[str, Layout, list[str]]] | None = None) -> None:
        labelled = nodes if nodes is not None else [("", layout, names)]
        self.units = [Unit(label, lay, node_names, label, {} if quiet else {
            name: Tail(lay.log(name), from_end=True) for name in node_names})
            for label, lay, node_names in labelled]
        shown = [u.shown(n) for u in self.units for n in ["supervisor", *u.names]]
        self.console = Console(sys.stdout.fileno(), shown)
        self.stop_reason: str | None = None

    @property
    def layout(self) -> Layout:
        return self.units[0].layout

    @property
    def supervisord(self) -> subprocess.Popen | None:
        return self.units[0].process

    def request_stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.request_stop(signal.Signals(signum).name)

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            # A signal ignored on purpose (nohup, a background job) stays ignored.
            if signal.getsignal(sig) is not signal.SIG_IGN:
                signal.signal(sig, self._on_signal)

    def start(self, settings: Settings) -> None:
        launcher_pid = os.getpid()

        def in_child() -> None:
            # supervisord stops everything (SIGTERM) should this launcher be killed outright.
            if die_with_parent(signal.SIGTERM) and os.getppid() != launcher_pid:
                os._exit(1)

        env = {**os.environ, "PYTHONUNBUFFERED": "1",
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        for unit in self.units:
            unit.process = subprocess.Popen(  # noqa: S603 - our own interpreter and config
                [sys.executable, "-m", "supervisor.supervisord", "-c", str(unit.layout.conf)],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=in_child)  # noqa: PLW1509
            assert unit.process.stdout is not None
            os.set_blocking(unit.process.stdout.fileno(), False)
            self.console.say(f"node {unit.region or settings.node_region}: supervisord pid "
                             f"{unit.process.pid}, logs in {unit.layout.log_dir}"
                             + ("" if len(self.units) > 1 else "; Ctrl-C stops every process"))
        if len(self.units) > 1:
            self.console.say(f"province of {len(self.units)} nodes "
                             f"({', '.join(u.region for u in self.units)}); Ctrl-C stops "
                             "every process of every node")

    def pump(self) -> None:
        """Copy what the supervisords and the processes wrote since the last call."""
        for unit in self.units:
            assert unit.process is not None and unit.process.stdout is not None
            try:
                data = os.read(unit.process.stdout.fileno(), 65536)
            except BlockingIOError:
                data = b""
            if data:
                self.console.lines(unit.shown("supervisor"), data)
            for name, tail in unit.tails.items():
                if chunk := tail.read():
                    self.console.lines(unit.shown(name), chunk)

    def run(self) -> int:
        stopping_since: float | None = None
        exited_alone: list[str] = []
        while True:
            outputs = [u.process.stdout for u in self.units
                       if u.process is not None and u.process.poll() is None]
            select.select(outputs, [], [], POLL_S)
            self.pump()
            if self.console.gone():
                self.request_stop("output closed")
            for unit in self.units:
                assert unit.process is not None
                if (unit.process.poll() is not None and self.stop_reason is None
                        and len(self.units) > 1):
                    exited_alone.append(unit.region)
                    self.request_stop(f"supervisord of node {unit.region} exited "
                                      f"({unit.process.returncode})")
            if self.stop_reason and stopping_since is None:
                stopping_since = time.monotonic()
                self.console.say(f"{self.stop_reason}: stopping every process")
                for unit in self.units:
                    with contextlib.suppress(ProcessLookupError):
                        unit.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
            if stopping_since and time.monotonic() - stopping_since > STOPWAITSECS + 15:
                self.console.say("supervisord does not stop: killing it")
                for unit in self.units:
                    if unit.process is not None and unit.process.poll() is None:
                        unit.process.kill()  # its processes get their parent-death signal
                stopping_since = time.monotonic()
            if all(u.process is not None and u.process.poll() is not None
                   for u in self.units):
                break
            if len(self.units) == 1 and self.units[0].process.poll() is not None:  # type: ignore[union-attr]
                break
        self.pump()
        for unit in self.units:
            for name in ["supervisor", *unit.tails]:
                self.console.lines(unit.shown(name), b"", final=True)
            for tail in unit.tails.values():
                tail.close()
        if self.stop_reason and not exited_alone:
            self.console.say("every process stopped")
            return 0
        if exited_alone:
            self.console.say("every process stopped")
            return 1
        self.console.say(f"supervisord exited on its own ({self.units[0].process.returncode})")  # type: ignore[union-attr]
        return 1


def prepare(settings: Settings, layout: Layout) -> None:
    """Private directories and files (0700/0600) for the node, its logs and its socket."""
    from infra.node import make_private, private_dirs  # noqa: PLC0415

    make_private(*private_dirs(settings), layout.log_dir, layout.run_dir,
                 layout.socket.parent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="start only this process (may be repeated); the others are "
                             "configured and can be started later")
    parser.add_argument("--log-dir", type=Path, default=None,
                        help="where each process logs (default: <var>/log)")
    parser.add_argument("--quiet", action="store_true",
                        help="do not copy the processes' output here (only supervisord's)")
    parser.add_argument("--province", action="store_true",
                        help="every node of the province set up by `python -m infra.province "
                             "setup` (<var>/province.json), each under its own supervisord")
    args = parser.parse_args(argv)
    os.umask(PRIVATE_UMASK)
    settings = load_settings()
    if args.province:
        return province_main(args, parser, settings)
    programs, environments = node_programs(procfile(), settings)
    unknown = set(args.only or ()) - set(programs)
    if unknown:
        parser.error(f"no such process in infra/Procfile: {', '.join(sorted(unknown))}")
    # a partitioned process named: all its partitions
    autostart = {p for name in args.only or programs for p in (
        partition_names(name, settings) if name in PARTITIONED else [name])}
    layout = Layout.of(settings, args.log_dir)
    prepare(settings, layout)
    if (pid := running_pid(layout)) is not None:
        print(f"a node is already running from {layout.var_dir} (supervisord pid {pid}): "
              "stop it first (Ctrl-C where it runs)", file=sys.stderr)
        return 1
    if busy := busy_ports(settings, autostart):
        print("these ports are taken (another node running? move this one's ports, "
              "SUNLIGHT_*_PORT in .env): " + ", ".join(busy), file=sys.stderr)
        return 1
    try:
        conf = supervisord_conf(layout, programs, autostart, f"sunlight-{settings.node_region}",
                                environments)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    layout.conf.write_text(conf, "utf-8")
    launcher = Launcher(layout, list(programs), quiet=args.quiet)
    launcher.install_signal_handlers()
    launcher.start(settings)
    return launcher.run()


def province_main(args: argparse.Namespace, parser: argparse.ArgumentParser,
                  settings: Settings) -> int:
    """Every node of the province, each under a supervisord of its own, all under this one
    launcher: nothing starts unless every node can."""
    from infra.province import Plan  # noqa: PLC0415

    province = Plan.read(Path(settings.var_dir).resolve())
    if province is None:
        print(f"no province set up under {settings.var_dir}: run `make run` (or python -m "
              "infra.province setup) first", file=sys.stderr)
        return 1
    units: list[tuple[str, Layout, list[str]]] = []
    confs: list[tuple[Layout, str]] = []
    problems: list[str] = []
    running: list[str] = []
    for node in province.nodes:
        node_settings = node.settings()
        programs, environments = node_programs(procfile(), node_settings)
        unknown = set(args.only or ()) - set(programs)
        if unknown:
            parser.error(f"no such process in infra/Procfile: {', '.join(sorted(unknown))}")
        autostart = {p for name in args.only or programs for p in (
            partition_names(name, node_settings) if name in PARTITIONED else [name])}
        log_dir = args.log_dir / node.region if args.log_dir else None
        layout = Layout.of(node_settings, log_dir)
        prepare(node_settings, layout)
        if (pid := running_pid(layout)) is not None:
            running.append(f"node {node.region} is already running from {layout.var_dir} "
                           f"(supervisord pid {pid})")
            continue
        if busy := busy_ports(node_settings, autostart):
            problems.append(f"node {node.region}: these ports are taken: " + ", ".join(busy))
            continue
        own = node.process_env()
        environments = {name: {**own, **environments.get(name, {})} for name in programs}
        try:
            conf = supervisord_conf(layout, programs, autostart,
                                    f"sunlight-{node.region}", environments)
        except ValueError as exc:
            problems.append(f"node {node.region}: {exc}")
            continue
        confs.append((layout, conf))
        units.append((node.region, layout, list(programs)))
    if running:
        print("a province is already running, or part of one: nothing started\n  "
              + "\n  ".join(running + problems) + "\nstop it first (Ctrl-C where it runs)",
              file=sys.stderr)
        return 1
    if problems:
        print("the province cannot start: nothing started\n  " + "\n  ".join(problems),
              file=sys.stderr)
        return 1
    for layout, conf in confs:
        layout.conf.write_text(conf, "utf-8")
    launcher = Launcher(None, [], quiet=args.quiet, nodes=units)
    launcher.install_signal_handlers()
    launcher.start(settings)
    return launcher.run()


if __name__ == "__main__":
    sys.exit(main())
