"""`kittiwake sync` against the real Dovecot, in-process (cli.main)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client import cli
from kittiwake.client.commands.base import Context
from kittiwake.client.paths import Paths
from kittiwake.client.store.store import Store
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.sync.cli_helpers import ACCOUNT, add_account, kw
from tests.client.sync.helpers import cache_state, fill, server_state
from tests.client.test_no_secrets_on_disk import assert_no_secret_leaked
from tests.servers.fixtures import MailServer


@pytest.fixture
def keyring_in_memory() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


def test_sync_fills_the_cache_and_leaks_no_secret(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    user = mail_server.new_user()
    fill(mail_server, user, 25)
    add_account(tmp_path, mail_server, user, monkeypatch)
    capsys.readouterr()
    assert kw(tmp_path, "--debug", "sync", ACCOUNT) == 0
    out = capsys.readouterr()
    assert "work: " in out.out and "25 new" in out.out and "25 bodies" in out.out
    assert out.err == ""  # progress only goes to a terminal
    with Store.open(tmp_path / "data" / "cache.sqlite3") as store:
        assert cache_state(store, ACCOUNT) == server_state(mail_server, user)
    # A second run: nothing to do, still exit 0.
    assert kw(tmp_path, "sync", ACCOUNT, "--quiet") == 0
    assert capsys.readouterr().out == ""
    assert_no_secret_leaked(tmp_path, user.name, user.password, caplog.records)


def test_sync_one_folder(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = mail_server.new_user()
    mail_server.doveadm("mailbox", "create", "-u", user.name, "Projects")
    fill(mail_server, user, 3, mailbox="Projects")
    fill(mail_server, user, 2)
    add_account(tmp_path, mail_server, user, monkeypatch)
    capsys.readouterr()
    assert kw(tmp_path, "sync", ACCOUNT, "--folder", "Projects") == 0
    assert "1 folders, 3 new" in capsys.readouterr().out
    with Store.open(tmp_path / "data" / "cache.sqlite3") as store:
        inbox = store.folders.find(ACCOUNT, "INBOX")
        assert inbox is not None and inbox.total_count == 0  # listed, not synced


def test_wrong_password_exits_1_with_one_line_reason(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = mail_server.new_user()
    add_account(tmp_path, mail_server, user, monkeypatch)
    for key in list(keyring_in_memory.entries):
        keyring_in_memory.entries[key] = "not-the-password"
    capsys.readouterr()
    assert kw(tmp_path, "sync") == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("kittiwake: error: work: ")
    assert err[1].startswith("hint: ")
    assert "not-the-password" not in "".join(err)


def test_unknown_folder_and_no_accounts(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert kw(tmp_path, "sync") == 1
    assert "no accounts" in capsys.readouterr().err
    user = mail_server.new_user()
    add_account(tmp_path, mail_server, user, monkeypatch)
    capsys.readouterr()
    assert kw(tmp_path, "sync", ACCOUNT, "--folder", "Nope") == 1
    assert "no folder 'Nope'" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_shown_on_a_terminal_only(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 3)
    add_account(tmp_path, mail_server, user, monkeypatch)
    terminal, out = _Terminal(), io.StringIO()
    context = Context(paths=Paths.under_home(tmp_path), stdout=out, stderr=terminal)
    assert cli.main(["--home", str(tmp_path), "sync"], context=context) == 0
    shown = terminal.getvalue()
    assert "\r" in shown and "work INBOX: bodies 3/3" in shown
    assert shown.endswith("\r")  # the status line is cleared before the summary
    assert "3 new" in out.getvalue()
