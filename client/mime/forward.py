"""Forward a message inline (its text quoted under a header block) or as an attachment.

Inline forwarding carries the original's attachments along; forwarding as an attachment keeps
the original byte for byte as message/rfc822 (compose.py makes sure it is not re-encoded).
A forward starts a new conversation, so it sets no In-Reply-To.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from email.message import EmailMessage, Message

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.addresses import fold_inherited
from kittiwake.client.mime.compose import Attachment, Draft, safe_filename, with_signature
from kittiwake.client.mime.reply import (
    body_text,
    choose_identity,
    header_text,
    parse_original,
)
from kittiwake.client.mime.subject import base_subject, forward_subject

FORWARD_MARKER = "-------- Forwarded Message --------"


class ForwardMode(enum.StrEnum):
    INLINE = "inline"
    ATTACHMENT = "attachment"


def _header_block(msg: EmailMessage) -> str:
    lines = [FORWARD_MARKER]
    for name in ("Subject", "Date", "From", "To", "Cc"):
        value = header_text(msg, name)
        if value:
            lines.append(f"{name}: {value}")
    return "\n".join(lines)


def _carried_attachments(msg: EmailMessage) -> list[Attachment]:
    out: list[Attachment] = []
    try:
        parts = list(msg.iter_attachments())
    except (KeyError, ValueError, AttributeError, LookupError):
        return out  # a broken multipart: forward the text alone rather than fail
    for part in parts:
        try:
            if part.get_content_type() == "message/rfc822" and part.is_multipart():
                inner = part.get_payload(0)
                payload = inner.as_bytes() if isinstance(inner, Message) else b""
            else:
                decoded = part.get_payload(decode=True)
                payload = decoded if isinstance(decoded, bytes) else b""
        except (ValueError, LookupError, AssertionError, IndexError, TypeError):
            continue
        if not payload:
            continue
        name = fold_inherited(str(part.get_filename() or "")) or "attachment"
        out.append(Attachment(safe_filename(name), payload, None, part.get_content_type()))
    return out


def forward(
    original: bytes | Message,
    identities: Sequence[Identity],
    mode: ForwardMode = ForwardMode.INLINE,
) -> Draft:
    """A forward draft with no recipients yet; the signature goes last so it hides nothing."""
    msg = parse_original(original)
    identity = choose_identity(msg, identities)
    subject = forward_subject(header_text(msg, "Subject"))
    if mode is ForwardMode.ATTACHMENT:
        raw = original if isinstance(original, bytes) else msg.as_bytes()
        name = safe_filename((base_subject(header_text(msg, "Subject")) or "message")[:80] + ".eml")
        attachment = Attachment(name, raw, None, "message/rfc822")
        return Draft(
            identity=identity,
            subject=subject,
            text=with_signature("\n", identity),
            attachments=(attachment,),
        )
    text = f"\n\n{_header_block(msg)}\n\n{body_text(msg).rstrip()}\n"
    return Draft(
        identity=identity,
        subject=subject,
        text=with_signature(text, identity),
        attachments=tuple(_carried_attachments(msg)),
    )
