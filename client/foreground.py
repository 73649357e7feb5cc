"""Letting the foreground thread (the GUI's) go first when Python threads compete for the GIL.

The engine's worker threads (the sync, the body writer, the indexer) spend long stretches in
pure Python (IMAP parsing, envelopes, threading). While one of them computes, the GUI thread
waits up to a switch interval (5 ms) each time it wants the GIL back, and PySide6 gives the GIL
up around every call into Qt: a repaint making a few dozen Qt calls is stretched to 100-600 ms
(benchmarks/gui_bench.py, issue 5). A shorter switch interval did not help, and a lower
priority for the worker made it worse (it held the GIL while waiting for a core).

So the foreground says when it works (`busy`, at the first event it handles after waking: see
ui/bridge.py ForegroundTracker) and when it is done (`idle`, its event dispatcher about to
sleep), and the background threads call `give_way()`
at their natural checkpoints (one IMAP response, one batch): while the foreground is busy they
block on an event, GIL released, for at most `MAX_PAUSE`, so a window that stays busy slows the
sync down but never stops it. Without a foreground (the CLI), `give_way` is one attribute test;
on the foreground thread itself, and in a write transaction, it never waits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_PAUSE = 0.05  # seconds a background thread waits at one checkpoint, at most

_idle = threading.Event()
_idle.set()
_foreground: int | None = None  # the thread that calls busy(): it never waits for itself
_writing = threading.local()  # .depth: write transactions this thread has open


def busy() -> None:
    """The foreground thread has work: background threads wait at their next checkpoint."""
    global _foreground
    _foreground = threading.get_ident()
    _idle.clear()


def idle() -> None:
    """The foreground thread is about to sleep: background threads go on."""
    _idle.set()


def is_busy() -> bool:
    return not _idle.is_set()


@contextmanager
def holding_writes() -> Iterator[None]:
    """Around a write transaction (store/database.py). A thread holding SQLite's write lock
    never waits at a checkpoint: the foreground may be waiting for that very lock (a local
    write, mark as read), and would then wait out every pause of the transaction."""
    _writing.depth = getattr(_writing, "depth", 0) + 1
    try:
        yield
    finally:
        _writing.depth -= 1


def give_way(max_pause: float = MAX_PAUSE) -> None:
    """A background thread's checkpoint: wait (GIL released) while the foreground works. It
    returns at once on the foreground thread itself (an IMAP session the wizard runs on the
    GUI's loop) and inside a write transaction (holding_writes)."""
    if (
        not _idle.is_set()
        and threading.get_ident() != _foreground
        and not getattr(_writing, "depth", 0)
    ):
        _idle.wait(max_pause)
