"""flowed_out.py: RFC 3676 encoding, checked by decoding it back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kittiwake.client.mime.flowed_out import encode_flowed


def decode_flowed(text: str) -> str:
    """An independent RFC 3676 decoder (DelSp=no) for the tests."""
    out: list[tuple[int, str]] = []
    flowing = False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        if flowing and out and out[-1][0] == depth:
            out[-1] = (depth, out[-1][1] + content)
        else:
            out.append((depth, content))
        flowing = content.endswith(" ") and content != "-- "
    return "\n".join(">" * d + (" " + c if d and c else c) for d, c in out)


def test_long_paragraph_is_soft_broken_under_78() -> None:
    text = "word " * 40 + "end"
    flowed = encode_flowed(text)
    lines = flowed.split("\n")
    assert len(lines) > 2
    assert all(len(line) <= 78 for line in lines)
    assert all(line.endswith(" ") for line in lines[:-1]) and not lines[-1].endswith(" ")
    assert decode_flowed(flowed) == text


def test_space_stuffing() -> None:
    assert encode_flowed("From me\n indented\nplain") == " From me\n  indented\nplain"


def test_trailing_spaces_of_a_hard_line_are_removed() -> None:
    assert encode_flowed("one   \ntwo") == "one\ntwo"


def test_signature_separator_survives() -> None:
    assert encode_flowed("body\n-- \nsig") == "body\n-- \nsig"


def test_quotes_keep_their_depth_when_wrapped() -> None:
    text = ">> " + "quoted " * 20 + "end"
    lines = encode_flowed(text).split("\n")
    assert len(lines) > 1 and all(line.startswith(">> ") for line in lines)
    assert decode_flowed("\n".join(lines)) == text


def test_empty_quoted_line_has_no_trailing_space() -> None:
    assert encode_flowed("> a\n>\n> b") == "> a\n>\n> b"


def test_a_word_longer_than_the_line_is_not_cut() -> None:
    url = "https://example.com/" + "x" * 100
    assert encode_flowed(f"see {url} now") == f"see \n{url} \nnow"


# Lines as a person types them: no trailing spaces (we strip those), quotes written ">" or "> ".
plain_line = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"
    ),
    max_size=200,
).map(lambda s: s.rstrip(" "))


@given(st.lists(plain_line, max_size=8))
def test_roundtrip(lines: list[str]) -> None:
    def canonical(line: str) -> str:
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if depth and content.startswith(" "):
            content = content[1:]
        return ">" * depth + (" " + content if depth and content else content)

    text = "\n".join(lines)
    flowed = encode_flowed(text)
    assert all(len(line) <= 78 or " " not in line.strip() for line in flowed.split("\n"))
    assert decode_flowed(flowed) == "\n".join(canonical(line) for line in lines)
