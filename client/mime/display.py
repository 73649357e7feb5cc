"""The display model: everything the message view shows, as frozen dataclasses.

Built by parse.parse_message(); plain values only (no email.message objects), so it can cross
threads, be cached, and be dumped as JSON (`kittiwake show --json`). Text fields are already
decoded and stripped of control characters where they are one-liners; `html` is sanitised.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from kittiwake.client.mime.addrlist import Mailbox
from kittiwake.client.mime.authresults import AuthResults
from kittiwake.client.mime.calendar import CalendarSummary
from kittiwake.client.mime.reports import ReportSummary
from kittiwake.client.mime.safe_html import RemoteResource, SuspiciousLink
from kittiwake.client.mime.sender import SenderInfo


@dataclass(frozen=True)
class Attachment:
    """A part shown as a file. Bytes on demand: parse.part_bytes(raw, part_path)."""

    part_path: str  # IMAP-style section number: "1", "2.1", ...
    filename: str  # decoded, path separators removed; may be empty
    content_type: str
    size: int  # decoded size in bytes
    disposition: str  # "attachment", "inline" or ""
    content_id: str  # without angle brackets; "" when none
    label: str = ""  # "signature", "encrypted", "undecodable", "too-deep", "message", ...


@dataclass(frozen=True)
class SecurityLabel:
    """A signed or encrypted structure, recognised but never verified or decrypted here."""

    kind: str  # "signed" or "encrypted"
    scheme: str  # "S/MIME" or "OpenPGP" (or "unknown")
    part_path: str


@dataclass(frozen=True)
class DisplayHeaders:
    subject: str
    from_: tuple[Mailbox, ...]
    to: tuple[Mailbox, ...]
    cc: tuple[Mailbox, ...]
    bcc: tuple[Mailbox, ...]
    reply_to: tuple[Mailbox, ...]
    date: str  # as written, decoded
    date_iso: str  # ISO 8601 when the date parses, else ""
    message_id: str
    in_reply_to: str
    references: str
    list_id: str
    all: tuple[tuple[str, str], ...]  # every header, decoded, in order


@dataclass(frozen=True)
class DisplayMessage:
    headers: DisplayHeaders
    sender: SenderInfo
    text: str  # the plain-text body (format=flowed joined); from the HTML if no plain part
    html: str | None  # sanitised HTML alternative, or None
    body_type: str  # content type the reader should prefer: "text/html", "text/plain" or ""
    # Part path of the chosen body: the text part, or the alternative/related part holding it
    # ("" for the top multipart itself, or when there is no body).
    body_part: str
    attachments: tuple[Attachment, ...]
    inline_images: tuple[tuple[str, str], ...]  # (Content-ID, part path), for cid: URLs
    quoted_messages: tuple[tuple[str, DisplayMessage], ...]  # (part path, nested message)
    calendar: tuple[CalendarSummary, ...]
    reports: tuple[ReportSummary, ...]
    security: tuple[SecurityLabel, ...]
    remote_content: tuple[RemoteResource, ...]  # blocked unless allow_remote
    suspicious_links: tuple[SuspiciousLink, ...]
    auth: AuthResults
    warnings: tuple[str, ...]
    remote_allowed: bool = False

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready dict (lists, dicts, str, int, bool, None)."""
        value = _jsonable(self)
        assert isinstance(value, dict)
        value["headers"]["from"] = value["headers"].pop("from_")
        value["inline_images"] = dict(self.inline_images)
        value["quoted_messages"] = [
            {"part_path": path, "message": message.to_json()}
            for path, message in self.quoted_messages
        ]
        return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, DisplayMessage) and dataclasses.is_dataclass(value):
        return {
            f.name: _jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "quoted_messages"
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
