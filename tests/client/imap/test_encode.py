from __future__ import annotations

import pytest

from kittiwake.client.imap import encode


def test_plain_command() -> None:
    assert encode.command("A1", "NOOP") == [b"A1 NOOP\r\n"]


def test_mailbox_names_are_always_quoted_and_utf7() -> None:
    chunks = encode.command("A2", "SELECT", encode.mailbox("Entwürfe"))
    assert chunks == [b'A2 SELECT "Entw&APw-rfe"\r\n']
    assert encode.mailbox("inbox") == encode.Raw(b'"INBOX"')
    assert encode.mailbox("My Folder") == encode.Raw(b'"My Folder"')


def test_quotes_and_backslashes_are_escaped() -> None:
    assert encode.string('a"b\\c') == encode.Raw(b'"a\\"b\\\\c"')


@pytest.mark.parametrize("value", ["pass\r\nA9 DELETE INBOX", "pässword", "x" * 1001, "nul\0"])
def test_unsafe_strings_become_literals(value: str) -> None:
    assert isinstance(encode.string(value), encode.Literal)


def test_synchronizing_literal_splits_the_command() -> None:
    chunks = encode.command("A3", "LOGIN", encode.string("joe"), encode.string("pässword"))
    assert chunks == [b'A3 LOGIN "joe" {9}\r\n', "pässword".encode() + b"\r\n"]


def test_literal_plus_keeps_one_chunk() -> None:
    chunks = encode.command(
        "A4", "APPEND", encode.mailbox("INBOX"), encode.Literal(b"hi"), literal_plus=True
    )
    assert chunks == [b'A4 APPEND "INBOX" {2+}\r\nhi\r\n']


def test_raw_refuses_line_breaks() -> None:
    with pytest.raises(ValueError):
        encode.Raw(b"ALL\r\nA2 LOGOUT")


def test_atoms_and_sequences_are_validated() -> None:
    assert encode.atom("\\Seen") == encode.Raw(b"\\Seen")
    with pytest.raises(ValueError):
        encode.atom("two words")
    assert encode.sequence([5, 1, 2, 3, 9, 10]) == encode.Raw(b"1:3,5,9:10")
    assert encode.sequence("1:*") == encode.Raw(b"1:*")
    with pytest.raises(ValueError):
        encode.sequence("1:3 DELETE")
    assert encode.paren(["\\Seen", "$Junk"]) == encode.Raw(b"(\\Seen $Junk)")
