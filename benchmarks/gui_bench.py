"""GUI figures: folder open, message open, the longest event-loop stall during a sync, RSS.

    .venv/bin/python benchmarks/gui_bench.py [--rows 100000] [--sync 10000] [--headless]
                                             [--in-loop]

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


def prepare_mailbox(server: Any, count: int) -> tuple[Path, Path]:
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
    return work, home


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

    Each beat also notes the GUI thread's CPU time: a gap in which the thread used little CPU
    was spent waiting (for the GIL held by the sync's worker, or for a core on a busy
    machine), not working; `explain` splits the longest gaps into what ran in them."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.beats: list[tuple[float, float]] = []  # (wall, this thread's CPU) at each beat
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.beat)
        self.timer.start()

    def beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.beats.append((now, time.thread_time()))
        self.last = now

    def report(self) -> str:
        self.timer.stop()
        gaps = sorted(self.gaps)
        return (
            f"longest event-loop stall {gaps[-1] * 1000:.0f} ms (99th percentile"
            f" {gaps[int(len(gaps) * 0.99)] * 1000:.0f} ms, {len(gaps)} beats)"
        )

    def explain(self, spans: dict[str, list[tuple[float, float]]], worst: int = 3) -> str:
        """The `worst` longest gaps: the GUI thread's CPU in each, and the time of each kind
        of span (GC passes, the window's refreshes) that overlapped it."""
        lines = []
        order = sorted(
            range(1, len(self.beats)), key=lambda i: self.beats[i][0] - self.beats[i - 1][0]
        )
        for i in reversed(order[-worst:]):
            (begin, cpu0), (end, cpu1) = self.beats[i - 1], self.beats[i]
            parts = [f"{(end - begin) * 1000:.0f} ms: GUI thread CPU {(cpu1 - cpu0) * 1000:.0f} ms"]
            for kind, each in spans.items():
                inside = sum(max(0.0, min(e, end) - max(s, begin)) for s, e in each)
                if inside:
                    parts.append(f"{kind} {inside * 1000:.0f} ms")
            lines.append("    stall " + ", ".join(parts))
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


async def sync_and_open(count: int, home: Path, in_loop: bool) -> None:
    from kittiwake.client.engine import Engine
    from kittiwake.ui.windows.main_window import MainWindow

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
    heartbeat = Heartbeat()
    start = time.perf_counter()
    (result,) = await engine.sync()
    took = time.perf_counter() - start
    assert result.ok, result.error
    where = "on the GUI loop" if in_loop else "worker thread"
    print(
        f"sync of {count} messages with the window open ({where}): {took:.1f} s;"
        f" {heartbeat.report()}; {pauses.report()}",
        flush=True,
    )
    longest = max((e - b for b, e in applied), default=0.0)
    print(
        f"  the window's refreshes (_apply_pending): {len(applied)}, longest"
        f" {longest * 1000:.0f} ms; {collector_report()}\n"
        f"{heartbeat.explain({'GC': pauses.spans, 'refresh': applied})}",
        flush=True,
    )

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
        "--switch-ms", type=float, default=0, help="sys.setswitchinterval for the GUI run (ms)"
    )
    args = parser.parse_args()
    if args.switch_ms:
        sys.setswitchinterval(args.switch_ms / 1000)

    import qasync
    from PySide6.QtWidgets import QApplication

    if args.headless:
        from benchmarks.imap_fetch import DirectDovecot

        plain = DirectDovecot()
        plain.start()
        try:
            work, home = prepare_mailbox(plain, args.sync)
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
            work, home = prepare_mailbox(server, args.sync)
            works.append(work)
            await sync_and_open(args.sync, home, args.in_loop)

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
