"""Running engine coroutines from Qt slots on the shared qasync loop.

A slot cannot await; it starts a task and returns at once, so the GUI never waits on the network.
The tasks are kept here (asyncio holds only weak references to running tasks) and a failure that
nobody awaited is logged rather than lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_running: set[asyncio.Task[Any]] = set()


def start(coroutine: Coroutine[Any, Any, T], *, name: str = "") -> asyncio.Task[T]:
    """Schedule `coroutine` on the running loop (qasync's, under the GUI)."""
    task = asyncio.get_event_loop().create_task(coroutine, name=name or None)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("background task %s failed", task.get_name(), exc_info=error)


def cancel_all() -> None:
    for task in list(_running):
        task.cancel()
