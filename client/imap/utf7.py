"""Modified UTF-7 for IMAP mailbox names (RFC 3501 section 5.1.3).

Printable ASCII stands for itself except "&", written "&-"; every other run of characters is
UTF-16BE in a base64 variant (',' instead of '/', no padding) between "&" and "-".
"""

from __future__ import annotations

import base64
import binascii


class Utf7Error(ValueError):
    """The name is not valid modified UTF-7."""


def _is_direct(char: str) -> bool:
    return 0x20 <= ord(char) <= 0x7E


def encode(name: str) -> bytes:
    out = bytearray()
    pending: list[str] = []

    def flush() -> None:
        if pending:
            utf16 = "".join(pending).encode("utf-16-be")
            out.extend(b"&" + base64.b64encode(utf16).rstrip(b"=").replace(b"/", b",") + b"-")
            pending.clear()

    for char in name:
        if _is_direct(char):
            flush()
            out.extend(b"&-" if char == "&" else char.encode("ascii"))
        else:
            pending.append(char)
    flush()
    return bytes(out)


def decode(raw: bytes) -> str:
    """Strict decoding; raises Utf7Error on anything a conforming server would not send."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        byte = raw[i]
        if byte == 0x26:  # "&"
            end = raw.find(b"-", i + 1)
            if end < 0:
                raise Utf7Error("unterminated shift sequence")
            chunk = raw[i + 1 : end]
            if not chunk:
                out.append("&")
            else:
                b64 = chunk.replace(b",", b"/")
                b64 += b"=" * (-len(b64) % 4)
                try:
                    utf16 = base64.b64decode(b64, validate=True)
                    text = utf16.decode("utf-16-be")
                except (binascii.Error, UnicodeDecodeError) as error:
                    raise Utf7Error("bad base64 run") from error
                if not text or any(_is_direct(c) for c in text):
                    raise Utf7Error("printable ASCII must not be base64-encoded")
                out.append(text)
            i = end + 1
        elif 0x20 <= byte <= 0x7E:
            out.append(chr(byte))
            i += 1
        else:
            raise Utf7Error("8-bit or control byte in a modified UTF-7 name")
    return "".join(out)


def decode_lenient(raw: bytes) -> str:
    """Server names for display: modified UTF-7 if valid, else UTF-8 (UTF8=ACCEPT servers)."""
    try:
        return decode(raw)
    except Utf7Error:
        return raw.decode("utf-8", errors="replace")
