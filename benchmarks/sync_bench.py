"""`kittiwake sync` vs `mbsync` against the same Dovecot over TLS, side by side in one run.

    .venv/bin/python benchmarks/sync_bench.py [--count 10000] [--seed 1] [--skip-mbsync]

Starts the test suite's Dovecot without the PROXY forwarder (benchmarks/imap_fetch.py's
DirectDovecot, so no Python thread shares the machine's cores with the measured processes),
writes the generated corpus (benchmarks/corpus.py) straight into one user's Maildir, warms
Dovecot's index and the page cache once, and then times whole processes, as a user would run
them:

  1. full sync into an empty cache / empty Maildir;
  2. no-change resync;
  3. resync after 100 flag changes and 100 new messages (made with doveadm).

mbsync runs with its default, durable settings (FSync yes) and `Sync Pull` would be unfair
the other way, so the channel is its default (Sync All) with `Create Near`. Kittiwake keeps
every body (offline reading) and the list's headers; full-text indexing is not part of sync
(it runs in the background; benchmarks/search_bench.py measures it). Also printed: Kittiwake's
time to the newest 50 headers of the folder from a cold start (in process, headers only), its
peak RSS during the full sync, and its cache size against the raw message bytes.

A measurement, not a test: prints figures and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.corpus import iter_messages, write_maildir
from benchmarks.imap_fetch import DirectDovecot
from kittiwake.client.events import Event, MessagesAdded
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.store.store import Store
from kittiwake.client.sync.folder_sync import BodyPolicy, FolderSync
from kittiwake.client.sync.folders import FolderList

ROOT = Path(__file__).resolve().parent.parent
KITTIWAKE = [str(ROOT / ".venv" / "bin" / "kittiwake")]


def run(cmd: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mbsync_config(server: DirectDovecot, user_name: str, pwfile: Path, near: Path) -> str:
    return f"""\
IMAPAccount bench
Host localhost
Port {server._private["imaps"]}
User {user_name}
PassCmd "cat {pwfile}"
SSLType IMAPS
CertificateFile {server.ca_file}

IMAPStore bench-far
Account bench

MaildirStore bench-near
Path {near}/
Inbox {near}/INBOX

Channel bench
Far :bench-far:
Near :bench-near:
Patterns INBOX
Create Near
SyncState *
"""


async def newest_50(server: DirectDovecot, user: object) -> float:
    """Cold start to the newest 50 headers stored and listable (headers only, in process)."""
    store = Store.open(":memory:")
    start = time.perf_counter()
    first: list[float] = []

    def on_event(event: Event) -> None:
        if isinstance(event, MessagesAdded) and not first:
            first.append(time.perf_counter() - start)
            raise _Stop

    client = await ImapClient.connect(server.direct("imaps"), user.credentials())  # type: ignore[attr-defined]
    try:
        await FolderList(client, store, "bench").refresh()
        folder = store.folders.find("bench", "INBOX")
        assert folder is not None
        with contextlib.suppress(_Stop):  # raised by on_event once the first batch is in
            await FolderSync(client, store, folder, on_event, BodyPolicy(enabled=False)).run()
        page = store.messages.page(folder.id, limit=50)
        assert len(page.rows) == 50
    finally:
        await client.close()
    return first[0]


class _Stop(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-mbsync", action="store_true")
    args = parser.parse_args()
    have_mbsync = shutil.which("mbsync") is not None and not args.skip_mbsync

    server = DirectDovecot()
    server.start()
    work = Path(tempfile.mkdtemp(prefix="kw-syncbench-"))
    try:
        user = server.new_user("bench")
        maildir = Path(server.root) / "home" / user.name / "Maildir"
        raw_bytes = write_maildir(maildir, args.count, args.seed)
        if os.geteuid() == 0:
            subprocess.run(
                ["chown", "-R", f"{server._uid}:{server._gid}", str(maildir)], check=True
            )
        print(f"corpus: {args.count} messages, {raw_bytes / 1e6:.0f} MB raw", flush=True)
        # Build Dovecot's index and read every file once, so neither tool pays for it.
        server.doveadm("index", "-u", user.name, "INBOX")
        server.doveadm(
            "-f", "flow", "fetch", "-u", user.name, "size.physical", "mailbox", "INBOX", "ALL"
        )
        subprocess.run(
            ["cat", *map(str, (maildir / "cur").iterdir())], stdout=subprocess.DEVNULL, check=True
        )

        pwfile = work / "pw"
        pwfile.write_text(user.password + "\n")
        pwfile.chmod(0o600)
        home = work / "kw-home"
        add = [
            *KITTIWAKE, "--home", str(home), "accounts", "add", "bench",
            "--address", user.address, "--incoming", "imap",
            "--incoming-host", server.host, "--incoming-port", str(server._private["imaps"]),
            "--incoming-security", "tls", "--smtp-host", server.host,
            "--smtp-port", str(server._private["submissions"]), "--smtp-security", "tls",
            "--username", user.name, "--ca-file", server.ca_file,
            "--password-command", f"cat {pwfile}",
        ]  # fmt: skip
        subprocess.run(add, check=True, stdout=subprocess.DEVNULL)
        kw_sync = [*KITTIWAKE, "--home", str(home), "sync", "bench", "--quiet"]

        near = work / "mbsync-mail"
        near.mkdir()
        mbrc = work / "mbsyncrc"
        mbrc.write_text(mbsync_config(server, user.name, pwfile, near))
        mb_sync = ["mbsync", "-c", str(mbrc), "-q", "bench"]
        env = {**os.environ, "HOME": str(work)}  # mbsync keeps its state under ~/.mbsync

        results: dict[str, tuple[float, float | None]] = {}
        t_kw = run(kw_sync)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        t_mb = run(mb_sync, env=env) if have_mbsync else None
        results["full sync"] = (t_kw, t_mb)
        results["no-change resync"] = (run(kw_sync), run(mb_sync, env=env) if have_mbsync else None)

        server.flags(user, "add", "\\Flagged", query="UID 1:100")
        for message in iter_messages(100, args.seed + 1):
            server.save(user, message.raw)
        results["100 flags + 100 new"] = (
            run(kw_sync),
            run(mb_sync, env=env) if have_mbsync else None,
        )

        cache = du(home / "data")
        t50 = asyncio.run(newest_50(server, user))

        print(f"\n{'':24} {'kittiwake':>10} {'mbsync':>10} {'ratio':>7}")
        for name, (ours, theirs) in results.items():
            theirs_text = f"{theirs:9.2f}s" if theirs is not None else "       n/a"
            ratio = f"{ours / theirs:7.2f}" if theirs else "    n/a"
            print(f"{name:24} {ours:9.2f}s {theirs_text} {ratio}")
        print(f"\nnewest 50 headers from a cold start (in process): {t50 * 1000:.0f} ms")
        print(f"kittiwake peak RSS (full sync): {rss_mb:.0f} MB")
        print(f"cache size: {cache / 1e6:.0f} MB = {cache / raw_bytes:.2f} x raw bytes")
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
