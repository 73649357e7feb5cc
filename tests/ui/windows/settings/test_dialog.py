"""The settings dialog: preferences round trip through the file; accounts edited and removed
(keyring entries gone, via the in-memory keyring; cache rows gone)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.secrets import KeyringStore, ServerRole
from kittiwake.client.engine import Engine
from kittiwake.client.mime.compose import new_draft
from kittiwake.client.settings import DownloadPolicy, RemoteContent, Settings, SettingsFile
from kittiwake.ui.windows.settings import SettingsDialog
from kittiwake.ui.windows.settings.theme import apply_theme
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend, logging_sandbox
from tests.ui.windows.composer.conftest import make_account, open_engine


@pytest.fixture(autouse=True)
def _clean_logging() -> Iterator[None]:
    with logging_sandbox():
        yield


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def engine(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[Engine]:
    opened = open_engine(tmp_path / "home", make_account("alice@example.test", "alice"), "pw-1")
    other = replace(make_account("carol@example.test", "carol"), id="other", display_name="Other")
    AccountsFile(opened.paths.accounts_file).add(other)
    for role in ServerRole:
        KeyringStore().set("other", role, "pw-2")
    yield opened
    opened.close()


def dialog(qtbot: QtBot, engine: Engine, answer: bool = True) -> SettingsDialog:
    window = SettingsDialog(engine, confirm=lambda *_: answer)
    qtbot.addWidget(window)
    window.show()
    return window


def test_preferences_round_trip_through_the_file(
    qtbot: QtBot, engine: Engine, qapp: QApplication
) -> None:
    SettingsFile.beside(engine.paths).save(
        Settings(allowed_senders=("old@example.org", "keep@example.org"))
    )
    window = dialog(qtbot, engine)
    window.general.undo.setValue(0)
    window.general.notifications.setChecked(False)
    window.general.theme.setChecked(False)
    window.offline.policy.setCurrentIndex(window.offline.policy.findData(DownloadPolicy.RECENT))
    assert window.offline.days.isEnabled()
    window.offline.days.setValue(7)
    window.offline.interval.setValue(3)
    window.reading.block.setChecked(True)
    window.reading.new_sender.setText("not an address")
    assert not window.reading.add_sender()
    window.reading.new_sender.setText("News@Example.org")
    assert window.reading.add_sender()
    window.reading.senders.item(0).setSelected(True)  # old@example.org
    window.reading.remove.click()
    try:
        window.accept()
        saved = SettingsFile.beside(engine.paths).load()
        assert saved == Settings(
            download_policy=DownloadPolicy.RECENT,
            download_days=7,
            check_interval_minutes=3,
            remote_content=RemoteContent.BLOCK,
            allowed_senders=("keep@example.org", "news@example.org"),
            notifications=False,
            undo_send_seconds=0,
            theme_follows_system=False,
        )
        # The offscreen platform ignores scheme requests, so the request itself is checked.
        assert window.applied_scheme == Qt.ColorScheme.Light
        # Reopened, the dialog shows what was saved.
        again = dialog(qtbot, engine)
        assert again.general.undo.value() == 0 and not again.general.theme.isChecked()
        assert again.reading.allowed() == ("keep@example.org", "news@example.org")
    finally:
        apply_theme(qapp, follows_system=True)


def test_a_corrupt_settings_file_is_shown_and_never_replaced(qtbot: QtBot, engine: Engine) -> None:
    path = SettingsFile.beside(engine.paths).path
    path.write_text("broken = [")
    window = dialog(qtbot, engine)
    assert "not valid TOML" in window.error.text()
    assert not window.save()
    assert path.read_text() == "broken = ["


def test_servers_and_identities_are_edited(qtbot: QtBot, engine: Engine) -> None:
    pinned = engine.account("work")
    engine.update_account(
        replace(pinned, incoming=replace(pinned.incoming, pinned_sha256="ab" * 32))
    )
    window = dialog(qtbot, engine)
    page = window.accounts
    assert page.list.count() == 2 and page.current() is not None
    assert page.current().id == "work"  # type: ignore[union-attr]
    page.incoming.host.setText("imap.example.org")
    page.incoming.port.setValue(993)
    page.outgoing.port.setValue(465)
    page.identities.add()
    page.identities.address.setText("not an address")
    page.identities.address.textEdited.emit("not an address")
    assert not page.save()
    assert "not an e-mail address" in page.message.text()
    assert engine.account("work").incoming.host == "127.0.0.1"  # nothing saved

    page.identities.name.setText("Alice at work")
    page.identities.address.setText("alice.work@example.test")
    page.identities.address.textEdited.emit("alice.work@example.test")
    page.identities.signature.setPlainText("Regards")
    assert page.save()
    saved = AccountsFile(engine.paths.accounts_file).get("work")
    assert saved is not None
    assert (saved.incoming.host, saved.incoming.port, saved.outgoing.port) == (
        "imap.example.org",
        993,
        465,
    )
    assert saved.incoming.pinned_sha256 is None  # the pin was for the old host
    assert saved.identities[-1].address == "alice.work@example.test"
    assert saved.identities[-1].signature == "Regards"
    assert len(saved.identities) == 3


def test_removing_an_account_deletes_its_passwords_and_cache(
    qtbot: QtBot, engine: Engine, memory_keyring: MemoryKeyring
) -> None:
    account = engine.account("work")
    engine.save_draft("work", replace(new_draft(account.identities[0]), subject="left over"))
    engine.store.folders.add_account("other")
    assert ("kittiwake", "work/incoming") in memory_keyring.entries

    refused = dialog(qtbot, engine, answer=False)
    assert not refused.accounts.remove()
    assert len(engine.accounts()) == 2

    window = dialog(qtbot, engine, answer=True)
    assert window.accounts.remove()
    assert [a.id for a in engine.accounts()] == ["other"]
    assert not any(user.startswith("work/") for _service, user in memory_keyring.entries)
    assert ("kittiwake", "other/incoming") in memory_keyring.entries
    assert engine.store.folders.accounts() == ["other"]
    assert engine.store.ops.list("work") == []
    assert window.accounts.list.count() == 1
    assert "removed" in window.accounts.message.text()


def test_clear_text_to_a_remote_host_is_refused(qtbot: QtBot, engine: Engine) -> None:
    window = dialog(qtbot, engine)
    page = window.accounts
    page.outgoing.host.setText("smtp.example.org")
    page.outgoing.security.setCurrentIndex(page.outgoing.security.count() - 1)  # plain
    assert not page.save()
    assert page.message.text()
    assert engine.account("work").outgoing.host == "127.0.0.1"


def test_saving_keeps_choices_made_elsewhere_while_open(qtbot: QtBot, engine: Engine) -> None:
    file = SettingsFile.beside(engine.paths)
    window = dialog(qtbot, engine)
    file.update(lambda s: replace(s, threaded_view=True))  # the list pane's toggle, meanwhile
    window.general.undo.setValue(12)
    assert window.save()
    saved = file.load()
    assert saved.threaded_view and saved.undo_send_seconds == 12
