"""The PySide6 workarounds: qasync timers leave None alone, signals cannot drain True/False."""

from __future__ import annotations

import asyncio
import sys

from PySide6.QtWidgets import QApplication

from kittiwake.ui.windows.main.qt_fixes import kill_timer_leaks_none, patch_qasync_timers


def test_many_asyncio_timers_do_not_drain_none(qasync_loop: asyncio.AbstractEventLoop) -> None:
    patch_qasync_timers()

    async def many_timers() -> None:
        for _ in range(2000):
            await asyncio.sleep(0)  # each step is a qasync timer, killed when it fires

    before = sys.getrefcount(None)
    qasync_loop.run_until_complete(many_timers())
    # Unpatched, 2,000 kills would take ~1,700 references off None (a crash at zero).
    assert sys.getrefcount(None) > before - 200
    assert isinstance(kill_timer_leaks_none(), bool)


def test_signals_cannot_drain_the_bools_once_patched(qapp: QApplication) -> None:
    from PySide6.QtCore import QObject, Signal

    from kittiwake.ui.windows.main.qt_fixes import patch_signal_bools

    patch_signal_bools()
    assert patch_signal_bools() is False  # nothing is done twice

    class Source(QObject):
        changed = Signal(int)
        relayed = Signal(int)

    source = Source()
    seen: list[int] = []
    source.relayed.connect(seen.append)
    # A signal-to-signal connection through `.emit` still works (a wrapped emit broke it).
    source.changed.connect(source.relayed.emit)
    for number in range(3000):
        source.changed.emit(number)
    source.changed.disconnect(source.relayed.emit)
    assert seen == list(range(3000))
    # On PySide6 6.12.0, 3,000 emits take 3,000 references off True: a small process would
    # abort at exit with bool_dealloc unless the count can no longer reach zero.
    from kittiwake.ui.windows.main.qt_fixes import emit_leaks_bools

    if emit_leaks_bools():
        assert sys.getrefcount(True) > 1 << 39 and sys.getrefcount(False) > 1 << 39
