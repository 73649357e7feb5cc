from __future__ import annotations

import base64
import shlex
import sys
from pathlib import Path

import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import pytest

from kittiwake.client.accounts.model import PasswordSource, PasswordStorage
from kittiwake.client.accounts.secrets import (
    SERVICE,
    KeyringStore,
    PasswordResolver,
    ServerRole,
    SessionSecrets,
    keyring_key,
    run_password_command,
    usable_backend,
)
from kittiwake.client.logs import MASK, redact
from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.errors import PasswordCommandFailed, SecretStoreUnavailable
from tests.client.accounts.fakes import (
    BrokenKeyring,
    LowPriorityKeyring,
    MemoryKeyring,
    keyring_backend,
)
from tests.client.accounts.test_config import make_account

PY = shlex.quote(sys.executable)


def test_secrets_live_under_service_kittiwake_one_entry_per_role(
    memory_keyring: MemoryKeyring,
) -> None:
    store = KeyringStore()
    store.set("work", ServerRole.INCOMING, "in-pw")
    store.set("work", ServerRole.OUTGOING, "out-pw")
    store.set("work", ServerRole.INCOMING, "tok", SecretKind.OAUTH2_TOKEN)
    assert memory_keyring.entries == {
        (SERVICE, "work/incoming"): "in-pw",
        (SERVICE, "work/outgoing"): "out-pw",
        (SERVICE, "work/incoming/oauth2"): "tok",
    }
    assert store.get("work", ServerRole.INCOMING) == "in-pw"
    assert store.get("home", ServerRole.INCOMING) is None
    assert keyring_key("home", ServerRole.OUTGOING) == "home/outgoing"


def test_delete_account_removes_only_that_accounts_entries(memory_keyring: MemoryKeyring) -> None:
    store = KeyringStore()
    for account in ("work", "home"):
        for role in ServerRole:
            store.set(account, role, f"{account}-{role}")
    assert store.delete_account("work") == 2
    assert store.delete_account("work") == 0
    assert set(memory_keyring.entries) == {(SERVICE, "home/incoming"), (SERVICE, "home/outgoing")}


def test_secrets_read_or_stored_are_registered_for_redaction(
    memory_keyring: MemoryKeyring,
) -> None:
    memory_keyring.set_password(SERVICE, "work/incoming", "Read-From-Keyring-1")
    store = KeyringStore()
    assert redact("Read-From-Keyring-1") == "Read-From-Keyring-1"  # not known yet
    store.get("work", ServerRole.INCOMING)
    store.set("work", ServerRole.OUTGOING, "Stored-In-Keyring-2")
    assert redact("x Read-From-Keyring-1 Stored-In-Keyring-2") == f"x {MASK} {MASK}"


@pytest.mark.parametrize(
    "backend",
    [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring(), LowPriorityKeyring()],
    ids=["fail", "null", "priority-below-1"],
)
def test_no_usable_backend_raises_and_never_stores(backend: object) -> None:
    store = KeyringStore()
    with keyring_backend(backend):
        with pytest.raises(SecretStoreUnavailable):
            store.check()
        with pytest.raises(SecretStoreUnavailable):
            store.set("work", ServerRole.INCOMING, "pw")
        with pytest.raises(SecretStoreUnavailable):
            store.get("work", ServerRole.INCOMING)
    if isinstance(backend, LowPriorityKeyring):
        assert backend.entries == {}  # the plain-text-like backend was not used


def test_backend_errors_become_secret_store_unavailable_without_their_text() -> None:
    error = RuntimeError("org.freedesktop.Secret: collection locked, item=hunter2")
    with keyring_backend(BrokenKeyring(error)):
        store = KeyringStore()
        for call in (
            lambda: store.set("work", ServerRole.INCOMING, "pw"),
            lambda: store.get("work", ServerRole.INCOMING),
            lambda: store.delete_account("work"),
        ):
            with pytest.raises(SecretStoreUnavailable) as caught:
                call()
            assert "hunter2" not in str(caught.value) + caught.value.hint
            assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_chainer_uses_the_best_real_backend_never_the_low_priority_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    low, real = LowPriorityKeyring(), MemoryKeyring()
    monkeypatch.setattr(keyring.backends.chainer.ChainerBackend, "backends", [low, real])
    with keyring_backend(keyring.backends.chainer.ChainerBackend()):
        assert usable_backend() is real
        KeyringStore().set("work", ServerRole.INCOMING, "pw")
    assert real.entries and not low.entries
    monkeypatch.setattr(keyring.backends.chainer.ChainerBackend, "backends", [low, low])
    with (
        keyring_backend(keyring.backends.chainer.ChainerBackend()),
        pytest.raises(SecretStoreUnavailable),
    ):
        usable_backend()


def test_session_secrets_live_in_memory_and_hide_in_repr() -> None:
    session = SessionSecrets()
    session.set("work", ServerRole.INCOMING, "typed-pw")
    session.set("work", ServerRole.OUTGOING, "typed-pw2")
    assert session.get("work", ServerRole.INCOMING) == "typed-pw"
    assert "typed-pw" not in repr(session)
    session.forget("work", ServerRole.INCOMING)
    assert session.get("work", ServerRole.INCOMING) is None
    assert session.get("work", ServerRole.OUTGOING) == "typed-pw2"
    session.clear()
    assert session.get("work", ServerRole.OUTGOING) is None


# --- password commands ---------------------------------------------------------------------


def test_command_gives_its_first_line() -> None:
    command = f"{PY} -c \"print('first pw'); print('second')\""
    assert run_password_command(command) == "first pw"
    assert redact("first pw") == MASK


def test_command_is_split_like_a_shell_but_run_without_one(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    command = f"{PY} -c \"import sys; print(sys.argv[1:])\" 'a b' $HOME ';' touch {marker}"
    assert run_password_command(command) == f"['a b', '$HOME', ';', 'touch', '{marker}']"
    assert not marker.exists()


def test_failing_command_reports_its_status_never_its_output() -> None:
    command = (
        f"{PY} -c \"import sys; print('LEAKED-OUT'); sys.stderr.write('LEAKED-ERR'); sys.exit(3)\""
    )
    with pytest.raises(PasswordCommandFailed) as caught:
        run_password_command(command)
    text = caught.value.for_person()
    assert "exit status 3" in text
    assert "LEAKED" not in text and "LEAKED" not in repr(caught.value.args)
    assert isinstance(caught.value, SecretStoreUnavailable)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("", "empty"),
        ("pass show 'unclosed", "quotes"),
        ("/nonexistent/kittiwake-pass-tool", "could not be started"),
        (f'{PY} -c "print()"', "empty line"),
        (f'{PY} -c "import sys; sys.stdout.buffer.write(bytes([255]))"', "not UTF-8"),
    ],
)
def test_command_problems_are_explained(command: str, expected: str) -> None:
    with pytest.raises(PasswordCommandFailed, match=expected):
        run_password_command(command)


def test_hanging_command_and_its_children_are_killed_at_the_timeout() -> None:
    # The child prints and exits, but leaves a grandchild holding stdout open forever: only
    # killing the whole process group ends the wait.
    grandchild = "import threading; threading.Event().wait()"
    script = (
        "import subprocess, sys; "
        f"subprocess.Popen([sys.executable, '-c', {grandchild!r}]); print('pw', flush=True)"
    )
    with pytest.raises(PasswordCommandFailed, match=r"did not finish within 0\.5 seconds"):
        run_password_command(f"{PY} -c {shlex.quote(script)}", timeout=0.5)


# --- the resolver ----------------------------------------------------------------------------


def test_resolver_follows_the_password_source(memory_keyring: MemoryKeyring) -> None:
    resolver = PasswordResolver()
    keyring_account = make_account(password_source=PasswordSource())
    assert resolver.password(keyring_account, ServerRole.INCOMING) is None  # nothing stored
    resolver.remember(keyring_account, ServerRole.INCOMING, "kept")
    assert memory_keyring.entries[(SERVICE, "work/incoming")] == "kept"
    assert PasswordResolver().password(keyring_account, ServerRole.INCOMING) == "kept"

    ask = make_account("home", password_source=PasswordSource(PasswordStorage.ASK))
    assert resolver.password(ask, ServerRole.INCOMING) is None
    resolver.remember(ask, ServerRole.INCOMING, "typed")
    assert resolver.password(ask, ServerRole.INCOMING) == "typed"
    assert (SERVICE, "home/incoming") not in memory_keyring.entries  # never written down

    command = make_account(
        "cmd", password_source=PasswordSource(PasswordStorage.COMMAND, f"{PY} -c \"print('c')\"")
    )
    assert resolver.password(command, ServerRole.OUTGOING) == "c"


def test_resolver_hands_out_credentials_and_registers_their_sasl_forms(
    memory_keyring: MemoryKeyring,
) -> None:
    account = make_account(password_source=PasswordSource())  # incoming: user alice, OAUTH2
    resolver = PasswordResolver()
    assert resolver.credentials(account, ServerRole.OUTGOING) is None
    memory_keyring.set_password(SERVICE, "work/outgoing", "smtp-pw")
    memory_keyring.set_password(SERVICE, "work/incoming", "tok")
    outgoing = resolver.credentials(account, ServerRole.OUTGOING)
    assert outgoing == Credentials("alice", "smtp-pw", SecretKind.PASSWORD)
    assert "smtp-pw" not in repr(outgoing)
    incoming = resolver.credentials(account, ServerRole.INCOMING)
    assert incoming == Credentials("alice", "tok", SecretKind.OAUTH2_TOKEN)
    sasl = base64.b64encode(b"\0alice\0smtp-pw").decode()
    assert redact(f"C: {sasl}") == f"C: {MASK}"
