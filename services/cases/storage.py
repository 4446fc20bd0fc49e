"""Case tables (SQLAlchemy Core), each declared once for both databases.

A case is kept as its state (the fold of its events, as JSON) in ``cases``; its running and
past step instances are also rows of ``step_instances`` (the queues read them); every action is
an entry of its trace (``case_trace``), hash-chained, which nothing updates or deletes (the
migration adds triggers that refuse it, on both databases); and every event leaves through
the outbox. One unit of work writes them all in one transaction (``repository.CaseStore``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)

from services.shared.db import UtcDateTime
from services.shared.idempotency import idempotency_table
from services.shared.outbox import outbox_table

metadata = MetaData()
SEQ = BigInteger().with_variant(Integer, "sqlite")

# Published item versions cases are pinned to: immutable, so cached forever.
item_snapshots = Table(
    "item_snapshots", metadata,
    Column("item_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("content", Text, nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("item_id", String(36), nullable=False),
    Column("item_version", Integer, nullable=False),
    Column("department", String(200), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    # the case's state: services.cases.codec encodes the engine's Case
    Column("state", Text, nullable=False),
    Column("sequence", BigInteger, nullable=False),
    # the head of the case's trace: its last entry's number and hash
    Column("trace_seq", BigInteger, nullable=False),
    Column("trace_head", String(64), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("accepted_at", UtcDateTime),
    Column("closed_at", UtcDateTime),
    # the promised due date (YYYY-MM-DD; empty before acceptance or while stopped)
    Column("due_date", String(10), nullable=False, server_default=""),
    Column("updated_at", UtcDateTime, nullable=False),
    # the applicant's name (a case opened by the government: its first party's), for the
    # workbench's search (工作台检索); internal, as the state it repeats
    Column("applicant_name", String(200), nullable=False, server_default=""),
)
Index("ix_cases_region_status", cases.c.region, cases.c.status)

# Every step instance of every case; the running ones are the handlers' queues.
step_instances = Table(
    "step_instances", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("instance_id", String(8), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("key", String(81), nullable=False),
    Column("name", String(200), nullable=False),
    Column("stage", Integer, nullable=False),
    # the handling department's name (for people) and unified social credit code
    Column("department", String(200), nullable=False),
    Column("region", String(6), nullable=False),
    Column("role", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("assignee", String(128), nullable=False, server_default=""),
    Column("started_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    # YYYY-MM-DD, stopped time left out; empty while the case's clock stands still
    Column("due_date", String(10), nullable=False, server_default=""),
    Column("high_risk", Boolean, nullable=False, server_default="0"),
    Column("department_code", String(18), nullable=False, server_default=""),
)
# a queue: running steps of a department (by its code) and position, earliest due first
Index("ix_step_instances_queue_code", step_instances.c.department_code,
      step_instances.c.role, step_instances.c.status, step_instances.c.due_date)
# a department's inbox page: its running steps in the queue's order (stopped clocks last),
# read from the index alone and stopped at the page's end, however many run (the positions,
# regions, assignees and branch keys the queue filters on are carried in it on PostgreSQL)
ACTIVE_ONLY = "status = 'active'"
#: the queue's order: due dates first (empty ones — stopped clocks — last), earliest first
QUEUE_ORDER = (step_instances.c.due_date == literal_column("''"), step_instances.c.due_date,
               step_instances.c.started_at, step_instances.c.case_number,
               step_instances.c.instance_id)
Index("ix_step_instances_active_queue", step_instances.c.department_code, *QUEUE_ORDER,
      postgresql_where=text(ACTIVE_ONLY), sqlite_where=text(ACTIVE_ONLY),
      postgresql_include=["role", "region", "assignee", "key"])

# The trace (操作痕迹): one hash-chained entry per action; append-only.
case_trace = Table(
    "case_trace", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("region", String(6), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("role", String(64), nullable=False),
    # the code of the department the actor acted for (their token's); names before codes
    Column("department", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("opinion", Text, nullable=False),
    Column("state_before", String(16), nullable=False),
    Column("state_after", String(16), nullable=False),
    # the event's data, canonical JSON (RFC 8785): what the hash covers
    Column("data", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# A Merkle root of a region's chain heads, once a day (the seed of public verification).
trace_roots = Table(
    "trace_roots", metadata,
    Column("region", String(6), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("root", String(64), nullable=False),
    Column("cases", Integer, nullable=False),
    Column("computed_at", UtcDateTime, nullable=False),
)

# Daily case-number sequence per region: unique under concurrency (row lock on update).
case_counters = Table(
    "case_counters", metadata,
    Column("region", String(6), primary_key=True),
    Column("day", String(8), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# The parties of cases the government opened (当事人), by a key of their identity number
# (SHA-256 of "<id_type>:<id_number>", not the number itself): a party's earlier cases
# (repeat offences) are found by it.
case_parties = Table(
    "case_parties", metadata,
    Column("party_key", String(64), primary_key=True),
    Column("case_number", String(50), primary_key=True),
    Column("item_id", String(36), nullable=False),
    Column("region", String(6), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
)

# --- documents (文书): services.cases.documents ------------------------------------------------

# Every document a case produced: its content (canonical JSON: what the trace entry
# ``trace_seq`` holds the SHA-256 of, written in the same transaction) and, once rendered,
# its PDF. Nothing is deleted; the content never changes; the PDF is written once (triggers).
case_documents = Table(
    "case_documents", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("document_id", String(16), primary_key=True),  # "d5": issued by trace entry 5
    Column("kind", String(32), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("serial", Integer, nullable=False),
    Column("number", String(300), nullable=False),
    Column("trace_seq", BigInteger, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("content", Text, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("pdf", LargeBinary),
    Column("pdf_sha256", String(64)),
    Column("layout", String(32)),
    Column("rendered_at", UtcDateTime),
    # a number is given once: per issuing region and department, year and kind
    UniqueConstraint("region", "department", "year", "kind", "serial",
                     name="uq_case_documents_number"),
)
# the documents still to render
Index("ix_case_documents_unrendered", case_documents.c.issued_at,
      postgresql_where=case_documents.c.pdf_sha256.is_(None),
      sqlite_where=case_documents.c.pdf_sha256.is_(None))

# Document numbers: the last serial per issuing region and department, year and kind, bumped
# in the transaction that issues the document (unique and gapless: a rollback takes it back).
document_counters = Table(
    "document_counters", metadata,
    Column("region", String(6), primary_key=True),
    Column("department", String(200), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

outbox = outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)

# --- the applicant's side (办件查询 · 查阅记录) ---------------------------------------------------

# Who applied for each case, and who applied for it as agent (代办), by a key of their
# identity (SHA-256 of "<id_type>:<id_number>", as ``case_parties``): a person's own cases
# are listed by it (ListMyCases). Written with the case, in its first transaction.
case_applicants = Table(
    "case_applicants", metadata,
    Column("party_key", String(64), primary_key=True),
    Column("case_number", String(50), primary_key=True),
    # "applicant" or "agent"
    Column("capacity", String(16), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
)
Index("ix_case_applicants_newest", case_applicants.c.party_key,
      case_applicants.c.submitted_at)

# The query code (查询码) printed on a case's receipt: with its number, the second factor of
# a lookup without signing in. Written with the case; never changed.
case_query_codes = Table(
    "case_query_codes", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("query_code", String(16), nullable=False),
)

# Every read of a case's file (查阅记录 · 审计记录): who (account, name, roles, regions, the
# node that asserted them for a read from another node), for which department, which case,
# what (view, target), when, by which call and channel, and why. Appended by the read itself
# through the unit of work (``CaseStore.unit``); never changed or deleted (the migration adds
# triggers that refuse it, on both databases). See ``services.cases.audit``.
case_accesses = Table(
    "case_accesses", metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("case_number", String(50), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("subject", String(128), nullable=False),
    Column("name", String(200), nullable=False, server_default=""),
    Column("roles", String(200), nullable=False),
    Column("department_code", String(20), nullable=False, server_default=""),
    Column("department", String(200), nullable=False, server_default=""),
    Column("call", String(32), nullable=False),
    Column("purpose", String(200), nullable=False),
    # what was read: a view code (services.cases.audit.VIEWS) and which part of it
    Column("view", String(32), nullable=False, server_default=""),
    Column("target", String(100), nullable=False, server_default=""),
    Column("regions", String(200), nullable=False, server_default=""),
    Column("asserted_by", String(6), nullable=False, server_default=""),
    Column("channel", String(16), nullable=False, server_default=""),
    # the case's own applicant (agent, party) reading their own file
    Column("own", Boolean, nullable=False, server_default="0"),
    # the case's region: what a supervisor's listing filters on
    Column("region", String(6), nullable=False, server_default=""),
    # HMAC-SHA256 of the reader's full subject (services.cases.audit.subject_key): a person's
    # reads found by their full number, which ``subject`` keeps masked; NULL in rows written
    # before it was kept (found by their plain subject)
    Column("subject_key", String(64)),
)
Index("ix_case_accesses_case", case_accesses.c.case_number, case_accesses.c.at)
#: who else read the case (ListCaseAccesses for its applicant: others' reads only) — a case
#: its applicant follows closely holds many reads of their own, which this index leaves out
Index("ix_case_accesses_case_others", case_accesses.c.case_number, case_accesses.c.at,
      case_accesses.c.id, postgresql_where=text("NOT own"), sqlite_where=text("own = 0"))
Index("ix_case_accesses_region", case_accesses.c.region, case_accesses.c.at)
Index("ix_case_accesses_subject", case_accesses.c.subject, case_accesses.c.at)
Index("ix_case_accesses_subject_key", case_accesses.c.subject_key, case_accesses.c.at)

# --- 上报件 across nodes ---------------------------------------------------------------------

# The hand-over outbox: calls to another node's case service (through this node's gateway,
# which routes them) that a case's transaction decided to make — a reported case handed up,
# a decision sent back. Written in that transaction; the case relay
# (``services.cases.handover``) delivers each, with its idempotency key, until the other
# node answers, then records the answer. Never deleted (the record of what crossed).
case_handovers = Table(
    "case_handovers", metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("case_number", String(50), nullable=False),
    # "hand_up" (to the node above) or "return" (the decision, to the node below)
    Column("kind", String(16), nullable=False),
    # the full gRPC method and its serialized request (its idempotency key inside)
    Column("method", String(128), nullable=False),
    Column("request", LargeBinary, nullable=False),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("delivered_at", UtcDateTime),
    # what the other node answered: its case number and trace entry (JSON)
    Column("answer", Text),
    # the case's region (what a supervisor's listing filters on) and the other node's
    Column("region", String(6), nullable=False, server_default=""),
    Column("peer", String(6), nullable=False, server_default=""),
    # when it was found still undelivered after the node's setting (case.handover_overdue,
    # published once, in the transaction that set this)
    Column("overdue_at", UtcDateTime),
)
Index("ix_case_handovers_pending", case_handovers.c.next_attempt_at,
      postgresql_where=case_handovers.c.delivered_at.is_(None),
      sqlite_where=case_handovers.c.delivered_at.is_(None))
Index("ix_case_handovers_case", case_handovers.c.case_number)
Index("ix_case_handovers_region", case_handovers.c.region, case_handovers.c.created_at)
