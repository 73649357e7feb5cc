"""Processes we start: tie them to the test run, and make sure none outlives stop()."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import select
import signal
import threading
import time
from collections.abc import Callable


def die_with_parent_thread() -> Callable[[], None] | None:
    """On Linux, when started from the main thread: the master gets SIGTERM if the test
    process dies without tearing down (SIGKILL, a crash), so no Dovecot outlives its run.

    Not from other threads: the kernel signals when the *thread* that forked exits, and a
    restart() from a worker thread (asyncio.to_thread) must not die with that worker.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    pr_set_pdeathsig = 1

    def arm() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return arm


def children_of(pid: int) -> list[int]:
    """Direct children of pid, from /proc (Linux); [] elsewhere."""
    found = []
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError, ValueError):
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_gone(pids: list[int], timeout: float = 10) -> None:
    """The master's children exit right after it; SIGKILL any that linger (by pid).

    They are not our children (no waitpid), so each is awaited through a pidfd, which becomes
    readable when the process terminates: a wait on the event itself, not a polling sleep.
    """
    deadline = time.monotonic() + timeout
    for pid in pids:
        if not _wait_exit(pid, max(0.0, deadline - time.monotonic())):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _wait_exit(pid: int, timeout: float) -> bool:
    """True once pid has terminated (a zombie counts), False when timeout ran out first."""
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except OSError:  # no pidfd (old kernel): fall back to the /proc state, without waiting
        return not alive(pid)
    try:
        readable, _, _ = select.select([descriptor], [], [], timeout)
        return bool(readable) or not alive(pid)
    finally:
        os.close(descriptor)
