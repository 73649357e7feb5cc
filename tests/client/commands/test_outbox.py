"""`kittiwake outbox`: listing, --discard, --retry refusals (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kittiwake.client import cli
from kittiwake.client.engine import CACHE_FILE
from kittiwake.client.paths import Paths
from kittiwake.client.store.queue import OutboxState
from kittiwake.client.store.store import Store
from kittiwake.client.sync import outbox
from tests.client.accounts.fakes import MemoryKeyring

RAW = b"From: <a@example.test>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nhi\r\n"


def seed(home: Path) -> tuple[int, int]:
    paths = Paths.under_home(home)
    paths.ensure()
    with Store.open(paths.data_dir / CACHE_FILE) as store:
        first = outbox.enqueue(store, "work", RAW, address="a@example.test")
        second = outbox.enqueue(store, "work", RAW + b"2", address="a@example.test")
        store.outbox.set_state(second, OutboxState.FAILED, error="550 5.1.1 no such user")
    return first, second


def test_the_listing_shows_state_subject_and_the_reason(
    tmp_path: Path, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = seed(tmp_path)
    assert cli.main(["--home", str(tmp_path), "outbox"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[:3] == [str(first), "work", "queued"]
    assert "'Grüße'" in lines[0]
    assert lines[1].split()[:3] == [str(second), "work", "failed"]
    assert lines[1].endswith("-- 550 5.1.1 no such user")


def test_discard_removes_a_message_and_an_unknown_id_is_explained(
    tmp_path: Path, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = seed(tmp_path)
    assert cli.main(["--home", str(tmp_path), "outbox", "--discard", str(first)]) == 0
    assert capsys.readouterr().out.startswith(f"Discarded message {first} <")
    assert cli.main(["--home", str(tmp_path), "outbox", "--discard", str(first)]) == 1
    err = capsys.readouterr().err
    assert f"There is no message {first} in the outbox" in err and "hint:" in err


def test_an_empty_outbox_says_so(
    tmp_path: Path, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--home", str(tmp_path), "outbox"]) == 0
    assert capsys.readouterr().out == "The outbox is empty.\n"


def test_retry_and_discard_cannot_be_combined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--home", str(tmp_path), "outbox", "--retry", "1", "--discard", "1"]) == 2
