"""client/foreground.py: background threads wait at their checkpoints while the foreground
thread works, never on the foreground thread itself, and never longer than their bound."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from kittiwake.client import foreground


@pytest.fixture(autouse=True)
def _idle_after() -> Iterator[None]:
    yield
    foreground.idle()


def _in_thread(function: object) -> threading.Thread:
    thread = threading.Thread(target=function)  # type: ignore[arg-type]
    thread.start()
    return thread


def test_a_checkpoint_waits_only_while_the_foreground_is_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(foreground._idle, "wait", lambda timeout: waits.append(timeout))
    _in_thread(foreground.give_way).join(5)
    assert waits == []  # idle: no wait at all
    foreground.busy()
    assert foreground.is_busy()
    _in_thread(lambda: foreground.give_way(0.25)).join(5)
    assert waits == [0.25]
    foreground.give_way()  # the foreground thread itself: no wait
    assert waits == [0.25]
    foreground.idle()
    assert not foreground.is_busy()
    _in_thread(foreground.give_way).join(5)
    assert waits == [0.25]


def test_a_waiting_thread_goes_on_when_the_foreground_is_idle() -> None:
    foreground.busy()
    entered = threading.Event()

    def background() -> None:
        entered.set()
        foreground.give_way(max_pause=60)

    thread = _in_thread(background)
    assert entered.wait(5)
    foreground.idle()
    thread.join(10)
    assert not thread.is_alive()


def test_a_foreground_that_stays_busy_only_slows_the_background_down() -> None:
    foreground.busy()
    passed: list[int] = []

    def background() -> None:
        for step in range(3):
            foreground.give_way(max_pause=0.001)
            passed.append(step)

    thread = _in_thread(background)
    thread.join(10)
    assert passed == [0, 1, 2] and foreground.is_busy()


def test_a_thread_holding_the_write_lock_never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(foreground._idle, "wait", lambda timeout: waits.append(timeout))
    foreground.busy()

    def background() -> None:
        with foreground.holding_writes():
            foreground.give_way()  # the GUI may be waiting for this thread's lock
        foreground.give_way()  # committed: the GUI's turn again

    _in_thread(background).join(5)
    assert waits == [foreground.MAX_PAUSE]


def test_the_cache_marks_its_write_transactions() -> None:
    from kittiwake.client.store.store import Store

    store = Store.open(":memory:")
    seen: list[int] = []
    with store.db.transaction():
        seen.append(foreground._writing.depth)
        with store.db.transaction():  # nested: the same transaction
            seen.append(foreground._writing.depth)
    seen.append(foreground._writing.depth)
    store.close()
    assert seen == [1, 1, 0]
