from __future__ import annotations

import pytest

from kittiwake.client.mime.mbox import is_separator, looks_like_mbox, split_mbox
from tests.client.mime.corpus import SKIP_REASON, corpus_dir


def test_split_keeps_bytes_and_unmunges() -> None:
    data = (
        b"From a@b Mon Jun  3 12:50:27 1996\r\nSubject: one\r\n\r\n>From here\r\n"
        b">>From deeper\r\n\r\nFrom - \r\nSubject: two\r\n\r\nbody\r\n"
    )
    messages = split_mbox(data)
    assert messages == [
        b"Subject: one\r\n\r\nFrom here\r\n>From deeper\r\n\r\n",
        b"Subject: two\r\n\r\nbody\r\n",
    ]


def test_body_line_starting_with_from_is_not_a_separator() -> None:
    assert not is_separator(b"From Russia with love\n")
    assert is_separator(b"From -\n")
    assert is_separator(b"From 1844347792267117879@xxx\r\n")
    assert is_separator(b"From a@b.c Thu Jan  1 00:00:00 1970\n")


def test_bom_before_first_separator() -> None:
    data = b"\xef\xbb\xbfFrom -\nSubject: x\n\nFrom Russia with love\n"
    assert looks_like_mbox(data)
    assert split_mbox(data) == [b"Subject: x\n\nFrom Russia with love\n"]


@pytest.mark.skipif(corpus_dir() is None, reason=SKIP_REASON)
def test_corpus_mboxes_split_as_their_authors_expect() -> None:
    root = corpus_dir()
    assert root is not None
    rlug = root / "james-mime4j" / "mbox"
    messages = split_mbox((rlug / "mbox.rlug").read_bytes())
    assert messages == [(rlug / f"mbox.rlug-{i}").read_bytes() for i in range(5)]
    counts = {
        "simple.mbox.txt": 3,
        "unmunged.mbox.txt": 2,
        "issue1189.mbox.txt": 4,
        "content-length.mbox.txt": 29,
    }
    for name, count in counts.items():
        parts = split_mbox((root / "mimekit" / "mbox" / name).read_bytes())
        assert len(parts) == count, name
        assert not any(is_separator(p.split(b"\n", 1)[0]) for p in parts), name
    unmunged = split_mbox((root / "mimekit" / "mbox" / "unmunged.mbox.txt").read_bytes())
    assert b"From Russia with love" in unmunged[0]
