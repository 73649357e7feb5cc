"""A second launch hands its arguments to the running instance (both in this process)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.client.paths import Paths
from kittiwake.ui.single_instance import (
    MAX_MESSAGE,
    SingleInstance,
    absolute_arguments,
    decode_message,
    encode_message,
    instance_name,
)


@pytest.fixture
def name(tmp_path: Path) -> str:
    # Unique per test, so a Kittiwake running on the machine is never reached.
    return instance_name(Paths.under_home(tmp_path), user="test")


@pytest.fixture
def first(qtbot: QtBot, name: str, tmp_path: Path) -> Iterator[SingleInstance]:
    instance = SingleInstance(name, lock_dir=tmp_path)
    assert instance.claim()
    yield instance
    instance.close()


def test_second_launch_hands_its_url_to_the_first(
    qtbot: QtBot, first: SingleInstance, name: str, tmp_path: Path
) -> None:
    second = SingleInstance(name, lock_dir=tmp_path)
    assert not second.claim()
    assert not second.is_primary
    url = "mailto:someone@example.org?subject=Hi%20there"
    with qtbot.waitSignal(first.sig_arguments_received, timeout=5000) as blocker:
        assert second.hand_over([url])
    assert blocker.args == [[url]]


def test_a_relative_message_path_arrives_absolute(
    qtbot: QtBot, first: SingleInstance, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "saved message.eml").write_bytes(b"Subject: hi\r\n\r\nbody\r\n")
    monkeypatch.chdir(tmp_path)
    second = SingleInstance(name, lock_dir=tmp_path)
    assert not second.claim()
    with qtbot.waitSignal(first.sig_arguments_received, timeout=5000) as blocker:
        assert second.hand_over(["saved message.eml"])
    assert blocker.args == [[str(tmp_path / "saved message.eml")]]


def test_several_launches_each_arrive(
    qtbot: QtBot, first: SingleInstance, name: str, tmp_path: Path
) -> None:
    received: list[list[str]] = []
    first.sig_arguments_received.connect(received.append)
    for n in range(3):
        other = SingleInstance(name, lock_dir=tmp_path)
        assert not other.claim()
        assert other.hand_over([f"mailto:p{n}@example.org"])
    qtbot.waitUntil(lambda: len(received) == 3, timeout=5000)
    assert sorted(received) == [[f"mailto:p{n}@example.org"] for n in range(3)]


def test_after_the_first_closes_the_next_launch_is_first(
    qtbot: QtBot, name: str, tmp_path: Path
) -> None:
    one = SingleInstance(name, lock_dir=tmp_path)
    assert one.claim()
    one.close()
    two = SingleInstance(name, lock_dir=tmp_path)
    try:
        assert two.claim()
        assert two.is_primary
    finally:
        two.close()


def test_hand_over_fails_when_nobody_listens(qtbot: QtBot, name: str) -> None:
    assert not SingleInstance(name).hand_over(["mailto:a@example.org"], timeout_ms=100)


def test_names_differ_per_user_and_per_home(tmp_path: Path) -> None:
    home_a, home_b = Paths.under_home(tmp_path / "a"), Paths.under_home(tmp_path / "b")
    assert instance_name(home_a, user="ann") == instance_name(home_a, user="ann")
    assert instance_name(home_a, user="ann") != instance_name(home_a, user="bob")
    assert instance_name(home_a, user="ann") != instance_name(home_b, user="ann")
    # Unix socket paths are short: the name must leave room for the temp directory.
    assert len(instance_name(home_a, user="ann")) < 40


def test_message_round_trip_and_refusals() -> None:
    args = ["mailto:ü@example.org", "/tmp/a b.eml"]
    data = encode_message(args)
    assert decode_message(data) == args
    assert decode_message(data[:-1]) is None
    assert decode_message(data[:3]) is None
    with pytest.raises(ValueError):
        decode_message((MAX_MESSAGE + 1).to_bytes(4, "big"))
    with pytest.raises(ValueError):
        decode_message(encode_message([]).replace(b"[]", b"{}"))


def test_absolute_arguments_leaves_urls_and_unknown_words(tmp_path: Path) -> None:
    (tmp_path / "m.eml").write_bytes(b"")
    assert absolute_arguments(["mailto:x@example.org", "m.eml", "nope.eml"], cwd=tmp_path) == [
        "mailto:x@example.org",
        str(tmp_path / "m.eml"),
        "nope.eml",
    ]


def test_a_second_kittiwake_hands_over_and_exits(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kittiwake.client.paths import HOME_ENV
    from kittiwake.ui import app

    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    running = SingleInstance(instance_name(Paths.under_home(tmp_path)))
    assert running.claim()
    try:
        url = "mailto:someone@example.org?subject=Hi"
        with qtbot.waitSignal(running.sig_arguments_received, timeout=5000) as blocker:
            assert app.main([url]) == 0  # returns at once: no window, no loop
        assert blocker.args == [[url]]
    finally:
        running.close()


def test_a_crashed_instance_leaves_nothing_in_the_way(
    qtbot: QtBot, name: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    # A lock file and a socket file left by a process that is gone (QLockFile's own format).
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(dead.stdout)
    (tmp_path / f"{name}.lock").write_text(f"{pid}\nkittiwake\n{os.uname().nodename}\n")
    survivor = SingleInstance(name, lock_dir=tmp_path)
    try:
        assert survivor.claim()
        second = SingleInstance(name, lock_dir=tmp_path)
        assert not second.claim()
        with qtbot.waitSignal(survivor.sig_arguments_received, timeout=5000):
            assert second.hand_over([])
    finally:
        survivor.close()
