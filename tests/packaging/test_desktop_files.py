"""The .desktop file, the AppStream metainfo and the icon set pass the desktop's validators."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from kittiwake.resources import APP_ID, ICON_SIZES, icon_file
from kittiwake.ui.app import APP_ID as UI_APP_ID

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "packaging" / f"{APP_ID}.desktop"
METAINFO = ROOT / "packaging" / f"{APP_ID}.metainfo.xml"


def validator(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (./bootstrap test installs it)")
    return path


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_one_application_id_everywhere() -> None:
    assert APP_ID == UI_APP_ID == "org.kittiwake.Kittiwake"
    assert ET.parse(METAINFO).getroot().findtext("id") == APP_ID


def test_desktop_file_is_valid() -> None:
    result = subprocess.run(
        [validator("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True
    )
    # It prints nothing at all for a clean file (hints and warnings included).
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_desktop_file_handles_mailto_and_messages() -> None:
    entry = desktop_entry()
    assert entry["Exec"] == "kittiwake %u"
    assert entry["MimeType"].split(";")[:2] == ["x-scheme-handler/mailto", "message/rfc822"]
    assert entry["Categories"] == "Network;Email;"
    assert entry["Icon"] == APP_ID
    assert entry["StartupWMClass"] == "kittiwake"


def test_metainfo_is_valid() -> None:
    result = subprocess.run(
        [validator("appstreamcli"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Errors and warnings fail; infos (e.g. a tag newer than this appstreamcli) may pass.
    flagged = [line for line in result.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert flagged == []


def test_metainfo_names_what_a_software_centre_needs() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.find("content_rating") is not None
    assert [m.text for m in root.iterfind("provides/mediatype")] == [
        "x-scheme-handler/mailto",
        "message/rfc822",
    ]
    images = [i.text or "" for i in root.iterfind("screenshots/screenshot/image")]
    assert len(images) >= 1
    assert all(url.startswith("https://") and url.endswith(".png") for url in images)
    releases = [r.get("version") for r in root.iterfind("releases/release")]
    assert releases and releases[0] == "0.1.0"
    assert len(root.findtext("description/p", "").split()) > 20


def test_every_icon_size_is_a_square_png_of_that_size(qapp: QApplication) -> None:
    for size in ICON_SIZES:
        image = QImage(str(icon_file(size)))
        assert (image.width(), image.height()) == (size, size), size
        assert image.hasAlphaChannel()
        # Transparent corners (the rounded square) and an opaque middle.
        assert image.pixelColor(0, 0).alpha() == 0
        assert image.pixelColor(size // 2, size * 3 // 4).alpha() == 255
    svg = icon_file().read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and 'viewBox="0 0 128 128"' in svg


def load_script(name: str) -> ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_screenshot_urls_use_the_one_base_address() -> None:
    metainfo = load_script("metainfo")
    text = METAINFO.read_text(encoding="utf-8")
    urls = metainfo.image_urls(text)
    assert len(urls) == len(ET.parse(METAINFO).getroot().findall("./screenshots/screenshot/image"))
    base = metainfo.SCREENSHOT_BASE
    assert not base.endswith("/")
    assert urls == [f"{base}/{metainfo.file_name(url)}" for url in urls], (
        "SCREENSHOT_BASE changed: re-run packaging/metainfo.py"
    )
    assert metainfo.with_base(text) == text


def test_setting_the_base_address_rewrites_only_the_screenshot_urls() -> None:
    metainfo = load_script("metainfo")
    text = METAINFO.read_text(encoding="utf-8")
    moved = metainfo.with_base(text, "https://mail.example.net/v0.1/shots/")
    names = [metainfo.file_name(url) for url in metainfo.image_urls(text)]
    assert metainfo.image_urls(moved) == [f"https://mail.example.net/v0.1/shots/{n}" for n in names]
    changed = [
        (old, new)
        for old, new in zip(text.splitlines(), moved.splitlines(), strict=True)
        if old != new
    ]
    assert len(changed) == len(names)
    assert all("<image " in old and "<image " in new for old, new in changed)
    root = ET.fromstring(moved.encode("utf-8"))
    assert root.findtext("id") == APP_ID  # still well-formed, same component


def test_committed_pngs_match_the_svg(qapp: QApplication, tmp_path: Path) -> None:
    # qapp first: render() would otherwise make a QGuiApplication, and later widget tests abort.
    render_icons = load_script("render_icons")
    for path in render_icons.render(hicolor=tmp_path, sizes=(32, 128)):
        size = int(path.parent.parent.name.split("x")[0])
        fresh, committed = QImage(str(path)), QImage(str(icon_file(size)))
        assert fresh == committed, f"re-run packaging/render_icons.py ({size}px differs)"


def test_every_metainfo_screenshot_is_in_the_repository_at_its_size(qapp: QApplication) -> None:
    images = ET.parse(METAINFO).getroot().findall("./screenshots/screenshot/image")
    assert images
    for image in images:
        name = (image.text or "").rstrip("/").rsplit("/", 1)[-1]
        picture = QImage(str(ROOT / "docs" / "screenshots" / name))
        assert not picture.isNull(), f"{name} is not in docs/screenshots"
        assert (picture.width(), picture.height()) == (
            int(image.get("width", "0")),
            int(image.get("height", "0")),
        ), name
