"""`sunlight catalogue create|submit|review|publish|suspend|resume|show|history|list|change|
obligations` against the catalogue's own gRPC service (SQLite, in this process)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner, Result
from google.protobuf import json_format
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from cli.catalogue import catalogue
from services.catalogue import storage as t
from services.catalogue.api import CatalogueServicer
from services.catalogue.importer import Importer
from services.catalogue.search.index import SearchIndex
from services.catalogue.service import CatalogueService
from services.shared.auth import Authenticator, mint_token
from services.shared.db import Database
from services.shared.territory import Territory
from tests.support.clients import draft
from tests.support.departments import DEVELOPMENT

SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]  # set for the tests in tests/conftest.py
PEOPLE = {"clerk": ("zhang.wei", "clerk", DEVELOPMENT),
          "legal": ("li.na", "legal_reviewer", None),
          "staffing": ("wang.fang", "staffing_reviewer", None),
          "admin": ("ops", "admin", None),
          "supervisor": ("zhou.min", "supervisor", None)}


@pytest.fixture
def address(tmp_path: Path) -> Iterator[str]:
    db = Database(f"sqlite:///{tmp_path / 'catalogue.db'}", "catalogue")
    t.metadata.create_all(db.engine)
    index = SearchIndex(db)
    index.load()
    service = CatalogueService(db, "511602", territory=Territory("511602"), listeners=[index])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_CatalogueServiceServicer_to_server(CatalogueServicer(
        service, Authenticator(SECRET, node="511602"), index, Importer(service)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)
    db.dispose()


def run(address: str, who: str, *args: str) -> Result:
    subject, role, department = PEOPLE[who]
    token = mint_token(SECRET, subject, [role], ["511602"], department=department,
                       issuer="511602")
    return CliRunner().invoke(catalogue, [*args, "--address", address, "--token", token],
                              catch_exceptions=False)


def as_json(result: Result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def draft_file(tmp_path: Path) -> Path:
    path = tmp_path / "item.json"
    path.write_text(json.dumps(json_format.MessageToDict(draft(), preserving_proto_field_name=True),
                               ensure_ascii=False), encoding="utf-8")
    return path


def test_declare_review_publish_suspend_resume(address: str, draft_file: Path) -> None:
    created = as_json(run(address, "clerk", "create", str(draft_file), "--json"))["item"]
    item = created["item_id"]
    assert created["status"] == "VERSION_STATUS_DRAFT" and created["version"] == 1
    # creating from the same file again is a replay: the same item
    again = as_json(run(address, "clerk", "create", str(draft_file), "--json"))["item"]
    assert again["item_id"] == item
    drafts = as_json(run(address, "clerk", "list", "--region", "511602", "--status", "draft",
                         "--json"))
    assert [h["item"]["item_id"] for h in drafts["hits"]] == [item]

    submitted = run(address, "clerk", "submit", item)
    assert submitted.exit_code == 0, submitted.output
    assert "版本 1：待审核" in submitted.stdout
    assert "idempotency key:" in submitted.stderr
    waiting = run(address, "legal", "list", "--region", "511602", "--status", "submitted")
    assert item in waiting.stdout and "1 of 1 items" in waiting.stderr

    # a return says what to correct
    no_reason = run(address, "legal", "review", item, "legal", "return")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    legal = run(address, "legal", "review", item, "legal", "approve")
    assert legal.exit_code == 0 and "法制审核通过 li.na" in legal.stdout
    staffing = as_json(run(address, "staffing", "review", item, "staffing", "approve",
                           "--json"))["item"]
    assert staffing["status"] == "VERSION_STATUS_PUBLISHED"

    suspended = run(address, "staffing", "suspend", item, "--reason", "法律修订中")
    assert suspended.exit_code == 0 and "事项暂停行使" in suspended.stdout
    resumed = as_json(run(address, "staffing", "resume", item, "--reason", "修订完成",
                          "--json"))["item"]
    assert resumed["state"] == "ITEM_STATE_ACTIVE"

    shown = run(address, "supervisor", "show", item, "--version", "0")
    assert shown.exit_code == 0 and "版本 1：已发布；事项正常行使，现行版本 1" in shown.stdout
    actions = [e["action"] for e in as_json(run(address, "supervisor", "history", item,
                                                "--json"))["entries"]]
    assert actions[-2:] == ["suspend", "resume"] and "submitted" in actions
    table = run(address, "supervisor", "history", item)
    assert table.stdout.splitlines()[0].split() == ["时间", "版本", "动作", "状态", "办理", "理由"]
    assert "法律修订中" in table.stdout


def test_publish_reviewed_outside_and_the_next_version(address: str, draft_file: Path) -> None:
    item = as_json(run(address, "clerk", "create", str(draft_file), "--json"))["item"]["item_id"]
    published = as_json(run(address, "admin", "publish", item, "--legal-reviewer", "li.na",
                            "--staffing-reviewer", "wang.fang", "--approving-document",
                            "广安府发〔2024〕12号", "--json"))["item"]
    assert published["status"] == "VERSION_STATUS_PUBLISHED"
    following = as_json(run(address, "clerk", "next-version", item, "--json"))["item"]
    assert following["version"] == 2 and following["status"] == "VERSION_STATUS_DRAFT"
    # commands on a version default to the newest: version 2
    submitted = as_json(run(address, "clerk", "submit", item, "--json"))["item"]
    assert submitted["version"] == 2 and submitted["status"] == "VERSION_STATUS_SUBMITTED"


def test_refusals_are_the_catalogues_words_and_exit_1(address: str, draft_file: Path,
                                                      tmp_path: Path) -> None:
    item = as_json(run(address, "clerk", "create", str(draft_file), "--json"))["item"]["item_id"]
    refused = run(address, "supervisor", "submit", item, "--version", "1")
    assert refused.exit_code == 1
    assert ("sunlight catalogue submit: PERMISSION_DENIED: zhou.min lacks the permission "
            "'item.write'") in refused.stderr
    assert "Traceback" not in refused.output
    unknown = run(address, "legal", "show", "no-such-item", "--version", "1")
    assert unknown.exit_code == 1 and "NOT_FOUND" in unknown.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "steps": "none"}', encoding="utf-8")
    unreadable = run(address, "clerk", "create", str(bad))
    assert unreadable.exit_code == 2 and "bad.json" in unreadable.output
    merge = run(address, "staffing", "adjust", item, "merge", "--reason", "合并")
    assert merge.exit_code == 2 and "--target" in merge.output


def test_a_change_of_law_opens_an_obligation(address: str, draft_file: Path) -> None:
    item = as_json(run(address, "clerk", "create", str(draft_file), "--json"))["item"]["item_id"]
    run(address, "admin", "publish", item, "--legal-reviewer", "li.na", "--staffing-reviewer",
        "wang.fang", "--approving-document", "广安府发〔2024〕12号")
    recorded = as_json(run(address, "legal", "change", "--kind", "legal-basis", "--item", item,
                           "--basis", "《企业投资项目核准和备案管理条例》",
                           "--description", "第十三条修订", "--effective-on", "2026-03-02",
                           "--json"))
    (obligation,) = recorded["obligations"]
    assert obligation["item_id"] == item and obligation["status"] == "OBLIGATION_STATUS_OPEN"
    assert obligation["due_date"] == "2026-03-16"  # 10 working days after 2 March
    listed = run(address, "clerk", "obligations", "--region", "511602", "--status", "open")
    assert listed.exit_code == 0, listed.output
    assert obligation["obligation_id"] in listed.stdout and "待调整" in listed.stdout
    bad_day = run(address, "legal", "change", "--kind", "legal-basis", "--item", item,
                  "--basis", "x", "--description", "y", "--effective-on", "2026-3-2")
    assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.output


def test_a_draft_file_nested_too_deep_is_a_clear_error(tmp_path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, "utf-8")
    result = CliRunner().invoke(catalogue, ["create", str(deep)])
    assert result.exit_code == 2 and "deep.json is not valid JSON" in result.output
    assert not isinstance(result.exception, RecursionError)
