"""Where Kittiwake keeps its files: config, data (the mail cache) and logs.

By default the platform's own places (platformdirs, app name "kittiwake"). A *home* directory
(`--home DIR` or the KITTIWAKE_HOME environment variable) replaces all three with
DIR/config, DIR/data and DIR/logs, so tests, portable installs and a second profile never touch
the user's real files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kittiwake.client.records import record

APP_NAME = "kittiwake"
HOME_ENV = "KITTIWAKE_HOME"
ACCOUNTS_FILE = "accounts.toml"
LOG_FILE = "kittiwake.log"


@record
class Paths:
    config_dir: Path
    # The mail cache lives under data, not the platform's cache dir: cache dirs may be wiped,
    # and the local store holds operations that have not reached the server yet.
    data_dir: Path
    log_dir: Path

    @property
    def accounts_file(self) -> Path:
        return self.config_dir / ACCOUNTS_FILE

    @property
    def log_file(self) -> Path:
        return self.log_dir / LOG_FILE

    @classmethod
    def under_home(cls, home: str | os.PathLike[str]) -> Paths:
        root = Path(home).expanduser().absolute()
        return cls(config_dir=root / "config", data_dir=root / "data", log_dir=root / "logs")

    @classmethod
    def platform(cls) -> Paths:
        import platformdirs  # lazily: ~5 ms that a --home run never needs

        return cls(
            config_dir=platformdirs.user_config_path(APP_NAME, appauthor=False),
            data_dir=platformdirs.user_data_path(APP_NAME, appauthor=False),
            log_dir=platformdirs.user_log_path(APP_NAME, appauthor=False),
        )

    @classmethod
    def resolve(
        cls, home: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
    ) -> Paths:
        """The explicit home wins, then KITTIWAKE_HOME (if not empty), then the platform."""
        if home is not None and str(home) != "":
            return cls.under_home(home)
        from_env = (os.environ if env is None else env).get(HOME_ENV, "")
        if from_env:
            return cls.under_home(from_env)
        return cls.platform()

    def ensure(self) -> None:
        """Create the directories, private to the user (mail is personal data)."""
        for directory in (self.config_dir, self.data_dir, self.log_dir):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
