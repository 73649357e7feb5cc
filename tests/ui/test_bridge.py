"""The GUI-thread garbage collector: with it installed, a reference cycle dropped by another
thread is collected on the GUI thread, never on the thread that made it."""

from __future__ import annotations

import gc
import threading
from typing import ClassVar

from pytestqt.qtbot import QtBot

from kittiwake.ui.bridge import GuiThreadCollector


class Cycle:
    finalized_on: ClassVar[list[int]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.finalized_on.append(threading.get_ident())


def test_cycles_made_by_another_thread_are_collected_on_the_gui_thread(qtbot: QtBot) -> None:
    collector = GuiThreadCollector(busy_ms=10, idle_ms=10)
    collector.install()
    try:
        assert not gc.isenabled()
        Cycle.finalized_on.clear()

        def churn() -> None:
            # Far more than a generation-0 threshold of cycles: automatic collection would run
            # in this thread; now nothing is collected here.
            for _ in range(20 * collector.thresholds[0]):
                Cycle()

        worker = threading.Thread(target=churn)
        worker.start()
        worker.join()
        assert Cycle.finalized_on == []  # left for the GUI thread
        qtbot.waitUntil(lambda: len(Cycle.finalized_on) > 0, timeout=5000)
        gc.collect()  # the rest of them, here too
        assert set(Cycle.finalized_on) == {threading.get_ident()}
    finally:
        collector.uninstall()
    assert gc.isenabled()


def test_a_pass_collects_only_what_is_due() -> None:
    collector = GuiThreadCollector()
    collector.install()
    try:
        gc.collect()
        assert collector.collect() == -1  # nothing allocated since: nothing collected
        collector.thresholds = (0, 1_000_000, 1_000_000)
        Cycle()
        assert collector.collect() == 0  # only the young generation
        assert collector.timer.interval() == collector.busy_ms  # garbage accrues: soon again
        collector.thresholds = (1_000_000, 1_000_000, 1_000_000)
        assert collector.collect() == -1
        assert collector.timer.interval() == collector.idle_ms  # nothing due: slower
    finally:
        collector.uninstall()


def test_a_full_pass_waits_for_a_quiet_tick() -> None:
    collector = GuiThreadCollector()
    collector.install()
    try:
        collector.thresholds = (-1, -1, -1)  # every generation due, young garbage too
        assert collector.collect() == 1  # busy: the middle generation at most
        collector.thresholds = (1_000_000, 1_000_000, -1)  # no young garbage: quiet
        assert collector.collect() == 2
        collector.thresholds = (1_000_000, -1, 1_000_000)
        assert collector.collect() == 1  # a deferred middle pass, also on a quiet tick
    finally:
        collector.uninstall()


def test_the_gui_thread_is_busy_while_it_handles_events_and_idle_between(qtbot: QtBot) -> None:
    from PySide6.QtCore import QTimer

    from kittiwake.client import foreground
    from kittiwake.ui.bridge import ForegroundTracker

    def background_got_through() -> threading.Event:
        # A background thread's checkpoint returns once the GUI's loop goes to sleep.
        through = threading.Event()

        def run() -> None:
            foreground.give_way(max_pause=60)
            through.set()

        threading.Thread(target=run, daemon=True).start()
        return through

    def busy_inside_an_event() -> list[bool]:
        seen: list[bool] = []
        QTimer.singleShot(0, lambda: seen.append(foreground.is_busy()))
        qtbot.waitUntil(lambda: bool(seen))
        return seen

    tracker = ForegroundTracker()
    tracker.install()
    try:
        assert tracker.dispatcher is not None
        assert foreground.is_busy()  # installed from running code: busy until the loop sleeps
        through = background_got_through()
        qtbot.waitUntil(through.is_set)  # ... which waitUntil's own waiting lets it do
        for _round in range(2):  # and again after the next wake-up: the filter is back
            assert busy_inside_an_event() == [True]  # the event that woke the loop: busy again
            through = background_got_through()
            qtbot.waitUntil(through.is_set)
    finally:
        tracker.uninstall()
    assert not foreground.is_busy()
