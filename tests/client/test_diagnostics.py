"""The diagnostic report: versions and paths, the home shortened, secrets never in it."""

from __future__ import annotations

import sqlite3
import ssl
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from kittiwake.client.diagnostics import collect, report_text, runtime_dependencies, shorten_home
from kittiwake.client.logs import forget_secrets, register_secret
from kittiwake.client.paths import Paths


@pytest.fixture(autouse=True)
def _no_registered_secrets() -> Iterator[None]:
    forget_secrets()
    yield
    forget_secrets()


def test_versions_name_the_runtime_and_the_gui_when_given(tmp_path: Path) -> None:
    facts = collect(Paths.under_home(tmp_path), gui_versions={"Qt": "6.9.1", "PySide6": "6.9.1"})
    assert facts.version_of("Kittiwake") == "0.1.0"
    assert facts.version_of("OpenSSL") == ssl.OPENSSL_VERSION
    assert facts.version_of("SQLite") == sqlite3.sqlite_version
    assert (facts.version_of("Python") or "").startswith("3.")
    assert facts.version_of("Qt") == "6.9.1"
    assert facts.version_of("keyring") == metadata.version("keyring")
    assert facts.version_of("PySide6") == "6.9.1"  # the GUI's word, not listed twice
    assert [name for name, _ in facts.versions].count("PySide6") == 1
    text = report_text(facts)
    assert "Qt" in text and "6.9.1" in text and ssl.OPENSSL_VERSION in text


def test_without_the_gui_there_is_no_qt_line(tmp_path: Path) -> None:
    assert collect(Paths.under_home(tmp_path)).version_of("Qt") is None


def test_the_libraries_listed_are_the_runtime_dependencies() -> None:
    names = runtime_dependencies()
    assert {"PySide6", "keyring", "platformdirs"} <= set(names)
    assert "pytest" not in names and "ruff" not in names  # extras are left out


def test_paths_appear_with_the_home_as_tilde(tmp_path: Path) -> None:
    home = tmp_path / "ann"
    paths = Paths.under_home(home / "profile")
    text = report_text(collect(paths), home=home)
    assert "~/profile/config" in text
    assert "~/profile/data" in text
    assert "~/profile/logs/kittiwake.log" in text
    assert str(home) not in text


def test_shorten_home_only_replaces_whole_path_components() -> None:
    home = Path("/home/ann")
    assert shorten_home("/home/ann/.config/kittiwake", home) == "~/.config/kittiwake"
    assert shorten_home("at /home/ann", home) == "at ~"
    assert shorten_home("/home/annex/x", home) == "/home/annex/x"
    assert shorten_home("/srv/home/ann/x", home) == "/srv/home/ann/x"


def test_a_registered_secret_never_reaches_the_report(tmp_path: Path) -> None:
    # Absurd on purpose (a password that is also a directory name) to prove the report is
    # redacted at all, whatever it contains.
    secret = "Hunter2-Secret-Token"
    register_secret(secret)
    text = report_text(collect(Paths.under_home(tmp_path / secret)))
    assert secret not in text
    assert "[redacted]" in text
