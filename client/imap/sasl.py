"""SASL initial responses for AUTHENTICATE (pure). The results are secrets: never log them."""

from __future__ import annotations

import base64


def plain(username: str, password: str) -> bytes:
    """RFC 4616: authzid (empty) NUL authcid NUL password, base64."""
    return base64.b64encode(b"\0" + username.encode("utf-8") + b"\0" + password.encode("utf-8"))


def xoauth2(username: str, token: str) -> bytes:
    """Google/Microsoft XOAUTH2: "user=" u ^A "auth=Bearer " t ^A ^A, base64."""
    payload = f"user={username}\x01auth=Bearer {token}\x01\x01"
    return base64.b64encode(payload.encode("utf-8"))
