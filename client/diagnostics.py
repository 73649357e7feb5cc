"""What a bug report needs: versions and paths, as a text safe to paste anywhere.

The report holds versions (Kittiwake, Python, OpenSSL, SQLite, the main libraries, and the
GUI's Qt/PySide6 when the GUI passes them: the engine never imports Qt), the platform, and
where config, data and logs live. Nothing else: no account names, addresses, server names or
environment variables. It still passes through the log redaction (in case a registered secret
were ever part of a path), and the home directory becomes `~`, since it names the user.
"""

from __future__ import annotations

import platform
import re
import sqlite3
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from kittiwake.client.logs import redact
from kittiwake.client.paths import Paths

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def runtime_dependencies() -> list[str]:
    """The names of Kittiwake's own runtime dependencies, from its installed metadata (so the
    list follows pyproject.toml)."""
    try:
        requires = metadata.requires("kittiwake") or []
    except metadata.PackageNotFoundError:
        return []
    names = []
    for requirement in requires:
        if "extra ==" in requirement.replace("extra==", "extra =="):
            continue
        match = _NAME.match(requirement)
        if match:
            names.append(match.group(0))
    return names


def _distribution_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True)
class Diagnostics:
    versions: tuple[tuple[str, str], ...]
    platform: str
    paths: tuple[tuple[str, Path], ...]

    def version_of(self, name: str) -> str | None:
        return dict(self.versions).get(name)


def collect(paths: Paths, gui_versions: Mapping[str, str] | None = None) -> Diagnostics:
    """Gather the facts; `gui_versions` (e.g. {"Qt": ..., "PySide6": ...}) come from the UI."""
    versions: list[tuple[str, str]] = [
        ("Kittiwake", _distribution_version("kittiwake")),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("OpenSSL", ssl.OPENSSL_VERSION),
        ("SQLite", sqlite3.sqlite_version),
    ]
    versions.extend((gui_versions or {}).items())
    known = {name.lower() for name, _ in versions}
    versions.extend(
        (name, _distribution_version(name))
        for name in runtime_dependencies()
        if name.lower() not in known
    )
    where = (
        ("Config", paths.config_dir),
        ("Data (mail cache)", paths.data_dir),
        ("Logs", paths.log_dir),
        ("Log file", paths.log_file),
    )
    frozen = " (bundle)" if getattr(sys, "frozen", False) else ""
    return Diagnostics(versions=tuple(versions), platform=platform.platform() + frozen, paths=where)


def shorten_home(text: str, home: Path | None = None) -> str:
    """Replace the home directory by `~` where it starts a path (not in /home/annex for
    /home/ann)."""
    prefix = str(Path.home() if home is None else home).rstrip("/")
    if not prefix:
        return text
    out: list[str] = []
    start = 0
    while (index := text.find(prefix, start)) != -1:
        end = index + len(prefix)
        at_boundary = end == len(text) or text[end] in "/\n\t '\")"
        starts_path = index == 0 or text[index - 1] in " \t\n:='\"("
        out.append(text[start:index])
        out.append("~" if at_boundary and starts_path else prefix)
        start = end
    out.append(text[start:])
    return "".join(out)


def report_text(diagnostics: Diagnostics, home: Path | None = None) -> str:
    """The text for the clipboard: plain, aligned, redacted."""
    lines = ["Kittiwake diagnostic report", "", "Versions:"]
    width = max(len(name) for name, _ in (*diagnostics.versions, *diagnostics.paths))
    lines += [f"  {name.ljust(width)}  {value}" for name, value in diagnostics.versions]
    lines += ["", f"Platform: {diagnostics.platform}", "", "Paths:"]
    lines += [f"  {name.ljust(width)}  {path}" for name, path in diagnostics.paths]
    return redact(shorten_home("\n".join(lines) + "\n", home))
