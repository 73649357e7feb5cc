"""`kittiwake show`: a cached message (raw bytes equal the server's), or a file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.sync.cli_helpers import ACCOUNT, add_account, kw
from tests.client.sync.helpers import message
from tests.servers.fixtures import MailServer, MailUser

ATTACHED = (
    b"From: Carol <carol@example.test>\r\nTo: dave@example.test\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <att-1@example.test>\r\n"
    b"Date: Tue, 2 Jan 2024 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n"
    b"--b1\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="report.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
)


@pytest.fixture
def synced(
    tmp_path: Path, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, MailServer, MailUser]]:
    with keyring_backend(MemoryKeyring()):
        user = mail_server.new_user()
        mail_server.save(user, message(1))
        mail_server.save(user, ATTACHED)
        add_account(tmp_path, mail_server, user, monkeypatch)
        assert kw(tmp_path, "sync", ACCOUNT, "--quiet") == 0
        yield tmp_path, mail_server, user


def test_show_raw_is_byte_exact(
    synced: tuple[Path, MailServer, MailUser], capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    home, server, user = synced
    capfdbinary.readouterr()
    assert kw(home, "show", ACCOUNT, "--folder", "INBOX", "--uid", "2", "--raw") == 0
    assert capfdbinary.readouterr().out == server.fetch_raw(user, 2)


def test_show_json_is_the_display_model(
    synced: tuple[Path, MailServer, MailUser], capsys: pytest.CaptureFixture[str]
) -> None:
    home, _, _ = synced
    capsys.readouterr()
    assert kw(home, "show", ACCOUNT, "--uid", "2", "--json") == 0
    model = json.loads(capsys.readouterr().out)
    assert model["headers"]["subject"] == "Grüße"
    assert model["text"].strip() == "See the file."
    assert [a["filename"] for a in model["attachments"]] == ["report.pdf"]


def test_show_text_and_file(
    synced: tuple[Path, MailServer, MailUser],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home, _, _ = synced
    capsys.readouterr()
    assert kw(home, "show", ACCOUNT, "--uid", "2") == 0
    text = capsys.readouterr().out
    assert "Subject: Grüße" in text and "See the file." in text and "report.pdf" in text
    eml = tmp_path / "m.eml"
    eml.write_bytes(ATTACHED)
    assert kw(home, "show", "--file", str(eml), "--json") == 0
    assert json.loads(capsys.readouterr().out)["headers"]["from"][0]["name"] == "Carol"


def test_show_errors(
    synced: tuple[Path, MailServer, MailUser], capsys: pytest.CaptureFixture[str]
) -> None:
    home, _, _ = synced
    capsys.readouterr()
    assert kw(home, "show", ACCOUNT, "--uid", "99") == 1
    assert "no message with UID 99" in capsys.readouterr().err
    assert kw(home, "show", ACCOUNT) == 1
    assert "Which message?" in capsys.readouterr().err
    assert kw(home, "show", "--file", "/nonexistent/x.eml") == 1
    assert "does not exist" in capsys.readouterr().err
