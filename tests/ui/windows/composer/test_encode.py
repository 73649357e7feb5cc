"""Spliced builds: the prepared (sliced) base64 bodies give the very bytes the stdlib writes."""

from __future__ import annotations

import email
import email.policy
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kittiwake.client.accounts.model import Identity
from kittiwake.client.engine import build_draft
from kittiwake.client.mime.addresses import Address
from kittiwake.client.mime.compose import Attachment, Draft
from kittiwake.ui.windows.composer.encode import build_spliced
from kittiwake.ui.windows.composer.loading import SLICE, prepare

SENDER = Identity("Alice", "alice@example.test")


def draft(*attachments: Attachment) -> Draft:
    return Draft(
        identity=SENDER,
        to=(Address("bob@example.test", "Bob"),),
        bcc=(Address("carol@example.test"),),
        subject="Files",
        text="See attached.\n",
        attachments=attachments,
        message_id="<fixed@example.test>",
        date=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
    )


def same_boundaries(raw: bytes) -> bytes:
    """The stdlib picks random multipart boundaries: name them by order of appearance."""
    names: dict[bytes, bytes] = {}
    for found in re.findall(rb'boundary="([^"]+)"', raw):
        names.setdefault(found, b"BOUNDARY-%d" % len(names))
    for found, name in names.items():
        raw = raw.replace(found, name)
    return raw


@pytest.fixture
def files(tmp_path: Path) -> list[Attachment]:
    made = {
        "empty.bin": b"",
        "notes.txt": "naïve notes\n".encode() * 40,
        "photo.png": b"\x89PNG\r\n\x1a\n" + os.urandom(5000),
        "odd size.dat": os.urandom(SLICE * 2 + 13),  # several slices, a partial last line
        "forwarded.eml": b"From: x@example.test\r\nSubject: old\r\n\r\nbody\r\n",
    }
    for name, data in made.items():
        (tmp_path / name).write_bytes(data)
    return [Attachment.from_path(str(tmp_path / name)) for name in made] + [
        Attachment("in-memory.pdf", data=b"%PDF-1.4 tiny"),
    ]


@pytest.mark.parametrize("for_drafts", [False, True])
def test_spliced_bytes_equal_the_stdlibs(files: list[Attachment], for_drafts: bool) -> None:
    prepared = {a: prepare(a) for a in files}
    assert prepared[files[4]].body is None  # a message is attached as one, not in base64
    assert prepared[files[2]].content_type == "image/png"
    spliced = build_spliced(draft(*files), prepared, for_drafts=for_drafts)
    plain = build_draft(draft(*files), for_drafts=for_drafts)
    assert same_boundaries(spliced) == same_boundaries(plain)
    parsed = email.message_from_bytes(spliced, policy=email.policy.default)
    got = {p.get_filename(): p.get_payload(decode=True) for p in parsed.iter_attachments()}
    assert got["odd size.dat"] == Path(files[3].path or "").read_bytes()
    assert got["empty.bin"] == b""


def test_attachments_not_prepared_yet_are_encoded_as_before(files: list[Attachment]) -> None:
    only_one = {files[1]: prepare(files[1])}
    spliced = build_spliced(draft(*files), only_one)
    assert same_boundaries(spliced) == same_boundaries(build_draft(draft(*files)))


def test_an_unreadable_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        prepare(Attachment.from_path(str(tmp_path / "gone.bin")))
