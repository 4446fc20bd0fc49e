"""CPU time read from /proc (``bench.cpu``): a process's own, a process with its children,
the machine's."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench import cpu
from tests.support.wait import wait_for


def _burn(seconds: float) -> None:
    began = time.process_time()
    while time.process_time() - began < seconds:
        pass


def test_a_process_cpu_counts_its_work_and_a_gone_one_none() -> None:
    before = cpu.process_cpu_s(os.getpid())
    _burn(0.3)
    assert cpu.process_cpu_s(os.getpid()) - before >= 0.2  # clock ticks: 1/100 s
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert cpu.process_cpu_s(gone.pid) == 0.0


def test_a_process_tree_counts_its_children_and_the_machine_counts_everything() -> None:
    machine_before = cpu.machine_busy_s()
    child = subprocess.Popen([sys.executable, "-c",
                              "import time\nb = time.process_time()\n"
                              "while time.process_time() - b < 0.5: pass\n"
                              "input()"], stdin=subprocess.PIPE)
    try:
        wait_for(lambda: cpu.process_cpu_s(child.pid) >= 0.4, what="the child's work")
        children = cpu.children_of()
        assert child.pid in children[os.getpid()]
        alone = cpu.process_cpu_s(os.getpid())
        assert cpu.tree_cpu_s(os.getpid(), children) - alone >= 0.35  # ticks of 1/100 s
        assert cpu.machine_busy_s() - machine_before >= 0.35
    finally:
        child.communicate(b"\n", timeout=30)
