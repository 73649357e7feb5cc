"""Bytes -> a bounded MIME tree (stdlib feed parser, compat32), payload decoding, part paths.

compat32 rather than policy.default: it never raises on header access (policy.default raises
on `To: unlisted-recipients:;` and is slow on huge encoded headers) and leaves all decoding to
us (headers.py). The feed parser is wrapped to cap nesting depth and part count: beyond the
limits a part's Content-Type is replaced by application/octet-stream, so the parser reads it
as an opaque body instead of recursing (the stdlib recurses once per level and dies with
RecursionError near 1,000 levels after about a second).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from email import policy as email_policy
from email.errors import HeaderDefect
from email.feedparser import BytesFeedParser
from email.generator import BytesGenerator
from email.message import Message
from io import BytesIO
from typing import Any

from kittiwake.client.mime.bounds import MAX_DEPTH, MAX_HEADER_LINES, MAX_PARTS
from kittiwake.client.mime.headers import to_bytes

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_B64 = bytes(b for b in range(256) if b not in _B64_ALPHABET)
_IDENTITY = {"7bit", "8bit", "binary", "7-bit", "8-bit", "8bits", "7bits", "6bit", "8 bit"}
_IDENTITY |= {"", "7 bit", "plain", "none", "text", "ascii"}
_UU = {"x-uuencode", "uuencode", "x-uue", "uue"}

_FOLD = re.compile(r"\r?\n(?=[ \t])")

# Why a part was made opaque by the bounded parser: id(part) -> (reason, original type);
# reason is "too-deep", "too-many-parts" or "bad-header" (a Content-Type the stdlib chokes on).
Opaque = dict[int, tuple[str, str]]


class TooManyHeadersDefect(HeaderDefect):
    """More than MAX_HEADER_LINES header lines: the rest were not parsed."""


class _BoundedParser(BytesFeedParser):
    def __init__(self) -> None:
        super().__init__(policy=email_policy.compat32)
        self.depth = 0
        self.parts = 0
        self.opaque: Opaque = {}

    def _parsegen(self) -> Iterator[Any]:
        self.depth += 1
        try:
            yield from super()._parsegen()  # type: ignore[misc]
        finally:
            self.depth -= 1

    def _parse_headers(self, lines: list[str]) -> None:
        cut = len(lines) > MAX_HEADER_LINES
        super()._parse_headers(lines[:MAX_HEADER_LINES])  # type: ignore[misc]
        cur: Message = self._cur  # type: ignore[attr-defined]
        if cut:
            cur.defects.append(TooManyHeadersDefect())
        content_type = cur.get("content-type")
        if isinstance(content_type, str) and "\n" in content_type:
            # Unfold before the parser reads the boundary: 'boundary="simple\r\n boundary"'
            # means "simple boundary" (RFC 5322 unfolding), not a boundary with a newline.
            cur.replace_header("content-type", _FOLD.sub("", content_type))
        self.parts += 1
        reason = ""
        try:
            cur.get_boundary()  # the parser calls it next, and it can raise on garbage
        except Exception:
            reason = "bad-header"
        if self.depth > MAX_DEPTH:
            reason = "too-deep"
        elif self.parts > MAX_PARTS:
            reason = "too-many-parts"
        container = cur.get_content_maintype() in ("multipart", "message")
        if reason == "bad-header" or (reason and container):
            original = cur.get_content_type()
            del cur["content-type"]
            cur["Content-Type"] = "application/octet-stream"
            self.opaque[id(cur)] = (reason, original)


def parse_tree(raw: bytes) -> tuple[Message, Opaque]:
    parser = _BoundedParser()
    parser.feed(raw)
    root = parser.close()
    return root, parser.opaque


def transfer_encoding(part: Message) -> str:
    """Normalised Content-Transfer-Encoding: "base64", "quoted-printable", "uu", "" or other."""
    value = str(part.get("content-transfer-encoding", "") or "")
    value = value.split(";")[0].strip().strip("\"'").lower()
    if value in _IDENTITY:
        return ""
    compact = value.replace(" ", "").replace("_", "-")
    if compact in ("quoted-printable", "quotedprintable", "qp"):
        return "quoted-printable"
    if compact in ("base64", "base-64"):
        return "base64"
    if compact in _UU:
        return "uu"
    return value


def _base64(data: bytes) -> bytes:
    # The stdlib's lenient mode skips junk characters and stops at the padding; only when the
    # padding is wrong (truncated parts) do we strip and re-pad ourselves.
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        pass
    clean = data.translate(None, _NOT_B64)
    clean = clean[: len(clean) - len(clean) % 4] if len(clean) % 4 == 1 else clean
    clean += b"=" * (-len(clean) % 4)
    try:
        return binascii.a2b_base64(clean)
    except (binascii.Error, ValueError):
        return b""


def _uudecode(data: bytes) -> bytes:
    out = bytearray()
    started = False
    for line in data.splitlines():
        if not started:
            started = line.startswith(b"begin ")
            continue
        if line.strip() == b"end":
            break
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            # Some encoders pad lines badly; decode only the bytes the length char promises.
            if line:
                nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
                try:
                    out += binascii.a2b_uu(line[:nbytes])
                except binascii.Error:
                    continue
    return bytes(out)


def raw_payload(part: Message) -> bytes:
    """The part's body bytes exactly as in the message (still transfer-encoded)."""
    # _payload, not get_payload(): compat32's get_payload() re-decodes 8-bit text with the
    # declared charset and "replace", losing the original bytes.
    payload = getattr(part, "_payload", None)
    if isinstance(payload, list):
        return b"".join(as_bytes(sub) for sub in payload if isinstance(sub, Message))
    if isinstance(payload, bytes):
        return payload
    if payload is None:
        return b""
    return to_bytes(str(payload))  # the parser's text is surrogate-escaped bytes


def decoded_payload(part: Message) -> tuple[bytes, str | None]:
    """Transfer-decoded body bytes, and a warning when the encoding was unknown."""
    encoding = transfer_encoding(part)
    if encoding in ("", "base64", "quoted-printable", "uu"):
        return decoded_payload_as(part, encoding)
    return raw_payload(part), f"unknown transfer encoding {encoding[:40]!r}, shown undecoded"


def as_bytes(message: Message) -> bytes:
    """Serialise a (sub)message as the parser saw it (no From_ mangling, no re-folding)."""
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=email_policy.compat32).flatten(message)
    except Exception:  # a malformed tree the generator dislikes: give what we can
        return raw_payload(message)
    return buffer.getvalue()


def children(part: Message) -> list[Message]:
    payload = getattr(part, "_payload", None)  # get_payload() may decode, and raise
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return []


def child_path(prefix: str, index: int) -> str:
    return f"{prefix}.{index}" if prefix else str(index)


def find_part(root: Message, path: str) -> Message | None:
    """The part at an IMAP-style section path ("1", "2.1", ...), or None."""
    try:
        numbers = [int(n) for n in path.split(".")]
    except ValueError:
        return None
    entity: Message | None = root  # a message whose body the next number indexes
    part: Message | None = None
    for number in numbers:
        if number < 1 or entity is None:
            return None
        if entity.get_content_maintype() == "multipart" and entity.is_multipart():
            kids = children(entity)
            if number > len(kids):
                return None
            part = kids[number - 1]
        elif number == 1:
            part = entity
        else:
            return None
        inner = nested_message(part) if part.get_content_maintype() == "message" else None
        if inner is not None:
            entity = inner
        elif part.get_content_maintype() == "multipart":
            entity = part
        else:
            entity = None  # a leaf: any further number fails
    return part


def nested_message(part: Message) -> Message | None:
    """The message inside a message/rfc822 (or message/global) part, decoding it if the
    sender transfer-encoded it (the feed parser would otherwise see base64 text as a body)."""
    kids = children(part)
    encoding = transfer_encoding(part)
    if encoding in ("base64", "quoted-printable", "uu"):
        source = kids[0] if len(kids) == 1 and not kids[0].keys() else part
        data, _ = decoded_payload_as(source, encoding)
        return parse_tree(data)[0]
    return kids[0] if kids else None


def decoded_payload_as(part: Message, encoding: str) -> tuple[bytes, str | None]:
    data = raw_payload(part)
    if encoding == "base64":
        decoded = _base64(data)
    elif encoding == "quoted-printable":
        decoded = binascii.a2b_qp(data)
    elif encoding == "uu":
        decoded = _uudecode(data)
    else:
        return data, None
    if not decoded and data.strip():
        # Nothing decodable at all: keep the bytes as they are rather than lose them.
        return data, f"a part is not valid {encoding}; shown undecoded"
    return decoded, None
