"""Sync one IMAP folder into the cache.

The order, and why:
1. SELECT, with QRESYNC (our UIDVALIDITY + HIGHESTMODSEQ) when the server offers it, so the
   SELECT answer itself carries every flag change and expunge since the last sync.
2. UIDVALIDITY differs from the cached one: every cached UID of the folder is void. They are
   dropped in one transaction before anything new is stored, so old and new UIDs never mix.
3. Flags and expunges of cached messages: from QRESYNC; else FETCH FLAGS CHANGEDSINCE
   (CONDSTORE) plus a UID SEARCH diff when the message count says something went; else the
   chunked fallback (UID FETCH lo:hi FLAGS over the cached range, CHUNK UIDs at a time).
4. New messages newest first, headers only (the newest FIRST_BATCH first, so the list fills
   at once), one transaction per batch.
5. Bodies of messages within the account's policy (all, or the last N days), newest first,
   in batches bounded by count and bytes.

Crash safety: the folder's sync state (UIDNEXT = "headers complete below this",
HIGHESTMODSEQ = "flags complete up to this") is written only after the work it vouches for
committed. A crash leaves the old state, so the next run redoes that step; UIDs already
stored are skipped (and the cache's UNIQUE (folder_id, uid) makes a duplicate impossible).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import field
from typing import Generic, TypeVar

from kittiwake.client.events import (
    BodiesStored,
    Event,
    FlagsChanged,
    MessagesAdded,
    MessagesRemoved,
    Phase,
    SyncProgress,
)
from kittiwake.client.foreground import give_way
from kittiwake.client.imap import encode
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.imap.mailboxes import Qresync, SelectedMailbox
from kittiwake.client.imap.responses import FetchItem, Untagged
from kittiwake.client.imap.seqset import format_uids
from kittiwake.client.records import record
from kittiwake.client.store.model import FlagChange, Folder, MessageHeaders
from kittiwake.client.store.store import Store
from kittiwake.client.store.writer import InlineWriter, Job, Then, Writer, writer_for
from kittiwake.client.sync import cache_ops

# envelope.py (the header parsing, with the mime layer and email.utils behind it), the store's
# threading and operations.py are imported when a folder is opened (load_sync_modules, while
# the server answers the SELECT): a no-change sync never runs a FolderSync, and `kittiwake
# sync` imports this module at start.

FIRST_BATCH = 50  # the newest messages, so the list shows something after one round trip
HEADER_BATCH = 1000
CHUNK = 5000  # UIDs per FETCH FLAGS in the fallback (bounded response, bounded memory)
BODY_FETCH = 1000  # messages per body FETCH (newest chunk first) ...
BODY_FETCH_BYTES = 128 << 20  # ... or about this many bytes
BODY_BATCH = 200  # bodies per transaction, stored while the FETCH streams ...
BODY_BATCH_BYTES = 16 << 20  # ... or this many bytes held in memory at most
WHOLE_BATCH = BODY_BATCH  # new messages fetched whole (headers and body at once) up to this
# Whole messages per transaction, handed to the writer while the FETCH streams, or about this
# many bytes. Measured on 100+100 resyncs (15 paired change sets, FETCH start to the folder's
# end): 50/4 MB beat the one batch at the end 15 times of 15 (median 301 -> 245 ms) and 25/2 MB
# 12 times: each commit rewrites the touched pages of the 15 message indexes (more WAL, more
# checkpoints), and the writer's files and commits take CPU the loop and the server want too.
WHOLE_FLUSH = 50
WHOLE_FLUSH_BYTES = 4 << 20

Emit = Callable[[Event], None]
T = TypeVar("T")


@record
class BodyPolicy:
    """Which bodies to keep for offline reading: all (days None), the last N days, or none."""

    enabled: bool = True
    days: int | None = None

    def since(self, now: float | None = None) -> int | None:
        if self.days is None:
            return None
        return int((time.time() if now is None else now) - self.days * 86400)


@record(frozen=False)
class FolderResult:
    added: int = 0
    removed: int = 0
    flags_changed: int = 0
    bodies: int = 0
    uidvalidity_reset: bool = False
    used: str = ""  # "qresync", "condstore" or "fallback": how changes were found


@record(frozen=False)
class Capabilities:
    """What this sync may use; tests switch features off to cover the fallbacks."""

    qresync: bool = True
    condstore: bool = True


@record(frozen=False)
class FolderSync:
    client: ImapClient
    store: Store
    folder: Folder
    emit: Emit = lambda _event: None
    policy: BodyPolicy = field(default_factory=BodyPolicy)
    allow: Capabilities = field(default_factory=Capabilities)
    _pending: set[int] = field(default_factory=set, init=False)
    _writer: Writer | None = field(default=None, init=False)

    @property
    def account(self) -> str:
        return self.folder.account

    def _progress(self, phase: Phase, done: int, total: int) -> None:
        self.emit(SyncProgress(self.account, self.folder.name, phase, done, total))

    async def run(self) -> FolderResult:
        try:
            return await self._run()
        finally:
            if self._writer is not None:
                # Whatever happened (a dropped connection, a cancellation), no write of this
                # sync outlives it; what was handed over is still committed.
                self._writer.close()
                self._writer = None

    def _writes(self, *, large: bool) -> Writer:
        """Where this folder's header and body batches are written: a writer thread once a
        large download starts (store/writer.py), the sync's own connection before."""
        if self._writer is None or (large and isinstance(self._writer, InlineWriter)):
            self._writer = writer_for(self.store, large=large)
        return self._writer

    async def _run(self) -> FolderResult:
        result = FolderResult()
        folder = self.folder
        caps = self.client.capabilities
        qresync = self.allow.qresync and caps.qresync
        condstore = self.allow.condstore and caps.condstore
        known = folder.uidvalidity is not None and folder.highestmodseq is not None
        if qresync and known:
            assert folder.uidvalidity is not None and folder.highestmodseq is not None
            opening = self.client.select(
                folder.name, qresync=Qresync(folder.uidvalidity, folder.highestmodseq)
            )
        else:
            opening = self.client.select(folder.name, condstore=condstore)
        # The SELECT goes out first; what the sync needs next is done while the server opens
        # the folder (Dovecot: ~170 ms for 100,000 messages), not after its answer: loading the
        # header parsing and threading modules (~70 ms in a fresh `kittiwake sync` process on a
        # loaded machine) and reading the offline queue.
        selecting = asyncio.ensure_future(opening)
        try:
            await asyncio.sleep(0)  # one loop turn: the task writes the command
            load_sync_modules()
            # UIDs the offline queue has yet to change on the server: their local state wins
            # until it has replayed (no old flags restored, no moved message brought back).
            from kittiwake.client.sync.operations import pending_uids

            self._pending = pending_uids(self.store, self.account, folder.name)
        except BaseException:
            selecting.cancel()
            raise
        box = await selecting
        if box.uidvalidity is None:
            # RFC 3501 requires it; a server without one cannot be cached safely by UID.
            box.uidvalidity = 0
        if folder.uidvalidity is not None and folder.uidvalidity != box.uidvalidity:
            self.store.folders.reset_uidvalidity(folder.id, box.uidvalidity)
            result.uidvalidity_reset = True
            self.emit(MessagesRemoved(self.account, folder.id, (), all_of_folder=True))
            known = False
        elif folder.uidvalidity is None:
            self.store.folders.set_sync_state(folder.id, uidvalidity=box.uidvalidity)
        watermark = (folder.uidnext or 1) if not result.uidvalidity_reset else 1
        use_modseq = condstore and not box.nomodseq and box.highestmodseq is not None

        # Nothing here reads the folder's whole UID list unless the count check below says
        # the cheap paths missed something: a resync costs what changed, not the folder size.
        count = cache_ops.cached_count(self.store, folder.id)
        if count:
            self._progress(Phase.CHANGES, 0, count)
            if qresync and known and not result.uidvalidity_reset:
                result.used = "qresync"
                await self._apply_qresync(box, result)
            elif use_modseq and known:
                result.used = "condstore"
                await self._condstore_changes(result)
            else:
                result.used = "fallback"
                await self._fallback_changes(set(self.store.messages.uids(folder.id)), result)
            self._progress(Phase.CHANGES, count, count)
            count = cache_ops.cached_count(self.store, folder.id)

        if not count and box.exists > 0:
            # A first sync: the newest headers by sequence number, before asking for every
            # UID (a UID SEARCH of a 100,000-message folder costs more than the 50 headers).
            above = await self._newest_by_sequence(box.exists, use_modseq, result)
            count = len(above)
        else:
            above = cache_ops.cached_from(self.store, folder.id, watermark)
        new = await self._new_uids(box, watermark, above)
        # The count check catches what the cheap paths cannot see (an expunge while we were
        # offline without QRESYNC, a crash between steps): then one UID SEARCH ALL decides.
        if count + len(new) != box.exists:
            everything = set((await self.client.uid_search("ALL")).numbers)
            cached = set(self.store.messages.uids(folder.id))
            gone = cached - everything
            if gone:
                await self._remove(gone, result)
            new = sorted(everything - cached - self._pending, reverse=True)
        if self._whole_messages(new):
            await self._fetch_whole(new, use_modseq, result)
        else:
            await self._fetch_headers(new, use_modseq, result)
        if self._writer is not None:
            await self._writer.drain()  # the headers UIDNEXT vouches for are committed
        self.store.folders.set_sync_state(
            folder.id,
            uidnext=box.uidnext,
            highestmodseq=box.highestmodseq if use_modseq else None,
        )
        if self.policy.enabled:
            await self._fetch_bodies(result)
        return result

    # --- flags and expunges of cached messages --------------------------------------------

    async def _apply_qresync(self, box: SelectedMailbox, result: FolderResult) -> None:
        from kittiwake.client.sync.envelope import flag_change

        gone = cache_ops.cached_among(self.store, self.folder.id, box.vanished)
        if gone:
            await self._remove(gone, result)
        changed = [i for i in box.changed if i.uid is not None and i.flags is not None]
        cached = cache_ops.cached_among(
            self.store, self.folder.id, (i.uid for i in changed if i.uid is not None)
        )
        self._set_flags([flag_change(i) for i in changed if i.uid in cached], result)

    async def _condstore_changes(self, result: FolderResult) -> None:
        """One UID FETCH FLAGS CHANGEDSINCE over the cached range: the server answers with
        the changed messages only."""
        from kittiwake.client.sync.envelope import flag_change

        assert self.folder.highestmodseq is not None
        highest = cache_ops.max_uid(self.store, self.folder.id)
        if highest is None:
            return
        fetched = await self.client.uid_fetch(
            f"1:{highest}", ["UID", "FLAGS"], changed_since=self.folder.highestmodseq
        )
        changed = [i for i in fetched.messages if i.uid is not None and i.flags is not None]
        cached = cache_ops.cached_among(
            self.store, self.folder.id, (i.uid for i in changed if i.uid is not None)
        )
        self._set_flags([flag_change(i) for i in changed if i.uid in cached], result)

    async def _fallback_changes(self, cached: set[int], result: FolderResult) -> None:
        """FETCH FLAGS over the cached UID range in chunks: flags that differ are updated,
        cached UIDs the server did not return are gone."""
        from kittiwake.client.sync.envelope import flag_change

        current = cache_ops.flags_by_uid(self.store, self.folder.id)
        ordered = sorted(cached)
        done = 0
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            fetched = await self.client.uid_fetch(f"{chunk[0]}:{chunk[-1]}", ["UID", "FLAGS"])
            seen: set[int] = set()
            changes: list[FlagChange] = []
            for item in fetched.messages:
                if item.uid is None or item.uid not in cached or item.flags is None:
                    continue
                seen.add(item.uid)
                change = flag_change(item)
                if current.get(item.uid) != (change.flags, change.keywords):
                    changes.append(change)
            self._set_flags(changes, result)
            gone = set(chunk) - seen
            if gone:
                await self._remove(gone, result)
            done += len(chunk)
            self._progress(Phase.CHANGES, done, len(ordered))

    def _set_flags(self, changes: Sequence[FlagChange], result: FolderResult) -> None:
        changes = [c for c in changes if c.uid not in self._pending]
        if not changes:
            return
        self.store.messages.set_flags(self.folder.id, changes)
        result.flags_changed += len(changes)
        self.emit(FlagsChanged(self.account, self.folder.id, tuple(c.uid for c in changes)))

    async def _remove(self, gone: set[int], result: FolderResult) -> None:
        removed = sorted(gone)
        self.store.messages.expunge(self.folder.id, removed)
        result.removed += len(removed)
        self.emit(MessagesRemoved(self.account, self.folder.id, tuple(removed)))

    # --- new messages ------------------------------------------------------------------------

    async def _new_uids(self, box: SelectedMailbox, watermark: int, cached: set[int]) -> list[int]:
        """UIDs at or above the watermark that the cache lacks, newest first (`cached`: the
        cached UIDs at or above the watermark)."""
        if box.exists == 0 or (box.uidnext is not None and box.uidnext <= watermark):
            return []
        found = (await self.client.uid_search(f"UID {watermark}:*")).numbers
        # "n:*" always matches the highest UID, even below n.
        skip = cached | self._pending
        return sorted((u for u in found if u >= watermark and u not in skip), reverse=True)

    async def _newest_by_sequence(
        self, exists: int, modseq: bool, result: FolderResult
    ) -> set[int]:
        from kittiwake.client.sync.envelope import HEADER_ITEMS

        items = [*HEADER_ITEMS, "MODSEQ"] if modseq else list(HEADER_ITEMS)
        found: list[FetchItem] = []

        def sink(response: Untagged) -> bool:
            if isinstance(response, FetchItem) and response.uid is not None:
                found.append(response)
                return True
            return False

        low = max(1, exists - FIRST_BATCH + 1)
        items_arg = encode.Raw(("(" + " ".join(items) + ")").encode("ascii"))
        await self.client.execute(
            "FETCH", encode.Raw(b"%d:%d" % (low, exists)), items_arg, sink=sink
        )
        headers = _headers_of(found)
        if headers:
            with self.store.transaction():
                self.store.messages.upsert_headers(self.folder.id, headers)
            result.added += len(headers)
            uids = tuple(sorted((h.uid for h in headers), reverse=True))
            self.emit(MessagesAdded(self.account, self.folder.id, uids))
        return {h.uid for h in headers}

    async def _fetch_headers(self, uids: list[int], modseq: bool, result: FolderResult) -> None:
        if not uids:
            return
        from kittiwake.client.sync.envelope import HEADER_ITEMS

        items = [*HEADER_ITEMS, "MODSEQ"] if modseq else list(HEADER_ITEMS)
        done = 0
        self._progress(Phase.HEADERS, 0, len(uids))
        batches = [uids[:FIRST_BATCH]] + [
            uids[i : i + HEADER_BATCH] for i in range(FIRST_BATCH, len(uids), HEADER_BATCH)
        ]
        for number, batch in enumerate(batches):
            if not batch:
                continue
            fetched = await self.client.uid_fetch(format_uids(batch), items)
            headers = _headers_of(fetched.messages)
            done += len(batch)
            # One transaction per batch (the store splits at 500): a crash keeps whole batches.
            # The first batch (the list's top) on this connection, committed before anything
            # more is fetched; the rest on the writer thread while the next batch is fetched
            # and parsed, announced once committed.
            writes = self._writes(large=len(batches) > 2) if number else InlineWriter(self.store)
            writes.add(self._store(headers, (), result, Phase.HEADERS, done, len(uids)))

    def _store(
        self,
        headers: Sequence[MessageHeaders],
        bodies: Sequence[tuple[int, bytes]],
        result: FolderResult,
        phase: Phase,
        done: int,
        total: int,
    ) -> Job:
        """A writer job: new rows and/or bodies in one transaction (a body file is written
        before the commit that points at it: store/bodies.py), announced on the loop's thread
        once committed. `done` of `total` is the progress reached with this batch."""
        folder_id = self.folder.id

        def job(store: Store) -> Then:
            with store.transaction():
                if headers:
                    store.messages.upsert_headers(folder_id, headers)
                stored = store.bodies.put(folder_id, bodies) if bodies else 0

            def announce() -> None:
                result.added += len(headers)
                result.bodies += stored
                if headers:
                    self.emit(MessagesAdded(self.account, folder_id, tuple(h.uid for h in headers)))
                if stored:
                    self.emit(BodiesStored(self.account, folder_id, stored))
                self._progress(phase, done, total)

            return announce

        return job

    def _whole_messages(self, new: list[int]) -> bool:
        """A few new messages whose bodies the policy keeps anyway (a resync): one FETCH of
        the whole messages, not one for the headers and another for the bodies. The list
        gets them a few milliseconds later; the server parses each message once, and there
        is one round trip and one transaction less."""
        return 0 < len(new) <= WHOLE_BATCH and self.policy.enabled and self.policy.days is None

    async def _fetch_whole(self, uids: list[int], modseq: bool, result: FolderResult) -> None:
        """Headers and bodies of `uids` in one FETCH, handed to the writer thread in small
        batches (WHOLE_FLUSH messages or WHOLE_FLUSH_BYTES) while the FETCH streams: each
        batch's rows and bodies commit in one transaction, so the cache never holds a row
        of this FETCH without its body, and what is left to store once the last byte arrived
        is one small batch, not the whole download (measured: 64 ms of a 100-message resync
        were stored after the stream ended)."""
        from kittiwake.client.sync.envelope import header_block, headers_from_fetch

        items = ["UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "BODY.PEEK[]"]
        if modseq:
            items.append("MODSEQ")
        # Before the FETCH goes out: the writer's thread opens its connection to the cache
        # while the server starts answering.
        writer = self._writes(large=True)
        total = len(uids)
        done = 0
        self._progress(Phase.HEADERS, 0, total)

        def hand_over(batch: list[tuple[MessageHeaders, bytes]]) -> None:
            nonlocal done
            done += len(batch)
            headers = [h for h, _raw in batch]
            bodies = [(h.uid, raw) for h, raw in batch]
            writer.add(self._store(headers, bodies, result, Phase.HEADERS, done, total))

        batches = _Batches(hand_over, WHOLE_FLUSH, WHOLE_FLUSH_BYTES)

        def take(item: FetchItem) -> None:
            raw = item.section("")
            if item.uid is None or raw is None:
                return
            batches.add((headers_from_fetch(item, header_block(raw)), raw), len(raw))

        await self.client.uid_fetch(format_uids(uids), items, on_message=take)
        batches.flush()

    # --- bodies ------------------------------------------------------------------------------

    async def _fetch_bodies(self, result: FolderResult) -> None:
        """Bodies newest first: one FETCH per BODY_FETCH messages, handed over every
        BODY_BATCH messages (or BODY_BATCH_BYTES) from the per-message callback while the FETCH
        still streams, to the writer thread (store/writer.py): the loop goes on reading the
        socket while the files, inserts, commits and checkpoints of the batch before are
        written."""
        needed = cache_ops.needing_body(self.store, self.folder.id, self.policy.since())
        if not needed:
            return
        wanted = [uid for uid, _size in needed]
        writer = self._writes(large=len(wanted) > BODY_BATCH)
        done = 0
        self._progress(Phase.BODIES, 0, len(wanted))

        def hand_over(batch: list[tuple[int, bytes]]) -> None:
            nonlocal done
            done += len(batch)
            writer.add(self._store((), batch, result, Phase.BODIES, done, len(wanted)))

        batches = _Batches(hand_over, BODY_BATCH, BODY_BATCH_BYTES)

        def take(item: FetchItem) -> None:
            raw = item.section("")
            if item.uid is None or raw is None:
                return
            batches.add((item.uid, raw), len(raw))

        for chunk in _body_batches(needed):
            await self.client.uid_fetch(format_uids(chunk), ["UID", "BODY.PEEK[]"], on_message=take)
            batches.flush()
        await writer.drain()


class _Batches(Generic[T]):
    """What a FETCH streams, handed over (to a writer) in batches bounded by count and bytes,
    from the per-message callback: the writer stores one batch while the next one streams.
    Memory stays bounded by the batch and the writer's queue."""

    def __init__(self, hand_over: Callable[[list[T]], None], count: int, size: int) -> None:
        self._hand_over = hand_over
        self._count = count
        self._size = size
        self._items: list[T] = []
        self._weight = 0

    def add(self, item: T, weight: int) -> None:
        self._items.append(item)
        self._weight += weight
        if len(self._items) >= self._count or self._weight >= self._size:
            self.flush()

    def flush(self) -> None:
        if not self._items:
            return
        batch = self._items
        # Let go of the batch before handing it over: after a write error (disk full) the
        # FETCH goes on to its end holding nothing more in memory, then fails with that error.
        self._items = []
        self._weight = 0
        self._hand_over(batch)


def load_sync_modules() -> None:
    """Import what syncing a folder's messages needs (header parsing, threading, the offline
    queue); called while the SELECT is in flight."""
    import kittiwake.client.store.threads
    import kittiwake.client.sync.envelope
    import kittiwake.client.sync.operations  # noqa: F401


def is_unchanged(store: Store, folder: Folder, status: dict[str, int], policy: BodyPolicy) -> bool:
    """True when a STATUS (from LIST-STATUS) proves the cached folder is up to date: same
    UIDVALIDITY, UIDNEXT, message count and HIGHESTMODSEQ, and no body left to download.
    Without HIGHESTMODSEQ a flag change cannot be ruled out, so the folder is synced."""
    modseq = status.get("HIGHESTMODSEQ")
    return (
        folder.uidvalidity is not None
        and status.get("UIDVALIDITY") == folder.uidvalidity
        and status.get("UIDNEXT") == folder.uidnext
        and status.get("MESSAGES") == folder.total_count
        and modseq is not None
        and modseq == folder.highestmodseq
        # Last, as the one check that reads message rows (SQLite scans the folder for it);
        # an empty folder has no body to miss.
        and not (
            policy.enabled
            and folder.total_count > 0
            and cache_ops.any_needing_body(store, folder.id, policy.since())
        )
    )


def _body_batches(needed: list[tuple[int, int]]) -> list[list[int]]:
    """(UID, size) pairs -> UID FETCH batches bounded by count and bytes, order kept."""
    batches: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for uid, size in needed:
        if current and (len(current) >= BODY_FETCH or weight + size > BODY_FETCH_BYTES):
            batches.append(current)
            current, weight = [], 0
        current.append(uid)
        weight += size
    if current:
        batches.append(current)
    return batches


def _headers_of(items: Iterable[FetchItem]) -> list[MessageHeaders]:
    """The headers of a FETCH batch's messages. Parsing 1,000 of them is a long pure-Python
    stretch, so the window gets its turn between messages (client/foreground.py)."""
    from kittiwake.client.sync.envelope import headers_from_fetch

    headers: list[MessageHeaders] = []
    for item in items:
        if item.uid is not None:
            give_way()
            headers.append(headers_from_fetch(item))
    return headers
