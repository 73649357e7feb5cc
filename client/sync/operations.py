"""Local-first mailbox operations and the offline queue that replays them to the server.

Every operation happens in two halves:

1. `LocalOps` changes the cache and queues the server half (a `pending_ops` row) in ONE durable
   transaction: the GUI shows the change at once, and a crash can never leave one half without
   the other.
2. `Replayer` sends queued operations to the server strictly in the order they were made (a
   move after a mark-read must not overtake it), with backoff after network failures.

Conflict rule (flags): a STORE carries UNCHANGEDSINCE <the modseq we saw> when the server has
CONDSTORE. If the server answers MODIFIED (someone else changed that message meanwhile), we
re-read its flags and apply only the flags the user explicitly changed: the user's latest
explicit change wins for the flag they changed, every other flag keeps the server's value.

A refusal (NO/BAD: the message is gone, the folder is read-only, quota) is permanent for that
operation: it is marked failed with the server's words and rolled back locally (flags restored,
moved or deleted rows put back from the snapshot kept in the operation). A network failure keeps
it pending and stops the replay: later operations wait behind it.

Operations name folders by name plus UIDVALIDITY: if the folder was reset in the meantime the
UIDs mean other messages, so the operation fails instead of touching them.
"""

from __future__ import annotations

import base64
import enum
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kittiwake.client.imap import encode
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.imap.responses import FetchItem
from kittiwake.client.net.errors import CommandFailed, KittiwakeError
from kittiwake.client.store.model import Flag, FlagChange, Folder, Role
from kittiwake.client.store.queue import OpState, PendingOp
from kittiwake.client.store.store import Store
from kittiwake.client.sync.backoff import Backoff

log = logging.getLogger(__name__)


class Kind(enum.StrEnum):
    STORE = "store"  # +FLAGS / -FLAGS
    MOVE = "move"
    COPY = "copy"
    EXPUNGE = "expunge"  # \Deleted + UID EXPUNGE
    APPEND = "append"
    DRAFT = "draft"  # upload a draft's latest version, replacing the previous (drafts.py)
    DRAFT_DELETE = "draft_delete"  # remove a draft from the server (sent or thrown away)


# Columns copied into a move/delete operation so a refused one can be put back. Generated and
# derived columns are left out: the triggers and the background indexer rebuild them.
_SNAPSHOT_COLUMNS = (
    "uid", "modseq", "flags", "keywords", "internal_date", "size", "date", "from_name",
    "from_addr", "from_sort", "to_addrs", "cc_addrs", "subject", "subject_sort", "message_id",
    "in_reply_to", "refs", "has_attachment", "preview",
)  # fmt: skip

# Names tried when a server has no SPECIAL-USE (RFC 6154) and the cache has no role yet.
FALLBACK_NAMES: dict[Role, tuple[str, ...]] = {
    Role.SENT: ("Sent", "Sent Items", "Sent Messages", "INBOX.Sent", "INBOX/Sent"),
    Role.DRAFTS: ("Drafts", "INBOX.Drafts", "INBOX/Drafts"),
    Role.TRASH: ("Trash", "Deleted Items", "Deleted Messages", "INBOX.Trash", "INBOX/Trash"),
}


class OperationError(KittiwakeError, ValueError):
    default_hint = "Refresh the folder: the message may have been moved or deleted elsewhere."


# --- the local half ---------------------------------------------------------------------------


class LocalOps:
    """Record a user's change in the cache and queue it, in one durable transaction.

    `remote=False` is for a POP3 account, whose folders live only here: the change is made in
    the cache and nothing is queued (a move re-files the message locally under a new UID).
    """

    def __init__(self, store: Store, account: str, *, remote: bool = True) -> None:
        self.store = store
        self.account = account
        self.remote = remote

    def _queue(self, kind: Kind, payload: dict[str, Any]) -> list[int]:
        return [self.store.ops.add(self.account, kind, payload)] if self.remote else []

    def mark(
        self, message_ids: Iterable[int], *, add: Flag = Flag.NONE, remove: Flag = Flag.NONE
    ) -> list[int]:
        """Mark read/unread, flag/unflag: `add`/`remove` system flags. Returns the op ids."""
        op_ids: list[int] = []
        with self.store.transaction(durable=True):
            for folder, rows in self._by_folder(message_ids):
                self.store.messages.change_flags([r["id"] for r in rows], add=add, remove=remove)
                payload = self._base(folder, rows)
                payload["add"] = list(add.to_imap())
                payload["remove"] = list(remove.to_imap())
                payload["modseqs"] = {str(r["uid"]): r["modseq"] for r in rows}
                payload["before"] = {str(r["uid"]): r["flags"] for r in rows}
                op_ids += self._queue(Kind.STORE, payload)
        return op_ids

    def move(self, message_ids: Iterable[int], destination_id: int) -> list[int]:
        """Move messages: they leave the source folder at once; the destination shows them
        after the next sync (their new UIDs are the server's to give)."""
        destination = self._folder(destination_id)
        return self._remove_and_queue(message_ids, Kind.MOVE, destination)

    def copy(self, message_ids: Iterable[int], destination_id: int) -> list[int]:
        destination = self._folder(destination_id)
        if not self.remote:
            raise OperationError("Copying is not offered for POP3 accounts.", "Move it instead.")
        op_ids: list[int] = []
        with self.store.transaction(durable=True):
            for folder, rows in self._by_folder(message_ids):
                payload = self._base(folder, rows)
                payload["destination"] = destination.name
                op_ids += self._queue(Kind.COPY, payload)
        return op_ids

    def delete(self, message_ids: Iterable[int], *, expunge: bool = False) -> list[int]:
        """Delete: to the Trash, or for good when `expunge` (or already in the Trash, or the
        account has no Trash)."""
        trash = self.store.folders.by_role(self.account, Role.TRASH)
        ids = list(message_ids)
        op_ids: list[int] = []
        with self.store.transaction(durable=True):
            for folder, rows in self._by_folder(ids):
                subset = [r["id"] for r in rows]
                if expunge or trash is None or folder.id == trash.id:
                    op_ids += self._remove_and_queue(subset, Kind.EXPUNGE, None)
                else:
                    op_ids += self._remove_and_queue(subset, Kind.MOVE, trash)
        return op_ids

    def append(self, folder_id: int, raw: bytes, flags: Sequence[str] = ()) -> int:
        """Queue a message to upload (a draft, an imported message). The folder shows it after
        the next sync."""
        folder = self._folder(folder_id)
        if not self.remote:
            raise OperationError("There is no server to upload to for a POP3 account.")
        payload: dict[str, Any] = {
            "folder": folder.name,
            "flags": list(flags),
            "raw_b64": base64.b64encode(raw).decode("ascii"),
        }
        return self.store.ops.add(self.account, Kind.APPEND, payload)

    # --- helpers ---------------------------------------------------------------------------

    def _folder(self, folder_id: int) -> Folder:
        folder = self.store.folders.get(folder_id)
        if folder is None or folder.account != self.account:
            raise OperationError(f"Folder {folder_id} is not a folder of {self.account}.")
        return folder

    def _remove_and_queue(
        self, message_ids: Iterable[int], kind: Kind, destination: Folder | None
    ) -> list[int]:
        op_ids: list[int] = []
        with self.store.transaction(durable=True):
            for folder, rows in self._by_folder(message_ids):
                payload = self._base(folder, rows)
                if destination is not None:
                    payload["destination"] = destination.name
                payload["snapshot"] = [{c: r[c] for c in _SNAPSHOT_COLUMNS} for r in rows]
                if not self.remote and destination is not None:
                    self._refile([r["id"] for r in rows], destination)
                    continue
                self.store.messages.delete([r["id"] for r in rows])
                op_ids += self._queue(kind, payload)
        return op_ids

    def _refile(self, message_ids: list[int], destination: Folder) -> None:
        """A local-only move: the row (and its body, keyed by the row) changes folder."""
        conn = self.store.db.conn
        for message_id in message_ids:
            # Counts are kept by triggers on insert/delete only, so move as delete + insert.
            row = conn.execute(
                f"SELECT {', '.join(_SNAPSHOT_COLUMNS)} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            raw = self.store.bodies.get(message_id)
            (top,) = conn.execute(
                "SELECT coalesce(max(uid), 0) FROM messages WHERE folder_id = ?", (destination.id,)
            ).fetchone()
            values = dict(zip(_SNAPSHOT_COLUMNS, row, strict=True))
            values["uid"] = int(top) + 1
            self.store.messages.delete([message_id])
            columns = ", ".join(("folder_id", *_SNAPSHOT_COLUMNS))
            marks = ", ".join("?" * (len(_SNAPSHOT_COLUMNS) + 1))
            conn.execute(
                f"INSERT INTO messages ({columns}) VALUES ({marks})",
                (destination.id, *(values[c] for c in _SNAPSHOT_COLUMNS)),
            )
            if raw is not None:
                self.store.bodies.put(destination.id, [(values["uid"], raw)])

    def _base(self, folder: Folder, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "folder": folder.name,
            "uidvalidity": folder.uidvalidity,
            "uids": [r["uid"] for r in rows],
        }

    def _by_folder(self, message_ids: Iterable[int]) -> list[tuple[Folder, list[dict[str, Any]]]]:
        ids = list(message_ids)
        if not ids:
            return []
        conn = self.store.db.conn
        marks = ",".join("?" * len(ids))
        cursor = conn.execute(
            f"SELECT id, folder_id, {', '.join(_SNAPSHOT_COLUMNS)} FROM messages "
            f"WHERE id IN ({marks}) ORDER BY folder_id, uid",
            ids,
        )
        names = [d[0] for d in cursor.description]
        groups: dict[int, list[dict[str, Any]]] = {}
        for row in cursor:
            record = dict(zip(names, row, strict=True))
            groups.setdefault(record["folder_id"], []).append(record)
        if sum(len(g) for g in groups.values()) != len(set(ids)):
            raise OperationError("Some of these messages are no longer in the cache.")
        out = []
        for folder_id, rows in groups.items():
            folder = self._folder(folder_id)
            out.append((folder, rows))
        return out


def pending_uids(store: Store, account: str, folder: str) -> set[int]:
    """UIDs of `folder` that queued operations still have to change on the server. A folder
    sync should leave these alone (not restore their old flags, not re-add a moved message)
    until the queue has replayed them."""
    return {
        int(uid)
        for state in (OpState.PENDING, OpState.RUNNING)
        for op in store.ops.list(account, state=state)
        if op.payload.get("folder") == folder
        for uid in op.payload.get("uids", ())
    }


# --- finding folders on the server -------------------------------------------------------------


async def special_folder(store: Store, imap: ImapClient, account: str, role: Role) -> str | None:
    """The server name of the account's Sent/Drafts/Trash: the cache's role (set by the folder
    sync), else SPECIAL-USE from LIST, else a conventional name the server has."""
    cached = store.folders.by_role(account, role)
    if cached is not None:
        return cached.name
    wanted = f"\\{role.value}"
    folders = await imap.list()
    for folder in folders:
        if folder.has(wanted):
            return folder.name
    names = {f.name.lower(): f.name for f in folders}
    for candidate in FALLBACK_NAMES.get(role, ()):
        if candidate.lower() in names:
            return names[candidate.lower()]
    return None


async def find_message_id(imap: ImapClient, folder: str, message_id: str) -> list[int]:
    """UIDs in `folder` whose Message-ID header contains `message_id` (UID SEARCH HEADER)."""
    await select(imap, folder)
    found = await imap.uid_search("HEADER Message-ID", encode.string(message_id))
    return list(found.numbers)


async def select(imap: ImapClient, folder: str) -> int | None:
    """SELECT `folder` unless it is already selected; returns its UIDVALIDITY."""
    box = imap.selected
    if box is None or box.name != folder or box.readonly:
        box = await imap.select(folder, condstore=imap.capabilities.condstore)
    return box.uidvalidity


async def append_once(
    imap: ImapClient, folder: str, raw: bytes, message_id: str | None, flags: Sequence[str]
) -> int | None:
    """APPEND unless a message with this Message-ID is already there (a replay after a crash
    must not file a second copy). Returns the UID when the server says (UIDPLUS)."""
    if message_id:
        existing = await find_message_id(imap, folder, message_id)
        if existing:
            return existing[-1]
    landed = await imap.append(folder, raw, flags=flags)
    return None if landed is None else landed.uid


# --- the server half -----------------------------------------------------------------------------


@dataclass
class ReplayReport:
    done: list[int] = field(default_factory=list)
    failed: list[PendingOp] = field(default_factory=list)  # refused: rolled back, shown
    conflicts: list[int] = field(default_factory=list)  # STOREs that met MODIFIED
    interrupted: KittiwakeError | None = None  # network failure: the rest waits


# Resolves an APPEND payload's bytes when they live elsewhere (the outbox keeps sent messages).
RawSource = Callable[[dict[str, Any]], bytes | None]


def recover(store: Store) -> int:
    """At start: operations left "running" by a crash go back to pending (all are idempotent
    or checked before they repeat). Returns how many."""
    running = store.ops.list(state=OpState.RUNNING)
    for op in running:
        store.ops.set_state(op.id, OpState.PENDING, error=op.last_error)
    return len(running)


class Replayer:
    def __init__(
        self,
        store: Store,
        account: str,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
        raw_source: RawSource | None = None,
    ) -> None:
        self.store = store
        self.account = account
        self.backoff = backoff or Backoff(base=5, cap=600)
        self.clock = clock
        self.raw_source = raw_source
        self.retry_at = 0.0  # no replay before this time after a network failure

    def due(self) -> bool:
        return self.clock() >= self.retry_at

    async def run(self, imap: ImapClient) -> ReplayReport:
        report = ReplayReport()
        for op in self.store.ops.list(self.account):
            self.store.ops.set_state(op.id, OpState.RUNNING, count_attempt=True)
            try:
                conflict = await self.execute(imap, op)
            except CommandFailed as error:
                self._refused(op, error.message)
                report.failed.append(op)
                continue
            except OperationError as error:
                self._refused(op, error.message)
                report.failed.append(op)
                continue
            except KittiwakeError as error:
                self.store.ops.set_state(op.id, OpState.PENDING, error=error.message)
                self.retry_at = self.clock() + self.backoff.delay(op.attempts + 1)
                report.interrupted = error
                return report
            except BaseException:
                # Cancelled or a bug: leave it pending for the next run, never half-recorded.
                self.store.ops.set_state(op.id, OpState.PENDING, error=op.last_error)
                raise
            self.store.ops.remove(op.id)
            report.done.append(op.id)
            if conflict:
                report.conflicts.append(op.id)
        self.retry_at = 0.0
        return report

    def _refused(self, op: PendingOp, reason: str) -> None:
        with self.store.transaction(durable=True):
            rollback(self.store, self.account, op)
            self.store.ops.set_state(op.id, OpState.FAILED, error=reason)
        log.info("operation %d (%s) refused by the server; rolled back", op.id, op.kind)

    async def execute(self, imap: ImapClient, op: PendingOp) -> bool:
        """Run one operation on the server; True when a flag conflict was resolved."""
        payload = op.payload
        kind = Kind(op.kind)
        if kind is Kind.APPEND:
            await self._append(imap, payload)
            return False
        if kind in (Kind.DRAFT, Kind.DRAFT_DELETE):
            # Imported here: drafts.py builds on this module's folder helpers.
            from kittiwake.client.sync import drafts

            await drafts.replay(self.store, imap, self.account, kind.value, payload)
            return False
        folder = str(payload["folder"])
        validity = await select(imap, folder)
        if payload.get("uidvalidity") not in (None, validity):
            raise OperationError(
                f"The folder {folder} was reset on the server; this change no longer applies."
            )
        uids = [int(u) for u in payload["uids"]]
        if kind is Kind.STORE:
            return await self._store(imap, op, uids)
        if kind is Kind.MOVE:
            await imap.uid_move(uids, str(payload["destination"]))
        elif kind is Kind.COPY:
            await imap.uid_copy(uids, str(payload["destination"]))
        elif kind is Kind.EXPUNGE:
            await imap.uid_store(uids, "+FLAGS", ["\\Deleted"], silent=True)
            if imap.capabilities.uidplus:
                await imap.uid_expunge(uids)
        return False

    async def _append(self, imap: ImapClient, payload: dict[str, Any]) -> None:
        raw: bytes | None
        if "raw_b64" in payload:
            raw = base64.b64decode(payload["raw_b64"])
        else:
            raw = None if self.raw_source is None else self.raw_source(payload)
        if raw is None:
            raise OperationError("The message to upload is no longer kept locally.")
        folder = payload.get("folder")
        if folder is None:
            folder = await special_folder(self.store, imap, self.account, Role(payload["role"]))
            if folder is None:
                raise OperationError(f"The account has no {payload['role']} folder.")
        flags = [str(f) for f in payload.get("flags", ())]
        await append_once(imap, str(folder), raw, payload.get("message_id"), flags)

    async def _store(self, imap: ImapClient, op: PendingOp, uids: list[int]) -> bool:
        payload = op.payload
        changes = [
            (a, [str(f) for f in payload[k]]) for a, k in (("+FLAGS", "add"), ("-FLAGS", "remove"))
        ]
        modseqs = {int(k): int(v) for k, v in payload.get("modseqs", {}).items()}
        condstore = imap.capabilities.condstore
        updated: dict[int, FetchItem] = {}
        conflict = False
        for action, flags in changes:
            if not flags:
                continue
            if not condstore:
                result = await imap.uid_store(uids, action, flags)
                updated.update({i.uid: i for i in result.updated if i.uid is not None})
                continue
            # One STORE per modseq we saw, so each message is checked against its own.
            groups: dict[int, list[int]] = {}
            for uid in uids:
                groups.setdefault(modseqs.get(uid, 0), []).append(uid)
            for modseq, group in sorted(groups.items()):
                since = modseq if modseq > 0 else None
                result = await imap.uid_store(group, action, flags, unchanged_since=since)
                updated.update({i.uid: i for i in result.updated if i.uid is not None})
                if result.modified:
                    conflict = True
                    # Someone changed these meanwhile: re-read, then apply only our flags.
                    fetched = await imap.uid_fetch(result.modified, ["UID", "FLAGS", "MODSEQ"])
                    updated.update({i.uid: i for i in fetched.messages if i.uid is not None})
                    again = await imap.uid_store(result.modified, action, flags)
                    updated.update({i.uid: i for i in again.updated if i.uid is not None})
        self._apply_server_flags(op, updated)
        return conflict

    def _apply_server_flags(self, op: PendingOp, items: dict[int, FetchItem]) -> None:
        """Take the server's resulting flags into the cache (they include other clients'
        changes), except where a later queued change of ours still has to be replayed."""
        folder = self.store.folders.find(self.account, str(op.payload["folder"]))
        if folder is None:
            return
        later = {
            int(uid)
            for other in self.store.ops.list(self.account)
            if other.id > op.id and other.payload.get("folder") == folder.name
            for uid in other.payload.get("uids", ())
        }
        changes = []
        for uid, item in items.items():
            if uid in later or item.flags is None:
                continue
            flags, keywords = Flag.from_imap(item.flags)
            changes.append(FlagChange(uid, flags, keywords, item.modseq or 0))
        if changes:
            self.store.messages.set_flags(folder.id, changes)


def rollback(store: Store, account: str, op: PendingOp) -> None:
    """Undo an operation's local half (the server refused the remote half)."""
    payload = op.payload
    folder = store.folders.find(account, str(payload.get("folder", "")))
    if folder is None:
        return
    conn = store.db.conn
    if op.kind == Kind.STORE:
        for uid, before in payload.get("before", {}).items():
            conn.execute(
                "UPDATE messages SET flags = ? WHERE folder_id = ? AND uid = ?",
                (int(before), folder.id, int(uid)),
            )
    elif op.kind in (Kind.MOVE, Kind.EXPUNGE):
        columns = ", ".join(("folder_id", *_SNAPSHOT_COLUMNS))
        marks = ", ".join("?" * (len(_SNAPSHOT_COLUMNS) + 1))
        for row in payload.get("snapshot", ()):
            conn.execute(
                f"INSERT OR IGNORE INTO messages ({columns}) VALUES ({marks})",
                (folder.id, *(row[c] for c in _SNAPSHOT_COLUMNS)),
            )
