"""The part walk: which part is the body, which are files, what gets summarised.

Mail readers' rules: in multipart/alternative the richest part we can show (HTML, else plain);
in multipart/related the root part, with the others as cid: images; in anything else (mixed,
report, signed content, unknown subtypes) the first text part, with later inline text parts
appended. Everything not shown as body is an attachment, including parts we fail to decode,
which are labelled rather than dropped. Nested messages are handed back to parse.py through
Walk.quote, which builds their own display model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message

from kittiwake.client.mime import calendar as ical
from kittiwake.client.mime import reports
from kittiwake.client.mime.bounds import (
    MAX_DISPLAY_PART_BYTES,
    MAX_PARTS,
    MAX_QUOTED_DEPTH,
    MAX_WARNINGS,
)
from kittiwake.client.mime.display import Attachment, DisplayMessage, SecurityLabel
from kittiwake.client.mime.flowed import decode_flowed
from kittiwake.client.mime.headers import decode_bytes, filename, get_param, header_text, raw_value
from kittiwake.client.mime.safe_html import html_to_text
from kittiwake.client.mime.tree import (
    Opaque,
    child_path,
    children,
    decoded_payload,
    decoded_payload_as,
    nested_message,
    transfer_encoding,
)

_TEXT_BODY_TYPES = ("text/plain", "text/html", "text/enriched", "text/richtext")
_SIGNATURE_TYPES = {
    "application/pkcs7-signature": "S/MIME",
    "application/x-pkcs7-signature": "S/MIME",
    "application/pgp-signature": "OpenPGP",
}
_SMIME_OBJECT = ("application/pkcs7-mime", "application/x-pkcs7-mime")
_PGP_ARMOR = re.compile(r"^-----BEGIN PGP (SIGNED MESSAGE|MESSAGE)-----", re.MULTILINE)


@dataclass
class Body:
    """A chosen body: plain text and/or HTML source, with the part it came from."""

    plain: list[str] = field(default_factory=list)
    html: str | None = None
    html_extra: list[str] = field(default_factory=list)  # later inline text parts
    part: str = ""  # "" is also the path of a multipart message's own body
    chosen: bool = False
    text_from_html: int = -1  # index in `plain` to fill with the HTML's text, if any


@dataclass
class Walk:
    """What the walk of one message collects."""

    opaque: Opaque
    quoted_depth: int
    # Builds the display model of a nested message: (message, its part path, its depth).
    quote: Callable[[Message, str, int], DisplayMessage]
    attachments: list[Attachment] = field(default_factory=list)
    inline: dict[str, str] = field(default_factory=dict)
    inline_parts: dict[str, Attachment] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)  # Content-Location -> cid key
    quoted: list[tuple[str, DisplayMessage]] = field(default_factory=list)
    calendar: list[ical.CalendarSummary] = field(default_factory=list)
    reports: list[reports.ReportSummary] = field(default_factory=list)
    security: list[SecurityLabel] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parts_seen: int = 0

    def warn(self, text: str | None) -> None:
        if text and text not in self.warnings and len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(text)


# --- leaves -------------------------------------------------------------------------------


def _ctparam(part: Message, name: str) -> str:
    return get_param(part, name, "content-type")[0]


def _content_id(part: Message) -> str:
    value = raw_value(part, "content-id") or ""
    return header_text(value)[0].strip().strip("<>").strip()


def _disposition(part: Message) -> str:
    value = raw_value(part, "content-disposition") or ""
    return value.split(";")[0].strip().lower()


def _attachment(part: Message, path: str, walk: Walk, label: str = "") -> Attachment:
    name, warnings = filename(part)
    for w in warnings:
        walk.warn(w)
    data, warning = decoded_payload(part)
    walk.warn(warning)
    if warning:
        label = label or "undecodable"
    reason, original = walk.opaque.get(id(part), ("", ""))
    content_type = original or part.get_content_type()
    if reason == "bad-header":
        walk.warn(f"part {path} has a Content-Type that cannot be read; shown as a file")
    elif reason:
        walk.warn(f"part {path} is nested too deeply or is one part too many; shown as a file")
    return Attachment(
        part_path=path,
        filename=name,
        content_type=content_type,
        size=len(data),
        disposition=_disposition(part),
        content_id=_content_id(part),
        label=reason or label,
    )


def _text_of(part: Message, walk: Walk) -> str:
    data, warning = decoded_payload(part)
    walk.warn(warning)
    if len(data) > MAX_DISPLAY_PART_BYTES:
        data = data[:MAX_DISPLAY_PART_BYTES]
        walk.warn("the text is very long and has been cut; save the part to see all of it")
    charset = get_param(part, "charset", "content-type")[0]
    text, warning = decode_bytes(data, charset or None)
    walk.warn(warning)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text


def _plain_text(part: Message, walk: Walk) -> str:
    text = _text_of(part, walk)
    content_type = part.get_content_type()
    if content_type in ("text/enriched", "text/richtext"):
        text = re.sub(r"<(?!<)[^>]*>", "", text).replace("<<", "<")
    if _ctparam(part, "format").lower() == "flowed":
        text = decode_flowed(text, delsp=_ctparam(part, "delsp").lower() == "yes")
    match = _PGP_ARMOR.search(text)
    if match:
        kind = "signed" if match.group(1) == "SIGNED MESSAGE" else "encrypted"
        walk.security.append(SecurityLabel(kind=kind, scheme="OpenPGP (inline)", part_path=""))
    return text


def _is_body_candidate(part: Message) -> bool:
    content_type = part.get_content_type()
    if _disposition(part) == "attachment":
        return False
    if content_type in _TEXT_BODY_TYPES:
        return True
    return content_type in ("multipart/alternative", "multipart/related")


def _html_and_plain(part: Message, path: str, walk: Walk) -> tuple[str | None, str | None]:
    """(html source, plain text) that this part offers as a body, collecting resources."""
    content_type = part.get_content_type()
    if content_type == "text/html":
        return _text_of(part, walk), None
    if content_type in _TEXT_BODY_TYPES:
        return None, _plain_text(part, walk)
    if content_type == "multipart/alternative":
        return _alternative(part, path, walk)
    if content_type == "multipart/related":
        return _related(part, path, walk)
    return None, None


def _alternative(part: Message, path: str, walk: Walk) -> tuple[str | None, str | None]:
    html: str | None = None
    plain: str | None = None
    others: list[tuple[Message, str]] = []
    for index, child in enumerate(children(part), 1):
        sub = child_path(path, index)
        content_type = child.get_content_type()
        if content_type in ("text/calendar", "application/ics"):
            _calendar(child, walk)
            continue
        if content_type.startswith("multipart/") and content_type not in (
            "multipart/alternative",
            "multipart/related",
        ):
            # An alternative that is itself mixed: take its body, list its files.
            inner = Body()
            _mixed(child, sub, walk, inner)
            if inner.html is not None:
                html = inner.html
            if inner.plain:
                plain = "\n".join(inner.plain)
            continue
        child_html, child_plain = _html_and_plain(child, sub, walk)
        if child_html is None and child_plain is None:
            others.append((child, sub))
        # Later alternatives are richer (RFC 2046 5.1.4): the last of each kind wins.
        html = child_html if child_html is not None else html
        if child_plain is not None and (child_plain.strip() or plain is None):
            plain = child_plain
    if not children(part):
        plain = _plain_text(part, walk)
    elif html is None and plain is None and others:
        # No alternative we can show as text: offer the richest one as a file.
        child, sub = others[-1]
        walk_part(child, sub, walk, Body())
    return html, plain


def _related(part: Message, path: str, walk: Walk) -> tuple[str | None, str | None]:
    kids = children(part)
    if not kids:
        return None, _plain_text(part, walk)
    start = _ctparam(part, "start")
    root_type = _ctparam(part, "type").lower()
    root_index = 0
    if start:
        wanted = start.strip().strip("<>")
        for index, child in enumerate(kids):
            if _content_id(child) == wanted:
                root_index = index
    elif root_type and kids[0].get_content_type() != root_type:
        # RFC 2387 says the root is first; MHTML writers sometimes put it later but say
        # its type in the type= parameter.
        for index, child in enumerate(kids):
            if child.get_content_type() == root_type:
                root_index = index
                break
    html: str | None = None
    plain: str | None = None
    for index, child in enumerate(kids, 1):
        sub = child_path(path, index)
        if index - 1 == root_index:
            html, plain = _html_and_plain(child, sub, walk)
            if html is None and plain is None:
                walk_part(child, sub, walk, Body())
            continue
        cid = _content_id(child)
        # MHTML-style resources are named by Content-Location instead of Content-ID; the
        # sanitiser turns references to them into cid: URLs keyed by the location.
        location = header_text(raw_value(child, "content-location") or "")[0]
        if (cid or location) and not child.is_multipart():
            attachment = _attachment(child, sub, walk, label="inline")
            for key in (cid, location):
                if key:
                    walk.inline[key] = sub
                    walk.inline_parts.setdefault(cid or key, attachment)
            if location:
                walk.locations[location] = location
        else:
            walk_part(child, sub, walk, Body())
    return html, plain


def _calendar(part: Message, walk: Walk) -> None:
    summary = ical.summarise(_text_of(part, walk)[: 4 * 1024 * 1024])
    if summary is not None and all(summary != known for known in walk.calendar):
        walk.calendar.append(summary)


def _report_text(part: Message, walk: Walk) -> str:
    kids = children(part)
    if not kids:
        return _text_of(part, walk)
    # The feed parser splits delivery-status bodies into header blocks; a block may even
    # carry a (base64) body of its own (mimekit's bounce.txt), which is decoded and kept.
    blocks: list[str] = []
    encoded = False
    for block in kids:
        lines = [f"{k}: {v}" for k, v in block.raw_items()]
        payload = getattr(block, "_payload", None)
        if isinstance(payload, str) and payload.strip():
            if encoded and not lines:  # the body of the previous block's base64 declaration
                data = decoded_payload_as(block, "base64")[0]
                lines.append(decode_bytes(data, "utf-8")[0])
            else:
                lines.append(_text_of(block, walk))
        encoded = transfer_encoding(block) == "base64"
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _message_part(part: Message, path: str, walk: Walk) -> None:
    inner = None
    try:
        inner = nested_message(part)
    except Exception:
        walk.warn(f"the attached message {path} could not be read")
    name = filename(part)[0]
    if inner is not None and not name:
        subject = header_text(raw_value(inner, "subject") or "")[0]
        name = (subject or "message")[:80] + ".eml"
    attachment = _attachment(part, path, walk, label="message")
    walk.attachments.append(
        Attachment(
            part_path=path,
            filename=name.replace("/", "_").replace("\\", "_"),
            content_type=attachment.content_type,
            size=attachment.size,
            disposition=attachment.disposition,
            content_id=attachment.content_id,
            label=attachment.label,
        )
    )
    if inner is None:
        return
    if walk.quoted_depth + 1 > MAX_QUOTED_DEPTH:
        walk.warn(f"the attached message {path} is nested too deeply to show")
        return
    walk.quoted.append((path, walk.quote(inner, path, walk.quoted_depth + 1)))


def walk_part(part: Message, path: str, walk: Walk, body: Body) -> None:
    """Any part outside an alternative/related body choice."""
    walk.parts_seen += 1
    if walk.parts_seen > MAX_PARTS:
        walk.warn(f"the message has more than {MAX_PARTS} parts; the rest are not shown")
        return
    content_type = part.get_content_type()
    maintype = part.get_content_maintype()
    if id(part) in walk.opaque:
        walk.attachments.append(_attachment(part, path, walk))
        return
    if content_type == "multipart/signed":
        protocol = _ctparam(part, "protocol").lower()
        scheme = _SIGNATURE_TYPES.get(protocol, "unknown")
        walk.security.append(SecurityLabel(kind="signed", scheme=scheme, part_path=path))
        kids = children(part)
        if kids:
            walk_part(kids[0], child_path(path, 1), walk, body)
        for index, child in enumerate(kids[1:], 2):
            sub = child_path(path, index)
            signature = _SIGNATURE_TYPES.get(child.get_content_type())
            walk.attachments.append(
                _attachment(child, sub, walk, label="signature" if signature else "")
            )
        return
    if content_type == "multipart/encrypted":
        protocol = _ctparam(part, "protocol").lower()
        scheme = "OpenPGP" if "pgp" in protocol else "unknown"
        walk.security.append(SecurityLabel(kind="encrypted", scheme=scheme, part_path=path))
        for index, child in enumerate(children(part), 1):
            sub = child_path(path, index)
            walk.attachments.append(_attachment(child, sub, walk, label="encrypted"))
        return
    if maintype == "multipart" and content_type not in (
        "multipart/alternative",
        "multipart/related",
    ):
        _mixed(part, path, walk, body)
        return
    if content_type in _SMIME_OBJECT:
        smime_type = _ctparam(part, "smime-type").lower()
        kind = "signed" if "signed" in smime_type else "encrypted"
        walk.security.append(SecurityLabel(kind=kind, scheme="S/MIME", part_path=path))
        walk.attachments.append(_attachment(part, path, walk, label=kind))
        return
    if content_type in _SIGNATURE_TYPES or content_type == "application/pgp-encrypted":
        # Outside a multipart/signed (or encrypted) wrapper: still labelled, never verified.
        kind = "signed" if content_type in _SIGNATURE_TYPES else "encrypted"
        scheme = _SIGNATURE_TYPES.get(content_type, "OpenPGP")
        walk.security.append(SecurityLabel(kind=kind, scheme=scheme, part_path=path))
        walk.attachments.append(
            _attachment(part, path, walk, label="signature" if kind == "signed" else kind)
        )
        return
    if content_type == "application/pgp-keys":
        walk.attachments.append(_attachment(part, path, walk, label="key"))
        return
    if content_type in ("message/rfc822", "message/global"):
        _message_part(part, path, walk)
        return
    summary = reports.summarise(content_type, "")
    if summary is not None:
        report_text = _report_text(part, walk)
        full = reports.summarise(content_type, report_text)
        if full is not None and full != reports.ReportSummary(kind=full.kind):
            walk.reports.append(full)
        elif report_text.strip():
            body.plain.append(report_text)  # prose mislabelled as a report: show it
        return
    if content_type in ("text/calendar", "application/ics"):
        _calendar(part, walk)
        if _disposition(part) != "attachment" and content_type == "text/calendar":
            return
    if _is_body_candidate(part) and (not body.chosen or filename(part)[0] == ""):
        html, plain = _html_and_plain(part, path, walk)
        if html is not None and not body.chosen:
            body.html, body.part, body.chosen = html, path, True
            if plain and plain.strip():
                body.plain.append(plain)
            else:  # filled from the sanitised HTML by parse.py (one sanitiser pass, not two)
                body.text_from_html = len(body.plain)
                body.plain.append("")
            return
        if plain is None and html is not None:
            plain = html_to_text(html)
        if plain is not None:
            # A later inline text part (a list footer, a second note): shown after the body.
            body.plain.append(plain)
            if body.html is not None:
                body.html_extra.append(plain)
            if not body.chosen:
                body.part, body.chosen = path, True
            return
        if maintype == "multipart":
            return  # nothing to show as text; its parts were listed while it was walked
    label = ""
    if content_type.startswith("message/"):
        label = content_type.split("/", 1)[1]  # partial, external-body, ...
    attachment = _attachment(part, path, walk, label=label)
    walk.attachments.append(attachment)
    if attachment.content_id and maintype == "image":
        walk.inline.setdefault(attachment.content_id, path)


def _mixed(part: Message, path: str, walk: Walk, body: Body) -> None:
    kids = children(part)
    if not kids:
        # A multipart whose boundary never appears: the feed parser keeps it as one body.
        walk.warn("a multipart part has no parts (missing boundary); shown as text")
        body.plain.append(_plain_text(part, walk))
        if not body.chosen:
            body.part, body.chosen = path, True
        return
    for index, child in enumerate(kids, 1):
        walk_part(child, child_path(path, index), walk, body)
