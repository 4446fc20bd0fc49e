"""The province's node registry: which nodes there are and what each may call on which other.

The registry is the single source of truth of the federation (docs/federation.md says why it is
a file signed by the province's CA rather than a table). It names, for every node: its region
code and name, its gateway's peer address, the fingerprints of the certificates issued to it,
the public keys its tokens and assertions are signed with (JWKs, by key id), and whether it is
revoked; and the calls allowed between nodes — ``caller`` region, ``callee`` region and the
gRPC method (``/package.Service/Method``, or ``/package.Service/*`` for every method of one
service). **Deny by default**: a call no rule names is refused, and so is every call from or
to a revoked node or over a revoked certificate.

**The file** (``var/pki/registry.json``, one format, version ``sunlight.node-registry.v1``)::

    {"registry": {"format": "sunlight.node-registry.v1", "province": "510000",
                  "serial": 7, "issued_at": "2026-11-30T08:00:00Z",
                  "nodes": [{"region": "511602", "name": "广安区",
                             "gateway": "127.0.0.1:18060",
                             "certificates": ["sha256:…"], "token_keys": [{JWK}],
                             "revoked": null}],
                  "calls": [{"caller": "510000", "callee": "511602",
                             "method": "/sunlight.gateway.v1.FederationService/Hello"}],
                  "revoked_certificates": [{"fingerprint": "sha256:…", "region": "511602",
                                            "at": "…", "reason": "…"}]},
     "signature": {"alg": "ES256", "ca": "sha256:<CA certificate>", "value": "<base64url>"}}

``signature.value`` is the CA key's ECDSA P-256 / SHA-256 signature (DER, base64url) of the
RFC 8785 canonical JSON of ``registry``. Every change raises ``serial`` by one; a node never
goes back to a lower serial than the one it has (no replay of an older registry that still
lets a revoked node in).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.shared.pki import fingerprint, write_private
from services.shared.regions import covers
from services.shared.token_keys import b64url, public_key_of, unb64url

FORMAT = "sunlight.node-registry.v1"
SIGNATURE_ALG = "ES256"
METHOD_RE = re.compile(r"^/[A-Za-z_][A-Za-z0-9_.]*\.[A-Za-z_][A-Za-z0-9_]*/"
                       r"([A-Za-z_][A-Za-z0-9_]*|\*)\Z")
REGION_RE = re.compile(r"^[0-9]{6}\Z")
ADDRESS_RE = re.compile(r"^[A-Za-z0-9.\-]+:[0-9]{1,5}\Z|^\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}\Z")
#: how often a node looks whether its registry file changed (seconds)
RELOAD_CHECK_S = 1.0
log = logging.getLogger(__name__)


class RegistryProblem(ValueError):
    """A registry that cannot be trusted or a change that cannot be made, saying why."""


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_method(method: str) -> str:
    """A call rule's method, ``/package.Service/Method`` or ``/package.Service/*``."""
    method = method if method.startswith("/") else "/" + method
    if not METHOD_RE.match(method):
        raise RegistryProblem(f"{method!r} is not a gRPC method: write /package.Service/Method "
                              "(e.g. /sunlight.cases.v1.CaseService/GetCase) or "
                              "/package.Service/* for every method of one service")
    return method


def check_address(address: str) -> str:
    if not ADDRESS_RE.match(address) or not 0 < int(address.rsplit(":", 1)[1]) < 65536:
        raise RegistryProblem(f"{address!r} is not a gateway address: write host:port, "
                              "e.g. 127.0.0.1:18060 or gw.guangan.example:18060")
    return address


@dataclass(frozen=True)
class Revocation:
    at: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"at": self.at, "reason": self.reason}


@dataclass(frozen=True)
class NodeEntry:
    """One node of the province (全省的一个节点)."""

    region: str
    name: str
    gateway: str = ""
    certificates: tuple[str, ...] = ()
    token_keys: tuple[Mapping[str, str], ...] = ()
    revoked: Revocation | None = None

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "name": self.name, "gateway": self.gateway,
                "certificates": list(self.certificates),
                "token_keys": [dict(k) for k in self.token_keys],
                "revoked": self.revoked.to_json() if self.revoked else None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NodeEntry:
        revoked = data.get("revoked")
        entry = cls(region=str(data["region"]), name=str(data.get("name", "")),
                    gateway=str(data.get("gateway", "")),
                    certificates=tuple(str(c) for c in data.get("certificates", ())),
                    token_keys=tuple(dict(k) for k in data.get("token_keys", ())),
                    revoked=Revocation(str(revoked["at"]), str(revoked.get("reason", "")))
                    if revoked else None)
        if not REGION_RE.match(entry.region):
            raise RegistryProblem(f"node {entry.region!r}: not a 6-digit region code")
        if entry.gateway:
            check_address(entry.gateway)
        for key in entry.token_keys:
            try:
                public_key_of(key)
            except ValueError as exc:
                raise RegistryProblem(f"node {entry.region}: token key: {exc}") from None
        return entry


@dataclass(frozen=True)
class CallRule:
    """``caller`` may call ``method`` on ``callee`` (both region codes)."""

    caller: str
    callee: str
    method: str

    def matches(self, caller: str, callee: str, method: str) -> bool:
        if self.caller != caller or self.callee != callee:
            return False
        if self.method.endswith("/*"):
            return method.startswith(self.method[:-1]) and "/" not in method[len(
                self.method) - 1:]
        return self.method == method

    def to_json(self) -> dict[str, str]:
        return {"caller": self.caller, "callee": self.callee, "method": self.method}


@dataclass(frozen=True)
class RevokedCertificate:
    fingerprint: str
    region: str
    at: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"fingerprint": self.fingerprint, "region": self.region, "at": self.at,
                "reason": self.reason}


@dataclass(frozen=True)
class Decision:
    """Why a call between nodes is allowed or refused: ``code`` is stable, ``message`` says
    what an operator can do about it."""

    allowed: bool
    code: str
    message: str


@dataclass(frozen=True)
class NodeRegistry:
    province: str
    serial: int = 0
    issued_at: str = ""
    nodes: tuple[NodeEntry, ...] = ()
    calls: tuple[CallRule, ...] = ()
    revoked_certificates: tuple[RevokedCertificate, ...] = ()
    _keys: dict[str, tuple[str, Ed25519PublicKey]] = field(
        init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        keys = {}
        for node in self.nodes:
            for jwk in node.token_keys:
                kid, public = public_key_of(jwk)
                keys[kid] = (node.region, public)
        object.__setattr__(self, "_keys", keys)

    # --- questions ----------------------------------------------------------------------

    def node(self, region: str) -> NodeEntry | None:
        return next((n for n in self.nodes if n.region == region), None)

    def holder_of(self, region: str) -> NodeEntry | None:
        """The active node whose region covers ``region`` most closely (511621, hosted by
        511600, → 511600), or None when no registered node covers it."""
        best: NodeEntry | None = None
        for node in self.nodes:
            if node.revoked is None and covers(node.region, region) and (
                    best is None or covers(best.region, node.region)):
                best = node
        return best

    def revoked_certificate(self, fingerprint_: str) -> RevokedCertificate | None:
        return next((r for r in self.revoked_certificates
                     if r.fingerprint == fingerprint_), None)

    def token_key(self, kid: str) -> tuple[str, Ed25519PublicKey] | None:
        """(region of the node that holds it, public key) of a token key id, or None —
        also None when that node is revoked: its tokens count for nothing any more."""
        found = self._keys.get(kid)
        if found is None:
            return None
        node = self.node(found[0])
        return found if node is not None and node.revoked is None else None

    def check_node(self, region: str, cert_fingerprint: str) -> Decision:
        """May the node ``region`` present the certificate ``cert_fingerprint`` at all?"""
        revoked = self.revoked_certificate(cert_fingerprint)
        if revoked is not None:
            return Decision(False, "CERTIFICATE_REVOKED",
                            f"the certificate of node {region} ({cert_fingerprint[:19]}…) was "
                            f"revoked at {revoked.at}: {revoked.reason or 'no reason given'}")
        node = self.node(region)
        if node is None:
            return Decision(False, "NODE_NOT_REGISTERED",
                            f"node {region} is not in the province's node registry "
                            f"(serial {self.serial})")
        if node.revoked is not None:
            return Decision(False, "NODE_REVOKED",
                            f"node {region} was revoked at {node.revoked.at}: "
                            f"{node.revoked.reason or 'no reason given'}")
        if cert_fingerprint not in node.certificates:
            return Decision(False, "CERTIFICATE_NOT_REGISTERED",
                            f"the certificate {cert_fingerprint[:19]}… is not registered for "
                            f"node {region}")
        return Decision(True, "OK", "")

    def check_call(self, caller: str, callee: str, method: str,
                   cert_fingerprint: str) -> Decision:
        """The registry's answer to one call from ``caller`` to ``callee`` (deny by default)."""
        decision = self.check_node(caller, cert_fingerprint)
        if not decision.allowed:
            return decision
        own = self.node(callee)
        if own is None or own.revoked is not None:
            return Decision(False, "NODE_NOT_REGISTERED" if own is None else "NODE_REVOKED",
                            f"this node {callee} is not an active node of the registry "
                            f"(serial {self.serial})")
        if not any(rule.matches(caller, callee, method) for rule in self.calls):
            return Decision(False, "CALL_NOT_ALLOWED",
                            f"node {caller} may not call {method} on node {callee}: no rule of "
                            f"the node registry (serial {self.serial}) allows it — "
                            f"sunlight pki allow --caller {caller} --callee {callee} "
                            f"--method {method}")
        return Decision(True, "OK", "")

    # --- changes (each returns the next registry) ---------------------------------------

    def _next(self, **changes: Any) -> NodeRegistry:
        return replace(self, serial=self.serial + 1, issued_at=_utc_now(), **changes)

    def _with_node(self, entry: NodeEntry) -> NodeRegistry:
        nodes = [n for n in self.nodes if n.region != entry.region] + [entry]
        return self._next(nodes=tuple(sorted(nodes, key=lambda n: n.region)))

    def with_certificate(self, region: str, name: str, cert: x509.Certificate,
                         gateway: str = "") -> NodeRegistry:
        """Record a certificate issued to ``region`` (registering the node if new). A revoked
        node is admitted again only by a new certificate; its old ones stay revoked."""
        node = self.node(region) or NodeEntry(region, name)
        return self._with_node(replace(
            node, name=name or node.name, gateway=check_address(gateway) if gateway
            else node.gateway, certificates=(*node.certificates, fingerprint(cert)),
            revoked=None))

    def with_node(self, region: str, *, name: str = "", gateway: str = "",
                  token_key: Mapping[str, str] | None = None) -> NodeRegistry:
        """Register or update a node: its gateway address, a token key to add."""
        node = self.node(region) or NodeEntry(region, name)
        keys = node.token_keys
        if token_key is not None:
            try:
                kid, _ = public_key_of(token_key)
            except ValueError as exc:
                raise RegistryProblem(f"token key: {exc}") from None
            holder = self._keys.get(kid)
            if holder is not None and holder[0] != region:
                raise RegistryProblem(f"the token key {kid} is registered for node "
                                      f"{holder[0]} already")
            keys = (*[k for k in keys if k.get("kid") != kid], {**token_key, "kid": kid})
        return self._with_node(replace(node, name=name or node.name,
                                       gateway=check_address(gateway) if gateway
                                       else node.gateway, token_keys=keys))

    def allowing(self, caller: str, callee: str, method: str) -> NodeRegistry:
        rule = CallRule(caller, callee, check_method(method))
        for region in (caller, callee):
            if self.node(region) is None:
                raise RegistryProblem(f"node {region} is not registered: issue its certificate "
                                      f"first (sunlight pki issue-node --region {region} …)")
        if rule in self.calls:
            return self
        return self._next(calls=(*self.calls, rule))

    def disallowing(self, caller: str, callee: str, method: str) -> NodeRegistry:
        rule = CallRule(caller, callee, check_method(method))
        if rule not in self.calls:
            raise RegistryProblem(f"no rule lets {caller} call {rule.method} on {callee}")
        return self._next(calls=tuple(r for r in self.calls if r != rule))

    def revoking_node(self, region: str, reason: str) -> NodeRegistry:
        """Shut a node out: it and every certificate issued to it so far are revoked."""
        node = self.node(region)
        if node is None:
            raise RegistryProblem(f"node {region} is not registered")
        at = _utc_now()
        revoked = [RevokedCertificate(fp, region, at, reason) for fp in node.certificates
                   if self.revoked_certificate(fp) is None]
        nodes = tuple(replace(n, revoked=Revocation(at, reason)) if n.region == region else n
                      for n in self.nodes)
        return self._next(nodes=nodes,
                          revoked_certificates=(*self.revoked_certificates, *revoked))

    def revoking_certificate(self, cert_fingerprint: str, reason: str) -> NodeRegistry:
        """Revoke one certificate (a key lost, a host retired); the node stays."""
        holder = next((n for n in self.nodes if cert_fingerprint in n.certificates), None)
        if holder is None:
            raise RegistryProblem(f"no node holds the certificate {cert_fingerprint}")
        if self.revoked_certificate(cert_fingerprint) is not None:
            return self
        return self._next(revoked_certificates=(*self.revoked_certificates, RevokedCertificate(
            cert_fingerprint, holder.region, _utc_now(), reason)))

    # --- the signed file ------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "province": self.province, "serial": self.serial,
                "issued_at": self.issued_at, "nodes": [n.to_json() for n in self.nodes],
                "calls": [c.to_json() for c in self.calls],
                "revoked_certificates": [r.to_json() for r in self.revoked_certificates]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NodeRegistry:
        if data.get("format") != FORMAT:
            raise RegistryProblem(f"not a node registry of format {FORMAT}: "
                                  f"{data.get('format')!r}")
        try:
            calls = tuple(CallRule(str(c["caller"]), str(c["callee"]),
                                   check_method(str(c["method"]))) for c in data["calls"])
            return cls(province=str(data["province"]), serial=int(data["serial"]),
                       issued_at=str(data["issued_at"]),
                       nodes=tuple(NodeEntry.from_json(n) for n in data["nodes"]),
                       calls=calls,
                       revoked_certificates=tuple(
                           RevokedCertificate(str(r["fingerprint"]), str(r["region"]),
                                              str(r["at"]), str(r.get("reason", "")))
                           for r in data["revoked_certificates"]))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, RegistryProblem):
                raise
            raise RegistryProblem(f"the node registry is malformed: {exc!r}") from None

    def signed(self, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate) -> bytes:
        """The file's bytes: this registry signed with the province's CA key."""
        body = self.to_json()
        signature = ca_key.sign(rfc8785.dumps(body), ec.ECDSA(hashes.SHA256()))
        document = {"registry": body, "signature": {
            "alg": SIGNATURE_ALG, "ca": fingerprint(ca_cert), "value": b64url(signature)}}
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    @classmethod
    def verified(cls, data: bytes, ca_cert: x509.Certificate) -> NodeRegistry:
        """The registry in a signed file, or RegistryProblem when the CA did not sign it."""
        try:
            document = json.loads(data)
            body, signature = document["registry"], document["signature"]
            value = unb64url(signature["value"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RegistryProblem(f"not a signed node registry: {exc!r}") from None
        if signature.get("alg") != SIGNATURE_ALG:
            raise RegistryProblem(f"registry signature algorithm {signature.get('alg')!r}, "
                                  f"expected {SIGNATURE_ALG}")
        public = ca_cert.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise RegistryProblem("the CA's key is not an ECDSA key")
        try:
            public.verify(value, rfc8785.dumps(body), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise RegistryProblem("the node registry is not signed by this province's CA "
                                  f"({fingerprint(ca_cert)[:19]}…): refused") from None
        return cls.from_json(body)


def empty(province: str) -> NodeRegistry:
    return NodeRegistry(province=province, serial=1, issued_at=_utc_now())


def write_signed(path: Path, registry: NodeRegistry, ca_key: ec.EllipticCurvePrivateKey,
                 ca_cert: x509.Certificate) -> Path:
    return write_private(path, registry.signed(ca_key, ca_cert))


class RegistryFile:
    """A node's copy of the registry: verified against the CA certificate when read, and read
    again when the file changes (a revocation takes effect without a restart). A file that
    is not validly signed, or older (a lower serial) than the one in use, is refused and the
    one in use kept — with an error in the log."""

    def __init__(self, path: Path, ca_cert: x509.Certificate, *,
                 check_every_s: float = RELOAD_CHECK_S) -> None:
        self.path, self._ca = Path(path), ca_cert
        self._check_every = check_every_s
        self._lock = threading.Lock()
        self._registry = NodeRegistry.verified(self.path.read_bytes(), ca_cert)
        self._stamp = self._stat()
        self._checked = time.monotonic()

    def _stat(self) -> tuple[int, int]:
        info = os.stat(self.path)
        return info.st_mtime_ns, info.st_size

    def current(self) -> NodeRegistry:
        now = time.monotonic()
        if now - self._checked < self._check_every:
            return self._registry
        with self._lock:
            self._checked = now
            try:
                stamp = self._stat()
                if stamp != self._stamp:
                    self._stamp = stamp
                    self._replace(NodeRegistry.verified(self.path.read_bytes(), self._ca))
            except (OSError, RegistryProblem) as exc:
                log.error("node registry %s not reloaded, keeping serial %s: %s",
                          self.path, self._registry.serial, exc)
        return self._registry

    def _replace(self, registry: NodeRegistry) -> None:
        if registry.serial < self._registry.serial:
            raise RegistryProblem(f"serial {registry.serial} is older than the registry in "
                                  f"use ({self._registry.serial})")
        if registry.serial != self._registry.serial:
            log.info("node registry: serial %s → %s", self._registry.serial, registry.serial)
        self._registry = registry
