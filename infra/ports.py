"""Free ports for nodes started on this machine (tests, benchmarks, ``make run``'s province).

A port from ``bind(0)`` comes out of the kernel's ephemeral range, which every outgoing
connection of every process on the machine draws from as well: between choosing it and the node
binding it — seconds, or minutes for a province being set up — a client's connection to the
database or the broker could take it, and the node fails with "port binding failed". Ports below
that range are only ever taken by a listener that asks for them, so they are chosen there.

Pickers that run side by side and bind late — the workers of `make test`, each setting up nodes
whose ports are bound seconds after they are chosen — take a share of that span each
(``SUNLIGHT_PORTS_SHARE=k/n``: the k-th of n equal parts; a worker of a run given a share
takes its part of that share, ``k/n,j/m``), so that none chooses a port another has chosen and
not bound yet.
"""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Collection
from pathlib import Path

__all__ = ["free_port", "free_ports"]

#: how many ports below the ephemeral range the pickers choose from
SPAN = 12000


def ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def chosen_from() -> range:
    """The ports the pickers choose from: the ``SPAN`` below the ephemeral range (below 32768
    where that range starts higher), or this picker's share of it (``SUNLIGHT_PORTS_SHARE``:
    ``k/n``, the k-th of n equal parts; ``k/n,j/m``, the j-th of m parts of that, and so on —
    what a test worker takes of a share its caller was given)."""
    high = min(ephemeral_low(), 32768)
    span = range(max(1024, high - SPAN), high)
    share = os.environ.get("SUNLIGHT_PORTS_SHARE", "").strip()
    for part in filter(None, (text.strip() for text in share.split(","))):
        try:
            k, n = (int(number) for number in part.split("/"))
        except ValueError:
            raise ValueError(f"SUNLIGHT_PORTS_SHARE={share!r}: expected k/n (e.g. 1/2), or "
                             "several, comma-separated (1/2,2/3: a part of a part)") from None
        if not 1 <= k <= n <= len(span):
            raise ValueError(f"SUNLIGHT_PORTS_SHARE={share!r}: k from 1 to n, n at most "
                             f"{len(span)} (the ports left to divide)")
        size = len(span) // n
        span = range(span.start + (k - 1) * size, span.start + k * size)
    return span


def free_ports(count: int, *, avoid: Collection[int] = ()) -> list[int]:
    """``count`` distinct ports below the ephemeral range, none in ``avoid``, each of which bound
    (without ``SO_REUSEADDR``) when chosen; all are held until all are chosen."""
    span = chosen_from()
    low, high = span.start, span.stop
    candidates = random.sample(span, k=min(len(span), 64 * count + 64))  # noqa: S311
    held: list[socket.socket] = []
    try:
        for port in candidates:
            if len(held) == count:
                break
            if port in avoid:
                continue
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            held.append(sock)
        if len(held) < count:
            raise RuntimeError(f"no {count} free ports between {low} and {high}")
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()


def free_port() -> int:
    """One port as :func:`free_ports` chooses them."""
    return free_ports(1)[0]
