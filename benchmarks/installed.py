"""Kittiwake as a user has it, for benchmarks that time whole `kittiwake` processes.

The development venv has Kittiwake installed in editable mode: every start runs setuptools'
editable finder (a .pth file that imports it, and a meta-path hook consulted on every import),
~25 ms that no installed copy pays (pip install, the Debian package, the Flatpak, the bundle).
`installed_kittiwake` builds this tree's wheel and installs it, not editable, into a private
venv whose dependencies are the development venv's (a path line in a .pth file: the directory
is searched, but its own .pth files, the editable finder among them, are not run). pip
compiles the bytecode at install, as for a user.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_PYTHON = ROOT / ".venv" / "bin" / "python"


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    out = subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def installed_kittiwake(work: Path) -> list[str]:
    """The `kittiwake` command of a fresh, non-editable install of this tree under `work`."""
    prefix = work / "installed"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(prefix)
    python = prefix / "bin" / "python"
    site = _site_packages(python)
    (site / "kittiwake-bench-deps.pth").write_text(f"{_site_packages(DEV_PYTHON)}\n")
    built = subprocess.run(
        [str(DEV_PYTHON), "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         "--disable-pip-version-check", str(ROOT)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if built.returncode:  # setuptools' chatter only when the install failed
        raise RuntimeError(f"installing this tree failed:\n{built.stdout}{built.stderr}")
    command = prefix / "bin" / "kittiwake"
    check = subprocess.run(
        [str(python), "-c", "import kittiwake.client, sys; print(kittiwake.client.__file__)"],
        check=True,
        capture_output=True,
        text=True,
    )
    if not check.stdout.strip().startswith(str(site)):  # the editable tree must not win
        raise RuntimeError(f"the installed copy is not the one imported: {check.stdout}")
    return [str(command)]


if __name__ == "__main__":  # for a look: python benchmarks/installed.py DIR
    print(installed_kittiwake(Path(sys.argv[1])), sysconfig.get_python_version())
