"""Subject prefixes: one "Re: " or "Fwd: " however many the thread has piled up.

Mail clients translate the prefix ("Aw:" German, "Sv:" Nordic, "Antw:" Dutch, "RV:" Spanish,
"TR:" French, "WG:" German forward...), number it ("Re[3]:", "Re^2:") and mailing lists put a
"[list]" tag in front. We strip all of them to find the base subject (for replies and for
subject-fallback threading) and keep the first list tag so the list's filters still match.
"""

from __future__ import annotations

import re

from kittiwake.client.mime.addresses import fold_inherited

_REPLY = r"re|aw|sv|antw|vs|ref|réf|rif|odp|atb|yn|回复|回覆|答复"
_FORWARD = r"fwd?|wg|tr|rv|enc|doorst|vb|vl|転送|转发"
_COUNTER = r"\.?(?:\s*\[\d+\]|\s*\(\d+\)|\^\d+)?"
_PREFIX = re.compile(rf"^\s*(?:({_REPLY})|({_FORWARD})){_COUNTER}\s*[:：]\s*", re.IGNORECASE)
_TAG = re.compile(r"^\s*(\[[^\[\]]{1,40}\])\s*")


def split_subject(subject: str) -> tuple[str, str, bool]:
    """(list tag or "", base subject, whether any reply/forward prefix was present)."""
    text = subject.strip() if subject.isprintable() else fold_inherited(subject)
    if not text.startswith("[") and not (0 <= text.find(":") < 12 or "：" in text[:12]):
        return "", text, False  # the common case, without a regex (threading calls this a lot)
    tag = ""
    prefixed = False
    while True:
        m = _TAG.match(text)
        if m and not _is_counter_only(m.group(1)):
            tag = tag or m.group(1)
            text = text[m.end() :]
            continue
        m = _PREFIX.match(text)
        if m:
            prefixed = True
            text = text[m.end() :]
            continue
        return tag, text.strip(), prefixed


def _is_counter_only(tag: str) -> bool:
    return tag[1:-1].strip().isdigit()


def base_subject(subject: str) -> str:
    """The subject without tags and prefixes, for grouping messages by subject."""
    return split_subject(subject)[1]


def is_reply_subject(subject: str) -> bool:
    return split_subject(subject)[2]


def _join(tag: str, prefix: str, base: str) -> str:
    return " ".join(part for part in (tag, prefix + base if base else prefix.rstrip()) if part)


def reply_subject(subject: str) -> str:
    tag, base, _ = split_subject(subject)
    return _join(tag, "Re: ", base)


def forward_subject(subject: str) -> str:
    tag, base, _ = split_subject(subject)
    return _join(tag, "Fwd: ", base)
