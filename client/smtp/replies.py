"""SMTP replies -> the error taxonomy: enhanced status codes (RFC 3463) and refusals."""

from __future__ import annotations

import re

from kittiwake.client.net.errors import MessageRefused, MessageTooLarge

_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")

# Codes that say "too big": 552 on MAIL/DATA, and the enhanced codes for size limits.
_TOO_LARGE_ENHANCED = {"5.3.4", "5.2.3", "4.3.4", "4.2.3"}


def enhanced_status(text: str) -> str:
    """The RFC 3463 code at the start of a reply's text ("5.7.1 Denied" -> "5.7.1"), or ""."""
    match = _ENHANCED.match(text.lstrip())
    return ".".join(match.groups()) if match else ""


def strip_enhanced(text: str) -> str:
    """The reply text a person reads: each line without its enhanced status code."""
    return "\n".join(_ENHANCED.sub("", line.lstrip()).strip() for line in text.split("\n"))


def refusal(
    code: int, text: str, *, stage: str, subject: str = "", host: str = "", port: int = 0
) -> MessageRefused:
    """The error for a 4xx/5xx reply to MAIL, RCPT or DATA. `subject` names the address."""
    status = enhanced_status(text)
    readable = strip_enhanced(text)
    about = f" ({subject})" if subject else ""
    temporary = 400 <= code < 500
    kind = "temporarily refused" if temporary else "refused"
    message = f"The server {kind} the message at {stage}{about}: {code} {readable}".rstrip()
    too_large = code == 552 or status in _TOO_LARGE_ENHANCED
    cls = MessageTooLarge if too_large else MessageRefused
    hint: str | None = None  # MessageTooLarge's own hint says what to do
    if temporary:
        hint = "Kittiwake keeps the message in the outbox and will try again later."
    elif not too_large:
        hint = "Sending it again will not help: check the addresses and the server's words."
    return cls(
        message,
        hint,
        code=code,
        enhanced_status=status,
        server_text=text,
        host=host,
        port=port,
    )
