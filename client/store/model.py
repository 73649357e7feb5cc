"""The values the cache takes in and gives out: frozen dataclasses, no SQL."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from kittiwake.client.records import record


class Flag(enum.IntFlag):
    """IMAP system flags as the `messages.flags` bitmask (unread = not SEEN, indexed)."""

    NONE = 0
    SEEN = 1
    ANSWERED = 2
    FLAGGED = 4
    DELETED = 8
    DRAFT = 16

    @classmethod
    def from_imap(cls, names: Iterable[str]) -> tuple[Flag, tuple[str, ...]]:
        """Split IMAP flag names into the bitmask and the sorted other keywords."""
        flags = cls.NONE
        keywords: set[str] = set()
        for name in names:
            flag = _IMAP_NAMES.get(name.lower())
            if flag is not None:
                flags |= flag
            elif name and not name.startswith("\\"):  # \Recent and unknown system flags drop
                keywords.add(name)
        return flags, tuple(sorted(keywords))

    def to_imap(self) -> tuple[str, ...]:
        return tuple(name for flag, name in _IMAP_SPELLING if flag in self)


_IMAP_SPELLING = (
    (Flag.SEEN, "\\Seen"),
    (Flag.ANSWERED, "\\Answered"),
    (Flag.FLAGGED, "\\Flagged"),
    (Flag.DELETED, "\\Deleted"),
    (Flag.DRAFT, "\\Draft"),
)
_IMAP_NAMES = {name.lower(): flag for flag, name in _IMAP_SPELLING}


class Role(enum.StrEnum):
    """Special-use role of a folder (RFC 6154, plus the INBOX)."""

    INBOX = "inbox"
    SENT = "sent"
    DRAFTS = "drafts"
    TRASH = "trash"
    JUNK = "junk"
    ARCHIVE = "archive"


class SortKey(enum.StrEnum):
    """Sortable columns of the message list; each value names an indexed column."""

    DATE = "date"
    FROM = "from_sort"
    SUBJECT = "subject_sort"
    SIZE = "size"


@record
class FolderInfo:
    """A folder as the server lists it (what the sync engine upserts)."""

    account: str
    name: str
    delimiter: str | None = "/"
    role: Role | None = None
    subscribed: bool = True


@record
class Folder:
    id: int
    account: str
    name: str
    delimiter: str | None
    role: Role | None
    subscribed: bool
    uidvalidity: int | None
    uidnext: int | None
    highestmodseq: int | None
    unread_count: int
    total_count: int


@record
class Address:
    name: str
    address: str

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@record
class MessageHeaders:
    """One message's envelope as the sync engine upserts it (parsed by client/mime)."""

    uid: int
    internal_date: int  # seconds since the epoch
    size: int
    flags: Flag = Flag.NONE
    keywords: tuple[str, ...] = ()
    modseq: int = 0
    date: int | None = None  # Date: header; None falls back to internal_date
    sender: Address | None = None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    has_attachment: bool = False
    preview: str = ""


@record
class MessageSummary:
    """A row of the message list (everything the list view shows, no body)."""

    id: int
    folder_id: int
    uid: int
    flags: Flag
    keywords: tuple[str, ...]
    date: int
    size: int
    sender: Address
    to: str
    cc: str
    subject: str
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    thread_id: int | None
    has_attachment: bool
    preview: str
    has_body: bool

    @property
    def unread(self) -> bool:
        return Flag.SEEN not in self.flags

    @property
    def flagged(self) -> bool:
        return Flag.FLAGGED in self.flags


@record
class PageCursor:
    """Where the next page starts: the sort key and id of the last row shown (keyset paging)."""

    key: int | str
    id: int


@record
class Page:
    rows: tuple[MessageSummary, ...]
    next: PageCursor | None  # None: this was the last page


@record
class FlagChange:
    """Flags reported by the server for one UID (FETCH FLAGS, CONDSTORE)."""

    uid: int
    flags: Flag
    keywords: tuple[str, ...] = ()
    modseq: int = 0
