"""List sources: the unified Inbox's cheap reads give exactly the `in:inbox` search's rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client.engine import Engine
from kittiwake.ui.models.sources import UNIFIED_QUERY, InboxesSource
from tests.ui.models.synthetic import fill_folder


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with Engine.open(tmp_path) as engine:
        # Two accounts' Inboxes with the same dates (ties broken by id, as the search does),
        # a lower-case "inbox" (matched by name), and a folder that is no Inbox.
        fill_folder(engine, "a", 250)
        fill_folder(engine, "b", 130)
        fill_folder(engine, "c", 40, name="inbox")
        fill_folder(engine, "a", 90, name="Archive")
        yield engine


def ids(rows: list) -> list[int]:  # type: ignore[type-arg]
    return [r.id for r in rows]


def test_inboxes_source_pages_match_the_search(engine: Engine) -> None:
    source = InboxesSource(engine)
    assert source.count() == engine.search_count(UNIFIED_QUERY) == 420
    for offset in (0, 100, 200, 300, 400):  # each page continues the one before: seeks
        expected = engine.search_page(UNIFIED_QUERY, offset=offset, limit=100)
        assert ids(source.rows(offset, 100)) == ids(expected)


def test_inboxes_source_jumps_and_restarts_after_a_reload(engine: Engine) -> None:
    source = InboxesSource(engine)
    source.count()
    jump = source.rows(250, 50)  # no page led here: the search answers
    assert ids(jump) == ids(engine.search_page(UNIFIED_QUERY, offset=250, limit=50))
    source.rows(0, 50)
    fill_folder(engine, "b", 5, name="INBOX")  # the same UIDs again: nothing new
    assert source.count() == 420
    assert ids(source.rows(50, 50)) == ids(engine.search_page(UNIFIED_QUERY, offset=50, limit=50))
    assert source.shows_folder(engine.folder_by_id(jump[0].folder_id).id)  # type: ignore[union-attr]
