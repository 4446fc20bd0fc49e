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


def test_cpu_used_names_each_process_and_adds_rabbitmq_the_client_and_the_machine() -> None:
    used = cpu.cpu_used({"me": os.getpid()})
    assert set(used) == {"me", "rabbitmq", "bench-client", "machine"}
    assert used["me"] > 0 and used["machine"] >= used["me"] - 0.01


def test_the_federation_turn_reads_cpu_when_its_clock_starts_and_stops() -> None:
    """Not while the clients are made and warmed (an httpx client costs tens of ms of CPU):
    once when all are warm, once when all have made their last call."""
    import httpx  # noqa: PLC0415

    from bench.federation import throughput  # noqa: PLC0415

    events: list[str] = []
    readings = iter([{"x": 10.0}, {"x": 12.5}])

    def make_client() -> httpx.Client:
        events.append("client")
        return httpx.Client(base_url="http://node", transport=httpx.MockTransport(
            lambda request: httpx.Response(200, json={})))

    def cpu_now() -> dict[str, float]:
        events.append("cpu")
        return next(readings)

    calls, seconds, grown = throughput(make_client, "51160220261202000001", 3, 0.2, cpu_now)
    assert grown == {"x": 2.5} and calls > 0 and 0.2 <= seconds < 10
    assert events == ["client"] * 3 + ["cpu", "cpu"]
