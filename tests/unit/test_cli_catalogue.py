"""``sunlight catalogue import|export|search`` against an in-process catalogue gRPC server
(the real importer on SQLite behind ``import_api``), and the CLI's file reading."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from cli.catalogue import EXPORT_COLUMNS, catalogue
from cli.main import main
from cli.tabular import file_digest, read_rows
from services.catalogue import storage as t
from services.catalogue.domain.import_rows import SourceRow, parse_rows
from services.catalogue.import_api import export_rpc, import_rows_rpc
from services.catalogue.importer import Importer
from services.catalogue.service import CatalogueService
from services.shared.auth import Authenticator, mint_token
from services.shared.code_tables import IMPORT_REASONS
from services.shared.db import Database
from services.shared.errors import InvalidArgument
from services.shared.grpc_errors import translate_errors, translate_stream_errors
from services.shared.grpc_server import principal_of
from tests.support.data import GUANG_AN

CATALOGUE = GUANG_AN
HEADER = ["department", "group", "name", "item_code", "area_code", "task_type", "dept_code",
          "legal_basis"]
#: the columns of the real export, and the legal basis the test files add
MAPPING = {"legal_basis": "legal_basis"}
REVIEWED = ["--publish-reviewed", "--legal-reviewer", "li.na", "--staffing-reviewer",
            "wang.fang", "--approving-document", "广安府发〔2024〕12号"]
CODE = "511A0064100152-511602000000-000-115113016823646795-1-00"
#: 区行政审批局, the implementing body of CODE, by its unified social credit code
APPROVALS = "115113016823646795"
SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]  # set for the tests in tests/conftest.py


class FakeCatalogue(pb_grpc.CatalogueServiceServicer):
    """Import and export as the catalogue serves them; search answers from a list."""

    def __init__(self, importer: Importer, service: CatalogueService) -> None:
        self.importer = importer
        self.service = service
        self.auth = Authenticator(SECRET)
        self.searches: list[pb.SearchItemsRequest] = []
        self.import_calls = 0

    @translate_errors
    def ImportRows(self, request: pb.ImportRowsRequest, context: grpc.ServicerContext
                   ) -> pb.ImportRowsResponse:
        self.import_calls += 1
        return import_rows_rpc(self.importer, principal_of(context, self.auth), request)

    @translate_stream_errors
    def ExportItems(self, request: pb.ExportItemsRequest, context: grpc.ServicerContext
                    ) -> Iterator[pb.ItemVersion]:
        yield from export_rpc(self.service, principal_of(context, self.auth), request)

    @translate_errors
    def SearchItems(self, request: pb.SearchItemsRequest, context: grpc.ServicerContext
                    ) -> pb.SearchItemsResponse:
        self.searches.append(request)
        if request.query == "nothing":
            return pb.SearchItemsResponse(total=0)
        hits = [pb.SearchHit(item=pb.ItemVersion(item_id=f"id-{i}", content=pb.ItemDraft(
            name=name, code=f"CODE-{i}", region="511602", department="区市场监管局")),
            score=1.0 - i / 10) for i, name in enumerate(["企业投资项目备案", "企业登记"])]
        return pb.SearchItemsResponse(hits=hits, total=7, next_page_token="next")


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[str, FakeCatalogue]]:
    db = Database(f"sqlite:///{tmp_path / 'catalogue.db'}", "catalogue")
    t.metadata.create_all(db.engine)
    service = CatalogueService(db, "510000")
    fake = FakeCatalogue(Importer(service), service)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_CatalogueServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", fake
    server.stop(0)
    db.dispose()


def token(*roles: str, region: str = "511602", subject: str = "ann",
          department: str | None = None) -> str:
    return mint_token(SECRET, subject, list(roles) or ["admin"], [region],
                      department=department)


def mapping_file(tmp_path: Path) -> str:
    path = tmp_path / "with-basis.json"
    path.write_text(json.dumps(MAPPING), encoding="utf-8")
    return str(path)


def invoke(*args: str) -> object:
    return CliRunner().invoke(catalogue, list(args), catch_exceptions=False)


def items(fake: FakeCatalogue) -> int:
    with fake.service.db.transaction() as s:
        return s.execute(select(func.count()).select_from(t.items)).scalar_one()


def small_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def good_row(n: int, **changes: str) -> list[str]:
    values = {"department": "区行政审批局", "group": "未分类", "name": f"事项{n}",
              "item_code": CODE.replace("00152", f"{152 + n:05d}"),
              "area_code": "511602000000", "task_type": "1", "dept_code": "",
              "legal_basis": "《中华人民共和国行政许可法》"}
    values.update(changes)
    return [values[h] for h in HEADER]


# --- import -------------------------------------------------------------------------------------


def test_import_the_real_file_writes_the_report(node: tuple[str, FakeCatalogue],
                                                tmp_path: Path) -> None:
    address, fake = node
    report_path = tmp_path / "out" / "report.json"
    result = CliRunner().invoke(main, [
        "catalogue", "import", str(CATALOGUE), "--region", "511602", "--report",
        str(report_path), "--address", address, "--token", token(),
        "--batch-size", "300"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("guang_an_511602.csv：共 1135 行，接受 627 行，存疑 508 行，"
                                    "拒绝 0 行（导入批次 ")
    printed = result.stdout.splitlines()
    assert len(printed) == 1 + 20 + 1 and printed[-1].startswith("  ……另有 488 行存疑或拒绝")
    assert re.fullmatch(r"  第 \d+ 行 存疑 .+：.+（IMPORT_[A-Z_]+）", printed[1]), printed[1]
    assert "importing guang_an_511602.csv" in result.stderr  # the progress bar
    report = json.loads(report_path.read_text("utf-8"))
    assert {k: report[k] for k in ("total", "accepted", "flagged", "rejected")} == {
        "total": 1135, "accepted": 627, "flagged": 508, "rejected": 0}
    assert [r["line"] for r in report["rows"]] == list(range(2, 1137))
    assert set(report["rows"][0]) >= {"line", "name", "outcome", "reasons"}
    assert report["rows"][0] == {"line": 2, "name": "企业投资项目备案（技术改造）（市级/县级）",
                                 "outcome": "accepted", "reasons": [],
                                 "item_id": report["rows"][0]["item_id"]}
    tobacco = next(r for r in report["rows"] if r["line"] == 1128)
    assert tobacco["outcome"] == "flagged"
    assert tobacco["reasons"][0] == {"code": "IMPORT_CODE_BODY_INVALID",
                                     "message": IMPORT_REASONS["IMPORT_CODE_BODY_INVALID"]}
    assert items(fake) == 1135 and fake.import_calls == 4

    # the same file again: the same keys, so the catalogue replays its answers
    again = invoke("import", str(CATALOGUE), "--region", "511602", "--report",
                   str(tmp_path / "again.json"), "--address", address, "--token",
                   token(), "--batch-size", "300")
    assert again.exit_code == 0
    assert json.loads((tmp_path / "again.json").read_text("utf-8")) == report
    assert items(fake) == 1135


def test_import_in_small_batches_keeps_the_order(node: tuple[str, FakeCatalogue],
                                                 tmp_path: Path) -> None:
    address, fake = node
    rows = [good_row(i) for i in range(9)] + [good_row(20, name="")]
    path = small_csv(tmp_path / "small.csv", rows)
    report_path = tmp_path / "r.json"
    result = invoke("import", str(path), "--region", "511602", "--report", str(report_path),
                    "--address", address, "--token", token(), "--batch-size", "2",
                    "--concurrency", "3", "--mapping", mapping_file(tmp_path), *REVIEWED)
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text("utf-8"))
    assert [r["line"] for r in report["rows"]] == list(range(2, 12))
    assert [r["outcome"] for r in report["rows"]] == ["accepted"] * 9 + ["rejected"]
    assert report["publish_reviewed"] is True and fake.import_calls == 5
    assert "拒绝 1 行" in result.stdout  # rejected rows: the import still ran (exit 0)
    assert ("第 11 行 拒绝 （无名称）：事项名称（name 列）为空，本行不予导入。"
            "（IMPORT_NAME_EMPTY）") in result.stdout


def test_a_different_mapping_through_a_mapping_file(node: tuple[str, FakeCatalogue],
                                                    tmp_path: Path) -> None:
    address, fake = node
    path = tmp_path / "chinese.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["实施主体", "事项名称", "实施编码", "事项类型", "承诺时限"])
        writer.writerow(["区民政局", "婚姻登记", CODE, "20", "5"])
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"department": "实施主体", "name": "事项名称",
                                   "item_code": "实施编码", "task_type": "事项类型",
                                   "promised_limit_days": "承诺时限", "group": None,
                                   "area_code": None, "dept_code": None},
                                  ensure_ascii=False), encoding="utf-8")
    result = invoke("import", str(path), "--region", "511602", "--mapping", str(mapping),
                    "--default-limit-days", "15", "--address", address, "--token", token())
    assert result.exit_code == 0, result.output
    assert "共 1 行，接受 1 行" in result.stdout
    with fake.service.db.transaction() as s:
        content = json.loads(s.execute(select(t.item_versions.c.content)).scalar_one())
    assert (content["statutory_limit_days"], content["promised_limit_days"]) == (5, 5)


@pytest.mark.parametrize(("args", "words"), [
    (["--region", "5116"], "'5116' is not a 6-digit region code"),
    ([], "Missing option '--region'"),
    (["--region", "511602", "--batch-size", "6000"], "6000 is not in the range 1<=x<=5000"),
    (["--region", "511602", "--role", "admin"], "need --as SUBJECT (or give --token)"),
    (["--region", "511602", "--as", "ann"], "--as needs at least one --role"),
    (["--region", "511602", "--publish-reviewed"], "--publish-reviewed names who reviewed"),
    (["--region", "511602", "--legal-reviewer", "li"], "go with --publish-reviewed"),
])
def test_argument_errors(tmp_path: Path, args: list[str], words: str) -> None:
    path = small_csv(tmp_path / "a.csv", [good_row(1)])
    result = invoke("import", str(path), *args)
    assert result.exit_code == 2
    assert words in result.output


def test_file_problems_are_argument_errors(tmp_path: Path) -> None:
    missing = invoke("import", str(tmp_path / "nope.csv"), "--region", "511602")
    assert missing.exit_code == 2 and "does not exist" in missing.output
    wrong = tmp_path / "catalogue.xls"
    wrong.write_bytes(b"x")
    assert "expected a .csv or .xlsx file" in invoke("import", str(wrong), "--region",
                                                     "511602").output
    path = small_csv(tmp_path / "a.csv", [good_row(1)])
    bad = tmp_path / "mapping.json"
    bad.write_text("{not json", encoding="utf-8")
    result = invoke("import", str(path), "--region", "511602", "--mapping", str(bad))
    assert result.exit_code == 2 and "mapping.json is not valid JSON" in result.output
    bad.write_text("[1]", encoding="utf-8")
    result = invoke("import", str(path), "--region", "511602", "--mapping", str(bad))
    assert result.exit_code == 2 and "expected a JSON object" in result.output


def test_refusals_exit_1_with_the_catalogues_words(node: tuple[str, FakeCatalogue],
                                                   tmp_path: Path) -> None:
    address, fake = node
    path = small_csv(tmp_path / "a.csv", [good_row(1)])
    report = tmp_path / "r.json"
    stranger = invoke("import", str(path), "--region", "511602", "--address", address,
                      "--token", token("clerk", region="511603", department=APPROVALS),
                      "--report", str(report))
    assert stranger.exit_code == 1
    assert ("REGION_OUT_OF_SCOPE: ann may not act for region 511602 (scope: 511603)"
            in stranger.stderr)
    assert not report.exists()  # nothing ran, nothing to report

    anonymous = invoke("import", str(path), "--region", "511602", "--address", address)
    assert anonymous.exit_code == 1
    assert "sign in first" in anonymous.stderr and "--token" in anonymous.stderr

    mapping = tmp_path / "m.json"
    mapping.write_text('{"title": "x"}', encoding="utf-8")
    invalid = invoke("import", str(path), "--region", "511602", "--address", address,
                     "--token", token(), "--mapping", str(mapping))
    assert invalid.exit_code == 1
    assert "INVALID_IMPORT" in invalid.stderr and "mapping.title: unknown field" in (
        invalid.stderr)
    assert items(fake) == 0


def test_unreachable_catalogue_exits_1(tmp_path: Path) -> None:
    path = small_csv(tmp_path / "a.csv", [good_row(1)])
    result = invoke("import", str(path), "--region", "511602", "--address", "127.0.0.1:9",
                    "--token", token(), "--timeout", "2")
    assert result.exit_code == 1
    assert "cannot reach the catalogue at 127.0.0.1:9" in result.stderr


def test_a_token_minted_with_the_node_key(node: tuple[str, FakeCatalogue],
                                          tmp_path: Path) -> None:
    address, fake = node
    path = small_csv(tmp_path / "a.csv", [good_row(1), good_row(2)])
    result = invoke("import", str(path), "--region", "511602", "--address", address,
                    "--as", "importer-1", "--role", "clerk", "--as-department", APPROVALS)
    assert result.exit_code == 0, result.output
    with fake.service.db.transaction() as s:
        assert s.execute(select(t.imports.c.imported_by)).scalar_one() == "importer-1"


def test_token_from_the_environment(node: tuple[str, FakeCatalogue], tmp_path: Path) -> None:
    address, _ = node
    path = small_csv(tmp_path / "a.csv", [good_row(1)])
    result = CliRunner(env={"SUNLIGHT_TOKEN": token()}).invoke(
        catalogue, ["import", str(path), "--region", "511602", "--address", address])
    assert result.exit_code == 0, result.output


def test_a_failure_midway_still_reports_what_was_done(node: tuple[str, FakeCatalogue],
                                                      tmp_path: Path) -> None:
    address, _ = node
    # the third batch has a row outside the department of the clerk's token
    rows = [good_row(i) for i in range(4)] + [good_row(9, department="区民政局",
                                                       dept_code="11511301008778298W")]
    path = small_csv(tmp_path / "a.csv", rows)
    report_path = tmp_path / "r.json"
    staff = mint_token(SECRET, "bob", ["clerk"], ["511602"], department=APPROVALS,
                       department_name="区行政审批局")
    result = invoke("import", str(path), "--region", "511602", "--address", address,
                    "--token", staff, "--batch-size", "2", "--concurrency", "1",
                    "--report", str(report_path))
    assert result.exit_code == 1 and "works for 区行政审批局 (115113016823646795), not " \
        "11511301008778298W" in result.stderr
    report = json.loads(report_path.read_text("utf-8"))
    assert [r["line"] for r in report["rows"]] == [2, 3, 4, 5]
    assert report["unsent"] == 1 and "PERMISSION_DENIED" in report["error"]


# --- export -------------------------------------------------------------------------------------


@pytest.fixture
def published(node: tuple[str, FakeCatalogue], tmp_path: Path) -> str:
    address, _ = node
    path = small_csv(tmp_path / "p.csv", [good_row(i) for i in range(3)]
                     + [good_row(5, item_code="E-000004-001-11511301008778386B")])
    result = invoke("import", str(path), "--region", "511602", "--address", address,
                    "--token", token(), "--mapping", mapping_file(tmp_path), *REVIEWED)
    assert result.exit_code == 0, result.output
    return address


def test_export_csv(published: str, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    result = invoke("export", "--region", "511600", "--format", "csv", "--output", str(out),
                    "--address", published)
    assert result.exit_code == 0, result.output
    assert "exported 3 items of region 511600" in result.stderr
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff") and "\r\n" in text  # the catalogue CSV format
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == list(EXPORT_COLUMNS)
    assert len(rows) == 4  # the flagged row is a draft: not exported
    first = dict(zip(rows[0], rows[1], strict=True))
    assert [(s["name"], s["kind"]) for s in json.loads(first["steps"])] == [
        ("受理", "acceptance"), ("审查", "review"), ("决定", "decision")]
    assert (first["item_type"], first["list_kind"], first["exercise_level"]) == (
        "01", "power", "4")
    assert (first["statutory_limit_days"], first["promised_limit_days"],
            first["limit_unit"], first["modes"]) == ("20", "20", "working_days", "promised")
    assert json.loads(first["legal_basis"])[0]["law"] == "《中华人民共和国行政许可法》"
    assert first["published_at"].endswith("Z") and first["version"] == "1"
    assert {r[2] for r in rows[1:]} == {"事项0", "事项1", "事项2"}


def test_export_json_to_stdout(published: str) -> None:
    result = invoke("export", "--region", "511602", "--format", "json", "--address",
                    published)
    assert result.exit_code == 0, result.output
    exported = json.loads(result.stdout)
    assert len(exported) == 3
    assert exported[0]["status"] == "VERSION_STATUS_PUBLISHED"
    assert "flags" not in exported[0] and "created_by" not in exported[0]
    assert all("role" not in step for step in exported[0]["content"]["steps"])


def test_export_of_an_empty_region_and_a_bad_one(node: tuple[str, FakeCatalogue]) -> None:
    address, _ = node
    empty = invoke("export", "--region", "511621", "--format", "json", "--address", address)
    assert empty.exit_code == 0 and json.loads(empty.stdout) == []
    bad = invoke("export", "--region", "11", "--address", address)
    assert bad.exit_code == 1 and "not a 6-digit region code" in bad.stderr
    elsewhere = invoke("export", "--region", "110000", "--address", address)
    assert elsewhere.exit_code == 1 and "REGION_NOT_HOSTED" in elsewhere.stderr


# --- search -------------------------------------------------------------------------------------


def test_search_prints_lines(node: tuple[str, FakeCatalogue]) -> None:
    address, fake = node
    result = invoke("search", "qyba", "--region", "511602", "--type", "1", "--department",
                    "区市场监管局", "--page-size", "5", "--address", address)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "企业投资项目备案  CODE-0  511602  区市场监管局 (code unknown)",
        "企业登记  CODE-1  511602  区市场监管局 (code unknown)"]
    assert "2 of 7 items; next page: --page-token next" in result.stderr
    sent = fake.searches[-1]
    assert (sent.query, sent.region, sent.item_type, sent.department, sent.page_size) == (
        "qyba", "511602", "01", "区市场监管局", 5)


def test_search_json(node: tuple[str, FakeCatalogue]) -> None:
    address, _ = node
    result = invoke("search", "企业", "--json", "--address", address)
    answer = json.loads(result.stdout)
    assert answer["total"] == 7 and len(answer["hits"]) == 2
    assert answer["hits"][0]["item"]["content"]["name"] == "企业投资项目备案"
    nothing = json.loads(invoke("search", "nothing", "--json", "--address", address).stdout)
    assert nothing["total"] == 0 and nothing["hits"] == []


def test_search_argument_errors() -> None:
    result = invoke("search", "x", "--type", "abc", "--address", "127.0.0.1:9")
    assert result.exit_code == 2 and "'abc' is not an item type" in result.output


def test_the_catalogue_commands_are_part_of_sunlight() -> None:
    result = CliRunner().invoke(main, ["catalogue", "--help"])
    assert result.exit_code == 0
    assert all(word in result.output for word in ("import", "export", "search"))


# --- reading files (cli/tabular.py) -------------------------------------------------------------


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def source(rows: list) -> list[SourceRow]:  # type: ignore[type-arg]
    return [SourceRow(r.line, r.values) for r in rows]


def test_csv_with_bom_blank_lines_and_a_multiline_cell(tmp_path: Path) -> None:
    text = (",".join(HEADER) + "\r\n"
            + f'区民政局,未分类,婚姻登记,{CODE},511602000000,20,{APPROVALS}\r\n'
            + "\r\n"
            + f'区民政局,未分类,"收养\n登记",{CODE.replace("00152", "00153")},511602000000,7,\r\n'
            + f'区民政局,未分类,最后,{CODE.replace("00152", "00154")},511602000000,7\r\n')
    rows = read_rows(write_csv(tmp_path / "a.csv", text, "utf-8-sig"))
    assert [r.line for r in rows] == [2, 4, 6]
    assert list(rows[0].values) == HEADER  # the BOM is not part of the first column name
    assert rows[1].values["name"] == "收养\n登记"
    assert rows[2].values["dept_code"] == ""  # a short row is padded
    assert parse_rows(source(rows), importing_region="511602").counts()["accepted"] == 3


def test_csv_in_another_encoding(tmp_path: Path) -> None:
    text = ",".join(HEADER) + f"\n区民政局,未分类,婚姻登记,{CODE},511602000000,20,x\n"
    path = write_csv(tmp_path / "gbk.csv", text, "gb18030")
    with pytest.raises(InvalidArgument, match="not utf-8-sig text.*gb18030"):
        read_rows(path)
    assert read_rows(path, encoding="gb18030")[0].values["name"] == "婚姻登记"
    with pytest.raises(InvalidArgument, match="unknown encoding 'nope'"):
        read_rows(path, encoding="nope")


@pytest.mark.parametrize(("text", "words"), [
    ("", "is empty"),
    ("\n\n", "is empty"),
    ("name,name\nx,y\n", "repeats column(s) name"),
])
def test_bad_csv_files(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(InvalidArgument, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_rows(write_csv(tmp_path / "bad.csv", text))


def test_unsupported_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="expected a .csv or .xlsx file"):
        read_rows(tmp_path / "catalogue.xls")
    for name in ("missing.csv", "missing.xlsx"):
        with pytest.raises(InvalidArgument, match="does not exist") as caught:
            read_rows(tmp_path / name)
        assert caught.value.code == "FILE_NOT_FOUND"


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "事项"
    sheet.append(HEADER)
    sheet.append(["区民政局", "未分类", "婚姻登记", CODE, 511602000000, 20, None])
    sheet.append([None] * 7)
    sheet.append(["区民政局", "未分类", "收养登记", CODE.replace("00152", "00153"),
                  "511602000000", 7.0, APPROVALS])
    workbook.create_sheet("other").append(["ignored"])
    path = tmp_path / "catalogue.xlsx"
    workbook.save(path)
    rows = read_rows(path)
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].values["area_code"] == "511602000000"
    assert rows[0].values["task_type"] == "20"
    assert rows[0].values["dept_code"] == ""
    assert rows[1].values["task_type"] == "7"
    report = parse_rows(source(rows), importing_region="511602")
    assert report.counts()["accepted"] == 2
    assert [i.item_type for i in report.items] == ["20", "07"]


def test_broken_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InvalidArgument, match="not a readable XLSX"):
        read_rows(path)


def test_file_digest(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "a,b\n1,2\n")
    assert file_digest(path) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    other = write_csv(tmp_path / "b.csv", "a,b\n1,3\n")
    assert file_digest(other) != file_digest(path)


def test_a_file_with_only_its_header(node: tuple[str, FakeCatalogue], tmp_path: Path) -> None:
    address, fake = node
    path = small_csv(tmp_path / "empty.csv", [])
    report_path = tmp_path / "r.json"
    result = invoke("import", str(path), "--region", "511602", "--address", address,
                    "--token", token(), "--report", str(report_path))
    assert result.exit_code == 0, result.output
    assert "共 0 行，接受 0 行，存疑 0 行，拒绝 0 行（没有可导入的行）" in result.stdout
    assert json.loads(report_path.read_text("utf-8"))["rows"] == []
    assert fake.import_calls == 0


def test_export_csv_neutralises_formulas() -> None:
    """`sunlight catalogue export` writes a text a spreadsheet would run behind a quote (the
    one function the gateway's export uses too)."""
    from cli.catalogue import _write_csv

    items = [pb.ItemVersion(item_id=f"i{n}", version=1, content=pb.ItemDraft(
        name=name, department="区行政审批局", code="-x")) for n, name in enumerate(
        ["=1+1", "+1", "-1", "@A1", "\t=1", "普通事项"])]
    out = io.StringIO()
    assert _write_csv(iter(items), out) == 6
    rows = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))
    assert [r["name"] for r in rows] == ["'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "普通事项"]
    assert all(r["code"] == "'-x" for r in rows)
