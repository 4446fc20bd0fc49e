"""Identity numbers masked for logs and audit records (脱敏): what a supervisor may read.

A resident ID number (GB 11643) or a unified social credit code (GB 32100) keeps its first
six characters (the region or registering authority) and its last four; everything between is
starred: ``511602********1236``. A shorter text keeps its first and last character only. The
full number never reaches a log line or an audit row.

So that whoever has the full number finds every row about it all the same, an audit row may
also keep an HMAC-SHA256 of it (``keyed``) under a key derived from the node's private token
key for that one purpose (``derived_key``): the hall's sign-in audit and the case service's
audit of case-file reads each derive their own.
"""

from __future__ import annotations

import hashlib
import hmac

from services.shared.auth import PUBLIC_ID_TYPES


def mask_number(number: str) -> str:
    """``number`` with its middle starred (its length kept)."""
    text = number.strip()
    if len(text) >= 12:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if len(text) <= 2:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 2) + text[-1]


def mask_subject(subject: str) -> str:
    """A token's subject for an audit record: a person's or enterprise's identity
    (``id_card:…``, ``credit_code:…``) masked, a staff account or a process as it is."""
    kind, sep, number = subject.partition(":")
    if sep and kind in PUBLIC_ID_TYPES:
        return f"{kind}:{mask_number(number)}"
    return subject


def derived_key(node_key: str, purpose: str) -> bytes:
    """A key for one purpose (``purpose`` names it and its version), derived from the node's
    private token key (its text): one secret less to manage, a key of its own per use."""
    return hmac.new(node_key.encode(), purpose.encode(), hashlib.sha256).digest()


def keyed(key: bytes, text: str) -> str:
    """The HMAC-SHA256 of ``text`` under ``key``, in hex (64 characters)."""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
