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

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import aioimaplib

from kittiwake.client.imap import encode
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.imap.responses import FetchItem
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


async def ours(endpoint: Endpoint, user: MailUser) -> tuple[float, int, int]:
    client = await ImapClient.connect(endpoint, user.credentials())
    await client.select("INBOX")
    count = size = 0

    def store(item: FetchItem) -> None:
        nonlocal count, size
        count += 1
        size += len(item.section("HEADER") or b"")

    start = time.perf_counter()
    await client.uid_fetch("1:*", ITEMS, on_message=store)
    elapsed = time.perf_counter() - start
    await client.logout()
    return elapsed, count, size


async def newest_50(endpoint: Endpoint, user: MailUser) -> float:
    start = time.perf_counter()
    client = await ImapClient.connect(endpoint, user.credentials())
    box = await client.select("INBOX")
    first = max(1, (box.uidnext or 1) - 50)
    result = await client.uid_fetch(f"{first}:*", ITEMS)
    elapsed = time.perf_counter() - start
    assert len(result.messages) == 50
    await client.logout()
    return elapsed


async def theirs(endpoint: Endpoint, user: MailUser, count: int) -> tuple[float, int]:
    context = ssl.create_default_context(cafile=endpoint.ca_file)
    imap = aioimaplib.IMAP4_SSL(
        host=endpoint.host, port=endpoint.port, ssl_context=context, timeout=600
    )
    await imap.wait_hello_from_server()
    await imap.login(user.name, user.password)
    await imap.select("INBOX")
    fetched = 0
    start = time.perf_counter()
    for low in range(1, count + 1, BATCH):
        response = await imap.uid("fetch", f"{low}:{low + BATCH - 1}", ITEMS)
        fetched += sum(1 for line in response.lines if b" FETCH " in line[:40])
    elapsed = time.perf_counter() - start
    await imap.logout()
    return elapsed, fetched


async def main(count: int, repeat: int) -> None:
    server = DirectDovecot()
    server.start()
    try:
        endpoint = server.direct("imaps")
        user = server.new_user("bench")
        print(f"filling {count} messages ...", flush=True)
        print(f"  MULTIAPPEND: {await fill(endpoint, user, count):.2f} s")
        await ours(endpoint, user)  # warms Dovecot's header cache for everyone
        for run in range(1, repeat + 1):
            t_ours, n_ours, size = await ours(endpoint, user)
            t_theirs, n_theirs = await theirs(endpoint, user, count)
            t_50 = await newest_50(endpoint, user)
            print(
                f"run {run}: kittiwake {t_ours:.3f} s ({n_ours} msgs, {size / 1e6:.1f} MB headers,"
                f" {n_ours / t_ours:,.0f} msg/s) | aioimaplib (batches of {BATCH}) "
                f"{t_theirs:.3f} s ({n_theirs} msgs) | ratio {t_theirs / t_ours:.1f}x | "
                f"newest 50 cold (connect+login+select+fetch) {t_50 * 1000:.0f} ms",
                flush=True,
            )
    finally:
        server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.count, args.repeat))
