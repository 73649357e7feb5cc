"""What the server announced in EHLO, and what that means for one message.

`mail_options` is the gate every message passes before a single byte of it is sent: a message
the server cannot carry intact (too large, 8-bit without 8BITMIME, UTF-8 addresses or headers
without SMTPUTF8, a line over 998 octets) is refused here, locally, with the error a server
would have given.
"""

from __future__ import annotations

from dataclasses import dataclass

from kittiwake.client.net.errors import MessageRefused, MessageTooLarge
from kittiwake.client.smtp.envelope import Envelope
from kittiwake.client.smtp.payload import Content

# RFC 5321 4.5.3.1.6: 1000 octets per line including CRLF. Only BINARYMIME over CHUNKING
# lifts it, and we use neither.
MAX_LINE = 998


@dataclass(frozen=True)
class Capabilities:
    starttls: bool = False
    auth_methods: frozenset[str] = frozenset()  # upper case: PLAIN, LOGIN, XOAUTH2, ...
    size_announced: bool = False  # SIZE offered: we declare SIZE= (RFC 1870)
    size_limit: int | None = None  # None: no limit stated ("SIZE" or "SIZE 0")
    eight_bit_mime: bool = False
    smtputf8: bool = False
    pipelining: bool = False
    enhanced_status_codes: bool = False

    @classmethod
    def from_ehlo(cls, extensions: dict[str, str], auth_methods: list[str]) -> Capabilities:
        """From aiosmtplib's parsed EHLO (keywords lower-cased, parameters as given)."""
        limit: int | None = None
        if "size" in extensions:
            text = extensions["size"].strip()
            limit = int(text) if text.isdigit() and int(text) > 0 else None
        return cls(
            starttls="starttls" in extensions,
            auth_methods=frozenset(method.upper() for method in auth_methods),
            size_announced="size" in extensions,
            size_limit=limit,
            eight_bit_mime="8bitmime" in extensions,
            smtputf8="smtputf8" in extensions,
            pipelining="pipelining" in extensions,
            enhanced_status_codes="enhancedstatuscodes" in extensions,
        )


def mail_options(
    content: Content, envelope: Envelope, caps: Capabilities, *, server: str = ""
) -> list[str]:
    """The MAIL FROM parameters for this message, or the reason it cannot be sent here."""
    where = server or "the server"
    if caps.size_limit is not None and content.size > caps.size_limit:
        raise MessageTooLarge(
            f"The message is {content.size:,} bytes; {where} accepts at most "
            f"{caps.size_limit:,} bytes. Nothing was sent.",
            code=552,
            enhanced_status="5.3.4",
        )
    if content.longest_line > MAX_LINE:
        # Servers refuse it only after the whole DATA went out ("500 Line too long").
        raise MessageRefused(
            f"A line of the message is {content.longest_line:,} characters long; SMTP allows "
            f"{MAX_LINE}. Nothing was sent.",
            "The message must be re-encoded (quoted-printable or base64) before sending.",
            code=554,
            enhanced_status="5.6.0",
        )
    needs_utf8 = envelope.needs_smtputf8 or content.header_8bit
    if needs_utf8 and not caps.smtputf8:
        what = (
            "an address with non-ASCII characters"
            if envelope.needs_smtputf8
            else "non-ASCII text in its headers"
        )
        raise MessageRefused(
            f"The message has {what}, but {where} does not support SMTPUTF8. Nothing was sent.",
            "Use an ASCII-only address for this server, or send through another server.",
            code=553,
            enhanced_status="5.6.7",
        )
    if content.eight_bit and not caps.eight_bit_mime:
        raise MessageRefused(
            f"The message body holds 8-bit text, but {where} does not support 8BITMIME. "
            "Nothing was sent.",
            "The message must be re-encoded (quoted-printable or base64) for this server.",
            code=554,
            enhanced_status="5.6.3",
        )
    options: list[str] = []
    if caps.size_announced:
        options.append(f"SIZE={content.size}")
    if content.eight_bit:
        options.append("BODY=8BITMIME")
    if needs_utf8:
        options.append("SMTPUTF8")
    return options
