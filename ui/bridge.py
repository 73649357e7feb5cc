"""Running engine coroutines from Qt slots on the shared qasync loop, and the one rule the
engine's worker thread imposes on the GUI process.

A slot cannot await; it starts a task and returns at once, so the GUI never waits on the network.
The tasks are kept here (asyncio holds only weak references to running tasks) and a failure that
nobody awaited is logged rather than lost. In the GUI the engine runs in background mode
(`Engine.open(background=True)`): such a task only awaits the worker thread's result, and the
engine's events reach the listeners on this (the GUI) thread, in order.

The rule: Python's cyclic garbage collector runs in whichever thread happens to allocate when a
threshold is crossed, which with the sync worker is mostly the worker. A Qt object collected
there (qasync's timers and closed windows sit in reference cycles) is destroyed off its thread,
and Qt then crashes. `GuiThreadCollector` turns automatic collection off and collects on a GUI
timer instead (the same fix pyqtgraph ships for the same crash).

And one courtesy: `ForegroundTracker` tells the engine's background threads when the GUI thread
is working (from the first event it handles after waking until it is about to sleep again), and
they wait at their next checkpoint (client/foreground.py) instead of making every Qt call of a
repaint wait for the GIL.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractEventDispatcher,
    QCoreApplication,
    QEvent,
    QObject,
    Qt,
    QTimer,
)

from kittiwake.client import foreground

log = logging.getLogger(__name__)
T = TypeVar("T")

_running: set[asyncio.Task[Any]] = set()

# Collecting every 20 ms while garbage accrues keeps each pass short (measured in a 10,000-message
# sync: generation 0 ~14 ms, 1 ~31 ms at worst on a loaded machine; ~70 ms at 50 ms); when a
# tick finds nothing due, the timer slows down so an idle window is not woken 50 times a second.
COLLECT_BUSY_MS = 20
COLLECT_IDLE_MS = 250


def start(coroutine: Coroutine[Any, Any, T], *, name: str = "") -> asyncio.Task[T]:
    """Schedule `coroutine` on the running loop (qasync's, under the GUI)."""
    task = asyncio.get_event_loop().create_task(coroutine, name=name or None)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("background task %s failed", task.get_name(), exc_info=error)


def cancel_all() -> None:
    for task in list(_running):
        task.cancel()


class GuiThreadCollector(QObject):
    """Cyclic garbage collection on the GUI thread only (see the module's docstring).

    Each tick collects by the interpreter's own thresholds, as the automatic collector would,
    except that a full (generation 2) pass waits for a tick with no young garbage due, so it
    never lands in the middle of a sync. Objects alive at install time (modules, the window)
    are frozen out of every later pass (gc.freeze), so a full collection scans only what was
    made since."""

    def __init__(
        self,
        parent: QObject | None = None,
        busy_ms: int = COLLECT_BUSY_MS,
        idle_ms: int = COLLECT_IDLE_MS,
    ) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.busy_ms, self.idle_ms = busy_ms, idle_ms
        self.timer = QTimer(self)
        self.timer.setInterval(idle_ms)
        self.timer.timeout.connect(self.collect)
        # generation -> (longest pass in s, this thread's CPU s in it, the young count it met):
        # for benchmarks (wall time well above CPU time is time spent waiting for the GIL)
        self.longest: dict[int, tuple[float, float, int]] = {}

    def install(self) -> None:
        gc.disable()
        gc.collect()
        gc.freeze()
        self.timer.start()

    def settle(self) -> None:
        """Freeze what exists now too (call once the main window is built): one full pass
        here, at start-up, instead of rescanning these objects in every later one."""
        gc.collect()
        gc.freeze()

    def uninstall(self) -> None:
        self.timer.stop()
        gc.unfreeze()
        gc.enable()

    def collect(self) -> int:
        """One pass; returns the oldest generation collected (-1: none was due)."""
        counts = gc.get_count()
        young, middle, full = (c > t for c, t in zip(counts, self.thresholds, strict=True))
        oldest = -1
        if young:
            # While garbage accrues (a sync): young passes, the middle generation when due,
            # never a full pass, the one that scans every object made since start-up.
            oldest = 1 if middle else 0
        elif middle or full:
            # A quiet tick: what busy ticks deferred (the full pass's counter kept climbing).
            oldest = 2 if full else 1
        if oldest >= 0:
            began, cpu = time.perf_counter(), time.thread_time()
            gc.collect(oldest)
            took = time.perf_counter() - began
            if took > self.longest.get(oldest, (0.0, 0.0, 0))[0]:
                self.longest[oldest] = (took, time.thread_time() - cpu, counts[0])
        interval = self.busy_ms if oldest >= 0 else self.idle_ms
        if self.timer.interval() != interval:
            self.timer.setInterval(interval)
        return oldest


class ForegroundTracker(QObject):
    """Marks the GUI thread busy from the first event it handles after waking until its event
    dispatcher is about to sleep again (client/foreground.py).

    The dispatcher's own `awake` signal is no bracket: Qt emits it at the start of an
    iteration, and the timers and socket notifiers that woke the thread run after the poll,
    before the next `awake`. So the start of work is the first event delivered after
    `aboutToBlock`: an application event filter, installed at `aboutToBlock` and removed by its
    first event, so that the thread pays one Python call per wake-up, not one per event."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dispatcher: QAbstractEventDispatcher | None = None
        self.app: QCoreApplication | None = None

    def install(self) -> None:
        app = QCoreApplication.instance()
        dispatcher = QAbstractEventDispatcher.instance(self.thread())
        if app is None or dispatcher is None:  # no event loop on this thread: nothing to follow
            return
        self.app, self.dispatcher = app, dispatcher
        dispatcher.aboutToBlock.connect(self._about_to_block, Qt.ConnectionType.DirectConnection)
        foreground.busy()  # installed from an event handler or before the loop: working now

    def uninstall(self) -> None:
        if self.dispatcher is not None and self.app is not None:
            self.dispatcher.aboutToBlock.disconnect(self._about_to_block)
            self.app.removeEventFilter(self)
        self.dispatcher = self.app = None
        foreground.idle()

    def _about_to_block(self) -> None:
        foreground.idle()
        if self.app is not None:
            self.app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        foreground.busy()
        if self.app is not None:
            self.app.removeEventFilter(self)
        return False
