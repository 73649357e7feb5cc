"""Errors of the cache and of search, in the engine's one hierarchy (client/net/errors.py)."""

from __future__ import annotations

from kittiwake.client.net.errors import KittiwakeError


class CacheTooNew(KittiwakeError, RuntimeError):
    default_hint = (
        "Update Kittiwake, or move the cache file away to let this version rebuild it from "
        "the server."
    )


class SearchSyntaxError(KittiwakeError, ValueError):
    """A search the parser cannot read; `position` is the offset in the query it points at."""

    default_hint = (
        'Examples: from:alice subject:"quarterly report" is:unread after:2024-01-01 '
        "(cats OR dogs) -spam"
    )

    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(message)
        self.position = position
