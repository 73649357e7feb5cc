"""Lenient address-list splitting for display (From, To, Cc, ...).

Not the compose side's address parser: this one must accept anything a sender wrote and stay
linear. The stdlib's `getaddresses` recurses once per encoded-word and raises RecursionError on
mimekit's 135 KB To: header; `policy.default` raises AttributeError on `unlisted-recipients:;`.
One pass over the raw (still encoded) value; names are decoded after splitting, so a comma
hidden inside an encoded-word cannot split an address.
"""

from __future__ import annotations

from kittiwake.client.mime.bounds import MAX_ADDRESSES
from kittiwake.client.mime.headers import header_text
from kittiwake.client.records import record


@record
class Mailbox:
    """One address as shown: decoded display name (may be empty) and the address itself."""

    name: str
    address: str

    def display(self) -> str:
        if self.name and self.address:
            return f"{self.name} <{self.address}>"
        return self.name or self.address


def _split(value: str) -> list[str]:
    """Top-level comma/semicolon split that respects quotes, comments and angle brackets."""
    pieces: list[str] = []
    start = 0
    in_quote = False
    escaped = False
    comment = 0
    angle = False
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = in_quote or comment > 0
        elif in_quote:
            in_quote = ch != '"'
        elif ch == '"':
            in_quote = True
        elif ch == "(":
            comment += 1
        elif ch == ")" and comment:
            comment -= 1
        elif comment:
            pass
        elif ch == "<":
            angle = True
        elif ch == ">":
            angle = False
        elif ch in ",;" and not angle:
            pieces.append(value[start:i])
            start = i + 1
        elif ch == ":" and not angle:
            # A group name ("undisclosed-recipients:"): drop it, keep its members.
            start = i + 1
    pieces.append(value[start:])
    return [p for p in (piece.strip() for piece in pieces) if p]


def _strip_comments(text: str) -> tuple[str, str]:
    """(text without comments, the first comment's content)."""
    out: list[str] = []
    comment_text: list[str] = []
    depth = 0
    first_done = False
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
            if depth and not first_done:
                comment_text.append(ch)
            elif not depth:
                out.append(ch)
            continue
        if ch == "\\" and depth:
            escaped = True
            continue
        if ch == "(":
            depth += 1
            if depth == 1:
                continue
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                first_done = True
                continue
        if depth:
            if not first_done:
                comment_text.append(ch)
        else:
            out.append(ch)
    return "".join(out), "".join(comment_text)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    return text.replace('\\"', '"').replace("\\\\", "\\")


def parse_mailbox(piece: str) -> tuple[Mailbox, list[str]]:
    lt = piece.rfind("<")
    gt = piece.find(">", lt + 1) if lt >= 0 else -1
    if lt >= 0 and gt > lt:
        address = _strip_comments(piece[lt + 1 : gt])[0]
        raw_name, comment = _strip_comments(piece[:lt])
        raw_name = raw_name if raw_name.strip() else comment
    else:
        address, raw_name = _strip_comments(piece)
    address = "".join(address.split())
    if address.startswith("@") and ":" in address:  # obsolete source route "@a,@b:x@y"
        address = address.rsplit(":", 1)[1]
    name, warnings = header_text(_unquote(raw_name))
    address_text, more = header_text(address)
    return Mailbox(name=name, address=address_text), warnings + more


def parse_address_list(value: str) -> tuple[list[Mailbox], list[str]]:
    """Mailboxes of one address header; capped at MAX_ADDRESSES with a warning."""
    warnings: list[str] = []
    mailboxes: list[Mailbox] = []
    pieces = _split(value)
    if len(pieces) > MAX_ADDRESSES:
        warnings.append(f"{len(pieces) - MAX_ADDRESSES} more addresses not shown")
        pieces = pieces[:MAX_ADDRESSES]
    expanded: list[str] = []
    for piece in pieces:
        words = piece.split()
        # "a@x b@y" with no separator: two bare addresses, not one with a space in it.
        if "<" not in piece and len(words) > 1 and all("@" in w for w in words):
            expanded.extend(words)
        else:
            expanded.append(piece)
    for piece in expanded:
        mailbox, more = parse_mailbox(piece)
        if mailbox.name or mailbox.address:
            mailboxes.append(mailbox)
        for w in more:
            if w not in warnings:
                warnings.append(w)
    return mailboxes, warnings
