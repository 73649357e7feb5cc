"""Raw message bytes -> DisplayMessage. Never raises, bounded in time and memory.

tree.py gives the bounded MIME tree, walk.py decides body and attachments, this module adds
the headers, the sender checks, Authentication-Results and the sanitised HTML, and offers the
public API: parse_message(), display_json() and part_bytes().
"""

from __future__ import annotations

from email.message import Message
from email.utils import parsedate_to_datetime
from html import escape
from typing import Any
from urllib.parse import unquote

from kittiwake.client.mime.addrlist import Mailbox, parse_address_list
from kittiwake.client.mime.authresults import AuthResults, evaluate
from kittiwake.client.mime.bounds import MAX_TEXT_CHARS
from kittiwake.client.mime.display import Attachment, DisplayHeaders, DisplayMessage
from kittiwake.client.mime.headers import (
    decode_bytes,
    header_text,
    raw_to_text,
)
from kittiwake.client.mime.safe_html import (
    RemoteResource,
    SuspiciousLink,
    safe_text,
    sanitise,
)
from kittiwake.client.mime.sender import SenderInfo, sender_info
from kittiwake.client.mime.tree import Opaque, child_path, decoded_payload, find_part, parse_tree
from kittiwake.client.mime.walk import Body, Walk, walk_part

_MAX_HEADERS_SHOWN = 500


# --- the message ---------------------------------------------------------------------------


# Lower-case header name -> raw values, built once per message: a hostile message can carry
# hundreds of thousands of headers, and a scan per looked-up name would multiply that.
_Index = dict[str, list[str]]


def _index(message: Message) -> _Index:
    index: _Index = {}
    for name, value in message.raw_items():
        index.setdefault(str(name).lower(), []).append(str(value))
    return index


def _addresses(index: _Index, name: str, walk: Walk) -> tuple[Mailbox, ...]:
    found: list[Mailbox] = []
    for value in index.get(name, []):
        mailboxes, warnings = parse_address_list(value)
        found.extend(mailboxes)
        for w in warnings:
            walk.warn(w)
    return tuple(found)


def _header(index: _Index, name: str, walk: Walk) -> str:
    values = index.get(name)
    if not values:
        return ""
    value = values[0]
    text, warnings = header_text(value)
    for w in warnings:
        walk.warn(w)
    return text


def _headers(message: Message, index: _Index, walk: Walk) -> DisplayHeaders:
    date = _header(index, "date", walk)
    date_iso = ""
    try:
        date_iso = parsedate_to_datetime(date).isoformat() if date else ""
    except (TypeError, ValueError, IndexError, OverflowError):
        walk.warn("the date could not be read")
    all_headers: list[tuple[str, str]] = []
    for name, value in message.raw_items():
        if len(all_headers) >= _MAX_HEADERS_SHOWN:
            break
        all_headers.append((header_text(str(name))[0], header_text(str(value))[0]))
    return DisplayHeaders(
        subject=_header(index, "subject", walk),
        from_=_addresses(index, "from", walk),
        to=_addresses(index, "to", walk),
        cc=_addresses(index, "cc", walk),
        bcc=_addresses(index, "bcc", walk),
        reply_to=_addresses(index, "reply-to", walk),
        date=date,
        date_iso=date_iso,
        message_id=_header(index, "message-id", walk),
        in_reply_to=_header(index, "in-reply-to", walk),
        references=_header(index, "references", walk),
        list_id=_header(index, "list-id", walk),
        all=tuple(all_headers),
    )


def _defects(message: Message, walk: Walk) -> None:
    names: set[str] = set()
    for part in message.walk():
        names.update(type(defect).__name__ for defect in getattr(part, "defects", []))
    if "TooManyHeadersDefect" in names:
        names.discard("TooManyHeadersDefect")
        walk.warn("a part has too many header lines; the rest were not read")
    for name in sorted(names):
        walk.warn(f"malformed message structure ({name})")


def _build(
    message: Message,
    prefix: str,
    opaque: Opaque,
    quoted_depth: int,
    authserv_id: str | None,
    allow_remote: bool,
) -> DisplayMessage:
    def quote(inner: Message, path: str, depth: int) -> DisplayMessage:
        # A quoted message's own Authentication-Results were never checked by our server.
        return _build(inner, path, opaque, depth, None, allow_remote)

    walk = Walk(opaque=opaque, quoted_depth=quoted_depth, quote=quote)
    index = _index(message)
    headers = _headers(message, index, walk)
    sender: SenderInfo = sender_info(
        index.get("from", []),
        index.get("sender", []),
    )
    body = Body()
    if message.get_content_maintype() == "multipart":
        walk_part(message, prefix, walk, body)
    else:
        walk_part(message, child_path(prefix, 1), walk, body)
    _defects(message, walk)
    preamble = message.preamble if isinstance(message.preamble, str) else ""
    if not body.chosen and preamble.strip():
        # Old bounces put their only human-readable text in the preamble.
        body.plain.append(raw_to_text(preamble)[0])

    html_out: str | None = None
    remote: tuple[RemoteResource, ...] = ()
    suspicious: tuple[SuspiciousLink, ...] = ()
    if body.html is not None:
        safe = sanitise(body.html, allow_remote=allow_remote, locations=walk.locations)
        if safe.truncated:
            walk.warn("the HTML is very long and has been cut; save the part to see all of it")
        if body.text_from_html >= 0:
            body.plain[body.text_from_html] = safe_text(safe.html)
        # Later inline text parts, escaped: safe to append after sanitising.
        extras = "".join(f"<hr><pre>{escape(extra)}</pre>" for extra in body.html_extra)
        html_out, remote, suspicious = safe.html + extras, safe.remote, safe.suspicious_links
        for cid in safe.cid_refs:
            # cid: URLs are URL-encoded Content-IDs (RFC 2392).
            if cid not in walk.inline and unquote(cid) in walk.inline:
                walk.inline.setdefault(cid, walk.inline[unquote(cid)])
            if cid not in walk.inline:
                walk.warn(f"the image cid:{cid[:60]} is not in the message")
        referenced = set(safe.cid_refs) | {unquote(cid) for cid in safe.cid_refs}
    else:
        referenced = set()
    # Inline images the HTML never shows would otherwise be invisible: list them as files.
    for cid, attachment in walk.inline_parts.items():
        if cid not in referenced:
            walk.attachments.append(attachment)
    text = "\n".join(body.plain)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        walk.warn("the text is very long and has been cut")
    auth = (
        evaluate(index.get("authentication-results", []), authserv_id)
        if authserv_id
        else AuthResults()
    )
    return DisplayMessage(
        headers=headers,
        sender=sender,
        text=text,
        html=html_out,
        body_type="text/html" if html_out is not None else ("text/plain" if text else ""),
        body_part=body.part,
        attachments=tuple(walk.attachments),
        inline_images=tuple(walk.inline.items()),
        quoted_messages=tuple(walk.quoted),
        calendar=tuple(walk.calendar),
        reports=tuple(walk.reports),
        security=tuple(walk.security),
        remote_content=tuple(remote),
        suspicious_links=tuple(suspicious),
        auth=auth,
        warnings=tuple(sender.warnings) + tuple(w for w in walk.warnings if w),
        remote_allowed=allow_remote,
    )


# --- public API ----------------------------------------------------------------------------


def _fallback(raw: bytes, error: BaseException) -> DisplayMessage:
    """What to show when even the bounded parser failed: the raw text, labelled."""
    text, _ = decode_bytes(raw[:MAX_TEXT_CHARS], "utf-8")
    empty: tuple[Mailbox, ...] = ()
    return DisplayMessage(
        headers=DisplayHeaders("", empty, empty, empty, empty, empty, "", "", "", "", "", "", ()),
        sender=SenderInfo("", "", "(unknown sender)", ()),
        text=text,
        html=None,
        body_type="text/plain",
        body_part="",
        attachments=(
            Attachment("1", "message.eml", "message/rfc822", len(raw), "", "", "undecodable"),
        ),
        inline_images=(),
        quoted_messages=(),
        calendar=(),
        reports=(),
        security=(),
        remote_content=(),
        suspicious_links=(),
        auth=AuthResults(),
        warnings=(f"the message could not be parsed ({type(error).__name__}); shown as raw text",),
    )


def parse_message(
    raw: bytes, *, authserv_id: str | None = None, allow_remote: bool = False
) -> DisplayMessage:
    """The display model of one RFC 5322 message. Never raises.

    authserv_id: the account's own server name in Authentication-Results (None: trust none).
    allow_remote: keep remote images/CSS in the HTML (the reader's "load remote content").
    """
    try:
        root, opaque = parse_tree(raw)
        return _build(root, "", opaque, 0, authserv_id, allow_remote)
    except Exception as error:  # the promise is "never raises": show the raw text instead
        return _fallback(raw, error)


def display_json(
    raw: bytes, *, authserv_id: str | None = None, allow_remote: bool = False
) -> dict[str, Any]:
    """`kittiwake show --file FILE.eml --json`: the display model as a JSON-ready dict."""
    return parse_message(raw, authserv_id=authserv_id, allow_remote=allow_remote).to_json()


def part_bytes(raw: bytes, part_path: str) -> bytes | None:
    """Decoded bytes of the part at `part_path` (as in Attachment.part_path), or None."""
    try:
        root, _ = parse_tree(raw)
        part = find_part(root, part_path)
        if part is None:
            return None
        data, _warning = decoded_payload(part)
        return data
    except Exception:
        return None
