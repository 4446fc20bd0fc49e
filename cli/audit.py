"""``sunlight audit``: the audit of case-file reads and of sign-ins (审计记录 · 登录审计).

``sunlight audit reads`` asks the case service (``ListAccessAudit``, over gRPC like ``sunlight
cases``) as a supervisor or administrator of the region — ``--token``, or ``--as SUBJECT
--role supervisor --as-region REGION`` minted with the node's key — for every read of a
case's file: by case, by reader, within a time window. ``sunlight audit sign-ins`` reads the
hall's own database (an operator on the node's machine) for every sign-in attempt and
sign-out: by account (its full number or staff account, matched by its HMAC: the table holds
the number masked only), by outcome, within a time window.

Times are RFC 3339 (``2026-11-30T08:00:00+08:00``) or a day (``2026-11-30``: its start in
Asia/Shanghai). Exit codes: 0 listed, 1 refused or unreachable, 2 wrong arguments.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

import click
from sunlight.cases.v1 import cases_pb2 as pb

from cli.connection import call_once, connection_options
from cli.output import echo_json
from services.shared.config import load_settings
from services.shared.working_days import CHINA


def _when(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), CHINA).astimezone(UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("RFC 3339 (2026-11-30T08:00:00+08:00) or a day "
                                 "(2026-11-30)", param_hint=option) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(UTC)


def _local(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


@click.group()
def audit() -> None:
    """The audit of case-file reads and of sign-ins (审计记录)."""


@audit.command("reads")
@click.option("--region", default="", help="the region (and those below it); default: the "
                                           "case's, else the caller's")
@click.option("--case", "case_number", default="", help="only the reads of this case")
@click.option("--reader", default="", help="only the reads by this account (the subject as "
                                           "recorded, or a person's or enterprise's full "
                                           "number)")
@click.option("--since", default=None, help="from (RFC 3339 or a day)")
@click.option("--until", default=None, help="before (RFC 3339 or a day)")
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--page-token", default="", help="the next page (printed after a full page)")
@click.option("--json", "as_json", is_flag=True, help="print the answer as JSON")
@connection_options("case service gRPC address, or the gateway's gRPC port (default: this "
                    "node's case service)", timeout_s=30.0)
def reads(region: str, case_number: str, reader: str, since: str | None, until: str | None,
          page_size: int, page_token: str, as_json: bool, **connection: Any) -> None:
    """Every read of a case's file (审计记录), newest first: who, which case, what, when, how."""
    from sunlight.cases.v1 import cases_pb2_grpc as pb_grpc  # noqa: PLC0415

    request = pb.ListAccessAuditRequest(region=region, case_number=case_number,
                                        subject=reader, page_size=page_size,
                                        page_token=page_token)
    for name, value in (("since", _when(since, "--since")), ("until", _when(until, "--until"))):
        if value is not None:
            getattr(request, name).FromDatetime(value)
    answer = call_once("sunlight audit reads", "case service", "cases",
                       pb_grpc.CaseServiceStub, "ListAccessAudit", request,
                       region=region or None, **connection)
    if as_json:
        echo_json(answer)
        return
    for e in answer.entries:
        who = f"{e.subject} {e.name}".strip()
        via = e.channel + (f" (asserted by {e.asserted_by})" if e.asserted_by else "")
        part = f" {e.target[:16]}" if e.target else ""
        click.echo(f"{_local(e.at.ToDatetime(tzinfo=UTC))}  {e.case_number}  "
                   f"{e.view}{part}  {who} [{e.roles}; {e.regions}]"
                   f"{' ' + e.department if e.department else ''}  {via}"
                   f"{'  (own)' if e.own else ''}  {e.purpose}")
    click.echo(f"{answer.total} read(s)" + (f"; next page: --page-token {answer.next_page_token}"
                                            if answer.next_page_token else ""))


@audit.command("sign-ins")
@click.option("--kind", type=click.Choice(["person", "enterprise", "staff"]), default=None)
@click.option("--account", default="", help="with --kind: the account (a full ID number or "
                                            "credit code, or a staff account)")
@click.option("--outcome", default="", help="e.g. OK, WRONG_PASSWORD, UNKNOWN_ACCOUNT, "
                                            "RATE_LIMITED, ACCOUNT_DISABLED, SIGNED_OUT")
@click.option("--since", default=None, help="from (RFC 3339 or a day)")
@click.option("--until", default=None, help="before (RFC 3339 or a day)")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--page-token", default="", help="the next page's token a listing printed")
@click.option("--json", "as_json", is_flag=True, help="print JSON lines")
def sign_ins(kind: str | None, account: str, outcome: str, since: str | None,
             until: str | None, limit: int, page_token: str, as_json: bool) -> None:
    """Sign-in attempts and sign-outs at this node's hall (登录审计), newest first."""
    from services.hall.identity import Kind  # noqa: PLC0415
    from services.hall.server import sign_in_audit  # noqa: PLC0415 - opens the database

    if account and not kind:
        raise click.UsageError("--account needs --kind (person, enterprise or staff)")
    store = sign_in_audit(load_settings())
    try:
        found = store.list(kind=Kind(kind) if kind else None, login=account,
                           outcome=outcome.strip().upper(), since=_when(since, "--since"),
                           until=_when(until, "--until"), page=page_token.strip(),
                           limit=limit)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--page-token") from None
    for r in found.rows:
        if as_json:
            click.echo(json.dumps({"id": r.id, "at": r.at.isoformat(), "event": r.event,
                                   "kind": r.kind, "outcome": r.outcome,
                                   "account": r.account, "client": r.client,
                                   "user_agent": r.user_agent}, ensure_ascii=False))
        else:
            click.echo(f"{_local(r.at)}  {r.outcome:<16} {r.outcome_words}  {r.kind:<10} "
                       f"{r.account}  {r.client}  {r.user_agent[:60]}")
    if not as_json:
        click.echo(f"{found.total} record(s)" + (
            f", {len(found.rows)} shown; next page: --page-token {found.next}"
            if found.next else ""))
