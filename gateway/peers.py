"""Gateway to gateway: the peer port (mutual TLS), who is calling, and dialling a peer.

Nodes meet only through their gateways. Each gateway serves other nodes on its **peer port**
(``SUNLIGHT_GATEWAY_PEER_PORT``), gRPC over TLS that requires a client certificate issued by the
province's CA (``grpc.ssl_server_credentials(..., require_client_auth=True)``): a caller
without one, or with one of another CA, does not get past the handshake.

For every call that does, ``PeerAuthorisation`` derives the calling node's region from the
verified client certificate (its ``urn:sunlight:node:<region>`` SAN, ``services.shared.pki``)
and asks the node registry (``services.shared.node_registry``) whether that node, with that
certificate, may call this method on this node. Refused — a certificate revoked or not
registered, a node revoked, a call no rule allows — is ``PERMISSION_DENIED`` with an
``ErrorDetail`` whose ``code`` says which (``CERTIFICATE_REVOKED``, ``NODE_REVOKED``,
``CALL_NOT_ALLOWED``…) and whose message says what an operator can do; a call that carries no
usable certificate is ``UNAUTHENTICATED``. Handlers read the verified caller with
``calling_node()``.

A call made on behalf of a person carries ``authorization: Bearer <assertion>``: a short-lived
token the calling node signed for this node (``services.shared.auth.mint_assertion``). It is
verified with the calling node's token key from the registry, and must be signed by the very
node the certificate names (a node vouches for its own people only); ``asserted_person()``
gives it to handlers (anonymous when the call carries none: the node calls as itself).

``Peers`` dials another node with this node's own certificate, at the gateway address the
registry gives, checking that the answering certificate names the node meant (its
``<region>.nodes.sunlight.internal`` DNS SAN); every call has a deadline.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
import weakref
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import grpc
from cryptography import x509
from sunlight.gateway.v1 import gateway_pb2, gateway_pb2_grpc

from services.shared.auth import (
    ANONYMOUS,
    ASSERTION_TTL_S,
    Authenticator,
    Principal,
    mint_assertion,
)
from services.shared.errors import PermissionDenied, Unauthenticated, Unavailable
from services.shared.expiring_cache import ExpiringCache
from services.shared.grpc_errors import abort_with
from services.shared.grpc_metrics import MetricsServerInterceptor
from services.shared.grpc_tracing import aio_client_interceptors, server_interceptors, traced
from services.shared.node_registry import NodeRegistry, RegistryFile
from services.shared.pki import (
    CertificateProblem,
    PkiPaths,
    check_issued_by,
    fingerprint,
    load_cert,
    node_dns_name,
    region_of,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeerIdentity:
    """The calling node, as its verified certificate names it."""

    region: str
    fingerprint: str


_CALLER: contextvars.ContextVar[tuple[PeerIdentity, Principal] | None] = (
    contextvars.ContextVar("sunlight_peer", default=None))


def calling_node() -> PeerIdentity:
    """The node whose call is being served (inside a handler on the peer port)."""
    caller = _CALLER.get()
    if caller is None:
        raise Unauthenticated("no calling node: not a call on the peer port")
    return caller[0]


def asserted_person() -> Principal:
    """The person the calling node vouches for on this call (anonymous: none)."""
    caller = _CALLER.get()
    return caller[1] if caller is not None else ANONYMOUS


@lru_cache(maxsize=256)
def _identity(pem: bytes, ca_pem: bytes) -> PeerIdentity:
    cert = x509.load_pem_x509_certificate(pem)
    check_issued_by(cert, x509.load_pem_x509_certificate(ca_pem))
    return PeerIdentity(region_of(cert), fingerprint(cert))


class PeerAuthorisation(grpc.ServerInterceptor):
    """Every call on the peer port: the caller's certificate → its region → the registry."""

    def __init__(self, own_region: str, registry: Callable[[], NodeRegistry],
                 ca_pem: bytes, token_key: str) -> None:
        self._region, self._registry, self._ca_pem = own_region, registry, ca_pem
        # assertions verified once per registry: the same bytes verify the same way until
        # they expire or the registry changes (auth.Authenticator); whether the caller and
        # its certificate may call at all is asked of the registry on every call (check)
        self._people = Authenticator(token_key, own_region,
                                     peer_keys=lambda kid: registry().token_key(kid),
                                     generation=registry)
        # (method, handler) → the guarded handler, made once: the same object for every call
        # of a method, as the metrics interceptor in front of this one keeps its timed
        # version per handler (a new one per call would be timed anew per call)
        self._guarded: dict[tuple[str, int], tuple[Any, Any]] = {}

    def check(self, method: str, context: grpc.ServicerContext
              ) -> tuple[PeerIdentity, Principal]:
        """The verified caller allowed to call ``method`` and the person it vouches for, or
        the call aborted."""
        certificates = (context.auth_context() or {}).get("x509_pem_cert") or []
        if not certificates:
            abort_with(context, Unauthenticated(
                "the peer port serves other nodes' gateways only: present the node "
                "certificate issued by the province's CA", code="NO_CLIENT_CERTIFICATE"))
        try:
            caller = _identity(certificates[0], self._ca_pem)
        except (CertificateProblem, ValueError) as exc:
            abort_with(context, Unauthenticated(f"the client certificate is not a node "
                                                f"certificate of this province: {exc}",
                                                code="NOT_A_NODE_CERTIFICATE"))
        decision = self._registry().check_call(caller.region, self._region, method,
                                               caller.fingerprint)
        if not decision.allowed:
            log.warning("peer call refused: %s %s from %s: %s", decision.code, method,
                        caller.region, decision.message)
            abort_with(context, PermissionDenied(
                decision.message, code=decision.code,
                metadata={"caller": caller.region, "callee": self._region,
                          "method": method}))
        return caller, self._person(caller, context)

    def _person(self, caller: PeerIdentity, context: grpc.ServicerContext) -> Principal:
        authorization = dict(context.invocation_metadata() or ()).get("authorization")
        if not authorization:
            return ANONYMOUS
        try:
            person = self._people.principal(authorization)
        except Unauthenticated as exc:
            abort_with(context, exc)
        if person.issuer != caller.region:
            abort_with(context, Unauthenticated(
                f"node {caller.region} vouches for its own people only: this assertion is "
                f"signed by node {person.issuer or 'unknown'}", code="ASSERTION_NOT_CALLERS"))
        return person

    def intercept_service(self, continuation: Callable[[grpc.HandlerCallDetails], Any],
                          details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(details)
        if handler is None:
            return None
        method = details.method
        key = (method, id(handler))
        entry = self._guarded.get(key)
        if entry is not None and entry[0] is handler:
            return entry[1]
        guarded_handler = self._guard(method, handler)
        if len(self._guarded) > 10_000:  # handlers made per call by someone: stay bounded
            self._guarded.clear()
        self._guarded[key] = (handler, guarded_handler)
        return guarded_handler

    def _guard(self, method: str, handler: Any) -> Any:
        """``handler`` run only for a caller ``check`` allows, with ``calling_node()`` and
        ``asserted_person()`` set."""

        def guarded(behaviour: Callable[..., Any]) -> Callable[..., Any]:
            def run(request: Any, context: grpc.ServicerContext) -> Any:
                token = _CALLER.set(self.check(method, context))
                try:
                    return behaviour(request, context)
                finally:
                    _CALLER.reset(token)
            return run

        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                guarded(handler.unary_unary), handler.request_deserializer,
                handler.response_serializer)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                guarded(handler.unary_stream), handler.request_deserializer,
                handler.response_serializer)
        return None  # client streaming: nothing on the peer port takes a stream in


class FederationServicer(gateway_pb2_grpc.FederationServiceServicer):
    def __init__(self, region: str, name: str, registry: Callable[[], NodeRegistry]) -> None:
        self._region, self._name, self._registry = region, name, registry

    def Hello(self, request: gateway_pb2.HelloRequest, context: grpc.ServicerContext
              ) -> gateway_pb2.HelloResponse:
        return gateway_pb2.HelloResponse(
            region=self._region, name=self._name, caller_region=calling_node().region,
            registry_serial=self._registry().serial, subject=asserted_person().subject)


def server_credentials(paths: PkiPaths) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(paths.node_key.read_bytes(), paths.node_cert.read_bytes())],
        root_certificates=paths.ca_cert.read_bytes(), require_client_auth=True)


class PeerServer:
    """The gateway's peer port: FederationService and NodeService, behind the registry."""

    def __init__(self, address: str, region: str, name: str, paths: PkiPaths,
                 registry: RegistryFile, token_key: str, *,
                 node_servicer: object | None = None, reuse_port: bool = False,
                 max_workers: int = 8) -> None:
        self.address, self.paths, self.registry = address, paths, registry
        self.authorisation = PeerAuthorisation(region, registry.current,
                                               paths.ca_cert.read_bytes(), token_key)
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="peer"),
            interceptors=[*server_interceptors(), MetricsServerInterceptor(port="peer"),
                          self.authorisation],
            options=[("grpc.so_reuseport", 1 if reuse_port else 0)])
        gateway_pb2_grpc.add_FederationServiceServicer_to_server(
            FederationServicer(region, name, registry.current), self.server)
        if node_servicer is not None:
            gateway_pb2_grpc.add_NodeServiceServicer_to_server(node_servicer, self.server)
        self.port: int | None = None

    def add_generic(self, handler: grpc.GenericRpcHandler) -> None:
        """More services on the peer port (each call still checked against the registry)."""
        self.server.add_generic_rpc_handlers((handler,))

    def start(self) -> int:
        self.port = self.server.add_secure_port(self.address, server_credentials(self.paths))
        if not self.port:
            raise SystemExit(f"cannot listen on {self.address}: is the port taken?")
        self.server.start()
        log.info("peer port (mutual TLS) on %s, node registry serial %s", self.address,
                 self.registry.current().serial)
        return self.port

    def stop(self, grace_s: float = 5.0) -> None:
        self.server.stop(grace_s).wait()


def open_registry(paths: PkiPaths) -> RegistryFile:
    return RegistryFile(paths.registry, load_cert(paths.ca_cert))


#: seconds before its expiry that a remembered assertion is no longer handed out: more than
#: any call's deadline (a call never carries an assertion that lapses on the way) and room
#: for the nodes' clocks to differ by up to a minute
ASSERTION_REUSE_MARGIN_S = 60
#: (person, node) pairs whose assertion is remembered at most
MAX_ASSERTIONS = 4096


class Assertions:
    """This node's assertions of people for other nodes (``mint_assertion``), each reused for
    the same person and the same node until ``ASSERTION_REUSE_MARGIN_S`` before it expires.

    Why reusing one is safe: an assertion is a bearer token this node signs, valid for
    ``ASSERTION_TTL_S`` at the node it names (``aud``) and nowhere else; minting a new one
    for every call already let each of them be replayed there for two minutes, so handing the
    same one out again for the same person and node grants nothing more. The key is the
    whole verified principal (subject, roles, regions, department, positions, name, issuer):
    a person whose token says anything else gets an assertion of their own. The person's own
    token is still verified on every call before an assertion is looked up (an expired or
    refused token gets none), and nothing is remembered across a change of ``generation``
    (the node registry in force). A ``margin_s`` of ``ttl_s`` or more reuses none."""

    def __init__(self, token_key: str, region: str,
                 generation: Callable[[], object] | None = None, *,
                 ttl_s: int = ASSERTION_TTL_S,
                 margin_s: float = ASSERTION_REUSE_MARGIN_S) -> None:
        self._token_key, self._region, self._generation = token_key, region, generation
        self._ttl_s, self._margin_s = ttl_s, margin_s
        self._made: ExpiringCache[str] = ExpiringCache(MAX_ASSERTIONS)

    def header(self, person: Principal, audience: str) -> str:
        """``Bearer <assertion of person for node audience>``, minted or remembered."""
        if not self._token_key:
            raise Unauthenticated("this node has no token key to vouch for a person with")
        generation = self._generation() if self._generation is not None else None
        key = (person, audience)
        header = self._made.get(key, generation)
        if header is None:
            minted_at = time.time()
            header = "Bearer " + mint_assertion(self._token_key, person, issuer=self._region,
                                                audience=audience, ttl_s=self._ttl_s)
            # mint_token's exp is int(now) + ttl: the deadline errs on the early side
            self._made.put(key, header, int(minted_at) + self._ttl_s - self._margin_s,
                           generation)
        return header


class Peers:
    """Channels to other nodes' peer ports, with this node's certificate; calls on behalf of
    a person carry this node's assertion of them (signed with ``token_key`` as ``region``)."""

    def __init__(self, paths: PkiPaths, registry: Callable[[], NodeRegistry],
                 timeout_s: float, *, region: str = "", token_key: str = "") -> None:
        self._region, self._token_key = region, token_key
        self._credentials = grpc.ssl_channel_credentials(
            root_certificates=paths.ca_cert.read_bytes(),
            private_key=paths.node_key.read_bytes(),
            certificate_chain=paths.node_cert.read_bytes())
        self._registry, self.timeout_s = registry, timeout_s
        self._channels: dict[tuple[str, str], grpc.Channel] = {}
        # by event loop: (region, address) → channel, (region, address, method) → stub
        self._aio_channels: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[tuple[str, str], grpc.aio.Channel]] = (
            weakref.WeakKeyDictionary())
        self._aio_stubs: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[tuple[str, str, str], Any]] = (
            weakref.WeakKeyDictionary())
        # the first calls to a peer come from several threads at once: one channel each
        self._made = threading.Lock()
        self.assertions = Assertions(token_key, region, registry, margin_s=max(
            ASSERTION_REUSE_MARGIN_S, timeout_s + 1))

    def _address(self, region: str, address: str | None) -> str:
        if address is not None:
            return address
        node = self._registry().node(region)
        if node is None or node.revoked is not None or not node.gateway:
            raise Unavailable(f"node {region} has no gateway in the node registry "
                              "(not registered, revoked, or no address)",
                              code="NODE_UNKNOWN")
        return node.gateway

    def channel(self, region: str, address: str | None = None) -> grpc.Channel:
        """A channel to node ``region`` (at the registry's address unless ``address``);
        Unavailable when the registry has no active node there."""
        address = self._address(region, address)
        key = (region, address)
        found = self._channels.get(key)
        if found is None:
            with self._made:
                found = self._channels.get(key)
                if found is None:
                    found = traced(grpc.secure_channel(address, self._credentials,
                                                       options=self._options(region)))
                    self._channels[key] = found
        return found

    @staticmethod
    def _options(region: str) -> list[tuple[str, str | int]]:
        """A channel's options: the answering certificate must name node ``region``."""
        name = node_dns_name(region)
        return [("grpc.ssl_target_name_override", name), ("grpc.default_authority", name),
                ("grpc.initial_reconnect_backoff_ms", 250),
                ("grpc.max_reconnect_backoff_ms", 2000)]

    def aio_stub(self, region: str, method: str) -> grpc.aio.UnaryUnaryMultiCallable:
        """``method`` on node ``region`` taking and giving bytes, on a grpc.aio channel of
        the running event loop (each loop has its own: the gateway's HTTP API and its gRPC
        port run on two), made once per loop, channel and method; the registry is still
        asked for the node on every call (Unavailable when it has no active node there any
        more). Awaited on the loop: no thread is started or waits for the call (a call of a
        synchronous channel's ``future()`` starts the channel's polling thread whenever
        none of its calls is in flight)."""
        address = self._address(region, None)
        loop = asyncio.get_running_loop()
        stubs = self._aio_stubs.get(loop)
        if stubs is None:
            stubs = self._aio_stubs[loop] = {}
        key = (region, address, method)
        stub = stubs.get(key)
        if stub is None:  # only ever made on the loop's own thread: no race
            channels = self._aio_channels.setdefault(loop, {})
            channel = channels.get((region, address))
            if channel is None:
                channel = channels[(region, address)] = grpc.aio.secure_channel(
                    address, self._credentials, options=self._options(region),
                    interceptors=aio_client_interceptors() or None)
            stub = stubs[key] = channel.unary_unary(method)
        return stub

    async def reconnected(self, region: str, wait_s: float) -> bool:
        """Whether the running loop's channel to node ``region`` is connected, waiting up to
        ``wait_s`` for it to connect again. After a peer restarts, its channel retries with
        a back-off (up to ``grpc.max_reconnect_backoff_ms``) and fails calls at once
        meanwhile, though the peer is back."""
        channels = self._aio_channels.get(asyncio.get_running_loop(), {})
        channel = channels.get((region, self._address(region, None)))
        if channel is None:
            return False
        if channel.get_state(try_to_connect=True) is grpc.ChannelConnectivity.READY:
            return True
        try:
            await asyncio.wait_for(channel.channel_ready(), wait_s)
        except TimeoutError:
            return False
        return True

    def call(self, region: str, method: str, request: Any, response_type: Any, *,
             timeout_s: float | None = None, person: Principal | None = None,
             address: str | None = None) -> Any:
        """One unary call to ``method`` (``/package.Service/Method``) on node ``region``,
        with a deadline (``timeout_s``, else the node's ``grpc_timeout_s``), on behalf of
        ``person`` (None: as the node itself)."""
        metadata = ()
        if person is not None and not person.anonymous:
            metadata = (("authorization", self.assertions.header(person, region)),)
        stub = self.channel(region, address).unary_unary(
            method, request_serializer=type(request).SerializeToString,
            response_deserializer=response_type.FromString)
        # never longer than the deadline the reused assertions are kept for
        timeout = min(timeout_s or self.timeout_s, self.timeout_s)
        return stub(request, timeout=timeout, metadata=metadata or None)

    def hello(self, region: str, *, address: str | None = None,
              timeout_s: float | None = None, person: Principal | None = None
              ) -> gateway_pb2.HelloResponse:
        return self.call(region, "/sunlight.gateway.v1.FederationService/Hello",
                         gateway_pb2.HelloRequest(), gateway_pb2.HelloResponse,
                         timeout_s=timeout_s, address=address, person=person)

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()
        for loop, channels in list(self._aio_channels.items()):
            if loop.is_running():  # closed on their loop, not waited for
                for channel in channels.values():
                    asyncio.run_coroutine_threadsafe(channel.close(), loop)
        self._aio_channels.clear()
        self._aio_stubs.clear()
