"""Tokenizer: one framed response (text lines + literals) to nested Python values.

Value mapping, chosen so a caller can tell IMAP's types apart without wrapper objects:
  atom -> str (e.g. "FLAGS", "\\Seen", "BODY[HEADER]"), number -> int, NIL -> None,
  quoted string or literal -> bytes, parenthesised list -> list.
Atoms may carry a bracketed section with spaces and parentheses inside ("BODY[HEADER.FIELDS
(FROM)]<0>"), as FETCH responses echo them.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from kittiwake.client.net.errors import ProtocolError

Value: TypeAlias = str | int | bytes | list["Value"] | None

# findall() over this pattern returns one tuple per token; exactly one group is non-empty.
# The last alternative catches any other byte, so nothing is skipped silently.
_TOKEN = re.compile(
    rb"""
    \ *(?:
      ([^\ ()"{\[\]\x00-\x1f\x7f]+              # 0: atom, maybe with [section] and <origin>
         (?:\[[^\]]*\][^\ ()"{\[\]]*)?)
    | (\()                                      # 1: open list
    | (\))                                      # 2: close list
    | ("(?:[^"\\\r\n]|\\["\\])*")             # 3: quoted string, quotes included
    | \{(\d+)\+?\}$                             # 4: literal follows this line
    | (\[[^\]]*\])                              # 5: a bare bracketed group (rare)
    | ([^\ ])                                   # 6: anything else is an error
    )
    """,
    re.VERBOSE,
)
_UNESCAPE = re.compile(rb"\\([\"\\])")


def _bad(line: bytes) -> ProtocolError:
    return ProtocolError(
        "The server sent a response that cannot be parsed.",
        server_text=line[:200].decode("ascii", "replace"),
    )


def tokenize(lines: list[bytes], literals: list[bytes], start: int = 0) -> list[Value]:
    """Values of `lines` (from byte `start` of the first line) with literals spliced in."""
    root: list[Value] = []
    stack: list[list[Value]] = []
    current = root
    append = current.append
    for index, line in enumerate(lines):
        text = line[start:] if index == 0 and start else line
        for atom, opening, closing, quoted, literal, bracket, bad in _TOKEN.findall(text):
            if atom:
                if atom.isdigit():
                    append(int(atom))
                elif atom == b"NIL" or atom == b"nil":
                    append(None)
                else:
                    append(atom.decode("utf-8", "replace"))
            elif opening:
                child: list[Value] = []
                append(child)
                stack.append(current)
                current = child
                append = current.append
            elif closing:
                if not stack:
                    raise ProtocolError("The server sent an unbalanced ')'.")
                current = stack.pop()
                append = current.append
            elif quoted:
                raw = quoted[1:-1]
                append(_UNESCAPE.sub(rb"\1", raw) if b"\\" in raw else raw)
            elif literal:
                if index >= len(literals):
                    raise ProtocolError("A literal is missing from the server's response.")
                append(literals[index])
            elif bracket:
                append(bracket.decode("utf-8", "replace"))
            elif bad:
                raise _bad(line)
    if stack:
        raise ProtocolError("The server sent an unbalanced '('.")
    return root
