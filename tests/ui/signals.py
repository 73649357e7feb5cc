"""Awaiting a Qt signal from a test: connect before acting, await the emission afterwards."""

from __future__ import annotations

import asyncio
from typing import Any


def next_emission(
    signal: Any, loop: asyncio.AbstractEventLoop | None = None
) -> asyncio.Future[tuple[Any, ...]]:
    """A future for the signal's next emission (its arguments); the slot is disconnected once
    the future is done, whichever way."""
    future: asyncio.Future[tuple[Any, ...]] = (loop or asyncio.get_running_loop()).create_future()

    def handler(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(handler)
    future.add_done_callback(lambda _done: signal.disconnect(handler))
    return future
