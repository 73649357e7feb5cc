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
