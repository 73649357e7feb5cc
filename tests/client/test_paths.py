from __future__ import annotations

import stat
from pathlib import Path

import platformdirs
import pytest

from kittiwake.client.paths import HOME_ENV, Paths


def test_home_keeps_config_data_and_logs_under_it(tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path, env={})
    assert paths == Paths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    assert paths.accounts_file == tmp_path / "config" / "accounts.toml"
    assert paths.log_file == tmp_path / "logs" / "kittiwake.log"


def test_environment_home_is_used_when_no_home_is_given(tmp_path: Path) -> None:
    assert Paths.resolve(env={HOME_ENV: str(tmp_path)}).config_dir == tmp_path / "config"


def test_explicit_home_wins_over_the_environment(tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path / "cli", env={HOME_ENV: str(tmp_path / "env")})
    assert paths.data_dir == tmp_path / "cli" / "data"


def test_reads_the_real_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    assert Paths.resolve().log_dir == tmp_path / "logs"


def test_without_home_the_platform_directories_are_used() -> None:
    paths = Paths.resolve(env={HOME_ENV: ""})
    assert paths.config_dir == platformdirs.user_config_path("kittiwake", appauthor=False)
    assert paths.data_dir == platformdirs.user_data_path("kittiwake", appauthor=False)
    assert paths.log_dir == platformdirs.user_log_path("kittiwake", appauthor=False)


def test_relative_home_becomes_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert Paths.resolve("profile", env={}).config_dir == tmp_path / "profile" / "config"


def test_ensure_creates_private_directories(tmp_path: Path) -> None:
    paths = Paths.under_home(tmp_path / "home")
    paths.ensure()
    for directory in (paths.config_dir, paths.data_dir, paths.log_dir):
        assert directory.is_dir()
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    paths.ensure()  # idempotent
