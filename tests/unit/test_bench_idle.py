"""``bench.idle``: the platform's processes found by their ``-m`` module and node, and the CPU
each program used while nobody called it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench import idle
from bench.cpu import process_cpu_s


def settled(pid: int, deadline_s: float = 60.0) -> None:
    """Wait until process ``pid`` sleeps and its CPU time stands still (its interpreter has
    started and it waits for input): its start-up is not what the test measures."""
    until = time.monotonic() + deadline_s
    last = -1.0
    while time.monotonic() < until:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        spent = process_cpu_s(pid)
        if state == "S" and spent == last:
            return
        last = spent
        time.sleep(0.1)
    raise AssertionError(f"process {pid} still starting after {deadline_s} s")


def test_each_program_is_found_and_its_cpu_counted(monkeypatch) -> None:
    monkeypatch.setattr(idle, "OURS", ("json.", "timeit"))
    env = {**os.environ, "SUNLIGHT_NODE_REGION": "511602"}
    waiting = subprocess.Popen([sys.executable, "-m", "json.tool"], stdin=subprocess.PIPE,
                               env=env)
    busy = subprocess.Popen([sys.executable, "-m", "timeit", "-n", "1000000000", "pass"],
                            stdout=subprocess.DEVNULL, env=env)
    try:
        # until both have exec'd (a child's /proc shows the parent's command line before)
        deadline = time.monotonic() + 60
        while not {waiting.pid, busy.pid} <= set(found := idle.platform_processes()):
            assert time.monotonic() < deadline, "the programs were not found"
            time.sleep(0.05)
        assert found[waiting.pid] == "511602 json.tool"
        assert found[busy.pid] == "511602 timeit"
        assert os.getpid() not in found  # pytest is no program of the platform
        settled(waiting.pid)
        busy_before = process_cpu_s(busy.pid)
        result = idle.measure(1.0)
        busy_spent = process_cpu_s(busy.pid) - busy_before
    finally:
        busy.kill()
        waiting.communicate(b"{}", timeout=30)
        busy.wait(timeout=30)
    assert result["processes"] == 2
    # what the busy program used, as /proc counts it around the measurement (to a clock
    # tick or two at each end), however many cores the machine could give it
    assert busy_spent > 0.05
    tick = 1 / os.sysconf("SC_CLK_TCK")
    measured_s = result["by_program_ms_per_s"]["timeit"] * result["seconds"] / 1000
    assert abs(measured_s - busy_spent) <= 0.1 * busy_spent + 4 * tick
    assert result["by_program_ms_per_s"]["json.tool"] < 30
    assert result["machine_busy_ms_per_s"] >= result["by_program_ms_per_s"]["timeit"] - 50
