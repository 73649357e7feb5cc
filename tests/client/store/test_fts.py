from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from kittiwake.client.store import Address, Store
from kittiwake.client.store.fts import MAX_TEXT_CHARS, preview_of
from tests.client.store.conftest import headers


def body_after_blank_line(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[1].decode()


def index_all(store: Store) -> None:
    while store.index_pending(7, body_after_blank_line):
        pass


def test_index_headers_then_body(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(
        inbox,
        [
            headers(
                1,
                subject="Crème brûlée",
                sender=("Zoë Ångström", "zoe@example.com"),
                cc=(Address("Carol", "carol@example.net"),),
            )
        ],
    )
    assert store.pending_index_count() == 1
    index_all(store)
    assert store.pending_index_count() == 0
    assert store.count("creme") == store.count("BRULEE") == store.count("angstrom") == 1
    assert store.count("cc:carol") == 1
    assert store.count("pistachio") == 0

    store.bodies.put(inbox, [(1, "Subject: x\r\n\r\nA pistachio Pâtisserie".encode())])
    assert store.pending_index_count() == 1  # the body arrived: index again, with its text
    index_all(store)
    assert store.count("pistachio") == store.count("patisserie") == store.count("creme") == 1
    summary = store.messages.get(store.messages.find_uid(inbox, 1) or 0)
    assert summary is not None
    assert summary.preview == "A pistachio Pâtisserie"
    # Re-indexing replaced the old entry rather than adding a second one.
    rows = store.db.conn.execute(
        "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'creme'"
    ).fetchone()
    assert rows == (1,)


def test_expunged_messages_leave_the_index(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(u, subject="walrus") for u in (1, 2, 3)])
    store.bodies.put(inbox, [(u, b"H: x\r\n\r\nnarwhal") for u in (1, 2, 3)])
    index_all(store)
    store.messages.expunge(inbox, [1, 2])
    assert store.count("walrus") == store.count("narwhal") == 1
    # The index itself agrees (integrity-check compares the index with its content).
    store.db.conn.execute("INSERT INTO message_fts (message_fts) VALUES ('integrity-check')")


def test_a_failing_extractor_indexes_headers_only(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1, subject="survivor")])
    store.bodies.put(inbox, [(1, b"broken")])

    def broken(raw: bytes) -> str:
        raise KeyError("broken multipart")

    assert store.index_pending(10, broken) == 1
    assert store.count("survivor") == 1


def test_mapper_and_text_limit(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(u) for u in range(1, 5)])
    long_text = "alpha " * (MAX_TEXT_CHARS // 6) + "omega"
    store.bodies.put(inbox, [(u, b"H: x\r\n\r\n" + long_text.encode()) for u in range(1, 5)])
    with ThreadPoolExecutor(2) as pool:
        assert store.index_pending(10, body_after_blank_line, pool.map) == 4
    assert store.count("alpha") == 4
    assert store.count("omega") == 0  # beyond the indexed length


def test_message_expunged_during_extraction_is_skipped(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1), headers(2)])

    def expunge_meanwhile(raw: bytes) -> str:
        return ""

    def mapper(fn: object, raws: list[bytes]) -> list[str]:
        store.messages.expunge(inbox, [1])  # the sync engine got there first
        return ["" for _ in raws]

    assert store.index_pending(10, expunge_meanwhile, mapper) == 2
    assert store.pending_index_count() == 0
    store.db.conn.execute("INSERT INTO message_fts (message_fts) VALUES ('integrity-check')")


def test_preview_is_one_line() -> None:
    assert preview_of("  Hello\n\n  world \t again ") == "Hello world again"
    assert len(preview_of("word " * 1000)) == 200
