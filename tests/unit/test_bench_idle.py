"""``bench.idle``: the platform's processes found by their ``-m`` module and node, and the CPU
each program used while nobody called it."""

from __future__ import annotations

import os
import subprocess
import sys

from bench import idle


def test_each_program_is_found_and_its_cpu_counted(monkeypatch) -> None:
    monkeypatch.setattr(idle, "OURS", ("json.", "timeit"))
    env = {**os.environ, "SUNLIGHT_NODE_REGION": "511602"}
    waiting = subprocess.Popen([sys.executable, "-m", "json.tool"], stdin=subprocess.PIPE,
                               env=env)
    busy = subprocess.Popen([sys.executable, "-m", "timeit", "-n", "1000000000", "pass"],
                            stdout=subprocess.DEVNULL, env=env)
    try:
        found = idle.platform_processes()
        assert found[waiting.pid] == "511602 json.tool"
        assert found[busy.pid] == "511602 timeit"
        assert os.getpid() not in found  # pytest is no program of the platform
        result = idle.measure(0.5)
    finally:
        busy.kill()
        waiting.communicate(b"{}", timeout=30)
        busy.wait(timeout=30)
    assert result["processes"] == 2
    assert result["by_program_ms_per_s"]["timeit"] > 300  # a core's worth, give or take
    assert result["by_program_ms_per_s"]["json.tool"] < 50
    assert result["machine_busy_ms_per_s"] >= result["by_program_ms_per_s"]["timeit"] - 50
