"""Deterministic generator of realistic mail for the sync and search benchmarks.

The same (count, seed) always gives the same bytes, so two runs (and two tools: Kittiwake and
notmuch) see the same mail. The mix follows what a personal mailbox looks like:

- most messages are text/plain of 2-20 KB; about 15 % multipart/alternative (text + HTML);
  4 % carry a 100 KB-2 MB attachment and 1 % a larger one (2-6 MB);
- about a third are replies, threaded with In-Reply-To and References;
- bodies and headers use utf-8, iso-8859-1, windows-1252, koi8-r and shift_jis, sent as
  quoted-printable, base64 or 8bit; non-ASCII headers as RFC 2047 encoded words.

Messages are built as bytes directly (not through `email`), which is both faster and lets the
generator produce exactly the encodings wanted. `write_maildir` writes them into `cur/` with
unique names and the flags in the info part (`:2,FRS`), as Dovecot and notmuch expect.

Usage: python benchmarks/corpus.py DIR --count 10000 [--seed 1]
"""

from __future__ import annotations

import argparse
import base64
import bisect
import itertools
import os
import quopri
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

# Words the benchmark queries look for; they appear with known, moderate frequencies.
KNOWN_WORDS = ("kittiwake", "quarterly", "invoice", "budget", "meeting", "report", "holiday")


def _words(text: str) -> list[str]:
    return text.split()


_SYLLABLES = _words(
    "ka ri to ne sa mi lo ve da pe ru go bi an el or un is at en ma lu ko ta fe ni so ra"
)
# Accented Latin words (iso-8859-1 / windows-1252), Russian (koi8-r), Japanese (shift_jis).
_LATIN = _words("café naïve über façade résumé crème señor déjà garçon Größe année Zürich")
_RUSSIAN = _words("привет письмо встреча отчёт бюджет праздник работа проект неделя")
_JAPANESE = _words("会議 報告 予算 休日 請求書 来週 資料 確認 お願い")
_FIRST = _words("Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy")
_LAST = _words("Smith Jones Müller García Łukasz Dubois Rossi Novak Tanaka Ivanov Olsen Brown")
_DOMAINS = ("example.com", "example.org", "mail.example.net", "corp.example", "uni.example.edu")
_CHARSETS = ("utf-8", "utf-8", "utf-8", "iso-8859-1", "windows-1252", "koi8-r", "shift_jis")


@dataclass(frozen=True)
class GeneratedMessage:
    index: int
    raw: bytes
    date: datetime
    flags: str  # Maildir info flags, sorted: e.g. "FS"
    message_id: str


class _Vocabulary:
    """A Zipf-like vocabulary: few frequent words, a long tail of rare ones."""

    def __init__(self, rng: random.Random, size: int = 6000) -> None:
        words: set[str] = set()
        while len(words) < size:
            words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.words = sorted(words)
        rng.shuffle(self.words)
        # Known words sit at mid ranks: frequent enough to match, rare enough to be useful.
        for offset, word in enumerate(KNOWN_WORDS):
            self.words.insert(40 + offset * 25, word)
        self.cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(self.words))))

    def sample(self, rng: random.Random, count: int) -> list[str]:
        total = self.cum[-1]
        return [self.words[bisect.bisect(self.cum, rng.random() * total)] for _ in range(count)]


def _encoded_word(text: str, charset: str) -> str:
    try:
        data = text.encode(charset)
    except UnicodeEncodeError:
        charset, data = "utf-8", text.encode()
    if data.isascii():
        return text
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def _foreign_words(rng: random.Random, charset: str, count: int) -> list[str]:
    pool = {"koi8-r": _RUSSIAN, "shift_jis": _JAPANESE}.get(charset, _LATIN)
    if charset == "utf-8":
        pool = _LATIN + _RUSSIAN + _JAPANESE
    return [rng.choice(pool) for _ in range(count)]


class CorpusGenerator:
    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.vocab = _Vocabulary(random.Random(seed * 7919 + 1))
        self.people = [
            (
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}@{domain}".encode("ascii", "ignore"),
            )
            for first, last, domain in itertools.product(_FIRST, _LAST, _DOMAINS)
        ]
        self.start = datetime(2023, 1, 1, tzinfo=UTC)
        # (message_id, subject, references) of recent messages that replies may answer.
        self.recent: list[tuple[str, str, str]] = []

    def _text(self, charset: str, size: int) -> str:
        words: list[str] = []
        length = 0
        rng = self.rng
        while length < size:
            line = self.vocab.sample(rng, rng.randint(8, 14))
            if rng.random() < 0.15:
                line[rng.randrange(len(line))] = _foreign_words(rng, charset, 1)[0]
            text = " ".join(line)
            words.append(text)
            length += len(text) + 1
            if rng.random() < 0.12:
                words.append("")
        return "\n".join(words) + "\n"

    def _body_part(self, text: str, charset: str, subtype: str = "plain") -> bytes:
        data = text.encode(charset, "replace").replace(b"\n", b"\r\n")
        cte = self.rng.choice(("quoted-printable", "base64", "8bit"))
        if cte == "8bit" and charset == "shift_jis":
            cte = "base64"  # shift_jis bytes may look like line breaks to naive readers
        if cte == "quoted-printable":
            data = quopri.encodestring(data.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
        elif cte == "base64":
            data = base64.encodebytes(data).replace(b"\n", b"\r\n")
        head = f"Content-Type: text/{subtype}; charset={charset}\r\n"
        head += f"Content-Transfer-Encoding: {cte}\r\n\r\n"
        return head.encode() + data

    def _attachment(self, size: int, index: int) -> bytes:
        data = base64.encodebytes(self.rng.randbytes(size)).replace(b"\n", b"\r\n")
        name = f"document-{index}.pdf"
        return (
            f'Content-Type: application/pdf; name="{name}"\r\n'
            f'Content-Disposition: attachment; filename="{name}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode() + data

    def message(self, index: int) -> GeneratedMessage:
        rng = self.rng
        charset = rng.choice(_CHARSETS)
        date = self.start + timedelta(minutes=index * 15 + rng.randint(0, 14))
        sender, to = rng.sample(self.people, 2)
        ccs = rng.sample(self.people, rng.choice((0, 0, 0, 1, 2)))
        message_id = (
            f"<{index}.{self.seed}.{rng.getrandbits(32):08x}@{sender[1].split(b'@')[1].decode()}>"
        )
        in_reply_to = references = ""
        if self.recent and rng.random() < 0.35:
            parent_id, parent_subject, parent_refs = rng.choice(self.recent[-200:])
            subject = (
                parent_subject if parent_subject.startswith("Re: ") else "Re: " + parent_subject
            )
            in_reply_to = parent_id
            references = (parent_refs + " " + parent_id).strip()
        else:
            words = self.vocab.sample(rng, rng.randint(3, 7))
            if rng.random() < 0.2:
                words += _foreign_words(rng, charset, 1)
            subject = " ".join(words).capitalize()
        self.recent.append((message_id, subject, references))
        if len(self.recent) > 400:
            del self.recent[:200]

        roll = rng.random()
        text = self._text(charset, rng.randint(1500, 18000))
        if roll < 0.80:
            content_type, body = None, self._body_part(text, charset)
        elif roll < 0.95:
            html = "<html><body><p>" + text.replace("\n\n", "</p><p>") + "</p></body></html>"
            content_type = "multipart/alternative"
            body = self._multipart(
                [self._body_part(text, charset), self._body_part(html, charset, "html")],
                index,
            )
        else:
            size = (
                rng.randint(100_000, 2_000_000)
                if roll < 0.99
                else rng.randint(2_000_000, 6_000_000)
            )
            content_type = "multipart/mixed"
            body = self._multipart(
                [self._body_part(text, charset), self._attachment(size, index)], index
            )

        def addr(person: tuple[str, bytes]) -> str:
            return f"{_encoded_word(person[0], charset)} <{person[1].decode()}>"

        head = [
            f"Date: {format_datetime(date)}",
            f"From: {addr(sender)}",
            f"To: {addr(to)}",
            *([f"Cc: {', '.join(addr(p) for p in ccs)}"] if ccs else []),
            f"Subject: {_encoded_word(subject, charset)}",
            f"Message-ID: {message_id}",
            *([f"In-Reply-To: {in_reply_to}", f"References: {references}"] if in_reply_to else []),
            "MIME-Version: 1.0",
        ]
        if content_type:
            head.append(f'Content-Type: {content_type}; boundary="=_kw{index}"')
            raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        else:
            raw = ("\r\n".join(head) + "\r\n").encode() + body
        flags = "".join(
            flag for flag, chance in (("F", 0.05), ("R", 0.1), ("S", 0.7)) if rng.random() < chance
        )
        return GeneratedMessage(index, raw, date, flags, message_id)

    @staticmethod
    def _multipart(parts: list[bytes], index: int) -> bytes:
        boundary = f"=_kw{index}".encode()
        out = b"This is a multi-part message in MIME format.\r\n"
        for part in parts:
            out += b"--" + boundary + b"\r\n" + part + b"\r\n"
        return out + b"--" + boundary + b"--\r\n"


def iter_messages(count: int, seed: int = 1) -> Iterator[GeneratedMessage]:
    """The first `count` messages of the corpus for `seed`, in date order."""
    generator = CorpusGenerator(seed)
    for index in range(count):
        yield generator.message(index)


def maildir_name(message: GeneratedMessage, seed: int) -> str:
    stamp = int(message.date.timestamp())
    return f"{stamp}.M{message.index}P{seed}.kittiwake,S={len(message.raw)}:2,{message.flags}"


def write_maildir(path: str | os.PathLike[str], count: int, seed: int = 1) -> int:
    """Write the corpus into a Maildir (cur/, new/, tmp/); returns the bytes written."""
    root = Path(path)
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    total = 0
    for message in iter_messages(count, seed):
        target = root / "cur" / maildir_name(message, seed)
        target.write_bytes(message.raw)
        os.utime(target, (message.date.timestamp(), message.date.timestamp()))
        total += len(message.raw)
    return total


def cached_maildir(cache: str | os.PathLike[str], count: int, seed: int = 1) -> tuple[Path, int]:
    """The corpus for (count, seed) as a Maildir under `cache`, generated on first use and kept
    (100,000 messages take ~20 minutes to generate); returns its path and raw bytes."""
    root = Path(cache) / f"{count}-{seed}"
    done = root / "complete"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        total = write_maildir(root, count, seed)
        done.write_text(str(total))
    return root, int(done.read_text())


def link_maildir(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """A copy of a Maildir made of hard links (same file system): instant, and safe, since a
    Maildir server renames message files but never rewrites them."""
    for sub in ("cur", "new", "tmp"):
        (Path(target) / sub).mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(Path(source) / "cur"):
        os.link(entry.path, Path(target) / "cur" / entry.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("maildir")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    total = write_maildir(args.maildir, args.count, args.seed)
    print(f"wrote {args.count} messages, {total / 1e6:.1f} MB, into {args.maildir}")


if __name__ == "__main__":
    main()
