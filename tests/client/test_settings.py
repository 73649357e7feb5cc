"""The preferences file: defaults, a round trip, and refusing to replace a file it cannot read."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kittiwake.client.net.errors import ConfigError
from kittiwake.client.paths import Paths
from kittiwake.client.settings import (
    DownloadPolicy,
    RemoteContent,
    Settings,
    SettingsFile,
)


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    settings = SettingsFile.beside(Paths.under_home(tmp_path)).load()
    assert settings == Settings()
    assert settings.remote_content is RemoteContent.BLOCK
    assert settings.notifications and settings.theme_follows_system


def test_round_trip(tmp_path: Path) -> None:
    file = SettingsFile.beside(Paths.under_home(tmp_path))
    chosen = Settings(
        download_policy=DownloadPolicy.RECENT,
        download_days=14,
        check_interval_minutes=3,
        remote_content=RemoteContent.BLOCK,
        allowed_senders=("news@example.org", 'odd"name@example.org'),
        notifications=False,
        undo_send_seconds=0,
        theme_follows_system=False,
    )
    file.save(chosen)
    assert file.path == tmp_path / "config" / "settings.toml"
    assert file.load() == chosen
    assert 'format = "kittiwake-settings"' in file.path.read_text()


def test_allowed_senders_are_case_insensitive_and_removable() -> None:
    settings = Settings().with_allowed_sender(" News@Example.org ")
    assert settings.allows_remote_content("news@example.ORG")
    assert settings.with_allowed_sender("news@example.org") == settings
    assert not settings.without_allowed_sender("NEWS@example.org").allows_remote_content(
        "news@example.org"
    )
    assert replace(settings, remote_content=RemoteContent.ALLOW).allows_remote_content("x@y.z")


@pytest.mark.parametrize(
    "text",
    [
        "not = [ toml",
        'format = "something-else"\nschema_version = 1\n',
        'format = "kittiwake-settings"\nschema_version = 99\n',
        'format = "kittiwake-settings"\nschema_version = 1\nundo_send_seconds = 9999\n',
        'format = "kittiwake-settings"\nschema_version = 1\nnotifications = 1\n',
        'format = "kittiwake-settings"\nschema_version = 1\ndownload_policy = "some"\n',
        'format = "kittiwake-settings"\nschema_version = 1\ncheck_interval_minutes = true\n',
    ],
)
def test_a_bad_file_is_refused_and_never_replaced(tmp_path: Path, text: str) -> None:
    file = SettingsFile(tmp_path / "settings.toml")
    file.path.write_text(text)
    with pytest.raises(ConfigError):
        file.load()
    with pytest.raises(ConfigError):
        file.save(Settings())
    assert file.path.read_text() == text


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    file = SettingsFile(tmp_path / "settings.toml")
    file.path.write_text(
        'format = "kittiwake-settings"\nschema_version = 1\nfuture_thing = "x"\n'
        "undo_send_seconds = 12\n"
    )
    assert file.load() == Settings(undo_send_seconds=12)


def test_the_download_policy_becomes_the_syncs_body_policy() -> None:
    assert Settings().body_policy().days is None
    recent = Settings(download_policy=DownloadPolicy.RECENT, download_days=14)
    policy = recent.body_policy()
    assert policy.days == 14 and policy.since(now=100 * 86400) == 86 * 86400


def test_threaded_view_round_trips_and_defaults_off(tmp_path: Path) -> None:
    file = SettingsFile.beside(Paths.under_home(tmp_path))
    assert not file.load().threaded_view
    file.save(Settings(threaded_view=True))
    assert file.load().threaded_view


def test_current_follows_the_file_and_never_raises(tmp_path: Path) -> None:
    file = SettingsFile.beside(Paths.under_home(tmp_path))
    assert file.current() == Settings()
    file.save(Settings(notifications=False))
    assert not file.current().notifications
    file.update(lambda s: s.with_allowed_sender("news@example.org"))
    assert file.current().allows_remote_content("news@example.org")
    assert not file.current().notifications  # update changed only what it was asked to
    file.path.write_text("not = [ toml")
    assert file.current() == Settings()  # a broken file: the defaults, no exception
    with pytest.raises(ConfigError):
        file.update(lambda s: s)
    assert file.path.read_text() == "not = [ toml"  # and never replaced
