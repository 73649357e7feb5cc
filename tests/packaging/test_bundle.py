"""The PyInstaller bundle builds, starts offscreen, shows its main window and exits cleanly.

Slow: a clean build takes about two minutes (packaging/build_bundle.py caches it under
build/bundle/<hash of the sources>, so a rerun with nothing changed takes seconds).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kittiwake.ui.app import READY_LINE, SMOKE_TEST_ENV

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def bundle() -> Path:
    pytest.importorskip("PyInstaller")
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build_bundle.py")],
        capture_output=True,
        text=True,
        timeout=1400,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    # The build time, for the CI log (pytest -rA shows it; see the report in the issue).
    sys.stderr.write(result.stderr.splitlines()[-1] + "\n")
    return Path(result.stdout.strip().splitlines()[-1])


def run_bundle(executable: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "KITTIWAKE_HOME": str(home),
        SMOKE_TEST_ENV: "1",
    }
    return subprocess.run(
        [str(executable), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def smoke_run(
    bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    return run_bundle(bundle, home=tmp_path_factory.mktemp("home"))


def test_the_bundle_starts_and_shows_its_main_window(
    smoke_run: subprocess.CompletedProcess[str],
) -> None:
    # Everything the window needs was bundled: no import or resource failed on the way.
    assert READY_LINE in smoke_run.stdout.splitlines(), smoke_run.stderr[-4000:]
    assert "Traceback" not in smoke_run.stderr


def test_the_bundle_exits_cleanly(smoke_run: subprocess.CompletedProcess[str]) -> None:
    assert smoke_run.returncode == 0, smoke_run.stderr[-4000:]


def test_the_bundle_answers_version_and_help(bundle: Path, tmp_path: Path) -> None:
    version = run_bundle(bundle, "--version", home=tmp_path)
    assert (version.returncode, version.stdout.strip()) == (0, "kittiwake 0.1.0")
    help_ = run_bundle(bundle, "--help", home=tmp_path)
    assert help_.returncode == 0 and "--debug-protocol" in help_.stdout


def test_the_bundle_carries_qtwebengine_and_the_icons(bundle: Path) -> None:
    internal = bundle.parent / "_internal"
    qt = internal / "PySide6" / "Qt"
    assert (qt / "libexec" / "QtWebEngineProcess").is_file()
    assert (qt / "resources" / "qtwebengine_resources.pak").is_file()
    assert (qt / "resources" / "icudtl.dat").is_file()
    assert list(internal.glob("PySide6/QtWebEngineWidgets.*.so"))
    icons = internal / "kittiwake" / "resources" / "icons" / "hicolor"
    assert (icons / "48x48" / "apps" / "org.kittiwake.Kittiwake.png").is_file()
    # Qt Quick 3D, Charts...: dragged in by QML plugins we do not use, and filtered out.
    assert not list(internal.rglob("libQt63D*"))
    assert not [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
