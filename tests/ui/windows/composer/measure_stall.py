"""Longest GUI-thread stall (a 5 ms heartbeat QTimer) while the composer autosaves a draft with a
1 MB and a 10 MB attachment, and while Send hands it to the outbox (undo delay 0; the account
points at a closed port, so delivery fails at once and only the local work is measured).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.windows.composer.measure_stall

Each size runs twice, alternating: the durable writes off the GUI thread (the engine's
save_draft_async / queue_draft_async, as the composer does) and on it (the synchronous
save_draft / queue_draft, as before), for an A/B in one run.

A measurement, not a test (the figures vary with the machine's load).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kittiwake.client.mime.compose import new_draft
    from kittiwake.client.settings import Settings
    from kittiwake.ui.windows.composer import ComposerWindow
    from kittiwake.ui.windows.main.qt_fixes import patch_qasync_timers, patch_signal_bools
    from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
    from tests.ui.windows.composer.conftest import make_account, open_engine

    app = QApplication.instance() or QApplication([sys.argv[0]])
    patch_qasync_timers()  # as the app does: else a long run aborts (PySide6 killTimer bug)
    patch_signal_bools()
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    home = Path(tempfile.mkdtemp(prefix="kittiwake-stall-"))
    with keyring_backend(MemoryKeyring()):
        engine = open_engine(home / "home", make_account("alice@example.test", "alice"))
        engine.run_in_background()  # as the app: the failing delivery runs on the worker
        off_thread = (engine.save_draft_async, engine.queue_draft_async)
        # Warm-up, not measured: the first save imports the drafts and outbox modules.
        identity = engine.account("work").identities[0]
        loop.run_until_complete(engine.save_draft_async("work", new_draft(identity)))

        async def save_here(account: str, draft: Any, *, raw: bytes | None = None) -> str:
            return engine.save_draft(account, draft, raw=raw)

        async def queue_here(account: str, draft: Any, *, raw: bytes | None = None) -> int:
            return engine.queue_draft(account, draft, raw=raw)

        for megabytes, where in ((1, "off"), (1, "on"), (10, "off"), (10, "on")):
            engine.save_draft_async, engine.queue_draft_async = (  # type: ignore[method-assign]
                off_thread if where == "off" else (save_here, queue_here)
            )
            path = home / f"attachment-{megabytes}.bin"
            path.write_bytes(os.urandom(megabytes * 1024 * 1024))
            window = ComposerWindow(engine, "work", settings=Settings(undo_send_seconds=0))
            window.to.setText("bob@example.test")
            loaded: asyncio.Future[None] = loop.create_future()
            window.attachments.sig_loaded.connect(
                lambda loaded=loaded: loaded.done() or loaded.set_result(None)
            )
            window.attachments.add_files([str(path)])
            # Read and encoded in a worker (loading.py); the loop runs meanwhile (a busy loop of
            # processEvents() drained None's reference count with PySide6 6.12: none_dealloc).
            loop.run_until_complete(asyncio.wait_for(loaded, 120))
            gaps: list[float] = []
            last = [time.perf_counter()]
            # Futures the next beat resolves: a stall that ends when the awaited work ends is
            # only recorded at the beat after it, so each phase waits for that beat.
            beaten: list[asyncio.Future[None]] = []

            def beat(
                gaps: list[float] = gaps,
                last: list[float] = last,
                beaten: list[asyncio.Future[None]] = beaten,
            ) -> None:
                now = time.perf_counter()
                gaps.append(now - last[0])
                last[0] = now
                while beaten:
                    waiter = beaten.pop()
                    if not waiter.done():
                        waiter.set_result(None)

            heartbeat = QTimer()
            heartbeat.setInterval(5)
            heartbeat.timeout.connect(beat)

            async def scenario(
                window: ComposerWindow = window,
                heartbeat: QTimer = heartbeat,
                gaps: list[float] = gaps,
                last: list[float] = last,
                beaten: list[asyncio.Future[None]] = beaten,
            ) -> tuple[float, float]:
                async def next_beat() -> None:
                    beaten.append(asyncio.get_running_loop().create_future())
                    await beaten[-1]

                heartbeat.start()
                last[0] = time.perf_counter()
                await window.save_draft_async()
                await next_beat()
                saving = max(gaps)
                gaps.clear()
                queued: asyncio.Future[int] = asyncio.get_running_loop().create_future()

                def done(item: int, queued: asyncio.Future[int] = queued) -> None:
                    if not queued.done():
                        queued.set_result(item)

                window.sig_queued.connect(done)
                window.send()
                await queued
                await next_beat()
                heartbeat.stop()
                return saving, max(gaps)

            saving, sending = loop.run_until_complete(scenario())
            print(
                f"{megabytes} MB attachment, writes {where} the GUI thread: longest stall"
                f" {saving * 1000:.0f} ms while autosaving, {sending * 1000:.0f} ms from Send to"
                f" the outbox; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
            )
        engine.close()


if __name__ == "__main__":
    main()
