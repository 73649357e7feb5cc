"""Per-folder sync against the real Dovecot: the cache converges on the server in every case
(UID set, system flags, SHA-256 of every body) and a further sync changes nothing."""

from __future__ import annotations

import pytest

from kittiwake.client.events import Event, MessagesAdded, MessagesRemoved
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.store.store import Store
from kittiwake.client.sync.folder_sync import BodyPolicy, Capabilities, FolderResult, FolderSync
from kittiwake.client.sync.folders import FolderList
from tests.client.sync.helpers import cache_state, fill, message, row_count, server_state
from tests.servers.fixtures import MailServer, MailUser

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
) -> FolderResult:
    client = await ImapClient.connect(server.endpoint("imaps"), user.credentials())
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
