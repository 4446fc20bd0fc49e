"""The fault suite's small parts that need no node: which programs a ``--kill`` list names,
and the processes below a pid (a frozen node freezes its processes' children too)."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.chaos.__main__ import wanted
from bench.chaos.faults import descendants


def test_a_kill_list_names_procfile_processes_and_their_partitions() -> None:
    kills = {"cases", "monitoring-worker"}
    assert wanted("cases", kills)
    assert wanted("monitoring-worker", kills)
    assert wanted("monitoring-worker-1", kills)
    assert not wanted("cases-relay", kills)
    assert not wanted("monitoring", kills)
    assert wanted("hall", None)  # no list: every process
    assert not wanted("cases", set())  # --kill none


def test_descendants_are_the_process_and_every_one_below_it() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])  # noqa: S603
    try:
        below = descendants(os.getpid())
        assert below[0] == os.getpid()
        assert child.pid in below
        assert descendants(child.pid) == [child.pid]
    finally:
        child.kill()
        child.wait()
