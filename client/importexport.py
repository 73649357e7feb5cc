"""Import an mbox file or a Maildir folder into a local folder; export a folder as mboxrd.

Local folders live in the cache under a store account of their own, `<account id>@local`:
the IMAP folder sync drops cached folders the server no longer lists, so a local folder
inside the real account would vanish at the next sync. "@" never occurs in a configured
account id (ids.py), so the local account can neither collide with one nor be synced.

- Bytes are stored as they are (the body row holds exactly what the file held, minus the
  mbox framing: the From_ line, the ">From " escaping and the blank line that ends each
  message in an mbox).
- Re-importing adds nothing: each folder remembers the SHA-256 of every message imported
  into it (`local_digests`, in the cache's schema: client/store/migrations/0002).
- A message whose headers cannot be read is stored anyway, with an empty envelope, and
  counted in `ImportReport.malformed`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

from kittiwake.client.imap.responses import FetchItem
from kittiwake.client.mime.mbox import iter_mbox
from kittiwake.client.net.errors import CommandFailed
from kittiwake.client.store.model import Flag, FolderInfo
from kittiwake.client.store.store import Store
from kittiwake.client.sync.envelope import header_block, headers_from_fetch, split_headers

LOCAL_SUFFIX = "@local"
DEFAULT_FOLDER = "Imported"
BATCH = 200  # messages per transaction


# Maildir flag letters (cr.yp.to/proto/maildir.html); lower-case letters are keywords: ignored.
_MAILDIR_FLAGS = {
    "S": Flag.SEEN,
    "R": Flag.ANSWERED,
    "F": Flag.FLAGGED,
    "T": Flag.DELETED,
    "D": Flag.DRAFT,
}
# The info part: ":2,FLAGS", or ";2,FLAGS" / "!2,FLAGS" where ':' is not allowed in names.
_MAILDIR_INFO = re.compile(r"[:;!]2,([^:;!]*)$")
_MUNGE = re.compile(rb"^(>*From )", re.MULTILINE)


@dataclass
class ImportReport:
    folder_id: int
    imported: int = 0
    already_present: int = 0
    malformed: int = 0  # stored anyway, with whatever envelope could be read


def local_account(account_id: str) -> str:
    return f"{account_id}{LOCAL_SUFFIX}"


def is_local_account(store_account: str) -> bool:
    """True for the store account of imported mail (`<id>@local`): no server behind it."""
    return store_account.endswith(LOCAL_SUFFIX)


def owner_account(store_account: str) -> str:
    """The configured account a store account belongs to (`work@local` -> `work`)."""
    return store_account.removesuffix(LOCAL_SUFFIX)


def maildir_flags(filename: str) -> Flag:
    match = _MAILDIR_INFO.search(filename)
    flags = Flag.NONE
    for letter in match.group(1) if match else "":
        flags |= _MAILDIR_FLAGS.get(letter, Flag.NONE)
    return flags


def mbox_flags(raw: bytes) -> Flag:
    """Flags from the Status (R: read) and X-Status (A, F, T, D) headers mail programs write."""
    try:
        fields = split_headers(header_block(raw))
    except Exception:  # unreadable headers: no flags; the message still counts
        return Flag.NONE
    flags = Flag.NONE
    if "R" in fields.get("status", ""):
        flags |= Flag.SEEN
    letters = {"A": Flag.ANSWERED, "F": Flag.FLAGGED, "T": Flag.DRAFT, "D": Flag.DELETED}
    for letter in fields.get("x-status", ""):
        flags |= letters.get(letter, Flag.NONE)
    return flags


def read_mbox(path: Path) -> Iterator[tuple[bytes, Flag]]:
    """Messages of an mbox file with the blank line that separates them removed."""
    for raw in iter_mbox(_read(path)):
        if raw.endswith(b"\r\n\r\n"):
            raw = raw[:-2]
        elif raw.endswith(b"\n\n"):
            raw = raw[:-1]
        yield raw, mbox_flags(raw)


def read_maildir(path: Path) -> Iterator[tuple[bytes, Flag]]:
    """Messages of one Maildir folder (cur/ then new/, by file name); sub-folders are not read."""
    if not (path / "cur").is_dir() and not (path / "new").is_dir():
        raise CommandFailed(f"{str(path)!r} is not a Maildir folder.", "It needs cur/ or new/.")
    for part in ("cur", "new"):
        directory = path / part
        if not directory.is_dir():
            continue
        for entry in sorted(directory.iterdir()):
            if entry.is_file() and not entry.name.startswith("."):
                # Messages still in new/ have not been seen by any program: no flags yet.
                yield entry.read_bytes(), maildir_flags(entry.name) if part == "cur" else Flag.NONE


def import_messages(
    store: Store, account_id: str, folder: str, messages: Iterable[tuple[bytes, Flag]]
) -> ImportReport:
    """Store messages into the local folder `folder` of the account, BATCH per transaction."""
    folder_id = store.folders.upsert(FolderInfo(local_account(account_id), folder))
    report = ImportReport(folder_id)
    iterator = iter(messages)
    while batch := list(islice(iterator, BATCH)):
        _import_batch(store, folder_id, batch, report)
    return report


def _import_batch(
    store: Store, folder_id: int, batch: list[tuple[bytes, Flag]], report: ImportReport
) -> None:
    now = int(time.time())
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT max(coalesce((SELECT max(uid) FROM local_digests WHERE folder_id = ?), 0), "
            "coalesce((SELECT max(uid) FROM messages WHERE folder_id = ?), 0))",
            (folder_id, folder_id),
        ).fetchone()
        uid = int(row[0])
        headers = []
        bodies: list[tuple[int, bytes]] = []
        digests: list[tuple[int, str, int]] = []
        seen: set[str] = set()
        for raw, flags in batch:
            digest = hashlib.sha256(raw).hexdigest()
            known = conn.execute(
                "SELECT 1 FROM local_digests WHERE folder_id = ? AND digest = ?",
                (folder_id, digest),
            ).fetchone()
            if known is not None or digest in seen:
                report.already_present += 1
                continue
            seen.add(digest)
            uid += 1
            item = FetchItem(seq=0, uid=uid, flags=flags.to_imap(), size=len(raw))
            try:
                parsed = headers_from_fetch(item, header_block(raw))
                if not split_headers(header_block(raw)):
                    report.malformed += 1
            except Exception:  # never drop a message for its headers
                parsed = headers_from_fetch(item, b"")
                report.malformed += 1
            headers.append(replace(parsed, internal_date=parsed.date or now))
            bodies.append((uid, raw))
            digests.append((folder_id, digest, uid))
        store.messages.upsert_headers(folder_id, headers)
        store.bodies.put(folder_id, bodies)
        conn.executemany(
            "INSERT INTO local_digests (folder_id, digest, uid) VALUES (?, ?, ?)", digests
        )
    report.imported += len(bodies)


def mboxrd_entry(raw: bytes, sender: str, date: int) -> bytes:
    """One message as mboxrd: From_ line, ">From " munged one level deeper, blank line after."""
    moment = time.gmtime(date)  # ctime's layout, as mbox readers expect: "Mon Jun  3 ..."
    stamp = time.strftime(f"%a %b {moment.tm_mday:2d} %H:%M:%S %Y", moment)
    body = _MUNGE.sub(rb">\1", raw)
    if not body.endswith(b"\n"):
        body += b"\n"
    ending = b"\r\n" if body.endswith(b"\r\n") else b"\n"
    return (
        b"From "
        + (sender or "MAILER-DAEMON").encode("ascii", "replace")
        + b" "
        + (stamp.encode("ascii") + b"\n" + body + ending)
    )


def export_mbox(store: Store, folder_id: int, target: Path) -> tuple[int, int]:
    """Write the folder's messages (by UID) to `target` atomically; returns (written,
    skipped): messages whose bytes are not in the cache yet are skipped."""
    rows = store.db.conn.execute(
        "SELECT id, from_addr, date FROM messages WHERE folder_id = ? ORDER BY uid",
        (folder_id,),
    ).fetchall()
    written = skipped = 0
    target = Path(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            for message_id, sender, date in rows:
                raw = store.bodies.get(int(message_id))
                if raw is None:
                    skipped += 1
                    continue
                out.write(mboxrd_entry(raw, _envelope_sender(str(sender)), int(date)))
                written += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return written, skipped


def _envelope_sender(address: str) -> str:
    # A From_ line is split on spaces: an address with one (or none) is not usable there.
    return address if address and not any(c.isspace() for c in address) else "MAILER-DAEMON"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommandFailed(
            f"Kittiwake could not read {str(path)!r}: {error.strerror}.", "Check the path."
        ) from error
