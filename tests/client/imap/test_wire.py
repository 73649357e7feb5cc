from __future__ import annotations

import pytest

from kittiwake.client.imap.wire import RawResponse, ResponseReader
from kittiwake.client.net.errors import ProtocolError

TRANSCRIPT = (
    b"* 1 FETCH (UID 7 BODY[] {12}\r\nhello\r\nworld)\r\n"
    b"* 2 FETCH (UID 8 BODY[HEADER] {0}\r\n BODY[TEXT] {3}\r\nabc)\r\n"
    b"A1 OK done\r\n"
)


def feed_in_pieces(data: bytes, size: int) -> list[RawResponse]:
    reader = ResponseReader()
    out: list[RawResponse] = []
    for i in range(0, len(data), size):
        out += reader.feed(data[i : i + size])
    assert not reader.mid_response
    return out


def test_frames_lines_and_literals() -> None:
    first, second, tagged = feed_in_pieces(TRANSCRIPT, len(TRANSCRIPT))
    assert first.lines == [b"* 1 FETCH (UID 7 BODY[] {12}", b")"]
    assert first.literals == [b"hello\r\nworld"]
    assert second.literals == [b"", b"abc"]
    assert tagged.lines == [b"A1 OK done"] and tagged.literals == []


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13, 64])
def test_any_split_of_the_bytes_gives_the_same_responses(size: int) -> None:
    whole = feed_in_pieces(TRANSCRIPT, len(TRANSCRIPT))
    assert feed_in_pieces(TRANSCRIPT, size) == whole
    assert b"".join(r.to_bytes() for r in whole) == TRANSCRIPT


def test_a_literal_may_contain_what_looks_like_protocol() -> None:
    body = b"A1 OK fake\r\n* BYE {5}\r\n"
    data = b"* 1 FETCH (BODY[] {%d}\r\n" % len(body) + body + b")\r\nA1 OK real\r\n"
    fetch, tagged = feed_in_pieces(data, 4)
    assert fetch.literals == [body]
    assert tagged.lines == [b"A1 OK real"]


def test_a_hundred_thousand_lines_in_one_read_do_not_recurse() -> None:
    data = b"".join(b"* %d FETCH (FLAGS (\\Seen))\r\n" % i for i in range(1, 100_001))
    responses = ResponseReader().feed(data + b"A1 OK\r\n")
    assert len(responses) == 100_001
    assert responses[99_999].lines == [b"* 100000 FETCH (FLAGS (\\Seen))"]


def test_huge_literal_arrives_in_chunks_and_stays_byte_exact() -> None:
    size = 32 << 20
    reader = ResponseReader()
    assert reader.feed(b"* 1 FETCH (BODY[] {%d}\r\n" % size) == []
    chunk = bytes(range(256)) * 256  # 64 KiB
    for _ in range(size // len(chunk)):
        assert reader.feed(chunk) == []
    assert reader.mid_response
    (response,) = reader.feed(b")\r\n")
    assert len(response.literals[0]) == size
    assert response.literals[0][:256] == bytes(range(256))


def test_endless_line_without_literal_is_a_protocol_error() -> None:
    reader = ResponseReader(max_line=1000)
    reader.feed(b"* OK " + b"x" * 900)
    with pytest.raises(ProtocolError):
        reader.feed(b"x" * 200)


def test_long_line_arriving_whole_is_refused_too() -> None:
    with pytest.raises(ProtocolError):
        ResponseReader(max_line=100).feed(b"* OK " + b"y" * 200 + b"\r\n")


def test_oversized_literal_announcement_is_refused() -> None:
    with pytest.raises(ProtocolError):
        ResponseReader(max_literal=1000).feed(b"* 1 FETCH (BODY[] {1001}\r\n")


def test_line_length_bound_resets_after_each_line() -> None:
    reader = ResponseReader(max_line=100)
    lines = b"".join(b"* OK " + b"z" * 90 + b"\r\n" for _ in range(50))
    assert len(reader.feed(lines)) == 50


def test_endless_chain_of_tiny_literals_is_refused() -> None:
    reader = ResponseReader(max_line=1000)
    with pytest.raises(ProtocolError):
        reader.feed(b"* 1 FETCH (X {0}\r\n" + b" X {0}\r\n" * 200)


def test_random_splits_around_long_literals_give_the_same_responses() -> None:
    import random

    rng = random.Random(7)
    parts = []
    for i in range(1, 40):
        body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 2, 500, 5000, 70000])))
        parts.append(b"* %d FETCH (UID %d BODY[] {%d}\r\n" % (i, i, len(body)) + body + b")\r\n")
    data = b"".join(parts) + b"A1 OK done\r\n"
    whole = ResponseReader().feed(data)
    assert len(whole) == 40
    for _ in range(20):
        reader = ResponseReader()
        out: list[RawResponse] = []
        pos = 0
        while pos < len(data):
            step = rng.choice([1, 2, 3, 100, 4096, 65536, 200_000])
            out += reader.feed(data[pos : pos + step])
            pos += step
        assert out == whole and not reader.mid_response
    assert b"".join(r.to_bytes() for r in whole) == data
