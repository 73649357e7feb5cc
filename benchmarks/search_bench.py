"""Search benchmark: Kittiwake's cache (SQLite + FTS5) against notmuch on the same Maildir.

    python benchmarks/search_bench.py                 # 100,000 messages
    python benchmarks/search_bench.py --count 10000   # the quick run
    python benchmarks/search_bench.py raw-storage     # where to keep raw bytes (10,000 msgs)
    python benchmarks/search_bench.py extract         # text extraction per message (1,000)

Steps: generate the corpus (benchmarks/corpus.py) into a Maildir; load a Kittiwake cache from
it (headers parsed in a process pool, bodies stored, as a sync would), then time the background
indexer (client/store/indexing.py: text extraction in `--workers` processes, one writer) from
start to idle; time
`notmuch new` on the same Maildir (its own config in a temp dir via NOTMUCH_CONFIG); then run
the same queries on both and print medians and ratios. notmuch is the Debian package
`notmuch` (`apt-get install -y notmuch`); without it only Kittiwake's figures are printed.

The header parser here is a small stdlib one standing in for the sync engine's; the index text
is client/mime/indextext.py's, as in the application. `extract_text` below is the older
stand-in, kept for comparison (`python benchmarks/search_bench.py extract`).
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import email.errors
import email.policy
import html
import json
import os
import quopri
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

from kittiwake.client.store import (
    Address,
    Flag,
    FolderInfo,
    MessageHeaders,
    Role,
    Store,
)
from kittiwake.client.store.indexing import BackgroundIndexer

_HEADERS = BytesHeaderParser(policy=email.policy.default)
_PLAIN_HEADERS = BytesHeaderParser(policy=email.policy.compat32)
_TAG = re.compile(r"<[^>]*>")


# --- parsing the corpus (stand-ins for client/mime) --------------------------------------


def _head_end(raw: bytes, start: int = 0, end: int | None = None) -> int:
    stop = len(raw) if end is None else end
    for separator in (b"\r\n\r\n", b"\n\n"):
        found = raw.find(separator, start, stop)
        if found >= 0:
            return found + len(separator)
    return stop


def _decode(body: bytes, headers: Message) -> str:
    cte = str(headers.get("content-transfer-encoding", "")).strip().lower()
    if cte == "base64":
        body = base64.b64decode(body, validate=False)
    elif cte == "quoted-printable":
        body = quopri.decodestring(body)
    charset = headers.get_content_charset("us-ascii")
    try:
        return body.decode(charset, "replace")
    except LookupError:
        return body.decode("latin-1")


def extract_text(raw: bytes) -> str:
    """The readable text of a message: text/plain parts (HTML stripped when it is all there
    is). Parts are located with bytes.find and only text parts are copied and decoded, so a
    5 MB attachment costs a few searches, not a parse."""
    return _part_text(raw, 0, len(raw), 0)


def _part_text(raw: bytes, start: int, end: int, depth: int) -> str:
    body_start = _head_end(raw, start, end)
    headers = _PLAIN_HEADERS.parsebytes(raw[start:body_start])
    ctype = headers.get_content_type()
    if ctype.startswith("multipart/") and depth < 5:
        boundary = headers.get_param("boundary")
        if not isinstance(boundary, str):
            return ""
        marker = b"--" + boundary.encode("latin-1", "replace")
        texts = []
        position = raw.find(marker, body_start, end)
        while position >= 0:
            part_start = position + len(marker)
            if raw.startswith(b"--", part_start):
                break  # the closing boundary
            following = raw.find(marker, part_start, end)
            part_end = end if following < 0 else following
            while part_start < part_end and raw[part_start] in b"\r\n":
                part_start += 1
            text = _part_text(raw, part_start, part_end, depth + 1)
            if text:
                texts.append(text)
                if ctype == "multipart/alternative":
                    break  # the plain part comes first; the HTML says the same
            position = following
        return "\n".join(texts)
    if str(headers.get("content-disposition", "")).lower().startswith("attachment"):
        return ""
    if ctype == "text/plain":
        return _decode(raw[body_start:end], headers)
    if ctype == "text/html":
        return html.unescape(_TAG.sub(" ", _decode(raw[body_start:end], headers)))
    return ""


def _words(value: object) -> str:
    """RFC 2047 encoded words decoded (compat32 leaves them encoded; it is ~5x faster than
    policy.default, whose header objects dominated the build profile)."""
    if not value:
        return ""
    text = str(value)
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (UnicodeError, LookupError, ValueError, email.errors.HeaderParseError):
        return text


def _addresses(value: object) -> tuple[Address, ...]:
    pairs = getaddresses([str(value)]) if value else []
    return tuple(Address(_words(name), address) for name, address in pairs if address)


def parse_headers(uid: int, raw: bytes, maildir_flags: str, mtime: int) -> MessageHeaders:
    head = _PLAIN_HEADERS.parsebytes(raw[: _head_end(raw)])
    flags = Flag.NONE
    for letter, flag in (("S", Flag.SEEN), ("F", Flag.FLAGGED), ("R", Flag.ANSWERED)):
        if letter in maildir_flags:
            flags |= flag
    try:
        date = int(parsedate_to_datetime(str(head["date"])).timestamp())
    except (TypeError, ValueError):
        date = mtime
    senders = _addresses(head["from"])
    return MessageHeaders(
        uid=uid,
        internal_date=mtime,
        size=len(raw),
        flags=flags,
        date=date,
        sender=senders[0] if senders else None,
        to=_addresses(head["to"]),
        cc=_addresses(head["cc"]),
        subject=_words(head["subject"]),
        message_id=str(head["message-id"] or "").strip() or None,
        in_reply_to=str(head["in-reply-to"] or "").strip() or None,
        references=tuple(str(head["references"] or "").split()),
        has_attachment=head.get_content_type() == "multipart/mixed",
    )


def _parse_file(item: tuple[int, str]) -> MessageHeaders:
    uid, path = item
    with open(path, "rb") as handle:
        raw = handle.read(256 * 1024)  # the headers are at the start
    name = os.path.basename(path)
    flags = name.rsplit(":2,", 1)[1] if ":2," in name else ""
    return parse_headers(uid, raw, flags, int(os.stat(path).st_mtime))


# --- building the cache --------------------------------------------------------------------


@dataclass
class BuildTimes:
    total: float
    headers: float
    bodies: float
    fts: float  # the background indexer, from start to idle (text extraction + FTS writes)
    fts_cpu: float  # CPU seconds of that: the indexer thread plus its worker processes
    fts_writes: float  # seconds in write transactions (the one writer's share)


def build_cache(maildir: Path, db_path: Path, workers: int = 2) -> BuildTimes:
    """Load headers and bodies as a sync would, then time the background indexer
    (client/store/indexing.py) until it is idle, with `workers` extraction processes."""
    files = sorted((maildir / "cur").iterdir())
    store = Store.open(db_path)
    folder = store.folders.upsert(FolderInfo("bench", "INBOX", role=Role.INBOX))
    t_headers = t_bodies = 0.0
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        for offset in range(0, len(files), 500):
            chunk = [(offset + i + 1, str(p)) for i, p in enumerate(files[offset : offset + 500])]
            t0 = time.perf_counter()
            store.messages.upsert_headers(folder, pool.map(_parse_file, chunk, chunksize=25))
            t1 = time.perf_counter()
            store.bodies.put(folder, ((uid, Path(path).read_bytes()) for uid, path in chunk))
            t2 = time.perf_counter()
            t_headers += t1 - t0
            t_bodies += t2 - t1
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    fts, fts_cpu, fts_writes = time_indexer(db_path, workers)
    total = time.perf_counter() - start
    return BuildTimes(total, t_headers, t_bodies, fts, fts_cpu, fts_writes)


def time_indexer(db_path: Path, workers: int) -> tuple[float, float, float]:
    """(wall, CPU, seconds in write transactions) of the background indexer, start to idle.
    nice=0: notmuch runs at normal priority too; the application's default is 10."""
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    indexer = BackgroundIndexer(db_path, workers=workers, nice=0).start()
    if not indexer.wait_idle(timeout=24 * 3600):
        raise RuntimeError(f"the indexer did not finish: {indexer.error!r}")
    wall = time.perf_counter() - t0
    indexer.stop()  # reaps the workers, so their CPU time is counted
    return wall, _cpu_seconds() - cpu0, indexer.write_seconds


def reset_index(db_path: Path) -> None:
    """Empty the full-text index so the indexer starts again from nothing (--reindex)."""
    store = Store.open(db_path)
    with store.transaction() as conn:
        conn.execute("INSERT INTO message_fts (message_fts) VALUES ('delete-all')")
        conn.execute("DELETE FROM body_text")
        conn.execute("UPDATE messages SET fts_pending = 1, fts_key = NULL")
    store.db.conn.execute("VACUUM")
    store.close()


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its reaped children (the machine is shared:
    CPU time says what the work costs, wall time also what the neighbours took)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- queries -------------------------------------------------------------------------------


def queries(maildir: Path, count: int) -> list[tuple[str, str, str]]:
    """(label, Kittiwake query, notmuch query), chosen to match in any corpus size."""
    # A subject phrase that exists: the first two words of an early original subject.
    phrase = "kittiwake"
    for message in corpus.iter_messages(min(count, 300)):
        head = _HEADERS.parsebytes(message.raw[: _head_end(message.raw)])
        words = str(head["subject"]).split()
        if len(words) >= 3 and words[0] != "Re:" and words[0].isascii():
            phrase = f"{words[0].lower()} {words[1]}"
    days = max(1, count * 15 // (60 * 24))  # the corpus has one message every 15 minutes
    middle = time.strftime("%Y-%m-%d", time.gmtime(1672531200 + days // 2 * 86400))
    month_later = time.strftime("%Y-%m-%d", time.gmtime(1672531200 + (days // 2 + 30) * 86400))
    rare = corpus.CorpusGenerator(1).vocab.words[3000]  # deep in the Zipf tail
    last_day = time.strftime(
        "%Y-%m-%d", time.gmtime(1672531200 + (days // 2 + 29) * 86400)
    )  # notmuch's date range includes its end day; before: excludes it
    return [
        ("common word", "budget", "budget"),
        ("rare word", rare, rare),
        ("sender", "from:alice", "from:alice"),
        ("subject phrase", f'subject:"{phrase}"', f'subject:"{phrase}"'),
        ("prefix", "invo*", "invo*"),
        (
            "date range",
            f"after:{middle} before:{month_later}",
            f"date:{middle}..{last_day}",
        ),
        (
            "combination",
            f"from:alice budget after:{middle}",
            f"from:alice and budget and date:{middle}..",
        ),
        ("unread + word", "is:unread meeting", "tag:unread and meeting"),
    ]


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm the page cache and SQLite's
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


# --- notmuch -------------------------------------------------------------------------------


def notmuch_env(maildir: Path, home: Path) -> dict[str, str] | None:
    if shutil.which("notmuch") is None:
        print("notmuch not found: install it with `apt-get install -y notmuch` to compare.")
        return None
    config = home / "notmuch-config"
    config.write_text(
        f"[database]\npath={maildir}\n[user]\nname=Bench\nprimary_email=bench@example.com\n"
        "[new]\ntags=unread;inbox\nignore=\n[search]\nexclude_tags=\n"
        "[maildir]\nsynchronize_flags=true\n"
    )
    return {**os.environ, "NOTMUCH_CONFIG": str(config)}


def run_notmuch(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["notmuch", *args], env=env, check=True, capture_output=True, text=True
    ).stdout


# --- the benchmark -------------------------------------------------------------------------


def search_benchmark(args: argparse.Namespace) -> None:
    work = Path(args.workdir or tempfile.mkdtemp(prefix="kw-search-"))
    maildir = work / "Maildir"
    stamp = work / f"corpus-{args.count}.done"
    if not stamp.exists():
        shutil.rmtree(maildir, ignore_errors=True)
        start = time.perf_counter()
        size = corpus.write_maildir(maildir, args.count, seed=1)
        stamp.touch()
        print(f"corpus: {args.count} messages, {size / 1e6:.0f} MB, "
              f"{time.perf_counter() - start:.1f} s to generate")  # fmt: skip
    db_path = work / "cache.sqlite"
    record = work / "kittiwake-build.json"
    if args.reuse_cache and record.exists() and db_path.exists():
        built = BuildTimes(**json.loads(record.read_text()))
        earlier = " (measured by an earlier run on this work directory)"
        if args.reindex:
            reset_index(db_path)
            os.sync()
            load = os.getloadavg()
            built.fts, built.fts_cpu, built.fts_writes = time_indexer(db_path, args.workers)
            built.total = built.headers + built.bodies + built.fts
            record.write_text(json.dumps(dataclasses.asdict(built)))
            earlier = (
                f" (index timed again: load average before {load[0]:.2f}, "
                f"after {os.getloadavg()[0]:.2f})"
            )
    else:
        for leftover in work.glob("cache.sqlite*"):
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        os.sync()
        load = os.getloadavg()
        built = build_cache(maildir, db_path, workers=args.workers)
        record.write_text(json.dumps(dataclasses.asdict(built)))
        earlier = f"; load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}"
    db_mb = sum(p.stat().st_size for p in work.glob("cache.sqlite*") if p.is_file()) / 1e6
    print(
        f"kittiwake load (headers {built.headers:.1f} s, bodies {built.bodies:.1f} s), "
        f"database {db_mb:.0f} MB"
    )
    print(
        f"kittiwake index (background indexer, {args.workers} workers): {built.fts:.1f} s "
        f"({args.count / built.fts:.0f} msg/s; CPU {built.fts_cpu:.1f} s, of which "
        f"{built.fts_writes:.1f} s wall in write transactions); load + index {built.total:.1f} s"
        f"{earlier}"
    )

    env = None if args.no_notmuch else notmuch_env(maildir, work)
    notmuch_new = None
    if env is not None:
        timing = work / "notmuch-new.seconds"
        cpu_file = work / "notmuch-new.cpu"
        earlier = ""
        if args.reuse_notmuch and not timing.exists() and (maildir / ".notmuch").exists():
            # An index whose `notmuch new` was not timed (or stopped early): queries only.
            indexed = int(run_notmuch(env, "count", "*"))
            print(f"notmuch new: not timed by this script; its index holds {indexed} messages")
        elif args.reuse_notmuch and timing.exists() and (maildir / ".notmuch").exists():
            notmuch_new = float(timing.read_text())
            cpu = float(cpu_file.read_text()) if cpu_file.exists() else float("nan")
            earlier = " (measured by an earlier run on this work directory)"
        else:
            shutil.rmtree(maildir / ".notmuch", ignore_errors=True)
            os.sync()
            load = os.getloadavg()
            cpu0 = _cpu_seconds()
            start = time.perf_counter()
            run_notmuch(env, "new", "--quiet")
            notmuch_new = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu0
            timing.write_text(f"{notmuch_new}")
            cpu_file.write_text(f"{cpu}")
            earlier = f" (load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f})"
        if notmuch_new is not None:
            print(
                f"notmuch new: {notmuch_new:.1f} s ({args.count / notmuch_new:.0f} msg/s; "
                f"CPU {cpu:.1f} s){earlier}; "
                f"index ratio kittiwake/notmuch = {built.fts / notmuch_new:.2f} wall, "
                f"{built.fts_cpu / cpu:.2f} CPU "
                f"(load + index: {built.total / notmuch_new:.2f})"
            )

    store = Store.open(db_path)
    baseline = 0.0
    if env is not None:
        baseline = median_ms(lambda: run_notmuch(env, "count", "id:none@example"), args.runs)
        print(f"notmuch process start-up (count of an unknown id): {baseline:.1f} ms")
    header = f"{'query':<15} {'hits':>6} {'kw page':>8} {'kw count':>8}"
    if env is not None:
        header += f" {'nm hits':>7} {'nm files':>8} {'nm count':>8} {'page ratio':>10}"
    print(header)
    page_times: list[float] = []
    nm_times: list[float] = []
    nm_counts: list[float] = []
    for label, ours, theirs in queries(maildir, args.count):
        hits = store.count(ours)
        t_page = median_ms(lambda q=ours: store.search(q, limit=100), args.runs)
        t_count = median_ms(lambda q=ours: store.count(q), args.runs)
        page_times.append(t_page)
        line = f"{label:<15} {hits:>6} {t_page:>8.1f} {t_count:>8.1f}"
        if env is not None:
            nm_hits = int(run_notmuch(env, "count", theirs))
            nm_files = median_ms(
                lambda q=theirs: run_notmuch(env, "search", "--output=files", "--limit=100", q),
                args.runs,
            )
            nm_count = median_ms(lambda q=theirs: run_notmuch(env, "count", q), args.runs)
            nm_times.append(nm_files)
            nm_counts.append(nm_count)
            line += f" {nm_hits:>7} {nm_files:>8.1f} {nm_count:>8.1f} {t_page / nm_files:>10.2f}"
        print(line)
    print(f"median over queries (kittiwake first page): {statistics.median(page_times):.1f} ms")
    if nm_times:
        print(f"median over queries (notmuch search --output=files --limit=100): "
              f"{statistics.median(nm_times):.1f} ms; "
              f"(notmuch count: {statistics.median(nm_counts):.1f} ms)")  # fmt: skip
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    store.close()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


# --- where the raw bytes live --------------------------------------------------------------


def _sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _time_store(
    label: str, messages: list[bytes], write: Callable[[list[tuple[int, bytes]]], None],
    read: Callable[[int], bytes], order: list[int], size: Callable[[], int],
) -> None:  # fmt: skip
    total = sum(map(len, messages))
    start = time.perf_counter()
    for offset in range(0, len(messages), 500):
        write([(i, messages[i]) for i in range(offset, min(offset + 500, len(messages)))])
    written = time.perf_counter() - start
    start = time.perf_counter()
    got = sum(len(read(i)) for i in order)
    reading = time.perf_counter() - start
    assert got == total
    print(
        f"  {label:<18} write {written:6.2f} s ({total / written / 1e6:5.0f} MB/s)  "
        f"read {reading:5.2f} s ({reading / len(order) * 1e6:6.0f} us/msg)  "
        f"on disk {size() / 1e6:6.0f} MB"
    )


def raw_storage(args: argparse.Namespace) -> None:
    everything = [m.raw for m in corpus.iter_messages(args.count)]
    limit = 100 * 1024
    for label, messages in (
        ("all", everything),
        (f"< {limit // 1024} KiB", [m for m in everything if len(m) < limit]),
        (f">= {limit // 1024} KiB", [m for m in everything if len(m) >= limit]),
    ):
        print(f"{label}: {len(messages)} messages, {sum(map(len, messages)) / 1e6:.0f} MB")
        _raw_storage_set(messages)


def _raw_storage_set(messages: list[bytes]) -> None:
    order = list(range(len(messages)))
    random.Random(3).shuffle(order)
    with tempfile.TemporaryDirectory(prefix="kw-raw-") as tmp:
        conn = _sqlite(Path(tmp) / "blobs.sqlite")
        conn.execute("CREATE TABLE bodies (id INTEGER PRIMARY KEY, raw BLOB NOT NULL)")

        def write_rows(rows: list[tuple[int, bytes]], conn: sqlite3.Connection = conn) -> None:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO bodies VALUES (?, ?)", rows)
            conn.execute("COMMIT")

        def read_row(i: int, conn: sqlite3.Connection = conn) -> bytes:
            return bytes(conn.execute("SELECT raw FROM bodies WHERE id = ?", (i,)).fetchone()[0])

        _time_store(
            "sqlite blobs", messages, write_rows, read_row, order,
            lambda: _checkpoint(conn) + _du(Path(tmp), "blobs.sqlite*"),
        )  # fmt: skip
        conn.close()

        files = Path(tmp) / "files"

        def write_files(rows: list[tuple[int, bytes]]) -> None:
            for i, raw in rows:
                target = files / f"{i % 256:02x}" / f"{i}.eml"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.with_suffix(".tmp").write_bytes(raw)
                os.replace(target.with_suffix(".tmp"), target)

        def read_file(i: int) -> bytes:
            return (files / f"{i % 256:02x}" / f"{i}.eml").read_bytes()

        _time_store(
            "one file each", messages, write_files, read_file, order,
            lambda: _du(files, "*/*"),
        )  # fmt: skip

        store = Store.open(Path(tmp) / "hybrid.sqlite")
        folder = store.folders.upsert(FolderInfo("bench", "INBOX"))
        store.messages.upsert_headers(
            folder, (MessageHeaders(uid=i + 1, internal_date=0, size=len(m))
                     for i, m in enumerate(messages))
        )  # fmt: skip
        ids = {i + 1: store.messages.find_uid(folder, i + 1) or 0 for i in order}

        def write_store(rows: list[tuple[int, bytes]]) -> None:
            store.bodies.put(folder, ((i + 1, raw) for i, raw in rows))

        def read_store(i: int) -> bytes:
            return store.bodies.get(ids[i + 1]) or b""

        _time_store(
            "kittiwake (hybrid)", messages, write_store, read_store, order,
            lambda: _checkpoint(store.db.conn)
            + _du(Path(tmp), "hybrid.sqlite*")
            + _du(Path(tmp), "hybrid.sqlite.bodies/*/*"),
        )  # fmt: skip
        store.close()


def _checkpoint(conn: sqlite3.Connection) -> int:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return 0


def _du(root: Path, pattern: str) -> int:
    """Bytes allocated on disk (blocks, so a file's slack counts) by files matching."""
    return sum(p.stat().st_blocks * 512 for p in root.glob(pattern) if p.is_file())


def extract(args: argparse.Namespace) -> None:
    """Text extraction per message: the reader's parser, the index's, and the old stand-in."""
    from kittiwake.client.mime.indextext import index_text
    from kittiwake.client.mime.parse import parse_message

    messages = [m.raw for m in corpus.iter_messages(args.count)]
    print(f"{len(messages)} messages, {sum(map(len, messages)) / 1e6:.0f} MB")
    extractors: list[tuple[str, Callable[[bytes], object]]] = [
        ("parse_message(raw).text", lambda raw: parse_message(raw).text),
        ("index_text(raw)", index_text),
        ("stand-in extract_text", extract_text),
    ]
    for label, extractor in extractors:
        start = time.perf_counter()
        worst = 0.0
        for raw in messages:
            one = time.perf_counter()
            extractor(raw)
            worst = max(worst, time.perf_counter() - one)
        mean = (time.perf_counter() - start) / len(messages)
        print(f"  {label:<24} {mean * 1000:6.2f} ms a message, worst {worst * 1000:6.1f} ms")


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = ["search", "raw-storage", "extract"]
    parser.add_argument("mode", nargs="?", default="search", choices=modes)
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per query")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--workdir", help="keep the corpus here between runs")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--no-notmuch", action="store_true", help="Kittiwake's figures only")
    parser.add_argument(
        "--reuse-cache",
        action="store_true",
        help="with --workdir: keep Kittiwake's cache and times from an earlier run",
    )
    parser.add_argument(
        "--reindex",
        action="store_true",
        help="with --reuse-cache: empty the full-text index and time the indexer again",
    )
    parser.add_argument(
        "--reuse-notmuch",
        action="store_true",
        help="with --workdir: keep notmuch's index and time from an earlier run (an index"
        " without a recorded time, e.g. a `notmuch new` stopped early, is queried as it is)",
    )
    args = parser.parse_args(None if argv is None else list(argv))
    if args.mode == "extract":
        args.count = args.count or 1000
        extract(args)
    elif args.mode == "raw-storage":
        args.count = args.count or 10_000
        raw_storage(args)
    else:
        args.count = args.count or 100_000
        if args.workdir:
            args.keep = True
        search_benchmark(args)


if __name__ == "__main__":
    main()
