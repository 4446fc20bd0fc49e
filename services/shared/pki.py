"""The province's certificate authority and the node certificates it issues (X.509).

One CA per province (its root key stays at the province node, ``var/pki/ca/ca.key``, 0600).
It certifies each node's gateway for mutual TLS between gateways, and it signs the node
registry (``services.shared.node_registry``): the one trust anchor a node needs is the CA's
certificate, ``var/pki/ca.crt``.

**How a certificate names its node.** A node certificate carries, in its subject alternative
names:

- the URI ``urn:sunlight:node:<region>`` — *the* identity: a gateway derives the calling node's
  region from this SAN of the verified client certificate and from nothing else;
- the DNS name ``<region>.nodes.sunlight.internal`` — a gateway dialling a peer checks the
  peer's certificate against this name (``grpc.ssl_target_name_override``), so a call meant
  for 511602 cannot be answered by another node's certificate, whatever address it dialled;
- the gateway's host names and IP addresses (``--gateway-host``), for other TLS clients.

Its subject is ``CN=<region>, O=<the region's name>, OU=sunlight node``. Keys are ECDSA P-256
(what every TLS stack of gRPC accepts); a certificate is identified by the SHA-256 of its DER
bytes, written ``sha256:<hex>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NODE_URI_PREFIX = "urn:sunlight:node:"
NODE_DNS_SUFFIX = ".nodes.sunlight.internal"
REGION_RE = re.compile(r"^[0-9]{6}\Z")
CA_VALID_DAYS = 3650
#: a node certificate lives about two years and three months (the CA/B Forum's old limit)
NODE_VALID_DAYS = 825
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


class CertificateProblem(ValueError):
    """A certificate that is not what it must be (not a node's, not issued by the CA…)."""


def node_uri(region: str) -> str:
    return NODE_URI_PREFIX + region


def node_dns_name(region: str) -> str:
    """The name a peer's certificate is checked against when it is dialled."""
    return region + NODE_DNS_SUFFIX


def _name(common: str, organisation: str, unit: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit)])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def create_ca(region: str, name: str, *, valid_days: int = CA_VALID_DAYS
              ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The province's root: a key and its self-signed CA certificate (path length 0: it
    issues node certificates only, no intermediate CA)."""
    key = new_key()
    subject = _name(f"Sunlight CA {region}", name, "sunlight certificate authority")
    now = _now()
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _host_names(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def issue_node(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, region: str,
               name: str, hosts: list[str], *, valid_days: int = NODE_VALID_DAYS
               ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A node's key and certificate, naming ``region`` (see the module's docstring); usable
    both as a TLS server (its gateway's peer port) and as a TLS client (dialling peers)."""
    if not REGION_RE.match(region):
        raise CertificateProblem(f"{region!r} is not a 6-digit region code")
    key = new_key()
    now = _now()
    not_after = min(now + dt.timedelta(days=valid_days), ca_cert.not_valid_after_utc)
    alt = [x509.UniformResourceIdentifier(node_uri(region)), x509.DNSName(node_dns_name(region)),
           *_host_names(hosts)]
    cert = (x509.CertificateBuilder()
            .subject_name(_name(region, name, "sunlight node"))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False,
                                         crl_sign=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_cert.public_key()), critical=False)  # type: ignore[arg-type]
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def fingerprint(cert: x509.Certificate) -> str:
    """``sha256:<hex>`` of the certificate's DER bytes: how the registry names it."""
    return "sha256:" + hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def region_of(cert: x509.Certificate) -> str:
    """The region the certificate names (its one ``urn:sunlight:node:`` URI SAN)."""
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise CertificateProblem("the certificate names no node (no subject alternative "
                                 "names)") from None
    regions = [uri[len(NODE_URI_PREFIX):]
               for uri in alt.get_values_for_type(x509.UniformResourceIdentifier)
               if uri.startswith(NODE_URI_PREFIX)]
    if len(regions) != 1 or not REGION_RE.match(regions[0]):
        raise CertificateProblem(f"the certificate must name exactly one node as "
                                 f"{NODE_URI_PREFIX}<6-digit region>; it names {regions}")
    return regions[0]


def hosts_of(cert: x509.Certificate) -> list[str]:
    """The DNS names and IP addresses the certificate is valid for (its node name too)."""
    alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [*alt.get_values_for_type(x509.DNSName),
            *(str(a) for a in alt.get_values_for_type(x509.IPAddress))]


def check_issued_by(cert: x509.Certificate, ca_cert: x509.Certificate,
                    at: dt.datetime | None = None) -> None:
    """CertificateProblem unless the CA signed ``cert`` and it is valid ``at`` (now)."""
    at = at or _now()
    if cert.issuer != ca_cert.subject:
        raise CertificateProblem(f"issued by {cert.issuer.rfc4514_string()}, not by this "
                                 f"province's CA {ca_cert.subject.rfc4514_string()}")
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise CertificateProblem(f"not signed by this province's CA: {exc}") from None
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise CertificateProblem(f"not valid now (valid {cert.not_valid_before_utc:%Y-%m-%d} "
                                 f"to {cert.not_valid_after_utc:%Y-%m-%d})")


# --- files --------------------------------------------------------------------------------


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def write_private(path: Path, data: bytes) -> Path:
    """Write a file readable by this user only from its first byte; the directories it
    creates are 0700. All or nothing: written beside it and put in its place in one step,
    on the disk — the file and its directory's entry — before this returns; a write that
    fails leaves ``path`` as it was."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        directory.chmod(PRIVATE_DIR)  # whatever the umask
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fd, PRIVATE_FILE)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    for directory in {path.parent, *(d.parent for d in missing)}:  # the new entries too
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


def load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CertificateProblem(f"{path}: not an ECDSA private key")
    return key


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


@dataclass(frozen=True)
class PkiPaths:
    """Where a node keeps its identity, under ``<var>/pki`` (all private: 0700 / 0600).

    ``ca.crt`` and ``registry.json`` every node has; ``node.key`` / ``node.crt`` are the
    node's own identity; ``ca/ca.key`` and ``issued/<region>/`` only the province node."""

    root: Path

    @classmethod
    def under(cls, var_dir: Path) -> PkiPaths:
        return cls(Path(var_dir) / "pki")

    @property
    def ca_cert(self) -> Path:
        return self.root / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.root / "ca" / "ca.key"

    @property
    def registry(self) -> Path:
        return self.root / "registry.json"

    @property
    def node_key(self) -> Path:
        return self.root / "node.key"

    @property
    def node_cert(self) -> Path:
        return self.root / "node.crt"

    def issued(self, region: str) -> Path:
        return self.root / "issued" / region

    @property
    def has_identity(self) -> bool:
        return self.node_cert.is_file() and self.node_key.is_file() and self.ca_cert.is_file()
