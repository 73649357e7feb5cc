"""Test doubles shared by the accounts, CLI and no-secrets tests.

MemoryKeyring stands in for the system keyring (installed with keyring.set_keyring, never the
user's real one); logging_sandbox undoes the global logging state the code under test changes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import keyring
import keyring.backend
import keyring.errors

from kittiwake.client import logs


class MemoryKeyring(keyring.backend.KeyringBackend):  # type: ignore[misc]
    priority = 10

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


class LowPriorityKeyring(MemoryKeyring):
    """Like keyrings.alt's plain-text file: works, but keyring says "not recommended"."""

    priority = 0.5


class BrokenKeyring(MemoryKeyring):
    """A backend whose service is down; its errors carry text we must not repeat."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


@contextlib.contextmanager
def keyring_backend(backend: Any) -> Iterator[Any]:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@contextlib.contextmanager
def logging_sandbox() -> Iterator[None]:
    """Registered secrets, the redacting record factory and our file handler are global:
    put them back so other tests see plain logging."""
    root = logging.getLogger()
    level = root.level
    try:
        yield
    finally:
        logs.close_logging()
        logs.uninstall_redaction()
        logs.forget_secrets()
        root.setLevel(level)
        for name in (logs.PROTOCOL_LOGGER, "aioimaplib", "aiosmtplib"):
            logging.getLogger(name).setLevel(logging.NOTSET)
