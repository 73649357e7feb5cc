from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kittiwake.client.accounts.config import (
    AccountsFile,
    dumps_accounts,
    load_accounts,
    loads_accounts,
    save_accounts,
)
from kittiwake.client.accounts.model import (
    Account,
    AuthMethod,
    Identity,
    IncomingProtocol,
    PasswordSource,
    PasswordStorage,
    Pop3Options,
    ServerConfig,
)
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import ConfigError


def make_account(account_id: str = "work", **changes: object) -> Account:
    account = Account(
        id=account_id,
        display_name="Work (ACME)",
        identities=(
            Identity("Alice Liddell", "alice@example.org", '-- \nAlice "A." Liddell\nC:\\x'),
            Identity("", "postmaster@example.org"),
        ),
        incoming_protocol=IncomingProtocol.POP3,
        incoming=ServerConfig(
            host="pop.example.org",
            port=995,
            security=Security.TLS,
            username="alice",
            auth=AuthMethod.OAUTH2,
            ca_file="/etc/ssl/own-ca.pem",
            pinned_sha256="AB:CD:" + "00:" * 29 + "EF",
        ),
        outgoing=ServerConfig(
            host="smtp.example.org", port=587, security=Security.STARTTLS, username="alice"
        ),
        pop3=Pop3Options(leave_on_server=False, delete_after_days=14),
        password_source=PasswordSource(PasswordStorage.COMMAND, "pass show 'mail/work'"),
    )
    return dataclasses.replace(account, **changes)  # type: ignore[arg-type]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "accounts.toml"


def test_every_field_round_trips(path: Path) -> None:
    accounts = [
        make_account(),
        make_account(
            "home",
            incoming_protocol=IncomingProtocol.IMAP,
            pop3=Pop3Options(),
            password_source=PasswordSource(PasswordStorage.ASK),
        ),
        make_account("third", password_source=PasswordSource()),
    ]
    save_accounts(path, accounts)
    assert load_accounts(path) == accounts


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(),
    username=st.text(),
    signature=st.text(),
    command=st.text(min_size=1),
    days=st.none() | st.integers(0, 10_000),
)
def test_arbitrary_text_round_trips(
    tmp_path: Path, name: str, username: str, signature: str, command: str, days: int | None
) -> None:
    base = make_account()
    account = dataclasses.replace(
        base,
        display_name=name,
        identities=(Identity(name, "a@example.org", signature),),
        incoming=dataclasses.replace(base.incoming, username=username),
        pop3=Pop3Options(delete_after_days=days),
        password_source=PasswordSource(PasswordStorage.COMMAND, command),
    )
    assert loads_accounts(dumps_accounts([account]), tmp_path) == [account]


def test_the_file_is_readable_toml_with_a_schema_version_and_no_secret(path: Path) -> None:
    save_accounts(path, [make_account()])
    text = path.read_text(encoding="utf-8")
    assert 'format = "kittiwake-accounts"' in text
    assert "schema_version = 1" in text
    assert "[[accounts]]" in text and "[accounts.incoming]" in text
    assert 'password_source = "command"' in text
    assert "password =" not in text


def test_absent_file_means_no_accounts(path: Path) -> None:
    assert load_accounts(path) == []


def _refuses_and_keeps(path: Path, content: bytes, expected: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_accounts(path)
    assert caught.value.hint  # says the file was left alone
    with pytest.raises(ConfigError):
        save_accounts(path, [make_account()])
    with pytest.raises(ConfigError):
        AccountsFile(path).add(make_account("new"))
    with pytest.raises(ConfigError):
        AccountsFile(path).remove("work")
    assert path.read_bytes() == content
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_corrupt_file_is_never_overwritten(path: Path) -> None:
    _refuses_and_keeps(path, b'schema_version = 1\n[[accounts]\nid = "x', "not valid TOML")


def test_foreign_file_is_never_overwritten(path: Path) -> None:
    _refuses_and_keeps(path, b"[server]\nport = 8080\n", "not a Kittiwake accounts file")


def test_file_from_a_newer_version_is_never_overwritten(path: Path) -> None:
    text = dumps_accounts([make_account()]).replace("schema_version = 1", "schema_version = 9")
    _refuses_and_keeps(path, text.encode(), "newer Kittiwake")


def test_non_utf8_file_is_never_overwritten(path: Path) -> None:
    _refuses_and_keeps(path, b"\xff\xfe schema_version = 1", "not UTF-8")


def test_unreadable_file_is_a_config_error(path: Path) -> None:
    path.mkdir(parents=True)  # a directory where the file should be: unreadable even as root
    with pytest.raises(ConfigError, match="Cannot read"):
        load_accounts(path)
    with pytest.raises(ConfigError):
        save_accounts(path, [])
    assert path.is_dir()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("port = 995", 'port = "995"', r"accounts\[0\]\.incoming: 'port' must be a int"),
        ("port = 995", "port = 70000", "not between 1 and 65535"),
        ("port = 995", "port = true", "'port' must be a int, not bool"),
        ('security = "tls"', 'security = "ssl"', "'security' is 'ssl', expected one of"),
        ('id = "work"', 'id = "Work Mail"', "not a valid account id"),
        ('incoming_protocol = "pop3"', 'incoming_protocol = "jmap"', "expected one of"),
        ("password_command = \"pass show 'mail/work'\"\n", "", "password_command is missing"),
        ('host = "pop.example.org"\n', "", "'host' is missing"),
    ],
)
def test_bad_fields_are_named(path: Path, old: str, new: str, expected: str) -> None:
    text = dumps_accounts([make_account()])
    assert old in text
    path.parent.mkdir(parents=True)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_accounts(path)


def test_duplicate_ids_are_refused_on_load_and_save(path: Path) -> None:
    with pytest.raises(ConfigError, match="same id"):
        save_accounts(path, [make_account(), make_account()])
    assert not path.exists()
    text = dumps_accounts([make_account(), make_account("other")]).replace('"other"', '"work"')
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="used twice"):
        load_accounts(path)


def test_write_is_atomic_and_private(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_accounts(path, [make_account()])
    before = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    synced: list[int] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save_accounts(path, [make_account(), make_account("home")])
    assert path.read_bytes() == before  # the old file is whole
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    assert len(synced) == 1  # the data was flushed before the rename was attempted

    monkeypatch.setattr(os, "replace", real_replace)
    synced.clear()
    save_accounts(path, [make_account(), make_account("home")])
    assert len(synced) == 2  # the file, then its directory
    assert [a.id for a in load_accounts(path)] == ["work", "home"]


def test_accounts_file_add_replace_remove(path: Path) -> None:
    accounts = AccountsFile(path)
    accounts.add(make_account())
    with pytest.raises(ConfigError, match="already exists"):
        accounts.add(make_account())
    accounts.add(make_account("home"))
    renamed = dataclasses.replace(make_account(), display_name="Renamed")
    accounts.replace(renamed)
    assert accounts.get("work") == renamed
    assert accounts.remove("work") == renamed
    assert [a.id for a in accounts.load()] == ["home"]
    with pytest.raises(ConfigError, match="no account"):
        accounts.remove("work")
