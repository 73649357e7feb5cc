"""Fixtures of the store tests: a cache in a temporary directory and a header factory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client.store import Address, Flag, FolderInfo, MessageHeaders, Role, Store

BASE_TIME = 1_700_000_000


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "cache.sqlite") as opened:
        yield opened


@pytest.fixture
def inbox(store: Store) -> int:
    return store.folders.upsert(FolderInfo("work", "INBOX", role=Role.INBOX))


def headers(
    uid: int,
    *,
    subject: str = "",
    sender: tuple[str, str] = ("Alice Example", "alice@example.com"),
    seen: bool = False,
    flagged: bool = False,
    date: int | None = None,
    size: int = 1000,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    to: tuple[Address, ...] = (Address("Bob", "bob@example.org"),),
    cc: tuple[Address, ...] = (),
    has_attachment: bool = False,
) -> MessageHeaders:
    flags = (Flag.SEEN if seen else Flag.NONE) | (Flag.FLAGGED if flagged else Flag.NONE)
    return MessageHeaders(
        uid=uid,
        internal_date=BASE_TIME + uid * 60,
        size=size,
        flags=flags,
        date=BASE_TIME + uid * 60 if date is None else date,
        sender=Address(*sender),
        to=to,
        cc=cc,
        subject=subject or f"Message {uid}",
        message_id=message_id or f"<{uid}@example.com>",
        in_reply_to=in_reply_to,
        references=references,
        has_attachment=has_attachment,
    )
