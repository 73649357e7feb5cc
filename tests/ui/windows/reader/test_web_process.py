"""Runs test_view_web.py in a child pytest process (see that module's docstring for why)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kittiwake.ui.windows.reader import web_engine_available

WEB_TESTS = Path(__file__).with_name("test_view_web.py")
REPOSITORY = Path(__file__).resolve().parents[4]


@pytest.mark.skipif(
    not web_engine_available(), reason="QtWebEngine is not available: the reader shows text only"
)
def test_web_view_tests_pass_in_their_own_process() -> None:
    env = dict(os.environ, KITTIWAKE_WEB_CHILD="1", QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(WEB_TESTS)],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    passed = re.search(r"(\d+) passed", output)
    assert passed and int(passed.group(1)) >= 7, output[-3000:]
    assert "skipped" not in output, output[-3000:]
