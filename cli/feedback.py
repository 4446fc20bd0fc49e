"""``sunlight feedback``: complaints and reports (投诉 / 举报), ratings (好差评), their
rectification (差评整改) and appeals (申诉), and the public indicators.

Like ``sunlight supervision`` it talks gRPC to the node's supervision service (or the
gateway's gRPC port with ``--address``). A citizen acts with a public token: ``--as
id_card:<resident ID number> --role public`` (or ``--token``). ``ask`` and ``consultation``
also serve a person without any token (a contact, then the query code): what they lack —
the contact, the node's settings or address, a node that answers — is said in Chinese.
Exit codes: 0 when the command ran, 1 when supervision refused or could not be reached,
2 for wrong arguments.
"""

from __future__ import annotations

from typing import Any

import click
import grpc
from google.protobuf.message import Message
from pydantic import ValidationError
from sunlight.monitoring.v1 import monitoring_pb2 as pb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as pb_grpc

from cli.connection import Connection, call, fail, idempotency_key
from cli.output import echo_json
from cli.supervision import _connection_options, _stub, _time

KINDS = {"complaint": pb.COMPLAINT_KIND_COMPLAINT, "report": pb.COMPLAINT_KIND_REPORT}
ADDRESSEES = {"supervision": pb.ADDRESSEE_SUPERVISION, "openness": pb.ADDRESSEE_OPENNESS,
              "legal": pb.ADDRESSEE_LEGAL, "department": pb.ADDRESSEE_DEPARTMENT}
SUBJECTS = {"case": pb.COMPLAINT_SUBJECT_CASE, "department": pb.COMPLAINT_SUBJECT_DEPARTMENT,
            "item": pb.COMPLAINT_SUBJECT_ITEM, "staff": pb.COMPLAINT_SUBJECT_STAFF}
CHANNELS = {"online": pb.RATING_CHANNEL_ONLINE, "mobile": pb.RATING_CHANNEL_MOBILE,
            "counter": pb.RATING_CHANNEL_COUNTER}
FINDINGS = {"substantiated": pb.FINDING_SUBSTANTIATED, "partly": pb.FINDING_PARTLY,
            "unsubstantiated": pb.FINDING_UNSUBSTANTIATED}
LEVEL_WORDS = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
COMPLAINT_WORDS = {pb.COMPLAINT_STATUS_SUBMITTED: "待受理", pb.COMPLAINT_STATUS_HANDLING: "办理中",
                   pb.COMPLAINT_STATUS_ANSWERED: "已答复", pb.COMPLAINT_STATUS_CLOSED: "已办结",
                   pb.COMPLAINT_STATUS_REJECTED: "不予受理",
                   pb.COMPLAINT_STATUS_WITHDRAWN: "已撤回"}
TASK_WORDS = {pb.RECTIFICATION_STATUS_OPEN: "整改中", pb.RECTIFICATION_STATUS_DONE: "已整改",
              pb.RECTIFICATION_STATUS_CANCELLED: "已撤销"}


def _call(what: str, stub: pb_grpc.MonitoringServiceStub, conn: Connection, method: str,
          request: Message) -> Any:
    return call(f"sunlight feedback {what}", "supervision service", stub, conn, method,
                request)


def _citizen_call(what: str, stub: pb_grpc.MonitoringServiceStub, conn: Connection,
                  method: str, request: Message) -> Any:
    """A call a person may make without a token: a node that does not answer is said in
    Chinese (supervision's refusals are in Chinese already)."""
    try:
        return getattr(stub, method)(request, metadata=conn.metadata(), timeout=conn.timeout_s)
    except grpc.RpcError as error:
        code = error.code() if hasattr(error, "code") else None
        if code is grpc.StatusCode.UNAVAILABLE:
            click.echo(f"sunlight feedback {what}: 无法连接节点的监察服务（{conn.address}）。"
                       "请确认节点正在运行（sunlight status），或用 --address 主机:端口 指明"
                       "节点的监察服务或网关的 gRPC 地址。", err=True)
            raise SystemExit(1) from None
        if code is grpc.StatusCode.DEADLINE_EXCEEDED:
            click.echo(f"sunlight feedback {what}: 节点的监察服务（{conn.address}）在 "
                       f"{conn.timeout_s:g} 秒内没有答复，请稍后再试，或用 --timeout 放宽等待"
                       "时间。", err=True)
            raise SystemExit(1) from None
        fail(f"sunlight feedback {what}", "supervision service", error, conn)


def _anonymous(connection: dict[str, Any]) -> bool:
    return connection.get("token") is None and not connection.get("subject")


def _node_settings_found(what: str, connection: dict[str, Any]) -> None:
    """Without a token, an ``--as`` or an ``--address``, the node's address comes from its
    settings; where there are none (not the node's checkout), say what is needed instead of
    the settings' own complaint about a key this call does not use."""
    if connection.get("address") is not None or not _anonymous(connection):
        return
    from services.shared.config import Settings

    try:
        Settings()
    except ValidationError:
        click.echo(f"sunlight feedback {what}: 找不到节点的设置（make run 写在节点目录的 "
                   "var/node.env 中）。请在节点的目录下运行这条命令，或用 --address 主机:端口 "
                   "指明节点的监察服务或网关的 gRPC 地址，例如 --address 127.0.0.1:18050。",
                   err=True)
        raise SystemExit(2) from None


def describe_complaint(c: pb.Complaint) -> str:
    late = "，已超期" if c.overdue else ""
    lines = [f"{c.complaint_id}  {c.title}（{COMPLAINT_WORDS.get(c.status, '?')}{late}）",
             f"  {c.department or c.department_code}（{c.region}）"
             + (f" 办件 {c.case_number}" if c.case_number else "")
             + f"，办理期限 {c.due_date}"]
    if c.answer:
        lines.append(f"  答复：{c.answer}")
    lines += [f"    {_time(h.at)} {h.action} {h.by}" + (f"：{h.note}" if h.note else "")
              for h in c.history]
    return "\n".join(lines)


def describe_task(x: pb.Rectification) -> str:
    where = ("已超期" if x.overdue else f"剩 {x.days_left} 个工作日") if (
        x.status == pb.RECTIFICATION_STATUS_OPEN) else TASK_WORDS.get(x.status, "?")
    text = f"{x.task_id}  {x.department or x.department_code} 办件 {x.case_number}，" \
           f"期限 {x.due_date}（{where}）"
    return text + (f"\n  整改：{x.measures}；回复：{x.reply}" if x.measures else "")


def describe_rating(r: pb.Rating) -> str:
    channel = pb.RatingChannel.Name(r.channel).removeprefix("RATING_CHANNEL_").lower()
    lines = [f"{r.rating_id}  {LEVEL_WORDS.get(r.level, '?')}（{channel}）{r.item_name} "
             f"{r.department}" + (f"：{r.comment}" if r.comment else "")]
    if r.appeal_status:
        state = pb.AppealStatus.Name(r.appeal_status).removeprefix("APPEAL_STATUS_").lower()
        lines.append(f"  申诉 {state}" + (f"：{r.excluded_reason}" if r.excluded else ""))
    if r.HasField("rectification"):
        lines.append("  " + describe_task(r.rectification))
    return "\n".join(lines)


@click.group("feedback")
def feedback() -> None:
    """Complaints, reports and ratings (投诉 / 举报 · 好差评)."""


@feedback.command("complain")
@click.option("--kind", type=click.Choice(sorted(KINDS)), default="complaint",
              show_default=True)
@click.option("--to", "addressee", type=click.Choice(sorted(ADDRESSEES)), required=True,
              help="the body: supervision 监察机关, openness 政务公开主管部门, legal 法制部门, "
                   "department (a complaint only)")
@click.option("--case", "case_number", default="", help="about a case")
@click.option("--department-code", default="", help="about a department (with --region)")
@click.option("--item", "item_id", default="", help="about an item (with the department)")
@click.option("--staff", default="", help="about a member of staff (with the department)")
@click.option("--region", default="")
@click.option("--title", required=True)
@click.option("--content", required=True)
@click.option("--contact", default="")
@click.option("--key", default=None, help="idempotency key")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def complain(kind: str, addressee: str, case_number: str, department_code: str, item_id: str,
             staff: str, region: str, title: str, content: str, contact: str,
             key: str | None, as_json: bool, **connection: Any) -> None:
    """Submit a complaint or a report (a public token)."""
    subject = ("case" if case_number else "staff" if staff else "item" if item_id
               else "department")
    request = pb.SubmitComplaintRequest(
        idempotency_key=idempotency_key(key), kind=KINDS[kind], addressee=ADDRESSEES[addressee],
        subject=SUBJECTS[subject], case_number=case_number, item_id=item_id, staff=staff,
        region=region, department_code=department_code, title=title, content=content,
        contact=contact)
    with _stub(**connection) as (stub, conn):
        reply = _call("complain", stub, conn, "SubmitComplaint", request)
    echo_json(reply) if as_json else click.echo(describe_complaint(reply.complaint))


@feedback.command("complaints")
@click.option("--region", default="")
@click.option("--overdue", "overdue_only", is_flag=True)
@click.option("--open", "open_only", is_flag=True)
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--page-token", default="")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def complaints(region: str, overdue_only: bool, open_only: bool, page_size: int,
               page_token: str, as_json: bool, **connection: Any) -> None:
    """Complaints the caller may read, newest first."""
    request = pb.ListComplaintsRequest(region=region, overdue_only=overdue_only,
                                       open_only=open_only, page_size=page_size,
                                       page_token=page_token)
    with _stub(**connection) as (stub, conn):
        reply = _call("complaints", stub, conn, "ListComplaints", request)
    if as_json:
        echo_json(reply)
        return
    for c in reply.complaints:
        click.echo(describe_complaint(c))
    click.echo(f"{len(reply.complaints)} of {reply.total} complaints", err=True)


@feedback.command("handle")
@click.argument("complaint_id")
@click.argument("action", type=click.Choice(["accept", "reject", "answer", "close",
                                             "withdraw"]))
@click.option("--finding", type=click.Choice(sorted(FINDINGS)), default=None,
              help="answer: 属实 / 部分属实 / 不属实")
@click.option("--text", default="", help="answer: the answer; reject: why; else a note")
@click.option("--key", default=None, help="idempotency key")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def handle(complaint_id: str, action: str, finding: str | None, text: str, key: str | None,
           as_json: bool, **connection: Any) -> None:
    """Accept, reject, answer or close a complaint (the addressed body); withdraw it (the
    person)."""
    if action == "answer" and not (finding and text):
        raise click.UsageError("answer needs --finding and --text")
    if action == "reject" and not text:
        raise click.UsageError("reject needs --text (why)")
    body = {"accept": lambda: pb.AcceptComplaint(note=text),
            "reject": lambda: pb.RejectComplaint(reason=text),
            "answer": lambda: pb.AnswerComplaint(finding=FINDINGS[finding or "partly"],
                                                 answer=text),
            "close": lambda: pb.CloseComplaint(note=text),
            "withdraw": lambda: pb.WithdrawComplaint(reason=text)}[action]()
    request = pb.ActOnComplaintRequest(idempotency_key=idempotency_key(key),
                                       complaint_id=complaint_id, **{action: body})
    with _stub(**connection) as (stub, conn):
        reply = _call("handle", stub, conn, "ActOnComplaint", request)
    echo_json(reply) if as_json else click.echo(describe_complaint(reply.complaint))


@feedback.command("rate")
@click.argument("case_number")
@click.argument("level", type=click.IntRange(1, 5))
@click.option("--channel", type=click.Choice(sorted(CHANNELS)), default="online",
              show_default=True)
@click.option("--indicator", "indicators", multiple=True, metavar="NAME=LEVEL",
              help="e.g. attitude=1 (counter: efficiency, skill, attitude; online: overall, "
                   "efficiency, guide_accuracy, convenience, usability)")
@click.option("--comment", default="", help="required with 4 or 5 (a bad rating)")
@click.option("--key", default=None, help="idempotency key")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def rate(case_number: str, level: int, channel: str, indicators: tuple[str, ...],
         comment: str, key: str | None, as_json: bool, **connection: Any) -> None:
    """Rate a case of one's own: LEVEL 1 非常满意 … 5 非常不满意 (a public token)."""
    parsed: dict[str, int] = {}
    for given in indicators:
        name, _, value = given.partition("=")
        if not value.isdigit() or not 1 <= int(value) <= 5:
            raise click.UsageError(f"--indicator {given}: NAME=LEVEL, LEVEL 1 to 5")
        parsed[name] = int(value)
    request = pb.RateCaseRequest(idempotency_key=idempotency_key(key), case_number=case_number,
                                 channel=CHANNELS[channel], level=level,
                                 indicators=parsed, comment=comment)
    with _stub(**connection) as (stub, conn):
        reply = _call("rate", stub, conn, "RateCase", request)
    echo_json(reply) if as_json else click.echo(describe_rating(reply.rating))


@feedback.command("ratings")
@click.option("--region", default="")
@click.option("--case", "case_number", default="")
@click.option("--bad", "bad_only", is_flag=True)
@click.option("--month", default="", help="YYYY-MM")
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def ratings(region: str, case_number: str, bad_only: bool, month: str, page_size: int,
            as_json: bool, **connection: Any) -> None:
    """Ratings the caller may read, newest first."""
    request = pb.ListRatingsRequest(region=region, case_number=case_number,
                                    bad_only=bad_only, month=month, page_size=page_size)
    with _stub(**connection) as (stub, conn):
        reply = _call("ratings", stub, conn, "ListRatings", request)
    if as_json:
        echo_json(reply)
        return
    for r in reply.ratings:
        click.echo(describe_rating(r))
    click.echo(f"{len(reply.ratings)} of {reply.total} ratings", err=True)


@feedback.command("appeal")
@click.argument("rating_id")
@click.option("--kind", type=click.Choice(["mistaken", "malicious"]), required=True)
@click.option("--reason", required=True)
@click.option("--key", default=None, help="idempotency key")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def appeal(rating_id: str, kind: str, reason: str, key: str | None, as_json: bool,
           **connection: Any) -> None:
    """Appeal a bad rating (the rated department's staff)."""
    request = pb.AppealRatingRequest(idempotency_key=idempotency_key(key), rating_id=rating_id,
                                     kind=kind, reason=reason)
    with _stub(**connection) as (stub, conn):
        reply = _call("appeal", stub, conn, "AppealRating", request)
    echo_json(reply) if as_json else click.echo(describe_rating(reply.rating))


@feedback.command("decide-appeal")
@click.argument("rating_id")
@click.argument("decision", type=click.Choice(["uphold", "reject"]))
@click.option("--reason", required=True)
@click.option("--key", default=None, help="idempotency key")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def decide_appeal(rating_id: str, decision: str, reason: str, key: str | None,
                  as_json: bool, **connection: Any) -> None:
    """Decide an appeal (a supervisor): uphold excludes the rating."""
    request = pb.DecideAppealRequest(idempotency_key=idempotency_key(key), rating_id=rating_id,
                                     uphold=decision == "uphold", reason=reason)
    with _stub(**connection) as (stub, conn):
        reply = _call("decide-appeal", stub, conn, "DecideAppeal", request)
    echo_json(reply) if as_json else click.echo(describe_rating(reply.rating))


@feedback.command("rectifications")
@click.option("--region", default="")
@click.option("--overdue", "overdue_only", is_flag=True)
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def rectifications(region: str, overdue_only: bool, page_size: int, as_json: bool,
                   **connection: Any) -> None:
    """Bad ratings' rectifications, earliest due first."""
    request = pb.ListRectificationsRequest(region=region, overdue_only=overdue_only,
                                           page_size=page_size)
    with _stub(**connection) as (stub, conn):
        reply = _call("rectifications", stub, conn, "ListRectifications", request)
    if as_json:
        echo_json(reply)
        return
    for x in reply.rectifications:
        click.echo(describe_task(x))
    click.echo(f"{len(reply.rectifications)} of {reply.total} rectifications", err=True)


@feedback.command("rectify")
@click.argument("task_id")
@click.option("--measures", required=True, help="what was done (整改措施)")
@click.option("--reply", required=True, help="the answer to the person who rated (回复)")
@click.option("--key", default=None, help="idempotency key")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def rectify(task_id: str, measures: str, reply: str, key: str | None, as_json: bool,
            **connection: Any) -> None:
    """Record a rectification done (the department's staff)."""
    request = pb.CompleteRectificationRequest(idempotency_key=idempotency_key(key), task_id=task_id,
                                              measures=measures, reply=reply)
    with _stub(**connection) as (stub, conn):
        answer = _call("rectify", stub, conn, "CompleteRectification", request)
    echo_json(answer) if as_json else click.echo(describe_task(answer.rectification))


@feedback.command("indicators")
@click.option("--region", default="")
@click.option("--department-code", default="")
@click.option("--from", "month_from", default="", help="YYYY-MM (default: this month)")
@click.option("--to", "month_to", default="", help="YYYY-MM")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def indicators(region: str, department_code: str, month_from: str, month_to: str,
               as_json: bool, **connection: Any) -> None:
    """The public indicators per department and month (no token needed)."""
    request = pb.GetFeedbackIndicatorsRequest(region=region, department_code=department_code,
                                              month_from=month_from, month_to=month_to)
    with _stub(**connection) as (stub, conn):
        reply = _call("indicators", stub, conn, "GetFeedbackIndicators", request)
    if as_json:
        echo_json(reply)
        return
    for row in reply.rows:
        click.echo(f"{row.month} {row.department or row.department_code}（{row.region}）: "
                   f"评价 {row.ratings}，好评率 {row.good_rate:.1%}，差评 {row.bad}，"
                   f"整改率 {row.rectification_rate:.1%}（超期 {row.rectification_overdue}），"
                   f"投诉 {row.complaints}（已办 {row.complaints_handled}，超期 "
                   f"{row.complaints_overdue}）")


CONSULTATION_WORDS = {pb.CONSULTATION_STATUS_SUBMITTED: "待答复",
                      pb.CONSULTATION_STATUS_ANSWERED: "已答复",
                      pb.CONSULTATION_STATUS_WITHDRAWN: "已撤回"}


def describe_consultation(c: pb.Consultation) -> str:
    if c.status == pb.CONSULTATION_STATUS_SUBMITTED:
        where = "已超期" if c.overdue else f"剩 {c.days_left} 个工作日"
    else:
        where = CONSULTATION_WORDS.get(c.status, "?")
    lines = [f"{c.consultation_id}  {c.title}（{where}）",
             f"  事项 {c.item_name or c.item_id}，{c.department or c.department_code}"
             f"（{c.region}），答复期限 {c.due_date}",
             f"  问：{c.question}"]
    if c.answer:
        lines.append(f"  答：{c.answer}")
    if c.query_code:
        lines.append(f"  查询码：{c.query_code}（凭咨询编号和查询码查看答复）")
    return "\n".join(lines)


@feedback.command("ask")
@click.argument("item_id")
@click.option("--title", required=True, help="the question in a few words")
@click.option("--question", required=True)
@click.option("--contact", default="", help="a telephone number or e-mail address; required "
                                             "without a public token")
@click.option("--key", default=None, help="idempotency key")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def ask(item_id: str, title: str, question: str, contact: str, key: str | None,
        as_json: bool, **connection: Any) -> None:
    """Ask the item's department about ITEM_ID (咨询): with a public token as oneself, or
    without one leaving --contact (the answer prints the query code to read it with)."""
    if _anonymous(connection) and not contact.strip():
        raise click.UsageError(
            "未登录咨询（没有 --token、SUNLIGHT_TOKEN 或 --as），请用 --contact 留下联系电话或"
            "电子邮箱，以便答复；提交后凭显示的咨询编号和查询码查看答复。")
    _node_settings_found("ask", connection)
    request = pb.AskConsultationRequest(idempotency_key=idempotency_key(key), item_id=item_id,
                                        title=title, question=question, contact=contact)
    with _stub(**connection) as (stub, conn):
        reply = _citizen_call("ask", stub, conn, "AskConsultation", request)
    echo_json(reply) if as_json else click.echo(describe_consultation(reply.consultation))


@feedback.command("consultations")
@click.option("--region", default="")
@click.option("--waiting", "waiting_only", is_flag=True,
              help="only those waiting for their answer, earliest due first")
@click.option("--overdue", "overdue_only", is_flag=True)
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def consultations(region: str, waiting_only: bool, overdue_only: bool, page_size: int,
                  as_json: bool, **connection: Any) -> None:
    """Consultations the caller may read: one's own, one's department's, a region's."""
    request = pb.ListConsultationsRequest(region=region, waiting_only=waiting_only,
                                          overdue_only=overdue_only, page_size=page_size)
    with _stub(**connection) as (stub, conn):
        reply = _call("consultations", stub, conn, "ListConsultations", request)
    if as_json:
        echo_json(reply)
        return
    for c in reply.consultations:
        click.echo(describe_consultation(c))
    click.echo(f"{len(reply.consultations)} of {reply.total} consultations", err=True)


@feedback.command("consultation")
@click.argument("consultation_id")
@click.option("--query-code", default="", help="asked without signing in: the code given")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def consultation(consultation_id: str, query_code: str, as_json: bool,
                 **connection: Any) -> None:
    """One consultation with its answer."""
    if _anonymous(connection) and not query_code.strip():
        raise click.UsageError(
            "未登录查看咨询，请用 --query-code 给出提交咨询时显示的查询码。")
    _node_settings_found("consultation", connection)
    request = pb.GetConsultationRequest(consultation_id=consultation_id,
                                        query_code=query_code)
    with _stub(**connection) as (stub, conn):
        reply = _citizen_call("consultation", stub, conn, "GetConsultation", request)
    echo_json(reply) if as_json else click.echo(describe_consultation(reply.consultation))


@feedback.command("answer")
@click.argument("consultation_id")
@click.option("--text", required=True, help="the answer; it closes the consultation")
@click.option("--key", default=None, help="idempotency key")
@click.option("--json", "as_json", is_flag=True)
@_connection_options
def answer(consultation_id: str, text: str, key: str | None, as_json: bool,
           **connection: Any) -> None:
    """Answer a consultation (the item's department's staff)."""
    request = pb.ActOnConsultationRequest(idempotency_key=idempotency_key(key),
                                          consultation_id=consultation_id,
                                          answer=pb.AnswerConsultation(answer=text))
    with _stub(**connection) as (stub, conn):
        reply = _call("answer", stub, conn, "ActOnConsultation", request)
    echo_json(reply) if as_json else click.echo(describe_consultation(reply.consultation))
