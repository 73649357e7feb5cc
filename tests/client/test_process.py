"""Saying that this process is a command's costs nothing and changes nothing else."""

from __future__ import annotations

import subprocess
import sys


def test_a_command_says_it_is_short_lived_without_loading_the_cache() -> None:
    probe = (
        "import sys\n"
        "from kittiwake.client import process\n"
        "before = process.short_lived()\n"
        "process.ends_after_its_command()\n"
        "print(before, process.short_lived(),\n"
        "      sorted(m for m in sys.modules if m.startswith('kittiwake.client.store')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "False True []", result.stdout + result.stderr
