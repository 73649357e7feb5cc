"""One running Kittiwake per user and per home: a second launch hands its arguments over.

`kittiwake mailto:...` or `kittiwake message.eml` while Kittiwake runs must not start a second
engine on the same mail cache. The first instance holds a lock file and listens on a
QLocalServer; a later one finds the lock taken, connects, sends its arguments and exits.

Who is first is decided by the lock (QLockFile: atomic, and a crashed holder's lock is taken
over because its pid is gone), not by whether listen() succeeds: two launches at the same
moment could otherwise both delete the other's socket and both believe they are first.

Wire format: a 4-byte big-endian length, then a JSON list of strings (UTF-8). File paths are
made absolute before sending, since the running instance has its own working directory.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import struct
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QDir, QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from kittiwake.client.paths import Paths

# Arguments are a URL or a few paths; anything bigger is not from a Kittiwake launch.
MAX_MESSAGE = 1 << 20
_HEADER = struct.Struct(">I")
CONNECT_TIMEOUT_MS = 2000


def instance_name(paths: Paths, user: str | None = None) -> str:
    """The server name for this user and this home (config directory) — short, since Unix
    socket paths are limited to ~100 bytes."""
    who = user if user is not None else getpass.getuser()
    digest = hashlib.sha256(f"{who}\0{paths.config_dir}".encode()).hexdigest()[:16]
    return f"kittiwake-{digest}"


def absolute_arguments(args: Sequence[str], cwd: Path | None = None) -> list[str]:
    """URLs (mailto:...) as they are; an existing file's path made absolute."""
    base = Path.cwd() if cwd is None else cwd
    result = []
    for arg in args:
        path = base / arg
        if ":" not in arg.split("/", 1)[0] and path.is_file():
            result.append(str(path.absolute()))
        else:
            result.append(arg)
    return result


def encode_message(args: Sequence[str]) -> bytes:
    payload = json.dumps(list(args)).encode("utf-8")
    return _HEADER.pack(len(payload)) + payload


def decode_message(data: bytes) -> list[str] | None:
    """The arguments once `data` holds a whole message; None while more is needed.

    Raises ValueError for anything that is not a list of strings within the size limit."""
    if len(data) < _HEADER.size:
        return None
    (length,) = _HEADER.unpack_from(data)
    if length > MAX_MESSAGE:
        raise ValueError("message too long")
    if len(data) < _HEADER.size + length:
        return None
    value = json.loads(data[_HEADER.size : _HEADER.size + length].decode("utf-8"))
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("not a list of strings")
    return value


class SingleInstance(QObject):
    """Call `claim()` once at start-up: True means this is the first instance (it now serves
    `sig_arguments_received`); False means another runs, and `hand_over(args)` sends to it."""

    sig_arguments_received = Signal(list)

    def __init__(self, name: str, lock_dir: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._name = name
        directory = Path(QDir.tempPath()) if lock_dir is None else lock_dir
        self._lock = QLockFile(str(directory / f"{name}.lock"))
        # 0: a lock is stale only when its process is gone, never because it is old.
        self._lock.setStaleLockTime(0)
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def is_primary(self) -> bool:
        return self._server is not None

    def claim(self) -> bool:
        if not self._lock.tryLock(0):
            return False
        server = QLocalServer(self)
        # Only this user may connect (the socket file's mode).
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        # We hold the lock, so any socket file left is a crashed instance's.
        QLocalServer.removeServer(self._name)
        if not server.listen(self._name):
            self._lock.unlock()
            raise OSError(f"cannot listen for other launches: {server.errorString()}")
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def hand_over(self, args: Sequence[str], timeout_ms: int = CONNECT_TIMEOUT_MS) -> bool:
        """Send `args` to the running instance; False if it could not be reached in time."""
        message = encode_message(absolute_arguments(args))
        deadline = time.monotonic() + timeout_ms / 1000
        socket = QLocalSocket()
        # The first instance may hold the lock but not listen yet: retry until the deadline.
        while True:
            socket.connectToServer(self._name)
            if socket.waitForConnected(max(1, int((deadline - time.monotonic()) * 1000))):
                break
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        socket.write(QByteArray(message))
        sent = socket.waitForBytesWritten(timeout_ms) or socket.bytesToWrite() == 0
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(timeout_ms)
        return sent

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for socket in list(self._buffers):
            self._drop(socket)
        if self._lock.isLocked():
            self._lock.unlock()

    def _accept(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = b""
            # Bound methods and sender(), not lambdas holding the socket: a closure would keep
            # a Python wrapper alive past the socket's deleteLater (a crash at exit).
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(self._on_disconnected)
            # Data may have arrived with the connection, before readyRead was connected.
            self._read(socket)

    def _on_ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)

    def _on_disconnected(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            # A short message and the hang-up can arrive together: read what is left first.
            self._read(socket)
            self._drop(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        try:
            args = decode_message(data)
        except (ValueError, UnicodeDecodeError):
            self._drop(socket)
            return
        if args is None:
            self._buffers[socket] = data
            return
        self._drop(socket)
        self.sig_arguments_received.emit(args)

    def _drop(self, socket: QLocalSocket) -> None:
        if self._buffers.pop(socket, None) is not None:
            socket.readyRead.disconnect(self._on_ready_read)
            socket.disconnected.disconnect(self._on_disconnected)
            socket.abort()
            socket.deleteLater()


def default_instance(paths: Paths | None = None) -> SingleInstance:
    return SingleInstance(instance_name(Paths.resolve() if paths is None else paths))
