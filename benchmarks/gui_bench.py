"""GUI figures: folder open, message open, the longest event-loop stall during a sync, RSS.

    .venv/bin/python benchmarks/gui_bench.py [--rows 100000] [--sync 10000] [--headless]
                                             [--in-loop] [--variants 'A;B' --repeat N]

1. Folder open: a 100,000-message synthetic folder (written through the cache's API), from
   choosing it to the list painted (the model's count + the visible page + a full repaint of
   the list view), then a scroll to the middle and to the end.
2. Message open: a cached message shown in the message pane (the reader's MessageView; its
   text view when QtWebEngine is absent or KITTIWAKE_NO_WEBENGINE=1), to its sig_rendered.
3. Longest stall: the main window on a qasync loop while `engine.sync()` fetches a
   10,000-message mailbox from the test Dovecot (no PROXY forwarder, benchmarks/imap_fetch.py);
   a 5 ms QTimer heartbeat records the longest gap between its ticks. The engine runs as in the
   app: in background mode (the sync on its worker thread, GC on the GUI thread); --in-loop
   runs it on the GUI's loop instead, as before the worker existed, for comparison.
   Printed with it: the five longest stalls, the sync's wall time, the load average, the
   events that reached the window, and for the three longest stalls each thread's CPU time
   and time spent waiting for a core (Linux /proc schedstat): a stall in which the GUI thread
   neither ran nor waited for a core was spent blocked (on the GIL, or I/O).
   --variants runs the sync once per variant each round (--repeat rounds, alternating, each
   into a fresh cache) for an A/B in one run; see Run for the words (switch interval, the
   worker's nice value, the indexer on/off/old) and a summary at the end.
4. Peak RSS of this process at the end (after the 100,000-row folder was scrolled through).

Runs offscreen. A measurement, not a test: prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:  # QtWebEngine refuses root without it
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")

from benchmarks.cli_account import add_bench_account


def folder_open(rows: int) -> None:
    from kittiwake.client.engine import Engine
    from kittiwake.ui.models.message_list import MessageListModel
    from kittiwake.ui.models.sources import FolderSource
    from kittiwake.ui.windows.main.list_pane import ListPane
    from tests.ui.models.synthetic import fill_folder

    home = Path(tempfile.mkdtemp(prefix="kw-guibench-"))
    try:
        engine = Engine.open(home)
        start = time.perf_counter()
        folder_id = fill_folder(engine, "bench", rows)
        print(f"synthetic folder: {rows} messages written in {time.perf_counter() - start:.1f} s")
        engine.close()
        engine = Engine.open(home)  # cold-ish: a fresh connection, as at start-up
        model = MessageListModel()
        pane = ListPane(model)
        pane.resize(900, 700)
        pane.show()
        start = time.perf_counter()
        model.set_source(FolderSource(engine, folder_id))
        pane.table.grab()
        opened = time.perf_counter() - start
        print(
            f"folder open ({rows} messages): {opened * 1000:.1f} ms,"
            f" {model.rows_fetched} rows read from the cache"
        )
        start = time.perf_counter()
        pane.table.grab()
        repaint = (time.perf_counter() - start) * 1000
        print(f"  (of which a repaint of the list alone, offscreen: {repaint:.1f} ms)")
        bar = pane.table.verticalScrollBar()
        for where, value in (("middle", bar.maximum() // 2), ("end", bar.maximum())):
            start = time.perf_counter()
            bar.setValue(value)
            pane.table.grab()
            print(f"scroll to the {where}: {(time.perf_counter() - start) * 1000:.1f} ms")
        # Scrolling down page by page from the middle: the continuing windows are keyset seeks.
        step = pane.table.viewport().height() // pane.table.verticalHeader().defaultSectionSize()
        value = bar.maximum() // 2
        steps = 200
        start = time.perf_counter()
        for _ in range(steps):
            value += step
            bar.setValue(value)
            pane.table.grab()
        print(
            f"paging down {steps} screens from the middle: "
            f"{(time.perf_counter() - start) / steps * 1000:.1f} ms per screen;"
            f" {model.rows_fetched} rows read in all"
        )
        pane.close()
        engine.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    threaded_open(rows)


def threaded_open(rows: int, opens: int = 3) -> None:
    """The same folder size threaded (threads of three: rows / 3 threads): the open (the
    layout's thread count and first page + a paint), then a drag of the scroll bar to the end."""
    import dataclasses

    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from kittiwake.client.engine import Engine
    from kittiwake.client.settings import SettingsFile
    from kittiwake.client.store.model import FolderInfo
    from kittiwake.ui.models.message_list import MessageListModel
    from kittiwake.ui.models.sources import FolderSource
    from kittiwake.ui.windows.main.list_pane import ListPane
    from tests.ui.models.synthetic import headers

    home = Path(tempfile.mkdtemp(prefix="kw-guibench-"))
    try:
        engine = Engine.open(home)
        folder_id = engine.store.folders.upsert(FolderInfo("bench", "Threads"))
        replies = (
            h
            if h.uid % 3 == 1
            else dataclasses.replace(h, in_reply_to=f"<syn-{h.uid - 1}@example.test>")
            for h in headers(rows)
        )
        engine.store.messages.upsert_headers(folder_id, replies)
        engine.close()
        engine = Engine.open(home)
        panes = []
        for _ in range(opens):
            model = MessageListModel()
            pane = ListPane(model)
            panes.append(pane)
            pane.use_settings(SettingsFile(home / "settings.toml"))  # not the engine's file
            pane.set_threaded(True)
            pane.resize(900, 700)
            pane.show()
            pane.table.grab()
            start = time.perf_counter()
            model.set_source(FolderSource(engine, folder_id))
            pane.table.grab()
            opened = time.perf_counter() - start
            count = model.rowCount()
            bar = pane.table.verticalScrollBar()
            start = time.perf_counter()
            bar.setValue(bar.maximum())
            pane.table.grab()
            ended = time.perf_counter() - start
            last = model.summary(model.rowCount() - 1)
            print(
                f"threaded open ({rows} messages): {opened * 1000:.1f} ms, {count} rows at once,"
                f" {getattr(model._layout, 'rows_fetched', 0)} thread rows read;"
                f" scroll bar to the end: {ended * 1000:.1f} ms, {model.rowCount()} rows,"
                f" last uid {None if last is None else last.uid}; load {os.getloadavg()}"
            )
        # Deleted here, by Qt, in order: left to the collector at exit they abort the process.
        for pane in panes:
            pane.close()
            pane.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        engine.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def prepare_mailbox(server: Any, count: int) -> tuple[Path, Path, Any]:
    """A Dovecot user with `count` messages and a Kittiwake home with its account."""
    from benchmarks.corpus import write_maildir

    work = Path(tempfile.mkdtemp(prefix="kw-guibench-sync-"))
    user = server.new_user("guibench")
    maildir = Path(server.root) / "home" / user.name / "Maildir"
    write_maildir(maildir, count, 1)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", f"{server._uid}:{server._gid}", str(maildir)], check=True)
    server.doveadm("index", "-u", user.name, "INBOX")
    home = work / "home"
    add_bench_account(server, user, work, home)
    return work, home, user


_kept: list[object] = []


class GcPauses:
    """The longest cyclic-GC pass on each thread while it runs (a stall's usual suspect)."""

    def __init__(self) -> None:
        self.longest: dict[str, float] = {}
        self.spans: list[tuple[float, float]] = []  # the GUI (main) thread's passes
        self._began: dict[int, float] = {}
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        thread = threading.current_thread()
        if phase == "start":
            self._began[thread.ident or 0] = time.perf_counter()
            return
        began = self._began.pop(thread.ident or 0, None)
        if began is not None:
            took = time.perf_counter() - began
            if thread is threading.main_thread():
                self.spans.append((began, began + took))
            key = f"{thread.name} gen{info['generation']}"
            self.longest[key] = max(self.longest.get(key, 0.0), took)

    def report(self) -> str:
        gc.callbacks.remove(self._callback)
        each = ", ".join(f"{key} {t * 1000:.0f} ms" for key, t in sorted(self.longest.items()))
        return f"longest GC passes: {each or 'none'}"


class Heartbeat:
    """A 5 ms QTimer; the longest gap between its ticks is the longest event-loop stall.

    Each beat also notes the CPU time of the GUI thread and of the `threads` given (the
    engine's worker, the indexer), and the process's. With `sched` (Linux, --sched) it also
    reads each thread's time spent runnable but waiting for a core (/proc/<tid>/schedstat): a
    gap in which the GUI thread neither ran nor waited for a core was spent blocked (on the
    GIL, or I/O). Off by default: reading /proc releases and re-acquires the GIL per call,
    which while the worker computes costs the GUI thread up to a switch interval each time
    and so lengthens the very stalls it measures. `explain` splits the longest gaps."""

    def __init__(
        self, threads: dict[str, threading.Thread] | None = None, sched: bool = False
    ) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.threads = {"GUI thread": threading.current_thread(), **(threads or {})}
        self.clocks = [time.pthread_getcpuclockid(t.ident or 0) for t in self.threads.values()]
        self.sched = sched
        # (wall, the process's CPU, each thread's (CPU ns, runqueue wait ns or 0)) at each beat
        self.beats: list[tuple[float, float, tuple[tuple[int, int], ...]]] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.beat)
        self.timer.start()

    def _threads(self) -> tuple[tuple[int, int], ...]:
        if not self.sched:
            return tuple((time.clock_gettime_ns(clock), 0) for clock in self.clocks)
        each = []
        for thread in self.threads.values():
            try:
                with open(f"/proc/self/task/{thread.native_id}/schedstat") as stat:
                    ran, waited, _slices = stat.read().split()
                each.append((int(ran), int(waited)))
            except (OSError, ValueError):  # not Linux, or the thread ended
                each.append((0, 0))
        return tuple(each)

    def beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.beats.append((now, time.process_time(), self._threads()))
        self.last = now

    def report(self) -> str:
        self.timer.stop()
        gaps = sorted(self.gaps)
        return (
            f"longest event-loop stall {gaps[-1] * 1000:.0f} ms (99th percentile"
            f" {gaps[int(len(gaps) * 0.99)] * 1000:.0f} ms, {len(gaps)} beats)"
        )

    def longest(self, worst: int = 5) -> str:
        return ", ".join(f"{g * 1000:.0f}" for g in sorted(self.gaps)[-worst:][::-1]) + " ms"

    def explain(self, spans: dict[str, list[tuple[float, float]]], worst: int = 3) -> str:
        """The `worst` longest gaps: each thread's CPU and runqueue wait in it, the process's
        CPU, and the time of each kind of span (GC passes, the window's refreshes) in it."""
        lines = []
        order = sorted(
            range(1, len(self.beats)), key=lambda i: self.beats[i][0] - self.beats[i - 1][0]
        )
        for i in reversed(order[-worst:]):
            (begin, all0, sched0), (end, all1, sched1) = self.beats[i - 1], self.beats[i]
            parts = [f"{(end - begin) * 1000:.0f} ms (from monotonic {begin:.3f} s):"]
            each = zip(self.threads, sched0, sched1, strict=True)
            for name, (ran0, wait0), (ran1, wait1) in each:
                waited = (
                    f" + waiting for a core {(wait1 - wait0) / 1e6:.0f} ms" if self.sched else ""
                )
                parts.append(f"{name} CPU {(ran1 - ran0) / 1e6:.0f} ms{waited},")
            parts.append(f"whole process CPU {(all1 - all0) * 1000:.0f} ms")
            for kind, each in spans.items():
                inside = sum(max(0.0, min(e, end) - max(s, begin)) for s, e in each)
                if inside:
                    parts.append(f", {kind} {inside * 1000:.0f} ms")
            lines.append("    stall " + " ".join(parts))
        return "\n".join(lines)


async def headless_sync(count: int, home: Path, in_loop: bool) -> None:
    """The same sync on a plain asyncio loop, no Qt at all: what the engine alone costs the
    loop (a call_later heartbeat instead of the QTimer)."""
    from kittiwake.client.engine import Engine

    engine = Engine.open(home, background=not in_loop)
    # As the app does at start-up (ui/bridge.py): what exists now is never scanned again, so a
    # full collection (here still automatic, in any thread) only scans the sync's own objects.
    gc.collect()
    gc.freeze()
    pauses = GcPauses()
    loop = asyncio.get_running_loop()
    gaps: list[float] = []
    last = [time.perf_counter()]
    running = [True]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
        if running[0]:
            loop.call_later(0.005, beat)

    loop.call_later(0.005, beat)
    start = time.perf_counter()
    (result,) = await engine.sync()
    took = time.perf_counter() - start
    running[0] = False
    assert result.ok, result.error
    gaps.sort()
    print(
        f"sync of {count} messages, engine only (plain asyncio, no Qt,"
        f" {'on the loop' if in_loop else 'worker thread'}): {took:.1f} s;"
        f" longest event-loop stall {gaps[-1] * 1000:.0f} ms"
        f" (99th percentile {gaps[int(len(gaps) * 0.99)] * 1000:.0f} ms); {pauses.report()}",
        flush=True,
    )
    engine.close()
    gc.unfreeze()


def timed(obj: Any, name: str) -> list[tuple[float, float]]:
    """Wrap obj.name to record when each call began and ended (the window's refreshes)."""
    durations: list[tuple[float, float]] = []
    original = getattr(obj, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            durations.append((began, time.perf_counter()))

    setattr(obj, name, wrapper)
    return durations


def collector_report() -> str:
    """The GUI-thread collector's longest pass per generation, with the young count it met."""
    from kittiwake.ui.bridge import GuiThreadCollector

    for kept in _kept:
        if isinstance(kept, GuiThreadCollector):
            each = ", ".join(
                f"gen{g} {t * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU, young {n})"
                for g, (t, cpu, n) in sorted(kept.longest.items())
            )
            return f"collector's longest passes: {each or 'none'}"
    return "no GUI-thread collector"


class Run:
    """One sync with the window open: the settings it ran with and what it measured.

    A variant is `key=value` words: `switch=MS` (sys.setswitchinterval), `nice=N` (the
    engine's worker thread's nice value, Linux), `index=on|off` (off: the background indexer
    is stopped for the sync and started after it, as if it waited for the sync to end),
    `indexer=old` (the indexer as before it waited for a quiet moment and lowered its thread's
    priority: settle 0, the thread at the process's nice value), `fg=on|off` (the background
    threads give way while the GUI thread works: ui/bridge.py ForegroundTracker, as the app)."""

    def __init__(self, variant: str) -> None:
        words = dict(word.split("=", 1) for word in variant.split())
        self.switch_ms = float(words.pop("switch", sys.getswitchinterval() * 1000))
        self.worker_nice = int(words.pop("nice", "0"))
        self.index = words.pop("index", "on") == "on"
        self.old_indexer = words.pop("indexer", "new") == "old"
        self.foreground = words.pop("fg", "on") == "on"
        if words:
            raise SystemExit(f"unknown variant words: {words}")
        index = "on" if self.index else "off"
        self.label = f"switch={self.switch_ms:g} nice={self.worker_nice} index={index}"
        if self.old_indexer:
            self.label += " indexer=old"
        self.label += f" fg={'on' if self.foreground else 'off'}"
        self.sync_seconds = 0.0
        self.stall_ms = 0.0


async def sync_and_open(
    count: int, home: Path, in_loop: bool, run: Run, open_messages: bool = True, sched: bool = False
) -> None:
    from kittiwake.client.engine import Engine
    from kittiwake.ui.bridge import ForegroundTracker
    from kittiwake.ui.windows.main_window import MainWindow

    sys.setswitchinterval(run.switch_ms / 1000)
    tracker = ForegroundTracker()
    if run.foreground and not in_loop:
        tracker.install()
    engine = Engine.open(home, background=not in_loop)
    window = MainWindow(engine, check_interval_ms=0)
    window.mark_read_on_open = False
    window.resize(1200, 760)
    window.show()
    if not in_loop:
        gc.collect()  # as ui/app.py's collector.settle(): the window's objects, frozen
        gc.freeze()

    pauses = GcPauses()
    applied = timed(window, "_apply_pending")
    window._refresh.timeout.disconnect()  # connected to the unwrapped method at construction
    window._refresh.timeout.connect(window._apply_pending)
    threads = {}
    worker = engine.worker.thread if engine.worker is not None else None
    if worker is not None and worker.native_id is not None:
        threads["worker"] = worker
        if run.worker_nice:
            os.setpriority(os.PRIO_PROCESS, worker.native_id, run.worker_nice)
    if not run.index and engine._indexer is not None:
        engine._indexer.stop()
    indexer = getattr(engine._indexer, "_thread", None)
    if run.old_indexer and engine._indexer is not None and indexer is not None:
        engine._indexer.settle = 0
        if indexer.native_id is not None:  # raising a priority back needs root (CAP_SYS_NICE)
            os.setpriority(os.PRIO_PROCESS, indexer.native_id, os.getpriority(os.PRIO_PROCESS, 0))
        engine._indexer.wake()
    if indexer is not None and indexer.native_id is not None:
        threads["indexer"] = indexer
    kinds: Counter[str] = Counter()
    stop_counting = engine.add_listener(lambda event: kinds.update((type(event).__name__,)))
    heartbeat = Heartbeat(threads, sched)
    start = time.perf_counter()
    (result,) = await engine.sync()
    took = time.perf_counter() - start
    tracker.uninstall()
    stop_counting()
    assert result.ok, result.error
    if not run.index and engine._indexer is not None:
        engine._indexer.start()
        engine._indexer.wake()
    where = "on the GUI loop" if in_loop else "worker thread"
    run.sync_seconds, run.stall_ms = took, max(heartbeat.gaps) * 1000
    print(
        f"sync of {count} messages with the window open ({where}): {took:.1f} s;"
        f" {heartbeat.report()}; {pauses.report()}",
        flush=True,
    )
    longest = max((e - b for b, e in applied), default=0.0)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"  {run.label}; five longest stalls {heartbeat.longest()};"
        f" load average {load}\n"
        f"  events reaching the window: {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}\n"
        f"  the window's refreshes (_apply_pending): {len(applied)}, longest"
        f" {longest * 1000:.0f} ms; {collector_report()}\n"
        f"{heartbeat.explain({'GC': pauses.spans, 'refresh': applied})}",
        flush=True,
    )
    if not open_messages:
        window.close()
        await window.finish_pending()
        engine.close()
        _kept.append(window)
        return

    # Message open: the newest message, shown in the message pane.
    window._apply_pending()
    window.open_folder(engine.folder("bench", "INBOX").id)
    pane = window.message_pane
    view = getattr(pane, "view", None)
    timings = []
    for row in range(5):
        message_id = window.messages.summary(row).id  # type: ignore[union-attr]
        rendered = asyncio.get_running_loop().create_future()
        if view is not None:
            view.sig_rendered.connect(
                lambda f=rendered: f.done() or f.set_result(None)  # type: ignore[misc]
            )
        start = time.perf_counter()
        pane.show_message(message_id)  # type: ignore[attr-defined]
        if view is not None:
            await asyncio.wait_for(rendered, 30)
        timings.append(time.perf_counter() - start)
    kind = "MessageView" if view is not None else "plain preview"
    web = view is not None and getattr(view, "web", None) is not None
    print(
        f"message open ({kind}, {'web view' if web else 'text view'}): first"
        f" {timings[0] * 1000:.0f} ms, then median {sorted(timings[1:])[2] * 1000:.0f} ms"
    )
    window.close()
    await window.finish_pending()
    engine.close()
    _kept.append(window)  # destroyed by os._exit, not while the loop still runs (a PySide crash)


def app_switch_ms() -> float:
    """The switch interval the app runs with: Python's default (5 ms). Shorter ones were
    measured (1 and 0.5 ms): no shorter stalls on this machine, a slower sync."""
    return sys.getswitchinterval() * 1000


def summary(runs: list[Run]) -> str:
    lines = ["A/B summary (per variant: the longest stall of each sync; sync wall times):"]
    for label in dict.fromkeys(run.label for run in runs):
        mine = [run for run in runs if run.label == label]
        stalls = sorted(run.stall_ms for run in mine)
        times = sorted(run.sync_seconds for run in mine)
        lines.append(
            f"  {label}: stalls {', '.join(f'{x:.0f}' for x in stalls)} ms"
            f" (median {stalls[len(stalls) // 2]:.0f}); sync {', '.join(f'{t:.1f}' for t in times)}"
            f" s (median {times[len(times) // 2]:.1f})"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sync", type=int, default=10_000)
    parser.add_argument(
        "--headless", action="store_true", help="first, the same sync with no Qt at all"
    )
    parser.add_argument(
        "--in-loop",
        action="store_true",
        help="sync on the GUI's loop (as before the engine's worker thread), not in background",
    )
    parser.add_argument(
        "--switch-ms",
        default="",
        help="sys.setswitchinterval for the GUI syncs, in ms; a comma-separated list (e.g."
        " 5,1) alternates them over --repeat rounds for an A/B in one run (default: the app's)",
    )
    parser.add_argument(
        "--variants",
        default="",
        help="semicolon-separated variants run in turn each round, e.g. 'nice=0;nice=10'"
        " (words: switch=MS nice=N index=on|off fg=on|off; see Run)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of GUI syncs (each into a fresh cache)"
    )
    parser.add_argument(
        "--sched",
        action="store_true",
        help="explain stalls with each thread's run-queue wait (Linux; lengthens stalls)",
    )
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(";") if v.strip()] or [
        f"switch={each.strip()}" for each in args.switch_ms.split(",") if each.strip()
    ]

    import qasync
    from PySide6.QtWidgets import QApplication

    if args.headless:
        from benchmarks.imap_fetch import DirectDovecot

        plain = DirectDovecot()
        plain.start()
        try:
            work, home, _user = prepare_mailbox(plain, args.sync)
            asyncio.run(headless_sync(args.sync, home, args.in_loop))
            shutil.rmtree(work, ignore_errors=True)
        finally:
            plain.close()

    from kittiwake.ui.windows.reader import register_schemes

    register_schemes()
    app = QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    folder_open(args.rows)
    # The closed pane's Qt objects sit in reference cycles: collect them here, before the
    # qasync loop runs, not in a GC pass inside one of its timer callbacks (a PySide crash).
    gc.collect()
    from kittiwake.ui.windows.main.qt_fixes import patch_qasync_timers

    patch_qasync_timers()  # as ui/app.py does: else the sync aborts the process
    if not args.in_loop:
        from kittiwake.ui.bridge import GuiThreadCollector

        # As ui/app.py does with the worker thread: no Qt object collected off the GUI thread.
        collector = GuiThreadCollector(app)
        collector.install()
        _kept.append(collector)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from benchmarks.imap_fetch import DirectDovecot

    server = DirectDovecot()
    server.start()
    works: list[Path] = []
    try:
        # ONE run of the Qt loop: a second run_until_complete after QtWebEngine ran crashes
        # (see ui/app.py's run_session).
        async def everything() -> None:
            work, home, user = prepare_mailbox(server, args.sync)
            works.append(work)
            runs: list[Run] = []
            for _round in range(args.repeat):
                for variant in variants or [f"switch={app_switch_ms()}"]:
                    if runs:  # the same mailbox, a fresh cache
                        home = work / f"home-{len(runs)}"
                        add_bench_account(server, user, work, home)
                    runs.append(Run(variant))
                    last = len(runs) == args.repeat * max(1, len(variants))
                    await sync_and_open(args.sync, home, args.in_loop, runs[-1], last, args.sched)
            if len(runs) > 1:
                print(summary(runs), flush=True)

        with loop:
            loop.run_until_complete(everything())
    finally:
        server.close()
        for work in works:
            shutil.rmtree(work, ignore_errors=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the GUI process: {rss:.0f} MB", flush=True)
    # PySide6 with QtWebEngine can crash while the interpreter tears its objects down; the
    # figures are printed, so leave without that teardown.
    os._exit(0)


if __name__ == "__main__":
    main()
