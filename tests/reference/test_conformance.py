"""The conformance kit's adapter side against the reference system: ``realestate
conformance-driver`` puts the kit's applications through the office's counter, outbox and
relay and its events through the office's consumer, and every adapter check passes."""

from __future__ import annotations

import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli.conformance.command  # noqa: F401 - registers every check (the CLI loads it lazily)
from cli.conformance.checks import ADAPTER, PASSED, REGISTRY
from cli.main import main

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
ADAPTER_CHECKS = {c.id for c in REGISTRY.of(ADAPTER)}


def driver_command() -> str:
    """The office's console script beside this interpreter (the venv's ``realestate``)."""
    script = Path(sys.executable).with_name("realestate")
    found = str(script) if script.exists() else shutil.which("realestate")
    assert found, "the reference system is not installed (make venv installs it)"
    return f"{found} conformance-driver"


def test_the_reference_system_passes_every_adapter_check(amqp_uri, tmp_path,
                                                         monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the driver writes nothing where it runs
    monkeypatch.setenv("REALESTATE_REGION", "511602")  # the kit's region
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    result = CliRunner().invoke(main, [
        "conformance", "run", "--side", "adapter", "--target", driver_command(),
        "--amqp", amqp_uri, "--junit", str(junit), "--json", str(report)])
    results = json.loads(report.read_text("utf-8"))["results"]
    statuses = {r["id"]: r["status"] for r in results}
    assert statuses == dict.fromkeys(ADAPTER_CHECKS, PASSED), result.output
    assert result.exit_code == 0, result.output
    cases = list(ET.parse(junit).getroot().iter("testcase"))  # noqa: S314 - the kit's own
    assert {c.get("name") for c in cases} == ADAPTER_CHECKS
    assert not [c for c in cases if c.find("failure") is not None
                or c.find("error") is not None or c.find("skipped") is not None]
    assert set(tmp_path.iterdir()) == {junit, report}  # its scratch database elsewhere, gone
