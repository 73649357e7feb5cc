"""POP3 download against the real Dovecot: dedupe by UIDL across sessions and renumbering,
leave on server, delete after N days, and a crash between the local commit and QUIT."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import pytest

from kittiwake.client.accounts.model import Pop3Options
from kittiwake.client.store.model import Role
from kittiwake.client.store.store import Store
from kittiwake.client.sync import pop3_download
from kittiwake.client.sync.pop3_download import Pop3Report, download
from tests.servers.fixtures import MailServer, MailUser

pytestmark = pytest.mark.servers
ACCOUNT = "pop"
T0 = 1_900_000_000


class Crash(BaseException):
    pass


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(":memory:") as opened:
        yield opened


def deliver(server: MailServer, user: MailUser, subject: str) -> bytes:
    raw = (
        f"From: <sender@example.test>\r\nTo: <{user.address}>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{secrets.token_hex(8)}@example.test>\r\n"
        "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nbody of " + subject + "\r\n"
    ).encode()
    server.save(user, raw)
    return raw


async def fetch(
    server: MailServer,
    user: MailUser,
    store: Store,
    options: Pop3Options | None = None,
    **kw: object,
) -> Pop3Report:
    return await download(
        store,
        ACCOUNT,
        server.endpoint("pop3s"),
        user.credentials(),
        options,
        **kw,  # type: ignore[arg-type]
    )


def local_subjects(store: Store) -> list[str]:
    inbox = store.folders.by_role(ACCOUNT, Role.INBOX)
    assert inbox is not None
    return sorted(m.subject for m in store.messages.page(inbox.id).rows)


async def test_each_message_is_downloaded_once_across_sessions_and_left_on_the_server(
    mail_server: MailServer, store: Store
) -> None:
    user = mail_server.new_user("pop")
    raws = [deliver(mail_server, user, f"m{n}") for n in range(3)]

    first = await fetch(mail_server, user, store, clock=lambda: T0)
    second = await fetch(mail_server, user, store, clock=lambda: T0 + 60)

    assert first.downloaded == [1, 2, 3] and first.deleted == 0
    assert second.downloaded == [] and second.already_known == 3
    assert local_subjects(store) == ["m0", "m1", "m2"]
    inbox = store.folders.by_role(ACCOUNT, Role.INBOX)
    assert inbox is not None
    for uid, raw in zip((1, 2, 3), raws, strict=True):
        message_id = store.messages.find_uid(inbox.id, uid)
        assert message_id is not None and store.bodies.get(message_id) == raw
    assert len(mail_server.mailbox_uids(user)) == 3  # leave on server is the default


async def test_renumbering_on_the_server_does_not_fetch_old_messages_again(
    mail_server: MailServer, store: Store
) -> None:
    user = mail_server.new_user("pop")
    for n in range(3):
        deliver(mail_server, user, f"m{n}")
    await fetch(mail_server, user, store)
    first_uid = mail_server.mailbox_uids(user)[0]
    await asyncio.to_thread(mail_server.expunge, user, "INBOX", f"uid {first_uid}")
    deliver(mail_server, user, "new")  # messages 2 and 3 are now numbers 1 and 2

    report = await fetch(mail_server, user, store)

    assert report.downloaded == [4] and report.already_known == 2
    assert local_subjects(store) == ["m0", "m1", "m2", "new"]


async def test_without_leave_on_server_messages_are_deleted_after_download(
    mail_server: MailServer, store: Store
) -> None:
    user = mail_server.new_user("pop")
    deliver(mail_server, user, "a")
    deliver(mail_server, user, "b")

    report = await fetch(mail_server, user, store, Pop3Options(leave_on_server=False))

    assert report.deleted == 2
    assert mail_server.mailbox_uids(user) == []
    assert local_subjects(store) == ["a", "b"]


async def test_delete_after_n_days_counts_from_the_download(
    mail_server: MailServer, store: Store
) -> None:
    user = mail_server.new_user("pop")
    deliver(mail_server, user, "old")
    options = Pop3Options(leave_on_server=True, delete_after_days=2)
    await fetch(mail_server, user, store, options, clock=lambda: T0)
    deliver(mail_server, user, "young")
    day = pop3_download.DAY

    kept = await fetch(mail_server, user, store, options, clock=lambda: T0 + day)
    assert kept.deleted == 0 and kept.downloaded == [2]
    assert len(mail_server.mailbox_uids(user)) == 2

    later = await fetch(mail_server, user, store, options, clock=lambda: T0 + 2 * day + 1)
    assert later.deleted == 1  # "old" is 2 days past its download, "young" only 1
    assert len(mail_server.mailbox_uids(user)) == 1
    assert local_subjects(store) == ["old", "young"]


async def test_a_crash_between_the_local_commit_and_quit_loses_and_duplicates_nothing(
    mail_server: MailServer, store: Store
) -> None:
    user = mail_server.new_user("pop")
    deliver(mail_server, user, "a")
    deliver(mail_server, user, "b")
    options = Pop3Options(leave_on_server=False)

    def crash(name: str) -> None:
        if name == pop3_download.Checkpoint.AFTER_STORE:
            raise Crash(name)

    with pytest.raises(Crash):
        await fetch(mail_server, user, store, options, checkpoint=crash)
    assert local_subjects(store) == ["a"]
    assert len(mail_server.mailbox_uids(user)) == 2  # no QUIT: nothing was deleted

    report = await fetch(mail_server, user, store, options)

    assert report.downloaded == [2] and report.already_known == 1 and report.deleted == 2
    assert local_subjects(store) == ["a", "b"]
    assert mail_server.mailbox_uids(user) == []


async def test_a_crash_after_dele_before_quit_deletes_nothing_on_the_server(
    mail_server: MailServer, store: Store
) -> None:
    user = mail_server.new_user("pop")
    deliver(mail_server, user, "a")
    options = Pop3Options(leave_on_server=False)

    def crash(name: str) -> None:
        if name == pop3_download.Checkpoint.BEFORE_QUIT:
            raise Crash(name)

    with pytest.raises(Crash):
        await fetch(mail_server, user, store, options, checkpoint=crash)
    assert len(mail_server.mailbox_uids(user)) == 1  # DELE without QUIT is rolled back

    report = await fetch(mail_server, user, store, options)
    assert report.downloaded == [] and report.deleted == 1
    assert mail_server.mailbox_uids(user) == [] and local_subjects(store) == ["a"]
