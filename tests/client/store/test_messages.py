from __future__ import annotations

import random

import pytest

from kittiwake.client.store import Address, Flag, FlagChange, PageCursor, SortKey, Store
from kittiwake.client.store.messages import (
    THREAD_MEMBERS_SQL,
    THREAD_STATS_SQL,
    Messages,
    subject_sort_key,
    thread_count,
    thread_count_query,
    thread_member_ids,
    thread_members,
    thread_scan,
    thread_scan_query,
    thread_stats,
)
from kittiwake.client.store.model import FolderInfo
from tests.client.store.conftest import headers


def plan(store: Store, sql: str, params: tuple[object, ...]) -> list[str]:
    return [row[3] for row in store.db.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def assert_index_only_search(details: list[str]) -> None:
    """Every step is an index SEARCH: no full scan, no sort in a temporary b-tree."""
    assert details, "no plan"
    for detail in details:
        assert detail.startswith("SEARCH") and "INDEX" in detail, details
        assert "TEMP B-TREE" not in detail, details


@pytest.fixture
def filled(store: Store, inbox: int) -> int:
    rng = random.Random(5)
    names = ["Zoë", "adam", "Émile", "bob", "Carol"]
    store.messages.upsert_headers(
        inbox,
        [
            headers(
                uid,
                subject=f"{rng.choice(['Re: ', 'Fwd: ', ''])}{rng.choice('xyzabc')} topic",
                sender=(rng.choice(names), f"p{uid}@example.com"),
                date=1_700_000_000 + rng.randrange(1000) * 60,  # many equal dates
                size=rng.randrange(50),  # many equal sizes
                seen=rng.random() < 0.6,
            )
            for uid in range(1, 301)
        ],
    )
    return inbox


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("unread_only", [False, True])
def test_keyset_pages_walk_the_whole_sorted_list(
    store: Store, filled: int, sort: SortKey, descending: bool, unread_only: bool
) -> None:
    seen: list[int] = []
    cursor: PageCursor | None = None
    while True:
        page = store.messages.page(
            filled,
            sort=sort,
            descending=descending,
            limit=37,
            after=cursor,
            unread_only=unread_only,
        )
        seen += [row.id for row in page.rows]
        if page.next is None:
            break
        cursor = page.next
    rows = store.messages.get_many(seen)
    assert all(row.unread for row in rows) or not unread_only
    expected_count = store.messages.count(filled, unread_only=unread_only)
    assert len(seen) == len(set(seen)) == expected_count

    def key(row: object) -> tuple[object, int]:
        assert hasattr(row, "id")
        value = {
            SortKey.DATE: lambda r: r.date,
            SortKey.SIZE: lambda r: r.size,
            SortKey.FROM: lambda r: (r.sender.name or r.sender.address).casefold(),
            SortKey.SUBJECT: lambda r: subject_sort_key(r.subject),
        }[sort](row)
        return value, row.id

    assert seen == [r.id for r in sorted(rows, key=key, reverse=descending)]
    # Offset paging gives the same order.
    if not unread_only:
        assert [
            r.id
            for r in store.messages.page_at(filled, 40, sort=sort, descending=descending, limit=10)
        ] == seen[40:50]


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("unread_only", [False, True])
def test_page_queries_use_an_index(
    store: Store, filled: int, sort: SortKey, descending: bool, unread_only: bool
) -> None:
    key: int | str = "m" if sort in (SortKey.FROM, SortKey.SUBJECT) else 5
    for after in (None, PageCursor(key, 100)):
        sql, params = Messages.page_query(filled, sort, descending, 50, after, unread_only)
        assert_index_only_search(plan(store, sql, params))


def test_count_and_thread_queries_use_an_index(store: Store, filled: int) -> None:
    for unread in (False, True):
        sql = "SELECT count(*) FROM messages WHERE folder_id = ?" + (
            " AND is_unread = 1" if unread else ""
        )
        assert_index_only_search(plan(store, sql, (filled,)))
    assert_index_only_search(
        plan(store, "SELECT * FROM messages WHERE thread_id = ? ORDER BY date, id", (1,))
    )
    assert_index_only_search(plan(store, "SELECT * FROM folders WHERE account = ?", ("work",)))


def test_upsert_refreshes_flags_but_keeps_the_envelope(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1, subject="Original")])
    changed = headers(1, subject="Changed", seen=True)
    store.messages.upsert_headers(inbox, [changed])
    message_id = store.messages.find_uid(inbox, 1)
    assert message_id is not None
    row = store.messages.get(message_id)
    assert row is not None
    assert (row.subject, row.flags, row.unread) == ("Original", Flag.SEEN, False)


def test_batches_of_500(store: Store, inbox: int) -> None:
    assert store.messages.upsert_headers(inbox, (headers(u) for u in range(1, 1203))) == 1202
    assert store.messages.uids(inbox) == list(range(1, 1203))


def test_envelope_round_trip(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(
        inbox,
        [
            headers(
                7,
                subject="Fwd: Re: Plans",
                to=(Address("Bob", "bob@example.org"), Address("", "eve@example.net")),
                cc=(Address("Carol", "carol@example.com"),),
                references=("<a@x>", "<b@x>"),
                in_reply_to="<b@x>",
                has_attachment=True,
            )
        ],
    )
    row = store.messages.get_many([store.messages.find_uid(inbox, 7) or 0])[0]
    assert row.to == "Bob <bob@example.org>, eve@example.net"
    assert row.cc == "Carol <carol@example.com>"
    assert row.references == ("<a@x>", "<b@x>")
    assert (row.in_reply_to, row.has_attachment, row.has_body) == ("<b@x>", True, False)
    assert subject_sort_key(row.subject) == "plans"


def test_flags_and_keywords(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1), headers(2)])
    flags, keywords = Flag.from_imap(["\\Seen", "\\Flagged", "$Junk", "\\Recent", "Work"])
    assert (flags, keywords) == (Flag.SEEN | Flag.FLAGGED, ("$Junk", "Work"))
    assert Flag(flags).to_imap() == ("\\Seen", "\\Flagged")
    store.messages.set_flags(inbox, [FlagChange(1, flags, keywords, modseq=5)])
    row = store.messages.get(store.messages.find_uid(inbox, 1) or 0)
    assert row is not None
    assert (row.flagged, row.unread, row.keywords) == (True, False, ("$Junk", "Work"))
    store.messages.change_flags([row.id], remove=Flag.SEEN)
    again = store.messages.get(row.id)
    assert again is not None
    assert again.flags == Flag.FLAGGED


def test_expunge_by_uid_set(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(u) for u in range(1, 21)])
    assert store.messages.expunge(inbox, [2, 4, 99]) == 2
    assert store.messages.uids(inbox) == [u for u in range(1, 21) if u not in (2, 4)]
    gone = store.messages.find_uid(inbox, 3) or 0
    store.messages.delete([gone])
    assert store.messages.get(gone) is None


def test_uids_without_body(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(u) for u in range(1, 6)])
    store.bodies.put(inbox, [(5, b"x"), (2, b"y")])
    assert store.messages.uids_without_body(inbox) == [4, 3, 1]  # newest first


# --- a folder's threads (the threaded list) ---------------------------------------------------


@pytest.fixture
def threaded(store: Store, inbox: int) -> int:
    """Three threads: uids 1 <- 4 <- 6 (6 unread, flagged), 2 <- 5 (attachment), 3 alone."""
    store.messages.upsert_headers(
        inbox,
        [
            headers(1, seen=True),
            headers(2, seen=True),
            headers(3),
            headers(4, in_reply_to="<1@example.com>", seen=True),
            headers(5, in_reply_to="<2@example.com>", seen=True, has_attachment=True),
            headers(6, in_reply_to="<4@example.com>", flagged=True),
        ],
    )
    return inbox


def test_thread_scan_meets_each_thread_first_at_its_newest_message(
    store: Store, threaded: int
) -> None:

    rows = thread_scan(store.db, threaded, None, 4)
    uids = {store.messages.get(i).uid: key for i, key, _ in rows}  # type: ignore[union-attr]
    assert list(uids) == [6, 5, 4, 3]  # newest first
    assert uids[6] == uids[4] != uids[5] != uids[3]
    last_id, _key, last_date = rows[-1]
    rest = thread_scan(store.db, threaded, PageCursor(last_date, last_id), 10)
    assert [store.messages.get(i).uid for i, _, _ in rest] == [2, 1]  # type: ignore[union-attr]


def test_thread_stats_and_members_count_within_the_folder(store: Store, threaded: int) -> None:

    keys = list(dict.fromkeys(key for _i, key, _d in thread_scan(store.db, threaded, None, 10)))
    stats = thread_stats(store.db, threaded, keys)
    assert [(s.count, s.unread, s.flagged, s.has_attachment) for s in stats.values()] == [
        (3, 1, True, False),
        (2, 0, False, True),
        (1, 1, False, False),
    ]
    members = thread_members(store.db, threaded, keys[0])
    assert [m.uid for m in members] == [6, 4, 1]  # newest first
    ids = thread_member_ids(store.db, threaded, keys[:2])
    assert sorted(store.messages.get(i).uid for i in ids) == [1, 2, 4, 5, 6]  # type: ignore[union-attr]


def test_an_unthreaded_message_is_its_own_thread(store: Store, threaded: int) -> None:

    store.db.conn.execute("UPDATE messages SET thread_id = NULL WHERE uid = 3")
    keys = [key for _i, key, _d in thread_scan(store.db, threaded, None, 10)]
    lone = [k for k in keys if k < 0]
    assert len(lone) == 1
    assert thread_stats(store.db, threaded, lone)[lone[0]].count == 1
    assert [m.uid for m in thread_members(store.db, threaded, lone[0])] == [3]


def test_thread_queries_use_an_index(store: Store, threaded: int) -> None:

    for after in (None, PageCursor(5, 100)):
        assert_index_only_search(plan(store, *thread_scan_query(threaded, after, 50)))
    assert_index_only_search(plan(store, THREAD_STATS_SQL, (1, threaded)))
    assert_index_only_search(plan(store, THREAD_MEMBERS_SQL, (1, threaded)))


def test_thread_count_counts_threads_and_positions(store: Store, threaded: int) -> None:
    assert thread_count(store.db, threaded) == 3
    store.db.conn.execute("UPDATE messages SET thread_id = NULL WHERE uid = 1")  # left thread A
    rows = thread_scan(store.db, threaded, None, 10)
    keys = list(dict.fromkeys(key for _i, key, _d in rows))
    assert thread_count(store.db, threaded) == len(keys) == 4
    # Newer than a thread's newest message: as many threads as the scan meets before it.
    seen: set[int] = set()
    for message_id, key, date in rows:
        if key not in seen:
            assert thread_count(store.db, threaded, PageCursor(date, message_id)) == len(seen)
            seen.add(key)
    other = store.folders.upsert(FolderInfo("work", "Other"))
    assert thread_count(store.db, other) == 0


def test_thread_count_searches_indexes(store: Store, threaded: int) -> None:
    for newer in (None, PageCursor(5, 100)):
        details = plan(store, *thread_count_query(threaded, newer))
        searches = [d for d in details if d.startswith(("SEARCH", "SCAN messages"))]
        assert len(searches) == 2 and all("USING INDEX" in d for d in searches), details
        assert not any(d.startswith("SCAN messages") for d in details), details
