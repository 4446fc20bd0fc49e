"""The conformance kit's adapter side against two adapters: the conforming driver built on
sunlight_adapter passes every check; the deliberately broken one fails each, and the reports
name every failed check with what was expected and what was seen."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli.conformance.command  # noqa: F401 - registers every check (the CLI loads it lazily)
from cli.conformance.checks import ADAPTER, FAILED, PASSED, REGISTRY
from cli.main import main

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CONFORMING = f"{sys.executable} -m cli.conformance.drivers.adapter_driver"
BROKEN = f"{sys.executable} {ROOT / 'tests' / 'conformance' / 'broken_adapter_driver.py'}"
ADAPTER_CHECKS = {c.id for c in REGISTRY.of(ADAPTER)}


def run(target: str, amqp_uri: str, tmp_path: Path) -> tuple[int, str, dict, ET.Element]:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    result = CliRunner().invoke(main, [
        "conformance", "run", "--side", "adapter", "--target", target, "--amqp", amqp_uri,
        "--junit", str(junit), "--json", str(report)])
    return (result.exit_code, result.output, json.loads(report.read_text("utf-8")),
            ET.parse(junit).getroot())  # noqa: S314 - the kit's own


def test_the_conforming_driver_passes_every_adapter_check(amqp_uri, tmp_path,
                                                          monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    code, output, report, junit = run(CONFORMING, amqp_uri, tmp_path)
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert statuses == dict.fromkeys(ADAPTER_CHECKS, PASSED), output
    assert code == 0, output
    assert {c.get("name") for c in junit.iter("testcase")} == ADAPTER_CHECKS
    assert not list(junit.iter("failure"))


def test_the_broken_driver_fails_each_adapter_check_by_name(amqp_uri, tmp_path,
                                                            monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    code, output, report, junit = run(BROKEN, amqp_uri, tmp_path)
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert statuses == dict.fromkeys(ADAPTER_CHECKS, FAILED), output
    assert code == 1
    for check_id in ADAPTER_CHECKS:
        assert f"FAIL {check_id}" in output
    failures = {c.get("name"): c.find("failure") for c in junit.iter("testcase")}
    assert set(failures) == ADAPTER_CHECKS and all(f is not None for f in failures.values())
    said = {name: f.get("message") for name, f in failures.items()}
    assert "seen [None]" in said["PR03-ADAPTER-SENDS-TOKEN"]  # no Authorization at all
    assert "other keys" in said["PR04-ADAPTER-RETRY-SAME-KEY"]
    # the kit's case answers with sequence 2: its events are 3, 5, 4, 6
    assert "seen [3, 5, 4, 6]" in said["PR02-ADAPTER-ORDER"]
    assert "applied once; seen 2 times" in said["PR02-ADAPTER-REDELIVERY-ONCE"]
    assert all(m.startswith("expected ") and "; seen " in m for m in said.values())


def test_without_a_broker_the_event_checks_are_skipped_and_say_why(tmp_path,
                                                                    monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, [
        "conformance", "run", "--side", "adapter", "--target", CONFORMING,
        "--only", "PR02-ADAPTER-ORDER", "--only", "PR03-ADAPTER-SENDS-TOKEN",
        "--json", str(report)])
    results = {r["id"]: r for r in json.loads(report.read_text("utf-8"))["results"]}
    assert results["PR03-ADAPTER-SENDS-TOKEN"]["status"] == PASSED, result.output
    assert results["PR02-ADAPTER-ORDER"]["status"] == "skipped"
    assert "--amqp" in results["PR02-ADAPTER-ORDER"]["message"]
    assert result.exit_code == 0
