"""The qasync timer workaround: many call_later timers leave None's reference count alone."""

from __future__ import annotations

import asyncio
import sys

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


def test_signals_leave_the_bools_alone_once_patched() -> None:
    from PySide6.QtCore import QObject, Signal

    from kittiwake.ui.windows.main.qt_fixes import (
        disconnect_leaks_bools,
        emit_leaks_bools,
        patch_signal_bools,
    )

    patch_signal_bools()
    patch_signal_bools()  # twice is harmless: nothing is wrapped twice

    class Source(QObject):
        changed = Signal(int)

    source = Source()
    seen: list[int] = []
    source.changed.connect(seen.append)
    before_true, before_false = sys.getrefcount(True), sys.getrefcount(False)
    for number in range(3000):
        source.changed.emit(number)
    source.changed.disconnect(seen.append)
    # Unpatched on PySide6 6.12.0, 3,000 emits take 3,000 references off True.
    assert sys.getrefcount(True) > before_true - 100
    assert sys.getrefcount(False) > before_false - 100
    assert seen == list(range(3000))
    assert not emit_leaks_bools()
    assert not disconnect_leaks_bools()
