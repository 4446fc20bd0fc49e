"""The operator's commands against a running node: an item declared, reviewed, published,
suspended and resumed with `sunlight catalogue …`; a year's holiday schedule entered with
`sunlight calendar import`, which the catalogue counts on once restarted (a change obligation
due in that year is no longer provisional)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from google.protobuf import json_format

from cli.main import main
from services.catalogue.domain.obligations import MAX_DAYS_AHEAD
from services.shared.working_days import WorkingCalendar, local_day
from tests.support.clients import draft
from tests.support.departments import DEVELOPMENT
from tests.support.nodes import run_node

pytestmark = pytest.mark.e2e
AS = {"clerk": ["--as", "zhang.wei", "--role", "clerk", "--as-department", DEVELOPMENT,
                "--as-region", "511602"],
      "legal": ["--as", "li.na", "--role", "legal_reviewer", "--as-region", "511602"],
      "staffing": ["--as", "wang.fang", "--role", "staffing_reviewer", "--as-region", "511602"]}


@pytest.fixture(scope="module")
def node(database_url, amqp_uri, tmp_path_factory):
    yield from run_node(database_url, amqp_uri, tmp_path_factory.mktemp("cli-operator-node"))


def sunlight(node, *args: str) -> Result:  # type: ignore[no-untyped-def]
    env = {**node.full_env(), "SUNLIGHT_TOKEN": None}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def answer(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def published(node, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """An item of its own for each test, declared, reviewed and published with the CLI."""
    file = tmp_path / "item.json"
    file.write_text(json.dumps(json_format.MessageToDict(draft(),
                                                         preserving_proto_field_name=True)))
    item = answer(sunlight(node, "catalogue", "create", str(file), "--json",
                           *AS["clerk"]))["item"]["item_id"]
    answer(sunlight(node, "catalogue", "submit", item, "--json", *AS["clerk"]))
    waiting = answer(sunlight(node, "catalogue", "list", "--region", "511602", "--status",
                              "submitted", "--json", *AS["legal"]))
    assert item in [h["item"]["item_id"] for h in waiting["hits"]]
    answer(sunlight(node, "catalogue", "review", item, "legal", "approve", "--json",
                    *AS["legal"]))
    version = answer(sunlight(node, "catalogue", "review", item, "staffing", "approve",
                              "--json", *AS["staffing"]))["item"]
    assert version["status"] == "VERSION_STATUS_PUBLISHED"
    return str(item)


def test_an_item_from_draft_to_suspended_and_back(node, tmp_path: Path) -> None:
    item = published(node, tmp_path)
    suspended = answer(sunlight(node, "catalogue", "suspend", item, "--reason", "法规修订",
                              "--json", *AS["staffing"]))["item"]
    assert suspended["state"] == "ITEM_STATE_SUSPENDED"
    resumed = sunlight(node, "catalogue", "resume", item, "--reason", "修订完成",
                       *AS["staffing"])
    assert resumed.exit_code == 0 and "事项正常行使，现行版本 1" in resumed.stdout
    # the catalogue's refusal, in its words, exit 1
    again = sunlight(node, "catalogue", "submit", item, "--version", "1", *AS["clerk"])
    assert again.exit_code == 1 and again.stderr.splitlines()[-1].startswith(
        "sunlight catalogue submit: ")
    assert "Traceback" not in again.output


def test_a_year_entered_is_counted_on_after_a_restart(node, tmp_path: Path) -> None:
    # the first year chinesecalendar has no schedule for: entered by hand, whatever release
    # of the library is installed
    year = max(WorkingCalendar.official().known_years()) + 1
    effective = next(date(year, 1, d) for d in range(1, 8) if date(year, 1, d).weekday() == 0)
    if effective > local_day() + timedelta(days=MAX_DAYS_AHEAD):
        # the library knows next year already: a change cannot take effect that far ahead
        # until early January
        pytest.skip(f"{effective} is more than {MAX_DAYS_AHEAD} days ahead")
    item = published(node, tmp_path)
    change = ["catalogue", "change", "--kind", "legal-basis", "--item",
              item, "--basis", "《企业投资项目核准和备案管理条例》",
              "--description", "修订", "--effective-on", effective.isoformat(), "--json",
              *AS["legal"]]
    (before,) = answer(sunlight(node, *change))["obligations"]
    # 10 working days, counted Monday to Friday: a guess
    assert before["due_date_provisional"] is True
    assert before["due_date"] == (effective + timedelta(days=14)).isoformat()

    schedule = tmp_path / f"{year}.csv"
    off = [effective + timedelta(days=n) for n in (1, 2)]
    schedule.write_text("日期,安排\n" + "".join(f"{d},休\n" for d in off), "utf-8")
    stored = answer(sunlight(node, "calendar", "import", str(year), str(schedule),
                             "--as", "ops", "--json"))
    assert stored["written"] == [str(Path(node.full_env()["SUNLIGHT_VAR_DIR"])
                                     / "calendar" / f"{year}.json")]
    node.kill("catalogue")  # supervisord starts it again, as after a restart
    node.wait_healthy(timeout_s=60)
    (after,) = answer(sunlight(node, *change))["obligations"]
    # two weekdays off: two working days later, and no longer a guess
    assert after["due_date_provisional"] is False
    assert after["due_date"] == (effective + timedelta(days=16)).isoformat()
