"""Build the PyInstaller bundle unless an identical one is already built; print its path.

    .venv/bin/python packaging/build_bundle.py        (what `make bundle` runs)

The bundle lands in build/bundle/<key>/dist/kittiwake/, where <key> hashes everything that goes
into it: the sources, the spec, pyproject.toml, and the Python, PySide6 and PyInstaller
versions. A rerun with nothing changed (the smoke test's second run, `make bundle` twice)
returns at once; an older key's bundle is removed when a new one is built.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "kittiwake.spec"
BUNDLES = ROOT / "build" / "bundle"
INPUTS = ("client", "ui", "resources")
FILES = (
    "packaging/kittiwake.spec",
    "packaging/bundle_entry.py",
    "pyproject.toml",
    "setup.py",
)


def source_key() -> str:
    digest = hashlib.sha256()
    for name in ("PySide6", "pyinstaller", "pyinstaller-hooks-contrib"):
        try:
            digest.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none\n".encode())
    digest.update(sys.version.encode())
    paths = [ROOT / name for name in FILES]
    for directory in INPUTS:
        paths += [
            p
            for p in (ROOT / directory).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        ]
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def executable(key: str) -> Path:
    return BUNDLES / key / "dist" / "kittiwake" / "kittiwake"


def build(force: bool = False, quiet: bool = True) -> tuple[Path, float | None]:
    """The bundle's executable, and the build's duration in seconds (None when reused)."""
    key = source_key()
    target = executable(key)
    if target.is_file() and not force:
        return target, None
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN" if quiet else "INFO",
        "--distpath",
        str(BUNDLES / key / "dist"),
        "--workpath",
        str(BUNDLES / "work"),
        str(SPEC),
    ]
    subprocess.run(command, check=True, cwd=ROOT)
    # Keep only this bundle: each is ~400 MB.
    for old in BUNDLES.iterdir():
        if old.is_dir() and old.name not in (key, "work", "stage"):
            shutil.rmtree(old, ignore_errors=True)
    return target, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="build even if up to date")
    parser.add_argument("--verbose", action="store_true", help="PyInstaller's INFO output")
    options = parser.parse_args()
    path, seconds = build(force=options.force, quiet=not options.verbose)
    if seconds is None:
        print("bundle up to date", file=sys.stderr)
    else:
        print(f"bundle built in {seconds:.0f} s", file=sys.stderr)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
