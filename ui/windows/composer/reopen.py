"""A saved draft (the bytes `Engine.save_draft` stored) back into a `Draft` to edit.

Pure (no Qt): the composer reopens a draft after an undo, a crash or a restart with the same
Message-ID, so later saves replace the same draft rather than adding another.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.addresses import Address, fold_inherited
from kittiwake.client.mime.compose import Attachment, Draft, safe_filename
from kittiwake.client.mime.reply import (
    body_text,
    header_addresses,
    header_text,
    message_ids,
    parse_original,
    raw_header,
)


def _html(msg: EmailMessage) -> str | None:
    try:
        part = msg.get_body(preferencelist=("html",))
        content = None if part is None else part.get_content()
    except (KeyError, LookupError, ValueError, AttributeError, AssertionError):
        return None
    return content if isinstance(content, str) else None


def _attachments(msg: EmailMessage) -> tuple[Attachment, ...]:
    out: list[Attachment] = []
    try:
        parts = list(msg.iter_attachments())
    except (KeyError, ValueError, AttributeError, LookupError):
        return ()
    for part in parts:
        try:
            if part.get_content_type() == "message/rfc822":
                inner = part.get_payload(0) if part.is_multipart() else part.get_payload()
                data = inner.as_bytes() if isinstance(inner, EmailMessage) else b""
                if isinstance(inner, str):
                    data = inner.encode("ascii", "surrogateescape")
            else:
                decoded = part.get_payload(decode=True)
                data = decoded if isinstance(decoded, bytes) else b""
        except (ValueError, LookupError, AssertionError, IndexError, TypeError):
            continue
        name = safe_filename(fold_inherited(str(part.get_filename() or "")) or "attachment")
        out.append(Attachment(name, data, None, part.get_content_type()))
    return tuple(out)


def _identity(sender: list[Address], identities: Sequence[Identity]) -> Identity:
    if not identities:
        raise ValueError("Reopening a draft needs at least one identity.")
    keys = {a.key() for a in sender}
    for identity in identities:
        try:
            if Address(identity.address).key() in keys:
                return identity
        except ValueError:
            continue
    return identities[0]


def draft_from_raw(raw: bytes, identities: Sequence[Identity]) -> Draft:
    msg = parse_original(raw)
    own_id = message_ids(raw_header(msg, "Message-ID"))
    in_reply_to = message_ids(raw_header(msg, "In-Reply-To"))
    return Draft(
        identity=_identity(header_addresses(msg, "From"), identities),
        to=tuple(header_addresses(msg, "To")),
        cc=tuple(header_addresses(msg, "Cc")),
        bcc=tuple(header_addresses(msg, "Bcc")),
        subject=header_text(msg, "Subject"),
        text=body_text(msg),
        html=_html(msg),
        attachments=_attachments(msg),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=tuple(message_ids(raw_header(msg, "References"))),
        message_id=own_id[0] if own_id else None,
    )
