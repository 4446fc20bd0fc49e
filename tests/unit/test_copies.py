"""Several processes of one service: the supervised one starts its copies, starts a copy
that dies again, stops them when it stops, and takes them along when it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE = """
import os, signal, sys, time
from pathlib import Path
from services.shared.copies import Copies, copy_number
Path(sys.argv[1], f"{copy_number()}-{os.getpid()}").touch()
copies = Copies(3, "test")
copies.start()
signal.signal(signal.SIGTERM, lambda *_: (copies.stop(5), sys.exit(0)))
while True:
    time.sleep(0.05)
"""


def _started(where: Path, count: int, timeout_s: float = 30) -> dict[int, int]:
    """Copy number → pid, once ``count`` processes have said they are there."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = {}
        for entry in where.iterdir():
            number, pid = entry.name.split("-")
            if _alive(int(pid)):
                found[int(number)] = int(pid)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not {count} processes: {sorted(p.name for p in where.iterdir())}")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone(pids, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def service(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", SERVICE, str(tmp_path)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    yield proc, tmp_path
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl")
def test_copies_are_started_again_and_stopped_with_the_process(service) -> None:
    proc, where = service
    pids = _started(where, 3)
    assert pids[0] == proc.pid and set(pids) == {0, 1, 2}
    os.kill(pids[1], signal.SIGKILL)
    assert _gone([pids[1]])
    again = _started(where, 3)
    assert again[1] != pids[1] and again[2] == pids[2]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert _gone(again.values())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl")
def test_copies_die_with_a_killed_process(service) -> None:
    proc, where = service
    pids = _started(where, 3)
    proc.kill()
    proc.wait(timeout=30)
    assert _gone(pids.values())
