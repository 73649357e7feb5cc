"""A screenshot of the main window on a small realistic mailbox (real Dovecot, real sync).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.windows.main.screenshots [OUT_DIR]

Writes main-window.png (default docs/screenshots/). Not a test.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:  # QtWebEngine refuses root without it
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")

MAIL = [
    # (from, mailbox at example.test, subject, day, hour, s=seen f=flagged a=attachment)
    ("Ada Lovelace", "ada", "Notes on the Analytical Engine", 3, 9, "sfa"),
    ("Grace Hopper", "grace", "Re: Compiler meeting moved to Thursday", 4, 11, "s"),
    ("Linus Example", "linus", "Patch review: faster folder sync", 5, 8, "a"),
    ("Margaret Hamilton", "mh", "Flight software checklist", 5, 14, "s"),
    ("Alan Turing", "alan", "Lunch on Friday?", 6, 12, "f"),
    ("Katherine Johnson", "kj", "Trajectory figures (final)", 6, 16, "sa"),
    ("Dennis Ritchie", "dmr", "Re: Re: C style guide", 7, 10, "s"),
    ("Barbara Liskov", "liskov", "Substitution principle, a reminder", 7, 15, ""),
    ("Tim Berners-Lee", "timbl", "A proposal for information management", 8, 9, "a"),
    ("Radia Perlman", "radia", "Spanning tree: slides for Monday", 8, 13, "s"),
]


def raw_message(
    i: int, name: str, address: str, subject: str, day: int, hour: int, attach: bool
) -> bytes:
    body = (
        f"Hello,\r\n\r\nThis is message {i + 1} of the sample mailbox, about "
        f"\u201c{subject}\u201d.\r\n\r\nBest regards,\r\n{name}\r\n"
    )
    head = (
        f"From: {name} <{address}>\r\nTo: Alice Liddell <alice@example.test>\r\n"
        f"Subject: {subject}\r\nMessage-ID: <shot-{i}@example.test>\r\n"
        f"Date: Mon, {day} Mar 2026 {hour:02d}:15:00 +0000\r\nMIME-Version: 1.0\r\n"
    )
    if not attach:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    return (
        head + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n--b\r\n"
        'Content-Type: application/pdf; name="notes.pdf"\r\n'
        'Content-Disposition: attachment; filename="notes.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    ).encode()


def main(out_dir: Path) -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    from kittiwake.ui.windows.reader import register_schemes

    register_schemes()
    from kittiwake.client import cli
    from kittiwake.client.engine import Engine
    from kittiwake.ui.windows.main_window import MainWindow
    from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
    from tests.servers.dovecot import MailServer

    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    server = MailServer()
    server.start()
    try:
        with keyring_backend(MemoryKeyring()):
            user = server.new_user("alice")
            for i, (name, box, subject, day, hour, marks) in enumerate(MAIL):
                address = f"{box}@example.test"
                raw = raw_message(i, name, address, subject, day, hour, "a" in marks)
                server.save(user, raw)
                flags = " ".join(f for f, m in (("\\Seen", "s"), ("\\Flagged", "f")) if m in marks)
                if flags:
                    server.flags(user, "add", flags, "INBOX", f"uid {i + 1}")
            home = Path(tempfile.mkdtemp(prefix="kittiwake-shots-"))
            sys.stdin = io.StringIO(user.password + "\n")
            cli.main(
                [
                    "--home", str(home), "accounts", "add", "Work",
                    "--address", user.address, "--incoming", "imap",
                    "--incoming-host", server.host,
                    "--incoming-port", str(server.ports["imaps"]),
                    "--incoming-security", "tls", "--smtp-host", server.host,
                    "--smtp-port", str(server.ports["submissions"]),
                    "--smtp-security", "tls", "--username", user.name,
                    "--ca-file", server.ca_file, "--password-stdin",
                ]
            )  # fmt: skip
            engine = Engine.open(home)
            window = MainWindow(engine, check_interval_ms=0)
            window.mark_read_on_open = False
            window.resize(1280, 800)
            window.show()

            async def scenario() -> None:
                done = asyncio.get_running_loop().create_future()
                window.sig_sync_finished.connect(lambda: done.done() or done.set_result(None))
                window.get_messages()
                await asyncio.wait_for(done, 60)
                window.open_first_inbox()
                row = next(
                    r
                    for r in range(window.messages.rowCount())
                    if "Patch review" in window.messages.summary(r).subject  # type: ignore[union-attr]
                )
                lunch = next(
                    r
                    for r in range(window.messages.rowCount())
                    if "Lunch" in window.messages.summary(r).subject  # type: ignore[union-attr]
                )
                window.list_pane.select_row(lunch)
                window.tag_actions["$label1"].trigger()  # Important: the row turns red
                window.list_pane.select_row(row)
                window.commands.mark_read.trigger()
                view = getattr(window.message_pane, "view", None)
                if view is not None and getattr(view, "web", None) is not None:
                    rendered = asyncio.get_running_loop().create_future()
                    view.sig_rendered.connect(lambda: rendered.done() or rendered.set_result(None))
                    window.message_pane.show_message(window.list_pane.current_id())  # type: ignore[attr-defined]
                    await asyncio.wait_for(rendered, 30)
                await asyncio.wait_for(window.finish_pending(), 30)
                window.status.clearMessage()
                window.grab().save(str(out_dir / "main-window.png"))

            loop.run_until_complete(scenario())
            window.close()
            engine.close()
    finally:
        server.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
