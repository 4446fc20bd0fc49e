"""``sunlight catalogue``: import a catalogue file, export a region's catalogue, search it.

The CLI talks to the node's catalogue over gRPC only. Calls carry a bearer token: ``--token``
(or ``SUNLIGHT_TOKEN``), else one minted with the node's key for ``--as SUBJECT --role ROLE``.

Exit codes: 0 when the command ran (an import with rejected rows ran), 1 when the catalogue
refused or could not be reached (the message says why), 2 for wrong arguments or an
unreadable file.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, NoReturn

import click
import grpc
from google.protobuf import json_format
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from cli.connection import Connection, connect_as, connection_options, fail
from cli.tabular import Row, file_digest, read_rows
from services.shared import catalogue_csv
from services.shared.code_tables import import_reason
from services.shared.errors import InvalidArgument

DEFAULT_BATCH = 1000
MAX_BATCH = 5000
#: the catalogue CSV format (services.shared.catalogue_csv), as the gateway writes it too
EXPORT_COLUMNS = catalogue_csv.HEADER
RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
OUTCOMES = ("accepted", "flagged", "rejected")


#: how the CLI reaches the catalogue; tests replace it with a stub of their own
def connect(address: str) -> tuple[pb_grpc.CatalogueServiceStub, grpc.Channel]:
    from services.shared.grpc_client import channel

    opened = channel(address)
    return pb_grpc.CatalogueServiceStub(opened), opened


_connection_options = connection_options(
    "catalogue gRPC address (default: this node's, from the settings)", timeout_s=120.0)


def _connection(region: str | None = None, **options: Any) -> Connection:
    return connect_as("catalogue", region=region, **options)


@contextmanager
def _stub(conn: Connection) -> Iterator[pb_grpc.CatalogueServiceStub]:
    stub, opened = connect(conn.address)
    try:
        yield stub
    finally:
        opened.close()


def _fail(what: str, error: grpc.RpcError, conn: Connection) -> NoReturn:
    fail(f"sunlight catalogue {what}", "catalogue", error, conn,
         "raise --timeout, or send smaller --batch-size")


@click.group("catalogue")
def catalogue() -> None:
    """The power catalogue (一目录): import, export, search; declare, review, publish,
    suspend and resume items; change obligations."""


# --- import -------------------------------------------------------------------------------


@catalogue.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--region", required=True, help="region code of the importing government")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="write the JSON report of every row here")
@click.option("--publish-reviewed", is_flag=True,
              help="the list was reviewed outside the platform: publish valid rows that cite "
                   "a legal basis at once (needs the three options below)")
@click.option("--legal-reviewer", default="",
              help="with --publish-reviewed: who did the legal review (法制部门)")
@click.option("--staffing-reviewer", default="",
              help="with --publish-reviewed: who did the staffing review (机构编制管理机关)")
@click.option("--approving-document", default="",
              help="with --publish-reviewed: the document that approved the list (文号)")
@click.option("--mapping", "mapping_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help='JSON file: field → column, e.g. {"name": "事项名称"}')
@click.option("--default-limit-days", type=click.IntRange(0, 365), default=None,
              help="limit for rows without one (default: the catalogue's, 20 working days)")
@click.option("--batch-size", type=click.IntRange(1, MAX_BATCH), default=DEFAULT_BATCH,
              show_default=True, help="rows per call")
@click.option("--concurrency", type=click.IntRange(1, 8), default=1, show_default=True,
              help="batches in flight at once")
@click.option("--encoding", default=None, help="CSV encoding (default UTF-8, e.g. gb18030)")
@_connection_options
def import_(file: Path, region: str, report_path: Path | None, publish_reviewed: bool,
            legal_reviewer: str, staffing_reviewer: str, approving_document: str,
            mapping_path: Path | None, default_limit_days: int | None, batch_size: int,
            concurrency: int, encoding: str | None, **connection: Any) -> None:
    """Import a CSV or XLSX catalogue FILE for a region; every row is accounted for.

    Valid rows become items (drafts, or published with --publish-reviewed when they cite a
    legal basis), doubtful rows are kept and flagged with reasons, unusable rows are rejected
    with reasons. Importing the same file again creates no duplicates.
    """
    region = region.strip()
    if not (region.isascii() and region.isdigit() and len(region) == 6):
        raise click.BadParameter(f"{region!r} is not a 6-digit region code (e.g. 511602)",
                                 param_hint="--region")
    reviewers = (legal_reviewer.strip(), staffing_reviewer.strip(), approving_document.strip())
    if publish_reviewed and not all(reviewers):
        raise click.UsageError("--publish-reviewed names who reviewed the list and what approved "
                               "it: --legal-reviewer, --staffing-reviewer and "
                               "--approving-document")
    if not publish_reviewed and any(reviewers):
        raise click.UsageError("--legal-reviewer, --staffing-reviewer and --approving-document "
                               "go with --publish-reviewed")
    mapping_json = _mapping_json(mapping_path, default_limit_days)
    try:
        rows = read_rows(file, encoding=encoding)
    except InvalidArgument as exc:
        raise click.BadParameter(exc.message, param_hint="FILE") from None
    conn = _connection(region, **connection)
    run = _ImportRun(file, region, mapping_json, publish_reviewed, batch_size, conn,
                     concurrency, reviewers)
    try:
        run.send(rows)
    except grpc.RpcError as error:
        if report_path is not None and run.results:
            _write_report(report_path, run.report(len(rows), error=_short(error)))
        _fail("import", error, conn)
    report = run.report(len(rows))
    if report_path is not None:
        _write_report(report_path, report)
    done = f"（导入批次 {run.import_id}）" if run.import_id else "（没有可导入的行）"
    click.echo("\n".join(_printed(report, done, report_path)))


def _mapping_json(path: Path | None, default_limit_days: int | None) -> str:
    mapping: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = json.loads(path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise click.BadParameter(f"cannot read {path}: {exc.strerror}",
                                     param_hint="--mapping") from None
        except ValueError as exc:
            raise click.BadParameter(f"{path.name} is not valid JSON: {exc}",
                                     param_hint="--mapping") from None
        if not isinstance(loaded, dict):
            raise click.BadParameter(f"{path.name}: expected a JSON object of field → column "
                                     'name, e.g. {"name": "事项名称"}', param_hint="--mapping")
        mapping = loaded
    if default_limit_days is not None:
        mapping["default_limit_days"] = default_limit_days
    return json.dumps(mapping, ensure_ascii=False, sort_keys=True) if mapping else ""


class _ImportRun:
    """Sends the rows batch by batch; one idempotency key per batch, derived from the file,
    the options and the batch's index, so that running the same import again is a replay."""

    def __init__(self, file: Path, region: str, mapping_json: str, publish: bool,
                 batch_size: int, conn: Connection, concurrency: int = 1,
                 reviewers: tuple[str, str, str] = ("", "", "")) -> None:
        self.file, self.region, self.mapping_json = file, region, mapping_json
        self.publish, self.batch_size, self.conn = publish, batch_size, conn
        self.concurrency = concurrency
        self.reviewers = reviewers
        self.import_id = ""
        self.results: list[pb.RowResult] = []
        basis = "|".join([file_digest(file), region, mapping_json, str(publish),
                          str(batch_size), *reviewers])
        self.key_base = hashlib.sha256(basis.encode()).hexdigest()[:40]

    def send(self, rows: list[Row]) -> None:
        """The first batch alone (it starts the import), then ``concurrency`` batches in
        flight; the next request is built while the catalogue works on the one sent.
        Results stay in the file's order."""
        batches = [rows[at:at + self.batch_size] for at in range(0, len(rows), self.batch_size)]
        if not batches:
            return
        with _stub(self.conn) as stub, click.progressbar(
                length=len(rows), label=f"importing {self.file.name}", file=sys.stderr,
                show_pos=True) as bar:
            self._take(self._call(stub, 0, batches[0]), bar, len(batches[0]))
            pending: deque[tuple[int, grpc.Future]] = deque()
            prepared: dict[int, pb.ImportRowsRequest] = {}
            following = 1
            try:
                while True:
                    while len(pending) < self.concurrency and following < len(batches):
                        request = prepared.pop(following, None) or self._request(
                            following, batches[following])
                        pending.append((following, stub.ImportRows.future(
                            request, metadata=self.conn.metadata(),
                            timeout=self.conn.timeout_s)))
                        following += 1
                    if not pending:
                        return
                    if following < len(batches) and following not in prepared:
                        prepared[following] = self._request(following, batches[following])
                    index, future = pending.popleft()
                    try:
                        response = future.result()
                    except grpc.RpcError as error:
                        if error.code() not in RETRYABLE:
                            raise
                        response = self._call(stub, index, batches[index])
                    self._take(response, bar, len(batches[index]))
            finally:
                for _, future in pending:
                    future.cancel()

    def _take(self, response: pb.ImportRowsResponse, bar: Any, sent: int) -> None:
        self.import_id = response.import_id
        self.results.extend(response.results)
        bar.update(sent)

    def _request(self, index: int, batch: list[Row]) -> pb.ImportRowsRequest:
        return pb.ImportRowsRequest(
            idempotency_key=f"import-{self.key_base}-{index}", region=self.region,
            mapping_json=self.mapping_json, publish_reviewed=self.publish,
            source=self.file.name, import_id=self.import_id,
            rows=[pb.ImportRow(line=r.line, values=r.values) for r in batch],
            legal_reviewer=self.reviewers[0], staffing_reviewer=self.reviewers[1],
            approving_document=self.reviewers[2])

    def _call(self, stub: pb_grpc.CatalogueServiceStub, index: int, batch: list[Row]
              ) -> pb.ImportRowsResponse:
        """One batch, waiting for the answer; retried when the catalogue was unreachable or
        slow (the same key makes a retry safe: the catalogue acts once)."""
        request = self._request(index, batch)
        for attempt in range(4):
            try:
                return stub.ImportRows(request, metadata=self.conn.metadata(),
                                       timeout=self.conn.timeout_s)
            except grpc.RpcError as error:
                if error.code() not in RETRYABLE or attempt == 3:
                    raise
                time.sleep(0.5 * 2 ** attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def report(self, total: int, error: str | None = None) -> dict[str, Any]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for r in self.results:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        report: dict[str, Any] = {
            "total": total, **counts, "file": str(self.file), "region": self.region,
            "import_id": self.import_id, "publish_reviewed": self.publish,
            "rows": [{"line": r.line, "name": r.name, "outcome": r.outcome,
                      "reasons": [_reason(x) for x in r.reasons], "item_id": r.item_id}
                     for r in self.results]}
        if error is not None:
            report["error"] = error
            report["unsent"] = total - len(self.results)
        return report


def _reason(detail: str) -> dict[str, str]:
    """A reason of the report: its stable code and the Chinese an official acts on."""
    found = import_reason(detail)
    return {"code": found.code, "message": found.message}


#: rows whose reasons the printed report shows (the JSON report has them all)
PRINTED_ROWS = 20
OUTCOME_WORDS = {"accepted": "接受", "flagged": "存疑", "rejected": "拒绝"}


def _printed(report: dict[str, Any], done: str, report_path: Path | None) -> list[str]:
    """The printed report: the counts, then the flagged and rejected rows with their
    reasons in Chinese (the first PRINTED_ROWS of them)."""
    lines = [f"{Path(report['file']).name}：共 {report['total']} 行，接受 {report['accepted']} 行，"
             f"存疑 {report['flagged']} 行，拒绝 {report['rejected']} 行{done}"
             + (f"；报告：{report_path}" if report_path is not None else "")]
    doubtful = [r for r in report["rows"] if r["outcome"] != "accepted" and r["reasons"]]
    for row in doubtful[:PRINTED_ROWS]:
        lines.append(f"  第 {row['line']} 行 {OUTCOME_WORDS.get(row['outcome'], row['outcome'])}"
                     f" {row['name'] or '（无名称）'}：" + "；".join(
                         f"{r['message']}（{r['code']}）" for r in row["reasons"]))
    if len(doubtful) > PRINTED_ROWS:
        lines.append(f"  ……另有 {len(doubtful) - PRINTED_ROWS} 行存疑或拒绝，详见 JSON 报告"
                     "（--report）。")
    return lines


def _short(error: grpc.RpcError) -> str:
    code = error.code() if hasattr(error, "code") else None
    details = error.details() if hasattr(error, "details") else str(error)
    return f"{code.name if code else 'ERROR'}: {details}"


def _write_report(path: Path, report: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
    except OSError as exc:
        click.echo(f"sunlight catalogue import: cannot write the report {path}: "
                   f"{exc.strerror}", err=True)
        sys.exit(1)


# --- export -------------------------------------------------------------------------------


@catalogue.command("export")
@click.option("--region", required=True, help="region code: it and the regions under it")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="file to write (default: standard output)")
@_connection_options
def export(region: str, fmt: str, output: Path | None, **connection: Any) -> None:
    """Export the published catalogue of a region (public fields) as CSV or JSON.

    The CSV is the catalogue CSV format, the gateway's too: `sunlight catalogue import` reads
    it back into the same items (publish them again with --publish-reviewed)."""
    conn = _connection(region, **connection)
    count = 0
    with _stub(conn) as stub, _open_output(output) as out:
        items = stub.ExportItems(pb.ExportItemsRequest(region=region.strip()),
                                 metadata=conn.metadata(), timeout=conn.timeout_s)
        try:
            count = (_write_csv if fmt == "csv" else _write_json)(items, out)
        except grpc.RpcError as error:
            _fail("export", error, conn)
    click.echo(f"exported {count} items of region {region}"
               + (f" to {output}" if output else ""), err=True)


@contextmanager
def _open_output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    try:
        fh = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise click.BadParameter(f"cannot write {path}: {exc.strerror}",
                                 param_hint="--output") from None
    with fh:
        yield fh


def _write_csv(items: Iterator[pb.ItemVersion], out: IO[str]) -> int:
    """The catalogue CSV format: ``sunlight catalogue import`` reads it back."""
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for item in items:
            count += 1
            yield json_format.MessageToDict(item, preserving_proto_field_name=True)

    for part in catalogue_csv.csv_lines(counted()):
        out.write(part)
    return count


def _write_json(items: Iterator[pb.ItemVersion], out: IO[str]) -> int:
    """A JSON array of the items (proto3 JSON, field names as in the contract), streamed."""
    out.write("[")
    count = 0
    for item in items:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(json_format.MessageToDict(item, preserving_proto_field_name=True),
                             ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


# --- search -------------------------------------------------------------------------------


@catalogue.command("search")
@click.argument("query", default="")
@click.option("--region", default="", help="this region and the regions under it")
@click.option("--type", "item_type", default="", help="GB/T 39046 item type, e.g. 01")
@click.option("--department", default="", help="implementing department, by its name")
@click.option("--department-code", default="",
              help="implementing department, by its unified social credit code")
@click.option("--page-size", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--page-token", default="", help="next_page_token of a previous search")
@click.option("--json", "as_json", is_flag=True, help="print the response as JSON")
@_connection_options
def search(query: str, region: str, item_type: str, department: str, department_code: str,
           page_size: int, page_token: str, as_json: bool, **connection: Any) -> None:
    """Search published items: Chinese text, pinyin ("qiyebeian") or initials ("qyba")."""
    conn = _connection(region.strip() or None, **connection)
    request = pb.SearchItemsRequest(query=query, region=region.strip(),
                                    item_type=_item_type(item_type),
                                    department=department.strip(),
                                    department_code=department_code.strip().upper(),
                                    page_size=page_size,
                                    page_token=page_token)
    with _stub(conn) as stub:
        try:
            response = stub.SearchItems(request, metadata=conn.metadata(),
                                        timeout=conn.timeout_s)
        except grpc.RpcError as error:
            _fail("search", error, conn)
    if as_json:
        click.echo(json.dumps(json_format.MessageToDict(
            response, preserving_proto_field_name=True, always_print_fields_with_no_presence=True),
            ensure_ascii=False))
        return
    for hit in response.hits:
        c = hit.item.content
        click.echo(f"{c.name}  {c.code}  {c.region}  {c.department} "
                   f"({c.department_code or 'code unknown'})")
    more = f"; next page: --page-token {response.next_page_token}" if (
        response.next_page_token) else ""
    click.echo(f"{len(response.hits)} of {response.total} items{more}", err=True)


def _item_type(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if not (value.isascii() and value.isdigit() and len(value) <= 2):
        raise click.BadParameter(f"{value!r} is not an item type (01 … 10, 20)",
                                 param_hint="--type")
    return value.zfill(2)


# --- delegation down a level (下放) -------------------------------------------------------

DELEGATION_STATUS = {pb.DELEGATION_STATUS_PENDING: "pending",
                     pb.DELEGATION_STATUS_DELIVERED: "delivered",
                     pb.DELEGATION_STATUS_REFUSED: "refused"}


def _delegation_line(d: pb.Delegation) -> str:
    where = {pb.DELEGATION_STATUS_DELIVERED: f" → node {d.target_node} draft "
                                             f"{d.delegated_item_id}",
             pb.DELEGATION_STATUS_REFUSED: f": {d.error_code} {d.error_message}",
             pb.DELEGATION_STATUS_PENDING: (f" (attempts {d.attempts}, last: {d.error_code})"
                                            if d.attempts else "")}[d.status]
    return (f"{d.delegation_id}  item {d.item_id} version {d.version}  {d.source_region} → "
            f"{d.target_region}  {DELEGATION_STATUS.get(d.status, '?')}{where}")


def _print(message: Any, as_json: bool, line: str) -> None:
    if as_json:
        click.echo(json.dumps(json_format.MessageToDict(
            message, preserving_proto_field_name=True,
            always_print_fields_with_no_presence=True), ensure_ascii=False))
    else:
        click.echo(line)


@catalogue.command("delegate")
@click.argument("item_id")
@click.option("--to", "target", required=True,
              help="region one level below the item's, e.g. 511600 for an item of 510000")
@click.option("--version", type=click.IntRange(min=0), default=0, show_default=True,
              help="the published version delegated (0: the version in force)")
@click.option("--reason", required=True, help="why (recorded in the item's public history)")
@click.option("--key", "idempotency_key", default=None,
              help="idempotency key (default: one made of the item, version and region)")
@click.option("--json", "as_json", is_flag=True, help="print the response as JSON")
@_connection_options
def delegate(item_id: str, target: str, version: int, reason: str,
             idempotency_key: str | None, as_json: bool, **connection: Any) -> None:
    """Delegate an item down a level (下放): recorded here, delivered to the node that holds
    the region below, drafted there for its own review. `sunlight catalogue delegations ITEM`
    shows where the delivery stands."""
    conn = _connection(**connection)
    key = idempotency_key or "delegate-" + hashlib.sha256(
        f"{item_id}|{version}|{target}".encode()).hexdigest()[:32]
    request = pb.DelegateItemRequest(idempotency_key=key, item_id=item_id.strip(),
                                     version=version, target_region=target.strip(),
                                     reason=reason)
    with _stub(conn) as stub:
        try:
            response = stub.DelegateItem(request, metadata=conn.metadata(),
                                         timeout=conn.timeout_s)
        except grpc.RpcError as error:
            _fail("delegate", error, conn)
    _print(response, as_json, _delegation_line(response.delegation))


@catalogue.command("delegations")
@click.argument("item_id")
@click.option("--json", "as_json", is_flag=True, help="print the response as JSON")
@_connection_options
def delegations(item_id: str, as_json: bool, **connection: Any) -> None:
    """An item's delegations (下放), newest first, and where each delivery stands."""
    conn = _connection(**connection)
    with _stub(conn) as stub:
        try:
            response = stub.ListDelegations(pb.ListDelegationsRequest(item_id=item_id.strip()),
                                            metadata=conn.metadata(), timeout=conn.timeout_s)
        except grpc.RpcError as error:
            _fail("delegations", error, conn)
    _print(response, as_json, "\n".join(_delegation_line(d) for d in response.delegations)
           or "no delegations")


from cli.real_catalogue import first_import_command  # noqa: E402 - make run's one-shot

catalogue.add_command(first_import_command)

from cli.items import COMMANDS as ITEM_COMMANDS  # noqa: E402 - create|submit|review|publish|…

for _command in ITEM_COMMANDS:
    catalogue.add_command(_command)
