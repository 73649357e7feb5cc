"""SASL initial responses for POP3 AUTH (RFC 5034): PLAIN (RFC 4616) and XOAUTH2.

Pure functions. The results carry the secret: callers send them and never log them.
"""

from __future__ import annotations

import base64

from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.errors import AuthenticationFailed

# RFC 5034 section 4: a command line with an initial response must fit in 255 octets;
# longer responses (OAuth2 tokens) go on their own line after an empty "+" challenge.
MAX_AUTH_COMMAND = 255


def _check(value: str, what: str) -> None:
    # A NUL would shift PLAIN's fields; CR/LF or \x01 would end the line or an XOAUTH2 field.
    # Say which field, never its content.
    if any(ch in value for ch in "\x00\x01\r\n"):
        raise AuthenticationFailed(
            f"The {what} contains a control character and cannot be sent.",
            f"Check the {what} for stray characters.",
        )


def plain(credentials: Credentials) -> bytes:
    """base64("\\0user\\0password"): the authorization identity is left empty."""
    _check(credentials.username, "user name")
    _check(credentials.secret, "password")
    message = b"\x00" + credentials.username.encode() + b"\x00" + credentials.secret.encode()
    return base64.b64encode(message)


def xoauth2(credentials: Credentials) -> bytes:
    """base64("user=<user>\\x01auth=Bearer <token>\\x01\\x01"), as Google and Microsoft use."""
    _check(credentials.username, "user name")
    _check(credentials.secret, "access token")
    message = f"user={credentials.username}\x01auth=Bearer {credentials.secret}\x01\x01"
    return base64.b64encode(message.encode())


def command_line(mechanism: str, initial: bytes) -> bytes | None:
    """'AUTH MECH <initial>' if it fits in one command line, else None (send it separately)."""
    line = b"AUTH " + mechanism.encode("ascii") + b" " + initial + b"\r\n"
    return line if len(line) <= MAX_AUTH_COMMAND else None
