"""A large synthetic folder written through the cache's own API (no server): for the list
model's laziness tests and the GUI benchmark."""

from __future__ import annotations

from collections.abc import Iterator

from kittiwake.client.engine import Engine
from kittiwake.client.store.model import Address, Flag, FolderInfo, MessageHeaders, Role

EPOCH = 1_700_000_000


def headers(count: int, start: int = 1) -> Iterator[MessageHeaders]:
    for uid in range(start, start + count):
        yield MessageHeaders(
            uid=uid,
            internal_date=EPOCH + uid * 60,
            size=500 + (uid * 7919) % 50_000,
            flags=Flag.SEEN if uid % 3 else Flag.NONE,
            sender=Address(f"Sender {uid % 997}", f"s{uid % 997}@example.test"),
            subject=f"Synthetic message {uid:06d}",
            message_id=f"<syn-{uid}@example.test>",
            has_attachment=uid % 10 == 0,
        )


def fill_folder(engine: Engine, account: str, count: int, name: str = "INBOX") -> int:
    role = Role.INBOX if name == "INBOX" else None
    folder_id = engine.store.folders.upsert(FolderInfo(account, name, role=role))
    engine.store.messages.upsert_headers(folder_id, headers(count))
    return folder_id
