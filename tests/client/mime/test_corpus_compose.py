"""Reply to and forward every message of the shared real-world corpus: nothing may crash, and
nothing inherited may put a line break into a header. Skips when ../shared/corpus is absent."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.addresses import Address
from kittiwake.client.mime.compose import Draft, build_message
from kittiwake.client.mime.forward import ForwardMode, forward
from kittiwake.client.mime.reply import ReplyMode, reply
from kittiwake.client.net.errors import InvalidAddress

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"
FILES = sorted(
    p
    for p in CORPUS.rglob("*")
    if p.is_file()
    and p.suffix.lower() in (".eml", ".msg", ".txt", "")
    and p.name not in ("SOURCE.txt", "README.md", "MANIFEST.sha256", "LICENSE", "COPYING")
    and p.stat().st_size < 2_000_000
)
ME = Identity("Me", "me@home.example", "Me")

pytestmark = pytest.mark.skipif(not FILES, reason=f"shared corpus absent at {CORPUS}")


def _check(draft: Draft) -> None:
    draft = Draft(**{**draft.__dict__, "to": draft.to or (Address("x@y.example"),)})
    try:
        raw = build_message(draft)
    except InvalidAddress:
        # Only an internationalised user part may need it (broken entries are dropped by reply).
        raw = build_message(draft, smtputf8=True)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    names = [k.lower() for k in msg]
    assert names.count("subject") == 1 and "bcc" not in names
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))


def test_corpus_is_found() -> None:
    assert len(FILES) > 100


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_reply_and_forward_real_messages(path: Path) -> None:
    raw = path.read_bytes()
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    for mode in ReplyMode:
        _check(reply(raw, [ME], mode))
    for fmode in ForwardMode:
        _check(forward(raw, [ME], fmode))
