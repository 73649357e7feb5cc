"""The GUI starts on a qasync loop and stops when its window closes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.ui.app import READY_LINE, SMOKE_TEST_ENV, run_session, run_until_closed
from kittiwake.ui.windows.main_window import MainWindow
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend, logging_sandbox
from tests.ui.windows.composer.conftest import make_account, open_engine


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
    # The window logs like the CLI: into the home's log directory, privately.
    log_file = tmp_path / "logs" / "kittiwake.log"
    assert log_file.is_file() and log_file.stat().st_mode & 0o077 == 0


def test_the_session_opens_arguments_once_shown_and_stops_the_online_loop_at_the_end(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KITTIWAKE_NO_WEBENGINE", "1")
    with logging_sandbox(), keyring_backend(MemoryKeyring()):
        engine: Engine = open_engine(tmp_path / "home", make_account("a@example.test", "a"))
        stopped: list[bool] = []

        async def stop_online(account: str | None = None) -> None:
            stopped.append(True)

        monkeypatch.setattr(engine, "stop_online", stop_online)
        window = MainWindow(engine, check_interval_ms=0)
        qtbot.addWidget(window)
        shown: list[bool] = []

        def on_shown() -> None:
            shown.append(window.isVisible())
            window.close()

        try:
            task = qasync_loop.create_task(run_session(window, on_shown=on_shown))
            qasync_loop.run_until_complete(asyncio.wait_for(task, 10))
        finally:
            engine.close()
    assert shown == [True]
    assert stopped == [True]
