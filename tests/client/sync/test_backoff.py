from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kittiwake.client.sync.backoff import Backoff


def test_the_ceiling_doubles_from_the_base_and_stops_at_the_cap() -> None:
    backoff = Backoff(base=10, factor=2, cap=100)
    assert [backoff.ceiling(n) for n in range(0, 7)] == [0, 10, 20, 40, 80, 100, 100]


def test_a_huge_attempt_count_does_not_overflow() -> None:
    assert Backoff(base=1, cap=50).ceiling(10_000) == 50


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=0, max_value=2**32))
def test_every_delay_lies_in_the_jitter_window(attempt: int, seed: int) -> None:
    backoff = Backoff(base=30, cap=3600, jitter=0.5, rng=random.Random(seed))
    ceiling = backoff.ceiling(attempt)
    assert ceiling / 2 <= backoff.delay(attempt) <= ceiling


def test_jitter_spreads_clients_apart() -> None:
    delays = {Backoff(rng=random.Random(seed)).delay(3) for seed in range(20)}
    assert len(delays) == 20


def test_next_time_is_never_now() -> None:
    backoff = Backoff(base=1, jitter=0.0)
    assert backoff.next_time(1000.0, 1) == 1001


@pytest.mark.parametrize(
    "kwargs", [{"base": -1}, {"factor": 0.5}, {"cap": 1, "base": 2}, {"jitter": 1.5}]
)
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)  # type: ignore[arg-type]
