"""The facade: open a home, sync, and read everything back from the cache; events stream."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client.engine import Engine
from kittiwake.client.events import (
    Event,
    MessagesAdded,
    OnlineStateChanged,
    SyncFailed,
    SyncFinished,
    SyncProgress,
)
from kittiwake.client.net.errors import ConfigError
from kittiwake.client.store.model import Role
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.sync.cli_helpers import ACCOUNT, add_account
from tests.client.sync.helpers import fill, message
from tests.servers.fixtures import MailServer


@pytest.fixture
def keyring_in_memory() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


async def test_sync_then_read_from_the_cache(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 3)
    mail_server.save(user, message(9, subject="Budget for Zürich"))
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path) as engine:
        assert [a.id for a in engine.accounts()] == [ACCOUNT]
        assert engine.online(ACCOUNT) is None
        seen: list[Event] = []
        engine.add_listener(seen.append)
        stream: list[Event] = []

        async def consume() -> None:
            async for event in engine.events():
                stream.append(event)
                if isinstance(event, SyncFinished):
                    return

        consumer = asyncio.create_task(consume())
        await asyncio.sleep(0)  # let the consumer subscribe before the sync starts
        (result,) = await engine.sync(ACCOUNT)
        await asyncio.wait_for(consumer, 5)
        assert result.ok
        assert stream == seen  # the async stream and the callback see the same events
        assert any(isinstance(e, MessagesAdded) for e in seen)
        assert any(isinstance(e, SyncProgress) for e in seen)
        assert engine.online(ACCOUNT) is True

        inbox = engine.folder(ACCOUNT, "inbox")
        assert inbox.role is Role.INBOX and inbox.total_count == 4
        assert {f.role for f in engine.folders(ACCOUNT)} >= {Role.INBOX, Role.SENT}
        page = engine.messages(inbox.id, limit=2)
        assert len(page.rows) == 2 and page.next is not None
        rest = engine.messages(inbox.id, limit=10, after=page.next)
        assert len(rest.rows) == 2
        newest = engine.message_by_uid(inbox.id, 4)
        assert newest is not None and newest.subject == "Budget for Zürich"
        assert engine.raw_message(newest.id) == mail_server.fetch_raw(user, 4)
        parsed = engine.parsed_message(newest.id)
        assert parsed is not None and parsed.headers.subject == "Budget for Zürich"
        hits = engine.search("zurich")  # accents folded
        assert [h.uid for h in hits] == [4]


async def test_unreachable_server_is_offline_with_a_hint(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = mail_server.new_user()
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path) as engine:
        account = engine.account(ACCOUNT)
        closed = mail_server.endpoint("imaps", port=1)  # nothing listens on port 1
        monkeypatch.setattr(type(account.incoming), "endpoint", lambda self, **kw: closed)
        events: list[Event] = []
        engine.add_listener(events.append)
        (result,) = await engine.sync()
        assert result.error is not None and result.error.hint
        assert any(isinstance(e, SyncFailed) for e in events)
        assert engine.online(ACCOUNT) is False
        assert any(isinstance(e, OnlineStateChanged) and not e.online for e in events)


def test_unknown_account(tmp_path: Path) -> None:
    with Engine.open(tmp_path) as engine, pytest.raises(ConfigError):
        engine.account("nobody")


async def test_pop3_account_downloads_into_the_inbox(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from kittiwake.client import cli

    user = mail_server.new_user()
    fill(mail_server, user, 3)
    monkeypatch.setattr("sys.stdin", io.StringIO(user.password + "\n"))
    assert cli.main(
        [
            "--home", str(tmp_path), "accounts", "add", "pop", "--address", user.address,
            "--incoming", "pop3", "--incoming-host", mail_server.host,
            "--incoming-port", str(mail_server.ports["pop3s"]), "--incoming-security", "tls",
            "--smtp-host", mail_server.host, "--smtp-port", "465", "--smtp-security", "tls",
            "--username", user.name, "--ca-file", mail_server.ca_file, "--password-stdin",
        ]
    ) == 0  # fmt: skip
    with Engine.open(tmp_path) as engine:
        events: list[Event] = []
        engine.add_listener(events.append)
        (result,) = await engine.sync("pop")
        assert result.ok and result.totals.added == 3
        assert any(isinstance(e, SyncFinished) for e in events)
        inbox = engine.folder("pop", "INBOX")
        assert inbox.total_count == 3
        (again,) = await engine.sync("pop")
        assert again.ok and again.totals.added == 0  # UIDL dedupe
