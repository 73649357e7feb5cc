"""Workarounds for PySide6 reference-counting bugs that would crash every long session.

PySide6 6.12's binding of QObject.killTimer() drops a reference to None on each call (measured:
~0.85 per call; None's count starts near 5,000, and Python aborts with "none_dealloc" when it
reaches zero). qasync kills one timer for every asyncio `call_later`, so a sync of 10,000
messages crashed the GUI within a minute. QAbstractEventDispatcher.unregisterTimer() releases
the timer the same way without the leak, so qasync's timer object uses it instead.

PySide6 6.12.0's SignalInstance.emit() and .disconnect() return True/False without taking the
reference they hand over (measured: each call takes one reference off True, or off False), so
after some thousands of signals Python aborts with "bool_dealloc" (Python 3.11's bools are not
immortal). When that is detected, True and False get a reference count no session can drain.
pyproject excludes 6.12.0; this guard covers any other release with the same bug.

Each workaround is applied only when its bug is present (checked once at start-up), so a fixed
PySide6 keeps its own methods.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

from PySide6.QtCore import QAbstractEventDispatcher, QObject, Signal


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


class _Probe(QObject):
    fired = Signal(int)


def _drains(value: bool, call: Callable[[], object], times: int = 64) -> bool:
    start = sys.getrefcount(value)
    call()  # warm-up: first calls may fill caches that hold a reference
    before = sys.getrefcount(value)
    for _ in range(times):
        call()
    after = sys.getrefcount(value)
    for _ in range(start - after):  # the probe gives back what it took
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(value))
    return after < before - times // 2


def _ignore(_value: int) -> None:
    return None


def emit_leaks_bools() -> bool:
    probe = _Probe()
    return _drains(True, lambda: probe.fired.emit(1))


def disconnect_leaks_bools() -> bool:
    probe = _Probe()

    def connect_and_disconnect() -> None:
        probe.fired.connect(_ignore)
        probe.fired.disconnect(_ignore)

    return _drains(True, connect_and_disconnect)


# Python 3.12 made True and False immortal; this gives 3.11 the same property. Wrapping
# SignalInstance.emit instead would break `signal.connect(other.emit)`, which PySide6 only
# recognises as a signal-to-signal connection when `emit` is its own method.
_IMMORTAL = 1 << 40


def _make_immortal(value: object) -> None:
    refcount = ctypes.c_ssize_t.from_address(id(value))  # ob_refcnt leads every PyObject
    if refcount.value < _IMMORTAL:
        refcount.value += _IMMORTAL


def patch_signal_bools() -> bool:
    """Call once at start-up. True when the bug was found and the bools made immortal."""
    if sys.getrefcount(True) >= _IMMORTAL:
        return False  # done already (or a Python whose bools are immortal)
    if not (emit_leaks_bools() or disconnect_leaks_bools()):
        return False
    _make_immortal(True)
    _make_immortal(False)
    return True
