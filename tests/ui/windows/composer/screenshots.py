"""Screenshots of the composer: a formatted new message with an attachment, and the undo bar.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.windows.composer.screenshots [OUT_DIR]

Writes composer.png and composer-undo.png (default docs/screenshots/). No server is needed:
nothing is sent (the undo delay is long and the window is closed before it passes).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(out_dir: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from kittiwake.client.settings import Settings
    from kittiwake.ui.windows.composer import ComposerWindow
    from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
    from tests.ui.windows.composer.conftest import make_account, open_engine

    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    home = Path(tempfile.mkdtemp(prefix="kittiwake-shots-"))
    with keyring_backend(MemoryKeyring()):
        engine = open_engine(home / "home", make_account("alice@example.test", "alice"))
        report = home / "Q4 report.pdf"
        report.write_bytes(b"%PDF-1.4\n" + b"0" * 180_000)
        window = ComposerWindow(engine, "work", settings=Settings(undo_send_seconds=10))
        window.resize(820, 600)
        window.show()
        window.to.setText("Bob Builder <bob@example.test>, carol@example.test")
        window.cc.setText("Dave <dave@example.test>")
        window.subject.setText("Quarterly report")
        body = window.body
        body.insertPlainText("Hi Bob,\n\nhere is the quarterly report. The ")
        window.bold_action.setChecked(True)
        body.insertPlainText("three points")
        window.bold_action.setChecked(False)
        body.insertPlainText(" to discuss on Monday:\n")
        window.list_action.trigger()
        body.insertPlainText("revenue up 12 %\nnew office in Leith\nhiring plan")
        cursor = body.textCursor()
        cursor.insertBlock()
        items = cursor.currentList()
        if items is not None:  # the closing lines are not list items
            items.remove(cursor.block())
            fmt = cursor.blockFormat()
            fmt.setIndent(0)
            cursor.setBlockFormat(fmt)
        cursor.insertText("\nSee you,\nAlice")  # the identity's signature follows
        window.attachments.add_files([str(report)])
        app.processEvents()
        window.grab().save(str(out_dir / "composer.png"))
        assert window.send()
        app.processEvents()
        window.grab().save(str(out_dir / "composer-undo.png"))
        window.undo_send()
        window.close()
        engine.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
