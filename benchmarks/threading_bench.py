"""Threading benchmark: 100,000 message summaries with realistic thread shapes, threaded
incrementally. Not a test; prints the time.

    .venv/bin/python benchmarks/threading_bench.py [--messages N] [--seed S] [--store]

--store also measures the cache's path (client/store/threads.py): the same messages arriving
as sync delivers them, 500 per transaction (`Messages.upsert_headers`) into a fresh on-disk
cache, with the CPU spent threading them (restoring the touched threads from SQLite, JWZ,
writing back) shown apart from the upsert itself; and, for comparison, what replaying the
account's rows into a Threader at every start would cost instead of the persisted graph.

Shapes (deterministic for a seed): 45 % of conversations are a single message; the rest have a
heavy-tailed size (most 2-6 messages, a few hundreds long). Each reply answers an earlier
message of its conversation, usually a recent one; its References are the parent's plus the
parent's id, trimmed to 12 as clients do; 8 % of replies carry only In-Reply-To, 2 % carry no
reference at all (subject fallback), 3 % of messages never arrive (their children keep a
placeholder parent), 0.5 % have no Message-ID, and arrival order is chronological with 5 % of
messages arriving late (after their replies).
"""

from __future__ import annotations

import argparse
import gc
import pickle
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from kittiwake.client.mime.threading import MessageSummary, Threader
from kittiwake.client.store import FolderInfo, MessageHeaders, Role, Store
from kittiwake.client.store import messages as store_messages


def generate(count: int, seed: int) -> list[MessageSummary]:
    rng = random.Random(seed)
    out: list[tuple[float, MessageSummary]] = []
    clock = 1_700_000_000.0
    conv = 0
    while len(out) < count:
        conv += 1
        size = 1 if rng.random() < 0.45 else min(int(rng.paretovariate(1.3)) + 1, 400)
        topic = f"Topic {conv} about {rng.choice(['lunch', 'release', 'bug', 'invoice', 'trip'])}"
        msgs: list[tuple[str, tuple[str, ...]]] = []  # (id, references) of this conversation
        t = clock
        for i in range(min(size, count - len(out))):
            mid = f"{conv}.{i}.{rng.getrandbits(32):08x}@example.org"
            t += rng.expovariate(1 / 3600)
            if i == 0:
                refs: tuple[str, ...] = ()
                irt = None
                subject = topic
            else:
                parent = len(msgs) - 1 - min(int(rng.expovariate(0.7)), len(msgs) - 1)
                pid, prefs = msgs[parent]
                chain = (*prefs, pid)
                refs = chain if len(chain) <= 12 else (chain[0], *chain[-11:])
                irt = pid
                subject = "Re: " + topic
                roll = rng.random()
                if roll < 0.08:
                    refs = ()
                elif roll < 0.10:
                    refs, irt = (), None
            msgs.append((mid, refs))
            if rng.random() < 0.03:
                continue  # this message never reaches us
            has_id = rng.random() >= 0.005
            arrival = t + (rng.expovariate(1 / 86400) if rng.random() < 0.05 else 0.0)
            summary = MessageSummary(
                key=f"k{len(out)}",
                message_id=f"<{mid}>" if has_id else None,
                in_reply_to=f"<{irt}>" if irt else None,
                references=tuple(f"<{r}>" for r in refs),
                subject=subject,
                date=t,
            )
            out.append((arrival, summary))
        clock += rng.expovariate(1 / 600)
    out.sort(key=lambda pair: pair[0])
    # Rebuilt as the cache hands them over: fresh objects allocated in arrival order (sorting
    # alone would leave them scattered in memory in generation order, a cache-miss benchmark).
    arrived = [
        (s.key, s.message_id, s.in_reply_to, s.references, s.subject, s.date) for _, s in out
    ]
    return [MessageSummary(*fields) for fields in pickle.loads(pickle.dumps(arrived))]


def as_headers(summaries: list[MessageSummary]) -> list[MessageHeaders]:
    """The summaries as the sync engine hands them to the cache (one UID each)."""
    return [
        MessageHeaders(
            uid=uid,
            internal_date=int(s.date),
            size=2000,
            date=int(s.date),
            subject=s.subject,
            message_id=s.message_id,
            in_reply_to=s.in_reply_to,
            references=s.references,
        )
        for uid, s in enumerate(summaries, 1)
    ]


def bench_store(summaries: list[MessageSummary], batch: int) -> None:
    headers = as_headers(summaries)
    threading_cpu = 0.0
    hook = store_messages.assign_threads

    def timed(conn: sqlite3.Connection, folder_id: int) -> None:
        nonlocal threading_cpu
        start = time.process_time()
        hook(conn, folder_id)
        threading_cpu += time.process_time() - start

    store_messages.assign_threads = timed
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cache.sqlite"
        with Store.open(path) as store:
            inbox = store.folders.upsert(FolderInfo("work", "INBOX", role=Role.INBOX))
            start, start_cpu = time.perf_counter(), time.process_time()
            for i in range(0, len(headers), batch):
                store.messages.upsert_headers(inbox, headers[i : i + batch])
            wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            threads, nodes = store.db.conn.execute(
                "SELECT count(DISTINCT thread_id), (SELECT count(*) FROM thread_nodes)"
                " FROM messages"
            ).fetchone()
        store_messages.assign_threads = hook
        print(
            f"store: {len(headers):,} messages in batches of {batch} into {threads:,} threads "
            f"({nodes:,} graph nodes): {wall:.2f} s, CPU {cpu:.2f} s of which threading "
            f"{threading_cpu:.2f} s ({threading_cpu / len(headers) * 1e6:.1f} us/message, "
            f"{threading_cpu / (len(headers) / batch) * 1000:.1f} ms per batch)"
        )
        # The alternative to the persisted graph: at every start, read the account's rows back
        # and replay them into a Threader before the first new message can be threaded.
        conn = sqlite3.connect(path)
        start_cpu = time.process_time()
        rows = conn.execute(
            "SELECT id, message_id, in_reply_to, refs, subject, date FROM messages"
            " ORDER BY date, id"
        ).fetchall()
        replay = Threader()
        for id_, mid, irt, refs, subject, date in rows:
            replay.add(MessageSummary(str(id_), mid, irt, tuple(refs.split()), subject, date))
        replay_cpu = time.process_time() - start_cpu
        conn.close()
        print(
            f"store: replaying {len(rows):,} rows into a Threader at open: CPU {replay_cpu:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--store", action="store_true", help="also measure the cache's path")
    parser.add_argument("--batch", type=int, default=store_messages.BATCH)
    args = parser.parse_args()
    summaries = generate(args.messages, args.seed)
    # The generated input lives for the whole run: out of the collector's sight, so its full
    # collections only walk what threading allocates (as in the cache, where each batch's
    # summaries die with the batch).
    gc.freeze()
    # Calibration: an empty loop over the same list shows how fast this machine is right now
    # (a shared CI box can be many times slower than a desktop).
    start = time.perf_counter()
    for _ in summaries:
        pass
    empty = time.perf_counter() - start
    times, cpu = [], []
    for _ in range(args.runs):
        threader = Threader()
        start, start_cpu = time.perf_counter(), time.process_time()
        merges = 0
        for s in summaries:
            merges += len(threader.add(s).merges)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)  # unaffected by other processes' load
    best = min(times)
    print(
        f"threaded {len(summaries):,} messages into {len(threader):,} threads ({merges} merges): "
        f"best of {args.runs} {best:.3f} s = {len(summaries) / best:,.0f} messages/s; "
        f"all runs {', '.join(f'{t:.3f}' for t in times)} s, CPU {min(cpu):.3f} s "
        f"(an empty loop over them: {empty * 1000:.1f} ms)"
    )
    if args.store:
        bench_store(summaries, args.batch)


if __name__ == "__main__":
    main()
