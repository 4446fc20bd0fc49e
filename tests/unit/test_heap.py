"""A serving process, once started: its start-up objects frozen out of full collections, and
its youngest generation collected every ``YOUNG_THRESHOLD`` allocations (not CPython's 700)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROCESS = """
import gc, json
from services.shared.heap import YOUNG_THRESHOLD, freeze_start_up_objects
kept = [[n] for n in range(50_000)]  # what a start makes
before = (gc.get_threshold(), gc.get_freeze_count())
freeze_start_up_objects()
print(json.dumps({"before": before, "after": (gc.get_threshold(), gc.get_freeze_count()),
                  "young": YOUNG_THRESHOLD}))
"""


def test_a_started_process_freezes_its_objects_and_collects_the_young_less_often() -> None:
    out = subprocess.run([sys.executable, "-c", PROCESS], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    seen = json.loads(out)
    (threshold, frozen), (now, frozen_now) = seen["before"], seen["after"]
    assert threshold[0] < seen["young"] and frozen == 0  # CPython's own (700 on 3.11)
    assert now == [seen["young"], threshold[1], threshold[2]]
    assert frozen_now >= 50_000
