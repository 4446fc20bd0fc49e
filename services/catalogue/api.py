"""gRPC entrypoint of the catalogue: translates requests into use cases, and back."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator

import grpc
from sqlalchemy import Row, select
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from services.catalogue import storage as t
from services.catalogue.contract import (
    CHANGE_KIND_FROM_PB,
    DECISION_FROM_PB,
    LIST_KIND_FROM_PB,
    REVIEW_KIND_FROM_PB,
    STATUS_FROM_PB,
    VersionView,
    content_from_pb,
    version_to_pb,
)
from services.catalogue.domain.lifecycle import Action, OfflineReview, VersionStatus
from services.catalogue.domain.obligations import ChangeRecord
from services.catalogue.import_api import export_rpc, import_rows_rpc
from services.catalogue.importer import Importer
from services.catalogue.repository import view_of
from services.catalogue.search.index import SearchFilters, SearchIndex
from services.catalogue.service import (
    CatalogueService,
    decode_token,
    encode_token,
    may_read_internal,
)
from services.shared import auth
from services.shared.auth import Authenticator, Principal
from services.shared.departments import normalized_department_code
from services.shared.errors import InvalidArgument
from services.shared.grpc_errors import translate_errors, translate_stream_errors
from services.shared.grpc_server import principal_of

ACTIONS = {pb.ADJUST_ACTION_SUSPEND: Action.SUSPEND, pb.ADJUST_ACTION_RESUME: Action.RESUME,
           pb.ADJUST_ACTION_CANCEL: Action.CANCEL, pb.ADJUST_ACTION_DELEGATE: Action.DELEGATE,
           pb.ADJUST_ACTION_TRANSFER: Action.TRANSFER, pb.ADJUST_ACTION_MERGE: Action.MERGE,
           pb.ADJUST_ACTION_FREEZE: Action.FREEZE, pb.ADJUST_ACTION_UNFREEZE: Action.UNFREEZE}
MAX_SEARCH_PAGE = 100
#: the cleanup figures' order: kept first, then the ways an item leaves the list
STATE_ORDER = {s: n for n, s in enumerate(("active", "suspended", "cancelled", "delegated",
                                           "transferred", "merged", "frozen"))}
MAX_SEARCH_QUERY = 100
RENDER_CACHE_SIZE = 20_000


class CatalogueServicer(pb_grpc.CatalogueServiceServicer):
    def __init__(self, service: CatalogueService, authenticator: Authenticator,
                 index: SearchIndex, importer: Importer) -> None:
        self.service = service
        self.auth = authenticator
        self.index = index
        self.importer = importer
        self._render_cache: OrderedDict[tuple, pb.ItemVersion] = OrderedDict()
        self._render_lock = threading.Lock()

    def _out(self, principal: Principal, view: VersionView) -> pb.ItemVersion:
        return version_to_pb(view, internal=may_read_internal(principal, view))

    # --- declaring and reviewing --------------------------------------------------------
    @translate_errors
    def CreateItem(self, request: pb.CreateItemRequest, context: grpc.ServicerContext
                   ) -> pb.CreateItemResponse:
        if not request.HasField("draft"):
            raise InvalidArgument.of_field("draft", "required")
        principal = principal_of(context, self.auth)
        view = self.service.create_item(principal, content_from_pb(request.draft),
                                        request.idempotency_key)
        return pb.CreateItemResponse(item=self._out(principal, view))

    @translate_errors
    def UpdateDraft(self, request: pb.UpdateDraftRequest, context: grpc.ServicerContext
                    ) -> pb.UpdateDraftResponse:
        _require_version(request.item_id, request.version)
        if not request.HasField("draft"):
            raise InvalidArgument.of_field("draft", "required")
        principal = principal_of(context, self.auth)
        view = self.service.update_draft(principal, request.item_id, request.version,
                                         content_from_pb(request.draft),
                                         request.idempotency_key)
        return pb.UpdateDraftResponse(item=self._out(principal, view))

    @translate_errors
    def SubmitItem(self, request: pb.SubmitItemRequest, context: grpc.ServicerContext
                   ) -> pb.SubmitItemResponse:
        _require_version(request.item_id, request.version)
        principal = principal_of(context, self.auth)
        view = self.service.submit(principal, request.item_id, request.version,
                                   request.idempotency_key)
        return pb.SubmitItemResponse(item=self._out(principal, view))

    @translate_errors
    def ReviewItem(self, request: pb.ReviewItemRequest, context: grpc.ServicerContext
                   ) -> pb.ReviewItemResponse:
        _require_version(request.item_id, request.version)
        if request.kind not in REVIEW_KIND_FROM_PB:
            raise InvalidArgument.of_field("kind", "REVIEW_KIND_LEGAL (法制办) or "
                                                   "REVIEW_KIND_STAFFING (编办)")
        if request.decision not in DECISION_FROM_PB:
            raise InvalidArgument.of_field("decision", "REVIEW_DECISION_APPROVE or "
                                                       "REVIEW_DECISION_RETURN")
        principal = principal_of(context, self.auth)
        view = self.service.review(principal, request.item_id, request.version,
                                   REVIEW_KIND_FROM_PB[request.kind],
                                   DECISION_FROM_PB[request.decision], request.reason,
                                   request.idempotency_key)
        return pb.ReviewItemResponse(item=self._out(principal, view))

    @translate_errors
    def PublishItem(self, request: pb.PublishItemRequest, context: grpc.ServicerContext
                    ) -> pb.PublishItemResponse:
        _require_version(request.item_id, request.version)
        principal = principal_of(context, self.auth)
        reviewers = OfflineReview(request.legal_reviewer.strip(),
                                  request.staffing_reviewer.strip(),
                                  request.approving_document.strip())
        view = self.service.publish(principal, request.item_id, request.version, reviewers,
                                    request.idempotency_key)
        return pb.PublishItemResponse(item=self._out(principal, view))

    @translate_errors
    def DraftNextVersion(self, request: pb.DraftNextVersionRequest,
                         context: grpc.ServicerContext) -> pb.DraftNextVersionResponse:
        _require_id(request.item_id)
        principal = principal_of(context, self.auth)
        view = self.service.draft_next_version(principal, request.item_id,
                                               request.idempotency_key)
        return pb.DraftNextVersionResponse(item=self._out(principal, view))

    @translate_errors
    def AdjustItem(self, request: pb.AdjustItemRequest, context: grpc.ServicerContext
                   ) -> pb.AdjustItemResponse:
        _require_id(request.item_id)
        if request.action not in ACTIONS:
            raise InvalidArgument.of_field("action", "one of " + ", ".join(
                pb.AdjustAction.Name(a) for a in ACTIONS))
        principal = principal_of(context, self.auth)
        view, successor = self.service.adjust(principal, request.item_id,
                                              ACTIONS[request.action], request.reason,
                                              request.target, request.idempotency_key)
        return pb.AdjustItemResponse(item=self._out(principal, view),
                                     successor_item_id=successor)

    # --- delegation down a level across nodes (下放) --------------------------------------
    @translate_errors
    def DelegateItem(self, request: pb.DelegateItemRequest, context: grpc.ServicerContext
                     ) -> pb.DelegateItemResponse:
        _require_id(request.item_id)
        if request.version < 0:
            raise InvalidArgument.of_field("version", "0 (in force) or a version number")
        principal = principal_of(context, self.auth)
        view, delegation = self.service.delegations.delegate(
            principal, request.item_id, request.version, request.target_region,
            request.reason, request.idempotency_key)
        return pb.DelegateItemResponse(delegation=delegation,
                                       item=self._out(principal, view))

    @translate_errors
    def ListDelegations(self, request: pb.ListDelegationsRequest,
                        context: grpc.ServicerContext) -> pb.ListDelegationsResponse:
        _require_id(request.item_id)
        principal = principal_of(context, self.auth)
        return pb.ListDelegationsResponse(
            delegations=self.service.delegations.list(principal, request.item_id))

    @translate_errors
    def ReceiveDelegation(self, request: pb.ReceiveDelegationRequest,
                          context: grpc.ServicerContext) -> pb.ReceiveDelegationResponse:
        if not request.delegation_id or len(request.delegation_id) > 36:
            raise InvalidArgument.of_field("delegation_id", "the delegating node's delegation "
                                                            "id (at most 36 characters)")
        _require_id(request.source_item_id)
        if request.source_version < 1:
            raise InvalidArgument.of_field("source_version", "the version delegated (1 or more)")
        principal = principal_of(context, self.auth)
        view = self.service.delegations.receive(principal, request,
                                                content_from_pb(request.content))
        return pb.ReceiveDelegationResponse(item=self._out(principal, view),
                                            node=self.service.node_region)

    @translate_errors
    def RecordChange(self, request: pb.RecordChangeRequest, context: grpc.ServicerContext
                     ) -> pb.RecordChangeResponse:
        kind = CHANGE_KIND_FROM_PB.get(request.kind)
        if kind is None:
            raise InvalidArgument.of_field("kind", "CHANGE_KIND_LEGAL_BASIS (法律依据变化) or "
                                                   "CHANGE_KIND_FUNCTIONS (机构职能调整)")
        if request.item_id:
            _require_id(request.item_id)
        principal = principal_of(context, self.auth)
        change = ChangeRecord(kind=kind, basis=request.basis.strip(),
                              description=request.description.strip(),
                              effective_on=ChangeRecord.parse_day(request.effective_on),
                              item_id=request.item_id, region=request.region,
                              department_code=request.department_code.strip().upper())
        obligations = self.service.record_change(principal, change, request.idempotency_key)
        return pb.RecordChangeResponse(obligations=obligations)

    # --- reading ------------------------------------------------------------------------
    @translate_errors
    def GetItemVersion(self, request: pb.GetItemVersionRequest, context: grpc.ServicerContext
                       ) -> pb.GetItemVersionResponse:
        _require_id(request.item_id)
        if request.version < 0:
            raise InvalidArgument.of_field("version", "0 (in force) or a version number")
        principal = principal_of(context, self.auth)
        view = self.service.get_version(principal, request.item_id, request.version)
        return pb.GetItemVersionResponse(item=self._out(principal, view))

    @translate_errors
    def GetItemHistory(self, request: pb.GetItemHistoryRequest, context: grpc.ServicerContext
                       ) -> pb.GetItemHistoryResponse:
        _require_id(request.item_id)
        entries = self.service.history(principal_of(context, self.auth), request.item_id)
        return pb.GetItemHistoryResponse(entries=entries)

    @translate_errors
    def ListPublishedItems(self, request: pb.ListPublishedItemsRequest,
                           context: grpc.ServicerContext) -> pb.ListPublishedItemsResponse:
        principal = principal_of(context, self.auth)
        views, token = self.service.list_published(request.region, request.page_size,
                                                   request.page_token)
        return pb.ListPublishedItemsResponse(items=[self._out(principal, v) for v in views],
                                             next_page_token=token)

    @translate_errors
    def ListObligations(self, request: pb.ListObligationsRequest,
                        context: grpc.ServicerContext) -> pb.ListObligationsResponse:
        if request.status not in pb.ObligationStatus.values():
            raise InvalidArgument.of_field("status", "OBLIGATION_STATUS_OPEN, _FULFILLED or "
                                                     "_OVERDUE")
        status = "" if request.status == pb.OBLIGATION_STATUS_UNSPECIFIED else (
            pb.ObligationStatus.Name(request.status).removeprefix("OBLIGATION_STATUS_").lower())
        obligations, token = self.service.list_obligations(
            principal_of(context, self.auth), request.region, status, request.page_size,
            request.page_token)
        return pb.ListObligationsResponse(obligations=obligations, next_page_token=token)

    @translate_errors
    def CountItemStates(self, request: pb.CountItemStatesRequest,
                        context: grpc.ServicerContext) -> pb.CountItemStatesResponse:
        principal_of(context, self.auth)  # a token, when one is sent, must be valid
        counts = self.service.count_states(request.region)
        answer = pb.CountItemStatesResponse(total=sum(counts.values()))
        for state, n in sorted(counts.items(), key=lambda c: STATE_ORDER.get(c[0], 99)):
            answer.counts.add(state=pb.ItemState.Value(f"ITEM_STATE_{state.upper()}"),
                              items=n)
        return answer

    @translate_errors
    def SearchItems(self, request: pb.SearchItemsRequest, context: grpc.ServicerContext
                    ) -> pb.SearchItemsResponse:
        principal = principal_of(context, self.auth)
        self.service.territory.require_optional(request.region)
        filters = search_filters(principal, request)
        size = request.page_size or 20
        if not 1 <= size <= MAX_SEARCH_PAGE:
            raise InvalidArgument.of_field("page_size", f"between 1 and {MAX_SEARCH_PAGE}")
        if len(request.query) > MAX_SEARCH_QUERY:
            raise InvalidArgument.of_field("query", f"at most {MAX_SEARCH_QUERY} characters")
        if request.page and request.page_token:
            raise InvalidArgument.of_field("page", "a page number or a page token, not both")
        offset = (request.page - 1) * size if request.page else decode_token(request.page_token)
        hits, total = self.index.search(request.query, filters, offset, size)
        rows = self._version_rows([(item_id, version) for item_id, version, _ in hits])
        response = pb.SearchItemsResponse(total=total)
        for item_id, version, score in hits:
            row = rows.get((item_id, version))
            if row is not None:
                response.hits.add(item=self._rendered(principal, row), score=score)
        if offset + size < total:
            response.next_page_token = encode_token(offset + size)
        if request.facets:
            facets = self.index.facets(request.query, filters)
            for field, counts in (("departments", facets.departments),
                                  ("item_types", facets.item_types),
                                  ("exercise_levels", facets.exercise_levels),
                                  ("regions", facets.regions)):
                getattr(response.facets, field).extend(
                    pb.FacetCount(value=value, count=count) for value, count in counts.items())
        return response

    def _version_rows(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], Row]:
        if not keys:
            return {}
        v = t.item_versions.c
        wanted = set(keys)
        # item_id IN (…) uses the primary key on SQLite too; row-value IN would scan.
        query = select(t.item_versions, t.items.c.state, t.items.c.current_version,
                       t.items.c.successor).join(t.items, t.items.c.item_id == v.item_id
                                                 ).where(v.item_id.in_({k[0] for k in keys}))
        with self.service.db.read() as s:
            rows = s.execute(query).all()
        return {(r.item_id, r.version): r for r in rows if (r.item_id, r.version) in wanted}

    def _rendered(self, principal: Principal, row: Row) -> pb.ItemVersion:
        """A search hit as a message. Rendering (JSON → domain → proto) is most of a
        search's time, so rendered hits are kept, keyed by everything that can change."""
        internal = principal.can(auth.ITEM_READ_INTERNAL, row.region, row.department_code)
        key = (row.item_id, row.version, row.status, row.state, row.current_version,
               row.successor, row.flags, row.review_round, row.published_at, internal,
               hash(row.content))
        with self._render_lock:
            cached = self._render_cache.get(key)
            if cached is not None:
                self._render_cache.move_to_end(key)
                return cached
        message = self._out(principal, view_of(row))
        with self._render_lock:
            self._render_cache[key] = message
            if len(self._render_cache) > RENDER_CACHE_SIZE:
                self._render_cache.popitem(last=False)
        return message

    # --- import and export --------------------------------------------------------------
    @translate_errors
    def ImportRows(self, request: pb.ImportRowsRequest, context: grpc.ServicerContext
                   ) -> pb.ImportRowsResponse:
        return import_rows_rpc(self.importer, principal_of(context, self.auth), request)

    @translate_stream_errors
    def ExportItems(self, request: pb.ExportItemsRequest, context: grpc.ServicerContext
                    ) -> Iterator[pb.ItemVersion]:
        yield from export_rpc(self.service, principal_of(context, self.auth), request)


def search_filters(principal: Principal, request: pb.SearchItemsRequest) -> SearchFilters:
    """The filters of a search. Unpublished versions only for who may read them, within
    their region and (department staff) their own department (by its code)."""
    department = request.department.strip()
    department_code = normalized_department_code(request.department_code)
    if request.item_type and not (request.item_type.isdigit() and len(request.item_type) == 2):
        raise InvalidArgument.of_field("item_type", "a 2-digit GB/T 39046 type, e.g. 01")
    statuses = frozenset({VersionStatus.PUBLISHED.value})
    if request.status not in (pb.VERSION_STATUS_UNSPECIFIED, pb.VERSION_STATUS_PUBLISHED):
        status = STATUS_FROM_PB.get(request.status)
        if status is None or status is VersionStatus.SUPERSEDED:
            raise InvalidArgument.of_field("status", "published, draft, submitted or returned")
        if not request.region:
            raise InvalidArgument.of_field("region", "required when searching unpublished "
                                                     "versions")
        principal.require(auth.ITEM_READ_INTERNAL, request.region, department_code or None)
        own = principal.bound_department(auth.ITEM_READ_INTERNAL)
        if own is not None:
            department_code = own
        statuses = frozenset({status.value})
    list_kind = LIST_KIND_FROM_PB.get(request.list_kind)
    return SearchFilters(department=department, department_code=department_code,
                         item_type=request.item_type,
                         list_kind=list_kind.value if list_kind else "",
                         exercise_level=request.exercise_level, region=request.region,
                         statuses=statuses,
                         active_only=statuses == {VersionStatus.PUBLISHED.value},
                         classified_visible=classified_visible(principal))


def classified_visible(principal: Principal) -> Callable[[str, str], bool] | None:
    """Who sees a classified (涉密) item in a search: who may read its internal fields."""
    if not principal.can(auth.ITEM_READ_INTERNAL):
        return None  # the public, the hall: never

    def visible(region: str, department_code: str) -> bool:
        return principal.can(auth.ITEM_READ_INTERNAL, region, department_code)

    return visible


def _require_id(item_id: str) -> None:
    if not item_id:
        raise InvalidArgument.of_field("item_id", "required")
    if len(item_id) > 36:
        raise InvalidArgument.of_field("item_id", "an item id has at most 36 characters")


def _require_version(item_id: str, version: int) -> None:
    _require_id(item_id)
    if version < 1:
        raise InvalidArgument.of_field("version", "a version number (≥ 1)")
