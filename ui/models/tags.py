"""The default tags: IMAP keywords with a name and a colour (Thunderbird's $label1..$label5,
so other clients that know them show the same tags)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication


@dataclass(frozen=True)
class Tag:
    keyword: str
    name: str
    colour: str


def _tr(text: str) -> str:
    return QCoreApplication.translate("Tags", text)


def default_tags() -> list[Tag]:
    return [
        Tag("$label1", _tr("Important"), "#d32f2f"),
        Tag("$label2", _tr("Work"), "#ef6c00"),
        Tag("$label3", _tr("Personal"), "#2e7d32"),
        Tag("$label4", _tr("To do"), "#1565c0"),
        Tag("$label5", _tr("Later"), "#6a1b9a"),
    ]


def tag_colour(keywords: tuple[str, ...]) -> str | None:
    for tag in default_tags():
        if tag.keyword in keywords:
            return tag.colour
    return None
