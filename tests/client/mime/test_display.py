from __future__ import annotations

import json

from kittiwake.client.mime.parse import parse_message


def test_to_json_shape_and_nested_messages() -> None:
    raw = (
        b"From: Outer <o@example.com>\r\nSubject: outer\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: i@example.com\r\nSubject: inner\r\n\r\ninner text\r\n--b--\r\n"
    )
    data = parse_message(raw).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["headers"]["from"] == [{"name": "Outer", "address": "o@example.com"}]
    assert "from_" not in data["headers"]
    assert data["sender"]["display"] == "Outer <o@example.com>"
    assert data["text"].startswith("hello")
    assert data["html"] is None
    assert data["auth"] == {"spf": "none", "dkim": "none", "dmarc": "none", "authserv_id": "",
                            "trusted_headers": 0, "raw": {}}  # fmt: skip
    (quoted,) = data["quoted_messages"]
    assert quoted["part_path"] == "2"
    assert quoted["message"]["headers"]["subject"] == "inner"
    assert data["attachments"][0]["label"] == "message"
