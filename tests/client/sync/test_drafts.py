"""Drafts: kept locally and on the server's Drafts folder, each save replacing the last."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.store.store import Store
from kittiwake.client.sync import drafts
from kittiwake.client.sync.operations import Replayer
from tests.servers.fixtures import MailServer, MailUser

pytestmark = pytest.mark.servers
ACCOUNT = "acct"
MID = "<draft-1@example.test>"


def version(text: str) -> bytes:
    return f"Message-ID: {MID}\r\nSubject: draft\r\n\r\n{text}\r\n".encode()


@pytest.fixture
async def setup(
    mail_server: MailServer,
) -> AsyncIterator[tuple[Store, ImapClient, MailUser]]:
    user = mail_server.new_user("drafts")
    store = Store.open(":memory:")
    imap = await ImapClient.connect(mail_server.endpoint("imaps"), user.credentials())
    try:
        yield store, imap, user
    finally:
        await imap.logout()
        store.close()


def server_drafts(server: MailServer, user: MailUser) -> list[bytes]:
    return [server.fetch_raw(user, uid, "Drafts") for uid in server.mailbox_uids(user, "Drafts")]


async def test_a_saved_draft_is_readable_offline_then_uploaded_and_replaced(
    mail_server: MailServer, setup: tuple[Store, ImapClient, MailUser]
) -> None:
    store, imap, user = setup
    assert drafts.save(store, ACCOUNT, version("first")) == MID
    local = drafts.get(store, ACCOUNT, MID)
    assert local is not None and local.raw == version("first") and not local.uploaded

    await Replayer(store, ACCOUNT).run(imap)
    assert server_drafts(mail_server, user) == [version("first")]
    uploaded = drafts.get(store, ACCOUNT, MID)
    assert uploaded is not None and uploaded.uploaded and uploaded.server_uid is not None

    drafts.save(store, ACCOUNT, version("second"))
    await Replayer(store, ACCOUNT).run(imap)

    assert server_drafts(mail_server, user) == [version("second")]  # the old UID is gone
    flags = mail_server.doveadm("fetch", "-u", user.name, "flags", "mailbox", "Drafts", "all")
    assert "\\Draft" in flags


async def test_several_offline_saves_upload_the_latest_version_once(
    mail_server: MailServer, setup: tuple[Store, ImapClient, MailUser]
) -> None:
    store, imap, user = setup
    for text in ("one", "two", "three"):
        drafts.save(store, ACCOUNT, version(text))
    report = await Replayer(store, ACCOUNT).run(imap)
    assert len(report.done) == 3
    assert server_drafts(mail_server, user) == [version("three")]
    assert [d.version for d in drafts.list_drafts(store, ACCOUNT)] == [3]


async def test_an_orphan_of_an_interrupted_upload_is_swept(
    mail_server: MailServer, setup: tuple[Store, ImapClient, MailUser]
) -> None:
    store, imap, user = setup
    drafts.save(store, ACCOUNT, version("new"))
    # A crash after an earlier APPEND, before it was recorded, left this copy behind.
    await imap.append("Drafts", version("orphan"), flags=drafts.DRAFT_FLAGS)

    await Replayer(store, ACCOUNT).run(imap)

    assert server_drafts(mail_server, user) == [version("new")]


async def test_discard_removes_the_draft_here_at_once_and_there_on_replay(
    mail_server: MailServer, setup: tuple[Store, ImapClient, MailUser]
) -> None:
    store, imap, user = setup
    drafts.save(store, ACCOUNT, version("bye"))
    assert drafts.exists(store, ACCOUNT, MID)
    await Replayer(store, ACCOUNT).run(imap)
    assert len(server_drafts(mail_server, user)) == 1

    drafts.discard(store, ACCOUNT, MID)
    assert drafts.get(store, ACCOUNT, MID) is None
    assert not drafts.exists(store, ACCOUNT, MID)
    await Replayer(store, ACCOUNT).run(imap)

    assert server_drafts(mail_server, user) == []
