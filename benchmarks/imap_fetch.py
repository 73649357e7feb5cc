"""Fetch the headers of N messages from a real Dovecot: Kittiwake's IMAP session vs aioimaplib.

    .venv/bin/python benchmarks/imap_fetch.py [N] [--repeat R]

Starts the test suite's Dovecot (tests/servers/dovecot.py) with one change: its listeners are
reached directly, not through the PROXY-protocol forwarder the tests use, since that forwarder
is a Python thread that would share this process's interpreter lock with the clients being
measured. Fills one fresh mailbox with N generated messages (MULTIAPPEND through our client),
warms Dovecot's cache once, then times over IMAPS (both clients read the same bytes):

  - kittiwake: one UID FETCH 1:* streamed to a per-message callback;
  - aioimaplib 2.0.3: UID FETCH in batches of 500 (its best case: unbatched, ~1,000 messages
    in one read overflow its recursive reader, and the cost grows quadratically);
  - "newest 50": connect + TLS + login + SELECT + UID FETCH of the 50 newest headers, cold
    session (the goal is <= 0.3 s).

Prints the times; it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import aioimaplib

from kittiwake.client.imap import encode
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.imap.responses import FetchItem
from kittiwake.client.net.connect import open_connection
from kittiwake.client.net.endpoint import Endpoint, Security
from tests.servers.dovecot import MailServer, MailUser

ITEMS = "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])"
BATCH = 500


class DirectDovecot(MailServer):
    """The test Dovecot without PROXY-protocol listeners, for clients in this process."""

    def _write_config(self) -> None:
        super()._write_config()
        with open(self.config_path, encoding="utf-8") as handle:
            text = handle.read()
        with open(self.config_path, "w", encoding="utf-8") as handle:
            # Filling 100,000 messages with an fsync each would take longer than measuring.
            handle.write(text.replace("haproxy = yes", "haproxy = no") + "mail_fsync = never\n")

    def direct(self, service: str) -> Endpoint:
        return Endpoint(
            self.host,
            self._private[service],
            Security.TLS,
            ca_file=self.ca_file,
            command_timeout=600.0,
        )


def messages(count: int) -> Iterator[bytes]:
    body = b"Hello,\r\n\r\n" + b"A line of body text to make the message a realistic size.\r\n" * 12
    for i in range(1, count + 1):
        yield (
            f"Return-Path: <sender{i % 97}@example.test>\r\n"
            f"Received: from mx{i % 7}.example.test (mx.example.test [192.0.2.{i % 250}])\r\n"
            f"\tby mail.example.test with ESMTPS id {i:010d}; Mon, 1 Jan 2024 10:00:00 +0000\r\n"
            f"From: Sender {i % 97} <sender{i % 97}@example.test>\r\n"
            f"To: Reader <reader@example.test>\r\n"
            f"Subject: Benchmark message number {i} about topic {i % 313}\r\n"
            f"Date: Mon, 1 Jan 2024 10:{i % 60:02d}:00 +0000\r\n"
            f"Message-ID: <bench-{i}@example.test>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        ).encode() + body


def write_small_maildir(path: str | os.PathLike[str], count: int) -> int:
    """`messages(count)` written straight into a Maildir's cur/ (seconds for 100,000, where
    APPEND takes minutes); returns the bytes written. Dovecot indexes them on first open (or
    `doveadm index`)."""
    cur = Path(path) / "cur"
    for sub in ("cur", "new", "tmp"):
        (Path(path) / sub).mkdir(parents=True, exist_ok=True)
    total = 0
    stamp = 1704103200  # the messages' Date (Mon, 1 Jan 2024 10:00 +0000)
    for index, raw in enumerate(messages(count), start=1):
        (cur / f"{stamp + index}.M{index}P0.kwsmall,S={len(raw)}:2,").write_bytes(raw)
        total += len(raw)
    return total


async def fill(endpoint: Endpoint, user: MailUser, count: int) -> float:
    start = time.perf_counter()
    client = await ImapClient.connect(endpoint, user.credentials())
    batch: list[encode.Arg] = []
    for raw in messages(count):
        batch.append(encode.Literal(raw))
        if len(batch) == 2000:
            await client.execute("APPEND", encode.mailbox("INBOX"), *batch)
            batch = []
    if batch:
        await client.execute("APPEND", encode.mailbox("INBOX"), *batch)
    await client.logout()
    return time.perf_counter() - start


async def ours(endpoint: Endpoint, user: MailUser) -> tuple[float, float, int, int]:
    """(wall seconds, this process's CPU seconds, messages, header bytes)."""
    client = await ImapClient.connect(endpoint, user.credentials())
    await client.select("INBOX")
    count = size = 0

    def store(item: FetchItem) -> None:
        nonlocal count, size
        count += 1
        size += len(item.section("HEADER") or b"")

    start, cpu = time.perf_counter(), time.process_time()
    await client.uid_fetch("1:*", ITEMS, on_message=store)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    await client.logout()
    return elapsed, cpu, count, size


async def newest_50(endpoint: Endpoint, user: MailUser) -> tuple[float, float, float]:
    """(connect + TLS + login, SELECT, UID FETCH of the 50 newest headers), seconds."""
    start = time.perf_counter()
    client = await ImapClient.connect(endpoint, user.credentials())
    logged_in = time.perf_counter()
    box = await client.select("INBOX")
    selected = time.perf_counter()
    first = max(1, (box.uidnext or 1) - 50)
    result = await client.uid_fetch(f"{first}:*", ITEMS)
    fetched = time.perf_counter()
    assert len(result.messages) == 50
    await client.logout()
    return logged_in - start, selected - logged_in, fetched - selected


async def bare(endpoint: Endpoint, user: MailUser) -> tuple[float, int]:
    """The floor: the same UID FETCH read off a TLS socket with no parsing at all."""
    connection = await open_connection(endpoint)
    reader, writer = connection.reader, connection.writer
    await reader.readuntil(b"\r\n")
    writer.write(f'a LOGIN "{user.name}" "{user.password}"\r\nb SELECT INBOX\r\n'.encode())
    while not (await reader.readuntil(b"\r\n")).startswith(b"b "):
        pass
    start = time.perf_counter()
    writer.write(b"B1 UID FETCH 1:* " + ITEMS.encode() + b"\r\n")
    tail = b""
    total = 0
    while not tail.endswith(b"\r\n") or b"\nB1 " not in tail:
        data = await reader.read(1 << 18)
        if not data:
            break
        total += len(data)
        tail = (tail + data)[-4096:]
    elapsed = time.perf_counter() - start
    writer.close()
    return elapsed, total


async def theirs(endpoint: Endpoint, user: MailUser, count: int) -> tuple[float, float, int]:
    context = ssl.create_default_context(cafile=endpoint.ca_file)
    imap = aioimaplib.IMAP4_SSL(
        host=endpoint.host, port=endpoint.port, ssl_context=context, timeout=600
    )
    await imap.wait_hello_from_server()
    await imap.login(user.name, user.password)
    await imap.select("INBOX")
    fetched = 0
    start, cpu = time.perf_counter(), time.process_time()
    for low in range(1, count + 1, BATCH):
        response = await imap.uid("fetch", f"{low}:{low + BATCH - 1}", ITEMS)
        fetched += sum(1 for line in response.lines if b" FETCH " in line[:40])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    await imap.logout()
    return elapsed, cpu, fetched


async def main(count: int, repeat: int, with_aioimaplib: bool) -> None:
    server = DirectDovecot()
    server.start()
    try:
        endpoint = server.direct("imaps")
        user = server.new_user("bench")
        print(f"filling {count} messages ...", flush=True)
        print(f"  MULTIAPPEND: {await fill(endpoint, user, count):.2f} s")
        await ours(endpoint, user)  # warms Dovecot's header cache for everyone
        for run in range(1, repeat + 1):
            t_bare, wire = await bare(endpoint, user)
            t_ours, cpu_ours, n_ours, size = await ours(endpoint, user)
            print(
                f"run {run}: bare TLS read, no parsing {t_bare:.3f} s ({wire / 1e6:.1f} MB) | "
                f"kittiwake {t_ours:.3f} s, client CPU {cpu_ours:.3f} s ({n_ours} msgs, "
                f"{size / 1e6:.1f} MB of headers, {n_ours / t_ours:,.0f} msg/s)",
                flush=True,
            )
            if with_aioimaplib:
                t_theirs, cpu_theirs, n_theirs = await theirs(endpoint, user, count)
                print(
                    f"       aioimaplib (batches of {BATCH}) {t_theirs:.3f} s, client CPU "
                    f"{cpu_theirs:.3f} s ({n_theirs} msgs) = {t_theirs / t_ours:.1f}x "
                    "kittiwake's time",
                    flush=True,
                )
            login, select, fetch = await newest_50(endpoint, user)
            print(
                f"       newest 50, cold session: connect+TLS+login {login * 1000:.0f} ms, "
                f"SELECT {select * 1000:.0f} ms, UID FETCH {fetch * 1000:.0f} ms, "
                f"total {(login + select + fetch) * 1000:.0f} ms",
                flush=True,
            )
    finally:
        server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-aioimaplib", action="store_true", help="skip it (100,000 messages: ~3 min a run)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.count, args.repeat, not args.no_aioimaplib))
