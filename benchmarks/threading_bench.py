"""Threading benchmark: 100,000 message summaries with realistic thread shapes, threaded
incrementally. Not a test; prints the time.

    .venv/bin/python benchmarks/threading_bench.py [--messages N] [--seed S]

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
import pickle
import random
import time

from kittiwake.client.mime.threading import MessageSummary, Threader


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    summaries = generate(args.messages, args.seed)
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


if __name__ == "__main__":
    main()
