"""The gateway's router: which node answers a call — its own backends or a peer gateway.

A call is routed by what it names:

- a **case number** (``GetCase``, ``LookupCase``; HTTP ``/v1/cases/{n}``, ``/v1/cases/{n}/status``,
  ``/v1/cases/lookup``): its first six digits are the region of the case (``services/cases``
  numbers a case ``<region><yyyymmdd><serial:06d>``);
- a **region** (``SearchItems``' ``region``; ``GetItemVersion`` with the ``sunlight-region``
  metadata, HTTP ``?region=``): item ids carry no region, so the caller says whose item it is.

A region is held by the registered, unrevoked node whose region covers it most closely (511621
岳池县, which has no node of its own, by 511600 广安市 that hosts it; 511602 by 511602 itself). That
node is this one: the call goes to its own backends, as before. Another: the call goes to that
node's gateway over the peer port (mutual TLS, ``gateway.peers``), with a deadline, carrying the
person's **assertion** when a person is acting (their token, verified here, becomes a
two-minute token this node signs for the callee; docs/federation.md §5). The callee checks the
call against the node registry and the assertion against the caller, then serves it from its
own backends for that person (``PeerForwarder``).

A node that does not answer (stopped, unreachable, over the deadline) is ``UNAVAILABLE`` /
HTTP 503 with the code ``NODE_UNAVAILABLE`` and the node named; a call the registry does not
allow is the callee's ``PERMISSION_DENIED`` (``CALL_NOT_ALLOWED``, ``NODE_REVOKED`` …), passed on.
Without a node registry (a node on its own) every call is local.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import grpc
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2

from gateway.peers import (
    Peers,
    asserted_person,
    open_registry,
)
from services.shared.auth import Authenticator, Principal, mint_token
from services.shared.channels import ChannelSeal
from services.shared.errors import DomainError, Unavailable
from services.shared.expiring_cache import ExpiringCache
from services.shared.grpc_client import metadata as call_metadata
from services.shared.grpc_errors import STATUS_DETAILS_KEY, error_detail_of, status_trailers
from services.shared.grpc_tracing import with_trace_context
from services.shared.node_registry import NodeRegistry
from services.shared.pki import PkiPaths
from services.shared.region_data import RegionDirectory
from services.shared.regions import is_region_code

log = logging.getLogger(__name__)

#: metadata that names the region of what a call reads, where its request does not
REGION_METADATA = "sunlight-region"
GET_CASE = "/sunlight.cases.v1.CaseService/GetCase"
LOOKUP_CASE = "/sunlight.cases.v1.CaseService/LookupCase"
GET_ITEM_VERSION = "/sunlight.catalogue.v1.CatalogueService/GetItemVersion"
SEARCH_ITEMS = "/sunlight.catalogue.v1.CatalogueService/SearchItems"
#: a delegation down a level (下放) handed to the node that holds the region below
RECEIVE_DELEGATION = "/sunlight.catalogue.v1.CatalogueService/ReceiveDelegation"
#: 上报件 across nodes: a reported case to the node holding the region its decision belongs
#: to, and the decision back to the node holding the case (callers: the case relays)
RECEIVE_REPORTED_CASE = "/sunlight.cases.v1.CaseService/ReceiveReportedCase"
RECEIVE_REPORTED_DECISION = "/sunlight.cases.v1.CaseService/ReceiveReportedDecision"
#: an applicant's own case read at another node's hall: who read its file, its documents
LIST_CASE_ACCESSES = "/sunlight.cases.v1.CaseService/ListCaseAccesses"
GET_DOCUMENT = "/sunlight.cases.v1.CaseService/GetDocument"

#: method → how its request names the case or region it is about
ROUTED: dict[str, Callable[[bytes, Mapping[str, str]], tuple[str, str]]] = {
    GET_CASE: lambda raw, _: ("case", cases_pb2.GetCaseRequest.FromString(raw).case_number),
    LOOKUP_CASE: lambda raw, _: (
        "case", cases_pb2.LookupCaseRequest.FromString(raw).case_number),
    SEARCH_ITEMS: lambda raw, _: (
        "region", catalogue_pb2.SearchItemsRequest.FromString(raw).region),
    GET_ITEM_VERSION: lambda _, metadata: ("region", metadata.get(REGION_METADATA, "")),
    RECEIVE_DELEGATION: lambda raw, _: (
        "region", catalogue_pb2.ReceiveDelegationRequest.FromString(raw).target_region),
    RECEIVE_REPORTED_CASE: lambda raw, _: (
        "region", cases_pb2.ReceiveReportedCaseRequest.FromString(raw).to_region),
    RECEIVE_REPORTED_DECISION: lambda raw, _: (
        "case", cases_pb2.ReceiveReportedDecisionRequest.FromString(raw).case_number),
    LIST_CASE_ACCESSES: lambda raw, _: (
        "case", cases_pb2.ListCaseAccessesRequest.FromString(raw).case_number),
    GET_DOCUMENT: lambda raw, _: (
        "case", cases_pb2.GetDocumentRequest.FromString(raw).case_number),
}
#: the backend that serves each routed method on the node that holds it
SERVICE_OF = {GET_CASE: "sunlight.cases.v1.CaseService",
              LOOKUP_CASE: "sunlight.cases.v1.CaseService",
              GET_ITEM_VERSION: "sunlight.catalogue.v1.CatalogueService",
              SEARCH_ITEMS: "sunlight.catalogue.v1.CatalogueService",
              RECEIVE_DELEGATION: "sunlight.catalogue.v1.CatalogueService",
              RECEIVE_REPORTED_CASE: "sunlight.cases.v1.CaseService",
              RECEIVE_REPORTED_DECISION: "sunlight.cases.v1.CaseService",
              LIST_CASE_ACCESSES: "sunlight.cases.v1.CaseService",
              GET_DOCUMENT: "sunlight.cases.v1.CaseService"}
_UNANSWERED = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
#: seconds a routed call that found its peer's channel reconnecting waits for it, at most
#: (the channel's reconnect back-off is at most 2 s, gateway.peers)
RECONNECT_WAIT_S = 2.5
#: seconds a token made here for a person another node vouched for lives
LOCAL_TOKEN_TTL_S = 60
#: seconds before its expiry that such a token is no longer reused: more than any call's
#: deadline to the backends, so that none lapses on the way
LOCAL_TOKEN_REUSE_MARGIN_S = 20
#: people whose local token is remembered at most
MAX_LOCAL_TOKENS = 4096


def region_of_case(number: str) -> str:
    """The region a case number carries (its first six digits), or "" when it carries none."""
    head = number[:6]
    return head if is_region_code(head) else ""


class PeerCallFailed(Exception):
    """A peer answered with an error of its own (status, details, trailers): passed on."""

    def __init__(self, node: str, error: grpc.RpcError) -> None:
        super().__init__(f"node {node}: {error}")
        self.node = node
        self.code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
        self.details: str = error.details() or ""  # type: ignore[attr-defined]
        self.trailers: tuple[tuple[str, str | bytes], ...] = tuple(
            (k, v) for k, v in (error.trailing_metadata() or ())  # type: ignore[attr-defined]
            if not k.startswith("grpc-") or k == STATUS_DETAILS_KEY)
        self.error = error


class Router:
    """(method, case number or region) → this node (None) or the node that holds it."""

    def __init__(self, region: str, token_key: str, *,
                 registry: Callable[[], NodeRegistry] | None = None,
                 peers: Peers | None = None, timeout_s: float = 5.0,
                 directory: RegionDirectory | None = None) -> None:
        self.region, self._token_key = region, token_key
        self._registry, self.peers, self.timeout_s = registry, peers, timeout_s
        self._people = Authenticator(token_key, region)
        self._directory = directory

    @classmethod
    def of(cls, region: str, token_key: str, var_dir: Any, timeout_s: float) -> Router:
        """The router of a node: routing where it holds a certificate and the registry
        under <var_dir>/pki, every call local otherwise."""
        paths = PkiPaths.under(var_dir)
        if not (paths.has_identity and paths.registry.is_file()):
            return cls(region, token_key, timeout_s=timeout_s)
        registry = open_registry(paths).current
        peers = Peers(paths, registry, timeout_s, region=region, token_key=token_key)
        return cls(region, token_key, registry=registry, peers=peers, timeout_s=timeout_s)

    def registry(self) -> NodeRegistry | None:
        return self._registry() if self._registry is not None else None

    @property
    def federated(self) -> bool:
        return self._registry is not None and self.peers is not None

    def node_name(self, region: str) -> str:
        if self._registry is not None and (node := self._registry().node(region)):
            return node.name
        directory = self._directory or RegionDirectory.load()
        self._directory = directory
        try:
            return directory.name(region)
        except DomainError:
            return ""

    # --- where ------------------------------------------------------------------------

    def node_for_region(self, region: str) -> str:
        """The node that holds ``region``: the active registered node covering it most
        closely; this node when there is none, or no registry."""
        if not self._registry or not is_region_code(region):
            return self.region
        node = self._registry().holder_of(region)
        return node.region if node is not None else self.region

    def node_for_case(self, number: str) -> str:
        return self.node_for_region(region_of_case(number))

    def target(self, method: str, request: bytes, metadata: Mapping[str, str]) -> str | None:
        """The other node that should answer this call, or None: this node."""
        if not self.federated or method not in ROUTED:
            return None
        try:
            kind, key = ROUTED[method](request, metadata)
        except Exception:  # noqa: BLE001 - a malformed request: the backend says what is wrong
            return None
        node = self.node_for_case(key) if kind == "case" else self.node_for_region(key)
        return None if node == self.region else node

    # --- who --------------------------------------------------------------------------

    def person(self, authorization: str | None) -> Principal | None:
        """The person acting (their token verified by this node), None when nobody signed
        in; Unauthenticated for a token this node does not accept."""
        principal = self._people.principal(authorization)
        return None if principal.anonymous else principal

    # --- calling a peer ---------------------------------------------------------------

    def unanswered(self, node: str, code: grpc.StatusCode, details: str) -> Unavailable:
        name = self.node_name(node)
        shown = f"{node} {name}".strip()
        log.warning("node %s did not answer: %s %s", node, code.name, details)
        why = "未在时限内应答" if code is grpc.StatusCode.DEADLINE_EXCEEDED else "无法连接"
        return Unavailable(f"节点 {shown} {why}（{code.name}），请稍后再试；本节点的其他服务照常",
                           code="NODE_UNAVAILABLE",
                           metadata={"node": node, "node_name": name, "status": code.name})

    def _prepared(self, node: str, method: str, authorization: str | None,
                  timeout_s: float | None) -> tuple[Any, list[tuple[str, str]], float]:
        """The stub, metadata and deadline of a call to ``method`` on node ``node`` for the
        person of ``authorization`` (Unauthenticated for a token this node refuses,
        Unavailable for a node the registry no longer has)."""
        assert self.peers is not None
        person = self.person(authorization)
        call = self.peers.aio_stub(node, method)
        metadata = []
        if person is not None:
            # the peers' assertions: reused while they outlive a call of the peers' deadline
            metadata = [("authorization", self.peers.assertions.header(person, node))]
        return call, metadata, min(timeout_s or self.timeout_s, self.timeout_s,
                                   self.peers.timeout_s)

    def failure(self, node: str, error: grpc.RpcError) -> DomainError | PeerCallFailed:
        """What a failed call to node ``node`` is: the node not answering (DomainError
        ``NODE_UNAVAILABLE``) or the peer's own error, to pass on (PeerCallFailed)."""
        code = error.code()  # type: ignore[attr-defined]
        if code in _UNANSWERED and error_detail_of(error) is None:
            return self.unanswered(node, code, error.details() or "")  # type: ignore[attr-defined]
        return PeerCallFailed(node, error)

    async def call_raw_async(self, node: str, method: str, request: bytes,
                             authorization: str | None, timeout_s: float | None = None
                             ) -> bytes:
        """``method`` with the request's bytes on node ``node``, for the person of
        ``authorization``, awaited on the event loop (a grpc.aio channel of its own: no
        thread waits for the call). DomainError (node not answering, token refused) or
        PeerCallFailed (the peer's own error)."""
        call, metadata, timeout = self._prepared(node, method, authorization, timeout_s)
        metadata = with_trace_context(metadata)
        deadline = time.monotonic() + timeout
        try:
            return await call(request, timeout=timeout,  # type: ignore[no-any-return]
                              metadata=metadata)
        except grpc.RpcError as error:
            failed = error
        # a channel reconnecting to a peer that restarted fails calls at once: once it is
        # connected again (within the deadline), the call is made once more
        if (failed.code() is grpc.StatusCode.UNAVAILABLE  # type: ignore[attr-defined]
                and error_detail_of(failed) is None
                and await self.peers.reconnected(
                    node, min(RECONNECT_WAIT_S, deadline - time.monotonic()))):
            remaining = deadline - time.monotonic()
            if remaining > 0:
                try:
                    return await call(request, timeout=remaining,  # type: ignore[no-any-return]
                                      metadata=metadata)
                except grpc.RpcError as error:
                    failed = error
        raise self.failure(node, failed) from None

    async def call_async(self, node: str, method: str, request: Any, response_type: Any,
                         authorization: str | None, timeout_s: float | None = None) -> Any:
        return response_type.FromString(await self.call_raw_async(
            node, method, request.SerializeToString(), authorization, timeout_s))

    def close(self) -> None:
        if self.peers is not None:
            self.peers.close()


class RoutedHandler(grpc.GenericRpcHandler):
    """The routed methods on the gateway's gRPC port (grpc.aio): a call for another node's
    case or region goes to that node; the rest to ``local`` (the forwarding handler)."""

    def __init__(self, router: Router, local: grpc.GenericRpcHandler,
                 methods: Sequence[str] = tuple(ROUTED)) -> None:
        self._router, self._local = router, local
        self._handlers = {m: grpc.unary_unary_rpc_method_handler(
            functools.partial(self._route, m)) for m in methods}

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        return self._handlers.get(details.method)

    async def _route(self, method: str, request: bytes, context: grpc.aio.ServicerContext
                     ) -> bytes:
        metadata = {k: v for k, v in context.invocation_metadata() or ()
                    if isinstance(v, str)}
        node = self._router.target(method, request, metadata)
        if node is None:
            local = self._local.service(_Details(method))
            return await local.unary_unary(request, context)  # type: ignore[union-attr,no-any-return]
        remaining = context.time_remaining()
        try:
            return await self._router.call_raw_async(
                node, method, request, metadata.get("authorization"),
                remaining if remaining and remaining < 1e6 else None)
        except DomainError as error:
            await context.abort(grpc.StatusCode[error.grpc_status], error.message,
                                status_trailers(error))
        except PeerCallFailed as failed:
            await context.abort(failed.code, failed.details, failed.trailers)
        raise AssertionError("unreachable: abort raises")  # pragma: no cover


class _Details(grpc.HandlerCallDetails):
    def __init__(self, method: str) -> None:
        self.method = method
        self.invocation_metadata = ()


class PeerForwarder(grpc.GenericRpcHandler):
    """On the peer port: the methods other nodes may call (as the registry allows) served by
    this node's own backends, for the person the calling node vouched for — as a token this
    node signs for them, one minute long — or for nobody (the node called as itself)."""

    def __init__(self, region: str, token_key: str, routes: Mapping[str, grpc.Channel],
                 timeout_s: float, methods: Sequence[str] = tuple(ROUTED)) -> None:
        self._region, self._token_key, self._timeout_s = region, token_key, timeout_s
        self._seal = ChannelSeal(token_key)  # the backends' audit: "federation", sealed
        self._local_tokens: ExpiringCache[str] = ExpiringCache(MAX_LOCAL_TOKENS)
        # never a token that could lapse within one call's deadline (none at all when the
        # deadline is as long as the token's life)
        self._reuse_margin_s = max(LOCAL_TOKEN_REUSE_MARGIN_S, timeout_s + 1)
        self._handlers = {m: grpc.unary_unary_rpc_method_handler(functools.partial(
            self._forward, routes[SERVICE_OF[m]].unary_unary(m))) for m in methods}

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        return self._handlers.get(details.method)

    def local_token(self, person: Principal) -> str:
        """The token this node signs for ``person`` to call its own backends with: minted
        once and reused for the same person until ``LOCAL_TOKEN_REUSE_MARGIN_S`` (or the
        forwarding deadline and a second, if longer) before it expires.

        Why reusing it is safe: it never leaves this node (only the node's own backends see
        it) and says exactly what the verified assertion said — the cache key is the whole
        principal (subject, roles, regions, department, positions, name and the node that
        vouched), so anyone whose assertion says anything else gets a token of their own.
        It is handed out only after this call passed the peer port's checks (the calling
        node and its certificate against the node registry, its assertion verified): a
        revoked node never reaches it. Reuse also lets the backends find it among the tokens
        they verified already (by its exact string) instead of verifying a fresh one on
        every call."""
        token = self._local_tokens.get(person)
        if token is None:
            minted_at = time.time()
            token = mint_token(self._token_key, person.subject, person.roles, person.regions,
                               department=person.department, name=person.name,
                               ttl_s=LOCAL_TOKEN_TTL_S, issuer=self._region,
                               audience=self._region, positions=person.positions,
                               department_name=person.department_name,
                               asserted_by=person.issuer)
            # mint_token's exp is int(now) + ttl: the deadline errs on the early side
            self._local_tokens.put(person, token, int(minted_at) + LOCAL_TOKEN_TTL_S
                                   - self._reuse_margin_s)
        return token

    def _forward(self, call: grpc.UnaryUnaryMultiCallable, request: bytes,
                 context: grpc.ServicerContext) -> bytes:
        person = asserted_person()
        metadata = call_metadata(
            None if person.anonymous else "Bearer " + self.local_token(person), "federation",
            self._seal)
        remaining = context.time_remaining()
        timeout = self._timeout_s if remaining is None or remaining > 1e6 else max(remaining, 0)
        try:
            response = call(request, timeout=timeout, metadata=metadata or None)
        except grpc.RpcError as error:
            trailers = [(k, v) for k, v in error.trailing_metadata() or ()  # type: ignore[attr-defined]
                        if not k.startswith("grpc-") or k == STATUS_DETAILS_KEY]
            context.set_trailing_metadata(trailers)
            context.abort(error.code(), error.details() or "")  # type: ignore[attr-defined]
        return response  # type: ignore[no-any-return]


# --- the province-wide catalogue search (fan-out) ---------------------------------------------

#: seconds each node has to answer a province-wide search, unless the caller says
FANOUT_DEADLINE_S = 2.0


def province_nodes(router: Router) -> list[str]:
    """Every active node of the province (this one first), or this one alone."""
    registry = router.registry()
    if registry is None:
        return [router.region]
    others = [n.region for n in registry.nodes
              if n.revoked is None and n.region != router.region]
    return [router.region, *sorted(others)]


def merge_hits(answers: Mapping[str, catalogue_pb2.SearchItemsResponse | DomainError |
                                PeerCallFailed], names: Mapping[str, str], limit: int
               ) -> dict[str, Any]:
    """One ranked answer from each node's: hits by score (best first; ties by node, then
    by the node's own order), at most ``limit``; every node with whether it answered, and
    ``partial`` when one did not — never silently short."""
    from services.shared.protojson import message_to_dict  # noqa: PLC0415

    hits: list[tuple[float, str, int, catalogue_pb2.SearchHit]] = []
    nodes = []
    for node, answer in answers.items():
        entry: dict[str, Any] = {"region": node, "name": names.get(node, "")}
        if isinstance(answer, catalogue_pb2.SearchItemsResponse):
            entry.update(answered=True, total=answer.total)
            hits.extend((hit.score, node, n, hit) for n, hit in enumerate(answer.hits))
        else:
            code = answer.code if isinstance(answer, DomainError) else (
                error_detail_of(answer.error).code if error_detail_of(answer.error)
                 else answer.code.name)
            message = answer.message if isinstance(answer, DomainError) else answer.details
            entry.update(answered=False, total=None, error={"code": code, "message": message})
        nodes.append(entry)
    hits.sort(key=lambda h: (-h[0], h[1], h[2]))
    return {
        "hits": [{"node": node, "score": round(score, 4),
                  "item": message_to_dict(hit.item, always_print=True)}
                 for score, node, _, hit in hits[:limit]],
        "total": sum(e["total"] for e in nodes if e["answered"]),
        "partial": any(not e["answered"] for e in nodes),
        "nodes": nodes,
    }
