"""`kittiwake search` finds what a sync stored (indexing catches up first)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.sync.cli_helpers import ACCOUNT, add_account, kw
from tests.client.sync.helpers import message
from tests.servers.fixtures import MailServer


@pytest.fixture
def synced_home(
    tmp_path: Path, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    with keyring_backend(MemoryKeyring()):
        user = mail_server.new_user()
        mail_server.save(user, message(1, subject="Quarterly budget review"))
        mail_server.save(user, message(2, subject="Lunch on Friday"))
        add_account(tmp_path, mail_server, user, monkeypatch)
        assert kw(tmp_path, "sync", ACCOUNT, "--quiet") == 0
        yield tmp_path


def test_search_json(synced_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert kw(synced_home, "search", "budget", "--json") == 0
    hits = json.loads(capsys.readouterr().out)
    assert [h["subject"] for h in hits] == ["Quarterly budget review"]
    assert hits[0]["account"] == ACCOUNT and hits[0]["folder"] == "INBOX"


def test_search_body_text_and_sender(synced_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert kw(synced_home, "search", "from:sender2@example.test") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "Lunch on Friday" in lines[0]
    assert kw(synced_home, "search", '"message number 1"') == 0  # body text
    assert "Quarterly" in capsys.readouterr().out


def test_search_syntax_error_exits_1(synced_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert kw(synced_home, "search", "before:notadate") == 1
    assert "hint:" in capsys.readouterr().err
