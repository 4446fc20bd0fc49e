"""``sunlight cases open`` and ``sunlight cases minutes``: cases the government opens (立案).

``open`` opens a penalty, coercive measure or inspection on an item whose flow begins with its
opening step; the head then approves it (``sunlight cases act N accept``). ``minutes`` prints
the meetings that decided a case (集体讨论) as a record for filing with discipline inspection
(纪检监察备案). The other actions go through ``sunlight cases act``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
from sunlight.cases.v1 import cases_pb2 as pb

from cli.cases import _caller, _connection_options, cases, describe
from cli.connection import idempotency_key
from cli.output import echo_json
from services.shared.code_tables import CASE_SOURCES, EVIDENCE_KINDS


def _parties(given: Sequence[str]) -> list[pb.Applicant]:
    """``NAME:ID_NUMBER`` each; an 18-character code of letters and digits that is not a
    resident ID number (its 17 first characters digits) is a credit code."""
    parties = []
    for text in given:
        name, _, number = text.rpartition(":")
        if not name.strip() or not number.strip():
            raise click.BadParameter(f"{text!r}: expected NAME:ID_NUMBER, e.g. "
                                     "某食品店:91511602MA6XXXXXX1", param_hint="--party")
        number = number.strip().upper()
        id_type = "id_card" if number[:17].isdigit() else "credit_code"
        parties.append(pb.Applicant(name=name.strip(), id_type=id_type, id_number=number))
    return parties


def _evidence(given: Sequence[str]) -> list[pb.EvidenceGiven]:
    """``KIND:DESCRIPTION[:SHA256]`` each."""
    found = []
    for text in given:
        kind, _, description = text.partition(":")
        digest = ""
        head, _, tail = description.rpartition(":")
        if head and len(tail) == 64:
            description, digest = head, tail
        if kind not in EVIDENCE_KINDS or not description.strip():
            raise click.BadParameter(
                f"{text!r}: expected KIND:DESCRIPTION[:SHA256], KIND one of "
                + ", ".join(EVIDENCE_KINDS), param_hint="--evidence")
        found.append(pb.EvidenceGiven(kind=kind, description=description.strip(),
                                      sha256=digest))
    return found


@cases.command("open")
@click.argument("item_id")
@click.option("--region", required=True, help="region of the government opening the case")
@click.option("--party", "parties", multiple=True, required=True,
              help="a party (当事人), NAME:ID_NUMBER (resident ID or credit code); repeatable")
@click.option("--facts", required=True, help="the facts recorded at opening (案情)")
@click.option("--source", type=click.Choice(sorted(CASE_SOURCES)), default="inspection",
              show_default=True, help="where the case came from (案件来源)")
@click.option("--legal-basis", multiple=True, required=True,
              help="a citation of the item's own legal basis, as the item words it; "
                   "repeatable")
@click.option("--evidence", "evidence", multiple=True,
              help="KIND:DESCRIPTION[:SHA256], KIND one of " + ", ".join(EVIDENCE_KINDS)
              + "; repeatable")
@click.option("--item-version", type=click.IntRange(min=0), default=0, show_default=True,
              help="0: the version in force")
@click.option("--key", default=None, help="idempotency key (a system: its own id)")
@click.option("--json", "as_json", is_flag=True, help="print the case as JSON")
@_connection_options
def open_case(item_id: str, region: str, parties: tuple[str, ...], facts: str, source: str,
              legal_basis: tuple[str, ...], evidence: tuple[str, ...], item_version: int,
              key: str | None, as_json: bool, **connection: Any) -> None:
    """Open a case (立案) on ITEM_ID: it waits for the head's approval (act … accept)."""
    request = pb.OpenCaseRequest(
        item_id=item_id, item_version=item_version, region=region.strip(),
        parties=_parties(parties), facts=facts, source=source,
        legal_basis=list(legal_basis), evidence=_evidence(evidence))
    with _caller(**connection) as call:
        request.idempotency_key = idempotency_key(key)
        case = call("open", "OpenCase", request).case
    echo_json(case) if as_json else click.echo(describe(case))


def minutes_text(case: pb.Case) -> str:
    """The meetings that decided a case, as a record to file (纪检监察备案)."""
    if not case.collective_reviews:
        return f"{case.case_number}: no meeting has decided this case (无集体讨论记录)"
    lines = []
    for review in case.collective_reviews:
        lines += [
            "集体讨论记录", f"案件编号：{case.case_number}", f"案件名称：{case.item_name}",
            f"实施主体：{case.department}", f"会议日期：{review.held_on}",
            "参加人员：" + "、".join(f"{p.name}（{p.position}）" if p.position else p.name
                                  for p in review.participants),
            "会议纪要：", review.minutes, "个人意见："]
        lines += [f"  {o.participant}：{o.opinion}" for o in review.opinions]
        lines += [f"讨论结论：{review.outcome}", f"记录人：{review.recorded_by}",
                  f"记录编号：{review.review_id}", ""]
    return "\n".join(lines)


@cases.command("minutes")
@click.argument("case_number")
@click.option("--json", "as_json", is_flag=True, help="print the meetings as JSON")
@_connection_options
def minutes(case_number: str, as_json: bool, **connection: Any) -> None:
    """The meetings that decided CASE_NUMBER (集体讨论), for filing with discipline
    inspection (纪检监察备案)."""
    with _caller(**connection) as call:
        case = call("minutes", "GetCase", pb.GetCaseRequest(case_number=case_number)).case
    if as_json:
        echo_json(pb.Case(case_number=case.case_number,
                                 collective_reviews=case.collective_reviews))
    else:
        click.echo(minutes_text(case))
