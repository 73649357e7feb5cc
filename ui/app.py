"""main(): a QApplication on a qasync event loop, so the asyncio engine and Qt share one thread.

Engine coroutines run on the same loop as the widgets; CPU-heavy engine work is the engine's
business to move off this thread (see docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import os
import sys

from PySide6.QtWidgets import QApplication

from kittiwake.ui.windows.main_window import MainWindow

APP_ID = "org.kittiwake.Kittiwake"


def _prepare_environment() -> None:
    # QtWebEngine refuses to start as root unless Chromium's sandbox is off.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()


def create_application(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([sys.argv[0], *argv])
    app.setApplicationName("Kittiwake")
    app.setOrganizationDomain("kittiwake.org")
    app.setDesktopFileName(APP_ID)
    # The loop must outlive the last window: closing it lets the engine finish or suspend
    # pending work before the process exits (run_until_closed returns, then main() shuts down).
    app.setQuitOnLastWindowClosed(False)
    return app


async def run_until_closed(window: MainWindow) -> None:
    closed = asyncio.Event()
    window.sig_closed.connect(closed.set)
    window.show()
    await closed.wait()


def main(argv: list[str]) -> int:
    import qasync

    _prepare_environment()
    app = create_application(argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    with loop:
        loop.run_until_complete(run_until_closed(window))
    return 0
