"""Saving the new account: unique ids, the keyring first, nothing left behind on failure."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import keyring.errors
import pytest

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.model import IncomingProtocol, PasswordStorage, ServerConfig
from kittiwake.client.accounts.secrets import KeyringStore, ServerRole, SessionSecrets
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import ConfigError, SecretStoreUnavailable
from kittiwake.ui.windows.wizard.saving import AccountDraft, new_account_id, save_account
from tests.client.accounts.fakes import BrokenKeyring, MemoryKeyring, keyring_backend

DRAFT = AccountDraft(
    name="Jane Doe",
    address="jane@example.org",
    password="s3cret-pw",
    incoming_protocol=IncomingProtocol.IMAP,
    incoming=ServerConfig("imap.example.org", 993, Security.TLS, "jane"),
    outgoing=ServerConfig("smtp.example.org", 465, Security.TLS, "jane"),
)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


def test_ids_are_slugs_made_unique() -> None:
    assert new_account_id("Jane@Example.org", set()) == "jane-example-org"
    taken = {"jane-example-org", "jane-example-org-2"}
    assert new_account_id("jane@example.org", taken) == "jane-example-org-3"
    assert len(new_account_id("x" * 60 + "@example.org", {"x" * 40})) <= 40


def test_the_password_is_not_in_the_drafts_repr() -> None:
    assert "s3cret-pw" not in repr(DRAFT)


def test_saved_twice_gives_two_accounts(tmp_path: Path, memory: MemoryKeyring) -> None:
    accounts = AccountsFile(tmp_path / "accounts.toml")
    first = asyncio.run(save_account(DRAFT, accounts, KeyringStore(), SessionSecrets()))
    second = asyncio.run(save_account(DRAFT, accounts, KeyringStore(), SessionSecrets()))
    assert (first.id, second.id) == ("jane-example-org", "jane-example-org-2")
    assert memory.entries[("kittiwake", "jane-example-org-2/outgoing")] == "s3cret-pw"
    assert first.password_source.storage is PasswordStorage.KEYRING


def test_the_users_name_labels_the_account_and_signs_its_mail(
    tmp_path: Path, memory: MemoryKeyring
) -> None:
    accounts = AccountsFile(tmp_path / "accounts.toml")
    first = asyncio.run(save_account(DRAFT, accounts, KeyringStore(), SessionSecrets()))
    # Settings lists "Jane Doe" above "jane@example.org", not the address twice.
    assert (first.display_name, first.address) == ("Jane Doe", "jane@example.org")
    assert first.identities[0].name == "Jane Doe"  # the From name
    assert accounts.get(first.id).display_name == "Jane Doe"  # type: ignore[union-attr]
    # A second account of the same person: its address tells the two apart.
    work = replace(DRAFT, name="jane doe", address="jane@work.example")
    second = asyncio.run(save_account(work, accounts, KeyringStore(), SessionSecrets()))
    assert second.display_name == "jane@work.example" and second.identities[0].name == "jane doe"
    # No name given: the address.
    nameless = replace(DRAFT, name="  ", address="j@example.net")
    third = asyncio.run(save_account(nameless, accounts, KeyringStore(), SessionSecrets()))
    assert third.display_name == "j@example.net"


def test_no_keyring_saves_nothing(tmp_path: Path) -> None:
    accounts = AccountsFile(tmp_path / "accounts.toml")
    broken = BrokenKeyring(keyring.errors.KeyringLocked("locked"))
    with keyring_backend(broken), pytest.raises(SecretStoreUnavailable):
        asyncio.run(save_account(DRAFT, accounts, KeyringStore(), SessionSecrets()))
    assert accounts.load() == []


def test_an_unwritable_accounts_file_leaves_no_password_behind(
    tmp_path: Path, memory: MemoryKeyring
) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text("this is not = [ toml")
    with pytest.raises(ConfigError):
        asyncio.run(save_account(DRAFT, AccountsFile(path), KeyringStore(), SessionSecrets()))
    assert memory.entries == {}
    assert path.read_text() == "this is not = [ toml"  # never replaced


def test_ask_every_session_keeps_the_password_in_memory_only(
    tmp_path: Path, memory: MemoryKeyring
) -> None:
    session = SessionSecrets()
    account = asyncio.run(
        save_account(
            DRAFT,
            AccountsFile(tmp_path / "accounts.toml"),
            KeyringStore(),
            session,
            ask_every_session=True,
        )
    )
    assert account.password_source.storage is PasswordStorage.ASK
    assert memory.entries == {}
    assert session.get(account.id, ServerRole.INCOMING) == "s3cret-pw"
