"""`kittiwake list` reads the cache a sync filled (no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.sync.cli_helpers import ACCOUNT, add_account, kw
from tests.client.sync.helpers import fill
from tests.servers.fixtures import MailServer


@pytest.fixture
def synced_home(
    tmp_path: Path, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    with keyring_backend(MemoryKeyring()):
        user = mail_server.new_user()
        fill(mail_server, user, 4)
        mail_server.flags(user, "add", "\\Seen $Work", query="UID 2")
        add_account(tmp_path, mail_server, user, monkeypatch)
        assert kw(tmp_path, "sync", ACCOUNT, "--quiet") == 0
        yield tmp_path


def test_list_json_has_the_contract_fields(
    synced_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert kw(synced_home, "list", ACCOUNT, "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4
    assert {"uid", "flags", "message_id", "date", "from", "subject", "size"} <= set(rows[0])
    by_uid = {row["uid"]: row for row in rows}
    assert by_uid[2]["flags"] == ["\\Seen", "$Work"]
    assert by_uid[1]["flags"] == []
    assert by_uid[1]["message_id"] == "<sync-0@example.test>"
    assert by_uid[1]["from"] == {"name": "Sender 0", "address": "sender0@example.test"}
    assert by_uid[1]["subject"] == "Test message 0"
    assert by_uid[1]["date"] == "2024-01-01T10:00:00Z"
    assert by_uid[1]["size"] > 200
    # Newest first.
    assert [r["date"] for r in rows] == sorted((r["date"] for r in rows), reverse=True)


def test_list_text_is_one_tab_separated_line_per_message(
    synced_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert kw(synced_home, "list", ACCOUNT, "--folder", "INBOX") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    fields = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert fields["2"][1] == "\\Seen $Work"
    assert fields["1"][4] == "Test message 0"
    assert fields["1"][6] == "<sync-0@example.test>"


def test_list_unknown_folder_fails_with_a_hint(
    synced_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert kw(synced_home, "list", ACCOUNT, "--folder", "Nope") == 1
    err = capsys.readouterr().err
    assert "no cached folder 'Nope'" in err and "hint:" in err
