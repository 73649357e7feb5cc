"""Per-folder sync against the real Dovecot: the cache converges on the server in every case
(UID set, system flags, SHA-256 of every body) and a further sync changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from kittiwake.client.events import BodiesStored, Event, MessagesAdded, MessagesRemoved
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.store.store import Store
from kittiwake.client.sync.folder_sync import BodyPolicy, Capabilities, FolderResult, FolderSync
from kittiwake.client.sync.folders import FolderList
from tests.client.imap.scripts import connect, greet_and_login
from tests.client.sync.helpers import (
    cache_state,
    fill,
    message,
    record_commands,
    row_count,
    server_state,
)
from tests.servers.fixtures import MailServer, MailUser
from tests.servers.scripted import ScriptedPeer, ScriptedServer

ACCOUNT = "acct"
MODES = {
    "qresync": Capabilities(),
    "condstore": Capabilities(qresync=False),
    "fallback": Capabilities(qresync=False, condstore=False),
}


async def sync_inbox(
    server: MailServer,
    user: MailUser,
    store: Store,
    *,
    allow: Capabilities | None = None,
    policy: BodyPolicy | None = None,
    events: list[Event] | None = None,
    sent: list[str] | None = None,
) -> FolderResult:
    client = await ImapClient.connect(server.endpoint("imaps"), user.credentials())
    if sent is not None:
        record_commands(client, sent)
    try:
        await FolderList(client, store, ACCOUNT).refresh()
        folder = store.folders.find(ACCOUNT, "INBOX")
        assert folder is not None
        sink = events.append if events is not None else (lambda _e: None)
        return await FolderSync(
            client, store, folder, sink, policy or BodyPolicy(), allow or Capabilities()
        ).run()
    finally:
        await client.logout()


@pytest.fixture
def store() -> Store:
    return Store.open(":memory:")


async def test_full_sync_equals_server(mail_server: MailServer, store: Store) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 120)
    events: list[Event] = []
    result = await sync_inbox(mail_server, user, store, events=events)
    assert result.added == 120 and result.bodies == 120
    assert cache_state(store, ACCOUNT) == server_state(mail_server, user)
    # Newest first, the newest 50 in the first batch so the list fills at once.
    added = [e for e in events if isinstance(e, MessagesAdded)]
    assert len(added[0].uids) == 50
    assert min(added[0].uids) > max(added[-1].uids)
    folder = store.folders.find(ACCOUNT, "INBOX")
    assert folder is not None and folder.total_count == 120
    page = store.messages.page(folder.id, limit=5)
    assert page.rows[0].subject.startswith("Test message")
    assert page.rows[0].sender.address.endswith("@example.test")


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_no_change_resync_changes_nothing(
    mail_server: MailServer, store: Store, mode: str
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 30)
    await sync_inbox(mail_server, user, store, allow=MODES[mode])
    before = cache_state(store, ACCOUNT)
    result = await sync_inbox(mail_server, user, store, allow=MODES[mode])
    assert (result.added, result.removed, result.flags_changed, result.bodies) == (0, 0, 0, 0)
    assert result.used == mode
    assert cache_state(store, ACCOUNT) == before


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_flags_expunges_and_new_mail_converge(
    mail_server: MailServer, store: Store, mode: str
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 40)
    await sync_inbox(mail_server, user, store, allow=MODES[mode])
    mail_server.flags(user, "add", "\\Seen \\Flagged", query="UID 1:10")
    mail_server.flags(user, "add", "$Label1", query="UID 11")
    mail_server.expunge(user, query="UID 20:25")
    fill(mail_server, user, 5, start=100)
    result = await sync_inbox(mail_server, user, store, allow=MODES[mode])
    assert result.removed == 6 and result.added == 5
    assert result.flags_changed >= 10
    assert cache_state(store, ACCOUNT) == server_state(mail_server, user)
    folder = store.folders.find(ACCOUNT, "INBOX")
    assert folder is not None
    uid11 = store.messages.get(store.messages.find_uid(folder.id, 11) or 0)
    assert uid11 is not None and uid11.keywords == ("$Label1",)
    again = await sync_inbox(mail_server, user, store, allow=MODES[mode])
    assert (again.added, again.removed, again.flags_changed) == (0, 0, 0)


async def test_uidvalidity_reset_refetches_without_mixing(
    mail_server: MailServer, store: Store
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 10)
    await sync_inbox(mail_server, user, store)
    # The server renumbers: the same UIDs now name other messages.
    mail_server.expunge(user)
    for i in range(200, 210):
        mail_server.save(user, message(i))
    mail_server.set_uidvalidity(user, "INBOX", 777)
    events: list[Event] = []
    result = await sync_inbox(mail_server, user, store, events=events)
    assert result.uidvalidity_reset
    assert any(isinstance(e, MessagesRemoved) and e.all_of_folder for e in events)
    assert cache_state(store, ACCOUNT) == server_state(mail_server, user)
    folder = store.folders.find(ACCOUNT, "INBOX")
    assert folder is not None and folder.uidvalidity == 777
    subjects = {m.subject for m in store.messages.page(folder.id, limit=50).rows}
    assert subjects == {f"Test message {i}" for i in range(200, 210)}


async def test_body_policy_last_days_keeps_only_recent_bodies(
    mail_server: MailServer, store: Store
) -> None:
    user = mail_server.new_user()
    client = await ImapClient.connect(mail_server.endpoint("imaps"), user.credentials())
    try:  # two old messages: internal date and Date: header in 2020
        for i in (1, 2):
            old = message(i).replace(b"Jan 2024", b"Jan 2020")
            await client.append("INBOX", old, internaldate="01-Jan-2020 10:00:00 +0000")
    finally:
        await client.logout()
    fill(mail_server, user, 3, start=10)  # saved now: internal date today
    result = await sync_inbox(mail_server, user, store, policy=BodyPolicy(days=30))
    assert result.added == 5 and result.bodies == 3
    with_body = {uid for uid, (_f, sha) in cache_state(store, ACCOUNT).items() if sha}
    assert with_body == {3, 4, 5}
    store2 = Store.open(":memory:")
    none = await sync_inbox(mail_server, user, store2, policy=BodyPolicy(enabled=False))
    assert none.bodies == 0 and row_count(store2, ACCOUNT) == 5
    assert all(sha == "" for _flags, sha in cache_state(store2, ACCOUNT).values())


@pytest.mark.parametrize("mode", ["qresync", "condstore"])
async def test_resync_costs_what_changed_not_the_folder_size(
    mail_server: MailServer, store: Store, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flags changed + new mail with CONDSTORE/QRESYNC: the changes come in one round trip
    (the SELECT itself, or one FETCH CHANGEDSINCE), the new mail by one UID SEARCH above the
    watermark, and the cache's UID list is never read whole."""
    user = mail_server.new_user()
    fill(mail_server, user, 60)
    await sync_inbox(mail_server, user, store, allow=MODES[mode])
    mail_server.flags(user, "add", "\\Flagged", query="UID 1:5")
    fill(mail_server, user, 5, start=100)

    def whole_folder(_folder_id: int) -> list[int]:
        raise AssertionError("the whole UID list was read")

    monkeypatch.setattr(store.messages, "uids", whole_folder)
    sent: list[str] = []
    result = await sync_inbox(mail_server, user, store, allow=MODES[mode], sent=sent)
    assert (result.added, result.flags_changed, result.bodies, result.used) == (5, 5, 5, mode)
    assert cache_state(store, ACCOUNT) == server_state(mail_server, user)
    skip = ("LIST", "ENABLE", "LOGOUT")
    after_list = [c.split(" (")[0] for c in sent if not c.startswith(skip)]
    changes = ["UID FETCH 1:60"] if mode == "condstore" else []
    # A few new messages come whole: headers and bodies in one FETCH.
    assert after_list == ['SELECT "INBOX"', *changes, "UID SEARCH UID 61:*", "UID FETCH 61:65"]
    select, fetch_changes = [c for c in sent if not c.startswith(skip)][:2]
    assert ("QRESYNC" in select) if mode == "qresync" else ("CHANGEDSINCE" in fetch_changes)
    assert "BODY.PEEK[]" in sent[-2] and "RFC822.SIZE" in sent[-2]


async def test_first_page_is_committed_and_announced_before_the_rest(
    mail_server: MailServer, store: Store
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 120)
    sent: list[str] = []
    seen: list[tuple[bool, int, list[str], bool]] = []
    events: list[Event] = []

    def on_event(event: Event) -> None:
        if isinstance(event, MessagesAdded) and not seen:
            folder = store.folders.find(ACCOUNT, "INBOX")
            assert folder is not None
            rows = store.messages.page(folder.id, limit=50).rows
            bodies = any(isinstance(e, BodiesStored) for e in events)
            seen.append((store.db.conn.in_transaction, len(rows), list(sent), bodies))
        events.append(event)

    client = await ImapClient.connect(mail_server.endpoint("imaps"), user.credentials())
    try:
        await FolderList(client, store, ACCOUNT).refresh()
        folder = store.folders.find(ACCOUNT, "INBOX")
        assert folder is not None
        record_commands(client, sent)
        await FolderSync(client, store, folder, on_event).run()
    finally:
        await client.logout()
    in_transaction, rows, commands_then, bodies_then = seen[0]
    assert not in_transaction and rows == 50 and not bodies_then
    # One cheap FETCH of the newest 50 by sequence number, before any UID SEARCH of the folder.
    assert [c.split(" (")[0] for c in commands_then] == ['SELECT "INBOX"', "FETCH 71:120"]
    first = next(e for e in events if isinstance(e, MessagesAdded))
    assert sorted(first.uids) == list(range(71, 121))


def test_is_unchanged_compares_the_status_and_reads_no_row_of_an_empty_folder() -> None:
    from kittiwake.client.store.model import FolderInfo
    from kittiwake.client.sync.folder_sync import is_unchanged

    store = Store.open(":memory:")
    folder_id = store.folders.upsert(FolderInfo(ACCOUNT, "Empty"))
    store.folders.set_sync_state(folder_id, uidvalidity=7, uidnext=1, highestmodseq=3)
    folder = store.folders.get(folder_id)
    assert folder is not None
    status = {"UIDVALIDITY": 7, "UIDNEXT": 1, "MESSAGES": 0, "HIGHESTMODSEQ": 3}
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    assert is_unchanged(store, folder, status, BodyPolicy())
    assert not [s for s in statements if "messages" in s.lower()]
    assert not is_unchanged(store, folder, {**status, "HIGHESTMODSEQ": 4}, BodyPolicy())
    assert not is_unchanged(store, folder, {**status, "UIDNEXT": 2}, BodyPolicy())
    without_modseq = {k: v for k, v in status.items() if k != "HIGHESTMODSEQ"}
    assert not is_unchanged(store, folder, without_modseq, BodyPolicy())


async def test_the_sync_modules_load_while_the_server_answers_the_select(
    mail_server: MailServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our own start-up work (imports, the offline queue's read) overlaps the server's opening
    of the folder: the SELECT is sent before it and its answer has not been read yet."""
    from kittiwake.client.sync import folder_sync

    user = mail_server.new_user()
    fill(mail_server, user, 3)
    client = await ImapClient.connect(mail_server.endpoint("imaps"), user.credentials())
    sent: list[str] = []
    seen: list[tuple[list[str], object]] = []
    real = folder_sync.load_sync_modules

    def load() -> None:
        seen.append((list(sent), client.selected))
        real()

    monkeypatch.setattr(folder_sync, "load_sync_modules", load)
    try:
        await FolderList(client, store, ACCOUNT).refresh()
        folder = store.folders.find(ACCOUNT, "INBOX")
        assert folder is not None
        record_commands(client, sent)
        result = await FolderSync(client, store, folder).run()
    finally:
        await client.logout()
    ((commands, selected),) = seen
    assert [c.split(" (")[0] for c in commands] == ['SELECT "INBOX"']
    assert selected is None  # set when the tagged OK arrives: the answer was still to come
    assert result.added == 3 and result.bodies == 3


async def test_a_cache_file_is_written_by_the_writer_thread_and_equals_the_server(
    mail_server: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Header batches after the first and body batches go to the writer thread; the folder's
    UIDNEXT is recorded only once every header batch has committed."""
    import threading

    from kittiwake.client.store.bodies import Bodies
    from kittiwake.client.store.folders import Folders
    from kittiwake.client.store.messages import Messages

    user = mail_server.new_user()
    fill(mail_server, user, 12)
    mail_server.save(user, message(50, size=150_000))  # a body file, not inline
    writers: dict[str, set[str]] = {"headers": set(), "bodies": set()}
    real_put, real_upsert, real_state = Bodies.put, Messages.upsert_headers, Folders.set_sync_state

    def put(self: Bodies, folder_id: int, items: list[tuple[int, bytes]]) -> int:
        writers["bodies"].add(threading.current_thread().name)
        return real_put(self, folder_id, items)

    def upsert(self: Messages, folder_id: int, headers: list[object]) -> int:
        writers["headers"].add(threading.current_thread().name)
        return real_upsert(self, folder_id, headers)  # type: ignore[arg-type]

    rows_at_uidnext: list[int] = []

    def state(self: Folders, folder_id: int, **values: object) -> None:
        if values.get("uidnext") is not None:
            rows_at_uidnext.append(row_count(store, ACCOUNT))
        real_state(self, folder_id, **values)  # type: ignore[arg-type]

    monkeypatch.setattr(Bodies, "put", put)
    monkeypatch.setattr(Messages, "upsert_headers", upsert)
    monkeypatch.setattr(Folders, "set_sync_state", state)
    monkeypatch.setattr("kittiwake.client.sync.folder_sync.FIRST_BATCH", 2)
    monkeypatch.setattr("kittiwake.client.sync.folder_sync.HEADER_BATCH", 3)
    monkeypatch.setattr("kittiwake.client.sync.folder_sync.BODY_BATCH", 5)
    monkeypatch.setattr("kittiwake.client.sync.folder_sync.WHOLE_BATCH", 0)
    events: list[Event] = []
    with Store.open(tmp_path / "cache.sqlite3") as store:
        result = await sync_inbox(mail_server, user, store, events=events)
        assert (result.added, result.bodies) == (13, 13)
        main = threading.current_thread().name
        assert writers == {"headers": {main, "kittiwake-writer"}, "bodies": {"kittiwake-writer"}}
        assert rows_at_uidnext == [13]
        added = [u for e in events if isinstance(e, MessagesAdded) for u in e.uids]
        assert sorted(added) == list(range(1, 14))
        assert sum(e.count for e in events if isinstance(e, BodiesStored)) == 13
        assert cache_state(store, ACCOUNT) == server_state(mail_server, user)
        again = await sync_inbox(mail_server, user, store)
        assert (again.added, again.bodies) == (0, 0)


async def test_a_few_new_messages_come_whole_more_come_headers_first(
    mail_server: MailServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to WHOLE_BATCH new messages: one FETCH of whole messages, each stored with its
    row in one transaction, the same cache as the two-step path; above it, headers first."""
    monkeypatch.setattr("kittiwake.client.sync.folder_sync.WHOLE_BATCH", 4)
    monkeypatch.setattr("kittiwake.client.sync.folder_sync.WHOLE_FLUSH_BYTES", 1500)
    user = mail_server.new_user()
    fill(mail_server, user, 3)
    await sync_inbox(mail_server, user, store)
    fill(mail_server, user, 4, start=10)
    events: list[Event] = []
    sent: list[str] = []
    few = await sync_inbox(mail_server, user, store, events=events, sent=sent)
    assert (few.added, few.bodies) == (4, 4)
    fetches = [c for c in sent if c.startswith("UID FETCH")]
    assert len(fetches) == 1 and "BODY.PEEK[]" in fetches[0]
    # Bounded by bytes (1,500 here): several transactions, each announcing its rows.
    added = [e.uids for e in events if isinstance(e, MessagesAdded)]
    assert len(added) > 1 and sorted(u for uids in added for u in uids) == [4, 5, 6, 7]
    assert cache_state(store, ACCOUNT) == server_state(mail_server, user)
    folder = store.folders.find(ACCOUNT, "INBOX")
    assert folder is not None
    rows = store.messages.page(folder.id, limit=10).rows
    assert {r.uid: (r.subject, r.sender.address) for r in rows if r.uid >= 4} == {
        i + 4: (f"Test message {i + 10}", f"sender{i + 10}@example.test") for i in range(4)
    }
    fill(mail_server, user, 5, start=20)
    sent.clear()
    more = await sync_inbox(mail_server, user, store, sent=sent)
    assert (more.added, more.bodies) == (5, 5)
    fetches = [c for c in sent if c.startswith("UID FETCH")]
    assert len(fetches) == 2 and "BODY.PEEK[]" not in fetches[0] and "BODY.PEEK[]" in fetches[1]
    assert cache_state(store, ACCOUNT) == server_state(mail_server, user)


def test_a_header_batch_gives_way_to_the_window_between_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kittiwake.client.imap.responses import FetchItem
    from kittiwake.client.sync import folder_sync
    from kittiwake.client.sync.envelope import HEADER_SECTION

    turns: list[int] = []
    monkeypatch.setattr(folder_sync, "give_way", lambda: turns.append(len(turns)))
    items = [
        FetchItem(seq=n, uid=n, sections={HEADER_SECTION: b"Subject: s%d\r\n\r\n" % n})
        for n in range(1, 6)
    ]
    items.append(FetchItem(seq=6))  # no UID: not a message of the batch
    headers = folder_sync._headers_of(items)
    assert [h.uid for h in headers] == [1, 2, 3, 4, 5]
    assert len(turns) == 5


# --- whole messages stored while the FETCH streams (a scripted server) ---------------------

CACHED = 2  # UIDs 1..2 are cached; 3..7 are new


def raw_message(uid: int) -> bytes:
    return message(uid, size=400 + 100 * uid)


def fetch_item(uid: int) -> bytes:
    raw = raw_message(uid)
    return (
        b'* %d FETCH (UID %d FLAGS () INTERNALDATE "01-Jan-2024 10:00:00 +0000" '
        b"RFC822.SIZE %d MODSEQ (20) BODY[] {%d}\r\n"
        % (uid, uid, len(raw), len(raw))
        + raw
        + b")\r\n"
    )


async def answer(peer: ScriptedPeer, command: bytes, *responses: bytes) -> bytes:
    """Read the client's next command (it must be `command`), send `responses` and the
    tagged OK; returns the command line."""
    line = await peer.readline()
    tag, _, rest = line.partition(b" ")
    assert rest.upper().startswith(command), line
    await peer.send(b"".join(responses) + tag + b" OK done\r\n")
    return line


async def resync_until_fetch(peer: ScriptedPeer) -> bytes:
    """A QRESYNC resync of a folder with UIDs 1..2 cached and 3..7 new, up to the FETCH of
    the new messages (returned: its tag)."""
    await greet_and_login(peer)
    await answer(peer, b"ENABLE QRESYNC", b"* ENABLED QRESYNC\r\n")
    await answer(
        peer,
        b'SELECT "INBOX" (QRESYNC (7 10))',
        b"* 7 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 8] ok\r\n"
        b"* OK [HIGHESTMODSEQ 20] ok\r\n",
    )
    await answer(peer, b"UID SEARCH UID 3:*", b"* SEARCH 3 4 5 6 7\r\n")
    line = await peer.readline()
    assert b"UID FETCH 3:7 (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[] MODSEQ)" in line
    return line.partition(b" ")[0]


def cached_folder(path: Path) -> Store:
    from kittiwake.client.store.model import FolderInfo, MessageHeaders

    store = Store.open(path)
    folder_id = store.folders.upsert(FolderInfo(ACCOUNT, "INBOX"))
    store.folders.set_sync_state(folder_id, uidvalidity=7, uidnext=CACHED + 1, highestmodseq=10)
    old = [MessageHeaders(uid=u, internal_date=1_700_000_000, size=100) for u in (1, 2)]
    with store.transaction():
        store.messages.upsert_headers(folder_id, old)
        store.bodies.put(folder_id, [(u, raw_message(u)) for u in (1, 2)])
    return store


def stored(store: Store) -> dict[int, bytes | None]:
    """UID -> body of every cached message of the folder."""
    rows = store.db.conn.execute("SELECT id, uid FROM messages ORDER BY uid").fetchall()
    return {uid: store.bodies.get(message_id) for message_id, uid in rows}


async def test_whole_messages_are_committed_and_announced_while_the_fetch_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server sends two of the five new messages and waits: they reach the cache (rows
    and bodies, committed by the writer thread) and are announced before the FETCH ends."""
    import asyncio
    import threading

    from kittiwake.client.store.messages import Messages

    monkeypatch.setattr("kittiwake.client.sync.folder_sync.WHOLE_FLUSH", 2)
    store = cached_folder(tmp_path / "cache.sqlite3")
    first_batch = asyncio.Event()
    seen_then: list[dict[int, bytes | None]] = []
    events: list[Event] = []
    writers: set[str] = set()
    real_upsert = Messages.upsert_headers

    def upsert(self: Messages, folder_id: int, headers: list[object]) -> int:
        writers.add(threading.current_thread().name)
        return real_upsert(self, folder_id, headers)  # type: ignore[arg-type]

    monkeypatch.setattr(Messages, "upsert_headers", upsert)

    def on_event(event: Event) -> None:
        events.append(event)
        writers.add("event on " + threading.current_thread().name)
        if isinstance(event, MessagesAdded) and not first_batch.is_set():
            seen_then.append(stored(store))
            first_batch.set()

    async def script(peer: ScriptedPeer) -> None:
        tag = await resync_until_fetch(peer)
        await peer.send(fetch_item(3) + fetch_item(4))
        await asyncio.wait_for(first_batch.wait(), 10)  # no more bytes until then
        await peer.send(b"".join(fetch_item(u) for u in (5, 6, 7)) + tag + b" OK done\r\n")
        await answer(peer, b"LOGOUT", b"* BYE bye\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        try:
            folder = store.folders.find(ACCOUNT, "INBOX")
            assert folder is not None
            result = await FolderSync(client, store, folder, on_event).run()
        finally:
            await client.logout()
        await server.wait_closed()
    server.raise_errors()

    assert seen_then == [
        {1: raw_message(1), 2: raw_message(2), 3: raw_message(3), 4: raw_message(4)}
    ]
    # Stored on the writer thread, announced on the loop's.
    assert writers == {"kittiwake-writer", "event on " + threading.current_thread().name}
    assert (result.added, result.bodies) == (5, 5)
    assert stored(store) == {u: raw_message(u) for u in range(1, 8)}
    added = [e.uids for e in events if isinstance(e, MessagesAdded)]
    assert added == [(3, 4), (5, 6), (7,)]
    folder = store.folders.find(ACCOUNT, "INBOX")
    assert folder is not None and folder.uidnext == 8
    store.close()


async def test_a_connection_lost_mid_fetch_leaves_whole_batches_and_the_old_uidnext(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection drops after three of five messages: the batch handed over (3, 4) is in
    the cache with its bodies, the third message (not yet a batch) is not, nothing is half
    stored, and UIDNEXT still says "redo from 3" for the next sync."""
    import asyncio

    from kittiwake.client.net.errors import ConnectionLost

    monkeypatch.setattr("kittiwake.client.sync.folder_sync.WHOLE_FLUSH", 2)
    store = cached_folder(tmp_path / "cache.sqlite3")
    first_batch = asyncio.Event()
    events: list[Event] = []

    def on_event(event: Event) -> None:
        events.append(event)
        if isinstance(event, MessagesAdded):
            first_batch.set()

    async def script(peer: ScriptedPeer) -> None:
        await resync_until_fetch(peer)
        await peer.send(fetch_item(3) + fetch_item(4) + fetch_item(5))
        await asyncio.wait_for(first_batch.wait(), 10)
        await peer.close()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        try:
            folder = store.folders.find(ACCOUNT, "INBOX")
            assert folder is not None
            with pytest.raises(ConnectionLost):
                await FolderSync(client, store, folder, on_event).run()
        finally:
            await client.close()
        await server.wait_closed()
    server.raise_errors()

    assert stored(store) == {u: raw_message(u) for u in range(1, 5)}
    assert [e.uids for e in events if isinstance(e, MessagesAdded)] == [(3, 4)]
    folder = store.folders.find(ACCOUNT, "INBOX")
    assert folder is not None and folder.uidnext == CACHED + 1
    store.close()
