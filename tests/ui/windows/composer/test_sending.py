"""The composer against the real Dovecot: send after the undo delay, undo, offline send through
the outbox, and autocomplete from addresses a sync put in the cache."""

from __future__ import annotations

import asyncio
import logging
import secrets

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.settings import Settings
from kittiwake.client.store.queue import OutboxState
from kittiwake.ui.windows.composer import ComposerWindow
from kittiwake.ui.windows.composer.reopen import draft_from_raw
from tests.client.test_no_secrets_on_disk import assert_no_secret_leaked
from tests.servers.fixtures import MailServer, MailUser
from tests.ui.windows.composer.conftest import EngineFactory, expect, run


def composer(qtbot: QtBot, engine: Engine, undo_seconds: int) -> ComposerWindow:
    window = ComposerWindow(engine, "work", settings=Settings(undo_send_seconds=undo_seconds))
    qtbot.addWidget(window)
    window.show()
    return window


def fill(window: ComposerWindow, to: MailUser) -> str:
    subject = f"composer {secrets.token_hex(4)}"
    window.to.setText(to.address)
    window.subject.setText(subject)
    window.body.setPlainText("Hello from the composer.\n")
    return subject


def test_send_arrives_after_the_undo_delay(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    mail_server: MailServer,
    server_engine: EngineFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    engine = server_engine(alice)
    window = composer(qtbot, engine, undo_seconds=0)
    subject = fill(window, bob)

    async def scenario() -> int:
        queued = expect(qasync_loop, window.sig_queued)
        assert window.send()
        item_id: int = await asyncio.wait_for(queued, 10)
        assert window.send_task is not None
        await asyncio.wait_for(window.send_task, 30)
        await mail_server.await_messages(bob, 1)
        return item_id

    item_id = run(qasync_loop, scenario())
    raw = mail_server.fetch_raw(bob, mail_server.mailbox_uids(bob)[0])
    assert f"Subject: {subject}".encode() in raw and b"Hello from the composer." in raw
    assert engine.store.outbox.get(item_id).state is OutboxState.SENT  # type: ignore[union-attr]
    draft_id = window.current_draft(strict=False).message_id
    assert draft_id is not None and engine.draft_message("work", draft_id) is None
    assert not window.isVisible()
    # The cache, the drafts and the log hold the message, never the password.
    home = engine.paths.data_dir.parent
    assert_no_secret_leaked(home, alice.name, alice.password, caplog.records)


def test_undo_cancels_the_send_and_the_draft_is_back(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    mail_server: MailServer,
    server_engine: EngineFactory,
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    engine = server_engine(alice)
    window = composer(qtbot, engine, undo_seconds=30)
    subject = fill(window, bob)
    assert window.send()
    assert window.undo_bar.isVisible() and "Sending in" in window.undo_bar.label.text()
    assert not window.body.isEnabled()

    window.undo_bar.undo_button.click()

    assert not window.undo_bar.isVisible() and window.body.isEnabled()
    assert engine.store.outbox.list() == []
    draft_id = window.current_draft(strict=False).message_id
    assert draft_id is not None
    raw = engine.draft_message("work", draft_id)
    assert raw is not None
    assert draft_from_raw(raw, engine.account("work").identities).subject == subject
    assert mail_server.mailbox_uids(bob) == []


def test_offline_send_waits_in_the_outbox_and_leaves_when_the_server_is_back(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    mail_server: MailServer,
    server_engine: EngineFactory,
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    engine = server_engine(alice)
    window = composer(qtbot, engine, undo_seconds=0)
    fill(window, bob)
    mail_server.stop()
    try:

        async def offline() -> int:
            queued = expect(qasync_loop, window.sig_queued)
            assert window.send()
            item_id: int = await asyncio.wait_for(queued, 10)
            assert window.send_task is not None
            await asyncio.wait_for(window.send_task, 30)
            return item_id

        item_id = run(qasync_loop, offline())
        item = engine.store.outbox.get(item_id)
        assert item is not None and item.state is OutboxState.QUEUED and item.last_error
    finally:
        mail_server.start()

    async def online() -> None:
        report = await engine.send_outbox("work")
        assert report.sent == [item_id]
        await mail_server.await_messages(bob, 1)

    run(qasync_loop, online())
    assert engine.store.outbox.get(item_id).state is OutboxState.SENT  # type: ignore[union-attr]


def test_autocomplete_offers_an_address_seen_in_the_cache(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    mail_server: MailServer,
    server_engine: EngineFactory,
) -> None:
    alice = mail_server.new_user("alice")
    mail_server.save(
        alice,
        b"From: Carol Example <carol@example.test>\r\nTo: <" + alice.address.encode() + b">\r\n"
        b"Cc: Dave <dave@example.test>\r\nSubject: hello\r\n"
        b"Message-ID: <c1@example.test>\r\n\r\nHi.\r\n",
    )
    engine = server_engine(alice)
    results = run(qasync_loop, engine.sync("work", folders=["INBOX"]))
    assert results[0].error is None
    window = composer(qtbot, engine, undo_seconds=0)

    assert window.to.candidates("caro") == ["Carol Example <carol@example.test>"]
    assert "Dave <dave@example.test>" in window.cc.candidates("dave@")
    window.to.setText("bob@example.test, caro")
    window.to.setCursorPosition(len(window.to.text()))
    window.to.completer_.activated.emit("Carol Example <carol@example.test>")
    assert window.to.text() == "bob@example.test, Carol Example <carol@example.test>,"
    addresses = [a.addr_spec for a in window.current_draft().to]
    assert addresses == ["bob@example.test", "carol@example.test"]


def test_autosaved_drafts_reach_the_servers_drafts_folder(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    mail_server: MailServer,
    server_engine: EngineFactory,
) -> None:
    alice = mail_server.new_user("alice")
    engine = server_engine(alice)
    window = ComposerWindow(engine, "work", autosave_ms=10, upload_ms=50)
    qtbot.addWidget(window)
    window.show()

    async def scenario() -> None:
        saved = expect(qasync_loop, window.sig_draft_saved)
        window.subject.setText("draft on the server")
        await asyncio.wait_for(saved, 10)
        uploading = expect(qasync_loop, window._upload.timeout)
        await asyncio.wait_for(uploading, 10)
        assert window.upload_task is not None
        await asyncio.wait_for(window.upload_task, 30)

    run(qasync_loop, scenario())
    uids = mail_server.mailbox_uids(alice, "Drafts")
    assert len(uids) == 1
    assert b"Subject: draft on the server" in mail_server.fetch_raw(alice, uids[0], "Drafts")
    assert engine.store.ops.list("work") == []
