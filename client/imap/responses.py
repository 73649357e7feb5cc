"""The values a server response parses into (frozen where the caller keeps them)."""

from __future__ import annotations

from dataclasses import field

from kittiwake.client.imap import seqset
from kittiwake.client.imap.tokens import Value
from kittiwake.client.records import record


@record(slots=True)
class ResponseCode:
    """A bracketed code: "[UIDVALIDITY 3857529045]" -> name "UIDVALIDITY", args "3857529045"."""

    name: str
    args: str = ""

    def number(self) -> int | None:
        head = self.args.split(" ", 1)[0]
        return int(head) if head.isdigit() else None


@record(slots=True)
class StatusResponse:
    """OK / NO / BAD / PREAUTH / BYE, tagged or (tag None) untagged."""

    tag: str | None
    status: str
    code: ResponseCode | None
    text: str

    def describe(self) -> str:
        code = ""
        if self.code is not None:
            args = f" {self.code.args}" if self.code.args else ""
            code = f"[{self.code.name}{args}] "
        return f"{self.status} {code}{self.text}".strip()


@record(slots=True)
class Continuation:
    text: bytes


@record(slots=True)
class Capability:
    names: frozenset[str]


@record(slots=True)
class Flags:
    flags: tuple[str, ...]


@record(slots=True)
class Exists:
    count: int


@record(slots=True)
class Recent:
    count: int


@record(slots=True)
class Expunge:
    seq: int


@record(slots=True)
class Vanished:
    earlier: bool
    uid_set: str

    def uids(self) -> list[int]:
        return list(seqset.expand(self.uid_set))


@record(slots=True, frozen=False)
class FetchItem:
    """One message of a FETCH response. Attributes the server did not send stay None/empty.

    `sections` maps the upper-cased section text to its bytes: BODY[] -> "", BODY[HEADER] ->
    "HEADER", BODY[HEADER.FIELDS (FROM)] -> "HEADER.FIELDS (FROM)"; RFC822* map the same way.
    """

    seq: int
    uid: int | None = None
    flags: tuple[str, ...] | None = None
    modseq: int | None = None
    size: int | None = None
    internaldate: str | None = None
    sections: dict[str, bytes | None] = field(default_factory=dict)
    envelope: Value = None
    bodystructure: Value = None
    other: dict[str, Value] = field(default_factory=dict)

    def section(self, name: str = "") -> bytes | None:
        return self.sections.get(name.upper())


@record(slots=True)
class ListItem:
    name: str  # decoded from modified UTF-7
    raw_name: bytes  # as the server spelt it: pass it back when it did not decode cleanly
    delimiter: str | None
    attributes: frozenset[str]  # as sent, e.g. "\\HasNoChildren", "\\Sent"

    def has(self, attribute: str) -> bool:
        wanted = attribute.lower()
        return any(a.lower() == wanted for a in self.attributes)


@record(slots=True)
class MailboxStatus:
    name: str
    raw_name: bytes
    values: dict[str, int]


@record(slots=True)
class Search:
    numbers: tuple[int, ...]
    modseq: int | None = None


@record(slots=True)
class Enabled:
    names: frozenset[str]


@record(slots=True)
class IdResponse:
    params: dict[str, str | None] | None


@record(slots=True)
class Other:
    """An untagged response this client has no use for, kept for diagnostics."""

    name: str
    values: list[Value]


Untagged = (
    StatusResponse
    | Capability
    | Flags
    | Exists
    | Recent
    | Expunge
    | Vanished
    | FetchItem
    | ListItem
    | MailboxStatus
    | Search
    | Enabled
    | IdResponse
    | Other
)
Response = Untagged | Continuation
