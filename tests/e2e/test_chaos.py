"""The fault suite's short variant (``make chaos`` in full is ``python -m bench.chaos``): one
node, the district, on a PostgreSQL server and a RabbitMQ broker the suite starts for itself,
under careful load through gRPC and the gateway; its case service and case relay killed
(SIGKILL), the broker stopped and started, the database server restarted without a clean
shutdown, the node cut off (frozen) for a few seconds. Then nothing lost, nothing applied
twice, every trace chain verified, every outbox row published, supervision current."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]
ROOT = Path(__file__).resolve().parents[2]


def test_every_fault_kind_under_load_loses_nothing_and_applies_nothing_twice(tmp_path):
    suite = subprocess.Popen(  # noqa: S603 - the suite itself
        [sys.executable, "-m", "bench.chaos", "--nodes", "511602", "--quick",
         "--kill", "cases,cases-relay", "--cut-s", "3", "--out", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = suite.communicate(timeout=330)
    except subprocess.TimeoutExpired:
        # SIGTERM: the suite stops its nodes and its PostgreSQL and RabbitMQ on the way out
        suite.terminate()
        out, err = suite.communicate(timeout=60)
        pytest.fail(f"the fault suite ran over 330 s; its last words:\n{err[-3000:]}")
    result = subprocess.CompletedProcess(suite.args, suite.returncode, out, err)
    lines = result.stdout.strip().splitlines()
    assert lines, result.stderr[-3000:]
    report = json.loads(lines[-1])
    assert result.returncode == 0, (report.get("error") or
                                    json.dumps({k: report.get(k) for k in (
                                        "lost", "duplicated", "chains", "faults_unhealed",
                                        "not_drained", "unpublished_outbox_rows")}),
                                    result.stderr[-2000:])
    assert report["ok"] is True
    assert report["lost"] == 0 and report["duplicated"] == 0
    assert set(report["faults_by_kind"]) == {"kill", "broker", "database", "cut"}
    assert report["kills_by_process"] == {"cases": 1, "cases-relay": 1}
    assert report["faults_unhealed"] == []
    node = report["nodes"]["511602"]
    assert node["cases"] > 0 and node["chains"] == {"verified": node["cases"], "failed": 0,
                                                    "failures": []}
    # what the clients were last told is what the case service holds, and supervision
    # received and counted each of those events once
    assert node["acknowledged"] == node["committed"] == node["delivered"] == node["projected"]
    assert report["transitions"]["acknowledged"] == report["transitions"]["attempted"]
    assert report["clients"]["failed_tries_repeated"] > 0  # the faults were felt
    assert list(tmp_path.glob("chaos-*.json"))
