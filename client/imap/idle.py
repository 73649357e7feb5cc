"""IDLE (RFC 2177) with a watchdog that never lets the caller hang.

One call waits until the mailbox changes or `stop` is set. Every `renew_after` seconds (29
minutes by default: servers may drop an IDLE after 30) it ends the IDLE with DONE and starts a
new one; the tagged OK to DONE must come within the command timeout, which is how a silently
dead connection is noticed. A server that closes instead (kick, restart, BYE) fails the wait at
once with ConnectionLost.
"""

from __future__ import annotations

import asyncio
import contextlib

from kittiwake.client.imap.responses import Untagged
from kittiwake.client.imap.session import MAILBOX_EVENTS, ImapSession, Pending, first_of
from kittiwake.client.net.errors import CommandFailed

IDLE_RENEW = 29 * 60.0


class IdleCommands(ImapSession):
    async def idle(
        self, *, stop: asyncio.Event | None = None, renew_after: float = IDLE_RENEW
    ) -> list[Untagged]:
        """The mailbox events that ended the wait (also given to the unsolicited handler), or
        [] when `stop` was set. Without IDLE support it polls with NOOP every `renew_after`."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            if self.capabilities.idle:
                changes = await self._idle_once(stop, renew_after)
            else:
                changes = [r for r in await self.noop() if isinstance(r, MAILBOX_EVENTS)]
                if not changes:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), renew_after)
            if changes:
                return changes
        return []

    async def _idle_once(self, stop: asyncio.Event, renew_after: float) -> list[Untagged]:
        changes: list[Untagged] = []
        changed = asyncio.Event()

        def sink(response: Untagged) -> bool:
            if isinstance(response, MAILBOX_EVENTS):
                changes.append(response)
                changed.set()
            return False  # the unsolicited handler sees them too

        async with self._lock:
            if self._closed is not None:
                raise self._closed
            pending = Pending(self.next_tag(), sink, self._loop.create_future())
            self._current = pending
            try:
                self._write(pending.tag.encode("ascii") + b" IDLE\r\n")
                if await self._challenge(pending) is None:
                    status = pending.done.result()
                    raise self.failure("IDLE", status)
                waiters = [
                    self._loop.create_task(changed.wait()),
                    self._loop.create_task(stop.wait()),
                ]
                try:
                    # Ends on a change, on stop, after renew_after, or when the connection
                    # drops / the server ends IDLE itself (pending.done).
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            first_of(self._loop, pending.done, *waiters), renew_after
                        )
                finally:
                    for waiter in waiters:
                        waiter.cancel()
                if not pending.done.done():
                    self._write(b"DONE\r\n")
                status = await self._wait(pending.done)
            except asyncio.CancelledError:
                self.abandon(pending)
                raise
            finally:
                if self._current is pending:
                    self._current = None
        if status.status != "OK":
            raise CommandFailed(f"The server ended IDLE with {status.status}: {status.text}")
        return changes
