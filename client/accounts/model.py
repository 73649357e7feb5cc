"""The account model: who the user is, and which servers carry their mail.

Plain frozen dataclasses: the config file (config.py) turns them into TOML and back, the secret
store (secrets.py) holds the passwords they refer to. Nothing here holds a secret.
"""

from __future__ import annotations

import enum
from dataclasses import field

from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.records import record


class IncomingProtocol(enum.StrEnum):
    IMAP = "imap"
    POP3 = "pop3"


class AuthMethod(enum.StrEnum):
    PASSWORD = "password"  # the best the server offers of AUTH PLAIN / LOGIN
    OAUTH2 = "oauth2"  # XOAUTH2 with a token from the secret store


@record
class ServerConfig:
    host: str
    port: int
    security: Security
    username: str
    auth: AuthMethod = AuthMethod.PASSWORD
    # An extra CA trusted for this server only (self-hosted servers, the test suite).
    ca_file: str | None = None
    # SHA-256 fingerprint of a certificate the user accepted for this account (pinning).
    pinned_sha256: str | None = None

    def endpoint(self, *, connect_timeout: float = 15.0, command_timeout: float = 60.0) -> Endpoint:
        return Endpoint(
            host=self.host,
            port=self.port,
            security=self.security,
            ca_file=self.ca_file,
            pinned_sha256=self.pinned_sha256,
            connect_timeout=connect_timeout,
            command_timeout=command_timeout,
        )


@record
class Identity:
    name: str
    address: str
    signature: str = ""


@record
class Pop3Options:
    leave_on_server: bool = True
    # Delete from the server this many days after download; None keeps them forever.
    delete_after_days: int | None = None


class PasswordStorage(enum.StrEnum):
    KEYRING = "keyring"  # the system keyring (secrets.py), the default
    ASK = "ask"  # asked once per session, kept in memory only
    COMMAND = "command"  # the first line printed by a command, like mbsync's PassCmd


@record
class PasswordSource:
    """Where an account's password comes from. `command` is a command line, not a secret."""

    storage: PasswordStorage = PasswordStorage.KEYRING
    command: str | None = None


@record
class Account:
    # Stable key (config section, keyring entry, cache rows); chosen once, never renamed.
    id: str
    display_name: str
    identities: tuple[Identity, ...]
    incoming_protocol: IncomingProtocol
    incoming: ServerConfig
    outgoing: ServerConfig
    pop3: Pop3Options = field(default_factory=Pop3Options)
    password_source: PasswordSource = field(default_factory=PasswordSource)

    @property
    def address(self) -> str:
        return self.identities[0].address if self.identities else ""
