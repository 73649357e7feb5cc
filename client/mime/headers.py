"""Header and text decoding: RFC 2047 encoded-words, RFC 2231 parameters, raw 8-bit headers.

Everything here is total: any input gives text plus warnings, never an exception. Decoding is
a single regex scan (linear), because the stdlib's policy.default header parser takes about
a second on a 135 KB To: header of encoded-words and its address parser recurses per word.

Charset rule for bytes of unknown or wrong charset: the declared charset, then UTF-8, then
cp1252 (what "iso-8859-1" usually means in practice) and finally latin-1, which never fails.
"""

from __future__ import annotations

import binascii
import codecs
import re
from email.message import Message

from kittiwake.client.mime.bounds import MAX_HEADER_CHARS

# Names seen in real mail that Python's codec registry does not know, or knows under a
# different meaning (ks_c_5601-1987 is Microsoft's cp949 in practice; gb2312 mail is gbk).
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "windows-874": "cp874",
    "x-sjis": "cp932",
    "shift_jis": "cp932",
    "x-mac-roman": "mac-roman",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode20utf8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-1": "cp1252",  # browsers do the same: 0x80-0x9f are cp1252 in practice
    "latin1": "cp1252",
    "us-ascii": "ascii",
}

_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
# C0/C1 controls except TAB; replaced by a space so words do not run together.
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# Bidi overrides/embeddings/isolates and other invisible format characters that can reorder or
# hide text ("invoice\u202eexe.pdf"); removed outright.
_BIDI = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")


def lookup_charset(name: str | None) -> str | None:
    """Python codec name for a MIME charset label, or None when unknown."""
    if not name:
        return None
    label = name.strip().strip('"').lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode body or header bytes; the second value is a warning when a fallback was used."""
    declared = lookup_charset(charset)
    if declared is not None:
        try:
            return data.decode(declared), None
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared is None and charset and charset.strip().lower() not in ("", "utf-8"):
            return text, f"unknown charset {charset.strip()[:40]!r}, decoded as UTF-8"
        if declared is not None and declared != "ascii":
            return text, f"text is not valid {charset}, decoded as UTF-8"
        return text, None
    # A known multi-byte charset with a few broken bytes reads better replaced than guessed.
    if declared is not None and declared not in ("ascii", "cp1252", "utf-8"):
        try:
            return data.decode(declared, "replace"), f"some bytes are not valid {charset}"
        except (LookupError, ValueError):
            pass
    label = (charset or "unspecified").strip()[:40]
    try:
        return data.decode("cp1252"), f"charset {label!r} did not fit, decoded as windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), f"charset {label!r} did not fit, decoded as latin-1"


def to_bytes(text: str, encoding: str = "ascii") -> bytes:
    """Bytes back from text that stands for bytes (surrogate-escaped, or one char per byte);
    any real character beyond `encoding` is taken as UTF-8 rather than raising."""
    try:
        return text.encode(encoding, "surrogateescape")
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for ch in text:  # rare path: mixed byte-chars and real characters
        try:
            out += ch.encode(encoding, "surrogateescape")
        except UnicodeEncodeError:
            out += ch.encode("utf-8", "surrogatepass")
    return bytes(out)


def raw_to_text(value: str) -> tuple[str, str | None]:
    """Header text as the compat32 parser gives it (8-bit bytes as surrogates) -> real text."""
    if value.isascii():
        return value, None
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value, None  # already real text (a str that never went through bytes)
    text, warning = decode_bytes(data, "utf-8")
    return text, warning and "header has raw 8-bit bytes that are not UTF-8"


def strip_controls(text: str, *, bidi: bool = True) -> str:
    """Remove what could hide or reorder text in a one-line display: controls, bidi marks."""
    text = _CONTROLS.sub(" ", text)
    return _BIDI.sub("", text) if bidi else text


def _decode_word_bytes(encoding: str, payload: str) -> bytes:
    raw = to_bytes(payload)
    if encoding in "bB":
        raw = raw.rstrip(b"=")
        raw += b"=" * (-len(raw) % 4)
        try:
            return binascii.a2b_base64(raw)
        except (binascii.Error, ValueError):
            return b""
    return binascii.a2b_qp(raw, header=True)


def decode_header(value: str) -> tuple[str, list[str]]:
    """Unfold and decode one header value (RFC 2047 + raw UTF-8). Linear in the input."""
    warnings: list[str] = []
    if len(value) > MAX_HEADER_CHARS:
        value = value[:MAX_HEADER_CHARS]
        warnings.append("a header was too long and has been cut")
    value = _FOLD.sub("", value)
    out: list[str] = []
    pos = 0
    # Adjacent encoded-words of one charset are joined as bytes first: a multi-byte character
    # may be split across two words.
    pending: bytearray = bytearray()
    pending_charset = ""

    def flush() -> None:
        nonlocal pending_charset
        if pending_charset:
            text, warning = decode_bytes(bytes(pending), pending_charset)
            out.append(text)
            if warning and warning not in warnings:
                warnings.append(warning)
            pending.clear()
            pending_charset = ""

    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        if gap and not (pending_charset and gap.isspace()):
            flush()
            text, warning = raw_to_text(gap)
            out.append(text)
            if warning and warning not in warnings:
                warnings.append(warning)
        charset = match.group(1).lower()
        if pending_charset and charset != pending_charset:
            flush()
        pending_charset = charset
        pending += _decode_word_bytes(match.group(2), match.group(3))
        pos = match.end()
    flush()
    tail = value[pos:]
    if tail:
        text, warning = raw_to_text(tail)
        out.append(text)
        if warning and warning not in warnings:
            warnings.append(warning)
    return "".join(out), warnings


def header_text(value: str) -> tuple[str, list[str]]:
    """A decoded header ready for one-line display: no controls, no bidi tricks, trimmed."""
    text, warnings = decode_header(value)
    return " ".join(strip_controls(text).split()), warnings


def raw_values(part: Message, name: str) -> list[str]:
    """Every value of a header exactly as parsed (compat32 would wrap 8-bit values in a
    Header object whose str() replaces each byte by U+FFFD; raw_items() does not)."""
    wanted = name.lower()
    return [str(v) for k, v in part.raw_items() if k.lower() == wanted]


def raw_value(part: Message, name: str) -> str | None:
    values = raw_values(part, name)
    return values[0] if values else None


def get_param(part: Message, name: str, header: str) -> tuple[str, list[str]]:
    """A Content-Type/Content-Disposition parameter, decoded (RFC 2231, or RFC 2047 misuse)."""
    value = raw_value(part, header)
    if value is None:
        return "", []
    # The stdlib parameter parser, fed real text so that raw 8-bit names survive.
    holder = Message()
    holder[header] = raw_to_text(value)[0]
    try:
        raw = holder.get_param(name, None, header)
    except Exception:  # the stdlib's parameter parser trips on some garbage
        return "", ["a header parameter could not be parsed"]
    if raw is None:
        return "", []
    warnings: list[str] = []
    if isinstance(raw, tuple):
        charset, _lang, text = raw
        # RFC 2231 values arrive percent-decoded, one character per byte.
        data = to_bytes(str(text), "latin-1")
        decoded, warning = decode_bytes(data, charset or "utf-8")
        if warning:
            warnings.append(warning)
    else:
        decoded = raw
        if decoded.startswith('"') and decoded.endswith('"') and len(decoded) >= 2:
            decoded = decoded[1:-1]
    text, more = header_text(decoded)
    return text, warnings + more


def filename(part: Message) -> tuple[str, list[str]]:
    """The part's file name: Content-Disposition filename, else Content-Type name."""
    name, warnings = get_param(part, "filename", "content-disposition")
    if not name:
        name, warnings = get_param(part, "name", "content-type")
    # Path separators would let a name pose as a directory path when saved.
    name = name.replace("/", "_").replace("\\", "_").strip(". ") if name else ""
    return name, warnings
