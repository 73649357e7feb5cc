"""`make install-desktop`: the desktop integration lands in XDG_DATA_HOME, and goes again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "install_desktop.py"
APP_ID = "org.kittiwake.Kittiwake"


def run(*args: str, data_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, check=True
    )


def test_installs_desktop_file_metainfo_and_icons_then_removes_them(tmp_path: Path) -> None:
    command = tmp_path / "venv with space" / "bin" / "kittiwake"
    run("--exec", str(command), data_home=tmp_path)
    desktop = tmp_path / "applications" / f"{APP_ID}.desktop"
    text = desktop.read_text()
    assert f'Exec="{command}" %u' in text
    assert f"TryExec={command}\n" in text
    assert (tmp_path / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    for size in (16, 48, 256, 512):
        assert (tmp_path / f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png").is_file()
    assert (tmp_path / f"icons/hicolor/scalable/apps/{APP_ID}.svg").is_file()
    validate = shutil.which("desktop-file-validate")
    if validate:
        result = subprocess.run([validate, str(desktop)], capture_output=True, text=True)
        assert (result.returncode, result.stdout) == (0, "")

    run("--uninstall", data_home=tmp_path)
    left = [p for p in tmp_path.rglob(f"{APP_ID}*")]
    assert left == []


def test_without_exec_the_desktop_file_is_copied_as_is(tmp_path: Path) -> None:
    run(data_home=tmp_path)
    installed = (tmp_path / "applications" / f"{APP_ID}.desktop").read_text()
    assert installed == (ROOT / "packaging" / f"{APP_ID}.desktop").read_text()


@pytest.mark.parametrize("value", ["", "relative/dir"])
def test_an_empty_or_relative_xdg_data_home_means_the_default(value: str) -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import install_desktop
    finally:
        sys.path.remove(str(SCRIPT.parent))
    assert install_desktop.data_home({"XDG_DATA_HOME": value}) == Path.home() / ".local/share"
    assert install_desktop.data_home({"XDG_DATA_HOME": "/x/y"}) == Path("/x/y")
