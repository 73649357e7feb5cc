"""main(): a QApplication on a qasync event loop; the engine's network work on its worker thread.

The widgets and the engine's facade share the GUI thread's qasync loop; the engine runs in
background mode, so a sync (IMAP, parsing, SQLite batches) and the online sessions run on the
engine's worker thread with their own loop and cache connection, and only their events come
back to this loop (see client/sync/worker.py). Because that thread allocates a lot, Python's
cyclic GC is moved to the GUI thread (ui/bridge.py's GuiThreadCollector), else a Qt object
could be collected, and destroyed, on the worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from kittiwake.client.cli import GuiOptions, gui_options
from kittiwake.client.logs import setup_logging
from kittiwake.client.paths import HOME_ENV, Paths
from kittiwake.ui.single_instance import default_instance
from kittiwake.ui.windows.about import app_icon
from kittiwake.ui.windows.main_window import MainWindow

if TYPE_CHECKING:
    from kittiwake.ui.windows.main.open_arguments import ArgumentOpener

log = logging.getLogger(__name__)

APP_ID = "org.kittiwake.Kittiwake"
# Set to 1 by the bundle smoke test (tests/packaging): quit right after the window is shown.
SMOKE_TEST_ENV = "KITTIWAKE_SMOKE_TEST"
READY_LINE = "kittiwake: main window shown"
STOP_ONLINE_GRACE = 15.0  # the sessions' own grace is shorter; this only bounds a hang


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


def _bring_forward(window: MainWindow) -> None:
    window.showNormal()
    window.raise_()
    window.activateWindow()


def _hand_over(window: MainWindow, opener: ArgumentOpener, args: list[str]) -> None:
    _bring_forward(window)
    opener.open_arguments(args)


async def run_until_closed(window: MainWindow, on_shown: Callable[[], None] | None = None) -> None:
    closed = asyncio.Event()
    window.sig_closed.connect(closed.set)
    window.show()
    if on_shown is not None:
        on_shown()
    if os.environ.get(SMOKE_TEST_ENV) == "1":
        print(READY_LINE, flush=True)
        window.close()
    await closed.wait()


async def run_session(window: MainWindow, on_shown: Callable[[], None] | None = None) -> None:
    """The whole GUI session in ONE run of the Qt loop: until the window closes, then the
    pending work it asks for. A second run_until_complete would start Qt's loop again after
    QCoreApplication emitted aboutToQuit, and QtWebEngine's cleanup then crashes the next
    exit() (a segfault on every close, seen with the reader's web view)."""
    await run_until_closed(window, on_shown)
    await window.finish_pending()
    if window.engine is not None:
        # IDLE ends and the connections log out inside this same loop run (see above).
        try:
            await asyncio.wait_for(window.engine.stop_online(), STOP_ONLINE_GRACE)
        except TimeoutError:
            log.warning("the online sessions did not stop in time")


def _start_logging(options: GuiOptions) -> None:
    """The window logs like the CLI: the platform's (or the home's) log dir, rotated, redacted."""
    if options.home:
        # One home for everything this process opens (engine, single instance, logs).
        os.environ[HOME_ENV] = os.path.abspath(options.home)
    paths = Paths.resolve()
    paths.ensure()
    level = logging.DEBUG if options.debug or options.debug_protocol else logging.INFO
    setup_logging(paths.log_dir, level=level, debug_protocol=options.debug_protocol)


def main(argv: list[str]) -> int:
    import qasync

    options = gui_options(argv) or GuiOptions(arguments=tuple(argv))
    argv = list(options.arguments)
    _prepare_environment()
    _start_logging(options)
    # The message view's URL scheme must be registered before the QApplication exists.
    from kittiwake.ui.windows.reader.schemes import register_schemes

    register_schemes()
    app = create_application(argv)
    instance = default_instance()
    if not instance.claim():
        # Kittiwake already runs on this home: it gets our arguments (a mailto: URL, a message
        # file), rather than a second engine opening the same cache.
        return 0 if instance.hand_over(argv) else 1
    app.setWindowIcon(app_icon())
    from kittiwake.ui.windows.main.qt_fixes import patch_qasync_timers, patch_signal_bools

    patch_qasync_timers()  # else a long session aborts (PySide6 killTimer drains None)
    patch_signal_bools()  # and signals drain True/False
    from kittiwake.ui.bridge import ForegroundTracker, GuiThreadCollector

    collector = GuiThreadCollector(app)  # before the engine's worker thread starts
    collector.install()
    tracker = ForegroundTracker(app)  # the engine's threads give way while the window works
    tracker.install()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from kittiwake.ui.windows.main.open_arguments import ArgumentOpener
    from kittiwake.ui.windows.main.session import open_engine, start_session

    engine = open_engine()
    window = MainWindow(engine)
    opener = ArgumentOpener(window, engine)  # also opens the window's compose requests
    collector.settle()  # the window's objects are long-lived too: out of every later GC pass
    # Later launches' arguments arrive here (sig_arguments_received: list[str]): the window
    # comes forward, then what they ask for (a mailto: composer, a message file) opens.
    instance.sig_arguments_received.connect(lambda args: _hand_over(window, opener, args))
    with loop:
        if engine is not None:
            # The cached mail is on screen at once; the wizard (first run) or a sync follows.
            loop.call_soon(start_session, window, engine)
        # Our own arguments open once the main window shows (the composer then stacks above it).
        shown = (lambda: opener.open_arguments(list(argv))) if argv else None
        loop.run_until_complete(run_session(window, on_shown=shown))
    tracker.uninstall()  # the loop has ended: the worker's last steps need not wait for it
    if engine is not None:
        engine.close()  # joins the worker thread (its sessions were stopped above)
    collector.uninstall()
    instance.close()
    return 0
