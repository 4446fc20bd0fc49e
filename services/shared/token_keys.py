"""A node's own key pair for signing access tokens, and the public keys it verifies them with.

Each node signs its tokens with its own Ed25519 key (JWS algorithm ``EdDSA``, RFC 8037); no
secret is shared between nodes or between a node's processes and another node's. A key is
named by its key id (``kid``): the RFC 7638 thumbprint of its public JWK, so the same key
always has the same id and an id can be recomputed from the key alone.

**The private key as text.** ``SUNLIGHT_TOKEN_KEY`` holds it as ``ed25519:<base64url of the
32-byte private key>`` — one line, fit for ``var/node.env`` (written once by ``make run``'s env
step, 0600) and for a Kubernetes Secret. It never leaves the node.

**The public key** goes to the province's node registry as a JWK (``kty`` ``OKP``, ``crv``
``Ed25519``, ``x``, ``kid``, ``use`` ``sig``, ``alg`` ``EdDSA``): ``sunlight pki token-key`` prints
it, ``sunlight pki register-node --token-key`` records it, and every other node verifies that
node's people's assertions with it (``services.shared.node_registry``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

#: the JWS algorithm of every token a node signs
ALGORITHM = "EdDSA"
TEXT_PREFIX = "ed25519:"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public: Ed25519PublicKey) -> dict[str, str]:
    """The public key as a JWK with its key id (RFC 7638 thumbprint) and intended use."""
    x = b64url(public.public_bytes(Encoding.Raw, PublicFormat.Raw))
    # RFC 7638: the required members only, in lexicographic order, no whitespace
    thumbprint = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x},
                            separators=(",", ":"), sort_keys=True)
    kid = b64url(hashlib.sha256(thumbprint.encode("ascii")).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": ALGORITHM}


def public_key_of(jwk: Mapping[str, object]) -> tuple[str, Ed25519PublicKey]:
    """(kid, public key) of a JWK; ValueError when it is not an Ed25519 signing key whose kid
    is its thumbprint."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(
            jwk.get("x"), str):
        raise ValueError("not an Ed25519 public key (JWK with kty OKP, crv Ed25519, x)")
    try:
        raw = unb64url(str(jwk["x"]))
        public = Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise ValueError(f"not an Ed25519 public key: {exc}") from None
    kid = public_jwk(public)["kid"]
    if jwk.get("kid", kid) != kid:
        raise ValueError(f"the key id {jwk.get('kid')!r} is not the key's thumbprint {kid}")
    return kid, public


@dataclass(frozen=True)
class TokenKey:
    """A node's private token-signing key."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> TokenKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_text(cls, text: str) -> TokenKey:
        """Read ``ed25519:<base64url private key>``; ValueError saying what is wrong."""
        if not text.startswith(TEXT_PREFIX):
            raise ValueError(f"a token key is written {TEXT_PREFIX}<base64url of 32 bytes> "
                             "(make run's env step writes one to var/node.env)")
        try:
            raw = unb64url(text[len(TEXT_PREFIX):].strip())
        except (ValueError, TypeError):
            raise ValueError("the token key is not base64url") from None
        if len(raw) != 32:
            raise ValueError(f"an Ed25519 private key has 32 bytes, this one {len(raw)}")
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    @classmethod
    def of(cls, key: TokenKey | str) -> TokenKey:
        return key if isinstance(key, TokenKey) else _parsed(key)

    def to_text(self) -> str:
        from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
            NoEncryption,
            PrivateFormat,
        )

        raw = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return TEXT_PREFIX + b64url(raw)

    @cached_property
    def jwk(self) -> dict[str, str]:
        """The public half as a JWK, with its key id."""
        return public_jwk(self.private.public_key())

    @property
    def kid(self) -> str:
        return self.jwk["kid"]

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def __repr__(self) -> str:  # never the private key in a log line or a traceback
        return f"TokenKey(kid={self.kid!r})"


_PARSED: dict[str, TokenKey] = {}


def _parsed(text: str) -> TokenKey:
    """``TokenKey.from_text`` remembered: a process parses its one key once."""
    key = _PARSED.get(text)
    if key is None:
        key = TokenKey.from_text(text)
        if len(_PARSED) < 64:
            _PARSED[text] = key
    return key


def jwks(keys: Iterable[TokenKey | Mapping[str, str]]) -> dict[str, list[dict[str, str]]]:
    """A JWK Set of public keys (``{"keys": [...]}``)."""
    return {"keys": [dict(k.jwk) if isinstance(k, TokenKey) else dict(k) for k in keys]}
