"""Attachment bytes to disk: save one, save all without overwriting, open a private copy."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kittiwake.client.mime.display import Attachment
from kittiwake.client.mime.parse import part_bytes
from kittiwake.ui.windows.reader.bars import attachment_name


def write_attachment(raw: bytes, attachment: Attachment, path: Path) -> bool:
    data = part_bytes(raw, attachment.part_path)
    if data is None:
        return False
    path.write_bytes(data)
    return True


def free_path(directory: Path, name: str) -> Path:
    """directory/name, or "name (2).ext" and so on: save all never overwrites a file."""
    candidate = directory / name
    stem, suffix = os.path.splitext(name)
    counter = 2
    while candidate.exists():
        candidate = directory / f"{stem} ({counter}){suffix}"
        counter += 1
    return candidate


def save_all(raw: bytes, attachments: tuple[Attachment, ...], directory: Path) -> list[Path]:
    written: list[Path] = []
    for attachment in attachments:
        path = free_path(directory, attachment_name(attachment))
        if write_attachment(raw, attachment, path):
            written.append(path)
    return written


# Opening these hands a program from a stranger to the desktop, which may run it. The reader
# saves them instead (the user can still run a saved file deliberately).
RISKY_SUFFIXES = frozenset(
    {
        ".exe",
        ".com",
        ".bat",
        ".cmd",
        ".scr",
        ".pif",
        ".msi",
        ".msp",
        ".ps1",
        ".vbs",
        ".vbe",
        ".js",
        ".jse",
        ".wsf",
        ".wsh",
        ".hta",
        ".cpl",
        ".jar",
        ".sh",
        ".bash",
        ".run",
        ".appimage",
        ".desktop",
        ".py",
        ".pl",
        ".rb",
        ".command",
        ".app",
        ".lnk",
        ".reg",
        ".apk",
        ".deb",
        ".rpm",
        ".dll",
        ".so",
        ".iso",
        ".img",
    }
)


def is_risky(attachment: Attachment) -> bool:
    name = attachment_name(attachment).lower()
    return any(name.endswith(suffix) for suffix in RISKY_SUFFIXES) or attachment.content_type in (
        "application/x-msdownload",
        "application/x-executable",
        "application/x-sh",
        "application/x-desktop",
    )


def private_copy(raw: bytes, attachment: Attachment) -> Path | None:
    """A copy only this user can read, for the desktop's opener."""
    directory = Path(tempfile.mkdtemp(prefix="kittiwake-open-"))  # mode 0700
    path = directory / attachment_name(attachment)
    if not write_attachment(raw, attachment, path):
        return None
    path.chmod(0o400)  # read-only: editing the temp copy would silently lose the changes
    return path
