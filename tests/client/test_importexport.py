"""Import of mbox/Maildir into local folders, and mboxrd export: byte-exact, idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client import importexport as ie
from kittiwake.client.mime.mbox import split_mbox
from kittiwake.client.net.errors import CommandFailed
from kittiwake.client.store.model import Flag
from kittiwake.client.store.store import Store

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
MBOXES = sorted(
    p
    for pattern in ("*/mbox/*.mbox.txt", "*/mbox/mbox.*")
    for p in CORPUS.glob(pattern)
    if p.is_file()
)
MAILDIR = CORPUS / "stalwart-mail-parser" / "maildir"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "cache.sqlite3") as opened:
        yield opened


def stored(store: Store, folder_id: int) -> list[bytes]:
    ids = store.db.conn.execute(
        "SELECT id FROM messages WHERE folder_id = ? ORDER BY uid", (folder_id,)
    ).fetchall()
    bodies = [store.bodies.get(int(i)) for (i,) in ids]
    assert all(b is not None for b in bodies)
    return [b for b in bodies if b is not None]


def flags(store: Store, folder_id: int) -> list[Flag]:
    rows = store.db.conn.execute(
        "SELECT flags FROM messages WHERE folder_id = ? ORDER BY uid", (folder_id,)
    )
    return [Flag(r[0]) for r in rows]


SAMPLE = (
    b"From alice@example.org Mon Jun  3 12:50:27 1996\n"
    b"From: Alice <alice@example.org>\n"
    b"Subject: one\n"
    b"Message-ID: <1@example.org>\n"
    b"Date: Mon, 3 Jun 1996 12:50:27 +0000\n"
    b"Status: RO\n"
    b"X-Status: AF\n"
    b"\n"
    b"line\n"
    b">From the start (escaped once)\n"
    b"From here on, not a separator\n"
    b"\n"
    b"From bob@example.org Tue Jun  4 01:02:03 1996\n"
    b"Subject: two\n"
    b"\n"
    b"body\n"
    b"\n"
    b"From nobody Tue Jun  4 01:02:03 1996\n"
    b"this is not a message at all\n"
)


def test_mbox_import_keeps_bytes_flags_and_counts_malformed(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "in.mbox"
    source.write_bytes(SAMPLE)
    report = ie.import_messages(store, "work", "Old", ie.read_mbox(source))
    assert (report.imported, report.already_present, report.malformed) == (3, 0, 1)
    bodies = stored(store, report.folder_id)
    assert bodies[0].endswith(
        b"line\nFrom the start (escaped once)\nFrom here on, not a separator\n"
    )
    assert bodies[1] == b"Subject: two\n\nbody\n"
    assert bodies[2] == b"this is not a message at all\n"  # kept, not dropped
    assert flags(store, report.folder_id) == [
        Flag.SEEN | Flag.ANSWERED | Flag.FLAGGED,
        Flag.NONE,
        Flag.NONE,
    ]
    page = store.messages.page(report.folder_id).rows
    assert {m.subject for m in page} == {"one", "two", ""}


def test_local_folder_lives_in_its_own_store_account(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "in.mbox"
    source.write_bytes(SAMPLE)
    report = ie.import_messages(store, "work", "Old", ie.read_mbox(source))
    folder = store.folders.get(report.folder_id)
    assert folder is not None and folder.account == "work@local" and folder.name == "Old"
    assert store.folders.list("work") == []  # the IMAP sync's own folders are untouched


def test_reimport_adds_nothing(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "in.mbox"
    source.write_bytes(SAMPLE)
    first = ie.import_messages(store, "work", "Old", ie.read_mbox(source))
    again = ie.import_messages(store, "work", "Old", ie.read_mbox(source))
    assert (again.imported, again.already_present) == (0, 3)
    assert store.messages.count(first.folder_id) == 3


def test_duplicates_within_one_file_are_stored_once(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "dup.mbox"
    message = b"From a@b Mon Jun  3 12:50:27 1996\nSubject: same\n\nx\n\n"
    source.write_bytes(message * 3)
    report = ie.import_messages(store, "work", "Dup", ie.read_mbox(source))
    assert (report.imported, report.already_present) == (1, 2)


def test_many_messages_span_several_batches(store: Store, tmp_path: Path) -> None:
    count = ie.BATCH * 2 + 7
    source = tmp_path / "big.mbox"
    source.write_bytes(
        b"".join(
            b"From a@b Mon Jun  3 12:50:27 1996\nSubject: m%d\n\nbody %d\n\n" % (i, i)
            for i in range(count)
        )
    )
    report = ie.import_messages(store, "work", "Big", ie.read_mbox(source))
    assert report.imported == count
    uids = store.messages.uids(report.folder_id)
    assert uids == list(range(1, count + 1))


def test_export_is_mboxrd_and_round_trips_byte_exact(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "in.mbox"
    source.write_bytes(SAMPLE)
    report = ie.import_messages(store, "work", "Old", ie.read_mbox(source))
    target = tmp_path / "out.mbox"
    assert ie.export_mbox(store, report.folder_id, target) == (3, 0)
    data = target.read_bytes()
    # The From_ line: the sender and Date of the message (ctime layout, UTC).
    assert data.startswith(b"From alice@example.org Mon Jun  3 12:50:27 1996\n")
    assert b"\nFrom MAILER-DAEMON " in data  # no usable sender
    assert b"\n>From the start" in data and b"\n>From here on" in data  # munged once
    assert b"\n>>From" not in data
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []  # no temp
    back = ie.import_messages(store, "work", "Back", ie.read_mbox(target))
    assert stored(store, back.folder_id) == stored(store, report.folder_id)
    assert split_mbox(data)[1] == b"Subject: two\n\nbody\n\n"


@pytest.mark.skipif(not MBOXES, reason="the shared corpus (../shared/corpus) is not present")
@pytest.mark.parametrize("path", MBOXES, ids=lambda p: p.name)
def test_corpus_mbox_round_trip(store: Store, tmp_path: Path, path: Path) -> None:
    first = ie.import_messages(store, "work", "First", ie.read_mbox(path))
    assert first.imported >= 1
    assert first.imported + first.already_present == len(split_mbox(path.read_bytes()))
    assert ie.import_messages(store, "work", "First", ie.read_mbox(path)).imported == 0
    target = tmp_path / "out.mbox"
    assert ie.export_mbox(store, first.folder_id, target) == (first.imported, 0)
    second = ie.import_messages(store, "work", "Second", ie.read_mbox(target))
    assert stored(store, second.folder_id) == stored(store, first.folder_id)


def test_maildir_flags_from_the_info_part() -> None:
    assert ie.maildir_flags("1.M2.host:2,FRS") == Flag.FLAGGED | Flag.ANSWERED | Flag.SEEN
    assert ie.maildir_flags("1.M2.host,S=100;2,TDR") == Flag.DELETED | Flag.DRAFT | Flag.ANSWERED
    assert ie.maildir_flags("1.M2.host;2,STln") == Flag.SEEN | Flag.DELETED  # keywords ignored
    assert ie.maildir_flags("1.M2.host,S=4542") == Flag.NONE


def test_maildir_import(store: Store, tmp_path: Path) -> None:
    maildir = tmp_path / "Mail"
    (maildir / "cur").mkdir(parents=True)
    (maildir / "new").mkdir()
    (maildir / "tmp").mkdir()
    (maildir / "cur" / "1.M1.host:2,S").write_bytes(b"Subject: seen\r\n\r\nx\r\n")
    (maildir / "cur" / "2.M1.host:2,FR").write_bytes(b"Subject: flagged\r\n\r\ny\r\n")
    (maildir / "new" / "3.M1.host").write_bytes(b"Subject: new\r\n\r\nz\r\n")
    (maildir / "tmp" / "4.M1.host").write_bytes(b"Subject: half-delivered\r\n\r\n")
    report = ie.import_messages(store, "work", "MD", ie.read_maildir(maildir))
    assert report.imported == 3
    assert stored(store, report.folder_id)[1] == b"Subject: flagged\r\n\r\ny\r\n"
    assert flags(store, report.folder_id) == [Flag.SEEN, Flag.FLAGGED | Flag.ANSWERED, Flag.NONE]
    again = ie.import_messages(store, "work", "MD", ie.read_maildir(maildir))
    assert (again.imported, again.already_present) == (0, 3)


def test_not_a_maildir_is_an_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(CommandFailed):
        ie.import_messages(store, "work", "MD", ie.read_maildir(tmp_path))


def test_missing_mbox_is_an_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(CommandFailed):
        ie.import_messages(store, "work", "X", ie.read_mbox(tmp_path / "absent"))


@pytest.mark.skipif(not MAILDIR.is_dir(), reason="the shared corpus Maildir is not present")
def test_corpus_maildir_with_semicolon_info(store: Store) -> None:
    top = ie.import_messages(store, "work", "Top", ie.read_maildir(MAILDIR))
    assert top.imported == 2
    assert top.malformed == 2  # one-line files without headers: kept anyway
    assert flags(store, top.folder_id) == [Flag.SEEN | Flag.DELETED, Flag.NONE]  # cur, new
    sub = ie.import_messages(store, "work", "Sub", ie.read_maildir(MAILDIR / ".My Folder"))
    assert sub.imported == 2
    assert Flag.DELETED | Flag.DRAFT | Flag.ANSWERED in flags(store, sub.folder_id)


def test_quoted_from_lines_survive_export(store: Store, tmp_path: Path) -> None:
    raw = b"Subject: q\n\nFrom me\n>From you\n>>From them\n"
    report = ie.import_messages(store, "work", "Q", [(raw, Flag.NONE)])
    target = tmp_path / "q.mbox"
    ie.export_mbox(store, report.folder_id, target)
    assert b"\n>From me\n>>From you\n>>>From them\n" in target.read_bytes()
    back = ie.import_messages(store, "work", "Q2", ie.read_mbox(target))
    assert stored(store, back.folder_id) == [raw]
