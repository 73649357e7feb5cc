"""`kittiwake import` / `kittiwake export`: exit codes and what lands in the cache and file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kittiwake.client import cli
from kittiwake.client.engine import Engine
from tests.client.accounts.fakes import MemoryKeyring

MBOX = (
    b"From alice@example.org Mon Jun  3 12:50:27 1996\n"
    b"From: Alice <alice@example.org>\n"
    b"Subject: one\n"
    b"Date: Mon, 3 Jun 1996 12:50:27 +0000\n"
    b"Status: RO\n"
    b"\n"
    b"hello\n"
    b"\n"
    b"From bob@example.org Tue Jun  4 01:02:03 1996\n"
    b"From: bob@example.org\n"
    b"Subject: two\n"
    b"Date: Tue, 4 Jun 1996 01:02:03 +0000\n"
    b"\n"
    b">From the past\n"
    b"\n"
)


def kw(home: Path, *args: str) -> int:
    return cli.main(["--home", str(home), *args])


@pytest.fixture
def home(tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("sys.stdin", io.StringIO("secret\n"))
    code = kw(
        tmp_path, "accounts", "add", "work",
        "--address", "alice@example.org",
        "--incoming", "imap",
        "--incoming-host", "imap.example.org",
        "--incoming-port", "993",
        "--incoming-security", "tls",
        "--smtp-host", "smtp.example.org",
        "--smtp-port", "587",
        "--smtp-security", "starttls",
        "--password-stdin",
    )  # fmt: skip
    assert code == 0
    return tmp_path


def test_import_then_export_round_trips(
    home: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    files = tmp_path_factory.mktemp("files")
    source = files / "in.mbox"
    source.write_bytes(MBOX)
    capsys.readouterr()
    assert kw(home, "import", "work", "--mbox", str(source), "--folder", "Old") == 0
    assert "imported 2, already present 0" in capsys.readouterr().out
    assert kw(home, "import", "work", "--mbox", str(source), "--folder", "Old") == 0
    assert "imported 0, already present 2" in capsys.readouterr().out
    target = files / "out.mbox"
    assert kw(home, "export", "work", "--folder", "Old", "--mbox", str(target)) == 0
    assert "exported 2" in capsys.readouterr().out
    assert target.read_bytes() == MBOX  # same From_ lines (sender, Date), same escaping
    # The imported folder is listed like any other by its name.
    assert kw(home, "list", "work", "--folder", "Old", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 2


def test_import_maildir_default_folder(
    home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    maildir = tmp_path_factory.mktemp("files") / "Mail"
    (maildir / "cur").mkdir(parents=True)
    (maildir / "cur" / "1.M1.host:2,S").write_bytes(b"Subject: seen\n\nx\n")
    assert kw(home, "import", "work", "--maildir", str(maildir)) == 0
    with Engine.open(home) as engine:
        folder = engine.local_folder("work", "Imported")
        assert folder is not None and folder.total_count == 1 and folder.unread_count == 0


def test_errors_exit_nonzero(home: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    files = tmp_path_factory.mktemp("files")
    assert kw(home, "import", "work", "--mbox", str(files / "absent.mbox")) == 1
    assert kw(home, "import", "work", "--maildir", str(files)) == 1  # no cur/ or new/
    assert kw(home, "import", "nobody", "--mbox", str(files / "absent.mbox")) == 1
    target = files / "out.mbox"
    assert kw(home, "export", "work", "--folder", "Nowhere", "--mbox", str(target)) == 1
    assert not target.exists()


def test_usage_errors_exit_2(home: Path) -> None:
    assert kw(home, "import", "work") == 2  # neither --mbox nor --maildir
    assert kw(home, "import", "work", "--mbox", "a", "--maildir", "b") == 2
    assert kw(home, "export", "work", "--mbox", "a") == 2  # no --folder
