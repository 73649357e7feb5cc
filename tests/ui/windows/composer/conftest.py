"""An Engine on a temp home with one account (two identities), an in-memory keyring, and a
helper to run a scenario on the qasync loop the composer's tasks use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import SignalInstance

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.model import Account, Identity, IncomingProtocol, ServerConfig
from kittiwake.client.accounts.secrets import KeyringStore, ServerRole
from kittiwake.client.engine import Engine
from kittiwake.client.net.endpoint import Security
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend, logging_sandbox
from tests.servers.fixtures import MailServer, MailUser

T = TypeVar("T")
WAIT = 30.0


@pytest.fixture(autouse=True)
def _clean_logging() -> Iterator[None]:
    with logging_sandbox():
        yield


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


def make_account(
    address: str,
    username: str,
    *,
    imap: tuple[str, int, str | None] = ("127.0.0.1", 9, None),
    smtp: tuple[str, int, str | None] = ("127.0.0.1", 9, None),
) -> Account:
    return Account(
        id="work",
        display_name="Work",
        identities=(
            Identity("Alice Liddell", address, "Alice\nWonderland Ltd."),
            Identity("Alice (private)", "alice.private@example.test", "-- \nA."),
        ),
        incoming_protocol=IncomingProtocol.IMAP,
        incoming=ServerConfig(imap[0], imap[1], Security.TLS, username, ca_file=imap[2]),
        outgoing=ServerConfig(smtp[0], smtp[1], Security.STARTTLS, username, ca_file=smtp[2]),
    )


def open_engine(home: Path, account: Account, password: str = "unused") -> Engine:
    engine = Engine.open(home, secrets=KeyringStore())
    AccountsFile(engine.paths.accounts_file).add(account)
    for role in ServerRole:
        KeyringStore().set(account.id, role, password)
    return engine


@pytest.fixture
def offline_engine(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[Engine]:
    """An account whose servers are never reached (drafts, fields, attachments)."""
    engine = open_engine(tmp_path / "home", make_account("alice@example.test", "alice"))
    yield engine
    engine.close()


EngineFactory = Callable[[MailUser], Engine]


@pytest.fixture
def server_engine(
    tmp_path: Path, mail_server: MailServer, memory_keyring: MemoryKeyring
) -> Iterator[EngineFactory]:
    """An engine whose account is `user` on the real Dovecot."""
    opened: list[Engine] = []

    def make(user: MailUser) -> Engine:
        imap, sub = mail_server.endpoint("imaps"), mail_server.endpoint("submission")
        account = make_account(
            user.address,
            user.name,
            imap=(imap.host, imap.port, imap.ca_file),
            smtp=(sub.host, sub.port, sub.ca_file),
        )
        engine = open_engine(tmp_path / f"home-{len(opened)}", account, user.password)
        opened.append(engine)
        return engine

    yield make
    for engine in opened:
        engine.close()


def run(loop: asyncio.AbstractEventLoop, scenario: Coroutine[Any, Any, T]) -> T:
    return loop.run_until_complete(asyncio.wait_for(scenario, WAIT * 2))


def expect(loop: asyncio.AbstractEventLoop, signal: SignalInstance) -> asyncio.Future[Any]:
    """Connect now (before acting), await later: the signal's first argument (or None)."""
    future: asyncio.Future[Any] = loop.create_future()

    def handler(*args: Any) -> None:
        if not future.done():
            future.set_result(args[0] if args else None)

    signal.connect(handler)
    return future
