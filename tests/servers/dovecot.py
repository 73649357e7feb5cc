"""A real Dovecot 2.3 on loopback, private to one test session.

Everything lives in one temporary directory: config, passwd-file, Maildirs, sockets, log.
The master runs in the foreground (`dovecot -F`) as our child, so stopping it is a signal
to a pid we own and nothing is left behind. Submission relays to tests/servers/relay.py,
which delivers through Dovecot's own LMTP, so a message submitted to bob lands in his INBOX.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import dataclasses
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint, Security
from tests.servers import dovecot_conf, processes
from tests.servers.certs import test_certificates
from tests.servers.front import ProxyFront
from tests.servers.relay import SmtpRelay

DOMAIN = "example.test"

SECURITY: dict[str, Security] = {
    "imap": Security.STARTTLS,
    "imaps": Security.TLS,
    "pop3": Security.STARTTLS,
    "pop3s": Security.TLS,
    "submission": Security.STARTTLS,
    "submissions": Security.TLS,
    "lmtp": Security.PLAIN_LOOPBACK_ONLY,
}

# Executable -> the Debian package that ships it.
_PACKAGES = {
    "imap": "dovecot-imapd",
    "pop3": "dovecot-pop3d",
    "lmtp": "dovecot-lmtpd",
    "submission": "dovecot-submissiond",
}
_LIBEXEC_DIRS = ("/usr/lib/dovecot", "/usr/libexec/dovecot")


class DovecotUnavailable(RuntimeError):
    """Dovecot or one of its protocol modules is not installed."""


@dataclass(frozen=True)
class MailUser:
    name: str
    address: str
    password: str = dataclasses.field(repr=False)

    def credentials(self) -> Credentials:
        return Credentials(self.name, self.password)


def find_dovecot() -> tuple[str, str]:
    """(dovecot, doveadm) paths; a clear error naming the missing Debian package otherwise."""
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    doveadm = shutil.which("doveadm") or "/usr/bin/doveadm"
    if not os.access(dovecot, os.X_OK) or not os.access(doveadm, os.X_OK):
        raise DovecotUnavailable(
            "Dovecot is not installed: the server tests need /usr/sbin/dovecot and doveadm "
            "(Debian/Ubuntu: apt-get install dovecot-core dovecot-imapd dovecot-pop3d "
            "dovecot-lmtpd dovecot-submissiond)."
        )
    libexec = next((d for d in _LIBEXEC_DIRS if os.path.isdir(d)), _LIBEXEC_DIRS[0])
    missing = [pkg for exe, pkg in _PACKAGES.items() if not os.path.exists(f"{libexec}/{exe}")]
    if missing:
        raise DovecotUnavailable(
            f"Dovecot is installed but lacks protocol modules in {libexec}: install "
            + ", ".join(missing)
            + f" (apt-get install {' '.join(missing)})."
        )
    return dovecot, doveadm


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class MailServer:
    host = "127.0.0.1"

    def __init__(self) -> None:
        self._dovecot, self._doveadm = find_dovecot()
        certs = test_certificates()
        self.ca_file = certs.ca_file
        self._cert, self._key = certs.server_cert_pem("valid")
        self.root = tempfile.mkdtemp(prefix="kittiwake-dovecot-")
        # Belt and braces: a session that never reaches the fixture's teardown still cleans up.
        atexit.register(self.close)
        # Dovecot's own processes (auth as `dovecot`, mail as `nobody`) must traverse it.
        os.chmod(self.root, 0o755)
        self.config_path = os.path.join(self.root, "dovecot.conf")
        # One passwd-file per user (the path has %n in it): Dovecot re-checks a passwd-file
        # at most once a second, so a user appended to a shared file right after a login
        # would stay unknown for up to a second. A new user's file has never been read.
        self.users_dir = os.path.join(self.root, "users")
        os.makedirs(self.users_dir)
        os.chmod(self.users_dir, 0o755)
        self.log_path = os.path.join(self.root, "dovecot.log")
        self._accounts = dovecot_conf.accounts()
        self._uid, self._gid = self._accounts.mail_uid, self._accounts.mail_gid
        self._lock = threading.Lock()
        self._users: dict[str, MailUser] = {}
        self._process: subprocess.Popen[bytes] | None = None
        # What clients use; all but lmtp are served by the PROXY-protocol front (front.py).
        self.ports: dict[str, int] = {service: _free_port() for service in SECURITY}
        self._private: dict[str, int] = {}
        self._pick_private_ports()
        self.relay_port = _free_port()
        self.alice = self._add_user("alice")
        self.bob = self._add_user("bob")
        self.relay = SmtpRelay(self.relay_port, self.ports["lmtp"], DOMAIN, self.user_exists)
        self._front: ProxyFront | None = None
        self._relay_started = False

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        for attempt in range(3):
            self._write_config()
            try:
                self._start_once()
                break
            except DovecotStartError as error:
                # Another process took one of our ports between probing and binding.
                if attempt == 2 or "Address already in use" not in str(error):
                    raise
                self._pick_private_ports()
        if self._front is None:
            routes = {self.ports[name]: port for name, port in self._private.items()}
            self._front = ProxyFront(routes)
        self._front.routes = {self.ports[name]: port for name, port in self._private.items()}
        self._front.open()
        if not self._relay_started:
            self.relay.start()
            self._relay_started = True

    def stop(self) -> None:
        """SIGTERM to the master we started; waits until it and its children are gone.
        The public ports close too, so clients see 'connection refused' until start()."""
        if self._front is not None:
            self._front.shut()
        process = self._process
        if process is None:
            return
        self._process = None
        children = processes.children_of(process.pid)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        processes.wait_gone(children)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop everything and remove the temporary directory."""
        atexit.unregister(self.close)
        self.stop()
        if self._front is not None:
            self._front.close()
            self._front = None
        if self._relay_started:
            self.relay.stop()
            self._relay_started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def _pick_private_ports(self) -> None:
        self._private = {service: _free_port() for service in SECURITY if service != "lmtp"}

    def _start_once(self) -> None:
        stderr_path = os.path.join(self.root, "master.stderr")
        with open(stderr_path, "wb") as stderr:
            self._process = subprocess.Popen(
                [self._dovecot, "-F", "-c", self.config_path],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                preexec_fn=processes.die_with_parent_thread(),
            )
        deadline = time.monotonic() + 20
        pending = {*self._private.values(), self.ports["lmtp"]}
        while pending:
            if self._process.poll() is not None:
                self._process = None
                raise DovecotStartError(
                    f"Dovecot exited at start-up:\n{_read(stderr_path)}\n{_tail(self.log_path)}"
                )
            for port in list(pending):
                with contextlib.suppress(OSError), socket.create_connection((self.host, port), 1):
                    pending.discard(port)
            if pending and time.monotonic() > deadline:
                self.stop()
                raise DovecotStartError(
                    f"Dovecot did not open ports {sorted(pending)}:\n{_tail(self.log_path)}"
                )
            if pending:
                # Listeners appear within milliseconds and announce nothing we could await, so
                # the ports are probed again; in between, wait on the one event that ends the
                # start-up early: the master exiting (reported by the check above).
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=0.02)

    # -- users -----------------------------------------------------------------------------

    def new_user(self, prefix: str = "user") -> MailUser:
        """A fresh user with an empty mailbox. Dovecot re-reads passwd-file when it changes."""
        safe = "".join(ch for ch in prefix.lower() if ch.isascii() and (ch.isalnum() or ch in "-_"))
        return self._add_user(f"{safe or 'user'}-{secrets.token_hex(4)}")

    def user_exists(self, name: str) -> bool:
        with self._lock:
            return name.lower() in self._users

    def _add_user(self, name: str) -> MailUser:
        name = name.lower()
        user = MailUser(name, f"{name}@{DOMAIN}", secrets.token_urlsafe(12))
        home = os.path.join(self.root, "home", name)
        os.makedirs(home, mode=0o700)
        os.chown(home, self._uid, self._gid)
        os.chmod(os.path.dirname(home), 0o755)
        line = f"{name}:{{PLAIN}}{user.password}:{self._uid}:{self._gid}::{home}::\n"
        path = os.path.join(self.users_dir, f"{name}.passwd")
        # Written whole, then renamed into place: Dovecot never reads half a line.
        with open(path + ".new", "w", encoding="utf-8") as handle:
            handle.write(line)
        os.chmod(path + ".new", 0o644)
        os.replace(path + ".new", path)
        with self._lock:
            self._users[name] = user
        return user

    # -- endpoints -------------------------------------------------------------------------

    def endpoint(self, service: str, **overrides: Any) -> Endpoint:
        if service not in SECURITY:
            raise KeyError(f"unknown service {service!r}; one of {sorted(SECURITY)}")
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.ports[service],
            "security": SECURITY[service],
            "ca_file": self.ca_file,
        }
        values.update(overrides)
        return Endpoint(**values)

    # -- doveadm fault helpers -------------------------------------------------------------

    def doveadm(self, *args: str, stdin: bytes | None = None) -> str:
        return self._doveadm_bytes(*args, stdin=stdin).decode("utf-8", "replace")

    def _doveadm_bytes(self, *args: str, stdin: bytes | None = None) -> bytes:
        result = subprocess.run(
            [self._doveadm, "-c", self.config_path, *args],
            input=stdin,
            capture_output=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"doveadm {' '.join(args)} failed ({result.returncode}): "
                f"{result.stderr.decode('utf-8', 'replace').strip()}"
            )
        return result.stdout

    def save(self, user: MailUser, raw: bytes, mailbox: str = "INBOX") -> None:
        self.doveadm("save", "-u", user.name, "-m", mailbox, stdin=raw)

    def flags(
        self,
        user: MailUser,
        action: Literal["add", "remove", "replace"],
        flags: str,
        mailbox: str = "INBOX",
        query: str = "ALL",
    ) -> None:
        self.doveadm("flags", action, "-u", user.name, flags, "mailbox", mailbox, *query.split())

    def expunge(self, user: MailUser, mailbox: str = "INBOX", query: str = "ALL") -> None:
        self.doveadm("expunge", "-u", user.name, "mailbox", mailbox, *query.split())

    def kick(self, user: MailUser) -> None:
        """Disconnect every session of the user (IMAP IDLE, POP3...)."""
        try:
            self.doveadm("kick", user.name)
        except RuntimeError as error:
            # Exit code 68 (EX_NOUSER): the user had no session to end; nothing to do.
            if "(68)" not in str(error):
                raise

    def set_uidvalidity(self, user: MailUser, mailbox: str, value: int) -> None:
        self.doveadm("mailbox", "update", "-u", user.name, "--uid-validity", str(value), mailbox)

    def mailbox_uids(self, user: MailUser, mailbox: str = "INBOX") -> list[int]:
        out = self.doveadm("search", "-u", user.name, "mailbox", mailbox, "ALL")
        return sorted(int(line.split()[1]) for line in out.splitlines() if line.strip())

    def fetch_raw(self, user: MailUser, uid: int, mailbox: str = "INBOX") -> bytes:
        """The message exactly as stored (CRLF line ends: mail_save_crlf = yes)."""
        out = self._doveadm_bytes(
            "-f", "pager", "fetch", "-u", user.name, "text", "mailbox", mailbox, "uid", str(uid)
        )
        prefix = b"text:\n"
        if not out.startswith(prefix):
            raise KeyError(f"no message with UID {uid} in {mailbox} of {user.name}")
        return out[len(prefix) :]

    def wait_for_messages(
        self, user: MailUser, count: int, mailbox: str = "INBOX", timeout: float = 10
    ) -> None:
        """Until the mailbox holds at least `count` messages; woken by each relayed message."""
        deadline = time.monotonic() + timeout
        while True:
            have = len(self.mailbox_uids(user, mailbox))
            if have >= count:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"{user.name}/{mailbox} has {have} messages, expected {count} within "
                    f"{timeout}s; relayed so far: {len(self.relay.messages)}"
                )
            with self.relay.delivered:
                # Re-check at least every 0.2s for mail that arrives another way.
                self.relay.delivered.wait(min(remaining, 0.2))

    async def await_messages(
        self,
        user: MailUser,
        count: int,
        mailbox: str = "INBOX",
        timeout: float = 10,  # noqa: ASYNC109 (mirrors wait_for_messages)
    ) -> None:
        """wait_for_messages() for async tests: waits in a worker thread, not in the loop."""
        await asyncio.to_thread(self.wait_for_messages, user, count, mailbox, timeout)

    # -- configuration ---------------------------------------------------------------------

    def _write_config(self) -> None:
        for sub in ("run", "state"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        config = dovecot_conf.render(
            root=self.root,
            log_path=self.log_path,
            users_dir=self.users_dir,
            cert=self._cert,
            key=self._key,
            domain=DOMAIN,
            accounts=self._accounts,
            private=self._private,
            lmtp_port=self.ports["lmtp"],
            relay_port=self.relay_port,
        )
        with open(self.config_path, "w", encoding="utf-8") as handle:
            handle.write(config)


class DovecotStartError(RuntimeError):
    pass


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _tail(path: str, lines: int = 30) -> str:
    return "\n".join(_read(path).splitlines()[-lines:])
