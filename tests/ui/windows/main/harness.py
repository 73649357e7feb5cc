"""A synced cache for the main-window tests: a fresh Dovecot user with a few messages, an
account added through the CLI (password in an in-memory keyring), one sync through the Engine.

Tests await the window's own tasks and signals on the qasync loop; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QWidget

from kittiwake.client.engine import Engine
from kittiwake.client.store.model import Folder
from tests.client.sync.cli_helpers import ACCOUNT, add_account
from tests.client.sync.helpers import message
from tests.servers.fixtures import MailServer, MailUser
from tests.ui.signals import next_emission

T = TypeVar("T")
WAIT = 30.0

SUBJECTS = ["Lunch on Friday", "Budget review", "Holiday photos", "Server outage", "Minutes"]


@dataclass
class Synced:
    engine: Engine
    user: MailUser
    server: MailServer
    loop: asyncio.AbstractEventLoop
    windows: list[QWidget] = field(default_factory=list)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, WAIT * 2))

    def expect(self, signal: SignalInstance) -> asyncio.Future[tuple[Any, ...]]:
        """Connect now (before acting), await later: the signal's arguments."""
        return next_emission(signal, self.loop)

    def wait(self, awaitable: Any) -> Any:
        async def waiting() -> Any:
            return await asyncio.wait_for(awaitable, WAIT)

        return self.run(waiting())

    def folder(self, name: str) -> Folder:
        return self.engine.folder(ACCOUNT, name)


def make_synced(
    tmp_path: Path,
    server: MailServer,
    monkeypatch: pytest.MonkeyPatch,
    loop: asyncio.AbstractEventLoop,
    *,
    read: tuple[int, ...] = (1, 2),
) -> Synced:
    """Five messages, UIDs 1..5, dated 1..5 Jan 2024 (UID 5 newest); `read` are \\Seen."""
    user = server.new_user("main")
    for i, subject in enumerate(SUBJECTS):
        server.save(user, message(i, subject=subject, size=200 * (i + 1)))
    if read:
        server.flags(user, "add", "\\Seen", "INBOX", "uid " + ",".join(map(str, read)))
    add_account(tmp_path, server, user, monkeypatch)
    engine = Engine.open(tmp_path)
    synced = Synced(engine, user, server, loop)
    (result,) = synced.run(engine.sync())
    assert result.ok, result.error
    return synced


def server_flags(server: MailServer, user: MailUser, mailbox: str = "INBOX") -> dict[int, str]:
    out = server.doveadm(
        "-f", "tab", "fetch", "-u", user.name, "uid flags", "mailbox", mailbox, "ALL"
    )
    flags: dict[int, str] = {}
    for line in out.splitlines()[1:]:
        if line.strip():
            uid, _, names = line.partition("\t")
            flags[int(uid)] = names
    return flags
