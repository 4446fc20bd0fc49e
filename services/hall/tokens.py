"""The one place the hall mints a token for a signed-in person, to call the services as
them: authorisation stays in the services, which check the token's roles, regions and
department as they check anyone's.

Tokens are short-lived (``TOKEN_TTL_S``) and kept per subject until shortly before they
expire. They are signed with the node's own token key, name the node as issuer and audience
(``services.shared.auth``).
"""

from __future__ import annotations

import threading
import time

from services.hall.identity import Identity, Kind
from services.shared.auth import mint_token
from services.shared.config import DEFAULT_NODE_REGION
from services.shared.token_keys import TokenKey

#: seconds a token minted for a person lives
TOKEN_TTL_S = 300
#: persons and enterprises act as the public (services.shared.auth, "Citizens and
#: enterprises"): complain, report, rate — under their identity, the token's subject
PUBLIC_ROLE = "public"
#: a person's or enterprise's identity kind in a public token's subject
ID_TYPES = {Kind.PERSON: "id_card", Kind.ENTERPRISE: "credit_code"}


class TokenMinter:
    def __init__(self, key: TokenKey | str, issuer: str = DEFAULT_NODE_REGION,
                 ttl_s: int = TOKEN_TTL_S) -> None:
        self._key, self._issuer, self._ttl = key, issuer, ttl_s
        self._kept: dict[tuple[object, ...], tuple[str, float]] = {}
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        """The node the tokens are minted by and for (its region)."""
        return self._issuer

    def header(self, identity: Identity) -> str:
        """``Bearer <token>`` for ``identity``, valid at least another minute."""
        key = (identity.kind, identity.subject, identity.roles, identity.regions,
               identity.department_code, identity.positions)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[1] - 60 > time.time():
                return kept[0]
        header = f"Bearer {self.mint(identity)}"
        with self._lock:
            if len(self._kept) > 10_000:
                self._kept.clear()
            self._kept[key] = (header, time.time() + self._ttl)
        return header

    def mint(self, identity: Identity) -> str:
        staff = identity.kind is Kind.STAFF
        subject = identity.subject if staff else f"{ID_TYPES[identity.kind]}:{identity.subject}"
        return mint_token(
            self._key, subject,
            identity.roles if staff else (PUBLIC_ROLE,), identity.regions,
            department=identity.department_code or None if staff else None,
            name=identity.display_name, ttl_s=self._ttl, issuer=self._issuer,
            positions=identity.positions if staff else (),
            department_name=identity.department_name if staff else "")
