"""The main window's threaded view, pictured into docs/screenshots/threaded.png.

    xvfb-run -a -s "-screen 0 1920x1200x24" \
        .venv/bin/python -m tests.ui.windows.main.screenshot_threaded

The friendly sample mailbox of `make screenshots` (tools/sample_mailbox.py) is written straight
into a temporary cache (no server), the list is switched to threads, the lunch thread opened
and its newest message selected. Not a test; the message pane shows text (no QtWebEngine).
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("KITTIWAKE_NO_WEBENGINE", "1")
ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools"))

SIZE = (1280, 800)


def main() -> None:
    import sample_mailbox as sample
    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QApplication

    from kittiwake.client.imap.responses import FetchItem
    from kittiwake.client.store.model import Flag, FolderInfo, Role
    from kittiwake.client.sync.envelope import header_block, headers_from_fetch
    from kittiwake.ui.windows.main_window import MainWindow
    from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
    from tests.ui.windows.composer.conftest import make_account, open_engine

    app = QApplication.instance() or QApplication([sys.argv[0]])
    home = Path(tempfile.mkdtemp(prefix="kittiwake-threaded-"))
    with keyring_backend(MemoryKeyring()):
        engine = open_engine(home, make_account("alice@example.test", "alice"))
        inbox = engine.store.folders.upsert(FolderInfo("work", "INBOX", role=Role.INBOX))
        headers, bodies = [], []
        mails = sample.sample_mail("alice@example.test", "bob@example.test", b"")
        for uid, mail in enumerate(mails, start=1):
            flags = (Flag.SEEN if mail.seen else Flag.NONE) | (
                Flag.FLAGGED if mail.flagged else Flag.NONE
            )
            item = FetchItem(seq=uid, uid=uid, flags=flags.to_imap(), size=len(mail.raw))
            parsed = headers_from_fetch(item, header_block(mail.raw))
            headers.append(replace(parsed, internal_date=parsed.date or 0))
            bodies.append((uid, mail.raw))
        engine.store.messages.upsert_headers(inbox, headers)
        engine.store.bodies.put(inbox, bodies)

        window = MainWindow(engine, check_interval_ms=0)
        window.resize(*SIZE)
        window.show()
        pane = window.list_pane
        pane.set_threaded(True)
        subjects = [getattr(pane.model.summary(r), "subject", "") for r in range(20)]
        lunch = subjects.index(sample.PREVIEW_SUBJECT)
        pane.select_row(lunch)
        pane.table.setFocus()
        pane.expand_current()
        # Open, the thread row is its newest message alone: the pane shows it. (Collapsed, the
        # main window shows a thread row's message once it asks list_pane.shown_id().)
        pane.table.clearSelection()
        pane.select_row(lunch)
        for _ in range(20):
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        picture: QPixmap = window.grab()
        target = ROOT / "docs" / "screenshots" / "threaded.png"
        picture.save(str(target))
        print(f"{target.relative_to(ROOT)}: {picture.width()}x{picture.height()}")
        window.close()
        engine.close()
    del app


if __name__ == "__main__":
    main()
