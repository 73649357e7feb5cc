"""The accounts file: TOML a person can read, written atomically, never clobbered.

Format (schema_version 1): a `format` marker and `schema_version` at the top, then one
`[[accounts]]` table per account with `incoming`, `outgoing` and `pop3` sub-tables and
`[[accounts.identities]]`. No secrets: `password_source` says where the password comes from
(keyring, ask, or a command line, which is stored as written).

A file that cannot be read, does not parse, is not ours, or comes from a newer Kittiwake raises
ConfigError and is left exactly as it is: saving over it would destroy the user's accounts.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kittiwake.client.accounts.ids import is_valid_account_id
from kittiwake.client.accounts.model import (
    Account,
    AuthMethod,
    Identity,
    IncomingProtocol,
    PasswordSource,
    PasswordStorage,
    Pop3Options,
    ServerConfig,
)
from kittiwake.client.accounts.toml_writer import TomlTable, TomlValue, dumps
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import ConfigError

FORMAT = "kittiwake-accounts"
SCHEMA_VERSION = 1
HEADER = (
    "Kittiwake accounts. Passwords are not stored here: they live in the system keyring,\n"
    "are asked for every session, or come from password_command.\n"
    "Edit with Kittiwake closed; the file is rewritten whole on every change."
)


# --- Account -> TOML tables ------------------------------------------------------------------


def _server_table(server: ServerConfig) -> dict[str, TomlValue]:
    table: dict[str, TomlValue] = {
        "host": server.host,
        "port": server.port,
        "security": server.security.value,
        "username": server.username,
        "auth": server.auth.value,
    }
    # TOML has no null: an absent key means None.
    if server.ca_file is not None:
        table["ca_file"] = server.ca_file
    if server.pinned_sha256 is not None:
        table["pinned_sha256"] = server.pinned_sha256
    return table


def account_table(account: Account) -> dict[str, TomlValue]:
    table: dict[str, TomlValue] = {
        "id": account.id,
        "name": account.display_name,
        "incoming_protocol": account.incoming_protocol.value,
        "password_source": account.password_source.storage.value,
    }
    if account.password_source.command is not None:
        table["password_command"] = account.password_source.command
    table["incoming"] = _server_table(account.incoming)
    table["outgoing"] = _server_table(account.outgoing)
    pop3: dict[str, TomlValue] = {"leave_on_server": account.pop3.leave_on_server}
    if account.pop3.delete_after_days is not None:
        pop3["delete_after_days"] = account.pop3.delete_after_days
    table["pop3"] = pop3
    table["identities"] = [
        {"name": i.name, "address": i.address, "signature": i.signature} for i in account.identities
    ]
    return table


def dumps_accounts(accounts: Iterable[Account]) -> str:
    document: TomlTable = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "accounts": [account_table(a) for a in accounts],
    }
    return dumps(document, header=HEADER)


# --- TOML tables -> Account, with errors that say where ---------------------------------------


class _Reader:
    """Typed access to one table; every complaint names the file and the place in it."""

    def __init__(self, table: Mapping[str, Any], where: str, path: Path) -> None:
        self.table = table
        self.where = where
        self.path = path

    def fail(self, what: str) -> ConfigError:
        return ConfigError(f"{self.path}: {self.where}: {what}.")

    def get(self, key: str, kind: type, default: Any = ..., *, optional: bool = False) -> Any:
        if key not in self.table:
            if optional:
                return None
            if default is not ...:
                return default
            raise self.fail(f"'{key}' is missing")
        value = self.table[key]
        # bool is an int to Python but not to TOML: refuse `port = true`.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"'{key}' must be a {kind.__name__}, not {type(value).__name__}")
        return value

    def choice(self, key: str, enum_type: Any, default: Any = ...) -> Any:
        raw = self.get(key, str, default.value if default is not ... else ...)
        try:
            return enum_type(raw)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in enum_type)
            raise self.fail(f"'{key}' is {raw!r}, expected one of {allowed}") from None

    def sub(self, key: str) -> _Reader:
        return _Reader(self.get(key, dict), f"{self.where}.{key}", self.path)


def _server(reader: _Reader) -> ServerConfig:
    port = reader.get("port", int)
    if not 0 < port < 65536:
        raise reader.fail(f"port {port} is not between 1 and 65535")
    return ServerConfig(
        host=reader.get("host", str),
        port=port,
        security=reader.choice("security", Security),
        username=reader.get("username", str),
        auth=reader.choice("auth", AuthMethod, AuthMethod.PASSWORD),
        ca_file=reader.get("ca_file", str, optional=True),
        pinned_sha256=reader.get("pinned_sha256", str, optional=True),
    )


def _account(reader: _Reader) -> Account:
    account_id = reader.get("id", str)
    if not is_valid_account_id(account_id):
        raise reader.fail(
            f"id {account_id!r} is not a valid account id "
            "(lower-case letters, digits and dashes, at most 40)"
        )
    storage = reader.choice("password_source", PasswordStorage, PasswordStorage.KEYRING)
    command = reader.get("password_command", str, optional=True)
    if storage is PasswordStorage.COMMAND and not command:
        raise reader.fail("password_source is 'command' but password_command is missing")
    pop3 = reader.sub("pop3") if "pop3" in reader.table else _Reader({}, "pop3", reader.path)
    identities_raw = reader.get("identities", list)
    identities = []
    for n, raw in enumerate(identities_raw):
        if not isinstance(raw, dict):
            raise reader.fail(f"identities[{n}] must be a table")
        ident = _Reader(raw, f"{reader.where}.identities[{n}]", reader.path)
        identities.append(
            Identity(
                name=ident.get("name", str, ""),
                address=ident.get("address", str),
                signature=ident.get("signature", str, ""),
            )
        )
    if not identities:
        raise reader.fail("at least one identity (an address to send from) is needed")
    return Account(
        id=account_id,
        display_name=reader.get("name", str, account_id),
        identities=tuple(identities),
        incoming_protocol=reader.choice("incoming_protocol", IncomingProtocol),
        incoming=_server(reader.sub("incoming")),
        outgoing=_server(reader.sub("outgoing")),
        pop3=Pop3Options(
            leave_on_server=pop3.get("leave_on_server", bool, True),
            delete_after_days=pop3.get("delete_after_days", int, optional=True),
        ),
        password_source=PasswordSource(storage=storage, command=command),
    )


def loads_accounts(text: str, path: Path) -> list[Account]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}).") from None
    top = _Reader(document, "top level", path)
    if document.get("format") != FORMAT or "schema_version" not in document:
        raise ConfigError(
            f"{path} is not a Kittiwake accounts file (no format = {FORMAT!r} and schema_version)."
        )
    version = top.get("schema_version", int)
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"{path} was written by a newer Kittiwake (schema version {version}; this version "
            f"reads up to {SCHEMA_VERSION}).",
            "Upgrade Kittiwake; the file was left untouched.",
        )
    if version < 1:
        raise ConfigError(f"{path} has an unknown schema version {version}.")
    accounts: list[Account] = []
    seen: set[str] = set()
    for n, raw in enumerate(top.get("accounts", list, [])):
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: accounts[{n}] must be a table.")
        account = _account(_Reader(raw, f"accounts[{n}]", path))
        if account.id in seen:
            raise ConfigError(f"{path}: the account id {account.id!r} is used twice.")
        seen.add(account.id)
        accounts.append(account)
    return accounts


# --- the file ---------------------------------------------------------------------------------


def load_accounts(path: Path) -> list[Account]:
    """The accounts in `path`; an absent file means no accounts yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(
            f"Cannot read {path}: {exc.strerror or exc}.",
            "Check the file's permissions; it was left untouched.",
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text.") from None
    return loads_accounts(text, path)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` so that a crash leaves either the old file or the new one, never half."""
    import tempfile  # here: only writers need it, and every `kittiwake` run reads this file

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable. Windows cannot open a directory; NTFS journals renames.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_accounts(path: Path, accounts: Iterable[Account]) -> None:
    """Write all accounts. Refuses (ConfigError) to replace a file that is not a valid one."""
    accounts = list(accounts)
    ids = [a.id for a in accounts]
    if len(set(ids)) != len(ids):
        raise ConfigError("Two accounts have the same id.", "Account ids must be unique.")
    for account in accounts:
        if not is_valid_account_id(account.id):
            raise ConfigError(f"{account.id!r} is not a valid account id.")
    # Raises on a corrupt or foreign file, so it is never silently replaced.
    load_accounts(path)
    write_atomically(path, dumps_accounts(accounts))


class AccountsFile:
    """The accounts file as the CLI and the engine use it: load, then change one account."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[Account]:
        return load_accounts(self.path)

    def get(self, account_id: str) -> Account | None:
        return next((a for a in self.load() if a.id == account_id), None)

    def add(self, account: Account) -> None:
        accounts = self.load()
        if any(a.id == account.id for a in accounts):
            raise ConfigError(
                f"An account with the id {account.id!r} already exists.",
                "Choose another name, or remove the existing account first.",
            )
        save_accounts(self.path, [*accounts, account])

    def replace(self, account: Account) -> None:
        accounts = self.load()
        if not any(a.id == account.id for a in accounts):
            raise ConfigError(f"There is no account {account.id!r}.", "")
        save_accounts(self.path, [account if a.id == account.id else a for a in accounts])

    def remove(self, account_id: str) -> Account:
        accounts = self.load()
        found = next((a for a in accounts if a.id == account_id), None)
        if found is None:
            raise ConfigError(
                f"There is no account {account_id!r}.",
                "`kittiwake accounts list` shows the accounts.",
            )
        save_accounts(self.path, [a for a in accounts if a.id != account_id])
        return found
