"""format=flowed encoding (RFC 3676, DelSp=no) for the plain-text part we send.

Flowed text lets the reader's client rewrap paragraphs to its window while quotes keep their
depth. A trailing space marks a soft break, so every user line loses its own trailing spaces
(except the "-- " signature separator, which the RFC exempts); lines that start with a space,
"From " or ">" are space-stuffed so the reader does not mistake them for flowed or quoted text.
"""

from __future__ import annotations

SIGNATURE_SEPARATOR = "-- "


def _quote_depth(line: str) -> tuple[int, str]:
    depth = len(line) - len(line.lstrip(">"))
    content = line[depth:]
    if depth and content.startswith(" "):
        content = content[1:]  # the space after the quote marks is stuffing, not content
    return depth, content


def _wrap(content: str, room: int) -> list[str]:
    """Split at spaces so each piece (with its trailing space) fits `room`, if a word allows."""
    pieces: list[str] = []
    while len(content) > room:
        cut = content.rfind(" ", 0, room)
        if cut <= 0:
            cut = content.find(" ", room)  # a word longer than the line: break after it
            if cut < 0:
                break
        # Keep runs of spaces on the line before the break; the last one is the soft break.
        while cut + 1 < len(content) and content[cut + 1] == " ":
            cut += 1
        if cut + 1 >= len(content):
            break
        pieces.append(content[: cut + 1])
        content = content[cut + 1 :]
    pieces.append(content)
    return pieces


def encode_flowed(text: str, width: int = 78) -> str:
    """Plain text (lines separated by \\n, quotes as leading '>') to flowed lines joined by \\n."""
    out: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == SIGNATURE_SEPARATOR:
            out.append(line)
            continue
        depth, content = _quote_depth(line)
        content = content.rstrip(" ")
        prefix = ">" * depth + (" " if depth else "")
        if not content:
            out.append(">" * depth)
            continue
        pieces = _wrap(content, max(width - len(prefix) - 1, 20))
        for piece in pieces:
            if not depth and (piece.startswith((" ", ">")) or piece.startswith("From ")):
                out.append(" " + piece)
            else:
                out.append(prefix + piece)
    return "\n".join(out)
