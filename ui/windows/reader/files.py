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


def private_copy(raw: bytes, attachment: Attachment) -> Path | None:
    """A copy only this user can read, for the desktop's opener."""
    directory = Path(tempfile.mkdtemp(prefix="kittiwake-open-"))  # mode 0700
    path = directory / attachment_name(attachment)
    if not write_attachment(raw, attachment, path):
        return None
    path.chmod(0o400)  # read-only: editing the temp copy would silently lose the changes
    return path
