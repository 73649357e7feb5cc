"""Reading an attachment off the GUI thread: its MIME type and its base64 body, once.

A file added to the composer is read in a QThreadPool worker, its type detected from its first
bytes and name (as compose.detect_type would at build time), and its body base64-encoded in
slices of ~1 MB. Each slice is one short C call, so the GUI thread gets the GIL between them:
the stdlib's encoder instead makes a few long calls over the whole payload (a regex split of the
encoded text holds the GIL ~0.5 s for 10 MB) and stalled the window at every autosave and Send.
The body is kept and spliced into every later build (encode.py), so nothing is encoded twice.

The result comes back by a queued signal of a small QObject that lives on the GUI thread, so no
widget is ever touched from the worker.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from kittiwake.client.mime.compose import Attachment, detect_type, safe_filename

SLICE = 57 * 16 * 1024  # whole base64 lines (57 bytes -> 76 characters): ~0.9 MB per call
HEAD = 4096  # what detect_type looks at


@dataclass(frozen=True)
class Prepared:
    content_type: str  # lower-case, as compose._attach would choose it
    size: int
    body: bytes | None  # base64 in 76-character CRLF lines; None for message/rfc822 (not base64)


def prepare(attachment: Attachment) -> Prepared:
    """Read and encode one attachment (in a worker thread). Raises OSError."""
    source: BinaryIO
    if attachment.data is not None:
        source = io.BytesIO(attachment.data)
    elif attachment.path is not None:
        source = open(attachment.path, "rb")  # noqa: SIM115 (closed below)
    else:
        raise FileNotFoundError(f"The attachment {attachment.name} has neither data nor a path.")
    with source:
        first = source.read(SLICE)
        ctype = (
            attachment.content_type or detect_type(safe_filename(attachment.name), first[:HEAD])
        ).lower()
        if ctype == "message/rfc822":  # attached as a message, not base64: built as it is
            return Prepared(ctype, len(first) + len(source.read()), None)
        pieces = []
        size = 0
        chunk = first
        while chunk:
            size += len(chunk)
            pieces.append(base64.encodebytes(chunk).replace(b"\n", b"\r\n"))
            chunk = source.read(SLICE)
    return Prepared(ctype, size, b"".join(pieces))


class _Carrier(QObject):
    """Lives on the GUI thread; the worker emits through it (a queued connection), and its own
    slot hands the result on. (A second queued connection straight to the receiver was dropped
    when this object was deleted first.)"""

    sig_done = Signal(int, object, str)  # token, Prepared or None, error text

    def __init__(self, receiver: QObject, deliver: Callable[[int, Prepared | None, str], None]):
        super().__init__()
        self._receiver, self._deliver = receiver, deliver
        self.sig_done.connect(self._finished)

    def _finished(self, token: int, prepared: Prepared | None, error: str) -> None:
        _alive.discard(self)
        self.deleteLater()
        if shiboken6.isValid(self._receiver):  # not if the window was closed meanwhile
            self._deliver(token, prepared, error)


_alive: set[_Carrier] = set()  # kept until their result was delivered on the GUI thread


class _Job(QRunnable):
    def __init__(self, token: int, attachment: Attachment, carrier: _Carrier) -> None:
        super().__init__()
        self.token, self.attachment, self.carrier = token, attachment, carrier

    def run(self) -> None:
        try:
            result = prepare(self.attachment)
        except (OSError, ValueError) as error:
            message = getattr(error, "strerror", None) or str(error)
            self.carrier.sig_done.emit(self.token, None, message)
            return
        self.carrier.sig_done.emit(self.token, result, "")


def start_loading(
    token: int,
    attachment: Attachment,
    receiver: QObject,
    deliver: Callable[[int, Prepared | None, str], None],
) -> None:
    """Prepare `attachment` in the thread pool; `deliver(token, prepared, error)` is called on
    the GUI thread, unless `receiver` was deleted meanwhile."""
    carrier = _Carrier(receiver, deliver)
    _alive.add(carrier)
    QThreadPool.globalInstance().start(_Job(token, attachment, carrier))
