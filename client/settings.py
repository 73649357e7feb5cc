"""The user's preferences: a small TOML file beside the accounts file (`<config>/settings.toml`).

    settings = SettingsFile.beside(paths).load()     # defaults when there is no file yet
    SettingsFile.beside(paths).save(replace(settings, undo_send_seconds=10))

Same rules as the accounts file: `format` + `schema_version`, atomic writes, and a corrupt,
foreign or newer file raises ConfigError and is never replaced (a silent rewrite would throw
away what the user chose). Unknown keys are ignored, so an older Kittiwake can read a file a
newer one wrote as long as the schema version did not change. Allowed senders are an array of
tables because our TOML writer (client/accounts/toml_writer.py) writes no arrays of strings.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from kittiwake.client.accounts.config import write_atomically
from kittiwake.client.accounts.toml_writer import TomlValue, dumps
from kittiwake.client.net.errors import ConfigError
from kittiwake.client.paths import Paths
from kittiwake.client.records import record
from kittiwake.client.sync.folder_sync import BodyPolicy

FORMAT = "kittiwake-settings"
SCHEMA_VERSION = 1
SETTINGS_FILE = "settings.toml"

# Bounds a person could mean; anything outside is a typo in a hand-edited file.
MAX_UNDO_SECONDS = 60
MIN_CHECK_MINUTES, MAX_CHECK_MINUTES = 1, 24 * 60
MAX_DOWNLOAD_DAYS = 10 * 365


class DownloadPolicy(enum.StrEnum):
    ALL = "all"  # every message body is kept offline
    RECENT = "recent"  # only messages of the last `download_days` days


class RemoteContent(enum.StrEnum):
    BLOCK = "block"  # the default: allowed senders only
    ALLOW = "allow"


@record
class Settings:
    download_policy: DownloadPolicy = DownloadPolicy.ALL
    download_days: int = 30
    check_interval_minutes: int = 10
    remote_content: RemoteContent = RemoteContent.BLOCK
    allowed_senders: tuple[str, ...] = ()  # addresses, lower-case
    notifications: bool = True
    undo_send_seconds: int = 5
    theme_follows_system: bool = True
    threaded_view: bool = False  # the message list groups folders by thread

    def body_policy(self) -> BodyPolicy:
        """What the sync keeps offline: `Engine.open(..., policy=settings.body_policy())`."""
        days = self.download_days if self.download_policy is DownloadPolicy.RECENT else None
        return BodyPolicy(days=days)

    def allows_remote_content(self, sender: str) -> bool:
        if self.remote_content is RemoteContent.ALLOW:
            return True
        return sender.strip().lower() in self.allowed_senders

    def with_allowed_sender(self, sender: str) -> Settings:
        address = sender.strip().lower()
        if not address or address in self.allowed_senders:
            return self
        return replace(self, allowed_senders=(*self.allowed_senders, address))

    def without_allowed_sender(self, sender: str) -> Settings:
        address = sender.strip().lower()
        kept = tuple(a for a in self.allowed_senders if a != address)
        return replace(self, allowed_senders=kept)


def dumps_settings(settings: Settings) -> str:
    document: dict[str, TomlValue] = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "download_policy": settings.download_policy.value,
        "download_days": settings.download_days,
        "check_interval_minutes": settings.check_interval_minutes,
        "remote_content": settings.remote_content.value,
        "notifications": settings.notifications,
        "undo_send_seconds": settings.undo_send_seconds,
        "theme_follows_system": settings.theme_follows_system,
        "threaded_view": settings.threaded_view,
        "allowed_senders": [{"address": a} for a in settings.allowed_senders],
    }
    return dumps(document, header="Kittiwake preferences (the Settings dialog writes this file).")


def _get(doc: dict[str, Any], key: str, kind: type, default: Any, path: Path) -> Any:
    value = doc.get(key, default)
    # bool is an int in Python; a `true` where a number belongs is still a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{path}: {key} must be a {kind.__name__}.")
    return value


def _bounded(doc: dict[str, Any], key: str, low: int, high: int, default: int, path: Path) -> int:
    value: int = _get(doc, key, int, default, path)
    if not low <= value <= high:
        raise ConfigError(f"{path}: {key} must be between {low} and {high}.")
    return value


def _choice(doc: dict[str, Any], key: str, enum_type: Any, default: Any, path: Path) -> Any:
    value = _get(doc, key, str, default.value, path)
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_type)
        raise ConfigError(f"{path}: {key} must be one of {allowed}.") from None


def loads_settings(text: str, path: Path) -> Settings:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}).") from None
    if doc.get("format") != FORMAT or "schema_version" not in doc:
        raise ConfigError(f"{path} is not a Kittiwake settings file.")
    version = _get(doc, "schema_version", int, 0, path)
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"{path} was written by a newer Kittiwake (schema version {version}).",
            "Upgrade Kittiwake; the file was left untouched.",
        )
    if version < 1:
        raise ConfigError(f"{path} has an unknown schema version {version}.")
    d = Settings()
    senders: list[str] = []
    for n, item in enumerate(_get(doc, "allowed_senders", list, [], path)):
        if not isinstance(item, dict) or not isinstance(item.get("address"), str):
            raise ConfigError(f"{path}: allowed_senders[{n}] needs an address.")
        senders.append(item["address"].strip().lower())
    return Settings(
        download_policy=_choice(doc, "download_policy", DownloadPolicy, d.download_policy, path),
        download_days=_bounded(doc, "download_days", 1, MAX_DOWNLOAD_DAYS, d.download_days, path),
        check_interval_minutes=_bounded(
            doc,
            "check_interval_minutes",
            MIN_CHECK_MINUTES,
            MAX_CHECK_MINUTES,
            d.check_interval_minutes,
            path,
        ),
        remote_content=_choice(doc, "remote_content", RemoteContent, d.remote_content, path),
        allowed_senders=tuple(dict.fromkeys(s for s in senders if s)),
        notifications=_get(doc, "notifications", bool, d.notifications, path),
        undo_send_seconds=_bounded(
            doc, "undo_send_seconds", 0, MAX_UNDO_SECONDS, d.undo_send_seconds, path
        ),
        theme_follows_system=_get(doc, "theme_follows_system", bool, d.theme_follows_system, path),
        threaded_view=_get(doc, "threaded_view", bool, d.threaded_view, path),
    )


class SettingsFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[tuple[int, int, int] | None, Settings] | None = None

    def current(self) -> Settings:
        """The settings as they are on disk now, for code that follows them as they change
        (notifications, remote content): re-read only when the file changed (its mtime and
        size, and inode: every save renames a new file into place), and the defaults when it
        cannot be read (the settings dialog reports that)."""
        try:
            stat = self.path.stat()
            stamp: tuple[int, int, int] | None = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        if self._seen is not None and self._seen[0] == stamp:
            return self._seen[1]
        try:
            settings = self.load()
        except ConfigError:
            settings = Settings()
        self._seen = (stamp, settings)
        return settings

    def update(self, change: Callable[[Settings], Settings]) -> Settings:
        """Load, change one thing, save: for a single choice made outside the dialog (a sender
        allowed from the message view, the threaded-view toggle). Raises ConfigError like
        save() when the file cannot be read, which is then left untouched."""
        settings = change(self.load())
        self.save(settings)
        return settings

    @classmethod
    def beside(cls, paths: Paths) -> SettingsFile:
        return cls(paths.config_dir / SETTINGS_FILE)

    def load(self) -> Settings:
        """The saved settings; the defaults when the file does not exist yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Settings()
        except OSError as exc:
            raise ConfigError(
                f"Cannot read {self.path}: {exc.strerror or exc}.",
                "Check the file's permissions; it was left untouched.",
            ) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{self.path} is not UTF-8 text.") from None
        return loads_settings(text, self.path)

    def save(self, settings: Settings) -> None:
        self.load()  # raises on a corrupt or newer file, which is then never replaced
        write_atomically(self.path, dumps_settings(settings))
