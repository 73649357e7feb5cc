"""Passwords and tokens: the system keyring, an in-memory session cache, or a password command.

Never plain text on disk. When no real keyring exists (keyring's fail or null backend, a
backend of priority below 1 such as keyrings.alt's plain-text file, or a backend that errors)
SecretStoreUnavailable is raised; there is no fallback. Every secret that passes through here is
registered with the log redactor (logs.py), so a later protocol transcript cannot leak it.

Keyring calls and password commands block (D-Bus, a subprocess): asyncio code runs them with
`asyncio.to_thread`.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import shlex
import signal
import subprocess
import sys
from typing import Any

from kittiwake.client.accounts.model import Account, AuthMethod, PasswordStorage
from kittiwake.client.logs import register_secret
from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.errors import PasswordCommandFailed, SecretStoreUnavailable

log = logging.getLogger(__name__)

SERVICE = "kittiwake"
COMMAND_TIMEOUT = 30.0  # seconds: long enough for a GPG pinentry, short enough to notice a hang


class ServerRole(enum.StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


def keyring_key(account_id: str, role: ServerRole, kind: SecretKind = SecretKind.PASSWORD) -> str:
    """The keyring "username" under service "kittiwake", e.g. "work/incoming"."""
    suffix = "" if kind is SecretKind.PASSWORD else f"/{kind.value}"
    return f"{account_id}/{role.value}{suffix}"


# --- the system keyring ------------------------------------------------------------------------


def _priority(backend: Any) -> float:
    try:
        return float(backend.priority)
    except Exception:
        return 0.0


def _keyring() -> Any:
    # Imported on first use: keyring (with its entry points, jaraco and urllib) costs ~60 ms,
    # which a `kittiwake sync` with a password command never needs.
    import keyring
    import keyring.backends.chainer
    import keyring.backends.fail
    import keyring.backends.null
    import keyring.errors

    return keyring


def _is_delete_error(exc: BaseException) -> bool:
    import keyring.errors

    return isinstance(exc, keyring.errors.PasswordDeleteError)


def usable_backend() -> Any:
    """The keyring backend to use, or SecretStoreUnavailable saying why there is none."""
    keyring = _keyring()
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        raise SecretStoreUnavailable(
            f"The system keyring could not be opened ({type(exc).__name__})."
        ) from None
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        # The chainer also holds low-priority backends (a plain-text file, say) and would fall
        # back to them when the real one refuses a write: use the best real one directly.
        chained = [b for b in backend.backends if _priority(b) >= 1]
        if not chained:
            raise SecretStoreUnavailable("No usable system keyring was found.")
        return max(chained, key=_priority)
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        raise SecretStoreUnavailable("No system keyring was found.")
    if _priority(backend) < 1:
        # keyring's own scale: below 1 means "not recommended", e.g. plain-text files.
        raise SecretStoreUnavailable(
            f"The only keyring found ({type(backend).__name__}) does not keep secrets safely."
        )
    return backend


class KeyringStore:
    """The account secrets in the system keyring, one entry per account, role and kind."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def check(self) -> None:
        """Raise SecretStoreUnavailable now rather than after the user typed a password."""
        usable_backend()

    def _call(self, action: str, method: str, *args: str) -> Any:
        backend = usable_backend()
        try:
            return getattr(backend, method)(self.service, *args)
        except Exception as exc:
            if _is_delete_error(exc):
                raise
            # Backends raise their own types (D-Bus, locked collection, ...). Only the type is
            # kept: an error's text is not ours to vouch for.
            log.warning("keyring %s failed: %s", action, type(exc).__name__)
            raise SecretStoreUnavailable(
                f"The system keyring refused to {action} a password ({type(exc).__name__}).",
                "Unlock the keyring (it may be locked or its service not running) and try again.",
            ) from None

    def get(
        self, account_id: str, role: ServerRole, kind: SecretKind = SecretKind.PASSWORD
    ) -> str | None:
        secret = self._call("read", "get_password", keyring_key(account_id, role, kind))
        if secret is None:
            return None
        register_secret(str(secret))
        return str(secret)

    def set(
        self,
        account_id: str,
        role: ServerRole,
        secret: str,
        kind: SecretKind = SecretKind.PASSWORD,
    ) -> None:
        register_secret(secret)
        self._call("save", "set_password", keyring_key(account_id, role, kind), secret)

    def delete(
        self, account_id: str, role: ServerRole, kind: SecretKind = SecretKind.PASSWORD
    ) -> bool:
        """True if an entry was deleted, False if there was none."""
        try:
            self._call("delete", "delete_password", keyring_key(account_id, role, kind))
        except Exception as exc:
            if _is_delete_error(exc):
                return False
            raise
        return True

    def delete_account(self, account_id: str) -> int:
        """Delete every secret of an account; how many entries there were."""
        return sum(
            self.delete(account_id, role, kind) for role in ServerRole for kind in SecretKind
        )


# --- "ask every session" -----------------------------------------------------------------------


class SessionSecrets:
    """Secrets typed in this session, in memory only; forgotten when the program ends."""

    def __init__(self) -> None:
        self._secrets: dict[tuple[str, ServerRole, SecretKind], str] = {}

    def __repr__(self) -> str:
        return f"SessionSecrets(<{len(self._secrets)} hidden>)"

    def get(
        self, account_id: str, role: ServerRole, kind: SecretKind = SecretKind.PASSWORD
    ) -> str | None:
        return self._secrets.get((account_id, role, kind))

    def set(
        self,
        account_id: str,
        role: ServerRole,
        secret: str,
        kind: SecretKind = SecretKind.PASSWORD,
    ) -> None:
        register_secret(secret)
        self._secrets[(account_id, role, kind)] = secret

    def forget(self, account_id: str, role: ServerRole | None = None) -> None:
        """After a failed login the cached password is wrong: drop it so the user is asked."""
        for key in [k for k in self._secrets if k[0] == account_id and role in (None, k[1])]:
            del self._secrets[key]

    def clear(self) -> None:
        self._secrets.clear()


# --- password commands (like mbsync's PassCmd) -------------------------------------------------


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # The command may have started children holding stdout open: kill its whole group.
    with contextlib.suppress(OSError):
        if sys.platform != "win32":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()


def run_password_command(command: str, *, timeout: float = COMMAND_TIMEOUT) -> str:
    """The first line the command prints. Run without a shell; its output never reaches an
    error message or a log (it may print the password, or a secret, on failure)."""
    try:
        argv = shlex.split(command)
    except ValueError:
        raise PasswordCommandFailed(
            "The password command cannot be split into words (check its quotes)."
        ) from None
    if not argv:
        raise PasswordCommandFailed("The password command is empty.")
    program = os.path.basename(argv[0])
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise PasswordCommandFailed(
            f"The password command {program!r} could not be started ({exc.strerror or exc})."
        ) from None
    with process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise PasswordCommandFailed(
                f"The password command {program!r} did not finish within {timeout:g} seconds."
            ) from None
    if process.returncode < 0:
        raise PasswordCommandFailed(
            f"The password command {program!r} was stopped by signal {-process.returncode}."
        )
    if process.returncode != 0:
        raise PasswordCommandFailed(
            f"The password command {program!r} failed with exit status {process.returncode}."
        )
    first_line = output.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        secret = first_line.decode("utf-8")
    except UnicodeDecodeError:
        raise PasswordCommandFailed(
            f"The password command {program!r} printed something that is not UTF-8 text."
        ) from None
    if not secret:
        raise PasswordCommandFailed(f"The password command {program!r} printed an empty line.")
    register_secret(secret)
    return secret


# --- one answer to "what is this account's password?" ------------------------------------------


class PasswordResolver:
    """Finds an account's password wherever its password_source says it lives.

    `password()` returns None when the person must be asked (ask-every-session and not asked
    yet, or nothing stored in the keyring); the caller asks and calls `remember()`.
    """

    def __init__(
        self,
        store: KeyringStore | None = None,
        session: SessionSecrets | None = None,
        *,
        command_timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        self.store = store or KeyringStore()
        self.session = session or SessionSecrets()
        self.command_timeout = command_timeout

    def password(self, account: Account, role: ServerRole) -> str | None:
        source = account.password_source
        if source.storage is PasswordStorage.COMMAND:
            assert source.command is not None  # the config loader guarantees it
            return run_password_command(source.command, timeout=self.command_timeout)
        cached = self.session.get(account.id, role)
        if cached is not None or source.storage is PasswordStorage.ASK:
            return cached
        return self.store.get(account.id, role)

    def credentials(self, account: Account, role: ServerRole) -> Credentials | None:
        """The user name and password for one server, ready for a protocol client; None when
        the person must be asked. Registers the SASL forms (which need the user name) too."""
        server = account.incoming if role is ServerRole.INCOMING else account.outgoing
        secret = self.password(account, role)
        if secret is None:
            return None
        register_secret(secret, username=server.username)
        kind = SecretKind.OAUTH2_TOKEN if server.auth is AuthMethod.OAUTH2 else SecretKind.PASSWORD
        return Credentials(server.username, secret, kind)

    def remember(self, account: Account, role: ServerRole, secret: str) -> None:
        """Keep a password the person typed: in the keyring, or for this session only."""
        self.session.set(account.id, role, secret)
        if account.password_source.storage is PasswordStorage.KEYRING:
            self.store.set(account.id, role, secret)
