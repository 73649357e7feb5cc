"""SIGKILL `kittiwake sync` at 30 points of its network stream, then let it finish.

The kill points are byte counts of the server's stream through the fault proxy (the test
awaits "the proxy has passed n bytes to the client", no sleeping), so they land in the
login, the folder list, the header batches and the body batches, and often in the middle of a
SQLite transaction. Between kills the server changes (flags, expunges, new mail). After every
kill the cache must be a consistent database with no duplicate UID; at the end it must equal
the server (UID set, flags, SHA-256 of every body), and one more sync must change nothing.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client import cli
from kittiwake.client.store.store import Store
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.sync.helpers import cache_state, fill, server_state
from tests.servers.fixtures import MailServer, MailUser, ProxyFactory

POINTS = 30
ACCOUNT = "work"


@pytest.fixture
def keyring_in_memory() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


def add_account(home: Path, server: MailServer, user: MailUser, port: int, pwfile: Path) -> None:
    assert cli.main(
        [
            "--home", str(home), "accounts", "add", ACCOUNT, "--address", user.address,
            "--incoming", "imap", "--incoming-host", server.host, "--incoming-port", str(port),
            "--incoming-security", "tls", "--smtp-host", server.host, "--smtp-port", "465",
            "--smtp-security", "tls", "--username", user.name, "--ca-file", server.ca_file,
            "--password-command", f"cat {pwfile}",
        ]
    ) == 0  # fmt: skip


async def sync_process(home: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kittiwake.client.cli", "--home", str(home), "sync", ACCOUNT,
        "--quiet",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def check_consistent(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        dupes = conn.execute(
            "SELECT folder_id, uid FROM messages GROUP BY folder_id, uid HAVING count(*) > 1"
        ).fetchall()
        assert dupes == []
        # A body row always belongs to a message, and has_body says so.
        orphans = conn.execute(
            "SELECT count(*) FROM messages m WHERE m.has_body != "
            "EXISTS (SELECT 1 FROM bodies b WHERE b.message_id = m.id)"
        ).fetchone()[0]
        assert orphans == 0
    finally:
        conn.close()


# 31 `kittiwake sync` processes: ~60 s on a quiet 2-core machine, 114 s seen at load 8, so
# more than the suite's 120 s per test.
@pytest.mark.timeout(360)
async def test_sigkill_at_30_points_then_converges(
    tmp_path: Path,
    mail_server: MailServer,
    fault_proxy: ProxyFactory,
    keyring_in_memory: MemoryKeyring,
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 150)
    pwfile = tmp_path / "pw"
    pwfile.write_text(user.password + "\n")
    home = tmp_path / "home"
    db = home / "data" / "cache.sqlite3"
    rng = random.Random(20261128)
    async with fault_proxy(mail_server.host, mail_server.ports["imaps"]) as proxy:
        add_account(home, mail_server, user, proxy.port, pwfile)
        # How many bytes a whole first sync reads: the range the kill points are drawn from.
        reference = tmp_path / "reference"
        add_account(reference, mail_server, user, proxy.port, pwfile)
        process = await sync_process(reference)
        assert await asyncio.wait_for(process.wait(), 120) == 0
        # Each kill point is drawn from the length of the last run that finished, so points
        # keep landing inside a run as the work left shrinks (later runs resume, read less).
        length = proxy.received["to_client"]

        killed = 0
        for point in range(POINTS):
            if point == 10:
                mail_server.flags(user, "add", "\\Seen", query="UID 1:40")
            if point == 20:
                mail_server.expunge(user, query="UID 41:60")
                fill(mail_server, user, 20, start=500)
            start = proxy.received["to_client"]
            target = start + rng.randint(300, max(400, length))
            process = await sync_process(home)
            reached = asyncio.create_task(proxy.wait_received("to_client", target, timeout=120))
            exited = asyncio.create_task(process.wait())
            done, _ = await asyncio.wait({reached, exited}, return_when=asyncio.FIRST_COMPLETED)
            if reached in done and process.returncode is None:
                process.kill()  # SIGKILL: no cleanup, no rollback by us
                killed += 1
            else:
                length = proxy.received["to_client"] - start
            reached.cancel()
            await process.wait()
            await asyncio.gather(reached, return_exceptions=True)
            if db.exists():
                check_consistent(db)
        assert killed >= POINTS // 2  # most runs really were killed mid-way

        final = await sync_process(home)
        assert await asyncio.wait_for(final.wait(), 120) == 0
        check_consistent(db)
        with Store.open(db) as store:
            assert cache_state(store, ACCOUNT) == server_state(mail_server, user)
        # One more sync: nothing left to do.
        again = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kittiwake.client.cli", "--home", str(home), "sync", ACCOUNT,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(again.communicate(), 120)
        assert again.returncode == 0
        assert b"0 new, 0 removed, 0 flag changes, 0 bodies" in out
