"""The real catalogue's first import (cli/real_catalogue.py): when a start imports, and what."""

from __future__ import annotations

from pathlib import Path

from cli import demo_data as d
from cli import real_catalogue as rc
from cli.tabular import read_rows
from infra.localnode import REAL_CATALOGUE, LocalNode
from infra.supervise import ONE_SHOT, procfile
from services.shared.config import Settings


def decide(**changes):  # type: ignore[no-untyped-def]
    asked: list[str] = []
    values = {"enabled": True, "held_by": "", "holds": True, "node": "511602", "marker": None,
              "item_exists": lambda item: asked.append(item) or True, **changes}
    return rc.decide(**values), asked


def test_the_first_start_imports() -> None:
    decision, asked = decide()
    assert decision.action == "import" and "first start" in decision.why and asked == []


def test_a_start_after_it_does_nothing_while_its_item_is_there() -> None:
    marker = {"item_id": "i-1", "import_id": "imp-1", "items": 1133}
    decision, asked = decide(marker=marker)
    assert decision.action == "skip" and "there already" in decision.why and asked == ["i-1"]
    decision, _ = decide(marker=marker, item_exists=lambda item: False)  # a new database
    assert decision.action == "import" and "importing again" in decision.why


def test_a_killed_run_left_no_marker_and_is_resumed() -> None:
    decision, _ = decide(marker={})  # unreadable or half-written: import again (idempotent)
    assert decision.action == "import"


def test_off_or_not_this_nodes_region_it_does_nothing() -> None:
    assert decide(enabled=False)[0] == rc.Decision(
        "skip", "real catalogue: off (SUNLIGHT_REAL_CATALOGUE=0)")
    held, _ = decide(held_by="511602", holds=False, node="510000")
    assert held.action == "skip" and "held by node 511602" in held.why
    outside, _ = decide(holds=False, node="510100")
    assert outside.action == "skip" and "does not hold" in outside.why


def test_with_demo_data_its_two_rows_are_left_to_the_demo() -> None:
    rows = read_rows(rc.CATALOGUE)
    assert len(rows) == 1135
    kept, left = rc.rows_to_import(rows, {d.FIREWORKS_CODE, d.ARCHIVE_CODE})
    assert len(kept) == 1133 and {r.values["item_code"] for r in left} == {
        d.FIREWORKS_CODE, d.ARCHIVE_CODE}
    assert rc.rows_to_import(rows, set()) == (rows, [])


def test_it_is_a_one_shot_program_that_tests_nodes_leave_out(tmp_path: Path) -> None:
    assert REAL_CATALOGUE in ONE_SHOT
    assert procfile()[REAL_CATALOGUE] == ["sunlight", "catalogue", "first-import"]
    assert Settings.model_fields["real_catalogue"].default is True  # make run's default
    plain = LocalNode.on_free_ports(tmp_path, SUNLIGHT_VAR_DIR=str(tmp_path))
    assert plain.settings().real_catalogue is False
    asked = LocalNode.on_free_ports(tmp_path, SUNLIGHT_VAR_DIR=str(tmp_path),
                                    SUNLIGHT_REAL_CATALOGUE="1")
    assert asked.settings().real_catalogue is True


def test_a_node_that_does_not_hold_the_district_calls_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    chengdu = Settings(node_region="510100", node_name="成都市", var_dir=tmp_path)
    assert rc.first_import(chengdu, wait_s=0, timeout_s=1, say=said.append) == 0
    assert "does not hold" in said[0] and not rc.marker_path(chengdu).exists()
