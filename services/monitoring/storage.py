"""Supervision tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from services.shared.db import UtcDateTime
from services.shared.idempotency import idempotency_table
from services.shared.outbox import inbox_table, outbox_table

metadata = MetaData()

case_records = Table(
    "case_records", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("item_id", String(36), nullable=False),
    Column("item_version", Integer, nullable=False),
    Column("department", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("last_event_type", String(64), nullable=False),
    Column("last_sequence", BigInteger, nullable=False),
    Column("events_applied", Integer, nullable=False),
    Column("steps_completed", Integer, nullable=False),
    Column("step_count", Integer, nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("accepted_at", UtcDateTime),
    Column("completed_at", UtcDateTime),
    Column("last_event_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_case_records_region_status", case_records.c.region, case_records.c.status)
# the public feed (动态公开): newest change first
Index("ix_case_records_last_event", case_records.c.last_event_at)

# Standards library (权力运行标准库): limits and flows of published item versions.
standards = Table(
    "standards", metadata,
    Column("item_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("region", String(6), nullable=False),
    Column("status", String(32), nullable=False),
    Column("content", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # State of the item as a whole (ITEM_STATE_ACTIVE, ITEM_STATE_SUSPENDED, …).
    Column("state", String(32), nullable=False, server_default=""),
)

# Catalogue change obligations (动态调整义务), open → fulfilled or overdue: supervision
# follows the departments that do not file a change within 10 working days.
catalogue_obligations = Table(
    "catalogue_obligations", metadata,
    Column("obligation_id", String(36), primary_key=True),
    Column("item_id", String(36), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("status", String(32), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # the department's unified social credit code (empty: unknown — obligations stored
    # before it was kept take the item's from the standards library when warned about)
    Column("department_code", String(18), nullable=False, server_default=""),
    # CHANGE_KIND_LEGAL_BASIS / CHANGE_KIND_FUNCTIONS, the law or staffing document behind
    # it, and the day the change took effect (YYYY-MM-DD): what a warning quotes
    Column("kind", String(32), nullable=False, server_default=""),
    Column("law", String(200), nullable=False, server_default=""),
    Column("effective_on", String(10)),
)

# Messages that could not be applied (malformed, unknown schema): kept for an operator.
parked_events = Table(
    "parked_events", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(64)),
    Column("routing_key", String(128)),
    Column("body", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("parked_at", UtcDateTime, nullable=False),
)

# Supervision's view of each case (domain.watch.CaseWatch as JSON), and the next day a sweep
# must look at it again (None: not before its next event).
case_watches = Table(
    "case_watches", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    Column("item_id", String(36), nullable=False),
    Column("item_version", Integer, nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("attention_on", String(10)),
    Column("state", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # the item's department's unified social credit code (empty: unknown): backlogs by it
    Column("department_code", String(18), nullable=False, server_default=""),
)
# the sweep's walk: the views due for a look, a batch at a time in (day, number) order
Index("ix_case_watches_attention", case_watches.c.attention_on, case_watches.c.case_number,
      postgresql_where=case_watches.c.attention_on.isnot(None),
      sqlite_where=case_watches.c.attention_on.isnot(None))
# the open cases (the backlog, 积压) by region, department and item
Index("ix_case_watches_open", case_watches.c.region, case_watches.c.department_code,
      case_watches.c.item_id, postgresql_where=case_watches.c.closed.is_(False),
      sqlite_where=case_watches.c.closed.is_(False))

# Warnings (预警 · 黄牌 · 红牌), one row per warning, its history inside (domain.warnings).
warnings = Table(
    "warnings", metadata,
    Column("warning_id", String(200), primary_key=True),
    Column("case_number", String(50), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department", String(200), nullable=False),
    Column("department_code", String(18), nullable=False, server_default=""),
    Column("item_id", String(36), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("handler", String(128), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("facts", Text, nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("accountability", Text, nullable=False, server_default=""),
    Column("accountable_by", String(128), nullable=False, server_default=""),
    Column("notice", Text, nullable=False, server_default=""),
    Column("rectify_by", String(10)),
    Column("history", Text, nullable=False),
)
Index("ix_warnings_case", warnings.c.case_number)
Index("ix_warnings_region_status", warnings.c.region, warnings.c.status, warnings.c.raised_at)
Index("ix_warnings_handler_status", warnings.c.handler, warnings.c.status)
Index("ix_warnings_department_status", warnings.c.department_code, warnings.c.status)

# What each person (or department, or the region's supervisors) was sent about a warning: a
# list each can read and mark read.
notifications = Table(
    "notifications", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    # "handler" (a subject), "department" (a department of a region: "<region>/<its code>"),
    # "supervisors" (a region's)
    Column("recipient_kind", String(16), nullable=False),
    Column("recipient", String(220), nullable=False),
    Column("warning_id", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime),
)
Index("ix_notifications_recipient", notifications.c.recipient_kind, notifications.c.recipient,
      notifications.c.id)

# Efficiency evaluation (效能评估, domain.evaluation): one compact fact per closed case and per
# action recorded, written with the event that made it. Days are Asia/Shanghai days
# (YYYY-MM-DD): a period is a range of them, so one index per key serves months, quarters and
# years.
evaluation_cases = Table(
    "evaluation_cases", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("department_code", String(18), nullable=False),
    Column("department", String(200), nullable=False),
    Column("item_id", String(36), nullable=False),
    # working days the clock stood still after acceptance, added as each stop ends
    Column("stopped_days", Integer, nullable=False, server_default="0"),
    # the rest is known once the case is closed (closed_on NULL: still open)
    Column("outcome", String(16)),
    Column("closed_on", String(10)),
    Column("accepted_on", String(10)),
    Column("decided_by", String(128), nullable=False, server_default=""),
    Column("working_days", Integer),
    Column("promised_days", Integer),
    Column("promised_left", Integer),
    Column("over_statutory", Boolean, nullable=False, server_default=false()),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_evaluation_cases_department", evaluation_cases.c.department_code,
      evaluation_cases.c.closed_on)
Index("ix_evaluation_cases_region", evaluation_cases.c.region, evaluation_cases.c.closed_on)
Index("ix_evaluation_cases_item", evaluation_cases.c.item_id, evaluation_cases.c.closed_on)
Index("ix_evaluation_cases_decided_by", evaluation_cases.c.decided_by,
      evaluation_cases.c.closed_on)

evaluation_steps = Table(
    "evaluation_steps", metadata,
    Column("case_number", String(50), primary_key=True),
    # the step instance ("s3"), or "<event type>@<sequence>" for a dated fact
    Column("ref", String(80), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department_code", String(18), nullable=False),
    Column("department", String(200), nullable=False),
    Column("item_id", String(36), nullable=False),
    Column("handler", String(128), nullable=False),
    Column("done_on", String(10), nullable=False),
    Column("due", String(10)),
    Column("late_days", Integer),
    Column("online", Boolean, nullable=False),
)
Index("ix_evaluation_steps_department", evaluation_steps.c.department_code,
      evaluation_steps.c.done_on)
Index("ix_evaluation_steps_region", evaluation_steps.c.region, evaluation_steps.c.done_on)
Index("ix_evaluation_steps_item", evaluation_steps.c.item_id, evaluation_steps.c.done_on)
Index("ix_evaluation_steps_handler", evaluation_steps.c.handler, evaluation_steps.c.done_on)
# warnings by the period they were raised in
Index("ix_warnings_raised", warnings.c.raised_at)

# Trend rules (domain.trends): the acts they count, one row per event that records one — an
# acceptance decision, a supplement request at acceptance, a decision with the days left of
# its limit — written with the event; and the last day the trends were evaluated (once a day).
trend_acts = Table(
    "trend_acts", metadata,
    Column("case_number", String(50), primary_key=True),
    Column("ref", String(80), primary_key=True),       # "<event type>@<sequence>"
    Column("act", String(16), nullable=False),         # accepted | rejected | supplement | decided
    Column("region", String(6), nullable=False),
    Column("department_code", String(18), nullable=False),
    Column("department", String(200), nullable=False),
    Column("item_id", String(36), nullable=False),
    Column("handler", String(128), nullable=False),
    Column("handler_department_code", String(18), nullable=False, server_default=""),
    Column("handler_department", String(200), nullable=False, server_default=""),
    Column("done_on", String(10), nullable=False),
    Column("first", Boolean, nullable=False, server_default=false()),
    Column("limit_days", Integer),
    Column("days_left", Integer),
)
Index("ix_trend_acts_act_day", trend_acts.c.act, trend_acts.c.done_on)

trend_runs = Table(
    "trend_runs", metadata,
    Column("name", String(32), primary_key=True),
    Column("last_day", String(10)),
    Column("updated_at", UtcDateTime),
)
# trend warnings by their rule (the daily evaluation reads them all)
Index("ix_warnings_rule", warnings.c.rule, warnings.c.status)

inbox = inbox_table(metadata)
# supervision's own events (warning.raised, warning.escalated, …), relayed like the others
outbox = outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)

# --- complaints and ratings (投诉 / 举报 · 好差评): services.monitoring.feedback -------------
# Each row keeps its record whole in ``body`` (domain.feedback as JSON, its history inside);
# the other columns are what lists, checks and indicators select on.
complaints = Table(
    "complaints", metadata,
    Column("complaint_id", String(40), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("department_code", String(18), nullable=False),
    Column("department", String(200), nullable=False),
    Column("addressee", String(16), nullable=False),
    Column("complainant", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_date", String(10), nullable=False),
    # YYYY-MM (Asia/Shanghai) of its submission: the month it counts in
    Column("month", String(7), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("overdue_noted", Boolean, nullable=False),
    Column("body", Text, nullable=False),
)
Index("ix_complaints_region_addressee", complaints.c.region, complaints.c.addressee,
      complaints.c.status)
Index("ix_complaints_complainant", complaints.c.complainant)
Index("ix_complaints_department_month", complaints.c.department_code, complaints.c.month)

ratings = Table(
    "ratings", metadata,
    Column("rating_id", String(64), primary_key=True),
    Column("case_number", String(50), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("rater", String(128), nullable=False),
    Column("region", String(6), nullable=False),
    Column("department_code", String(18), nullable=False),
    Column("department", String(200), nullable=False),
    Column("month", String(7), nullable=False),
    Column("level", Integer, nullable=False),
    Column("bad", Boolean, nullable=False),
    # left out of the indicators: an appeal upheld
    Column("excluded", Boolean, nullable=False),
    Column("appeal_status", String(10), nullable=False),
    Column("rated_at", UtcDateTime, nullable=False),
    Column("body", Text, nullable=False),
    # one rating per case per channel
    UniqueConstraint("case_number", "channel", name="uq_ratings_case_channel"),
)
Index("ix_ratings_department_month", ratings.c.department_code, ratings.c.month)
Index("ix_ratings_rater", ratings.c.rater)
Index("ix_ratings_region_rated", ratings.c.region, ratings.c.rated_at)

# 差评整改: one per bad rating
rectifications = Table(
    "rectifications", metadata,
    Column("task_id", String(70), primary_key=True),
    Column("rating_id", String(64), nullable=False, unique=True),
    Column("region", String(6), nullable=False),
    Column("department_code", String(18), nullable=False),
    Column("month", String(7), nullable=False),
    Column("status", String(10), nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("on_time", Boolean, nullable=False),
    Column("overdue_noted", Boolean, nullable=False),
    Column("body", Text, nullable=False),
)
Index("ix_rectifications_status_due", rectifications.c.status, rectifications.c.due_date)
Index("ix_rectifications_department", rectifications.c.department_code,
      rectifications.c.status)

# 咨询: consultations about items (domain.feedback, "consultations"), the record whole in body
consultations = Table(
    "consultations", metadata,
    Column("consultation_id", String(40), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("department_code", String(18), nullable=False),
    Column("item_id", String(36), nullable=False),
    # the asker's subject; empty: asked without signing in
    Column("asker", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("month", String(7), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("overdue_noted", Boolean, nullable=False),
    Column("body", Text, nullable=False),
)
Index("ix_consultations_department_status", consultations.c.department_code,
      consultations.c.status, consultations.c.due_date)
Index("ix_consultations_asker", consultations.c.asker)
Index("ix_consultations_status_due", consultations.c.status, consultations.c.due_date)
