"""IMAP sequence sets ("1:3,7,9:*"): parse server output, format client input."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kittiwake.client.net.errors import ProtocolError

_VALID = re.compile(r"(?:\d+|\*)(?::(?:\d+|\*))?(?:,(?:\d+|\*)(?::(?:\d+|\*))?)*")


def is_valid(text: str) -> bool:
    return _VALID.fullmatch(text) is not None


def format_uids(uids: Iterable[int]) -> str:
    """Compact form of a set of numbers: [1, 2, 3, 7] -> "1:3,7"."""
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("an IMAP sequence set cannot be empty")
    if ordered[0] < 1:
        raise ValueError("IMAP numbers start at 1")
    parts: list[str] = []
    start = prev = ordered[0]
    for value in ordered[1:]:
        if value == prev + 1:
            prev = value
            continue
        parts.append(f"{start}:{prev}" if prev != start else str(start))
        start = prev = value
    parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)


def ranges(text: str) -> list[tuple[int, int]]:
    """Server-sent sets (no "*"): "1:3,7" -> [(1, 3), (7, 7)], each ordered low to high."""
    out: list[tuple[int, int]] = []
    if not text:
        return out
    for part in text.split(","):
        low, _, high = part.partition(":")
        try:
            a = int(low)
            b = int(high) if high else a
        except ValueError:
            raise ProtocolError(f"The server sent a malformed number set: {text[:80]!r}") from None
        out.append((a, b) if a <= b else (b, a))
    return out


def expand(text: str) -> Iterator[int]:
    for low, high in ranges(text):
        yield from range(low, high + 1)
