"""The GUI starts on a qasync loop and stops when its window closes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from kittiwake.ui.app import READY_LINE, SMOKE_TEST_ENV, run_until_closed
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


def test_the_app_starts_shows_its_window_and_exits_cleanly(tmp_path: Path) -> None:
    """The real `kittiwake` start-up path, first run included, in its own process: a crash at
    exit (once a segfault in QCoreApplication::exit on every close) shows as a non-zero code."""
    environment = {
        **os.environ,
        "KITTIWAKE_HOME": str(tmp_path),
        SMOKE_TEST_ENV: "1",
        "QT_QPA_PLATFORM": "offscreen",
    }
    run = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "kittiwake.ui.launch"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert READY_LINE in run.stdout.splitlines(), run.stderr[-3000:]
    assert run.returncode == 0, run.stderr[-3000:]
