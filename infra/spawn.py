"""Run a command of the node so that it cannot outlive the process that started it.

``python -m infra.spawn COMMAND [ARG…]`` asks the kernel to send SIGTERM to this process when
its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``, kept across ``exec``), makes every file it
creates private to the node's user (umask 077), then replaces itself with COMMAND. The node's
supervisor starts every process this way: even a supervisor killed with SIGKILL, which cannot
stop its children, leaves none behind. The command keeps its pid, so signals sent to it by the
supervisor reach it directly.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1
PRIVATE_UMASK = 0o077


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Ask for ``sig`` when the parent thread exits; False where the kernel cannot do it."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def parent_alive() -> bool:
    """Under supervisord (which sets SUPERVISOR_ENABLED): is our parent still supervisord?
    Had it died before ``die_with_parent``, we would already belong to another parent (init
    or a subreaper) and never get the signal."""
    if "SUPERVISOR_ENABLED" not in os.environ:
        return True
    try:
        return b"supervisor" in Path(f"/proc/{os.getppid()}/cmdline").read_bytes()
    except OSError:
        return False


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python -m infra.spawn COMMAND [ARG…]")
    os.umask(PRIVATE_UMASK)
    if die_with_parent() and not parent_alive():
        raise SystemExit(f"infra.spawn: the supervisor is gone; not starting {argv[0]}")
    os.execvp(argv[0], argv)  # noqa: S606 - the supervisor's command, as given


if __name__ == "__main__":
    main(sys.argv[1:])
