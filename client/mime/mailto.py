"""mailto: URLs (RFC 6068) into a draft, with the fields a web page may set and nothing more.

A mailto link is written by a stranger, so only an allow-list of fields survives: recipients,
subject, body and In-Reply-To. Attachment parameters (attach, attachment, file, ...) are
ignored, never opened: a link must not be able to mail the user's files away. Text is folded
to one line where a header needs it, like any other text that did not come from the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.addresses import Address, fold_inherited, parse_address_list, unique
from kittiwake.client.mime.compose import Draft, with_signature

ALLOWED_FIELDS = frozenset({"to", "cc", "bcc", "subject", "body", "in-reply-to"})
_MSG_ID = re.compile(r"<[^<>\s]{1,250}>")


@dataclass(frozen=True)
class MailtoFields:
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    subject: str = ""
    body: str = ""
    in_reply_to: str | None = None


def _decode(text: str) -> str:
    # RFC 6068 percent-encodes UTF-8; '+' is a literal plus, not a space as in HTML forms.
    return unquote(text, encoding="utf-8", errors="replace")


def _addresses(text: str) -> list[Address]:
    return parse_address_list(fold_inherited(_decode(text)))


def parse_mailto(url: str) -> MailtoFields:
    """The allowed fields of a mailto: URL; raises ValueError if it is not one."""
    scheme, colon, rest = url.strip().partition(":")
    if not colon or scheme.lower() != "mailto":
        raise ValueError("Not a mailto: URL.")
    path, _, query = rest.partition("#")[0].partition("?")
    fields: dict[str, list[str]] = {"to": [path]} if path else {}
    for pair in query.split("&"):
        name, eq, value = pair.partition("=")
        name = _decode(name).strip().lower()
        if eq and name in ALLOWED_FIELDS:
            fields.setdefault(name, []).append(value)
    to = [a for item in fields.get("to", []) for a in _addresses(item)]
    cc = [a for item in fields.get("cc", []) for a in _addresses(item)]
    bcc = [a for item in fields.get("bcc", []) for a in _addresses(item)]
    to = unique(to)
    cc = unique(cc, exclude={a.key() for a in to})
    bcc = unique(bcc, exclude={a.key() for a in (*to, *cc)})
    subject = fold_inherited(_decode(fields.get("subject", [""])[0]))
    body = _decode(fields.get("body", [""])[0]).replace("\r\n", "\n").replace("\0", "")
    irt = _MSG_ID.search(_decode(fields.get("in-reply-to", [""])[0]))
    return MailtoFields(
        to=tuple(to),
        cc=tuple(cc),
        bcc=tuple(bcc),
        subject=subject,
        body=body,
        in_reply_to=irt.group(0) if irt else None,
    )


def draft_from_mailto(url: str, identity: Identity) -> Draft:
    """A draft filled from the link, with the identity's signature under the body."""
    f = parse_mailto(url)
    return Draft(
        identity=identity,
        to=f.to,
        cc=f.cc,
        bcc=f.bcc,
        subject=f.subject,
        text=with_signature(f.body, identity),
        in_reply_to=f.in_reply_to,
        references=(f.in_reply_to,) if f.in_reply_to else (),
    )
