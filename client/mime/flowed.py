"""format=flowed (RFC 3676) decoding: soft line breaks joined, quote depth kept, stuffing undone."""

from __future__ import annotations


def _emit(out: list[str], depth: int, text: str) -> None:
    out.append((">" * depth + " " if depth else "") + text)


def decode_flowed(text: str, *, delsp: bool = False) -> str:
    """Join the soft-broken lines of a flowed text/plain body into paragraphs.

    A line ending in a space is soft-broken (continues on the next line of the same quote
    depth), except the signature separator "-- ". With DelSp=yes that trailing space was added
    by the sender and is removed. A change of quote depth always ends a paragraph.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out: list[str] = []
    para: list[str] | None = None
    para_depth = 0
    for line in lines:
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing (or the space after the quote marks)
        flowed = content.endswith(" ") and content != "-- "
        if para is not None and depth != para_depth:
            _emit(out, para_depth, "".join(para))
            para = None
        if flowed and delsp:
            content = content[:-1]
        if para is None:
            para = [content]
            para_depth = depth
        else:
            para.append(content)
        if not flowed:
            _emit(out, para_depth, "".join(para))
            para = None
    if para is not None:
        _emit(out, para_depth, "".join(para))
    return "\n".join(out) + ("\n" if out else "")
