"""Rule 1 of the design: the engine (client/) never imports Qt or the GUI."""

from __future__ import annotations

import ast
from pathlib import Path

CLIENT = Path(__file__).resolve().parent.parent / "client"
FORBIDDEN = ("PySide6", "kittiwake.ui", "shiboken6", "qasync")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_client_never_imports_qt_or_ui() -> None:
    offenders = [
        f"{path.relative_to(CLIENT.parent)} imports {name}"
        for path in sorted(CLIENT.rglob("*.py"))
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]
    assert offenders == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport kittiwake.ui.app\n")
    assert imported_modules(sample) == ["PySide6.QtCore", "kittiwake.ui.app"]
