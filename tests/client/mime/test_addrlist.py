from __future__ import annotations

from kittiwake.client.mime.addrlist import Mailbox, parse_address_list
from kittiwake.client.mime.bounds import MAX_ADDRESSES


def test_names_quotes_comments_and_groups() -> None:
    value = (
        '"Doe, John" <john@example.com>, mary@example.net (Mary Smith), '
        "Team: a@x.org, b@x.org;, undisclosed-recipients:;"
    )
    mailboxes, warnings = parse_address_list(value)
    assert mailboxes == [
        Mailbox("Doe, John", "john@example.com"),
        Mailbox("Mary Smith", "mary@example.net"),
        Mailbox("", "a@x.org"),
        Mailbox("", "b@x.org"),
    ]
    assert warnings == []


def test_encoded_word_name_with_comma_is_one_mailbox() -> None:
    mailboxes, _ = parse_address_list("=?utf-8?Q?M=C3=BCller=2C_Hans?= <hans@example.de>")
    assert mailboxes == [Mailbox("Müller, Hans", "hans@example.de")]


def test_unlisted_recipients_group_does_not_raise() -> None:
    # policy.default raises AttributeError on this header (see DESIGN.md).
    mailboxes, _ = parse_address_list("unlisted-recipients:; (no To-header on input)")
    assert all(m.address != "unlisted-recipients" for m in mailboxes)


def test_escaped_parens_in_comments() -> None:
    mailboxes, _ = parse_address_list(
        r"Pete(A wonderful \) chap) <pete(his account)@silly.test(his host)>"
    )
    assert mailboxes == [Mailbox("Pete", "pete@silly.test")]


def test_thousands_of_encoded_words_do_not_recurse() -> None:
    # The stdlib's getaddresses() raises RecursionError on this shape (mimekit stack-overflow).
    value = '"test" <test@test.com>,\r\n\t' + "\r\n\t".join(
        ["=?utf-8?Q?date=3E2017-08-20T10:08:28.617=3C/pr?="] * 3000
    )
    mailboxes, _ = parse_address_list(value)
    assert mailboxes[0] == Mailbox("test", "test@test.com")
    assert len(mailboxes) == 2


def test_address_count_is_capped() -> None:
    value = ", ".join(f"u{i}@example.com" for i in range(MAX_ADDRESSES + 5))
    mailboxes, warnings = parse_address_list(value)
    assert len(mailboxes) == MAX_ADDRESSES
    assert warnings == ["5 more addresses not shown"]
