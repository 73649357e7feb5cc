from __future__ import annotations

from email.message import Message
from typing import Any

import pytest

from kittiwake.client.mime.bounds import MAX_DEPTH, MAX_PARTS
from kittiwake.client.mime.tree import (
    children,
    decoded_payload,
    find_part,
    nested_message,
    parse_tree,
    transfer_encoding,
)
from tests.client.mime.corpus import SKIP_REASON, corpus_dir


def nested_multiparts(levels: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for i in range(levels):
        b = b"b%d" % i
        body = (
            b"Content-Type: multipart/mixed; boundary=" + b + b"\r\n\r\n--" + b + b"\r\n"
            + body + b"\r\n--" + b + b"--\r\n"
        )  # fmt: skip
    return b"Subject: deep\r\n" + body


def nested_messages(levels: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for _ in range(levels):
        body = b"Content-Type: message/rfc822\r\n\r\n" + body
    return body


def test_deep_multipart_nesting_is_cut_into_an_opaque_part() -> None:
    # The stdlib parser alone dies with RecursionError at about 1,000 levels.
    root, opaque = parse_tree(nested_multiparts(3000))
    depth = 0
    part = root
    while part.is_multipart():
        part = part.get_payload()[0]
        depth += 1
    assert depth <= MAX_DEPTH
    assert part.get_content_type() == "application/octet-stream"
    assert opaque[id(part)] == ("too-deep", "multipart/mixed")
    assert b"innermost" in decoded_payload(part)[0]  # nothing dropped, just not parsed


def test_deep_message_nesting_is_bounded() -> None:
    _, opaque = parse_tree(nested_messages(5000))
    assert opaque
    assert all(reason == "too-deep" for reason, _ in opaque.values())


def test_part_count_is_bounded() -> None:
    parts = b"".join(b"--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n" for _ in range(
        MAX_PARTS + 50))  # fmt: skip
    _, opaque = parse_tree(b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts)
    assert any(reason == "too-many-parts" for reason, _ in opaque.values())


def test_transfer_encoding_spellings() -> None:
    cases = {
        "7-bit": "", "8bits": "", "binary": "", "Quoted printable": "quoted-printable",
        "base64;": "base64", " BASE64 ": "base64", "x-uuencode": "uu", "x-gzip64": "x-gzip64",
    }  # fmt: skip
    for written, normal in cases.items():
        root, _ = parse_tree(f"Content-Transfer-Encoding: {written}\r\n\r\nx".encode())
        assert transfer_encoding(root) == normal, written


def test_base64_junk_and_bad_padding_and_uuencode() -> None:
    root, _ = parse_tree(b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8= ignored\r\n")
    assert decoded_payload(root)[0] == b"hello"
    root, _ = parse_tree(b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8\r\n*")
    assert decoded_payload(root)[0] == b"hello"
    uu = b"begin 644 x.txt\r\n%:&5L;&\\`\r\n`\r\nend\r\n"
    root, _ = parse_tree(b"Content-Transfer-Encoding: x-uuencode\r\n\r\n" + uu)
    assert decoded_payload(root)[0] == b"hello"


def test_unknown_encoding_is_returned_raw_with_a_warning() -> None:
    root, _ = parse_tree(b"Content-Transfer-Encoding: x-gzip64\r\n\r\nabc")
    data, warning = decoded_payload(root)
    assert data == b"abc" and warning


def test_8bit_body_bytes_survive_exactly() -> None:
    root, _ = parse_tree(b"Content-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\r\n")
    assert decoded_payload(root)[0] == b"\xf0\xd2\xc9\r\n"


def test_find_part_uses_imap_section_numbers() -> None:
    raw = (
        b"Content-Type: multipart/mixed; boundary=o\r\n\r\n"
        b"--o\r\nContent-Type: text/plain\r\n\r\none\r\n"
        b"--o\r\nContent-Type: message/rfc822\r\n\r\n"
        b"Subject: inner\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
        b"--i\r\nContent-Type: text/plain\r\n\r\ninner plain\r\n"
        b"--i\r\nContent-Type: text/html\r\n\r\n<p>inner</p>\r\n--i--\r\n"
        b"--o--\r\n"
    )
    root, _ = parse_tree(raw)
    assert decoded_payload(find_part(root, "1"))[0].startswith(b"one")  # type: ignore[arg-type]
    assert find_part(root, "2").get_content_type() == "message/rfc822"  # type: ignore[union-attr]
    html = find_part(root, "2.2")
    assert html is not None and decoded_payload(html)[0].startswith(b"<p>inner")
    assert find_part(root, "3") is None and find_part(root, "1.1") is None
    assert find_part(root, "x") is None and find_part(root, "0") is None


def test_base64_encoded_message_rfc822_is_decoded_then_parsed() -> None:
    import base64

    inner = base64.encodebytes(b"Subject: hidden\r\n\r\nhello\r\n")
    raw = b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + inner
    root, _ = parse_tree(raw)
    message = nested_message(root)
    assert message is not None and message["subject"] == "hidden"


def test_header_lines_are_capped() -> None:
    from kittiwake.client.mime.bounds import MAX_HEADER_LINES
    from kittiwake.client.mime.tree import TooManyHeadersDefect

    raw = b"".join(b"X-H%d: v\r\n" % i for i in range(MAX_HEADER_LINES + 10)) + b"\r\nbody"
    root, _ = parse_tree(raw)
    assert len(root.keys()) == MAX_HEADER_LINES
    assert any(isinstance(d, TooManyHeadersDefect) for d in root.defects)


def test_undecodable_base64_keeps_the_raw_bytes() -> None:
    root, _ = parse_tree(b"Content-Transfer-Encoding: base64\r\n\r\n?!*&\r\n")
    data, warning = decoded_payload(root)
    assert data == b"?!*&\r\n" and warning


# --- Mime4j's expected part trees as an oracle ----------------------------------------------

# Where the stdlib feed parser (under our tree) and Mime4j disagree, on purpose or by design:
# a multipart whose boundary never appears is one text body for us (Mime4j: zero parts);
# boundary lines may carry trailing whitespace (RFC 2046 transport padding), so "similar"
# boundaries differing only in trailing spaces match for us; doubled delimiters make empty
# parts for Mime4j but not for the stdlib.
MIME4J_DIVERGENCES = {
    "mimetools-testmsgs/badbound",
    "mimetools-testmsgs/double-bound",
    "testmsgs/ending-boundaries",
    "testmsgs/missing-boundary",
    "testmsgs/missing-inner-boundary",
    "testmsgs/missing-inner-start-boundary",
    "testmsgs/multipartnopart",
    "testmsgs/very-long-boundary",
    "testmsgs/very-very-long-boundary",
    "testmsgs/weird-boundary",
}


def _xml_shape(element: Any) -> Any:
    for child in element:
        if child.tag == "multipart":
            return ("multi", tuple(_xml_shape(p) for p in child if p.tag == "body-part"))
        if child.tag == "message":
            return ("msg", _xml_shape(child))
    return "leaf"


def _our_shape(part: Message) -> Any:
    if part.get_content_maintype() == "multipart" and isinstance(part.get_payload(), list):
        return ("multi", tuple(_our_shape(c) for c in children(part)))
    if part.get_content_type() == "message/rfc822":
        inner = nested_message(part)
        if inner is not None:
            return ("msg", _our_shape(inner))
    return "leaf"


@pytest.mark.skipif(corpus_dir() is None, reason=SKIP_REASON)
def test_part_trees_match_mime4j_expected_structure() -> None:
    import xml.etree.ElementTree as ET

    root = corpus_dir()
    assert root is not None
    base = root / "james-mime4j"
    agree, differ = [], []
    for xml in sorted((base / "expected-structure").rglob("*.xml")):
        name = str(xml.relative_to(base / "expected-structure").with_suffix(""))
        try:
            expected = _xml_shape(ET.parse(xml).getroot())
        except ET.ParseError:
            continue  # two oracle files are not well-formed XML (8-bit bytes)
        got = _our_shape(parse_tree((base / name).with_suffix(".msg").read_bytes())[0])
        (agree if got == expected else differ).append(name)
    assert set(differ) == MIME4J_DIVERGENCES
    assert len(agree) >= 68


def test_folded_boundary_parameter_is_unfolded() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="simple\r\n boundary"\r\n\r\n'
        b"--simple boundary\r\n\r\none\r\n--simple boundary\r\n\r\ntwo\r\n--simple boundary--\r\n"
    )
    root, _ = parse_tree(raw)
    assert len(children(root)) == 2
