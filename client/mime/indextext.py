"""The words of a message for the full-text index, about 30 times faster than parse_message.

parse_message builds the reader's model with the stdlib feed parser, which reads every line of
every part in Python: a 4 MB attachment costs ~100 ms, and the corpus of benchmarks/corpus.py
averages 10 ms a message (1,000 s of CPU for 100,000). The index needs only the text, so here
the parts are located with bytes.find on their boundaries, only headers go through the stdlib
(compat32, as tree.py), and only text parts are decoded -- with the same helpers as the reader
(transfer decoding, charset fallbacks, format=flowed, HTML to text), so search and display
agree on the words. Attachments contribute their file names; nested messages their subject,
sender and text.

Bounded like parse_tree (MAX_DEPTH, MAX_PARTS), plus a character budget (the index keeps at
most fts.MAX_TEXT_CHARS), and never raises: whatever was gathered before a surprise is kept.
"""

from __future__ import annotations

import email.policy
import logging
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser

from kittiwake.client.mime.bounds import MAX_DEPTH, MAX_PARTS
from kittiwake.client.mime.flowed import decode_flowed
from kittiwake.client.mime.headers import (
    decode_bytes,
    filename,
    get_param,
    header_text,
    raw_value,
    to_bytes,
)
from kittiwake.client.mime.safe_html import html_to_text
from kittiwake.client.mime.tree import decoded_payload_as, transfer_encoding

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 64 * 1024
# Headers beyond this are not read for indexing: only Content-* matter here, and they come
# early; the reader's parser still sees them all.
_MAX_HEAD_BYTES = 256 * 1024
_PLAIN = ("text/plain", "text/enriched", "text/richtext")
_MESSAGE = ("message/rfc822", "message/global")
_HEADERS = BytesHeaderParser(policy=email.policy.compat32)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENRICHED_TAG = re.compile(r"<(?!<)[^>]*>")
# A line that is neither a header field, a continuation nor an mbox "From " line (the
# stdlib's headerRE, negated): it and what follows are the body.
_NOT_HEADER = re.compile(rb"^(?!From |[\x21-\x39\x3b-\x7e]*:|[ \t])", re.MULTILINE)
# What most senders put before the first part: words everyone has, not worth indexing.
_BOILERPLATE = re.compile(r"\s*(this is a multi-?part message in mime format\.?)?\s*$", re.I)
# Machine-readable report parts the reader shows as text (mime/reports.py).
_REPORTS = (
    "message/delivery-status",
    "message/global-delivery-status",
    "message/disposition-notification",
    "message/feedback-report",
    "text/rfc822-headers",
    "message/global-headers",
)


@dataclass
class _State:
    budget: int
    parts: int = 0
    out: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text and self.budget > 0:
            text = text[: self.budget]
            self.out.append(text)
            self.budget -= len(text) + 1


def index_text(raw: bytes, limit: int = DEFAULT_LIMIT) -> str:
    """The searchable text of `raw`: body text, attachment names, nested messages' headers and
    text; at most `limit` characters. Never raises."""
    state = _State(limit)
    try:
        _entity(raw, 0, len(raw), 0, state, "text/plain")
    except Exception:  # a surprise in one message must not cost the words found so far
        log.debug("index text extraction stopped early", exc_info=True)
    return "\n".join(state.out)[:limit]


def _split_head(raw: bytes, start: int, end: int) -> tuple[int, int]:
    """(end of the header block, start of the body) of the entity raw[start:end]."""
    if raw.startswith(b"\r\n", start, end):
        return start, start + 2
    if raw.startswith(b"\n", start, end):
        return start, start + 1
    stop = min(end, start + _MAX_HEAD_BYTES)
    found = [
        (i, i + len(sep)) for sep in (b"\n\r\n", b"\n\n") if (i := raw.find(sep, start, stop)) >= 0
    ]
    if not found:
        stray = _NOT_HEADER.search(raw, start, max(start, stop - 1))
        if stray is not None:
            return stray.start(), stray.start()
        return stop, stop  # all headers (or more of them than we read): no body
    head_end, body = min(found)
    # Like the stdlib parser: the first line that is not a header starts the body.
    stray = _NOT_HEADER.search(raw, start, head_end)
    if stray is not None:
        return stray.start(), stray.start()
    return head_end + 1, body


def _headers(raw: bytes, start: int, head_end: int, default: str) -> Message:
    head = _HEADERS.parsebytes(raw[start:head_end])
    head.set_default_type(default)
    content_type = head.get("content-type")
    if isinstance(content_type, str) and "\n" in content_type:
        head.replace_header("content-type", _FOLD.sub("", content_type))  # as tree.py
    return head


def _entity(raw: bytes, start: int, end: int, depth: int, state: _State, default: str) -> None:
    state.parts += 1
    if state.budget <= 0 or state.parts > MAX_PARTS:
        return
    head_end, body = _split_head(raw, start, end)
    head = _headers(raw, start, head_end, default)
    content_type = head.get_content_type()
    disposition = (raw_value(head, "content-disposition") or "").split(";")[0].strip().lower()
    if content_type.startswith("multipart/") and depth < MAX_DEPTH:
        _multipart(raw, body, end, head, depth, state)
    elif content_type in _MESSAGE and depth < MAX_DEPTH:
        _nested(raw, body, end, head, depth, state)
    elif content_type in _REPORTS:
        state.add(_text(raw[body:end], head, "text/plain", state.budget))
    elif disposition == "attachment" or not content_type.startswith("text/"):
        state.add(filename(head)[0])
    elif content_type in _PLAIN or content_type == "text/html":
        state.add(_text(raw[body:end], head, content_type, state.budget))
    else:  # text/calendar, text/csv...: the reader shows these as files, so do we
        state.add(filename(head)[0])


def _boundary(head: Message) -> bytes | None:
    try:
        boundary = head.get_boundary()
    except Exception:  # the stdlib's parameter parser trips on some garbage
        return None
    return to_bytes(boundary) if boundary else None


def _delimiter(raw: bytes, start: int, end: int, marker: bytes) -> int:
    """Where the next delimiter line "--boundary" starts (at its "--"), or -1. The marker
    must begin a line and be followed by "--" or only white space (RFC 2046 5.1.1), so
    "--abc" does not match inside "--abcdef"."""
    position = start
    while True:
        if raw.startswith(marker, position, end) and (position == 0 or raw[position - 1] == 10):
            found = position
        else:
            found = raw.find(b"\n" + marker, position, end)
            if found < 0:
                return -1
            found += 1
        after = found + len(marker)
        line_end = raw.find(b"\n", after, end)
        rest = raw[after : end if line_end < 0 else line_end]
        if rest.startswith(b"--") or not rest.strip():
            return found
        position = after


def _parts(raw: bytes, body: int, end: int, boundary: bytes) -> list[tuple[int, int]]:
    """(start, end) of each part between the delimiter lines."""
    marker = b"--" + boundary
    spans: list[tuple[int, int]] = []
    position = _delimiter(raw, body, end, marker)
    while position >= 0 and len(spans) < MAX_PARTS:
        after = position + len(marker)
        if raw.startswith(b"--", after, end):
            break  # the close delimiter
        line_end = raw.find(b"\n", after, end)
        if line_end < 0:
            break
        following = _delimiter(raw, line_end + 1, end, marker)
        part_end = end if following < 0 else following - 1  # the LF before the delimiter
        if following >= 0 and raw[part_end - 1 : part_end] == b"\r":
            part_end -= 1  # ... and its CR belong to the delimiter
        spans.append((line_end + 1, max(line_end + 1, part_end)))
        position = following
    return spans


def _multipart(raw: bytes, body: int, end: int, head: Message, depth: int, state: _State) -> None:
    boundary = _boundary(head)
    spans = [] if boundary is None else _parts(raw, body, end, boundary)
    if not spans:  # no delimiter at all: the reader shows the body as text, so index it
        state.add(_text(raw[body:end], head, "text/plain", state.budget))
        return
    assert boundary is not None  # spans were found
    first = _delimiter(raw, body, end, b"--" + boundary)
    preamble = _text(raw[body:first], head, "text/plain", state.budget)
    if not _BOILERPLATE.match(preamble):  # some senders put the human text here
        state.add(preamble)
    subtype = head.get_content_subtype()
    default = "message/rfc822" if subtype == "digest" else "text/plain"
    if subtype == "alternative":
        spans = _alternatives(raw, spans, default)
    for part_start, part_end in spans:
        _entity(raw, part_start, part_end, depth + 1, state, default)


def _alternatives(raw: bytes, spans: list[tuple[int, int]], default: str) -> list[tuple[int, int]]:
    """The versions of a multipart/alternative worth indexing: the same words in HTML again
    would double the index for nothing (and cost an HTML pass), so the HTML only when the
    other versions are small beside it (a "view this in a browser" stub, or none at all)."""
    html: list[tuple[int, int]] = []
    other: list[tuple[int, int]] = []
    for span in spans:
        head_end, _ = _split_head(raw, *span)
        content_type = _headers(raw, span[0], head_end, default).get_content_type()
        (html if content_type == "text/html" else other).append(span)
    size = sum(e - s for s, e in other)
    if size * 4 < sum(e - s for s, e in html):
        return other + html
    return other


def _nested(raw: bytes, body: int, end: int, head: Message, depth: int, state: _State) -> None:
    encoding = transfer_encoding(head)
    if encoding in ("base64", "quoted-printable", "uu"):
        holder = Message()
        holder.set_payload(raw[body:end].decode("ascii", "surrogateescape"))
        inner, _ = decoded_payload_as(holder, encoding)
        raw, body, end = inner, 0, len(inner)
    head_end, _ = _split_head(raw, body, end)
    inner_head = _headers(raw, body, head_end, "text/plain")
    for name in ("subject", "from", "to", "cc"):
        value = raw_value(inner_head, name)
        if value:
            state.add(header_text(value)[0])
    _entity(raw, body, end, depth + 1, state, "text/plain")


def _text(data: bytes, head: Message, content_type: str, budget: int) -> str:
    # Enough encoded bytes for `budget` characters: UTF-8 up to 4 bytes each, base64 4/3.
    holder = head
    holder.set_payload(data[: budget * 6 + 1024].decode("ascii", "surrogateescape"))
    decoded, _ = decoded_payload_as(holder, transfer_encoding(head))
    text, _ = decode_bytes(decoded, get_param(head, "charset", "content-type")[0] or None)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if content_type == "text/html":
        return html_to_text(text)
    if content_type != "text/plain":
        text = _ENRICHED_TAG.sub("", text).replace("<<", "<")
    flowed = "flowed" in (raw_value(head, "content-type") or "").lower()  # cheap test first
    if flowed and get_param(head, "format", "content-type")[0].lower() == "flowed":
        delsp = get_param(head, "delsp", "content-type")[0].lower() == "yes"
        text = decode_flowed(text, delsp=delsp)
    return text
