"""The catalogue CSV format (services/shared/catalogue_csv.py): one format for both exports, and
an export imports into an empty node, with ``sunlight catalogue import``, as the same items —
published again with ``--publish-reviewed``. Real catalogues on SQLite behind in-process gRPC
servers; the CLI and the gateway as people use them."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from google.protobuf import json_format
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from cli.catalogue import catalogue as catalogue_cli
from gateway.backends import Backends
from gateway.http_api import create_app as gateway_app
from services.catalogue.domain.items import (
    Branch,
    DiscretionStandard,
    Fee,
    HandlingForm,
    HandlingMode,
    ImplementingBody,
    ItemContent,
    LegalCitation,
    Material,
    RiskLevel,
    RiskPoint,
    SpecialProcedure,
    Step,
    StepKind,
    TimeUnit,
)
from services.catalogue.importer import DEFAULT_ROLES_FLAG, NO_LEGAL_BASIS_REASON
from services.shared import catalogue_csv
from services.shared.auth import mint_token
from services.shared.code_tables import import_reason
from services.shared.rate_limits import RateLimits
from tests.support.catalogue_node import CatalogueNode, catalogue_node, person, publish
from tests.support.codes import credit_code, implementation_code

SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]  # set for the tests in tests/conftest.py
ADMIN = mint_token(SECRET, "ops.admin", ["admin"], ["511602"])
REVIEWED = ["--publish-reviewed", "--legal-reviewer", "li.na", "--staffing-reviewer",
            "wang.fang", "--approving-document", "广安府发〔2024〕12号"]
#: columns that say where a row came from: an import makes new items
ORIGIN = {"item_id", "published_at"}
#: unified social credit codes of 区市场监督管理局 and 区卫生健康局
MARKET, HEALTH = "115113010087783353", "11511301008778490F"


def licence() -> ItemContent:
    """Everything public an item can carry, and internal fields that are not exported."""
    return ItemContent(
        name="食品经营许可", code=implementation_code(department_code=MARKET), item_type="01",
        region="511602", department="区市场监督管理局", statutory_limit_days=20,
        promised_limit_days=10,
        exercise_level="4", group="食品经营许可（主项）", accepting_office="区政务服务中心",
        body=ImplementingBody("广安市广安区市场监督管理局", credit_code(41)),
        legal_basis=(LegalCitation("《中华人民共和国食品安全法》", "第三十五条", "第一款",
                                   "国家对食品生产经营实行许可制度。"),
                     LegalCitation("《食品经营许可管理办法》", "第二条")),
        acceptance_conditions=("有与经营的食品品种、数量相适应的场所",
                               "两行的条件：\n第二行, 带逗号和\"引号\""),
        materials=(Material("食品经营许可申请书", "申请人", 1, 0, True, key="application"),
                   Material("营业执照", "市场监督管理部门", 0, 2, False, "已共享的可免交")),
        fees=(Fee("工本费", "12.50", "川发改价格〔2020〕1号"),),
        supervision_phone="0826-12345", enquiry_phone="0826-2345678",
        handling_forms=(HandlingForm.COUNTER, HandlingForm.ONLINE),
        external_flow=("申请", "受理", "审查", "决定", "送达"),
        modes=(HandlingMode.IMMEDIATE, HandlingMode.PROMISED),
        special_procedures=(SpecialProcedure.ON_SITE_CHECK, SpecialProcedure.EXPERT_REVIEW),
        steps=(Step("accept", "受理", 1, "window", risk_points=(
                   RiskPoint("违规受理", RiskLevel.HIGH, ("双人复核",)),)),
               Step("check", "现场核查", 5, "inspector", parallel_branches=(
                   Branch("区卫生健康局", "卫生审查", 3, "clerk", key="health",
                          limit_unit=TimeUnit.CALENDAR_DAYS, department_code=HEALTH),)),
               Step("decide", "决定", 2, "chief", returns_to=("check",),
                    department="区市场监督管理局", department_code=MARKET)))


def penalty() -> ItemContent:
    return ItemContent(
        name="对违法生产经营行为的行政处罚", code=implementation_code(department_code=MARKET),
        item_type="02",
        region="511602", department="区市场监督管理局", statutory_limit_days=90,
        promised_limit_days=60, limit_unit=TimeUnit.CALENDAR_DAYS,
        legal_basis=(LegalCitation("《中华人民共和国行政处罚法》", "第六十条"),),
        special_procedures=(SpecialProcedure.HEARING,),
        discretion_standards=(DiscretionStandard("初次违法", "一般", "警告",
                                                 measures=("warning",)),
                              DiscretionStandard("多次违法", "较重", "罚款 500 元以上 2000 元以下",
                                                 key="repeat", measures=("fine",),
                                                 min_amount="500", max_amount="2000.5")),
        major=True, collective_review_above="50000", acceptor_may_decide=True,
        steps=(Step("accept", "立案", 7, "clerk", limit_unit=TimeUnit.WORKING_DAYS),
               Step("investigate", "调查取证", 30, "inspector",
                    limit_unit=TimeUnit.CALENDAR_DAYS),
               Step("hear", "听证", 10, "chief", limit_unit=TimeUnit.CALENDAR_DAYS,
                    kind=StepKind.REVIEW),
               Step("decide", "决定", 10, "leader", limit_unit=TimeUnit.CALENDAR_DAYS,
                    returns_to=("investigate",))))


def filing() -> ItemContent:
    return ItemContent(
        name="企业投资项目备案", code=implementation_code(), item_type="07", region="511602",
        department="区发展改革局", statutory_limit_days=5, promised_limit_days=1,
        list_kind=licence().list_kind, modes=(HandlingMode.FILING,),
        legal_basis=(LegalCitation("《企业投资项目核准和备案管理条例》", "第十三条"),),
        steps=(Step("accept", "收件", 0, "clerk"), Step("register", "登记", 0, "clerk")))


@pytest.fixture
def source(tmp_path: Path) -> Iterator[CatalogueNode]:
    with catalogue_node(tmp_path / "a.db", SECRET) as node:
        for content in (licence(), penalty(), filing()):
            publish(node.service, content)
        yield node


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[CatalogueNode]:
    with catalogue_node(tmp_path / "b.db", SECRET) as node:
        yield node


def cli(*args: str) -> object:
    result = CliRunner().invoke(catalogue_cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def export(node: CatalogueNode, path: Path) -> list[dict[str, str]]:
    cli("export", "--region", "511602", "--format", "csv", "--output", str(path),
        "--address", node.address, "--token", ADMIN)
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


def public(node: CatalogueNode) -> dict[str, dict]:
    """The published catalogue as the public reads it, by implementation code."""
    items = node.stub.ExportItems(pb.ExportItemsRequest(region="511602"))
    return {i.content.code: json_format.MessageToDict(i.content,
                                                      preserving_proto_field_name=True)
            for i in items}


def test_an_export_imports_into_an_empty_node_as_the_same_items(
        source: CatalogueNode, empty: CatalogueNode, tmp_path: Path) -> None:
    exported = export(source, tmp_path / "a.csv")
    assert len(exported) == 3
    report = tmp_path / "report.json"
    cli("import", str(tmp_path / "a.csv"), "--region", "511602", "--report", str(report),
        "--address", empty.address, "--token", ADMIN, *REVIEWED)
    rows = json.loads(report.read_text("utf-8"))
    assert (rows["accepted"], rows["flagged"], rows["rejected"]) == (3, 0, 0)
    again = export(empty, tmp_path / "b.csv")
    def same(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
        """By implementation code (exports follow item ids, which are new)."""
        return {r["code"]: {k: v for k, v in r.items() if k not in ORIGIN} for r in rows}

    assert same(again) == same(exported)
    assert public(empty) == public(source)  # every public field, as the contract says it
    # what an export leaves out: roles take their defaults, flagged for the department
    by_name = {r["name"]: r["item_id"] for r in again}
    item = empty.service.get_version(person("ops", "admin"), by_name["食品经营许可"], 0)
    assert [s.role for s in item.content.steps] == ["clerk", "section_chief", "leader"]
    assert DEFAULT_ROLES_FLAG in item.flags
    assert not item.content.steps[0].risk_points


def test_both_exports_write_one_format(source: CatalogueNode, tmp_path: Path) -> None:
    export(source, tmp_path / "cli.csv")
    backends = Backends({"catalogue": source.address, "cases": source.address,
                         "monitoring": source.address}, 5.0)
    try:
        client = TestClient(gateway_app(backends, "511602", "广安区",
                                        rates=RateLimits(public_reads="1000/minute")))
        served = client.get("/v1/regions/511602/catalogue.csv").content
    finally:
        backends.close()
    assert served == (tmp_path / "cli.csv").read_bytes()
    assert served.startswith("\ufeff".encode()) and b"\r\n" in served


def test_the_cells_of_one_row(source: CatalogueNode) -> None:
    [item] = [i for i in source.stub.ExportItems(pb.ExportItemsRequest(region="511602"))
              if i.content.name == "食品经营许可"]
    cells = dict(zip(catalogue_csv.HEADER, catalogue_csv.row(json_format.MessageToDict(
        item, preserving_proto_field_name=True)), strict=True))
    assert cells["modes"] == "immediate\npromised"
    assert cells["special_procedures"] == "on_site_check\nexpert_review"
    assert cells["handling_forms"] == "counter\nonline"
    assert (cells["limit_unit"], cells["body_nature"], cells["list_kind"]) == (
        "working_days", "statutory", "power")
    assert json.loads(cells["fees"]) == [{"name": "工本费", "amount": "12.5", "currency": "CNY",
                                          "basis": "川发改价格〔2020〕1号"}]
    steps = json.loads(cells["steps"])
    assert [(s["key"], s["kind"], s["returns_to"]) for s in steps] == [
        ("accept", "acceptance", []), ("check", "review", []), ("decide", "decision",
                                                                  ["check"])]
    assert steps[1]["parallel_branches"] == [{"key": "health", "department": "区卫生健康局",
                                              "department_code": HEALTH,
                                              "name": "卫生审查", "limit_days": 3,
                                              "limit_unit": "calendar_days"}]
    assert (steps[2]["department"], steps[2]["department_code"]) == ("区市场监督管理局",
                                                                     MARKET)
    assert cells["department_code"] == MARKET
    assert "role" not in cells["steps"] and "双人复核" not in "".join(cells.values())
    assert [m["key"] for m in json.loads(cells["materials"])] == ["application", "m2"]


def test_only_our_header_is_recognised() -> None:
    assert catalogue_csv.recognises(catalogue_csv.HEADER)
    assert catalogue_csv.recognises([c for c in catalogue_csv.HEADER
                                     if c not in ("fees", "materials", "published_at")])
    assert not catalogue_csv.recognises(["department", "group", "name", "item_code",
                                         "area_code", "task_type", "dept_code"])


def test_unreadable_cells_flag_the_row_and_are_left_out() -> None:
    values = {"materials": "[{not json", "modes": "promised\nurgent",
              "steps": '[{"key": "accept", "name": "受理", "limit_days": "one"}]',
              "fees": '[{"name": "工本费", "amount": "ten"}]', "limit_unit": "hours"}
    draft, problems = catalogue_csv.draft_of(values)
    assert draft["modes"] == ["HANDLING_MODE_PROMISED"] and "materials" not in draft
    assert draft["steps"] == [{"key": "accept", "name": "受理"}]
    assert "limit_unit" not in draft
    assert {p.split(":")[0].split("[")[0] for p in problems} == {
        "materials", "modes", "steps", "fees", "limit_unit"}


def csv_file(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=catalogue_csv.HEADER, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_rows_that_may_not_be_published_stay_drafts_with_the_reason(
        source: CatalogueNode, empty: CatalogueNode, tmp_path: Path) -> None:
    rows = {r["name"]: dict(r) for r in export(source, tmp_path / "a.csv")}
    no_basis, broken, fine = (rows[licence().name], rows[penalty().name],
                              rows[filing().name])
    no_basis["legal_basis"] = "[]"  # 职权法定
    broken["steps"] = '[{"key": "accept", "name": "受理", "kind": "decision"}, {"key": "x"}]'
    report = tmp_path / "report.json"
    cli("import", str(csv_file(tmp_path / "edited.csv", [no_basis, broken, fine])),
        "--region", "511602", "--report", str(report), "--address", empty.address,
        "--token", ADMIN, *REVIEWED)
    results = {r["name"]: r for r in json.loads(report.read_text("utf-8"))["rows"]}
    assert results[no_basis["name"]]["outcome"] == "accepted"
    assert {"code": "IMPORT_NO_LEGAL_BASIS", "message": import_reason(
        NO_LEGAL_BASIS_REASON).message} in results[no_basis["name"]]["reasons"]
    flagged = results[broken["name"]]
    assert flagged["outcome"] == "flagged"
    assert any(r["code"] == "IMPORT_CONTENT_INVALID" and "steps" in r["message"]
               for r in flagged["reasons"])
    assert results[fine["name"]]["outcome"] == "accepted"
    assert set(public(empty)) == {fine["code"]}  # only the complete, valid row is published


def test_a_spreadsheet_formula_comes_back_as_the_text_it_was(
        empty: CatalogueNode, tmp_path: Path) -> None:
    """Neutralised on the way out, read without the quote (and flagged) on the way in."""
    with catalogue_node(tmp_path / "c.db", SECRET) as node:
        publish(node.service, replace(filing(), name="=1+1 备案"))
        [row] = export(node, tmp_path / "f.csv")
    assert row["name"] == "'=1+1 备案"
    report = tmp_path / "report.json"
    cli("import", str(tmp_path / "f.csv"), "--region", "511602", "--report", str(report),
        "--address", empty.address, "--token", ADMIN)
    [result] = json.loads(report.read_text("utf-8"))["rows"]
    assert result["outcome"] == "flagged" and result["name"] == "=1+1 备案"


def test_every_public_field_of_the_contract_has_its_column() -> None:
    """A field added to ItemDraft is exported (and imported back) or said to be internal."""
    internal = {"classified", "acceptor_may_decide"}
    inside = {"body": {"name", "code", "nature"}}  # one column per field of the message
    columns = set(catalogue_csv.HEADER)
    for field in pb.ItemDraft.DESCRIPTOR.fields:
        if field.name in internal:
            continue
        if field.name in inside:
            assert {f.name for f in field.message_type.fields} == inside[field.name]
            assert {f"{field.name}_{f}" for f in inside[field.name]} <= columns
        else:
            assert field.name in columns, field.name
    step = {f.name for f in pb.Step.DESCRIPTOR.fields} - {"role", "risk_points"}
    branch = {f.name for f in pb.Branch.DESCRIPTOR.fields} - {"role"}
    row = catalogue_csv.row({"content": {"steps": [{"parallel_branches": [{}]}]}})
    [written] = json.loads(dict(zip(catalogue_csv.HEADER, row, strict=True))["steps"])
    assert set(written) == step and set(written["parallel_branches"][0]) == branch


def _without_codes(value):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return {k: _without_codes(v) for k, v in value.items() if k != "department_code"}
    if isinstance(value, list):
        return [_without_codes(v) for v in value]
    return value


def test_an_export_made_before_department_codes_still_imports(
        source: CatalogueNode, empty: CatalogueNode, tmp_path: Path) -> None:
    """No department_code column, no codes in the steps: each item takes the stated default
    (the implementation code's credit code); a step or branch of another department without
    its code keeps the version a draft, saying why."""
    exported = export(source, tmp_path / "a.csv")
    header = [c for c in catalogue_csv.HEADER if c != "department_code"]
    old = tmp_path / "old.csv"
    with old.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        for row in exported:
            row["steps"] = json.dumps(_without_codes(json.loads(row["steps"])),
                                      ensure_ascii=False, separators=(",", ":"))
            writer.writerow([row[c] for c in header])
    report = tmp_path / "report.json"
    cli("import", str(old), "--region", "511602", "--report", str(report),
        "--address", empty.address, "--token", ADMIN, *REVIEWED)
    rows = {r["name"]: r for r in json.loads(report.read_text("utf-8"))["rows"]}
    admin = person("ops", "admin")
    by_name = {name: empty.service.get_version(admin, r["item_id"], 1)
               for name, r in rows.items()}
    assert by_name["食品经营许可"].content.department_code == MARKET
    assert by_name["对违法生产经营行为的行政处罚"].status.value == "published"
    licence = by_name["食品经营许可"]
    assert licence.status.value == "draft"
    [reason] = [r for r in rows["食品经营许可"]["reasons"] if r["code"] == "IMPORT_NOT_COMPLETE"]
    assert "department_code" in reason["message"] and "不完整" in reason["message"]
