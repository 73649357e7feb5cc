"""The message list model reads only the rows a view shows, sorts in SQL, and shows plain text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.store.model import Address, FolderInfo, MessageHeaders
from kittiwake.ui.models.message_list import (
    MESSAGE_ID_ROLE,
    PAGE,
    Column,
    MessageListModel,
    decode_ids,
)
from kittiwake.ui.models.sources import FolderSource, QuerySource
from tests.ui.models.synthetic import fill_folder

BIG = 100_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, int]]:
    engine = Engine.open(tmp_path_factory.mktemp("big"))
    folder_id = fill_folder(engine, "big", BIG)
    yield engine, folder_id
    engine.close()


def test_a_100000_message_folder_opens_reading_one_page(
    qtbot: QtBot, big: tuple[Engine, int]
) -> None:
    engine, folder_id = big
    model = MessageListModel(FolderSource(engine, folder_id))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(800, 600)
    view.show()
    qtbot.waitUntil(lambda: model.rows_fetched > 0)  # the first paint
    view.grab()  # and a full repaint of the visible rows
    assert model.rowCount() == BIG
    assert 0 < model.rows_fetched <= PAGE  # only the first page, never the whole folder
    assert model.index(0, Column.SUBJECT).data() == f"Synthetic message {BIG:06d}"  # newest


def test_jumping_to_the_middle_reads_only_that_page(big: tuple[Engine, int]) -> None:
    engine, folder_id = big
    model = MessageListModel(FolderSource(engine, folder_id))
    middle = BIG // 2 + 17
    assert model.index(middle, Column.SUBJECT).data() == f"Synthetic message {BIG - middle:06d}"
    assert model.rows_fetched == PAGE
    model.index(middle + 1, Column.SUBJECT).data()
    assert model.rows_fetched == PAGE  # the same cached page


def test_the_page_cache_stays_bounded(big: tuple[Engine, int]) -> None:
    engine, folder_id = big
    model = MessageListModel(FolderSource(engine, folder_id))
    for row in range(0, BIG, PAGE * 3):
        model.index(row, 0).data()
    assert len(model._pages) <= 25


def test_sorting_happens_in_sql(big: tuple[Engine, int]) -> None:
    engine, folder_id = big
    model = MessageListModel(FolderSource(engine, folder_id))
    model.sort(Column.SUBJECT, Qt.SortOrder.AscendingOrder)
    assert model.index(0, Column.SUBJECT).data() == "Synthetic message 000001"
    model.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    first, second = (model.summary(r) for r in (0, 1))
    assert first is not None and second is not None and first.size >= second.size
    assert model.rows_fetched == 2 * PAGE  # one page per order shown, not 100,000 rows


def test_unread_rows_are_bold_and_dragging_carries_the_ids(big: tuple[Engine, int]) -> None:
    engine, folder_id = big
    model = MessageListModel(FolderSource(engine, folder_id))
    fonts = [model.index(r, Column.SUBJECT).data(Qt.ItemDataRole.FontRole) for r in range(3)]
    unread = [model.summary(r).unread for r in range(3)]  # type: ignore[union-attr]
    assert [isinstance(f, QFont) and f.bold() for f in fonts] == unread and any(unread)
    ids = [model.index(r, 0).data(MESSAGE_ID_ROLE) for r in (0, 1)]
    assert decode_ids(model.mimeData([model.index(0, 0), model.index(1, 3)])) == ids


def test_server_text_is_plain_display_text(qtbot: QtBot, tmp_path: Path) -> None:
    engine = Engine.open(tmp_path)
    folder_id = engine.store.folders.upsert(FolderInfo("acct", "INBOX"))
    engine.store.messages.upsert_headers(
        folder_id,
        [
            MessageHeaders(
                uid=1,
                internal_date=1_700_000_000,
                size=10,
                sender=Address("<b>Mallory</b>", "m@example.test"),
                subject="<img src=http://x.invalid/t.png> hi",
            )
        ],
    )
    model = MessageListModel(FolderSource(engine, folder_id))
    assert model.index(0, Column.SENDER).data() == "<b>Mallory</b>"
    assert model.index(0, Column.SUBJECT).data() == "<img src=http://x.invalid/t.png> hi"
    engine.close()


def test_a_search_source_counts_and_pages(big: tuple[Engine, int]) -> None:
    engine, folder_id = big
    model = MessageListModel(QuerySource(engine, "has:attachment", folder_id))
    assert model.rowCount() == BIG // 10
    assert model.summary(0) is not None and model.summary(0).has_attachment  # type: ignore[union-attr]
    assert model.rows_fetched == PAGE


def test_scrolling_on_from_a_page_seeks_with_a_cursor(big: tuple[Engine, int]) -> None:
    engine, folder_id = big
    source = FolderSource(engine, folder_id)
    model = MessageListModel(source)
    offsets: list[int] = []
    original = engine.messages_at

    def spy(folder: int, offset: int, **kwargs: object) -> list:  # type: ignore[type-arg]
        offsets.append(offset)
        return original(folder, offset, **kwargs)  # type: ignore[arg-type]

    engine.messages_at = spy  # type: ignore[method-assign]
    try:
        jump = PAGE * 200
        for row in range(jump, jump + PAGE * 3):
            model.index(row, 0).data()
        # One OFFSET read for the jump, then cursors; the rows are the same as by offset.
        assert offsets == [jump]
        assert model.summary(jump + PAGE) == original(folder_id, jump + PAGE, limit=1)[0]
    finally:
        del engine.messages_at
