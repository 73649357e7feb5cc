"""Drafts: kept locally (readable and editable offline) and on the server's Drafts folder, where
each save replaces the previous version.

    message_id = drafts.save(store, account, raw)   # local + queued upload, one transaction
    drafts.get(store, account, message_id)          # the latest version, offline
    drafts.discard(store, account, message_id)      # sent or thrown away

A draft is known by its Message-ID, which stays the same across versions (the composer makes it
once). Uploading, replayed by the operation queue: APPEND the latest version to Drafts (\\Draft
\\Seen), then delete every OTHER copy with that Message-ID (UID STORE \\Deleted + UID EXPUNGE of
exactly those UIDs). Deleting "every other copy" rather than "the previous UID" makes a crash at
any point harmless: a replay appends once more and sweeps the orphan of the interrupted attempt.
Several saves while offline upload only the latest version once.

The local table (`local_drafts`) is part of the cache's schema (client/store/migrations/0002).
"""

from __future__ import annotations

import time
from typing import Any

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.records import record
from kittiwake.client.store.model import Role
from kittiwake.client.store.store import Store
from kittiwake.client.sync import operations
from kittiwake.client.sync.outbox import with_message_id

DRAFT_FLAGS = ("\\Draft", "\\Seen")


@record
class LocalDraft:
    account: str
    message_id: str
    raw: bytes
    version: int
    uploaded_version: int
    server_uid: int | None
    updated: int

    @property
    def uploaded(self) -> bool:
        return self.uploaded_version == self.version

    def __repr__(self) -> str:  # the text is private
        return f"LocalDraft(message_id={self.message_id!r}, version={self.version})"


def save(store: Store, account: str, raw: bytes, *, address: str = "") -> str:
    """Keep this version locally and queue its upload (one durable transaction)."""
    raw, message_id = with_message_id(raw, address)
    with store.transaction(durable=True) as conn:
        store.folders.add_account(account)
        conn.execute(
            "INSERT INTO local_drafts (account, message_id, raw, version, updated) "
            "VALUES (?, ?, ?, 1, ?) ON CONFLICT (account, message_id) DO UPDATE SET "
            "raw = excluded.raw, version = version + 1, updated = excluded.updated",
            (account, message_id, raw, int(time.time())),
        )
        store.ops.add(account, operations.Kind.DRAFT, {"message_id": message_id})
    return message_id


def get(store: Store, account: str, message_id: str) -> LocalDraft | None:
    row = store.db.conn.execute(
        "SELECT account, message_id, raw, version, uploaded_version, server_uid, updated "
        "FROM local_drafts WHERE account = ? AND message_id = ?",
        (account, message_id),
    ).fetchone()
    if row is None:
        return None
    return LocalDraft(row[0], row[1], bytes(row[2]), row[3], row[4], row[5], row[6])


def exists(store: Store, account: str, message_id: str) -> bool:
    """Whether the draft is kept, without reading its bytes (`get` copies them: megabytes)."""
    row = store.db.conn.execute(
        "SELECT 1 FROM local_drafts WHERE account = ? AND message_id = ?", (account, message_id)
    ).fetchone()
    return row is not None


def list_drafts(store: Store, account: str) -> list[LocalDraft]:
    ids = store.db.conn.execute(
        "SELECT message_id FROM local_drafts WHERE account = ? ORDER BY updated DESC", (account,)
    ).fetchall()
    return [d for (mid,) in ids if (d := get(store, account, mid)) is not None]


def discard(store: Store, account: str, message_id: str) -> None:
    """The draft was sent or thrown away: gone locally now, from the server on replay."""
    with store.transaction(durable=True) as conn:
        conn.execute(
            "DELETE FROM local_drafts WHERE account = ? AND message_id = ?", (account, message_id)
        )
        store.ops.add(account, operations.Kind.DRAFT_DELETE, {"message_id": message_id})


async def replay(
    store: Store, imap: ImapClient, account: str, kind: str, payload: dict[str, Any]
) -> None:
    """The server half of a draft operation (called by operations.Replayer)."""
    message_id = str(payload["message_id"])
    folder = await operations.special_folder(store, imap, account, Role.DRAFTS)
    if folder is None:
        raise operations.OperationError("The account has no Drafts folder on the server.")
    if kind == operations.Kind.DRAFT_DELETE:
        await _remove_copies(imap, folder, message_id, keep=None)
        return
    draft = get(store, account, message_id)
    if draft is None or draft.uploaded:
        return  # discarded since, or a later save's operation already uploaded this version
    landed = await imap.append(folder, draft.raw, flags=DRAFT_FLAGS)
    keep = None if landed is None else landed.uid
    if keep is None:  # no UIDPLUS: the newest copy with this Message-ID is ours
        found = await operations.find_message_id(imap, folder, message_id)
        keep = max(found) if found else None
    await _remove_copies(imap, folder, message_id, keep=keep)
    with store.transaction(durable=True) as conn:
        conn.execute(
            "UPDATE local_drafts SET uploaded_version = ?, server_uid = ? "
            "WHERE account = ? AND message_id = ? AND version = ?",
            (draft.version, keep, account, message_id, draft.version),
        )


async def _remove_copies(imap: ImapClient, folder: str, message_id: str, keep: int | None) -> None:
    found = await operations.find_message_id(imap, folder, message_id)
    stale = [uid for uid in found if uid != keep]
    if not stale:
        return
    await imap.uid_store(stale, "+FLAGS", ["\\Deleted"], silent=True)
    if imap.capabilities.uidplus:
        await imap.uid_expunge(stale)
