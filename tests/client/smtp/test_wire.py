"""Command-log redaction and the EHLO name."""

from __future__ import annotations

import socket

from kittiwake.client.smtp.wire import local_name, redacted


def test_auth_initial_response_is_redacted() -> None:
    assert redacted((b"AUTH", b"PLAIN", b"AGJvYgBzZWNyZXQ="), False) == b"AUTH PLAIN <redacted>"
    assert redacted((b"AUTH", b"LOGIN"), False) == b"AUTH LOGIN"


def test_lines_inside_an_auth_exchange_are_redacted() -> None:
    assert redacted((b"c2VjcmV0",), True) == b"<redacted>"
    assert redacted((b"MAIL", b"FROM:<a@b.org>"), False) == b"MAIL FROM:<a@b.org>"


def test_local_name_is_an_address_literal() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        assert local_name(sock) == "[127.0.0.1]"
