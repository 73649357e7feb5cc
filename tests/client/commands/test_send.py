"""`kittiwake send` against the real Dovecot, through the outbox."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import pytest

from kittiwake.client import cli
from kittiwake.client.sync.outbox import SenderLock
from tests.client.accounts.fakes import MemoryKeyring
from tests.client.test_no_secrets_on_disk import assert_no_secret_leaked
from tests.servers.fixtures import MailServer, MailUser

pytestmark = pytest.mark.servers


def add_account(
    home: Path, server: MailServer, user: MailUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = [
        "--home", str(home), "accounts", "add", "work",
        "--address", user.address, "--username", user.name,
        "--incoming", "imap", "--incoming-host", server.host,
        "--incoming-port", str(server.ports["imaps"]), "--incoming-security", "tls",
        "--smtp-host", server.host, "--smtp-port", str(server.ports["submission"]),
        "--smtp-security", "starttls", "--ca-file", server.ca_file, "--password-stdin",
    ]  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(user.password + "\n"))
    assert cli.main(args) == 0


def message_file(tmp_path: Path, sender: MailUser, to: str) -> Path:
    path = tmp_path / f"{secrets.token_hex(4)}.eml"
    path.write_bytes(
        f"From: <{sender.address}>\r\nTo: <{to}>\r\nSubject: from the CLI\r\n"
        f"Message-ID: <{secrets.token_hex(8)}@example.test>\r\n\r\nHello.\r\n".encode()
    )
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_send_delivers_and_files_a_copy_in_sent(
    mail_server: MailServer,
    caplog: pytest.LogCaptureFixture,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    add_account(home, mail_server, alice, monkeypatch)
    capsys.readouterr()
    code = cli.main(
        ["--home", str(home), "send", "work", str(message_file(tmp_path, alice, bob.address))]
    )
    assert code == 0
    assert capsys.readouterr().out.startswith("Sent message 1 <")
    mail_server.wait_for_messages(bob, 1)
    assert len(mail_server.mailbox_uids(alice, "Sent")) == 1
    # The cache now holds the sent message, the log the session: never the password.
    assert_no_secret_leaked(home, alice.name, alice.password, caplog.records)


def test_send_while_the_server_is_down_queues_and_retry_sends_later(
    mail_server: MailServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    add_account(home, mail_server, alice, monkeypatch)
    capsys.readouterr()
    mail_server.stop()
    try:
        code = cli.main(
            ["--home", str(home), "send", "work", str(message_file(tmp_path, alice, bob.address))]
        )
        assert code == 0
        out = capsys.readouterr().out
        assert out.startswith("Queued message 1 <") and "outbox --retry 1" in out
        assert cli.main(["--home", str(home), "outbox"]) == 0
        listing = capsys.readouterr().out
        assert "queued" in listing and "next try in" in listing
    finally:
        mail_server.start()
    assert cli.main(["--home", str(home), "outbox", "--retry", "1"]) == 0
    assert capsys.readouterr().out.startswith("Sent message 1 <")
    mail_server.wait_for_messages(bob, 1)


def test_a_refused_message_exits_1_and_the_outbox_shows_why(
    mail_server: MailServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
) -> None:
    alice = mail_server.new_user("alice")
    add_account(home, mail_server, alice, monkeypatch)
    capsys.readouterr()
    path = message_file(tmp_path, alice, "no-such-user@example.test")
    assert cli.main(["--home", str(home), "send", "work", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kittiwake: error: Message 1 was refused:") and "550" in err
    assert cli.main(["--home", str(home), "outbox", "work"]) == 0
    listing = capsys.readouterr().out
    assert "failed" in listing and "no-such-user@example.test" in listing
    assert "'from the CLI'" in listing


def test_not_a_message_is_refused_before_anything_is_queued(
    memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"just some words")
    assert cli.main(["--home", str(home), "send", "work", str(path)]) == 1
    assert "does not look like a message" in capsys.readouterr().err


def test_send_while_another_kittiwake_sends_leaves_it_queued_for_that_one(
    mail_server: MailServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    add_account(home, mail_server, alice, monkeypatch)
    capsys.readouterr()
    path = message_file(tmp_path, alice, bob.address)
    with SenderLock(home / "data" / "outbox.lock"):
        assert cli.main(["--home", str(home), "send", "work", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Queued message 1 <") and "Another Kittiwake is sending" in out
    assert mail_server.mailbox_uids(bob) == []
