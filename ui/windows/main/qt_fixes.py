"""A workaround for a PySide6 reference-counting bug that would crash every long session.

PySide6 6.12's binding of QObject.killTimer() drops a reference to None on each call (measured:
~0.85 per call; None's count starts near 5,000, and Python aborts with "none_dealloc" when it
reaches zero). qasync kills one timer for every asyncio `call_later`, so a sync of 10,000
messages crashed the GUI within a minute. QAbstractEventDispatcher.unregisterTimer() releases
the timer the same way without the leak, so qasync's timer object uses it instead.

Applied only when the bug is present (checked once at start-up), so a fixed PySide6 keeps its
own killTimer.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractEventDispatcher, QObject


def kill_timer_leaks_none() -> bool:
    probe = QObject()
    probe.killTimer(probe.startTimer(60_000))  # the first call warms caches that hold None
    before = sys.getrefcount(None)
    for _ in range(200):
        probe.killTimer(probe.startTimer(60_000))
    return sys.getrefcount(None) < before - 100


def _kill_timer(self: QObject, timer_id: int) -> None:
    dispatcher = QAbstractEventDispatcher.instance(self.thread())
    if dispatcher is not None:
        dispatcher.unregisterTimer(timer_id)


def patch_qasync_timers() -> bool:
    """Call once a QApplication exists. True when the workaround was installed."""
    import qasync

    timer_class = getattr(qasync, "_SimpleTimer", None)
    if timer_class is None or getattr(timer_class, "_kittiwake_patched", False):
        return False
    if not kill_timer_leaks_none():
        return False
    timer_class.killTimer = _kill_timer
    timer_class._kittiwake_patched = True
    return True
