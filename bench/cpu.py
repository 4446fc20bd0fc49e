"""CPU time spent so far, read from Linux's /proc: a process, a process with its descendants
(a service's copies on its port), RabbitMQ, the whole machine. The benchmarks take these
before and after a run and divide by the calls made."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (its threads included); 0 once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of() -> dict[int, list[int]]:
    """Each process's children."""
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            found.setdefault(ppid, []).append(int(entry.name))
    return found


def tree_cpu_s(pid: int, children: dict[int, list[int]]) -> float:
    """CPU seconds of a process and of its descendants."""
    return process_cpu_s(pid) + sum(tree_cpu_s(c, children) for c in children.get(pid, ()))


def rabbitmq_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "beam.smp":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy_s() -> float:
    """CPU time the whole machine spent busy (every process and the kernel; /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_used(pids: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each named process with its descendants (a service's copies
    on its port), by RabbitMQ, by this process (``bench-client``: the benchmark's clients) and
    by the machine as a whole (``machine``)."""
    children = children_of()
    used = {name: tree_cpu_s(pid, children) for name, pid in pids.items()}
    used["rabbitmq"] = sum(process_cpu_s(pid) for pid in rabbitmq_pids())
    times = os.times()
    used["bench-client"] = times.user + times.system
    used["machine"] = machine_busy_s()
    return used
