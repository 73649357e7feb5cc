"""Compose: a `Draft` (what the composer edits) becomes the bytes the outbox sends.

The draft is a frozen value the GUI edits with `dataclasses.replace` and the outbox stores; the
build is pure (no I/O but reading attachment files), so the same draft always yields the same
message for a given Message-ID and date. Headers are checked before the stdlib sees them: a line
break in any field raises `HeaderInjection` instead of forging a header.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import format_datetime
from html.parser import HTMLParser
from urllib.parse import quote

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.addresses import (
    Address,
    check_single_line,
    encode_words,
    format_address,
    needs_encoded_words,
    validate,
)
from kittiwake.client.mime.flowed_out import SIGNATURE_SEPARATOR, encode_flowed
from kittiwake.client.net.errors import HeaderInjection

# Headers the build owns: an extra header may not replace them (that is how Bcc leaks happen).
_MANAGED = frozenset(
    h.lower()
    for h in (
        "From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To",
        "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
        "Content-Disposition", "Sender",
    )
)  # fmt: skip
_HEADER_NAME = re.compile(r"[!-9;-~]{1,76}")
_MSG_ID = re.compile(r"<?([^<>\s\"]+)>?")


@dataclass(frozen=True)
class Attachment:
    """A file to attach: `data` in memory, or `path` read at build time."""

    name: str
    data: bytes | None = None
    path: str | None = None
    content_type: str | None = None  # detected from name and content when None

    def load(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.path is None:
            raise ValueError(f"The attachment {self.name!r} has neither data nor a path.")
        with open(self.path, "rb") as f:
            return f.read()

    @classmethod
    def from_path(cls, path: str, content_type: str | None = None) -> Attachment:
        return cls(name=os.path.basename(path), path=path, content_type=content_type)


@dataclass(frozen=True)
class Draft:
    identity: Identity
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    subject: str = ""
    text: str = ""
    html: str | None = None  # when set, `text` is its plain alternative (derived if empty)
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    reply_to: tuple[Address, ...] = ()
    extra_headers: tuple[tuple[str, str], ...] = ()
    flowed: bool = True
    # Fixed once by the outbox so a retried send is the same message (None: made at build).
    message_id: str | None = None
    date: datetime | None = None
    mail_followup_to: tuple[Address, ...] = ()


def with_signature(text: str, identity: Identity) -> str:
    """Append the identity's signature under the "-- " separator (once)."""
    signature = identity.signature.replace("\r\n", "\n").strip("\n")
    first, _, rest = signature.partition("\n")
    if first.rstrip() == "--":  # the user typed the separator themselves (often without space)
        signature = rest.strip("\n")
    if not signature:
        return text
    return f"{text.rstrip(chr(10))}\n\n{SIGNATURE_SEPARATOR}\n{signature}\n"


def new_draft(identity: Identity, **fields: object) -> Draft:
    """An empty message from `identity`, its signature already in the text."""
    draft = Draft(identity=identity, **fields)  # type: ignore[arg-type]
    return replace(draft, text=with_signature(draft.text, identity))


def make_message_id(identity: Identity) -> str:
    """A unique Message-ID on the sender's domain (never the machine's host name)."""
    domain = Address(identity.address).ascii_domain() or "kittiwake.invalid"
    return f"<{int(time.time())}.{secrets.token_hex(10)}@{domain}>"


def normalise_msg_id(value: str) -> str:
    """`<id>` from an id with or without brackets; raises on line breaks or embedded spaces."""
    check_single_line(value, "message id")
    m = _MSG_ID.fullmatch(value.strip())
    if not m:
        raise HeaderInjection(f"{value!r} is not a message id.", "A message id looks like <x@y>.")
    return f"<{m.group(1)}>"


def _fold(name: str, value: str) -> str:
    """Fold at spaces so lines stay under 78 characters where a space allows it.

    Folding inserts a line break before a space; unfolding removes only the break, so this is
    neutral anywhere, even inside a quoted string. A continuation line is never only spaces.
    """
    words = value.split(" ")
    lines: list[str] = []
    line = words[0]
    room = 78 - len(name) - 2
    for word in words[1:]:
        if word and line.strip() and len(line) + 1 + len(word) > room:
            lines.append(line)
            line, room = " " + word, 78
        else:
            line += " " + word
    lines.append(line)
    return "\n".join(lines)


def _set_header(msg: EmailMessage, name: str, value: str) -> None:
    # Stored as already-encoded source text (the policy does not refold it): the stdlib folder
    # mangles some values, e.g. text that looks like an encoded word reads back decoded.
    msg.set_raw(name, _fold(name, value))


def _unstructured(text: str, utf8: bool) -> str:
    return encode_words(text) if needs_encoded_words(text, utf8=utf8) else text


def _check_address(address: Address, utf8: bool) -> str:
    validate(address)
    return format_address(address, utf8=utf8)


def _set_addresses(
    msg: EmailMessage, name: str, addresses: tuple[Address, ...], utf8: bool
) -> None:
    if addresses:
        _set_header(msg, name, ", ".join(_check_address(a, utf8) for a in addresses))


def _text_cte(text: str, utf8: bool) -> str:
    if text.isascii() and all(len(line) <= 998 for line in text.split("\n")):
        return "7bit"
    # quoted-printable keeps flowed trailing spaces visible to relays that strip them.
    return "8bit" if utf8 else "quoted-printable"


def _clean_body(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "")


def _plain_part(draft: Draft) -> tuple[str, dict[str, str]]:
    text = _clean_body(draft.text)
    if not text.strip() and draft.html is not None:
        text = html_to_text(draft.html)
    if draft.flowed:
        return encode_flowed(text), {"format": "flowed", "delsp": "no"}
    return text, {}


def build_email(
    draft: Draft, *, smtputf8: bool = False, include_bcc: bool = False, now: datetime | None = None
) -> EmailMessage:
    """The message as an EmailMessage (policy SMTP: CRLF line ends, ready to send or append).

    `smtputf8`: the server offers SMTPUTF8, so headers and addresses go as raw UTF-8.
    `include_bcc`: keep the Bcc header (for the Drafts folder; never for sending).
    """
    pol = (email_policy.SMTPUTF8 if smtputf8 else email_policy.SMTP).clone(refold_source="none")
    msg = EmailMessage(policy=pol)
    _set_addresses(msg, "From", (Address(draft.identity.address, draft.identity.name),), smtputf8)
    _set_addresses(msg, "To", draft.to, smtputf8)
    _set_addresses(msg, "Cc", draft.cc, smtputf8)
    if include_bcc:
        _set_addresses(msg, "Bcc", draft.bcc, smtputf8)
    _set_addresses(msg, "Reply-To", draft.reply_to, smtputf8)
    _set_addresses(msg, "Mail-Followup-To", draft.mail_followup_to, smtputf8)
    subject = check_single_line(draft.subject, "subject")
    _set_header(msg, "Subject", _unstructured(subject, smtputf8))
    msg["Date"] = format_datetime(draft.date or now or datetime.now().astimezone())
    msg["Message-ID"] = normalise_msg_id(draft.message_id or make_message_id(draft.identity))
    if draft.in_reply_to:
        msg["In-Reply-To"] = normalise_msg_id(draft.in_reply_to)
    if draft.references:
        msg["References"] = " ".join(normalise_msg_id(r) for r in draft.references)
    for name, value in draft.extra_headers:
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _MANAGED:
            raise HeaderInjection(f"{name!r} cannot be set as an extra header.")
        _set_header(msg, name, _unstructured(check_single_line(value, f"{name} header"), smtputf8))
    msg["MIME-Version"] = "1.0"

    body, params = _plain_part(draft)
    msg.set_content(
        body, subtype="plain", charset="utf-8", cte=_text_cte(body, smtputf8), params=params
    )
    if draft.html is not None:
        html = _clean_body(draft.html)
        msg.add_alternative(html, subtype="html", charset="utf-8", cte=_text_cte(html, smtputf8))
    for attachment in draft.attachments:
        _attach(msg, attachment, pol)
    for part in msg.walk():
        if part is not msg:  # add_attachment stamps every part; only the top needs it
            del part["MIME-Version"]
    return msg


def build_message(
    draft: Draft, *, smtputf8: bool = False, include_bcc: bool = False, now: datetime | None = None
) -> bytes:
    """The message bytes (CRLF line ends), as SMTP DATA or IMAP APPEND want them.

    Use this rather than `build_email(...).as_bytes()`: a forwarded 8-bit message needs the
    generator below.
    """
    msg = build_email(draft, smtputf8=smtputf8, include_bcc=include_bcc, now=now)
    out = io.BytesIO()
    _Generator(out, policy=msg.policy).flatten(msg)
    return out.getvalue()


class _Generator(BytesGenerator):
    # The stdlib writes a message/rfc822 string payload with encode("ascii"), which fails on
    # the raw 8-bit bytes of a forwarded message; surrogateescape writes them back unchanged.
    def _encode(self, s: str) -> bytes:
        return s.encode("ascii", "surrogateescape")


def needs_smtputf8(draft: Draft) -> bool:
    """True when an address has a non-ASCII user part, so only an SMTPUTF8 server can carry it.

    The outbox asks this before sending: without SMTPUTF8 such a draft cannot be sent at all
    (a non-ASCII domain alone is fine: it goes as IDNA).
    """
    sender = Address(draft.identity.address, draft.identity.name)
    everyone = (sender, *draft.to, *draft.cc, *draft.bcc, *draft.reply_to)
    return any(not a.local.isascii() for a in everyone)


def envelope_recipients(draft: Draft, *, smtputf8: bool = False) -> list[str]:
    """RCPT TO addresses: To, Cc and Bcc, each once, IDNA domains unless SMTPUTF8."""
    seen: dict[str, str] = {}
    for a in (*draft.to, *draft.cc, *draft.bcc):
        validate(a)
        seen.setdefault(a.key(), a.addr_spec if smtputf8 else f"{a.local}@{a.ascii_domain()}")
    return list(seen.values())


def _attach(
    msg: EmailMessage, attachment: Attachment, pol: email_policy.EmailPolicy[EmailMessage]
) -> None:
    data = attachment.load()
    name = safe_filename(attachment.name)
    ctype = (attachment.content_type or detect_type(name, data)).lower()
    maintype, _, subtype = ctype.partition("/")
    if msg.get_content_maintype() != "multipart" or msg.get_content_subtype() != "mixed":
        msg.make_mixed()
    part = _message_part(data, name, pol) if ctype == "message/rfc822" else None
    if part is None:
        if ctype == "message/rfc822":
            maintype, subtype = "application", "octet-stream"
        part = EmailMessage(policy=pol)
        part.set_content(data, maintype=maintype, subtype=subtype or "octet-stream")
        _set_header(part, "Content-Disposition", disposition(name))
    msg.attach(part)


_TOKEN_SAFE = re.compile(r"[A-Za-z0-9!#$&+\-.^_`|~ ()\[\],;:@/?=<>{}']*")


def disposition(filename: str) -> str:
    """`attachment; filename=...`: a quoted string when plain, RFC 2231 otherwise.

    RFC 2231 for anything unusual (non-ASCII, quotes, backslashes, "=?", long names), since
    readers decode encoded-word look-alikes inside a quoted filename. Long names are split into
    numbered continuations so no line nears the length limit.
    """
    if _TOKEN_SAFE.fullmatch(filename) and "=?" not in filename and len(filename) <= 60:
        return f'attachment; filename="{filename}"'
    encoded = quote(filename, safe="!#$&+-.^_`|~", encoding="utf-8")
    if len(encoded) <= 60:
        return f"attachment; filename*=utf-8''{encoded}"
    pieces, rest = [], encoded
    while rest:
        cut = 60
        while "%" in rest[max(cut - 2, 0) : cut]:  # never split a %XX escape
            cut -= 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    params = [f"filename*0*=utf-8''{pieces[0]}"]
    params += [f"filename*{i}*={piece}" for i, piece in enumerate(pieces[1:], start=1)]
    return "attachment; " + "; ".join(params)


def _message_part(
    data: bytes, name: str, pol: email_policy.EmailPolicy[EmailMessage]
) -> EmailMessage | None:
    """A forwarded message kept byte-exact (RFC 2046 forbids base64 on message/rfc822).

    The generator writes a string payload of a message/* part verbatim, so the original's headers
    are not refolded. Lines too long for SMTP or a NUL make it binary: then None (caller falls
    back to application/octet-stream).
    """
    lines = re.split(rb"\r\n|\n|\r", data)
    if b"\0" in data or any(len(line) > 998 for line in lines):
        return None
    if lines[-1] == b"":
        lines.pop()  # the final line break, which the join below puts back
    raw = b"\r\n".join(lines) + b"\r\n"
    part = EmailMessage(policy=pol)
    part["Content-Type"] = "message/rfc822"
    part["Content-Transfer-Encoding"] = "7bit" if raw.isascii() else "8bit"
    _set_header(part, "Content-Disposition", disposition(name))
    part.set_payload(raw.decode("ascii", "surrogateescape"))
    return part


# --- attachment names and types --------------------------------------------------------------

_UNSAFE_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029/\\\\]")


def safe_filename(name: str) -> str:
    """The last path component, controls and separators replaced, never empty, <= 200 chars."""
    name = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip()
    if name in ("", ".", ".."):
        return "attachment"
    if len(name) > 1 and (name[0], name[-1]) in (('"', '"'), ("<", ">")):
        name = f"_{name[1:-1]}_"  # readers strip (and unescape) such a name as if quoted
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) < 16 else name[:200]
    return name


# Magic bytes of the types people attach most; checked before trusting the file name.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", 0, "application/vnd.rar"),
    (b"OggS", 0, "audio/ogg"),
    (b"ID3", 0, "audio/mpeg"),
    (b"ftyp", 4, "video/mp4"),
    (b"{\\rtf", 0, "application/rtf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/x-ole-storage"),
    (b"PK\x03\x04", 0, "application/zip"),
)
# Containers whose extension names a more precise type (a .docx is a zip, a .doc is OLE).
_CONTAINERS = frozenset({"application/zip", "application/x-ole-storage"})


def detect_type(name: str, data: bytes) -> str:
    """MIME type from magic bytes, else the file name, else text/plain or octet-stream."""
    by_name = mimetypes.guess_type(name, strict=False)[0]
    for magic, offset, ctype in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            if ctype in _CONTAINERS and by_name:
                return by_name
            return "application/msword" if ctype == "application/x-ole-storage" else ctype
    if by_name:
        return by_name
    if b"\0" not in data[:4096]:
        try:
            data[:4096].decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError as exc:
            if exc.start >= 4092:  # a character cut by the sniff window
                return "text/plain"
    return "application/octet-stream"


# --- HTML to plain text (the alternative part, and quoting an HTML-only message) -------------


class _TextExtractor(HTMLParser):
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._BLOCK:
            self.out.append("\n")
        if tag == "li":
            self.out.append("* ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text from HTML: block elements become line breaks, markup disappears."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
