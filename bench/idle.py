"""What a running node or province costs when nobody uses it: ``python -m bench.idle``.

Start the platform (``make run``), wait until it has settled (the demo data seeded, every
process up), then run this in another terminal: it reads the CPU time of every process of
the platform (each ``python -m <module>`` of this checkout's services, gateway, relays,
workers and supervisors, by ``/proc``) twice, ``--seconds`` apart, and prints what each
program used, in milliseconds of CPU a second — summed over the nodes — with the machine's
busy time beside it (everything, the kernel, PostgreSQL and RabbitMQ included).

The last line printed is one JSON object (a copy goes to ``bench/results/``).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from bench.cases import write_result
from bench.cpu import machine_busy_s, process_cpu_s
from bench.machine import speed_index

#: the modules whose processes are the platform's (``python -m <module> …``)
OURS = ("services.", "gateway.", "infra.", "cli.", "supervisor.")


def platform_processes() -> dict[int, str]:
    """pid → ``<region> <program>`` of every process of the platform (``<program>``: the
    module, and the service a relay publishes for)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if "-m" not in args[:-1]:
            continue
        module = args[args.index("-m") + 1]
        if not module.startswith(OURS):
            continue
        program = module
        if "--service" in args[:-1]:
            program += f" {args[args.index('--service') + 1]}"
        region = next((e.split(b"=", 1)[1].decode() for e in environ
                       if e.startswith(b"SUNLIGHT_NODE_REGION=")), "")
        found[int(entry.name)] = f"{region} {program}".strip()
    return found


def measure(seconds: float) -> dict:
    processes = platform_processes()
    before = {pid: process_cpu_s(pid) for pid in processes}
    machine_before, began = machine_busy_s(), time.monotonic()
    time.sleep(seconds)
    after = {pid: process_cpu_s(pid) for pid in processes}
    spent = time.monotonic() - began
    machine = machine_busy_s() - machine_before
    by_program: dict[str, float] = {}
    for pid, name in processes.items():
        if after[pid] == 0.0:  # gone meanwhile (restarted): not counted
            continue
        program = name.split(" ", 1)[-1] if name[:1].isdigit() else name
        by_program[program] = by_program.get(program, 0.0) + after[pid] - before[pid]
    per_s = {name: round(value * 1000 / spent, 1)
             for name, value in sorted(by_program.items(), key=lambda kv: -kv[1])}
    return {"seconds": round(spent, 1), "processes": len(processes),
            "platform_ms_per_s": round(sum(by_program.values()) * 1000 / spent, 1),
            "machine_busy_ms_per_s": round(machine * 1000 / spent, 1),
            "by_program_ms_per_s": per_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds: more than 0")
    if not platform_processes():
        parser.error("no process of the platform is running here: start it first (make run)")
    result = {"benchmark": "idle", "cpus": os.cpu_count(), "machine_speed": speed_index(),
              **measure(args.seconds)}
    write_result("idle", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
