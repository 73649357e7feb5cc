"""The list pane's threaded view: the toggle (button and menu action, remembered in the
preferences), keys and arrow clicks to open and close threads, and what a selection means."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.settings import Settings, SettingsFile
from kittiwake.client.store.model import Address, Flag, FolderInfo, MessageHeaders
from kittiwake.ui.models.message_list import Column, MessageListModel
from kittiwake.ui.models.sources import FolderSource
from kittiwake.ui.windows.main.list_pane import ListPane

EPOCH = 1_700_000_000


def message(uid: int, reply_to: int | None = None) -> MessageHeaders:
    return MessageHeaders(
        uid=uid,
        internal_date=EPOCH + uid * 60,
        size=1000,
        flags=Flag.SEEN,
        sender=Address(f"Sender {uid}", f"s{uid}@example.test"),
        subject=f"Topic of {reply_to or uid}",
        message_id=f"<m{uid}@example.test>",
        in_reply_to=None if reply_to is None else f"<m{reply_to}@example.test>",
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = Engine.open(tmp_path / "home")
    yield engine
    engine.close()


@pytest.fixture
def folder(engine: Engine) -> int:
    """Thread A: 1 <- 3 <- 5; B: 2 <- 4; C: 6 alone. Shown: C (6), A (5), B (4)."""
    folder_id = engine.store.folders.upsert(FolderInfo("work", "INBOX"))
    engine.store.messages.upsert_headers(
        folder_id,
        [message(1), message(2), message(3, 1), message(4, 2), message(5, 3), message(6)],
    )
    return folder_id


@pytest.fixture
def pane(qtbot: QtBot, engine: Engine, folder: int) -> ListPane:
    pane = ListPane(MessageListModel())
    qtbot.addWidget(pane)
    pane.model.set_source(FolderSource(engine, folder))
    pane.resize(900, 400)
    pane.show()
    return pane


def uids(engine: Engine, ids: list[int]) -> list[int]:
    return sorted(m.uid for m in engine.store.messages.get_many(ids))


def shown_uids(pane: ListPane) -> list[int]:
    model = pane.model
    return [model.summary(r).uid for r in range(model.rowCount())]  # type: ignore[union-attr]


def test_the_toggle_groups_threads_and_is_remembered(
    qtbot: QtBot, engine: Engine, folder: int, pane: ListPane
) -> None:
    file = SettingsFile.beside(engine.paths)
    assert pane.settings_file is not None and pane.settings_file.path == file.path
    assert not pane.threads.isChecked() and pane.model.rowCount() == 6
    qtbot.mouseClick(pane.threads, Qt.MouseButton.LeftButton)
    assert pane.model.shows_threads and shown_uids(pane) == [6, 5, 4]
    assert pane.thread_action.isChecked()  # the menu's action shows the same state
    assert file.load().threaded_view
    assert not pane.table.isSortingEnabled()  # threads come newest thread first
    # A new pane (the next start) opens threaded.
    again = ListPane(MessageListModel())
    qtbot.addWidget(again)
    again.model.set_source(FolderSource(engine, folder))
    assert again.threads.isChecked() and again.model.shows_threads
    pane.thread_action.trigger()  # off again, from the menu
    assert not pane.model.shows_threads and pane.model.rowCount() == 6
    assert pane.table.isSortingEnabled() and not file.load().threaded_view


def test_keys_open_and_close_threads_like_thunderbird(qtbot: QtBot, pane: ListPane) -> None:
    pane.set_threaded(True)
    pane.select_row(1)  # thread A, collapsed
    pane.table.setFocus()
    qtbot.keyClick(pane.table, Qt.Key.Key_Right)
    assert shown_uids(pane) == [6, 5, 3, 1, 4]
    qtbot.keyClick(pane.table, Qt.Key.Key_Right)  # open already: into the thread
    assert pane.table.currentIndex().row() == 2
    qtbot.keyClick(pane.table, Qt.Key.Key_Left)  # from a message inside: closes, back up
    assert shown_uids(pane) == [6, 5, 4]
    assert pane.table.currentIndex().row() == 1
    qtbot.keyClick(pane.table, Qt.Key.Key_Plus)
    assert pane.model.rowCount() == 5
    qtbot.keyClick(pane.table, Qt.Key.Key_Minus)
    assert pane.model.rowCount() == 3
    pane.select_row(0)  # a one-message thread: Right does what the table does
    qtbot.keyClick(pane.table, Qt.Key.Key_Right)
    assert pane.model.rowCount() == 3


def test_a_click_on_the_arrow_opens_and_closes(qtbot: QtBot, pane: ListPane) -> None:
    pane.set_threaded(True)
    rect = pane.table.visualRect(pane.model.index(2, Column.SUBJECT))  # thread B
    arrow = QPoint(rect.left() + 8, rect.center().y())
    qtbot.mouseClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=arrow)
    assert shown_uids(pane) == [6, 5, 4, 2]
    assert not pane.table.selectionModel().hasSelection()  # the arrow selects nothing
    qtbot.mouseClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=arrow)
    assert shown_uids(pane) == [6, 5, 4]
    text = QPoint(rect.left() + 120, rect.center().y())  # the subject itself: a selection
    qtbot.mouseClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=text)
    assert pane.model.rowCount() == 3 and pane.table.currentIndex().row() == 2


def test_a_collapsed_thread_row_shows_its_newest_and_acts_for_all(
    engine: Engine, pane: ListPane
) -> None:
    pane.set_threaded(True)
    pane.select_row(1)  # thread A
    assert uids(engine, [pane.shown_id() or 0]) == [5]  # its newest message is shown
    assert uids(engine, [pane.current_id() or 0]) == [5]  # and replied to
    assert uids(engine, pane.selected_ids()) == [1, 3, 5]  # mark, move, delete: all of it
    pane.table.selectAll()
    assert pane.shown_id() is None
    assert uids(engine, pane.selected_ids()) == [1, 2, 3, 4, 5, 6]
    pane.select_row(1)
    pane.expand_current()
    pane.select_row(1)
    assert uids(engine, pane.selected_ids()) == [5]  # open: the row is one message


def test_a_settings_file_can_be_given(qtbot: QtBot, engine: Engine, tmp_path: Path) -> None:
    file = SettingsFile(tmp_path / "elsewhere.toml")
    file.save(Settings(threaded_view=True))
    pane = ListPane(MessageListModel())
    qtbot.addWidget(pane)
    pane.use_settings(file)
    assert pane.threads.isChecked() and pane.model.threaded
