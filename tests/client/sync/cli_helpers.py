"""A home with one IMAP account on the test Dovecot, for the CLI tests of sync/list/show/search.

The password goes in through --password-stdin into an in-memory keyring (never the user's
real keyring), so the no-secrets scan afterwards has something real to look for.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kittiwake.client import cli
from tests.servers.fixtures import MailServer, MailUser

ACCOUNT = "work"


def add_account(
    home: Path, server: MailServer, user: MailUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(user.password + "\n"))
    code = cli.main(
        [
            "--home", str(home), "accounts", "add", ACCOUNT,
            "--address", user.address,
            "--incoming", "imap",
            "--incoming-host", server.host,
            "--incoming-port", str(server.ports["imaps"]),
            "--incoming-security", "tls",
            "--smtp-host", server.host,
            "--smtp-port", str(server.ports["submissions"]),
            "--smtp-security", "tls",
            "--username", user.name,
            "--ca-file", server.ca_file,
            "--password-stdin",
        ]
    )  # fmt: skip
    assert code == 0


def kw(home: Path, *args: str) -> int:
    return cli.main(["--home", str(home), *args])
