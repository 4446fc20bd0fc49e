"""``python -m bench.case_transitions`` runs the bench's flow and mix on the servicer against the
real PostgreSQL and prints its figures as its last line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_the_flow_and_its_mix_run_on_the_servicer() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.case_transitions", "--cases", "4", "--warm", "0"],
        cwd=ROOT, env={**os.environ, "SUNLIGHT_BENCH_PG": PG_ADMIN}, capture_output=True,
        text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    # a whole case is ten calls (the application, acceptance, review, the two branches, the
    # joint stage, the check, the decision, publication, 办结); the fourth (index 1003) comes
    # without a material: supplements asked for and received, two more
    assert figures["transitions"] == 4 * 10 + 2
    assert figures["cpu_ms_per_transition"] > 0 and not figures["profiled"]
