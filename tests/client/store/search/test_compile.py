from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kittiwake.client.store import FolderInfo, SearchSyntaxError, Store
from kittiwake.client.store.search.compile import compile_query, fts_string
from kittiwake.client.store.search.query import parse
from tests.client.store.conftest import headers

TODAY = date(2024, 6, 15)


def compiled(query: str) -> tuple[str | None, str, tuple[object, ...]]:
    result = compile_query(parse(query, today=TODAY), tz=UTC)
    return result.match, result.where, result.params


def test_fts_strings_are_always_quoted() -> None:
    assert fts_string("plain") == '"plain"'
    assert fts_string('say "hi"') == '"say ""hi"""'
    assert fts_string("NEAR(a b)") == '"NEAR(a b)"'
    assert fts_string("a\x00b") == '"a b"'  # NUL would end FTS5's string


def test_text_only_is_one_match() -> None:
    assert compiled("budget") == ('"budget"', "1", ())
    assert compiled('from:alice subject:"big news" -spam inv*') == (
        '((sender : "alice") AND (subject : "big news") AND ("inv" *)) NOT ("spam")',
        "1",
        (),
    )
    assert compiled("a OR b") == ('("a") OR ("b")', "1", ())


def test_filters_become_where_terms_with_bound_values() -> None:
    match, where, params = compiled("budget is:unread after:2024-01-01 before:2024-02-01")
    assert match == '("budget")'
    assert where == (
        "m.is_unread = 1 AND m.date >= ? AND m.date < ?"
        " AND message_fts.rowid >= ? AND message_fts.rowid < ?"
    )
    assert params == (1_704_067_200, 1_706_745_600, 1_704_067_200 << 24, 1_706_745_600 << 24)
    assert compiled("is:flagged has:attachment") == (
        None,
        "(m.is_flagged = 1 AND m.has_attachment = 1)",
        (),
    )


def test_text_under_or_with_a_filter_uses_a_subquery() -> None:
    match, where, params = compiled("budget OR is:flagged")
    assert match is None
    assert where == (
        "(m.fts_key IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?)"
        " OR m.is_flagged = 1)"
    )
    assert params == ('"budget"',)
    # A lone NOT has no FTS partner either.
    match, where, params = compiled("-budget")
    assert (match, params) == (None, ('"budget"',))
    assert where.startswith("NOT m.fts_key IN")


@given(st.lists(st.text(alphabet="abcXYZ", min_size=1, max_size=8), min_size=1, max_size=6))
def test_user_words_never_reach_the_sql_text(words: list[str]) -> None:
    fields = ["", "from:", "folder:", "account:"] * 2
    query = " ".join(f"{field}qz{word}" for field, word in zip(fields, words, strict=False))
    result = compile_query(parse(query, today=TODAY), tz=UTC)
    assert "qz" not in result.where.lower()
    assert all(any(f"qz{w}" in str(p) for p in result.params) or result.match for w in words)


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("search") / "cache.sqlite"
    with Store.open(path) as store:
        folder = store.folders.upsert(FolderInfo("work", "INBOX"))
        store.messages.upsert_headers(folder, [headers(u, subject=f"near or {u}") for u in (1, 2)])
        store.bodies.put(folder, [(1, b'x\r\n\r\nNEAR AND OR NOT ^ * : ( ) "')])
        store.index_pending(10, lambda raw: raw.decode())
        yield store


_PIECES = st.sampled_from(
    [
        "a",
        "near",
        "OR",
        "AND",
        "NOT",
        "-",
        "(",
        ")",
        '"',
        "*",
        ":",
        "^",
        "+",
        "{",
        "}",
        "from:",
        "to:x",
        "is:unread",
        "is:",
        "before:2024-01-01",
        "after:7d",
        "folder:INBOX",
        "NEAR(a b)",
        "subject:",
        "é",
        "\x00",
        "'",
        ";",
        "--",
        "\\",
        "%",
        "_",
    ]
)
_QUERIES = st.one_of(
    st.text(max_size=40),
    st.lists(_PIECES, max_size=12).map(" ".join),
    st.lists(_PIECES, max_size=12).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(_QUERIES, st.booleans())
def test_any_text_gives_results_or_a_search_syntax_error(
    corpus_store: Store, query: str, prefix_last: bool
) -> None:
    try:
        corpus_store.search(query, prefix_last=prefix_last, today=TODAY)
        corpus_store.count(query, today=TODAY)
    except SearchSyntaxError as error:
        assert error.message
