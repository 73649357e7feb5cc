#!/usr/bin/env python3
"""`make screenshots`: the app on a small generated mailbox, pictured into docs/screenshots/.

    .venv/bin/python tools/screenshots.py [OUT_DIR]

One session as a new user lives it, against a private Dovecot (tests/servers) and a local
provider-configuration server, with an in-memory keyring and a temporary home:

    the account wizard            wizard-1-account.png, wizard-2-certificate.png,
                                  wizard-3-verified.png  (860x780)
    the first sync, main window   main-window.png, threaded.png  (1280x800)
    a message in its own window   message-view.png       (900x820)
    a reply in the composer       composer.png, composer-undo.png  (820x600)
    the settings dialog           settings-accounts.png, settings-general.png  (820x560)

The sizes are those packaging/org.kittiwake.Kittiwake.metainfo.xml declares. The message view
is QtWebEngine, whose pixels a grab() only gets from a real X server: without $DISPLAY the
script runs itself again under `xvfb-run` (Debian package xvfb, installed by ./bootstrap test).
Not a test; a few short settling waits before each grab let the compositor paint.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import sample_mailbox as sample  # beside this file (tools/), so on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.servers (Dovecot, the provider file server), harnesses

SCREEN = "1920x1200x24"
XVFB_MARK = "KITTIWAKE_SCREENSHOTS_XVFB"
WAIT = 120.0  # seconds; bounds a hang, never reached when things work
SETTLE = 0.4  # seconds for the compositor to paint what was just laid out or loaded

MAIN_SIZE = (1280, 800)
COMPOSER_SIZE = (820, 600)
READER_SIZE = (900, 820)
# The certificate panel takes room: the step log shows whole at this height.
WIZARD_CHECK_SIZE = (860, 840)
SETTINGS_SIZE = (820, 560)


def under_xvfb(argv: list[str]) -> None:
    """Run this script again on a virtual X server, unless there is a display already."""
    if os.environ.get("DISPLAY") or os.environ.get(XVFB_MARK):
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        sys.exit("No $DISPLAY and no xvfb-run: install the Debian package xvfb (./bootstrap test).")
    os.environ[XVFB_MARK] = "1"
    os.execv(xvfb, [xvfb, "-a", "-s", f"-screen 0 {SCREEN}", sys.executable, __file__, *argv])


def prepare_environment(home: Path) -> None:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ["KITTIWAKE_HOME"] = str(home)
    os.environ.pop("KITTIWAKE_NO_WEBENGINE", None)
    # Same dark/light look on every machine: no desktop theme leaks into the pictures.
    os.environ.pop("QT_QPA_PLATFORMTHEME", None)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # QtWebEngine refuses root without it
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()


def logo_png() -> bytes:
    """The rowing club's logo: a gold disc with an oar."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(96, 96, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#f2c14e"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(4, 4, 88, 88)
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(20, 44, 56, 8)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


class Session:
    """The app's objects on the temporary home, and the moves the pictures need."""

    def __init__(self, loop: asyncio.AbstractEventLoop, home: Path, out_dir: Path) -> None:
        self.loop = loop
        self.home = home
        self.out_dir = out_dir
        self.written: list[Path] = []

    # --- waiting -------------------------------------------------------------------------

    def expect(self, signal: Any) -> asyncio.Future[tuple[Any, ...]]:
        from tests.ui.signals import next_emission

        return next_emission(signal, self.loop)

    async def wait(self, awaitable: Any) -> Any:
        return await asyncio.wait_for(awaitable, WAIT)

    async def settle(self) -> None:
        await asyncio.sleep(SETTLE)

    # --- pictures ------------------------------------------------------------------------

    async def shoot(self, widget: Any, name: str, size: tuple[int, int] | None = None) -> None:
        if size is not None and (widget.width(), widget.height()) != size:
            widget.resize(*size)
        await self.settle()  # the loop turns: layout and paint events are handled
        path = self.out_dir / f"{name}.png"
        picture = widget.grab()
        if not picture.save(str(path)):
            raise OSError(f"could not write {path}")
        if size is not None and (picture.width(), picture.height()) != size:
            print(f"warning: {path.name} is {picture.width()}x{picture.height()}, not {size}")
        self.written.append(path)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


async def wizard_pictures(s: Session, wizard: Any, owner: Any) -> None:
    from tests.ui.windows.wizard.harness import WizardHarness

    h = WizardHarness(s.loop, wizard)
    h.fill_page_one(sample.OWNER_NAME, owner.address, owner.password)
    wizard.account_page.name.setFocus()
    wizard.account_page.name.end(False)
    await s.shoot(wizard, "wizard-1-account")
    await h.to_servers_page()
    await h.verify()  # the test CA is nobody's: the certificate question
    await s.shoot(wizard, "wizard-2-certificate", WIZARD_CHECK_SIZE)
    done = h.expect(wizard.sig_verification_finished)
    wizard.servers_page.certificate.accept_button.click()
    (ok,) = await h.wait(done)
    if not ok:
        raise RuntimeError("the servers did not verify: " + wizard.servers_page.summary.text())
    await s.shoot(wizard, "wizard-3-verified", WIZARD_CHECK_SIZE)


def row_of(window: Any, subject: str) -> int:
    model = window.messages
    for row in range(model.rowCount()):
        summary = model.summary(row)
        if summary is not None and summary.subject == subject:
            return row
    raise LookupError(f"{subject!r} is not in the list")


async def show_in_pane(s: Session, window: Any, subject: str) -> None:
    """Select `subject`; wait until the message pane has drawn it."""
    view = getattr(window.message_pane, "view", None)
    rendered = s.expect(view.sig_rendered) if view is not None else None
    window.list_pane.select_row(row_of(window, subject))
    if rendered is not None:
        await s.wait(rendered)


async def main_window_picture(s: Session, window: Any) -> None:
    window.open_first_inbox()
    window.list_pane.table.setFocus()
    await show_in_pane(s, window, sample.PREVIEW_SUBJECT)
    window.status.clearMessage()
    await s.shoot(window, "main-window", MAIN_SIZE)


async def threaded_picture(s: Session, window: Any) -> None:
    """The same list grouped by conversation, the lunch thread open (threaded.png)."""
    pane = window.list_pane
    if not hasattr(pane, "set_threaded") or not hasattr(pane, "expand_current"):
        return  # a build without the threaded view
    pane.set_threaded(True)
    try:
        pane.select_row(row_of(window, sample.PREVIEW_SUBJECT))
        pane.table.setFocus()
        pane.expand_current()
        pane.table.clearSelection()  # selected again: the pane shows the newest message
        await show_in_pane(s, window, sample.PREVIEW_SUBJECT)
        window.status.clearMessage()
        await s.shoot(window, "threaded", MAIN_SIZE)
    finally:
        pane.set_threaded(False)  # the flat list again for the pictures that follow


async def reader_picture(s: Session, engine: Any, window: Any) -> Any:
    from kittiwake.ui.windows.reader.window import ReaderWindow

    summary = window.messages.summary(row_of(window, sample.NEWSLETTER_SUBJECT))
    raw = engine.raw_message(summary.id)
    reader = ReaderWindow()
    reader.resize(*READER_SIZE)
    reader.show()
    rendered = s.expect(reader.view.sig_rendered)
    # The badge reads the club's own Authentication-Results, as if its server were ours.
    reader.view.set_message(raw, authserv_id="mx.harbour.example")
    reader.setWindowTitle(reader.view.header.subject.text())
    await s.wait(rendered)
    await s.shoot(reader, "message-view", READER_SIZE)
    return reader


async def composer_pictures(s: Session, window: Any, opener: Any) -> None:
    window.list_pane.select_row(row_of(window, sample.REPLY_SUBJECT))
    window.commands.reply.trigger()  # Ctrl+R: the opener makes the composer
    composer = opener.windows[-1]
    composer.resize(*COMPOSER_SIZE)
    body = composer.body
    body.setFocus()
    body.moveCursor(body.textCursor().MoveOperation.Start)
    body.insertPlainText(
        "Hi Bob,\n\nwe would love to come! I will bring dessert, and the photos from the "
        "regatta are attached.\n\nSee you on Saturday,\nAlice\n\n"
    )
    photos = s.home / "regatta-photos.zip"
    photos.write_bytes(b"PK\x05\x06" + b"\0" * 2_400_000)
    attachments = composer.attachments
    loaded = s.expect(attachments.sig_loaded) if hasattr(attachments, "sig_loaded") else None
    attachments.add_files([str(photos)])
    if loaded is not None and attachments.loading():  # read in a worker: its size shows after
        await s.wait(loaded)
    body.moveCursor(body.textCursor().MoveOperation.Start)
    await s.shoot(composer, "composer", COMPOSER_SIZE)
    if not composer.send():
        raise RuntimeError("the composer refused to send: " + composer.error.text())
    await s.shoot(composer, "composer-undo", COMPOSER_SIZE)
    composer.undo_send()  # nothing leaves; the draft is back
    composer.close()


async def settings_pictures(s: Session, engine: Any) -> None:
    from kittiwake.ui.windows.settings import SettingsDialog

    dialog = SettingsDialog(engine)
    dialog.resize(*SETTINGS_SIZE)
    dialog.show()
    for index, name in ((0, "accounts"), (dialog.tabs.count() - 1, "general")):
        dialog.tabs.setCurrentIndex(index)
        await s.shoot(dialog, f"settings-{name}", SETTINGS_SIZE)
    dialog.close()


def fill_mailbox(server: Any) -> None:
    owner, friend = server.alice, server.bob
    for uid, mail in enumerate(sample.sample_mail(owner.address, friend.address, logo_png()), 1):
        server.save(owner, mail.raw)
        flags = [f for f, on in (("\\Seen", mail.seen), ("\\Flagged", mail.flagged)) if on]
        if mail.subject == "Flight software checklist":
            flags.append("$label1")  # tagged "Important": the row shows the tag's colour
        if flags:
            server.flags(owner, "add", " ".join(flags), "INBOX", f"uid {uid}")


def run(loop: asyncio.AbstractEventLoop, scenario: Coroutine[Any, Any, None]) -> None:
    loop.run_until_complete(asyncio.wait_for(scenario, WAIT * 5))


def main(argv: list[str]) -> int:
    under_xvfb(argv)
    out_dir = Path(argv[0]).resolve() if argv else ROOT / "docs" / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="kittiwake-screenshots-"))
    home = scratch / "home"
    prepare_environment(home)

    from kittiwake.ui.windows.reader.schemes import register_schemes

    register_schemes()  # before the QApplication exists
    import qasync
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from kittiwake.client.engine import Engine
    from kittiwake.client.settings import Settings, SettingsFile
    from kittiwake.ui.app import create_application
    from kittiwake.ui.windows.about import app_icon
    from kittiwake.ui.windows.main.open_arguments import ArgumentOpener
    from kittiwake.ui.windows.main.qt_fixes import patch_qasync_timers
    from kittiwake.ui.windows.main_window import MainWindow
    from kittiwake.ui.windows.wizard import AccountWizard
    from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
    from tests.servers.dovecot import MailServer
    from tests.servers.ispdb import IspdbServer
    from tests.ui.windows.wizard.harness import provider_document, services_for

    app = create_application([])
    app.setWindowIcon(app_icon())
    patch_qasync_timers()
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    server = MailServer()
    server.start()
    try:
        with IspdbServer() as ispdb, keyring_backend(MemoryKeyring()):
            fill_mailbox(server)
            ispdb.extra["/autoconfig.example.test/mail/config-v1.1.xml"] = provider_document(
                server, server.alice.name
            )
            engine = Engine.open(home)
            # A long undo delay, so the composer's "Sending in …" bar can be pictured.
            SettingsFile.beside(engine.paths).save(Settings(undo_send_seconds=10))
            window = MainWindow(engine, check_interval_ms=0)
            window.mark_read_on_open = False  # the unread rows stay bold in the picture
            opener = ArgumentOpener(window, engine)
            window.resize(*MAIN_SIZE)
            window.show()
            # First run, as start_session does it, but discovery asks the local provider
            # file server instead of the Internet.
            wizard = AccountWizard(services_for(home, ispdb, ca_file=None), window)
            wizard.sig_account_created.connect(lambda _account: window.accounts_changed())
            wizard.show()
            session = Session(loop, home, out_dir)
            keep: list[Any] = []

            async def scenario() -> None:
                await wizard_pictures(session, wizard, server.alice)
                synced = session.expect(window.sig_sync_finished)
                await session.wait(session.loop.create_task(_finish(wizard)))
                await session.wait(synced)
                await main_window_picture(session, window)
                await threaded_picture(session, window)
                keep.append(await reader_picture(session, engine, window))
                await composer_pictures(session, window, opener)
                await settings_pictures(session, engine)
                await window.finish_pending()

            run(loop, scenario())
            for widget in (*keep, *opener.windows, wizard, window):
                widget.close()
                widget.deleteLater()
            # Qt objects left for interpreter teardown can crash it: gone while the app lives.
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            engine.close()
    finally:
        server.close()
        asyncio.set_event_loop(None)
        loop.close()
        shutil.rmtree(scratch, ignore_errors=True)
    QApplication.processEvents()
    print(f"{len(session.written)} screenshots in {out_dir}")
    return 0


async def _finish(wizard: Any) -> None:
    from tests.ui.windows.wizard.harness import WizardHarness

    await WizardHarness(asyncio.get_running_loop(), wizard).finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
