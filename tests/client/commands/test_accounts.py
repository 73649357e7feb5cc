from __future__ import annotations

import io
from pathlib import Path

import keyring.backends.fail
import pytest
import trustme

from kittiwake.client import cli
from kittiwake.client.accounts.config import AccountsFile, load_accounts
from kittiwake.client.accounts.model import (
    IncomingProtocol,
    PasswordSource,
    PasswordStorage,
)
from kittiwake.client.accounts.secrets import SERVICE
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import ConfigError
from tests.client.accounts.fakes import BrokenKeyring, MemoryKeyring, keyring_backend

PASSWORD = "Tr0ub4dor &3"


def add_args(home: Path, name: str = "Work Mail", *extra: str) -> list[str]:
    return [
        "--home", str(home), "accounts", "add", name,
        "--address", "alice@example.org",
        "--display-name", "Alice Liddell",
        "--incoming", "imap",
        "--incoming-host", "imap.example.org",
        "--incoming-port", "993",
        "--incoming-security", "tls",
        "--smtp-host", "smtp.example.org",
        "--smtp-port", "587",
        "--smtp-security", "starttls",
        *extra,
    ]  # fmt: skip


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(args)


def test_add_with_password_stdin_keeps_the_password_in_the_keyring_only(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run(add_args(tmp_path, "Work Mail", "--password-stdin"), monkeypatch, PASSWORD + "\n")
    assert code == 0
    assert "Added account 'work-mail'" in capsys.readouterr().out
    (account,) = load_accounts(tmp_path / "config" / "accounts.toml")
    assert account.id == "work-mail"
    assert account.display_name == "Work Mail"
    assert account.identities[0].name == "Alice Liddell"
    assert account.address == "alice@example.org"
    assert account.incoming_protocol is IncomingProtocol.IMAP
    assert (account.incoming.host, account.incoming.port) == ("imap.example.org", 993)
    assert account.outgoing.security is Security.STARTTLS
    assert account.incoming.username == account.outgoing.username == "alice@example.org"
    assert account.password_source == PasswordSource(PasswordStorage.KEYRING)
    assert memory_keyring.entries == {
        (SERVICE, "work-mail/incoming"): PASSWORD,
        (SERVICE, "work-mail/outgoing"): PASSWORD,
    }
    assert PASSWORD not in (tmp_path / "config" / "accounts.toml").read_text()


def test_add_with_password_command_stores_the_command_not_a_secret(
    tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = add_args(tmp_path, "work", "--password-command", "pass show 'mail/work'")
    assert run([*args, "--username", "alice"], monkeypatch) == 0
    (account,) = load_accounts(tmp_path / "config" / "accounts.toml")
    assert account.password_source == PasswordSource(
        PasswordStorage.COMMAND, "pass show 'mail/work'"
    )
    assert account.incoming.username == "alice"
    assert memory_keyring.entries == {}


def test_add_with_password_ask_stores_nothing(
    tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(add_args(tmp_path, "work", "--password-ask"), monkeypatch) == 0
    (account,) = load_accounts(tmp_path / "config" / "accounts.toml")
    assert account.password_source.storage is PasswordStorage.ASK
    assert memory_keyring.entries == {}


def test_without_a_keyring_password_stdin_fails_and_suggests_a_password_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with keyring_backend(keyring.backends.fail.Keyring()):
        code = run(add_args(tmp_path, "work", "--password-stdin"), monkeypatch, PASSWORD)
    assert code == 1
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0].startswith("kittiwake: error: No system keyring")
    assert lines[1].startswith("hint: ") and "--password-command" in lines[1]
    assert PASSWORD not in err
    assert not (tmp_path / "config" / "accounts.toml").exists()


def test_a_broken_keyring_is_reported_not_bypassed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with keyring_backend(BrokenKeyring(RuntimeError("dbus says no"))):
        code = run(add_args(tmp_path, "work", "--password-stdin"), monkeypatch, PASSWORD)
    assert code == 1
    assert "refused to save" in capsys.readouterr().err
    assert not (tmp_path / "config" / "accounts.toml").exists()


def test_password_is_not_kept_when_the_account_cannot_be_saved(
    tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: AccountsFile, account: object) -> None:
        raise ConfigError("disk trouble")

    monkeypatch.setattr(AccountsFile, "add", refuse)
    assert run(add_args(tmp_path, "work", "--password-stdin"), monkeypatch, PASSWORD) == 1
    assert memory_keyring.entries == {}


def test_a_taken_name_is_refused_before_anything_changes(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(add_args(tmp_path, "Work", "--password-stdin"), monkeypatch, "first") == 0
    before = (tmp_path / "config" / "accounts.toml").read_bytes()
    assert run(add_args(tmp_path, "work", "--password-stdin"), monkeypatch, "second") == 1
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "config" / "accounts.toml").read_bytes() == before
    assert memory_keyring.entries[(SERVICE, "work/incoming")] == "first"


def test_a_corrupt_accounts_file_is_reported_and_kept(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    accounts_file = tmp_path / "config" / "accounts.toml"
    accounts_file.parent.mkdir(parents=True)
    accounts_file.write_bytes(b"[[accounts]\n")
    assert run(add_args(tmp_path, "work", "--password-stdin"), monkeypatch, PASSWORD) == 1
    assert run(["--home", str(tmp_path), "accounts", "list"], monkeypatch) == 1
    assert run(["--home", str(tmp_path), "accounts", "remove", "work"], monkeypatch) == 1
    assert "not valid TOML" in capsys.readouterr().err
    assert accounts_file.read_bytes() == b"[[accounts]\n"
    assert memory_keyring.entries == {}


@pytest.mark.parametrize(
    ("extra", "stdin", "expected"),
    [
        (["--password-stdin"], "", "No password was given"),
        (["--password-command", "pass 'unclosed"], "", "quotes do not match"),
        (["--password-ask", "--ca-file", "/nonexistent.pem"], "", "does not exist"),
    ],
)
def test_bad_input_is_explained(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    stdin: str,
    expected: str,
) -> None:
    assert run(add_args(tmp_path, "work", *extra), monkeypatch, stdin) == 1
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "config" / "accounts.toml").exists()


def test_bad_address_and_name_are_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = add_args(tmp_path, "!!!", "--password-ask")
    assert run(args, monkeypatch) == 1
    assert "no letters or digits" in capsys.readouterr().err
    args = add_args(tmp_path, "work", "--password-ask")
    args[args.index("alice@example.org")] = "alice at example"
    assert run(args, monkeypatch) == 1
    assert "not an e-mail address" in capsys.readouterr().err


@pytest.mark.parametrize(
    "change",
    [
        ["--incoming-port", "0"],
        ["--incoming-port", "imap"],
        ["--smtp-security", "plain"],
        ["--incoming", "jmap"],
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: list[str]
) -> None:
    assert run([*add_args(tmp_path, "work", "--password-ask"), *change], monkeypatch) == 2


def test_password_sources_are_mutually_exclusive_and_one_is_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(add_args(tmp_path, "work"), monkeypatch) == 2
    both = add_args(tmp_path, "work", "--password-stdin", "--password-ask")
    assert run(both, monkeypatch) == 2


def test_ca_file_is_checked_and_stored_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca_file = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(ca_file))
    monkeypatch.chdir(tmp_path)
    assert (
        run(add_args(tmp_path, "work", "--password-ask", "--ca-file", "ca.pem"), monkeypatch) == 0
    )
    (account,) = load_accounts(tmp_path / "config" / "accounts.toml")
    assert account.incoming.ca_file == account.outgoing.ca_file == str(ca_file)
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    args = add_args(tmp_path, "other", "--password-ask", "--ca-file", str(not_pem))
    assert run(args, monkeypatch) == 1


def test_list_shows_accounts_but_no_secret(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["--home", str(tmp_path), "accounts", "list"], monkeypatch) == 0
    assert "No accounts" in capsys.readouterr().out
    run(add_args(tmp_path, "Work", "--password-stdin"), monkeypatch, PASSWORD)
    run(add_args(tmp_path, "Home", "--password-command", "secret-tool lookup x y"), monkeypatch)
    capsys.readouterr()
    assert run(["--home", str(tmp_path), "accounts", "list"], monkeypatch) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["work", "home"]
    assert "imap imap.example.org:993 tls" in lines[0]
    assert "smtp smtp.example.org:587 starttls" in lines[0]
    assert "password: keyring" in lines[0] and "password: command" in lines[1]
    assert PASSWORD not in out and "secret-tool" not in out


def test_remove_deletes_the_account_and_only_its_keyring_entries(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(add_args(tmp_path, "Work Mail", "--password-stdin"), monkeypatch, "one")
    run(add_args(tmp_path, "Home", "--password-stdin"), monkeypatch, "two")
    # By its name as typed at `add`: the id is derived the same way.
    assert run(["--home", str(tmp_path), "accounts", "remove", "Work Mail"], monkeypatch) == 0
    assert "Removed account 'work-mail'" in capsys.readouterr().out
    assert [a.id for a in load_accounts(tmp_path / "config" / "accounts.toml")] == ["home"]
    assert set(memory_keyring.entries) == {(SERVICE, "home/incoming"), (SERVICE, "home/outgoing")}
    assert run(["--home", str(tmp_path), "accounts", "remove", "work-mail"], monkeypatch) == 1
    assert "There is no account" in capsys.readouterr().err


def test_remove_without_a_keyring_still_removes_and_warns(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(add_args(tmp_path, "work", "--password-stdin"), monkeypatch, PASSWORD)
    with keyring_backend(keyring.backends.fail.Keyring()):
        assert run(["--home", str(tmp_path), "accounts", "remove", "work"], monkeypatch) == 0
    assert "could not be deleted" in capsys.readouterr().err
    assert load_accounts(tmp_path / "config" / "accounts.toml") == []
