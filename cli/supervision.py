"""``sunlight supervision``: warnings (预警 · 黄牌 · 红牌) and their answers, notifications.

The CLI talks gRPC: to the node's supervision service (default), or to the gateway's gRPC
port with ``--address`` — but for ``dead-letters``, an operator's command that talks to the
node's RabbitMQ. Exit codes: 0 when the command ran, 1 when supervision refused
or could not be reached (the message says why), 2 for wrong arguments.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

import click
import grpc
from google.protobuf.message import Message
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from cli.connection import Connection, call, connect_as, connection_options, idempotency_key
from cli.output import echo_json

_connection_options = connection_options(
    "supervision gRPC address, or the gateway's gRPC port (default: this node's, from the "
    "settings)", timeout_s=30.0)
ACTIONS = {f.name.replace("_", "-"): f.name
           for f in pb.ActOnWarningRequest.DESCRIPTOR.oneofs_by_name["action"].fields}
SEVERITY_WORDS = {pb.SEVERITY_YELLOW: "黄牌", pb.SEVERITY_RED: "红牌"}


def connect(address: str) -> tuple[pb_grpc.MonitoringServiceStub, grpc.Channel]:
    from services.shared.grpc_client import channel

    opened = channel(address)
    return pb_grpc.MonitoringServiceStub(opened), opened


@contextmanager
def _stub(**options: Any) -> Iterator[tuple[pb_grpc.MonitoringServiceStub, Connection]]:
    conn = connect_as("monitoring", **options)
    stub, opened = connect(conn.address)
    try:
        yield stub, conn
    finally:
        opened.close()


def _call(what: str, stub: pb_grpc.MonitoringServiceStub, conn: Connection, method: str,
          request: Message) -> Any:
    return call(f"sunlight supervision {what}", "supervision service", stub, conn, method,
                request)


def _time(stamp: Any) -> str:
    from services.shared.working_days import CHINA

    return stamp.ToDatetime(tzinfo=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _owner(warning: pb.Warning) -> str:
    """What the warning is about: a case, or — with no case — a catalogue obligation."""
    if warning.case_number:
        return f"case {warning.case_number}"
    return f"catalogue obligation {warning.subject} (item {warning.item_id})"


def describe(warning: pb.Warning) -> str:
    status = pb.WarningStatus.Name(warning.status).removeprefix("WARNING_STATUS_").lower()
    lines = [f"{warning.warning_id}  {SEVERITY_WORDS.get(warning.severity, '?')} "
             f"{warning.rule_title} ({warning.rule}), {status}",
             f"  {warning.explanation}",
             f"  {_owner(warning)}, {warning.department} ({warning.region}), handler "
             f"{warning.handler or '-'}, raised {_time(warning.raised_at)}"]
    for entry in warning.history:
        lines.append(f"    {_time(entry.at)} {entry.action} by {entry.by}"
                     + (f": {entry.note}" if entry.note else ""))
    if warning.accountability:
        lines.append(f"  accountability (责任追究): {warning.accountability} "
                     f"({warning.accountable_by})")
    if warning.notice:
        lines.append(f"  notice (通报): {warning.notice}, rectify by {warning.rectify_by}")
    return "\n".join(lines)


@click.group("supervision")
def supervision() -> None:
    """Supervision (电子监察): warnings and notifications."""


@supervision.command("warnings")
@click.option("--region", default="", help="this region and those under it")
@click.option("--department", default="")
@click.option("--handler", default="", help="a subject; me: the caller's own")
@click.option("--case", "case_number", default="")
@click.option("--rule", default="", help="e.g. STEP_LIMIT")
@click.option("--severity", type=click.Choice(["yellow", "red"]), default=None)
@click.option("--active", "active_only", is_flag=True, help="only warnings still in force")
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--page-token", default="")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def warnings(region: str, department: str, handler: str, case_number: str, rule: str,
             severity: str | None, active_only: bool, page_size: int, page_token: str,
             as_json: bool, **connection: Any) -> None:
    """Warnings newest first: a supervisor's of their regions, a handler's own and their
    department's."""
    request = pb.ListWarningsRequest(
        region=region, department=department, handler=handler, case_number=case_number,
        rule=rule, active_only=active_only, page_size=page_size, page_token=page_token,
        severity=pb.Severity.Value(f"SEVERITY_{severity.upper()}") if severity else 0)
    with _stub(**connection) as (stub, conn):
        answer = _call("warnings", stub, conn, "ListWarnings", request)
    if as_json:
        echo_json(answer)
        return
    for warning in answer.warnings:
        click.echo(describe(warning))
    more = f"; next page: --page-token {answer.next_page_token}" if (
        answer.next_page_token) else ""
    click.echo(f"{len(answer.warnings)} of {answer.total} warnings{more}", err=True)


@supervision.command("warning")
@click.argument("warning_id")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def warning(warning_id: str, as_json: bool, **connection: Any) -> None:
    """One warning: its explanation and its history."""
    with _stub(**connection) as (stub, conn):
        answer = _call("warning", stub, conn, "GetWarning",
                       pb.GetWarningRequest(warning_id=warning_id))
    echo_json(answer) if as_json else click.echo(describe(answer.warning))


@supervision.command("answer")
@click.argument("warning_id")
@click.argument("action", type=click.Choice(sorted(ACTIONS)))
@click.option("--note", default="", help="acknowledge: a note")
@click.option("--why", default="", help="correct: how; contest, uphold, dismiss: why")
@click.option("--measure", default="", help="hold-accountable: the measure (责任追究)")
@click.option("--notice", default="", help="publish-notice: the notice (通报)")
@click.option("--rectify-by", default="", help="publish-notice: YYYY-MM-DD")
@click.option("--key", default=None, help="idempotency key")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def answer(warning_id: str, action: str, note: str, why: str, measure: str, notice: str,
           rectify_by: str, key: str | None, as_json: bool, **connection: Any) -> None:
    """Answer a warning: acknowledge, correct, contest (its handler); uphold, dismiss,
    hold-accountable, publish-notice (a supervisor)."""
    field = ACTIONS[action]
    messages = {
        "acknowledge": lambda: pb.Acknowledge(note=note),
        "correct": lambda: pb.Correct(explanation=why),
        "contest": lambda: pb.Contest(reason=why), "uphold": lambda: pb.Uphold(reason=why),
        "dismiss": lambda: pb.Dismiss(reason=why),
        "hold_accountable": lambda: pb.HoldAccountable(measure=measure),
        "publish_notice": lambda: pb.PublishNotice(notice=notice, rectify_by=rectify_by)}
    needs = {"correct": ("--why", why), "contest": ("--why", why), "uphold": ("--why", why),
             "dismiss": ("--why", why), "hold_accountable": ("--measure", measure),
             "publish_notice": ("--notice and --rectify-by", notice and rectify_by)}
    if field in needs and not needs[field][1]:
        raise click.UsageError(f"{action} needs {needs[field][0]}")
    request = pb.ActOnWarningRequest(idempotency_key=idempotency_key(key),
                                     warning_id=warning_id,
                                     **{field: messages[field]()})
    with _stub(**connection) as (stub, conn):
        reply = _call("answer", stub, conn, "ActOnWarning", request)
    echo_json(reply) if as_json else click.echo(describe(reply.warning))


@supervision.command("notifications")
@click.option("--unread", "unread_only", is_flag=True)
@click.option("--mark-read", is_flag=True, help="mark the ones shown as read")
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--page-token", default="")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def notifications(unread_only: bool, mark_read: bool, page_size: int, page_token: str,
                  as_json: bool, **connection: Any) -> None:
    """What the caller was sent about warnings, newest first."""
    request = pb.ListNotificationsRequest(unread_only=unread_only, mark_read=mark_read,
                                          page_size=page_size, page_token=page_token)
    with _stub(**connection) as (stub, conn):
        reply = _call("notifications", stub, conn, "ListNotifications", request)
    if as_json:
        echo_json(reply)
        return
    for note in reply.notifications:
        mark = " " if note.HasField("read_at") else "*"
        click.echo(f"{mark} {_time(note.at)}  {note.text}  [{note.warning_id}]")
    click.echo(f"{reply.unread} unread", err=True)


# --- efficiency evaluation (效能评估) ----------------------------------------------------------
DIMENSIONS = ("department", "region", "item", "official")
FORMATS = {"csv": pb.EXPORT_FORMAT_CSV, "svg": pb.EXPORT_FORMAT_SVG}


def _rate(message: Message, field: str) -> str:
    if not message.HasField(field):
        return "未知"
    return f"{getattr(message, field) * 100:.1f}%"


def _figure(message: Message, field: str, digits: int = 0) -> str:
    if not message.HasField(field):
        return "未知"
    value = getattr(message, field)
    return f"{value:.{digits}f}" if digits else str(value)


def evaluation_table(answer: pb.EvaluateResponse) -> str:
    """The ranked table for a terminal: one line a row, then the total and the notes."""
    official = answer.dimension == pb.EVALUATION_DIMENSION_OFFICIAL
    header = ["排名", "名称", "办结", "按时率", "提前率", "超期", "平均用时", "P90",
              "积压", "黄牌", "红牌", "超期环节", "网上运行率", "投诉", "满意度"]
    if official:
        header += ["积分", "等次"]
    lines = ["\t".join(header)]
    for row in [*answer.rows, answer.total]:
        cells = [str(row.rank) if row.rank else "-", row.name or row.key, str(row.handled),
                 _rate(row, "on_time_rate"), _rate(row, "early_rate"), str(row.overdue),
                 _figure(row, "average_working_days", 1), _figure(row, "p90_working_days"),
                 _figure(row, "backlog"), str(row.yellow_warnings), str(row.red_warnings),
                 str(row.steps_late), _rate(row, "online_rate"), _figure(row, "complaints"),
                 _rate(row, "satisfaction")]
        if official:
            cells += [_figure(row, "points", 1), row.grade]
        lines.append("\t".join(cells))
    lines += [f"注：{note}" for note in answer.notes]
    return "\n".join(lines)


@supervision.command("evaluate")
@click.option("--period", required=True, help="a month (2026-11), a quarter (2026-Q4) or a "
                                              "year (2026)")
@click.option("--by", "dimension", type=click.Choice(DIMENSIONS), default="department",
              show_default=True, help="rows by department, region, item or official")
@click.option("--region", default="", help="this region and those under it (default: the "
                                           "token's first region)")
@click.option("--department", "department_code", default="",
              help="only this department (统一社会信用代码)")
@click.option("--item", "item_id", default="")
@click.option("--official", default="", help="only this official (subject)")
@click.option("--rank-by", default="", help="on_time_rate (default; points for officials), "
                                            "early_rate, handled, overdue, average_days, "
                                            "p90_days, backlog, online_rate, red, yellow, …")
@click.option("--limit", type=click.IntRange(0, 2000), default=0, help="rows; 0 = all")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True),
              default=None, help="also write the table as CSV to this file")
@click.option("--chart", "chart_file", type=click.Path(dir_okay=False, writable=True),
              default=None, help="also write the table as an SVG bar chart to this file")
@_connection_options
def evaluate(period: str, dimension: str, region: str, department_code: str, item_id: str,
             official: str, rank_by: str, limit: int, as_json: bool, csv_file: str | None,
             chart_file: str | None, **connection: Any) -> None:
    """Efficiency evaluation (效能评估): a ranked table of a region's departments, regions,
    items or officials in a month, quarter or year."""
    query = pb.EvaluateRequest(
        period=period, region=region, department_code=department_code, item_id=item_id,
        official=official, rank_by=rank_by, limit=limit,
        dimension=pb.EvaluationDimension.Value(f"EVALUATION_DIMENSION_{dimension.upper()}"))
    with _stub(**connection) as (stub, conn):
        answer = _call("evaluate", stub, conn, "Evaluate", query)
        for path, form in ((csv_file, "csv"), (chart_file, "svg")):
            if path:
                exported = _call("evaluate", stub, conn, "ExportEvaluation",
                                 pb.ExportEvaluationRequest(query=query, format=FORMATS[form]))
                with open(path, "wb") as out:
                    out.write(exported.content)
                click.echo(f"wrote {path} ({len(exported.content)} bytes)", err=True)
    echo_json(answer) if as_json else click.echo(evaluation_table(answer))


# --- dead letters (an operator's) --------------------------------------------------------
@supervision.command("dead-letters")
@click.option("--replay", "replay_ids", multiple=True, metavar="EVENT_ID",
              help="publish this event again where it first went (repeatable)")
@click.option("--replay-all", is_flag=True, help="publish every one of them again")
@click.option("--drop", "drop_ids", multiple=True, metavar="EVENT_ID",
              help="take it out for good — every message of that id among the first "
                   "--limit —, kept in the archive file (repeatable)")
@click.option("--archive", type=click.Path(dir_okay=False, path_type=Path),
              help="where --drop keeps what it takes out (JSON lines, appended) "
                   "[default: <var dir>/<region>/dead-letters/dropped.jsonl]")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def dead_letters(replay_ids: tuple[str, ...], replay_all: bool, drop_ids: tuple[str, ...],
                 archive: Path | None, limit: int, as_json: bool) -> None:
    """The events the node's consumers gave up on (死信), oldest first; with --replay or
    --replay-all, published again (fix the cause first); with --drop, taken out for good
    (a message that will never apply: a body nobody can decode, say), each written to the
    archive file first. Talks to the node's RabbitMQ (AMQP_URI of the settings)."""
    import pika.exceptions  # noqa: PLC0415 - only this command talks AMQP

    from services.shared.config import load_settings  # noqa: PLC0415
    from services.shared.dead_letters import (  # noqa: PLC0415
        drop_dead_letters,
        list_dead_letters,
        replay_dead_letters,
    )

    if drop_ids and (replay_ids or replay_all):
        raise click.UsageError("--drop goes alone: a message is replayed or dropped")
    if archive is not None and not drop_ids:
        raise click.UsageError("--archive is where --drop keeps what it takes out")
    settings = load_settings()
    archive = archive or (Path(settings.var_dir) / settings.node_region / "dead-letters"
                          / "dropped.jsonl")
    try:
        if drop_ids:
            chosen = set(drop_ids)
            try:
                letters = drop_dead_letters(settings.amqp_uri, lambda x: x.event_id in chosen,
                                            archive, limit, settings.amqp_timeout_s)
            except OSError as exc:  # the archive could not be written: nothing taken out
                click.echo(f"sunlight supervision dead-letters: cannot write the archive "
                           f"{archive}: {exc.strerror or exc}; nothing dropped", err=True)
                raise SystemExit(1) from None
            missing = chosen - {x.event_id for x in letters}
        elif replay_ids or replay_all:
            chosen = set(replay_ids)
            letters = replay_dead_letters(
                settings.amqp_uri, lambda x: replay_all or x.event_id in chosen, limit,
                settings.amqp_timeout_s)
            missing = chosen - {x.event_id for x in letters}
        else:
            letters, missing = list_dead_letters(settings.amqp_uri, limit,
                                                 settings.amqp_timeout_s), set()
    except pika.exceptions.AMQPError as exc:
        click.echo(f"sunlight supervision dead-letters: the broker refused or did not "
                   f"answer: {exc!r}", err=True)
        if drop_ids:  # the archive may hold them already, the queue too until acknowledged
            click.echo(f"what was being dropped may be in {archive} already, and stays in "
                       f"the queue until a drop completes", err=True)
        raise SystemExit(1) from None
    if drop_ids and letters:
        click.echo(f"kept in {archive}", err=True)
    if as_json:
        click.echo(json.dumps([x.summary() for x in letters], ensure_ascii=False))
    else:
        verb = "dropped" if drop_ids else "replayed" if replay_ids or replay_all else "dead"
        for x in letters:
            when = x.died_at.isoformat(timespec="seconds") if x.died_at else "?"
            click.echo(f"{verb}  {x.event_id}  {x.event_type}  from {x.queue}  "
                       f"({x.reason} ×{x.deaths}, {when})")
        click.echo(f"{len(letters)} {verb}", err=True)
    if missing:
        click.echo(f"not among the first {limit} of the dead-letter queue"
                   f"{'' if drop_ids else ' (or unroutable now)'}: "
                   f"{', '.join(sorted(missing))}", err=True)
        raise SystemExit(1)
