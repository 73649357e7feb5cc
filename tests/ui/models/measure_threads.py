"""Opening a 100,000-message folder flat and threaded (threads of four), offscreen: the model's
part (queries) and the first paint, then the last row (discovers every thread) and expand. A
measurement, not a test.

    .venv/bin/python -m tests.ui.models.measure_threads [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

EPOCH = 1_700_000_000


def headers(count: int) -> Iterator[object]:
    from kittiwake.client.store.model import Address, Flag, MessageHeaders

    for uid in range(1, count + 1):
        yield MessageHeaders(
            uid=uid,
            internal_date=EPOCH + uid * 60,
            size=500,
            flags=Flag.SEEN if uid % 3 else Flag.NONE,
            sender=Address(f"Sender {uid % 997}", f"s{uid % 997}@example.test"),
            subject=f"Message {uid}",
            message_id=f"<m{uid}@example.test>",
            in_reply_to=None if uid % 4 == 1 else f"<m{uid - 1}@example.test>",
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    from PySide6.QtWidgets import QApplication

    from kittiwake.client.engine import Engine
    from kittiwake.client.settings import SettingsFile
    from kittiwake.client.store.model import FolderInfo, Role
    from kittiwake.ui.models.message_list import MessageListModel
    from kittiwake.ui.models.sources import FolderSource
    from kittiwake.ui.windows.main.list_pane import ListPane

    app = QApplication.instance() or QApplication([sys.argv[0]])
    home = Path(tempfile.mkdtemp(prefix="kittiwake-threads-"))
    engine = Engine.open(home)
    folder_id = engine.store.folders.upsert(FolderInfo("bench", "INBOX", role=Role.INBOX))
    start = time.perf_counter()
    engine.store.messages.upsert_headers(folder_id, headers(rows))  # type: ignore[arg-type]
    print(f"{rows} messages written in {time.perf_counter() - start:.1f} s")
    engine.close()
    engine = Engine.open(home)
    for threaded in (False, True, False, True):
        model = MessageListModel()
        pane = ListPane(model)
        pane.use_settings(SettingsFile(home / "settings.toml"))
        pane.set_threaded(threaded)
        pane.resize(900, 700)
        pane.show()
        pane.table.grab()
        start = time.perf_counter()
        model.set_source(FolderSource(engine, folder_id))
        queried = time.perf_counter()
        pane.table.grab()
        painted = time.perf_counter()
        name = "threaded" if threaded else "flat"
        print(
            f"{name} open: model {1000 * (queried - start):.1f} ms +"
            f" first paint {1000 * (painted - queried):.1f} ms, {model.rowCount()} rows"
        )
        if threaded:
            start = time.perf_counter()
            model.summary(model.rowCount() - 1)
            print(f"  last row: {1000 * (time.perf_counter() - start):.1f} ms")
            start = time.perf_counter()
            model.expand(0)
            print(f"  expand: {1000 * (time.perf_counter() - start):.1f} ms")
        pane.close()
    engine.close()
    del app


if __name__ == "__main__":
    main()
