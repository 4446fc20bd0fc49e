"""The faults, one at a time, each healed before the next: what breaks, and when it is whole.

- ``kill``     — SIGKILL to one process of one node (a crash, the OOM killer); the node's
                 supervisor (as in ``make run``) starts it again.
- ``broker``   — the whole RabbitMQ broker stopped and started: every connection of every
                 node drops; the nodes reconnect by themselves.
- ``database`` — the PostgreSQL server restarted ``immediate`` (no clean shutdown: recovery
                 from the WAL), every session of every node cut.
- ``cut``      — a node cut off: every process of the node frozen (SIGSTOP, children too) for
                 some seconds, then thawed (SIGCONT); a node below the province (when 510000
                 is in the run) has its roll-up shovel removed meanwhile and declared again
                 after (its events wait in its ``province.rollup`` queue). Its clients,
                 its peers and its broker get no answer from it meanwhile, as when its
                 network drops — without a firewall: its sockets stay open, its broker
                 connections may time out (the broker then requeues what the node had not
                 acknowledged), its clients' calls time out and are repeated.

A fault is healed when every node answers every health check again (and a killed process has
a new pid); the run then waits for every client to be told of a success again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from infra.localnode import LocalNode, LocalProvince

HEAL_TIMEOUT_S = 180.0


@dataclass
class Fault:
    kind: str  # kill | broker | database | cut
    target: str  # "<region>:<process>", "broker", "database", "<region>"
    injected_s: float = 0.0  # since the start of the faults
    healed_after_s: float | None = None  # injection → every node healthy again
    load_back_after_s: float | None = None  # healed → every client told of a success
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            parent = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def programs(node: LocalNode) -> list[str]:
    """The node's running programs (supervisord's names; partitions each their own)."""
    return [name for name, info in node.info().items()
            if name in node.started and info.get("pid")]


def kill(node: LocalNode, program: str) -> Callable[[], bool]:
    old = node.kill(program)
    return lambda: node.pid(program) not in (0, old)


def cut(node: LocalNode, seconds: float, unlink: Callable[[], None] | None = None,
        relink: Callable[[], None] | None = None) -> Callable[[], bool]:
    """Freeze every process of ``node`` for ``seconds`` (the length of the cut, not a wait
    on a condition) — and remove its roll-up link meanwhile (``unlink``/``relink``) — then
    thaw them and link it again."""
    frozen = [p for pid in node.pids().values() for p in descendants(pid)]
    if unlink is not None:
        unlink()
    for pid in frozen:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        for pid in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        if relink is not None:
            relink()
    return lambda: True


def healthy(province: LocalProvince) -> bool:
    try:
        return all(all(node.health(3.0).values()) for node in province.nodes.values())
    except Exception:  # noqa: BLE001 - a supervisor busy restarting: not yet
        return False


def wait(condition: Callable[[], bool], timeout_s: float, interval_s: float = 0.3) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return True
        time.sleep(interval_s)
    return False
