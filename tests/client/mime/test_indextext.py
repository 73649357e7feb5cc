"""The index text agrees with what the reader shows, for real and for hostile messages."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kittiwake.client.mime.indextext import index_text
from kittiwake.client.mime.parse import parse_message
from tests.client.mime.corpus import SKIP_REASON, corpus_dir, iter_messages

_WORD = re.compile(r"\w+")
# What the reader shows and the index leaves out on purpose: the "This is a multi-part
# message in MIME format." preamble (in every multipart message) and epilogues.
_BOILERPLATE = {"this", "is", "a", "multi", "part", "message", "in", "mime", "format", "epilogue"}


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def test_every_word_the_reader_shows_is_indexed() -> None:
    root = corpus_dir()
    if root is None:
        pytest.skip(SKIP_REASON)
    checked = 0
    for name, raw in iter_messages(root):
        shown = _words(parse_message(raw).text[:50_000])
        missing = shown - _words(index_text(raw, limit=10**7)) - _BOILERPLATE
        assert not missing, (name, sorted(missing)[:10])
        checked += 1
    assert checked > 300


def _multipart(subtype: str, *parts: bytes, preamble: bytes = b"") -> bytes:
    body = preamble
    for part in parts:
        body += b"--XX\r\n" + part + b"\r\n"
    return (
        f"Subject: s\r\nContent-Type: multipart/{subtype}; boundary=XX\r\n\r\n".encode()
        + body
        + b"--XX--\r\n"
    )


def test_text_parts_are_decoded_like_the_reader_does() -> None:
    raw = _multipart(
        "mixed",
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nZ=FCrich caf=E9",
        b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n\r\n"
        b"hyphen \r\nated word",
        b"Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"PHA+aHRtbCA8Yj5ib2xkPC9iPiAmYW1wOyBtb3JlPC9wPg==",  # <p>html <b>bold</b> &amp; more</p>
    )
    text = index_text(raw)
    assert "Zürich café" in text
    assert "hyphenated word" in text  # format=flowed, DelSp=yes joined
    assert "html bold & more" in text


def test_attachments_give_their_names_not_their_bytes() -> None:
    raw = _multipart(
        "mixed",
        b"Content-Type: text/plain\r\n\r\nsee attached",
        b"Content-Type: application/pdf; name=q3.pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nSEVMTE8gU0VDUkVU",  # "HELLO SECRET"
        b"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=notes.txt\r\n"
        b"\r\nattached text words",
    )
    text = index_text(raw)
    assert "see attached" in text and "résumé.pdf" in text and "notes.txt" in text
    assert "SECRET" not in text and "SEVMTE8" not in text
    assert "attached text words" not in text  # an attachment, like the reader shows it


def test_alternative_indexes_the_plain_version_or_a_large_html_one() -> None:
    same = _multipart(
        "alternative",
        b"Content-Type: text/plain\r\n\r\nplainwords",
        b"Content-Type: text/html\r\n\r\n<p>htmlwords</p>",
    )
    assert "plainwords" in index_text(same) and "htmlwords" not in index_text(same)
    stub = _multipart(
        "alternative",
        b"Content-Type: text/plain\r\n\r\nopen in a browser",
        b"Content-Type: text/html\r\n\r\n<p>" + b"realcontent " * 200 + b"</p>",
    )
    assert "open in a browser" in index_text(stub) and "realcontent" in index_text(stub)


def test_nested_messages_give_their_headers_and_text() -> None:
    inner = (
        b"From: =?utf-8?q?J=C3=BCrgen?= <j@example.com>\r\nSubject: inner subject\r\n\r\ninner body"
    )
    raw = _multipart(
        "mixed",
        b"Content-Type: text/plain\r\n\r\nouter",
        b"Content-Type: message/rfc822\r\n\r\n" + inner,
    )
    text = index_text(raw)
    assert "outer" in text and "inner subject" in text and "Jürgen" in text
    assert "inner body" in text


def test_boundaries_must_match_whole_lines() -> None:
    raw = (
        b"Content-Type: multipart/mixed; boundary=ab\r\n\r\n"
        b"--ab\r\nContent-Type: text/plain\r\n\r\nkeep --abc not a delimiter\r\n--abcd\r\n"
        b"still the first part\r\n--ab--\r\n"
    )
    text = index_text(raw)
    assert "not a delimiter" in text and "still the first part" in text


def test_broken_structures_still_give_their_text() -> None:
    assert "rescue" in index_text(b"no headers here, only a body to rescue\n")
    assert "bodytext" in index_text(b"Subject: x\r\nnot a header line\r\nbodytext\r\n")
    no_boundary = b"Content-Type: multipart/mixed\r\n\r\nshown as text\r\n"
    assert "shown as text" in index_text(no_boundary)
    unclosed = b"Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\nunclosed part"
    assert "unclosed part" in index_text(unclosed)
    preamble = _multipart("report", b"Content-Type: text/plain\r\n\r\np", preamble=b"human\r\n")
    assert "human" in index_text(preamble)


def test_the_limit_bounds_the_text() -> None:
    raw = b"Subject: x\r\n\r\n" + b"word " * 100_000
    assert len(index_text(raw, limit=1000)) == 1000
    assert len(index_text(raw)) <= 64 * 1024


def test_deep_nesting_is_bounded() -> None:
    raw = b"deepest words"
    for level in range(3000):
        raw = (
            f"Content-Type: multipart/mixed; boundary=b{level}\r\n\r\n--b{level}\r\n".encode()
            + raw
            + f"\r\n--b{level}--\r\n".encode()
        )
    assert isinstance(index_text(raw), str)  # no RecursionError


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_never_raises(raw: bytes) -> None:
    assert isinstance(index_text(b"Content-Type: multipart/mixed; boundary=z\r\n\r\n" + raw), str)
    assert isinstance(index_text(raw), str)
