"""The threaded message list: threads by their newest message, counts and unread state,
expand/collapse, whole-thread actions, and lazy discovery (a big folder reads a few pages, yet
has every thread's row from the start)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.store.model import Address, Flag, FolderInfo, MessageHeaders
from kittiwake.ui.models.message_list import (
    MESSAGE_ID_ROLE,
    PAGE,
    THREAD_ROLE,
    Column,
    MessageListModel,
    decode_ids,
)
from kittiwake.ui.models.sources import FolderSource, QuerySource
from kittiwake.ui.models.thread_list import SCAN, ThreadInfo

EPOCH = 1_700_000_000
THREAD = 4  # messages per thread in the big folder
FONT = Qt.ItemDataRole.FontRole
DECORATION = Qt.ItemDataRole.DecorationRole


def message(
    uid: int, *, reply_to: int | None = None, seen: bool = True, subject: str = ""
) -> MessageHeaders:
    return MessageHeaders(
        uid=uid,
        internal_date=EPOCH + uid * 60,
        size=1000,
        flags=Flag.SEEN if seen else Flag.NONE,
        sender=Address(f"Sender {uid}", f"s{uid}@example.test"),
        subject=subject or f"Topic of {reply_to or uid}",
        message_id=f"<m{uid}@example.test>",
        in_reply_to=None if reply_to is None else f"<m{reply_to}@example.test>",
    )


@pytest.fixture
def small(tmp_path: Path, qapp: object) -> Iterator[tuple[Engine, int]]:
    """Thread A: 1 <- 3 <- 6 (3 unread); thread B: 2 <- 5; C: 4 alone (unread).
    Newest first by newest message: A (6), B (5), C (4)."""
    engine = Engine.open(tmp_path)
    folder_id = engine.store.folders.upsert(FolderInfo("work", "INBOX"))
    engine.store.messages.upsert_headers(
        folder_id,
        [
            message(1),
            message(2),
            message(3, reply_to=1, seen=False),
            message(4, seen=False),
            message(5, reply_to=2),
            message(6, reply_to=3),
        ],
    )
    yield engine, folder_id
    engine.close()


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, int]]:
    """20,000 messages in threads of four, interleaved so each scan page holds many threads."""
    engine = Engine.open(tmp_path_factory.mktemp("threads"))
    folder_id = engine.store.folders.upsert(FolderInfo("big", "INBOX"))
    engine.store.messages.upsert_headers(
        folder_id,
        (message(uid, reply_to=None if uid % THREAD == 1 else uid - 1) for uid in range(1, 20_001)),
    )
    yield engine, folder_id
    engine.close()


def threaded(engine: Engine, folder_id: int) -> MessageListModel:
    model = MessageListModel()
    model.set_threaded(True)
    model.set_source(FolderSource(engine, folder_id))
    return model


def uid(model: MessageListModel, row: int) -> int:
    found = model.summary(row)
    assert found is not None
    return found.uid


def info(model: MessageListModel, row: int) -> ThreadInfo:
    value = model.index(row, Column.SUBJECT).data(THREAD_ROLE)
    assert isinstance(value, ThreadInfo)
    return value


def test_threads_come_newest_first_as_their_newest_message(small: tuple[Engine, int]) -> None:
    model = threaded(*small)
    assert model.shows_threads and model.rowCount() == 3
    assert [uid(model, r) for r in range(3)] == [6, 5, 4]
    assert [info(model, r).count for r in range(3)] == [3, 2, 1]
    # Selecting a thread row means its newest message.
    assert model.index(0, 0).data(MESSAGE_ID_ROLE) == model.summary(0).id  # type: ignore[union-attr]


def test_a_thread_row_shows_its_count_and_unread_state(small: tuple[Engine, int]) -> None:
    model = threaded(*small)
    subject = model.index(0, Column.SUBJECT).data()
    assert subject == "Topic of 3  (3, 1 unread)"  # message 6 replies to 3
    font = model.index(0, Column.SUBJECT).data(FONT)
    assert isinstance(font, QFont) and font.bold()  # an unread message inside
    assert model.index(1, Column.SUBJECT).data() == "Topic of 2  (2)"
    assert model.index(1, Column.SUBJECT).data(FONT) is None  # all read: not bold
    assert model.index(2, Column.SUBJECT).data() == "Topic of 4"  # one message: no count
    assert model.index(0, Column.SUBJECT).data(DECORATION) is not None  # the branch arrow
    assert model.index(2, Column.SUBJECT).data(DECORATION) is None


def test_expand_and_collapse(small: tuple[Engine, int]) -> None:
    model = threaded(*small)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    assert model.expand(0)
    assert inserted == [(1, 2)]
    assert [uid(model, r) for r in range(5)] == [6, 3, 1, 5, 4]  # the thread, newest first
    assert info(model, 0).expanded and info(model, 1).child and info(model, 2).child
    assert not model.expand(1)  # a message inside a thread has nothing to open
    assert not model.expand(4)  # a one-message thread neither
    # Once open, the thread row is its own message: bold only for itself (6 is read).
    assert model.index(0, Column.SUBJECT).data(FONT) is None
    assert model.index(1, Column.SUBJECT).data(FONT) is not None  # 3 is unread
    assert model.expand(3)
    assert [uid(model, r) for r in range(6)] == [6, 3, 1, 5, 2, 4]
    assert model.collapse(2) == 0  # from a message inside: back to its thread row
    assert [uid(model, r) for r in range(4)] == [6, 5, 2, 4]
    assert model.rowCount() == 4
    assert model.collapse(1) == 1 and model.rowCount() == 3


def test_expanded_threads_stay_open_across_a_reload(small: tuple[Engine, int]) -> None:
    engine, folder_id = small
    model = threaded(engine, folder_id)
    model.expand(1)  # thread B
    engine.store.messages.upsert_headers(folder_id, [message(7, reply_to=4)])  # C grows
    model.reload()
    assert [uid(model, r) for r in range(model.rowCount())] == [7, 6, 5, 2]  # C moved up
    assert info(model, 0).count == 2 and info(model, 2).expanded


def test_a_collapsed_thread_row_acts_for_its_whole_thread(small: tuple[Engine, int]) -> None:
    engine, _folder = small
    model = threaded(*small)

    def uids(ids: list[int]) -> list[int]:
        return sorted(m.uid for m in engine.store.messages.get_many(ids))

    assert uids(model.action_ids([0])) == [1, 3, 6]
    assert uids(model.action_ids([0, 2])) == [1, 3, 4, 6]
    assert uids(decode_ids(model.mimeData([model.index(1, 0)]))) == [2, 5]  # a drag too
    model.expand(0)
    assert uids(model.action_ids([0])) == [6]  # open: the row is one message
    assert uids(model.action_ids([1, 2])) == [1, 3]


def test_flags_refresh_the_thread_counts(small: tuple[Engine, int]) -> None:
    engine, _folder = small
    model = threaded(*small)
    assert info(model, 0).unread == 1
    engine.store.messages.change_flags(model.action_ids([0]), add=Flag.SEEN)
    model.refresh_rows()
    assert info(model, 0).unread == 0
    assert model.index(0, Column.SUBJECT).data() == "Topic of 3  (3)"


def test_searches_stay_flat_and_flat_mode_is_untouched(small: tuple[Engine, int]) -> None:
    engine, folder_id = small
    model = threaded(engine, folder_id)
    engine.index_pending(100)
    model.set_source(QuerySource(engine, "topic", folder_id))
    assert not model.shows_threads and model.rowCount() == 6
    assert model.index(0, 0).data(THREAD_ROLE) is None
    model.set_threaded(False)
    model.set_source(FolderSource(engine, folder_id))
    assert model.rowCount() == 6 and uid(model, 0) == 6


def test_a_big_folder_opens_threaded_reading_a_few_pages(
    qtbot: QtBot, big: tuple[Engine, int]
) -> None:
    engine, folder_id = big
    model = threaded(engine, folder_id)
    layout = model._layout
    assert layout is not None
    inserted: list[int] = []
    model.rowsInserted.connect(lambda _p, first, _last: inserted.append(first))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(800, 600)
    view.show()
    qtbot.waitUntil(lambda: layout.rows_fetched > 0)
    view.grab()
    # Every thread is counted before any scrolling, though one scan step found only a few.
    assert model.rowCount() == 20_000 // THREAD
    assert layout.thread_count <= SCAN < model.rowCount()
    assert layout.rows_fetched <= PAGE
    assert [info(model, r).count for r in range(3)] == [THREAD] * 3
    assert uid(model, 0) == 20_000 and uid(model, 1) == 19_996
    # The scroll bar dragged to the end: the oldest thread, found on demand; no row added.
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum())
    view.grab()
    last = model.rowCount() - 1
    assert uid(model, last) == 4 and info(model, last).count == THREAD
    shown = view.visualRect(model.index(last, Column.SUBJECT))
    assert view.viewport().rect().contains(shown.center())  # the end is in view
    assert model.rowCount() == 20_000 // THREAD and not inserted
    assert uid(model, last - 1) == 8


def test_a_reload_finds_a_message_further_down_than_its_first_page(
    big: tuple[Engine, int],
) -> None:
    engine, folder_id = big
    model = threaded(engine, folder_id)
    deep = model.summary(2900)  # discovered on demand, far past the first scan step
    assert deep is not None and deep.uid == 20_000 - 2900 * THREAD
    inserted: list[int] = []
    model.rowsInserted.connect(lambda _p, _first, last: inserted.append(last))
    model.reload()  # what a sync's refresh does: the count again, nothing discovered yet
    assert model.rowCount() == 20_000 // THREAD
    assert model._layout is not None and model._layout.thread_count < 2900
    assert model.row_of(deep.id) == 2900  # found by discovering down to its date
    assert not inserted  # the rows were there all along
    hidden = model.summary(0)
    assert hidden is not None
    below = [m for m in engine.store.messages.get_many(model.action_ids([0])) if m.id != hidden.id]
    assert model.row_of(below[0].id) is None  # inside a closed thread: no row


def test_expanding_far_down_and_keeping_it_open_across_a_reload(big: tuple[Engine, int]) -> None:
    engine, folder_id = big
    model = threaded(engine, folder_id)
    threads = 20_000 // THREAD
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    top = uid(model, 4000)  # the newest message of the 4001st thread
    assert model.expand(4000)
    assert inserted == [(4001, 4000 + THREAD - 1)] and model.rowCount() == threads + THREAD - 1
    assert [uid(model, r) for r in range(4000, 4000 + THREAD + 1)] == [
        top,
        top - 1,
        top - 2,
        top - 3,
        top - 4,  # the next thread
    ]
    assert info(model, 4001).child and not info(model, 4000 + THREAD).child
    assert uid(model, model.rowCount() - 1) == 4
    # A reload keeps it open: placed at once, though discovery has not got that far yet.
    model.reload()
    layout = model._layout
    assert layout is not None and layout.thread_count == 0
    assert model.rowCount() == threads + THREAD - 1
    assert uid(model, 0) == 20_000 and layout.thread_count < 4000
    assert uid(model, 4003) == top - 3 and info(model, 4003).child
    assert info(model, 4000).expanded and uid(model, 4000) == top
    assert uid(model, model.rowCount() - 1) == 4 and len(inserted) == 1
    # Collapsing it (from a message inside) removes exactly its rows.
    assert model.collapse(4002) == 4000
    assert removed == [(4001, 4000 + THREAD - 1)] and model.rowCount() == threads
    assert uid(model, 4001) == top - 4 and not info(model, 4001).child


def test_a_reload_after_new_mail_counts_the_new_threads(small: tuple[Engine, int]) -> None:
    engine, folder_id = small
    model = threaded(engine, folder_id)
    assert model.rowCount() == 3
    engine.store.messages.upsert_headers(
        folder_id,
        [message(7), message(8, reply_to=2), message(9)],  # two threads, B grows
    )
    model.refresh_rows()  # as after a sync: the folder's count changed, so a reload
    assert model.rowCount() == 5
    assert [uid(model, r) for r in range(5)] == [9, 8, 7, 6, 4]
    assert info(model, 1).count == 3
    engine.store.messages.expunge(folder_id, [9, 6, 3, 1])  # one thread gone, A gone too
    model.refresh_rows()
    assert model.rowCount() == 3
    assert [uid(model, r) for r in range(3)] == [8, 7, 4]
    assert model.summary(3) is None
