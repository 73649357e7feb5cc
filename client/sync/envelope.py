"""A FETCH response's header fields -> the cache's MessageHeaders (pure: values in, values out).

Sync asks the server only for the few header fields the list shows (HEADER_FIELDS) and reads
them with a small linear splitter instead of `email.parser`: at 100,000 messages the stdlib
parser's per-message cost would dominate a header sync. Decoding (RFC 2047, addresses) is the
mime layer's lenient, bounded code, so the list shows what the reader shows.
"""

from __future__ import annotations

import calendar
import email.utils
import re
import time

from kittiwake.client.imap.responses import FetchItem
from kittiwake.client.mime.addrlist import Mailbox, parse_address_list
from kittiwake.client.mime.headers import header_text
from kittiwake.client.store.model import Address, Flag, FlagChange, MessageHeaders

HEADER_FIELDS = (
    "DATE",
    "FROM",
    "TO",
    "CC",
    "SUBJECT",
    "MESSAGE-ID",
    "IN-REPLY-TO",
    "REFERENCES",
    "CONTENT-TYPE",
)
HEADER_SECTION = f"HEADER.FIELDS ({' '.join(HEADER_FIELDS)})"
# What a header batch asks for (MODSEQ is added when CONDSTORE is on).
HEADER_ITEMS = ("UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", f"BODY.PEEK[{HEADER_SECTION}]")

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_INTERNALDATE = re.compile(
    r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"
)
_MSGID = re.compile(r"<[^<>\s]{1,998}>")
_MAX_REFERENCES = 50  # a thread needs the first and the last few; bounded row size


def split_headers(block: bytes) -> dict[str, str]:
    """Header name (lower case) -> raw unfolded value; the first occurrence wins. Bytes that
    are not UTF-8 are kept as surrogates for the mime layer's charset guessing."""
    text = block.decode("utf-8", "surrogateescape")
    fields: dict[str, str] = {}
    name: str | None = None
    value: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and name is not None:
            value.append(line)
            continue
        if name is not None and name not in fields:
            fields[name] = " ".join(v.strip() for v in value)
        name, colon, rest = line.partition(":")
        if not colon or not name or " " in name.strip():
            name = None
            continue
        name = name.strip().lower()
        value = [rest]
    if name is not None and name not in fields:
        fields[name] = " ".join(v.strip() for v in value)
    return fields


def parse_internaldate(text: str | None) -> int:
    """INTERNALDATE ("17-Jul-1996 02:44:25 -0700") -> seconds since the epoch (0 if absent)."""
    if not text:
        return 0
    match = _INTERNALDATE.match(text)
    if match is None:
        return 0
    day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
    month_number = _MONTHS.get(month.lower())
    if month_number is None:
        return 0
    try:
        stamp = calendar.timegm(
            (int(year), month_number, int(day), int(hour), int(minute), int(second), 0, 0, 0)
        )
    except (ValueError, OverflowError):
        return 0
    offset = (int(off_h) * 3600 + int(off_m) * 60) * (1 if sign == "+" else -1)
    return stamp - offset


def parse_date(text: str | None) -> int | None:
    """A Date: header -> epoch seconds; None when missing or unreadable (the list then uses
    the internal date)."""
    if not text:
        return None
    try:
        parsed = email.utils.parsedate_tz(text)
        if parsed is None:
            return None
        stamp = email.utils.mktime_tz(parsed)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None
    # A year-0 or far-future date would sort above every real message forever.
    if not 0 < stamp < time.time() + 10 * 365 * 86400:
        return None
    return int(stamp)


# Most address headers are plain ASCII "Name <a@b>, c@d", or "=?utf-8?b?...?= <a@b>": read those
# with one regex (an encoded name decoded by the mime layer, as its parser would); anything with
# quotes, comments, groups or 8-bit goes to the mime layer's parser. Measured on the benchmark
# corpus: ~4x faster per header, which at 100,000 messages is seconds.
# (The classes list printable ASCII but "()=;:\ and, for the second, ?: a negated class spanning
# \x7f-\U0010ffff would take ~5 ms each to compile, at every start.)
_PLAIN = re.compile(r"[\x20\x21\x23-\x27\x2a-\x39\x3c\x3e-\x5b\x5d-\x7e]*")
# The same, with RFC 2047 encoded words allowed (no comma inside one, so a split on commas
# cuts where the full parser's does).
_ENCODED_WORD = r"=\?[^?\s,]+\?[bBqQ]\?[^?\s,]*\?="
_PLAIN_OR_ENCODED = re.compile(
    r"(?:[\x20\x21\x23-\x27\x2a-\x39\x3c\x3e\x40-\x5b\x5d-\x7e]|" + _ENCODED_WORD + r")*"
)
_ANGLE = re.compile(r"\s*([^<>]*?)\s*<\s*([^<>\s]+)\s*>\s*")


def _plain_addresses(value: str) -> tuple[Address, ...] | None:
    encoded = "=?" in value
    pattern = _PLAIN_OR_ENCODED if encoded else _PLAIN
    if pattern.fullmatch(value) is None:
        return None
    out: list[Address] = []
    for piece in value.split(","):
        if "<" in piece:
            match = _ANGLE.fullmatch(piece)
            if match is None:
                return None
            name = match.group(1)
            name = header_text(name)[0] if "=?" in name else " ".join(name.split())
            if "=?" in match.group(2):
                return None
            out.append(Address(name, match.group(2)))
        elif piece.strip():
            if len(piece.split()) != 1 or "=?" in piece:
                return None
            out.append(Address("", piece.strip()))
    return tuple(out)


def _addresses(value: str | None) -> tuple[Address, ...]:
    if not value:
        return ()
    plain = _plain_addresses(value)
    if plain is not None:
        return plain
    mailboxes: list[Mailbox]
    mailboxes, _warnings = parse_address_list(value)
    return tuple(Address(m.name, m.address) for m in mailboxes)


def _message_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _MSGID.search(value)
    return match.group(0) if match else None


def _references(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    found = _MSGID.findall(value)
    if len(found) > _MAX_REFERENCES:
        found = found[:1] + found[-(_MAX_REFERENCES - 1) :]
    return tuple(found)


def _has_attachment(content_type: str | None) -> bool:
    # A cheap guess from the top-level type; the reader shows the real list. multipart/mixed
    # is what mail programs send attachments in; alternative/related carry bodies only.
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "multipart/mixed" or (
        not kind.startswith(("text/", "multipart/")) and kind != ""
    )


def flags_of(item: FetchItem) -> tuple[Flag, tuple[str, ...]]:
    return Flag.from_imap(item.flags or ())


def flag_change(item: FetchItem) -> FlagChange:
    assert item.uid is not None
    flags, keywords = flags_of(item)
    return FlagChange(item.uid, flags, keywords, item.modseq or 0)


def headers_from_fetch(item: FetchItem, block: bytes | None = None) -> MessageHeaders:
    """One message of a header FETCH (or of a full-body FETCH, given its header `block`)."""
    assert item.uid is not None
    if block is None:
        block = item.section(HEADER_SECTION) or b""
    fields = split_headers(block)
    flags, keywords = flags_of(item)
    internal = parse_internaldate(item.internaldate)
    senders = _addresses(fields.get("from"))
    subject = header_text(fields["subject"])[0] if "subject" in fields else ""
    return MessageHeaders(
        uid=item.uid,
        internal_date=internal,
        size=item.size or len(block),
        flags=flags,
        keywords=keywords,
        modseq=item.modseq or 0,
        date=parse_date(fields.get("date")),
        sender=senders[0] if senders else None,
        to=_addresses(fields.get("to")),
        cc=_addresses(fields.get("cc")),
        subject=subject,
        message_id=_message_id(fields.get("message-id")),
        in_reply_to=_message_id(fields.get("in-reply-to")),
        references=_references(fields.get("references")),
        has_attachment=_has_attachment(fields.get("content-type")),
    )


def header_block(raw: bytes) -> bytes:
    """The header part of a whole message (up to the first empty line)."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        end = raw.find(b"\n\n")
    return raw if end < 0 else raw[: end + 2]
