"""gRPC entrypoint of the case service: requests into applications and commands, and back."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

import grpc
import rfc8785
from sunlight.cases.v1 import cases_pb2 as pb
from sunlight.cases.v1 import cases_pb2_grpc as pb_grpc

from services.cases import audit, handovers
from services.cases.codec import snapshot_from_json
from services.cases.contract import (
    ASSISTANCE_FROM_PB,
    CASE_STATUS,
    CHANNEL_FROM_PB,
    MODE_FROM_PB,
    OUTCOME_FROM_PB,
    case_to_pb,
    decision_to_pb,
    for_applicant,
    procedure_kind,
    step_to_pb,
    urge_counts,
)
from services.cases.documents.contract import summary_to_pb, verdict_to_pb
from services.cases.domain import engine, reported
from services.cases.domain.flow import Mode
from services.cases.domain.model import (
    Case,
    Channel,
    Decision,
    InstanceStatus,
    MaterialFile,
    Party,
    StepInstance,
)
from services.cases.domain.trace import TraceEntry
from services.cases.opened_contract import command_of as opened_command
from services.cases.opened_contract import evidence_of, fen_of, penalty_of
from services.cases.service import Application, CaseService, Opening
from services.shared.auth import CASE_APPLY, Authenticator, Principal
from services.shared.channels import DIRECT, ChannelSeal
from services.shared.departments import normalized_department_code
from services.shared.errors import InvalidArgument
from services.shared.grpc_errors import translate_errors
from services.shared.grpc_server import principal_of as caller_of
from services.shared.recent import Recent
from services.shared.working_days import local_day


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument.of_field(field, "a day, YYYY-MM-DD") from None


def _party(message: pb.Applicant) -> Party:
    return Party(message.name, message.id_type, message.id_number)


def _materials(given) -> tuple[tuple[str, int, int], ...]:  # type: ignore[no-untyped-def]
    return tuple((m.key, m.originals, m.copies) for m in given)


def _files(given) -> tuple[MaterialFile, ...]:  # type: ignore[no-untyped-def]
    return tuple(MaterialFile(m.key, f.sha256, f.name, f.media_type, f.size)
                 for m in given for f in m.files)


def command_of(request: pb.ActOnCaseRequest) -> engine.Command:
    """The engine's command for the one action a request carries."""
    action = request.WhichOneof("action")
    a = getattr(request, action)
    match action:
        case "accept":
            return engine.Accept(a.opinion)
        case "reject":
            return engine.Reject(a.reasons, a.reason_code)
        case "request_supplement":
            due = _day(a.due_date, "request_supplement.due_date")
            if due is None:
                raise InvalidArgument.of_field("request_supplement.due_date",
                                               "the applicant's last day, YYYY-MM-DD")
            return engine.RequestSupplement(tuple(a.missing), due)
        case "receive_supplement":
            return engine.ReceiveSupplement(_materials(a.materials), _files(a.materials))
        case "lapse":
            return engine.Lapse()
        case "claim":
            return engine.Claim(a.instance_id)
        case "release":
            return engine.Release(a.instance_id)
        case "reassign":
            return engine.Reassign(a.instance_id, a.to)
        case "complete_step":
            return engine.CompleteStep(a.instance_id, a.opinion, tuple(a.countermeasures))
        case "return_step":
            return engine.Return(a.instance_id, a.to_key, a.reason)
        case "start_procedure":
            return engine.StartProcedure(procedure_kind(a.kind), a.reason, a.extension_days)
        case "end_procedure":
            return engine.EndProcedure(a.result)
        case "decide":
            return engine.Decide(OUTCOME_FROM_PB[a.outcome], a.reasons, tuple(a.legal_basis),
                                 a.document_number, a.certificate,
                                 _day(a.valid_until, "decide.valid_until"),
                                 penalty_of(a.penalty, "decide.penalty")
                                 if a.HasField("penalty") else None,
                                 tuple(a.countermeasures))
        case "publish_result":
            return engine.PublishResult()
        case "complete":
            return engine.Complete()
        case "withdraw":
            return engine.Withdraw(a.reason)
        case "urge":
            return engine.UrgeBranch(a.instance_id, a.note)
        case "assist":
            kind = ASSISTANCE_FROM_PB.get(a.kind)
            return engine.Assist(kind.value if kind else "", a.note)
        case "charge_fee":
            return engine.ChargeFee(
                a.name, fen_of(a.amount, "charge_fee.amount") if a.HasField("amount") else 0,
                a.quantity, a.receipt_number, a.waived, a.basis)
    opened = opened_command(action, a)
    if opened is not None:
        return opened  # type: ignore[return-value]
    raise InvalidArgument.of_field("action", "one action")  # pragma: no cover - validated


#: queue entries kept serialized (``CaseServicer._listing``)
QUEUE_ENTRIES_KEPT = 20_000


class CaseServicer(pb_grpc.CaseServiceServicer):
    def __init__(self, service: CaseService, authenticator: Authenticator,
                 channels: ChannelSeal | None = None) -> None:
        """``channels``: checks the channel the node's front ends name (the node's key);
        without it every call is recorded as having come straight here."""
        self.service = service
        self.auth = authenticator
        self._channels = channels
        # the queue's entries as answered lately, serialized, by what makes them: the case's
        # number and event sequence (a state at a sequence never changes), the step, the
        # case's due date, the day and the calendar's revision (the days left). A
        # department's inbox, asked for by each of its handlers, shows the same steps page
        # after page: each entry is built once a day or once its case moves, then copied in C
        self._queue_entries: Recent[bytes] = Recent(QUEUE_ENTRIES_KEPT)

    def _caller(self, context: grpc.ServicerContext) -> Principal:
        """The caller; the channel the call came by kept for the audit of the reads it makes
        (``services.cases.audit.channel``: what a front end of the node named and sealed)."""
        audit.channel.set(self._channels.channel_of(context.invocation_metadata())
                          if self._channels is not None else DIRECT)
        return caller_of(context, self.auth)

    def _answer(self, principal: Principal, case: Case) -> pb.CaseResponse:
        internal = self.service.may_read_internal(principal, case)
        own = not internal and self.service.owns(principal, case)
        message = case_to_pb(case, self.service.calendar, local_day(), internal=internal,
                             own=own)
        if own:
            message.query_code = self.service.query_code(case)
        if internal and case.opened:
            for prior in self.service.prior_cases(case):
                entry = message.prior_cases.add(case_number=prior.number,
                                                item_name=prior.item.name,
                                                status=CASE_STATUS[prior.status])
                entry.opened_at.FromDatetime(prior.submitted_at)
                if prior.decision is not None:
                    entry.decision.CopyFrom(decision_to_pb(prior.decision, internal=True))
        return pb.CaseResponse(case=message)

    @translate_errors
    def SubmitApplication(self, request: pb.SubmitApplicationRequest,
                          context: grpc.ServicerContext) -> pb.CaseResponse:
        principal = self._caller(context)
        channel = CHANNEL_FROM_PB.get(request.channel, Channel.COUNTER)
        application = Application(
            item_id=request.item_id, version=request.item_version, region=request.region,
            mode=MODE_FROM_PB.get(request.mode, Mode.PROMISED), channel=channel,
            applicant=_party(request.applicant),
            agent=_party(request.agent) if request.HasField("agent") else None,
            materials=_materials(request.materials), files=_files(request.materials),
            agent_authorisation=request.agent_authorisation)
        case = self.service.submit(principal, application, request.idempotency_key)
        answer = self._answer(principal, case)
        if principal.can(CASE_APPLY) and not self.service.may_read_internal(principal, case):
            # the applicant (or agent) who applied online: what is theirs, and the query code
            for_applicant(answer.case, case)
        answer.case.query_code = self.service.query_code(case)  # for the receipt
        return answer

    @translate_errors
    def OpenCase(self, request: pb.OpenCaseRequest, context: grpc.ServicerContext
                 ) -> pb.CaseResponse:
        principal = self._caller(context)
        opening = Opening(
            item_id=request.item_id, version=request.item_version, region=request.region,
            parties=tuple(_party(p) for p in request.parties), facts=request.facts,
            source=request.source, legal_basis=tuple(request.legal_basis),
            evidence=tuple(evidence_of(e) for e in request.evidence))
        case = self.service.open(principal, opening, request.idempotency_key)
        return self._answer(principal, case)

    @translate_errors
    def ActOnCase(self, request: pb.ActOnCaseRequest, context: grpc.ServicerContext
                  ) -> pb.CaseResponse:
        principal = self._caller(context)
        case = self.service.act(principal, request.case_number, command_of(request),
                                request.idempotency_key)
        return self._answer(principal, case)

    @translate_errors
    def GetCase(self, request: pb.GetCaseRequest, context: grpc.ServicerContext
                ) -> pb.CaseResponse:
        principal = self._caller(context)
        material = request.material_sha256
        if request.view == pb.CASE_VIEW_STATUS:
            if material:
                raise InvalidArgument.of_field(
                    "material_sha256", "empty with view CASE_VIEW_STATUS (a file's download "
                    "is a read of the case's file)")
            case = self.service.progress(principal, request.case_number)
            return pb.CaseResponse(case=case_to_pb(case, self.service.calendar, local_day(),
                                                   internal=False))
        case = self.service.get(principal, request.case_number, purpose=request.purpose,
                                view=audit.MATERIAL if material else "", target=material)
        answer = self._answer(principal, case)
        documents = self.service.documents
        if documents.may_read(principal, case):  # staff, or the case's own applicant/parties
            answer.case.documents.extend(summary_to_pb(d) for d in documents.readable(
                principal, case, documents.of_case(case.number)))
        return answer

    @translate_errors
    def ListQueue(self, request: pb.ListQueueRequest, context: grpc.ServicerContext
                  ) -> pb.ListQueueResponse:
        principal = self._caller(context)
        page = _page(request, 50)
        entries, total = self.service.queue(
            principal, normalized_department_code(request.department_code),
            request.role.strip(), request.region, request.unclaimed_only, request.mine_only,
            page.offset, page.size, request.query)
        return self._listing(entries, total, page)

    @translate_errors
    def ListParallelBranches(self, request: pb.ListParallelBranchesRequest,
                             context: grpc.ServicerContext) -> pb.ListQueueResponse:
        principal = self._caller(context)
        page = _page(request, 50)
        entries, total = self.service.parallel_branches(principal, request.region,
                                                        request.late_only, page.offset,
                                                        page.size)
        return self._listing(entries, total, page)

    def _listing(self, entries: list[tuple[StepInstance, Case, str]], total: int,
                 page: _Page) -> pb.ListQueueResponse:
        response = pb.ListQueueResponse(total=total, next_page_token=page.next_token(total))
        today = local_day()
        calendar = self.service.calendar
        for instance, case, case_due in entries:
            key = (case.number, case.sequence, instance.instance_id, case_due, today,
                   calendar.revision)
            kept = self._queue_entries.get(key)
            if kept is not None:
                response.entries.add().MergeFromString(kept)
                continue
            # the step's own due day, as ``progress`` gives it for a running step
            due = (case.clock.due(instance.started_on, instance.limit, calendar, today)
                   if instance.status is InstanceStatus.ACTIVE else None)
            position = next(n for n, i in enumerate(case.instances)
                            if i.instance_id == instance.instance_id)
            entry = response.entries.add(
                case_number=case.number, item_name=case.item.name,
                step=step_to_pb(instance, position, due, internal=True,
                                urges=urge_counts(case).get(instance.instance_id, 0)),
                case_status=CASE_STATUS[case.status], case_due_date=case_due,
                applicant_name=case.applicant.name)
            self._queue_entries.put(key, entry.SerializeToString())
        return response

    @translate_errors
    def GetTrace(self, request: pb.GetTraceRequest, context: grpc.ServicerContext
                 ) -> pb.GetTraceResponse:
        principal = self._caller(context)
        entries = self.service.trace(principal, request.case_number, request.purpose)
        return pb.GetTraceResponse(entries=[_entry(e) for e in entries])

    @translate_errors
    def VerifyTrace(self, request: pb.VerifyTraceRequest, context: grpc.ServicerContext
                    ) -> pb.VerifyTraceResponse:
        principal = self._caller(context)
        entries, broken = self.service.verify(principal, request.case_number, request.purpose)
        return pb.VerifyTraceResponse(
            intact=broken is None, entries=len(entries),
            head=entries[-1].hash if entries else "",
            broken_at=broken.seq if broken else 0, reason=broken.reason if broken else "")

    # --- documents (文书) --------------------------------------------------------------------
    @translate_errors
    def ListDocuments(self, request: pb.ListDocumentsRequest, context: grpc.ServicerContext
                      ) -> pb.ListDocumentsResponse:
        principal = self._caller(context)
        found = self.service.documents.list(principal, request.case_number, request.purpose)
        return pb.ListDocumentsResponse(documents=[summary_to_pb(d) for d in found])

    @translate_errors
    def GetDocument(self, request: pb.GetDocumentRequest, context: grpc.ServicerContext
                    ) -> pb.GetDocumentResponse:
        principal = self._caller(context)
        record, pdf = self.service.documents.get(principal, request.case_number,
                                                 request.document_id, request.purpose)
        return pb.GetDocumentResponse(document=summary_to_pb(record), pdf=pdf,
                                      content_json=record.content)

    @translate_errors
    def VerifyDocument(self, request: pb.VerifyDocumentRequest,
                       context: grpc.ServicerContext) -> pb.VerifyDocumentResponse:
        principal = self._caller(context)
        documents = self.service.documents
        if request.WhichOneof("subject") == "pdf":
            return verdict_to_pb(documents.verify_pdf(principal, request.pdf))
        return verdict_to_pb(documents.verify_stored(principal, request.stored.case_number,
                                                     request.stored.document_id))

    # --- the applicant's side (办件查询 · 查阅记录) --------------------------------------------
    @translate_errors
    def ListMyCases(self, request: pb.ListMyCasesRequest, context: grpc.ServicerContext
                    ) -> pb.ListMyCasesResponse:
        principal = self._caller(context)
        page = _page(request, 20)
        cases, total = self.service.my_cases(principal, page.offset, page.size)
        response = pb.ListMyCasesResponse(total=total, next_page_token=page.next_token(total))
        today = local_day()
        for case in cases:
            response.cases.append(case_to_pb(case, self.service.calendar, today,
                                             internal=False, own=True))
        return response

    @translate_errors
    def LookupCase(self, request: pb.LookupCaseRequest, context: grpc.ServicerContext
                   ) -> pb.CaseResponse:
        principal = self._caller(context)
        case = self.service.lookup(principal, request.case_number, request.applicant_name,
                                   request.query_code)
        message = case_to_pb(case, self.service.calendar, local_day(), internal=False)
        return pb.CaseResponse(case=message)

    @translate_errors
    def ListCaseAccesses(self, request: pb.ListCaseAccessesRequest,
                         context: grpc.ServicerContext) -> pb.ListCaseAccessesResponse:
        principal = self._caller(context)
        page = _page(request, 50)
        rows, total = self.service.accesses(principal, request.case_number, page.offset,
                                            page.size)
        return pb.ListCaseAccessesResponse(total=total, next_page_token=page.next_token(total),
                                           entries=[_access(row) for row in rows])

    @translate_errors
    def ListAccessAudit(self, request: pb.ListAccessAuditRequest,
                        context: grpc.ServicerContext) -> pb.ListAccessAuditResponse:
        principal = self._caller(context)
        page = _page(request, 50)
        since = request.since.ToDatetime(tzinfo=UTC) if request.HasField("since") else None
        until = request.until.ToDatetime(tzinfo=UTC) if request.HasField("until") else None
        if since is not None and until is not None and until <= since:
            raise InvalidArgument.of_field("until", "after since (the window is since ≤ at "
                                           "< until)")
        rows, total = self.service.read_audit(principal, request.region, request.case_number,
                                              request.subject.strip(), since, until,
                                              page.offset, page.size)
        return pb.ListAccessAuditResponse(total=total, next_page_token=page.next_token(total),
                                          entries=[_access(row) for row in rows])

    # --- 上报件 across nodes -----------------------------------------------------------------
    @translate_errors
    def ListHandovers(self, request: pb.ListHandoversRequest,
                      context: grpc.ServicerContext) -> pb.ListHandoversResponse:
        principal = self._caller(context)
        page = _page(request, 50)
        rows, total = self.service.list_handovers(
            principal, request.region, state=handovers.STATE_NAMES.get(request.state, ""),
            kind=handovers.KIND_OF_DIRECTION.get(request.direction, ""), peer=request.peer,
            number=request.case_number, offset=page.offset, size=page.size)
        return pb.ListHandoversResponse(total=total, next_page_token=page.next_token(total),
                                        handovers=[handovers.to_pb(row) for row in rows])

    @translate_errors
    def ReceiveReportedCase(self, request: pb.ReceiveReportedCaseRequest,
                            context: grpc.ServicerContext) -> pb.ReceiveReportedCaseResponse:
        principal = self._caller(context)
        try:
            item = snapshot_from_json(request.item_snapshot_json)
        except (ValueError, TypeError) as exc:
            raise InvalidArgument.of_field("item_snapshot_json",
                                           f"not an item version the case service keeps: "
                                           f"{exc}") from None
        report = reported.ReceiveReport(
            number="", region=request.region, item=item, applicant=_party(request.applicant),
            channel=CHANNEL_FROM_PB.get(request.channel, Channel.COUNTER),
            materials=_materials(request.materials), from_node=request.region,
            from_case=request.case_number, from_instance=request.instance_id,
            from_trace_seq=request.trace_seq, from_trace_hash=request.trace_hash,
            from_submitted_at=request.submitted_at.ToDatetime(tzinfo=UTC)
            if request.HasField("submitted_at") else None)
        case, head = self.service.receive_reported(principal, request.to_region, report,
                                                   request.idempotency_key)
        return pb.ReceiveReportedCaseResponse(case_number=case.number, trace_hash=head,
                                              node=self.service.node_region)

    @translate_errors
    def ReceiveReportedDecision(self, request: pb.ReceiveReportedDecisionRequest,
                                context: grpc.ServicerContext
                                ) -> pb.ReceiveReportedDecisionResponse:
        principal = self._caller(context)
        d = request.decision
        decided_at = d.decided_at.ToDatetime(tzinfo=UTC) if d.HasField("decided_at") else None
        decision = Decision(OUTCOME_FROM_PB.get(d.outcome, ""), d.reasons,
                            tuple(d.legal_basis), d.document_number, d.certificate,
                            _day(d.valid_until, "decision.valid_until"), decided_at,
                            d.decided_by)
        returned = reported.ApplyReturnedDecision(
            request.instance_id, "", request.parent_case_number, request.trace_seq,
            request.trace_hash, decision)
        case, entry = self.service.receive_decision(principal, request.case_number, returned,
                                                    request.idempotency_key)
        return pb.ReceiveReportedDecisionResponse(case_number=case.number, trace_hash=entry,
                                                  status=CASE_STATUS[case.status])


def _access(row) -> pb.CaseAccess:  # type: ignore[no-untyped-def]
    """One audit row of ``case_accesses``, as the API gives it."""
    entry = pb.CaseAccess(
        subject=row.subject, name=row.name, roles=row.roles, department=row.department,
        department_code=row.department_code, call=row.call, purpose=row.purpose,
        view=row.view, target=row.target, regions=row.regions, asserted_by=row.asserted_by,
        channel=row.channel, own=bool(row.own), region=row.region,
        case_number=row.case_number, id=row.id)
    entry.at.FromDatetime(row.at)
    return entry


def _entry(e: TraceEntry) -> pb.TraceEntry:
    message = pb.TraceEntry(seq=e.seq, actor=e.actor, role=e.role, department=e.department,
                            action=e.action, opinion=e.opinion, state_before=e.state_before,
                            state_after=e.state_after,
                            data_json=rfc8785.dumps(e.data).decode(), prev_hash=e.prev_hash,
                            hash=e.hash)
    message.at.FromDatetime(e.at)
    return message


@dataclass(frozen=True)
class _Page:
    """The page a listing asked for: ``size`` rows from ``offset``."""

    offset: int
    size: int

    def next_token(self, total: int) -> str:
        """The token of the next page; empty when this one is the last of ``total`` rows."""
        end = self.offset + self.size
        return _token(end) if end < total else ""


def _page(request: Any, default_size: int) -> _Page:
    """The page of a list request (its ``page_size``, ``default_size`` when unset — the
    contract bounds it — and ``page_token``: INVALID_ARGUMENT when not one this service
    issued)."""
    return _Page(_offset(request.page_token), request.page_size or default_size)


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset(token: str) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["o"]
        if not isinstance(offset, int) or not 0 <= offset <= 1_000_000:
            raise ValueError
        return offset
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument.of_field("page_token", "not a token this service issued"
                                       ) from None
