"""Reply, reply to all, reply to list: a `Draft` from the message being answered.

Everything taken from the original is hostile until folded: a subject or name that decodes to
CR LF becomes one line (it must neither crash the reply nor forge a header). Recipients honour
Reply-To and Mail-Followup-To, never repeat, and never include the user's own addresses (all
identities given), except when the user answers a message they sent themselves.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from datetime import datetime
from email import policy as email_policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.addresses import (
    Address,
    decode_header_text,
    fold_inherited,
    is_valid_address,
    parse_address_list,
    unfold_raw,
    unique,
)
from kittiwake.client.mime.compose import Draft, html_to_text, with_signature
from kittiwake.client.mime.flowed_out import SIGNATURE_SEPARATOR
from kittiwake.client.mime.subject import reply_subject

# Longer References are trimmed to the first id (the thread root) plus the most recent ones:
# enough for any threader, short enough that the header never nears the 998-character limit.
MAX_REFERENCES = 12
_MSG_ID = re.compile(r"<([^<>\s]{1,250})>")


class ReplyMode(enum.StrEnum):
    SENDER = "sender"
    ALL = "all"
    LIST = "list"


def parse_original(original: bytes | Message) -> EmailMessage:
    """The original as an EmailMessage (policy.default); a compat32 Message is re-read."""
    if isinstance(original, EmailMessage):
        return original
    raw = original if isinstance(original, bytes) else original.as_bytes()
    parsed = BytesParser(policy=email_policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    return parsed


def raw_header(msg: Message, name: str) -> str:
    """The first `name` header as raw text on one line ("" if absent); never raises."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return unfold_raw(str(value))
    return ""


def header_text(msg: Message, name: str) -> str:
    """A header decoded and folded to one safe line (for subjects and names)."""
    return fold_inherited(decode_header_text(raw_header(msg, name)))


def header_addresses(msg: Message, name: str) -> list[Address]:
    """The valid addresses of a header: a broken entry is dropped rather than answered."""
    return [a for a in parse_address_list(raw_header(msg, name)) if is_valid_address(a.addr_spec)]


def message_ids(text: str) -> list[str]:
    return [f"<{m}>" for m in _MSG_ID.findall(text)]


def identity_keys(identities: Sequence[Identity]) -> frozenset[str]:
    keys = set()
    for identity in identities:
        try:
            keys.add(Address(identity.address).key())
        except ValueError:
            continue  # an identity with a broken address cannot match anything anyway
    return frozenset(keys)


def choose_identity(msg: Message, identities: Sequence[Identity]) -> Identity:
    """The identity the message was sent to (To, Cc, Delivered-To...), else the first one."""
    if not identities:
        raise ValueError("Replying needs at least one identity.")
    fields = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "From")
    for name in fields:
        for address in header_addresses(msg, name):
            for identity in identities:
                if identity_keys([identity]) & {address.key()}:
                    return identity
    return identities[0]


def trimmed_references(msg: Message) -> tuple[str, ...]:
    own = message_ids(raw_header(msg, "Message-ID"))[:1]
    refs = message_ids(raw_header(msg, "References"))
    if not refs:
        refs = message_ids(raw_header(msg, "In-Reply-To"))[:1]
    chain = list(dict.fromkeys(refs + own))  # a repeated id adds nothing
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1) :]
    return tuple(chain)


def _list_post(msg: Message) -> list[Address]:
    m = re.search(r"<mailto:([^>?]+)", raw_header(msg, "List-Post"), re.IGNORECASE)
    found = parse_address_list(unquote(m.group(1))) if m else []
    return [a for a in found if is_valid_address(a.addr_spec)]


def reply_recipients(
    msg: Message, own: frozenset[str], mode: ReplyMode
) -> tuple[list[Address], list[Address]]:
    senders = header_addresses(msg, "From")
    to_field, cc_field = header_addresses(msg, "To"), header_addresses(msg, "Cc")
    from_me = any(a.key() in own for a in senders)
    if from_me:  # answering our own sent message: write to its recipients again
        primary, others = to_field, cc_field
    else:
        primary = header_addresses(msg, "Reply-To") or senders
        others = to_field + cc_field
    to: list[Address]
    cc: list[Address] = []
    followup = header_addresses(msg, "Mail-Followup-To")
    list_post = _list_post(msg) if mode is ReplyMode.LIST else []
    if list_post:
        to = list_post
    elif mode is ReplyMode.SENDER:
        to = primary
    elif followup and not from_me:
        to = followup  # the author asked for replies to go exactly there
    else:
        to, cc = primary, others
    to = unique(to, exclude=own)
    cc = unique(cc, exclude=own | {a.key() for a in to})
    if not to and cc:
        to, cc = cc[:1], cc[1:]
    if not to:  # a note to self: answer the sender even though it is us
        to = unique(senders)
    return to, cc


# --- quoting -------------------------------------------------------------------------------


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 decoding: join soft-broken lines of the same quote depth, unstuff."""
    out: list[tuple[int, str]] = []
    open_depth = -1  # depth of a paragraph still flowing, -1 when none
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        flowed = content.endswith(" ") and content != SIGNATURE_SEPARATOR
        if flowed and delsp:
            content = content[:-1]
        if open_depth == depth and out:
            out[-1] = (depth, out[-1][1] + content)
        else:
            out.append((depth, content))
        open_depth = depth if flowed else -1
    return "\n".join((">" * d + " " if d else "") + c if c or not d else ">" * d for d, c in out)


def body_text(msg: EmailMessage) -> str:
    """The readable text of a message (plain part, else HTML as text); never raises."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, AttributeError, LookupError):
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (KeyError, LookupError, ValueError, AssertionError, AttributeError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    if part.get_param("format", "").lower() == "flowed":  # type: ignore[union-attr]
        text = _unflow(text, str(part.get_param("delsp", "no")).lower() == "yes")
    return text


def quote(text: str) -> str:
    """Each line behind '>' (another level for lines already quoted); the signature dropped."""
    lines = text.rstrip("\n").split("\n")
    if SIGNATURE_SEPARATOR in lines:
        lines = lines[: len(lines) - lines[::-1].index(SIGNATURE_SEPARATOR) - 1]
    return "\n".join(
        ">" + ("" if not line or line.startswith(">") else " ") + line for line in lines
    )


def attribution(msg: Message) -> str:
    senders = header_addresses(msg, "From")
    who = (senders[0].name or senders[0].addr_spec) if senders else "someone"
    date = _date(raw_header(msg, "Date"))
    return f"On {date:%Y-%m-%d %H:%M}, {who} wrote:" if date else f"{who} wrote:"


def _date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def reply(
    original: bytes | Message, identities: Sequence[Identity], mode: ReplyMode = ReplyMode.SENDER
) -> Draft:
    """A reply draft: recipients, "Re:" subject, threading headers, attribution and quote."""
    msg = parse_original(original)
    identity = choose_identity(msg, identities)
    to, cc = reply_recipients(msg, identity_keys(identities), mode)
    refs = trimmed_references(msg)
    own_id = message_ids(raw_header(msg, "Message-ID"))[:1]
    quoted = quote(body_text(msg))
    text = f"{attribution(msg)}\n{quoted}\n\n" if quoted else f"{attribution(msg)}\n\n"
    return Draft(
        identity=identity,
        to=tuple(to),
        cc=tuple(cc),
        subject=reply_subject(header_text(msg, "Subject")),
        text=with_signature(text, identity),
        in_reply_to=own_id[0] if own_id else None,
        references=refs,
    )
