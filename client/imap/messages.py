"""Message-level commands on the selected mailbox, all by UID: FETCH (streamed to a callback),
SEARCH, STORE, COPY, MOVE, EXPUNGE; and APPEND."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import field

from kittiwake.client.imap import encode, seqset
from kittiwake.client.imap.responses import (
    FetchItem,
    ResponseCode,
    Search,
    StatusResponse,
    Untagged,
    Vanished,
)
from kittiwake.client.imap.session import ImapSession
from kittiwake.client.net.errors import CommandFailed
from kittiwake.client.records import record

Uids = str | Iterable[int]
MessageCallback = Callable[[FetchItem], None]


@record(frozen=False)
class FetchResult:
    messages: list[FetchItem] = field(default_factory=list)  # empty when a callback took them
    vanished: list[int] = field(default_factory=list)  # (CHANGEDSINCE .. VANISHED) only


@record
class CopyUid:
    """UIDPLUS: where copied/moved messages landed."""

    uidvalidity: int
    source: list[int]
    destination: list[int]

    def mapping(self) -> dict[int, int]:
        return dict(zip(self.source, self.destination, strict=False))


@record
class AppendUid:
    uidvalidity: int
    uid: int


@record(frozen=False)
class StoreResult:
    updated: list[FetchItem] = field(default_factory=list)  # with MODSEQ under CONDSTORE
    modified: list[int] = field(default_factory=list)  # UNCHANGEDSINCE refused these UIDs


def _copyuid(code: ResponseCode | None) -> CopyUid | None:
    if code is None or code.name != "COPYUID":
        return None
    parts = code.args.split()
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    return CopyUid(int(parts[0]), list(seqset.expand(parts[1])), list(seqset.expand(parts[2])))


def _fetch_items(items: str | Sequence[str]) -> encode.Raw:
    if isinstance(items, str):
        text = items if items.startswith("(") else f"({items})"
    else:
        text = "(" + " ".join(items) + ")"
    return encode.Raw(text.encode("ascii"))


class MessageCommands(ImapSession):
    async def uid_fetch(
        self,
        uids: Uids,
        items: str | Sequence[str],
        *,
        changed_since: int | None = None,
        vanished: bool = False,
        on_message: MessageCallback | None = None,
    ) -> FetchResult:
        """UID FETCH. `on_message` gets each message as soon as it is read (before the tagged
        OK), so a sync can store while the rest streams; otherwise they are returned."""
        args: list[encode.Arg] = [encode.sequence(uids), _fetch_items(items)]
        if changed_since is not None:
            modifiers = b"CHANGEDSINCE %d" % changed_since + (b" VANISHED" if vanished else b"")
            args.append(encode.Raw(b"(" + modifiers + b")"))
        result = FetchResult()
        deliver = on_message or result.messages.append

        def sink(response: Untagged) -> bool:
            if isinstance(response, FetchItem) and response.uid is not None:
                deliver(response)
                return True
            if isinstance(response, Vanished) and response.earlier:
                result.vanished.extend(seqset.expand(response.uid_set))
                return True
            return False

        await self.execute("UID FETCH", *args, sink=sink)
        return result

    async def uid_search(self, *criteria: str | encode.Raw | encode.Literal) -> Search:
        """UID SEARCH. Plain str parts are search keys ("UNSEEN", "SINCE 1-Jan-2024"); anything
        a person typed must come as encode.string(text), which adds CHARSET UTF-8 if needed."""
        args: list[encode.Arg] = []
        for part in criteria or ("ALL",):
            args.append(encode.Raw(part.encode("ascii")) if isinstance(part, str) else part)
        if any(
            isinstance(a, encode.Literal) or (isinstance(a, encode.Raw) and not a.data.isascii())
            for a in args
        ):
            args = [encode.Raw(b"CHARSET UTF-8"), *args]
        found: list[Search] = []

        def sink(response: Untagged) -> bool:
            if isinstance(response, Search):
                found.append(response)
                return True
            return False

        await self.execute("UID SEARCH", *args, sink=sink)
        numbers = [n for s in found for n in s.numbers]
        modseq = next((s.modseq for s in found if s.modseq is not None), None)
        return Search(tuple(numbers), modseq)

    async def uid_store(
        self,
        uids: Uids,
        action: str,
        flags: Sequence[str],
        *,
        unchanged_since: int | None = None,
        silent: bool = False,
    ) -> StoreResult:
        """action: "+FLAGS", "-FLAGS" or "FLAGS". With `unchanged_since`, messages changed on
        the server since then are left alone and listed in `modified` (RFC 7162 conflict)."""
        if action.upper() not in ("+FLAGS", "-FLAGS", "FLAGS"):
            raise ValueError(f"unknown STORE action {action!r}")
        args: list[encode.Arg] = [encode.sequence(uids)]
        if unchanged_since is not None:
            args.append(encode.Raw(b"(UNCHANGEDSINCE %d)" % unchanged_since))
        args.append(encode.atom(action.upper() + (".SILENT" if silent else "")))
        args.append(encode.paren(flags))
        out = StoreResult()

        def sink(response: Untagged) -> bool:
            if isinstance(response, FetchItem) and response.uid is not None:
                out.updated.append(response)
                return True
            return False

        result = await self.execute("UID STORE", *args, sink=sink)
        code = result.status.code
        if code is not None and code.name == "MODIFIED":
            out.modified = list(seqset.expand(code.args.strip()))
        return out

    async def uid_copy(self, uids: Uids, destination: str | bytes) -> CopyUid | None:
        result = await self.execute("UID COPY", encode.sequence(uids), encode.mailbox(destination))
        return _copyuid(result.status.code)

    async def uid_move(self, uids: Uids, destination: str | bytes) -> CopyUid | None:
        """MOVE (RFC 6851); without it COPY + \\Deleted + UID EXPUNGE, which needs UIDPLUS."""
        if not self.capabilities.move:
            copied = await self.uid_copy(uids, destination)
            await self.uid_store(uids, "+FLAGS", ["\\Deleted"], silent=True)
            await self.uid_expunge(uids)
            return copied
        found: list[CopyUid] = []

        def sink(response: Untagged) -> bool:
            if isinstance(response, StatusResponse):
                copied = _copyuid(response.code)
                if copied is not None:
                    found.append(copied)
                    return True
            return False  # the EXPUNGE/VANISHED that follow go to the mailbox handler

        result = await self.execute(
            "UID MOVE", encode.sequence(uids), encode.mailbox(destination), sink=sink
        )
        return found[0] if found else _copyuid(result.status.code)

    async def uid_expunge(self, uids: Uids) -> None:
        """Expunge exactly these messages; never a plain EXPUNGE that would take others too."""
        if not self.capabilities.uidplus:
            raise CommandFailed(
                "The server cannot expunge single messages (no UIDPLUS).",
                "Messages are marked deleted and disappear when the folder is compacted.",
            )
        await self.execute("UID EXPUNGE", encode.sequence(uids))

    async def append(
        self,
        mailbox: str | bytes,
        message: bytes,
        *,
        flags: Sequence[str] = (),
        internaldate: str | None = None,
    ) -> AppendUid | None:
        """APPEND; returns where it landed when the server says (UIDPLUS APPENDUID)."""
        args: list[encode.Arg] = [encode.mailbox(mailbox)]
        if flags:
            args.append(encode.paren(flags))
        if internaldate is not None:
            args.append(encode.string(internaldate))
        args.append(encode.Literal(message))
        result = await self.execute("APPEND", *args)
        code = result.status.code
        if code is not None and code.name == "APPENDUID":
            parts = code.args.split()
            if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                return AppendUid(int(parts[0]), int(parts[1]))
        return None
