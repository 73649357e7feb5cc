"""Folder icons: the desktop theme's when it has one, else Kittiwake's shipped SVGs, which must
look like icons (colour, drawn edges), not a style's black arrow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtWidgets import QApplication, QStyle

from kittiwake.client.store.model import Role
from kittiwake.resources import FOLDER_ICONS, folder_icon_file
from kittiwake.ui.icons import themed_icon
from kittiwake.ui.models.folder_tree import role_icon

SIZE = 32


@pytest.fixture
def theme(qapp: QApplication, tmp_path: Path) -> Iterator[Path]:
    """A private icon-theme search path; the theme is chosen by each test, restored after."""
    name, paths = QIcon.themeName(), QIcon.themeSearchPaths()
    fallback = QIcon.fallbackThemeName()
    QIcon.setThemeSearchPaths([str(tmp_path)])
    QIcon.setFallbackThemeName("kittiwake-test-none")
    QIcon.setThemeName("kittiwake-test-none")
    yield tmp_path
    QIcon.setThemeSearchPaths(paths)
    QIcon.setFallbackThemeName(fallback)
    QIcon.setThemeName(name)


def image(icon: QIcon) -> QImage:
    return icon.pixmap(SIZE, SIZE).toImage().convertToFormat(QImage.Format.Format_ARGB32)


def colours(picture: QImage) -> set[tuple[int, int, int]]:
    """The colours of the (nearly) opaque pixels."""
    seen = set()
    for y in range(picture.height()):
        for x in range(picture.width()):
            colour = QColor.fromRgba(picture.pixel(x, y))
            if colour.alpha() > 200:
                seen.add((colour.red(), colour.green(), colour.blue()))
    return seen


def test_without_a_theme_the_sent_folder_has_the_shipped_icon_not_a_black_arrow(
    theme: Path,
) -> None:
    sent = image(role_icon(Role.SENT))
    assert sent == image(QIcon(str(folder_icon_file("sent"))))
    arrow = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_ArrowForward)
    assert sent != image(arrow)
    # Drawn in colour: some opaque pixel is neither black nor grey.
    assert any(max(c) - min(c) > 40 for c in colours(sent))


def test_every_shipped_icon_draws(qapp: QApplication) -> None:
    for name in FOLDER_ICONS:
        path = folder_icon_file(name)
        assert path.is_file(), name
        picture = image(QIcon(str(path)))
        assert not picture.isNull(), name
        # Fills and outlines: several opaque colours, not one blot.
        assert len(colours(picture)) >= 3, name
    with pytest.raises(ValueError):
        folder_icon_file("nonesuch")


@pytest.mark.parametrize("role", [*Role, None])
def test_every_folder_role_has_an_icon_without_a_theme(theme: Path, role: Role | None) -> None:
    assert not role_icon(role).isNull()


def test_the_desktop_theme_is_preferred_when_it_has_the_icon(theme: Path) -> None:
    folder = theme / "kittiwake-test" / "16x16" / "places"
    folder.mkdir(parents=True)
    (theme / "kittiwake-test" / "index.theme").write_text(
        "[Icon Theme]\nName=Test\nDirectories=16x16/places\n\n"
        "[16x16/places]\nSize=16\nContext=Places\nType=Fixed\n",
        encoding="utf-8",
    )
    red = QImage(16, 16, QImage.Format.Format_ARGB32)
    red.fill(QColor("red"))
    assert red.save(str(folder / "mail-folder-sent.png"))
    QIcon.setThemeName("kittiwake-test")
    icon = role_icon(Role.SENT)
    assert icon.name() == "mail-folder-sent"
    assert QColor(image(icon).pixel(8, 8)) == QColor("red")
    # An icon the theme lacks still comes from Kittiwake's own set.
    assert image(themed_icon("mail-folder-no-such", "trash")) == image(
        QIcon(str(folder_icon_file("trash")))
    )
