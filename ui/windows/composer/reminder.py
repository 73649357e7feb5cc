"""The forgotten-attachment check: the text says something is attached, and nothing is.

Pure and small on purpose: the words are what people write in the languages we ship, matched
as whole words (so "unattached" or "detachment" do not count). Quoted lines ("> ...") and the
signature are ignored: a quoted "see attachment" in a reply is the other person's attachment.
"""

from __future__ import annotations

import re

from kittiwake.client.mime.flowed_out import SIGNATURE_SEPARATOR

# Stems; a word starting with one of them counts ("attachments", "angehängte", "allegato").
_STEMS = (
    "attach", "enclos",  # English (attached, attachment, enclosed, enclosure)
    "angehängt", "anhang", "anbei", "beigefügt",  # German
    "pièce jointe", "pièces jointes", "ci-joint",  # French
    "adjunt", "allegat", "bijlage", "załącz", "vedlagt", "bifogad",  # es/ca, it, nl, pl, no, sv
)  # fmt: skip
_PATTERN = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(s) for s in _STEMS) + r")", re.I)


def own_text(body: str) -> str:
    """The part of the body the user wrote: no quoted lines, no signature."""
    lines = body.replace("\r\n", "\n").split("\n")
    if SIGNATURE_SEPARATOR in lines:
        lines = lines[: len(lines) - lines[::-1].index(SIGNATURE_SEPARATOR) - 1]
    return "\n".join(line for line in lines if not line.lstrip().startswith(">"))


def mentions_attachment(subject: str, body: str) -> bool:
    return bool(_PATTERN.search(subject) or _PATTERN.search(own_text(body)))
