"""Test messages for the reader, built as bytes (the reader's input is always raw RFC 5322)."""

from __future__ import annotations

import base64

# A valid 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def plain_message(subject: str = "Hello", body: str = "Just text.", sender: str = "") -> bytes:
    sender = sender or "Alice Example <alice@example.org>"
    return (
        f"From: {sender}\r\nTo: Bob <bob@example.net>\r\nCc: carol@example.net\r\n"
        f"Subject: {subject}\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: <plain@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def html_message(
    html: str, *, with_cid_image: bool = False, attachment: bytes | None = None
) -> bytes:
    boundary_rel = "REL-boundary"
    boundary_mix = "MIX-boundary"
    parts = [
        f"--{boundary_rel}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n",
    ]
    if with_cid_image:
        parts.append(
            f"--{boundary_rel}\r\nContent-Type: image/png\r\nContent-ID: <logo@example.org>\r\n"
            "Content-Transfer-Encoding: base64\r\nContent-Disposition: inline\r\n\r\n"
            f"{base64.b64encode(PNG).decode()}\r\n"
        )
    related = "".join(parts) + f"--{boundary_rel}--\r\n"
    body = f'Content-Type: multipart/related; boundary="{boundary_rel}"\r\n\r\n{related}'
    if attachment is not None:
        body = (
            f'Content-Type: multipart/mixed; boundary="{boundary_mix}"\r\n\r\n'
            f"--{boundary_mix}\r\n{body}\r\n"
            f"--{boundary_mix}\r\nContent-Type: application/octet-stream\r\n"
            'Content-Disposition: attachment; filename="data.bin"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{base64.b64encode(attachment).decode()}\r\n--{boundary_mix}--\r\n"
        )
    head = (
        "From: Alice Example <alice@example.org>\r\nTo: bob@example.net\r\n"
        "Subject: Newsletter\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
        "Message-ID: <html@example.org>\r\nMIME-Version: 1.0\r\n"
    )
    return (head + body).encode()
