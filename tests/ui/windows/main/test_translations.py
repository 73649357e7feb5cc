"""Every user-visible string of the main window reaches a translation template (lupdate)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def test_lupdate_finds_the_main_window_strings(tmp_path: Path) -> None:
    lupdate = shutil.which("pyside6-lupdate", path=str(Path(sys.executable).parent))
    if lupdate is None:
        pytest.skip("pyside6-lupdate is not installed")
    sources = [
        ROOT / "ui" / "windows" / "main_window.py",
        *sorted((ROOT / "ui" / "windows" / "main").glob("*.py")),
        *sorted((ROOT / "ui" / "models").glob("*.py")),
    ]
    template = tmp_path / "kittiwake.ts"
    subprocess.run(
        [lupdate, *map(str, sources), "-ts", str(template)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = template.read_text(encoding="utf-8")
    for context in ("MainWindow", "MainActions", "Tags", "MainStatusBar", "ListPane"):
        assert f"<name>{context}</name>" in text
    for source in ("&amp;New message", "Work &amp;offline", "All Inboxes", "Important", "Details…"):
        assert source in text, source
