"""The asyncio layer of an IMAP connection: one reader task, one command at a time.

Bytes from the socket go through the sans-I/O `wire.ResponseReader` and `parse.parse_response`;
each response is dispatched as it completes, so a FETCH's messages reach their callback while
the FETCH still streams. The reader task is the only place that notices a dropped connection,
and it fails the pending command at once (ConnectionLost), instead of leaving it to a timeout.

Commands are serialised by a lock: the sync engine issues one big command at a time, and it
keeps continuation handling (literals, AUTHENTICATE, IDLE) unambiguous.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import ssl
from collections.abc import Callable
from dataclasses import field
from typing import Any, TypeVar

from kittiwake.client.foreground import give_way
from kittiwake.client.imap import encode
from kittiwake.client.imap.capabilities import Capabilities
from kittiwake.client.imap.greeting import Greeting
from kittiwake.client.imap.parse import parse_response
from kittiwake.client.imap.responses import (
    Capability,
    Continuation,
    Exists,
    Expunge,
    FetchItem,
    Recent,
    StatusResponse,
    Untagged,
    Vanished,
)
from kittiwake.client.imap.wire import ResponseReader
from kittiwake.client.net.connect import Connection
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    CommandFailed,
    ConnectionLost,
    KittiwakeError,
    OperationTimeout,
    ProtocolError,
)
from kittiwake.client.records import record

log = logging.getLogger(__name__)
# Transcripts for --debug-protocol (kittiwake.logs redacts credentials in every record; we also
# never pass it the arguments of a command that carries a secret).
transcript = logging.getLogger("kittiwake.protocol.imap")
TRANSCRIPT_BYTES = 2000  # per chunk received: enough to diagnose, bounded for big FETCHes
T = TypeVar("T")

READ_CHUNK = 1 << 18
UPLOAD_PIECE = 1 << 18
# Responses that change what the client knows of the selected mailbox.
MAILBOX_EVENTS = (Exists, Expunge, FetchItem, Vanished, Recent)

# A sink sees each untagged response while its command runs; True means "mine, do not pass it
# to the unsolicited handler". It may raise: the command then fails with that error once the
# server finished it, and the connection stays usable.
Sink = Callable[[Untagged], bool]
UnsolicitedHandler = Callable[[Untagged], None]
AlertHandler = Callable[[str], None]
# Answers a server challenge (the text after "+ ") with the next client line, CRLF excluded.
Responder = Callable[[bytes], bytes]


@record(frozen=False, eq=False)
class Pending:
    tag: str
    sink: Sink | None
    done: asyncio.Future[StatusResponse]
    continuation: asyncio.Future[bytes] | None = None
    untagged: list[Untagged] = field(default_factory=list)
    sink_error: BaseException | None = None


@record
class Result:
    status: StatusResponse
    untagged: list[Untagged]


class ImapSession:
    def __init__(
        self,
        connection: Connection,
        *,
        greeting: Greeting,
        on_unsolicited: UnsolicitedHandler | None = None,
        on_alert: AlertHandler | None = None,
        tags: itertools.count[int] | None = None,
    ) -> None:
        self.connection = connection
        self.endpoint: Endpoint = connection.endpoint
        self.greeting = greeting
        self.capabilities = greeting.capabilities or Capabilities()
        self.capability_generation = 0  # bumped whenever the server restates its capabilities
        self.authenticated = greeting.preauth
        self.alerts: list[str] = []
        self.on_unsolicited = on_unsolicited
        self.on_alert = on_alert
        self.bye_text = ""
        self.command_timeout = connection.endpoint.command_timeout
        self._tags = tags or itertools.count(1)
        self._wire = ResponseReader()
        self._lock = asyncio.Lock()
        self._current: Pending | None = None
        self._closed: KittiwakeError | None = None
        self._loop = asyncio.get_running_loop()
        self._last_activity = self._loop.time()
        self._reader_task = self._loop.create_task(self._read_loop())
        if greeting.alert:
            self._alert(greeting.alert)

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._closed is None

    @property
    def tls_active(self) -> bool:
        return self.endpoint.security in (Security.TLS, Security.STARTTLS)

    def next_tag(self) -> str:
        return f"A{next(self._tags)}"

    async def close(self) -> None:
        """Drop the connection without a goodbye (use logout() for a polite end)."""
        self._fail(ConnectionLost("The connection was closed.", host=self.endpoint.host))
        self._reader_task.cancel()
        with contextlib.suppress(BaseException):
            await self._reader_task
        await self.connection.close()

    def _lost(self, why: str) -> ConnectionLost:
        where = self.endpoint.label
        text = f"{where} closed the connection{why}."
        if self.bye_text:
            text = f"{where} closed the connection: {self.bye_text}"
        return ConnectionLost(
            text, host=self.endpoint.host, port=self.endpoint.port, server_text=self.bye_text
        )

    def _fail(self, error: KittiwakeError) -> None:
        if self._closed is None:
            self._closed = error
        pending = self._current
        if pending is not None:
            for future in (pending.done, pending.continuation):
                if future is not None and not future.done():
                    future.set_exception(error)
                    future.exception()  # marks it retrieved: nobody may be waiting on it
        self.connection.writer.close()

    # --- reading ------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        reader = self.connection.reader
        error: KittiwakeError | None = None
        try:
            while True:
                data = await reader.read(READ_CHUNK)
                if transcript.isEnabledFor(logging.DEBUG):
                    transcript.debug("S: %r", data[:TRANSCRIPT_BYTES])
                if not data:
                    mid = " in the middle of a response" if self._wire.mid_response else ""
                    error = self._lost(mid)
                    break
                self._last_activity = self._loop.time()
                for raw in self._wire.feed(data):
                    give_way()  # on a worker thread, the window's turn first (foreground.py)
                    self._dispatch(parse_response(raw))
        except ProtocolError as exc:
            error = exc
        except (OSError, ssl.SSLError, EOFError) as exc:
            error = self._lost(f" ({type(exc).__name__})")
        finally:
            self._fail(error or self._lost(""))

    def _dispatch(self, response: Untagged | Continuation) -> None:
        pending = self._current
        if isinstance(response, Continuation):
            if pending is not None and pending.continuation is not None:
                if not pending.continuation.done():
                    pending.continuation.set_result(response.text)
                return
            raise ProtocolError("The server sent a continuation nobody asked for.")
        if isinstance(response, StatusResponse):
            if response.tag is not None:
                if pending is None or response.tag != pending.tag:
                    raise ProtocolError(f"The server answered an unknown command {response.tag}.")
                self._current = None
                if not pending.done.done():
                    pending.done.set_result(response)
                self._note_status(response)
                return
            self._note_status(response)
        elif isinstance(response, Capability):
            self._set_capabilities(Capabilities(response.names))
        if pending is not None:
            if pending.sink is None:
                pending.untagged.append(response)
                if not isinstance(response, MAILBOX_EVENTS):
                    return
            elif pending.sink_error is None:
                try:
                    if pending.sink(response):
                        return
                except Exception as exc:  # stored, raised once the server finished
                    pending.sink_error = exc
                    return
        if isinstance(response, MAILBOX_EVENTS):
            self._unsolicited(response)

    def _note_status(self, response: StatusResponse) -> None:
        if response.code is not None:
            if response.code.name == "ALERT":
                self._alert(response.text)
            elif response.code.name == "CAPABILITY":
                self._set_capabilities(Capabilities.parse(response.code.args.split()))
        if response.status == "BYE":
            self.bye_text = response.text

    def _set_capabilities(self, capabilities: Capabilities) -> None:
        self.capabilities = capabilities
        self.capability_generation += 1

    def _alert(self, text: str) -> None:
        self.alerts.append(text)
        if self.on_alert is not None:
            try:
                self.on_alert(text)
            except Exception:  # a broken UI callback must not kill the connection
                log.exception("IMAP alert handler failed")

    def _unsolicited(self, response: Untagged) -> None:
        if self.on_unsolicited is not None:
            try:
                self.on_unsolicited(response)
            except Exception:
                log.exception("IMAP unsolicited-response handler failed")

    # --- commands -----------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if self._closed is not None:
            raise self._closed
        self._last_activity = self._loop.time()
        self.connection.writer.write(data)

    async def _send(self, data: bytes) -> None:
        """Write a chunk that may be large (an APPEND literal) with flow control: each piece
        that leaves counts as activity, so a slow upload is not taken for a dead server."""
        if len(data) <= UPLOAD_PIECE:
            self._write(data)
            return
        view = memoryview(data)
        for start in range(0, len(data), UPLOAD_PIECE):
            self._write(bytes(view[start : start + UPLOAD_PIECE]))
            drain = self._loop.create_task(self.connection.writer.drain())
            drain.add_done_callback(_retrieve)
            try:
                await self._wait(drain)
            except OSError as error:
                if isinstance(error, KittiwakeError):
                    raise
                raise self._closed or self._lost(f" ({type(error).__name__})") from error
            self._last_activity = self._loop.time()

    async def _wait(self, future: asyncio.Future[T]) -> T:
        """Await `future` while the server keeps talking; give up after command_timeout of
        silence (measured from the last byte either way, so a long FETCH never times out)."""
        limit = self.command_timeout
        while True:
            remaining = self._last_activity + limit - self._loop.time()
            if remaining <= 0 and not future.done():
                error = OperationTimeout(
                    f"{self.endpoint.label} stopped answering for {limit:g} s.",
                    host=self.endpoint.host,
                    port=self.endpoint.port,
                )
                self._fail(error)
                raise error
            try:
                return await asyncio.wait_for(asyncio.shield(future), max(remaining, 0))
            except TimeoutError:
                if future.done():
                    return future.result()

    async def execute(
        self,
        name: str,
        *args: encode.Arg,
        sink: Sink | None = None,
        check: bool = True,
        responder: Responder | None = None,
        log_args: bool = True,
    ) -> Result:
        """Send one command and wait for its tagged answer; NO/BAD raise CommandFailed.

        `responder` answers "+" challenges after the command is sent (AUTHENTICATE); without
        one a stray challenge is a protocol error.
        """
        async with self._lock:
            if self._closed is not None:
                raise self._closed
            pending = Pending(self.next_tag(), sink, self._loop.create_future())
            chunks = encode.command(
                pending.tag, name, *args, literal_plus=self.capabilities.literal_plus
            )
            self._current = pending
            if transcript.isEnabledFor(logging.DEBUG):
                shown = chunks[0][:TRANSCRIPT_BYTES] if log_args else f"{pending.tag} {name} ..."
                transcript.debug("C: %r", shown)
            try:
                await self._send(chunks[0])
                for chunk in chunks[1:]:
                    if await self._challenge(pending) is None:
                        break  # the server refused the literal; its NO/BAD follows below
                    await self._send(chunk)
                while responder is not None and not pending.done.done():
                    challenge = await self._challenge(pending)
                    if challenge is None:
                        break
                    self._write(responder(challenge) + b"\r\n")
                status = await self._wait(pending.done)
            except asyncio.CancelledError:
                self.abandon(pending)
                raise
            finally:
                if self._current is pending:
                    self._current = None
        if pending.sink_error is not None:
            raise pending.sink_error
        if check and status.status != "OK":
            raise self.failure(name, status)
        return Result(status, pending.untagged)

    async def _challenge(self, pending: Pending) -> bytes | None:
        """The next "+" text for `pending`, or None once the server finished the command."""
        pending.continuation = self._loop.create_future()
        result = await self._wait(first_of(self._loop, pending.continuation, pending.done))
        if pending.done.done():
            return None
        assert isinstance(result, bytes)
        return result

    def abandon(self, pending: Pending) -> None:
        """The caller cancelled a command the server is still answering. Its remaining
        responses would land on the next command, so the connection is closed instead (the
        sync engine reconnects); use idle(stop=...) to end an IDLE politely."""
        if not pending.done.done():
            self._fail(
                ConnectionLost(
                    "A command was cancelled before the server finished it; the connection "
                    "was closed to stay in step with the server.",
                    "Kittiwake reconnects by itself.",
                    host=self.endpoint.host,
                    port=self.endpoint.port,
                )
            )

    def failure(self, name: str, status: StatusResponse) -> CommandFailed:
        return CommandFailed(
            f"The server refused {name}: {status.text}",
            host=self.endpoint.host,
            port=self.endpoint.port,
            server_text=status.describe(),
        )

    async def capability(self) -> Capabilities:
        await self.execute("CAPABILITY")
        return self.capabilities

    async def noop(self) -> list[Untagged]:
        return (await self.execute("NOOP")).untagged

    async def logout(self) -> None:
        try:
            await self.execute("LOGOUT", check=False)
        except (ConnectionLost, OperationTimeout):
            pass  # the server may close before its tagged OK; we are leaving anyway
        finally:
            await self.close()


def first_of(loop: asyncio.AbstractEventLoop, *futures: asyncio.Future[Any]) -> asyncio.Future[Any]:
    """A future that completes (result or exception) with whichever of `futures` is first."""
    out: asyncio.Future[Any] = loop.create_future()

    def relay(done: asyncio.Future[Any]) -> None:
        if out.done():
            return
        if done.cancelled():
            out.cancel()
        elif done.exception() is not None:
            out.set_exception(done.exception())  # type: ignore[arg-type]  # checked above
        else:
            out.set_result(done.result())

    for future in futures:
        future.add_done_callback(relay)
    return out


def _retrieve(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()  # consumed: the waiter already reported the failure
