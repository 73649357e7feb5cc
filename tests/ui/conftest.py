"""Shared GUI-test fixtures: one way to run engine coroutines on a qasync loop under pytest-qt."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from kittiwake.ui.windows.main.qt_fixes import patch_qasync_timers, patch_signal_bools

# As the app does at start-up: PySide6 6.12.0's emit()/disconnect() take a reference off
# True/False each call, and thousands of GUI-test signals in one process would abort it.
patch_signal_bools()


@pytest.fixture
def qasync_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop on the test's QApplication, closed and collected on the GUI thread."""
    # Closing a window must not quit the application (and with it the loop).
    qapp.setQuitOnLastWindowClosed(False)
    # As the app does: PySide6 6.12's killTimer drops a reference to None on every call, and the
    # GUI tests share one process, so thousands of qasync timers would abort it (none_dealloc).
    patch_qasync_timers()
    event_loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(event_loop)
    try:
        yield event_loop
    finally:
        asyncio.set_event_loop(None)
        event_loop.close()
        # The closed loop's QObjects (qasync's timer) sit in reference cycles. Collected by a GC
        # pass in some worker thread, their timers could not be unregistered there and a later
        # timer event would hit freed memory (a segfault seen one run in three): collect them
        # here, on the GUI thread.
        del event_loop
        gc.collect()
