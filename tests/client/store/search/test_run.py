from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path

import pytest

from kittiwake.client.store import Address, Flag, FolderInfo, Order, Role, Store
from kittiwake.client.store.search.run import build
from tests.client.store.conftest import headers

DAY = 86_400
JAN_1 = 1_704_067_200  # 2024-01-01 00:00 UTC


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("run") / "cache.sqlite"
    with Store.open(path) as store:
        inbox = store.folders.upsert(FolderInfo("work", "INBOX", role=Role.INBOX))
        sent = store.folders.upsert(FolderInfo("work", "Sent Items", role=Role.SENT))
        home = store.folders.upsert(FolderInfo("home", "INBOX", role=Role.INBOX))
        store.messages.upsert_headers(
            inbox,
            [
                headers(
                    1,
                    subject="Quarterly report",
                    sender=("Zoë Müller", "zoe@example.com"),
                    date=JAN_1 + 1 * DAY,
                    seen=True,
                ),
                headers(
                    2,
                    subject="Lunch?",
                    sender=("Bob", "bob@example.org"),
                    date=JAN_1 + 40 * DAY,
                    flagged=True,
                    has_attachment=True,
                    cc=(Address("Carol", "carol@example.net"),),
                ),
                headers(
                    3,
                    subject="Report on the quarterly numbers",
                    date=JAN_1 + 60 * DAY,
                    sender=("Carol", "carol@example.net"),
                ),
            ],
        )
        store.messages.upsert_headers(
            sent, [headers(1, subject="Invoice 2024-17", date=JAN_1 + 10 * DAY, seen=True)]
        )
        store.messages.upsert_headers(
            home, [headers(1, subject="Holiday photos", date=JAN_1 + 5 * DAY)]
        )
        store.bodies.put(
            inbox,
            [
                (1, "x\r\n\r\nThe budget looks café-ready. budget budget".encode()),
                (2, b"x\r\n\r\nSee the attached budget."),
            ],
        )
        while store.index_pending(50, lambda raw: raw.split(b"\r\n\r\n", 1)[1].decode()):
            pass
        yield store


def subjects(store: Store, query: str, **kwargs: object) -> list[str]:
    return [m.subject for m in store.search(query, today=date(2024, 6, 1), tz=UTC, **kwargs)]  # type: ignore[arg-type]


def test_words_phrases_prefixes_and_folding(searched: Store) -> None:
    assert subjects(searched, "budget") == ["Lunch?", "Quarterly report"]  # newest first
    assert subjects(searched, "CAFE") == ["Quarterly report"]
    assert subjects(searched, "muller") == ["Quarterly report"]
    assert subjects(searched, '"quarterly report"') == ["Quarterly report"]
    assert subjects(searched, "quarterly report") == [
        "Report on the quarterly numbers",
        "Quarterly report",
    ]
    assert subjects(searched, "quart*") == subjects(searched, "quarterly")
    assert subjects(searched, "quart", prefix_last=True) == subjects(searched, "quarterly")
    assert subjects(searched, "invoice") == ["Invoice 2024-17"]


def test_fields(searched: Store) -> None:
    assert subjects(searched, "from:carol") == ["Report on the quarterly numbers"]
    assert subjects(searched, "cc:carol") == ["Lunch?"]
    assert subjects(searched, "from:zoe@example.com") == ["Quarterly report"]
    assert subjects(searched, "to:bob") == [
        "Report on the quarterly numbers",
        "Lunch?",
        "Invoice 2024-17",
        "Holiday photos",
        "Quarterly report",
    ]
    assert subjects(searched, "subject:budget") == []
    assert subjects(searched, "body:budget -from:bob") == ["Quarterly report"]


def test_filters(searched: Store) -> None:
    assert subjects(searched, "is:flagged") == ["Lunch?"]
    assert subjects(searched, "has:attachment") == ["Lunch?"]
    assert subjects(searched, "is:unread folder:inbox") == [
        "Report on the quarterly numbers",
        "Lunch?",
        "Holiday photos",
    ]
    assert subjects(searched, 'folder:"sent items"') == ["Invoice 2024-17"]
    assert subjects(searched, "in:sent") == ["Invoice 2024-17"]
    assert subjects(searched, "account:home") == ["Holiday photos"]
    assert subjects(searched, "after:2024-01-06 before:2024-02-15") == [
        "Lunch?",
        "Invoice 2024-17",
        "Holiday photos",
    ]
    assert subjects(searched, "after:2024-06-01") == []
    assert len(subjects(searched, "after:200d")) == 5
    assert subjects(searched, "before:150d") == ["Quarterly report"]  # before 2024-01-03


def test_boolean_combinations(searched: Store) -> None:
    assert subjects(searched, "budget OR invoice") == [
        "Lunch?",
        "Invoice 2024-17",
        "Quarterly report",
    ]
    assert subjects(searched, "(budget OR invoice) -is:flagged") == [
        "Invoice 2024-17",
        "Quarterly report",
    ]
    assert subjects(searched, "budget OR is:flagged") == ["Lunch?", "Quarterly report"]
    assert subjects(searched, "-budget is:unread") == [
        "Report on the quarterly numbers",
        "Holiday photos",
    ]
    assert searched.count("NOT quarterly") == 3


def test_scope_order_and_paging(searched: Store) -> None:
    inbox = searched.folders.find("work", "INBOX")
    assert inbox is not None
    assert subjects(searched, "quarterly", folder_id=inbox.id) == [
        "Report on the quarterly numbers",
        "Quarterly report",
    ]
    assert subjects(searched, "", account="home") == ["Holiday photos"]
    # bm25: three hits of "budget" in one body beat one hit in another.
    assert subjects(searched, "budget", order=Order.RELEVANCE) == ["Quarterly report", "Lunch?"]
    assert subjects(searched, "", limit=2, offset=1) == ["Lunch?", "Invoice 2024-17"]
    assert searched.count("") == 5


def test_the_fts_query_uses_the_index(searched: Store) -> None:
    compiled = build("budget from:bob is:unread", today=date(2024, 6, 1), tz=UTC)
    assert compiled.match is not None
    plan = [
        r[3]
        for r in searched.db.conn.execute(
            "EXPLAIN QUERY PLAN SELECT m.id FROM message_fts JOIN messages AS m "
            f"ON m.fts_key = message_fts.rowid WHERE message_fts MATCH ? AND {compiled.where} "
            "ORDER BY message_fts.rowid DESC LIMIT 100",
            [compiled.match, *compiled.params],
        )
    ]
    # FTS5 drives the join in its own (date) order: no sort of all hits.
    assert any("VIRTUAL TABLE INDEX" in d for d in plan), plan
    assert any("SEARCH m USING INDEX messages_by_fts_key" in d for d in plan), plan
    assert not any("TEMP B-TREE" in d for d in plan), plan


def test_fts_order_is_date_order(searched: Store) -> None:
    # Messages indexed out of date order still come back newest first.
    dates = [m.date for m in searched.search("to:bob")]
    assert dates == sorted(dates, reverse=True)
    assert Flag.SEEN  # keep the import honest
