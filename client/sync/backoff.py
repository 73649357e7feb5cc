"""Retry delays: exponential backoff with jitter, for the outbox and the operation queue.

Why jitter: after an outage every client (and every queued message) would otherwise retry at
the same instants and knock the server over again. We use "equal jitter": half of each delay is
fixed (so a retry never comes almost at once after a failure), the other half is random.
"""

from __future__ import annotations

import random
from dataclasses import field

from kittiwake.client.records import record


@record
class Backoff:
    base: float = 30.0  # seconds before the first retry (before jitter)
    factor: float = 2.0
    cap: float = 3600.0  # never wait more than an hour between attempts
    jitter: float = 0.5  # the random share of each delay, 0..1
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.base < 0 or self.factor < 1 or self.cap < self.base or not 0 <= self.jitter <= 1:
            raise ValueError("backoff needs 0 <= base <= cap, factor >= 1, 0 <= jitter <= 1")

    def ceiling(self, attempt: int) -> float:
        """The delay after `attempt` failures (1 = the first) before jitter."""
        if attempt < 1:
            return 0.0
        # Capped exponent: factor ** 1000 would overflow a float long before the cap bites.
        exponent = min(attempt - 1, 64)
        return min(self.cap, self.base * self.factor**exponent)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after `attempt` failures: within [ceiling*(1-jitter), ceiling]."""
        ceiling = self.ceiling(attempt)
        return ceiling * (1 - self.jitter) + ceiling * self.jitter * self.rng.random()

    def next_time(self, now: float, attempt: int) -> int:
        """The epoch second of the next attempt (what the outbox stores)."""
        return int(now + self.delay(attempt) + 0.999)
