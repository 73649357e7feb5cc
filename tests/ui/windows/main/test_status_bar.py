"""The status bar: sync progress shown at most every PROGRESS_MS, with only what changed set."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.client.events import Phase, SyncFinished, SyncProgress
from kittiwake.ui.windows.main.status_bar import MainStatusBar


def test_a_burst_of_progress_is_shown_once_with_the_latest_numbers(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bar = MainStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    calls: list[str] = []
    for widget, name in ((bar.activity, "setText"), (bar.bar, "setValue"), (bar.bar, "setRange")):
        original = getattr(widget, name)
        monkeypatch.setattr(
            widget, name, lambda *a, n=name, o=original: (calls.append(n), o(*a))[1]
        )

    for done in range(50):  # a sync's batches, faster than the eye
        bar.on_event(SyncProgress("work", "INBOX", Phase.BODIES, done, 200))
    assert calls == [] and bar.activity.text() == ""  # nothing drawn per event

    qtbot.waitUntil(lambda: bar.activity.text() != "")
    assert bar.activity.text() == "work/INBOX: downloading 49/200"
    assert bar.bar.value() == 49 and bar.bar.maximum() == 200 and bar.bar.isVisible()
    assert sorted(calls) == ["setRange", "setText", "setValue"]  # once each

    calls.clear()
    bar.on_event(SyncProgress("work", "INBOX", Phase.BODIES, 60, 200))
    qtbot.waitUntil(lambda: bar.bar.value() == 60)
    assert sorted(calls) == ["setText", "setValue"]  # the same range is not set again

    bar.on_event(SyncFinished("work", 1, 0, 0, 0, 0))  # the end is shown at once
    assert bar.activity.text() == "" and not bar.bar.isVisible()
