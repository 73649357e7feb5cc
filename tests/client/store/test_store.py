from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kittiwake.client.store import FolderInfo, SearchSyntaxError, Store
from kittiwake.client.store.store import _as_syntax_error
from tests.client.store.conftest import headers


def test_open_creates_the_file_and_the_body_directory_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with Store.open(path) as store:
        folder = store.folders.upsert(FolderInfo("a", "INBOX"))
        store.messages.upsert_headers(folder, [headers(1)])
        store.bodies.put(folder, [(1, b"x" * 200_000)])
        assert store.bodies.path_for(1).is_relative_to(tmp_path / "cache.sqlite.bodies")
    assert path.exists()


def test_one_transaction_spans_several_calls(store: Store, inbox: int) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.messages.upsert_headers(inbox, [headers(1)])
        store.folders.add_account("other")
        raise RuntimeError("crash before commit")
    assert store.messages.uids(inbox) == []
    assert store.folders.accounts() == ["work"]


def test_search_errors_are_search_errors(store: Store) -> None:
    with pytest.raises(SearchSyntaxError):
        store.search('"unclosed')
    with pytest.raises(SearchSyntaxError):
        store.count("is:nonsense")
    mapped = _as_syntax_error(sqlite3.OperationalError("fts5: syntax error near x"))
    assert isinstance(mapped, SearchSyntaxError)
    other = sqlite3.OperationalError("disk I/O error")
    assert _as_syntax_error(other) is other  # real database trouble is not hidden


def test_pending_index_count(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(u) for u in range(1, 4)])
    assert store.pending_index_count() == 3
    assert store.index_pending(2, lambda raw: "") == 2
    assert store.pending_index_count() == 1
