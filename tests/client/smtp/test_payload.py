"""DATA payload: CRLF normalisation, dot-stuffing, 8-bit detection, RFC 1870 size."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from kittiwake.client.smtp.payload import analyse, dot_stuffed, normalise_line_endings


def test_line_endings_become_crlf_and_a_final_crlf_is_added() -> None:
    assert normalise_line_endings(b"a\nb\rc\r\nd") == b"a\r\nb\r\nc\r\nd\r\n"
    assert normalise_line_endings(b"a\r\n") == b"a\r\n"


def test_dot_stuffing_doubles_leading_dots_and_terminates() -> None:
    assert dot_stuffed(b".\r\n..x\r\nx.\r\n") == b"..\r\n...x\r\nx.\r\n.\r\n"


def test_size_is_the_normalised_size_before_stuffing() -> None:
    content = analyse(b"Subject: x\n\n.hidden\n")
    assert content.data == b"Subject: x\r\n\r\n.hidden\r\n"
    assert content.size == len(content.data)


def test_eight_bit_body_and_header_are_told_apart() -> None:
    body = analyse("Subject: x\r\n\r\ncafé\r\n".encode())
    assert body.body_8bit and not body.header_8bit
    header = analyse("Subject: café\r\n\r\nplain\r\n".encode())
    assert header.header_8bit and not header.body_8bit
    assert not analyse(b"Subject: x\r\n\r\nplain\r\n").eight_bit


@given(st.binary(max_size=300))
def test_unstuffing_gives_back_the_normalised_message(raw: bytes) -> None:
    data = normalise_line_endings(raw)
    wire = dot_stuffed(data)
    assert wire.endswith(b"\r\n.\r\n")
    lines = wire[: -len(b".\r\n")].split(b"\r\n")
    # No line of the payload is a lone "." before the terminator.
    assert b"." not in lines
    unstuffed = b"\r\n".join(line[1:] if line.startswith(b".") else line for line in lines)
    assert unstuffed == data


@given(
    st.binary(max_size=300) | st.lists(st.sampled_from([b"\r", b"\n", b".", b"a"])).map(b"".join)
)
def test_normalisation_matches_the_rfc_reading(raw: bytes) -> None:
    # Reference: each CRLF, lone LF and lone CR is one line break.
    expected = re.sub(rb"\r\n|\n|\r(?!\n)", b"\r\n", raw)
    if not expected.endswith(b"\r\n"):
        expected += b"\r\n"
    assert normalise_line_endings(raw) == expected
    assert dot_stuffed(expected) == re.sub(rb"(?m)^\.", b"..", expected) + b".\r\n"
