"""The main window against a real Dovecot mailbox synced through the Engine."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.events import FolderListChanged
from kittiwake.client.store.model import Flag
from kittiwake.client.sync.outbox import enqueue
from kittiwake.ui.models.folder_tree import KIND_ROLE, ROLE_ROLE, UNREAD_ROLE, Kind
from kittiwake.ui.models.message_list import Column
from kittiwake.ui.windows.main.qt_fixes import patch_qasync_timers
from kittiwake.ui.windows.main_window import MainWindow
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.sync.cli_helpers import ACCOUNT, add_account
from tests.client.sync.helpers import message
from tests.servers.fixtures import MailServer
from tests.ui.windows.main.harness import Synced, make_synced, server_flags


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def synced(
    tmp_path: Path,
    mail_server: MailServer,
    monkeypatch: pytest.MonkeyPatch,
    qasync_loop: asyncio.AbstractEventLoop,
    memory_keyring: MemoryKeyring,
) -> Iterator[Synced]:
    patch_qasync_timers()  # as the app does (ui/windows/main/qt_fixes.py)
    # The reader's text view (its web view has its own tests): quicker, same widget tree.
    monkeypatch.setenv("KITTIWAKE_NO_WEBENGINE", "1")
    box = make_synced(tmp_path, mail_server, monkeypatch, qasync_loop)
    yield box
    for window in box.windows:
        window.close()  # before the engine closes: no refresh may reach a closed cache
        box.run(window.finish_pending())  # type: ignore[attr-defined]
    box.engine.close()


@pytest.fixture
def first_run(
    tmp_path: Path,
    mail_server: MailServer,
    monkeypatch: pytest.MonkeyPatch,
    qasync_loop: asyncio.AbstractEventLoop,
    memory_keyring: MemoryKeyring,
) -> Iterator[Synced]:
    """No account yet (the wizard is about to add one); nothing synced."""
    patch_qasync_timers()
    monkeypatch.setenv("KITTIWAKE_NO_WEBENGINE", "1")
    user = mail_server.new_user("first")
    for i, subject in enumerate(["Welcome", "Your first week"]):
        mail_server.save(user, message(i, subject=subject))
    box = Synced(Engine.open(tmp_path), user, mail_server, qasync_loop)
    box.home = tmp_path  # type: ignore[attr-defined]
    yield box
    for window in box.windows:
        window.close()
        box.run(window.finish_pending())  # type: ignore[attr-defined]
    box.engine.close()


def open_window(qtbot: QtBot, synced: Synced) -> MainWindow:
    window = MainWindow(synced.engine, check_interval_ms=0)
    window.mark_read_on_open = False
    qtbot.addWidget(window)
    synced.windows.append(window)
    with qtbot.waitActive(window):  # shortcuts only reach an active window
        window.show()
        window.activateWindow()
    return window


def subjects(window: MainWindow) -> list[str]:
    model = window.messages
    return [str(model.index(r, Column.SUBJECT).data()) for r in range(model.rowCount())]


def row_of(window: MainWindow, subject: str) -> int:
    return subjects(window).index(subject)


def bold(window: MainWindow, row: int) -> bool:
    font = window.messages.index(row, Column.SUBJECT).data(Qt.ItemDataRole.FontRole)
    return isinstance(font, QFont) and font.bold()


def inbox_unread(window: MainWindow, synced: Synced) -> int:
    index = window.folders.index_of_folder(synced.folder("INBOX").id)
    return int(index.data(UNREAD_ROLE))


def test_folder_tree_special_folders_first_with_unread_counts(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    model = window.folders
    top = [model.index(r, 0).data(KIND_ROLE) for r in range(model.rowCount())]
    assert top == [Kind.UNIFIED, Kind.ACCOUNT]  # the Outbox is empty, so hidden
    account = model.index(1, 0)
    children = [account.model().index(r, 0, account) for r in range(model.rowCount(account))]
    roles = [c.data(ROLE_ROLE) for c in children]
    assert roles == ["inbox", "drafts", "sent", "archive", "junk", "trash"]
    assert (
        children[0].data() == "Inbox"
        and not children[0].data(Qt.ItemDataRole.DecorationRole).isNull()
    )
    assert children[0].data(UNREAD_ROLE) == 3
    assert model.index(0, 1, account).data() == "3"
    assert model.index(0, 0).data(UNREAD_ROLE) == 3  # All Inboxes
    # The window opened on the Inbox.
    assert window.current_folder_id() == synced.folder("INBOX").id


def test_list_newest_first_unread_bold_and_sorts_by_column(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    assert subjects(window) == [
        "Minutes", "Server outage", "Holiday photos", "Budget review", "Lunch on Friday",
    ]  # fmt: skip
    assert [bold(window, r) for r in range(5)] == [True, True, True, False, False]
    assert window.messages.index(0, Column.SENDER).data() == "Sender 4"
    window.list_pane.table.sortByColumn(Column.SUBJECT, Qt.SortOrder.AscendingOrder)
    assert subjects(window)[0] == "Budget review"
    window.list_pane.table.sortByColumn(Column.SIZE, Qt.SortOrder.DescendingOrder)
    sizes = [window.messages.summary(r).size for r in range(5)]  # type: ignore[union-attr]
    assert sizes == sorted(sizes, reverse=True)
    window.list_pane.table.sortByColumn(Column.SENDER, Qt.SortOrder.AscendingOrder)
    assert window.messages.index(0, Column.SENDER).data() == "Sender 0"


def test_mark_read_is_local_first_then_reaches_the_server(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    row = row_of(window, "Minutes")
    window.list_pane.select_row(row)
    window.commands.mark_read.trigger()
    # At once, before any network round trip: bold gone, the count down.
    assert not bold(window, row_of(window, "Minutes"))
    assert inbox_unread(window, synced) == 2
    assert window._replay_task is not None
    synced.wait(window._replay_task)
    assert "\\Seen" in server_flags(synced.server, synced.user)[5]
    assert synced.engine.store.ops.list() == []


def test_move_by_drop_on_a_folder(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    window.list_pane.select_row(row_of(window, "Budget review"))
    table = window.list_pane.table
    mime = window.messages.mimeData(table.selectionModel().selectedRows())
    archive = window.folders.index_of_folder(synced.folder("Archive").id)
    assert window.folders.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, archive)
    window.folders.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, archive)
    assert "Budget review" not in subjects(window)
    synced.wait(window._replay_task)
    assert synced.server.mailbox_uids(synced.user, "Archive") == [1]
    assert 2 not in synced.server.mailbox_uids(synced.user)
    # A sync brings the moved message into the Archive's list.
    done = synced.expect(window.sig_sync_finished)
    window.commands.get_messages.trigger()
    synced.wait(done)
    window.open_folder(synced.folder("Archive").id)
    assert subjects(window) == ["Budget review"]


def test_delete_moves_to_trash_and_selects_the_next(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    window.list_pane.select_row(0)
    window.list_pane.table.setFocus()
    qtbot.keyClick(window.list_pane.table, Qt.Key.Key_Delete)
    assert subjects(window)[0] == "Server outage"
    assert window.list_pane.current_id() == window.messages.summary(0).id  # type: ignore[union-attr]
    synced.wait(window._replay_task)
    assert synced.server.mailbox_uids(synced.user, "Trash") == [1]
    assert synced.server.mailbox_uids(synced.user) == [1, 2, 3, 4]


def test_junk_sets_the_keyword_and_moves_to_junk(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    window.list_pane.select_row(row_of(window, "Holiday photos"))
    window.commands.junk.trigger()
    assert "Holiday photos" not in subjects(window)
    synced.wait(window._replay_task)
    assert synced.server.mailbox_uids(synced.user, "Junk") == [1]
    assert "$Junk" in server_flags(synced.server, synced.user, "Junk")[1]


def test_tag_and_filter_by_tag(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    window.list_pane.select_row(row_of(window, "Server outage"))
    window.tag_actions["$label1"].trigger()
    assert window.messages.summary(row_of(window, "Server outage")).keywords == ("$label1",)  # type: ignore[union-attr]
    pane = window.list_pane
    pane.tag.setCurrentIndex(pane.tag.findData("$label1"))
    assert subjects(window) == ["Server outage"]
    synced.wait(window._replay_task)
    assert "$label1" in server_flags(synced.server, synced.user)[4]


def test_quick_filters(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    window.list_pane.unread.setChecked(True)
    assert sorted(subjects(window)) == ["Holiday photos", "Minutes", "Server outage"]
    window.list_pane.unread.setChecked(False)
    window.list_pane.select_row(row_of(window, "Lunch on Friday"))
    window.commands.toggle_star.trigger()
    window.list_pane.flagged.setChecked(True)
    assert subjects(window) == ["Lunch on Friday"]


def test_search_box_lists_the_results(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    finished = synced.expect(window.sig_search_finished)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.list_pane.search.hasFocus()
    qtbot.keyClicks(window.list_pane.search, "subject:budget")
    qtbot.keyClick(window.list_pane.search, Qt.Key.Key_Return)
    (count,) = synced.wait(finished)
    assert count == 1 and subjects(window) == ["Budget review"]
    window.list_pane.search.clear()
    assert len(subjects(window)) == 5


def test_keyboard_shortcuts(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    table = window.list_pane.table
    window.list_pane.select_row(0)
    table.setFocus()
    with qtbot.waitSignal(window.sig_compose_requested) as compose:
        qtbot.keyClick(table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert compose.args == ["new", 0]
    first = window.list_pane.current_id()
    for key, modifiers, kind in (
        (Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier, "reply"),
        (
            Qt.Key.Key_R,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
            "reply_all",
        ),
        (Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier, "forward"),
    ):
        with qtbot.waitSignal(window.sig_compose_requested) as compose:
            qtbot.keyClick(table, key, modifiers)
        assert compose.args == [kind, first]
    qtbot.keyClick(table, Qt.Key.Key_M)  # toggle read
    assert not bold(window, 0) and inbox_unread(window, synced) == 2
    qtbot.keyClick(table, Qt.Key.Key_S)  # star
    assert window.messages.index(0, Column.FLAGGED).data() == "★"
    qtbot.keyClick(table, Qt.Key.Key_N)  # next
    assert table.currentIndex().row() == 1
    qtbot.keyClick(table, Qt.Key.Key_P)  # previous
    assert table.currentIndex().row() == 0
    qtbot.keyClick(table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.list_pane.search.hasFocus()
    summary = synced.engine.message(first or 0)
    assert summary is not None and Flag.FLAGGED in summary.flags and not summary.unread


def test_f5_syncs_and_new_inbox_mail_notifies(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    done = synced.expect(window.sig_sync_finished)
    window.commands.get_messages.trigger()  # the session's first sync: no notification
    synced.wait(done)
    synced.server.save(synced.user, message(20, subject="Fresh news"))
    notified = synced.expect(window.notifier.sig_notified)
    done = synced.expect(window.sig_sync_finished)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    synced.wait(done)
    title, text = synced.wait(notified)
    assert title == "New mail"
    assert "1" in text and "Fresh news" in subjects(window)
    assert inbox_unread(window, synced) == 4
    assert window.status.state.text() == "Online"


def test_work_offline_does_not_sync_and_notifications_can_be_off(
    qtbot: QtBot, synced: Synced
) -> None:
    window = open_window(qtbot, synced)
    window.commands.work_offline.setChecked(True)
    assert window.status.state.text() == "Working offline"
    window.commands.get_messages.trigger()
    assert window._sync_task is None
    window.list_pane.select_row(0)
    window.commands.mark_read.trigger()  # still works, queued
    assert window._replay_task is None and len(synced.engine.store.ops.list()) == 1
    window.commands.notifications.setChecked(False)
    assert not window.notifier.enabled


def test_sync_error_shows_in_the_status_bar_with_details(qtbot: QtBot, synced: Synced) -> None:
    from kittiwake.client.events import SyncFailed

    window = open_window(qtbot, synced)
    synced.engine._emit(SyncFailed("work", "", "The server refused the password.", "Check it."))
    assert "refused the password" in window.status.error.text()
    assert window.status.details.isVisibleTo(window)
    window.status.details.click()
    box = window.status.findChild(QWidget, None)
    assert box is not None


def test_closing_lets_a_running_replay_finish(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    window.list_pane.select_row(0)
    window.commands.toggle_star.trigger()
    assert window.pending_tasks()
    window.close()
    synced.run(window.finish_pending())
    assert synced.engine.store.ops.list() == []  # nothing left behind
    assert "\\Flagged" in server_flags(synced.server, synced.user)[5]


def test_every_widget_has_an_accessible_name(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    for widget in (
        window, window.folder_pane, window.list_pane, window.list_pane.table,
        window.list_pane.search, window.list_pane.unread, window.list_pane.flagged,
        window.list_pane.attachments, window.list_pane.tag, window.message_pane, window.status,
        window.status.state, window.status.error, window.status.details,
    ):  # fmt: skip
        assert widget.accessibleName(), type(widget).__name__


def test_unified_inbox_lists_every_inbox(qtbot: QtBot, synced: Synced) -> None:
    window = open_window(qtbot, synced)
    window.folder_pane.setCurrentIndex(window.folders.index_of_kind(Kind.UNIFIED))
    assert len(subjects(window)) == 5
    assert window.folders.index_of_kind(Kind.UNIFIED).data(UNREAD_ROLE) == 3


def test_selecting_shows_the_message_as_plain_text_and_marks_it_read(
    qtbot: QtBot, synced: Synced
) -> None:
    window = open_window(qtbot, synced)
    window.mark_read_on_open = True
    window.list_pane.select_row(row_of(window, "Minutes"))
    text = window.message_pane.displayed_text()  # type: ignore[attr-defined]
    assert "Message number 4." in text
    assert inbox_unread(window, synced) == 2
    assert not bold(window, row_of(window, "Minutes"))


def current_key(window: MainWindow) -> str | None:
    return window.folders.key_of(window.folder_pane.currentIndex())


def folder_list_changes(window: MainWindow, synced: Synced) -> None:
    """As a sync that found a new or removed folder: the tree is rebuilt."""
    synced.engine._emit(FolderListChanged(ACCOUNT))
    window._apply_pending()  # now, rather than after the coalescing delay


def test_a_folder_list_change_keeps_all_inboxes_the_outbox_and_a_search(
    qtbot: QtBot, synced: Synced
) -> None:
    window = open_window(qtbot, synced)
    window.folder_pane.setCurrentIndex(window.folders.index_of_kind(Kind.UNIFIED))
    folder_list_changes(window, synced)
    assert current_key(window) == "unified"
    assert len(subjects(window)) == 5
    assert window.folder_pane.selectionModel().isSelected(window.folder_pane.currentIndex())

    # A search from All Inboxes: the results and the row stay.
    found = synced.expect(window.sig_search_finished)
    window.search("subject:budget")
    assert synced.wait(found) == (1,)
    folder_list_changes(window, synced)
    assert current_key(window) == "unified" and subjects(window) == ["Budget review"]

    # The Outbox (shown while it holds mail).
    enqueue(synced.engine.store, ACCOUNT, b"From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n")
    folder_list_changes(window, synced)
    window.folder_pane.setCurrentIndex(window.folders.index_of_kind(Kind.OUTBOX))
    folder_list_changes(window, synced)
    assert current_key(window) == "outbox"

    # A real folder, as before.
    window.open_folder(synced.folder("Trash").id)
    folder_list_changes(window, synced)
    assert window.current_folder_id() == synced.folder("Trash").id


def test_the_first_sync_of_a_new_account_opens_its_inbox(
    qtbot: QtBot, first_run: Synced, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, first_run)
    assert window.folders.rowCount() == 0  # no account: an empty tree
    # The wizard saved an account: the tree has All Inboxes and the account, no folders yet.
    add_account(first_run.home, first_run.server, first_run.user, monkeypatch)  # type: ignore[attr-defined]
    synced = first_run.expect(window.sig_sync_finished)
    window.accounts_changed()
    assert current_key(window) == "unified"
    first_run.wait(synced)
    assert window.current_folder_id() == first_run.folder("INBOX").id
    assert sorted(subjects(window)) == ["Welcome", "Your first week"]
    # Later folder-list changes keep the row the user is on, even All Inboxes.
    window.folder_pane.setCurrentIndex(window.folders.index_of_kind(Kind.UNIFIED))
    folder_list_changes(window, first_run)
    assert current_key(window) == "unified"


def test_the_first_sync_does_not_take_a_row_the_user_chose(
    qtbot: QtBot, first_run: Synced, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, first_run)
    add_account(first_run.home, first_run.server, first_run.user, monkeypatch)  # type: ignore[attr-defined]
    synced = first_run.expect(window.sig_sync_finished)
    window.accounts_changed()
    # While the first sync runs, the user clicks the account.
    window.folder_pane.setCurrentIndex(window.folders.index_of_kind(Kind.ACCOUNT))
    first_run.wait(synced)
    assert current_key(window) == f"account:{ACCOUNT}"


def test_new_mail_updates_the_folder_count_without_rebuilding_the_tree(
    qtbot: QtBot, synced: Synced
) -> None:
    from PySide6.QtCore import QPersistentModelIndex

    from kittiwake.client.events import MessagesAdded
    from tests.ui.models.synthetic import headers

    window = open_window(qtbot, synced)
    inbox = synced.folder("INBOX")
    kept = QPersistentModelIndex(window.folders.index_of_folder(inbox.id))
    before = inbox_unread(window, synced)
    resets: list[str] = []
    window.folders.modelReset.connect(lambda: resets.append("reset"))
    window.folders.rowsRemoved.connect(lambda *_: resets.append("removed"))
    window.folders.sig_rebuilt.connect(lambda: resets.append("rebuilt"))
    synced.engine.store.messages.upsert_headers(
        inbox.id, headers(1, start=9000)
    )  # uid % 3 == 0: unread
    synced.engine._emit(MessagesAdded(ACCOUNT, inbox.id, (9000,)))
    synced.engine._emit(FolderListChanged(ACCOUNT))  # as a sync also says: nothing new
    window._apply_pending()
    assert resets == [] and kept.isValid()
    assert int(kept.data(UNREAD_ROLE)) == before + 1
    assert "Synthetic message 009000" in subjects(window)
