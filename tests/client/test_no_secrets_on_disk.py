"""Rule 7: a password never lands in the config, the cache, a log file or a log record.

`assert_no_secret_leaked` is the reusable part: a later test that runs a real sync against
Dovecot calls it with the account's home directory, the password and the captured records.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from kittiwake.client import cli
from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.logs import PROTOCOL_LOGGER, register_secret, setup_logging
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.paths import Paths
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend, logging_sandbox

USERNAME = "alice@example.org"
# Quotes, a backslash, a space and non-ASCII: every escaping path gets exercised.
PASSWORD = 'Kw-T3st "pa\\ss" wörd'


def _b64(text: str) -> bytes:
    return base64.b64encode(text.encode("utf-8"))


def secret_forms(username: str, password: str) -> dict[str, bytes]:
    """Every shape in which the password would betray itself on disk or in a log."""
    plain = password.encode("utf-8")
    sasl_plain = _b64(f"\0{username}\0{password}")
    return {
        "plain": plain,
        "base64 (AUTH LOGIN)": _b64(password),
        "base64 of \\0user\\0pass": sasl_plain,
        "AUTH PLAIN line": b"AUTH PLAIN " + sasl_plain,
        "base64 of user\\0user\\0pass": _b64(f"{username}\0{username}\0{password}"),
        "IMAP quoted": password.replace("\\", "\\\\").replace('"', '\\"').encode("utf-8"),
        "repr of bytes": repr(plain)[2:-1].encode("ascii"),
        "UTF-16 (Windows APIs)": password.encode("utf-16-le"),
    }


def find_secret_leaks(
    root: Path,
    username: str,
    password: str,
    records: Iterable[logging.LogRecord] = (),
) -> list[str]:
    """Where the password shows, as "path: form" / "log record: form" (empty: nowhere)."""
    forms = secret_forms(username, password)
    leaks: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        leaks += [
            f"{path.relative_to(root)}: {name}" for name, form in forms.items() if form in data
        ]
    for record in records:
        text = "\n".join(
            str(part)
            for part in (record.getMessage(), record.exc_text, record.stack_info, record.args)
            if part
        ).encode("utf-8", "replace")
        leaks += [
            f"log record {record.name}: {name}" for name, form in forms.items() if form in text
        ]
    return leaks


def assert_no_secret_leaked(
    root: Path, username: str, password: str, records: Iterable[logging.LogRecord] = ()
) -> None:
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files, f"nothing was written under {root}: the scan would prove nothing"
    assert find_secret_leaks(root, username, password, records) == []


@pytest.fixture(autouse=True)
def _sandbox() -> Iterator[None]:
    with logging_sandbox():
        yield


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


def test_no_password_on_disk_or_in_logs_after_everything_that_exists(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "home"
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    add = [
        "--home", str(home), "--debug", "accounts", "add", "Work",
        "--address", USERNAME, "--incoming", "imap",
        "--incoming-host", "imap.example.org", "--incoming-port", "993",
        "--incoming-security", "tls",
        "--smtp-host", "smtp.example.org", "--smtp-port", "465", "--smtp-security", "tls",
        "--password-stdin",
    ]  # fmt: skip
    assert cli.main(add) == 0
    assert memory_keyring.entries[("kittiwake", "work/incoming")] == PASSWORD  # it was used
    assert cli.main(["--home", str(home), "--debug", "accounts", "list"]) == 0
    output = capsys.readouterr()
    assert PASSWORD not in output.out + output.err

    # The config file once more through load and save.
    accounts = AccountsFile(Paths.under_home(home).accounts_file)
    (account,) = accounts.load()
    accounts.replace(dataclasses.replace(account, display_name="Work, renamed"))

    # What a protocol transcript (--debug-protocol) will log during a login.
    setup_logging(home / "logs", level=logging.DEBUG, debug_protocol=True)
    register_secret(PASSWORD, username=USERNAME)
    transcript = logging.getLogger(PROTOCOL_LOGGER)
    quoted = PASSWORD.replace("\\", "\\\\").replace('"', '\\"')
    transcript.debug('C: a1 LOGIN "%s" "%s"', USERNAME, quoted)
    transcript.debug("C: AUTH PLAIN %s", _b64(f"\0{USERNAME}\0{PASSWORD}").decode())
    transcript.debug("S: 334 UGFzc3dvcmQ6")
    transcript.debug("C: %s", _b64(PASSWORD).decode())
    transcript.debug("C: %r", f"PASS {PASSWORD}\r\n".encode())
    credentials = Credentials(USERNAME, PASSWORD)
    try:
        raise PermissionError(f"login refused for {credentials!r} with {PASSWORD}")
    except PermissionError:
        logging.getLogger("kittiwake.test").exception("login failed")

    assert caplog.records, "the records must have been captured for the scan to mean something"
    assert_no_secret_leaked(home, USERNAME, PASSWORD, caplog.records)
    log_text = (home / "logs" / "kittiwake.log").read_text(encoding="utf-8")
    assert "C: AUTH PLAIN [redacted]" in log_text  # the transcript was written, masked


def test_the_scan_finds_a_planted_secret(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cache.sqlite3").write_bytes(
        b"\x00page" + b"AUTH PLAIN " + _b64(f"\0{USERNAME}\0{PASSWORD}") + b"\x00"
    )
    record = logging.LogRecord("x", logging.INFO, "f", 1, "pw=%s", (PASSWORD,), None)
    leaks = find_secret_leaks(tmp_path, USERNAME, PASSWORD, [record])
    assert "data/cache.sqlite3: AUTH PLAIN line" in leaks
    assert "log record x: plain" in leaks
    (tmp_path / "data" / "cache.sqlite3").write_bytes(PASSWORD.encode("utf-16-le"))
    assert find_secret_leaks(tmp_path, USERNAME, PASSWORD) == [
        "data/cache.sqlite3: UTF-16 (Windows APIs)"
    ]
