"""``sunlight cases``: submit applications, act on cases, read them, their queues and traces,
and — for the government service centre — the running parallel branches it leads.

The CLI talks gRPC only: to the node's case service (default), or to the gateway's gRPC port
with ``--address`` (it forwards CaseService unchanged). Calls carry a bearer token: ``--token``
(or ``SUNLIGHT_TOKEN``), else one minted with the node's key for ``--as SUBJECT --role ROLE``
(with ``--as-department CODE`` — the department's unified social credit code — for department
staff and ``--position`` for the positions held).

Every write carries an idempotency key: ``--key`` (a department system passes its own id),
else a new one, printed, so that the same call can be repeated safely with ``--key``.

Exit codes: 0 when the command ran (``verify``: the trace is intact), 1 when the case service
refused or could not be reached (the message says why), or ``verify`` found a broken link
(named), 2 for wrong arguments.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date
from decimal import Decimal, InvalidOperation
from typing import Any

import click
import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from sunlight.cases.v1 import cases_pb2 as pb
from sunlight.cases.v1 import cases_pb2_grpc as pb_grpc
from sunlight.common.v1 import common_pb2

from cli.connection import (
    Connection,
    call,
    connect_as,
    connection_options,
    idempotency_key,
)
from cli.output import echo_json

#: actions on the command line (hyphens) → the oneof field of ActOnCaseRequest
ACTIONS: dict[str, str] = {
    name.replace("_", "-"): name for name in (
        f.name for f in pb.ActOnCaseRequest.DESCRIPTOR.oneofs_by_name["action"].fields)}
#: actions on one step instance (--step; taken from the case when only one step runs)
STEP_ACTIONS = frozenset({"claim", "release", "reassign", "complete_step", "return_step",
                          "urge"})
ASSISTANCE = [v.name.removeprefix("ASSISTANCE_KIND_").lower()
              for v in pb.AssistanceKind.DESCRIPTOR.values if v.number]
PROCEDURES = [v.name.removeprefix("SPECIAL_PROCEDURE_").lower()
              for v in common_pb2.SpecialProcedure.DESCRIPTOR.values if v.number]
MODES = [v.name.removeprefix("HANDLING_MODE_").lower()
         for v in common_pb2.HandlingMode.DESCRIPTOR.values if v.number]
CHANNELS = [v.name.removeprefix("CHANNEL_").lower()
            for v in pb.Channel.DESCRIPTOR.values if v.number and v.name != "CHANNEL_OPENED"]
OUTCOMES = [v.name.removeprefix("DECISION_OUTCOME_").lower().replace("_", "-")
            for v in pb.DecisionOutcome.DESCRIPTOR.values if v.number]
STATUS_WORDS = {
    pb.CASE_STATUS_SUBMITTED: "submitted, awaiting acceptance (已申请待受理)",
    pb.CASE_STATUS_SUPPLEMENT: "supplements asked for (补正中)",
    pb.CASE_STATUS_IN_PROGRESS: "in progress (办理中)",
    pb.CASE_STATUS_DECIDED: "decided, result to be published (已决定)",
    pb.CASE_STATUS_PUBLISHED: "result published (结果已公开)",
    pb.CASE_STATUS_COMPLETED: "completed (已办结)",
    pb.CASE_STATUS_REJECTED: "not accepted (不予受理)",
    pb.CASE_STATUS_WITHDRAWN: "withdrawn (已撤回)",
    pb.CASE_STATUS_LAPSED: "lapsed: supplements not handed in on time (申请已失效)",
}
STEP_WORDS = {pb.STEP_STATUS_PENDING: "pending", pb.STEP_STATUS_ACTIVE: "running",
              pb.STEP_STATUS_DONE: "done", pb.STEP_STATUS_RETURNED: "returned",
              pb.STEP_STATUS_CANCELLED: "cancelled"}
UNIT_WORDS = {common_pb2.TIME_UNIT_CALENDAR_DAYS: "calendar days"}


#: how the CLI reaches the case service; tests may replace it
def connect(address: str) -> tuple[pb_grpc.CaseServiceStub, grpc.Channel]:
    from services.shared.grpc_client import channel

    opened = channel(address)
    return pb_grpc.CaseServiceStub(opened), opened


_connection_options = connection_options(
    "case service gRPC address, or the gateway's gRPC port (default: this node's case "
    "service, from the settings)", timeout_s=30.0)


class Caller:
    """One connection to the case service and who calls it."""

    def __init__(self, conn: Connection, stub: pb_grpc.CaseServiceStub) -> None:
        self.conn, self.stub = conn, stub

    def __call__(self, what: str, method: str, request: Message) -> Any:
        return call(f"sunlight cases {what}", "case service", self.stub, self.conn, method,
                    request)


@contextmanager
def _caller(**options: Any) -> Iterator[Caller]:
    conn = connect_as("cases", **options)
    stub, opened = connect(conn.address)
    try:
        yield Caller(conn, stub)
    finally:
        opened.close()


def _day(value: str | None, option: str) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a day (YYYY-MM-DD)",
                                 param_hint=option) from None


def _materials(given: Sequence[str]) -> list[pb.MaterialGiven]:
    """``key[:originals[:copies]]`` each; originals default to 1, copies to 0."""
    materials = []
    for text in given:
        key, *counts = text.split(":")
        try:
            numbers = [int(c) for c in counts]
        except ValueError:
            numbers = [-1]
        if not key or len(numbers) > 2 or any(n < 0 for n in numbers):
            raise click.BadParameter(f"{text!r}: expected KEY[:ORIGINALS[:COPIES]], e.g. "
                                     "form:1:2", param_hint="--material")
        originals, copies = (numbers + [1, 0][len(numbers):])[:2]
        materials.append(pb.MaterialGiven(key=key, originals=originals, copies=copies))
    return materials


@click.group("cases")
def cases() -> None:
    """Cases (办件): submit, act, show, queue, branches, trace, verify."""


# --- submit -------------------------------------------------------------------------------


@cases.command("submit")
@click.argument("item_id")
@click.option("--region", required=True, help="region of the government handling the case")
@click.option("--applicant", "applicant_name", required=True, help="the applicant's name")
@click.option("--id-type", type=click.Choice(["id_card", "credit_code"]), default="id_card",
              show_default=True, help="resident ID (GB 11643) or credit code (GB 32100)")
@click.option("--id-number", required=True, help="the applicant's ID number or credit code")
@click.option("--mode", type=click.Choice(MODES), default="promised", show_default=True)
@click.option("--channel", type=click.Choice(CHANNELS), default="counter", show_default=True)
@click.option("--agent", "agent_name", default=None, help="with --channel agent: the agent")
@click.option("--agent-id-type", type=click.Choice(["id_card", "credit_code"]),
              default="id_card", show_default=True)
@click.option("--agent-id-number", default=None)
@click.option("--material", "materials", multiple=True,
              help="a material handed in, KEY[:ORIGINALS[:COPIES]] (default 1 original); "
                   "may be repeated")
@click.option("--item-version", type=click.IntRange(min=0), default=0, show_default=True,
              help="0: the version in force")
@click.option("--key", default=None, help="idempotency key (a system: its own id)")
@click.option("--json", "as_json", is_flag=True, help="print the case as JSON")
@_connection_options
def submit(item_id: str, region: str, applicant_name: str, id_type: str, id_number: str,
           mode: str, channel: str, agent_name: str | None, agent_id_type: str,
           agent_id_number: str | None, materials: tuple[str, ...], item_version: int,
           key: str | None, as_json: bool, **connection: Any) -> None:
    """Submit an application (申请) for ITEM_ID: a case on the item version in force."""
    if (agent_name is None) != (agent_id_number is None):
        raise click.UsageError("--agent and --agent-id-number go together")
    request = pb.SubmitApplicationRequest(
        item_id=item_id, item_version=item_version, region=region.strip(),
        applicant=pb.Applicant(name=applicant_name, id_type=id_type, id_number=id_number),
        mode=common_pb2.HandlingMode.Value(f"HANDLING_MODE_{mode.upper()}"),
        channel=pb.Channel.Value(f"CHANNEL_{channel.upper()}"),
        materials=_materials(materials))
    if agent_name is not None:
        request.agent.CopyFrom(pb.Applicant(name=agent_name, id_type=agent_id_type,
                                            id_number=agent_id_number or ""))
    with _caller(**connection) as call:
        request.idempotency_key = idempotency_key(key)
        case = call("submit", "SubmitApplication", request).case
    echo_json(case) if as_json else click.echo(describe(case))


# --- act ----------------------------------------------------------------------------------


@cases.command("act")
@click.argument("case_number")
@click.argument("action", type=click.Choice(sorted(ACTIONS)))
@click.option("--step", "instance_id", default=None,
              help="the step instance, e.g. s3 (default: the one running step; urge: the one "
                   "running parallel branch)")
@click.option("--opinion", default="", help="accept, complete-step: the opinion")
@click.option("--reason", default="",
              help="reject, return-step, start-procedure, withdraw: why; decide: the reasons")
@click.option("--reason-code", default="", help="reject: e.g. NOT_IN_SCOPE, NOT_QUALIFIED")
@click.option("--missing", multiple=True,
              help="request-supplement: a material key to supplement; may be repeated")
@click.option("--due", default=None, help="request-supplement: the applicant's last day")
@click.option("--material", "materials", multiple=True,
              help="receive-supplement: KEY[:ORIGINALS[:COPIES]]; may be repeated")
@click.option("--to", "to", default=None, help="reassign: to whom (subject)")
@click.option("--to-step", default="", help="return-step: the step key to return to")
@click.option("--kind", type=click.Choice(PROCEDURES), default=None,
              help="start-procedure: the special procedure (特别程序)")
@click.option("--extension-days", type=click.IntRange(0, 30), default=0,
              help="start-procedure extension: working days added")
@click.option("--result", default="", help="end-procedure: its result")
@click.option("--outcome", type=click.Choice(OUTCOMES), default=None,
              help="decide: the outcome (an opened case: impose or not-impose)")
@click.option("--legal-basis", multiple=True, help="decide: a law and article; repeatable")
@click.option("--document-number", default="", help="decide: the document's number (文书编号)")
@click.option("--certificate", default="", help="decide: the certificate issued (证照名称)")
@click.option("--valid-until", default=None, help="decide: YYYY-MM-DD")
@click.option("--intended", default="", help="notify: the intended decision, in words")
@click.option("--hearing-right", is_flag=True, help="notify: the party may ask for a hearing")
@click.option("--circumstance", default="",
              help="decide, notify (a penalty): the discretion standard's key (情节)")
@click.option("--measure", "measures", multiple=True,
              help="decide, notify (a penalty): a kind of penalty, e.g. fine; repeatable")
@click.option("--amount", default="",
              help="decide, notify (a penalty): a fine in yuan; charge-fee: the amount charged "
                   "in yuan, to the fen")
@click.option("--departure", default="",
              help="decide (a penalty outside its standard): the written justification")
@click.option("--fields", "fields_json", default=None,
              help="the action's fields as JSON (proto field names), e.g. for "
                   "record-collective-review, schedule-hearing, serve; merged with the "
                   "options above")
@click.option("--note", default="",
              help="urge: what is asked of the branch's department (催办); assist: what was "
                   "done for the applicant")
@click.option("--assistance", type=click.Choice(ASSISTANCE), default=None,
              help="assist: guide (领办) or assist (帮办)")
@click.option("--countermeasure", "countermeasures", multiple=True,
              help="complete-step, decide: a risk countermeasure (防范措施) carried out, word "
                   "for word as the item publishes it; repeatable")
@click.option("--fee", "fee_name", default="",
              help="charge-fee: the fee's name as the item publishes it (收费项目)")
@click.option("--quantity", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="charge-fee: units charged for")
@click.option("--receipt", default="", help="charge-fee: the receipt's number (收费票据号)")
@click.option("--waived", is_flag=True,
              help="charge-fee: the fee is waived (免收); give --basis")
@click.option("--basis", default="", help="charge-fee --waived: why (免收依据)")
@click.option("--key", default=None, help="idempotency key (a system: its own id)")
@click.option("--json", "as_json", is_flag=True, help="print the case as JSON")
@_connection_options
def act(case_number: str, action: str, instance_id: str | None, opinion: str, reason: str,
        reason_code: str, missing: tuple[str, ...], due: str | None,
        materials: tuple[str, ...], to: str | None, to_step: str, kind: str | None,
        extension_days: int, result: str, outcome: str | None, legal_basis: tuple[str, ...],
        document_number: str, certificate: str, valid_until: str | None, intended: str,
        hearing_right: bool, circumstance: str, measures: tuple[str, ...], amount: str,
        departure: str, fields_json: str | None, note: str, assistance: str | None,
        countermeasures: tuple[str, ...], fee_name: str, quantity: int, receipt: str,
        waived: bool, basis: str, key: str | None, as_json: bool, **connection: Any) -> None:
    """Take one ACTION on CASE_NUMBER (accept, complete-step, decide, urge, assist …).

    Which actions the case allows now: `sunlight cases show`. Actions with many fields
    (record-collective-review, schedule-hearing, hold-hearing, serve, record-evidence …) take
    them as JSON with --fields, e.g. --fields '{"method": "direct", "recipient": "张三"}'."""
    field = ACTIONS[action]
    needs = {"reject": ("--reason", reason), "request_supplement": ("--missing", missing),
             "receive_supplement": ("--material", materials), "reassign": ("--to", to),
             "return_step": ("--reason", reason), "start_procedure": ("--kind", kind),
             "end_procedure": ("--result", result), "decide": ("--outcome", outcome),
             "urge": ("--note", note), "assist": ("--assistance", assistance),
             "charge_fee": ("--fee", fee_name)}
    if field in needs and not needs[field][1]:
        raise click.UsageError(f"{action} needs {needs[field][0]}")
    if field == "start_procedure" and not reason:
        raise click.UsageError("start-procedure needs --reason")
    if field == "request_supplement" and not due:
        raise click.UsageError("request-supplement needs --due YYYY-MM-DD")
    if field == "assist" and not note:
        raise click.UsageError("assist needs --note")
    if field == "charge_fee" and not (waived and basis or amount and receipt and not waived):
        raise click.UsageError("charge-fee needs --amount and --receipt, or --waived and "
                               "--basis")
    if countermeasures and field not in ("complete_step", "decide"):
        raise click.UsageError(f"{action} states no countermeasures (--countermeasure)")
    with _caller(**connection) as call:
        if field in STEP_ACTIONS and instance_id is None:
            instance_id = _the_running_step(call, case_number, action,
                                            branches_only=field == "urge")
        message = _action_message(
            field, instance_id=instance_id or "", opinion=opinion, reason=reason,
            reason_code=reason_code, missing=missing, due=_day(due, "--due"),
            materials=_materials(materials), to=to or "", to_step=to_step, kind=kind,
            extension_days=extension_days, result=result, outcome=outcome,
            legal_basis=legal_basis, document_number=document_number,
            certificate=certificate, valid_until=_day(valid_until, "--valid-until"),
            intended=intended, hearing_right=hearing_right, note=note,
            assistance=assistance, countermeasures=countermeasures, fee_name=fee_name,
            quantity=quantity, receipt=receipt, waived=waived, basis=basis,
            amount=amount)
        if field != "charge_fee" and (circumstance or measures or amount or departure):
            if not hasattr(message, "penalty"):
                raise click.UsageError(f"{action} states no penalty (--circumstance, "
                                       "--measure, --amount, --departure)")
            message.penalty.CopyFrom(_penalty(circumstance, measures, amount, departure))
        if fields_json is not None:
            _merge_fields(message, fields_json, action)
        request = pb.ActOnCaseRequest(case_number=case_number, **{field: message})
        request.idempotency_key = idempotency_key(key)
        case = call("act", "ActOnCase", request).case
    echo_json(case) if as_json else click.echo(describe(case))


def _penalty(circumstance: str, measures: Sequence[str], amount: str,
             departure: str) -> pb.Penalty:
    penalty = pb.Penalty(circumstance=circumstance, measures=list(measures),
                         departure=departure)
    if amount:
        penalty.amount.CopyFrom(_money(amount))
    return penalty


def _money(amount: str) -> common_pb2.Money:
    """An amount in yuan, to the fen (``12.50``), as Money: exact, never a float."""
    try:
        yuan = Decimal(amount)
    except InvalidOperation:
        yuan = Decimal(-1)
    if not yuan.is_finite() or yuan <= 0 or yuan != yuan.quantize(Decimal("0.01")):
        raise click.BadParameter(f"{amount!r} is not an amount in yuan (to the fen)",
                                 param_hint="--amount")
    units = int(yuan)
    return common_pb2.Money(currency_code="CNY", units=units,
                            nanos=int((yuan - units) * 1_000_000_000))


def _merge_fields(message: Message, text: str, action: str) -> None:
    """The action's fields given as JSON, merged into ``message``."""
    try:
        json_format.ParseDict(json.loads(text), message)
    except (ValueError, json_format.ParseError) as exc:
        names = ", ".join(f.name for f in message.DESCRIPTOR.fields)
        raise click.BadParameter(f"not the fields of {action} ({names}): {exc}",
                                 param_hint="--fields") from None


def _the_running_step(call: Caller, case_number: str, action: str, *,
                      branches_only: bool = False) -> str:
    case = call("act", "GetCase", pb.GetCaseRequest(case_number=case_number)).case
    running = [s for s in case.steps if s.status == pb.STEP_STATUS_ACTIVE
               and (s.branch or not branches_only)]
    if len(running) == 1:
        return running[0].instance_id
    listed = ", ".join(f"{s.instance_id} ({s.name})" for s in running) or "none"
    raise click.UsageError(f"{action}: name the step with --step; running now: {listed}")


def _action_message(field: str, **o: Any) -> Message:
    """The action's message from the options (only the ones that action has)."""
    match field:
        case "accept":
            return pb.Accept(opinion=o["opinion"])
        case "reject":
            return pb.Reject(reasons=o["reason"], reason_code=o["reason_code"])
        case "request_supplement":
            return pb.RequestSupplement(missing=list(o["missing"]), due_date=o["due"])
        case "receive_supplement":
            return pb.ReceiveSupplement(materials=o["materials"])
        case "claim":
            return pb.Claim(instance_id=o["instance_id"])
        case "release":
            return pb.Release(instance_id=o["instance_id"])
        case "reassign":
            return pb.Reassign(instance_id=o["instance_id"], to=o["to"])
        case "complete_step":
            return pb.CompleteStep(instance_id=o["instance_id"], opinion=o["opinion"],
                                   countermeasures=list(o["countermeasures"]))
        case "return_step":
            return pb.ReturnStep(instance_id=o["instance_id"], to_key=o["to_step"],
                                 reason=o["reason"])
        case "start_procedure":
            return pb.StartProcedure(
                kind=common_pb2.SpecialProcedure.Value(
                    f"SPECIAL_PROCEDURE_{o['kind'].upper()}"),
                reason=o["reason"], extension_days=o["extension_days"])
        case "end_procedure":
            return pb.EndProcedure(result=o["result"])
        case "decide":
            return pb.Decide(
                outcome=pb.DecisionOutcome.Value(
                    "DECISION_OUTCOME_" + o["outcome"].upper().replace("-", "_")),
                reasons=o["reason"], legal_basis=list(o["legal_basis"]),
                document_number=o["document_number"], certificate=o["certificate"],
                valid_until=o["valid_until"], countermeasures=list(o["countermeasures"]))
        case "withdraw":
            return pb.Withdraw(reason=o["reason"])
        case "urge":
            return pb.UrgeBranch(instance_id=o["instance_id"], note=o["note"])
        case "assist":
            return pb.AssistApplicant(
                kind=pb.AssistanceKind.Value(f"ASSISTANCE_KIND_{o['assistance'].upper()}"),
                note=o["note"])
        case "notify":
            return pb.Notify(intended=o["intended"], hearing_right=o["hearing_right"])
        case "charge_fee":
            fee = pb.ChargeFee(name=o["fee_name"], quantity=o["quantity"],
                               receipt_number=o["receipt"], waived=o["waived"],
                               basis=o["basis"])
            if o["amount"]:
                fee.amount.CopyFrom(_money(o["amount"]))
            return fee
    # lapse, publish_result, complete, and the actions given with --fields
    return getattr(pb, pb.ActOnCaseRequest.DESCRIPTOR.fields_by_name[field]
                   .message_type.name)()


# --- show ---------------------------------------------------------------------------------


@cases.command("show")
@click.argument("case_number")
@click.option("--status", "status_only", is_flag=True,
              help="where it stands only (the public view: no applicant, handler, opinion "
                   "or file), not logged as a read of the case's file")
@click.option("--json", "as_json", is_flag=True, help="print the case as JSON")
@_connection_options
def show(case_number: str, status_only: bool, as_json: bool, **connection: Any) -> None:
    """Where CASE_NUMBER stands: the steps running, what comes next, how long is left."""
    view = pb.CASE_VIEW_STATUS if status_only else pb.CASE_VIEW_FILE
    with _caller(**connection) as call:
        case = call("show", "GetCase", pb.GetCaseRequest(case_number=case_number,
                                                         view=view)).case
    echo_json(case) if as_json else click.echo(describe(case))


def _unit(unit: int) -> str:
    return UNIT_WORDS.get(unit, "working days")


def _left(left: int, unit: int) -> str:
    if left < 0:
        return f"{-left} {_unit(unit)} late"
    return f"{left} {_unit(unit)} left" if left else "due today"


def _due(label: str, case: pb.Case, field: str) -> str:
    if not case.HasField(field):
        return (f"{label}: not declared by the item (unknown)" if case.HasField("accepted_at")
                else f"{label}: runs from acceptance")
    due: pb.Due = getattr(case, field)
    when = (f"due {due.due_date}" + (" (provisional)" if due.provisional else "")
            if due.due_date else "no due date while the clock stands still")
    return (f"{label}: {due.limit_days} {_unit(due.unit)}, {when}, {due.used} used, "
            f"{_left(due.left, due.unit)}")


def _time(stamp: Any) -> str:
    from services.shared.working_days import CHINA

    return stamp.ToDatetime(tzinfo=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def department(name: str, code: str) -> str:
    """``区发展改革局 (115113016823646795)``; an unknown code says so."""
    return f"{name or '?'} ({code or 'code unknown'})"


def describe(case: pb.Case) -> str:
    """The case in words: where it stands, what comes next, how long is left; for those who
    may read its internals, the service centre's help, urges and parallel outcomes too."""
    lines = [f"{case.case_number}  {case.item_name} ({case.item_id} v{case.item_version}), "
             f"{department(case.department, case.department_code)}, region {case.region}",
             "status: " + STATUS_WORDS.get(case.status, "unknown")]
    if case.reason:
        lines.append(f"reason: {case.reason}")
    running = [s for s in case.steps if s.status == pb.STEP_STATUS_ACTIVE]
    for n, s in enumerate(running):
        when = (f"due {s.due_date}, {_left(s.days_left, s.limit_unit)}" if s.due_date
                else "no due date while the clock stands still")
        who = f", claimed by {s.assignee}" if s.assignee else (
            ", unclaimed" if s.role else "")
        role = f" ({s.role})" if s.role else ""
        urged = f", urged {s.urges}×" if s.urges else ""
        lines.append(f"{'now: ' if n == 0 else '     '}{s.instance_id} {s.name} — "
                     f"{department(s.department, s.department_code)}{role}, {when}{who}"
                     f"{urged}")
    if case.next_steps:
        lines.append("next: " + " → ".join(case.next_steps))
    lines.append(_due("promised", case, "promised"))
    lines.append(_due("statutory", case, "statutory"))
    if case.clock.stopped:
        lines.append(f"clock: stopped since {case.clock.stopped_since or '?'} "
                     f"({case.clock.stopped_because or 'reason not given'})")
    if case.missing_materials:
        lines.append("missing: " + "; ".join(case.missing_materials))
    for request in case.supplements:
        if not request.HasField("received_at"):
            lines.append(f"supplements asked for: {', '.join(request.missing)}, by "
                         f"{request.due_date}")
    if case.opened:
        lines += _opened_lines(case)
    if case.HasField("decision"):
        d = case.decision
        outcome = pb.DecisionOutcome.Name(d.outcome).removeprefix("DECISION_OUTCOME_").lower()
        lines.append(f"decision: {outcome}" + (f", document {d.document_number}"
                                               if d.document_number else "")
                     + (f", {_penalty_words(d.penalty)}" if d.HasField("penalty") else ""))
    for o in case.parallel_outcomes:
        late = ", ".join(f"{b.name} {b.days_late} days late" for b in o.branches
                         if b.days_late) or "none late"
        lines.append(f"parallel approval {o.step_name} joined {_time(o.joined_at)}: "
                     f"{len(o.branches)} branches, {late}")
    for u in case.urges:
        lines.append(f"urged: {u.instance_id} {department(u.department, u.department_code)}"
                     f" (due {u.due_date or '-'}) by {u.by}, {_time(u.at)}: {u.note}")
    for f in case.fees:
        lines.append(f"fee {f.fee_id} {f.name}: " + (
            f"waived (免收): {f.basis}" if f.waived else
            f"{_yuan(f.amount)} yuan for {f.quantity}, receipt {f.receipt_number}")
            + f", by {f.charged_by}, {_time(f.charged_at)}")
    for a in case.assistance:
        how = "guided (领办)" if a.kind == pb.ASSISTANCE_KIND_GUIDE else "assisted (帮办)"
        lines.append(f"{how} by {a.by}, {_time(a.at)}: {a.note}")
    lines.append("allowed now: " + (", ".join(a.replace("_", "-")
                                              for a in case.allowed_actions) or "nothing"))
    lines.append("history:")
    for s in case.steps:
        ended = f" → {_time(s.completed_at)}" if s.HasField("completed_at") else ""
        by = f" by {s.handler}" if s.handler else ""
        done = (", countermeasures: " + "; ".join(s.countermeasures)
                if s.countermeasures else "")
        lines.append(f"  {s.instance_id} {s.name} ({s.department or s.department_code or '?'}): "
                     f"{STEP_WORDS.get(s.status, '?')}, {_time(s.started_at)}{ended}{by}{done}")
    return "\n".join(lines)


def _yuan(money: common_pb2.Money) -> str:
    """``12.50``: yuan to the fen, exactly."""
    fen = money.units * 100 + money.nanos // 10_000_000
    return f"{fen // 100}.{fen % 100:02d}"


def _penalty_words(p: pb.Penalty) -> str:
    amount = f" {p.amount.units + p.amount.nanos / 1e9:g} yuan" if p.HasField("amount") else ""
    standard = "within its standard" if p.within_standard else (
        "outside its standard" + (f" (departure: {p.departure})" if p.departure else ""))
    return f"{'+'.join(p.measures)}{amount} in circumstance {p.circumstance}, {standard}"


def _opened_lines(case: pb.Case) -> list[str]:
    """What only a case the government opened shows (立案)."""
    lines = ["opened by the government (立案), source: " + (case.source or "unknown"),
             "legal basis: " + ("; ".join(case.legal_basis) or "unknown")]
    if case.parties:
        lines.append("parties: " + "; ".join(f"{p.name} ({p.id_number})"
                                             for p in case.parties))
    if case.evidence:
        lines.append(f"evidence: {len(case.evidence)} item(s), last: "
                     f"{case.evidence[-1].description}")
    if case.HasField("notification"):
        n = case.notification
        hearing = (f", may ask for a hearing until {n.hearing_due_on}" if n.hearing_right
                   else "")
        lines.append(f"notified on {n.notified_on}: {n.intended}{hearing}")
    if case.HasField("hearing"):
        h = case.hearing
        when = (f"held {_time(h.held_at)}: {h.outcome}" if h.HasField("held_at") else
                f"set for {h.scheduled_on} at {h.place}, host {h.host}" if h.scheduled_on
                else "asked for on " + h.requested_on + ", not yet scheduled")
        lines.append(f"hearing: {when}")
    elif case.hearing_waived:
        lines.append("hearing: waived by the party")
    for review in case.collective_reviews:
        lines.append(f"meeting {review.held_on} ({len(review.participants)} members): "
                     f"{review.outcome}")
    if case.HasField("service"):
        lines.append(f"served on {case.service.served_on} ({case.service.method}) to "
                     f"{case.service.recipient}")
    for prior in case.prior_cases:
        lines.append(f"earlier case against a party: {prior.case_number} {prior.item_name}, "
                     + STATUS_WORDS.get(prior.status, "unknown"))
    return lines


# --- queue --------------------------------------------------------------------------------


@cases.command("queue")
@click.option("--department", default="", metavar="CODE",
              help="the department's unified social credit code (default: the caller's own)")
@click.option("--for-position", "queue_role", default="",
              help="one position, e.g. chief (default: every position the caller holds)")
@click.option("--region", default="", help="this region and those under it")
@click.option("--unclaimed", is_flag=True, help="only steps nobody has claimed")
@click.option("--mine", is_flag=True, help="only steps the caller has claimed")
@click.option("--search", default="",
              help="a case number's beginning (6 characters or more) or an applicant's name")
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--page-token", default="", help="next_page_token of the previous page")
@click.option("--json", "as_json", is_flag=True, help="print the response as JSON")
@_connection_options
def queue(department: str, queue_role: str, region: str, unclaimed: bool, mine: bool,
          search: str, page_size: int, page_token: str, as_json: bool,
          **connection: Any) -> None:
    """A handler's queue (待办): running steps, earliest due first."""
    request = pb.ListQueueRequest(department_code=department.strip().upper(),
                                  role=queue_role, region=region, unclaimed_only=unclaimed,
                                  mine_only=mine, page_size=page_size, page_token=page_token,
                                  query=search.strip())
    with _caller(**connection) as call:
        response = call("queue", "ListQueue", request)
    _print_listing(response, as_json, "running steps")


@cases.command("branches")
@click.option("--region", default="", help="this region and those under it (default: the "
                                           "caller's regions)")
@click.option("--late", is_flag=True, help="only branches past their due date")
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--page-token", default="", help="next_page_token of the previous page")
@click.option("--json", "as_json", is_flag=True, help="print the response as JSON")
@_connection_options
def branches(region: str, late: bool, page_size: int, page_token: str, as_json: bool,
             **connection: Any) -> None:
    """Running parallel branches (并联审批) of every department, earliest due first: what the
    service centre leads and urges (服务中心协调并联审批). Window staff and supervisors."""
    request = pb.ListParallelBranchesRequest(region=region, late_only=late,
                                             page_size=page_size, page_token=page_token)
    with _caller(**connection) as call:
        response = call("branches", "ListParallelBranches", request)
    _print_listing(response, as_json, "running parallel branches")


def _print_listing(response: pb.ListQueueResponse, as_json: bool, what: str) -> None:
    if as_json:
        echo_json(response)
        return
    for e in response.entries:
        s = e.step
        due = (f"due {s.due_date} ({_left(s.days_left, s.limit_unit)})" if s.due_date
               else "clock stopped")
        who = f"claimed by {s.assignee}" if s.assignee else "unclaimed"
        urged = f"  urged {s.urges}×" if s.urges else ""
        click.echo(f"{e.case_number}  {s.instance_id} {s.name}  {e.item_name}  "
                   f"{department(s.department, s.department_code)}  {due}  {who}{urged}")
    more = f"; next page: --page-token {response.next_page_token}" if (
        response.next_page_token) else ""
    click.echo(f"{len(response.entries)} of {response.total} {what}{more}", err=True)


# --- trace, verify ------------------------------------------------------------------------


@cases.command("trace")
@click.argument("case_number")
@click.option("--json", "as_json", is_flag=True, help="print the entries as JSON")
@_connection_options
def trace(case_number: str, as_json: bool, **connection: Any) -> None:
    """CASE_NUMBER's trace (操作痕迹): every action, who, when, hash-chained."""
    with _caller(**connection) as call:
        response = call("trace", "GetTrace", pb.GetTraceRequest(case_number=case_number))
    if as_json:
        echo_json(response)
        return
    for e in response.entries:
        states = (f"{e.state_before or '-'} → {e.state_after}"
                  if e.state_before != e.state_after else e.state_after)
        opinion = f"  “{e.opinion}”" if e.opinion else ""
        click.echo(f"{e.seq:>3} {_time(e.at)}  {e.action:<26} {e.actor} ({e.role or '-'}, "
                   f"{e.department or '-'})  {states}{opinion}  {e.hash[:12]}")


@cases.command("verify")
@click.argument("case_number")
@_connection_options
def verify(case_number: str, **connection: Any) -> None:
    """Verify CASE_NUMBER's trace: exit 0 when every link holds, 1 naming the first broken
    one."""
    with _caller(**connection) as call:
        answer = call("verify", "VerifyTrace", pb.VerifyTraceRequest(case_number=case_number))
    if answer.intact:
        click.echo(f"{case_number}: trace intact, {answer.entries} entries, head {answer.head}")
        return
    click.echo(f"{case_number}: trace BROKEN at entry {answer.broken_at}: {answer.reason} "
               f"({answer.entries} entries)", err=True)
    sys.exit(1)


# --- documents (文书) ---------------------------------------------------------------------


@cases.command("documents")
@click.argument("case_number")
@click.option("--json", "as_json", is_flag=True, help="print the response as JSON")
@_connection_options
def documents(case_number: str, as_json: bool, **connection: Any) -> None:
    """CASE_NUMBER's documents (文书): id, title, number, when issued, content hash."""
    with _caller(**connection) as call:
        response = call("documents", "ListDocuments",
                        pb.ListDocumentsRequest(case_number=case_number))
    if as_json:
        echo_json(response)
        return
    for d in response.documents:
        rendered = f"PDF {d.pdf_size} bytes" if d.pdf_sha256 else "PDF not rendered yet"
        click.echo(f"{d.document_id:<6} {d.title}  {d.number}  {_time(d.issued_at)}  "
                   f"trace entry {d.trace_seq}  content {d.content_sha256[:16]}…  {rendered}")
    click.echo(f"{len(response.documents)} documents", err=True)


@cases.group("document")
def document() -> None:
    """One document: get its PDF, verify a PDF against the case's trace."""


@document.command("get")
@click.argument("case_number")
@click.argument("document_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="the file to write (default: <case>-<id>.pdf)")
@_connection_options
def document_get(case_number: str, document_id: str, output: str | None,
                 **connection: Any) -> None:
    """Write the PDF of CASE_NUMBER's DOCUMENT_ID (e.g. d3) to a file."""
    with _caller(**connection) as call:
        answer = call("document get", "GetDocument", pb.GetDocumentRequest(
            case_number=case_number, document_id=document_id))
    path = output or f"{case_number}-{document_id}.pdf"
    with open(path, "wb") as fh:
        fh.write(answer.pdf)
    d = answer.document
    click.echo(f"{path}: {d.title} {d.number}, {len(answer.pdf)} bytes, PDF SHA-256 "
               f"{d.pdf_sha256}, content SHA-256 {d.content_sha256}")


@document.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the answer as JSON")
@_connection_options
def document_verify(file: str, as_json: bool, **connection: Any) -> None:
    """Verify a document's PDF against the trace of the case it names: exit 0 when its
    content is what the trace recorded, the trace holds and the PDF is the one issued; 1
    naming what does not hold."""
    with open(file, "rb") as fh:
        pdf = fh.read()
    if len(pdf) > 3 << 20:
        raise click.BadParameter("over 3 MiB: not a document of this platform",
                                 param_hint="FILE")
    with _caller(**connection) as call:
        answer = call("document verify", "VerifyDocument", pb.VerifyDocumentRequest(pdf=pdf))
    if as_json:
        echo_json(answer)
    d = answer.document
    name = f"{d.title} {d.number} of case {d.case_number} ({d.document_id})" if (
        answer.HasField("document")) else file
    if answer.valid:
        if not as_json:
            click.echo(f"{name}: VALID — {answer.reason}")
        return
    click.echo(f"{name}: NOT VALID — {answer.reason}", err=True)
    sys.exit(1)
