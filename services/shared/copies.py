"""Several processes of one service, listening on the same port (``SO_REUSEPORT``).

A service whose setting asks for ``n`` processes (``SUNLIGHT_CASES_PROCESSES``,
``SUNLIGHT_GATEWAY_PROCESSES``) runs as one supervised process that serves, like the others,
and starts ``n - 1`` copies of itself. Every one of them binds the service's port with
``SO_REUSEPORT``: the kernel hands each new connection to one of them (by a hash of its
addresses), so the processes share connections, not calls — a client that multiplexes every
call on one HTTP/2 connection reaches one process.

To the supervisor and to every tool the service stays one process: the copies belong to its
process group (a stop or a kill of the group reaches them), die with it (the kernel sends them
SIGTERM when it dies, ``PR_SET_PDEATHSIG``), are started again when one of them dies, and are
stopped when it stops.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger(__name__)

#: set in a copy's environment: its number (1, 2, …); the supervised process is 0
COPY_ENV = "SUNLIGHT_PROCESS_COPY"
PR_SET_PDEATHSIG = 1
RESTART_PAUSE_S = 1.0
#: how a copy that was asked to stop ends (a clean exit, SIGTERM or SIGINT): not restarted
STOPPED = (0, -signal.SIGTERM, -signal.SIGINT)


def copy_number() -> int:
    """0 in the supervised process, 1, 2, … in its copies."""
    return int(os.environ.get(COPY_ENV, "0") or 0)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)


class Copies:
    """The copies of this process: started, watched (one that dies — but not of being asked
    to stop — is started again after ``RESTART_PAUSE_S``) and stopped. Nothing to do when
    ``count`` is 1, or in a copy."""

    def __init__(self, count: int, name: str) -> None:
        self.count = count if copy_number() == 0 else 1
        self.name = name
        self._procs: dict[int, subprocess.Popen] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def _spawn(self, number: int) -> None:
        env = {**os.environ, COPY_ENV: str(number)}
        # the same interpreter and arguments as this process (``python -m …``)
        argv = [sys.executable, *sys.orig_argv[1:]]
        self._procs[number] = subprocess.Popen(  # noqa: S603 - this very command again
            argv, env=env, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)  # noqa: PLW1509

    def start(self) -> None:
        if self.count <= 1:
            return
        with self._lock:
            for number in range(1, self.count):
                self._spawn(number)
        log.info("%s: %d processes on one port", self.name, self.count)
        threading.Thread(target=self._watch, name="copies", daemon=True).start()

    def pids(self) -> list[int]:
        return [p.pid for p in self._procs.values()]

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            with self._lock:
                for number, proc in list(self._procs.items()):
                    if proc.poll() is None or self._stopping.is_set():
                        continue
                    if proc.returncode in STOPPED:
                        # asked to stop: the node is stopping (a signal to the group)
                        del self._procs[number]
                        continue
                    log.warning("%s copy %d (pid %d) exited (%s); starting it again",
                                self.name, number, proc.pid, proc.returncode)
                    time.sleep(RESTART_PAUSE_S)
                    if not self._stopping.is_set():
                        self._spawn(number)

    def terminate(self) -> None:
        """SIGTERM to every copy (they stop serving, as this process does)."""
        self._stopping.set()
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    def wait(self, grace_s: float = 10.0) -> None:
        """Wait for the copies to exit; SIGKILL those still there after ``grace_s``."""
        deadline = time.monotonic() + grace_s
        for proc in list(self._procs.values()):
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self, grace_s: float = 10.0) -> None:
        self.terminate()
        self.wait(grace_s)
