"""``sunlight handovers``: the hand-overs of 上报件 between this node and others (交接记录).

``sunlight handovers list`` asks the case service (``ListHandovers``, over gRPC like
``sunlight audit reads``) as an administrator or supervisor of the region — ``--token``, or
``--as SUBJECT --role admin --as-region REGION`` minted with the node's key — for the calls
the node's case relay keeps for other nodes: a reported case handed up (上), a decision sent
back down (下). One row each: the case, the way, the other node, when it was kept, attempts,
the next attempt, the last error, when it was delivered and what the other node answered.

Exit codes: 0 listed, 1 refused or unreachable, 2 wrong arguments.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import click
from sunlight.cases.v1 import cases_pb2 as pb

from cli.connection import call_once, connection_options
from cli.output import echo_json, table
from services.shared.working_days import CHINA

STATES = {"pending": pb.HANDOVER_STATE_PENDING, "failing": pb.HANDOVER_STATE_FAILING,
          "delivered": pb.HANDOVER_STATE_DELIVERED}
DIRECTIONS = {"up": pb.HANDOVER_DIRECTION_UP, "down": pb.HANDOVER_DIRECTION_DOWN}
#: what the table says of each (Chinese, for the operator; the code beside in --json)
STATE_WORDS = {pb.HANDOVER_STATE_PENDING: "待送达", pb.HANDOVER_STATE_FAILING: "送达失败",
               pb.HANDOVER_STATE_DELIVERED: "已送达"}
DIRECTION_WORDS = {pb.HANDOVER_DIRECTION_UP: "上报", pb.HANDOVER_DIRECTION_DOWN: "回复"}
HEADER = ["办件编号", "方向", "对方节点", "状态", "创建时间", "尝试", "下次尝试", "最近错误",
          "送达时间", "对方答复"]


def _local(stamp: Any, present: bool = True) -> str:
    if not present:
        return ""
    return stamp.ToDatetime(tzinfo=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _answer(text: str) -> str:
    """The other node's case number (the answer's JSON holds it and its trace hash)."""
    if not text:
        return ""
    try:
        return str(json.loads(text).get("case_number", text))
    except (ValueError, AttributeError):
        return text


def rows(answer: pb.ListHandoversResponse) -> list[list[str]]:
    """The table's rows of one page."""
    return [[h.case_number, DIRECTION_WORDS.get(h.direction, "?"), h.peer,
             STATE_WORDS.get(h.state, "?"), _local(h.created_at), str(h.attempts),
             _local(h.next_attempt_at, h.HasField("next_attempt_at")),
             h.last_error[:60], _local(h.delivered_at, h.HasField("delivered_at")),
             _answer(h.answer_json)] for h in answer.handovers]


@click.group()
def handovers() -> None:
    """Hand-overs of 上报件 between this node and others (交接记录)."""


@handovers.command("list")
@click.option("--state", type=click.Choice(list(STATES)), default=None,
              help="only pending, failing or delivered hand-overs")
@click.option("--direction", type=click.Choice(list(DIRECTIONS)), default=None,
              help="up: cases handed to the node above; down: decisions sent back")
@click.option("--peer", default="", help="only those to this node (its region code)")
@click.option("--case", "case_number", default="", help="only those of this case")
@click.option("--region", default="", help="the region (and those below it); default: the "
                                           "case's, else the caller's")
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--page-token", default="", help="the next page (printed after a full page)")
@click.option("--json", "as_json", is_flag=True, help="print the answer as JSON")
@connection_options("case service gRPC address, or the gateway's gRPC port (default: this "
                    "node's case service)", timeout_s=30.0)
def list_(state: str | None, direction: str | None, peer: str, case_number: str,
          region: str, page_size: int, page_token: str, as_json: bool,
          **connection: Any) -> None:
    """The hand-overs this node keeps for other nodes, newest first."""
    from sunlight.cases.v1 import cases_pb2_grpc as pb_grpc  # noqa: PLC0415

    request = pb.ListHandoversRequest(
        state=STATES[state] if state else pb.HANDOVER_STATE_UNSPECIFIED,
        direction=DIRECTIONS[direction] if direction else pb.HANDOVER_DIRECTION_UNSPECIFIED,
        peer=peer, case_number=case_number, region=region, page_size=page_size,
        page_token=page_token)
    answer = call_once("sunlight handovers list", "case service", "cases",
                       pb_grpc.CaseServiceStub, "ListHandovers", request,
                       region=region or None, **connection)
    if as_json:
        echo_json(answer)
        return
    if answer.handovers:
        click.echo(table(HEADER, rows(answer)))
    click.echo(f"{answer.total} hand-over(s)" + (
        f"; next page: --page-token {answer.next_page_token}"
        if answer.next_page_token else ""))
