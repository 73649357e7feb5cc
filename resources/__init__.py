"""Package data installed with Kittiwake (kittiwake.resources): the icon set.

The application icons are a hicolor theme tree (icons/hicolor/<size>x<size>/apps/ and
scalable/apps/), the layout desktops expect, so packaging copies the tree as it is. The PNGs
are rendered from the SVG by packaging/render_icons.py and committed.

icons/folders/ holds the folder pane's own small SVGs (Inbox, Sent, Trash...), used when the
desktop's icon theme has no icon of that name. They stay outside hicolor/ on purpose: packaging
installs hicolor/ into the system's icon theme, and these are not the desktop's to see.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

APP_ID = "org.kittiwake.Kittiwake"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def icons_dir() -> Path:
    """The hicolor directory (a real directory: the wheel installs unzipped)."""
    return Path(str(resources.files(__name__).joinpath("icons", "hicolor")))


def icon_file(size: int | None = None) -> Path:
    """The PNG of `size` pixels, or the SVG when `size` is None."""
    if size is None:
        return icons_dir() / "scalable" / "apps" / f"{APP_ID}.svg"
    if size not in ICON_SIZES:
        raise ValueError(f"no {size}px icon; sizes are {ICON_SIZES}")
    return icons_dir() / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


FOLDER_ICONS = (
    "inbox", "outbox", "drafts", "sent", "archive", "junk", "trash", "folder", "account", "local",
)  # fmt: skip


def folder_icon_file(name: str) -> Path:
    """One of the folder pane's shipped SVG icons (see FOLDER_ICONS)."""
    if name not in FOLDER_ICONS:
        raise ValueError(f"no folder icon {name!r}; they are {FOLDER_ICONS}")
    return Path(str(resources.files(__name__).joinpath("icons", "folders", f"{name}.svg")))
