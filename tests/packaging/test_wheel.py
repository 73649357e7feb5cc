"""`pip install .` gives a `kittiwake` command, the icons, and nothing generic in site-packages.

The wheel is built once (pip wheel --no-deps, in pip's isolated build environment as a user's
`pip install .` would) and inspected, rather than installed: installing PySide6 into a fresh
venv would take minutes.
"""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from kittiwake.resources import FOLDER_ICONS

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.kittiwake.Kittiwake"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (path,) = out.glob("kittiwake-*.whl")
    return zipfile.ZipFile(path)


pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_only_the_kittiwake_namespace_and_its_metadata_at_the_top(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert tops == {"kittiwake", "kittiwake-0.1.0.dist-info"}
    # A namespace: an __init__.py here would claim "kittiwake" for this distribution alone.
    assert "kittiwake/__init__.py" not in wheel.namelist()
    seconds = {"/".join(name.split("/")[:2]) for name in wheel.namelist()}
    assert {s for s in seconds if s.startswith("kittiwake/")} == {
        "kittiwake/client",
        "kittiwake/ui",
        "kittiwake/resources",
    }
    assert not [n for n in wheel.namelist() if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in wheel.namelist() if n.startswith(("kittiwake/tests", "tests/"))]


def test_the_icons_are_package_data(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert f"kittiwake/resources/icons/hicolor/{size}x{size}/apps/{APP_ID}.png" in names
    assert f"kittiwake/resources/icons/hicolor/scalable/apps/{APP_ID}.svg" in names
    # The folder pane's own icons (used without a desktop icon theme) travel with the code.
    for name in FOLDER_ICONS:
        assert f"kittiwake/resources/icons/folders/{name}.svg" in names


def test_the_kittiwake_command_and_the_dependencies(wheel: zipfile.ZipFile) -> None:
    entry_points = configparser.ConfigParser()
    entry_points.read_string(wheel.read("kittiwake-0.1.0.dist-info/entry_points.txt").decode())
    assert dict(entry_points["console_scripts"]) == {"kittiwake": "kittiwake.ui.launch:run"}
    # The target exists in the wheel and defines run().
    launch = wheel.read("kittiwake/ui/launch.py").decode()
    assert "\ndef run(" in launch
    metadata = Parser().parsestr(wheel.read("kittiwake-0.1.0.dist-info/METADATA").decode())
    requires = [r for r in metadata.get_all("Requires-Dist") or [] if "extra" not in r]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert {name_of(r) for r in requires} == {name_of(r) for r in declared}
    assert {"pyside6", "qasync", "keyring"} <= {name_of(r) for r in requires}


def name_of(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match is not None, requirement
    return match.group(0).lower()
