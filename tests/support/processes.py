"""Finding what a node left running, and reading a child's output without blocking it."""

from __future__ import annotations

import os
import select
import socket
import threading
from pathlib import Path

# Every process of a node started by a test carries this variable in its environment
# (supervisord and its children inherit it), so /proc finds them all, even reparented ones.
TAG = "SUNLIGHT_TEST_NODE"


def tagged(tag: str) -> list[int]:
    """Pids of the live processes whose environment holds ``SUNLIGHT_TEST_NODE=tag``."""
    marker = f"{TAG}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def describe(pids: list[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            out.append(f"{pid}: " + Path(f"/proc/{pid}/cmdline").read_bytes()
                       .replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            out.append(f"{pid}: (gone)")
    return out


def ports_in_use(ports: list[int], host: str = "127.0.0.1") -> list[int]:
    busy = []
    for port in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                busy.append(port)
    return busy


class Drain:
    """Reads a file descriptor on a thread (so the writer never blocks on a full pipe or
    terminal) until ``stop()``; the descriptor stays open until the caller closes it."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.chunks: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO: the terminal's other side is gone
                return
            if not data:
                return
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", "replace")

    def stop(self) -> str:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.text
