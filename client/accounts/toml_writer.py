"""A small TOML writer for the shapes the config files use, read back by the stdlib's tomllib.

Supports strings, integers, booleans, tables and arrays of tables; nothing else is needed and
anything else is refused loudly rather than written wrongly. (tomli-w would do, but this is
~100 lines we test against tomllib, and it keeps the dependency list short.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypeAlias

TomlScalar: TypeAlias = str | int | bool
TomlValue: TypeAlias = "TomlScalar | TomlTable | list[TomlTable]"
TomlTable: TypeAlias = Mapping[str, TomlValue]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# TOML forbids raw control characters in strings (tab excepted); \r is escaped too so that a
# multi-line string never changes its line endings on the way back.
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\r": "\\r", "\t": "\\t"}


def _escape(text: str, *, multiline: bool) -> str:
    out: list[str] = []
    for char in text:
        if char == "\n" and multiline:
            out.append(char)
        elif char == "\n":
            out.append("\\n")
        elif char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return "".join(out)


def format_string(text: str) -> str:
    # Multi-line text (signatures) stays readable in an editor. Every quote is escaped, so no
    # run of three quotes can end the string early.
    if "\n" in text:
        return '"""\n' + _escape(text, multiline=True) + '"""'
    return '"' + _escape(text, multiline=False) + '"'


def format_key(key: str) -> str:
    # Keys may only be single-line strings.
    return key if _BARE_KEY.fullmatch(key) else '"' + _escape(key, multiline=False) + '"'


def format_scalar(value: object) -> str:
    # bool before int: bool is a subclass of int.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return format_string(value)
    raise TypeError(f"cannot write a {type(value).__name__} to TOML")


def _is_table_array(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def _emit_table(lines: list[str], table: TomlTable, path: tuple[str, ...]) -> None:
    # Within a table, keys first, then sub-tables, then arrays of tables: that order is what
    # makes the headers below refer to the right table.
    for key, value in table.items():
        if not isinstance(value, Mapping) and not _is_table_array(value):
            lines.append(f"{format_key(key)} = {format_scalar(value)}")
    for key, value in table.items():
        if isinstance(value, Mapping):
            sub = (*path, key)
            lines.extend(["", "[" + ".".join(format_key(k) for k in sub) + "]"])
            _emit_table(lines, value, sub)
    for key, value in table.items():
        if _is_table_array(value):
            sub = (*path, key)
            assert isinstance(value, Sequence)
            for item in value:
                if not isinstance(item, Mapping):
                    raise TypeError(f"{'.'.join(sub)}: only arrays of tables are supported")
                lines.extend(["", "[[" + ".".join(format_key(k) for k in sub) + "]]"])
                _emit_table(lines, item, sub)


def dumps(document: TomlTable, *, header: str = "") -> str:
    """The TOML text of `document`; `header` lines are written first as comments."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _emit_table(lines, document, ())
    return "\n".join(lines).lstrip("\n") + "\n"
