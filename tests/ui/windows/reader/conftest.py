"""Reader tests: our URL scheme must be registered before pytest-qt creates the QApplication.

Conftest modules are imported during collection, before any test (and so before the `qapp`
fixture) runs, which is early enough.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from kittiwake.ui.windows.reader.schemes import register_schemes

register_schemes()


@pytest.fixture(autouse=True)
def delete_closed_widgets() -> Iterator[None]:
    """pytest-qt closes a test's widgets with deleteLater() before fixtures are torn down; run
    those deletions now. A web page left alive until the QApplication is destroyed outlives
    its profile, which QtWebEngine warns about and may crash on at exit."""
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
