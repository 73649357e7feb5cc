"""Suite-wide settings: Qt offscreen, and the real mail servers' fixtures (tests/servers)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# QtWebEngine refuses to run as root unless its sandbox is off (CI runs as root).
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")

pytest_plugins = ["tests.servers.fixtures"]
