"""Opening the composer: new, mailto:, a saved draft, and reply to all on a synced message whose
reply then arrives in the sender's INBOX on the real Dovecot."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.net.errors import CommandFailed
from kittiwake.client.settings import Settings
from kittiwake.ui.windows.composer import open_composer, open_mailto, open_saved_draft
from tests.servers.fixtures import MailServer
from tests.ui.windows.composer.conftest import EngineFactory, expect, run


def test_new_message_from_the_first_identity_with_its_signature(
    qtbot: QtBot, offline_engine: Engine
) -> None:
    window = open_composer(offline_engine, "new")
    qtbot.addWidget(window)
    assert window.current_draft(strict=False).identity.address == "alice@example.test"
    assert window.body.toPlainText().rstrip().endswith("-- \nAlice\nWonderland Ltd.")
    assert window.windowTitle() == "New message"


def test_mailto_fills_the_fields_and_never_attaches_files(
    qtbot: QtBot, offline_engine: Engine
) -> None:
    url = (
        "mailto:bob@example.test?cc=carol@example.test&subject=Hi%20there&body=Hello"
        "&attach=/etc/passwd"
    )
    window = open_mailto(offline_engine, url)
    qtbot.addWidget(window)
    assert window.to.text() == "bob@example.test" and window.cc.text() == "carol@example.test"
    assert window.subject.text() == "Hi there"
    assert window.body.toPlainText().startswith("Hello")
    assert window.attachments.count() == 0


def test_a_saved_draft_reopens(qtbot: QtBot, offline_engine: Engine) -> None:
    first = open_composer(offline_engine, "new")
    qtbot.addWidget(first)
    first.subject.setText("Unfinished")
    message_id = first.save_draft()
    assert message_id is not None
    again = open_saved_draft(offline_engine, "work", message_id)
    qtbot.addWidget(again)
    assert again.subject.text() == "Unfinished"
    with pytest.raises(CommandFailed):
        open_saved_draft(offline_engine, "work", "<gone@example.test>")


def test_a_reply_to_imported_mail_comes_from_the_account_it_was_imported_into(
    qtbot: QtBot, offline_engine: Engine, tmp_path: Path
) -> None:
    mbox = tmp_path / "Old.mbox"
    mbox.write_bytes(
        b"From carol@example.test Mon Jan  1 00:00:00 2024\n"
        b"From: Carol <carol@example.test>\nTo: alice@example.test\nSubject: Archived\n"
        b"Message-ID: <old-1@example.test>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n"
        b"An old note.\n"
    )
    report = offline_engine.import_mail("work", mbox, folder="Old")
    (summary,) = offline_engine.messages(report.folder_id).rows
    window = open_composer(offline_engine, "reply", summary.id)
    qtbot.addWidget(window)
    assert window.account == "work"
    assert window.to.text() == "Carol <carol@example.test>"
    assert window.current_draft(strict=False).in_reply_to == "<old-1@example.test>"


def test_replying_to_a_message_not_downloaded_says_so(offline_engine: Engine) -> None:
    with pytest.raises(CommandFailed, match="not on this computer"):
        open_composer(offline_engine, "reply", 12345)


def test_reply_to_all_is_sent_and_arrives_in_the_senders_inbox(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    mail_server: MailServer,
    server_engine: EngineFactory,
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    original_id = f"<{secrets.token_hex(6)}@example.test>"
    mail_server.save(
        alice,
        f"From: Bob <{bob.address}>\r\nTo: Alice <{alice.address}>\r\n"
        f"Cc: Carol <carol@example.test>\r\nSubject: Plans\r\nMessage-ID: {original_id}\r\n"
        "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n\r\nAre you coming?\r\n".encode(),
    )
    engine = server_engine(alice)
    assert run(qasync_loop, engine.sync("work", folders=["INBOX"]))[0].error is None
    [message] = engine.messages(engine.folder("work", "INBOX").id).rows

    window = open_composer(engine, "reply_all", message.id, settings=Settings(undo_send_seconds=0))
    qtbot.addWidget(window)
    window.show()
    assert window.to.text() == f"Bob <{bob.address}>"
    assert window.cc.text() == "Carol <carol@example.test>"
    assert window.subject.text() == "Re: Plans"
    assert "> Are you coming?" in window.body.toPlainText()
    window.cc.setText("")  # carol does not exist on this server
    window.body.moveCursor(window.body.textCursor().MoveOperation.Start)
    window.body.insertPlainText("Yes!\n")

    async def scenario() -> None:
        queued = expect(qasync_loop, window.sig_queued)
        assert window.send()
        await asyncio.wait_for(queued, 10)
        assert window.send_task is not None
        await asyncio.wait_for(window.send_task, 30)
        await mail_server.await_messages(bob, 1)

    run(qasync_loop, scenario())
    raw = mail_server.fetch_raw(bob, mail_server.mailbox_uids(bob)[0])
    assert f"In-Reply-To: {original_id}".encode() in raw
    assert b"Yes!" in raw and b"> Are you coming?" in raw
