"""Screenshots of the settings dialog's accounts and general pages.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.windows.settings.screenshots [OUT_DIR]

Writes settings-accounts.png and settings-general.png (default docs/screenshots/).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(out_dir: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from kittiwake.ui.windows.settings import SettingsDialog
    from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
    from tests.ui.windows.composer.conftest import make_account, open_engine

    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    home = Path(tempfile.mkdtemp(prefix="kittiwake-shots-"))
    with keyring_backend(MemoryKeyring()):
        engine = open_engine(home / "home", make_account("alice@example.test", "alice"))
        dialog = SettingsDialog(engine)
        dialog.show()
        for index, name in ((0, "accounts"), (3, "general")):
            dialog.tabs.setCurrentIndex(index)
            app.processEvents()
            dialog.grab().save(str(out_dir / f"settings-{name}.png"))
        dialog.close()
        engine.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
