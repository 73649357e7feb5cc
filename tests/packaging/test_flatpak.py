"""The Flatpak manifest parses, names our app and command, and ships every runtime dependency."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "packaging" / "org.kittiwake.Kittiwake.yml"
# Provided by the base application rather than by a module of ours.
FROM_BASE = {"pyside6": "io.qt.PySide.BaseApp"}


def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = []
    for requirement in project["dependencies"]:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match is not None
        names.append(normalized(match.group(0)))
    return names


def wheel_names(module: dict[str, Any]) -> set[str]:
    return {
        normalized(source["url"].rsplit("/", 1)[1].split("-")[0])
        for source in module.get("sources", [])
        if source.get("type") == "file"
    }


def test_the_app_id_command_and_runtime() -> None:
    data = manifest()
    assert data["id"] == "org.kittiwake.Kittiwake"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert data["command"] in scripts
    assert data["runtime"] == "org.kde.Platform" and data["sdk"] == "org.kde.Sdk"
    assert str(data["runtime-version"]).startswith("6.")
    assert data["base"] == "io.qt.PySide.BaseApp"
    assert data["base-version"] == data["runtime-version"]


def test_every_runtime_dependency_is_shipped() -> None:
    data = manifest()
    modules = {module["name"]: module for module in data["modules"]}
    missing = []
    for name in runtime_dependencies():
        if name in FROM_BASE:
            assert data["base"] == FROM_BASE[name]
        elif name not in wheel_names(modules.get(f"python3-{name}", {})):
            missing.append(name)
    assert missing == [], "add a python3-<name> module with its wheel to the manifest"
    # Our own module comes last, after everything it imports.
    assert data["modules"][-1]["name"] == "kittiwake"


def test_every_download_is_pinned_and_binary_wheels_cover_both_arches() -> None:
    per_arch: dict[str, set[str]] = {}
    for module in manifest()["modules"]:
        for source in module.get("sources", []):
            if source["type"] != "file":
                continue
            assert source["url"].startswith("https://"), source
            assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"]), source
            filename = source["url"].rsplit("/", 1)[1]
            if "none-any" not in filename:
                for arch in source["only-arches"]:
                    per_arch.setdefault(arch, set()).add(filename.split("-")[0])
    assert set(per_arch) == {"x86_64", "aarch64"}
    assert per_arch["x86_64"] == per_arch["aarch64"]


def test_the_desktop_files_it_installs_exist() -> None:
    (app,) = [m for m in manifest()["modules"] if m["name"] == "kittiwake"]
    commands = " ".join(app["build-commands"])
    for relative in re.findall(r"(packaging/\S+|resources/\S+)", commands):
        assert (ROOT / relative).exists(), relative
    assert "org.kittiwake.Kittiwake.desktop" in commands
    assert "metainfo.xml" in commands and "hicolor" in commands
