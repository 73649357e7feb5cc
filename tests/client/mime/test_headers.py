from __future__ import annotations

from email.message import Message

from kittiwake.client.mime.headers import (
    decode_bytes,
    decode_header,
    filename,
    header_text,
    lookup_charset,
    raw_to_text,
)
from kittiwake.client.mime.tree import parse_tree


def test_rfc2047_q_and_b_words() -> None:
    assert decode_header("=?utf-8?Q?caf=C3=A9_au_lait?=")[0] == "café au lait"
    assert decode_header("=?UTF-8?B?w6l0w6k=?=")[0] == "été"
    assert decode_header("Re: =?iso-8859-1?q?Gr=FC=DFe?= aus")[0] == "Re: Grüße aus"


def test_whitespace_between_adjacent_words_is_dropped() -> None:
    text, _ = decode_header("=?utf-8?q?a?= \r\n =?utf-8?q?b?=  plain =?utf-8?q?c?=")
    assert text == "ab  plain c"


def test_multibyte_character_split_across_words() -> None:
    # "é" is C3 A9: the two bytes land in two encoded-words, as some encoders do.
    assert decode_header("=?utf-8?B?ww==?= =?utf-8?B?qQ==?=")[0] == "é"
    assert decode_header("=?utf-8?Q?=C3?= =?utf-8?Q?=A9t=C3=A9?=")[0] == "été"


def test_language_suffix_and_missing_padding() -> None:
    assert decode_header("=?utf-8*en?B?w6l0w6k?=")[0] == "été"


def test_raw_utf8_header_and_8bit_fallback() -> None:
    raw = "Jöhn".encode().decode("ascii", "surrogateescape")
    assert raw_to_text(raw) == ("Jöhn", None)
    latin = "Grüße".encode("cp1252").decode("ascii", "surrogateescape")
    text, warning = raw_to_text(latin)
    assert text == "Grüße"
    assert warning


def test_unknown_charset_falls_back_with_warning() -> None:
    assert lookup_charset("x-unknown") is None
    text, warning = decode_bytes("naïve".encode(), "x-unknown")
    assert text == "naïve" and warning and "x-unknown" in warning
    text, warning = decode_bytes("naïve".encode("cp1252"), "x-unknown")
    assert text == "naïve" and warning and "windows-1252" in warning
    # Bytes that are valid in no single-byte guess still decode (latin-1 never fails).
    text, warning = decode_bytes(b"\x81\x8d", "bogus")
    assert len(text) == 2 and warning


def test_declared_charset_wins_and_aliases_resolve() -> None:
    assert decode_bytes("한국".encode("cp949"), "ks_c_5601-1987") == ("한국", None)
    assert decode_bytes("€".encode("cp1252"), "iso-8859-1") == ("€", None)
    assert decode_header("=?x-unknown?Q?abc?=")[0] == "abc"


def test_controls_and_bidi_are_stripped_for_display() -> None:
    text, _ = header_text("=?utf-8?Q?evil=0D=0ABcc:_x=00?= \u202etxt.exe")
    assert "\r" not in text and "\n" not in text and "\x00" not in text
    assert "\u202e" not in text


def test_long_header_is_decoded_linearly_and_bounded() -> None:
    value = ",\r\n ".join(["=?utf-8?Q?date=3E2017-08-20T10:08:28.617=3C/pr?="] * 3000)
    text, warnings = decode_header(value)
    assert text.count("date>2017") == 3000
    assert warnings == []
    huge, warnings = decode_header("a" * 300_000)
    assert len(huge) < 300_000 and warnings


def test_rfc2231_filename_with_continuations_and_charset() -> None:
    raw = (
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*0*=utf-8''%E6%97%A5%E6%9C%AC;\r\n"
        b" filename*1*=%E8%AA%9E.pdf\r\n\r\nx"
    )
    root, _ = parse_tree(raw)
    assert filename(root)[0] == "日本語.pdf"


def test_rfc2047_raw_8bit_and_path_separators_in_filenames() -> None:
    part = Message()
    part["Content-Disposition"] = 'attachment; filename="=?utf-8?B?w6l0w6kucGRm?="'
    assert filename(part)[0] == "été.pdf"
    raw = 'Content-Type: text/plain; name="../../Grüße.txt"\r\n\r\n'.encode()
    root, _ = parse_tree(raw)
    assert filename(root)[0] == "_.._Grüße.txt"


def test_real_non_ascii_inside_encoded_words_and_rfc2231_values() -> None:
    # Found by fuzzing: text that is already Unicode where bytes were expected.
    assert decode_header("=?utf-8?Q?caf\u00e9\u039b?=")[0] == "café\u039b"
    part = Message()
    part["Content-Disposition"] = "attachment; filename*=utf-8''a%C3%A9\u039b.txt"
    assert filename(part)[0] == "aé\u039b.txt"
