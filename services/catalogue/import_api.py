"""gRPC translation of import and export (``ImportRows``, ``ExportItems``).

The servicer in ``api.py`` calls these two functions; they check the request, call the
importer or the service, and build the response messages.
"""

from __future__ import annotations

from collections.abc import Iterator

from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue.contract import version_to_pb
from services.catalogue.domain.import_rows import SourceRow
from services.catalogue.domain.lifecycle import OfflineReview
from services.catalogue.importer import MAX_BATCH_ROWS, Importer, ImportOptions
from services.catalogue.service import CatalogueService
from services.shared.auth import Principal
from services.shared.errors import FieldProblem, InvalidArgument
from services.shared.regions import validate_region

MAX_SOURCE = 500
MAX_CELL = 10_000


#: a column mapping is a small JSON object; anything longer is not one
MAX_MAPPING_CHARS = 20_000

def import_rows_rpc(importer: Importer, principal: Principal,
                    request: pb.ImportRowsRequest) -> pb.ImportRowsResponse:
    """One batch of an import; INVALID_ARGUMENT names every problem of the request."""
    problems: list[FieldProblem] = []
    try:
        validate_region(request.region)
    except InvalidArgument as exc:
        problems.extend(exc.field_violations)
    if len(request.mapping_json) > MAX_MAPPING_CHARS:
        problems.append(FieldProblem("mapping_json",
                                     f"at most {MAX_MAPPING_CHARS} characters"))
    else:
        try:
            ImportOptions.from_json(request.mapping_json)
        except InvalidArgument as exc:
            problems.extend(exc.field_violations
                            or [FieldProblem("mapping_json", exc.message)])
    if not request.rows:
        problems.append(FieldProblem("rows", "at least one row"))
    elif len(request.rows) > MAX_BATCH_ROWS:
        problems.append(FieldProblem(
            "rows", f"{len(request.rows)} rows in one batch; at most {MAX_BATCH_ROWS}: "
            "send the file in several batches with the same import_id"))
    if len(request.source) > MAX_SOURCE:
        problems.append(FieldProblem("source", f"at most {MAX_SOURCE} characters"))
    lines: set[int] = set()
    for i, row in enumerate(request.rows):
        if row.line < 2:
            problems.append(FieldProblem(f"rows[{i}].line",
                                         "the row's line in the file (1 is the header)"))
        elif row.line in lines:
            problems.append(FieldProblem(f"rows[{i}].line", f"line {row.line} sent twice"))
        lines.add(row.line)
        if any(len(v) > MAX_CELL for v in row.values.values()):
            problems.append(FieldProblem(f"rows[{i}].values",
                                         f"a cell longer than {MAX_CELL} characters"))
        if len(problems) > 20:
            break
    if problems:
        raise InvalidArgument("the import request is not valid: " + "; ".join(
            f"{p.field}: {p.description}" for p in problems), code="INVALID_IMPORT",
            violations=problems)
    rows = [SourceRow(row.line, dict(row.values)) for row in request.rows]
    reviewers = OfflineReview(request.legal_reviewer.strip(), request.staffing_reviewer.strip(),
                              request.approving_document.strip()
                              ) if request.publish_reviewed else None
    import_id, results = importer.import_rows(
        principal, request.region, request.mapping_json, request.publish_reviewed,
        request.source, request.import_id, rows, request.idempotency_key, reviewers)
    return pb.ImportRowsResponse(import_id=import_id, results=[
        pb.RowResult(line=r.line, name=r.name, outcome=r.outcome, reasons=list(r.reasons),
                     item_id=r.item_id) for r in results])


def export_rpc(service: CatalogueService, principal: Principal,
               request: pb.ExportItemsRequest) -> Iterator[pb.ItemVersion]:
    """Every published item of a region and the regions under it: public fields only, so
    anyone may export (``principal`` is not consulted)."""
    for view in service.export(request.region):
        yield version_to_pb(view, internal=False)
