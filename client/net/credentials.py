"""A secret on its way to a server. Its repr never shows the secret (logs, tracebacks)."""

from __future__ import annotations

import enum
from dataclasses import field

from kittiwake.client.records import record


class SecretKind(enum.StrEnum):
    PASSWORD = "password"
    OAUTH2_TOKEN = "oauth2"


@record
class Credentials:
    username: str
    secret: str = field(repr=False)
    kind: SecretKind = SecretKind.PASSWORD

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, kind={self.kind.value}, secret=<hidden>)"
