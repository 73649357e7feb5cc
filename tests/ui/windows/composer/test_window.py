"""The composer without a server: fields, errors, attachments, quoting, signatures, drafts."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.events import Event, FolderListChanged
from kittiwake.client.mime.compose import build_message
from kittiwake.client.mime.forward import FORWARD_MARKER, ForwardMode, forward
from kittiwake.client.mime.reply import ReplyMode, reply
from kittiwake.client.settings import Settings, SettingsFile
from kittiwake.ui.windows.composer import ComposerWindow
from kittiwake.ui.windows.composer.reopen import draft_from_raw
from tests.ui.windows.composer.conftest import expect, run

T = TypeVar("T")

ORIGINAL = (
    b"From: Bob Builder <bob@example.test>\r\nTo: Alice Liddell <alice@example.test>\r\n"
    b"Subject: Lunch?\r\nMessage-ID: <lunch-1@example.test>\r\n"
    b"Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n\r\nShall we meet at noon?\r\n"
)


def composer(qtbot: QtBot, engine: Engine, **kwargs: object) -> ComposerWindow:
    window = ComposerWindow(engine, "work", **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_line_break_in_the_subject_is_refused_next_to_the_field(
    qtbot: QtBot, offline_engine: Engine
) -> None:
    window = composer(qtbot, offline_engine)
    window.to.setText("bob@example.test")
    window.subject.setText("Hello\r\nBcc: everyone@example.test")
    assert window.send() is False
    error = window.rows["subject"].error
    assert error.isVisible() and "line break" in error.text()
    assert error.textFormat() == Qt.TextFormat.PlainText
    assert not window.undo_bar.isVisible()
    assert offline_engine.store.outbox.list() == []

    window.subject.setText("Hello")
    window.to.setText("bob@example.test\r\nBcc: everyone@example.test")
    assert window.send() is False
    assert not error.isVisible()  # cleared: the subject is fine now
    assert "line break" in window.rows["to"].error.text()
    assert offline_engine.store.outbox.list() == []


def test_an_address_that_is_not_one_is_refused_next_to_its_field(
    qtbot: QtBot, offline_engine: Engine
) -> None:
    window = composer(qtbot, offline_engine)
    window.to.setText("bob@example.test")
    window.cc.setText("not an address")
    window.subject.setText("Hi")
    assert window.send() is False
    assert window.rows["cc"].error.isVisible()
    assert not window.rows["to"].error.isVisible()
    window.cc.setText("")
    window.to.setText("")
    assert window.send() is False
    assert "recipient" in window.rows["to"].error.text()
    assert offline_engine.store.outbox.list() == []


def test_forgotten_attachment_asks_and_no_means_not_sent(
    qtbot: QtBot, offline_engine: Engine, tmp_path: Path
) -> None:
    asked: list[str] = []

    def confirm(_parent: object, _title: str, text: str) -> bool:
        asked.append(text)
        return False

    window = composer(qtbot, offline_engine, confirm=confirm)
    window.to.setText("bob@example.test")
    window.subject.setText("Report")
    window.body.setPlainText("Hi Bob,\n\nthe report is attached.\n")
    assert window.send() is False
    assert len(asked) == 1 and "attachment" in asked[0]
    assert not window.undo_bar.isVisible()

    # With something attached, nobody is asked.
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4 report")
    window.attachments.add_files([str(report)])
    assert window.send() is True
    assert len(asked) == 1
    assert window.undo_bar.isVisible()
    window.undo_send()


def test_a_quoted_attachment_mention_is_not_a_forgotten_attachment(
    qtbot: QtBot, offline_engine: Engine
) -> None:
    window = composer(qtbot, offline_engine, confirm=lambda *_: False)
    window.to.setText("bob@example.test")
    window.body.setPlainText("Thanks!\n\n> see the attached file\n")
    assert window.send() is True
    window.undo_send()


def test_dropping_files_adds_attachments(
    qtbot: QtBot, offline_engine: Engine, tmp_path: Path
) -> None:
    photo, notes = tmp_path / "photo.png", tmp_path / "notes.txt"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    notes.write_text("notes\n")
    window = composer(qtbot, offline_engine)

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    drop = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    assert drop.isAccepted()

    # On the text itself the file becomes an attachment too, not a link in the text.
    on_text = QMimeData()
    on_text.setUrls([QUrl.fromLocalFile(str(notes))])
    assert window.body.canInsertFromMimeData(on_text)
    window.body.insertFromMimeData(on_text)
    assert "notes.txt" not in window.body.toPlainText()

    draft = window.current_draft()
    assert [a.name for a in draft.attachments] == ["photo.png", "notes.txt"]
    assert window.attachments.isVisible() and window.attachments.count() == 2
    window.to.setText("bob@example.test")
    raw = build_message(window.current_draft())
    assert b'filename="photo.png"' in raw and b"image/png" in raw


def test_reply_quotes_the_original_and_the_identity_swaps_the_signature(
    qtbot: QtBot, offline_engine: Engine
) -> None:
    identities = offline_engine.account("work").identities
    window = composer(qtbot, offline_engine, draft=reply(ORIGINAL, identities, ReplyMode.SENDER))
    assert window.subject.text() == "Re: Lunch?"
    assert window.to.text() == "Bob Builder <bob@example.test>"
    assert not window.rich_action.isChecked()  # a reply starts as plain text
    text = window.body.toPlainText()
    assert "> Shall we meet at noon?" in text
    assert text.rstrip().endswith("-- \nAlice\nWonderland Ltd.")

    window.identity.setCurrentIndex(1)  # Alice (private): signature "A."
    text = window.body.toPlainText()
    assert "Wonderland" not in text and text.rstrip().endswith("-- \nA.")
    assert text.count("-- \n") == 1
    draft = window.current_draft()
    assert draft.identity.address == "alice.private@example.test"
    assert draft.in_reply_to == "<lunch-1@example.test>"
    assert draft.references == ("<lunch-1@example.test>",)


def test_an_edited_signature_is_left_alone(qtbot: QtBot, offline_engine: Engine) -> None:
    window = composer(qtbot, offline_engine)
    window.body.setPlainText("Hi\n\n-- \nmy own words\n")
    window.identity.setCurrentIndex(1)
    assert window.body.toPlainText().endswith("-- \nmy own words\n")


def test_rich_text_gives_html_and_a_plain_alternative(qtbot: QtBot, offline_engine: Engine) -> None:
    window = composer(qtbot, offline_engine, link=lambda _parent: "https://example.org/")
    assert window.rich_action.isChecked()  # a new message starts formatted
    window.body.setPlainText("")
    window.bold_action.setChecked(True)
    window.body.insertPlainText("Important")
    window.bold_action.setChecked(False)
    window.body.insertPlainText("\nfirst")
    window.list_action.trigger()
    window.body.insertPlainText("\nsecond\n")
    window.link_action.trigger()
    draft = window.current_draft(strict=False)
    assert draft.html is not None
    assert "font-weight" in draft.html and 'href="https://example.org/"' in draft.html
    assert "* first\n* second" in draft.text

    window.rich_action.setChecked(False)
    plain = window.current_draft(strict=False)
    assert plain.html is None and "* first" in plain.text
    assert not window.bold_action.isEnabled()


def test_autosave_keeps_the_draft_locally_and_it_reopens(
    qtbot: QtBot, offline_engine: Engine, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    window = composer(qtbot, offline_engine, autosave_ms=10)
    saved = expect(qasync_loop, window.sig_draft_saved)
    window.to.setText("Bob <bob@example.test>, half-typed@")
    window.bcc.setText("boss@example.test")
    window.subject.setText("Plans")
    window.body.setPlainText("A first version.\n")
    message_id = run(qasync_loop, asyncio.wait_for(saved, 10))
    assert message_id == window.current_draft(strict=False).message_id

    raw = offline_engine.draft_message("work", message_id)
    assert raw is not None
    window.close()  # nothing changed since: no second version is needed
    draft = draft_from_raw(raw, offline_engine.account("work").identities)
    again = composer(qtbot, offline_engine, draft=draft)
    assert again.subject.text() == "Plans"
    assert again.to.text() == "Bob <bob@example.test>"  # the half-typed entry is not kept
    assert again.bcc.text() == "boss@example.test"
    assert "A first version." in again.body.toPlainText()
    assert again.current_draft(strict=False).message_id == message_id
    # The upload to the server's Drafts waits in the operation queue.
    assert offline_engine.store.ops.list("work")


def test_unformatted_rich_text_goes_as_plain_text_alone(
    qtbot: QtBot, offline_engine: Engine
) -> None:
    window = composer(qtbot, offline_engine)
    assert window.rich_action.isChecked()
    window.body.insertPlainText("Just words.\n")
    assert window.current_draft(strict=False).html is None


def test_a_formatted_draft_with_attachments_reopens_as_it_was(
    qtbot: QtBot, offline_engine: Engine, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("the notes\n")
    window = composer(qtbot, offline_engine)
    window.subject.setText("Formatted")
    window.body.setPlainText("")
    window.italic_action.setChecked(True)
    window.body.insertPlainText("slanted")
    window.attachments.add_files([str(notes)])
    message_id = window.save_draft()
    assert message_id is not None
    raw = offline_engine.draft_message("work", message_id)
    assert raw is not None

    draft = draft_from_raw(raw, offline_engine.account("work").identities)
    assert draft.html is not None and "slanted" in draft.html
    assert [(a.name, a.data) for a in draft.attachments] == [("notes.txt", b"the notes\n")]
    again = composer(qtbot, offline_engine, draft=draft)
    assert again.rich_action.isChecked()
    assert again.body.has_formatting() and "slanted" in again.body.toPlainText()
    assert again.attachments.count() == 1


def test_delete_removes_the_selected_attachment(
    qtbot: QtBot, offline_engine: Engine, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("a")
    second.write_text("b")
    window = composer(qtbot, offline_engine, files=lambda _parent: [str(first), str(second)])
    window.attach_action.trigger()
    assert window.attachments.count() == 2
    window.attachments.setFocus()
    window.attachments.item(0).setSelected(True)
    qtbot.keyClick(window.attachments, Qt.Key.Key_Delete)  # type: ignore[no-untyped-call]
    assert [a.name for a in window.current_draft(strict=False).attachments] == ["b.txt"]


def test_closing_during_the_undo_delay_sends(
    qtbot: QtBot, offline_engine: Engine, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    events: list[Event] = []
    offline_engine.add_listener(events.append)
    window = composer(qtbot, offline_engine, settings=Settings(undo_send_seconds=30))
    window.to.setText("bob@example.test")
    window.subject.setText("Before the delay ends")

    async def scenario() -> None:
        assert window.send()
        window.close()
        assert window.send_task is not None
        await asyncio.wait_for(window.send_task, 30)  # nobody listens on port 9: it waits

    run(qasync_loop, scenario())
    [item] = offline_engine.store.outbox.list()
    assert item.state.value == "queued" and item.last_error
    assert FolderListChanged("work") in events  # the main window shows the Outbox


def test_forward_inline_quotes_the_header_block_and_carries_attachments(
    qtbot: QtBot, offline_engine: Engine
) -> None:
    original = (
        b"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: Photos\r\n"
        b"Message-ID: <p1@example.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nHere they are.\r\n--b\r\n"
        b'Content-Type: image/png\r\nContent-Disposition: attachment; filename="a.png"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n"
    )
    identities = offline_engine.account("work").identities
    draft = forward(original, identities, ForwardMode.INLINE)
    window = composer(qtbot, offline_engine, draft=draft)
    assert window.subject.text() == "Fwd: Photos" and window.to.text() == ""
    assert not window.rich_action.isChecked()
    text = window.body.toPlainText()
    assert FORWARD_MARKER in text and "Here they are." in text
    assert [a.name for a in window.current_draft(strict=False).attachments] == ["a.png"]
    assert window.current_draft(strict=False).in_reply_to is None


def test_discard_deletes_the_saved_draft(qtbot: QtBot, offline_engine: Engine) -> None:
    answers = [False, True]
    window = composer(qtbot, offline_engine, confirm=lambda *_: answers.pop(0))
    window.subject.setText("Never mind")
    message_id = window.save_draft()
    assert message_id is not None
    assert not window.discard()  # "no": nothing happens
    assert offline_engine.draft_message("work", message_id) is not None
    assert window.discard()
    assert offline_engine.draft_message("work", message_id) is None
    assert not window.isVisible()


def test_the_undo_delay_comes_from_the_settings_file(qtbot: QtBot, offline_engine: Engine) -> None:
    SettingsFile.beside(offline_engine.paths).save(Settings(undo_send_seconds=17))
    assert composer(qtbot, offline_engine).settings.undo_send_seconds == 17
    SettingsFile.beside(offline_engine.paths).path.write_text("broken = [")
    assert composer(qtbot, offline_engine).settings == Settings()


def test_send_and_autosave_write_the_cache_off_the_gui_thread(
    qtbot: QtBot,
    offline_engine: Engine,
    qasync_loop: asyncio.AbstractEventLoop,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 10 MB message took ~1 s of durable SQLite writing on the GUI thread: the composer now
    saves and queues through the engine's *_async methods, which write on another thread."""
    from kittiwake.client.sync import drafts, outbox

    writers: dict[str, set[int]] = {"save": set(), "enqueue": set()}

    def recorded(name: str, original: Callable[..., T]) -> Callable[..., T]:
        def wrapper(*args: object, **kwargs: object) -> T:
            writers[name].add(threading.get_ident())
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(drafts, "save", recorded("save", drafts.save))
    monkeypatch.setattr(outbox, "enqueue", recorded("enqueue", outbox.enqueue))

    def never_here(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a synchronous write on the GUI thread")

    monkeypatch.setattr(offline_engine, "save_draft", never_here)
    monkeypatch.setattr(offline_engine, "queue_draft", never_here)
    window = composer(qtbot, offline_engine, settings=Settings(undo_send_seconds=0))
    window.to.setText("bob@example.test")
    window.subject.setText("Off the GUI thread")

    async def scenario() -> int:
        saved = expect(qasync_loop, window.sig_draft_saved)
        assert await window.save_draft_async() is not None
        await saved
        queued = expect(qasync_loop, window.sig_queued)
        assert window.send()
        return int(await queued)

    item_id = run(qasync_loop, scenario())
    gui = threading.get_ident()
    assert writers["save"] and gui not in writers["save"]
    assert writers["enqueue"] and gui not in writers["enqueue"]
    item = offline_engine.store.outbox.get(item_id)
    assert item is not None and b"Subject: Off the GUI thread" in item.raw
    assert offline_engine.store.db.conn.execute("SELECT count(*) FROM local_drafts").fetchone() == (
        0,
    )  # the saved draft was discarded with the send
