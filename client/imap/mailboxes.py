"""Mailbox-level commands: LIST, STATUS, CREATE/RENAME/DELETE, (UN)SUBSCRIBE, SELECT/EXAMINE,
ENABLE and ID. Names are str (encoded to modified UTF-7 here) or a server's raw bytes."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import field

from kittiwake.client.imap import encode, seqset
from kittiwake.client.imap.responses import (
    Enabled,
    Exists,
    FetchItem,
    Flags,
    IdResponse,
    ListItem,
    MailboxStatus,
    Recent,
    StatusResponse,
    Untagged,
    Vanished,
)
from kittiwake.client.imap.session import ImapSession
from kittiwake.client.net.errors import CommandFailed
from kittiwake.client.records import record

Name = str | bytes
STATUS_ITEMS = ("MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN")


@record
class Folder:
    """A LIST entry, with its STATUS when LIST-STATUS delivered one."""

    name: str
    raw_name: bytes
    delimiter: str | None
    attributes: frozenset[str]
    status: dict[str, int] | None = None

    def has(self, attribute: str) -> bool:
        wanted = attribute.lower()
        return any(a.lower() == wanted for a in self.attributes)

    @property
    def special_use(self) -> str | None:
        for use in ("\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive", "\\All", "\\Flagged"):
            if self.has(use):
                return use
        return None


@record
class Qresync:
    """What the client remembers of a mailbox, for SELECT (QRESYNC ...) (RFC 7162)."""

    uidvalidity: int
    modseq: int
    known_uids: str | None = None


@record(frozen=False)
class SelectedMailbox:
    name: str
    readonly: bool = False
    exists: int = 0
    recent: int = 0
    uidvalidity: int | None = None
    uidnext: int | None = None
    highestmodseq: int | None = None
    nomodseq: bool = False
    unseen: int | None = None
    flags: tuple[str, ...] = ()
    permanent_flags: tuple[str, ...] = ()
    # QRESYNC only: UIDs expunged since `modseq`, and messages changed since then.
    vanished: list[int] = field(default_factory=list)
    changed: list[FetchItem] = field(default_factory=list)


class MailboxCommands(ImapSession):
    enabled: frozenset[str] = frozenset()
    selected: SelectedMailbox | None = None

    async def list(
        self,
        reference: Name = "",
        pattern: Name = "*",
        *,
        status: Sequence[str] = (),
    ) -> list[Folder]:
        """LIST; SPECIAL-USE attributes and (with LIST-STATUS) STATUS in the same round trip."""
        caps = self.capabilities
        args: list[encode.Arg] = [encode.mailbox(reference), encode.mailbox(pattern)]
        returns: list[bytes] = []
        if "LIST-EXTENDED" in caps and caps.special_use:
            returns.append(b"SPECIAL-USE")
        if status and caps.list_status:
            returns.append(b"STATUS " + encode.paren(status).data)
        if returns:
            args += [encode.Raw(b"RETURN (" + b" ".join(returns) + b")")]
        result = await self.execute("LIST", *args)
        folders: dict[bytes, Folder] = {}
        statuses: dict[bytes, dict[str, int]] = {}
        for response in result.untagged:
            if isinstance(response, ListItem):
                folders[response.raw_name] = Folder(
                    response.name, response.raw_name, response.delimiter, response.attributes
                )
            elif isinstance(response, MailboxStatus):
                statuses[response.raw_name] = response.values
        out = [
            dataclasses.replace(f, status=statuses[raw]) if raw in statuses else f
            for raw, f in folders.items()
        ]
        if status and not caps.list_status:
            out = [
                dataclasses.replace(f, status=await self.status(f.raw_name, status))
                if not f.has("\\Noselect") and not f.has("\\NonExistent")
                else f
                for f in out
            ]
        return out

    async def status(self, name: Name, items: Sequence[str] = STATUS_ITEMS) -> dict[str, int]:
        result = await self.execute("STATUS", encode.mailbox(name), encode.paren(items))
        for response in result.untagged:
            if isinstance(response, MailboxStatus):
                return response.values
        return {}

    async def create(self, name: Name) -> None:
        await self.execute("CREATE", encode.mailbox(name))

    async def delete(self, name: Name) -> None:
        await self.execute("DELETE", encode.mailbox(name))

    async def rename(self, old: Name, new: Name) -> None:
        await self.execute("RENAME", encode.mailbox(old), encode.mailbox(new))

    async def subscribe(self, name: Name) -> None:
        await self.execute("SUBSCRIBE", encode.mailbox(name))

    async def unsubscribe(self, name: Name) -> None:
        await self.execute("UNSUBSCRIBE", encode.mailbox(name))

    async def enable(self, *extensions: str) -> frozenset[str]:
        result = await self.execute("ENABLE", *(encode.atom(e) for e in extensions))
        for response in result.untagged:
            if isinstance(response, Enabled):
                self.enabled = self.enabled | response.names
        return self.enabled

    async def id(self, params: dict[str, str] | None = None) -> dict[str, str | None] | None:
        """RFC 2971: tell the server who we are, learn who it is."""
        if params:
            items = b" ".join(
                _quoted(encode.string(k)) + b" " + _quoted(encode.string(v))
                for k, v in params.items()
            )
            arg = encode.Raw(b"(" + items + b")")
        else:
            arg = encode.Raw(b"NIL")
        result = await self.execute("ID", arg)
        for response in result.untagged:
            if isinstance(response, IdResponse):
                return response.params
        return None

    async def select(
        self,
        name: Name,
        *,
        readonly: bool = False,
        condstore: bool = False,
        qresync: Qresync | None = None,
    ) -> SelectedMailbox:
        """SELECT (or EXAMINE when readonly); QRESYNC is ENABLEd first if needed."""
        if qresync is not None and "QRESYNC" not in self.enabled:
            await self.enable("QRESYNC")
        args: list[encode.Arg] = [encode.mailbox(name)]
        if qresync is not None:
            params = b"%d %d" % (qresync.uidvalidity, qresync.modseq)
            if qresync.known_uids:
                params += b" " + encode.sequence(qresync.known_uids).data
            args.append(encode.Raw(b"(QRESYNC (" + params + b"))"))
        elif condstore:
            args.append(encode.Raw(b"(CONDSTORE)"))
        shown = name if isinstance(name, str) else name.decode("utf-8", "replace")
        box = SelectedMailbox(shown, readonly=readonly)
        self.selected = None

        def sink(response: Untagged) -> bool:
            _apply_select(box, response)
            return True

        result = await self.execute("EXAMINE" if readonly else "SELECT", *args, sink=sink)
        code = result.status.code
        if code is not None and code.name in ("READ-ONLY", "READ-WRITE"):
            box.readonly = code.name == "READ-ONLY"
        self.selected = box
        return box

    async def unselect(self) -> None:
        """Leave the mailbox without expunging (UNSELECT, or CLOSE when unsupported is unsafe)."""
        if "UNSELECT" not in self.capabilities:
            raise CommandFailed("The server cannot leave a mailbox without expunging it.")
        await self.execute("UNSELECT")
        self.selected = None


def _quoted(arg: encode.Raw | encode.Literal) -> bytes:
    if isinstance(arg, encode.Literal):
        raise ValueError("ID values must be short printable text")
    return arg.data


def _apply_select(box: SelectedMailbox, response: Untagged) -> None:
    if isinstance(response, Exists):
        box.exists = response.count
    elif isinstance(response, Recent):
        box.recent = response.count
    elif isinstance(response, Flags):
        box.flags = response.flags
    elif isinstance(response, Vanished):
        box.vanished.extend(seqset.expand(response.uid_set))
    elif isinstance(response, FetchItem):
        box.changed.append(response)
    elif isinstance(response, StatusResponse) and response.code is not None:
        code = response.code
        number = code.number()
        if code.name == "UIDVALIDITY":
            box.uidvalidity = number
        elif code.name == "UIDNEXT":
            box.uidnext = number
        elif code.name == "HIGHESTMODSEQ":
            box.highestmodseq = number
        elif code.name == "NOMODSEQ":
            box.nomodseq = True
        elif code.name == "UNSEEN":
            box.unseen = number
        elif code.name == "PERMANENTFLAGS":
            box.permanent_flags = tuple(code.args.strip("()").split())
