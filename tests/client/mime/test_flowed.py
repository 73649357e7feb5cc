from __future__ import annotations

from kittiwake.client.mime.flowed import decode_flowed


def test_soft_breaks_join_and_hard_breaks_stay() -> None:
    text = "This is a \r\nflowed para.\r\nNext line.\r\n"
    assert decode_flowed(text) == "This is a flowed para.\nNext line.\n"


def test_delsp_removes_the_inserted_space() -> None:
    assert decode_flowed("Hyper \r\nlink\r\n", delsp=True) == "Hyperlink\n"
    assert decode_flowed("Hyper \r\nlink\r\n", delsp=False) == "Hyper link\n"


def test_quote_depth_and_space_stuffing() -> None:
    text = "> quoted \r\n> text\r\n>> deeper\r\n From stuffed\r\n"
    assert decode_flowed(text) == "> quoted text\n>> deeper\nFrom stuffed\n"


def test_quote_depth_change_ends_paragraph() -> None:
    assert decode_flowed("> a \r\nb\r\n") == "> a \nb\n"


def test_signature_separator_is_not_flowed() -> None:
    assert decode_flowed("-- \r\nAlice\r\n") == "-- \nAlice\n"
