"""The GUI starts on a qasync loop and stops when its window closes."""

from __future__ import annotations

import asyncio

from pytestqt.qtbot import QtBot

from kittiwake.ui.app import run_until_closed
from kittiwake.ui.windows.main_window import MainWindow


def test_closing_the_main_window_ends_the_loop(
    qtbot: QtBot, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    task = qasync_loop.create_task(run_until_closed(window))
    qasync_loop.call_soon(window.close)
    qasync_loop.run_until_complete(asyncio.wait_for(task, 10))
    assert task.done() and task.exception() is None
    assert window.windowTitle() == "Kittiwake"
