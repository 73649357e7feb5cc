"""An engine listener for tests: every event, the thread it arrived on, and a way to await one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from kittiwake.client.events import Event


class Recorder:
    """Collects events; `until` waits (at most `timeout` seconds) for the first one at or after
    `since` that matches."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.events: list[Event] = []
        self.threads: set[int] = set()
        self.timeout = timeout
        self._arrived = asyncio.Event()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        self.threads.add(threading.get_ident())
        self._arrived.set()

    def mark(self) -> int:
        return len(self.events)

    async def until(self, match: Callable[[Event], bool], since: int = 0) -> Event:
        async def scan() -> Event:
            seen = since
            while True:
                for event in self.events[seen:]:
                    if match(event):
                        return event
                seen = len(self.events)
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(scan(), self.timeout)
