"""The run's JSON: faults, counts, lost, duplicated, chains, durations, the machine.

Fields (see README, "Fault suite (make chaos)"):

- ``faults``: each fault injected (kind, target, when, healed after, load back after, error)
  and ``faults_by_kind`` (how many of each kind; ``kill`` by process too);
- ``transitions``: ``attempted`` (calls that change a case, each once whatever its tries),
  ``acknowledged`` (those the clients were told succeeded); then in case events (a call
  makes one or two: completing a step also starts the next), summed over the nodes:
  ``acknowledged_sequence`` (the cases' sequences in the last answers the clients read:
  what must be stored), ``committed`` (the sequences the case service holds), ``delivered``
  (their events in supervision's inbox), ``projected`` (events counted in supervision's
  records); per node under ``nodes``;
- ``lost``, ``duplicated``: transitions and events, summed over the nodes;
- ``chains``: verified and failed, summed; ``unpublished_outbox_rows``;
- ``ok``: nothing lost or duplicated, every chain verified, every node drained, no fault
  left unhealed.
"""

from __future__ import annotations

import json
import os
import platform
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench.chaos.faults import Fault

ROOT = Path(__file__).resolve().parents[2]


def machine() -> dict:
    return {"cpus": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
                                / 2**30, 1),
            "python": platform.python_version(),
            "load_average_at_end": [round(v, 2) for v in os.getloadavg()]}


def build(*, nodes: dict[str, dict], faults: list[Fault], tally: dict, broker: str,
          database: str, durations: dict, options: dict, uncertain: list[str],
          still_running: list[str]) -> dict:
    def total(key: str) -> int:
        return sum(int(n[key]) for n in nodes.values())

    def checked(key: str) -> int:
        return sum(int(n["integrity"][key]) for n in nodes.values())

    lost = checked("lost_transitions") + checked("lost_events")
    duplicated = checked("duplicated_transitions") + checked("duplicated_events")
    failed_chains = sum(n["chains"]["failed"] for n in nodes.values())
    unpublished = sum(sum(n["unpublished_outbox_rows"].values()) for n in nodes.values())
    undrained = [r for r, n in nodes.items() if n["drained_after_s"] is None]
    unhealed = [f"{f.kind} {f.target}" for f in faults if f.error]
    by_kind = Counter(f.kind for f in faults)
    killed = Counter(f.target.partition(":")[2] for f in faults if f.kind == "kill")
    ok = not (lost or duplicated or failed_chains or unpublished or undrained or unhealed
              or still_running)
    return {
        "suite": "chaos",
        "ok": ok,
        "lost": lost,
        "duplicated": duplicated,
        "transitions": {"attempted": tally["attempted"], "acknowledged": tally["acknowledged"],
                        "acknowledged_sequence": total("acknowledged"),
                        "committed": total("committed"), "delivered": total("delivered"),
                        "projected": total("projected")},
        "chains": {"verified": sum(n["chains"]["verified"] for n in nodes.values()),
                   "failed": failed_chains},
        "cases": total("cases"),
        "unpublished_outbox_rows": unpublished,
        "not_drained": undrained,
        "faults_by_kind": dict(by_kind),
        "kills_by_process": dict(killed),
        "faults_unhealed": unhealed,
        "faults": [f.as_dict() for f in faults],
        "clients": {**tally, "uncertain_cases": uncertain, "still_running": still_running},
        "nodes": nodes,
        "broker": broker,
        "database": database,
        "durations_s": durations,
        "options": options,
        "machine": machine(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write(result: dict, out_dir: Path | None = None) -> Path:
    """``bench/results/chaos-<time>.json``; the result is also the last line printed."""
    folder = out_dir or ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"chaos-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    return path
