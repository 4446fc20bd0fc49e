"""Importing a catalogue file, batch by batch (权力事项导入): every row accounted for.

The CLI reads the file and sends its rows in batches; several batches share one import id
(the first batch gets it). Each batch is judged by :mod:`domain.import_rows` and written in
**one unit of work** (``unit_of_work.py``, the catalogue's one write path), keyed by the
caller's idempotency key:

- the import itself (first batch) and **every row** in ``import_rows`` — outcome, reasons, the
  raw cells and the item it made or matched: nothing is lost, rejected rows included;
- for each accepted or flagged row a new item, version 1, a draft with the row's reasons as
  flags, history entry ``imported`` and one event (``item.drafted``) through the outbox;
- with ``publish_reviewed`` (a list reviewed outside the platform; a caller holding both
  reviewer roles, or an administrator) accepted rows that cite a legal basis are published at
  once, with the two named reviewers (two different people, neither the importer) and the
  approving document recorded (``item.published``); flagged rows, and rows without a legal
  basis (职权法定), stay drafts for the department to resolve.

Imported files carry no flow and usually no limits: items get a default internal flow
(受理 → 审查 → 决定) fitted to the limits (``default_limit_days`` working days unless the
mapping names limit columns) and the flag :data:`DEFAULT_FLOW_FLAG`.

Idempotent: a row whose (region, code) item exists already makes no new item — its outcome
is unchanged, with the reason ``already in the catalogue: item <id> (unchanged)``; a code seen
earlier in the same import is flagged as a duplicate of that line and points at its item.

Reasons are sentences of detail here (and in the drafts' flags); ``import_rows.reasons`` keeps
each with its stable code (``{"code": "IMPORT_DUPLICATE_CODE", "detail": …}``), and the report
reads each as its code and Chinese text (``services.shared.code_tables.IMPORT_REASONS``, which
reads the plain English of rows stored before the codes the same way).
A batch re-sent with a new key returns the rows already recorded for its lines.

Speed (146,000 rows in under a minute on 2 cores, SQLite or PostgreSQL): everything that
needs no database is prepared before the transaction; writes are the unit of work's bulk
inserts (``COPY`` on PostgreSQL, one ``executemany`` per table on SQLite); ids are
time-ordered (UUIDv7) so that indexes grow at their end; the JSON of contents and events is
written directly (``import_json.py``; the tests hold it equal to ``ItemContent.to_dict`` and
``version_to_pb``); on PostgreSQL the planner's statistics are refreshed as the tables double.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue import storage as t
from services.catalogue.contract import content_from_pb
from services.catalogue.domain.guide import DEFAULT_FLOW_FLAG, DEFAULT_STEPS_FLAG
from services.catalogue.domain.import_rows import (
    ACCEPTED,
    FLAGGED,
    REJECTED,
    ColumnMapping,
    ParsedItem,
    RowOutcome,
    SourceRow,
    parse_rows,
)
from services.catalogue.domain.items import (
    MAX_LIMIT_DAYS,
    BodyNature,
    ImplementingBody,
    ItemContent,
    LegalCitation,
    ListKind,
    Step,
    StepKind,
    resolved_steps,
)
from services.catalogue.domain.lifecycle import (
    Decision,
    ItemState,
    OfflineReview,
    VersionStatus,
)
from services.catalogue.import_json import (
    content_json,
    event_json,
    event_time,
    json_text,
    json_time,
    time_ordered_id,
)
from services.catalogue.service import CatalogueService
from services.catalogue.unit_of_work import Work
from services.shared import auth, catalogue_csv
from services.shared.auth import Principal
from services.shared.code_tables import import_reason
from services.shared.codes import DEFAULT_RULES, CodeRules
from services.shared.errors import (
    Conflict,
    FailedPrecondition,
    FieldProblem,
    InvalidArgument,
    NotFound,
)
from services.shared.idempotency import IdempotencyStore, fingerprint
from services.shared.region_data import CITY, PROVINCE, RegionDirectory

log = logging.getLogger(__name__)

OPERATION = "ImportRows"
MAX_BATCH_ROWS = 5000
DEFAULT_LIMIT_DAYS = 20
MAX_SOURCE_LENGTH = 500
MAX_ROW_NAME_LENGTH = 500
ANALYZE_MIN_ROWS = 500
ANALYZE_TARGET = 10
NOT_PUBLISHED_REASON = "kept as a draft: flagged rows are not published"
NO_LEGAL_BASIS_REASON = ("kept as a draft: no legal basis (职权法定): the department cites the "
                         "law before the item can be published")
EXERCISE_LEVEL_OF = {PROVINCE: "2", CITY: "3"}  # else county "4" (GB/T 39046)
NATURE_OF = {"1": BodyNature.STATUTORY, "2": BodyNature.AUTHORISED, "3": BodyNature.ENTRUSTED}


@dataclass(frozen=True)
class RowResult:
    """What became of one row (``sunlight.catalogue.v1.RowResult``)."""

    line: int
    name: str
    outcome: str  # accepted / flagged / rejected
    reasons: tuple[str, ...] = ()
    item_id: str = ""

    def to_list(self) -> list[Any]:
        return [self.line, self.name, self.outcome, list(self.reasons), self.item_id]

    @classmethod
    def from_list(cls, raw: Sequence[Any]) -> RowResult:
        return cls(int(raw[0]), raw[1], raw[2], tuple(raw[3]), raw[4])


@dataclass(frozen=True)
class ImportOptions:
    """The column mapping and, optionally, the default limit, from the request's JSON:
    ``{"name": "事项名称", …, "default_limit_days": 15}``; empty = the Sichuan columns."""

    mapping: ColumnMapping = ColumnMapping()
    default_limit_days: int | None = None

    @classmethod
    def from_json(cls, mapping_json: str) -> ImportOptions:
        if not mapping_json.strip():
            return cls()
        try:
            data = json.loads(mapping_json)
        except (ValueError, RecursionError) as exc:
            raise InvalidArgument.of_field("mapping", f"not valid JSON: {exc}",
                                           code="INVALID_MAPPING") from exc
        if not isinstance(data, dict):
            raise InvalidArgument.of_field(
                "mapping", "expected a JSON object of field → column name",
                code="INVALID_MAPPING")
        default = data.pop("default_limit_days", None)
        if default is not None and (isinstance(default, bool) or not isinstance(default, int)
                                    or not 0 <= default <= MAX_LIMIT_DAYS):
            raise InvalidArgument(
                f"column mapping: mapping.default_limit_days: working days, 0 to "
                f"{MAX_LIMIT_DAYS}", code="INVALID_MAPPING",
                violations=[FieldProblem("mapping.default_limit_days",
                                         f"working days, 0 to {MAX_LIMIT_DAYS}")])
        return cls(ColumnMapping.from_json(data), default)


class Importer:
    """Imports batches of catalogue rows through the catalogue's unit of work."""

    def __init__(self, service: CatalogueService, *,
                 default_limit_days: int = DEFAULT_LIMIT_DAYS,
                 regions: RegionDirectory | None = None,
                 rules: CodeRules = DEFAULT_RULES) -> None:
        if not 0 <= default_limit_days <= MAX_LIMIT_DAYS:
            raise ValueError(f"default_limit_days must be 0..{MAX_LIMIT_DAYS}")
        self.service = service
        self.work = service.work
        self.default_limit_days = default_limit_days
        self.regions = regions or RegionDirectory.load()
        self.rules = rules
        self._analyze_lock = threading.Lock()
        self._analyzed = 0  # items imported by this process when statistics were last taken
        self._grown = 0  # items imported since

    # --- the use case -------------------------------------------------------------------
    def import_rows(self, principal: Principal, region: str, mapping_json: str,
                    publish_reviewed: bool, source: str, import_id: str,
                    rows: Sequence[SourceRow], key: str,
                    reviewers: OfflineReview | None = None) -> tuple[str, list[RowResult]]:
        """Judge and store one batch; returns the import id and one result per row.
        ``reviewers``: with ``publish_reviewed``, who reviewed the list and what approved it."""
        self.service.territory.require(region)
        if publish_reviewed:
            self.service.require_publisher(principal, region)
            if reviewers is None:
                raise InvalidArgument.of_field(
                    "legal_reviewer", "publishing a reviewed list names both reviewers and "
                    "the approving document", code="REVIEWERS_INVALID")
            reviewers.validate().check_against({principal.subject})
        else:
            principal.require(auth.ITEM_WRITE, region)
            reviewers = None
        key = IdempotencyStore.check_key(key)
        options = ImportOptions.from_json(mapping_json)
        # a file of our own CSV format (an export), unless a mapping names other columns
        ours = options.mapping == ColumnMapping() and bool(rows) and catalogue_csv.recognises(
            rows[0].values)
        if ours:
            options = replace(options, mapping=CATALOGUE_MAPPING if (
                CATALOGUE_MAPPING.dept_code in rows[0].values) else replace(
                CATALOGUE_MAPPING, dept_code=None))  # an export made before codes
        if len(rows) > MAX_BATCH_ROWS:
            raise InvalidArgument.of_field(
                "rows", f"{len(rows)} rows in one batch; at most {MAX_BATCH_ROWS}",
                code="BATCH_TOO_LARGE")
        lines = [r.line for r in rows]
        if len(set(lines)) != len(lines):
            raise InvalidArgument.of_field("rows", "every row of a batch needs its own line "
                                           "number", code="DUPLICATE_LINES")
        source = (source.strip() or "(unnamed)")[:MAX_SOURCE_LENGTH]
        raw = {r.line: _sorted_json(r.values) for r in rows}  # stored, and fingerprinted
        print_ = fingerprint(OPERATION, "\n".join([
            _json([region, mapping_json, publish_reviewed, source, import_id,
                   reviewers.fingerprint() if reviewers else []]),
            *(f"{line}\t{cells}" for line, cells in raw.items())]).encode())

        report = parse_rows(rows, importing_region=region, mapping=options.mapping,
                            regions=self.regions, rules=self.rules)
        default_days = (self.default_limit_days if options.default_limit_days is None
                        else options.default_limit_days)
        contents: dict[int, RowContent] = {}
        if ours:
            values = {r.line: r.values for r in rows}
            for i, o in enumerate(report.outcomes):
                if o.item is None:
                    continue
                given = catalogue_content(o.item, values[o.line], default_days, self.regions)
                contents[o.line] = given
                if given.problems:
                    report.outcomes[i] = replace(o, outcome=FLAGGED,
                                                 reasons=[*o.reasons, *given.problems])
        if not publish_reviewed:  # department staff import their own department's items
            for code in sorted({o.item.department_code for o in report.outcomes if o.item}):
                principal.require(auth.ITEM_WRITE, region, code)
        # Everything that needs no database is made before the transaction (which, on
        # SQLite, holds the write lock): the new items of every kept row, as if none existed.
        batch = _Batch(import_id or str(uuid.uuid4()), not import_id, region,
                       publish_reviewed, source, principal.subject, report.outcomes, raw,
                       reviewers, contents)
        self._prepare(batch, default_days)

        def act(w: Work) -> tuple[tuple[str, list[RowResult]], bytes]:
            results, created = self._write(w, batch)
            if created:
                w.after_commit(lambda: self._analyze_if_grown(len(created)))
                w.changed(*created)
            answer = _json({"import_id": batch.import_id,
                            "results": [r.to_list() for r in results]}).encode()
            return (batch.import_id, results), answer

        def replay(w: Work, stored: bytes) -> tuple[str, list[RowResult]]:
            answer = json.loads(stored)
            return answer["import_id"], [RowResult.from_list(r) for r in answer["results"]]

        # when another import creates one of these items at the same moment, the batch is
        # judged again against what is there now
        return self.work.once(principal.subject, key, OPERATION, print_, act, replay,
                              conflict=lambda: Conflict(
                                  "another import is writing the same items; run the import "
                                  "again", code="IMPORT_CONFLICT"))

    def _analyze_if_grown(self, created: int) -> None:
        """On PostgreSQL, refresh the planner's statistics when this process's imports have
        doubled the items they added since they were last taken (and after the first batch).

        A bulk load outruns autovacuum (or runs where it is off): without statistics the
        planner takes the new tables for small and scans them whole, and every look-up by
        item id (the search index reloads the imported items after each batch) grows with
        the table. Taken at each doubling from a small sample (enough to know the tables'
        size; autovacuum refines them later), this costs well under a second per import."""
        if self.work.db.dialect != "postgresql":
            return
        with self._analyze_lock:
            self._grown += created
            if self._grown < max(ANALYZE_MIN_ROWS, self._analyzed):
                return
            self._analyzed += self._grown
            self._grown = 0
        self.work.refresh_statistics((t.items, t.item_versions, t.item_history,
                                      t.item_reviews, t.import_rows), ANALYZE_TARGET)

    def _prepare(self, batch: _Batch, default_days: int) -> None:
        """The rows of the new item of every kept row, ready for the driver."""
        now = batch.now
        at = self.work.db_time(now)
        stamp, occurred = json_time(now), event_time(now)
        node = self.work.node_region
        event_row = self.work.event_row()
        actor, import_id = batch.actor, batch.import_id
        active, draft, published_ = (ItemState.ACTIVE.value, VersionStatus.DRAFT.value,
                                     VersionStatus.PUBLISHED.value)
        approve = Decision.APPROVE.value
        for o in batch.outcomes:
            if o.item is None:
                continue
            given = batch.contents.get(o.line)
            if given is None:  # the usual import: identity and limits, a default flow
                content = import_content(o.item, default_days, self.regions)
                flags = [*o.reasons, default_flag(o.item)]
                hold = None if o.item.legal_basis else NO_LEGAL_BASIS_REASON
            else:  # a row of the catalogue CSV: everything it carries
                content, flags = given.content, [*o.reasons, *given.flags]
                hold = given.hold
            published = batch.publish and o.outcome == ACCEPTED and hold is None
            item_id = time_ordered_id()
            history = [(item_id, 1, "imported", "", "", actor,
                        f"line {o.line} of import {import_id}", import_id, at)]
            reviews = []
            if published:
                assert batch.reviewers is not None
                document = batch.reviewers.document
                for kind, reviewer in batch.reviewers.by_kind():
                    reviews.append((item_id, 1, 1, kind.value, approve, reviewer, "", at,
                                    document))
                    history.append((item_id, 1, f"reviewed_{kind.value}", "", "", reviewer,
                                    "", document, at))
                history.append((item_id, 1, "published", "", "", actor, "", document, at))
            event_id = time_ordered_id()
            event_type = "item.published" if published else "item.drafted"
            body = event_json(event_id, event_type, occurred, node, item_id, content, flags,
                              stamp, actor, batch.reviewers if published else None,
                              action="published" if published else "imported",
                              reason="" if published else f"import {import_id}")
            batch.new[o.line] = _NewItem(
                item_id, published, hold or "",
                (item_id, content.code, content.region, content.department,
                 content.department_code, 1 if published else 0, 1, at, at, active, ""),
                (item_id, 1, published_ if published else draft, content.name,
                 content.item_type, content.region, content.department,
                 content.department_code, content.list_kind.value, content.exercise_level,
                 content_json(content),
                 _FLOW_FLAG_JSON if flags == _FLOW_FLAG_ONLY else _json(flags), at, actor,
                 at if published else None, actor if published else None,
                 1 if published else 0),
                history, reviews,
                event_row(event_id, event_type, body, at))

    # --- one transaction ----------------------------------------------------------------
    def _write(self, w: Work, batch: _Batch) -> tuple[list[RowResult], list[str]]:
        s = w.s
        w.bulk_mode()
        import_id = batch.import_id
        if batch.first:
            s.execute(insert(t.imports).values(
                import_id=import_id, region=batch.region, source=batch.source,
                imported_by=batch.actor, publish_reviewed=batch.publish,
                started_at=batch.now))
            recorded: dict[int, RowResult] = {}
        else:
            self._continue(s, import_id, batch.region, batch.publish)
            recorded = self._recorded(s, import_id, [o.line for o in batch.outcomes])
        existing = self._existing(s, import_id, batch.outcomes)

        results: list[RowResult] = []
        item_of_line: dict[int, str] = {}  # line → its item, for later duplicates
        rows_out: list[tuple[object, ...]] = []
        new: list[_NewItem] = []
        for o in batch.outcomes:
            if o.line in recorded:  # this line of this import was stored by an earlier call
                results.append(recorded[o.line])
                if recorded[o.line].item_id:
                    item_of_line[o.line] = recorded[o.line].item_id
                continue
            reasons = list(o.reasons)
            outcome, item_id = o.outcome, ""
            if o.item is not None:
                earlier = item_of_line.get(o.duplicate_of) if o.duplicate_of else None
                found = existing.get((o.item.region, o.item.code))
                if earlier is not None:  # duplicate within this batch: no second item
                    item_id = earlier
                elif found is not None:
                    item_id, earlier_line = found
                    if earlier_line is not None:  # made by an earlier batch of this import
                        outcome = FLAGGED
                        reasons.append("duplicate implementation code: same code as line "
                                       f"{earlier_line}")
                    else:
                        reasons.append(f"already in the catalogue: item {item_id} "
                                       "(unchanged)")
                else:
                    made = batch.new[o.line]
                    item_id = made.item_id
                    if batch.publish and not made.published:
                        reasons.append(NOT_PUBLISHED_REASON if outcome != ACCEPTED
                                       else made.hold)
                    new.append(made)
                item_of_line.setdefault(o.duplicate_of or o.line, item_id)
            results.append(RowResult(o.line, o.name, outcome, tuple(reasons), item_id))
            rows_out.append((import_id, o.line, o.name[:MAX_ROW_NAME_LENGTH], outcome,
                             _json([import_reason(r).stored() for r in reasons])
                             if reasons else "[]", batch.raw[o.line],
                             item_id or None))
        if new:
            w.bulk_insert(t.items, ITEM_COLUMNS, [n.item for n in new])
            w.bulk_insert(t.item_versions, VERSION_COLUMNS, [n.version for n in new])
            w.bulk_insert(t.item_history, HISTORY_COLUMNS,
                          [h for n in new for h in n.history])
            w.bulk_insert(t.item_reviews, REVIEW_COLUMNS, [r for n in new for r in n.reviews])
            w.add_event_rows([n.event for n in new])  # the relay is woken once, at commit
        w.bulk_insert(t.import_rows, IMPORT_ROW_COLUMNS, rows_out)
        return results, [n.item_id for n in new]

    def _continue(self, s: Session, import_id: str, region: str, publish: bool) -> None:
        started = s.execute(select(t.imports).where(t.imports.c.import_id == import_id)
                            ).first()
        if started is None:
            raise NotFound(f"there is no import {import_id}: send the first batch with an "
                           "empty import_id", code="IMPORT_NOT_FOUND",
                           metadata={"import_id": import_id})
        if started.region != region or bool(started.publish_reviewed) != publish:
            raise FailedPrecondition(
                f"import {import_id} was started for region {started.region} with "
                f"publish_reviewed={bool(started.publish_reviewed)}; every batch of an "
                "import must say the same", code="IMPORT_MISMATCH",
                metadata={"import_id": import_id, "region": started.region})

    @staticmethod
    def _recorded(s: Session, import_id: str, lines: list[int]) -> dict[int, RowResult]:
        if not lines:
            return {}
        r = t.import_rows.c
        wanted = set(lines)
        found: dict[int, RowResult] = {}
        # a range of the primary key (import_id, line): one short index scan
        for row in s.execute(select(r.line, r.name, r.outcome, r.reasons, r.item_id).where(
                r.import_id == import_id, r.line >= min(lines), r.line <= max(lines))):
            if row.line in wanted:
                found[row.line] = RowResult(row.line, row.name, row.outcome, tuple(
                    import_reason(r).detail for r in json.loads(row.reasons)),
                    row.item_id or "")
        return found

    @staticmethod
    def _existing(s: Session, import_id: str, outcomes: list[RowOutcome]
                  ) -> dict[tuple[str, str], tuple[str, int | None]]:
        """Items that exist already for the batch's (region, code) pairs → (item id, the line
        of this import that made it, if one did)."""
        pairs = {(o.item.region, o.item.code) for o in outcomes if o.item}
        regions = sorted({region for region, _ in pairs})
        found: dict[tuple[str, str], str] = {}
        i = t.items.c
        # region IN … AND code IN … runs on the (region, code) index on both databases
        for chunk in _chunks(sorted({code for _, code in pairs}), 1000):
            for row in s.execute(select(i.item_id, i.region, i.code).where(
                    i.region.in_(regions), i.code.in_(chunk))):
                if (row.region, row.code) in pairs:
                    found[(row.region, row.code)] = row.item_id
        if not found:
            return {}
        # which of them did this very import make (an earlier batch)? Their "imported"
        # history entry names it (found through the history's item index) …
        h = t.item_history.c
        ours: list[str] = []
        for chunk in _chunks(sorted(found.values()), 1000):
            ours.extend(s.execute(select(h.item_id).where(
                h.item_id.in_(chunk), h.action == "imported", h.target == import_id)
            ).scalars())
        # … and only for those (duplicates within one file: rare) the line that made them
        r = t.import_rows.c
        made_here: dict[str, int] = {}
        for chunk in _chunks(sorted(set(ours)), 1000):
            for row in s.execute(select(r.item_id, r.line).where(
                    r.import_id == import_id, r.item_id.in_(chunk))):
                made_here.setdefault(row.item_id, row.line)
        return {pair: (item_id, made_here.get(item_id)) for pair, item_id in found.items()}


ITEM_COLUMNS = ("item_id", "code", "region", "department", "department_code",
                "current_version", "latest_version", "created_at", "updated_at", "state",
                "successor")
VERSION_COLUMNS = ("item_id", "version", "status", "name", "item_type", "region",
                   "department", "department_code", "list_kind", "exercise_level", "content",
                   "flags", "created_at", "created_by", "published_at", "published_by",
                   "review_round")
HISTORY_COLUMNS = ("item_id", "version", "action", "from_state", "to_state", "actor",
                   "reason", "target", "at")
REVIEW_COLUMNS = ("item_id", "version", "round", "kind", "decision", "reviewer", "reason",
                  "at", "document")
IMPORT_ROW_COLUMNS = ("import_id", "line", "name", "outcome", "reasons", "raw", "item_id")


@dataclass
class _NewItem:
    """The rows of one new item, ready for the driver."""

    item_id: str
    published: bool
    #: why an accepted row of a publishing import stays a draft
    hold: str
    item: tuple[object, ...]
    version: tuple[object, ...]
    history: list[tuple[object, ...]]
    reviews: list[tuple[object, ...]]
    event: tuple[object, ...]


@dataclass
class _Batch:
    """One judged batch of an import."""

    import_id: str
    first: bool  # the batch that starts the import
    region: str
    publish: bool
    source: str
    actor: str
    outcomes: list[RowOutcome]
    raw: Mapping[int, str]  # line → the row's cells as JSON
    #: with publish: who reviewed the list outside the platform, and the approving document
    reviewers: OfflineReview | None = None
    #: line → the content a row of the catalogue CSV describes
    contents: Mapping[int, RowContent] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    new: dict[int, _NewItem] = field(default_factory=dict)  # line → its item, if made


def import_content(item: ParsedItem, default_days: int,
                   regions: RegionDirectory | None = None) -> ItemContent:
    """Version 1 of an imported item: the row's identity, the limits given or the default,
    a default flow that fits the promised limit."""
    statutory, promised = item.statutory_limit_days, item.promised_limit_days
    if statutory is None and promised is None:
        statutory = promised = default_days
    elif statutory is None:
        statutory = promised
    elif promised is None:
        promised = statutory
    assert statutory is not None and promised is not None
    level = (regions or RegionDirectory.load()).get(item.region)
    return ItemContent(
        name=item.name, code=item.code, item_type=item.item_type, region=item.region,
        department=item.department, department_code=item.department_code,
        statutory_limit_days=statutory,
        promised_limit_days=promised, steps=default_steps(min(statutory, promised)),
        list_kind=ListKind.PUBLIC_SERVICE if item.item_type == "20" else ListKind.POWER,
        exercise_level=EXERCISE_LEVEL_OF.get(level.level if level else "", "4"),
        body=ImplementingBody(name=item.department, code=item.body_code or "",
                              nature=NATURE_OF.get(item.body_nature or "",
                                                   BodyNature.STATUTORY)),
        legal_basis=(LegalCitation(law=item.legal_basis),) if item.legal_basis else (),
        group=item.group or "")


def default_flow_days(days: int) -> tuple[int, int, int]:
    """Working days of 受理, 审查, 决定 that add up to ``days``: 1, the rest, 1."""
    accept = min(1, days)
    decide = min(1, days - accept)
    return accept, days - accept - decide, decide


@functools.lru_cache(maxsize=64)
def default_steps(days: int) -> tuple[Step, ...]:
    """受理 → 审查 → 决定 in ``days`` working days, every default stated (kinds: acceptance,
    review, decision; a case may be returned to 审查 from 决定)."""
    accept, review, decide = default_flow_days(days)
    return resolved_steps((Step("accept", "受理", accept, "clerk"),
                           Step("review", "审查", review, "section_chief"),
                           Step("decide", "决定", decide, "leader")), filing=False)


def default_flag(item: ParsedItem) -> str:
    if item.statutory_limit_days is None and item.promised_limit_days is None:
        return DEFAULT_FLOW_FLAG
    return DEFAULT_STEPS_FLAG


#: Roles of a flow's steps read from the catalogue CSV (exports leave roles out).
DEFAULT_ROLES = {StepKind.ACCEPTANCE: "clerk", StepKind.REVIEW: "section_chief",
                 StepKind.DECISION: "leader", StepKind.OPENING: "head",
                 StepKind.INVESTIGATION: "inspector", StepKind.NOTIFICATION: "inspector",
                 StepKind.COLLECTIVE_REVIEW: "head", StepKind.SERVICE: "inspector",
                 StepKind.EXECUTION: "inspector", StepKind.CLOSING: "section_chief"}
DEFAULT_ROLES_FLAG = ("the roles of the flow's steps are import defaults (受理 clerk, 审查 "
                      "section_chief, 决定 leader; 立案 and 集体讨论 head, 调查取证, 告知, "
                      "送达 and 执行 inspector, 结案 section_chief): the department must "
                      "confirm them")
#: The columns of the catalogue CSV that the usual judging of a row reads.
CATALOGUE_MAPPING = ColumnMapping(**catalogue_csv.MAPPED, legal_basis=None)


@dataclass(frozen=True)
class RowContent:
    """What a row of the catalogue CSV describes: the content, the flags of its version,
    the problems of its cells (the row is flagged) and, when it may not be published, why."""

    content: ItemContent
    flags: tuple[str, ...]
    problems: tuple[str, ...] = ()
    hold: str | None = None


#: content fields a row of the catalogue CSV gives, by the columns that give them
CATALOGUE_FIELDS = {
    "list_kind": ("list_kind",), "exercise_level": ("exercise_level",),
    "body": ("body_name", "body_code", "body_nature"),
    "accepting_office": ("accepting_office",), "legal_basis": ("legal_basis",),
    "acceptance_conditions": ("acceptance_conditions",), "materials": ("materials",),
    "fees": ("fees",), "supervision_phone": ("supervision_phone",),
    "enquiry_phone": ("enquiry_phone",), "handling_forms": ("handling_forms",),
    "external_flow": ("external_flow",), "modes": ("modes",),
    "special_procedures": ("special_procedures",), "limit_unit": ("limit_unit",),
    "discretion_standards": ("discretion_standards",), "major": ("major",),
    "collective_review_above": ("collective_review_above",),
}


def catalogue_content(item: ParsedItem, values: Mapping[str, str], default_days: int,
                      regions: RegionDirectory | None = None) -> RowContent:
    """The content of a row of the catalogue CSV (``services.shared.catalogue_csv``): the
    row's identity and limits as any import judges them; every other field from its column
    when the file has that column (an empty cell: none, or the field's stated default), else
    what the usual import gives; the steps, when the ``steps`` cell names any, with default
    roles by their kind (exports leave roles out), else the usual default flow. Cells that
    cannot be read, or a content that is not well formed, flag the row; the item then gets
    what the usual import gives. Rows without a legal basis, or not complete, are not
    published (:attr:`RowContent.hold`)."""
    base = import_content(item, default_days, regions)
    found, problems = catalogue_csv.draft_of(values)
    try:
        extra = content_from_pb(json_format.ParseDict(found, pb.ItemDraft()))
    except (json_format.ParseError, InvalidArgument) as exc:
        return RowContent(base, (default_flag(item),), (*problems, f"unreadable cells: {exc}"),
                          None if base.legal_basis else NO_LEGAL_BASIS_REASON)
    fields = {name: getattr(extra, name) for name, columns in CATALOGUE_FIELDS.items()
              if any(c in values for c in columns)}
    if fields.get("body") is not None and not fields["body"].name:
        fields["body"] = replace(fields["body"], name=item.department)
    steps = tuple(replace(s, role=DEFAULT_ROLES[s.kind or StepKind.REVIEW])
                  for s in extra.steps)
    content = replace(base, **fields, steps=steps or base.steps)
    try:
        content.validate_structure()
    except InvalidArgument as exc:
        return RowContent(base, (default_flag(item),), (*problems, *(
            f"{v.field}: {v.description}" for v in exc.field_violations)),
            None if base.legal_basis else NO_LEGAL_BASIS_REASON)
    flags = (DEFAULT_ROLES_FLAG,) if steps else (default_flag(item),)
    if not content.legal_basis:
        return RowContent(content, flags, tuple(problems), NO_LEGAL_BASIS_REASON)
    try:
        content.validate_complete()
    except InvalidArgument as exc:
        return RowContent(content, flags, tuple(problems),
                          f"kept as a draft: not complete: {exc.message}")
    return RowContent(content, flags, tuple(problems))


_json = json_text
_sorted_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_FLOW_FLAG_ONLY = [DEFAULT_FLOW_FLAG]
_FLOW_FLAG_JSON = _json(_FLOW_FLAG_ONLY)


def _history(item_id: str, action: str, actor: str, now: datetime, reason: str = "",
             target: str = "") -> dict[str, object]:
    return {"item_id": item_id, "version": 1, "action": action, "from_state": "",
            "to_state": "", "actor": actor, "reason": reason, "target": target, "at": now}


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


__all__ = ["ACCEPTED", "FLAGGED", "REJECTED", "DEFAULT_FLOW_FLAG", "ImportOptions", "Importer",
           "RowResult", "MAX_BATCH_ROWS"]
