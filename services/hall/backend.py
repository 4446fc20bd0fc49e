"""The hall's view of the node: catalogue, cases and supervision over gRPC.

Public pages call with the hall's own service token; pages for a signed-in person pass that
person's token (``authorization``, minted by ``services.hall.tokens``), so the services
decide what the person may see and do."""

from __future__ import annotations

import contextvars
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc
from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc
from sunlight.monitoring.v1 import monitoring_pb2, monitoring_pb2_grpc

from services.hall.nodes import CaseNodes, HoldingNode
from services.shared.auth import ServiceToken
from services.shared.channels import ChannelSeal
from services.shared.config import Settings
from services.shared.grpc_client import channel, metadata

CATALOGUE = "sunlight.catalogue.v1.CatalogueService"
CASES = "sunlight.cases.v1.CaseService"
MONITORING = "sunlight.monitoring.v1.MonitoringService"
#: item versions whose material names the hall keeps (a published version never changes)
MATERIAL_NAMES_KEPT = 1000
#: calls a page makes beside its main one (their own deadlines bound them)
SIDE_CALLS = 16
T = TypeVar("T")


class Recent:
    """Answers kept by key for ``ttl_s`` seconds (0: none kept), at most ``KEPT`` of them;
    thread-safe."""

    KEPT = 2000

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.clock = ttl_s, clock
        self._kept: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, fetch: Callable[[], T]) -> T:
        """The answer kept for ``key``, or ``fetch()``'s (kept; an error is not)."""
        if self.ttl_s <= 0:
            return fetch()
        now = self.clock()
        with self._lock:
            found = self._kept.get(key)
            if found is not None and found[0] > now:
                return found[1]  # type: ignore[no-any-return]
        answer = fetch()
        with self._lock:
            self._kept[key] = (now + self.ttl_s, answer)
            self._kept.move_to_end(key)
            while len(self._kept) > self.KEPT:
                self._kept.popitem(last=False)
        return answer


class HallBackend:
    """Every call carries the hall's service token and a deadline; failures raise RpcError."""

    def __init__(self, catalogue: Any, cases: Any, authorization: Callable[[], str],
                 timeout_s: float, health: dict[str, Any] | None = None,
                 monitoring: Any = None, public_cache_s: float = 0.0,
                 seal: ChannelSeal | None = None) -> None:
        """``seal``: seals the channel ("hall") for the services' audit of reads."""
        self._seal = seal
        self._catalogue = catalogue
        self._cases = cases
        self._monitoring = monitoring
        self._authorization = authorization
        self._timeout_s = timeout_s
        self._health = health or {}
        self._channels: list[grpc.Channel] = []
        self._names: OrderedDict[tuple[str, int], dict[str, tuple[str, int, int]]] = OrderedDict()
        self._names_lock = threading.Lock()
        self._side = ThreadPoolExecutor(SIDE_CALLS, thread_name_prefix="hall-side-call")
        # the public guide's reads (an item in force, its history), the same for everyone
        self._public = Recent(public_cache_s)
        #: which node holds a case, and the node's gateway that routes to it (a province)
        self.nodes = CaseNodes("")
        self._routed_cases: Any = None

    def beside(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """``call`` started now on another thread (in this request's context: its trace), so
        that a page's independent calls wait for each other no longer; ``result()`` gives
        its answer or raises its RpcError."""
        context = contextvars.copy_context()
        return self._side.submit(context.run, call, *args, **kwargs)

    @classmethod
    def from_settings(cls, settings: Settings) -> HallBackend:
        catalogue_channel = channel(settings.peer_address("catalogue"))
        cases_channel = channel(settings.peer_address("cases"))
        monitoring_channel = channel(settings.peer_address("monitoring"))
        token = ServiceToken(settings.token_key, "hall", [settings.node_region],
                             issuer=settings.node_region, roles=("hall",))
        backend = cls(catalogue_pb2_grpc.CatalogueServiceStub(catalogue_channel),
                      cases_pb2_grpc.CaseServiceStub(cases_channel), token.header,
                      settings.grpc_timeout_s,
                      {CATALOGUE: health_pb2_grpc.HealthStub(catalogue_channel),
                       CASES: health_pb2_grpc.HealthStub(cases_channel)},
                      monitoring_pb2_grpc.MonitoringServiceStub(monitoring_channel),
                      public_cache_s=settings.hall_public_cache_s,
                      seal=ChannelSeal(settings.token_key))
        backend._channels = [catalogue_channel, cases_channel, monitoring_channel]
        backend.nodes = CaseNodes.of(settings.node_region, settings.var_dir)
        if backend.nodes.federated:
            gateway_channel = channel(settings.peer_address("gateway"))
            backend._routed_cases = cases_pb2_grpc.CaseServiceStub(gateway_channel)
            backend._channels.append(gateway_channel)
        return backend

    def held_elsewhere(self, case_number: str) -> HoldingNode | None:
        """The other node that holds this case (asked through the gateway), or None."""
        if self._routed_cases is None:
            return None
        return self.nodes.elsewhere(case_number)

    def _cases_for(self, case_number: str) -> Any:
        """This node's case service for its own cases (no extra hop); the gateway, which
        routes to the node that holds it, for another node's."""
        return self._routed_cases if self.held_elsewhere(case_number) else self._cases

    def _options(self, authorization: str | None = None) -> dict[str, Any]:
        return {"timeout": self._timeout_s,
                "metadata": metadata(authorization or self._authorization(), "hall",
                                     self._seal)}

    def item_in_force(self, item_id: str) -> catalogue_pb2.ItemVersion:
        """The version in force, for the public guide: as the catalogue answered it at most
        ``public_cache_s`` seconds ago (an application pins the version itself:
        ``item_version``)."""
        return self._public.get(("in_force", item_id), lambda: self._catalogue.GetItemVersion(
            catalogue_pb2.GetItemVersionRequest(item_id=item_id, version=0),
            **self._options()).item)

    def item_history(self, item_id: str) -> list[catalogue_pb2.HistoryEntry]:
        return self._public.get(("history", item_id), lambda: list(
            self._catalogue.GetItemHistory(catalogue_pb2.GetItemHistoryRequest(
                item_id=item_id), **self._options()).entries))

    def material_names(self, item_id: str, version: int) -> dict[str, str]:
        """Material key → name in the item version a case is pinned to (a material without
        a key is ``m<position>``, as the catalogue names it)."""
        return {k: name for k, (name, _, _) in self.material_needs(item_id, version).items()
                if name}

    def material_needs(self, item_id: str, version: int) -> dict[str, tuple[str, int, int]]:
        """Material key → (name, originals, copies the item asks for) in that version. A
        published version never changes: what it asks is kept (the last
        ``MATERIAL_NAMES_KEPT`` versions asked)."""
        key = (item_id, version)
        with self._names_lock:
            kept = self._names.get(key)
            if kept is not None:
                self._names.move_to_end(key)
                return dict(kept)
        item = self._catalogue.GetItemVersion(catalogue_pb2.GetItemVersionRequest(
            item_id=item_id, version=version), **self._options()).item
        needs = {m.key or f"m{n}": (m.name, m.originals, m.copies)
                 for n, m in enumerate(item.content.materials, start=1)}
        if version > 0:  # 0 is "the version in force", which changes
            with self._names_lock:
                self._names[key] = needs
                while len(self._names) > MATERIAL_NAMES_KEPT:
                    self._names.popitem(last=False)
        return dict(needs)

    def search(self, query: str, *, department: str = "", item_type: str = "",
               exercise_level: str = "", region: str = "", page_size: int, page: int = 1,
               facets: bool = False) -> catalogue_pb2.SearchItemsResponse:
        """Published items only (the hall never asks for another status); page by number."""
        return self._catalogue.SearchItems(catalogue_pb2.SearchItemsRequest(
            query=query, department=department, item_type=item_type,
            exercise_level=exercise_level, region=region, page_size=page_size, page=page,
            facets=facets), **self._options())

    def case(self, case_number: str) -> cases_pb2.Case:
        return self._cases.GetCase(cases_pb2.GetCaseRequest(case_number=case_number),
                                   **self._options()).case

    # --- as a signed-in person (their token: the services decide what they may) -----------
    def warnings(self, authorization: str, *, active_only: bool = False, severity: int = 0,
                 case_number: str = "", page_size: int = 50, page_token: str = ""
                 ) -> monitoring_pb2.ListWarningsResponse:
        """Supervision's warnings the caller may read, newest first."""
        return self._monitoring.ListWarnings(monitoring_pb2.ListWarningsRequest(
            active_only=active_only, severity=severity, case_number=case_number,
            page_size=page_size, page_token=page_token), **self._options(authorization))

    def warning(self, authorization: str, warning_id: str) -> monitoring_pb2.Warning:
        return self._monitoring.GetWarning(monitoring_pb2.GetWarningRequest(
            warning_id=warning_id), **self._options(authorization)).warning

    def act_on_warning(self, authorization: str, warning_id: str, action: str, key: str,
                       **fields: str) -> monitoring_pb2.Warning:
        """``action``: a field of ActOnWarningRequest's oneof (uphold, dismiss, …)."""
        request = monitoring_pb2.ActOnWarningRequest(idempotency_key=key,
                                                     warning_id=warning_id)
        getattr(request, action).SetInParent()
        for name, value in fields.items():
            setattr(getattr(request, action), name, value)
        return self._monitoring.ActOnWarning(request, **self._options(authorization)).warning

    def case_as(self, authorization: str, case_number: str, *, material_sha256: str = ""
                ) -> cases_pb2.Case:
        """The case as the caller may read it; ``material_sha256``: one of its files is about
        to be served to them (the case service audits the read as that download). A case
        another node holds is read there, through the gateway (the person's assertion goes
        with the call; that node's case service decides)."""
        return self._cases_for(case_number).GetCase(cases_pb2.GetCaseRequest(
            case_number=case_number, material_sha256=material_sha256),
            **self._options(authorization)).case

    def trace(self, authorization: str, case_number: str) -> list[cases_pb2.TraceEntry]:
        return list(self._cases.GetTrace(cases_pb2.GetTraceRequest(case_number=case_number),
                                         **self._options(authorization)).entries)

    def access_audit(self, authorization: str, *, case_number: str = "", subject: str = "",
                     since: datetime | None = None, until: datetime | None = None,
                     page_size: int = 50, page_token: str = ""
                     ) -> cases_pb2.ListAccessAuditResponse:
        """The audit of case-file reads the caller may list (审计记录), newest first."""
        request = cases_pb2.ListAccessAuditRequest(case_number=case_number, subject=subject,
                                                   page_size=page_size, page_token=page_token)
        if since is not None:
            request.since.FromDatetime(since)
        if until is not None:
            request.until.FromDatetime(until)
        return self._cases.ListAccessAudit(request, **self._options(authorization))

    def verify_trace(self, authorization: str, case_number: str
                     ) -> cases_pb2.VerifyTraceResponse:
        return self._cases.VerifyTrace(cases_pb2.VerifyTraceRequest(
            case_number=case_number), **self._options(authorization))

    def item_version(self, item_id: str, version: int) -> catalogue_pb2.ItemVersion:
        """One version of an item (0: the one in force): an application is pinned to it."""
        return self._catalogue.GetItemVersion(catalogue_pb2.GetItemVersionRequest(
            item_id=item_id, version=version), **self._options()).item

    def submit_application(self, authorization: str,
                           request: cases_pb2.SubmitApplicationRequest) -> cases_pb2.Case:
        """An application as the signed-in person (or their agent): the case service checks
        that the applicant, or the agent, is who the token says."""
        return self._cases.SubmitApplication(request, **self._options(authorization)).case

    # --- the applicant's side (办件查询: services.hall.track) -------------------------------
    def lookup_case(self, case_number: str, *, applicant_name: str = "", query_code: str = ""
                    ) -> cases_pb2.Case:
        """A case looked up without signing in: its number and one second factor."""
        request = cases_pb2.LookupCaseRequest(case_number=case_number)
        if query_code:
            request.query_code = query_code
        else:
            request.applicant_name = applicant_name
        return self._cases_for(case_number).LookupCase(request, **self._options()).case

    def my_cases(self, authorization: str, *, page_size: int = 20, page_token: str = ""
                 ) -> cases_pb2.ListMyCasesResponse:
        return self._cases.ListMyCases(cases_pb2.ListMyCasesRequest(
            page_size=page_size, page_token=page_token), **self._options(authorization))

    def act_on_case(self, authorization: str, case_number: str, key: str, **action: Any
                    ) -> cases_pb2.Case:
        """One action, e.g. ``withdraw=cases_pb2.Withdraw(reason=…)``."""
        return self._cases.ActOnCase(cases_pb2.ActOnCaseRequest(
            idempotency_key=key, case_number=case_number, **action),
            **self._options(authorization)).case

    def document_as(self, authorization: str, case_number: str, document_id: str
                    ) -> cases_pb2.GetDocumentResponse:
        return self._cases_for(case_number).GetDocument(cases_pb2.GetDocumentRequest(
            case_number=case_number, document_id=document_id), **self._options(authorization))

    def case_accesses(self, authorization: str, case_number: str, *, page_size: int = 50,
                      page_token: str = "") -> cases_pb2.ListCaseAccessesResponse:
        return self._cases_for(case_number).ListCaseAccesses(cases_pb2.ListCaseAccessesRequest(
            case_number=case_number, page_size=page_size, page_token=page_token),
            **self._options(authorization))

    # --- the workbench (工作台): staff act as themselves ----------------------------------
    def queue(self, authorization: str, *, department_code: str = "", role: str = "",
              unclaimed_only: bool = False, mine_only: bool = False, query: str = "",
              page_size: int = 50, page_token: str = "") -> cases_pb2.ListQueueResponse:
        """Running steps the caller may see, earliest due first (the case service decides
        which departments and positions)."""
        return self._cases.ListQueue(cases_pb2.ListQueueRequest(
            department_code=department_code, role=role, unclaimed_only=unclaimed_only,
            mine_only=mine_only, query=query, page_size=page_size, page_token=page_token),
            **self._options(authorization))

    def item_version_as(self, authorization: str, item_id: str, version: int
                        ) -> catalogue_pb2.ItemVersion:
        """The item version a case is pinned to, with its internal flow and risk points when
        the caller may read them."""
        return self._catalogue.GetItemVersion(catalogue_pb2.GetItemVersionRequest(
            item_id=item_id, version=version), **self._options(authorization)).item

    # --- the efficiency evaluation (效能评估) ---------------------------------------------
    def evaluate(self, authorization: str, period: str, rank_by: str = "",
                 dimension: int = 0) -> monitoring_pb2.EvaluateResponse:
        return self._monitoring.Evaluate(monitoring_pb2.EvaluateRequest(
            dimension=dimension, period=period, rank_by=rank_by),
            **self._options(authorization))

    def export_evaluation(self, authorization: str, period: str, export_format: int,
                          rank_by: str = "", dimension: int = 0
                          ) -> monitoring_pb2.ExportEvaluationResponse:
        return self._monitoring.ExportEvaluation(monitoring_pb2.ExportEvaluationRequest(
            query=monitoring_pb2.EvaluateRequest(dimension=dimension, period=period,
                                                 rank_by=rank_by),
            format=export_format), **self._options(authorization))

    # --- speaking up (咨询 · 投诉 · 好差评: services.hall.speak) ------------------------------
    def ask(self, authorization: str | None, request: monitoring_pb2.AskConsultationRequest
            ) -> monitoring_pb2.Consultation:
        """As the person signed in (their token), or (None) anonymously with the hall's."""
        return self._monitoring.AskConsultation(request, **self._options(authorization)
                                                ).consultation

    def consultation(self, consultation_id: str, query_code: str = "",
                     authorization: str | None = None) -> monitoring_pb2.Consultation:
        return self._monitoring.GetConsultation(monitoring_pb2.GetConsultationRequest(
            consultation_id=consultation_id, query_code=query_code),
            **self._options(authorization)).consultation

    def consultations(self, authorization: str, *, waiting_only: bool = False,
                      page_size: int = 50) -> monitoring_pb2.ListConsultationsResponse:
        return self._monitoring.ListConsultations(monitoring_pb2.ListConsultationsRequest(
            waiting_only=waiting_only, page_size=page_size), **self._options(authorization))

    def answer_consultation(self, authorization: str, consultation_id: str, key: str,
                            answer: str) -> monitoring_pb2.Consultation:
        return self._monitoring.ActOnConsultation(monitoring_pb2.ActOnConsultationRequest(
            idempotency_key=key, consultation_id=consultation_id,
            answer=monitoring_pb2.AnswerConsultation(answer=answer)),
            **self._options(authorization)).consultation

    def complain(self, authorization: str, request: monitoring_pb2.SubmitComplaintRequest
                 ) -> monitoring_pb2.Complaint:
        return self._monitoring.SubmitComplaint(request, **self._options(authorization)
                                                ).complaint

    def complaints(self, authorization: str, page_size: int = 50
                   ) -> monitoring_pb2.ListComplaintsResponse:
        return self._monitoring.ListComplaints(monitoring_pb2.ListComplaintsRequest(
            page_size=page_size), **self._options(authorization))

    def rate(self, authorization: str, request: monitoring_pb2.RateCaseRequest
             ) -> monitoring_pb2.Rating:
        return self._monitoring.RateCase(request, **self._options(authorization)).rating

    def ratings(self, authorization: str, case_number: str = "", page_size: int = 50
                ) -> monitoring_pb2.ListRatingsResponse:
        return self._monitoring.ListRatings(monitoring_pb2.ListRatingsRequest(
            case_number=case_number, page_size=page_size), **self._options(authorization))

    # --- open as it runs (动态公开: public) -----------------------------------------------
    def open_cases(self, *, finished: bool, page_token: str = "", page_size: int = 20
                   ) -> monitoring_pb2.ListOpenCasesResponse:
        return self._monitoring.ListOpenCases(monitoring_pb2.ListOpenCasesRequest(
            finished=finished, page_token=page_token, page_size=page_size), **self._options())

    def open_statistics(self, month: str = "") -> monitoring_pb2.GetOpenStatisticsResponse:
        return self._monitoring.GetOpenStatistics(monitoring_pb2.GetOpenStatisticsRequest(
            month=month), **self._options())

    def item_states(self, region: str) -> catalogue_pb2.CountItemStatesResponse:
        return self._catalogue.CountItemStates(catalogue_pb2.CountItemStatesRequest(
            region=region), **self._options())

    def health(self) -> dict[str, str]:
        """grpc.health.v1 status of each service the hall needs ("UNKNOWN": no answer)."""
        states: dict[str, str] = {}
        for service, stub in self._health.items():
            try:
                answer = stub.Check(health_pb2.HealthCheckRequest(service=service),
                                    timeout=min(self._timeout_s, 2.0))
                states[service] = health_pb2.HealthCheckResponse.ServingStatus.Name(
                    answer.status)
            except grpc.RpcError:
                states[service] = "UNKNOWN"
        return states

    def close(self) -> None:
        self._side.shutdown(wait=False, cancel_futures=True)
        for ch in self._channels:
            ch.close()
