"""Folder roles (pure) and folder operations against the real Dovecot."""

from __future__ import annotations

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.imap.mailboxes import Folder as ImapFolder
from kittiwake.client.store.model import Role
from kittiwake.client.store.store import Store
from kittiwake.client.sync.folders import FolderList, assign_roles
from tests.servers.fixtures import MailServer


def listed(name: str, *attributes: str, delimiter: str = "/") -> ImapFolder:
    return ImapFolder(name, name.encode(), delimiter, frozenset(attributes))


def roles(*folders: ImapFolder) -> dict[str, Role | None]:
    return {f.name: f.role for f in assign_roles(folders)}


def test_special_use_attributes_win_over_names() -> None:
    got = roles(
        listed("inbox"),
        listed("Sent"),
        listed("Sent Items", "\\Sent"),
        listed("Papierkorb", "\\Trash"),
        listed("Trash"),
    )
    assert got == {
        "INBOX": Role.INBOX,
        "Sent": None,
        "Sent Items": Role.SENT,
        "Papierkorb": Role.TRASH,
        "Trash": None,
    }


def test_name_fallback_without_special_use() -> None:
    got = roles(
        listed("INBOX"),
        listed("Sent Messages"),
        listed("Deleted Items"),
        listed("Spam"),
        listed("Drafts"),
        listed("Archive"),
        listed("Projects/Sent"),
        listed("INBOX.Junk", delimiter="."),
    )
    assert got["Sent Messages"] is Role.SENT
    assert got["Deleted Items"] is Role.TRASH
    assert got["Spam"] is Role.JUNK
    assert got["INBOX.Junk"] is None  # Spam (top level) already holds the Junk role
    assert got["Drafts"] is Role.DRAFTS and got["Archive"] is Role.ARCHIVE
    assert got["Projects/Sent"] is None


def test_noselect_is_not_selectable() -> None:
    (folder,) = assign_roles([listed("Parent", "\\Noselect", "\\HasChildren")])
    assert not folder.selectable


async def test_dovecot_special_use_and_folder_operations(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    store = Store.open(":memory:")
    client = await ImapClient.connect(mail_server.endpoint("imaps"), user.credentials())
    try:
        folders = FolderList(client, store, "a")
        cached, changed = await folders.refresh()
        assert changed
        by_role = {f.role: f.name for f in cached if f.role is not None}
        assert by_role[Role.INBOX] == "INBOX"
        assert {Role.SENT, Role.TRASH, Role.DRAFTS, Role.JUNK} <= set(by_role)
        assert (await folders.refresh())[1] is False  # nothing changed the second time

        created = await folders.create("Grüne Projekte")
        assert created.name == "Grüne Projekte"
        assert "Grüne Projekte" in mail_server.doveadm("mailbox", "list", "-u", user.name)
        renamed = await folders.rename("Grüne Projekte", "Done")
        assert renamed.id == created.id  # the cached messages follow the folder
        await folders.subscribe("Done", False)
        done = store.folders.find("a", "Done")
        assert done is not None and not done.subscribed
        await folders.delete("Done")
        assert store.folders.find("a", "Done") is None
        assert "Done" not in mail_server.doveadm("mailbox", "list", "-u", user.name).split()
    finally:
        await client.logout()


async def test_counters_are_asked_only_once_there_is_a_cache_to_compare(
    mail_server: MailServer,
) -> None:
    from tests.client.sync.helpers import record_commands

    user = mail_server.new_user()
    store = Store.open(":memory:")
    client = await ImapClient.connect(mail_server.endpoint("imaps"), user.credentials())
    try:
        sent = record_commands(client)
        listing = FolderList(client, store, "acct")
        await listing.refresh()  # a first sync: nothing cached, so no STATUS per folder
        assert sent[-1].startswith("LIST") and "STATUS" not in sent[-1]
        assert listing.statuses == {}
        inbox = store.folders.find("acct", "INBOX")
        assert inbox is not None
        store.folders.set_sync_state(inbox.id, uidvalidity=1, uidnext=1, highestmodseq=1)
        await listing.refresh()
        assert "STATUS" in sent[-1] and "INBOX" in listing.statuses
    finally:
        await client.logout()
