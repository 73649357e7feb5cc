"""What the wizard saves on Finish: the account in the accounts file, the password in the keyring.

No Qt here. The keyring and the file are blocking (D-Bus, fsync), so `save_account` runs them in
a worker thread and the GUI stays responsive while a keyring asks to be unlocked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.ids import slugify
from kittiwake.client.accounts.model import (
    Account,
    Identity,
    IncomingProtocol,
    PasswordSource,
    PasswordStorage,
    ServerConfig,
)
from kittiwake.client.accounts.secrets import ServerRole, SessionSecrets
from kittiwake.client.logs import register_secret


class SecretStore(Protocol):
    """What the wizard needs of secrets.KeyringStore."""

    def check(self) -> None: ...

    def set(self, account_id: str, role: ServerRole, secret: str) -> None: ...

    def delete_account(self, account_id: str) -> int: ...


@dataclass(frozen=True)
class AccountDraft:
    """Everything the user entered, checked and ready to save."""

    name: str  # the user's name, as recipients see it
    address: str
    password: str = field(repr=False)
    incoming_protocol: IncomingProtocol
    incoming: ServerConfig
    outgoing: ServerConfig


def new_account_id(address: str, taken: set[str]) -> str:
    """A slug of the address, made unique: 'jane@example.org' -> 'jane-example-org'(-2, -3...)."""
    base = slugify(address) or "account"
    candidate, number = base, 2
    while candidate in taken:
        suffix = f"-{number}"
        candidate = base[: 40 - len(suffix)].rstrip("-") + suffix
        number += 1
    return candidate


def account_label(draft: AccountDraft, taken: set[str]) -> str:
    """The account's display name: the user's name from page 1 (what Settings and the folder
    pane show above the address), or the address when no name was given or another account
    already goes by it (two accounts both called "Jane Doe" could not be told apart)."""
    name = draft.name.strip()
    return name if name and name.casefold() not in {t.casefold() for t in taken} else draft.address


def build_account(
    draft: AccountDraft, account_id: str, storage: PasswordStorage, label: str
) -> Account:
    return Account(
        id=account_id,
        display_name=label,
        identities=(Identity(name=draft.name, address=draft.address),),
        incoming_protocol=draft.incoming_protocol,
        incoming=draft.incoming,
        outgoing=draft.outgoing,
        password_source=PasswordSource(storage),
    )


async def save_account(
    draft: AccountDraft,
    accounts: AccountsFile,
    keyring: SecretStore,
    session: SessionSecrets,
    *,
    ask_every_session: bool = False,
) -> Account:
    """Save the account; raises SecretStoreUnavailable (nothing saved) when no keyring works.

    With `ask_every_session` the password goes to the in-memory session store only, and the
    account says so: the next session asks for it.
    """
    register_secret(draft.password, username=draft.incoming.username)
    storage = PasswordStorage.ASK if ask_every_session else PasswordStorage.KEYRING
    return await asyncio.to_thread(_save, draft, accounts, keyring, session, storage)


def _save(
    draft: AccountDraft,
    accounts: AccountsFile,
    keyring: SecretStore,
    session: SessionSecrets,
    storage: PasswordStorage,
) -> Account:
    existing = accounts.load()
    account = build_account(
        draft,
        new_account_id(draft.address, {a.id for a in existing}),
        storage,
        account_label(draft, {a.display_name for a in existing}),
    )
    if storage is PasswordStorage.KEYRING:
        keyring.check()  # fail before anything is written
        for role in ServerRole:
            keyring.set(account.id, role, draft.password)
    try:
        accounts.add(account)
    except BaseException:
        # No password may stay behind for an account that does not exist.
        if storage is PasswordStorage.KEYRING:
            keyring.delete_account(account.id)
        raise
    for role in ServerRole:
        session.set(account.id, role, draft.password)
    return account
