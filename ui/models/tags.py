"""The default tags: IMAP keywords with a name and a colour (Thunderbird's $label1..$label5,
so other clients that know them show the same tags)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication


@dataclass(frozen=True)
class Tag:
    keyword: str
    name: str
    colour: str


# Asked for every painted row: a plain dict, no translation call.
_COLOURS = {
    "$label1": "#d32f2f",
    "$label2": "#ef6c00",
    "$label3": "#2e7d32",
    "$label4": "#1565c0",
    "$label5": "#6a1b9a",
}


def _tr(text: object) -> str:
    # `text` comes from QT_TRANSLATE_NOOP (typed `object`), which marks it for lupdate.
    return QCoreApplication.translate("Tags", str(text))


def default_tags() -> list[Tag]:
    return [
        Tag("$label1", _tr(QT_TRANSLATE_NOOP("Tags", "Important")), _COLOURS["$label1"]),
        Tag("$label2", _tr(QT_TRANSLATE_NOOP("Tags", "Work")), _COLOURS["$label2"]),
        Tag("$label3", _tr(QT_TRANSLATE_NOOP("Tags", "Personal")), _COLOURS["$label3"]),
        Tag("$label4", _tr(QT_TRANSLATE_NOOP("Tags", "To do")), _COLOURS["$label4"]),
        Tag("$label5", _tr(QT_TRANSLATE_NOOP("Tags", "Later")), _COLOURS["$label5"]),
    ]


def tag_colour(keywords: tuple[str, ...]) -> str | None:
    for keyword in keywords:
        colour = _COLOURS.get(keyword)
        if colour is not None:
            return colour
    return None
