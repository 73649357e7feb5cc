"""Address lists: parse them leniently, format them strictly, validate one address.

Parsing is our own small tokenizer rather than `email.headerregistry`, because the stdlib raises
on real-world input (`To: unlisted-recipients:;` gives AttributeError) and cannot be told to
skip one broken entry and keep the rest. Received headers are decoded here (RFC 2047 words,
raw UTF-8 bytes); anything that came from a message is folded to one line before it is used.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from kittiwake.client.net.errors import HeaderInjection, InvalidAddress
from kittiwake.client.records import record

# Everything str.splitlines() breaks on, plus NUL: the stdlib's header folder splits on these
# (Python 3.11 before 3.11.10 does not verify generated headers), so any of them could forge one.
_LINE_BREAKS = re.compile("[\r\n\0\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def check_single_line(value: str, field: str) -> str:
    """Reject text a person typed into a one-line field if it could start a new header."""
    if _LINE_BREAKS.search(value):
        raise HeaderInjection(f"The {field} contains a line break or a NUL character.")
    return value


_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]+")


def fold_inherited(value: str) -> str:
    """Make text that came from a message safe for a header: controls become one space."""
    return _CONTROLS.sub(" ", value).strip()


# --- decoding received header text -------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(=\?)")


def _decode_word(charset: str, encoding: str, payload: str) -> str:
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*en?...
    try:
        if encoding in "bB":
            raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            raw = re.sub(
                rb"=([0-9A-Fa-f]{2})",
                lambda m: bytes([int(m.group(1), 16)]),
                payload.replace("_", " ").encode("ascii", "replace"),
            )
    except (binascii.Error, ValueError):
        return payload
    try:
        return raw.decode(charset, "replace")
    except (LookupError, ValueError, TypeError):
        # Unknown (or codec-transform) charsets are almost always UTF-8 or ASCII in practice.
        return raw.decode("utf-8", "replace")


def unfold_raw(raw: str) -> str:
    """A raw header value on one logical line, raw 8-bit bytes read as text; never raises.

    Raw 8-bit bytes arrive from the parser as surrogate escapes: they are read as UTF-8 (what
    senders mean nowadays), Latin-1 otherwise. Encoded words are left alone (address lists must
    be split before their names are decoded, since a decoded name may hold a comma).
    """
    if any("\udc80" <= c <= "\udcff" for c in raw):
        data = raw.encode("utf-8", "surrogateescape")
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raw = data.decode("latin-1")
    return re.sub(r"\r?\n(?=[ \t])", "", raw)


def decode_header_text(raw: str) -> str:
    """Unfold and decode a raw header value; never raises. Result may hold CR/LF (see below).

    A decoded encoded word can contain CR LF, so a caller that puts the result into a header
    must pass it through `fold_inherited`.
    """
    raw = _BETWEEN_WORDS.sub(r"\1\2", unfold_raw(raw))  # space between encoded words goes
    return _ENCODED_WORD.sub(lambda m: _decode_word(m.group(1), m.group(2), m.group(3)), raw)


# --- the value -----------------------------------------------------------------------------


@record
class Address:
    """One mailbox. `addr_spec` keeps the domain as written (Unicode or xn--)."""

    addr_spec: str
    name: str = ""

    def __post_init__(self) -> None:
        check_single_line(self.addr_spec, "address")
        check_single_line(self.name, "name")

    @property
    def local(self) -> str:
        return self.addr_spec.rpartition("@")[0]

    @property
    def domain(self) -> str:
        return self.addr_spec.rpartition("@")[2]

    def key(self) -> str:
        """Comparison key: the same mailbox however its case or IDN spelling differs."""
        return f"{self.local.casefold()}@{_unicode_domain(self.domain).casefold()}"

    def ascii_domain(self) -> str:
        """The domain as DNS and non-SMTPUTF8 servers want it (IDNA A-labels)."""
        return _ascii_domain(self.domain)

    def __str__(self) -> str:
        return f"{self.name} <{self.addr_spec}>" if self.name else self.addr_spec


def _ascii_domain(domain: str) -> str:
    if domain.isascii() or domain.startswith("["):
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidAddress(
            f"The domain {domain!r} is not a valid internationalised name."
        ) from exc


def _unicode_domain(domain: str) -> str:
    if "xn--" not in domain.lower():
        return domain
    try:
        return domain.encode("ascii").decode("idna")
    except UnicodeError:
        return domain


# --- validation ----------------------------------------------------------------------------

# atext (RFC 5322: printable ASCII but the specials) or any non-ASCII character (RFC 6532),
# written as what it is not: a class spanning \u0080-\U0010ffff takes ~10 ms to compile.
_ATEXT = r'[^\x00-\x20\x7f()<>\[\]:;@\\,."]'
_DOT_ATOM = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_QUOTED_LOCAL = re.compile(r'"(?:[^"\\\r\n]|\\.)*"')
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_LITERAL = re.compile(r"\[(?:[0-9.]+|IPv6:[0-9A-Fa-f:.]+)\]")


def is_valid_address(addr_spec: str) -> bool:
    """True for an address a submission server can accept (a Unicode local part needs SMTPUTF8)."""
    if _LINE_BREAKS.search(addr_spec) or len(addr_spec) > 254:
        return False
    local, at, domain = addr_spec.rpartition("@")
    if not at or not local or not domain or len(local.encode()) > 64:
        return False
    if not (_DOT_ATOM.fullmatch(local) or _QUOTED_LOCAL.fullmatch(local)):
        return False
    if _LITERAL.fullmatch(domain):
        return True
    try:
        ascii_domain = _ascii_domain(domain.rstrip("."))
    except InvalidAddress:
        return False
    return (
        all(_LABEL.fullmatch(label) for label in ascii_domain.split("."))
        and len(ascii_domain) <= 253
    )


def validate(address: Address) -> Address:
    if not is_valid_address(address.addr_spec):
        raise InvalidAddress(f"{address.addr_spec!r} is not a valid e-mail address.")
    return address


# --- parsing -------------------------------------------------------------------------------


@dataclass
class _Mailbox:
    words: list[tuple[str, bool]]  # (text, was quoted)
    angle: str | None = None
    comment: str = ""

    def finish(self) -> Address | None:
        if self.angle is not None:
            spec = self.angle.strip()
            if ":" in spec and spec.startswith("@"):  # obsolete source route <@a,@b:x@y>
                spec = spec.split(":", 1)[1]
            spec = re.sub(r"\([^()]*\)|\s+", "", spec)  # comments and CFWS inside <...>
            name = _join_phrase(self.words)
        else:
            spec = "".join(f'"{w}"' if quoted else w for w, quoted in self.words)
            name = self.comment
        spec = fold_inherited(spec)
        if "@" not in spec:
            return None
        return Address(spec, fold_inherited(name))


def _join_phrase(words: list[tuple[str, bool]]) -> str:
    # Encoded words are decoded in atoms and, leniently, in quoted strings as senders misuse them.
    return decode_header_text(" ".join(w for w, _ in words)).strip()


def parse_address_list(text: str) -> list[Address]:
    """Every mailbox in a header or typed field; groups are flattened, empty ones vanish.

    Lenient by design (received headers are often broken): an entry without '@' is dropped.
    Use `parse_typed_addresses` for what a person typed, which reports such entries instead.
    """
    return [a for a in _parse(text) if a is not None]


def parse_typed_addresses(text: str) -> list[Address]:
    """Addresses from a composer field: refuse line breaks and anything that is not an address."""
    check_single_line(text, "recipient list")
    out: list[Address] = []
    for item in _parse(text):
        if item is None:
            raise InvalidAddress("One of the recipients is not an e-mail address.")
        out.append(validate(item))
    return out


def _parse(text: str) -> list[Address | None]:
    text = unfold_raw(text)
    out: list[Address | None] = []
    box = _Mailbox([])
    i, n = 0, len(text)
    atom: list[str] = []

    def flush_atom() -> None:
        if atom:
            box.words.append(("".join(atom), False))
            atom.clear()

    def end_box() -> None:
        nonlocal box
        flush_atom()
        if box.words or box.angle is not None:
            out.append(box.finish())
        box = _Mailbox([])

    while i < n:
        c = text[i]
        if c == '"':
            flush_atom()
            word, i = _read_quoted(text, i + 1)
            # An addr-spec's quoted local part joins the atom that follows without a space.
            box.words.append((word, True))
            continue
        if c == "(":
            flush_atom()
            comment, i = _read_comment(text, i + 1)
            box.comment = box.comment or comment.strip()
            continue
        if c == "<":
            flush_atom()
            end = text.find(">", i + 1)
            end = n if end < 0 else end
            box.angle = text[i + 1 : end]
            i = end + 1
            continue
        if c in ",;":
            end_box()
        elif c == ":" and box.angle is None and "@" not in "".join(atom):
            atom.clear()  # "Group name:" starts a group; its name is not an address
            box = _Mailbox([])
        elif c in " \t\r\n":
            flush_atom()
        else:
            atom.append(c)
        i += 1
    end_box()
    return out


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    return "".join(out), i


def _read_comment(text: str, i: int) -> tuple[str, int]:
    depth, out = 1, []
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return "".join(out), i + 1
        out.append(c)
        i += 1
    return "".join(out), i


SMTPUTF8_HINT = (
    "The outgoing server does not offer SMTPUTF8, so it cannot carry a non-ASCII user name; "
    "ask the recipient for another address."
)

# --- formatting ----------------------------------------------------------------------------

_PLAIN_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\- ]+")
# atext, space, or non-ASCII from U+00A0 (RFC 6532), as its complement (see _ATEXT).
_PLAIN_UTF8_NAME = re.compile(r'[^\x00-\x1f\x7f-\x9f()<>\[\]:;@\\,."]+')


def format_address(address: Address, *, utf8: bool = False) -> str:
    """Header text for one mailbox: quoted or RFC 2047-encoded name, IDNA domain unless utf8."""
    local, domain = address.local, address.domain
    if not utf8:
        if not local.isascii():
            raise InvalidAddress(f"{address.addr_spec!r} has a non-ASCII user part.", SMTPUTF8_HINT)
        domain = _ascii_domain(domain)
    spec = f"{local}@{domain}"
    name = address.name
    if not name:
        return spec
    if needs_encoded_words(name, utf8=utf8):
        # One word per name, even past RFC 2047's 75 characters: Python's parser (3.11) puts a
        # space between adjacent encoded words of a display name, so a long name split in two
        # would read back with a space in the middle. Mail readers accept the longer word.
        chunk = 45 if len(name.encode()) > 600 else 10_000
        return f"{encode_words(name, chunk)} <{spec}>"
    plain = (_PLAIN_UTF8_NAME if utf8 else _PLAIN_NAME).fullmatch(name)
    if plain and name.strip() == name and "  " not in name:
        return f"{name} <{spec}>"
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}" <{spec}>'


_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def needs_encoded_words(text: str, *, utf8: bool) -> bool:
    """Whether header text must go as RFC 2047 words to read back unchanged.

    Non-ASCII without SMTPUTF8, control characters, text a decoder would take for an encoded
    word ("=?...?="), and words too long to fold below the line limit.
    """
    return (
        (not utf8 and not text.isascii())
        or "=?" in text
        or bool(_CONTROL.search(text))
        or any(len(word) > 70 for word in text.split(" "))
    )


def encode_words(text: str, chunk_bytes: int = 45) -> str:
    """RFC 2047 base64 words, space-separated; the spaces are foldable and vanish on decoding."""
    # Chunks of at most 45 bytes keep each word under 75 characters and never split a character.
    words, chunk = [], ""
    for ch in text:
        if len((chunk + ch).encode()) > chunk_bytes:
            words.append(chunk)
            chunk = ""
        chunk += ch
    words.append(chunk)
    return " ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words if w)


def format_address_list(
    addresses: list[Address] | tuple[Address, ...], *, utf8: bool = False
) -> str:
    return ", ".join(format_address(a, utf8=utf8) for a in addresses)


def unique(
    addresses: list[Address], *, exclude: set[str] | frozenset[str] = frozenset()
) -> list[Address]:
    """Drop repeats (by `key()`) and any address whose key is in `exclude`, keeping order."""
    seen = set(exclude)
    out = []
    for a in addresses:
        if a.key() not in seen:
            seen.add(a.key())
            out.append(a)
    return out
