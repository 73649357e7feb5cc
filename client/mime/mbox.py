"""Splitting mbox files into messages (mboxo/mboxrd), for import and for the test corpus.

A separator is a line "From <sender>" followed by nothing or by a date with a time
(`From - `, `From a@b Mon Jun  3 12:50:27 1996`, `From 1844347792267117879@xxx`). The date
check is what keeps an unescaped body line such as "From Russia with love" inside its message
(mimekit's unmunged.mbox.txt). ">From " lines are unmunged by one ">" (mboxrd). Bytes are
otherwise untouched: line endings stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SEPARATOR = re.compile(rb"^From \S+(?:[ \t]*\r?\n|[ \t].*\d{1,2}:\d{2}.*\r?\n)")
_MUNGED = re.compile(rb"^>+From ")
_BOM = b"\xef\xbb\xbf"


def is_separator(line: bytes) -> bool:
    return bool(_SEPARATOR.match(line if line.endswith(b"\n") else line + b"\n"))


def iter_mbox(data: bytes) -> Iterator[bytes]:
    """Each message of an mbox, without its From_ line, with >From lines unmunged."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    current: list[bytes] | None = None
    for line in data.splitlines(keepends=True):
        if is_separator(line):
            if current is not None:
                yield b"".join(current)
            current = []
            continue
        if current is None:
            current = []  # text before the first separator: keep it as a message of its own
        current.append(line[1:] if _MUNGED.match(line) else line)
    if current:
        yield b"".join(current)


def split_mbox(data: bytes) -> list[bytes]:
    return list(iter_mbox(data))


def looks_like_mbox(data: bytes) -> bool:
    """True when the data starts with a From_ separator (after an optional BOM)."""
    head = data[len(_BOM) :] if data.startswith(_BOM) else data
    return is_separator(head.split(b"\n", 1)[0] + b"\n")
