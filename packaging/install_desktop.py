"""Install (or remove) Kittiwake's desktop integration for the current user.

    .venv/bin/python packaging/install_desktop.py [--exec PATH] [--data-home DIR] [--uninstall]

Copies the .desktop file, the AppStream metainfo and the hicolor icons into $XDG_DATA_HOME
(default ~/.local/share), then refreshes the desktop and icon caches when their tools exist.
`--exec` writes an absolute command into the .desktop file (`make install-desktop` passes the
venv's `kittiwake`), since a venv's bin/ is usually not on the session's PATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

APP_ID = "org.kittiwake.Kittiwake"
ROOT = Path(__file__).resolve().parent.parent
DESKTOP = ROOT / "packaging" / f"{APP_ID}.desktop"
METAINFO = ROOT / "packaging" / f"{APP_ID}.metainfo.xml"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"


def data_home(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    # The spec: a relative value is invalid and must be ignored.
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / ".local" / "share"


def desktop_text(exec_path: str | None) -> str:
    text = DESKTOP.read_text(encoding="utf-8")
    if exec_path is None:
        return text
    quoted = f'"{exec_path}"' if " " in exec_path else exec_path
    lines = []
    for line in text.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={quoted} %u"
        elif line.startswith("TryExec="):
            line = f"TryExec={exec_path}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def targets(root: Path) -> dict[Path, Path | None]:
    """Where each file goes (source None: the .desktop file, which is written, not copied)."""
    files: dict[Path, Path | None] = {
        root / "applications" / f"{APP_ID}.desktop": None,
        root / "metainfo" / f"{APP_ID}.metainfo.xml": METAINFO,
    }
    for icon in sorted(HICOLOR.rglob(f"{APP_ID}.*")):
        files[root / "icons" / "hicolor" / icon.relative_to(HICOLOR)] = icon
    return files


def _refresh_caches(root: Path) -> None:
    # Optional: desktops rescan anyway; these only make the change visible at once.
    for command in (
        ["update-desktop-database", "-q", str(root / "applications")],
        ["gtk-update-icon-cache", "-q", "-t", "-f", str(root / "icons" / "hicolor")],
    ):
        if shutil.which(command[0]):
            subprocess.run(command, check=False, capture_output=True)


def install(root: Path, exec_path: str | None = None) -> list[Path]:
    written = []
    for target, source in targets(root).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if source is None:
            target.write_text(desktop_text(exec_path), encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    _refresh_caches(root)
    return written


def uninstall(root: Path) -> list[Path]:
    removed = []
    for target in targets(root):
        if target.exists():
            target.unlink()
            removed.append(target)
    _refresh_caches(root)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exec", dest="exec_path", help="absolute path of the kittiwake command")
    parser.add_argument("--data-home", type=Path, help="instead of $XDG_DATA_HOME")
    parser.add_argument("--uninstall", action="store_true")
    options = parser.parse_args(argv)
    root = options.data_home or data_home()
    if options.uninstall:
        for path in uninstall(root):
            print(f"removed {path}")
    else:
        for path in install(root, options.exec_path):
            print(f"installed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
