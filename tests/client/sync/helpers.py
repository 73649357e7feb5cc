"""Shared by the sync tests: messages to save into Dovecot, and cache-vs-server comparison."""

from __future__ import annotations

import hashlib

from kittiwake.client.store.model import Flag
from kittiwake.client.store.store import Store
from tests.servers.fixtures import MailServer, MailUser


def message(i: int, *, size: int = 0, subject: str | None = None) -> bytes:
    body = (f"Message number {i}.\r\n" + "x" * 70 + "\r\n") * max(1, size // 90)
    return (
        f"From: Sender {i} <sender{i}@example.test>\r\n"
        f"To: rcpt@example.test\r\n"
        f"Subject: {subject or f'Test message {i}'}\r\n"
        f"Message-ID: <sync-{i}@example.test>\r\n"
        f"Date: Mon, {1 + i % 28} Jan 2024 10:{i % 60:02d}:00 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
    ).encode()


def fill(
    server: MailServer, user: MailUser, count: int, mailbox: str = "INBOX", start: int = 0
) -> None:
    for i in range(start, start + count):
        server.save(user, message(i, size=200 + 300 * (i % 7)), mailbox)


_SERVER_FLAGS = {"\\seen": Flag.SEEN, "\\answered": Flag.ANSWERED, "\\flagged": Flag.FLAGGED,
                 "\\deleted": Flag.DELETED, "\\draft": Flag.DRAFT}  # fmt: skip


def server_state(
    server: MailServer, user: MailUser, mailbox: str = "INBOX"
) -> dict[int, tuple[int, str]]:
    """UID -> (system flags bitmask, SHA-256 of the stored bytes), read with doveadm."""
    out = server.doveadm(
        "-f", "tab", "fetch", "-u", user.name, "uid flags", "mailbox", mailbox, "ALL"
    )
    flags: dict[int, int] = {}
    for line in out.splitlines()[1:]:
        if not line.strip():
            continue
        uid_text, _, names = line.partition("\t")
        mask = 0
        for name in names.split():
            mask |= int(_SERVER_FLAGS.get(name.lower(), 0))
        flags[int(uid_text)] = mask
    return {
        uid: (mask, hashlib.sha256(server.fetch_raw(user, uid, mailbox)).hexdigest())
        for uid, mask in flags.items()
    }


def cache_state(store: Store, account: str, mailbox: str = "INBOX") -> dict[int, tuple[int, str]]:
    folder = store.folders.find(account, mailbox)
    assert folder is not None
    state: dict[int, tuple[int, str]] = {}
    rows = store.db.conn.execute(
        "SELECT id, uid, flags FROM messages WHERE folder_id = ? ORDER BY uid", (folder.id,)
    ).fetchall()
    for message_id, uid, flags in rows:
        raw = store.bodies.get(message_id)
        state[uid] = (flags & 0x1F, hashlib.sha256(raw).hexdigest() if raw is not None else "")
    return state


def row_count(store: Store, account: str, mailbox: str = "INBOX") -> int:
    folder = store.folders.find(account, mailbox)
    assert folder is not None
    return int(
        store.db.conn.execute(
            "SELECT count(*) FROM messages WHERE folder_id = ?", (folder.id,)
        ).fetchone()[0]
    )


def record_commands(client: object, sent: list[str] | None = None) -> list[str]:
    """Wrap `client.execute` so every command it sends is recorded as text ("UID FETCH
    1:5 (UID FLAGS)"): tests assert on what went over the wire, not on timings."""
    from kittiwake.client.imap import encode

    sent = [] if sent is None else sent
    original = client.execute  # type: ignore[attr-defined]

    async def execute(name: str, *args: encode.Arg, **kwargs: object) -> object:
        words = [name]
        for arg in args:
            data = getattr(arg, "data", arg)
            words.append(data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data))
        sent.append(" ".join(words))
        return await original(name, *args, **kwargs)

    client.execute = execute  # type: ignore[attr-defined]
    return sent
