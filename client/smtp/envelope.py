"""The SMTP envelope (MAIL FROM, RCPT TO) of a raw message, and its Bcc-free wire form.

Pure functions over the message bytes the outbox stores. The header block is read with
`email.utils.getaddresses`, not `email.message_from_bytes(policy=default)`, because the latter
raises on headers such as `To: unlisted-recipients:;` (see DESIGN.md), and the bytes we send
must stay exactly the bytes we were given, apart from the Bcc lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses

from kittiwake.client.net.errors import MessageRefused

# Sender wins over From (RFC 5322 3.6.2: Sender is the mailbox responsible for transmission).
_SENDER_FIELDS = ("sender", "from")
_RECIPIENT_FIELDS = ("to", "cc", "bcc")
# Fields that must never reach the server: they would show blind recipients to everyone.
_STRIPPED_FIELDS = frozenset({"bcc", "resent-bcc"})

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_NAME = re.compile(rb"^([!-9;-~]+)[ \t]*:")
# local@domain, the local part plain or quoted: nothing that could end an SMTP command line.
_ADDRESS = re.compile(
    r'^(?:"[^"\\\x00-\x1f\x7f]*"|[^\s<>@"\x00-\x1f\x7f]+)@[^\s<>@"\x00-\x1f\x7f]+$'
)


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: tuple[str, ...]

    @property
    def needs_smtputf8(self) -> bool:
        return not all(address.isascii() for address in (self.sender, *self.recipients))


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """(header block including its final line break, rest from the blank line on)."""
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    # Keep the first line break with the header block; the blank line starts the body part.
    first_break = raw.index(b"\n", match.start()) + 1
    return raw[:first_break], raw[first_break:]


def header_fields(header_block: bytes) -> list[tuple[str, bytes]]:
    """Each field as (lower-case name, raw bytes of the whole field incl. folded lines)."""
    fields: list[tuple[str, bytes]] = []
    for line in header_block.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            name, text = fields[-1]
            fields[-1] = (name, text + line)
            continue
        match = _FIELD_NAME.match(line)
        name = match.group(1).decode("ascii").lower() if match else ""
        fields.append((name, line))
    return fields


def _field_value(raw_field: bytes) -> str:
    value = raw_field.split(b":", 1)[1] if b":" in raw_field else b""
    # RFC 6532 allows UTF-8 in headers; anything else is kept visible rather than guessed.
    text = value.decode("utf-8", errors="replace")
    return re.sub(r"\r?\n[ \t]", " ", text).strip()


def _addresses(values: list[str]) -> list[str]:
    found = []
    for _name, address in getaddresses(values):
        address = address.strip()
        if address:
            found.append(address)
    return found


def _check_address(address: str, role: str) -> str:
    if not _ADDRESS.match(address):
        # 553 5.1.3: what a server says for a malformed mailbox; nothing has been sent.
        raise MessageRefused(
            f"The {role} address “{address}” is not a valid e-mail address.",
            "Check the address for typing mistakes.",
            code=553,
            enhanced_status="5.1.3",
        )
    return address


def envelope_from_message(
    raw: bytes,
    sender: str | None = None,
    recipients: tuple[str, ...] | list[str] | None = None,
) -> Envelope:
    """The envelope to use: the given one, or Sender/From and To/Cc/Bcc from the headers."""
    fields = header_fields(split_message(raw)[0])
    if sender is None:
        for wanted in _SENDER_FIELDS:
            found = _addresses([_field_value(f) for name, f in fields if name == wanted])
            if found:
                sender = found[0]
                break
        else:
            raise MessageRefused(
                "The message has no sender (no From header).",
                "Choose an identity to send from.",
                code=553,
                enhanced_status="5.1.7",
            )
    if recipients is None:
        values = [_field_value(f) for name, f in fields if name in _RECIPIENT_FIELDS]
        recipients = _addresses(values)
    unique: dict[str, str] = {}
    for address in recipients:
        # Mailbox local parts may be case-sensitive, domains are not; a duplicate only ever
        # differs in case when someone typed it twice, so one RCPT per spelling-insensitive key.
        unique.setdefault(address.lower(), _check_address(address, "recipient"))
    if not unique:
        raise MessageRefused(
            "The message has no recipients (To, Cc or Bcc).",
            "Add at least one recipient.",
            code=554,
            enhanced_status="5.5.1",
        )
    # The null reverse-path "<>" is for bounces only; a person always sends from an address.
    return Envelope(_check_address(sender, "sender"), tuple(unique.values()))


def strip_bcc(raw: bytes) -> bytes:
    """The message without Bcc/Resent-Bcc fields; every other byte unchanged."""
    header_block, rest = split_message(raw)
    kept = [text for name, text in header_fields(header_block) if name not in _STRIPPED_FIELDS]
    return b"".join(kept) + rest
