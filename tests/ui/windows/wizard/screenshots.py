"""Screenshots of the wizard's pages on the real flow (local provider file, real Dovecot).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.windows.wizard.screenshots [OUT_DIR]

Writes wizard-1-account.png, wizard-2-certificate.png and wizard-3-verified.png (default
docs/screenshots/). Not a test: the make-screenshots script of the desktop app can call it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(out_dir: Path) -> None:
    import qasync
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from kittiwake.ui.windows.wizard import AccountWizard
    from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
    from tests.servers.dovecot import MailServer
    from tests.servers.ispdb import IspdbServer
    from tests.ui.windows.wizard.harness import WizardHarness, provider_document, services_for

    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    server = MailServer()
    server.start()
    try:
        with IspdbServer() as ispdb, keyring_backend(MemoryKeyring()):
            ispdb.extra["/autoconfig.example.test/mail/config-v1.1.xml"] = provider_document(
                server, server.alice.name
            )
            home = Path(tempfile.mkdtemp(prefix="kittiwake-shots-"))
            wizard = AccountWizard(services_for(home, ispdb, ca_file=None))
            wizard.show()
            h = WizardHarness(loop, wizard)

            async def scenario() -> None:
                h.fill_page_one("Alice Liddell", server.alice.address, server.alice.password)
                await asyncio.sleep(0)
                wizard.grab().save(str(out_dir / "wizard-1-account.png"))
                await h.to_servers_page()
                await h.verify()  # the test CA is not trusted: the certificate question
                wizard.grab().save(str(out_dir / "wizard-2-certificate.png"))
                done = h.expect(wizard.sig_verification_finished)
                wizard.servers_page.certificate.accept_button.click()
                await h.wait(done)
                wizard.grab().save(str(out_dir / "wizard-3-verified.png"))

            h.run(scenario())
            # Destroy the window while the application and the loop still exist: Qt objects
            # left for interpreter teardown can crash it.
            wizard.close()
            wizard.deleteLater()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    finally:
        server.close()
        asyncio.set_event_loop(None)
        loop.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
