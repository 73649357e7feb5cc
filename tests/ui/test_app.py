"""The GUI starts on a qasync loop and stops when its window closes."""

from __future__ import annotations

import asyncio

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.ui.app import create_application, run_until_closed
from kittiwake.ui.windows.main_window import MainWindow


def test_main_window_shows_and_closing_it_ends_the_loop(qtbot: QtBot) -> None:
    qasync = pytest.importorskip("qasync")
    app = create_application([])
    app.setQuitOnLastWindowClosed(False)
    window = MainWindow()
    qtbot.addWidget(window)
    loop = qasync.QEventLoop(already_running=False)
    asyncio.set_event_loop(loop)
    try:
        task = loop.create_task(run_until_closed(window))
        loop.call_soon(window.close)
        loop.run_until_complete(asyncio.wait_for(task, 10))
        assert task.done() and task.exception() is None
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert window.windowTitle() == "Kittiwake"
