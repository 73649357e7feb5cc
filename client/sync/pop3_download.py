"""POP3 download into the account's local Inbox.

- Deduplicated by UIDL: message numbers change between sessions (a deletion renumbers every
  later message), UIDLs do not. Each downloaded UIDL is remembered with the local UID it got
  and the time it arrived, for good (the rows are tiny), so a message is never fetched twice.
- Leave on server (the account's default) or delete at once; with leave-on-server, delete
  messages N days after they were downloaded (`Pop3Options.delete_after_days`).
- Nothing is lost in a crash: a message is stored in ONE durable transaction (headers, body and
  its UIDL) before its DELE is sent, and DELE only marks it: the server removes marked messages
  at QUIT, which Pop3Session sends only when the `async with` block ends normally. A crash or a
  dropped connection before QUIT deletes nothing on the server, and the next session skips the
  already-stored messages by their UIDL and deletes them then.

The UIDL table (`pop3_uidls`) is part of the cache's schema (client/store/migrations/0002).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

from kittiwake.client.accounts.model import Pop3Options
from kittiwake.client.imap.responses import FetchItem
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint
from kittiwake.client.pop3.session import open_session
from kittiwake.client.store.model import FolderInfo, Role
from kittiwake.client.store.store import Store
from kittiwake.client.sync.envelope import header_block, headers_from_fetch

DAY = 86400
INBOX = "INBOX"


class Checkpoint:
    AFTER_STORE = "after_store"  # stored and committed locally; DELE not yet sent
    BEFORE_QUIT = "before_quit"  # DELEs sent (only marked on the server), QUIT not yet


@dataclass
class Pop3Report:
    downloaded: list[int] = dataclasses.field(default_factory=list)  # local UIDs
    already_known: int = 0
    deleted: int = 0  # marked with DELE and removed at QUIT


def known_uidls(store: Store, account: str) -> dict[str, int]:
    """UIDL -> when it was downloaded."""
    rows = store.db.conn.execute(
        "SELECT uidl, downloaded FROM pop3_uidls WHERE account = ?", (account,)
    )
    return {str(uidl): int(when) for uidl, when in rows}


def store_message(
    store: Store, account: str, folder_id: int, uidl: str, raw: bytes, now: int
) -> int:
    """Headers, body and UIDL in one durable transaction; returns the local UID."""
    with store.transaction(durable=True) as conn:
        # Never reuse a UID, even of a message deleted locally: the UIDL rows remember them all.
        row = conn.execute(
            "SELECT max(coalesce((SELECT max(uid) FROM pop3_uidls WHERE account = ?), 0), "
            "coalesce((SELECT max(uid) FROM messages WHERE folder_id = ?), 0))",
            (account, folder_id),
        ).fetchone()
        uid = int(row[0]) + 1
        item = FetchItem(seq=0, uid=uid, flags=(), size=len(raw))
        headers = dataclasses.replace(
            headers_from_fetch(item, header_block(raw)), internal_date=now
        )
        store.messages.upsert_headers(folder_id, [headers])
        store.bodies.put(folder_id, [(uid, raw)])
        conn.execute(
            "INSERT INTO pop3_uidls (account, uidl, uid, downloaded) VALUES (?, ?, ?, ?)",
            (account, uidl, uid, now),
        )
    return uid


async def download(
    store: Store,
    account: str,
    endpoint: Endpoint,
    credentials: Credentials,
    options: Pop3Options | None = None,
    *,
    clock: Callable[[], float] = time.time,
    checkpoint: Callable[[str], None] | None = None,
) -> Pop3Report:
    """One POP3 session: fetch what is new, delete what the account's options say."""
    options = options or Pop3Options()
    checkpoint = checkpoint or (lambda _name: None)
    inbox = store.folders.upsert(FolderInfo(account, INBOX, delimiter=None, role=Role.INBOX))
    known = known_uidls(store, account)
    report = Pop3Report()
    session = await open_session(endpoint, credentials)
    async with session as pop:  # QUIT (and so the deletions) only if this block ends normally
        entries = await pop.uidl()
        for entry in entries:
            if entry.uid in known:
                report.already_known += 1
                continue
            raw = await pop.retr(entry.number)
            now = int(clock())
            report.downloaded.append(store_message(store, account, inbox, entry.uid, raw, now))
            known[entry.uid] = now
            checkpoint(Checkpoint.AFTER_STORE)
        now = int(clock())
        for entry in entries:
            downloaded = known.get(entry.uid)
            if downloaded is not None and _expired(options, downloaded, now):
                await pop.dele(entry.number)
                report.deleted += 1
        checkpoint(Checkpoint.BEFORE_QUIT)
    return report


def _expired(options: Pop3Options, downloaded: int, now: int) -> bool:
    if not options.leave_on_server:
        return True
    days = options.delete_after_days
    return days is not None and now - downloaded >= days * DAY
